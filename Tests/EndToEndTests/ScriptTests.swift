import Foundation
import Testing

/// The ways a script file is run.
enum ScriptMode: String, CaseIterable, CustomStringConvertible, Sendable {
    case run        // salesh run FILE
    case direct     // salesh FILE
    case shebang    // ./FILE with #!/usr/bin/env salesh, salesh found on PATH
    case stdin      // salesh < FILE
    var description: String { rawValue }
}

@Suite("scripts") struct ScriptTests {
    /// Three opportunities of our own: A and B to change, Q in stage qualified (cannot be won).
    struct Fixture { let a: String, b: String, q: String }

    func fixture(_ t: TempDir) throws -> Fixture {
        try makeDemoStore(t)
        let out = try ok(t, """
            add opportunity customer=C1 owner=hua.lin title="腳本 A" amount=1m
            add opportunity customer=C2 owner=hua.lin title="腳本 B" amount=2m
            add opportunity customer=C3 owner=hua.lin title="腳本 Q" amount=3m
            """, user: "hua.lin")
        let ids = out.split(separator: "\n").compactMap { capture(#"added (O\d+)"#, in: String($0)) }
        guard ids.count == 3 else { throw E2EError("fixture: \(out)") }
        return Fixture(a: ids[0], b: ids[1], q: ids[2])
    }

    /// Runs the script file `name` (already written in t) the given way, with extra options.
    func runScript(_ t: TempDir, _ name: String, mode: ScriptMode, options: [String] = [],
                   params: [String] = []) throws -> RunResult {
        let common = ["--data", t.store, "--user", "hua.lin"] + options
        switch mode {
        case .run:
            return try salesh(["run"] + common + [name] + params, in: t)
        case .direct:
            return try salesh(common + [name] + params, in: t)
        case .stdin:
            let text = String(decoding: readBytes(t.file(name)), as: UTF8.self)
            return try salesh(common, in: t, stdin: text)
        case .shebang:
            let bin = try saleshBinary()
            let binDir = URL(fileURLWithPath: bin).deletingLastPathComponent().path
            chmod(t.file(name), 0o755)
            let env = ["PATH": binDir + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                       "SALESH_DATA": t.store, "SALESH_USER": "hua.lin"]
            if options.contains("--keep-going") {
                // `#!/usr/bin/env salesh` passes no options: --keep-going is added on the shebang line.
                let text = String(decoding: readBytes(t.file(name)), as: UTF8.self)
                    .replacingOccurrences(of: "#!/usr/bin/env salesh\n", with: "#!/usr/bin/env -S salesh --keep-going\n")
                t.write(name, text, mode: 0o755)
            }
            return try runProgram(t.file(name), params, in: t, env: env)
        }
    }

    @Test("a good script runs every statement and exits 0", arguments: ScriptMode.allCases)
    func goodScript(_ mode: ScriptMode) throws {
        let t = TempDir()
        let f = try fixture(t)
        t.write("good.sales", """
            #!/usr/bin/env salesh
            # set two amounts, add a lead in Chinese, then query
            set \(f.a) amount=111
            let big = 222
            set \(f.b) amount=$big
            add lead company="中華電信" source=網絡營銷 owner=hua.lin
            opportunities | where id in (\(f.a), \(f.b)) | sort amount | select id, amount

            leads | where company = "中華電信" | count
            """)
        let r = try runScript(t, "good.sales", mode: mode)
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.isEmpty, "\(r)")
        #expect(r.stdout.contains("added L"), "\(r)")
        #expect(r.stdout.split(separator: "\n").last?.trimmingCharacters(in: .whitespaces) == "1", "\(r)")
        #expect(try field(t, "opportunities", f.a, "amount") == "111.00")
        #expect(try field(t, "opportunities", f.b, "amount") == "222.00")
        #expect(try field(t, "leads", capture(#"added (L\d+)"#, in: r.stdout) ?? "L0", "source") == "online")
    }

    @Test("run FILE name=value overrides param name", arguments: [ScriptMode.run, .direct])
    func parameters(_ mode: ScriptMode) throws {
        let t = TempDir()
        let f = try fixture(t)
        t.write("p.sales", "param amt = 0\nparam day = today\nset \(f.a) amount=$amt\nset \(f.b) expected_close=$day\n")
        let r = try runScript(t, "p.sales", mode: mode, params: ["amt=777", "day=2026-12-31"])
        #expect(r.status == 0, "\(r)")
        #expect(try field(t, "opportunities", f.a, "amount") == "777.00")
        #expect(try field(t, "opportunities", f.b, "expected_close") == "2026-12-31")
    }

    @Test("a script stops at its first error: exit 2, earlier statements stay, later ones do not run",
          arguments: ScriptMode.allCases)
    func stopsAtFirstError(_ mode: ScriptMode) throws {
        let t = TempDir()
        let f = try fixture(t)
        t.write("bad.sales", """
            #!/usr/bin/env salesh
            set \(f.a) amount=111
            # qualified cannot be won: refused by the rule (line 4)
            win \(f.q)
            set \(f.b) amount=222
            """)
        let historyBefore = try count(t, "history | count")
        let r = try runScript(t, "bad.sales", mode: mode)
        #expect(r.status == 2, "\(r)")
        expectScriptError(r, mode: mode, line: 4, col: 1, sourceLine: "win \(f.q)")
        #expect(try field(t, "opportunities", f.a, "amount") == "111.00", "the statement before the error stays applied")
        #expect(try field(t, "opportunities", f.q, "stage") == "qualified")
        #expect(try field(t, "opportunities", f.b, "amount").replacingOccurrences(of: ",", with: "") == "2000000.00",
                "the statement after the error must not run")
        #expect(try count(t, "history | count") == historyBefore + 1)
    }

