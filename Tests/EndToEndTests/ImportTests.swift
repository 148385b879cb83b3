import Foundation
import Testing

/// `import ENTITY from "file.csv"`: all or nothing, every bad row named with file:line:column, dry runs,
/// re-imports that change nothing, rejects files that load once fixed.
@Suite("import from CSV")
struct ImportTests {
    let t = TempDir()

    static let good = "\u{FEFF}人員,課程,日期,時數,成績,通過\nhua.lin,5G-BASICS,2026/11/3,6,88,是\n林華,NEGOTIATION,2026-11-04,12,90,yes\n"
    static let bad = good + """
        wei.zhou,NEGOTIATON,2026-11-04,12,70,yes
        nobody,5G-BASICS,2026-11-05,6,80,yes
        wei.zhang,5G-BASICS,2026-13-01,6,80,yes
        jun.xu,5G-BASICS,2026-11-06,-3,80,yes
        jun.xu,5G-BASICS,2026-11-07,6,120,yes
        hua.lin,5G-BASICS,2026/11/3,6,88,是
        "wei.zhou, 周",5G-BASICS

        """

    func trainings() throws -> Int { try count(t, "trainings | count") }

    @Test func allOrNothingWithEveryBadRowNamed() throws {
        try makeDemoStore(t, scale: 60)
        t.write("q4.csv", Self.bad)
        let before = try trainings()
        let r = try onStore(t, ["-c", "import training from \"\(t.file("q4.csv"))\""])
        #expect(r.status == 2)
        #expect(try trainings() == before, "nothing is loaded when a row is bad")
        for expected in ["q4.csv:4:10: course: there is no course 'NEGOTIATON' — did you mean 'NEGOTIATION'?",
                         "q4.csv:5:1: staff: there is no staff 'nobody'", "q4.csv:6:21: date:", "q4.csv:7:29: hours must be between 0 and 1000",
                         "q4.csv:8:31: score must be between 0 and 100", "q4.csv:9:1: the same staff, course, date as line 2",
                         "q4.csv:10:1: 2 columns, the header has 6", "7 bad rows"] {
            #expect(r.stderr.contains(expected), "missing: \(expected)\n\(r.stderr)")
        }
    }

    /// In Chinese a cell's refusal names its field as the model's own messages do: 時數：…, not hours: ….
    @Test func aRefusedCellNamesItsFieldInTheSessionsLanguage() throws {
        try makeDemoStore(t, scale: 60)
        t.write("q4.csv", Self.good + "jun.xu,5G-BASICS,2026-11-06,很多,80,yes\n")
        let zh = try onStore(t, ["-c", "import training from \"\(t.file("q4.csv"))\" --dry-run"], env: ["LANG": "zh_TW.UTF-8", "LC_ALL": "zh_TW.UTF-8"])
        #expect(zh.stdout.contains("q4.csv:4:29: 時數："), "\(zh.stdout)\(zh.stderr)")
        let en = try onStore(t, ["-c", "import training from \"\(t.file("q4.csv"))\" --dry-run"])
        #expect(en.stdout.contains("q4.csv:4:29: hours: "), "\(en.stdout)\(en.stderr)")
    }

