import ArgumentParser
import Foundation
import SalesCore
import SalesShell

/// Options every way of running salesh shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data folder (default: $SALESH_DATA, else ./sales.db).", valueName: "dir"))
    var data: String?

    @Option(name: .long, help: ArgumentHelp("The staff id acting (default: $SALESH_USER).", valueName: "id"))
    var user: String?

    @Option(name: .long, help: ArgumentHelp("Output format: table, csv, tsv, json or markdown.", valueName: "format"))
    var format: String?

    @Flag(name: .long, help: "Open the store without taking the write lock; nothing can be changed.")
    var readOnly = false

    @Flag(name: .long, help: "In scripts and -c, go on after a failing statement (the exit status still says it failed).")
    var keepGoing = false

    @Flag(name: .long, help: "Print only what needs attention: failed checks, print statements, errors.")
    var quiet = false

    @Flag(name: .long, help: "Print the checks' results as one JSON document, and nothing else on standard output.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Write standard output to this file instead.", valueName: "file"))
    var output: String?

    @Option(name: .long, help: ArgumentHelp("Let statements read and write files in this folder only.", valueName: "dir"))
    var sandbox: String?

    @Option(name: .long, help: ArgumentHelp("The shell's language: en or zh-Hant (default: from LANG).", valueName: "lang"))
    var lang: String?

    var settings: StoreSettings {
        StoreSettings(data: data, user: user, format: format, readOnly: readOnly, keepGoing: keepGoing, quiet: quiet, json: json,
                      output: output, sandbox: sandbox, lang: lang)
    }
}

/// The store options' values, however they were read (`StoreOptions`, or `ShellRequest(quickly:)`).
struct StoreSettings: Equatable {
    var data: String?
    var user: String?
    var format: String?
    var readOnly = false
    var keepGoing = false
    var quiet = false
    var json = false
    var output: String?
    var sandbox: String?
    var lang: String?

    func sessionOptions() throws -> SessionOptions {
        var o = SessionOptions(dataDirectory: data ?? SessionOptions.defaultDataDirectory())
        o.user = user
        o.readOnly = readOnly
        o.keepGoing = keepGoing
        o.quiet = quiet
        o.json = json
        if let l = lang {
            guard let parsed = UILanguage.parse(l) else { throw ValidationError("unknown --lang '\(l)': use en or zh-Hant") }
            o.language = parsed
        }
        if let dir = sandbox {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw ValidationError("--sandbox \(dir) is not a folder")
            }
            o.sandbox = dir
        }
        if let f = format {
            guard let fmt = OutputFormat.parse(f) else {
                throw ValidationError("unknown format '\(f)': use table, csv, tsv, json or markdown")
            }
            o.format = fmt
        }
        return o
    }
}

func openSession(_ options: StoreSettings) throws -> Session {
    var console = Console.standard
    if let path = options.output {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            FileHandle.standardError.write(Data("error: cannot write --output \(path)\n".utf8))
            throw ExitCode(ExitStatus.inputError.rawValue)
        }
        console = Console(out: { handle.write(Data($0.utf8)) }, err: Console.standard.err)
    }
    let sessionOptions = try options.sessionOptions()
    do { return try Session.open(sessionOptions, console: console) } catch let e as StartupError {
        let lang = sessionOptions.language ?? UILanguage.from(environment: ProcessInfo.processInfo.environment)
        FileHandle.standardError.write(Data("\(Messages.text("error", lang)): \(Phrasebook.translate(e.description, to: lang))\n".utf8))
        throw ExitCode(e.status.rawValue)
    }
}

/// Parses `name=value` script parameters.
func parameters(_ args: [String]) throws -> [String: String] {
    var out: [String: String] = [:]
    for a in args {
        guard let eq = a.firstIndex(of: "="), eq != a.startIndex else {
            throw ValidationError("script parameters are written name=value, not '\(a)'")
        }
        out[String(a[..<eq])] = String(a[a.index(after: eq)...])
    }
    return out
}

/// A script that cannot be read is an input error, found before the store is opened.
func checkReadable(_ path: String) throws {
    var isDir: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
    guard exists, !isDir.boolValue, FileManager.default.isReadableFile(atPath: path) else {
        let why = !exists ? "no such file" : (isDir.boolValue ? "it is a folder" : "it cannot be read")
        FileHandle.standardError.write(Data("error: cannot run script \(path): \(why)\n".utf8))
        throw ExitCode(ExitStatus.inputError.rawValue)
    }
}

