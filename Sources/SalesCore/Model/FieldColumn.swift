import Dispatch

/// The values of one field of a table, slot by slot, kept in the narrowest form its type allows:
/// money, integers, percentages and timestamps as 8-byte numbers, dates as 4-byte day numbers, an
/// enumeration or a boolean as a 1-byte code, a reference to an entity with chosen ids (staff, teams,
/// competitors …) or a text of few values (`FieldSchema.fewValues`: the history's user and action) as a
/// 4-byte code into the column's own dictionary of the texts it holds, other text and
/// references as optional strings, or, read from a snapshot, as one heap of UTF-8 with a span per slot.
/// A `Value` takes 24 bytes whatever it holds; a million opportunities' stages take 1 MB here instead of
/// 24, and their owners 4 MB instead of 16.
///
/// A value that does not fit the column's form (a text left in a money field by an older schema, or
/// the one number used to mark null) turns the column into plain values, so nothing is ever lost:
/// the narrow forms are an economy, never a constraint.
public struct FieldColumn {
    @usableFromInline enum Form: UInt8 { case int, money, percent, timestamp, date, code, dictionary, text, heap, any }

    @usableFromInline var form: Form
    @usableFromInline var words: ContiguousArray<Int64> = []
    @usableFromInline var days: ContiguousArray<Int32> = []
    @usableFromInline var codes: ContiguousArray<UInt8> = []
    @usableFromInline var texts: ContiguousArray<String?> = []
    /// A dictionary column's codes (0 is null), its entries (code 1 first) and their codes by text.
    @usableFromInline var keys: ContiguousArray<UInt32> = []
    @usableFromInline var entries: ContiguousArray<Value> = []
    var entryCodes = TextIndex()
    /// A heap column's texts: each slot's span of `heap` (start << 20 | byte length; all ones for
    /// null), the UTF-8 of every text one after another. A snapshot's texts are read into this form as
    /// they are, with no string built until a query reads one.
    @usableFromInline var spans: ContiguousArray<UInt64> = []
    @usableFromInline var heap: ContiguousArray<UInt8> = []
    /// What `number(_:)` gives for null (the number columns' own mark of it).
    public static var nullNumber: Int64 { nullWord }
    public static let nullSpan = UInt64.max
    public static let spanLengthBits: UInt64 = 20
    @usableFromInline var values: ContiguousArray<Value> = []
    /// The value of each code, code 1 first (code 0 is null): an enumeration's case names, or false, true.
    @usableFromInline let names: [Value]
    /// An enumeration's case names, code 1 first; empty for a boolean.
    let caseNames: [String]

    /// Null in a column of 8-byte numbers; a real value equal to it turns the column into plain values.
    @usableFromInline static let nullWord = Int64.min
    @usableFromInline static let nullDay = Int32.min

    /// A column for values of `type`; `dictionary` asks for the dictionary form of a reference or a text
    /// (one to an entity with chosen ids, or a text of few values, which a table holds many times over).
    public init(for type: ValueType, dictionary: Bool = false) {
        switch type {
        case .int: form = .int; names = []
        case .money: form = .money; names = []
        case .percent: form = .percent; names = []
        case .timestamp: form = .timestamp; names = []
        case .date: form = .date; names = []
        case .bool: form = .code; names = [.bool(false), .bool(true)]; caseNames = []; return
        case .enumeration(let e) where e.cases.count < 255:
            form = .code; caseNames = e.cases.map(\.name); names = caseNames.map { .text($0) }; return
        case .reference where dictionary, .text where dictionary: form = .dictionary; names = []
        case .text, .reference: form = .text; names = []
        default: form = .any; names = []
        }
        caseNames = []
    }

    public var count: Int {
        switch form {
        case .int, .money, .percent, .timestamp: words.count
        case .date: days.count
        case .code: codes.count
        case .dictionary: keys.count
        case .text: texts.count
        case .heap: spans.count
        case .any: values.count
        }
    }

    /// True when the column keeps its values in a narrow form (for tests and the benchmark's notes).
    public var isNarrow: Bool { form != .any }