    @Test func dryRunSkipBadRejectsAndReimport() throws {
        try makeDemoStore(t, scale: 60)
        t.write("q4.csv", Self.bad)
        let before = try trainings()
        let dry = try ok(t, "import training from \"\(t.file("q4.csv"))\" --dry-run")
        #expect(dry.contains("2 new, 0 updated, 0 unchanged, 7 rejected; nothing was changed"))
        #expect(try trainings() == before)
        let loaded = try ok(t, "import training from \"\(t.file("q4.csv"))\" --skip-bad --rejects \"\(t.file("rejects.csv"))\"")
        #expect(loaded.contains("2 new, 0 updated, 0 unchanged, 7 rejected"))
        #expect(try trainings() == before + 2)
        let rejects = try String(contentsOfFile: t.file("rejects.csv"), encoding: .utf8)
        #expect(rejects.hasPrefix("\u{FEFF}人員,課程,日期,時數,成績,通過,reason\n") || rejects.hasPrefix("人員,課程,日期,時數,成績,通過,reason\n"))
        #expect(rejects.split(separator: "\n").count == 8)
        // The same file again changes nothing.
        let again = try ok(t, "import training from \"\(t.file("q4.csv"))\" --skip-bad")
        #expect(again.contains("0 new, 0 updated, 2 unchanged"))
        // A fixed file of the rejected rows loads alone (the reason column mapped away is not needed).
        t.write("fixed.csv", "人員,課程,日期,時數,成績,通過\nwei.zhou,NEGOTIATION,2026-11-04,12,70,yes\njun.xu,5G-BASICS,2026-11-06,3,80,yes\n")
        #expect(try ok(t, "import training from \"\(t.file("fixed.csv"))\"").contains("2 new"))
        // A changed row updates, and the history says who changed it.
        t.write("changed.csv", "staff,course,date,score\nhua.lin,5G-BASICS,2026-11-03,95\n")
        #expect(try ok(t, "import training from \"\(t.file("changed.csv"))\"", user: "admin").contains("1 updated"))
        #expect(try ok(t, "history | where entity = training and field = score | select user, old, new", format: "csv").contains("admin,88,95"))
    }