struct Salesh: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "salesh",
        abstract: "A command shell for the sales department: records, queries, rules and scripts.",
        discussion: """
        salesh                      open the shell on ./sales.db (or $SALESH_DATA, or --data DIR)
        salesh -c "STATEMENTS"      run statements and exit
        salesh run FILE [k=v …]     run a script; salesh FILE and #!/usr/bin/env salesh work too
        salesh < FILE               run statements from standard input
        salesh demo [--scale N]     fill a store with a demo data set
        salesh check-store [--repair]   report the store's health; cut a torn journal back
        salesh backup DIR           write a consistent copy of the store, even while it is in use

        Exit status: 0 success, 1 a check failed, 2 an error in the input, 3 the store cannot be opened.
        """,
        version: "0.1.0",
        subcommands: [Shell.self, Run.self, Demo.self, CheckStore.self, Backup.self],
        defaultSubcommand: Shell.self)
}

struct Shell: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shell", abstract: "Open the shell, or run -c statements or a script.")

    @OptionGroup var store: StoreOptions

    @Option(name: .customShort("c"), help: ArgumentHelp("Run these statements and exit (may be repeated).", valueName: "statements"))
    var commands: [String] = []

    @Argument(help: "A script to run, then its name=value parameters.")
    var script: String?

    @Argument(parsing: .captureForPassthrough, help: .hidden)
    var params: [String] = []

    var request: ShellRequest { ShellRequest(store: store.settings, commands: commands, script: script, params: params) }

    func run() throws { try request.run() }
}

extension ShellRequest {
    func run() throws {
        if let script { try checkReadable(script) }
        let session = try openSession(store)
        defer { session.close() }
        var status = ExitStatus.ok
        if !commands.isEmpty {
            var failures = 0
            for (n, c) in commands.enumerated() where failures == 0 || store.keepGoing {
                failures += session.run(c, name: commands.count > 1 ? "-c#\(n + 1)" : "-c")
                if session.quitRequested { break }
            }
            status = session.finish(failures: failures)
        } else if let script {
            status = ScriptRunner(session: session).run(path: script, parameters: try parameters(params))
        } else if isatty(STDIN_FILENO) == 1 {
            status = Repl(session: session).runInteractive()
        } else {
            status = Repl(session: session).runStream()
        }
        end(session, status)
    }
}

/// Closes the store and ends the process at once: a loaded store is millions of small objects, and
/// releasing them one by one at exit only costs time (a twentieth of opening a large store).
func end(_ session: Session, _ status: ExitStatus) -> Never {
    session.close()
    fflush(stdout)
    exit(status.rawValue)
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a script file with name=value parameters.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The script file.")
    var script: String

    @Argument(parsing: .captureForPassthrough, help: "Parameters, as name=value.")
    var params: [String] = []

    func run() throws {
        let p = try parameters(params)
        try checkReadable(script)
        let session = try openSession(store.settings)
        defer { session.close() }
        let status = ScriptRunner(session: session).run(path: script, parameters: p)
        end(session, status)
    }
}

