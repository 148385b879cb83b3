import Foundation
import Testing
import SalesCore
import SalesLanguage
@testable import SalesShell

/// Golden language tests: every `Golden/**/*.sales` script runs on a fresh store through a `Session`
/// (today pinned to 2026-11-26, no colour, keep going after errors), and its output is checked
/// against directives in its comments:
///
///     # user: ID              act as this staff member from here on (default admin); also starts a new
///                             run of the session, so a syntax error after it cannot stop what came before
///     # demo                  fill the store with DemoData(opportunities: 60, today: 2026-11-26) first
///     # param: NAME=VALUE     run the script with this parameter, as `salesh run FILE NAME=VALUE` would
///     # expect: TEXT          the next line of standard output is TEXT (trailing spaces ignored);
///                             every line of standard output must be expected, in order
///     # expect-error: L:C MSG an error was reported at line L, column C of the script
///                             (`--> NAME:L:C`), and its text contains MSG (several parts may be
///                             joined by ` && `, e.g. the message and its hint); every error must be expected
@Suite("Golden scripts")
struct GoldenTests {
    static let goldenToday = Day(year: 2026, month: 11, day: 26)!

    /// The Golden folder: next to this file in the source tree, else the copy in the test bundle.
    static var folder: URL? {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
        if FileManager.default.fileExists(atPath: here.path) { return here }
        return Bundle.module.url(forResource: "Golden", withExtension: nil)
    }

    static var scripts: [String] {
        guard let root = folder, let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        // Files in a `data` folder are what the scripts read (`source "data/common.sales"`), not goldens.
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".sales") && !$0.contains("data/") }.sorted()
    }

    @Test func thereAreGoldenScripts() {
        #expect(GoldenTests.scripts.count >= 15, "found \(GoldenTests.scripts)")
    }

    @Test(arguments: GoldenTests.scripts)
    func golden(_ path: String) throws {
        let url = try #require(GoldenTests.folder).appendingPathComponent(path)
        let text = try String(contentsOf: url, encoding: .utf8)
        let script = GoldenScript(text)
        let run = try GoldenRun(script: script, name: url.lastPathComponent, folder: url.deletingLastPathComponent())
        script.check(run, file: path)
    }
}

/// The directives of a golden script and the pieces it runs in.
struct GoldenScript {
    struct ExpectedError { var line: Int; var column: Int; var text: String; var directiveLine: Int }
    struct Segment { var user: String; var firstLine: Int; var text: String }

    var demo = false
    var parameters: [String: String] = [:]
    var fullText = ""
    var expectedOut: [(text: String, directiveLine: Int)] = []
    var expectedErrors: [ExpectedError] = []
    var segments: [Segment] = []

    init(_ text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var current = Segment(user: "admin", firstLine: 1, text: "")
        var currentLines: [String] = []
        for (i, raw) in lines.enumerated() {
            let n = i + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            func directive(_ name: String) -> String? {
                for prefix in ["# \(name): ", "# \(name):", "#\(name):"] where line.hasPrefix(prefix) {
                    return String(line.dropFirst(prefix.count))
                }
                return nil
            }
            if line == "# demo" || line == "#demo" { demo = true }
            if let p = directive("param"), let eq = p.firstIndex(of: "=") {
                parameters[String(p[..<eq]).trimmingCharacters(in: .whitespaces)] = String(p[p.index(after: eq)...])
            }
            if let u = directive("user") {
                if !currentLines.isEmpty {
                    current.text = currentLines.joined(separator: "\n")
                    segments.append(current)
                }
                current = Segment(user: u.trimmingCharacters(in: .whitespaces), firstLine: n + 1, text: "")
                currentLines = []
                continue
            }
            if let e = directive("expect-error") {
                let parts = e.split(separator: " ", maxSplits: 1).map(String.init)
                let lc = parts.first?.split(separator: ":").compactMap { Int($0) } ?? []
                if lc.count == 2 {
                    expectedErrors.append(ExpectedError(line: lc[0], column: lc[1], text: parts.count > 1 ? parts[1] : "", directiveLine: n))
                } else {
                    expectedErrors.append(ExpectedError(line: -1, column: -1, text: e, directiveLine: n))
                }
            } else if let o = directive("expect") {
                expectedOut.append((o.trimmingTrailingWhitespace(), n))
            } else if line.hasPrefix("# expect:") == false, line == "# expect" {
                expectedOut.append(("", n))
            }
            currentLines.append(raw)
        }
        current.text = currentLines.joined(separator: "\n")
        segments.append(current)
        fullText = text
    }