    @inlinable @inline(__always)
    public subscript(slot: Int) -> Value {
        switch form {
        case .money: let w = words[slot]; return w == FieldColumn.nullWord ? .null : .money(Money(minor: w))
        case .int: let w = words[slot]; return w == FieldColumn.nullWord ? .null : .int(w)
        case .percent: let w = words[slot]; return w == FieldColumn.nullWord ? .null : .percent(Percent(basisPoints: w))
        case .timestamp: let w = words[slot]; return w == FieldColumn.nullWord ? .null : .timestamp(Timestamp(millis: w))
        case .date: let d = days[slot]; return d == FieldColumn.nullDay ? .null : .date(Day(raw: d))
        case .code: let c = codes[slot]; return c == 0 ? .null : names[Int(c) &- 1]
        case .dictionary: let k = keys[slot]; return k == 0 ? .null : entries[Int(k) &- 1]
        case .text: if let s = texts[slot] { return .text(s) }; return .null
        case .heap: return heapValue(slot)
        case .any: return values[slot]
        }
    }

    @usableFromInline func heapValue(_ slot: Int) -> Value { FieldColumn.text(in: heap, spans[slot]) }

    /// The text a span of a heap holds (null for the null span).
    public static func text(in heap: ContiguousArray<UInt8>, _ span: UInt64) -> Value {
        guard span != nullSpan else { return .null }
        let start = Int(span >> spanLengthBits), length = Int(span & (1 << spanLengthBits - 1))
        return heap.withUnsafeBufferPointer { .text(String(decoding: UnsafeBufferPointer(rebasing: $0[start ..< start + length]), as: UTF8.self)) }
    }

    /// Appends a text's bytes to the heap; its span, or nil when it is too long or the heap too large
    /// for a span (the column then turns into plain values).
    @inline(__always) mutating func span(_ v: Value) -> UInt64? {
        switch v {
        case .null: return FieldColumn.nullSpan
        case .text(var s):
            let start = UInt64(heap.count)
            let length = s.utf8.count
            guard length < (1 << FieldColumn.spanLengthBits) - 1, start < (1 << (64 - FieldColumn.spanLengthBits)) - 1 else { return nil }
            s.withUTF8 { heap.append(contentsOf: $0) }
            return start << FieldColumn.spanLengthBits | UInt64(length)
        default: return nil
        }
    }

    /// The slots among `slots` whose code passes `mask` (by code); where the column keeps no codes, or
    /// a code is past the mask, `otherwise` decides. A block of slots at a time, as a `where` reads them.
    @inlinable
    public func keep(_ slots: Slots, codes mask: [Bool], otherwise: (Int) -> Bool) -> [Int] {
        mask.withUnsafeBufferPointer { m in
            switch form {
            case .code where m.count > names.count:
                // Every code the column holds is in the mask: one lookup in a table of all 256 a byte can
                // be, no test for the rest.
                var table = [Bool](repeating: false, count: 256)
                for (k, passes) in m.enumerated() where k < 256 { table[k] = passes }
                return codes.withUnsafeBufferPointer { c in table.withUnsafeBufferPointer { t in FieldColumn.keep(slots) { t[Int(c[$0])] } } }
            case .code: return codes.withUnsafeBufferPointer { c in FieldColumn.keep(slots) { s in let k = Int(c[s]); return k < m.count ? m[k] : otherwise(s) } }
            case .dictionary: return keys.withUnsafeBufferPointer { c in FieldColumn.keep(slots) { s in let k = Int(c[s]); return k < m.count ? m[k] : otherwise(s) } }
            default: return FieldColumn.keep(slots, otherwise)
            }
        }
    }

    /// The slots among `slots` whose number (`number(_:)`, `nullNumber` for null) meets `condition`:
    /// the test written out in the loop, no call per slot.
    @inlinable
    public func keep(_ slots: Slots, numbers condition: NumberCondition) -> [Int] {
        switch form {
        case .int, .money, .percent, .timestamp:
            return words.withUnsafeBufferPointer { w in FieldColumn.keep(slots) { condition.passes(w[$0]) } }
        case .date:
            return days.withUnsafeBufferPointer { d in
                FieldColumn.keep(slots) { let x = d[$0]; return condition.passes(x == FieldColumn.nullDay ? FieldColumn.nullWord : Int64(x)) }
            }
        default:
            return FieldColumn.keep(slots) { condition.passes(number($0)) }
        }
    }

