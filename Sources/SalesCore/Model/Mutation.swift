/// Builds one statement's transaction against the live model: each change is applied at once
/// (so later steps and the rules see it) and undone by `rollback()` if anything fails.
public final class Mutation {
    public let model: Model
    public let user: String
    public let today: Day
    public private(set) var changes: [Change] = []
    private var savedNumbers: [Int: Int64] = [:]

    /// True while the store has no admin: whoever runs the shell is setting it up (adding its first admin included).
    public let settingUp: Bool

    public init(model: Model, user: String, today: Day) {
        self.model = model; self.user = user; self.today = today
        settingUp = !model.hasAdmin
    }

    public func transaction(at time: Timestamp) -> Transaction { Transaction(user: user, time: time, changes: changes) }

    /// Hands over the changes (now kept elsewhere: in the store, and in the model) and the index of
    /// them, leaving none: the caller lets a large import's million changes go on another thread
    /// rather than the one that goes on to the next statement.
    public func relinquish() -> [Change] {
        defer { changes = []; lastOfRecord = [:]; earlierOfRecord = []; indexed = 0; deletedSlots = [:] }
        return changes
    }

    /// Makes room for about `count` more changes at once (an import's rows, guessed from its file's
    /// size), rather than growing, and copying, the list of them again and again as they come.
    public func reserveCapacity(_ count: Int) {
        changes.reserveCapacity(changes.count + count)
    }

    /// Undoes the changes made since `mark` (a count of changes), keeping the earlier ones.
    public func rollback(to mark: Int) {
        while changes.count > mark {
            let i = changes.count - 1
            model.undo(changes[i], slot: deletedSlots[i])
            deletedSlots[i] = nil
            if i < indexed {
                lastOfRecord[RecordKey(changes[i])] = earlierOfRecord.removeLast()
                indexed = i
            }
            // A number given to a record that is undone is given again.
            let c = changes[i]
            if c.isCreate, let p = model.tables[c.entity].schema.prefix, let n = Int64(c.recordID.dropFirst(p.count)) {
                model.tables[c.entity].nextNumber = min(model.tables[c.entity].nextNumber, n)
            }
            changes.removeLast()
        }
    }

    public func rollback() {
        for (i, c) in changes.enumerated().reversed() { model.undo(c, slot: deletedSlots[i]) }
        deletedSlots.removeAll()
        for (e, n) in savedNumbers { model.tables[e].nextNumber = n }
        changes.removeAll()
        lastOfRecord.removeAll()
        earlierOfRecord.removeAll()
        indexed = 0
        savedNumbers.removeAll()
    }

    /// Where each deleted record stood, by change index, to put it back there on rollback.
    private var deletedSlots: [Int: Int] = [:]

    /// The index of each record's last change, and of each change the same record's change before it:
    /// questions about one record do not scan a large import's changes, nor does an import of a million
    /// records make a list for each. Brought up to date when a question is asked, not as changes are
    /// made: an import's rows are each checked alone and never ask, so a million of them hash no key.
    private var lastOfRecord: [RecordKey: Int] = [:]
    private var earlierOfRecord: [Int?] = []
    /// How many of `changes` the index covers.
    private var indexed = 0
    private func indexPending() {
        while indexed < changes.count {
            earlierOfRecord.append(lastOfRecord.updateValue(indexed, forKey: RecordKey(changes[indexed])))
            indexed += 1
        }
    }
    private struct RecordKey: Hashable {
        var entity: Int, id: String
        init(_ e: Int, _ id: String) { entity = e; self.id = id }
        init(_ c: Change) { entity = c.entity; id = c.recordID }
    }
    private func changes(of e: Int, _ id: String) -> [Change] {
        indexPending()
        var found: [Change] = []
        var at = lastOfRecord[RecordKey(e, id)]
        while let i = at { found.append(changes[i]); at = earlierOfRecord[i] }
        return found.reversed()
    }

    /// True when this mutation created the record.
    public func created(entity e: Int, id: String) -> Bool {
        indexPending()
        var at = lastOfRecord[RecordKey(e, id)]
        while let i = at {
            if changes[i].isCreate { return true }
            at = earlierOfRecord[i]
        }
        return false
    }

