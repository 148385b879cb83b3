import Testing
@testable import SalesCore

/// A statement asks once per entity whether its user may change any record of it
/// (`Permissions.mayChangeAny`), and skips the check of each record when they may. That must never let
/// through what the full check refuses, and must be asked again when the staff change under it.
@Suite struct PermissionShortcutTests {
    @Test func mayChangeAnyNeverPassesWhatTheCheckRefuses() {
        let model = Model()
        DemoData(opportunities: 120, today: testToday).generate(into: model)
        let staff = model.table("staff")
        let role = staff.schema.fieldIndex("role")!
        // One staff member of each role, someone who is not staff, and the store being set up.
        var users: [String] = []
        for r in ["admin", "manager", "rep", "presales", "analyst", "trainer"] {
            if let s = staff.slots(where: role, is: .text(r)).first { users.append(staff.id(at: s)) }
        }
        users.append("nobody")
        #expect(users.count >= 6)
        var shortcuts = 0, checked = 0
        for user in users {
            for settingUp in [false, true] {
                for t in model.tables {
                    guard Permissions.mayChangeAny(entity: t.schema, user: user, model: model, settingUp: settingUp) else { continue }
                    shortcuts += 1
                    for r in t.allRecords.prefix(25) {
                        for kind in [ChangeKind.create, .update, .delete] {
                            #expect(Permissions.check(r, kind, entity: t.schema, user: user, model: model, settingUp: settingUp) == nil,
                                    "\(user) \(kind) \(r.id)")
                            checked += 1
                        }
                    }
                }
            }
        }
        #expect(shortcuts > 20 && checked > 1000)
        // And it is not always yes: a rep owns only their own.
        let rep = users[2]
        #expect(!Permissions.mayChangeAny(entity: model.table("opportunity").schema, user: rep, model: model, settingUp: false))
    }

    @Test func theUserIsAskedAgainWhenTheStaffChange() throws {
        let w = try World.organisation()
        try w.add("staff", "root2", ["name": .text("第二管理員"), "role": .text("admin")])
        let m = Mutation(model: w.model, user: "root2", today: w.today)
        let opportunity = w.e("opportunity")
        func add(owner: String) throws {
            _ = try m.create(entity: opportunity, id: nil, values: w.values("opportunity", ["title": .text("專線"), "customer": .text("C1"), "owner": .text(owner)]))
        }
        try add(owner: "li.na")
        try m.validate(from: 0)   // an admin may add anyone's
        // root2 is made a rep within the statement; the next record is checked as a rep's.
        try m.update(entity: w.e("staff"), id: "root2", values: w.values("staff", ["role": .text("rep")]))
        let mark = m.changes.count
        try add(owner: "zhang.san")
        #expect(throws: DomainError.self) { try m.validate(from: mark) }
        m.rollback()
    }
}
