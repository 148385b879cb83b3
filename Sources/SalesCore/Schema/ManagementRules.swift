// The rules of chapters 4–6 that need more than a field declaration.

extension Rules {
    /// At most one of several references is given (a risk's subject).
    static func atMostOne(_ fields: [String]) -> RecordRule {
        { r, e, _ in
            let given = fields.filter { !r.value($0, in: e).isNull }
            return given.count > 1 ? DomainError("a \(e.name) has one subject: \(given.joined(separator: " or ")), not both", field: given[1]) : nil
        }
    }
}

extension Mutation {
    /// Acting as someone who is not a staff member (setting up a store): no role rules apply.
    var actsAsStaff: Bool { model.table("staff").contains(user) }
    var actsAsAdmin: Bool { !actsAsStaff || model.role(of: user) == "admin" }
}

extension Model {
    func staffField(_ id: String, _ field: String) -> Value {
        // One field read in place: the rules ask this of every row an import adds.
        guard let t = staffTable, let s = t.slot(of: id), let f = t.schema.fieldIndex(field) else { return .null }
        return t.value(s, f)
    }
    /// The superior of a staff member.
    public func superior(of id: String) -> String? { staffField(id, "manager").textValue }
    public func role(of id: String) -> String? { staffField(id, "role").textValue }
}

public enum Management {
    // MARK: appraisal

    static func weights(_ model: Model) -> (Double, Double, Double) {
        let parts = (model.setting("appraisal_weights") ?? "20/50/30").split(separator: "/").compactMap { Double($0) }
        return parts.count == 3 ? (parts[0], parts[1], parts[2]) : (20, 50, 30)
    }

    /// Weighted self, superior and customer scores; without surveys the customer part is left out
    /// and the other weights count in proportion.
    static func total(_ r: Record, _ model: Model) -> Double? {
        if r.values.count > 14, case .real(let frozen) = r.values[14] { return frozen }
        guard case .int(let selfScore) = r.values[3], case .int(let sup) = r.values[4] else { return nil }
        let (ws, wp, wc) = weights(model)
        var sum = ws * Double(selfScore) + wp * Double(sup), weight = ws + wp
        if case .real(let c) = r.values[6] { sum += wc * c; weight += wc }
        guard weight > 0 else { return nil }
        return (sum / weight * 10).rounded() / 10
    }

    static func grade(_ total: Double) -> String { total >= 90 ? "A" : total >= 75 ? "B" : total >= 60 ? "C" : "D" }

    static let defaultBonus: [String: Int64] = ["A": 10_000, "B": 5_000, "C": 2_000, "D": 0]
    static func bonus(_ grade: String, _ model: Model) -> Money {
        if let s = model.setting("bonus_\(grade)"), let m = Money.parse(s) { return m }
        return Money(yuan: defaultBonus[grade] ?? 0)
    }

    static let outcomeByGrade = ["A": "promotion", "B": "raise", "C": "none", "D": "training"]

    /// Monthly appraisals are due by the 10th of the next month, annual ones by 31 January.
    static func due(_ r: Record) -> Day? {
        guard case .period(let p) = r.values[1] else { return nil }
        switch p.kind {
        case .month: return p.end.adding(days: 9)
        case .year: return p.end.adding(days: 30)
        default: return nil
        }
    }

    static let appraisalPeriod: RecordRule = { r, e, model in
        guard case .period(let p) = r.values[1] else { return nil }
        if p.kind != .month && p.kind != .year {
            return DomainError("an appraisal is for a month or a year, not \(p)", field: "period", hint: "period=2026-10 or period=2026")
        }
        let dup = model.records("appraisal", where: "staff", is: r.values[0].textValue ?? "").first { $0.id != r.id && $0.values[1] == r.values[1] }
        if let dup { return DomainError("\(r.values[0].display) already has appraisal \(dup.id) for \(p)", field: "period") }
        return nil
    }

