import Foundation
import SalesCore
import SalesLanguage
import SalesStore
import LineEditor

/// Exit statuses of the `salesh` process.
public enum ExitStatus: Int32, Sendable {
    case ok = 0
    case checkFailed = 1
    case inputError = 2
    case storeError = 3
}

public struct SessionOptions: Sendable {
    public var dataDirectory: String
    public var user: String?
    public var format: OutputFormat = .table
    public var readOnly = false
    public var keepGoing = false
    /// Only what needs attention on standard output: failed checks, `print`, and the summary when a check failed.
    public var quiet = false
    /// Checks' results as one JSON document at the end, and nothing else on standard output.
    public var json = false
    /// `--sandbox DIR`: statements read and write files in this folder only.
    public var sandbox: String?
    /// `--lang`; nil: from LC_ALL / LC_MESSAGES / LANG.
    public var language: UILanguage?
    /// Rewrite the snapshot when the journal grows past this many bytes.
    public var snapshotThreshold = 64 << 20
    public init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    /// `--data`, else `$SALESH_DATA`, else `./sales.db`.
    public static func defaultDataDirectory(_ env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        env["SALESH_DATA"].flatMap { $0.isEmpty ? nil : $0 } ?? "sales.db"
    }
}

/// A failure to start: the message to print and the exit status.
public struct StartupError: Error, CustomStringConvertible {
    public var description: String
    public var status: ExitStatus
}

/// Text sinks, so tests can capture what a session prints.
public struct Console: @unchecked Sendable {
    public var out: (String) -> Void
    public var err: (String) -> Void
    public init(out: @escaping (String) -> Void, err: @escaping (String) -> Void) { self.out = out; self.err = err }

    public static let standard = Console(
        out: { s in fputs(s, stdout); fflush(stdout) },
        err: { s in fputs(s, stderr); fflush(stderr) })
}

/// One open store and the state of the shell over it: the model, the acting user, variables, output settings.
public final class Session {
    public let model: Model
    public let folder: DataFolder
    public let interpreter: Interpreter
    public var renderer: Renderer
    public let console: Console
    public let options: SessionOptions
    public private(set) var quitRequested = false
    /// Every check run so far, in order, for the summary, the exit status and `--json`.
    public private(set) var checks: [CheckResult] = []
    private var sourceDepth = 0
    /// `timer on`: each statement's wall-clock time on standard error.
    public var timer = false
    /// Relative file names in statements are taken from here (the current directory when nil).
    public var baseDirectory: String?
    var diagnostics: DiagnosticRenderer
    public var language: UILanguage { renderer.language }

    public var user: String { interpreter.ctx.user }

