import Foundation
import SalesCore
import SalesStore

/// Encodes the model into the store's payloads. Records are written by field *name*, so a
/// snapshot or journal from an older schema still loads: unknown fields are dropped, new ones start empty.
///
/// Snapshot payload: codec version, then per entity: name, field names, next number, record count,
/// (from version 2) the byte length of its records, and its records. Up to version 2 the records are
/// rows: per record its id and one value per field. From version 3 they are chunks, each a layout byte
/// (0 rows, 1 columns: see ColumnCodec), its record count, its byte length (8 bytes, little-endian) and
/// its records: a table salesh decoded is written as one column chunk, and records appended to a table
/// never decoded follow its chunks as a row chunk. History is an entity like the others.
/// Snapshot addition payload (`encodeAdditionPlan`): the same layout, version 3, with only the tables
/// records were added to, each holding a column chunk of those records; on reading, a table's chunks
/// in the additions follow its chunks in the base.
/// Journal payload (one transaction): user, time, and its changes, each naming entity, record and fields.
/// Value: one tag byte, then 0 null · 1 false · 2 true · 3 int · 4 real · 5 money · 6 percent · 7 date ·
/// 8 timestamp · 9 text · 10 period (kind, start, end) · 11 duration (months, days); integers are zigzag varints.
enum ModelCodec {

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    // MARK: values

    static func write(_ v: Value, _ w: inout BinaryWriter) {
        switch v {
        case .null: w.write(UInt8(0))
        case .bool(let b): w.write(UInt8(b ? 2 : 1))
        case .int(let i): w.write(UInt8(3)); w.write(i)
        case .real(let d): w.write(UInt8(4)); w.write(d)
        case .money(let m): w.write(UInt8(5)); w.write(m.minor)
        case .percent(let p): w.write(UInt8(6)); w.write(p.basisPoints)
        case .date(let d): w.write(UInt8(7)); w.write(Int64(d.raw))
        case .timestamp(let t): w.write(UInt8(8)); w.write(t.millis)
        case .text(let s): w.write(UInt8(9)); w.writeString(s)
        case .period(let p): w.write(UInt8(10)); w.write(p.kind.rawValue); w.write(Int64(p.start.raw)); w.write(Int64(p.end.raw))
        case .duration(let d): w.write(UInt8(11)); w.write(Int64(d.months)); w.write(Int64(d.days))
        }
    }

    static func readValue(_ r: inout BinaryReader) throws -> Value {
        let tag = try r.readUInt8()
        switch tag {
        case 0: return .null
        case 1: return .bool(false)
        case 2: return .bool(true)
        case 3: return .int(try r.readInt64())
        case 4: return .real(try r.readDouble())
        case 5: return .money(Money(minor: try r.readInt64()))
        case 6: return .percent(Percent(basisPoints: try r.readInt64()))
        case 7: return .date(Day(raw: Int32(truncatingIfNeeded: try r.readInt64())))
        case 8: return .timestamp(Timestamp(millis: try r.readInt64()))
        case 9: return .text(try r.readString())
        case 10:
            guard let k = Period.Kind(rawValue: try r.readUInt8()) else { throw Failure(description: "bad period kind at byte \(r.offset)") }
            let s = Day(raw: Int32(truncatingIfNeeded: try r.readInt64())), e = Day(raw: Int32(truncatingIfNeeded: try r.readInt64()))
            return .period(Period(kind: k, start: s, end: e))
        case 11:
            return .duration(Duration(months: Int32(truncatingIfNeeded: try r.readInt64()), days: Int32(truncatingIfNeeded: try r.readInt64())))
        default:
            throw Failure(description: "unknown value tag \(tag) at byte \(r.offset - 1)")
        }
    }

    // MARK: snapshot

    /// Snapshot payload versions: 1 has each table's records straight after its header; 2 puts the
    /// records' byte length (8 bytes, little-endian) before them, so tables decode side by side; 3 cuts
    /// the records into chunks, rows or columns.
    static let snapshotVersion: UInt64 = 3

    enum Layout: UInt8 { case rows = 0, columns = 1 }

    /// The snapshot payload in one array (`encodeSnapshotParts` joined; formats 1 and 2, by rows, on one
    /// thread, for tests of reading older stores).
    static func encodeSnapshot(_ model: Model, version: UInt64 = snapshotVersion) -> [UInt8] {
        guard version < 3 else {
            var out: [UInt8] = []
            for part in encodeSnapshotParts(model) { part.withUnsafeBytes { out.append(contentsOf: $0) } }
            return out
        }
        // Reserved up front (a little over the usual 80–90 bytes a record takes), so the payload is not
        // copied and faulted in again each time a growing array doubles.
        let estimate = model.tables.reduce(4096) { total, t in
            if let unread = t.deferredSource as? UnreadTable { return total + unread.byteCount + 64 }
            return total + t.count * (24 + 6 * t.schema.fields.count) + 16
        }
        var w = BinaryWriter(reservingCapacity: estimate)
        w.write(version)
        w.write(UInt64(model.tables.count))
        for t in model.tables {
            w.writeString(t.schema.name)
            w.write(UInt64(t.schema.fields.count))
            for f in t.schema.fields { w.writeString(f.name) }
            w.write(t.nextNumber)
            w.write(UInt64(t.count))
            let lengthAt = w.count
            if version >= 2 { w.writeFixedUInt64LE(0) }
            for s in 0..<t.slotCount where t.isLive(s) {
                w.writeString(t.id(at: s))
                for f in t.columns.indices { write(t.value(s, f), &w) }
            }
            if version >= 2 { w.patchFixedUInt64LE(UInt64(w.count - lengthAt - 8), at: lengthAt) }
        }
        return w.bytes
    }

