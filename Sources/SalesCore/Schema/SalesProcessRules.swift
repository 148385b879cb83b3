// The rules of chapter 3 that need more than a field declaration.

extension Record {
    /// A field by name; for rules, which run once per touched record.
    public func value(_ name: String, in entity: EntitySchema) -> Value {
        entity.fieldIndex(name).map { values[$0] } ?? .null
    }
}

extension Model {
    /// The records of `entity` whose `field` refers to `id`.
    public func records(_ entity: String, where field: String, is id: String) -> [Record] {
        let t = table(entity)
        guard let fi = t.schema.fieldIndex(field) else { return [] }
        return t.slots(where: fi, is: .text(id)).sorted().compactMap { t.record(at: $0) }
    }

    /// A setting's text (`add setting discount_limit value=25%`).
    public func setting(_ key: String) -> String? { table("setting").record(key)?.values[0].textValue }

    /// The discount above which a negotiation round needs the owner's manager (default 20 %).
    public var discountLimit: Percent { setting("discount_limit").flatMap { Percent.parse($0) } ?? Percent(whole: 20) }
}

extension Rules {
    static let signedStates: Set<String> = ["signed", "active", "completed"]

    /// Exactly one of two references is given (a visit is to a customer or to a lead).
    static func exactlyOne(_ a: String, _ b: String) -> RecordRule {
        { r, e, _ in
            let x = r.value(a, in: e).isNull, y = r.value(b, in: e).isNull
            if x && y { return DomainError("a \(e.name) needs a \(a) or a \(b)", field: a, hint: "give \(a)=… or \(b)=…") }
            if !x && !y { return DomainError("a \(e.name) is for a \(a) or a \(b), not both", field: b) }
            return nil
        }
    }

    /// The move to negotiation needs a submitted or accepted proposal (3.2.2 before 3.2.3).
    static let hasProposal: StateGuard = { r, model in
        let ps = model.records("proposal", where: "opportunity", is: r.id)
        let status = model.schema.entity(named: "proposal")!
        if ps.contains(where: { ["submitted", "accepted"].contains($0.value("status", in: status).textValue ?? "") }) { return nil }
        return DomainError("\(r.id) needs a submitted or accepted proposal before negotiation",
                           hint: ps.isEmpty ? "add proposal opportunity=\(r.id) author=… (a presales engineer)" : "submit one: move \(ps.last!.id) to submitted")
    }

    /// An opportunity is won only with a signed contract (3.3.1).
    static let hasSignedContract: StateGuard = { r, model in
        let ks = model.records("contract", where: "opportunity", is: r.id)
        let ce = model.schema.entity(named: "contract")!
        if ks.contains(where: { signedStates.contains($0.value("status", in: ce).textValue ?? "") }) { return nil }
        return DomainError("\(r.id) cannot be won without a signed contract",
                           hint: ks.isEmpty ? "add contract opportunity=\(r.id), add its lines, then move K… to signed (which wins it)" : "sign it: move \(ks.last!.id) to signed")
    }

    /// The day of each opportunity's last stage move, read from the history.
    static func lastStageMove(_ model: Model) -> [String: Day] {
        model.memo("opportunity.stage_since") {
            var out: [String: Day] = [:]
            for case let h? in model.history.records where h.values[3] == .text("opportunity") && h.values[5] == .text("stage") {
                if case .text(let id) = h.values[4], let d = h.values[0].day { out[id] = d }
            }
            return out
        }
    }

    static func lineAmount(_ r: Record) -> Money {
        guard case .int(let q) = r.values[2], case .money(let p) = r.values[3] else { return Money(minor: 0) }
        let gross = p.minor &* q
        guard case .percent(let d) = r.values[4], d.basisPoints > 0 else { return Money(minor: gross) }
        return Money(minor: gross - (gross &* d.basisPoints + 5000) / 10000)
    }

    /// Every contract's total, computed once per change of the model.
    static func contractTotals(_ model: Model) -> [String: Money] {
        model.memo("contract.total") {
            var totals: [String: Money] = [:]
            for case let line? in model.table("contract_line").records {
                if case .text(let k) = line.values[0] { totals[k, default: Money(minor: 0)] = totals[k, default: Money(minor: 0)] + lineAmount(line) }
            }
            return totals
        }
    }