    public static func open(_ options: SessionOptions, console: Console = .standard,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            io: any FileIO = POSIXFileIO()) throws -> Session {
        let isTTY = isatty(STDOUT_FILENO) == 1
        let color = isTTY && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
        let clock = Clock(environment: environment)
        var options = options
        // SALESH_SNAPSHOT_BYTES: rewrite the snapshot when the journal passes this size (default 64 MiB).
        if let n = environment["SALESH_SNAPSHOT_BYTES"].flatMap({ Int($0) }), n > 0 { options.snapshotThreshold = n }
        let lang = options.language ?? UILanguage.from(environment: environment)
        let holder = "pid \(getpid()), user \(options.user ?? environment["SALESH_USER"] ?? environment["USER"] ?? "?") on \(ProcessInfo.processInfo.hostName), since \(clock.now)"
        // A reader that finds the snapshot rewritten by a writer while it read reads again, into a new model.
        let model: Model, folder: DataFolder
        do {
            (model, folder) = try DataFolder.readAgainWhileReplaced {
                try read(options, holder: holder, io: io, console: console, language: lang)
            }
        } catch where !(error is StartupError) {
            throw StartupError(description: phrase("cannot open store \(options.dataDirectory): \(error)") + "\n" + phrase("nothing was loaded; the files are left as they are"), status: .storeError)
        }
        for w in folder.warnings { console.err(Messages.text("warning", lang) + ": " + Phrasebook.translate(w.message, to: lang) + "\n") }

        // Who acts: --user (or $SALESH_USER) names an active staff member. An OS account bound to a staff
        // member (staff.login) acts as them only. Without either, the OS user reads but changes nothing
        // once staff exist (an empty store can be set up by anyone).
        let osUser = Session.osUserName(environment)
        var user = options.user ?? environment["SALESH_USER"].flatMap { $0.isEmpty ? nil : $0 }
        let staff = model.table("staff")
        func refuse(_ message: String) -> StartupError {
            folder.close()
            return StartupError(description: message, status: .inputError)
        }
        if let li = staff.schema.fieldIndex("login"), let bound = staff.slots(where: li, is: .text(osUser)).compactMap({ staff.record(at: $0) }).first {
            if let u = user, u != bound.id {
                throw refuse("OS user \(osUser) is bound to staff \(bound.id) (staff.login), so it acts as \(bound.id) only, not as \(u)")
            }
            user = bound.id
        }
        if let u = user, staff.count > 0 {
            guard let r = staff.record(u) else {
                let hint = Suggest.nearest(u, in: staff.ids).map { phrase(" (did you mean '\($0)'?)") } ?? ""
                throw refuse("unknown user '\(u)': --user names a staff id\(hint)")
            }
            if let ai = staff.schema.fieldIndex("active"), r.values[ai] == .bool(false) {
                throw refuse("staff \(u) is not active, so cannot act; an admin may set \(u) active=yes")
            }
        }
        if user == nil { user = osUser }

        var ctx = EvalContext(model: model, today: clock.today, now: clock.now, user: user!)
        ctx.environment = environment
        let interp = Interpreter(ctx: ctx)
        interp.readOnly = folder.readOnly
        let width: Int? = isTTY ? terminalWidth() : nil
        let s = Session(model: model, folder: folder, interpreter: interp,
                        renderer: Renderer(format: options.format, width: width, color: color),
                        console: console, options: options, clock: clock, color: color)
        s.osUser = osUser
        s.renderer.language = lang
        s.diagnostics.language = lang
        interp.commit = { [unowned s] tx in try s.journal(tx) }
        interp.emit = { [unowned s] out in try s.handle(out) }
        if lang != .en { interp.describeWarning = { w in Warnings.describe(w, model, text: HelpText.text(w.why, lang)) } }
        return s
    }

    /// Opens the store and reads it into a new model. A failure to read closes the folder and is thrown as
    /// it is, as is replacedWhileReading (for the caller to read again); any other failure to open is a
    /// StartupError.
    private static func read(_ options: SessionOptions, holder: String, io: any FileIO, console: Console,
                             language lang: UILanguage) throws -> (Model, DataFolder) {
        let model = Model()
        let folder: DataFolder
        do {
            folder = try DataFolder.open(path: options.dataDirectory, readOnly: options.readOnly, create: !options.readOnly, holderInfo: holder, io: io)
        } catch let e as StoreError {
            if case .replacedWhileReading = e { throw e }
            var msg = phrase("cannot open store \(options.dataDirectory): \(e)")
            if case .locked = e { msg += "\n" + phrase("hint: open it read-only with --read-only, or wait until the other shell quits") }
            throw StartupError(description: msg, status: .storeError)
        }
        do {
            if let snapshot = try folder.loadSnapshot() {
                // Each table's records are decoded when first used: the checksum has already covered
                // them all, and a script that reads three tables of a large store decodes those three.
                try ModelCodec.decodeSnapshot(snapshot.payload, additions: snapshot.additions, into: model, deferring: true)
                model.lastSeq = snapshot.lastSeq
                let dir = options.dataDirectory
                Table.onLoadFailure = { table, error in
                    let what = "\(table.schema.plural): \(error)"
                    console.err(Phrasebook.translate(phrase("store \(dir) is damaged: \(what)"), to: lang) + "\n"
                                + Phrasebook.translate(phrase("nothing was changed; restore it from a backup (salesh backup writes one)"), to: lang) + "\n")
                    exit(ExitStatus.storeError.rawValue)
                }
            }
            for entry in try folder.readJournal(afterSeq: model.lastSeq) {
                let tx = try ModelCodec.decodeTransaction(entry.payload, schema: model.schema)
                do { try model.replay(tx, seq: entry.seq) } catch let e as DomainError {
                    throw StoreError.corruptJournal(path: folder.journalPath, offset: 0, reason: e.message)
                }
            }
        } catch {
            folder.close()
            throw error
        }
        return (model, folder)
    }

