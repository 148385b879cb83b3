import Dispatch
/// One record: its id and one value per field of its entity, in schema order.
public struct Record: Sendable {
    public var id: String
    public var values: [Value]
    public init(id: String, values: [Value]) { self.id = id; self.values = values }
    public subscript(_ i: Int) -> Value { values[i] }
}

/// A change to one record, kept whole so it can be journalled, replayed and undone.
public enum Change: Sendable {
    case create(entity: Int, record: Record)
    /// A record made in place (an import's row, `Mutation.create(entity:id:prepared:)`): its values went
    /// straight into the table, and are read from there when wanted (`Transaction.materialized(in:)`)
    /// rather than kept a second time, a million arrays of them, until the statement ends.
    case created(entity: Int, id: String)
    // Boxed: a list of changes is as long as its largest case, and an import's million new records
    // each took 88 bytes for it.
    indirect case update(entity: Int, id: String, field: Int, old: Value, new: Value)
    case delete(entity: Int, record: Record)

    public var entity: Int {
        switch self { case .create(let e, _), .created(let e, _), .update(let e, _, _, _, _), .delete(let e, _): e }
    }
    public var isCreate: Bool {
        switch self { case .create, .created: true; default: false }
    }
    public var recordID: String {
        switch self {
        case .create(_, let r), .delete(_, let r): r.id
        case .created(_, let id), .update(_, let id, _, _, _): id
        }
    }

    /// The change with a record made in place given its values, as `model` holds them now: what a
    /// journal entry, a summary or a rule that reads a new record's values wants.
    public func materialized(in model: Model) -> Change {
        guard case .created(let e, let id) = self else { return self }
        return .create(entity: e, record: model.tables[e].record(id) ?? Record(id: id, values: []))
    }
}

/// Everything one statement changed, applied whole or not at all.
public struct Transaction: Sendable {
    public var user: String
    public var time: Timestamp
    public var changes: [Change]
    /// The operating-system account the shell ran under, recorded beside the acting staff member.
    public var osUser: String?
    /// For an import, the file each change came from: the history of a record it created names the file
    /// and line instead of repeating the record's values (they are the record's, and the file's).
    public var source: ImportSource?
    public init(user: String, time: Timestamp, changes: [Change], osUser: String? = nil, source: ImportSource? = nil) {
        self.user = user; self.time = time; self.changes = changes; self.osUser = osUser; self.source = source
    }

    /// The transaction with each record made in place given its values as `model` holds them (see
    /// `Change.created`). A record a later change of the same transaction updated has its values as
    /// they are after it: replayed, the update then sets what it already holds.
    public func materialized(in model: Model) -> Transaction {
        guard changes.contains(where: { if case .created = $0 { true } else { false } }) else { return self }
        var tx = self
        tx.changes = changes.map { $0.materialized(in: model) }
        return tx
    }
}

/// The file an import read, and the line of the row behind each of its changes (by change index).
public struct ImportSource: Sendable, Equatable {
    public var file: String
    public var lines: [Int32]
    public init(file: String, lines: [Int32]) { self.file = file; self.lines = lines }
    /// `opportunities.csv:17`, the history's account of a record the import created.
    public func origin(ofChange i: Int) -> String { i < lines.count ? String.numbered("\(file):", Int64(lines[i])) : file }
}

extension String {
    /// `prefix` followed by `n` in decimal: `H1024`, `opportunities.csv:17`. Written digit by digit
    /// into the string's bytes, without interpolation: an import makes two for each of a million rows.
    static func numbered(_ prefix: String, _ n: Int64) -> String {
        var prefix = prefix
        return prefix.withUTF8 { numbered(utf8: $0, n) }
    }

    /// `numbered` with the prefix given as its bytes: threads making many at once (an import's history)
    /// share no count of a string between them, a cache line passed from core to core at every call.
    static func numbered(utf8 p: UnsafeBufferPointer<UInt8>, _ n: Int64) -> String {
        guard n >= 0 else { return String(decoding: p, as: UTF8.self) + String(n) }
        var digits = 1, rest = n / 10
        while rest > 0 { digits += 1; rest /= 10 }
        return String(unsafeUninitializedCapacity: p.count + digits) { b in
            for k in 0..<p.count { b[k] = p[k] }
            var v = n
            for k in stride(from: p.count + digits - 1, through: p.count, by: -1) {
                b[k] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
            return p.count + digits
        }
    }
}

/// Writes the digits of numbers given mostly one after another (an import's history ids and lines):
/// the next number's digits are the last one's, counted on by one, rather than made by division.
struct DecimalCounter {
    static let maxDigits = 20
    private var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // room for maxDigits, last digit last
    private var count = 0
    private var last: Int64 = -2

