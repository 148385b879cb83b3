import Testing
@testable import SalesLanguage
import SalesCore

/// Who may do what (issue 4, "Roles"): every kind of action tried as every role, each on a fresh copy of one
/// small organisation, and the outcome checked against the permission table: analysts read and change
/// nothing; trainers change only training data; reps their own records; managers also their reports'
/// records, approve their reports' claims, and budget and set targets for their own team and reports;
/// admins set up the organisation. A refusal leaves the model as it was.
@Suite("Roles × actions")
struct RoleMatrixTests {
    enum Role: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case admin, manager, rep, presales, analyst, trainer
        /// The staff member who acts in this role.
        var actor: String {
            switch self {
            case .admin: "ad.min"
            case .manager: "wang.wei"
            case .rep: "li.na"
            case .presales: "chen.jie"
            case .analyst: "an.na"
            case .trainer: "ke.lin"
            }
        }
        var testDescription: String { "\(rawValue) \(actor)" }
    }

    /// The organisation (sun.li heads sales):
    ///   sun.li (manager, no team) ← wang.wei (manager of north) ← li.na, zhou.qi (reps), chen.jie (presales)
    ///   sun.li ← zhao.min (manager of south) ← zhang.san (rep)
    ///   sun.li ← an.na (analyst, north), ke.lin (trainer, north); ad.min (admin) and spare.one report to nobody.
    /// Customers C1 ad.min · C2 wang.wei · C3 li.na · C4 chen.jie · C5 an.na · C6 ke.lin · C7 zhou.qi · C8 zhang.san.
    /// Leads L1 wang.wei · L2 li.na · L3 zhou.qi · L4 zhang.san.
    /// Opportunities O1 wang.wei · O2 li.na · O3 zhang.san's with chen.jie as presales · O4 zhou.qi · O5 zhang.san.
    /// Budgets 2026 travel: B1 north, B2 south. Claims: E1 ad.min · E2 wang.wei · E3 li.na · E4 chen.jie ·
    /// E5 zhou.qi · E6 zhang.san, each 100 for travel, each filed by the claimant.
    static let setup = """
    add staff ad.min name="管理員" role=admin
    add team north name="北區業務部" region=north
    add team south name="南區業務部" region=south
    add team spare name="備用團隊" region=none
    add staff sun.li name="孫立" role=manager
    add staff wang.wei name="王偉" role=manager team=north manager=sun.li
    add staff zhao.min name="趙敏" role=manager team=south manager=sun.li
    set north manager=wang.wei; set south manager=zhao.min
    add staff li.na name="李娜" role=rep team=north manager=wang.wei
    add staff zhou.qi name="周琦" role=rep team=north manager=wang.wei
    add staff chen.jie name="陳傑" role=presales team=north manager=wang.wei
    add staff zhang.san name="張三" role=rep team=south manager=zhao.min
    add staff an.na name="安娜" role=analyst team=north manager=sun.li
    add staff ke.lin name="柯林" role=trainer team=north manager=sun.li
    add staff spare.one name="備用" role=rep
    add product FIBER-1G name="企業光纖 1G" unit_price=100k unit_cost=60k
    add product SPARE-1 name="備品" unit_price=1k
    add customer name="管理員客戶" owner=ad.min
    add customer name="王偉客戶" owner=wang.wei
    add customer name="李娜客戶" owner=li.na
    add customer name="陳傑客戶" owner=chen.jie
    add customer name="安娜客戶" owner=an.na
    add customer name="柯林客戶" owner=ke.lin
    add customer name="周琦客戶" owner=zhou.qi
    add customer name="張三客戶" owner=zhang.san
    add lead company="王偉線索" source=online owner=wang.wei
    add lead company="李娜線索" source=online owner=li.na
    add lead company="周琦線索" source=online owner=zhou.qi
    add lead company="張三線索" source=online owner=zhang.san
    add opportunity title="王偉商機" customer=C2 owner=wang.wei amount=100k
    add opportunity title="李娜商機" customer=C3 owner=li.na amount=100k
    add opportunity title="售前商機" customer=C8 owner=zhang.san presales=chen.jie amount=100k
    add opportunity title="周琦商機" customer=C7 owner=zhou.qi amount=100k
    add opportunity title="張三商機" customer=C8 owner=zhang.san amount=100k
    """

    /// Builds the organisation; budgets and claims are made by those whose they are.
    static func organisation() throws -> Harness {
        // Whoever sets up the store adds its admin; the admin sets up the rest.
        let h = Harness(user: "setup")
        let parts = setup.split(separator: "\n", maxSplits: 1).map(String.init)
        try h.run(parts[0])
        h.interp.ctx.user = "ad.min"
        try h.run(parts[1])
        func act(_ user: String, _ text: String) throws { h.interp.ctx.user = user; try h.run(text) }
        try act("wang.wei", "add budget year=2026 team=north category=travel amount=100k")
        try act("zhao.min", "add budget year=2026 team=south category=travel amount=100k")
        for claimant in ["ad.min", "wang.wei", "li.na", "chen.jie", "zhou.qi", "zhang.san"] {
            try act(claimant, "add expense staff=\(claimant) category=travel amount=100 date=2026-11-20 description=\"差旅\"")
        }
        h.interp.ctx.user = "ad.min"
        return h
    }

    /// Each role's own records, where it can have one.
    static let own: [String: [Role: String]] = [
        "{myCustomer}": [.admin: "C1", .manager: "C2", .rep: "C3", .presales: "C4", .analyst: "C5", .trainer: "C6"],
        "{myLead}": [.manager: "L1", .rep: "L2"],
        "{myOpp}": [.manager: "O1", .rep: "O2", .presales: "O3"],
        "{myClaim}": [.admin: "E1", .manager: "E2", .rep: "E3", .presales: "E4"],
    ]

    struct Action: Sendable, CustomTestStringConvertible {
        var name: String
        var statement: String
        var allowed: Set<Role>
        /// Names (staff ids or roles) of whom a refusal should point to instead; one of them must appear.
        var whoMay: [String]
        var testDescription: String { name }

        /// The statement for a role, or nil when the role has no such record of its own.
        func statement(for role: Role) -> String? {
            var s = statement.replacingOccurrences(of: "{me}", with: role.actor)
            for (placeholder, byRole) in RoleMatrixTests.own where s.contains(placeholder) {
                guard let id = byRole[role] else { return nil }
                s = s.replacingOccurrences(of: placeholder, with: id)
            }
            return s
        }
    }

    static let sales: Set<Role> = [.admin, .manager, .rep, .presales]

    static let actions: [Action] = [
        // the organisation: admins only
        Action(name: "add staff", statement: #"add staff new.hire name="新人" role=rep team=north manager=wang.wei"#, allowed: [.admin], whoMay: ["admin"]),
        Action(name: "change staff", statement: #"set zhou.qi phone="0912-345-678""#, allowed: [.admin], whoMay: ["admin"]),
        Action(name: "delete staff", statement: "delete spare.one", allowed: [.admin], whoMay: ["admin"]),
        Action(name: "add team", statement: #"add team east name="東區業務部" region=east"#, allowed: [.admin], whoMay: ["admin"]),
        Action(name: "change team", statement: #"set north region="north-1""#, allowed: [.admin], whoMay: ["admin"]),
        Action(name: "delete team", statement: "delete spare", allowed: [.admin], whoMay: ["admin"]),
        Action(name: "add product", statement: #"add product NEW-1 name="新品" unit_price=1k"#, allowed: [.admin], whoMay: ["admin"]),
        Action(name: "change product", statement: "set FIBER-1G unit_price=120k", allowed: [.admin], whoMay: ["admin"]),
        Action(name: "delete product", statement: "delete SPARE-1", allowed: [.admin], whoMay: ["admin"]),
        Action(name: "add setting", statement: "add setting stale_days value=30", allowed: [.admin], whoMay: ["admin"]),
        // customers, leads, opportunities: own, a report's, a stranger's
        Action(name: "add a customer of one's own", statement: #"add customer name="新客戶" owner={me}"#, allowed: sales, whoMay: ["rep", "manager", "admin"]),
        Action(name: "change own customer", statement: #"set {myCustomer} phone="02-1234""#, allowed: sales, whoMay: ["rep", "manager", "admin"]),
        Action(name: "change a report's customer (zhou.qi's C7)", statement: #"set C7 phone="02-1234""#, allowed: [.admin, .manager], whoMay: ["zhou.qi", "wang.wei"]),
        Action(name: "change a stranger's customer (zhang.san's C8)", statement: #"set C8 phone="02-1234""#, allowed: [.admin], whoMay: ["zhang.san", "zhao.min"]),
        Action(name: "change own lead", statement: "set {myLead} score=50", allowed: sales, whoMay: ["rep", "manager", "admin"]),
        Action(name: "delete own lead", statement: "delete {myLead}", allowed: sales, whoMay: ["rep", "manager", "admin"]),
        Action(name: "change a report's lead (zhou.qi's L3)", statement: "set L3 score=50", allowed: [.admin, .manager], whoMay: ["zhou.qi", "wang.wei"]),
        Action(name: "change a stranger's lead (zhang.san's L4)", statement: "set L4 score=50", allowed: [.admin], whoMay: ["zhang.san", "zhao.min"]),
        Action(name: "change own opportunity", statement: "set {myOpp} amount=200k", allowed: sales, whoMay: ["rep", "manager", "admin"]),
        Action(name: "change a report's opportunity (zhou.qi's O4)", statement: "set O4 amount=200k", allowed: [.admin, .manager], whoMay: ["zhou.qi", "wang.wei"]),
        Action(name: "change a stranger's opportunity (zhang.san's O5)", statement: "set O5 amount=200k", allowed: [.admin], whoMay: ["zhang.san", "zhao.min"]),
        Action(name: "add a risk on own customer", statement: #"add risk kind=credit customer={myCustomer} description="逾期" impact=2 likelihood=2"#, allowed: sales, whoMay: ["rep", "manager", "admin"]),
        Action(name: "add a risk on a stranger's customer (C8)", statement: #"add risk kind=credit customer=C8 description="逾期" impact=2 likelihood=2"#, allowed: [.admin], whoMay: ["zhang.san", "zhao.min"]),
        // claims
        Action(name: "file own claim", statement: #"add expense staff={me} category=travel amount=200 description="計程車""#, allowed: sales, whoMay: ["rep", "manager", "admin"]),
        Action(name: "file a claim for someone else (zhou.qi)", statement: #"add expense staff=zhou.qi category=travel amount=200 description="代報""#, allowed: [.admin], whoMay: ["zhou.qi"]),
        Action(name: "approve own claim", statement: "approve {myClaim}", allowed: [], whoMay: ["sun.li", "wang.wei", "another admin"]),
        Action(name: "approve a report's claim (zhou.qi's E5)", statement: "approve E5", allowed: [.manager], whoMay: ["wang.wei"]),
        Action(name: "approve a stranger's claim (zhang.san's E6)", statement: "approve E6", allowed: [], whoMay: ["zhao.min"]),
        Action(name: "reject a report's claim (E5)", statement: #"reject E5 reason="缺收據""#, allowed: [.manager], whoMay: ["wang.wei"]),
        Action(name: "reject a stranger's claim (E6)", statement: #"reject E6 reason="缺收據""#, allowed: [], whoMay: ["zhao.min"]),
        // budgets and targets
        Action(name: "set a budget for north (wang.wei's team)", statement: "add budget year=2027 team=north category=travel amount=50k", allowed: [.admin, .manager], whoMay: ["wang.wei", "manager"]),
        Action(name: "change north's budget", statement: "set B1 amount=150k", allowed: [.admin, .manager], whoMay: ["wang.wei", "manager"]),
        Action(name: "set a budget for south (another team)", statement: "add budget year=2027 team=south category=travel amount=50k", allowed: [.admin], whoMay: ["zhao.min", "manager"]),
        Action(name: "set a target for a report (zhou.qi)", statement: "add target staff=zhou.qi period=2026-12 revenue=1m", allowed: [.admin, .manager], whoMay: ["wang.wei", "manager"]),
        Action(name: "set a target for a stranger (zhang.san)", statement: "add target staff=zhang.san period=2026-12 revenue=1m", allowed: [.admin], whoMay: ["zhao.min", "manager"]),
        Action(name: "set one's own target", statement: "add target staff={me} period=2026-12 revenue=1m", allowed: [.admin], whoMay: ["sun.li", "wang.wei", "manager"]),
        Action(name: "set a target for north (wang.wei's team)", statement: "add target team=north period=2026-12 revenue=5m", allowed: [.admin, .manager], whoMay: ["wang.wei", "manager"]),
        Action(name: "set a target for south (another team)", statement: "add target team=south period=2026-12 revenue=5m", allowed: [.admin], whoMay: ["zhao.min", "manager of south", "manager"]),
        // appraisals and training needs
        Action(name: "open appraisals", statement: "open appraisals 2026-12", allowed: [.admin, .manager], whoMay: ["manager", "admin", "wang.wei"]),
        Action(name: "add a training need for a report (zhou.qi)", statement: #"add training_need staff=zhou.qi skill="談判技巧" source=manager"#, allowed: [.admin, .manager, .trainer], whoMay: ["zhou.qi", "wang.wei", "trainer"]),
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var role: Role
        var action: Action
        var testDescription: String { "\(role.rawValue): \(action.name)" }
    }

    static var cases: [Case] {
        Role.allCases.flatMap { r in actions.filter { $0.statement(for: r) != nil }.map { Case(role: r, action: $0) } }
    }

    /// Runs the action as the role: nil when it is allowed, else the refusal (and the model must be unchanged).
    static func attempt(_ c: Case) throws -> Diagnostic? {
        let h = try organisation()
        h.interp.ctx.user = c.role.actor
        let statement = c.action.statement(for: c.role)!
        let before = h.snapshot()
        do {
            try h.run(statement)
            return nil
        } catch let d as Diagnostic {
            #expect(h.snapshot() == before, "a refused statement changed the model: \(statement)")
            return d
        }
    }

    @Test func theOrganisationIsBuiltByThoseWhoseRecordsTheyAre() throws {
        let h = try RoleMatrixTests.organisation()
        #expect(try h.column("budgets | select id") == ["B1", "B2"])
        #expect(try h.column("expenses | select staff") == ["ad.min", "wang.wei", "li.na", "chen.jie", "zhou.qi", "zhang.san"])
        #expect(RoleMatrixTests.cases.count > 200)
    }

    /// Each role × action is allowed or refused as the permission table says.
    @Test(arguments: RoleMatrixTests.cases)
    func allowedOrRefused(_ c: Case) throws {
        let statement = c.action.statement(for: c.role)!
        let refusal = try RoleMatrixTests.attempt(c)
        if c.action.allowed.contains(c.role) {
            #expect(refusal == nil, "\(c.role.actor) (\(c.role.rawValue)) should be allowed to \(c.action.name): `\(statement)` was refused: \(refusal?.message ?? "")")
        } else {
            #expect(refusal != nil, "\(c.role.actor) (\(c.role.rawValue)) should not be allowed to \(c.action.name): `\(statement)` was accepted")
        }
    }

    /// Every refusal says which rule refused it and who may do it instead.
    @Test(arguments: RoleMatrixTests.cases.filter { !$0.action.allowed.contains($0.role) })
    func refusalsNameTheRuleAndWhoMay(_ c: Case) throws {
        guard let refusal = try RoleMatrixTests.attempt(c) else { return }   // allowedOrRefused reports it
        let text = refusal.message + " " + (refusal.hint ?? "")
        #expect(refusal.message.count > 20, "a refusal says which rule: '\(text)'")
        let names = c.action.whoMay.filter { $0 != c.role.actor }
        #expect(names.contains { text.contains($0) },
                "refusal of \(c.action.name) for \(c.role.actor) (\(c.role.rawValue)) names none of \(names) who may instead: '\(text)'")
    }

    /// Once the store has an admin, someone who is not a staff member changes nothing: every change is
    /// refused with who they would need to be. Before that, whoever runs the shell sets the store up.
    @Test(arguments: [
        "add budget year=2027 team=north category=travel amount=50k",
        "add target staff=zhou.qi period=2026-12 revenue=1m",
        #"add expense staff=zhou.qi category=travel amount=200 description="代報""#,
        "open appraisals 2026-12",
        "set C8 phone=\"02-1234\"",
        "add setting stale_days value=30",
        #"add staff new.hire name="新人" role=rep team=north manager=wang.wei"#,
    ])
    func aUserWhoIsNotStaffIsRefused(_ statement: String) throws {
        let h = try RoleMatrixTests.organisation()
        #expect(h.model.table("staff").record("setup") == nil)
        h.interp.ctx.user = "setup"
        let before = h.model.tables.map(\.count)
        #expect { try h.run(statement) } throws: { e in
            guard let d = e as? Diagnostic else { return false }
            return d.message.contains("setup is not a staff member") && (d.hint ?? "").contains("--user")
        }
        #expect(h.model.tables.map(\.count) == before, "nothing changed")
        // Reading is open to all.
        #expect(try h.rows("staff | where role = admin | select id") == [["ad.min"]])
    }

    @Test func anEmptyStoreIsSetUpByWhoeverRunsTheShell() throws {
        let h = Harness(user: "root")
        try h.run(#"add team north name="北區"; add staff boss name="老闆" role=manager team=north"#)
        try h.run(#"add staff it name="資訊" role=admin"#)
        #expect { try h.run(#"add staff x name="X" role=rep"#) } throws: { ($0 as? Diagnostic)?.message.contains("root is not a staff member") == true }
        h.interp.ctx.user = "it"
        try h.run(#"add staff x name="X" role=rep team=north manager=boss"#)
    }

    /// The refusals in the words the issue asks for.
    @Test func refusalMessages() throws {
        func refusal(_ role: Role, _ statement: String) throws -> String {
            let h = try RoleMatrixTests.organisation()
            h.interp.ctx.user = role.actor
            guard let d = h.error(statement) else { return "" }
            return d.message + (d.hint.map { " — " + $0 } ?? "")
        }
        #expect(try refusal(.analyst, "set C3 phone=1").hasPrefix("an.na (analyst) may not change C3: analysts read and change nothing"))
        #expect(try refusal(.trainer, "set C3 phone=1").hasPrefix("ke.lin (trainer) may not change C3: trainers change only training data"))
        #expect(try refusal(.rep, "set C7 phone=1")
                == "li.na (rep) may not change C7: it belongs to zhou.qi — reps change their own records; zhou.qi or their manager wang.wei may")
        #expect(try refusal(.manager, "set C8 phone=1")
                == "wang.wei (manager) may not change C8: it belongs to zhang.san — managers change the records of their own reports; zhang.san or their manager zhao.min may")
        #expect(try refusal(.manager, "add staff x.y name=X role=rep") == "wang.wei (manager) may not add staff: staff are changed by admin")
        #expect(try refusal(.rep, "approve E3") == "nobody approves their own claim — wang.wei approves it")
        #expect(try refusal(.manager, "approve E6") == "only zhao.min (the superior of zhang.san) approves E6; you are wang.wei")
        #expect(try refusal(.manager, "add budget year=2027 team=south category=travel amount=1k")
                == "budgets are set by zhao.min (manager of south) or an admin; you are wang.wei")
        #expect(try refusal(.manager, "add target staff=wang.wei period=2026-12 revenue=1m") == "nobody sets their own target; sun.li sets it")
        #expect(try refusal(.manager, "add target staff=zhang.san period=2026-12 revenue=1m")
                == "only zhao.min (the superior of zhang.san) sets their targets; you are wang.wei")
    }
}
