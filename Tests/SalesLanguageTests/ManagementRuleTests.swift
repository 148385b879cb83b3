import Testing
@testable import SalesLanguage
import SalesCore

/// Rules of chapters 4–6 that the golden scripts under Golden/management do not reach: what stays fixed once an
/// appraisal or a claim is decided, one sales plan per person and period, settings that must make sense.
@Suite("Appraisal, claim and setting rules")
struct ManagementRuleTests {
    /// sun.li heads sales (no superior) ← wang.wei (manager of north) ← li.na (rep); ad.min is an admin.
    /// B1: north travel 2026, 10,000. A1: li.na's 2026-10 appraisal, self 60, superior 50 (total 52.9, D), closed.
    /// E1: li.na's travel claim of 4,000, approved. E2: sun.li's travel claim of 500, submitted.
    static func organisation() throws -> Harness {
        let h = Harness(user: "setup")
        try h.run("""
        add team north name="北區業務部" region=north
        add staff sun.li name="孫立" role=manager team=north
        add staff wang.wei name="王偉" role=manager team=north manager=sun.li
        set north manager=wang.wei
        add staff li.na name="李娜" role=rep team=north manager=wang.wei
        add staff ad.min name="管理員" role=admin
        """)
        func act(_ user: String, _ text: String) throws { h.interp.ctx.user = user; try h.run(text) }
        try act("wang.wei", "add budget year=2026 team=north category=travel amount=10k; open appraisals 2026-10")
        try act("li.na", #"move A1 to self_assessed self_score=60; add expense staff=li.na category=travel amount=4000 date=2026-11-02 description="差旅""#)
        try act("wang.wei", "move A1 to reviewed superior_score=50; move A1 to closed; approve E1")
        try act("sun.li", #"add expense staff=sun.li category=travel amount=500 date=2026-11-03 description="督導""#)
        h.interp.ctx.user = "ad.min"
        return h
    }

    @Test func theOrganisation() throws {
        let h = try ManagementRuleTests.organisation()
        #expect(try h.rows("appraisals | select id, status, total, grade, outcome") == [["A1", "closed", "52.9", "D", "training"]])
        #expect(try h.rows("budgets | select id, spent") == [["B1", "4,000.00"]])
        #expect(try h.rows("expenses | select id, status") == [["E1", "approved"], ["E2", "submitted"]])
    }

    // MARK: appraisals

    /// A closed appraisal is final: the staff member cannot raise their self score afterwards (which here would
    /// turn the D into a C and a bonus of 2,000), nor move it to another period.
    @Test func theStaffMemberCannotChangeAClosedAppraisal() throws {
        let h = try ManagementRuleTests.organisation()
        h.interp.ctx.user = "li.na"
        #expect(h.refuses("set A1 self_score=100"), "li.na raised her own self score on a closed appraisal")
        #expect(h.refuses("set A1 period=2026-09"), "li.na moved her closed appraisal to another period")
    }

    /// Neither may the superior rescore it once it is closed.
    @Test func theSuperiorCannotRescoreAClosedAppraisal() throws {
        let h = try ManagementRuleTests.organisation()
        h.interp.ctx.user = "wang.wei"
        #expect(h.refuses("set A1 superior_score=95"), "wang.wei rescored a closed appraisal")
    }

    /// The outcome (promotion, raise, training, none) is decided at the review, not by the person appraised.
    @Test func theStaffMemberDoesNotChooseTheirOwnOutcome() throws {
        let h = try ManagementRuleTests.organisation()
        try h.run("add staff zhou.qi name=\"周琦\" role=rep team=north manager=wang.wei")
        h.interp.ctx.user = "wang.wei"
        try h.run("open appraisals 2026-11")
        let open = try h.column("appraisals | where staff = zhou.qi | select id")
        #expect(open.count == 1)
        h.interp.ctx.user = "zhou.qi"
        #expect(h.refuses("set \(open.first ?? "A2") outcome=promotion"), "zhou.qi gave himself a promotion on an open appraisal")
        h.interp.ctx.user = "li.na"
        #expect(h.refuses("set A1 outcome=promotion"), "li.na changed the outcome of her closed D appraisal to a promotion")
    }

    /// The person appraised cannot make their appraisal disappear.
    @Test func theStaffMemberCannotDeleteTheirAppraisal() throws {
        let h = try ManagementRuleTests.organisation()
        try h.run("add staff zhou.qi name=\"周琦\" role=rep team=north manager=wang.wei")
        h.interp.ctx.user = "wang.wei"
        try h.run("open appraisals 2026-11")
        let ids = try h.column("appraisals | where staff = zhou.qi | select id")
        h.interp.ctx.user = "zhou.qi"
        #expect(h.refuses("delete \(ids.first ?? "A2")"), "zhou.qi deleted his own appraisal")
    }

    /// Changing the weights or the bonus table later does not rewrite an appraisal that is already closed: its
    /// grade and bonus stay what they were when it was closed, and so agree with its recorded outcome.
    @Test func aClosedAppraisalKeepsItsTotalGradeAndBonus() throws {
        let h = try ManagementRuleTests.organisation()
        let before = try h.rows("appraisals | select total, grade, bonus, outcome")
        #expect(before == [["52.9", "D", "0.00", "training"]])
        try h.run(#"add setting appraisal_weights value="100/0/0"; add setting bonus_C value=3000"#)
        // 100/0/0 would make it 60, a C with 3,000.
        #expect(try h.rows("appraisals | select total, grade, bonus, outcome") == before)
    }

    /// One appraisal opened is one appraisal, in the singular, and not a range from A2 to A2.
    @Test func openingOneAppraisalSaysSo() throws {
        let h = try ManagementRuleTests.organisation()
        h.interp.ctx.user = "wang.wei"
        #expect(try h.message("open appraisals 2026-11") == "opened 1 appraisal for 2026-11: A2")
        #expect(try h.message("open appraisals 2026-11") == "every appraisal for 2026-11 is already open")
    }

    // MARK: claims

    /// An approved claim is spent money: the claimant cannot delete it and so give the budget back.
    @Test func anApprovedClaimCannotBeDeletedByTheClaimant() throws {
        let h = try ManagementRuleTests.organisation()
        h.interp.ctx.user = "li.na"
        #expect(h.refuses("delete E1"), "li.na deleted her approved claim")
        #expect(try h.rows("budgets | select id, spent") == [["B1", "4,000.00"]])
    }

    /// Someone with no superior (the head of sales) still gets their claims decided: by an admin, as their
    /// appraisals are reviewed by an admin.
    @Test func anAdminApprovesTheClaimsOfThoseWithoutASuperior() throws {
        let h = try ManagementRuleTests.organisation()
        h.interp.ctx.user = "ad.min"
        do { try h.run("approve E2") } catch let d as Diagnostic {
            Issue.record("nobody can approve sun.li's claim E2, not even an admin: \(d.message)")
        }
    }

    // MARK: targets

    /// One sales plan per person (or team) and period, as there is one budget per team, category and year:
    /// a second one is refused, not silently added to the first.
    @Test func oneTargetPerPersonAndPeriod() throws {
        let h = try ManagementRuleTests.organisation()
        h.interp.ctx.user = "wang.wei"
        try h.run("add target staff=li.na period=2026-12 revenue=500k")
        #expect(h.refuses("add target staff=li.na period=2026-12 revenue=300k"), "a second 2026-12 target for li.na was accepted")
        try h.run("add target team=north period=2026-12 revenue=2m")
        #expect(h.refuses("add target team=north period=2026-12 revenue=1m"), "a second 2026-12 target for north was accepted")
    }

    // MARK: settings

    /// A setting the rules read is checked when it is made, as discount_limit is; a misspelt name is not
    /// silently kept while the rules go on with the default.
    @Test(arguments: [
        #"add setting appraisal_weights value="abc""#,
        #"add setting appraisal_weights value="50/50""#,
        #"add setting bonus_A value="lots""#,
        #"add setting stale_days value="soon""#,
        #"add setting complaint_days value="-3""#,
        #"add setting budget_alert value="high""#,
        #"add setting apprasial_weights value="10/10/80""#,
    ])
    func settingsAreChecked(_ statement: String) throws {
        let h = try ManagementRuleTests.organisation()
        h.interp.ctx.user = "ad.min"
        #expect(h.refuses(statement), "accepted: \(statement)")
    }

    @Test func goodSettingsAreAccepted() throws {
        let h = try ManagementRuleTests.organisation()
        h.interp.ctx.user = "ad.min"
        try h.run(#"add setting appraisal_weights value="30/40/30"; add setting bonus_A value=12000; add setting stale_days value=30"#)
        try h.run(#"add setting budget_alert value=85%; add setting complaint_days value=3; add setting discount_limit value=15%"#)
        #expect(try h.count("settings") == 6)
    }
}

extension Harness {
    /// Whether the statement is refused; a refusal must leave the model as it was. (Unlike `error`, an accepted
    /// statement is not reported here, so the test's own expectation says what went wrong, briefly.)
    func refuses(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Bool {
        let before = snapshot()
        do { try run(text) } catch is Diagnostic {
            #expect(snapshot() == before, "a refused statement changed the model: \(text)", sourceLocation: sourceLocation)
            return true
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
            return true
        }
        return false
    }
}