    /// Writes `n`'s digits (a negative `n` with its sign) at `out`; returns how many bytes.
    mutating func write(_ n: Int64, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var held = digits, count = self.count
        withUnsafeMutableBytes(of: &held) { d in
            let end = DecimalCounter.maxDigits
            if n > 0, n == last &+ 1 {
                var i = end - 1
                while i >= end - count, d[i] == UInt8(ascii: "9") { d[i] = UInt8(ascii: "0"); i -= 1 }
                if i < end - count { count += 1; d[i] = UInt8(ascii: "1") } else { d[i] += 1 }   // 999 → 1000
            } else {
                var v = n.magnitude
                count = 0
                repeat {
                    d[end - 1 - count] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                    count += 1
                } while v > 0
                if n < 0 { d[end - 1 - count] = UInt8(ascii: "-"); count += 1 }
            }
            out.update(from: d.baseAddress!.assumingMemoryBound(to: UInt8.self) + (end - count), count: count)
        }
        digits = held; self.count = count; last = n
        return count
    }
}

public struct DomainError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The field the error is about, so the language can point at its assignment.
    public var field: String?
    public var hint: String?
    public init(_ message: String, field: String? = nil, hint: String? = nil) {
        self.message = message; self.field = field; self.hint = hint
    }
    public var description: String { message }
}

/// The whole in-memory model: one table per entity, the history among them.
public final class Model {
    public let schema: Schema
    public private(set) var tables: [Table]
    /// Sequence number of the last transaction applied (matches the journal's).
    public var lastSeq: UInt64 = 0
    public let historyIndex: Int
    /// Bumped by every change, so derived values can cache what they computed from the records.
    public private(set) var version = 0
    private var memos: [String: (version: Int, value: Any)] = [:]

    public init(schema: Schema = .sales) {
        self.schema = schema
        let keyed = schema.keyedEntities
        tables = schema.entities.enumerated().map { Table(schema: $1, entityIndex: $0, keyed: keyed) }
        historyIndex = schema.index(of: "history")!
        let tables = tables
        referencedTables = schema.entities.map { e in
            e.fields.map { f in
                if case .reference(let target) = f.type { return schema.index(of: target).map { tables[$0] } }
                return nil
            }
        }
        staffTable = schema.index(of: "staff").map { tables[$0] }
    }

    /// For each entity, the table each of its reference fields points into: found once, not by name
    /// for every record checked.
    public let referencedTables: [[Table?]]
    /// The staff, whom the rules and permissions ask about for every record checked.
    public let staffTable: Table?

    public func table(_ name: String) -> Table { tables[schema.index(of: name)!] }
    public var history: Table { tables[historyIndex] }

    /// Finds a record by id alone: a prefixed id names its entity; a key is looked up in every keyed entity.
    public func find(_ id: String) -> (table: Table, slot: Int)? {
        if let (e, _) = schema.parsePrefixedID(id), let s = tables[e].slot(of: id) { return (tables[e], s) }
        for t in tables where t.schema.idScheme == .key {
            if let s = t.slot(of: id) { return (t, s) }
        }
        return nil
    }

    public func record(entity: Int, id: String) -> Record? { tables[entity].record(id) }

    // MARK: applying changes

    /// A value computed from the records, recomputed only after they change (e.g. contract totals by contract).
    public func memo<T>(_ key: String, _ build: () -> T) -> T {
        if let m = memos[key], m.version == version, let v = m.value as? T { return v }
        let v = build()
        memos[key] = (version, v)
        return v
    }

    /// A field's value, computing derived fields.
    public func value(_ r: Record, _ field: Int, of entity: EntitySchema, today: Day) -> Value {
        if let f = entity.fields[field].compute { return f(r, self, today) }
        return r.values[field]
    }

    func apply(_ c: Change) {
        version &+= 1
        switch c {
        case .create(let e, let r): tables[e].insert(r)
        // Put in the table as it was made (`insertCreated`); a journal never holds one.
        case .created: break
        case .update(let e, let id, let f, _, let new): tables[e].set(slot: tables[e].slot(of: id)!, field: f, new)
        case .delete(let e, let r): tables[e].remove(r.id)
        }
    }

    /// Puts a record made in place (`Change.created`) in its table.
    func insertCreated(entity e: Int, id: String, values: [Value]) {
        version &+= 1
        tables[e].insert(id: id, values: values)
    }