    /// "not needed", "pending" or "approved" for a negotiation round's discount.
    static func approvalState(_ r: Record, _ model: Model) -> String {
        guard case .percent(let d) = r.values[3], d > model.discountLimit else { return "not needed" }
        if case .percent(let ok) = r.values[8], ok >= d { return "approved" }
        return "pending"
    }

    /// A contract is signed with at least one line, for an opportunity in negotiation, and with
    /// every discount over the limit approved.
    static let canSign: StateGuard = { r, model in
        let ce = model.schema.entity(named: "contract")!
        if model.records("contract_line", where: "contract", is: r.id).isEmpty {
            return DomainError("\(r.id) has no lines to sign", hint: "add contract_line contract=\(r.id) product=… quantity=…")
        }
        guard case .text(let o) = r.value("opportunity", in: ce), let opp = model.table("opportunity").record(o) else { return nil }
        let oe = model.table("opportunity").schema
        let stage = opp.value("stage", in: oe).textValue ?? ""
        if stage != "negotiation" {
            return DomainError("\(r.id) can be signed only while \(o) is in negotiation; it is \(stage)")
        }
        for n in model.records("negotiation", where: "opportunity", is: o) where approvalState(n, model) == "pending" {
            let owner = opp.value("owner", in: oe).textValue ?? ""
            let manager = model.table("staff").record(owner)?.values[3].textValue ?? phrase("the owner's manager")
            return DomainError("\(n.id) gives a discount of \(n.values[3].display), over the \(model.discountLimit) limit, and is not approved",
                               hint: "\(manager) approves it: approve \(n.id)")
        }
        return nil
    }

    /// Settings the rules read must hold values they can read.
    static let settingKinds: [String: String] = [
        "discount_limit": "percent", "budget_alert": "percent", "appraisal_weights": "weights",
        "bonus_A": "money", "bonus_B": "money", "bonus_C": "money", "bonus_D": "money",
        "stale_days": "days", "complaint_days": "days",
        "followup_days_strategic": "days", "followup_days_key": "days", "followup_days_standard": "days",
        "training_min_hours": "days",
    ]

    static let knownSetting: RecordRule = { r, _, _ in
        let v = (r.values[0].textValue ?? "").trimmingSpaces
        guard let kind = settingKinds[r.id] else {
            return DomainError("there is no setting '\(r.id)'", hint: Suggest.nearest(r.id, in: settingKinds.keys.sorted()).map { "did you mean '\($0)'?" }
                               ?? "settings: \(settingKinds.keys.sorted().joined(separator: ", "))")
        }
        let ok: Bool
        var example = ""
        switch kind {
        case "percent": ok = Percent.parse(String(v)).map { $0.basisPoints >= 0 && $0.basisPoints <= 10000 } ?? false; example = "20%"
        case "money": ok = Money.parse(String(v)).map { $0.minor >= 0 } ?? false; example = "5000"
        case "days": ok = Int(v).map { $0 >= 0 } ?? false; example = "60"
        default:
            let parts = v.split(separator: "/").map { Double($0) }
            ok = parts.count == 3 && parts.allSatisfy { ($0 ?? -1) >= 0 } && parts.reduce(0) { $0 + ($1 ?? 0) } == 100
            example = phrase("20/50/30 (self/superior/customer, summing to 100)")
        }
        return ok ? nil : DomainError("\(r.id) must be \(kind == "days" ? phrase("a number of days") : (kind == "weights" ? phrase("three weights") : (kind == "money" ? phrase("a sum of money") : phrase("a percentage")))) such as \(example), not '\(v)'", field: "value")
    }

    static let lineEditableOnlyInDraft: ChangeRule = { r, _, e, m in
        let model = m.model
        guard case .text(let k) = r.value("contract", in: e), let c = model.table("contract").record(k) else { return nil }
        let st = c.value("status", in: model.table("contract").schema).textValue ?? ""
        return st == "draft" ? nil : DomainError("\(k) is \(st); its lines can change only while it is a draft", field: "contract")
    }

    static let orderNeedsSignedContract: ChangeRule = { r, change, e, m in
        let model = m.model
        guard change == .create, case .text(let k) = r.value("contract", in: e), let c = model.table("contract").record(k) else { return nil }
        let st = c.value("status", in: model.table("contract").schema).textValue ?? ""
        return signedStates.contains(st) ? nil : DomainError("an order needs a signed contract; \(k) is \(st)", field: "contract")
    }

