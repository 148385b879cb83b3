import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// End-to-end tests run the built `salesh` binary as a child process, each in its own temporary
// folder. The binary is `$SALESH_BIN` (scripts/test sets it), else `<package>/.build/debug/salesh`.

/// The date every child process sees as today, so history timestamps and defaults are stable.
let pinnedToday = "2026-11-26"

struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The package root, found from this file's location (Tests/EndToEndTests/Support.swift).
let packageRoot: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}()

/// The salesh binary under test; throws (failing the test with a clear message) when it is missing.
func saleshBinary() throws -> String {
    _ = ignoreSIGPIPE
    let env = ProcessInfo.processInfo.environment
    let path = env["SALESH_BIN"].flatMap { $0.isEmpty ? nil : $0 } ?? packageRoot + "/.build/debug/salesh"
    guard FileManager.default.isExecutableFile(atPath: path) else {
        let origin = env["SALESH_BIN"] != nil ? "SALESH_BIN points at" : "SALESH_BIN is not set, and the default"
        throw E2EError("the salesh binary was not found: \(origin) \(path), which is not an executable file. "
                       + "Build it first (`swift build`, or scripts/test) or set SALESH_BIN to the built binary.")
    }
    return path
}

/// Writing to a child's stdin after it died must give EPIPE, not kill the test runner.
let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN); return () }()

/// A fresh temporary folder for one test, removed when the value goes away.
final class TempDir {
    let path: String
    init() {
        var template = Array("/tmp/salesh-e2e-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: p!)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    /// The store folder most tests use (created by salesh).
    var store: String { path + "/data" }
    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ text: String, mode: Int? = nil) {
        let p = file(name)
        _ = FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        if let mode { chmod(p, mode_t(mode)) }
    }
}

/// The environment of every child: inherited, minus the caller's salesh settings, plus a pinned date,
/// no colour, a UTF-8 locale and HOME inside the test folder (so no ~/.editrc or history leaks in).
func childEnvironment(_ t: TempDir, _ extra: [String: String] = [:]) -> [String: String] {
    var env = ProcessInfo.processInfo.environment
    for k in env.keys where k.hasPrefix("SALESH_") { env[k] = nil }
    env["SALESH_TODAY"] = pinnedToday
    env["NO_COLOR"] = "1"
    env["LANG"] = "C.UTF-8"
    env["LC_ALL"] = "C.UTF-8"
    env["HOME"] = t.path
    env["SALESH_HISTORY"] = t.file("history")
    // Changes need an acting staff member; the demo's admin unless a test says otherwise.
    env["SALESH_USER"] = "admin"
    for (k, v) in extra { env[k] = v }
    return env
}

struct RunResult: CustomStringConvertible {
    let status: Int32
    let signaled: Bool
    let stdout: String
    let stderr: String

    var description: String { "exit \(signaled ? "signal " : "")\(status)\n--- stdout:\n\(stdout)\n--- stderr:\n\(stderr)" }
    var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
    var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
}

private func uniqueName(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8))" }

/// Runs a program to completion with stdout and stderr going to files (no pipe deadlocks).
func runProgram(_ executable: String, _ args: [String], in t: TempDir, stdin: String? = nil,
                env extra: [String: String] = [:], timeout: TimeInterval = 30) throws -> RunResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = args
    p.environment = childEnvironment(t, extra)
    p.currentDirectoryURL = URL(fileURLWithPath: t.path)
    let outPath = t.file(uniqueName(".stdout")), errPath = t.file(uniqueName(".stderr"))
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let out = FileHandle(forWritingAtPath: outPath)!, err = FileHandle(forWritingAtPath: errPath)!
    defer {
        try? out.close(); try? err.close()
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
    }
    p.standardOutput = out
    p.standardError = err
    var inHandle: FileHandle?
    var inPath: String?
    if let stdin {
        let path = t.file(uniqueName(".stdin"))
        _ = FileManager.default.createFile(atPath: path, contents: Data(stdin.utf8))
        inPath = path
        inHandle = FileHandle(forReadingAtPath: path)
        p.standardInput = inHandle
    } else {
        p.standardInput = FileHandle.nullDevice
    }
    defer {
        try? inHandle?.close()
        if let inPath { try? FileManager.default.removeItem(atPath: inPath) }
    }
    try p.run()
    try waitForExit(p, timeout: timeout, what: "\(executable) \(args)")
    let stdout = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
    let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
    return RunResult(status: p.terminationStatus, signaled: p.terminationReason == .uncaughtSignal,
                     stdout: stdout, stderr: stderr)
}