    let clock: Clock
    /// The operating-system account, recorded in the history beside the acting staff member.
    public private(set) var osUser = ""

    static func osUserName(_ environment: [String: String]) -> String {
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return environment["USER"] ?? "unknown"
    }

    init(model: Model, folder: DataFolder, interpreter: Interpreter, renderer: Renderer, console: Console,
         options: SessionOptions, clock: Clock, color: Bool) {
        self.model = model; self.folder = folder; self.interpreter = interpreter; self.renderer = renderer
        self.console = console; self.options = options; self.clock = clock
        diagnostics = DiagnosticRenderer(color: color && isatty(STDERR_FILENO) == 1)
    }

    /// Appends a transaction to the journal (flushed to disk) before the model keeps it.
    func journal(_ tx: Transaction) throws {
        var tx = tx
        tx.osUser = osUser
        var snapshotFailed = false
        let room = options.snapshotThreshold - folder.journalBytes
        if ModelCodec.encodedSizeBound(tx, schema: model.schema, limit: room, model: model) > room, !folder.readOnly {
            // A snapshot the disk cannot take leaves the journal, which may still have room.
            do { try keepInSnapshot(tx); return } catch { warnSnapshot(error); snapshotFailed = true }
        }
        // Records made in place are written with their values, read from the tables.
        let payload = ModelCodec.encode(tx, schema: model.schema, model: model)
        let seq: UInt64
        do { seq = try folder.append(payload) } catch {
            throw Diagnostic("the change could not be written to the store, so it was not made: \(error)")
        }
        model.recordHistory(tx)
        model.lastSeq = seq
        if folder.journalBytes > options.snapshotThreshold, !snapshotFailed {
            do { try save() } catch { warnSnapshot(error) }
        }
    }

    private func warnSnapshot(_ error: Error) {
        console.err(Messages.text("warning", language) + ": " + Phrasebook.translate(phrase("snapshot rewrite failed: \(error)"), to: language) + "\n")
    }

    /// Keeps a change that would take the journal past the threshold in the snapshot it would cause,
    /// rather than writing it twice (a large import): the snapshot holds it under the next seq.
    private func keepInSnapshot(_ tx: Transaction) throws {
        let count = model.history.count, next = model.history.nextNumberWithoutLoading
        let seq = folder.lastSeq + 1
        let begun = canAppend(lastSeq: seq) ? ModelCodec.BegunAddition(model, except: model.historyIndex) : nil
        // An import's history names the file and line of each record it made: no summaries to make.
        model.recordHistory(tx, summaries: tx.source == nil ? Self.summaries(of: tx.materialized(in: model), model.schema) : nil)
        do { try writeSnapshot(lastSeq: seq, begun: begun) } catch {
            // Put in place, the snapshot holds the change whatever failed after (syncing the folder,
            // emptying the journal): the change is kept. Not put in place, it is not made.
            guard folder.snapshotLastSeq == seq else {
                model.dropHistory(downTo: count, nextNumber: next)
                throw error
            }
            warnSnapshot(error)
        }
        model.lastSeq = seq
    }

    /// The history's summary of each record a large change creates or deletes, made on every core
    /// (records made in place, `Change.created`, given their values first: `Transaction.materialized`).
    static func summaries(of tx: Transaction, _ schema: Schema) -> [String] {
        let changes = tx.changes, pieces = 64
        var out = [String](repeating: "", count: changes.count)
        out.withUnsafeMutableBufferPointer { out in
            DispatchQueue.concurrentPerform(iterations: pieces) { p in
                for i in ModelCodec.piece(p, of: pieces, in: changes.count) {
                    switch changes[i] {
                    case .create(let e, let r), .delete(let e, let r): out[i] = Model.summary(of: r, entity: schema.entities[e])
                    case .update, .created: break
                    }
                }
            }
        }
        return out
    }

