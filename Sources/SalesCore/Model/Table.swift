/// The records of one entity, stored by column: one `FieldColumn` per field (each in the narrowest form
/// its type allows) and one array of ids, all indexed by slot. A query reads one field of many records,
/// so it walks one array front to back instead of hopping from record to record; a load appends to the
/// arrays with no allocation per record. Slots of deleted records hold a nil id (and null values) until the next load compacts them.
///
/// A table opened from a snapshot may be *deferred*: its records are decoded the first time anything
/// reads or changes it, so a script that reads three tables of a large store decodes those three.
public final class Table {
    public let schema: EntitySchema
    public let entityIndex: Int
    @usableFromInline var _slotIDs: ContiguousArray<String?> = []
    @usableFromInline var _columns: [FieldColumn]
    /// Slots by id. A numbered id (O1024) is found through its number in `slotByNumber`, with no
    /// hashing; chosen ids (wang.wei), and numbers far past the others, through `index`.
    private var index = TextIndex()
    private var slotByNumber: ContiguousArray<Int32> = []
    private let prefix: [UInt8]?
    private var _count = 0
    /// Bumped by every change to the records, so what was worked out from them (who the user is, from
    /// the staff) can be kept until they change.
    public private(set) var version = 0
    /// Bumped by every change but an appended record: unchanged, the records a snapshot holds are
    /// still the table's first records, as they were, with only new ones after them.
    public private(set) var edits = 0
    private var _nextNumber: Int64 = 1

    /// Decodes the records of a deferred table; nil once they are in (or for a table never deferred).
    @usableFromInline var pendingLoad: (() throws -> Void)?
    /// What the loader keeps about a deferred table's records (their bytes), for a save that copies
    /// them unread. Nil once they are decoded.
    public private(set) var deferredSource: AnyObject?
    /// Called when a deferred table's records cannot be decoded on first use (the shell reports the
    /// damage and stops: nothing was changed). `load()` throws instead, for callers that can.
    nonisolated(unsafe) public static var onLoadFailure: (Table, Error) -> Never = { t, e in
        fatalError("the records of \(t.schema.plural) cannot be read: \(e)")
    }

    /// `keyed` names the entities whose ids are chosen (staff, teams …): references to them are
    /// kept in dictionary columns.
    init(schema: EntitySchema, entityIndex: Int, keyed: Set<String>) {
        self.schema = schema; self.entityIndex = entityIndex
        prefix = schema.prefix.map { Array($0.utf8) }
        emptyColumns = schema.fields.map { f in
            if case .reference(let target) = f.type { return FieldColumn(for: f.type, dictionary: keyed.contains(target)) }
            return FieldColumn(for: f.type, dictionary: f.fewValues)
        }
        _columns = emptyColumns
        appendedWhileDeferred = AppendedRows(columns: emptyColumns)
    }

    /// One empty column per field, in the form the table keeps it.
    public let emptyColumns: [FieldColumn]

    /// Leaves the `count` records to be decoded by `load` on first use; `source` is kept for
    /// `deferredSource`.
    /// `reusable`: the source's bytes are what a save would write for these records (today's fields, today's format).
    public func deferLoading(source: AnyObject, count: Int, reusable: Bool = false, _ load: @escaping () throws -> Void) {
        deferredSource = source
        sourceIsReusable = reusable
        deferredCount = count
        pendingLoad = load
    }
    private var deferredCount = 0
    private var sourceIsReusable = false
    public var isDeferred: Bool { pendingLoad != nil }

    /// Decodes a deferred table's records now, throwing what the decoding finds wrong.
    public func load() throws {
        guard let p = pendingLoad else { return }
        let source = deferredSource
        pendingLoad = nil
        deferredSource = nil
        try p()
        // Decoded as the source holds it: a save can write those bytes again until something changes.
        if sourceIsReusable, let source { savedImage = SavedImage(bytes: source, version: version, edits: edits, slotCount: _slotIDs.count) }
        let later = appendedWhileDeferred
        appendedWhileDeferred = AppendedRows(columns: emptyColumns)
        if later.count > 0 { appendLoaded(ids: later.ids, columns: later.columns) }
    }