    /// The slots that pass, written into an array made once (no check per append). Every slot is
    /// written and the count advanced by the test's answer: no branch to mispredict on a test that
    /// passes a quarter of the rows at random.
    @inlinable @inline(__always)
    static func keep(_ slots: Slots, _ pass: (Int) -> Bool) -> [Int] {
        // Nothing in: the shared empty array, not one made with a capacity of nothing (which writes
        // its count into that shared array, from whichever thread filters a part).
        if slots.list.isEmpty { return [] }
        if let run = slots.run {
            return [Int](unsafeUninitializedCapacity: run.count) { out, n in
                var k = 0
                for s in run {
                    out[k] = s
                    k &+= Int(unsafeBitCast(pass(s), to: UInt8.self))   // an add, never a branch
                }
                n = k
            }
        }
        return slots.list.withUnsafeBufferPointer { input in
            [Int](unsafeUninitializedCapacity: input.count) { out, n in
                var k = 0
                for s in input {
                    out[k] = s
                    k &+= Int(unsafeBitCast(pass(s), to: UInt8.self))   // an add, never a branch
                }
                n = k
            }
        }
    }

    /// The numbers (`number(_:)`) of a block of slots, read in one loop.
    @inlinable
    public func numbers(_ slots: Slots) -> [Int64] {
        switch form {
        case .int, .money, .percent, .timestamp:
            if let run = slots.run { return Array(words[run]) }
            return words.withUnsafeBufferPointer { w in slots.list.map { w[$0] } }
        case .date:
            return days.withUnsafeBufferPointer { d in
                slots.map { let x = d[$0]; return x == FieldColumn.nullDay ? FieldColumn.nullWord : Int64(x) }
            }
        default:
            return slots.map { number($0) }
        }
    }

    /// The codes (`code(_:)`) of a block of slots, read in one loop.
    @inlinable
    public func codes(_ slots: Slots) -> [UInt32] {
        switch form {
        case .code: return codes.withUnsafeBufferPointer { c in slots.map { UInt32(c[$0]) } }
        case .dictionary:
            if let run = slots.run { return Array(keys[run]) }
            return keys.withUnsafeBufferPointer { c in slots.list.map { c[$0] } }
        default: return slots.map { _ in .max }
        }
    }

    /// True when the column keeps numbers (integers, money, percentages, timestamps, days) that
    /// `number(_:)` reads without making a value.
    public var holdsNumbers: Bool { form.rawValue <= Form.date.rawValue }

    /// A number column's value in its own unit (minor units, basis points, milliseconds, days since the
    /// epoch), `nullNumber` for null: what typed conditions, groups and sums read.
    @inlinable @inline(__always)
    public func number(_ slot: Int) -> Int64 {
        switch form {
        case .int, .money, .percent, .timestamp: return words[slot]
        case .date: let d = days[slot]; return d == FieldColumn.nullDay ? FieldColumn.nullWord : Int64(d)
        default:
            switch self[slot] {
            case .int(let i): return i
            case .money(let m): return m.minor
            case .percent(let p): return p.basisPoints
            case .timestamp(let t): return t.millis
            case .date(let d): return Int64(d.raw)
            default: return FieldColumn.nullWord
            }
        }
    }

    /// The code in a slot of an enumeration, boolean or dictionary column (0 for null), so a query can
    /// test and group on it without building values; `UInt32.max` for a column of another form.
    @inlinable @inline(__always)
    public func code(_ slot: Int) -> UInt32 {
        switch form {
        case .code: return UInt32(codes[slot])
        case .dictionary: return keys[slot]
        default: return .max
        }
    }

    /// The value of each code, code 1 first; nil for a column that keeps no codes.
    public var codedValues: [Value]? {
        switch form {
        case .code: names
        case .dictionary: Array(entries)
        default: nil
        }
    }

    // MARK: narrow forms

    /// The 8-byte number for a value, or nil when it does not fit this column.
    @inline(__always) func word(_ v: Value) -> Int64? { FieldColumn.word(v, form) }
    @inline(__always) func day(_ v: Value) -> Int32? { FieldColumn.day(v) }
    @inline(__always) func code(_ v: Value) -> UInt8? {
        caseNames.withUnsafeBufferPointer { FieldColumn.code(v, caseNames: $0, isBool: names.count == 2 && caseNames.isEmpty) }
    }
    @inline(__always) func text(_ v: Value) -> String?? { FieldColumn.text(v) }

    /// The dictionary code of a value, adding it to the dictionary if new; nil when it is not a text.
    @inline(__always) mutating func key(_ v: Value) -> UInt32? {
        switch v {
        case .null: return 0
        case .text(let s):
            if let k = entryCodes[s] { return UInt32(truncatingIfNeeded: k) }
            guard entries.count < Int(UInt32.max) else { return nil }
            entries.append(v)
            let k = UInt32(entries.count)
            entryCodes[s] = Int(k)
            return k
        default: return nil
        }
    }