struct CheckStore: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-store",
        abstract: "Report the snapshot's and the journal's health; with --repair, cut a torn journal tail back.")

    @Option(name: .long, help: ArgumentHelp("The data folder (default: $SALESH_DATA, else ./sales.db).", valueName: "dir"))
    var data: String?

    @Flag(help: "Cut a torn journal tail and rewrite the snapshot (asks first on a terminal).")
    var repair = false

    @Flag(help: "With --repair: do not ask.")
    var yes = false

    func run() throws {
        let path = data ?? SessionOptions.defaultDataDirectory()
        let lang = UILanguage.from(environment: ProcessInfo.processInfo.environment)
        func say(_ line: String) { print(Phrasebook.translate(line, to: lang)) }
        do {
            let health = try Maintenance.check(path)
            for l in health.lines { say(l) }
            guard health.repairable else { return }
            guard repair else { throw ExitCode(ExitStatus.checkFailed.rawValue) }
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    FileHandle.standardError.write(Data("\(Messages.text("error", lang)): \(Phrasebook.translate(phrase("--repair changes the store; confirm with --yes when not on a terminal"), to: lang))\n".utf8))
                    throw ExitCode(ExitStatus.inputError.rawValue)
                }
                print(Phrasebook.translate(phrase("cut the torn tail and rewrite the snapshot? [y/N]"), to: lang) + " ", terminator: "")
                guard let answer = readLine(), ["y", "yes", "是"].contains(answer.lowercased()) else { say(phrase("nothing was changed")); throw ExitCode(ExitStatus.checkFailed.rawValue) }
            }
            for l in try Maintenance.repair(path) { say(l) }
        } catch let e as StartupError {
            FileHandle.standardError.write(Data("\(Messages.text("error", lang)): \(Phrasebook.translate(e.description, to: lang))\n".utf8))
            throw ExitCode(e.status.rawValue)
        }
    }
}

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backup", abstract: "Write a consistent copy of the store to a new folder, even while a shell is using it.")

    @Option(name: .long, help: ArgumentHelp("The data folder (default: $SALESH_DATA, else ./sales.db).", valueName: "dir"))
    var data: String?

    @Argument(help: "The new folder for the copy (open it with --data).")
    var target: String

    func run() throws {
        let lang = UILanguage.from(environment: ProcessInfo.processInfo.environment)
        do { print(Phrasebook.translate(try Maintenance.backup(data ?? SessionOptions.defaultDataDirectory(), to: target), to: lang)) } catch let e as StartupError {
            FileHandle.standardError.write(Data("\(Messages.text("error", lang)): \(Phrasebook.translate(e.description, to: lang))\n".utf8))
            throw ExitCode(e.status.rawValue)
        }
    }
}

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Fill a store with a realistic demo data set.")

    @OptionGroup var store: StoreOptions

    @Option(help: "How many opportunities to generate (customers, leads and staff grow with it).")
    var scale: Int = 600

    @Flag(help: "Replace whatever the store holds.")
    var replace = false

    func validate() throws {
        guard scale >= 1, scale <= 50_000_000 else { throw ValidationError("--scale must be between 1 and 50000000") }
    }

    func run() throws {
        let session = try openSession(store.settings)
        defer { session.close() }
        let existing = session.model.tables.filter { !$0.schema.system }.reduce(0) { $0 + $1.count }
        if existing > 0 && !replace {
            FileHandle.standardError.write(Data("error: \(session.folder.path) already holds \(existing) records; use --replace to start over\n".utf8))
            throw ExitCode(ExitStatus.inputError.rawValue)
        }
        session.model.removeAll()
        DemoData(opportunities: scale, today: session.interpreter.ctx.today).generate(into: session.model)
        do { try session.save() } catch {
            FileHandle.standardError.write(Data("error: cannot write the demo data: \(error)\n".utf8))
            throw ExitCode(ExitStatus.storeError.rawValue)
        }
        let counts = session.model.tables.filter { $0.count > 0 }.map { "\($0.count) \($0.schema.plural)" }
        print("demo data in \(session.folder.path): \(counts.joined(separator: ", "))")
    }
}

// Usage errors are input errors (2), like every other mistake in what the user typed.
/// `salesh --data X demo` means `salesh demo --data X`: bring a subcommand named after options to the front.
/// And `./check.sales --data store` (a script run through its `#!` line) means `salesh --data store check.sales`:
/// the shell's own options after a script are the shell's, the rest are the script's parameters.
func normalizedArguments(_ args: [String]) -> [String] {
    let takesValue: Set<String> = ["--data", "--user", "--format", "-c", "--scale", "--output", "--sandbox", "--lang"]
    let flags: Set<String> = ["--read-only", "--keep-going", "--quiet", "--json"]
    var i = 0
    var args = args
    while i < args.count {
        let a = args[i]
        if a == "--" { break }
        if a.hasPrefix("-") { i += takesValue.contains(a) ? 2 : 1; continue }
        if ["demo", "run", "shell", "check-store", "backup"].contains(a) {
            if i > 0 { args.remove(at: i); args.insert(a, at: 0) }
            i += 1
            continue
        }
        // A script: move the shell's options written after it in front of it.
        var moved: [String] = [], rest: [String] = []
        var j = i + 1
        while j < args.count {
            if takesValue.contains(args[j]), j + 1 < args.count { moved += [args[j], args[j + 1]]; j += 2 }
            else if flags.contains(args[j]) { moved.append(args[j]); j += 1 }
            else { rest.append(args[j]); j += 1 }
        }
        return Array(args[..<i]) + moved + [a] + rest
    }
    return args
}

do {
    let arguments = normalizedArguments(Array(CommandLine.arguments.dropFirst()))
    if let request = ShellRequest(quickly: arguments) {
        try request.run()
    } else {
        var command = try Salesh.parseAsRoot(arguments)
        try command.run()
    }
} catch {
    let code = Salesh.exitCode(for: error)
    if code == .success || error is ExitCode {
        Salesh.exit(withError: error)
    }
    FileHandle.standardError.write(Data((Salesh.fullMessage(for: error) + "\n").utf8))
    exit(ExitStatus.inputError.rawValue)
}