    /// Records appended to a deferred table without decoding it (the history of a change), by column as
    /// the table keeps them: they follow the decoded records when it is decoded, and a save writes them
    /// after its unread bytes as a column chunk. A large import's history is a million rows of these.
    public struct AppendedRows {
        public internal(set) var ids: ContiguousArray<String> = []
        public internal(set) var columns: [FieldColumn]
        public var count: Int { ids.count }
    }
    public private(set) var appendedWhileDeferred: AppendedRows

    /// The next number, without decoding a deferred table: the snapshot's header holds it (every
    /// snapshot salesh writes has a number past all its ids), raised by what was appended since.
    public var nextNumberWithoutLoading: Int64 { _nextNumber }

    /// What the last snapshot written holds of this table, for the next save to write again as it is.
    public struct SavedImage {
        /// The bytes, kept by the persistence layer (a section of the written file).
        public let bytes: AnyObject
        public let version: Int, edits: Int, slotCount: Int
    }
    /// Nil for a table not written since it was decoded, or written only while deferred.
    public private(set) var savedImage: SavedImage?

    /// Remembers `bytes` as this decoded table as it is now, written in a snapshot.
    public func rememberSaved(_ bytes: AnyObject) {
        guard pendingLoad == nil else { return }
        savedImage = SavedImage(bytes: bytes, version: version, edits: edits, slotCount: _slotIDs.count)
    }

    /// How much of the saved image still holds: all of it (nothing changed since), the first records
    /// with new ones after them (`from` is the first new slot), or nothing.
    public enum SavedState: Equatable { case unchanged, appended(from: Int), changed }
    public var savedState: SavedState {
        guard let image = savedImage, pendingLoad == nil else { return .changed }
        if image.version == version { return .unchanged }
        guard image.edits == edits else { return .changed }
        return _slotIDs.count > image.slotCount ? .appended(from: image.slotCount) : .unchanged
    }

    /// Points a deferred table at its records as a newer snapshot holds them, the rows appended since
    /// the open among them: they are dropped from memory, and `load` decodes them from there.
    public func redefer(source: AnyObject, count: Int, reusable: Bool, _ load: @escaping () throws -> Void) {
        guard pendingLoad != nil else { return }
        precondition(count == deferredCount)
        // A large import's history (a million rows of strings) freed on another thread: it took the
        // thread that goes on to the next statement a tenth of a second.
        var dropped = AppendedRows(columns: emptyColumns)
        swap(&dropped, &appendedWhileDeferred)
        if dropped.count >= 10_000 { FreedElsewhere(dropped).free() }
        deferLoading(source: source, count: count, reusable: reusable, load)
    }

    /// Lets go of a decoded table's records once the snapshot holds them as they are (the saved image
    /// unchanged, no slot empty): the table is deferred again, `load` decoding them from there on first
    /// use, as at the open. False, and nothing done, otherwise. For a large log the shell only appends
    /// to (the history): a few rows added to two million kept in memory copied every column each time
    /// one outgrew its room. The records are freed on another thread.
    @discardableResult
    public func unload(_ load: @escaping () throws -> Void) -> Bool {
        guard pendingLoad == nil, let image = savedImage, case .unchanged = savedState, _count == _slotIDs.count else { return false }
        let n = _count
        // Taken out first, so that the box is their only holder when the other thread empties it.
        var dropped = (columns: emptyColumns, ids: ContiguousArray<String?>(), index: TextIndex(),
                       numbers: ContiguousArray<Int32>(), every: [Int](), indexes: [Int: ValueIndex]())
        swap(&dropped.columns, &_columns); swap(&dropped.ids, &_slotIDs); swap(&dropped.index, &index)
        swap(&dropped.numbers, &slotByNumber); swap(&dropped.every, &everySlot); swap(&dropped.indexes, &valueIndexes)
        FreedElsewhere(dropped).free()
        _count = 0
        savedImage = nil
        deferLoading(source: image.bytes, count: n, reusable: true, load)
        return true
    }