    @inlinable @inline(__always) static func word(_ v: Value, _ form: Form) -> Int64? {
        let w: Int64
        switch (form, v) {
        case (_, .null): return nullWord
        case (.int, .int(let i)): w = i
        case (.money, .money(let m)): w = m.minor
        case (.percent, .percent(let p)): w = p.basisPoints
        case (.timestamp, .timestamp(let t)): w = t.millis
        default: return nil
        }
        return w == nullWord ? nil : w
    }

    @inlinable @inline(__always) static func day(_ v: Value) -> Int32? {
        switch v {
        case .null: return nullDay
        case .date(let d): return d.raw == nullDay ? nil : d.raw
        default: return nil
        }
    }

    @inlinable @inline(__always) static func code(_ v: Value, caseNames: UnsafeBufferPointer<String>, isBool: Bool) -> UInt8? {
        switch v {
        case .null: return 0
        case .bool(let b): return isBool ? (b ? 2 : 1) : nil
        case .text(let s):
            for i in caseNames.indices where caseNames[i] == s { return UInt8(i + 1) }
            return nil
        default: return nil
        }
    }

    @inlinable @inline(__always) static func text(_ v: Value) -> String?? {
        switch v {
        case .null: return .some(nil)
        case .text(let s): return .some(s)
        default: return nil
        }
    }

    // MARK: changes

    public mutating func append(_ v: Value) {
        switch form {
        case .int, .money, .percent, .timestamp: if let w = word(v) { words.append(w); return }
        case .date: if let d = day(v) { days.append(d); return }
        case .code: if let c = code(v) { codes.append(c); return }
        case .dictionary: if let k = key(v) { keys.append(k); return }
        case .text: if let t = text(v) { texts.append(t); return }
        case .heap: if let sp = span(v) { spans.append(sp); return }
        case .any: values.append(v); return
        }
        generalize()
        values.append(v)
    }

    /// Appends one value `count` times: read into the column's form once.
    public mutating func append(_ v: Value, count n: Int) {
        switch form {
        case .int, .money, .percent, .timestamp: if let w = word(v) { words.append(contentsOf: repeatElement(w, count: n)); return }
        case .date: if let d = day(v) { days.append(contentsOf: repeatElement(d, count: n)); return }
        case .code: if let c = code(v) { codes.append(contentsOf: repeatElement(c, count: n)); return }
        case .dictionary: if let k = key(v) { keys.append(contentsOf: repeatElement(k, count: n)); return }
        case .text: if let t = text(v) { texts.append(contentsOf: repeatElement(t, count: n)); return }
        case .any: values.append(contentsOf: repeatElement(v, count: n)); return
        case .heap: break
        }
        for _ in 0..<n { append(v) }
    }

    /// Appends `n` texts, each given as its UTF-8 by `each(i, put)` calling `put` once: an empty column
    /// of texts or of any values takes the heap form for them, the bytes copied straight in (room for
    /// about `bytes` of them made at once) and no string made. A large import's history gives each
    /// row's record and origin this way: a million strings of their own took a fifth of a second to
    /// make, and as long again to write into a snapshot, where a heap is written as it is. Any other
    /// column, or a text too long for a span, is given each text as a string.
    public mutating func appendTexts(count n: Int, bytes: Int, _ each: (Int, (UnsafeBufferPointer<UInt8>) -> Void) -> Void) {
        if form == .text || form == .any, count == 0 { form = .heap; heap = [] }
        guard form == .heap else {
            for i in 0..<n { each(i) { append(.text(String(decoding: $0, as: UTF8.self))) } }
            return
        }
        spans.reserveCapacity(spans.count + n)
        heap.reserveCapacity(heap.count + bytes)
        for i in 0..<n {
            each(i) { b in
                let start = UInt64(heap.count)
                guard form == .heap, b.count < (1 << FieldColumn.spanLengthBits) - 1, start < (1 << (64 - FieldColumn.spanLengthBits)) - 1 else {
                    append(.text(String(decoding: b, as: UTF8.self)))   // widens the column
                    return
                }
                heap.append(contentsOf: b)
                spans.append(start << FieldColumn.spanLengthBits | UInt64(b.count))
            }
        }
    }