    /// The self score is the staff member's own; the superior's score and teamwork, and the review, are their superior's.
    static let appraisalScoresByRightPerson: ChangeRule = { r, change, e, m in
        guard case .text(let staff) = r.values[0] else { return nil }
        let ae = m.model.schema.index(of: "appraisal")!
        // Whoever has no superior (the head of sales) is reviewed by an admin.
        let superior = m.model.superior(of: staff) ?? (m.actsAsAdmin ? m.user : nil)
        if change == .delete {
            if r.values[2] != .text("open") { return DomainError("\(r.id) is \(r.values[2].display); only an open appraisal can be deleted") }
            return m.user == superior || m.actsAsAdmin ? nil : DomainError("only \(superior ?? phrase("the superior")) or an admin deletes \(r.id)")
        }
        let changed = m.changedFields(entity: ae, id: r.id)
        let before = m.original(entity: ae, id: r.id)?.values[2].textValue ?? "open"
        if changed.contains(2), let st = r.values[2].textValue {
            if st == "self_assessed", m.user != staff { return DomainError("\(staff) assesses themselves; you are \(m.user)", field: "status") }
            if st == "reviewed" || st == "closed", m.user != superior {
                return DomainError("the review is by \(superior ?? phrase("the superior")) (the superior of \(staff)); you are \(m.user)", field: "status")
            }
        }
        if change == .update, before == "closed", !changed.subtracting([14, 15]).isEmpty {
            return DomainError("\(r.id) is closed; its scores, grade and outcome stand")
        }
        if change == .update, changed.contains(0) || changed.contains(1), before != "open" {
            return DomainError("\(r.id) is \(before); its staff and period are fixed once it is under way")
        }
        if changed.contains(3), before != "open" && before != "self_assessed" {
            return DomainError("\(r.id) is \(before); the self score is fixed after the review", field: "self_score")
        }
        if changed.contains(10), m.user != superior {
            return DomainError("only \(superior ?? phrase("the superior")) (the superior of \(staff)) records the outcome", field: "outcome")
        }
        if changed.contains(3), m.user != staff {
            return DomainError("only \(staff) gives their own self score; you are \(m.user)", field: "self_score")
        }
        for f in [4, 5] where changed.contains(f) && m.user != superior {
            return DomainError("only \(superior ?? phrase("the superior")) (the superior of \(staff)) gives the \(e.fields[f].name.replacingUnderscores)", field: e.fields[f].name)
        }
        return nil
    }

    /// At review the customer score comes from the period's surveys; at close the outcome follows the grade.
    static let appraisalEntered: StateHook = { m, id, state in
        let model = m.model
        let ae = model.schema.index(of: "appraisal")!
        guard let r = model.tables[ae].record(id), case .text(let staff) = r.values[0], case .period(let p) = r.values[1] else { return }
        if state == "reviewed" {
            let scores = model.records("survey", where: "staff", is: staff).compactMap { s -> Double? in
                guard let d = s.values[2].day, p.contains(d), case .int(let v) = s.values[3] else { return nil }
                return Double(v)
            }
            let mean: Value = scores.isEmpty ? .null : .real((scores.reduce(0, +) / Double(scores.count) * 10).rounded() / 10)
            try m.update(entity: ae, id: id, values: [(6, mean), (11, .text(m.user))])
        }
        if state == "closed" {
            if let t = total(r, model) {
                // The figures stand as they were at the close, whatever the settings become.
                var vals: [(field: Int, value: Value)] = [(14, .real(t)), (15, .money(bonus(grade(t), model)))]
                if r.values[10].isNull { vals.append((10, .text(outcomeByGrade[grade(t)]!))) }
                try m.update(entity: ae, id: id, values: vals)
            }
            try openTrainingNeeds(m, appraisal: model.tables[ae].record(id)!)
        }
    }

    /// Opens the period's appraisals for every active manager, rep and presales engineer who has none.
    public static func openAppraisals(_ m: Mutation, period: Period) throws -> [String] {
        if m.actsAsStaff, !["manager", "admin"].contains(m.model.role(of: m.user) ?? "") {
            throw DomainError("appraisals are opened by managers (for their reports) or an admin; you are \(m.user) (\(m.model.role(of: m.user) ?? "?"))")
        }
        guard period.kind == .month || period.kind == .year else {
            throw DomainError("appraisals are monthly or annual, not for \(period)", hint: "open appraisals 2026-10 or open appraisals 2026")
        }
        let model = m.model
        let staff = model.table("staff"), ss = staff.schema
        let ae = model.schema.index(of: "appraisal")!
        var opened: [String] = []
        // A manager opens the appraisals of their own reports; an admin everyone's.
        let scope: (String) -> Bool = m.actsAsStaff && model.role(of: m.user) == "manager" ? { Permissions.reportsTo($0, m.user, model) } : { _ in true }
        for case let s? in staff.records where scope(s.id) {
            guard s.value("active", in: ss) != .bool(false), ["manager", "rep", "presales"].contains(s.value("role", in: ss).textValue ?? "") else { continue }
            if model.records("appraisal", where: "staff", is: s.id).contains(where: { $0.values[1] == .period(period) }) { continue }
            opened.append(try m.create(entity: ae, id: nil, values: [(0, .text(s.id)), (1, .period(period))]))
        }
        return opened
    }

