import Foundation
import SalesCore
import SalesLanguage
import LineEditor

/// The interactive loop on a terminal, and the same statement stream read from a pipe.
public final class Repl {
    let session: Session
    public init(session: Session) { self.session = session }

    /// Interactive: prompt, line editing, history, completion. Errors are shown and the shell goes on.
    public func runInteractive() -> ExitStatus {
        let history = ProcessInfo.processInfo.environment["SALESH_HISTORY"]
            ?? (ProcessInfo.processInfo.environment["HOME"].map { $0 + "/.salesh_history" })
        // A shell started with SIGINT blocked (some launchers do) would ignore Ctrl-C.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
        let editor = LineEditor(programName: "salesh", historyFile: history)
        session.pagerEnabled = true
        // On a terminal a table stops at 1,000 rows (maxrows N or off to change it); scripts print everything.
        session.renderer.maxRows = 1000
        let completer = Completer(model: session.model)
        editor.completer = { completer.complete($0) }
        defer { editor.close() }

        let records = session.model.tables.filter { !$0.schema.system }.reduce(0) { $0 + $1.count }
        let lang = session.language
        let ro = session.folder.readOnly ? Messages.text("read-only", lang) : ""
        session.console.out(Messages.text("banner", lang, session.folder.path, ro, records, session.user) + "\n" + Messages.text("banner-help", lang) + "\n")
        let store = URL(fileURLWithPath: session.folder.path).lastPathComponent
        let color = session.renderer.color
        let promptText = "\(session.user)@\(store)\(session.folder.readOnly ? "[ro]" : "")> "
        let prompt = color ? "\u{1B}[1;32m\(promptText)\u{1B}[0m" : promptText
        let more = String(repeating: " ", count: max(0, DisplayWidth.of(promptText) - 4)) + "…> "
        var buffer = ""
        var line = 1
        while !session.quitRequested {
            switch editor.readLine(prompt: buffer.isEmpty ? prompt : more) {
            case .eof:
                if !buffer.isEmpty { buffer = ""; continue }
                session.console.out("")
                return .ok
            case .interrupted:
                buffer = ""
            case .line(let text):
                buffer += (buffer.isEmpty ? "" : "\n") + text
                if buffer.allSatisfy(\.isWhitespace) { buffer = ""; continue }
                guard StatementBuffer.isComplete(buffer) else { continue }
                editor.addHistory(buffer)
                let statement = buffer
                buffer = ""
                session.run(statement, name: "<input>", firstLine: line, keepGoing: true)
                line += statement.split(separator: "\n", omittingEmptySubsequences: false).count
            }
        }
        return .ok
    }

    /// Statements from a pipe: no prompts, no escapes; each statement runs as soon as it is complete,
    /// so a program feeding the shell sees each result before it sends the next.
    public func runStream(name: String = "<stdin>") -> ExitStatus {
        var buffer = ""
        var startLine = 1, lineNo = 0
        var failures = 0
        // A complete statement ending in `}` waits for the next line, which may be its `else`.
        var pending: (text: String, line: Int)? = nil
        func runPending() -> Bool {
            guard let p = pending else { return true }
            pending = nil
            let f = session.run(p.text, name: name, firstLine: p.line)
            failures += f
            return f == 0 || session.options.keepGoing
        }
        while let text = Swift.readLine(strippingNewline: true) {
            lineNo += 1
            if let p = pending, buffer.isEmpty {
                if text.trimmingCharacters(in: .whitespaces).hasPrefix("else") {
                    buffer = p.text; startLine = p.line; pending = nil
                } else if !runPending() { return session.finish(failures: failures) }
                if session.quitRequested { break }
            }
            if buffer.isEmpty { startLine = lineNo }
            buffer += (buffer.isEmpty ? "" : "\n") + text
            if buffer.allSatisfy(\.isWhitespace) { buffer = ""; continue }
            guard StatementBuffer.isComplete(buffer) else { continue }
            if buffer.trimmingCharacters(in: .whitespaces).hasSuffix("}") {
                pending = (buffer, startLine)
            } else {
                pending = (buffer, startLine)
                if !runPending() { return session.finish(failures: failures) }
            }
            buffer = ""
            if session.quitRequested { break }
        }
        if !session.quitRequested, runPending(), !buffer.allSatisfy(\.isWhitespace) {
            failures += session.run(buffer, name: name, firstLine: startLine)
        }
        return session.finish(failures: failures)
    }
}

/// Runs a script file: parsed whole first, so a syntax error anywhere stops it before anything runs.
public struct ScriptRunner {
    let session: Session
    public init(session: Session) { self.session = session }

    public func run(path: String, parameters: [String: String]) -> ExitStatus {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDir: ObjCBool = false
            let why = FileManager.default.fileExists(atPath: path, isDirectory: &isDir) ? (isDir.boolValue ? phrase("it is a folder") : phrase("it cannot be read")) : phrase("no such file")
            session.console.err(Messages.text("error", session.language) + ": " + Phrasebook.translate(phrase("cannot run script \(path): \(why)"), to: session.language) + "\n")
            return .inputError
        }
        guard let text = String(data: data, encoding: .utf8) else {
            session.console.err(Messages.text("error", session.language) + ": " + Phrasebook.translate(phrase("script \(path) is not UTF-8 text"), to: session.language) + "\n")
            return .inputError
        }
        // Parameters are checked against the script's `param` declarations before anything runs.
        let source = Source(name: path, text: text)
        let statements: [Located<Statement>]
        do { statements = try Parser.parse(source) } catch let d as Diagnostic {
            session.console.err(session.diagnostics.render(d, source: source)); return .inputError
        } catch { session.console.err("error: \(error)\n"); return .inputError }
        do { try session.bindParameters(parameters, statements: statements, source: source) } catch let d as Diagnostic {
            session.console.err(session.diagnostics.render(d, source: source)); return .inputError
        } catch { session.console.err("error: \(error)\n"); return .inputError }
        let failures = session.run(text, name: path)
        return session.finish(failures: failures)
    }
}

extension Repl {
    /// `month=2026-10` on the command line: read as a literal when it is one, else as text.
    static func parameterValue(_ text: String) -> Value {
        if let d = Day.parse(text) { return .date(d) }
        if let p = Period.parse(text) { return .period(p) }
        if let i = Int64(text) { return .int(i) }
        if let d = ExactDecimal.parse(text), text.first?.isNumber == true {
            if let i = d.integer { return .int(i) }
            if let m = d.money { return .money(m) }
        }
        if text.hasSuffix("%"), let p = Percent.parse(text) { return .percent(p) }
        if let d = Duration.parse(text) { return .duration(d) }
        return .text(text)
    }
}