    /// Appends `make(0)` … `make(n - 1)`, made on `pieces` threads at once, each writing slots of its
    /// own: the history of a million-row import makes a string for each row. `make` is called from
    /// several threads. A value that does not fit the column's form is set after, one at a time (which
    /// widens the column); a dictionary or heap column, which a sink cannot share, is appended to in turn.
    public mutating func append(count n: Int, pieces: Int, _ make: (Int) -> Value) {
        guard pieces > 1, n >= pieces, form != .dictionary, form != .heap else {
            // A reservation is exact: one for each small batch would copy the whole column each time.
            if n >= count { reserveCapacity(count + n) }
            for i in 0..<n { append(make(i)) }
            return
        }
        let start = count
        if form == .any { values.append(contentsOf: repeatElement(.null, count: n)) } else { append(.null, count: n) }
        var misfits = [[Int]](repeating: [], count: pieces)
        let noDictionaries = UnsafeMutableBufferPointer<PieceDictionary>.allocate(capacity: 0)
        defer { noDictionaries.deallocate() }
        withSink(noDictionaries) { sink in
            misfits.withUnsafeMutableBufferPointer { misfits in
                DispatchQueue.concurrentPerform(iterations: pieces) { p in
                    for i in n * p / pieces ..< n * (p + 1) / pieces where !sink.put(make(i), at: start + i, piece: p) { misfits[p].append(i) }
                }
            }
        }
        for i in misfits.joined() { set(start + i, make(i)) }
    }

    public mutating func set(_ slot: Int, _ v: Value) {
        switch form {
        case .int, .money, .percent, .timestamp: if let w = word(v) { words[slot] = w; return }
        case .date: if let d = day(v) { days[slot] = d; return }
        case .code: if let c = code(v) { codes[slot] = c; return }
        case .dictionary: if let k = key(v) { keys[slot] = k; return }
        case .text: if let t = text(v) { texts[slot] = t; return }
        case .heap: if let sp = span(v) { spans[slot] = sp; return }   // the old bytes stay, unused, until the next load
        case .any: values[slot] = v; return
        }
        generalize()
        values[slot] = v
    }

    public mutating func append(contentsOf other: FieldColumn) {
        if count == 0, form == .text || form == .any, other.form == .heap {
            form = .heap; spans = other.spans; heap = other.heap   // texts in a heap, taken as they are
            return
        }
        if form == .text, other.form == .heap {
            texts.reserveCapacity(texts.count + other.count)
            for i in 0..<other.count { texts.append(other[i].textValue) }
            return
        }
        if form == .heap, other.form == .text {
            // Rows decoded after a column chunk (records appended to a table never decoded): their
            // texts join the heap.
            spans.reserveCapacity(spans.count + other.count)
            for t in other.texts { append(t.map(Value.text) ?? .null) }
            return
        }
        if form != other.form || caseNames != other.caseNames { generalize() }
        switch form {
        case .int, .money, .percent, .timestamp: words.append(contentsOf: other.words)
        case .date: days.append(contentsOf: other.days)
        case .code: codes.append(contentsOf: other.codes)
        case .dictionary:
            keys.reserveCapacity(keys.count + other.count)
            for k in other.keys { keys.append(k == 0 ? 0 : key(other.entries[Int(k) - 1])!) }
        case .text: texts.append(contentsOf: other.texts)
        case .heap:
            let shift = UInt64(heap.count) << FieldColumn.spanLengthBits
            guard UInt64(heap.count + other.heap.count) < (1 << (64 - FieldColumn.spanLengthBits)) - 1 else {
                generalize(); append(contentsOf: other); return
            }
            heap.append(contentsOf: other.heap)
            spans.reserveCapacity(spans.count + other.spans.count)
            for sp in other.spans { spans.append(sp == FieldColumn.nullSpan ? sp : sp + shift) }
        case .any where other.form == .any: values.append(contentsOf: other.values)
        case .any: values.reserveCapacity(values.count + other.count); for i in 0..<other.count { values.append(other[i]) }
        }
    }

    public mutating func removeLast() {
        switch form {
        case .int, .money, .percent, .timestamp: words.removeLast()
        case .date: days.removeLast()
        case .code: codes.removeLast()
        case .dictionary: keys.removeLast()
        case .text: texts.removeLast()
        case .heap: spans.removeLast()
        case .any: values.removeLast()
        }
    }