    private func record(_ c: Change) {
        if case .delete(let e, let r) = c, let s = model.tables[e].slot(of: r.id) { deletedSlots[changes.count] = s }
        model.apply(c)
        changes.append(c)
    }

    // MARK: primitive changes

    /// Creates a record from the given field values; fills defaults and the initial state. Returns its id.
    @discardableResult
    public func create(entity e: Int, id givenID: String?, values given: [(field: Int, value: Value)], systemEntity: Bool = false) throws -> String {
        let schema = model.tables[e].schema
        let id = try newID(entity: e, given: givenID, systemEntity: systemEntity)
        var values = newRecord(entity: e)
        for (f, v) in given {
            switch schema.fields[f].access {
            case .derived:
                throw DomainError("\(schema.fields[f].name) is computed and cannot be set", field: schema.fields[f].name)
            case .state:
                let name = schema.fields[f].name
                throw DomainError("\(name) is set by the lifecycle; new \(schema.plural) start as \(schema.stateMachine!.initial)", field: name)
            default: values[f] = v
            }
        }
        return try add(entity: e, id: id, values: values)
    }

    /// Creates a record whose values are `newRecordValues(entity:)` with fields a user may set put in
    /// place (an import's row, made ready on the thread reading the file). Returns its id. Made in
    /// place: the values go into the table as they are, and the change keeps only the record's id
    /// (`Change.created`); check it with `validate(from:created:checkedReferences:)`.
    @discardableResult
    public func create(entity e: Int, id givenID: String?, prepared values: [Value]) throws -> String {
        precondition(values.count == model.tables[e].schema.fields.count)
        return try add(entity: e, id: try newID(entity: e, given: givenID, systemEntity: false), values: values, inPlace: true)
    }

    /// The id a new record gets: the given one, checked, for an entity keyed by name; the next number
    /// for a numbered one.
    private func newID(entity e: Int, given givenID: String?, systemEntity: Bool) throws -> String {
        let table = model.tables[e], schema = table.schema
        guard !schema.system || systemEntity else { throw DomainError("\(schema.name) is kept by the shell and cannot be added to") }
        switch schema.idScheme {
        case .key:
            guard let k = givenID, !k.isEmpty else {
                throw DomainError("a \(schema.name) needs an id: add \(schema.name) ID …", hint: phrase("for example: add \(schema.name) \(Mutation.exampleKey(schema.name)) \(schema.titleField)=\"…\""))
            }
            guard Mutation.isValidKey(k) else {
                throw DomainError("'\(k)' is not a valid \(schema.name) id: use letters, digits, '.', '-' and '_'")
            }
            if model.schema.parsePrefixedID(k) != nil {
                throw DomainError("'\(k)' looks like a numbered record id; choose another \(schema.name) id")
            }
            if let (t, _) = model.find(k) { throw DomainError("\(k) already exists (a \(t.schema.name))") }
            return k
        case .prefix(let px):
            if let g = givenID { throw DomainError("\(schema.name) ids are numbered automatically; remove '\(g)'") }
            if savedNumbers[e] == nil { savedNumbers[e] = table.nextNumber }
            return String.numbered(px, table.nextNumber)
        }
    }

    private func add(entity e: Int, id: String, values: [Value], inPlace: Bool = false) throws -> String {
        let table = model.tables[e], schema = table.schema
        if case .prefix = schema.idScheme { table.nextNumber += 1 }
        if inPlace {
            model.insertCreated(entity: e, id: id, values: values)
            changes.append(.created(entity: e, id: id))
        } else {
            record(.create(entity: e, record: Record(id: id, values: values)))
        }
        try schema.onCreate?(self, id)
        return id
    }

    /// A new record's values before any are given (the defaults, the initial state and what entering
    /// it sets), for `create(entity:id:prepared:)`.
    public func newRecordValues(entity e: Int) -> [Value] { newRecord(entity: e) }

