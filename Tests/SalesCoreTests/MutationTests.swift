import Testing
@testable import SalesCore

@Suite("Mutation rules")
struct MutationRuleTests {
    @Test func createFillsDefaultsAndNumbersIds() throws {
        let w = try World.organisation()
        #expect(w.table("customer").nextNumber == 2)
        let o1 = try w.addOpportunity()
        let o2 = try w.addOpportunity("SD-WAN")
        #expect(o1 == "O1")
        #expect(o2 == "O2")
        #expect(w.value("O1", "stage") == .t("qualified"))
        #expect(w.value("O1", "probability") == .pct(10))
        #expect(w.value("O1", "created") == .date(testToday))
        #expect(w.value("O1", "closed") == .null)
        #expect(w.value("li.na", "active") == .bool(true))
        #expect(w.value("C1", "created") == .date(testToday))
        // A prefixed id is found without naming its entity; keys are found too.
        #expect(w.model.find("O2")?.table.schema.name == "opportunity")
        #expect(w.model.find("li.na")?.table.schema.name == "staff")
        #expect(w.model.find("north")?.table.schema.name == "team")
        #expect(w.model.find("O3") == nil)
    }

    @Test func probabilityGivenOnCreateIsKept() throws {
        let w = try World.organisation()
        let id = try w.addOpportunity(extra: ["probability": .pct(25)])
        #expect(w.value(id, "probability") == .pct(25))
    }

    @Test func requiredFieldMissing() throws {
        let w = try World.organisation()
        let err = w.failure { m in
            try m.create(entity: w.e("opportunity"), id: nil, values: w.values("opportunity", ["customer": .t("C1"), "owner": .t("li.na")]))
        }
        #expect(err?.message == "a new opportunity needs title (標題)")
        #expect(err?.field == "title")
        // The number was not used up.
        #expect(w.table("opportunity").nextNumber == 1)
        #expect(try w.addOpportunity() == "O1")
    }

    @Test func requiredFieldSetToNothing() throws {
        let w = try World.organisation()
        let err = w.failure { m in try m.update(entity: w.e("customer"), id: "C1", values: [(w.f("customer", "name"), .null)]) }
        #expect(err?.field == "name")
        #expect(w.value("C1", "name") == .t("台北銀行"))
    }