/// Waits for a child with a deadline; kills it (and fails) when it runs over.
func waitForExit(_ p: Process, timeout: TimeInterval, what: String) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning {
        if Date() > deadline {
            kill(p.processIdentifier, SIGKILL)
            let grace = Date().addingTimeInterval(5)
            while p.isRunning && Date() < grace { usleep(10_000) }
            throw E2EError("\(what) did not finish within \(Int(timeout)) s and was killed")
        }
        usleep(2_000)
    }
}

/// Runs salesh with the given arguments.
func salesh(_ args: [String], in t: TempDir, stdin: String? = nil, env: [String: String] = [:],
            timeout: TimeInterval = 30) throws -> RunResult {
    try runProgram(try saleshBinary(), args, in: t, stdin: stdin, env: env, timeout: timeout)
}

/// Runs salesh on the test's store: `salesh --data STORE [args]`.
func onStore(_ t: TempDir, _ args: [String], user: String? = nil, stdin: String? = nil,
             env: [String: String] = [:]) throws -> RunResult {
    var a = ["--data", t.store]
    if let user { a += ["--user", user] }
    return try salesh(a + args, in: t, stdin: stdin, env: env)
}

/// Runs statements with -c and expects success; returns stdout.
@discardableResult
func ok(_ t: TempDir, _ statements: String, user: String? = nil, format: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    var args: [String] = []
    if let format { args += ["--format", format] }
    let r = try onStore(t, args + ["-c", statements], user: user)
    #expect(r.status == 0 && !r.signaled, "salesh -c \(statements) failed:\n\(r)", sourceLocation: sourceLocation)
    if r.status != 0 { throw E2EError("salesh -c \(statements) failed: \(r)") }
    return r.stdout
}

/// A store filled by `salesh demo` (a small, deterministic data set).
func makeDemoStore(_ t: TempDir, scale: Int = 50) throws {
    let r = try salesh(["demo", "--data", t.store, "--scale", String(scale)], in: t)
    guard r.status == 0, r.stdout.contains("demo data in") else {
        throw E2EError("salesh demo failed: \(r)")
    }
}

/// The first capture of `pattern` (a regular expression with one group) in `text`.
func capture(_ pattern: String, in text: String) -> String? {
    guard let re = try? NSRegularExpression(pattern: pattern),
          let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
          m.numberOfRanges > 1, let r = Range(m.range(at: 1), in: text) else { return nil }
    return String(text[r])
}

/// Adds a record with -c and returns the id salesh reports ("added L301 (…)").
func addRecord(_ t: TempDir, _ statement: String, user: String? = "hua.lin",
               sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let out = try ok(t, statement, user: user, sourceLocation: sourceLocation)
    guard let id = capture(#"added ([A-Za-z0-9_.\-]+)"#, in: out) else {
        throw E2EError("no 'added ID' in the output of \(statement): \(out)")
    }
    return id
}

/// The value of one field of one record, from `--format csv` (header line, then the value).
func field(_ t: TempDir, _ entity: String, _ id: String, _ name: String) throws -> String {
    let out = try ok(t, "\(entity) | where id = \(id) | select \(name)", format: "csv")
    let rows = parseCSV(out)
    guard rows.count == 2, rows[0] == [name] else { throw E2EError("unexpected csv for \(id).\(name): \(out)") }
    return rows[1][0]
}

/// An integer result of a `… | count` query.
func count(_ t: TempDir, _ query: String, readOnly: Bool = false) throws -> Int {
    let r = try onStore(t, (readOnly ? ["--read-only"] : []) + ["-c", query])
    guard r.status == 0, let n = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw E2EError("count query \(query) failed: \(r)")
    }
    return n
}

/// Everything a test may want to compare before and after a refused statement: the number of history
/// entries and of each entity's records, and every record of the main entities as JSON.
func stateDigest(_ t: TempDir) throws -> String {
    let r = try onStore(t, ["--read-only", "--format", "json",
                            "-c", "history | count", "-c", "staff | count", "-c", "teams | count",
                            "-c", "customers | count", "-c", "leads | count", "-c", "opportunities | count",
                            "-c", "staff", "-c", "customers", "-c", "leads", "-c", "opportunities"])
    guard r.status == 0 else { throw E2EError("state digest failed: \(r)") }
    return r.stdout
}