    /// The snapshot payload (format 3) in parts whose concatenation is the payload. Each decoded table
    /// is one column chunk, its columns encoded side by side on every core. A table whose bytes are at
    /// hand is written as those bytes: one not read since the open, as it was read, and one unchanged
    /// since it was decoded or last written, as the snapshot holds it; a column chunk of the records
    /// appended since follows them.
    static func encodeSnapshotParts(_ model: Model) -> [DataFolder.Part] { encodeSnapshotPlan(model).parts }

    /// Where each table's records lie in a payload: for `rememberWritten`, once it is on disk.
    struct WrittenTable {
        var entity: Int; var body: Range<Int>; var count: Int
        /// Written from bytes at hand (unread, or unchanged since written), not encoded.
        var fromBytes = false
    }

    static func encodeSnapshotPlan(_ model: Model) -> (parts: [DataFolder.Part], tables: [WrittenTable]) {
        var jobs: [() -> [DataFolder.Part]] = []
        var firstJob: [Int: Int] = [:]
        /// The bytes a table is written from.
        var reused: [Int: [Section]] = [:]
        var laterJobs: [Int: (jobs: Range<Int>, count: Int)] = [:]
        func later(_ t: Table, _ parts: [() -> [DataFolder.Part]], count: Int) {
            guard count > 0 else { return }
            laterJobs[t.entityIndex] = (jobs.count ..< jobs.count + parts.count, count)
            jobs += parts
        }
        for t in model.tables {
            if let u = t.deferredSource as? UnreadTable, u.sameFields {
                reused[t.entityIndex] = u.sections
                // What was appended to it (the history of the changes since the open), as a column chunk
                // encoded side by side: a large import appends a million rows.
                let appended = t.appendedWhileDeferred
                later(t, columnParts(of: appended), count: appended.count)
                continue
            }
            if !t.isDeferred, let image = t.savedImage?.bytes as? UnreadTable {
                switch t.savedState {
                case .unchanged:
                    reused[t.entityIndex] = image.sections
                    continue
                case .appended(let from):
                    reused[t.entityIndex] = image.sections
                    later(t, from == 0 ? columnParts(of: t) : columnParts(of: t, from: from), count: t.slotCount - from)
                    continue
                case .changed: break
                }
            }
            guard t.count > 0 else { continue }   // also decodes a deferred table, before its columns are read side by side
            firstJob[t.entityIndex] = jobs.count
            jobs += columnParts(of: t)
        }
        var encoded = [[DataFolder.Part]](repeating: [], count: jobs.count)
        encoded.withUnsafeMutableBufferPointer { out in
            DispatchQueue.concurrentPerform(iterations: jobs.count) { i in out[i] = jobs[i]() }
        }
        var parts: [DataFolder.Part] = []
        var offset = 0
        var tables: [WrittenTable] = []
        var w = BinaryWriter()
        func emit(_ part: DataFolder.Part) { parts.append(part); offset += part.count }
        func flush() { if w.count > 0 { emit(.bytes(w.bytes)); w = BinaryWriter() } }
        w.write(snapshotVersion)
        w.write(UInt64(model.tables.count))
        func chunkHeader(_ layout: Layout, _ count: Int, _ length: Int) {
            w.write(layout.rawValue)
            w.write(UInt64(count))
            w.writeFixedUInt64LE(UInt64(length))
        }
        func headerLength(_ count: Int) -> Int {
            var h = BinaryWriter()
            h.write(UInt64(count))
            return 1 + h.count + 8
        }
        for t in model.tables {
            w.writeString(t.schema.name)
            w.write(UInt64(t.schema.fields.count))
            for f in t.schema.fields { w.writeString(f.name) }
            if let sections = reused[t.entityIndex] {
                let count = sections.reduce(0) { $0 + $1.count }
                let added = laterJobs[t.entityIndex]
                let appended: [DataFolder.Part] = added.map { Array(encoded[$0.jobs].joined()) } ?? []
                let appendedLength = appended.reduce(0) { $0 + $1.count }
                let own = sections.reduce(0) { $0 + ($1.chunked ? $1.body.count : ($1.count > 0 ? headerLength($1.count) + $1.body.count : 0)) }
                let length = own + (added.map { headerLength($0.count) + appendedLength } ?? 0)
                w.write(t.nextNumberWithoutLoading)
                w.write(UInt64(count + (added?.count ?? 0)))
                w.writeFixedUInt64LE(UInt64(length))
                let start = offset + w.count
                // The base's chunks, then each addition's: one run of chunks, as one table.
                for section in sections {
                    if !section.chunked, section.count > 0 { chunkHeader(.rows, section.count, section.body.count) }
                    flush()
                    emit(.mapped(section.body))
                }
                if let added {
                    chunkHeader(.columns, added.count, appendedLength)
                    flush()
                    for part in appended { emit(part) }
                }
                tables.append(WrittenTable(entity: t.entityIndex, body: start ..< start + length, count: count + (added?.count ?? 0), fromBytes: true))
                continue
            }
            w.write(t.nextNumber)
            w.write(UInt64(t.count))
            guard let first = firstJob[t.entityIndex] else {
                w.writeFixedUInt64LE(0)
                tables.append(WrittenTable(entity: t.entityIndex, body: offset + w.count ..< offset + w.count, count: 0))
                continue
            }
            let mine = first ..< first + 1 + t.schema.fields.count
            let length = mine.reduce(0) { total, i in encoded[i].reduce(total) { $0 + $1.count } }
            w.writeFixedUInt64LE(UInt64(headerLength(t.count) + length))
            let start = offset + w.count
            chunkHeader(.columns, t.count, length)
            flush()
            for i in mine { for part in encoded[i] { emit(part) }; encoded[i] = [] }
            tables.append(WrittenTable(entity: t.entityIndex, body: start ..< offset, count: t.count))
        }
        flush()
        return (parts.filter { $0.count > 0 }, tables)
    }

