// Who may change what: one table next to the schema, checked for every change a statement makes.

public struct Permission: Sendable {
    /// Roles that may create, change and delete these records at all.
    public let roles: Set<String>
    /// Paths to the staff member a record belongs to (`opportunity.owner`); reps change only their own
    /// records, managers also those of the people who report to them. Empty: no ownership check.
    public let owners: [String]
    /// Roles that need not own the record (trainers, for training data).
    public let anyRecord: Set<String>
    public init(_ roles: Set<String>, owners: [String] = [], anyRecord: Set<String> = []) {
        self.roles = roles; self.owners = owners; self.anyRecord = anyRecord
    }
}

extension Model {
    /// True once a staff member has the admin role: from then on only staff may change anything.
    public var hasAdmin: Bool {
        let staff = table("staff")
        guard let ri = staff.schema.fieldIndex("role") else { return false }
        return !staff.slots(where: ri, is: .text("admin")).isEmpty
    }
}

public enum Permissions {
    static let sales: Set<String> = ["manager", "rep", "presales", "admin"]

    /// The permission table. Analysts read everything and change nothing; trainers change only
    /// training data; reps own their records; managers approve, budget and set targets for their
    /// own reports; admin sets up the organisation.
    public static let table: [String: Permission] = [
        "staff": Permission(["admin"]),
        "team": Permission(["admin"]),
        "product": Permission(["admin"]),
        "setting": Permission(["admin"]),
        "competitor": Permission(sales),
        "research": Permission(sales, owners: ["author"]),
        "customer": Permission(sales, owners: ["owner"]),
        "lead": Permission(sales, owners: ["owner"]),
        "opportunity": Permission(sales, owners: ["owner", "presales"]),
        "visit": Permission(sales, owners: ["staff", "customer.owner", "lead.owner"]),
        "proposal": Permission(sales, owners: ["author", "opportunity.owner"]),
        "negotiation": Permission(sales, owners: ["opportunity.owner"]),
        "contract": Permission(sales, owners: ["opportunity.owner"]),
        "contract_line": Permission(sales, owners: ["contract.opportunity.owner"]),
        "order": Permission(sales, owners: ["contract.opportunity.owner"]),
        "invoice": Permission(sales, owners: ["contract.opportunity.owner"]),
        "feedback": Permission(sales, owners: ["customer.owner"]),
        "ticket": Permission(sales, owners: ["engineer", "customer.owner"]),
        "complaint": Permission(sales, owners: ["handler", "customer.owner"]),
        "survey": Permission(sales),
        "target": Permission(["manager", "admin"]),
        "appraisal": Permission(["manager", "rep", "presales", "admin"], owners: ["staff"]),
        "budget": Permission(["manager", "admin"]),
        "expense": Permission(sales, owners: ["staff"]),
        "risk": Permission(sales, owners: ["owner", "customer.owner", "opportunity.owner"]),
        "training_need": Permission(sales.union(["trainer"]), owners: ["staff"], anyRecord: ["trainer"]),
        "course": Permission(["trainer", "admin"]),
        "training_plan": Permission(["trainer", "manager", "admin"], owners: ["team.manager"], anyRecord: ["trainer"]),
        "training": Permission(["trainer", "admin", "manager"], owners: ["staff"], anyRecord: ["trainer"]),
        "career_plan": Permission(["trainer", "manager", "admin"], owners: ["staff"], anyRecord: ["trainer"]),
        "activity": Permission(["manager", "admin"], owners: ["team.manager"]),
    ]

    /// True when `user` may add, change and delete any record of `e`, whoever it belongs to (an admin
    /// may; a rep only their own): `check` then passes whatever the record. What it says depends on the
    /// staff alone, so a statement asks it once per entity, not for each of an import's rows.
    static func mayChangeAny(entity e: EntitySchema, user: String, model: Model, settingUp: Bool) -> Bool {
        guard !e.system else { return true }
        guard let role = model.role(of: user) else { return settingUp }
        guard let p = table[e.name] else { return role == "admin" }
        return p.roles.contains(role) && (role == "admin" || p.owners.isEmpty || p.anyRecord.contains(role))
    }