    /// A new record's values before the given ones: the defaults, the initial state and what entering
    /// it sets. Worked out once per entity, not for each of an import's rows.
    private func newRecord(entity e: Int) -> [Value] {
        if let made = newRecords[e] { return made }
        let schema = model.tables[e].schema
        var values = [Value](repeating: .null, count: schema.fields.count)
        for (i, f) in schema.fields.enumerated() {
            switch f.defaultValue {
            case .today?: values[i] = .date(today)
            case .value(let v)?: values[i] = v
            case nil: break
            }
        }
        if let sm = schema.stateMachine {
            values[schema.stateIndex!] = .text(sm.initial)
            for (name, v) in sm.effects?(sm.initial, today) ?? [] { values[schema.fieldIndex(name)!] = v }
        }
        newRecords[e] = values
        return values
    }
    private var newRecords: [Int: [Value]] = [:]

    /// Sets fields of an existing record. `allowState` is for the lifecycle verbs only.
    public func update(entity e: Int, id: String, values: [(field: Int, value: Value)], allowState: Bool = false, allowSystem: Bool = true,
                       systemEntity: Bool = false) throws {
        let table = model.tables[e], schema = table.schema
        guard let slot = table.slot(of: id), table.isLive(slot) else { throw DomainError("no \(schema.name) \(id)") }
        guard !schema.system || systemEntity else { throw DomainError("\(schema.name) cannot be changed") }
        for (f, v) in values {
            let fs = schema.fields[f]
            if fs.access == .state && !allowState {
                let verbs = schema.name == "opportunity" ? "move, win, lose or reopen" : "move"
                throw DomainError("\(fs.name) changes only through the lifecycle: use \(verbs)",
                                  field: fs.name, hint: "move \(id) to …")
            }
            if fs.access == .derived { throw DomainError("\(fs.name) is computed and cannot be set", field: fs.name) }
            if fs.access == .system && !allowSystem {
                throw DomainError("\(fs.name) is kept by the rules and cannot be set", field: fs.name)
            }
            let old = model.tables[e].value(slot, f)
            if old == v { continue }
            record(.update(entity: e, id: id, field: f, old: old, new: v))
        }
    }

    public func delete(entity e: Int, id: String, systemEntity: Bool = false) throws {
        let table = model.tables[e], schema = table.schema
        guard !schema.system || systemEntity else { throw DomainError("\(schema.name) cannot be deleted") }
        guard let r = table.record(id) else { throw DomainError("no \(schema.name) \(id)") }
        let refs = model.referrers(to: id, entity: e, limit: 6).filter { !($0.table.entityIndex == e && $0.table.id(at: $0.slot) == id) }
        if !refs.isEmpty {
            let names = refs.prefix(5).map { "\($0.table.id(at: $0.slot)) (\($0.table.schema.name).\($0.table.schema.fields[$0.field].name))" }
            let list = names.joined(separator: ", ")
            throw refs.count > 5
                ? DomainError("\(id) cannot be deleted: it is referred to by \(list) and more", hint: "change or delete those records first")
                : DomainError("\(id) cannot be deleted: it is referred to by \(list)", hint: "change or delete those records first")
        }
        record(.delete(entity: e, record: r))
    }

    // MARK: lifecycle

