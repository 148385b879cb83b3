import Testing
@testable import SalesCore

let testToday = Day(year: 2026, month: 11, day: 26)!

/// A small organisation in a model, and statement-like transactions over it: each `change` validates,
/// records history like the shell does, and rolls back when anything fails.
final class World {
    let model = Model()
    var today = testToday
    private var clock: Int64 = 0

    var schema: Schema { model.schema }

    func e(_ name: String) -> Int { schema.index(of: name)! }
    func f(_ entity: String, _ field: String) -> Int { schema.entity(named: entity)!.fieldIndex(field)! }
    func table(_ name: String) -> Table { model.table(name) }

    func values(_ entity: String, _ fields: KeyValuePairs<String, Value>) -> [(field: Int, value: Value)] {
        fields.map { (f(entity, $0.key), $0.value) }
    }

    func value(_ id: String, _ field: String) -> Value {
        guard let (t, s) = model.find(id) else { return .null }
        return t.value(s, t.schema.fieldIndex(field)!)
    }

    /// One statement's worth of changes, applied whole or not at all.
    @discardableResult
    func change<T>(user: String = "admin", _ body: (Mutation) throws -> T) throws -> T {
        let m = Mutation(model: model, user: user, today: today)
        do {
            let r = try body(m)
            try m.validate()
            clock += 1
            if !m.changes.isEmpty {
                model.recordHistory(m.transaction(at: Timestamp(millis: (Int64(today.raw) * 86_400 + 9 * 3600 + clock) * 1000)))
            }
            return r
        } catch {
            m.rollback()
            throw error
        }
    }