    public mutating func reserveCapacity(_ n: Int) {
        switch form {
        case .int, .money, .percent, .timestamp: words.reserveCapacity(n)
        case .date: days.reserveCapacity(n)
        case .code: codes.reserveCapacity(n)
        case .dictionary: keys.reserveCapacity(n)
        case .text: texts.reserveCapacity(n)
        case .heap: spans.reserveCapacity(n)
        case .any: values.reserveCapacity(n)
        }
    }

    /// Turns the column into plain values, keeping every one.
    mutating func generalize() {
        guard form != .any else { return }
        var all = ContiguousArray<Value>()
        all.reserveCapacity(count)
        for i in 0..<count { all.append(self[i]) }
        words = []; days = []; codes = []; texts = []; keys = []; entries = []; entryCodes = TextIndex(); spans = []; heap = []
        form = .any
        values = all
    }

    // MARK: filling in place

    /// Columns shaped like `templates` (empty columns of a table), `count` nulls each, whose slots `body`
    /// fills through a `Sink` each, from several threads at once, each thread writing the slots of its
    /// own piece. `pieces` holds the first slot of each piece, in order. A dictionary column gathers a
    /// dictionary per piece (no thread waits for another) and merges them once all are done.
    public static func filled(like templates: [FieldColumn], count n: Int, pieces: [Int], _ body: ([Sink]) throws -> Void) rethrows -> [FieldColumn] {
        // Each column is a local of its own level, so holding all their storages open at once is no
        // overlapping access to one array.
        var sinks: [Sink] = []
        var columns: [FieldColumn] = []
        func nest(_ k: Int) throws {
            if k == templates.count { try body(sinks); return }
            var c = nulls(like: templates[k], count: n)
            let dictionaries = UnsafeMutableBufferPointer<PieceDictionary>.allocate(capacity: c.form == .dictionary ? pieces.count : 0)
            dictionaries.initialize(repeating: PieceDictionary())
            defer { dictionaries.deinitialize(); dictionaries.deallocate() }
            try c.withSink(dictionaries) { sinks.append($0); try nest(k + 1) }
            if c.form == .dictionary { c.merge(dictionaries, pieces: pieces) }
            columns.append(c)
        }
        try nest(0)
        return columns.reversed()
    }

    /// A column in the form of `template` (an empty column of a table) holding `n` nulls; texts as
    /// strings, which a sink can write.
    public static func nulls(like template: FieldColumn, count n: Int) -> FieldColumn {
        var c = template
        switch c.form {
        case .int, .money, .percent, .timestamp: c.words = ContiguousArray(repeating: nullWord, count: n)
        case .date: c.days = ContiguousArray(repeating: nullDay, count: n)
        case .code: c.codes = ContiguousArray(repeating: 0, count: n)
        case .dictionary: c.keys = ContiguousArray(repeating: 0, count: n)
        case .text, .heap: c.form = .text; c.texts = ContiguousArray(repeating: nil, count: n)
        case .any: c.values = ContiguousArray(repeating: .null, count: n)
        }
        return c
    }

    /// The ids one piece of a dictionary column met, in the order it met them.
    @usableFromInline struct PieceDictionary {
        var codes = TextIndex()
        var entries: [String] = []

        @usableFromInline mutating func code(_ s: String) -> UInt32 {
            if let k = codes[s] { return UInt32(truncatingIfNeeded: k) }
            entries.append(s)
            let k = UInt32(entries.count)
            codes[s] = Int(k)
            return k
        }
    }

    /// Turns each piece's codes into the column's: pieces in order, so the dictionary lists the ids as
    /// a decode on one thread would have met them.
    private mutating func merge(_ dictionaries: UnsafeMutableBufferPointer<PieceDictionary>, pieces: [Int]) {
        for p in dictionaries.indices {
            let local = dictionaries[p].entries
            var remap = ContiguousArray<UInt32>(repeating: 0, count: local.count + 1)
            for (i, s) in local.enumerated() { remap[i + 1] = key(.text(s))! }
            let end = p + 1 < pieces.count ? pieces[p + 1] : keys.count
            keys.withUnsafeMutableBufferPointer { ks in
                for slot in pieces[p] ..< end { ks[slot] = remap[Int(ks[slot])] }
            }
        }
    }