    /// After a payload from `encodeSnapshotPlan` is written: each table's records are remembered as that
    /// payload holds them (`payload`, the written file's bytes), so the next save writes an unchanged
    /// table as those bytes, and a table still deferred is decoded from them when it is used (the rows
    /// appended to it since the open, now in the file, leave memory).
    /// A log (the history) of at least `logsKeptUnder` records is let go of from memory (`unloadIfLog`).
    static func rememberWritten(_ model: Model, payload: ByteSlice, tables: [WrittenTable], logsKeptUnder: Int = largeLog) {
        // The bytes they replace are let go on another thread: the last hold on the replaced file
        // frees its pages in the page cache, a tenth of a second for a large store.
        var replaced: [AnyObject] = []
        defer {
            // The box their only holder before it is emptied, so that they go there.
            if !replaced.isEmpty { let box = FreedElsewhere(replaced); replaced = []; box.free() }
        }
        for written in tables {
            let t = model.tables[written.entity], es = t.schema
            let section = Section(entity: written.entity, map: es.fields.indices.map { $0 }, width: es.fields.count, count: written.count,
                                  body: payload.slice(written.body), bodyOffset: written.body.lowerBound, chunked: true)
            if let old = t.isDeferred ? t.deferredSource : t.savedImage?.bytes { replaced.append(old) }
            if t.isDeferred {
                t.redefer(source: UnreadTable(section), count: written.count, reusable: true) { [unowned t] in
                    try decodeTable(section, into: t)
                }
            } else {
                t.rememberSaved(UnreadTable(section))
                unloadIfLog(t, from: logsKeptUnder) { [unowned t] in try decodeTable(section, into: t) }
            }
        }
    }

    /// A large table the shell itself writes (the history), once the snapshot holds it: let go of, to be
    /// decoded from the snapshot when it is read (see `Table.unload`).
    static func unloadIfLog(_ t: Table, from threshold: Int, _ load: @escaping () throws -> Void) {
        guard t.schema.system, t.count >= threshold else { return }
        t.unload(load)
    }
    static let largeLog = 100_000

    /// The payload of a snapshot addition: only the records added to each table since the snapshot was
    /// written (or last added to), as a column chunk per table that has any, in the base's table
    /// layout (name, field names, next number, record count, byte length, chunks). Nil when a table
    /// changed otherwise (a record changed or removed), or was never written: the save writes the
    /// snapshot whole. A million-row import then writes its million rows, not the store again.
    static func encodeAdditionPlan(_ model: Model, begun: BegunAddition? = nil) -> (parts: [DataFolder.Part], tables: [WrittenTable])? {
        var jobs: [() -> [DataFolder.Part]] = []
        var added: [(table: Table, jobs: Range<Int>, count: Int)] = []
        // Tables whose encoding was begun and that have not changed since: their parts are taken as made.
        var early: [Int: [[DataFolder.Part]]] = [:]
        if let begun { early = begun.finished().filter { e, _ in begun.versions[e] == model.tables[e].version } }
        // Each job's part goes to its slot, among the parts begun early.
        var encoded: [[DataFolder.Part]] = [], slots: [Int] = []
        for t in model.tables {
            guard let (parts, count) = additionJobs(t) else { return nil }
            guard count > 0 else { continue }
            let made = early[t.entityIndex]
            let range = encoded.count ..< encoded.count + (made?.count ?? parts.count)
            added.append((t, range, count))
            if let made { encoded += made; continue }
            slots += range
            encoded += [[DataFolder.Part]](repeating: [], count: parts.count)
            jobs += parts
        }
        encoded.withUnsafeMutableBufferPointer { out in
            DispatchQueue.concurrentPerform(iterations: jobs.count) { i in out[slots[i]] = jobs[i]() }
        }
        var parts: [DataFolder.Part] = [], tables: [WrittenTable] = []
        var offset = 0
        var w = BinaryWriter()
        func flush() { if w.count > 0 { parts.append(.bytes(w.bytes)); offset += w.count; w = BinaryWriter() } }
        w.write(snapshotVersion)
        w.write(UInt64(added.count))
        for (t, range, count) in added {
            let body = range.flatMap { encoded[$0] }
            let length = body.reduce(0) { $0 + $1.count }
            w.writeString(t.schema.name)
            w.write(UInt64(t.schema.fields.count))
            for f in t.schema.fields { w.writeString(f.name) }
            w.write(t.nextNumberWithoutLoading)
            w.write(UInt64(count))
            var h = BinaryWriter()
            h.write(UInt64(count))
            w.writeFixedUInt64LE(UInt64(1 + h.count + 8 + length))
            let start = offset + w.count
            w.write(Layout.columns.rawValue)
            w.write(UInt64(count))
            w.writeFixedUInt64LE(UInt64(length))
            flush()
            for part in body where part.count > 0 { parts.append(part); offset += part.count }
            tables.append(WrittenTable(entity: t.entityIndex, body: start ..< offset, count: count))
        }
        flush()
        return (parts, tables)
    }