    static func orderLate(_ r: Record, _ model: Model, _ today: Day) -> Bool {
        guard ["submitted", "scheduled", "shipped"].contains(r.values[1].textValue ?? ""), case .text(let k) = r.values[0],
              let c = model.table("contract").record(k), case .date(let due) = c.value("delivery_date", in: model.table("contract").schema) else { return false }
        return due < today
    }
}

enum Hooks {
    /// Proposals are numbered per opportunity; a new version supersedes the open older ones.
    static let proposalVersion: CreateHook = { m, id in
        let model = m.model
        let pe = model.schema.index(of: "proposal")!
        let ps = model.tables[pe].schema
        guard let me = model.tables[pe].record(id), case .text(let opp) = me.value("opportunity", in: ps) else { return }
        let others = model.records("proposal", where: "opportunity", is: opp).filter { $0.id != id }
        let version = (others.compactMap { if case .int(let v) = $0.value("version", in: ps) { return v }; return nil }.max() ?? 0) + 1
        try m.update(entity: pe, id: id, values: [(ps.fieldIndex("version")!, .int(version))])
        for o in others where ["draft", "submitted"].contains(o.value("status", in: ps).textValue ?? "") {
            try m.update(entity: pe, id: o.id, values: [(ps.stateIndex!, .text("superseded"))], allowState: true)
        }
    }

    static let contractDefaults: CreateHook = { m, id in
        let model = m.model
        let ke = model.schema.index(of: "contract")!
        let ks = model.tables[ke].schema
        guard let k = model.tables[ke].record(id), case .text(let o) = k.value("opportunity", in: ks),
              let opp = model.table("opportunity").record(o) else { return }
        let os = model.table("opportunity").schema
        var vals: [(field: Int, value: Value)] = []
        if k.value("customer", in: ks).isNull { vals.append((ks.fieldIndex("customer")!, opp.value("customer", in: os))) }
        if k.value("title", in: ks).isNull { vals.append((ks.fieldIndex("title")!, opp.value("title", in: os))) }
        try m.update(entity: ke, id: id, values: vals)
    }

    static let lineDefaults: CreateHook = { m, id in
        let model = m.model
        let le = model.schema.index(of: "contract_line")!
        let ls = model.tables[le].schema
        guard let l = model.tables[le].record(id), l.value("unit_price", in: ls).isNull,
              case .text(let p) = l.value("product", in: ls), let product = model.table("product").record(p) else { return }
        try m.update(entity: le, id: id, values: [(ls.fieldIndex("unit_price")!, product.value("unit_price", in: model.table("product").schema))])
    }

    /// Signing a contract wins its opportunity, whose amount becomes the contract total.
    static let contractSigned: StateHook = { m, id, state in
        guard state == "signed" else { return }
        let model = m.model
        let ks = model.table("contract").schema
        guard let k = model.table("contract").record(id), case .text(let o) = k.value("opportunity", in: ks) else { return }
        let oe = model.schema.index(of: "opportunity")!
        let total = Rules.contractTotals(model)[id] ?? Money(minor: 0)
        try m.move(entity: oe, id: o, to: "won", values: [(model.tables[oe].schema.fieldIndex("amount")!, .money(total))], verb: "sign")
    }

    /// The owner's manager approves a discount over the limit; nobody approves their own deal.
    static let approveNegotiation: ApproveHook = { m, id in
        let model = m.model
        let ne = model.schema.index(of: "negotiation")!
        let ns = model.tables[ne].schema
        guard let n = model.tables[ne].record(id) else { throw DomainError("no negotiation \(id)") }
        let state = Rules.approvalState(n, model)
        if state != "pending" { throw DomainError("\(id) needs no approval: it is \(state)") }
        guard case .text(let o) = n.value("opportunity", in: ns), let opp = model.table("opportunity").record(o),
              case .text(let owner) = opp.value("owner", in: model.table("opportunity").schema) else { return "" }
        let manager = model.table("staff").record(owner)?.values[3].textValue
        if m.user == owner { throw DomainError("\(m.user) owns \(o) and cannot approve its discount", hint: manager.map { "\($0) approves it" }) }
        guard m.user == manager else {
            throw DomainError("only \(manager ?? phrase("the owner's manager")) (the manager of \(owner)) can approve \(id); you are \(m.user)")
        }
        try m.update(entity: ne, id: id, values: [(ns.fieldIndex("approved_by")!, .text(m.user)), (ns.fieldIndex("approved_discount")!, n.values[3])])
        return phrase("\(id) approved: discount \(n.values[3].display) by \(m.user)")
    }
}