    /// Rewrites the snapshot from the model and empties the journal.
    public func save() throws {
        guard !folder.readOnly else { return }
        try writeSnapshot(lastSeq: model.lastSeq)
    }

    /// Writes the model as the snapshot, then takes each table's records as the new file holds them.
    /// When nothing changed since the last save but records were added (an import), only those are
    /// written, appended to the snapshot as an addition.
    private func writeSnapshot(lastSeq: UInt64, begun: ModelCodec.BegunAddition? = nil) throws {
        if canAppend(lastSeq: lastSeq), let plan = ModelCodec.encodeAdditionPlan(model, begun: begun) {
            // An addition written but not taken back as the file holds it would be written again by the
            // next addition: until a whole snapshot is written, none is appended.
            addedSinceUnknown = true
            let written: ByteSlice?
            do { written = try folder.appendToSnapshot(parts: plan.parts, lastSeq: lastSeq) } catch {
                // Cut back off the file, the addition is not there: the model's record still holds.
                if folder.snapshotLastSeq < lastSeq { addedSinceUnknown = false }
                throw error
            }
            if let payload = written {
                ModelCodec.rememberAdded(model, payload: payload, tables: plan.tables)
                addedSinceUnknown = false
            }
            return
        }
        let plan = ModelCodec.encodeSnapshotPlan(model)
        if let payload = try folder.writeSnapshot(parts: plan.parts, lastSeq: lastSeq) {
            ModelCodec.rememberWritten(model, payload: payload, tables: plan.tables)
            addedSinceUnknown = false
        }
    }
    /// Set while the model's record of what the snapshot holds may be behind it (see writeSnapshot).
    private var addedSinceUnknown = false
    /// Whether a save up to `lastSeq` may append to the snapshot, tables permitting.
    private func canAppend(lastSeq: UInt64) -> Bool { folder.canAppendToSnapshot && lastSeq > folder.snapshotLastSeq && !addedSinceUnknown }

    /// True when the journal holds changes the snapshot does not.
    public var hasUnsnapshottedChanges: Bool { !folder.readOnly && model.lastSeq > folder.snapshotLastSeq }

    /// Saves when there are changes and releases the store.
    public func close() {
        if hasUnsnapshottedChanges {
            do { try save() } catch { console.err(Messages.text("warning", language) + ": " + Phrasebook.translate(phrase("could not rewrite the snapshot (the journal keeps every change): \(error)"), to: language) + "\n") }
        }
        folder.close()
    }