    /// A table's rows added since it was written, as jobs that each encode one part of its column
    /// chunk, and their count; nil when the table cannot be added to (see `encodeAdditionPlan`).
    private static func additionJobs(_ t: Table) -> (jobs: [() -> [DataFolder.Part]], count: Int)? {
        if t.isDeferred {
            guard t.deferredSource is UnreadTable else { return nil }
            let count = t.appendedWhileDeferred.count
            return (count > 0 ? columnParts(of: t.appendedWhileDeferred) : [], count)
        }
        guard t.savedImage?.bytes is UnreadTable else { return nil }
        switch t.savedState {
        case .unchanged: return ([], 0)
        case .appended(let from): return (columnParts(of: t, from: from), t.slotCount - from)
        case .changed: return nil
        }
    }

    /// The encoding of an addition's tables begun on other cores, while the importing thread still
    /// writes the history of what it made (which is encoded after it): the history of a million rows
    /// keeps one core busy for a while, and the other would wait.
    final class BegunAddition: @unchecked Sendable {
        /// Each table's version when its encoding began: a table changed since is encoded again.
        let versions: [Int: Int]
        private let entities: [Int], ranges: [Range<Int>]
        private var parts: [[DataFolder.Part]]
        private let group = DispatchGroup()

        /// Nil when an addition could not be written (a table changed otherwise), or there is nothing
        /// to begin.
        init?(_ model: Model, except skipped: Int) {
            var jobs: [() -> [DataFolder.Part]] = [], entities: [Int] = [], ranges: [Range<Int>] = [], versions: [Int: Int] = [:]
            for t in model.tables {
                guard let (parts, count) = ModelCodec.additionJobs(t) else { return nil }
                guard count > 0, t.entityIndex != skipped else { continue }
                entities.append(t.entityIndex); versions[t.entityIndex] = t.version
                ranges.append(jobs.count ..< jobs.count + parts.count)
                jobs += parts
            }
            guard !jobs.isEmpty else { return nil }
            self.versions = versions; self.entities = entities; self.ranges = ranges; self.jobs = jobs
            parts = [[DataFolder.Part]](repeating: [], count: jobs.count)
            DispatchQueue.global().async(group: group) { [self] in encode() }
        }

        private var jobs: [() -> [DataFolder.Part]]
        private func encode() {
            parts.withUnsafeMutableBufferPointer { out in
                DispatchQueue.concurrentPerform(iterations: jobs.count) { i in out[i] = jobs[i]() }
            }
            jobs = []
        }

        /// Waits for the encoding; each table's parts, by entity.
        func finished() -> [Int: [[DataFolder.Part]]] {
            group.wait()
            var out: [Int: [[DataFolder.Part]]] = [:]
            for (e, r) in zip(entities, ranges) { out[e] = Array(parts[r]) }
            return out
        }
    }

    /// After an addition from `encodeAdditionPlan` is written (`payload`, as the file holds it): the
    /// records it holds are remembered after those the snapshot held, so the next save may add to it
    /// again or write each table as those bytes; a deferred table's rows appended since, now in the
    /// file, leave memory.
    static func rememberAdded(_ model: Model, payload: ByteSlice, tables: [WrittenTable], logsKeptUnder: Int = largeLog) {
        for written in tables {
            let t = model.tables[written.entity], es = t.schema
            let section = Section(entity: written.entity, map: es.fields.indices.map { $0 }, width: es.fields.count, count: written.count,
                                  body: payload.slice(written.body), bodyOffset: written.body.lowerBound, chunked: true)
            if t.isDeferred, let old = t.deferredSource as? UnreadTable {
                let source = UnreadTable(old.sections + [section])
                t.redefer(source: source, count: source.count, reusable: source.reusable) { [unowned t] in
                    for s in source.sections { try decodeTable(s, into: t) }
                }
            } else if let old = t.savedImage?.bytes as? UnreadTable {
                let source = UnreadTable(old.sections + [section])
                t.rememberSaved(source)
                unloadIfLog(t, from: logsKeptUnder) { [unowned t] in for s in source.sections { try decodeTable(s, into: t) } }
            }
        }
    }

    /// A count of things that follow, each at least one byte: larger than the bytes left is damage,
    /// refused before anything is allocated for it.
    static func readCount(_ r: inout BinaryReader, _ what: String) throws -> Int {
        let at = r.offset
        let n = try r.readUInt64()
        guard n <= UInt64(r.remaining) else {
            throw Failure(description: "\(what) count \(n) at byte \(at) runs past the end of the data (\(r.remaining) bytes left)")
        }
        return Int(n)
    }