    /// Appends a record given as its id and values (one per field), which stay the caller's to fill
    /// again: no record is made. A deferred table keeps it aside instead of decoding its records.
    func append(id: String, values: [Value]) {
        guard pendingLoad != nil else { insert(id: id, values: values); return }
        version &+= 1
        appendedWhileDeferred.ids.append(id)
        values.withUnsafeBufferPointer { vs in
            for f in vs.indices { appendedWhileDeferred.columns[f].append(vs[f]) }
        }
        deferredCount += 1
        if let n = number(of: id), n >= _nextNumber { _nextNumber = Int64(n) + 1 }
    }

    /// Appends `ids.count` records whose values `fill` appends to the columns in place (the table's own,
    /// or those kept aside while it is deferred), each column as long as the ids after: a million rows
    /// of history are written once, not gathered in columns of their own and copied in after.
    func append(ids: ContiguousArray<String>, filling fill: (inout [FieldColumn]) -> Void) {
        guard !ids.isEmpty else { return }
        if pendingLoad != nil {
            fill(&appendedWhileDeferred.columns)
            precondition(appendedWhileDeferred.columns.allSatisfy { $0.count == appendedWhileDeferred.count + ids.count })
            version &+= 1
            if appendedWhileDeferred.ids.isEmpty { appendedWhileDeferred.ids = ids } else { appendedWhileDeferred.ids.append(contentsOf: ids) }
            deferredCount += ids.count
            if let last = ids.last, let n = number(of: last), n >= _nextNumber { _nextNumber = Int64(n) + 1 }
            return
        }
        fill(&_columns)
        precondition(_columns.allSatisfy { $0.count == _slotIDs.count + ids.count })
        // Room made at once only for a batch as large as the table: a reservation is exact, so one
        // for every small batch would copy the whole table each time.
        if ids.count >= _slotIDs.count {
            _slotIDs.reserveCapacity(_slotIDs.count + ids.count)
            if prefix != nil { slotByNumber.reserveCapacity(_slotIDs.count + ids.count + 1) }
        }
        for id in ids { added(id) }
    }

    /// Takes back the last `n` records `append` added, the next number with them: the history of a
    /// change that could not be written.
    func dropAppended(_ n: Int, nextNumber: Int64) {
        version &+= 1
        edits &+= 1
        if pendingLoad != nil {
            appendedWhileDeferred.ids.removeLast(n)
            for f in appendedWhileDeferred.columns.indices {
                for _ in 0..<n { appendedWhileDeferred.columns[f].removeLast() }
            }
            deferredCount -= n
        } else {
            for id in _slotIDs.suffix(n).reversed() { if let id { remove(id) } }
        }
        _nextNumber = nextNumber
    }

    @inlinable @inline(__always) func loaded() {
        if pendingLoad != nil { loadOrStop() }
    }
    @usableFromInline @inline(never) func loadOrStop() {
        do { try load() } catch { Table.onLoadFailure(self, error) }
    }

    /// The id in each slot; nil where a record was deleted.
    public var slotIDs: ContiguousArray<String?> { loaded(); return _slotIDs }
    /// One column per field, in schema order, each as long as `slotIDs`.
    public var columns: [FieldColumn] { loaded(); return _columns }
    /// How many records there are; known without decoding a deferred table.
    public var count: Int { pendingLoad != nil ? deferredCount : _count }
    /// The next number for prefixed ids (O1024 …).
    public var nextNumber: Int64 {
        get { loaded(); return _nextNumber }
        set { loaded(); _nextNumber = newValue }
    }
    /// Raises the next number to at least `n` without decoding a deferred table (the snapshot's header).
    public func raiseNextNumber(to n: Int64) { _nextNumber = max(_nextNumber, n) }

    /// How many slots there are, live or not: slots run from 0 to this.
    public var slotCount: Int { loaded(); return _slotIDs.count }

    public func slot(of id: String) -> Int? {
        loaded()
        if let n = number(of: id), n < slotByNumber.count, slotByNumber[n] >= 0 { return Int(slotByNumber[n]) }
        return index.isEmpty ? nil : index[id]
    }
    public func record(_ id: String) -> Record? { slot(of: id).flatMap { record(at: $0) } }