    private mutating func withSink(_ dictionaries: UnsafeMutableBufferPointer<PieceDictionary>, _ body: (Sink) throws -> Void) rethrows {
        // The sink holds nothing counted (a copy per value would cost two atomic operations per field):
        // the case names are copied to memory of its own for as long as it is used.
        let names = UnsafeMutableBufferPointer<String>.allocate(capacity: caseNames.count)
        _ = names.initialize(from: caseNames)
        defer { names.deinitialize(); names.deallocate() }
        let form = form, isBool = self.names.count == 2 && caseNames.isEmpty
        func sink(_ p: UnsafeMutableRawPointer?) -> Sink {
            Sink(form: form, base: p!, caseNames: UnsafeBufferPointer(names), isBool: isBool, dictionaries: dictionaries)
        }
        switch form {
        case .int, .money, .percent, .timestamp: try words.withUnsafeMutableBufferPointer { try body(sink($0.baseAddress)) }
        case .date: try days.withUnsafeMutableBufferPointer { try body(sink($0.baseAddress)) }
        case .code: try codes.withUnsafeMutableBufferPointer { try body(sink($0.baseAddress)) }
        case .dictionary: try keys.withUnsafeMutableBufferPointer { try body(sink($0.baseAddress)) }
        case .text, .heap: try texts.withUnsafeMutableBufferPointer { try body(sink($0.baseAddress)) }
        case .any: try values.withUnsafeMutableBufferPointer { try body(sink($0.baseAddress)) }
        }
    }

    /// Writes values into the slots of a column being filled (`filled`).
    public struct Sink: @unchecked Sendable {
        @usableFromInline let form: Form
        @usableFromInline let base: UnsafeMutableRawPointer
        @usableFromInline let caseNames: UnsafeBufferPointer<String>
        @usableFromInline let isBool: Bool
        @usableFromInline let dictionaries: UnsafeMutableBufferPointer<PieceDictionary>

        /// Writes `v` into `slot` of piece number `piece`; false when it does not fit the column's
        /// narrow form (the caller then fills the table value by value, which generalizes the column).
        @inlinable @inline(__always) public func put(_ v: Value, at slot: Int, piece: Int) -> Bool {
            switch form {
            case .int, .money, .percent, .timestamp:
                if let w = FieldColumn.word(v, form) { base.assumingMemoryBound(to: Int64.self)[slot] = w; return true }
                return false
            case .date:
                if let d = FieldColumn.day(v) { base.assumingMemoryBound(to: Int32.self)[slot] = d; return true }
                return false
            case .code:
                if let c = FieldColumn.code(v, caseNames: caseNames, isBool: isBool) { base.assumingMemoryBound(to: UInt8.self)[slot] = c; return true }
                return false
            case .dictionary:
                switch v {
                case .null: return true
                case .text(let s): base.assumingMemoryBound(to: UInt32.self)[slot] = dictionaries[piece].code(s); return true
                default: return false
                }
            case .text, .heap:
                if let t = FieldColumn.text(v) { base.assumingMemoryBound(to: String?.self)[slot] = t; return true }
                return false
            case .any:
                base.assumingMemoryBound(to: Value.self)[slot] = v; return true
            }
        }
    }
}

extension FieldColumn {
    /// A column's values as its arrays, for a snapshot to write as they are and read back without
    /// parsing each value.
    public enum Storage {
        case int(ContiguousArray<Int64>), money(ContiguousArray<Int64>), percent(ContiguousArray<Int64>), timestamp(ContiguousArray<Int64>)
        case dates(ContiguousArray<Int32>)
        /// Codes 1… stand for `names` in order (an enumeration's cases, or false and true); 0 is null.
        case codes(names: [Value], ContiguousArray<UInt8>)
        /// Codes 1… stand for `entries` in order; 0 is null.
        case dictionary(entries: ContiguousArray<Value>, ContiguousArray<UInt32>)
        case texts(ContiguousArray<String?>)
        /// Texts as one heap of UTF-8 and each slot's span of it (`FieldColumn.spans`).
        case heap(spans: ContiguousArray<UInt64>, bytes: ContiguousArray<UInt8>)
        case values(ContiguousArray<Value>)

        public var count: Int {
            switch self {
            case .int(let a), .money(let a), .percent(let a), .timestamp(let a): a.count
            case .dates(let a): a.count
            case .codes(_, let a): a.count
            case .dictionary(_, let a): a.count
            case .texts(let a): a.count
            case .heap(let spans, _): spans.count
            case .values(let a): a.count
            }
        }

        /// Texts, as strings or in a heap.
        public var isText: Bool {
            switch self {
            case .texts, .heap: true
            default: false
            }
        }
    }