    /// Moves a record to another state along its state machine (`move`, `win`, `lose`).
    public func move(entity e: Int, id: String, to target: String, values given: [(field: Int, value: Value)], verb: String = "move") throws {
        let table = model.tables[e], schema = table.schema
        guard let sm = schema.stateMachine, let si = schema.stateIndex else {
            throw DomainError("\(schema.plural) have no lifecycle to move through")
        }
        guard let rec = table.record(id) else { throw DomainError("no \(schema.name) \(id)") }
        guard case .text(let current) = rec.values[si] else { throw DomainError("\(id) has no \(sm.field)") }
        if current == target { throw DomainError("\(id) is already \(target)") }
        if let v = sm.verbOnly[target], v != verb {
            if v == "add" { throw DomainError("\(id) becomes \(target) only when a newer \(schema.name) is added") }
            throw DomainError("\(id) becomes \(target) only through `\(v)`", hint: "\(v) \(id)")
        }
        let allowed = sm.transitions[current] ?? []
        guard allowed.contains(target) else {
            let order = (schema.fields[si].type.enumType?.names ?? [])
            let backwards = (order.firstIndex(of: target) ?? 0) < (order.firstIndex(of: current) ?? 0)
            let msg = allowed.isEmpty ? phrase("\(id) cannot move from \(current) to \(target): \(current) is final")
                : phrase("\(id) cannot move from \(current) to \(target); from \(current) it can move to \(allowed.joined(separator: " or "))")
            let hint: String? = sm.verbOnly[current] != nil ? nil
                : backwards && !sm.isTerminal(target) ? phrase("to go back, reopen it: reopen \(id) to \(target)")
                : (sm.isTerminal(current) && sm.verbOnly[current] == nil ? phrase("reopen \(id) first") : nil)
            throw DomainError(msg, field: sm.field, hint: hint)
        }
        for need in sm.requiredOnEnter[target] ?? [] {
            let fi = schema.fieldIndex(need)!
            let has = given.first(where: { $0.field == fi }).map { !$0.value.isBlank } ?? !rec.values[fi].isBlank
            if !has {
                throw DomainError("\(id) needs \(need) to become \(target)", field: need,
                                  hint: verb == "lose" || verb == "reject" ? "\(verb) \(id) reason=\"…\"" : phrase("move \(id) to \(target) \(need)=\"…\"  (or set \(id) \(need)=… first)"))
            }
        }
        try update(entity: e, id: id, values: given)
        try update(entity: e, id: id, values: [(si, .text(target))], allowState: true)
        try applyEffects(entity: e, id: id, state: target, given: given)
        if let check = sm.guards[target], let err = check(table.record(id)!, model) { throw err }
        try sm.onEnter?(self, id, target)
    }

    /// Takes a record back to an earlier open state: out of a closed state (won/lost, rejected),
    /// or backwards from an open one. Without `to`, a closed record returns to the state it left.
    public func reopen(entity e: Int, id: String, to target: String?, values given: [(field: Int, value: Value)]) throws {
        let table = model.tables[e], schema = table.schema
        guard let sm = schema.stateMachine, let si = schema.stateIndex, let order = schema.fields[si].type.enumType?.names else {
            throw DomainError("\(schema.plural) have no lifecycle to reopen")
        }
        guard let rec = table.record(id), case .text(let current) = rec.values[si] else { throw DomainError("no \(schema.name) \(id)") }
        if let v = sm.verbOnly[current] { throw DomainError("\(id) is \(current) (through \(v)) and cannot be reopened") }
        let dest: String
        if let t = target {
            dest = t
        } else if sm.isTerminal(current), let prev = previousState(entity: e, id: id, field: sm.field, current: current) {
            dest = prev
        } else {
            throw DomainError("say which state to reopen \(id) to: reopen \(id) to …", hint: "states: \(order.filter { !sm.isTerminal($0) && sm.verbOnly[$0] == nil }.joined(separator: ", "))")
        }
        guard !sm.isTerminal(dest), sm.verbOnly[dest] == nil else { throw DomainError("\(dest) is not an open state to reopen to", field: sm.field) }
        if !sm.isTerminal(current) {
            guard let a = order.firstIndex(of: dest), let b = order.firstIndex(of: current), a < b else {
                throw DomainError("\(id) is \(current); reopen goes back to an earlier state, and \(dest) is not earlier", hint: "move \(id) to \(dest)")
            }
        }
        try update(entity: e, id: id, values: given)
        let cleared = sm.clearedOnReopen.compactMap { schema.fieldIndex($0) }.filter { f in !given.contains { $0.field == f } }
        try update(entity: e, id: id, values: cleared.map { ($0, Value.null) } + [(si, .text(dest))], allowState: true)
        try applyEffects(entity: e, id: id, state: dest, given: given)
    }

    private func applyEffects(entity e: Int, id: String, state: String, given: [(field: Int, value: Value)]) throws {
        let schema = model.tables[e].schema
        guard let sm = schema.stateMachine else { return }
        var effects = sm.effects?(state, today) ?? []
        if let dated = sm.datedStates[state] { effects.append((dated, .date(today))) }
        let vals = effects.compactMap { (name, v) -> (Int, Value)? in
            let fi = schema.fieldIndex(name)!
            return given.contains { $0.field == fi } ? nil : (fi, v)
        }
        try update(entity: e, id: id, values: vals)
    }

