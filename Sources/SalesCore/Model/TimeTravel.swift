// The records as they stood at a moment, from the history: the live records with every later
// change undone, newest first. A record's own history rows are in time order, so undoing them in
// reverse insertion order restores each record exactly; records loaded without history (demo data
// at scale, old stores) count as always there.

extension Timestamp {
    /// `2026-11-26T15:09:41Z`, as `description` writes it.
    public static func parse(_ s: String) -> Timestamp? {
        let parts = s.split(separator: "T")
        guard parts.count == 2, let d = Day.parse(parts[0]) else { return nil }
        let clock = parts[1].hasSuffix("Z") ? parts[1].dropLast() : parts[1]
        let hms = clock.split(separator: ":").compactMap { Int64($0) }
        guard hms.count == 3 else { return nil }
        return Timestamp(millis: (Int64(d.raw) * 86400 + hms[0] * 3600 + hms[1] * 60 + hms[2]) * 1000)
    }
}

extension Value {
    /// A value read back from the text `display` wrote for a field of this type.
    public static func parse(display s: String, as type: ValueType) -> Value {
        if s.isEmpty { return .null }
        switch type {
        case .int: return Int64(s).map(Value.int) ?? .text(s)
        case .real: return Double(s.filter { $0 != "," }).map(Value.real) ?? .text(s)
        case .money: return Money.parse(s).map(Value.money) ?? .text(s)
        case .percent: return Percent.parse(s).map(Value.percent) ?? .text(s)
        case .date: return Day.parse(s).map(Value.date) ?? .text(s)
        case .timestamp: return Timestamp.parse(s).map(Value.timestamp) ?? .text(s)
        case .bool: return s == "yes" ? .bool(true) : (s == "no" ? .bool(false) : .text(s))
        case .period: return Period.parse(s).map(Value.period) ?? .text(s)
        case .duration: return Duration.parse(s).map(Value.duration) ?? .text(s)
        default: return .text(s)
        }
    }
}

extension Model {
    /// `title="A, B", amount=1,200.00`: the summary's fields, split where a `, ` is not inside quotes.
    public static func summaryFields(_ s: String) -> [(name: String, value: String)] {
        var out: [(String, String)] = []
        var chars = Substring(s)
        while !chars.isEmpty {
            guard let eq = chars.firstIndex(of: "=") else { break }
            let name = String(chars[..<eq])
            chars = chars[chars.index(after: eq)...]
            var value = ""
            if chars.first == "\"" {
                chars = chars.dropFirst()
                while let c = chars.first {
                    chars = chars.dropFirst()
                    if c == "\\", let n = chars.first { value.append(n); chars = chars.dropFirst(); continue }
                    if c == "\"" { break }
                    value.append(c)
                }
                if chars.hasPrefix(", ") { chars = chars.dropFirst(2) }
            } else if let r = chars.firstRange(of: ", ") {
                // A value runs to the next `, NAME=`; a comma inside money (1,200.00) has no space after it.
                value = String(chars[..<r.lowerBound]); chars = chars[r.upperBound...]
            } else {
                value = String(chars); chars = ""
            }
            out.append((name, value))
        }
        return out
    }

    /// The end of the day, period or moment `v` names, as the first moment not included.
    public static func cutoff(_ v: Value) -> Timestamp? {
        switch v {
        case .date(let d): return Timestamp(millis: Int64(d.adding(days: 1).raw) * 86_400_000)
        case .period(let p): return Timestamp(millis: Int64(p.end.raw) * 86_400_000)
        case .timestamp(let t): return Timestamp(millis: t.millis + 1)
        default: return nil
        }
    }

    /// The records of an entity as they stood before `cutoff`, and for each (record, field) changed
    /// since, who changed it last and when. Ids of live records keep their order; records deleted since
    /// come after, in id order.
    public func records(of e: Int, before cutoff: Timestamp) -> (records: [Record], lastChange: [String: (user: String, at: Timestamp)]) {
        let t = tables[e], es = t.schema
        var byID: [String: [Value]] = [:]
        var order: [String] = []
        for case let r? in t.records { byID[r.id] = r.values; order.append(r.id) }
        var last: [String: (user: String, at: Timestamp)] = [:]
        let entityName = Value.text(es.name)
        for case let h? in history.records.reversed() {
            guard h.values[3] == entityName, case .timestamp(let at) = h.values[0], at >= cutoff,
                  case .text(let id) = h.values[4], case .text(let action) = h.values[2] else { continue }
            let user = h.values[1].textValue ?? ""
            switch action {
            case "create":
                byID[id] = nil
                if last[id + "/"] == nil { last[id + "/"] = (user, at) }
            case "delete":
                var values = [Value](repeating: .null, count: es.fields.count)
                if case .text(let summary) = h.values[6] {
                    for (name, text) in Model.summaryFields(summary) {
                        if let fi = es.fieldIndex(name) { values[fi] = Value.parse(display: text, as: es.fields[fi].type) }
                    }
                }
                byID[id] = values
                if !order.contains(id) { order.append(id) }
                if last[id + "/"] == nil { last[id + "/"] = (user, at) }
            default:
                guard case .text(let field) = h.values[5], let fi = es.fieldIndex(field) else { continue }
                byID[id]?[fi] = h.values[6]
                if last[id + "/" + field] == nil { last[id + "/" + field] = (user, at) }
            }
        }
        let live = Set(t.ids)
        let restored = order.filter { !live.contains($0) }.sorted { a, b in
            let x = a.drop { !$0.isNumber }, y = b.drop { !$0.isNumber }
            if let i = Int(x), let j = Int(y), a.dropLast(x.count) == b.dropLast(y.count) { return i < j }
            return a < b
        }
        let ids = order.filter { live.contains($0) } + restored
        return (ids.compactMap { id in byID[id].map { Record(id: id, values: $0) } }, last)
    }

    /// A table of records not in the model (an entity as of a moment), for queries to run over.
    public func detachedTable(entity e: Int, records: [Record]) -> Table {
        let t = Table(schema: schema.entities[e], entityIndex: e, keyed: schema.keyedEntities)
        t.reserve(records.count)
        for r in records { t.insert(r) }
        return t
    }
}
