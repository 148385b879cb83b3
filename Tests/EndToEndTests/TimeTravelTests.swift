import Foundation
import Testing

/// `ENTITY as of DATE` answers from the history; each answer must equal the same query on a copy of
/// the store saved on that day. `diff ENTITY since DATE` lists what changed since.
@Suite("time travel: as of and diff")
struct TimeTravelTests {
    let t = TempDir()

    /// Runs statements as admin on a given day.
    func on(_ day: String, _ statements: String) throws {
        let r = try onStore(t, ["-c", statements], user: "admin", env: ["SALESH_TODAY": day])
        guard r.status == 0 else { throw E2EError("on \(day): \(statements)\n\(r)") }
    }

    func query(_ store: String, _ q: String) throws -> String {
        let r = try salesh(["--data", store, "--format", "csv", "-c", q], in: t)
        guard r.status == 0 else { throw E2EError("\(q): \(r)") }
        return r.stdout
    }

    /// Four days of ordinary work, with the store copied at the end of each.
    func history() throws -> [String] {
        try on("2026-06-29", """
            add staff admin name="管理員" role=admin
            add team north name="北區"
            add staff mgr name="李經理" role=manager team=north
            add staff rep1 name="王小明" role=rep team=north manager=mgr
            add staff rep2 name="陳美玲" role=rep team=north manager=mgr
            add customer name="甲公司, 台北" owner=rep1
            add customer name="乙科技" owner=rep2
            add opportunity customer=C1 owner=rep1 title="企業專線, 二期" amount=500k
            add opportunity customer=C2 owner=rep2 title="雲端總機" amount=300k
            add opportunity customer=C1 owner=rep1 title="IoT" amount=200k
            add lead company="丙物流" source=exhibition owner=rep2
            """)
        var days: [String] = []
        func save(_ day: String) throws {
            let copy = t.file("store-\(day)")
            _ = try runProgram("/bin/cp", ["-r", t.store, copy], in: t)
            days.append(day)
        }
        try save("2026-06-29")
        try on("2026-06-30", """
            set O1 amount=650k
            move O1 to needs needs="專線頻寬與備援"
            delete O3
            add opportunity customer=C2 owner=rep2 title="5G 專網" amount=1.2m
            set C1 industry=manufacturing
            """)
        try save("2026-06-30")
        try on("2026-07-02", """
            set O2 title="雲端總機 擴容" amount=350k
            lose O2 reason="價格"
            move L1 to screening
            set O4 owner=rep1
            """)
        try save("2026-07-02")
        try on("2026-07-03", "reopen O2\nset O1 amount=700k\nadd opportunity customer=C1 owner=rep1 title=\"MPLS VPN\" amount=250k")
        return days
    }

    static let views = [
        "opportunities | select id, title, customer, owner, stage, amount, probability, needs, lost_reason, created, closed | sort id",
        "customers | select id, name, industry, owner | sort id",
        "leads | select id, company, source, owner, status | sort id",
        "opportunities | group stage | agg count() as n, sum(amount) as total | sort stage",
    ]

    @Test func asOfEqualsTheStoreSavedThatDay() throws {
        let days = try history()
        for day in days {
            for v in Self.views {
                let (entity, rest) = (String(v.prefix { $0 != " " }), String(v.drop { $0 != " " }))
                let then = try query(t.file("store-\(day)"), v)
                let asOf = try query(t.store, "\(entity) as of \(day)\(rest)")
                #expect(asOf == then, "\(entity) as of \(day):\n\(asOf)\nthe store saved that day:\n\(then)")
            }
        }
        // Today is today.
        #expect(try query(t.store, "opportunities as of 2026-07-03 | count") == "4\n")
        #expect(try query(t.store, "opportunities as of 2026-06-28 | count") == "0\n")
    }

    @Test func diffSinceListsCreatedChangedDeleted() throws {
        _ = try history()
        let d = try query(t.store, "diff opportunities since 2026-06-29 | select record, action, field, old, new, by")
        let rows = parseCSV(d).dropFirst().filter { $0 != [""] }
        #expect(rows.contains(["O1", "changed", "amount", "500000.00", "700000.00", "admin"]), "\(d)")
        #expect(rows.contains { $0[0] == "O1" && $0[2] == "stage" && $0[3] == "qualified" && $0[4] == "needs" }, "\(d)")
        #expect(rows.contains { $0[0] == "O3" && $0[1] == "deleted" && $0[3].contains("title=IoT") }, "\(d)")
        #expect(rows.contains { $0[0] == "O4" && $0[1] == "created" && $0[4].contains("5G 專網") }, "\(d)")
        // O2 was lost and reopened: its stage is back where it was, so only its title and amount differ.
        #expect(!rows.contains { $0[0] == "O2" && $0[2] == "stage" }, "\(d)")
        #expect(rows.contains(["O2", "changed", "amount", "300000.00", "350000.00", "admin"]), "\(d)")
        let filtered = try query(t.store, "diff customers since 2026-06-29 | where field = industry | select record, new")
        #expect(filtered == "record,new\nC1,manufacturing\n", "\(filtered)")
        let bad = try onStore(t, ["-c", "opportunities as of someday | count"])
        #expect(bad.status == 2 && bad.stderr.contains("expected date, found 'someday'") && bad.stderr.contains("-c:1:21"), "\(bad)")
    }
}
