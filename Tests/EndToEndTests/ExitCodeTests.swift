import Foundation
import Testing

/// A statement that must be refused with exit 2, a located diagnostic, and no change to the store.
struct BadInput: CustomStringConvertible, Sendable {
    /// The statement; `$O` stands for a fresh opportunity in stage qualified.
    let statement: String
    /// The error is reported at the first occurrence of this text (nil: column 1, "$": the end of the
    /// line) on line `line`.
    let at: String?
    let line: Int
    /// Texts stderr must contain.
    let says: [String]
    /// The name a "did you mean …" hint must offer.
    let suggests: String?

    init(_ statement: String, at: String? = nil, line: Int = 1, says: [String], suggests: String? = nil) {
        self.statement = statement; self.at = at; self.line = line; self.says = says; self.suggests = suggests
    }
    var description: String { statement.replacingOccurrences(of: "\n", with: "⏎") }
}

@Suite("exit codes and bad input") struct ExitCodeTests {
    static let badInputs: [BadInput] = [
        // syntax
        BadInput("opportunities | where stage = = won", at: "= won", says: ["expected"]),
        BadInput("leads | sort", at: "$", says: ["expected"]),
        BadInput("leads | take abc", at: "abc", says: ["expected"]),
        // unknown names, with did-you-mean
        BadInput("oportunities | count", says: ["unknown entity", "oportunities"], suggests: "opportunities"),
        BadInput("set $O amout=5", at: "amout", says: ["unknown field", "amout"], suggests: "amount"),
        BadInput("add lead compan=\"x\" source=online owner=hua.lin", at: "compan", says: ["unknown field", "compan"], suggests: "company"),
        BadInput("opportunities | where stag = won | count", at: "stag", says: ["unknown field", "stag"], suggests: "stage"),
        // a misspelled field compared with a text literal is still a misspelled field, not the text "titel"
        BadInput("opportunities | where titel = \"5G\" | count", at: "titel", says: ["unknown field", "titel"], suggests: "title"),
        BadInput("add lead company=\"x\" source=onlin owner=hua.lin", at: "onlin", says: ["onlin"], suggests: "online"),
        BadInput("opportunities | where stage = wonn | count", at: "wonn", says: ["wonn"], suggests: "won"),
        // wrong type, missing field, missing reference
        BadInput("set $O amount=abc", at: "abc", says: ["money", "abc"]),
        BadInput("add lead company=\"x\" owner=hua.lin", says: ["source"]),
        BadInput("add lead company=\"x\" source=online owner=nobody.here", at: "nobody.here", says: ["nobody.here"]),
        BadInput("set $O customer=C99999", at: "C99999", says: ["C99999"]),
        // a statement applies whole or not at all: the good first assignment is not kept
        BadInput("set $O amount=5 probability=200%", at: "200%", says: ["probability"]),
        BadInput("set $O amount=5 expected_close=2026-13-45", at: "2026-13-45", says: ["2026-13-45"]),
        // illegal stage moves
        BadInput("win $O", says: ["qualified", "won"]),
        BadInput("move $O to won", at: "won", says: ["qualified", "won"]),
        BadInput("lose $O", says: ["reason"]),
        BadInput("move $O to lost", at: "lost", says: ["reason"]),
        // unterminated string
        BadInput("add lead company=\"abc source=online owner=hua.lin", at: "\"abc", says: ["unterminated"]),
        // reporting-line cycle: e2e.rep reports to e2e.boss
        BadInput("set e2e.boss manager=e2e.rep", at: "e2e.rep", says: ["cycle", "e2e.boss", "e2e.rep"]),
        // the error on the second line of a -c; the first line ran (a query, nothing changed)
        BadInput("leads | count\nset $O amout=5", at: "amout", line: 2, says: ["unknown field"], suggests: "amount"),
    ]