    @Test func keyedRecordsNeedAValidUnusedKey() throws {
        let w = try World.organisation()
        #expect(w.failure { m in try m.create(entity: w.e("staff"), id: nil, values: w.values("staff", ["name": .t("x"), "role": .t("rep")])) }?
            .message.contains("needs an id") == true)
        #expect(w.failure { m in try m.create(entity: w.e("staff"), id: "li.na", values: w.values("staff", ["name": .t("x"), "role": .t("rep")])) }?
            .message == "li.na already exists (a staff)")
        #expect(w.failure { m in try m.create(entity: w.e("team"), id: "li.na", values: w.values("team", ["name": .t("x")])) }?
            .message == "li.na already exists (a staff)")
        #expect(w.failure { m in try m.create(entity: w.e("product"), id: "O12", values: w.values("product", ["name": .t("x")])) }?
            .message.contains("looks like a numbered record id") == true)
        #expect(w.failure { m in try m.create(entity: w.e("product"), id: "bad key", values: w.values("product", ["name": .t("x")])) }?
            .message.contains("is not a valid product id") == true)
        #expect(w.failure { m in try m.create(entity: w.e("customer"), id: "C9", values: w.values("customer", ["name": .t("x")])) }?
            .message.contains("numbered automatically") == true)
        // Codes such as FIBER-1G and Chinese keys are fine.
        try w.add("product", "FIBER-1G", ["name": .t("企業光纖專線 1G"), "unit_price": .yuan(180_000)])
        try w.add("team", "東區", ["name": .t("東區業務部")])
        #expect(w.model.find("FIBER-1G") != nil && w.model.find("東區") != nil)
    }

    @Test func referenceMustExist() throws {
        let w = try World.organisation()
        let err = w.failure { m in
            try m.create(entity: w.e("opportunity"), id: nil, values: w.values("opportunity", ["title": .t("x"), "customer": .t("C1"), "owner": .t("li.nna")]))
        }
        #expect(err?.message == "owner: there is no staff 'li.nna'")
        #expect(err?.field == "owner")
        #expect(err?.hint == "did you mean 'li.na'?")
        let err2 = w.failure { m in try m.update(entity: w.e("opportunity"), id: "O1", values: []) }
        #expect(err2?.message == "no opportunity O1")
        let err3 = w.failure { m in
            try m.create(entity: w.e("opportunity"), id: nil, values: w.values("opportunity", ["title": .t("x"), "customer": .t("C7"), "owner": .t("li.na")]))
        }
        #expect(err3?.message == "customer: there is no customer 'C7'")
    }

    @Test("ranges", arguments: [
        ("lead", "score", Value.int(101), false),
        ("lead", "score", .int(-1), false),
        ("lead", "score", .int(100), true),
        ("lead", "score", .int(0), true),
        ("opportunity", "probability", .pct(120), false),
        ("opportunity", "probability", .percent(Percent(basisPoints: 10_001)), false),
        ("opportunity", "probability", .pct(-1), false),
        ("opportunity", "probability", .pct(100), true),
        ("opportunity", "amount", .money(Money(minor: -1)), false),
        ("opportunity", "amount", .money(Money(minor: 0)), true),
        ("customer", "credit_limit", .yuan(-500), false),
    ])
    func ranges(_ entity: String, _ field: String, _ value: Value, _ ok: Bool) throws {
        let w = try World.organisation()
        var base: [(field: Int, value: Value)]
        switch entity {
        case "lead": base = w.values("lead", ["company": .t("宏達電"), "source": .t("online")])
        case "opportunity": base = w.values("opportunity", ["title": .t("x"), "customer": .t("C1"), "owner": .t("li.na")])
        default: base = w.values("customer", ["name": .t("x")])
        }
        base.append((w.f(entity, field), value))
        if ok {
            let id = try w.change { m in try m.create(entity: w.e(entity), id: nil, values: base) }
            #expect(w.value(id, field) == value)
        } else {
            let err = w.failure { m in try m.create(entity: w.e(entity), id: nil, values: base) }
            #expect(err?.field == field)
            // Open-ended ranges (money) say "cannot be below"; bounded ones give both ends.
            #expect(err?.message.hasPrefix("\(field) must be between") == true || err?.message.hasPrefix("\(field) cannot be below") == true, "\(String(describing: err))")
        }
    }

    @Test func rangeMessages() throws {
        let w = try World.organisation()
        let err = w.failure { m in
            try m.create(entity: w.e("lead"), id: nil, values: w.values("lead", ["company": .t("x"), "source": .t("online"), "score": .int(101)]))
        }
        #expect(err?.message == "score must be between 0 and 100, not 101")
        let err2 = w.failure { m in
            try m.create(entity: w.e("opportunity"), id: nil, values: w.values("opportunity", ["title": .t("x"), "customer": .t("C1"), "owner": .t("li.na"), "probability": .pct(120)]))
        }
        #expect(err2?.message == "probability must be between 0% and 100%, not 120%")
    }

    @Test func ownersMustHoldTheRightRole() throws {
        let w = try World.organisation()
        let err = w.failure { m in
            try m.create(entity: w.e("opportunity"), id: nil, values: w.values("opportunity", ["title": .t("x"), "customer": .t("C1"), "owner": .t("chen.jie")]))
        }
        #expect(err?.message == "owner chen.jie is a presales; it must be a rep or manager")
        let err2 = w.failure { m in
            try m.create(entity: w.e("opportunity"), id: nil, values: w.values("opportunity", ["title": .t("x"), "customer": .t("C1"), "owner": .t("li.na"), "presales": .t("zhang.san")]))
        }
        #expect(err2?.message.contains("presales zhang.san is a rep") == true)
        _ = try w.addOpportunity(extra: ["presales": .t("chen.jie")])
        let err3 = w.failure { m in
            try m.create(entity: w.e("lead"), id: nil, values: w.values("lead", ["company": .t("x"), "source": .t("online"), "owner": .t("admin")]))
        }
        #expect(err3?.message.contains("owner admin is a admin") == true)
    }

    @Test func reportingLineHasNoCycle() throws {
        let w = try World.organisation()
        // wang.wei manages li.na; making li.na wang.wei's superior closes a loop.
        let err = w.failure { m in try m.update(entity: w.e("staff"), id: "wang.wei", values: [(w.f("staff", "manager"), .t("li.na"))]) }
        #expect(err?.message == "reporting-line cycle: wang.wei → li.na → wang.wei")
        let err2 = w.failure { m in try m.update(entity: w.e("staff"), id: "li.na", values: [(w.f("staff", "manager"), .t("li.na"))]) }
        #expect(err2?.message.contains("reporting-line cycle") == true)
        // A longer loop: admin → zhang.san → wang.wei → admin.
        try w.set("wang.wei", ["manager": .t("admin")])
        let err3 = w.failure { m in try m.update(entity: w.e("staff"), id: "admin", values: [(w.f("staff", "manager"), .t("zhang.san"))]) }
        #expect(err3?.message == "reporting-line cycle: admin → zhang.san → wang.wei → admin")
        // A chain without a loop is fine.
        try w.set("admin", ["manager": .null])
        try w.set("zhang.san", ["manager": .t("li.na")])
        #expect(w.value("zhang.san", "manager") == .t("li.na"))
    }

    @Test func lifecycleFieldsAndSystemFieldsAreGuarded() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        let err = w.failure { m in try m.update(entity: w.e("opportunity"), id: o, values: [(w.f("opportunity", "stage"), .t("won"))]) }
        #expect(err?.message.contains("changes only through the lifecycle") == true)
        let err2 = w.failure { m in try m.update(entity: w.e("opportunity"), id: o, values: [(w.f("opportunity", "closed"), .date(testToday))], allowSystem: false) }
        #expect(err2?.message.contains("kept by the rules") == true)
        let err3 = w.failure { m in
            try m.create(entity: w.e("opportunity"), id: nil, values: w.values("opportunity", ["title": .t("x"), "customer": .t("C1"), "owner": .t("li.na"), "stage": .t("won")]))
        }
        #expect(err3?.message.contains("start as qualified") == true)
        let err4 = w.failure { m in try m.create(entity: w.e("history"), id: nil, values: []) }
        #expect(err4 != nil)
    }
}