    /// The DomainError a change fails with (nil when it succeeds), with the model checked unchanged.
    func failure<T>(user: String = "admin", sourceLocation: SourceLocation = #_sourceLocation,
                    _ body: (Mutation) throws -> T) -> DomainError? {
        let before = fingerprint(model)
        do {
            try change(user: user, body)
            Issue.record("expected the change to fail", sourceLocation: sourceLocation)
            return nil
        } catch let e as DomainError {
            #expect(fingerprint(model) == before, "a failed change left the model changed", sourceLocation: sourceLocation)
            return e
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    @discardableResult
    func add(_ entity: String, _ id: String?, user: String = "admin", _ fields: KeyValuePairs<String, Value>) throws -> String {
        try change(user: user) { m in try m.create(entity: e(entity), id: id, values: values(entity, fields)) }
    }

    @discardableResult
    func add(_ entity: String, _ fields: KeyValuePairs<String, Value>) throws -> String {
        try add(entity, nil, fields)
    }

    func set(_ id: String, _ fields: KeyValuePairs<String, Value>) throws {
        let t = model.find(id)!.table
        try change { m in try m.update(entity: t.entityIndex, id: id, values: values(t.schema.name, fields), allowSystem: false) }
    }

    func move(_ id: String, to state: String, verb: String = "move", _ fields: KeyValuePairs<String, Value> = [:]) throws {
        let t = model.find(id)!.table
        try change { m in try m.move(entity: t.entityIndex, id: id, to: state, values: values(t.schema.name, fields), verb: verb) }
    }

    func reopen(_ id: String, to state: String? = nil) throws {
        let t = model.find(id)!.table
        try change { m in try m.reopen(entity: t.entityIndex, id: id, to: state, values: []) }
    }

    /// Teams north and south; admin, a manager, two reps and a presales engineer; customer C1.
    static func organisation() throws -> World {
        let w = World()
        try w.add("team", "north", ["name": .text("北區業務部"), "region": .text("north")])
        try w.add("team", "south", ["name": .text("南區業務部"), "region": .text("south")])
        try w.add("staff", "admin", ["name": .text("系統管理員"), "role": .text("admin")])
        try w.add("staff", "wang.wei", ["name": .text("王偉"), "role": .text("manager"), "team": .text("north")])
        try w.set("north", ["manager": .text("wang.wei")])
        try w.add("staff", "li.na", ["name": .text("李娜"), "role": .text("rep"), "team": .text("north"), "manager": .text("wang.wei")])
        try w.add("staff", "zhang.san", ["name": .text("張三"), "role": .text("rep"), "team": .text("south"), "manager": .text("wang.wei")])
        try w.add("staff", "chen.jie", ["name": .text("陳傑"), "role": .text("presales"), "team": .text("north"), "manager": .text("wang.wei")])
        try w.add("customer", ["name": .text("台北銀行"), "region": .text("north"), "owner": .text("li.na")])
        try w.add("product", "CPE-5G", ["name": .text("5G 企業路由器"), "unit_price": .yuan(180_000), "unit_cost": .yuan(100_000)])
        return w
    }

    /// Meets the gate of an opportunity's next stage (chapter 3): the needs analysis before proposal,
    /// a submitted proposal before negotiation. Other stages have no gate to meet here.
    func meetGate(_ o: String, for stage: String) throws {
        switch stage {
        case "proposal" where value(o, "needs").isNull: try set(o, ["needs": .text("分行互聯頻寬不足")])
        case "negotiation": try submitProposal(for: o)
        default: break
        }
    }

    /// Meets the gate of `stage`, then moves there.
    func advance(_ o: String, to stage: String, _ fields: KeyValuePairs<String, Value> = [:]) throws {
        try meetGate(o, for: stage)
        try move(o, to: stage, fields)
    }

    /// A proposal by presales engineer chen.jie with the four sections and a price, submitted.
    @discardableResult
    func submitProposal(for o: String, price: Int64 = 1_200_000) throws -> String {
        let p = try add("proposal", ["opportunity": .text(o), "author": .text("chen.jie"), "product_intro": .text("企業光纖"),
                                     "technical_plan": .text("雙路由"), "implementation_plan": .text("六週"),
                                     "after_sales": .text("7×24"), "price": .yuan(price)])
        try move(p, to: "submitted")
        return p
    }

    /// A draft contract for `o` with one line of `quantity` × CPE-5G (180,000.00 each).
    @discardableResult
    func draftContract(for o: String, quantity: Int64 = 5) throws -> String {
        let k = try add("contract", ["opportunity": .text(o)])
        try add("contract_line", ["contract": .text(k), "product": .text("CPE-5G"), "quantity": .int(quantity)])
        return k
    }

    /// Signs a new contract for `o` (in negotiation), which wins it.
    @discardableResult
    func signContract(for o: String, quantity: Int64 = 5) throws -> String {
        let k = try draftContract(for: o, quantity: quantity)
        try move(k, to: "signed")
        return k
    }

    func addOpportunity(_ title: String = "5G 專網", amount: Int64 = 1_200_000, extra: KeyValuePairs<String, Value> = [:]) throws -> String {
        var v = values("opportunity", ["title": .text(title), "customer": .text("C1"), "owner": .text("li.na"),
                                       "amount": .money(Money(yuan: amount))])
        v += values("opportunity", extra)
        return try change { m in try m.create(entity: e("opportunity"), id: nil, values: v) }
    }

    /// History rows of a record, oldest first: (action, field, old, new).
    func history(of id: String) -> [(action: String, field: String, old: Value, new: Value)] {
        model.history.allRecords.filter { $0.values[4] == .text(id) }.map {
            ($0.values[2].display, $0.values[5].display, $0.values[6], $0.values[7])
        }
    }
}

/// Everything observable about a model's data: per table its next number and every record.
func fingerprint(_ model: Model) -> [String] {
    var out: [String] = []
    for t in model.tables {
        out.append("\(t.schema.name) next=\(t.nextNumber) count=\(t.count)")
        for r in t.allRecords.sorted(by: { $0.id < $1.id }) {
            out.append("  \(r.id): \(r.values.map { "\($0)" }.joined(separator: " | "))")
        }
    }
    return out
}

extension Value {
    static func t(_ s: String) -> Value { .text(s) }
    static func pct(_ n: Int64) -> Value { .percent(Percent(whole: n)) }
    static func yuan(_ n: Int64) -> Value { .money(Money(yuan: n)) }
}