    /// Whether `user` may make `change` to `record`; the refusal says which rule and who may.
    /// Someone who is not a staff member changes nothing once the store has an admin; until then the
    /// organisation is being set up, by whoever runs the shell.
    static func check(_ record: Record, _ change: ChangeKind, entity e: EntitySchema, user: String, model: Model, settingUp: Bool) -> DomainError? {
        guard !e.system else { return nil }
        guard let role = model.role(of: user) else {
            if settingUp { return nil }
            return DomainError("\(user) is not a staff member, so may change nothing",
                               hint: "start salesh with --user STAFF_ID, or have an admin bind this account: set STAFF_ID login=\(user)")
        }
        // Worded only when refused: this runs for every row an import adds.
        var verb: String { change == .create ? phrase("add") : (change == .delete ? phrase("delete") : phrase("change")) }
        var what: String { change == .create ? e.plural : record.id }
        guard let p = table[e.name] else {
            return role == "admin" ? nil : DomainError("only an admin may \(verb) \(e.plural)")
        }
        if !p.roles.contains(role) {
            let who = p.roles.sorted().joined(separator: ", ")
            let reason = role == "analyst" ? phrase("analysts read and change nothing")
                : (role == "trainer" ? phrase("trainers change only training data") : phrase("\(e.plural) are changed by \(who)"))
            // Who may instead: the record's owners and their managers, else the roles that may.
            let owners = Set(p.owners.compactMap { owner(record, path: $0, entity: e, model: model) }).sorted()
            var hint: String? = nil
            if !owners.isEmpty {
                let managers = Set(owners.compactMap { model.superior(of: $0) }).sorted()
                let who = owners.joined(separator: " or ")
                hint = managers.isEmpty ? phrase("\(who) may") : phrase("\(who) or their manager \(managers.joined(separator: ", ")) may")
            } else if role == "analyst" || role == "trainer" {
                hint = phrase("\(e.plural) are changed by \(who)")
            }
            return DomainError("\(user) (\(role)) may not \(verb) \(what): \(reason)", hint: hint)
        }
        if role == "admin" || p.owners.isEmpty || p.anyRecord.contains(role) { return nil }
        let owners = Set(p.owners.compactMap { owner(record, path: $0, entity: e, model: model) })
        if owners.isEmpty || owners.contains(user) { return nil }
        if role == "manager", owners.contains(where: { reportsTo($0, user, model) }) { return nil }
        let names = owners.sorted().joined(separator: " or ")
        let managers = Set(owners.compactMap { model.superior(of: $0) }).sorted().joined(separator: ", ")
        return DomainError("\(user) (\(role)) may not \(verb) \(what): it belongs to \(names)",
                           hint: (role == "manager" ? phrase("managers change the records of their own reports") : phrase("reps change their own records")) + "; "
                               + (managers.isEmpty ? phrase("\(names) may") : phrase("\(names) or their manager \(managers) may")))
    }

    /// The staff member at the end of a path of references from the record.
    static func owner(_ r: Record, path: String, entity: EntitySchema, model: Model) -> String? {
        var rec = r, es = entity
        let parts = path.split(separator: ".").map(String.init)
        for (i, p) in parts.enumerated() {
            guard let fi = es.fieldIndex(p), case .text(let v) = rec.values[fi] else { return nil }
            if i == parts.count - 1 { return v }
            guard let target = es.fields[fi].type.referencedEntity, let next = model.table(target).record(v) else { return nil }
            rec = next; es = model.table(target).schema
        }
        return nil
    }

    /// Whether `person` is in `manager`'s reporting line (directly or further down).
    static func reportsTo(_ person: String, _ manager: String, _ model: Model) -> Bool {
        var cur = model.superior(of: person), steps = 0
        while let c = cur, steps < 100 {
            if c == manager { return true }
            cur = model.superior(of: c); steps += 1
        }
        return false
    }
}