@Suite("Opportunity lifecycle")
struct OpportunityLifecycleTests {
    @Test func movesForwardOneStepAtATime() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        let skip = w.failure { m in try m.move(entity: w.e("opportunity"), id: o, to: "proposal", values: []) }
        #expect(skip?.message == "O1 cannot move from qualified to proposal; from qualified it can move to needs or lost")
        let win = w.failure { m in try m.move(entity: w.e("opportunity"), id: o, to: "won", values: [], verb: "win") }
        #expect(win?.message.contains("cannot move from qualified to won") == true)
        for (stage, p) in [("needs", Int64(20)), ("proposal", 50), ("negotiation", 75)] {
            try w.advance(o, to: stage)
            #expect(w.value(o, "stage") == .t(stage))
            #expect(w.value(o, "probability") == .pct(p))
            #expect(w.value(o, "closed") == .null)
        }
        let back = w.failure { m in try m.move(entity: w.e("opportunity"), id: o, to: "needs", values: []) }
        #expect(back?.hint == "to go back, reopen it: reopen O1 to needs")
        let same = w.failure { m in try m.move(entity: w.e("opportunity"), id: o, to: "negotiation", values: []) }
        #expect(same?.message == "O1 is already negotiation")
        // Won only with a signed contract; signing it wins the opportunity.
        let unsigned = w.failure { m in try m.move(entity: w.e("opportunity"), id: o, to: "won", values: [], verb: "win") }
        #expect(unsigned?.message == "O1 cannot be won without a signed contract")
        try w.signContract(for: o)
        #expect(w.value(o, "stage") == .t("won"))
        #expect(w.value(o, "probability") == .pct(100))
        #expect(w.value(o, "closed") == .date(testToday))
        let after = w.failure { m in try m.move(entity: w.e("opportunity"), id: o, to: "lost", values: w.values("opportunity", ["lost_reason": .t("x")])) }
        #expect(after?.message == "O1 cannot move from won to lost: won is final")
        #expect(after?.hint == "reopen O1 first")
    }

    @Test func wonOnlyFromNegotiation() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        for stage in ["needs", "proposal"] {
            try w.advance(o, to: stage)
            #expect(w.failure { m in try m.move(entity: w.e("opportunity"), id: o, to: "won", values: [], verb: "win") } != nil)
        }
        // A contract is signed only while its opportunity is in negotiation.
        let k = try w.draftContract(for: o)
        let early = w.failure { m in try m.move(entity: w.e("contract"), id: k, to: "signed", values: []) }
        #expect(early?.message == "K1 can be signed only while O1 is in negotiation; it is proposal")
        try w.advance(o, to: "negotiation")
        let unsigned = w.failure { m in try m.move(entity: w.e("opportunity"), id: o, to: "won", values: [], verb: "win") }
        #expect(unsigned?.message == "O1 cannot be won without a signed contract")
        #expect(unsigned?.hint == "sign it: move K1 to signed")
        try w.move(k, to: "signed")
        #expect(w.value(o, "stage") == .t("won"))
        #expect(w.value(k, "signed") == .date(testToday))
    }

    @Test func lostNeedsAReason() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        try w.move(o, to: "needs")
        let err = w.failure { m in try m.move(entity: w.e("opportunity"), id: o, to: "lost", values: [], verb: "lose") }
        #expect(err?.message == "O1 needs lost_reason to become lost")
        #expect(err?.hint == "lose O1 reason=\"…\"")
        #expect(err?.field == "lost_reason")
        let empty = w.failure { m in try m.move(entity: w.e("opportunity"), id: o, to: "lost", values: [(w.f("opportunity", "lost_reason"), .null)], verb: "lose") }
        #expect(empty != nil)
        try w.move(o, to: "lost", verb: "lose", ["lost_reason": .t("價格過高")])
        #expect(w.value(o, "stage") == .t("lost"))
        #expect(w.value(o, "lost_reason") == .t("價格過高"))
        #expect(w.value(o, "probability") == .pct(0))
        #expect(w.value(o, "closed") == .date(testToday))
    }

    @Test func lostFromEveryOpenStage() throws {
        let w = try World.organisation()
        let path = ["qualified", "needs", "proposal", "negotiation"]
        for (n, stage) in path.enumerated() {
            let o = try w.addOpportunity("deal \(n)")
            for s in path.dropFirst().prefix(n) { try w.advance(o, to: s) }
            #expect(w.value(o, "stage") == .t(stage))
            try w.move(o, to: "lost", verb: "lose", ["lost_reason": .t("price")])
            #expect(w.value(o, "stage") == .t("lost"))
        }
    }

    @Test func probabilityDefaultsByStageUnlessGiven() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        try w.advance(o, to: "needs", ["probability": .pct(35)])
        #expect(w.value(o, "probability") == .pct(35))
        try w.advance(o, to: "proposal")
        #expect(w.value(o, "probability") == .pct(50))
        try w.advance(o, to: "negotiation", ["probability": .pct(60)])
        #expect(w.value(o, "probability") == .pct(60))
        #expect(stageProbability == ["qualified": 10, "needs": 20, "proposal": 50, "negotiation": 75, "won": 100, "lost": 0])
    }

    @Test func reopenReturnsToTheStageItLeft() throws {
        let w = try World.organisation()
        let won = try w.addOpportunity("won deal")
        for s in ["needs", "proposal", "negotiation"] { try w.advance(won, to: s) }
        try w.signContract(for: won)
        #expect(w.value(won, "stage") == .t("won"))
        try w.reopen(won)
        #expect(w.value(won, "stage") == .t("negotiation"))
        #expect(w.value(won, "probability") == .pct(75))
        #expect(w.value(won, "closed") == .null)

        let lost = try w.addOpportunity("lost deal")
        for s in ["needs", "proposal"] { try w.advance(lost, to: s) }
        try w.move(lost, to: "lost", verb: "lose", ["lost_reason": .t("預算凍結")])
        try w.reopen(lost)
        #expect(w.value(lost, "stage") == .t("proposal"))
        #expect(w.value(lost, "probability") == .pct(50))
        #expect(w.value(lost, "closed") == .null)
        #expect(w.value(lost, "lost_reason") == .null)
        // Lost again, this time from proposal → reopened again to proposal; then forward and won.
        try w.advance(lost, to: "negotiation")
        try w.move(lost, to: "lost", verb: "lose", ["lost_reason": .t("timing")])
        try w.reopen(lost)
        #expect(w.value(lost, "stage") == .t("negotiation"))
    }

    @Test func reopenToAnEarlierStage() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        for s in ["needs", "proposal"] { try w.advance(o, to: s) }
        let noTarget = w.failure { m in try m.reopen(entity: w.e("opportunity"), id: o, to: nil, values: []) }
        #expect(noTarget?.message == "say which state to reopen O1 to: reopen O1 to …")
        let later = w.failure { m in try m.reopen(entity: w.e("opportunity"), id: o, to: "negotiation", values: []) }
        #expect(later?.message == "O1 is proposal; reopen goes back to an earlier state, and negotiation is not earlier")
        let closed = w.failure { m in try m.reopen(entity: w.e("opportunity"), id: o, to: "won", values: []) }
        #expect(closed?.message == "won is not an open state to reopen to")
        try w.reopen(o, to: "needs")
        #expect(w.value(o, "stage") == .t("needs"))
        #expect(w.value(o, "probability") == .pct(20))
        // From a closed stage straight back to the start.
        for s in ["proposal", "negotiation"] { try w.advance(o, to: s) }
        try w.signContract(for: o)
        #expect(w.value(o, "stage") == .t("won"))
        try w.reopen(o, to: "qualified")
        #expect(w.value(o, "stage") == .t("qualified"))
        #expect(w.value(o, "probability") == .pct(10))
        #expect(w.value(o, "closed") == .null)
    }

    @Test func stageMovesAreReadFromHistory() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        try w.move(o, to: "needs")
        try w.move(o, to: "lost", verb: "lose", ["lost_reason": .t("price")])
        let m = Mutation(model: w.model, user: "admin", today: testToday)
        #expect(m.previousState(entity: w.e("opportunity"), id: o, field: "stage", current: "lost") == "needs")
        #expect(m.previousState(entity: w.e("opportunity"), id: o, field: "stage", current: "needs") == "qualified")
        #expect(m.previousState(entity: w.e("opportunity"), id: "O99", field: "stage", current: "lost") == nil)
    }
}