    /// The column's arrays (shared, not copied).
    public var storage: Storage {
        switch form {
        case .int: .int(words)
        case .money: .money(words)
        case .percent: .percent(words)
        case .timestamp: .timestamp(words)
        case .date: .dates(days)
        case .code: .codes(names: names, codes)
        case .dictionary: .dictionary(entries: entries, keys)
        case .text: .texts(texts)
        case .heap: .heap(spans: spans, bytes: heap)
        case .any: .values(values)
        }
    }

    /// A column that holds `storage` as it is, in the storage's own form: to read its values.
    public init(holding storage: Storage) {
        switch storage {
        case .int(let a): self.init(for: .int); words = a
        case .money(let a): self.init(for: .money); words = a
        case .percent(let a): self.init(for: .percent); words = a
        case .timestamp(let a): self.init(for: .timestamp); words = a
        case .dates(let a): self.init(for: .date); days = a
        case .codes(let names, let a): self.init(codes: a, names: names)
        case .dictionary(let es, let a): self.init(for: .reference(""), dictionary: true); entries = es; keys = a
        case .texts(let a): self.init(for: .text); texts = a
        case .heap(let sp, let bytes): self.init(for: .text); form = .heap; spans = sp; heap = bytes
        case .values(let a): self.init(for: .real); values = a
        }
    }

    private init(codes: ContiguousArray<UInt8>, names: [Value]) {
        form = .code
        self.names = names
        caseNames = []
        self.codes = codes
    }

    /// A column in the form of `template` (an empty column of a table) holding `storage`'s values: its
    /// arrays taken as they are when the forms agree, else the values appended one by one (a snapshot
    /// written under an older schema), which widens the column where one does not fit.
    public init(like template: FieldColumn, _ storage: Storage) {
        self = template
        switch (form, storage) {
        case (.int, .int(let a)), (.money, .money(let a)), (.percent, .percent(let a)), (.timestamp, .timestamp(let a)):
            words = a; return
        case (.date, .dates(let a)):
            days = a; return
        case (.code, .codes(let ns, let a)) where ns == names:
            codes = a; return
        case (.dictionary, .dictionary(let es, let a)):
            var byText = TextIndex()
            byText.reserveCapacity(es.count)
            var ok = true
            for (i, e) in es.enumerated() {
                guard case .text(let s) = e, byText[s] == nil else { ok = false; break }
                byText[s] = i + 1
            }
            if ok { entries = es; entryCodes = byText; keys = a; return }
        case (.text, .texts(let a)):
            texts = a; return
        case (.text, .heap(let sp, let bytes)), (.heap, .heap(let sp, let bytes)), (.any, .heap(let sp, let bytes)):
            // A field of any values that holds only texts (the history's origins) keeps them as texts,
            // until a value of another type widens the column.
            form = .heap; spans = sp; heap = bytes; return
        case (.any, .texts(let a)):
            form = .text; texts = a; return
        case (.any, .values(let a)):
            values = a; return
        default:
            break
        }
        let source = FieldColumn(holding: storage)
        reserveCapacity(source.count)
        for i in 0..<source.count { append(source[i]) }
    }
}

/// A condition on a number (`FieldColumn.number`): within `lo...hi` (outside it when `negated`; nothing
/// is within when `lo > hi`), and `null` the answer for null. Every comparison of a number with a
/// constant, and a day in a period, is one of these.
public struct NumberCondition: Sendable, Equatable {
    public var lo: Int64, hi: Int64, negated: Bool, null: Bool
    public init(lo: Int64, hi: Int64, negated: Bool = false, null: Bool = false) {
        self.lo = lo; self.hi = hi; self.negated = negated; self.null = null
    }

    /// One unsigned comparison for the range (no branch to mispredict in a block filter's loop).
    @inlinable @inline(__always)
    public func passes(_ x: Int64) -> Bool {
        let inside = lo <= hi && UInt64(bitPattern: x &- lo) <= UInt64(bitPattern: hi &- lo)
        return x == FieldColumn.nullNumber ? null : inside != negated
    }
}

/// Slots to read: a list, or a run of consecutive slots (`Table.run(of:)`) read without the list.
public struct Slots {
    public let list: ArraySlice<Int>
    public let run: Range<Int>?
    @inlinable public init(_ list: ArraySlice<Int>, run: Range<Int>? = nil) { self.list = list; self.run = run }

    @inlinable @inline(__always)
    public func map<T>(_ body: (Int) -> T) -> [T] {
        if let run { return run.map(body) }
        return list.map(body)
    }
}