    // MARK: budgets and claims

    static func key(team: String, category: String, year: Int) -> String { "\(team)/\(category)/\(year)" }
    public static func key(_ budget: Record) -> String {
        guard case .int(let y) = budget.values[0] else { return "" }
        return key(team: budget.values[1].textValue ?? "", category: budget.values[2].textValue ?? "", year: Int(y))
    }

    public struct Spending {
        public var spent = Money(minor: 0), pending = Money(minor: 0)
        public init() {}
    }

    /// Claims by team, category and year: approved or reimbursed (spent) and submitted (pending).
    public static func spending(_ model: Model) -> [String: Spending] {
        model.memo("budget.spending") {
            var out: [String: Spending] = [:]
            let staff = model.table("staff"), teamIdx = staff.schema.fieldIndex("team")!
            for case let e? in model.table("expense").records {
                guard case .text(let who) = e.values[0], case .text(let team)? = staff.record(who)?.values[teamIdx],
                      case .text(let cat) = e.values[1], case .money(let amount) = e.values[2], let d = e.values[3].day else { continue }
                let k = key(team: team, category: cat, year: d.year)
                switch e.values[5].textValue {
                case "approved", "reimbursed": out[k, default: Spending()].spent = out[k, default: Spending()].spent + amount
                case "submitted": out[k, default: Spending()].pending = out[k, default: Spending()].pending + amount
                default: break
                }
            }
            return out
        }
    }

    static let oneBudgetPerKey: RecordRule = { r, _, model in
        let k = key(r)
        let other = model.table("budget").records.first { $0 != nil && $0!.id != r.id && key($0!) == k }
        if let o = other ?? nil { return DomainError("\(r.values[1].display) already has a \(r.values[2].display) budget for \(r.values[0].display): \(o.id)", hint: "change it: set \(o.id) amount=…") }
        return nil
    }