@Suite("Leads and conversion")
struct LeadTests {
    func qualifiedLead(_ w: World, owner: String? = "li.na") throws -> String {
        var fields = w.values("lead", ["company": .t("宏達國際電子"), "contact": .t("陳小姐"), "phone": .t("02-2345-6789"),
                                       "source": .t("exhibition"), "region": .t("north")])
        if let owner { fields.append((w.f("lead", "owner"), .t(owner))) }
        let id = try w.change { m in try m.create(entity: w.e("lead"), id: nil, values: fields) }
        try w.move(id, to: "screening")
        try w.move(id, to: "qualified")
        return id
    }

    @Test func leadLifecycle() throws {
        let w = try World.organisation()
        let l = try w.add("lead", ["company": .t("遠東物流"), "source": .t("referral"), "owner": .t("li.na")])
        #expect(l == "L1")
        #expect(w.value(l, "status") == .t("new"))
        #expect(w.failure { m in try m.move(entity: w.e("lead"), id: l, to: "qualified", values: []) }?.message
            == "L1 cannot move from new to qualified; from new it can move to screening")
        try w.move(l, to: "screening")
        #expect(w.failure { m in try m.move(entity: w.e("lead"), id: l, to: "converted", values: []) }?.message
            == "L1 becomes converted only through `convert`")
        try w.move(l, to: "rejected")
        #expect(w.value(l, "status") == .t("rejected"))
        #expect(w.failure { m in try m.move(entity: w.e("lead"), id: l, to: "qualified", values: []) }?.message.contains("rejected is final") == true)
        try w.reopen(l)
        #expect(w.value(l, "status") == .t("screening"))
        try w.move(l, to: "qualified")
        #expect(w.value(l, "status") == .t("qualified"))
    }

    @Test func convertCreatesACustomerAndAnOpportunity() throws {
        let w = try World.organisation()
        let l = try qualifiedLead(w)
        let r = try w.change { m in
            try m.convertLead(l, opportunity: w.values("opportunity", ["amount": .yuan(800_000)]))
        }
        #expect(r.createdCustomer)
        #expect(r.customer == "C2")
        #expect(r.opportunity == "O1")
        #expect(w.value("C2", "name") == .t("宏達國際電子"))
        #expect(w.value("C2", "owner") == .t("li.na"))
        #expect(w.value("C2", "contact") == .t("陳小姐"))
        #expect(w.value("C2", "phone") == .t("02-2345-6789"))
        #expect(w.value("C2", "region") == .t("north"))
        #expect(w.value("O1", "customer") == .t("C2"))
        #expect(w.value("O1", "lead") == .t(l))
        #expect(w.value("O1", "owner") == .t("li.na"))
        #expect(w.value("O1", "title") == .t("宏達國際電子"))
        #expect(w.value("O1", "source") == .t("exhibition"))
        #expect(w.value("O1", "amount") == .yuan(800_000))
        #expect(w.value("O1", "stage") == .t("qualified"))
        #expect(w.value("O1", "probability") == .pct(10))
        #expect(w.value(l, "status") == .t("converted"))
        #expect(w.value(l, "customer") == .t("C2"))
        #expect(w.value(l, "opportunity") == .t("O1"))
        // Converted is final and cannot be reopened or converted again.
        #expect(w.failure { m in try m.reopen(entity: w.e("lead"), id: l, to: nil, values: []) } != nil)
        #expect(w.failure { m in try m.convertLead(l, opportunity: []) }?.message == "\(l) is converted; only a qualified lead can be converted")
    }

    @Test func convertLinksAnExistingCustomer() throws {
        let w = try World.organisation()
        let l = try qualifiedLead(w)
        let r = try w.change { m in
            try m.convertLead(l, opportunity: w.values("opportunity", ["customer": .t("C1"), "title": .t("5G 專網"), "owner": .t("zhang.san")]))
        }
        #expect(!r.createdCustomer)
        #expect(r.customer == "C1")
        #expect(w.table("customer").count == 1)
        #expect(w.value(r.opportunity, "customer") == .t("C1"))
        #expect(w.value(r.opportunity, "title") == .t("5G 專網"))
        #expect(w.value(r.opportunity, "owner") == .t("zhang.san"))
        #expect(w.value(l, "customer") == .t("C1"))
        #expect(w.value(l, "opportunity") == .t(r.opportunity))
    }

    @Test func convertRefusals() throws {
        let w = try World.organisation()
        let fresh = try w.add("lead", ["company": .t("新光"), "source": .t("online"), "owner": .t("li.na")])
        let notQualified = w.failure { m in try m.convertLead(fresh, opportunity: []) }
        #expect(notQualified?.message == "L1 is new; only a qualified lead can be converted")
        #expect(notQualified?.hint == "move L1 to screening, then to qualified")
        let l = try qualifiedLead(w)
        let missing = w.failure { m in try m.convertLead(l, opportunity: w.values("opportunity", ["customer": .t("C9")])) }
        #expect(missing?.message == "customer: there is no customer 'C9'")
        let noOwner = try qualifiedLead(w, owner: nil)
        let err = w.failure { m in try m.convertLead(noOwner, opportunity: []) }
        #expect(err?.field == "owner")
        // Nothing was half made by the failures above.
        #expect(w.table("customer").count == 1)
        #expect(w.table("opportunity").count == 0)
        #expect(w.table("customer").nextNumber == 2)
        #expect(w.table("opportunity").nextNumber == 1)
        // With an owner given, the ownerless lead converts.
        let r = try w.change { m in try m.convertLead(noOwner, opportunity: w.values("opportunity", ["owner": .t("zhang.san")])) }
        #expect(w.value(r.opportunity, "owner") == .t("zhang.san"))
        #expect(r.customer == "C2" && r.opportunity == "O1")
    }
}