    /// The record in a slot, put together from the columns; nil for a deleted one.
    public func record(at slot: Int) -> Record? {
        loaded()
        guard slot >= 0, slot < _slotIDs.count, let id = _slotIDs[slot] else { return nil }
        return Record(id: id, values: _columns.map { $0[slot] })
    }
    public func isLive(_ slot: Int) -> Bool { loaded(); return slot >= 0 && slot < _slotIDs.count && _slotIDs[slot] != nil }
    /// The id of the live record in a slot.
    public func id(at slot: Int) -> String { loaded(); return _slotIDs[slot]! }

    /// The slots among `slots` whose code of `field` passes `mask` (see `FieldColumn.keep`).
    @inlinable
    public func keep(_ slots: ArraySlice<Int>, field: Int, codes mask: [Bool], otherwise: (Int) -> Bool) -> [Int] {
        loaded()
        return _columns[field].keep(Slots(slots, run: run(of: slots)), codes: mask, otherwise: otherwise)
    }

    /// The slots among `slots` whose number of `field` passes `test` (see `FieldColumn.keep`).
    @inlinable
    public func keep(_ slots: ArraySlice<Int>, field: Int, numbers condition: NumberCondition) -> [Int] {
        loaded()
        return _columns[field].keep(Slots(slots, run: run(of: slots)), numbers: condition)
    }

    /// The numbers of a field for a block of slots (see `FieldColumn.numbers`).
    @inlinable
    public func numbers(_ slots: ArraySlice<Int>, field: Int) -> [Int64] {
        loaded()
        return _columns[field].numbers(Slots(slots, run: run(of: slots)))
    }

    /// The codes of a field for a block of slots (see `FieldColumn.codes`).
    @inlinable
    public func codes(_ slots: ArraySlice<Int>, field: Int) -> [UInt32] {
        loaded()
        return _columns[field].codes(Slots(slots, run: run(of: slots)))
    }

    /// The slots `slots` are as a range, when they are a part of `liveSlots` with no slot empty (the
    /// very array it keeps): a query over a whole table reads its columns without reading the slots.
    public func run(of slots: ArraySlice<Int>) -> Range<Int>? {
        guard !slots.isEmpty else { return nil }
        return everySlot.withUnsafeBufferPointer { all in
            slots.withUnsafeBufferPointer { part -> Range<Int>? in
                guard let a = all.baseAddress, let p = part.baseAddress, p >= a, p + part.count <= a + all.count else { return nil }
                return p - a ..< p - a + part.count
            }
        }
    }

    /// A number field's value in a slot without making a `Value` (see `FieldColumn.number`).
    @inlinable @inline(__always)
    public func number(_ slot: Int, _ field: Int) -> Int64 {
        loaded()
        return _columns.withUnsafeBufferPointer { $0[field].number(slot) }
    }

    /// One value of the record in a slot: the inner loop of every query.
    @inlinable @inline(__always)
    public func value(_ slot: Int, _ field: Int) -> Value {
        loaded()
        return _columns.withUnsafeBufferPointer { $0[field][slot] }
    }
    public func contains(_ id: String) -> Bool { slot(of: id) != nil }

    /// The code of one value of a coded column (`FieldColumn.code`): 0 for null, `UInt32.max` when the
    /// column keeps no codes.
    @inlinable @inline(__always)
    public func code(_ slot: Int, _ field: Int) -> UInt32 {
        loaded()
        return _columns.withUnsafeBufferPointer { $0[field].code(slot) }
    }

    /// The values the codes of a column stand for, code 1 first; nil when it keeps no codes.
    public func codedValues(_ field: Int) -> [Value]? { loaded(); return _columns[field].codedValues }

    /// The number of an id written the way the table numbers them (prefix, digits, no leading zero).
    @inline(__always)
    func number(of id: String) -> Int? {
        guard let prefix else { return nil }
        var id = id
        return id.withUTF8 { b -> Int? in
            let p = prefix.count
            guard b.count > p, b.count <= p + 9, b[p] != UInt8(ascii: "0") else { return nil }
            for i in 0..<p where b[i] != prefix[i] { return nil }
            var n = 0
            for i in p..<b.count {
                let d = Int(b[i]) &- 48
                guard d >= 0, d <= 9 else { return nil }
                n = n &* 10 &+ d
            }
            return n
        }
    }