    /// Budgets are set by the team's manager or an admin.
    static let budgetSetByManager: ChangeRule = { r, _, _, m in
        if m.actsAsAdmin { return nil }
        let teamManager = m.model.table("team").record(r.values[1].textValue ?? "")?.values[1].textValue
        if m.user == teamManager { return nil }
        return DomainError("budgets are set by \(teamManager ?? phrase("the team's manager")) (manager of \(r.values[1].display)) or an admin; you are \(m.user)")
    }

    static let oneTargetPerPeriod: RecordRule = { r, _, model in
        let dup = model.table("target").records.first { o in
            guard let o, o.id != r.id else { return false }
            return o.values[0] == r.values[0] && o.values[1] == r.values[1] && o.values[2] == r.values[2]
        }
        if let d = dup ?? nil { return DomainError("\((r.values[0].isNull ? r.values[1] : r.values[0]).display) already has target \(d.id) for \(r.values[2].display)", field: "period", hint: "change it: set \(d.id) revenue=…") }
        return nil
    }

    /// Targets are set by a manager for their own reports or team, never for themselves.
    static let targetSetByManager: ChangeRule = { r, _, _, m in
        let model = m.model
        if m.actsAsAdmin { return nil }
        if case .text(let s) = r.values[0] {
            if s == m.user { return DomainError("nobody sets their own target; \(model.superior(of: s) ?? phrase("your superior")) sets it", field: "staff") }
            if model.superior(of: s) != m.user {
                return DomainError("only \(model.superior(of: s) ?? phrase("the superior")) (the superior of \(s)) sets their targets; you are \(m.user)", field: "staff")
            }
        }
        if case .text(let t) = r.values[1], model.table("team").record(t)?.values[1].textValue != m.user {
            return DomainError("only the manager of \(t) sets its targets; you are \(m.user)", field: "team")
        }
        return nil
    }

    /// A claim is filed by the claimant (or an admin) and changed only by them while submitted;
    /// rejecting it is the superior's.
    static let claimsAreTheClaimants: ChangeRule = { r, change, _, m in
        guard case .text(let claimant) = r.values[0] else { return nil }
        let isAdmin = m.actsAsAdmin
        if change == .delete {
            if r.values[5] != .text("submitted") { return DomainError("\(r.id) is \(r.values[5].display); only a claim still submitted can be withdrawn") }
            return m.user == claimant || isAdmin ? nil : DomainError("only \(claimant) withdraws their claim")
        }
        let changed = m.changedFields(entity: m.model.schema.index(of: "expense")!, id: r.id)
        if change == .create, m.user != claimant, !isAdmin {
            return DomainError("claims are filed by the claimant; you are \(m.user), not \(claimant)", field: "staff")
        }
        if change == .update, !changed.isDisjoint(with: [0, 1, 2, 3, 4]) {
            if m.user != claimant && !isAdmin { return DomainError("only \(claimant) changes their claim") }
            if r.values[5] != .text("submitted") { return DomainError("\(r.id) is \(r.values[5].display); a decided claim cannot be changed") }
        }
        if changed.contains(5), r.values[5] == .text("rejected") {
            let superior = m.model.superior(of: claimant) ?? (isAdmin ? m.user : nil)
            if m.user == claimant { return DomainError("nobody decides their own claim; \(superior ?? phrase("your superior")) does") }
            if m.user != superior { return DomainError("only \(superior ?? phrase("the superior")) (the superior of \(claimant)) decides \(r.id); you are \(m.user)") }
        }
        if changed.contains(5), r.values[5] == .text("reimbursed"), !isAdmin, m.model.role(of: m.user) != "manager" {
            return DomainError("reimbursement is recorded by a manager or an admin; you are \(m.user)")
        }
        return nil
    }

    static let expenseDecided: StateHook = { m, id, state in
        guard state == "approved" || state == "rejected" else { return }
        try m.update(entity: m.model.schema.index(of: "expense")!, id: id, values: [(6, .text(m.user))])
    }

    /// The claimant's superior approves, never the claimant, and never past the team's budget.
    static let approveExpense: ApproveHook = { m, id in
        let model = m.model
        let ee = model.schema.index(of: "expense")!
        guard let e = model.tables[ee].record(id), case .text(let claimant) = e.values[0] else { throw DomainError("no expense \(id)") }
        guard e.values[5] == .text("submitted") else { throw DomainError("\(id) is \(e.values[5].display), not waiting for approval") }
        if m.user == claimant {
            throw DomainError("nobody approves their own claim", hint: model.superior(of: claimant).map { "\($0) approves it" } ?? "another admin approves it")
        }
        // Whoever has no superior (the head of sales) has their claims decided by an admin.
        let superior = model.superior(of: claimant) ?? (m.actsAsAdmin ? m.user : nil)
        guard m.user == superior else {
            throw DomainError("only \(superior ?? phrase("the superior")) (the superior of \(claimant)) approves \(id); you are \(m.user)")
        }
        guard case .text(let team) = model.staffField(claimant, "team") else {
            throw DomainError("\(claimant) is in no team, so no budget covers \(id)", hint: "set \(claimant) team=…")
        }
        guard case .text(let cat) = e.values[1], case .money(let amount) = e.values[2], let date = e.values[3].day else { return "" }
        let k = key(team: team, category: cat, year: date.year)
        guard let budget = model.table("budget").records.first(where: { $0.map(key) == k }) ?? nil, case .money(let limit) = budget.values[3] else {
            throw DomainError("\(team) has no \(cat) budget for \(date.year), so \(id) cannot be approved",
                              hint: "the manager of \(team) sets one: add budget year=\(date.year) team=\(team) category=\(cat) amount=…")
        }
        let spent = spending(model)[k]?.spent ?? Money(minor: 0)
        if spent + amount > limit {
            throw DomainError("\(id) would take \(team)'s \(cat) spending in \(date.year) past its budget: budget \(limit), spent \(spent), this claim \(amount), short by \(spent + amount - limit)")
        }
        try m.move(entity: ee, id: id, to: "approved", values: [], verb: "approve")
        return phrase("\(id) approved by \(m.user): \(cat) \(amount); \(team)'s \(cat) budget for \(date.year) has \(limit - spent - amount) left")
    }

    // MARK: risks

    static func riskScore(_ r: Record) -> Int? {
        guard case .int(let i) = r.values[6], case .int(let l) = r.values[7] else { return nil }
        return Int(i * l)
    }

    static func riskLevel(_ score: Int) -> String {
        score >= 20 ? "critical" : score >= 10 ? "high" : score >= 5 ? "medium" : "low"
    }
}

extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
