import Foundation
import Testing

/// Scripts run from cron: exit 0 when all is well, 1 when a check failed (naming its rows), 2 for a
/// mistake in the script, 3 when the store cannot be opened; `--json` for programs; the example
/// scripts in scripts/examples, each tried on a clean store and again after a record trips it.
@Suite("scripting: checks, exit codes, JSON, examples")
struct ScriptingTests {
    let t = TempDir()

    /// scripts/examples, found from this file in the source tree.
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/examples")

    /// A small store on which every example's checks pass: one team, a manager and a rep with a
    /// target for last month, a customer, a fresh opportunity, a recent small claim and a budget.
    func cleanStore() throws {
        try ok(t, """
            add staff admin name="管理員" role=admin
            add team north name="北區"
            add staff mgr name="李經理" role=manager team=north
            add staff rep1 name="王小明" role=rep team=north manager=mgr
            set north manager=mgr
            add customer name="甲公司" owner=rep1
            add opportunity customer=C1 owner=rep1 title="企業專線" amount=500k
            add target staff=rep1 period=2026-10 revenue=1m
            add budget year=2026 team=north category=travel amount=100k
            """, user: "admin")
        try ok(t, "add expense staff=rep1 category=travel amount=800 date=2026-11-24 description=\"計程車\"", user: "rep1")
    }

    func example(_ name: String, _ params: [String] = [], quiet: Bool = true) throws -> RunResult {
        try salesh(["run", Self.examples.appendingPathComponent(name).path, "--data", t.store] + (quiet ? ["--quiet"] : []) + params, in: t)
    }

    @Test func dailyCheckIsSilentWhenCleanAndNamesTheClaimThatTripsIt() throws {
        try cleanStore()
        let clean = try example("daily-check.sales")
        #expect(clean.status == 0, "\(clean)")
        #expect(clean.stdout.isEmpty, "a good day prints nothing under --quiet, so cron sends no mail: \(clean)")
        try ok(t, "set E1 date=2026-11-02", user: "rep1")
        let tripped = try example("daily-check.sales")
        #expect(tripped.status == 1, "\(tripped)")
        #expect(tripped.stdout.contains("1 expense claims have waited more than 7d for approval"))
        #expect(tripped.stdout.contains("E1") && tripped.stdout.contains("計程車"), "the offending row is shown: \(tripped.stdout)")
        #expect(tripped.stdout.contains("checks: 3 passed, 1 failed"))
        // A longer allowance passes again: parameters from the command line.
        #expect(try example("daily-check.sales", ["claim_days=30d"]).status == 0)
    }

    @Test func monthlyKPIWritesMarkdownAndNamesStaffWithoutATarget() throws {
        try cleanStore()
        let clean = try example("monthly-kpi.sales", ["folder=" + t.path], quiet: false)
        #expect(clean.status == 0, "\(clean)")
        let kpi = try String(contentsOfFile: t.file("kpi-2026-10.md"), encoding: .utf8)
        #expect(kpi.contains("| rep1"), "the KPI table in markdown: \(kpi)")
        #expect(clean.stdout.contains("checks: 2 passed, 0 failed"))
        try ok(t, "add staff rep2 name=\"陳新人\" role=rep team=north manager=mgr", user: "admin")
        let tripped = try example("monthly-kpi.sales", ["folder=" + t.path])
        #expect(tripped.status == 1, "\(tripped)")
        #expect(tripped.stdout.contains("1 sales staff have no target for 2026-10"))
        #expect(tripped.stdout.contains("rep2") && tripped.stdout.contains("陳新人"))
        // Another month: its own file; an ill-typed month is refused before anything runs.
        #expect(try example("monthly-kpi.sales", ["folder=" + t.path, "month=2026-09"]).status == 1)
        #expect(FileManager.default.fileExists(atPath: t.file("kpi-2026-09.md")))
        let bad = try example("monthly-kpi.sales", ["month=September"])
        #expect(bad.status == 2 && bad.stderr.contains("parameter month is period"), "\(bad)")
    }

    @Test func budgetCheckTripsWhenAnApprovedClaimUsesTheBudget() throws {
        try cleanStore()
        #expect(try example("budget-check.sales").status == 0)
        let id = try addRecord(t, "add expense staff=rep1 category=travel amount=99.5k date=2026-11-20 description=\"年度差旅\"", user: "rep1")
        // Waiting, it would overrun the budget with the other claim; approved, the budget is over 90 % used.
        let waiting = try example("budget-check.sales")
        #expect(waiting.status == 1 && waiting.stdout.contains("would be overrun"), "\(waiting)")
        try ok(t, "approve \(id)", user: "mgr")
        let tripped = try example("budget-check.sales")
        #expect(tripped.status == 1, "\(tripped)")
        #expect(tripped.stdout.contains("1 budgets for 2026 are more than 90% used") && tripped.stdout.contains("B1"), "\(tripped)")
    }