    /// A file name as a statement wrote it, resolved against `baseDirectory` (or the sandbox), and with
    /// `--sandbox DIR` refused unless it stays inside DIR once `..` and symbolic links are followed.
    func resolve(_ path: String, at location: SourceLocation? = nil) throws -> String {
        let base = options.sandbox ?? baseDirectory
        let full = path.hasPrefix("/") || base == nil ? path : URL(fileURLWithPath: base!).appendingPathComponent(path).path
        guard let sandbox = options.sandbox else { return full }
        let root = URL(fileURLWithPath: sandbox).standardizedFileURL.resolvingSymlinksInPath().path
        var url = URL(fileURLWithPath: full).standardizedFileURL
        url = url.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(url.lastPathComponent)
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) != nil { url = url.resolvingSymlinksInPath() }
        guard url.path.hasPrefix(root + "/") else {
            throw Diagnostic("\(path) is outside the sandbox \(sandbox); files are read and written there only", at: location,
                             hint: "name a file inside it, e.g. \"\(URL(fileURLWithPath: path).lastPathComponent)\"")
        }
        return url.path
    }

    // MARK: running statements

    /// Runs source text. Returns the number of statements that failed; stops at the first unless `keepGoing`.
    @discardableResult
    public func run(_ text: String, name: String, firstLine: Int = 1, keepGoing: Bool? = nil) -> Int {
        let source = Source(name: name, text: text, firstLine: firstLine)
        interpreter.ctx.today = clock.today
        let statements: [Located<Statement>]
        do { statements = try Parser.parse(source) } catch let d as Diagnostic {
            console.err(diagnostics.render(d, source: source)); return 1
        } catch { console.err("error: \(error)\n"); return 1 }
        var failures = 0
        for st in statements {
            interpreter.ctx.now = clock.now
            let started = DispatchTime.now().uptimeNanoseconds
            defer {
                if timer {
                    let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
                    console.err(Messages.text("timer", language, ms < 10 ? String(format: "%.3f", ms) : String(format: "%.1f", ms)) + "\n")
                }
            }
            do {
                try handle(try interpreter.run(st, in: source))
            } catch is AlreadyReported {
                failures += 1
            } catch let d as Diagnostic {
                console.err(diagnostics.render(d, source: source))
                failures += 1
            } catch {
                console.err("error: \(error)\n")
                failures += 1
            }
            if quitRequested || (failures > 0 && !(keepGoing ?? options.keepGoing)) { break }
        }
        return failures
    }

    /// Output longer than the terminal goes through `$PAGER` (default `less -FRSX`), in the interactive
    /// shell only; `PAGER=` (empty) turns it off.
    public var pagerEnabled = false

    func page(_ text: String) {
        guard showsResults else { return }
        guard pagerEnabled, let rows = terminalRows(), text.reduce(0, { $0 + ($1 == "\n" ? 1 : 0) }) >= rows - 1 else { console.out(text); return }
        let pager = ProcessInfo.processInfo.environment["PAGER"] ?? "less -FRSX"
        guard !pager.trimmingCharacters(in: .whitespaces).isEmpty else { console.out(text); return }
        // popen keeps the pager in the shell's process group, so it may read keys from the terminal.
        fflush(stdout)
        guard let pipe = popen(pager, "w") else { console.out(text); return }
        let previous = signal(SIGPIPE, SIG_IGN)
        fputs(text, pipe)
        pclose(pipe)
        signal(SIGPIPE, previous)
    }

    /// Standard output for results; `--quiet` and `--json` keep it for what needs attention.
    var showsResults: Bool { !options.quiet && !options.json }
    func say(_ text: String) { if showsResults { console.out(text) } }
    /// Says a message of the shell's own, in the session's language.
    func tell(_ text: String) { say(Phrasebook.translate(text, to: language) + "\n") }

    func handle(_ output: Output) throws {
        switch output {
        case .none: break
        case .message(let m): tell(m)
        case .table(let t):
            interpreter.ctx.tables["last"] = t
            page(renderer.render(t))
        case .chart(let t, let kind): say(renderer.renderChart(t, kind: kind))
        case .export(let t, let fmt, let path, let location):
            interpreter.ctx.tables["last"] = t
            let r = Renderer(format: OutputFormat.parse(fmt) ?? .csv, width: nil, color: false)
            let text = r.render(t)
            let file = try resolve(path, at: location)
            do { try text.write(toFile: file, atomically: true, encoding: .utf8) } catch {
                throw Diagnostic("cannot write \(path): \((error as NSError).localizedDescription)", at: location)
            }
            say((t.rows.count == 1 ? Messages.text("wrote-one", language, path) : Messages.text("wrote", language, t.rows.count, path)) + "\n")
        case .scalar(let v, let t): say(renderer.render(scalar: v, type: t))
        case .record(let view): say(renderer.render(view))
        case .help(let words): say(Help(schema: model.schema, model: model, language: language).text(for: words))
        case .importFile(let request): tell(try Importer(session: self, request: request).run())
        case .check(let result):
            checks.append(result)
            if options.json { break }
            if result.passed {
                say(renderer.bold("✓") + " " + result.label + "\n")
            } else {
                let count = result.rows.map { Phrasebook.translate($0.rows.count == 1 ? phrase(" (1 row)") : phrase(" (\($0.rows.count) rows)"), to: language) } ?? ""
                console.out(renderer.bold("✗ " + result.message) + count + "  [\(result.sourceName):\(result.location.line)]\n")
                if let rows = result.rows, !rows.rows.isEmpty { console.out(renderer.render(rows)) }
            }
        case .source(let path, let location):
            guard sourceDepth < 16 else { throw Diagnostic("source files nested more than 16 deep; does a file source itself?", at: location) }
            let file = try resolve(path, at: location)
            guard let data = FileManager.default.contents(atPath: file) else {
                throw Diagnostic("cannot read \(path): \(FileManager.default.fileExists(atPath: file) ? phrase("permission denied") : phrase("no such file"))", at: location)
            }
            guard let text = String(data: data, encoding: .utf8) else { throw Diagnostic("\(path) is not UTF-8 text", at: location) }
            sourceDepth += 1
            defer { sourceDepth -= 1 }
            if run(text, name: path) > 0 { throw AlreadyReported() }
        case .watch(let seconds, let statement, let source):
            guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
                throw Diagnostic("watch reruns a statement on a terminal until Ctrl-C; in a script, run the script from cron instead",
                                 at: source.location(of: statement.span))
            }
            let what = source.text(statement.span)
            var failure: Error? = nil
            LineEditor.untilInterrupted { interrupted in
                while failure == nil && !interrupted() {
                    console.out("\u{1B}[H\u{1B}[2J")
                    console.out(renderer.bold(Messages.text("watch", language, Value.formatReal(seconds), what, "\(clock.now)")) + "\n\n")
                    interpreter.ctx.now = clock.now
                    interpreter.ctx.today = clock.today
                    do { try handle(try interpreter.run(statement, in: source)) } catch { failure = error }
                    var waited = 0.0
                    while waited < seconds && !interrupted() { usleep(100_000); waited += 0.1 }
                }
            }
            if let failure { throw failure }
            console.out("\n")
        case .warnings(let list):
            if renderer.format == .table {
                let tripped = list.filter { !$0.rows.rows.isEmpty }
                for (w, why, rows) in list where !rows.rows.isEmpty {
                    let text = interpreter.describeWarning?(w) ?? why
                    say(renderer.bold("\(w.name): \(rows.rows.count) — \(text)") + "\n" + renderer.render(rows) + "\n")
                }
                let clear = list.filter { $0.rows.rows.isEmpty }.map(\.warning.name)
                tell(clear.isEmpty ? phrase("\(tripped.count) of \(list.count) warnings tripped") : phrase("\(tripped.count) of \(list.count) warnings tripped; clear: \(clear.joined(separator: ", "))"))
            } else {
                for (w, _, rows) in list {
                    let tagged = ResultTable(columns: [Column("warning", .text)] + rows.columns, rows: rows.rows.map { [.text(w.name)] + $0 })
                    say(renderer.render(tagged))
                }
            }
        case .save:
            guard !folder.readOnly else { throw Diagnostic("the store is open read-only") }
            try save()
            tell(phrase("saved \(folder.path) (\(model.tables.reduce(0) { $0 + $1.count }) records)"))
        case .quit: quitRequested = true
        case .maxRows(let n):
            renderer.maxRows = n
            tell(n.map { phrase("tables show at most \($0) rows") } ?? phrase("tables show every row"))
        case .timer(let on):
            guard let on else { tell(timer ? phrase("timer: on") : phrase("timer: off")); return }
            timer = on
        case .clear: if isatty(STDOUT_FILENO) == 1 { console.out("\u{1B}[H\u{1B}[2J") }
        case .format(let f, let location):
            guard let f else { console.out("format: \(renderer.format.rawValue)\n"); return }
            guard let fmt = OutputFormat.parse(f) else {
                let names = OutputFormat.allCases.map(\.rawValue)
                throw Diagnostic("unknown format '\(f)'", at: location,
                                 hint: Suggest.nearest(f, in: names).map { "did you mean '\($0)'?" } ?? "formats: \(names.joined(separator: ", "))")
            }
            renderer.format = fmt
        }
    }
}

