import SalesCore
import SalesStore

/// Encodes the model into the store's payloads. Records are written by field *name*, so a
/// snapshot or journal from an older schema still loads: unknown fields are dropped, new ones start empty.
///
/// Snapshot payload: codec version, then per entity: name, field names, next number, record count,
/// and per record its id and one value per field. History is an entity like the others.
/// Journal payload (one transaction): user, time, and its changes, each naming entity, record and fields.
/// Value: one tag byte, then 0 null · 1 false · 2 true · 3 int · 4 real · 5 money · 6 percent · 7 date ·
/// 8 timestamp · 9 text · 10 period (kind, start, end) · 11 duration (months, days); integers are zigzag varints.
enum ModelCodec {
    static let version: UInt64 = 1

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

    static func encodeSnapshot(_ model: Model) -> [UInt8] {
        // Reserved up front (a little over the usual 80–90 bytes a record takes), so the payload is not
        // copied and faulted in again each time a growing array doubles.
        let estimate = model.tables.reduce(4096) { $0 + $1.count * (24 + 6 * $1.schema.fields.count) }
        var w = BinaryWriter(reservingCapacity: estimate)
        w.write(version)
        w.write(UInt64(model.tables.count))
        for t in model.tables {
            w.writeString(t.schema.name)
            w.write(UInt64(t.schema.fields.count))
            for f in t.schema.fields { w.writeString(f.name) }
            w.write(t.nextNumber)
            w.write(UInt64(t.count))
            for case let r? in t.records {
                w.writeString(r.id)
                for v in r.values { write(v, &w) }
            }
        }
        return w.bytes
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

    static func decodeSnapshot(_ bytes: [UInt8], into model: Model) throws {
        var r = BinaryReader(bytes)
        let v = try r.readUInt64()
        guard v <= version else { throw Failure(description: "snapshot data version \(v) is newer than this salesh understands (\(version))") }
        let n = try readCount(&r, "table")
        for _ in 0..<n {
            let name = try r.readString()
            let fieldCount = try readCount(&r, "field")
            var names: [String] = []
            for _ in 0..<fieldCount { names.append(try r.readString()) }
            let next = try r.readInt64()
            let count = try readCount(&r, "record")
            let e = model.schema.index(of: name)
            let map = names.map { fname in e.flatMap { model.schema.entities[$0].fieldIndex(fname) } }
            let width = e.map { model.schema.entities[$0].fields.count } ?? 0
            if let e { model.tables[e].reserve(count) }
            // The usual case: the snapshot's fields are the schema's, in its order; values go straight
            // into the record's array as they are read.
            let sameFields = e != nil && fieldCount == width && map.enumerated().allSatisfy { $0.element == $0.offset }
            for _ in 0..<count {
                let id = try r.readString()
                var values: [Value]
                if sameFields {
                    values = try [Value](unsafeUninitializedCapacity: width) { buf, n in
                        while n < width { (buf.baseAddress! + n).initialize(to: try readValue(&r)); n += 1 }
                    }
                } else {
                    values = [Value](repeating: .null, count: width)
                    for k in 0..<fieldCount {
                        let val = try readValue(&r)
                        if let target = map[k] { values[target] = val }
                    }
                }
                if let e { model.load(entity: e, Record(id: id, values: values)) }
            }
            if let e { model.tables[e].nextNumber = max(model.tables[e].nextNumber, next) }
        }
        guard r.isAtEnd else { throw Failure(description: "unexpected data after the last table at byte \(r.offset)") }
    }

    // MARK: journal

    static func encode(_ tx: Transaction, schema: Schema) -> [UInt8] {
        var w = BinaryWriter()
        w.writeString(tx.user)
        w.write(tx.time.millis)
        w.write(UInt64(tx.changes.count))
        for c in tx.changes {
            let es = schema.entities[c.entity]
            switch c {
            case .create(_, let rec), .delete(_, let rec):
                if case .create = c { w.write(UInt8(1)) } else { w.write(UInt8(3)) }
                w.writeString(es.name)
                w.writeString(rec.id)
                let present = rec.values.indices.filter { !rec.values[$0].isNull }
                w.write(UInt64(present.count))
                for i in present { w.writeString(es.fields[i].name); write(rec.values[i], &w) }
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
        if !r.isAtEnd {
            guard try r.readUInt8() == 0xA1 else { throw Failure(description: "unknown transaction field at byte \(r.offset - 1)") }
            osUser = try r.readString()
        }
        return Transaction(user: user, time: time, changes: changes, osUser: osUser)
    }
}
