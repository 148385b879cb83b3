import Testing
@testable import salesh

/// The shell command read two ways: quickly, for its plain forms, and by swift-argument-parser. Wherever
/// the quick reading answers, both readings must agree; where it declines, swift-argument-parser reads it.
@Suite struct ShellRequestTests {
    static let answered: [[String]] = [
        [],
        ["--data", "store"],
        ["--data", "store", "--read-only", "-c", "opportunities | count"],
        ["-c", "1", "-c", "teams | count", "--data", "銷售資料", "--user", "wang.wei"],
        ["--keep-going", "--quiet", "--json", "--format", "csv", "--output", "out.csv", "--sandbox", "/tmp", "--lang", "zh-Hant", "-c", "check all"],
        ["check.sales"],
        ["check.sales", "month=2026-11", "team=北區"],
        ["check.sales", "--data", "store", "month=2026-11", "--read-only"],
        ["--data", "store", "run.sales", "a=1", "b=-2"],
        ["--data", "", "-c", ""],
        ["--user", "admin", "weekly.sales", "owner=li.na"],
    ]

    static let declined: [[String]] = [
        ["--help"], ["-h"], ["--version"], ["help"], ["demo", "--scale", "100"], ["run", "x.sales"], ["shell", "--data", "d"],
        ["check-store"], ["backup", "copy"], ["--data=store"], ["--data"], ["--data", "a", "--data", "b"], ["-c", "-1"],
        ["-c"], ["--bogus"], ["--read-only", "--read-only"], ["--", "x.sales"], ["-cteams"], ["x.sales", "--help"],
        ["x.sales", "--unknown"], ["--data", "--read-only"], ["--lang", "-x"],
    ]

    /// swift-argument-parser's reading of the shell command, nil when it refuses it or reads another command.
    static func full(_ arguments: [String]) -> ShellRequest? {
        (try? Salesh.parseAsRoot(normalizedArguments(arguments)) as? Shell)?.request
    }

    @Test(arguments: answered)
    func plainFormsAreReadQuicklyAndTheSame(_ arguments: [String]) throws {
        let quick = try #require(ShellRequest(quickly: normalizedArguments(arguments)))
        #expect(quick == Self.full(arguments))
    }

    @Test(arguments: declined)
    func everythingElseIsLeftToTheParser(_ arguments: [String]) {
        #expect(ShellRequest(quickly: normalizedArguments(arguments)) == nil)
    }

    @Test func whatTheQuickReadingFinds() throws {
        let r = try #require(ShellRequest(quickly: normalizedArguments(["check.sales", "--data", "store", "month=2026-11", "--read-only", "-c", "x"])))
        #expect(r.store.data == "store" && r.store.readOnly && !r.store.quiet && r.store.user == nil)
        #expect(r.commands == ["x"] && r.script == "check.sales" && r.params == ["month=2026-11"])
    }
}