/// An error already shown to the user (inside a sourced file), counted but not shown again.
struct AlreadyReported: Error {}

extension Session {
    /// Checks command-line parameters against the script's `param` declarations, before anything runs:
    /// each must be declared and read as its default's type. They take over the defaults when the
    /// `param` statements run.
    public func bindParameters(_ given: [String: String], statements: [Located<Statement>], source: Source) throws {
        let declared = try interpreter.parameters(of: statements, in: source)
        var overrides: [String: Value] = [:]
        for (k, v) in given.sorted(by: { $0.key < $1.key }) {
            guard let p = declared.first(where: { $0.name == k }) else {
                let names = declared.map(\.name)
                throw Diagnostic("\(source.name) has no parameter '\(k)'", hint: Suggest.nearest(k, in: names).map { "did you mean '\($0)'?" }
                                 ?? (names.isEmpty ? phrase("it declares none; declare one with: param \(k) = DEFAULT") : phrase("its parameters: \(names.joined(separator: ", "))")))
            }
            overrides[k] = try interpreter.parameterValue(Repl.parameterValue(v), as: p.type, name: k, at: p.span, source)
        }
        interpreter.parameterOverrides = overrides
    }

    /// Ends a script or `-c` run: the checks' summary (or JSON document), and the exit status —
    /// 2 when a statement failed, else 1 when a check failed, else 0.
    public func finish(failures: Int) -> ExitStatus {
        let failedChecks = checks.contains { !$0.passed }
        if options.json {
            console.out(checksJSON(errors: failures))
        } else if let summary = checkSummary, !options.quiet || failedChecks {
            console.out(summary + "\n")
        }
        return failures > 0 ? .inputError : (failedChecks ? .checkFailed : .ok)
    }