    func undo(_ c: Change, slot: Int? = nil) {
        version &+= 1
        switch c {
        case .create(let e, let r): tables[e].remove(r.id)
        case .created(let e, let id): tables[e].remove(id)
        case .update(let e, let id, let f, let old, _): tables[e].set(slot: tables[e].slot(of: id)!, field: f, old)
        case .delete(let e, let r):
            if let slot { tables[e].restore(r, at: slot) } else { tables[e].insert(r) }
        }
    }

    /// Replays a journalled transaction (already validated when it was first made) and records its history.
    public func replay(_ tx: Transaction, seq: UInt64) throws {
        for c in tx.changes {
            switch c {
            case .create(let e, let r) where tables[e].contains(r.id),
                 .delete(let e, let r) where !tables[e].contains(r.id):
                throw DomainError("journal entry \(seq) does not fit the snapshot: \(r.id)")
            // A journal holds each record with its values, never one made in place.
            case .created(_, let id):
                throw DomainError("journal entry \(seq) does not fit the snapshot: \(id)")
            case .update(let e, let id, _, _, _) where !tables[e].contains(id):
                throw DomainError("journal entry \(seq) changes \(id), which does not exist")
            default: apply(c)
            }
        }
        recordHistory(tx)
        lastSeq = seq
    }

    /// Adds one history row per change: who, when, what, old → new. A created record's `new` is its
    /// summary, or, from an import, the file and line it came from.
    /// `summaries`, when given, holds `summary(of:entity:)` of each deleted record (and each created one
    /// not imported) by change index, made beforehand (side by side, for a large change).
    public func recordHistory(_ tx: Transaction, summaries: [String]? = nil) {
        let h = history
        if let source = tx.source, tx.changes.allSatisfy(\.isCreate) { recordCreations(tx, from: source); return }
        // One row's values, filled in place for each change and copied into the history's columns
        // (or, while it is not decoded, the columns kept aside for it): no array or record per row.
        var row: [Value] = [.timestamp(tx.time), .text(tx.user), .null, .null, .null, .null, .null, .null, tx.osUser.map(Value.text) ?? .null]
        for (i, c) in tx.changes.enumerated() {
            let entity = schema.entities[c.entity]
            var action = "create", field = Value.null, old = Value.null, new = Value.null
            switch c {
            case .create, .created:
                if let source = tx.source { new = .text(source.origin(ofChange: i)) }
                else if let s = summaries?[i] { new = .text(s) }
                else if case .create(_, let r) = c.materialized(in: self) { new = .text(Model.summary(of: r, entity: entity)) }
            case .update(_, _, let f, let o, let n):
                action = entity.stateIndex == f ? "move" : "set"
                field = .text(entity.fields[f].name); old = o; new = n
            case .delete(_, let r):
                action = "delete"; old = .text(summaries?[i] ?? Model.summary(of: r, entity: entity))
            }
            // Appended without decoding the history when it is deferred: a change to a large store does
            // not read its whole past.
            row[2] = .text(action); row[3] = .text(entity.name); row[4] = .text(c.recordID)
            row[5] = field; row[6] = old; row[7] = new
            h.append(id: .numbered("H", h.nextNumberWithoutLoading), values: row)
        }
    }