    /// One table of a snapshot: where its fields go in today's schema, and its records' bytes: rows (a
    /// format 2 table), or chunks (format 3). A chunk is a section of its own, rows or columns.
    struct Section {
        var entity: Int?
        var map: [Int?]
        var width: Int
        var count: Int
        var body: ByteSlice
        var bodyOffset: Int
        var chunked = false
        var layout = Layout.rows
        var sameFields: Bool { entity != nil && map.count == width && map.enumerated().allSatisfy { $0.element == $0.offset } }
    }

    /// The records of a table as a snapshot holds them: the base's section, then each addition's.
    final class UnreadTable {
        let sections: [Section]
        init(_ sections: [Section]) { self.sections = sections }
        convenience init(_ section: Section) { self.init([section]) }
        var count: Int { sections.reduce(0) { $0 + $1.count } }
        var byteCount: Int { sections.reduce(0) { $0 + $1.body.count } }
        var sameFields: Bool { sections.allSatisfy(\.sameFields) }
        /// Whether a save may write these bytes for the records (today's fields, today's format).
        var reusable: Bool { sections.allSatisfy { $0.chunked && $0.sameFields } }
    }

    /// Reads a snapshot payload into an empty model. `deferring` leaves each table's records (format 2)
    /// to be decoded when the table is first used (`Table.load`); otherwise every record is decoded
    /// now, table by table, a large one on every core.
    static func decodeSnapshot(_ bytes: [UInt8], into model: Model, deferring: Bool = false) throws {
        try decodeSnapshot(ByteSlice(copying: bytes), into: model, deferring: deferring)
    }

    /// `additions`: the payloads of the snapshot's additions (`encodeAdditionPlan`), in order; their
    /// tables' records follow the base's.
    static func decodeSnapshot(_ bytes: ByteSlice, additions: [ByteSlice] = [], into model: Model, deferring: Bool = false) throws {
        var sections = try readTables(bytes, into: model)
        for (k, addition) in additions.enumerated() {
            do { sections += try readTables(addition, into: model, isAddition: true) } catch let f as Failure {
                throw Failure(description: "addition \(k + 1) of the snapshot: \(f.description)")
            }
        }
        if deferring {
            var byEntity: [Int: [Section]] = [:]
            for s in sections { if let e = s.entity { byEntity[e, default: []].append(s) } }
            for (e, list) in byEntity { deferLoad(list, into: model.tables[e]) }
        } else {
            try decodeSections(sections, into: model)
        }
        model.finishedLoading()
    }

    /// The tables of one payload (the base's or an addition's), each as a section of its records;
    /// the records of a format 1 payload are decoded into the model as they are read.
    static func readTables(_ bytes: ByteSlice, into model: Model, isAddition: Bool = false) throws -> [Section] {
        var r = BinaryReader(bytes)
        let v = try r.readUInt64()
        guard v <= snapshotVersion else { throw Failure(description: "snapshot data version \(v) is newer than this salesh understands (\(snapshotVersion))") }
        guard !isAddition || v >= 3 else { throw Failure(description: "data version \(v) cannot be an addition's") }
        let n = try readCount(&r, "table")
        var sections: [Section] = []
        for _ in 0..<n {
            let name = try r.readString()
            let fieldCount = try readCount(&r, "field")
            var names: [String] = []
            for _ in 0..<fieldCount { names.append(try r.readString()) }
            let next = try r.readInt64()
            let count = try readCount(&r, "record")
            let e = model.schema.index(of: name)
            if let e { model.tables[e].raiseNextNumber(to: next) }
            let map = names.map { fname in e.flatMap { model.schema.entities[$0].fieldIndex(fname) } }
            let width = e.map { model.schema.entities[$0].fields.count } ?? 0
            if v >= 2 {
                let at = r.offset
                let length = try r.readFixedUInt64LE()
                guard length <= UInt64(r.remaining) else {
                    throw Failure(description: "the records of \(name) (\(length) bytes, at byte \(at)) run past the end of the data")
                }
                sections.append(Section(entity: e, map: map, width: width, count: count, body: try r.readRaw(count: Int(length)),
                                        bodyOffset: r.offset - Int(length), chunked: v >= 3))
            } else {
                let section = Section(entity: e, map: map, width: width, count: count, body: ByteSlice(copying: []), bodyOffset: 0)
                let table = e.map { model.tables[$0] }
                table?.reserve(count)
                try decodeRecords(&r, section, count: section.count) { table?.appendLoaded(id: $0, values: $1) }
            }
        }
        guard r.isAtEnd else { throw Failure(description: "unexpected data after the last table at byte \(r.offset)") }
        return sections
    }

    static func deferLoad(_ sections: [Section], into table: Table) {
        let source = UnreadTable(sections)
        table.deferLoading(source: source, count: source.count, reusable: source.reusable) { [unowned table] in
            for s in sections { try decodeTable(s, into: table) }
        }
    }

    /// Decodes one table's records into `table` (nil: a table no longer in the schema, read only to
    /// check it), chunk by chunk, then gives the mapped bytes back. Damage is reported at its byte in
    /// the whole payload.
    static func decodeTable(_ s: Section, into table: Table?) throws {
        for c in try chunks(of: s) {
            do {
                switch c.layout {
                case .rows: try decodeRows(c, into: table)
                case .columns: try decodeColumns(c, into: table)
                }
            } catch let d as DecodeError {
                throw DecodeError(offset: c.bodyOffset + d.offset, reason: d.reason)
            }
        }
        s.body.release()
    }