    /// --json: one document on standard output, whatever else the script prints, parsed by a JSON parser.
    @Test func jsonOutputParses() throws {
        try cleanStore()
        try ok(t, "set E1 date=2026-11-02", user: "rep1")
        let r = try example("daily-check.sales", ["--json"], quiet: false)
        #expect(r.status == 1)
        let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(doc?["passed"] as? Int == 3)
        #expect(doc?["failed"] as? Int == 1)
        let checks = doc?["checks"] as? [[String: Any]] ?? []
        #expect(checks.count == 4)
        let failed = checks.first { $0["passed"] as? Bool == false }
        #expect(failed?["count"] as? Int == 1)
        #expect((failed?["rows"] as? [[String: Any]])?.first?["id"] as? String == "E1")
        #expect((failed?["line"] as? Int ?? 0) > 0)
    }

    /// 0 all well, 1 a check failed, 2 an error in the script (even with failed checks), 3 no store.
    @Test func exitCodes() throws {
        try cleanStore()
        t.write("pass.sales", "check (opportunities | count) = 1\n")
        t.write("fail.sales", "check none (opportunities | select id, title) else \"{count} opportunities\"\nprint \"after\"\n")
        t.write("error.sales", "check (opportunities | count) = 0\nopportunities | where amont > 1\n")
        t.write("syntax.sales", "print \"before\"\nif true {\n  print \"x\"\n")
        #expect(try onStore(t, ["run", "pass.sales"]).status == 0)
        let fail = try onStore(t, ["run", "fail.sales"])
        #expect(fail.status == 1)
        #expect(fail.stdout.contains("✗ 1 opportunities") && fail.stdout.contains("企業專線") && fail.stdout.contains("after"), "a failed check does not stop the script: \(fail)")
        let err = try onStore(t, ["run", "error.sales"])
        #expect(err.status == 2)
        #expect(err.stderr.contains("error.sales:2:23"), "errors go to standard error with file:line:col: \(err.stderr)")
        let syntax = try onStore(t, ["run", "syntax.sales"])
        #expect(syntax.status == 2 && !syntax.stdout.contains("before"), "an unterminated block stops the script before it runs: \(syntax)")
        #expect(syntax.stderr.contains("syntax.sales:2:9") && syntax.stderr.contains("never closed"))
        t.write("notastore", "x")
        #expect(try salesh(["run", t.file("pass.sales"), "--data", t.file("notastore")], in: t).status == 3)
        // -c counts checks too.
        #expect(try onStore(t, ["-c", "check 1 = 2"]).status == 1)
    }

    /// The same checks, written as a script three ways: a #! file with parameters, a pipe, an if/else
    /// whose else is on the next line.
    @Test func shebangAndStdin() throws {
        try cleanStore()
        let script = """
            #!/usr/bin/env salesh
            param limit = 100k
            let big = (opportunities | where amount > $limit)
            if ($big | count) > 0 {
              print "{($big | count)} big deals over {$limit}"
            }
            else {
              print "no big deals"
            }
            for o in $big { print "{$o}: {$o.title}" }
            check none ($big | where owner = nobody)

            """
        t.write("big.sales", script, mode: 0o755)
        let bin = URL(fileURLWithPath: try saleshBinary()).deletingLastPathComponent().path
        let env = ["PATH": bin + ":/usr/bin:/bin", "SALESH_DATA": t.store]
        let shebang = try runProgram(t.file("big.sales"), ["limit=1m"], in: t, env: env)
        #expect(shebang.status == 0, "\(shebang)")
        #expect(shebang.stdout.contains("no big deals"))
        let piped = try onStore(t, [], stdin: script)
        #expect(piped.status == 0, "\(piped)")
        #expect(piped.stdout.contains("1 big deals over 100000") && piped.stdout.contains("O1: 企業專線"), "\(piped)")
        #expect(piped.stdout.contains("checks: 1 passed, 0 failed"))
    }

    /// --output sends standard output to a file; a script writes only the files it names.
    @Test func outputFileAndOnlyNamedFiles() throws {
        try cleanStore()
        t.write("report.sales", "param month = last_month\nreport kpi $month | to csv \"kpi-{$month}.csv\"\nstaff | count\n")
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: t.path))
        let r = try onStore(t, ["run", "report.sales", "--output", t.file("out.txt")])
        #expect(r.status == 0 && r.stdout.isEmpty, "\(r)")
        let out = try String(contentsOfFile: t.file("out.txt"), encoding: .utf8)
        #expect(out.contains("wrote") && out.contains("3"), "\(out)")
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: t.path)).subtracting(before)
        #expect(Set(after.filter { !$0.hasPrefix(".std") }) == Set(["out.txt", "kpi-2026-10.csv"]), "only the named files appear: \(after)")
    }
}