@Suite("Delete, rollback and history")
struct DeleteRollbackHistoryTests {
    @Test func deleteIsRefusedWhileReferenced() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        let err = w.failure { m in try m.delete(entity: w.e("customer"), id: "C1") }
        #expect(err?.message == "C1 cannot be deleted: it is referred to by \(o) (opportunity.customer)")
        #expect(err?.hint == "change or delete those records first")
        let staff = w.failure { m in try m.delete(entity: w.e("staff"), id: "li.na") }
        #expect(staff?.message.contains("C1 (customer.owner)") == true)
        #expect(staff?.message.contains("\(o) (opportunity.owner)") == true)
        let team = w.failure { m in try m.delete(entity: w.e("team"), id: "south") }
        #expect(team?.message == "south cannot be deleted: it is referred to by zhang.san (staff.team)")
        // Once nothing refers to them, they go.
        try w.change { m in try m.delete(entity: w.e("opportunity"), id: o) }
        try w.change { m in try m.delete(entity: w.e("customer"), id: "C1") }
        #expect(w.model.find("C1") == nil)
        #expect(w.model.find(o) == nil)
        #expect(w.failure { m in try m.delete(entity: w.e("customer"), id: "C1") }?.message == "no customer C1")
        // Numbers are not reused after a delete.
        try w.add("customer", ["name": .t("高雄物流")])
        #expect(w.model.find("C2") != nil)
    }

    @Test func deletingTwoThatReferToEachOtherInOneStatement() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        // Opportunity first, then its customer: the second delete sees the first.
        try w.change { m in
            try m.delete(entity: w.e("opportunity"), id: o)
            try m.delete(entity: w.e("customer"), id: "C1")
        }
        #expect(w.table("customer").count == 0)
    }

    @Test func rollbackRestoresEverythingIncludingNextNumbers() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        try w.add("customer", ["name": .t("高雄物流")])
        let before = fingerprint(w.model)
        let historyCount = w.model.history.count
        let m = Mutation(model: w.model, user: "admin", today: testToday)
        let c = try m.create(entity: w.e("customer"), id: nil, values: w.values("customer", ["name": .t("新竹科技")]))
        #expect(c == "C3")
        _ = try m.create(entity: w.e("customer"), id: nil, values: w.values("customer", ["name": .t("台中精密")]))
        try m.update(entity: w.e("customer"), id: "C1", values: w.values("customer", ["name": .t("改名"), "tier": .t("key")]))
        try m.move(entity: w.e("opportunity"), id: o, to: "needs", values: [])
        _ = try m.create(entity: w.e("opportunity"), id: nil, values: w.values("opportunity", ["title": .t("x"), "customer": .t(c), "owner": .t("li.na")]))
        try m.delete(entity: w.e("customer"), id: "C2")
        #expect(fingerprint(w.model) != before)
        m.rollback()
        #expect(fingerprint(w.model) == before)
        #expect(m.changes.isEmpty)
        #expect(w.table("customer").nextNumber == 3)
        #expect(w.table("opportunity").nextNumber == 2)
        #expect(w.model.history.count == historyCount)
        // The next statement gets the numbers the rolled-back one had taken.
        #expect(try w.add("customer", ["name": .t("新竹科技")]) == "C3")
    }

    @Test func failedValidationUndoesEarlierStepsOfTheStatement() throws {
        let w = try World.organisation()
        let before = fingerprint(w.model)
        let err = w.failure { m in
            _ = try m.create(entity: w.e("customer"), id: nil, values: w.values("customer", ["name": .t("ok")]))
            _ = try m.create(entity: w.e("opportunity"), id: nil, values: w.values("opportunity", ["customer": .t("C2"), "owner": .t("li.na")]))
        }
        #expect(err?.field == "title")
        #expect(fingerprint(w.model) == before)
    }

    @Test func historyRowsRecordWhoWhenAndWhat() throws {
        let w = try World.organisation()
        let o = try w.change(user: "li.na") { m in
            try m.create(entity: w.e("opportunity"), id: nil, values: w.values("opportunity", ["title": .t("5G 專網"), "customer": .t("C1"), "owner": .t("li.na"), "amount": .yuan(1_200_000)]))
        }
        try w.change(user: "wang.wei") { m in try m.update(entity: w.e("opportunity"), id: o, values: w.values("opportunity", ["amount": .yuan(1_350_000)])) }
        try w.move(o, to: "needs")
        try w.change(user: "li.na") { m in try m.delete(entity: w.e("opportunity"), id: o) }
        let rows = w.model.history.allRecords.filter { $0.values[4] == .t(o) }
        #expect(rows.map { $0.values[2] } == [.t("create"), .t("set"), .t("move"), .t("set"), .t("delete")])
        #expect(rows.map { $0.values[1] } == [.t("li.na"), .t("wang.wei"), .t("admin"), .t("admin"), .t("li.na")])
        #expect(rows.allSatisfy { $0.values[3] == .t("opportunity") })
        #expect(rows.allSatisfy { if case .timestamp(let ts) = $0.values[0] { return ts.day == testToday }; return false })
        let h = w.history(of: o)
        #expect(h[0].field == "")
        #expect(h[0].new.display.hasPrefix("title=5G 專網, customer=C1, owner=li.na, stage=qualified, amount=1,200,000.00, probability=10%"))
        #expect(h[1].field == "amount" && h[1].old == .yuan(1_200_000) && h[1].new == .yuan(1_350_000))
        #expect(h[2].field == "stage" && h[2].old == .t("qualified") && h[2].new == .t("needs"))
        #expect(h[3].field == "probability" && h[3].old == .pct(10) && h[3].new == .pct(20))
        #expect(h[4].old.display.hasPrefix("title=5G 專網") && h[4].new == .null)
        // History ids are numbered like other records.
        #expect(w.model.history.ids.prefix(3) == ["H1", "H2", "H3"])
        // An update to the same value is no change at all.
        let c = w.model.history.count
        try w.set("C1", ["name": .t("台北銀行")])
        #expect(w.model.history.count == c)
    }

    @Test func historyCannotBeChanged() throws {
        let w = try World.organisation()
        let hid = w.model.history.ids[0]
        #expect(w.failure { m in try m.delete(entity: w.model.historyIndex, id: hid) } != nil)
        #expect(w.failure { m in try m.update(entity: w.model.historyIndex, id: hid, values: [(1, .t("x"))]) } != nil)
    }

    /// What a statement knows of each record it touched (was it new, what did it change, what was it
    /// before) follows its changes, and forgets those a partial rollback takes back: a bad row of an import.
    @Test func recordsChangesFollowPartialRollbacks() throws {
        let w = try World.organisation()
        let m = Mutation(model: w.model, user: "admin", today: testToday)
        let e = w.e("customer"), name = w.f("customer", "name"), region = w.f("customer", "region")
        try m.update(entity: e, id: "C1", values: [(name, .t("甲銀行"))])
        let c2 = try m.create(entity: e, id: nil, values: w.values("customer", ["name": .t("乙公司"), "region": .t("south"), "owner": .t("zhang.san")]))
        try m.update(entity: e, id: "C1", values: [(region, .t("south"))])
        let mark = m.changes.count
        try m.update(entity: e, id: "C1", values: [(name, .t("丙銀行"))])
        try m.update(entity: e, id: c2, values: [(name, .t("丁公司"))])
        #expect(m.created(entity: e, id: c2) && !m.created(entity: e, id: "C1"))
        #expect(m.changedFields(entity: e, id: "C1") == [name, region])
        #expect(m.original(entity: e, id: "C1")?.values[name] == .t("台北銀行"))
        #expect(m.original(entity: e, id: "C1")?.values[region] == .t("north"))

        m.rollback(to: mark)
        #expect(w.value("C1", "name") == .t("甲銀行"))
        #expect(w.value(c2, "name") == .t("乙公司"))
        #expect(m.original(entity: e, id: "C1")?.values[name] == .t("台北銀行"))
        #expect(m.changedFields(entity: e, id: "C1") == [name, region])

        m.rollback(to: 1)
        #expect(!m.created(entity: e, id: c2))
        #expect(m.changedFields(entity: e, id: c2).isEmpty)
        #expect(m.changedFields(entity: e, id: "C1") == [name])
        #expect(m.original(entity: e, id: "C1")?.values[region] == .t("north"))

        m.rollback()
        #expect(m.changedFields(entity: e, id: "C1").isEmpty)
        #expect(w.value("C1", "name") == .t("台北銀行"))
        // Made again after the rollback, the record is new to the statement once more.
        let again = try m.create(entity: e, id: nil, values: w.values("customer", ["name": .t("戊公司"), "region": .t("east"), "owner": .t("li.na")]))
        #expect(again == c2 && m.created(entity: e, id: again))
    }
}