    /// The chunks of a section: itself for a table of rows (format 2); each a section of its own, with
    /// its count, bytes and place, for format 3. Their counts add up to the table's.
    static func chunks(of s: Section) throws -> [Section] {
        guard s.chunked else { return [s] }
        var out: [Section] = []
        var r = BinaryReader(s.body)
        var total = 0
        do {
            while !r.isAtEnd {
                let at = r.offset
                guard let layout = Layout(rawValue: try r.readUInt8()) else {
                    throw DecodeError(offset: at, reason: "unknown chunk layout \(s.body[at])")
                }
                let count = try r.readUInt64()
                let length = try r.readFixedUInt64LE()
                guard length <= UInt64(r.remaining), count <= UInt64(s.count - total) else {
                    throw DecodeError(offset: at, reason: "a chunk of \(count) records in \(length) bytes runs past the end of its table")
                }
                var c = s
                c.chunked = false
                c.layout = layout
                c.count = Int(count)
                c.bodyOffset = s.bodyOffset + r.offset
                c.body = try r.readRaw(count: Int(length))
                total += c.count
                out.append(c)
            }
        } catch let d as DecodeError {
            throw DecodeError(offset: s.bodyOffset + d.offset, reason: d.reason)
        }
        guard total == s.count else {
            throw DecodeError(offset: s.bodyOffset, reason: "a table of \(s.count) records holds chunks of \(total)")
        }
        return out
    }