    /// A demo store plus two staff in one reporting line and an opportunity in stage qualified.
    static func fixture(_ t: TempDir) throws -> String {
        try makeDemoStore(t)
        let out = try ok(t, """
            add staff e2e.boss name="老闆" role=manager team=north
            add staff e2e.rep name="代表" role=rep team=north manager=e2e.boss
            add opportunity customer=C1 owner=hua.lin title="E2E 專網" amount=1m
            """, user: "admin")
        guard let o = capture(#"added (O\d+)"#, in: out) else { throw E2EError("no opportunity added: \(out)") }
        return o
    }

    @Test("a good -c exits 0")
    func goodCommand() throws {
        let t = TempDir()
        try makeDemoStore(t)
        let r = try onStore(t, ["-c", "opportunities | where stage = negotiation | sort amount desc | take 5"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.isEmpty, "\(r)")
        let expected = min(5, try count(t, "opportunities | where stage = negotiation | count"))
        #expect(expected > 0)
        #expect(r.stdout.split(separator: "\n").filter { $0.contains("negotiation") }.count == expected, "\(r)")
        #expect(r.stdout.contains("(\(expected) row"), "\(r)")
    }

    @Test("bad input: exit 2, located diagnostic with a caret, nothing changed", arguments: badInputs)
    func badInput(_ c: BadInput) throws {
        let t = TempDir()
        let o = try Self.fixture(t)
        let statement = c.statement.replacingOccurrences(of: "$O", with: o)
        let before = try stateDigest(t)

        let r = try onStore(t, ["-c", statement], user: "admin")
        // Nothing changed (counts, history, every record).
        let after = try stateDigest(t)
        #expect(before == after, "the store changed after a refused statement")
        try #require(r.status == 2 && !r.signaled, "the statement should be refused with exit 2: \(r)")
        #expect(r.stderr.hasPrefix("error") || r.stderr.contains("\nerror"), "stderr should start with an error line: \(r)")
        for s in c.says {
            #expect(r.stderr.lowercased().contains(s.lowercased()), "stderr should mention \(s): \(r)")
        }
        if let s = c.suggests {
            let hint = r.stderrLines.first { $0.contains("did you mean") }
            #expect(hint?.contains(s) == true, "expected a 'did you mean \(s)' hint: \(r)")
        }

        // --> -c:LINE:COL, the source line and a caret under the column.
        let lines = statement.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let sourceLine = lines[c.line - 1]
        let col: Int
        if c.at == "$" {
            col = sourceLine.count + 1
        } else if let at = c.at, let range = sourceLine.range(of: at) {
            col = sourceLine.distance(from: sourceLine.startIndex, to: range.lowerBound) + 1
        } else {
            col = 1
        }
        expectLocated(r, name: "-c", line: c.line, col: col, sourceLine: sourceLine)
    }

    @Test("bad command-line usage exits 2 and changes nothing", arguments: [
        ["--bogus"],
        ["--format", "xml", "-c", "leads | count"],
        ["--user", "nobody.at.all", "-c", "add lead company=\"x\" source=online"],
        ["demo", "--scale", "0"],
        ["run"],
    ])
    func badUsage(_ args: [String]) throws {
        let t = TempDir()
        try makeDemoStore(t)
        let before = try stateDigest(t)
        var full = args
        // The store goes after the subcommand when there is one.
        if ["demo", "run"].contains(args[0]) { full.insert(contentsOf: ["--data", t.store], at: 1) } else {
            full = ["--data", t.store] + args
        }
        let r = try salesh(full, in: t)
        #expect(r.status == 2, "\(r)")
        #expect(!r.stderr.isEmpty, "a usage error should say what is wrong: \(r)")
        #expect(r.stdout.isEmpty, "\(r)")
        #expect(try stateDigest(t) == before)
    }

    @Test("a script that does not exist exits 2, names the file and creates no store")
    func missingScript() throws {
        let t = TempDir()
        for args in [["--data", t.store, "no-such-script.sales"], ["run", "--data", t.store, "no-such-script.sales"]] {
            let r = try salesh(args, in: t)
            #expect(r.status == 2, "\(args): \(r)")
            #expect(r.stderr.contains("no-such-script.sales"), "the message should name the script: \(r)")
            #expect(!FileManager.default.fileExists(atPath: t.store), "no store should be created for a missing script")
        }
        // A folder given as a script is unreadable as a script too.
        try FileManager.default.createDirectory(atPath: t.file("adir.sales"), withIntermediateDirectories: true)
        let r = try salesh(["--data", t.store, "adir.sales"], in: t)
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("adir.sales"), "\(r)")
    }

    @Test("global options before the subcommand: salesh --data DIR demo / run FILE")
    func globalOptionsBeforeSubcommand() throws {
        let t = TempDir()
        // `salesh --data DIR demo` (as in the usage line) fills DIR.
        let d = try salesh(["--data", t.store, "demo", "--scale", "20"], in: t)
        #expect(d.status == 0, "salesh --data DIR demo should run the demo subcommand: \(d)")
        #expect(d.stdout.contains("demo data in"), "\(d)")

        // `salesh --data DIR run FILE` runs FILE on DIR, and a missing FILE is named in the error.
        if d.status != 0 { try makeDemoStore(t) }
        t.write("q.sales", "leads | count\n")
        let r = try salesh(["--data", t.store, "run", "q.sales"], in: t)
        #expect(r.status == 0, "salesh --data DIR run FILE should run FILE: \(r)")
        #expect(Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) != nil, "\(r)")
        let m = try salesh(["--data", t.store, "run", "missing.sales"], in: t)
        #expect(m.status == 2, "\(m)")
        #expect(m.stderr.contains("missing.sales"), "the error should name missing.sales, not 'run': \(m)")
    }

    @Test("a folder that is not a store exits 3 and is left alone")
    func notAStore() throws {
        let t = TempDir()
        let folder = t.file("notes")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: folder + "/notes.txt", contents: Data("shopping list\n".utf8))
        for args in [["-c", "leads | count"], ["--read-only", "-c", "leads | count"], ["-c", "add lead company=\"x\" source=online"]] {
            let r = try salesh(["--data", folder] + args, in: t)
            #expect(r.status == 3, "\(args): \(r)")
            #expect(r.stderr.contains("notes"), "the message should name the folder: \(r)")
            #expect(r.stdout.isEmpty, "\(r)")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(left == ["notes.txt"], "salesh must not write into a folder that is not a store: \(left)")

        // A plain file given as the store folder.
        _ = FileManager.default.createFile(atPath: t.file("plain"), contents: Data("hello\n".utf8))
        let f = try salesh(["--data", t.file("plain"), "-c", "leads | count"], in: t)
        #expect(f.status == 3, "\(f)")
        #expect(readBytes(t.file("plain")) == Array("hello\n".utf8))
    }

    @Test("a corrupt snapshot exits 3 (see also DurabilityTests)")
    func corruptSnapshotExit() throws {
        let t = TempDir()
        try makeDemoStore(t)
        var bytes = readBytes(t.store + "/snapshot")
        bytes[bytes.count / 2] ^= 0x40
        writeBytes(t.store + "/snapshot", bytes)
        let r = try onStore(t, ["-c", "leads | count"])
        #expect(r.status == 3, "\(r)")
        #expect(r.stderr.contains("snapshot"), "\(r)")
    }
}

/// Checks `--> NAME:LINE:COL`, the quoted source line and a caret at COL.
func expectLocated(_ r: RunResult, name: String, line: Int, col: Int, sourceLine: String,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    let lines = r.stderrLines
    let arrow = "--> \(name):\(line):\(col)"
    #expect(lines.contains { $0.trimmingCharacters(in: .whitespaces) == arrow }, "stderr should have '\(arrow)': \(r)",
            sourceLocation: sourceLocation)
    // The quoted source: "N | text"; then the caret line: "  |   ^^^".
    guard let srcIdx = lines.firstIndex(where: { l in
        let parts = l.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count == 2 && parts[0].trimmingCharacters(in: .whitespaces) == String(line)
            && parts[1].dropFirst() == Substring(sourceLine)
    }) else {
        Issue.record("stderr should quote the source line '\(line) | \(sourceLine)': \(r)", sourceLocation: sourceLocation)
        return
    }
    guard srcIdx + 1 < lines.count, let caret = lines[srcIdx + 1].firstIndex(of: "^"),
          let bar = lines[srcIdx + 1].firstIndex(of: "|") else {
        Issue.record("a caret line should follow the source line: \(r)", sourceLocation: sourceLocation)
        return
    }
    let caretLine = lines[srcIdx + 1]
    let caretCol = displayWidth(String(caretLine[caretLine.index(bar, offsetBy: 2)..<caret])) + 1
    let expectedCol = displayWidth(String(sourceLine.prefix(col - 1))) + 1
    #expect(caretCol == expectedCol, "the caret should be under column \(col): \(r)", sourceLocation: sourceLocation)
}
