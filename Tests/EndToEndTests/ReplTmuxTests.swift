import Foundation
import Testing
import SalesShell

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

    /// The test environment's variables a shell in the pane gets, as NAME=VALUE for env(1).
    func environment(_ names: [String] = ["HOME", "LANG", "LC_ALL", "NO_COLOR", "SALESH_TODAY", "SALESH_HISTORY", "PATH"]) -> [String] {
        let env = childEnvironment(t)
        return names.compactMap { k in env[k].map { "\(k)=\($0)" } }
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
        let vars = tmux.environment()
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
        let vars = tmux.environment()
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

    @Test("completion in each context, in English and Chinese; Ctrl-R searches the history; short results do not page",
          .enabled(if: tmuxPath != nil, "tmux is not installed (scripts/test installs it)"),
          .timeLimit(.minutes(1)))
    func completionAndSearch() throws {
        let t = TempDir()
        try makeDemoStore(t)
        t.write("q4 訓練.csv", "staff,course,date,hours\n")
        let tmux = Tmux(t)
        defer { tmux.killServer() }
        let vars = tmux.environment()
        // Started in the temporary folder, so file names complete from there.
        try tmux.start(["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", t.path, "/usr/bin/env", "-u", "PAGER"] + vars
                       + ["TERM=xterm-256color", try saleshBinary(), "--data", t.store, "--user", "admin"])
        let prompt = "admin@data>"
        func onlyPrompt(_ lines: [String]) -> Bool { lines.last?.trimmingCharacters(in: .whitespaces) == prompt }
        try tmux.waitFor("the prompt") { onlyPrompt($0) }

        /// Types `text`, presses Tab, and waits until the line reads `expected` (the prompt, a space, then it).
        func completes(_ text: String, to expected: String, _ context: String) throws {
            try tmux.press("C-u")
            try tmux.type(text)
            try tmux.press("Tab")
            try tmux.waitFor("\(context): '\(text)' to complete to '\(expected)'") { l in
                l.last.map { $0.hasPrefix(prompt) && $0.dropFirst(prompt.count).trimmingCharacters(in: .whitespaces) == expected.trimmingCharacters(in: .whitespaces) } == true
            }
        }
        /// Types `text`, presses Tab twice, and waits for a list (in columns) holding every one of `items`.
        func lists(_ text: String, _ items: [String], _ context: String) throws -> [String] {
            try tmux.press("C-u")
            try tmux.press("C-l")
            try tmux.type(text)
            try tmux.press("Tab")
            usleep(150_000)
            try tmux.press("Tab")
            return try tmux.waitFor("\(context): the list after '\(text)' to show \(items)") { l in
                let words = Set(l.dropLast().flatMap { $0.split(separator: " ").map(String.init) })
                return items.allSatisfy(words.contains)
            }
        }

        try completes("ad", to: "add", "a statement")
        var screen = try lists("add ", ["lead", "客戶線索", "opportunity", "商機", "expense"], "entities after add, English and Chinese")
        #expect(screen.contains { $0.split(separator: " ").count >= 4 }, "candidates are laid out in columns: \(screen)")
        try completes("add 員", to: "add 員工", "a Chinese entity name")
        try completes("opportunities | where stag", to: "opportunities | where stage", "a field after where")
        _ = try lists("opportunities | where ", ["amount", "金額", "stage", "階段", "owner"], "fields after where")
        try completes("leads | where 來", to: "leads | where 來源", "a Chinese field name")
        try completes("opportunities | where stage = neg", to: "opportunities | where stage = negotiation", "a stage")
        _ = try lists("opportunities | where stage = ", ["negotiation", "商務談判", "won"], "stages, English and Chinese")
        try completes("leads | where source = exh", to: "leads | where source = exhibition", "an enumeration value")
        try completes("add lead owner=hua.l", to: "add lead owner=hua.lin", "a staff id after owner=")
        screen = try lists("show O1", ["O10", "O11", "O12"], "ids after show")
        try completes("import training from \"q4", to: "import training from \"q4 訓練.csv\"", "a file name in quotes")
        try completes("help opp", to: "help opportunity", "a help topic")
        try completes("report fun", to: "report funnel", "a report")

        // Ctrl-R: an incremental search back through the history; Enter runs the line found.
        try tmux.press("C-u")
        try tmux.type("leads | where source = 展會 | count")
        try tmux.press("Enter")
        try tmux.waitFor("the count") { onlyPrompt($0) && $0.count >= 2 && Int($0[$0.count - 2].trimmingCharacters(in: .whitespaces)) != nil }
        let count = try tmux.lines().dropLast().last!.trimmingCharacters(in: .whitespaces)
        try tmux.type("customers | count")
        try tmux.press("Enter")
        try tmux.waitFor("the customer count") { onlyPrompt($0) }
        // 會 (U+6703) is in the search on purpose: its low byte is that of Ctrl-C, which ended libedit's
        // own search; the shell's search takes whole characters.
        try tmux.press("C-r")
        try tmux.type("展會")
        screen = try tmux.waitFor("the search to find the line") { l in
            l.last == "(search) `展會': leads | where source = 展會 | count"
        }
        try tmux.press("Enter")
        screen = try tmux.waitFor("the found line's answer") { l in
            onlyPrompt(l) && l.count >= 3 && l[l.count - 2].trimmingCharacters(in: .whitespaces) == count
                && l[l.count - 3] == "\(prompt) leads | where source = 展會 | count"
        }
        // Ctrl-G gives back the line as it was; a search that finds nothing says so.
        try tmux.type("half typed")
        try tmux.press("C-r")
        try tmux.type("zzz")
        try tmux.waitFor("the failing search") { $0.last == "(search failed) `zzz': half typed" }
        try tmux.press("C-g")
        try tmux.waitFor("the line given back") { $0.last == "\(prompt) half typed" }
        try tmux.press("C-u")

        // Paging off: a result that fits the screen is printed, not paged.
        try tmux.type("opportunities | take 5 | select id, stage")
        try tmux.press("Enter")
        screen = try tmux.waitFor("the short table") { l in l.contains { $0.contains("(5 rows)") } && onlyPrompt(l) }
        #expect(!screen.contains { $0.hasPrefix(":") || $0.contains("(END)") }, "a short result must not page: \(screen)")
        try tmux.press("C-d")
    }

    @Test("a new user's session in Traditional Chinese (LANG=zh_TW.UTF-8), then the same in English",
          .enabled(if: tmuxPath != nil, "tmux is not installed (scripts/test installs it)"),
          .timeLimit(.minutes(1)))
    func chineseWalkThrough() throws {
        let t = TempDir()
        try makeDemoStore(t)
        let tmux = Tmux(t)
        defer { tmux.killServer() }
        let vars = tmux.environment(["HOME", "NO_COLOR", "SALESH_TODAY", "SALESH_HISTORY", "PATH"])
        let prompt = "hua.lin@data>"
        func onlyPrompt(_ lines: [String]) -> Bool { lines.last?.trimmingCharacters(in: .whitespaces) == prompt }
        func run(_ line: String, _ what: String, _ done: @escaping ([String]) -> Bool) throws -> [String] {
            try tmux.press("C-l")
            try tmux.type(line)
            try tmux.press("Enter")
            return try tmux.waitFor(what) { done($0) && onlyPrompt($0) }
        }
        /// Every row of a table has its column bars at the same display columns.
        func aligned(_ lines: [String]) -> Bool {
            let rows = lines.filter { $0.contains("│") || $0.contains("┼") }
            let bars = rows.map { row -> [Int] in
                var col = 0, at: [Int] = []
                for ch in row { if ch == "│" || ch == "┼" { at.append(col) }; col += DisplayWidth.of(ch) }
                return at
            }
            return rows.count >= 3 && Set(bars.map { $0.description }).count == 1
        }

        for lang in ["zh_TW.UTF-8", "en_US.UTF-8"] {
            let zh = lang.hasPrefix("zh")
            try tmux.start(["/usr/bin/env", "-u", "LC_ALL", "-u", "LC_MESSAGES", "LANG=\(lang)"] + vars
                           + ["TERM=xterm-256color", try saleshBinary(), "--data", t.store, "--user", "hua.lin"])
            var screen = try tmux.waitFor("the banner and prompt") { onlyPrompt($0) }
            #expect(screen.contains { $0.contains(zh ? "輸入 help 查看指令" : "Type help for statements") }, "\(screen)")

            // 展会 (Simplified) is the source 行業展會; the confirmation is in the session's language.
            let company = zh ? "遠傳電信" : "中華電信"
            screen = try run("add lead company=\"\(company)\" source=展会 owner=hua.lin", "the lead added") { l in
                l.contains { $0.contains(zh ? "已新增 L" : "added L") && $0.contains(company) }
            }
            // A table with Chinese customer names and headings, aligned.
            screen = try run("leads | where source = 展會 | sort id desc | take 5 | select id, company, source, status", "the leads") { l in
                l.contains { $0.contains(zh ? "（共 5 列）" : "(5 rows)") }
            }
            #expect(screen.contains { zh ? ($0.contains("編號") && $0.contains("公司") && $0.contains("來源") && $0.contains("狀態"))
                                         : ($0.contains("id") && $0.contains("company") && $0.contains("source")) }, "\(screen)")
            #expect(screen.contains { $0.contains(company) && $0.contains(zh ? "行業展會" : "exhibition") }, "\(screen)")
            #expect(aligned(screen), "the table's columns must line up: \(screen)")
            // An error: the message, the caret and the suggestion in the session's language.
            screen = try run("opportunities | where amout > 100k", "the error") { l in l.contains { $0.contains("^^^^^") } }
            #expect(screen.contains { $0.contains(zh ? "錯誤: 商機沒有欄位「amout」" : "error: unknown field 'amout' on opportunity") }, "\(screen)")
            #expect(screen.contains { $0.contains(zh ? "提示: 是不是要找「amount」？" : "help: did you mean 'amount'?") }, "\(screen)")
            // A rule refusing a change, in the session's language.
            screen = try run("set O1 probability=150%", "the refusal") { l in l.contains { $0.contains("^") } }
            #expect(screen.contains { $0.contains(zh ? "贏率 必須介於 0% 和 100% 之間" : "probability must be between") }, "\(screen)")
            // Completion offers the fields after where.
            try tmux.press("C-l")
            try tmux.type("leads | where sour")
            try tmux.press("Tab")
            try tmux.waitFor("source completed") { $0.last?.hasSuffix("leads | where source") == true }
            try tmux.press("C-u")
            // Help in the session's language.
            screen = try run("help lead", "the help page") { l in l.contains { $0.contains(zh ? "欄位" : "fields:") } }
            #expect(screen.contains { $0.hasPrefix("lead (客戶線索)") || $0.contains("客戶線索") }, "\(screen)")
            try tmux.press("C-d")
            try tmux.waitExit()
        }
    }
}