    /// A record as it was before this statement changed it.
    func original(entity e: Int, id: String) -> Record? {
        guard var r = model.tables[e].record(id) else { return nil }
        for c in changes(of: e, id).reversed() {
            if case .update(let x, let rid, let f, let old, _) = c, x == e, rid == id { r.values[f] = old }
        }
        return r
    }

    /// The fields this statement changed on a record (all of them for a new record).
    public func changedFields(entity e: Int, id: String) -> Set<Int> {
        var out = Set<Int>()
        for c in changes(of: e, id) {
            switch c {
            case .create(let x, let r) where x == e && r.id == id: out.formUnion(r.values.indices.filter { !r.values[$0].isNull })
            case .created(let x, let rid) where x == e && rid == id:
                if let r = model.tables[e].record(id) { out.formUnion(r.values.indices.filter { !r.values[$0].isNull }) }
            case .update(let x, let rid, let f, _, _) where x == e && rid == id: out.insert(f)
            default: break
            }
        }
        return out
    }

    /// The state a record was in before it entered `current`, read from the history.
    public func previousState(entity e: Int, id: String, field: String, current: String) -> String? {
        let h = model.history
        let ent = model.schema.entities[e].name
        for s in (0..<h.slotCount).reversed() where h.isLive(s) {
            guard h.value(s, 4) == .text(id), h.value(s, 3) == .text(ent), h.value(s, 5) == .text(field) else { continue }
            if h.value(s, 7) == .text(current), case .text(let old) = h.value(s, 6) { return old }
        }
        return nil
    }

    // MARK: validation

    /// Checks every record the transaction touched: required fields, references, ranges, entity rules.
    ///
    /// `checkedReferences` (by field) marks the references of a record just created, alone, that the
    /// caller has looked up already (an import's row): they are not looked up again.
    public func validate(from mark: Int = 0, checkedReferences: [Bool]? = nil) throws {
        var seen = Set<RecordKey>()
        for c in changes[mark...] {
            let schema = model.tables[c.entity].schema
            if case .delete(_, let old) = c {
                if !mayChangeAny(c.entity), let e = Permissions.check(old, .delete, entity: schema, user: user, model: model, settingUp: settingUp) { throw e }
                for rule in schema.changeRules { if let e = rule(old, .delete, schema, self) { throw e } }
                continue
            }
            // One change (a row of an import) needs no note of the records already checked; when it
            // creates the record, the record is as the change made it, and new.
            let only = mark == changes.count - 1
            let r: Record, isNew: Bool, checked: [Bool]?
            if only, case .create(_, let made) = c { r = made; isNew = true; checked = checkedReferences } else {
                checked = nil
                guard only || seen.insert(RecordKey(c)).inserted, let now = model.tables[c.entity].record(c.recordID) else { continue }
                r = now; isNew = created(entity: c.entity, id: r.id)
            }
            try check(r, entity: c.entity, isNew: isNew, checkedReferences: checked)
        }
    }

    /// `validate(from:)` when the change at `mark` made a record in place from `values` (an import's
    /// row): checked as those values, with no record read back from the table, when it is the only one.
    public func validate(from mark: Int, created values: [Value], checkedReferences: [Bool]? = nil) throws {
        guard mark == changes.count - 1, case .created(let e, let id) = changes[mark] else { return try validate(from: mark) }
        try check(Record(id: id, values: values), entity: e, isNew: true, checkedReferences: checkedReferences)
    }

    /// The checks of a record a change made or changed: its fields and rules, who may, and the rules
    /// about changes.
    private func check(_ r: Record, entity e: Int, isNew: Bool, checkedReferences: [Bool]?) throws {
        let schema = model.tables[e].schema
        try validate(r, entity: e, isNew: isNew, checkedReferences: checkedReferences)
        // Who may: checked on the record as it was (may they touch it?) and as it is (may they make it
        // so?), unless they may change any record of the entity.
        if !mayChangeAny(e) {
            if !isNew, let before = original(entity: e, id: r.id),
               let err = Permissions.check(before, .update, entity: schema, user: user, model: model, settingUp: settingUp) { throw err }
            if let err = Permissions.check(r, isNew ? .create : .update, entity: schema, user: user, model: model, settingUp: settingUp) { throw err }
        }
        for rule in schema.changeRules { if let err = rule(r, isNew ? .create : .update, schema, self) { throw err } }
    }

