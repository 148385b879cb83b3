import Testing
@testable import SalesCore

/// The rules of chapter 3 at the model level; the golden scripts in Golden/process show them through the language.
@Suite("Sales process rules (chapter 3)")
struct SalesProcessTests {
    func moveFails(_ w: World, _ id: String, to state: String, user: String = "admin", verb: String = "move",
                   _ fields: KeyValuePairs<String, Value> = [:], sourceLocation: SourceLocation = #_sourceLocation) -> DomainError? {
        let t = w.model.find(id)!.table
        return w.failure(user: user, sourceLocation: sourceLocation) { m in
            try m.move(entity: t.entityIndex, id: id, to: state, values: w.values(t.schema.name, fields), verb: verb)
        }
    }

    func approve(_ w: World, _ id: String, as user: String) throws -> String {
        let hook = try #require(w.schema.entity(named: "negotiation")?.approve)
        return try w.change(user: user) { m in try hook(m, id) }
    }

    @Test func proposalNeedsTheNeedsAnalysis() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        try w.move(o, to: "needs")
        let err = moveFails(w, o, to: "proposal")
        #expect(err?.message == "O1 needs needs to become proposal")
        #expect(err?.field == "needs")
        // Given as nothing in the move, it is still missing.
        #expect(moveFails(w, o, to: "proposal", ["needs": .null]) != nil)
        // Given in the move …
        let other = try w.addOpportunity("SD-WAN")
        try w.move(other, to: "needs")
        try w.move(other, to: "proposal", ["needs": .t("據點互聯")])
        #expect(w.value(other, "needs") == .t("據點互聯"))
        // … or already on the record.
        try w.set(o, ["needs": .t("頻寬不足")])
        try w.move(o, to: "proposal")
        #expect(w.value(o, "stage") == .t("proposal"))
    }

    /// Empty text is no needs analysis, no reason, no outcome: a gate is not passed with "".
    @Test func emptyTextDoesNotMeetAGate() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        try w.move(o, to: "needs")
        #expect(moveFails(w, o, to: "proposal", ["needs": .t("")])?.message == "O1 needs needs to become proposal")
        #expect(w.value(o, "stage") == .t("needs"))
        let other = try w.addOpportunity("SD-WAN")
        #expect(moveFails(w, other, to: "lost", verb: "lose", ["lost_reason": .t("")])?.message == "O2 needs lost_reason to become lost")
        #expect(w.value(other, "stage") == .t("qualified"))
    }

    @Test func negotiationNeedsASubmittedOrAcceptedProposal() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        try w.advance(o, to: "needs")
        try w.advance(o, to: "proposal")
        let none = moveFails(w, o, to: "negotiation")
        #expect(none?.message == "O1 needs a submitted or accepted proposal before negotiation")
        #expect(none?.hint == "add proposal opportunity=O1 author=… (a presales engineer)")
        let draft = try w.add("proposal", ["opportunity": .t(o), "author": .t("chen.jie")])
        let onlyDraft = moveFails(w, o, to: "negotiation")
        #expect(onlyDraft?.hint == "submit one: move \(draft) to submitted")
        try w.set(draft, ["product_intro": .t("a"), "technical_plan": .t("b"), "implementation_plan": .t("c"),
                          "after_sales": .t("d"), "price": .yuan(1_000_000)])
        try w.move(draft, to: "submitted")
        try w.move(draft, to: "accepted")
        try w.move(o, to: "negotiation")
        #expect(w.value(o, "stage") == .t("negotiation"))
    }

    @Test func proposalsArePresalesWorkWithFourSectionsAndAPrice() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        let rep = w.failure { m in
            try m.create(entity: w.e("proposal"), id: nil, values: w.values("proposal", ["opportunity": .t(o), "author": .t("li.na")]))
        }
        #expect(rep?.message == "author li.na is a rep; it must be a presales")
        #expect(rep?.field == "author")
        let p = try w.add("proposal", ["opportunity": .t(o), "author": .t("chen.jie"), "product_intro": .t("a"), "technical_plan": .t("b"),
                                       "implementation_plan": .t("c"), "after_sales": .t("d")])
        let noPrice = moveFails(w, p, to: "submitted")
        #expect(noPrice?.message == "\(p) needs price to become submitted")
        try w.move(p, to: "submitted", ["price": .yuan(900_000)])
        #expect(w.value(p, "submitted") == .date(testToday))
        #expect(moveFails(w, p, to: "draft")?.message.hasPrefix("\(p) cannot move from submitted to draft") == true)
        try w.move(p, to: "rejected")
        #expect(moveFails(w, p, to: "accepted")?.message == "\(p) cannot move from rejected to accepted: rejected is final")
    }

    @Test func aNewProposalVersionSupersedesTheOpenOnes() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        let other = try w.addOpportunity("SD-WAN")
        let p1 = try w.submitProposal(for: o)
        let q1 = try w.submitProposal(for: other)
        #expect(w.value(p1, "version") == .int(1))
        #expect(w.value(q1, "version") == .int(1))
        let p2 = try w.add("proposal", ["opportunity": .t(o), "author": .t("chen.jie")])
        #expect(w.value(p2, "version") == .int(2))
        #expect(w.value(p1, "status") == .t("superseded"))
        #expect(w.value(q1, "status") == .t("submitted"))   // another opportunity's proposal is untouched
        try w.move(p2, to: "submitted", ["product_intro": .t("a"), "technical_plan": .t("b"), "implementation_plan": .t("c"),
                                         "after_sales": .t("d"), "price": .yuan(1)])
        try w.move(p2, to: "accepted")
        let p3 = try w.add("proposal", ["opportunity": .t(o), "author": .t("chen.jie")])
        #expect(w.value(p3, "version") == .int(3))
        #expect(w.value(p2, "status") == .t("accepted"))     // a decided proposal stays as it was
        #expect(moveFails(w, p1, to: "submitted")?.message == "\(p1) cannot move from superseded to submitted: superseded is final")
        #expect(moveFails(w, p3, to: "superseded")?.message == "\(p3) becomes superseded only when a newer proposal is added")
        // A failed add (wrong author) neither numbers a version nor supersedes anything.
        #expect(w.failure { m in
            try m.create(entity: w.e("proposal"), id: nil, values: w.values("proposal", ["opportunity": .t(o), "author": .t("li.na")]))
        } != nil)
        #expect(w.value(p3, "status") == .t("draft"))
    }

    @Test func aDiscountOverTheLimitNeedsTheOwnersManager() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        for s in ["needs", "proposal", "negotiation"] { try w.advance(o, to: s) }
        let atLimit = try w.add("negotiation", ["opportunity": .t(o), "discount": .pct(20)])
        let over = try w.add("negotiation", ["opportunity": .t(o), "discount": .percent(Percent(basisPoints: 2050))])
        func approval(_ n: String) -> Value {
            let t = w.table("negotiation"), e = t.schema
            return w.model.value(t.record(n)!, e.fieldIndex("approval")!, of: e, today: testToday)
        }
        #expect(approval(atLimit) == .t("not needed"))
        #expect(approval(over) == .t("pending"))
        let k = try w.draftContract(for: o)
        let pending = moveFails(w, k, to: "signed")
        #expect(pending?.message == "\(over) gives a discount of 20.5%, over the 20% limit, and is not approved")
        #expect(pending?.hint == "wang.wei approves it: approve \(over)")
        #expect(throws: DomainError.self) { try approve(w, atLimit, as: "wang.wei") }
        #expect(throws: DomainError.self) { try approve(w, over, as: "li.na") }      // the owner
        #expect(throws: DomainError.self) { try approve(w, over, as: "zhang.san") }  // not the owner's manager
        #expect(approval(over) == .t("pending"))
        #expect(try approve(w, over, as: "wang.wei") == "\(over) approved: discount 20.5% by wang.wei")
        #expect(approval(over) == .t("approved"))
        #expect(w.value(over, "approved_by") == .t("wang.wei"))
        // Raising the discount after approval needs approval again.
        try w.set(over, ["discount": .pct(30)])
        #expect(approval(over) == .t("pending"))
        // The limit is a setting.
        try w.add("setting", "discount_limit", ["value": .t("30%")])
        #expect(approval(over) == .t("not needed"))
        try w.move(k, to: "signed")
        #expect(w.value(o, "stage") == .t("won"))
    }

    @Test func contractTotalIsTheSumOfItsLines() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        let k = try w.add("contract", ["opportunity": .t(o)])
        #expect(w.value(k, "customer") == .t("C1"))      // from the opportunity
        #expect(w.value(k, "title") == .t("5G 專網"))
        let l1 = try w.add("contract_line", ["contract": .t(k), "product": .t("CPE-5G"), "quantity": .int(2)])
        #expect(w.value(l1, "unit_price") == .yuan(180_000))   // the product's price
        #expect(w.value(l1, "discount") == .pct(0))
        try w.add("contract_line", ["contract": .t(k), "product": .t("CPE-5G"), "quantity": .int(3),
                                    "unit_price": .money(Money(minor: 33_333)), "discount": .pct(15)])
        let t = w.table("contract"), e = t.schema
        let total = w.model.value(t.record(k)!, e.fieldIndex("total")!, of: e, today: testToday)
        // 2 × 180,000.00 + 3 × 333.33 less 15 % (849.9915 → 849.99)
        #expect(total == .money(Money(minor: 36_000_000 + 84_999)))
        let set = w.failure { m in try m.update(entity: w.e("contract"), id: k, values: [(w.f("contract", "total"), .yuan(1))]) }
        #expect(set?.message == "total is computed and cannot be set")
        let create = w.failure { m in
            try m.create(entity: w.e("contract"), id: nil, values: w.values("contract", ["opportunity": .t(o), "total": .yuan(1)]))
        }
        #expect(create?.message == "total is computed and cannot be set")
    }

    @Test func signingWinsTheOpportunityAtTheContractTotal() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        for s in ["needs", "proposal", "negotiation"] { try w.advance(o, to: s) }
        let empty = try w.add("contract", ["opportunity": .t(o)])
        let noLines = moveFails(w, empty, to: "signed")
        #expect(noLines?.message == "\(empty) has no lines to sign")
        let k = try w.draftContract(for: o, quantity: 3)
        try w.move(k, to: "signed")
        #expect(w.value(k, "status") == .t("signed"))
        #expect(w.value(k, "signed") == .date(testToday))
        #expect(w.value(o, "stage") == .t("won"))
        #expect(w.value(o, "amount") == .yuan(540_000))
        #expect(w.value(o, "closed") == .date(testToday))
        #expect(w.value(o, "probability") == .pct(100))
        // The lines of a signed contract are fixed: no new line, no change, no removal.
        let add = w.failure { m in
            try m.create(entity: w.e("contract_line"), id: nil,
                         values: w.values("contract_line", ["contract": .t(k), "product": .t("CPE-5G"), "quantity": .int(1)]))
        }
        #expect(add?.message == "\(k) is signed; its lines can change only while it is a draft")
        let line = w.model.records("contract_line", where: "contract", is: k)[0].id
        #expect(w.failure { m in try m.update(entity: w.e("contract_line"), id: line, values: [(w.f("contract_line", "quantity"), .int(9))]) } != nil)
        let delete = w.failure { m in try m.delete(entity: w.e("contract_line"), id: line) }
        #expect(delete?.message == "\(k) is signed; its lines can change only while it is a draft")
    }

    @Test func ordersNeedASignedContractAndDateEachStep() throws {
        let w = try World.organisation()
        let o = try w.addOpportunity()
        for s in ["needs", "proposal", "negotiation"] { try w.advance(o, to: s) }
        let k = try w.draftContract(for: o)
        let unsigned = w.failure { m in
            try m.create(entity: w.e("order"), id: nil, values: w.values("order", ["contract": .t(k)]))
        }
        #expect(unsigned?.message == "an order needs a signed contract; \(k) is draft")
        try w.move(k, to: "signed")
        let r = try w.add("order", ["contract": .t(k)])
        #expect(w.value(r, "status") == .t("submitted"))
        #expect(w.value(r, "submitted") == .date(testToday))
        #expect(moveFails(w, r, to: "shipped")?.message == "\(r) cannot move from submitted to shipped; from submitted it can move to scheduled")
        for (day, state) in ["scheduled", "shipped", "delivered", "closed"].enumerated() {
            w.today = testToday.adding(days: day + 1)
            try w.move(r, to: state)
            #expect(w.value(r, state) == .date(testToday.adding(days: day + 1)), "\(state)")
        }
        #expect(moveFails(w, r, to: "delivered")?.message == "\(r) cannot move from closed to delivered: closed is final")
    }
}