    private func mapID(_ id: String, to slot: Int) { mapID(id, number: number(of: id), to: slot) }

    private func mapID(_ id: String, number: Int?, to slot: Int) {
        // A number far past the others (a damaged or hand-made id) goes to the dictionary, so the array
        // stays about as long as the table.
        if let n = number, slot <= Int(Int32.max), n < max(1 << 16, 4 * _slotIDs.count) {
            if n >= slotByNumber.count {
                if n == slotByNumber.count { slotByNumber.append(-1) }   // the usual next number: no repeated run to make
                else { slotByNumber.append(contentsOf: repeatElement(-1, count: n + 1 - slotByNumber.count)) }
            }
            slotByNumber[n] = Int32(slot)
        } else {
            index[id] = slot
        }
    }

    private func unmapID(_ id: String) -> Int? {
        if let n = number(of: id), n < slotByNumber.count, slotByNumber[n] >= 0 {
            defer { slotByNumber[n] = -1 }
            return Int(slotByNumber[n])
        }
        return index.removeValue(forKey: id)
    }

    private var everySlot: [Int] = []

    /// Slots of live records, in insertion order.
    public var liveSlots: [Int] {
        loaded()
        if _count == _slotIDs.count {
            // With no slot empty the answer is 0..<count whatever happened before: kept, not made
            // again (8 MB at a million records) for every query.
            if everySlot.count != _count { everySlot = Array(0..<_count) }
            return everySlot
        }
        var out: [Int] = []
        out.reserveCapacity(_count)
        for (i, id) in _slotIDs.enumerated() where id != nil { out.append(i) }
        return out
    }

    /// The records slot by slot (nil for deleted ones), as they stand now: later changes to the table
    /// do not show in a view already taken.
    public var records: Records { loaded(); return Records(ids: _slotIDs, columns: _columns) }
    public var allRecords: [Record] { records.compactMap { $0 } }
    public var ids: [String] { loaded(); return _slotIDs.compactMap { $0 } }

    public struct Records: RandomAccessCollection {
        let ids: ContiguousArray<String?>
        let columns: [FieldColumn]
        public var startIndex: Int { 0 }
        public var endIndex: Int { ids.count }
        public subscript(slot: Int) -> Record? {
            guard let id = ids[slot] else { return nil }
            return Record(id: id, values: columns.map { $0[slot] })
        }
    }

    public func reserve(_ n: Int) {
        loaded()
        _slotIDs.reserveCapacity(n)
        for f in _columns.indices { _columns[f].reserveCapacity(n) }
        if prefix == nil { index.reserveCapacity(n) } else { slotByNumber.reserveCapacity(n + 1) }
    }

    /// Slots by the value of one field, built on first use and kept up to date after, so rules that look
    /// up "the trainings of this staff member" cost a dictionary lookup rather than a scan.
    private final class ValueIndex { var slots: [Value: [Int]] = [:] }
    private var valueIndexes: [Int: ValueIndex] = [:]

    /// Slots of the live records whose `field` equals `value`, in insertion order (but for undone deletes).
    public func slots(where field: Int, is value: Value) -> [Int] {
        loaded()
        if let idx = valueIndexes[field] { return idx.slots[value] ?? [] }
        let idx = ValueIndex()
        let column = _columns[field]
        for (i, id) in _slotIDs.enumerated() where id != nil { idx.slots[column[i], default: []].append(i) }
        valueIndexes[field] = idx
        return idx.slots[value] ?? []
    }

    private func indexAdd(slot: Int) {
        guard !valueIndexes.isEmpty else { return }
        for (f, idx) in valueIndexes { idx.slots[_columns[f][slot], default: []].append(slot) }
    }

    private func indexRemove(field f: Int, value: Value, slot: Int) {
        guard let idx = valueIndexes[f], let i = idx.slots[value]?.lastIndex(of: slot) else { return }
        idx.slots[value]!.remove(at: i)
        if idx.slots[value]!.isEmpty { idx.slots[value] = nil }
    }

