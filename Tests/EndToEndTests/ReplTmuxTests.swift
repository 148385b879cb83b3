import Foundation
import Testing

/// The tmux binary, when installed (scripts/test installs it).
let tmuxPath: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux", "/bin/tmux"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

/// A tmux server of our own (its own socket, no config file) holding one session that runs a command.
final class Tmux {
    let t: TempDir
    let socket = "salesh-e2e-\(UUID().uuidString.prefix(12))"
    let session = "s\(UUID().uuidString.prefix(8))"

    init(_ t: TempDir) { self.t = t }

    /// The server keeps a pane whose program ended, so the test can read its exit status.
    var config: String { t.file("tmux.conf") }

    @discardableResult
    func run(_ args: [String]) throws -> RunResult {
        try spawnProgram(tmuxPath!, ["-L", socket, "-f", config] + args, in: t, env: ["TERM": "xterm-256color"], timeout: 10)
    }

    /// Starts a session running `argv` directly (no shell in between: Ctrl-C goes to the program alone).
    func start(_ argv: [String]) throws {
        t.write("tmux.conf", "set -g remain-on-exit on\nset -g history-limit 1000\n")
        let r = try run(["new-session", "-d", "-s", session, "-x", "120", "-y", "40"] + argv)
        guard r.status == 0 else { throw E2EError("tmux new-session failed: \(r)") }
    }

    /// Types text literally.
    func type(_ text: String) throws { try run(["send-keys", "-t", session, "-l", text]) }
    /// Presses keys by name (Enter, Tab, Up, C-c, C-d …).
    func press(_ keys: String...) throws { try run(["send-keys", "-t", session] + keys) }

    func screen() throws -> String { try run(["capture-pane", "-p", "-t", session]).stdout }

    /// The screen's non-empty lines.
    func lines() throws -> [String] {
        try screen().split(separator: "\n").map { String($0).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
            .filter { !$0.isEmpty }
    }

    /// Polls the screen until `predicate` holds; throws with the last screen after `timeout`.
    @discardableResult
    func waitFor(_ what: String, timeout: TimeInterval = 10, _ predicate: ([String]) -> Bool) throws -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [String] = []
        while Date() < deadline {
            last = try lines()
            if predicate(last) { return last }
            usleep(30_000)
        }
        throw E2EError("timed out waiting for \(what); the screen shows:\n\(last.joined(separator: "\n"))")
    }