    /// Decodes a table's rows (or one chunk of them). A large one is cut into pieces at record
    /// boundaries found by a pass that steps over the values without decoding them; the pieces decode
    /// side by side, one per core, and the table takes them in order.
    static func decodeRows(_ s: Section, into table: Table?) throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if let table, cores > 1, s.body.count >= parallelBytes, let pieces = pieces(of: s, count: 16 * min(cores, 8)), pieces.count > 1 {
            try decodePieces(s, pieces, into: table)
        } else {
            var reader = BinaryReader(s.body)
            table?.reserve(s.count)
            try decodeRecords(&reader, s, count: s.count) { table?.appendLoaded(id: $0, values: $1) }
            guard reader.isAtEnd else {
                throw Failure(description: "unexpected data after the records of a table at byte \(s.bodyOffset + reader.offset)")
            }
        }
    }

    /// Where each of about `count` pieces of a table's records starts (byte offset, records in it), found
    /// by stepping over ids and values. Nil when the bytes do not parse: the one-piece decode then says
    /// where and why.
    static func pieces(of s: Section, count: Int) -> [(offset: Int, records: Int)]? {
        let per = max(1, (s.count + count - 1) / count)
        var out: [(Int, Int)] = []
        var r = BinaryReader(s.body)
        var released = 0
        do {
            for i in 0..<s.count {
                if i % per == 0 {
                    out.append((r.offset, min(per, s.count - i)))
                    // The pages stepped over go back as it goes: the decode reads them again from the
                    // page cache, and the table's peak is its columns, not its columns and its bytes.
                    s.body.slice(released ..< r.offset).release()
                    released = r.offset
                }
                try r.skipString()
                for _ in 0..<s.map.count { try skipValue(&r) }
            }
        } catch { return nil }
        s.body.slice(released ..< r.offset).release()
        return r.isAtEnd ? out : nil
    }

    static func skipValue(_ r: inout BinaryReader) throws {
        switch try r.readUInt8() {
        case 0, 1, 2: break
        case 3, 5, 6, 7, 8: _ = try r.readUInt64()
        case 4: try r.skip(8)
        case 9: try r.skipString()
        case 10: try r.skip(1); _ = try r.readUInt64(); _ = try r.readUInt64()
        case 11: _ = try r.readUInt64(); _ = try r.readUInt64()
        default: throw Failure(description: "unknown value tag")
        }
    }

    /// Below this many bytes of records a table decodes on one thread (threads cost more than they save).
    static var parallelBytes = 1 << 20

    /// Decodes the pieces side by side straight into the table's new columns: each thread fills the
    /// slots of its own records, so nothing is appended or copied value by value afterwards. If some
    /// value does not fit its column's narrow form, the table is decoded again on one thread, value by
    /// value, which widens that column (a rare store: an older schema's leftovers).
    static func decodePieces(_ s: Section, _ pieces: [(offset: Int, records: Int)], into table: Table) throws {
        let n = s.count, width = s.width
        var first = [0]
        for p in pieces { first.append(first.last! + p.records) }
        var idArray: ContiguousArray<String> = []
        var misfit = false
        let columns = try FieldColumn.filled(like: table.emptyColumns, count: n, pieces: Array(first.dropLast())) { sinks in
            idArray = try ContiguousArray<String>(unsafeUninitializedCapacity: n) { idBuffer, idCount in
                let ids = idBuffer.baseAddress!
                let filled = UnsafeMutableBufferPointer<Int>.allocate(capacity: pieces.count)
                filled.initialize(repeating: 0)
                let misfits = UnsafeMutableBufferPointer<Bool>.allocate(capacity: pieces.count)
                misfits.initialize(repeating: false)
                let failures = UnsafeMutableBufferPointer<Error?>.allocate(capacity: pieces.count)
                failures.initialize(repeating: nil)
                defer { filled.deallocate(); misfits.deallocate(); failures.deinitialize(); failures.deallocate() }
                DispatchQueue.concurrentPerform(iterations: pieces.count) { i in
                    let (offset, records) = pieces[i]
                    let end = i + 1 < pieces.count ? pieces[i + 1].offset : s.body.count
                    var reader = BinaryReader(s.body.slice(offset ..< end))
                    var slot = first[i]
                    var fits = true
                    do {
                        try decodeRecords(&reader, s, count: records) { id, values in
                            (ids + slot).initialize(to: id)
                            values.withUnsafeBufferPointer { vs in
                                for f in 0..<width where !sinks[f].put(vs[f], at: slot, piece: i) { fits = false }
                            }
                            slot += 1
                        }
                        if !reader.isAtEnd {
                            failures[i] = Failure(description: "unexpected data after the records of a table at byte \(s.bodyOffset + offset + reader.offset)")
                        }
                        s.body.slice(offset ..< end).release()
                    } catch let d as DecodeError {
                        failures[i] = DecodeError(offset: offset + d.offset, reason: d.reason)
                    } catch {
                        failures[i] = error
                    }
                    filled[i] = slot - first[i]
                    misfits[i] = !fits
                }
                if let failure = failures.lazy.compactMap({ $0 }).first {
                    // The ids stay empty: those filled are taken apart again before the error goes up.
                    for i in pieces.indices { (ids + first[i]).deinitialize(count: filled[i]) }
                    throw failure
                }
                misfit = misfits.contains(true)
                idCount = n
            }
        }
        if misfit {
            var reader = BinaryReader(s.body)
            table.reserve(n)
            try decodeRecords(&reader, s, count: n) { table.appendLoaded(id: $0, values: $1) }
            return
        }
        table.appendLoaded(ids: idArray, columns: columns)
    }

    /// Decodes the sections into their tables, two or more at once, the largest first: a table's ids and
    /// their index are built on one thread, and another table's columns keep the other cores busy
    /// meanwhile. The sections of one table (a damaged payload may name it twice) decode in turn on one
    /// thread. The damage reported is the first in that order.
    static func decodeSections(_ sections: [Section], into model: Model) throws {
        var units: [[Section]] = [], unitOf: [Int: Int] = [:]
        for s in sections {
            if let e = s.entity, let u = unitOf[e] { units[u].append(s); continue }
            if let e = s.entity { unitOf[e] = units.count }
            units.append([s])
        }
        units.sort { $0.reduce(0) { $0 + $1.body.count } > $1.reduce(0) { $0 + $1.body.count } }
        func decode(_ unit: [Section]) throws {
            for s in unit { try decodeTable(s, into: s.entity.map { model.tables[$0] }) }
        }
        guard ProcessInfo.processInfo.activeProcessorCount > 1, units.count > 1 else { return try units.forEach(decode) }
        var failures = [Error?](repeating: nil, count: units.count)
        failures.withUnsafeMutableBufferPointer { failed in
            // Each core takes the next table as it finishes one, in this order.
            DispatchQueue.concurrentPerform(iterations: units.count) { i in
                do { try decode(units[i]) } catch { failed[i] = error }
            }
        }
        if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
    }

    /// The records of one table (its header read), as they stand in the bytes, each handed to `add` as
    /// its id and its values in schema order (unless the table is no longer in the schema). One buffer
    /// serves every record: a whole record is read before any of it is added.
    static func decodeRecords(_ r: inout BinaryReader, _ s: Section, count: Int, _ add: (String, ContiguousArray<Value>) -> Void) throws {
        let fieldCount = s.map.count, width = s.width
        let same = s.sameFields
        var values = ContiguousArray<Value>(repeating: .null, count: width)
        for _ in 0..<count {
            let id = try r.readString()
            if same {
                for k in 0..<width { values[k] = try readValue(&r) }
            } else {
                for k in 0..<width { values[k] = .null }
                for k in 0..<fieldCount {
                    let val = try readValue(&r)
                    if let target = s.map[k] { values[target] = val }
                }
            }
            if s.entity != nil { add(id, values) }
        }
    }

    // MARK: journal

    /// At least as many bytes as `encode(tx)` writes, counted without writing them: whether a change
    /// fits the journal is known before encoding one that goes to the snapshot instead. The count stops
    /// once it passes `limit` (a million-row import is over the journal's threshold long before its end).
    /// `model` gives the values of records made in place (`Change.created`).
    static func encodedSizeBound(_ tx: Transaction, schema: Schema, limit: Int = .max, model: Model? = nil) -> Int {
        func string(_ s: String) -> Int { s.utf8.count + 10 }
        func value(_ v: Value) -> Int {
            switch v {
            case .text(let s): 1 + string(s)
            case .period: 31
            case .duration: 21
            default: 11
            }
        }
        var n = string(tx.user) + 20 + (tx.osUser.map(string) ?? 0) + 1 + (tx.source.map { string($0.file) + 10 + 5 * $0.lines.count } ?? 0)
        // Records made in place are read from their tables field by field to be counted; what they
        // write at least (their entity, their id, each required field's name and value) often settles
        // it without reading one (a million-row import is over the threshold several times).
        if tx.changes.count >= 10_000, model != nil {
            var required = [Int?](repeating: nil, count: schema.entities.count), least = n
            for c in tx.changes {
                guard case .created(let e, let id) = c else { continue }
                let es = schema.entities[e]
                if required[e] == nil { required[e] = es.fields.filter(\.required).reduce(0) { $0 + string($1.name) + 11 } }
                least += 1 + string(es.name) + string(id) + 10 + required[e]!
                if least > limit { return least }
            }
        }
        for c in tx.changes {
            let es = schema.entities[c.entity]
            n += 1 + string(es.name) + string(c.recordID)
            // A created or deleted record: its fields that are not null, by name.
            func record(_ field: (Int) -> Value) {
                n += 10
                for i in es.fields.indices { let v = field(i); if !v.isNull { n += string(es.fieldNames[i]) + value(v) } }
            }
            switch c {
            case .create(_, let rec), .delete(_, let rec): record { $0 < rec.values.count ? rec.values[$0] : .null }
            case .created(let e, let id):
                // Read in place, field by field: no record is made to be counted (a large import is
                // counted up to the journal's threshold, half a million records perhaps).
                let (t, slot) = madeInPlace(e, id, model)
                record { t.value(slot, $0) }
            case .update(_, _, let f, let old, let new):
                n += string(es.fieldNames[f]) + value(old) + value(new)
            }
            if n > limit { return n }
        }
        return n
    }

    /// The table and slot of a record made in place (`Change.created`), whose values `model` holds.
    private static func madeInPlace(_ e: Int, _ id: String, _ model: Model?) -> (Table, Int) {
        guard let t = model?.tables[e], let slot = t.slot(of: id) else {
            preconditionFailure("a record made in place is read from the model that holds it")
        }
        return (t, slot)
    }

    /// `model` gives the values of records made in place (`Change.created`), written as any created
    /// record's.
    static func encode(_ tx: Transaction, schema: Schema, model: Model? = nil) -> [UInt8] {
        var w = BinaryWriter()
        w.writeString(tx.user)
        w.write(tx.time.millis)
        w.write(UInt64(tx.changes.count))
        for c in tx.changes {
            let es = schema.entities[c.entity]
            // A created or deleted record: its id and its fields that are not null, by name.
            func record(_ kind: UInt8, _ id: String, _ value: (Int) -> Value) {
                w.write(kind)
                w.writeString(es.name)
                w.writeString(id)
                let present = es.fields.indices.filter { !value($0).isNull }
                w.write(UInt64(present.count))
                for i in present { w.writeString(es.fields[i].name); write(value(i), &w) }
            }
            switch c {
            case .create(_, let rec): record(1, rec.id) { $0 < rec.values.count ? rec.values[$0] : .null }
            case .delete(_, let rec): record(3, rec.id) { $0 < rec.values.count ? rec.values[$0] : .null }
            case .created(let e, let id):
                let (t, slot) = madeInPlace(e, id, model)
                record(1, id) { t.value(slot, $0) }
            case .update(_, let id, let f, let old, let new):
                w.write(UInt8(2))
                w.writeString(es.name)
                w.writeString(id)
                w.writeString(es.fields[f].name)
                write(old, &w)
                write(new, &w)
            }
        }
        // Added after version 1 shipped: a tagged tail that older journals simply do not have.
        if let os = tx.osUser { w.write(UInt8(0xA1)); w.writeString(os) }
        if let source = tx.source {
            w.write(UInt8(0xA2))
            w.writeString(source.file)
            w.write(UInt64(source.lines.count))
            for line in source.lines { w.write(UInt64(line)) }
        }
        return w.bytes
    }

    static func decodeTransaction(_ bytes: [UInt8], schema: Schema) throws -> Transaction {
        var r = BinaryReader(bytes)
        let user = try r.readString()
        let time = Timestamp(millis: try r.readInt64())
        let n = try readCount(&r, "change")
        var changes: [Change] = []
        for _ in 0..<n {
            let kind = try r.readUInt8()
            let ename = try r.readString()
            guard let e = schema.index(of: ename) else { throw Failure(description: "unknown entity \(ename)") }
            let es = schema.entities[e]
            let id = try r.readString()
            switch kind {
            case 1, 3:
                var values = [Value](repeating: .null, count: es.fields.count)
                let k = try readCount(&r, "field")
                for _ in 0..<k {
                    let fname = try r.readString()
                    let v = try readValue(&r)
                    if let fi = es.fieldIndex(fname) { values[fi] = v }
                }
                let rec = Record(id: id, values: values)
                changes.append(kind == 1 ? .create(entity: e, record: rec) : .delete(entity: e, record: rec))
            case 2:
                let fname = try r.readString()
                let old = try readValue(&r), new = try readValue(&r)
                if let fi = es.fieldIndex(fname) { changes.append(.update(entity: e, id: id, field: fi, old: old, new: new)) }
            default:
                throw Failure(description: "unknown change kind \(kind)")
            }
        }
        var osUser: String? = nil
        var source: ImportSource? = nil
        while !r.isAtEnd {
            switch try r.readUInt8() {
            case 0xA1: osUser = try r.readString()
            case 0xA2:
                let file = try r.readString()
                let count = try readCount(&r, "line")
                var lines: [Int32] = []
                lines.reserveCapacity(count)
                for _ in 0..<count {
                    guard let line = Int32(exactly: try r.readUInt64()) else { throw Failure(description: "a line number out of range at byte \(r.offset)") }
                    lines.append(line)
                }
                source = ImportSource(file: file, lines: lines)
            default: throw Failure(description: "unknown transaction field at byte \(r.offset - 1)")
            }
        }
        return Transaction(user: user, time: time, changes: changes, osUser: osUser, source: source)
    }
}
