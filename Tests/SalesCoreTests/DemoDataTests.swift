import Testing
@testable import SalesCore

@Suite("Demo data")
struct DemoDataTests {
    static func demo(_ n: Int = 60, today: Day = testToday) -> Model {
        let m = Model()
        DemoData(opportunities: n, today: today).generate(into: m)
        return m
    }

    @Test func sameTodayGivesTheSameRecords() {
        let a = DemoDataTests.demo(), b = DemoDataTests.demo()
        #expect(fingerprint(a) == fingerprint(b))
        #expect(a.table("opportunity").count == 60)
    }

    @Test func anotherTodayMovesTheData() {
        let a = DemoDataTests.demo(), b = DemoDataTests.demo(today: Day(year: 2025, month: 6, day: 30)!)
        #expect(fingerprint(a) != fingerprint(b))
    }

    @Test(arguments: [1, 60, 250])
    func everyRecordPassesValidation(_ n: Int) {
        let model = DemoDataTests.demo(n)
        let m = Mutation(model: model, user: "admin", today: testToday)
        var checked = 0
        for t in model.tables where !t.schema.system {
            for r in t.allRecords {
                do { try m.validate(r, entity: t.entityIndex) } catch {
                    Issue.record("\(t.schema.name) \(r.id): \(error)")
                }
                checked += 1
            }
        }
        #expect(checked > n)
        #expect(model.table("opportunity").count == n)
    }

    /// At the default scale (what `salesh demo` and `scripts/run` make) every value occurs.
    @Test func coversEveryRoleStageStatusAndSource() {
        let model = DemoDataTests.demo(600)
        func distinct(_ entity: String, _ field: String) -> Set<String> {
            let t = model.table(entity), fi = t.schema.fieldIndex(field)!
            return Set(t.allRecords.compactMap { $0.values[fi].textValue })
        }
        #expect(distinct("staff", "role") == Set(Enums.role.names))
        #expect(distinct("opportunity", "stage") == Set(Enums.stage.names))
        #expect(distinct("lead", "status") == Set(Enums.leadStatus.names))
        #expect(distinct("lead", "source") == Set(Enums.leadSource.names))
        #expect(model.table("team").count == 4)
        #expect(model.table("product").count == 10)
        #expect(model.table("customer").count >= 40)
    }

    @Test func opportunitiesAreConsistentWithTheirStage() {
        let model = DemoDataTests.demo(120)
        let t = model.table("opportunity"), s = t.schema
        let stage = s.fieldIndex("stage")!, prob = s.fieldIndex("probability")!, closed = s.fieldIndex("closed")!
        let reason = s.fieldIndex("lost_reason")!, created = s.fieldIndex("created")!
        for r in t.allRecords {
            guard case .text(let st) = r.values[stage] else { Issue.record("\(r.id) has no stage"); continue }
            #expect(r.values[prob] == .percent(Percent(whole: stageProbability[st]!)), "\(r.id) \(st)")
            let isClosed = st == "won" || st == "lost"
            #expect(r.values[closed].isNull == !isClosed, "\(r.id) \(st) closed=\(r.values[closed])")
            #expect(r.values[reason].isNull == (st != "lost"), "\(r.id)")
            if case .date(let c) = r.values[closed], case .date(let made) = r.values[created] {
                #expect(made <= c && c <= testToday, "\(r.id) created \(made) closed \(c)")
            }
            if case .date(let made) = r.values[created] { #expect(made <= testToday) }
        }
    }

    /// The history the generator writes is a legal walk through the lifecycle, ending in the current stage.
    @Test func stageHistoryFollowsTheLifecycle() {
        let model = DemoDataTests.demo(120)
        let t = model.table("opportunity")
        let sm = t.schema.stateMachine!
        var last: [String: String] = [:]
        var lastTime: [String: Int64] = [:]
        for h in model.history.allRecords where h.values[3] == .text("opportunity") {
            guard case .text(let id) = h.values[4], case .timestamp(let at) = h.values[0] else { continue }
            #expect(at.millis >= lastTime[id, default: .min], "\(id): history out of order")
            lastTime[id] = at.millis
            if h.values[2] == .text("create") { last[id] = "qualified"; continue }
            guard h.values[5] == .text("stage"), case .text(let old) = h.values[6], case .text(let new) = h.values[7] else { continue }
            #expect(last[id] == old, "\(id): moved from \(old) but was \(last[id] ?? "?")")
            #expect(sm.transitions[old]?.contains(new) == true, "\(id): \(old) → \(new) is not a legal move")
            last[id] = new
        }
        let si = t.schema.stateIndex!
        for r in t.allRecords { #expect(last[r.id] == r.values[si].textValue, "\(r.id)") }
    }

    /// A converted lead points at the customer and the opportunity its conversion made or linked,
    /// as `convert` leaves them: the opportunity belongs to that customer and names the lead.
    @Test func convertedLeadsPointAtTheirOwnOpportunity() {
        let model = DemoDataTests.demo()
        let leads = model.table("lead"), opps = model.table("opportunity")
        let ls = leads.schema, os = opps.schema
        var bad: [String] = []
        var converted = 0
        for l in leads.allRecords where l.values[ls.fieldIndex("status")!] == .text("converted") {
            converted += 1
            guard case .text(let c) = l.values[ls.fieldIndex("customer")!], case .text(let o) = l.values[ls.fieldIndex("opportunity")!],
                  let opp = opps.record(o) else { bad.append("\(l.id): no customer/opportunity"); continue }
            if opp.values[os.fieldIndex("customer")!] != .text(c) || opp.values[os.fieldIndex("lead")!] != .text(l.id) {
                bad.append("\(l.id) → \(c), \(o) (whose customer is \(opp.values[os.fieldIndex("customer")!].display), lead \(opp.values[os.fieldIndex("lead")!].display))")
            }
        }
        #expect(converted > 0)
        #expect(bad.isEmpty, "converted leads whose opportunity is not theirs: \(bad.prefix(5).joined(separator: "; "))")
    }

    @Test func historyIsKeptForEveryRecord() {
        let model = DemoDataTests.demo()
        var created = Set<String>()
        for h in model.history.allRecords where h.values[2] == .text("create") { created.insert(h.values[4].display) }
        for name in ["customer", "opportunity", "lead"] {
            for id in model.table(name).ids { #expect(created.contains(id), "\(id) has no create row") }
        }
    }
}