    /// Rows that name an existing record by id update it, plain cells and all, beside rows that make
    /// new records: a row is asked its id before its cells are taken for a new record.
    @Test func rowsByIdUpdateBesideNewRows() throws {
        try makeDemoStore(t, scale: 60)
        _ = try ok(t, "opportunities | sort id | take 3 | select id, title, customer, owner, amount, expected_close | to csv \"\(t.file("opps.csv"))\"")
        var lines = try String(contentsOfFile: t.file("opps.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(lines)")
        var second = lines[2].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let id = second[0]
        second[4] = "4321.50"
        lines[2] = second.joined(separator: ",")
        var fresh = lines[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        fresh[0] = ""
        fresh[1] = "再來一筆"
        t.write("again.csv", (lines + [fresh.joined(separator: ",")]).joined(separator: "\n") + "\n")
        let before = try count(t, "opportunities | count")
        let r = try ok(t, "import opportunity from \"\(t.file("again.csv"))\"", user: "admin")
        #expect(r.contains("1 new, 1 updated, 2 unchanged, 0 rejected"), "\(r)")
        #expect(try count(t, "opportunities | count") == before + 1)
        #expect(try ok(t, "opportunities | where id = \(id) | select amount", format: "csv").contains("4321.50"))
        #expect(try count(t, "opportunities | where title = \"再來一筆\" | count") == 1)
    }

    @Test func filesThatCannotBeRead() throws {
        try makeDemoStore(t, scale: 60)
        t.write("empty.csv", "")
        t.write("header.csv", "staff,course,date\n")
        t.write("broken.csv", "staff,course,date\nhua.lin,\"5G-BASICS,2026-11-03\n")
        _ = FileManager.default.createFile(atPath: t.file("big5.csv"), contents: Data([0xA4, 0xA4, 0xA4, 0xE5, 0x0A]))
        t.write("columns.csv", "staff,coarse,date\nhua.lin,5G-BASICS,2026-11-03\n")
        let cases: [(String, String)] = [("empty.csv", "is empty"), ("big5.csv", "is not UTF-8"), ("broken.csv", "broken.csv:2:9: a quoted field opened at column 9 is never closed"),
                                         ("columns.csv", "column 'coarse' is not a field of training"), ("missing.csv", "no such file")]
        for (file, message) in cases {
            let r = try onStore(t, ["-c", "import training from \"\(t.file(file))\""])
            #expect(r.status == 2, "\(file)")
            #expect(r.stderr.contains(message), "\(file): \(r.stderr)")
        }
        #expect(try ok(t, "import training from \"\(t.file("header.csv"))\"").contains("0 new, 0 updated, 0 unchanged, 0 rejected"))
    }

    /// What export writes, import reads back unchanged, for every entity.
    @Test func exportImportRoundTripForEveryEntity() throws {
        try makeDemoStore(t, scale: 60)
        let entities = ["staff", "teams", "products", "customers", "leads", "opportunities", "competitors", "visits", "proposals",
                        "negotiations", "contracts", "contract_lines", "orders", "invoices", "feedback", "tickets", "complaints", "surveys",
                        "targets", "appraisals", "budgets", "expenses", "risks", "training_needs", "courses", "training_plans", "trainings",
                        "career_plans", "activities"]
        let before = try stateDigest(t)
        for e in entities {
            let file = t.file("\(e).csv")
            #expect(try ok(t, "export \(e) to \"\(file)\"").contains("wrote"))
            let out = try ok(t, "import \(e) from \"\(file)\"")
            #expect(out.contains("0 new, 0 updated,") && out.contains("unchanged, 0 rejected"), "\(e): \(out)")
        }
        #expect(try stateDigest(t) == before)
    }

    /// Course records over many days: 21,000 rows, about 800 KB.
    func writeBigFile() -> Int {
        var csv = "staff,course,date,hours,score,passed\n"
        let people = ["hua.lin", "wei.zhou", "wei.zhang", "jun.xu", "xiuying.li"], courses = ["5G-BASICS", "NEGOTIATION", "CRM-SKILLS"]
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd"; f.timeZone = TimeZone(identifier: "UTC"); f.locale = Locale(identifier: "en_US_POSIX")
        let start = f.date(from: "2015-01-01")!
        var n = 0
        for day in 0..<1400 { for p in people { for c in courses {
            csv += "\(p),\(c),\(f.string(from: start.addingTimeInterval(Double(day) * 86_400))),3,80,yes\n"; n += 1
        } } }
        t.write("big.csv", csv)
        return n
    }

    /// An import is one journal entry: killed at any moment, the store holds all of it or none of it.
    @Test func aKilledImportLeavesNothingHalfLoaded() throws {
        try makeDemoStore(t, scale: 60)
        let n = writeBigFile()
        let before = try count(t, "trainings | count")
        for delay in [0.05, 0.15, 0.4] {
            let shell = try PipedShell(t, ["--data", t.store])
            try shell.send("import training from \"\(t.file("big.csv"))\"")
            Thread.sleep(forTimeInterval: delay)
            shell.killHard()
            let after = try count(t, "trainings | count")
            #expect(after == before || after == before + n, "after a kill at \(delay)s: \(after) records, expected \(before) or \(before + n)")
            if after != before { break }
        }
    }

    /// A long import draws a progress bar on a terminal's standard error, and nothing when it is a file.
    @Test func progressOnATerminalOnly() throws {
        try makeDemoStore(t, scale: 60)
        let n = writeBigFile()
        let quiet = try onStore(t, ["-c", "import training from \"\(t.file("big.csv"))\" --dry-run"])
        #expect(quiet.status == 0)
        #expect(quiet.stderr.isEmpty, "no progress bar into a file: \(quiet.stderr)")
        // `script` runs the shell on a pseudo-terminal, as a trainer's terminal would.
        let command = "\(try saleshBinary()) --data \(t.store) -c 'import training from \"\(t.file("big.csv"))\" --dry-run'"
        let tty = try runProgram("/usr/bin/script", ["-qec", command, "/dev/null"], in: t)
        #expect(tty.stdout.contains("█"), "a bar is drawn: \(tty.stdout.suffix(400))")
        #expect(tty.stdout.contains("rows,"), "it counts the rows")
        #expect(tty.stdout.contains("\(n) new, 0 updated, 0 unchanged, 0 rejected"))
    }
}