    /// The line that ends a script with checks: how many passed and failed.
    public var checkSummary: String? {
        guard !checks.isEmpty else { return nil }
        let failed = checks.filter { !$0.passed }.count
        return Messages.text("checks", language, checks.count - failed, failed)
    }

    /// The checks as one JSON document: `{"passed": N, "failed": N, "errors": N, "checks": [...]}`.
    public func checksJSON(errors: Int) -> String {
        let r = Renderer(format: .json, width: nil, color: false)
        let items = checks.map { c -> String in
            var fields = ["\"name\": \(c.name.map(Renderer.jsonString) ?? "null")", "\"check\": \(Renderer.jsonString(c.label))",
                          "\"message\": \(Renderer.jsonString(c.message))",
                          "\"passed\": \(c.passed)", "\"file\": \(Renderer.jsonString(c.sourceName))", "\"line\": \(c.location.line)"]
            if let rows = c.rows {
                let objects = rows.rows.map { row in
                    "{" + zip(rows.columns, row).map { "\(Renderer.jsonString($0.name)): \(r.jsonValue($1, $0.type))" }.joined(separator: ", ") + "}"
                }
                fields.append("\"count\": \(rows.rows.count)")
                fields.append("\"rows\": [" + objects.joined(separator: ", ") + "]")
            }
            return "    {" + fields.joined(separator: ", ") + "}"
        }
        let failed = checks.filter { !$0.passed }.count
        return "{\n  \"passed\": \(checks.count - failed),\n  \"failed\": \(failed),\n  \"errors\": \(errors),\n  \"checks\": [\n"
            + items.joined(separator: ",\n") + (items.isEmpty ? "" : "\n") + "  ]\n}\n"
    }
}

/// Today and now, from the system clock, or pinned with `SALESH_TODAY=2026-10-15` for reproducible runs.
struct Clock {
    let pinned: Day?
    init(environment: [String: String]) { pinned = environment["SALESH_TODAY"].flatMap { Day.parse($0) } }

    var now: Timestamp {
        if let p = pinned { return Timestamp(millis: (Int64(p.raw) * 86400 + 9 * 3600) * 1000) }
        return Timestamp(millis: Int64(Date().timeIntervalSince1970 * 1000))
    }

    var today: Day {
        if let p = pinned { return p }
        // The C library's zone (TZ, /etc/localtime): Foundation's TimeZone.current costs ICU a
        // start-up's twentieth.
        let millis = now.millis
        var seconds = time_t(millis / 1000), local = tm()
        localtime_r(&seconds, &local)
        return Day.from(unixMillis: millis, offsetSeconds: Int(local.tm_gmtoff))
    }
}

func terminalRows() -> Int? {
    var ws = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_row > 0 { return Int(ws.ws_row) }
    return nil
}

func terminalWidth() -> Int? {
    var ws = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { return Int(ws.ws_col) }
    return nil
}