    /// `Permissions.mayChangeAny` for the user, by entity, kept while the staff stay as they are.
    private var mayChangeAnyMemo: (staff: Int, byEntity: [Bool?]) = (-1, [])
    private func mayChangeAny(_ e: Int) -> Bool {
        let staff = model.staffTable?.version ?? 0
        if mayChangeAnyMemo.staff != staff { mayChangeAnyMemo = (staff, [Bool?](repeating: nil, count: model.tables.count)) }
        if let known = mayChangeAnyMemo.byEntity[e] { return known }
        let may = Permissions.mayChangeAny(entity: model.tables[e].schema, user: user, model: model, settingUp: settingUp)
        mayChangeAnyMemo.byEntity[e] = may
        return may
    }

    func validate(_ r: Record, entity e: Int, isNew: Bool = false, checkedReferences: [Bool]? = nil) throws {
        // Each field read in place, not copied out: this runs for every row of an import, and a copy of
        // each text retained and released it.
        let schema = model.tables[e].schema, fields = schema.fields, targets = model.referencedTables[e]
        try r.values.withUnsafeBufferPointer { values in for check in schema.fieldChecks {
            let i = check.field
            if values[i].isBlank {
                if check.required {
                    let f = fields[i]
                    let who = isNew ? "a new \(schema.name)" : "\(schema.name) \(r.id)"
                    throw DomainError("\(who) needs \(f.name)\(f.zh.map { " (\($0))" } ?? "")", field: f.name,
                                      hint: "give it as \(f.name)=…")
                }
                continue
            }
            if check.isReference, case .text(let refID) = values[i], checkedReferences?[i] != true {
                let t = targets[i] ?? model.table(fields[i].type.referencedEntity!)
                if !t.contains(refID) {
                    let target = fields[i].type.referencedEntity!
                    var hint: String? = nil
                    if t.count < 50_000, let s = Suggest.nearest(refID, in: t.ids) { hint = "did you mean '\(s)'?" }
                    throw DomainError("\(fields[i].name): there is no \(target) '\(refID)'", field: fields[i].name, hint: hint)
                }
            }
            if let range = check.range {
                // Compared in the value's own minor units so 100.5% or 0.01 yuan below zero are caught.
                let scaled: (value: Int64, per: Int64)?
                switch values[i] {
                case .int(let x): scaled = (x, 1)
                case .percent(let p): scaled = (p.basisPoints, 100)
                case .money(let m): scaled = (m.minor, 100)
                case .real(let d): scaled = d.isFinite ? (Int64((d * 100).rounded(.down)), 100) : nil
                default: scaled = nil
                }
                if let (n, per) = scaled, n < range.lowerBound * per || n > range.upperBound * per {
                    let f = fields[i]
                    let unit = f.type == .percent ? "%" : ""
                    if range.upperBound >= Int64.max / 100 {
                        throw DomainError("\(f.name) cannot be below \(range.lowerBound)\(unit), not \(values[i].display)", field: f.name)
                    }
                    throw DomainError("\(f.name) must be between \(range.lowerBound)\(unit) and \(range.upperBound)\(unit), not \(values[i].display)", field: f.name)
                }
            }
        } }
        for rule in schema.rules {
            if let e = rule(r, schema, model) { throw e }
        }
    }

    static func isValidKey(_ k: String) -> Bool {
        guard let f = k.first, f.isLetter || f.isNumber else { return false }
        return k.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }
    }

    static func exampleKey(_ entity: String) -> String {
        switch entity {
        case "staff": "wang.wei"
        case "team": "north"
        case "product": "FIBER-1G"
        case "competitor": "CHT"
        case "setting": "discount_limit"
        default: "key"
        }
    }
}

extension ValueType {
    public var enumType: EnumType? { if case .enumeration(let e) = self { return e }; return nil }
    public var referencedEntity: String? { if case .reference(let r) = self { return r }; return nil }
}