    /// The history of an import that only created records (the usual one, a million rows perhaps), made
    /// a column at a time: what every row shares is read into its column once.
    private func recordCreations(_ tx: Transaction, from source: ImportSource) {
        let h = history, n = tx.changes.count, first = h.nextNumberWithoutLoading
        var ids = ContiguousArray<String>()
        ids.reserveCapacity(n)
        // Numbers one after another: each one's digits the last one's, counted on.
        var number = DecimalCounter()
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1 + DecimalCounter.maxDigits) { scratch in
            scratch[0] = UInt8(ascii: "H")
            for k in 0..<Int64(n) {
                let length = 1 + number.write(first + k, into: scratch.baseAddress! + 1)
                ids.append(String(decoding: UnsafeBufferPointer(rebasing: scratch[0 ..< length]), as: UTF8.self))
            }
        }
        // Exact room only for an import as large as the history so far (see `Table.append`).
        let reserve = n >= h.count
        h.append(ids: ids) { columns in
            if reserve { for c in columns.indices { columns[c].reserveCapacity(columns[c].count + n) } }
            columns[0].append(.timestamp(tx.time), count: n)
            columns[1].append(.text(tx.user), count: n)
            columns[2].append(.text("create"), count: n)
            for c in 5...6 { columns[c].append(.null, count: n) }
            columns[8].append(tx.osUser.map(Value.text) ?? .null, count: n)
            // The file's name and its colon made once; each row's line written after them.
            let origin = Array((source.file + ":").utf8), lines = source.lines
            tx.changes.withUnsafeBufferPointer { changes in origin.withUnsafeBufferPointer { origin in lines.withUnsafeBufferPointer { lines in
                var i = 0
                while i < n {
                    // A run of one entity's records (an import's are all one entity's).
                    let e = changes[i].entity
                    var end = i + 1
                    while end < n, changes[end].entity == e { end += 1 }
                    columns[3].append(.text(schema.entities[e].name), count: end - i)
                    i = end
                }
                // Each record's id and each row's origin made on every core: an origin is a string of
                // its own, and a million of them took a fifth of a second on one.
                let pieces = n < 20_000 ? 1 : 8
                if pieces > 1, columns[4].count == 0, columns[7].count == 0, lines.count == n {
                    // Rows kept aside while the history is deferred (the usual case): written into heaps.
                    columns[4].appendTexts(count: n, bytes: n * 8) { i, put in
                        var id = changes[i].recordID
                        id.withUTF8(put)
                    }
                    var line = DecimalCounter()
                    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: origin.count + DecimalCounter.maxDigits) { scratch in
                        _ = scratch.initialize(from: origin)
                        columns[7].appendTexts(count: n, bytes: n * (origin.count + 7)) { i, put in
                            let digits = line.write(Int64(lines[i]), into: scratch.baseAddress! + origin.count)
                            put(UnsafeBufferPointer(rebasing: scratch[0 ..< origin.count + digits]))
                        }
                    }
                } else {
                    columns[4].append(count: n, pieces: pieces) { .text(changes[$0].recordID) }
                    columns[7].append(count: n, pieces: pieces) { i in .text(i < lines.count ? .numbered(utf8: origin, Int64(lines[i])) : source.file) }
                }
            } } }
        }
    }

    /// Takes back the history added since it had `count` entries and `nextNumber`: the change it
    /// describes was not kept.
    public func dropHistory(downTo count: Int, nextNumber: Int64) {
        history.dropAppended(history.count - count, nextNumber: nextNumber)
    }

    /// `title=5G 專網, amount=1,200,000.00, …` — the non-empty fields of a record.
    /// A text with `, ` in it is quoted, so `summaryFields` can split the summary back into fields.
    public static func summary(of r: Record, entity: EntitySchema) -> String {
        var out = ""
        out.reserveCapacity(256)
        let names = entity.fieldNames
        for i in r.values.indices {
            let v = r.values[i]
            if v.isNull { continue }
            if !out.isEmpty { out += ", " }
            out += names[i]
            out += "="
            out += quotedIfNeeded(v.display)
        }
        return out
    }

    static func quotedIfNeeded(_ s: String) -> String {
        guard needsQuotes(s) else { return s }
        var out = "\""
        for c in s { if c == "\"" || c == "\\" { out.append("\\") }; out.append(c) }
        return out + "\""
    }

    /// True when the text holds ", " or starts with a quote (scanned as bytes: this runs for every field
    /// of every record an import creates).
    static func needsQuotes(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { b in
            guard let first = b.first else { return false }
            if first == UInt8(ascii: "\"") { return true }
            var i = 0
            while i + 1 < b.count {
                if b[i] == UInt8(ascii: ","), b[i + 1] == UInt8(ascii: " ") { return true }
                i += 1
            }
            return false
        }
    }

    /// Inserts a record directly, without history; for loading snapshots and generating demo data.
    public func load(entity: Int, _ r: Record) { version &+= 1; tables[entity].insert(r) }

    /// Decodes the records of every deferred table now, throwing what the decoding finds wrong.
    public func loadAll() throws { for t in tables { try t.load() } }

    /// Says that tables were filled through `Table.appendLoaded`, so what was computed from the old
    /// records is computed again.
    public func finishedLoading() { version &+= 1 }

    /// Every record in any table whose reference fields point at `id` of `entity`.
    public func referrers(to id: String, entity: Int, limit: Int = .max) -> [(table: Table, slot: Int, field: Int)] {
        let target = schema.entities[entity].name
        var out: [(Table, Int, Int)] = []
        for t in tables {
            let refFields = t.schema.fields.indices.filter {
                if case .reference(let r) = t.schema.fields[$0].type { return r == target }
                return false
            }
            if refFields.isEmpty { continue }
            let target = Value.text(id)
            for s in 0..<t.slotCount where t.isLive(s) {
                for f in refFields where t.value(s, f) == target {
                    out.append((t, s, f))
                    if out.count >= limit { return out }
                }
            }
        }
        return out
    }
}