    /// Appends a record read from a snapshot, without history: `values` holds one value per field, in
    /// schema order. A snapshot's tables load side by side, one thread per table: this touches nothing
    /// but this table. Call `Model.finishedLoading` after.
    public func appendLoaded(id: String, values: ContiguousArray<Value>) {
        loaded()
        precondition(values.count == _columns.count)
        values.withUnsafeBufferPointer { vs in
            for f in 0..<vs.count { _columns[f].append(vs[f]) }
        }
        added(id)
    }

    /// Appends records read from a snapshot a piece at a time: their ids and one column per field.
    public func appendLoaded(ids: ContiguousArray<String>, columns: [FieldColumn]) {
        loaded()
        precondition(columns.count == _columns.count && columns.allSatisfy { $0.count == ids.count })
        if _slotIDs.isEmpty {
            _columns = columns   // the usual case, a whole table: taken as it is, not copied
        } else {
            for f in _columns.indices { _columns[f].append(contentsOf: columns[f]) }
        }
        _slotIDs.reserveCapacity(_slotIDs.count + ids.count)
        if prefix != nil { slotByNumber.reserveCapacity(_slotIDs.count + ids.count + 1) }
        for id in ids { added(id) }
    }

    func insert(_ r: Record) { insert(id: r.id, values: r.values) }

    func insert(id: String, values: [Value]) {
        loaded()
        values.withUnsafeBufferPointer { vs in
            _columns.withUnsafeMutableBufferPointer { columns in
                for f in columns.indices { columns[f].append(vs[f]) }
            }
        }
        added(id)
    }

    /// Maps and counts the next record, whose values are appended (the next slot of `_slotIDs`).
    private func added(_ id: String) {
        version &+= 1
        let slot = _slotIDs.count
        _slotIDs.append(id)
        let n = number(of: id)   // read once: the map and the next number both want it
        mapID(id, number: n, to: slot)
        indexAdd(slot: slot)
        _count += 1
        if let n {
            if n >= _nextNumber { _nextNumber = Int64(n) + 1 }
        } else if let p = schema.prefix, id.hasPrefix(p), let n = Int64(id.dropFirst(p.count)), n >= _nextNumber {
            _nextNumber = n + 1
        }
    }

    func set(slot: Int, field: Int, _ v: Value) {
        loaded()
        version &+= 1
        edits &+= 1
        if let idx = valueIndexes[field] {
            indexRemove(field: field, value: _columns[field][slot], slot: slot)
            idx.slots[v, default: []].append(slot)
        }
        _columns[field].set(slot, v)
    }

    /// Puts a deleted record back where it was, so undoing a delete keeps the listing order.
    func restore(_ r: Record, at slot: Int) {
        loaded()
        version &+= 1
        edits &+= 1
        if slot < _slotIDs.count, _slotIDs[slot] == nil {
            _slotIDs[slot] = r.id
            for f in _columns.indices { _columns[f].set(slot, r.values[f]) }
        } else {
            insert(r); return
        }
        mapID(r.id, to: slot)
        indexAdd(slot: slot)
        _count += 1
    }

    @discardableResult
    func remove(_ id: String) -> Record? {
        loaded()
        version &+= 1
        guard let s = unmapID(id), let r = record(at: s) else { edits &+= 1; return nil }
        // The last record taken back when it came after what the last snapshot holds (a row an import
        // refused, rolled back): the table is still that snapshot's records with new ones after them.
        let takesBackAnAppended = s == _slotIDs.count - 1 && s >= (savedImage?.slotCount ?? .max)
        if !takesBackAnAppended { edits &+= 1 }
        for f in valueIndexes.keys { indexRemove(field: f, value: _columns[f][s], slot: s) }
        _count -= 1
        if s == _slotIDs.count - 1 {
            _slotIDs.removeLast()
            for f in _columns.indices { _columns[f].removeLast() }
        } else {
            _slotIDs[s] = nil
            for f in _columns.indices { _columns[f].set(s, .null) }
        }
        return r
    }
}
