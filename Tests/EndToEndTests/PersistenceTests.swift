import Foundation
import Testing

@Suite("persistence across processes") struct PersistenceTests {
    /// One row of `history … | select user, action, field, old, new` as CSV.
    struct Change: Equatable, CustomStringConvertible {
        let user, action, field, old, new: String
        var description: String { "\(user) \(action) \(field): \(old) → \(new)" }
    }

    func changes(_ t: TempDir, record: String) throws -> [Change] {
        let out = try ok(t, "history | where record = \(record) | select user, action, field, old, new", format: "csv")
        let rows = parseCSV(out)
        #expect(rows.first == ["user", "action", "field", "old", "new"], "\(out)")
        return rows.dropFirst().filter { $0.count == 5 }.map { Change(user: $0[0], action: $0[1], field: $0[2], old: $0[3], new: $0[4]) }
    }

    @Test("add, move, convert, set and move in separate processes, read back in another")
    func leadToOpportunity() throws {
        let t = TempDir()
        try makeDemoStore(t)
        let historyBefore = try count(t, "history | count")

        // 1: a rep adds a lead in Chinese, with the source given by its Chinese term.
        let lead = try addRecord(t, #"add lead company="台灣大哥大" source=行業展會 owner=hua.lin"#, user: "hua.lin")
        #expect(lead.hasPrefix("L"))
        // 2: a manager screens and qualifies it.
        let moved = try ok(t, "move \(lead) to screening\nmove \(lead) to qualified", user: "xiuying.li")
        #expect(moved.contains("screening") && moved.contains("qualified"), "\(moved)")
        // 3: the rep converts it.
        let conv = try ok(t, #"convert \#(lead) title="5G 專網" amount=1.2m"#, user: "hua.lin")
        guard let opp = capture(#"(O\d+)"#, in: conv), let customer = capture(#"(C\d+)"#, in: conv) else {
            Issue.record("convert should name the new customer and opportunity: \(conv)"); return
        }
        // 4: another user changes the opportunity and moves it on.
        let set = try ok(t, "set \(opp) amount=1.35m expected_close=2026-12-15", user: "wang.wei")
        #expect(set.contains(opp), "\(set)")
        _ = try ok(t, "move \(opp) to needs", user: "wang.wei")

        // 5: read everything back in fresh processes.
        #expect(try field(t, "leads", lead, "company") == "台灣大哥大")
        #expect(try field(t, "leads", lead, "source") == "exhibition")
        #expect(try field(t, "leads", lead, "status") == "converted")
        #expect(try field(t, "leads", lead, "customer") == customer)
        #expect(try field(t, "leads", lead, "opportunity") == opp)
        #expect(try field(t, "customers", customer, "name") == "台灣大哥大")
        #expect(try field(t, "opportunities", opp, "title") == "5G 專網")
        #expect(try field(t, "opportunities", opp, "customer") == customer)
        #expect(try field(t, "opportunities", opp, "stage") == "needs")
        #expect(try field(t, "opportunities", opp, "expected_close") == "2026-12-15")
        let amount = try field(t, "opportunities", opp, "amount").replacingOccurrences(of: ",", with: "")
        #expect(Decimal(string: amount) == Decimal(1_350_000), "amount \(amount)")
        // The stage default: needs is 20 %.
        #expect(try field(t, "opportunities", opp, "probability").hasPrefix("20"))

        // `show` finds the opportunity by its id alone and names the customer.
        let show = try ok(t, "show \(opp)")
        #expect(show.contains(opp) && show.contains("台灣大哥大") && show.contains("5G 專網"), "\(show)")

        // History: who did what to each record.
        let leadChanges = try changes(t, record: lead)
        #expect(leadChanges.first?.user == "hua.lin" && leadChanges.first?.action == "create", "\(leadChanges)")
        #expect(leadChanges.contains(Change(user: "xiuying.li", action: "move", field: "status", old: "new", new: "screening")), "\(leadChanges)")
        #expect(leadChanges.contains(Change(user: "xiuying.li", action: "move", field: "status", old: "screening", new: "qualified")), "\(leadChanges)")
        #expect(leadChanges.contains { $0.user == "hua.lin" && $0.field == "status" && $0.old == "qualified" && $0.new == "converted" },
                "\(leadChanges)")

        let oppChanges = try changes(t, record: opp)
        #expect(oppChanges.first?.action == "create" && oppChanges.first?.user == "hua.lin", "\(oppChanges)")
        #expect(oppChanges.contains { $0.user == "wang.wei" && $0.action == "set" && $0.field == "amount"
                && $0.old.replacingOccurrences(of: ",", with: "").hasPrefix("1200000")
                && $0.new.replacingOccurrences(of: ",", with: "").hasPrefix("1350000") },
                "\(oppChanges)")
        #expect(oppChanges.contains { $0.user == "wang.wei" && $0.field == "expected_close" && $0.new == "2026-12-15" }, "\(oppChanges)")
        #expect(oppChanges.contains(Change(user: "wang.wei", action: "move", field: "stage", old: "qualified", new: "needs")), "\(oppChanges)")

        // The history shown by the query is the history kept: it grew by exactly what happened, and
        // the same query in yet another process gives the same answer.
        let historyAfter = try count(t, "history | count")
        #expect(historyAfter > historyBefore)
        #expect(try changes(t, record: opp) == oppChanges)
        // `at` is when it happened: with SALESH_TODAY pinned, that day.
        let at = try ok(t, "history | where record = \(opp) | select at", format: "csv")
        #expect(parseCSV(at).dropFirst().allSatisfy { $0.first?.hasPrefix(pinnedToday) == true }, "\(at)")
    }

    @Test("SALESH_DATA and SALESH_USER name the store and the user")
    func environmentVariables() throws {
        let t = TempDir()
        try makeDemoStore(t)
        let env = ["SALESH_DATA": t.store, "SALESH_USER": "hua.lin"]
        let r = try salesh(["-c", #"add lead company="遠傳電信" source=referral"#], in: t, env: env)
        #expect(r.status == 0, "\(r)")
        guard let lead = capture(#"added (L\d+)"#, in: r.stdout) else { Issue.record("\(r)"); return }
        let h = try salesh(["--format", "csv", "-c", "history | where record = \(lead) | select user, action"], in: t, env: env)
        #expect(parseCSV(h.stdout).dropFirst().first == ["hua.lin", "create"], "\(h)")
        // Without --data the store is ./sales.db in the working folder, not the one above.
        let other = try salesh(["-c", "leads | where company = \"遠傳電信\" | count"], in: t)
        #expect(other.status == 0, "\(other)")
        #expect(other.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(other)")
        #expect(FileManager.default.fileExists(atPath: t.file("sales.db")))
    }

    @Test("a delete persists and is in the history")
    func deletePersists() throws {
        let t = TempDir()
        try makeDemoStore(t)
        let lead = try addRecord(t, #"add lead company="刪除測試" source=other"#)
        let before = try count(t, "leads | count")
        _ = try ok(t, "delete \(lead)", user: "hua.lin")
        #expect(try count(t, "leads | count") == before - 1)
        #expect(try count(t, "leads | where id = \(lead) | count") == 0)
        let h = try changes(t, record: lead)
        #expect(h.last?.action == "delete" && h.last?.user == "hua.lin", "\(h)")
        // Showing it now is an input error, not a crash.
        let r = try onStore(t, ["-c", "show \(lead)"])
        #expect(r.status == 2, "\(r)")
    }
}