/// A record made in place (an import's row): its values go into the table as they are, the change
/// keeps its id alone, and everything that reads a new record's values reads them from the table.
@Suite("records made in place")
struct CreatedInPlaceTests {
    /// An opportunity's values as an import's row makes them: the defaults, then the given fields.
    static func prepared(_ w: World, _ m: Mutation, title: String, owner: String = "li.na") -> [Value] {
        let e = w.e("opportunity")
        var values = m.newRecordValues(entity: e)
        values[w.f("opportunity", "title")] = .text(title)
        values[w.f("opportunity", "customer")] = .text("C1")
        values[w.f("opportunity", "owner")] = .text(owner)
        values[w.f("opportunity", "amount")] = .money(Money(minor: 12_345_00))
        return values
    }

    @Test func madeInPlaceKeepsOnlyTheIdAndReadsAsACreate() throws {
        let w = try World.organisation()
        let e = w.e("opportunity")
        let m = Mutation(model: w.model, user: "admin", today: w.today)
        let values = Self.prepared(w, m, title: "5G 專網")
        let id = try m.create(entity: e, id: nil, prepared: values)
        try m.validate(from: 0, created: values)
        guard case .created(e, id)? = m.changes.first else { Issue.record("not made in place: \(m.changes)"); return }
        #expect(m.changes.count == 1 && m.changes[0].isCreate && m.changes[0].recordID == id)
        #expect(w.value(id, "title") == .text("5G 專網") && w.value(id, "stage") == .text("qualified"))
        #expect(m.created(entity: e, id: id))
        #expect(m.changedFields(entity: e, id: id) == Set(values.indices.filter { !values[$0].isNull }))
        // Given its values, as a journal entry and a history summary want it.
        let tx = m.transaction(at: Timestamp(millis: 1)).materialized(in: w.model)
        guard case .create(e, let r)? = tx.changes.first else { Issue.record("not materialized: \(tx.changes)"); return }
        #expect(r.id == id && r.values == values)
    }

    @Test func aRefusedRecordMadeInPlaceIsTakenBackWithItsNumber() throws {
        let w = try World.organisation()
        let e = w.e("opportunity"), before = w.table("opportunity").count, next = w.table("opportunity").nextNumber
        let m = Mutation(model: w.model, user: "admin", today: w.today)
        let good = Self.prepared(w, m, title: "留下")
        let kept = try m.create(entity: e, id: nil, prepared: good)
        try m.validate(from: 0, created: good)
        // A presales engineer cannot own an opportunity (`ownerHasRole`): checked on the values given.
        let mark = m.changes.count
        let bad = Self.prepared(w, m, title: "退回", owner: "chen.jie")
        let refused = try m.create(entity: e, id: nil, prepared: bad)
        #expect(throws: DomainError.self) { try m.validate(from: mark, created: bad) }
        m.rollback(to: mark)
        #expect(w.model.find(refused) == nil && w.model.find(kept) != nil)
        #expect(w.table("opportunity").nextNumber == next + 1, "the refused record's number is given again")
        m.rollback()
        #expect(w.table("opportunity").count == before && w.table("opportunity").nextNumber == next)
    }
}