    @Test("--keep-going runs on after an error and still exits 2", arguments: ScriptMode.allCases)
    func keepGoing(_ mode: ScriptMode) throws {
        let t = TempDir()
        let f = try fixture(t)
        t.write("bad.sales", """
            #!/usr/bin/env salesh
            set \(f.a) amount=111
            set \(f.q) amount=abc
            set \(f.b) amount=222
            """)
        let r = try runScript(t, "bad.sales", mode: mode, options: ["--keep-going"])
        #expect(r.status == 2, "\(r)")
        let bad = "set \(f.q) amount=abc"
        expectScriptError(r, mode: mode, line: 3, col: bad.count - 2, sourceLine: bad)
        #expect(try field(t, "opportunities", f.a, "amount") == "111.00")
        #expect(try field(t, "opportunities", f.b, "amount") == "222.00", "--keep-going should run the statement after the error")
        #expect(try field(t, "opportunities", f.q, "amount").replacingOccurrences(of: ",", with: "") == "3000000.00")
    }

    @Test("-c stops at its first error too; with --keep-going it runs on", arguments: [false, true])
    func dashCStops(_ keepGoing: Bool) throws {
        let t = TempDir()
        let f = try fixture(t)
        let text = "set \(f.a) amount=111; win \(f.q)\nset \(f.b) amount=222"
        let r = try onStore(t, (keepGoing ? ["--keep-going"] : []) + ["-c", text], user: "hua.lin")
        #expect(r.status == 2, "\(r)")
        expectLocated(r, name: "-c", line: 1, col: "set \(f.a) amount=111; ".count + 1, sourceLine: "set \(f.a) amount=111; win \(f.q)")
        #expect(try field(t, "opportunities", f.a, "amount") == "111.00")
        #expect(try field(t, "opportunities", f.b, "amount") == (keepGoing ? "222.00" : "2000000.00"))
    }

    @Test("a syntax error in a script is located by file:line:col and exits 2", arguments: [ScriptMode.run, .stdin])
    func syntaxErrorInScript(_ mode: ScriptMode) throws {
        let t = TempDir()
        let f = try fixture(t)
        t.write("syntax.sales", "leads | count\nadd lead company=\"未結束 source=online\nset \(f.b) amount=222\n")
        let r = try runScript(t, "syntax.sales", mode: mode)
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("unterminated"), "\(r)")
        expectScriptError(r, mode: mode, line: 2, col: 18, sourceLine: "add lead company=\"未結束 source=online")
        #expect(try field(t, "opportunities", f.b, "amount").replacingOccurrences(of: ",", with: "") == "2000000.00")
    }
}

/// `--> NAME:LINE:COL` with NAME the script (its path ends in the file name) or, on stdin, any name.
func expectScriptError(_ r: RunResult, mode: ScriptMode, line: Int, col: Int, sourceLine: String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
    let arrow = r.stderrLines.map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix("--> ") }
    guard let arrow else {
        Issue.record("stderr should locate the error with '--> NAME:\(line):\(col)': \(r)", sourceLocation: sourceLocation)
        return
    }
    let loc = String(arrow.dropFirst(4))
    #expect(loc.hasSuffix(":\(line):\(col)"), "expected line \(line), column \(col): \(arrow)", sourceLocation: sourceLocation)
    let name = String(loc.dropLast(":\(line):\(col)".count))
    if mode != .stdin {
        #expect(name.hasSuffix(".sales"), "the location should name the script: \(arrow)", sourceLocation: sourceLocation)
    }
    expectLocated(r, name: name, line: line, col: col, sourceLine: sourceLine, sourceLocation: sourceLocation)
}