/// A minimal CSV reader (RFC 4180: quoted fields, doubled quotes, commas and newlines inside quotes).
func parseCSV(_ text: String, separator: Character = ",") -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var inQuotes = false
    var atFieldStart = true
    var chars = Array(text)
    if chars.last != "\n" { chars.append("\n") }
    var i = 0
    while i < chars.count {
        let c = chars[i]
        if inQuotes {
            if c == "\"" {
                if i + 1 < chars.count, chars[i + 1] == "\"" { field.append("\""); i += 1 } else { inQuotes = false }
            } else { field.append(c) }
        } else if c == "\"" && atFieldStart {
            inQuotes = true
        } else if c == separator {
            row.append(field); field = ""; atFieldStart = true; i += 1; continue
        } else if c == "\n" || c == "\r\n" {
            row.append(field); rows.append(row); row = []; field = ""; atFieldStart = true; i += 1; continue
        } else if c == "\r" {
            // part of a CRLF split into two characters
        } else {
            field.append(c)
        }
        atFieldStart = false
        i += 1
    }
    return rows
}

/// Display width of a terminal string: East Asian wide and fullwidth characters take two columns.
func displayWidth(_ s: String) -> Int {
    s.unicodeScalars.reduce(0) { w, u in
        let v = u.value
        if v == 0 { return w }
        if (0x0300...0x036F).contains(v) || v == 0x200B { return w }
        let wide = (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
            || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
            || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
            || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
        return w + (wide ? 2 : 1)
    }
}

func fileMode(_ path: String) -> Int? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return Int(st.st_mode & 0o777)
}

func readBytes(_ path: String) -> [UInt8] {
    FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
}

func writeBytes(_ path: String, _ bytes: [UInt8]) {
    // Overwrite in place (keeps the inode and its mode).
    let fd = open(path, O_WRONLY | O_TRUNC)
    precondition(fd >= 0, "cannot open \(path)")
    bytes.withUnsafeBytes { buf in
        var off = 0
        while off < buf.count {
            let n = write(fd, buf.baseAddress! + off, buf.count - off)
            precondition(n > 0)
            off += n
        }
    }
    close(fd)
}

/// The entries of a journal file: header of 12 bytes, then entries of
/// u32 length, u32 crc, u64 sequence number and `length` bytes of payload (little-endian).
func journalEntries(_ bytes: [UInt8]) -> [(offset: Int, size: Int, seq: UInt64)] {
    func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
    func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) } }
    var out: [(Int, Int, UInt64)] = []
    var at = 12
    while at + 16 <= bytes.count {
        let size = 16 + u32(at)
        guard at + size <= bytes.count else { break }
        out.append((at, size, u64(at + 8)))
        at += size
    }
    return out
}

// MARK: a child fed through a pipe

/// A salesh reading statements from a pipe (not a terminal), whose stdout the test reads line by line.
final class PipedShell {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    let stderrPath: String
    private var buffer: [UInt8] = []
    private var inputClosed = false

    init(_ t: TempDir, _ args: [String], env: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: try saleshBinary())
        process.arguments = args
        process.environment = childEnvironment(t, env)
        process.currentDirectoryURL = URL(fileURLWithPath: t.path)
        stderrPath = t.file(uniqueName(".piped-stderr"))
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stderr: String { String(decoding: FileManager.default.contents(atPath: stderrPath) ?? Data(), as: UTF8.self) }

