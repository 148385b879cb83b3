import Foundation
import Testing

/// The same demo data, exported by salesh to CSV and loaded into sqlite3: the reports' figures
/// must equal what SQL computes from the raw records.
@Suite("differential: salesh reports against sqlite3")
struct DifferentialTests {
    let t = TempDir()

    func sqlite(_ sql: String) throws -> [[String]] {
        let r = try runProgram("/usr/bin/env", ["sqlite3", "-csv", t.file("demo.sqlite")], in: t, stdin: sql)
        guard r.status == 0 else { throw E2EError("sqlite3 failed: \(r)") }
        return parseCSV(r.stdout).filter { !$0.isEmpty && $0 != [""] }
    }

    /// Loads the demo store's opportunities, staff and stage history into sqlite3.
    func load() throws {
        try makeDemoStore(t, scale: 400)
        let exports = [
            ("opportunities", "opportunities | select id, stage, amount, probability, owner, owner.team as team, source, created, closed, expected_close"),
            ("stage_moves", "history | where entity = opportunity and (action = create or field = stage) | select record, action, new"),
        ]
        var script = ".mode csv\n"
        for (name, query) in exports {
            let csv = try ok(t, query, format: "csv")
            t.write(name + ".csv", csv)
            script += ".import \(t.file(name + ".csv")) \(name)\n"
        }
        // Money and percentages in minor units, as salesh keeps them.
        script += """
        CREATE TABLE o AS SELECT id, stage, CAST(ROUND(CAST(amount AS REAL) * 100) AS INTEGER) AS amount_minor,
          CAST(ROUND(CAST(REPLACE(probability, '%', '') AS REAL) * 100) AS INTEGER) AS bp,
          owner, team, source, NULLIF(created, '') AS created, NULLIF(closed, '') AS closed, NULLIF(expected_close, '') AS expected_close
          FROM opportunities;

        """
        let r = try runProgram("/usr/bin/env", ["sqlite3", t.file("demo.sqlite")], in: t, stdin: script)
        guard r.status == 0, r.stderr.isEmpty else { throw E2EError("loading sqlite3 failed: \(r)") }
    }

    func report(_ statement: String) throws -> [[String]] {
        Array(parseCSV(try ok(t, statement, format: "csv")).dropFirst().filter { $0 != [""] })
    }

    static func yuan(_ minor: String) -> String {
        guard let m = Int64(minor) else { return minor }
        let s = String(m.magnitude / 100), c = m.magnitude % 100
        return (m < 0 ? "-" : "") + s + "." + (c < 10 ? "0" : "") + String(c)
    }

    @Test func pipelineByStage() throws {
        try load()
        let sql = try sqlite("""
            SELECT stage, COUNT(*), SUM(amount_minor), SUM(CAST(ROUND(amount_minor * bp / 10000.0) AS INTEGER)) FROM o
            WHERE stage IN ('qualified', 'needs', 'proposal', 'negotiation') GROUP BY stage
            ORDER BY CASE stage WHEN 'qualified' THEN 1 WHEN 'needs' THEN 2 WHEN 'proposal' THEN 3 ELSE 4 END;
            """).map { [$0[0], $0[1], Self.yuan($0[2]), Self.yuan($0[3])] }
        let ours = try report("report pipeline")
        #expect(!sql.isEmpty)
        #expect(ours == sql)
    }

    @Test func winRateAndCycleByOwnerForAYear() throws {
        try load()
        let year = "2025"
        let sql = try sqlite("""
            SELECT owner, SUM(stage = 'won'), SUM(stage = 'lost'),
              SUM(CASE WHEN stage = 'won' THEN amount_minor ELSE 0 END),
              AVG(CASE WHEN stage = 'won' THEN julianday(closed) - julianday(created) END)
            FROM o WHERE stage IN ('won', 'lost') AND substr(closed, 1, 4) = '\(year)' GROUP BY owner ORDER BY owner;
            """)
        let ours = try report("report winrate \(year) by=owner")
        #expect(ours.count == sql.count && !sql.isEmpty)
        for (a, b) in zip(ours, sql) {
            let won = Int(b[1])!, lost = Int(b[2])!
            #expect(a[0] == b[0] && a[1] == b[1] && a[2] == b[2], "\(a) vs \(b)")
            // win rate in basis points, rounded half away from zero
            let bp = (won * 10000 * 2 + (won + lost)) / (2 * (won + lost))
            #expect(a[3] == Self.percentText(bp), "win rate \(a) vs \(b)")
            #expect(a[4] == Self.yuan(b[3]), "won amount \(a) vs \(b)")
            if won > 0 { #expect(abs(Double(a[5])! - Double(b[4])!) < 0.006, "cycle \(a) vs \(b)") } else { #expect(a[5] == "") }
        }
    }

    @Test func funnelFromStageHistory() throws {
        try load()
        let stages = ["qualified", "needs", "proposal", "negotiation", "won"]
        var expected: [Int] = []
        for s in stages {
            let rows = try sqlite("""
                SELECT COUNT(DISTINCT record) FROM stage_moves
                WHERE (action = 'create' AND '\(s)' = 'qualified') OR (action = 'move' AND new = '\(s)');
                """)
            expected.append(Int(rows[0][0])!)
        }
        let ours = try report("report funnel")
        #expect(ours.map { $0[0] } == stages)
        #expect(ours.map { Int($0[1])! } == expected)
    }

    @Test func forecastByExpectedCloseMonth() throws {
        try load()
        let sql = try sqlite("""
            SELECT substr(expected_close, 1, 7), COUNT(*), SUM(amount_minor), SUM(CAST(ROUND(amount_minor * bp / 10000.0) AS INTEGER)) FROM o
            WHERE stage IN ('qualified', 'needs', 'proposal', 'negotiation') AND expected_close IS NOT NULL
            GROUP BY 1 ORDER BY 1;
            """).map { [$0[0], $0[1], Self.yuan($0[2]), Self.yuan($0[3])] }
        let ours = try report("report forecast").map { Array($0.prefix(4)) }
        #expect(!sql.isEmpty)
        #expect(ours == sql)
    }

    static func percentText(_ bp: Int) -> String {
        let whole = bp / 100, frac = bp % 100
        if frac == 0 { return "\(whole)%" }
        return frac % 10 == 0 ? "\(whole).\(frac / 10)%" : "\(whole).\(frac < 10 ? "0" : "")\(frac)%"
    }
}