    /// "0" while the program runs, "1" once it has ended.
    private func paneState() throws -> String {
        try run(["display-message", "-p", "-t", session, "#{pane_dead}"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    var alive: Bool { (try? paneState().hasPrefix("0")) ?? false }

    /// Waits for the program to end, then closes the session.
    func waitExit(timeout: TimeInterval = 10) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if try paneState().hasPrefix("1") {
                try run(["kill-session", "-t", session])
                return
            }
            if Date() > deadline { throw E2EError("the program in tmux did not end; screen:\n\((try? screen()) ?? "")") }
            usleep(30_000)
        }
    }

    /// Ends the server and whatever still runs in its panes.
    func killServer() {
        let pids = ((try? run(["list-panes", "-a", "-F", "#{pane_pid}"]).stdout) ?? "")
            .split(separator: "\n").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
        _ = try? run(["kill-server"])
        for pid in pids where pid > 1 { kill(pid, SIGKILL) }
    }
}

@Suite("REPL in a terminal (tmux)") struct ReplTmuxTests {
    @Test("typing, a query, adding in Chinese, tab completion, Up recall, watch, Ctrl-C, Ctrl-D, history across sessions",
          .enabled(if: tmuxPath != nil, "tmux is not installed (scripts/test installs it): the terminal REPL test cannot run"),
          .timeLimit(.minutes(1)))
    func replSession() throws {
        let t = TempDir()
        try makeDemoStore(t)
        let wonBefore = try count(t, "opportunities | where stage = won | count")
        let leadsBefore = try count(t, "leads | count")
        let bin = try saleshBinary()
        let tmux = Tmux(t)
        defer { tmux.killServer() }

        // The shell runs inside tmux, under a sh that records its exit status in a file. `trap : INT`
        // keeps that sh alive through Ctrl-C (which reaches the whole foreground process group) while
        // salesh itself starts with SIGINT at its default and installs its own handler.
        let env = childEnvironment(t)
        let vars = ["HOME", "LANG", "LC_ALL", "NO_COLOR", "SALESH_TODAY", "SALESH_HISTORY", "PATH"]
            .compactMap { k in env[k].map { "\(k)=\($0)" } }
        let rcFile = t.file("repl.rc")
        let argv = ["/bin/sh", "-c", #"trap : INT; rc=$1; shift; "$@"; echo $? > "$rc""#, "sh", rcFile,
                    "/usr/bin/env", "-u", "SALESH_DATA", "-u", "SALESH_USER"] + vars
            + ["TERM=xterm-256color", bin, "--data", t.store, "--user", "hua.lin"]
        func exitStatus() throws -> Int? {
            try tmux.waitExit()
            defer { try? FileManager.default.removeItem(atPath: rcFile) }
            return (try? String(contentsOfFile: rcFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        try tmux.start(argv)

        let prompt = "hua.lin@data>"
        func onlyPrompt(_ lines: [String]) -> Bool { lines.last?.trimmingCharacters(in: .whitespaces) == prompt }
        try tmux.waitFor("the prompt") { onlyPrompt($0) }

        // A query and its table.
        try tmux.type("opportunities | sort amount desc | take 3 | select id, title, stage, amount")
        try tmux.press("Enter")
        var screen = try tmux.waitFor("the query's table") { $0.contains { $0.contains("(3 rows)") } && onlyPrompt($0) }
        #expect(screen.contains { $0.contains("id") && $0.contains("amount") && $0.contains("│") }, "\(screen)")
        #expect(screen.filter { $0.range(of: #"^ ?O\d+ +│"#, options: .regularExpression) != nil }.count == 3, "\(screen)")

        // Chinese text typed in, echoed back.
        try tmux.type(#"add lead company="中華電信" source=online owner=hua.lin"#)
        try tmux.press("Enter")
        screen = try tmux.waitFor("the lead to be added") { $0.contains { $0.contains("added L") } && onlyPrompt($0) }
        let addedLine = screen.last { $0.contains("added L") } ?? ""
        #expect(addedLine.contains("中華電信"), "\(screen)")
        #expect(screen.contains { $0.hasPrefix(prompt) && $0.contains(#"company="中華電信""#) }, "the typed Chinese line shows on screen: \(screen)")
        let lead = capture(#"added (L\d+)"#, in: addedLine)

        // watch reruns a statement every N seconds until Ctrl-C, then the prompt is back.
        try tmux.type("watch 1 leads | count")
        try tmux.press("Enter")
        screen = try tmux.waitFor("the watched statement") { $0.contains { $0.contains("every 1s: leads | count") && $0.contains("Ctrl-C to stop") } }
        #expect(screen.contains { $0.trimmingCharacters(in: .whitespaces) == String(leadsBefore + 1) }, "\(screen)")
        try tmux.press("C-c")
        try tmux.waitFor("the prompt after watch") { onlyPrompt($0) }

        // Tab completion of a field name.
        try tmux.type("opportunities | where stag")
        try tmux.press("Tab")
        screen = try tmux.waitFor("the completion of 'stag' to 'stage'") { $0.last?.hasPrefix("\(prompt) opportunities | where stage") == true }
        try tmux.type(" = won | count")
        try tmux.press("Enter")
        screen = try tmux.waitFor("the completed query's answer") { l in
            l.count >= 2 && l[l.count - 2].trimmingCharacters(in: .whitespaces) == String(wonBefore) && onlyPrompt(l)
        }

        // Up recalls the previous line (the completed one); Enter runs it again.
        try tmux.press("Up")
        screen = try tmux.waitFor("the recalled line") { l in
            guard let last = l.last, last.hasPrefix(prompt), last.contains("where stage") else { return false }
            return last.replacingOccurrences(of: " ", with: "").hasSuffix("=won|count")
        }
        try tmux.press("Enter")
        try tmux.waitFor("the recalled query's answer") { l in
            l.count >= 2 && l[l.count - 2].trimmingCharacters(in: .whitespaces) == String(wonBefore) && onlyPrompt(l)
                && l.filter { $0.trimmingCharacters(in: .whitespaces) == String(wonBefore) }.count >= 2
        }

        // Ctrl-C on a half-typed line: a fresh prompt, the shell keeps running, the half line is not run.
        try tmux.type("leads | where compa")
        try tmux.waitFor("the half-typed line") { $0.last?.hasSuffix("leads | where compa") == true }
        try tmux.press("C-c")
        try tmux.waitFor("a fresh prompt after Ctrl-C") { onlyPrompt($0) }
        #expect(tmux.alive, "Ctrl-C must not end the shell")
        try tmux.type("leads | count")
        try tmux.press("Enter")
        screen = try tmux.waitFor("the lead count") { l in
            l.count >= 2 && l[l.count - 2].trimmingCharacters(in: .whitespaces) == String(leadsBefore + 1) && onlyPrompt(l)
        }
        #expect(!screen.contains { $0.contains("compa") && $0.contains("error") }, "the abandoned line must not run: \(screen)")

        // A statement spanning lines: the line ends with `|`.
        try tmux.type("leads | where company = \"中華電信\" |")
        try tmux.press("Enter")
        try tmux.type("select id, company")
        try tmux.press("Enter")
        screen = try tmux.waitFor("the two-line query") { l in l.contains { $0.contains("(1 row)") } && onlyPrompt(l) }
        #expect(screen.contains { lead != nil && $0.contains(lead!) && $0.contains("中華電信") && $0.contains("│") }, "\(screen)")

        // Ctrl-D on an empty line leaves, with exit status 0.
        try tmux.press("C-d")
        #expect(try exitStatus() == 0, "salesh should exit 0 on Ctrl-D")

        // The lead is in the store, added by the acting user.
        let q = try ok(t, "leads | where company = \"中華電信\" | select id, owner", format: "csv")
        #expect(parseCSV(q).dropFirst().first?.first == lead, "\(q)")
        let h = try ok(t, "history | where record = \(lead ?? "L0") | select user, action", format: "csv")
        #expect(parseCSV(h).dropFirst().first == ["hua.lin", "create"], "\(h)")

        // History is kept across sessions: a new session recalls the last line with Up; `quit` leaves.
        #expect(FileManager.default.fileExists(atPath: t.file("history")), "SALESH_HISTORY should be written")
        try tmux.start(argv)
        try tmux.waitFor("the prompt of the second session") { onlyPrompt($0) }
        try tmux.press("Up")
        try tmux.waitFor("the last statement of the first session") { l in
            // The recalled statement spans two lines, as it was typed.
            l.count >= 2 && l[l.count - 2].hasPrefix(prompt) && l[l.count - 2].contains(#"company = "中華電信" |"#)
                && l[l.count - 1].contains("select id, company")
        }
        try tmux.press("C-u")
        try tmux.type("quit")
        try tmux.press("Enter")
        #expect(try exitStatus() == 0, "salesh should exit 0 on quit")
    }

    @Test("long results page through less on a terminal; wide ones show a record per block; last re-shows",
          .enabled(if: tmuxPath != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/less"), "tmux and less are needed"),
          .timeLimit(.minutes(1)))
    func pagingAndLayout() throws {
        let t = TempDir()
        try makeDemoStore(t)
        let tmux = Tmux(t)
        defer { tmux.killServer() }
        let env = childEnvironment(t)
        let vars = ["HOME", "LANG", "LC_ALL", "NO_COLOR", "SALESH_TODAY", "SALESH_HISTORY", "PATH"].compactMap { k in env[k].map { "\(k)=\($0)" } }
        try tmux.start(["/usr/bin/env", "-u", "PAGER"] + vars + ["TERM=xterm-256color", try saleshBinary(), "--data", t.store, "--user", "admin"])
        let prompt = "admin@data>"
        func onlyPrompt(_ lines: [String]) -> Bool { lines.last?.trimmingCharacters(in: .whitespaces) == prompt }
        try tmux.waitFor("the prompt") { onlyPrompt($0) }
        // 50 rows on a 40-row terminal: less shows the first screen and waits.
        try tmux.type("opportunities | select id, stage")
        try tmux.press("Enter")
        try tmux.waitFor("the pager") { $0.last?.hasPrefix(":") == true }
        try tmux.press("q")
        try tmux.waitFor("the prompt after the pager") { onlyPrompt($0) }
        // Far too wide for 120 columns (a created record's whole summary): one record per block.
        try tmux.type("history | where action = create and entity = opportunity | take 1")
        try tmux.press("Enter")
        let screen = try tmux.waitFor("a record block") { l in l.contains { $0.hasPrefix("─[ 1 ]") } && onlyPrompt(l) }
        #expect(screen.contains { $0.hasPrefix("new") && $0.contains("│ title=") }, "\(screen)")
        // last: the previous result again, in another format.
        try tmux.type("last | to csv \"\(t.file("last.csv"))\"")
        try tmux.press("Enter")
        try tmux.waitFor("the file written") { l in l.contains { $0.contains("wrote 1 row to") } && onlyPrompt(l) }
        try tmux.press("C-d")
        let csv = try String(contentsOfFile: t.file("last.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("id,at,user,action,entity,record,field,old,new\n"), "\(csv)")
    }
}