    /// Sends one line (a newline is added).
    func send(_ line: String) throws {
        let data = Array((line + "\n").utf8)
        let fd = input.fileHandleForWriting.fileDescriptor
        var off = 0
        while off < data.count {
            let n = data.withUnsafeBytes { write(fd, $0.baseAddress! + off, data.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                throw E2EError("cannot write to salesh (pid \(pid)): errno \(errno); stderr: \(stderr)")
            }
            off += n
        }
    }

    /// The next line of stdout, waiting at most `timeout` seconds; nil at end of output.
    func readLine(timeout: TimeInterval = 10) throws -> String? {
        let fd = output.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let nl = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                return line
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { throw E2EError("no output line from salesh (pid \(pid)) within \(timeout) s; stderr: \(stderr)") }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&pfd, 1, Int32(min(left, 1) * 1000) + 1)
            if r < 0 { if errno == EINTR { continue }; throw E2EError("poll failed: errno \(errno)") }
            if r == 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 4096) }
            if n < 0 { if errno == EINTR || errno == EAGAIN { continue }; throw E2EError("read failed: errno \(errno)") }
            if n == 0 {
                if buffer.isEmpty { return nil }
                let line = String(decoding: buffer, as: UTF8.self)
                buffer.removeAll()
                return line
            }
            buffer += chunk[..<n]
        }
    }

    /// Reads lines until one satisfies `predicate`; returns it.
    func readUntil(timeout: TimeInterval = 10, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            guard let line = try readLine(timeout: max(0.01, deadline.timeIntervalSinceNow)) else {
                throw E2EError("salesh (pid \(pid)) ended its output before the expected line; stderr: \(stderr)")
            }
            if predicate(line) { return line }
        }
    }

    func closeInput() {
        guard !inputClosed else { return }
        inputClosed = true
        try? input.fileHandleForWriting.close()
    }

    /// SIGKILL, then reap.
    func killHard() {
        kill(pid, SIGKILL)
        try? waitForExit(process, timeout: 10, what: "killed salesh (pid \(pid))")
        closeInput()
    }

    /// Closes stdin and waits for a normal exit; returns the exit status.
    func finish(timeout: TimeInterval = 20) throws -> Int32 {
        closeInput()
        try waitForExit(process, timeout: timeout, what: "salesh (pid \(pid))")
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(pid, SIGKILL); try? waitForExit(process, timeout: 5, what: "salesh") }
        try? input.fileHandleForWriting.close()
        try? output.fileHandleForReading.close()
        try? FileManager.default.removeItem(atPath: stderrPath)
    }
}

// MARK: posix_spawn, for programs that daemonize (tmux)

/// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), looked up at run time: the Glibc module
/// does not export this GNU extension.
private let spawnAddCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
    guard let sym = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
    return unsafeBitCast(sym, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
}()

/// Runs a program with posix_spawn and waitpid. Foundation's Process learns that a child ended when a
/// descriptor the child inherited is closed, so a child that leaves a daemon behind (the tmux client
/// starting its server) never "ends" for it; this runner has no such descriptor, and closes every
/// descriptor above stderr in the child so no daemon keeps another test's pipes open.
func spawnProgram(_ executable: String, _ args: [String], in t: TempDir, env extra: [String: String] = [:],
                  timeout: TimeInterval = 10) throws -> RunResult {
    let outPath = t.file(uniqueName(".spawn-out")), errPath = t.file(uniqueName(".spawn-err"))
    defer {
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if let closeFrom = spawnAddCloseFrom { _ = closeFrom(&actions, 3) }

    // The child starts with no signal blocked and default dispositions: the test runner's threads may
    // block signals (and it ignores SIGPIPE), and a REPL under tmux must see Ctrl-C as SIGINT.
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var empty = sigset_t(), all = sigset_t()
    sigemptyset(&empty)
    sigemptyset(&all)
    for sig in [SIGINT, SIGPIPE, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGWINCH, SIGTSTP] { sigaddset(&all, sig) }
    posix_spawnattr_setsigmask(&attr, &empty)
    posix_spawnattr_setsigdefault(&attr, &all)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let argv = ([executable] + args).map { strdup($0) } + [nil]
    let envp = childEnvironment(t, extra).map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, executable, &actions, &attr, argv, envp)
    guard rc == 0 else { throw E2EError("cannot start \(executable): error \(rc)") }

    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    while true {
        let w = waitpid(pid, &status, WNOHANG)
        if w == pid { break }
        if w < 0 && errno != EINTR { throw E2EError("waitpid failed: errno \(errno)") }
        if Date() > deadline {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            throw E2EError("\(executable) \(args) did not finish within \(Int(timeout)) s and was killed")
        }
        usleep(2_000)
    }
    let signaled = (status & 0x7f) != 0
    let code = signaled ? (status & 0x7f) : ((status >> 8) & 0xff)
    return RunResult(status: code, signaled: signaled,
                     stdout: String(decoding: readBytes(outPath), as: UTF8.self),
                     stderr: String(decoding: readBytes(errPath), as: UTF8.self))
}