    func check(_ run: GoldenRun, file: String) {
        // Standard output, line by line.
        var out = run.out.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).trimmingTrailingWhitespace() }
        if out.last == "" { out.removeLast() }
        // The first difference in the output is reported; the errors are checked either way.
        var outputDiffers = false
        for (i, exp) in expectedOut.enumerated() {
            guard i < out.count else {
                Issue.record("\(file):\(exp.directiveLine): expected output line \(i + 1) '\(exp.text)', but the output ended\n\(run.transcript)")
                outputDiffers = true
                break
            }
            if out[i] != exp.text {
                Issue.record("\(file):\(exp.directiveLine): output line \(i + 1) is\n  '\(out[i])'\nexpected\n  '\(exp.text)'\n\(run.transcript)")
                outputDiffers = true
                break
            }
        }
        if !outputDiffers && out.count > expectedOut.count {
            let extra = out[expectedOut.count...].joined(separator: "\n")
            Issue.record("\(file): unexpected output from line \(expectedOut.count + 1):\n\(extra)\n\(run.transcript)")
        }
        // Errors, in order.
        let errors = run.diagnostics
        for (i, exp) in expectedErrors.enumerated() {
            guard i < errors.count else {
                Issue.record("\(file):\(exp.directiveLine): expected an error at \(exp.line):\(exp.column) containing '\(exp.text)', but there were only \(errors.count)\n\(run.transcript)")
                return
            }
            let e = errors[i]
            let parts = exp.text.components(separatedBy: " && ")
            if e.line != exp.line || e.column != exp.column || !parts.allSatisfy({ e.text.contains($0) }) {
                Issue.record("\(file):\(exp.directiveLine): expected an error at \(exp.line):\(exp.column) containing '\(exp.text)', got at \(e.line):\(e.column):\n\(e.text)\n\(outputDiffers ? "(transcript above)" : run.transcript)")
                return
            }
        }
        if errors.count > expectedErrors.count {
            let extra = errors[expectedErrors.count...].map(\.text).joined(separator: "\n")
            Issue.record("\(file): unexpected errors:\n\(extra)\n\(run.transcript)")
        }
    }
}

/// One run of a golden script on a fresh store.
final class GoldenRun {
    struct Reported { var line: Int; var column: Int; var text: String }
    var out = ""
    var err = ""

    /// Files a script reads (`import … from "data/x.csv"`) live in a `data` folder beside it; they are
    /// copied into the run's own folder, which is where relative names point, so a script can write too.
    init(script: GoldenScript, name: String, folder: URL? = nil) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("salesh-golden-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        if let data = folder?.appendingPathComponent("data"), FileManager.default.fileExists(atPath: data.path) {
            try FileManager.default.copyItem(at: data, to: dir.appendingPathComponent("data"))
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = SessionOptions(dataDirectory: dir.appendingPathComponent("sales.db").path)
        options.keepGoing = true
        let console = Console(out: { [unowned self] in self.out += $0 }, err: { [unowned self] in self.err += $0 })
        let firstUser = script.segments.first?.user ?? "admin"
        let session = try Session.open(options, console: console,
                                       environment: ["SALESH_TODAY": "2026-11-26", "NO_COLOR": "1", "SALESH_USER": firstUser])
        defer { session.close() }
        session.baseDirectory = dir.path
        if script.demo {
            DemoData(opportunities: 60, today: GoldenTests.goldenToday).generate(into: session.model)
            try session.save()
        }
        if !script.parameters.isEmpty {
            let source = Source(name: name, text: script.fullText)
            do {
                try session.bindParameters(script.parameters, statements: try Parser.parse(source), source: source)
            } catch let d as Diagnostic { err += session.diagnostics.render(d, source: source); return }
        }
        for seg in script.segments {
            session.interpreter.ctx.user = seg.user
            session.run(seg.text, name: name, firstLine: seg.firstLine, keepGoing: true)
        }
    }

    /// The rendered diagnostics on standard error, each with the place its `-->` line names.
    var diagnostics: [Reported] {
        var blocks: [[String]] = []
        for line in err.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("error") || line.hasPrefix("warning") { blocks.append([line]) }
            else if !blocks.isEmpty { blocks[blocks.count - 1].append(line) }
            else if !line.isEmpty { blocks.append([line]) }
        }
        return blocks.map { b in
            var line = -1, column = -1
            if let arrow = b.first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("-->") }),
               let place = arrow.split(separator: " ").last {
                let nums = place.split(separator: ":").suffix(2).compactMap { Int($0) }
                if nums.count == 2 { line = nums[0]; column = nums[1] }
            }
            return Reported(line: line, column: column, text: b.joined(separator: "\n"))
        }
    }

    var transcript: String { "--- stdout ---\n\(out)--- stderr ---\n\(err)--------------" }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var s = Substring(self)
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
