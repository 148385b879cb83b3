import Testing
import SalesCore
import SalesLanguage
@testable import SalesShell

/// The source line and the caret line of a rendered diagnostic, and where the carets sit.
struct RenderedDiagnostic {
    let lines: [String]
    init(_ text: String) { lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
    var sourceLine: String? { lines.first { $0.range(of: #"^\d+ \| "#, options: .regularExpression) != nil } }
    var caretLine: String? { lines.first { $0.contains("^") && $0.contains("|") } }
    /// Display column (0-based) of the first caret, and the number of carets.
    var caret: (column: Int, count: Int)? {
        guard let l = caretLine, let i = l.firstIndex(of: "^") else { return nil }
        return (DisplayWidth.of(String(l[..<i])), l[i...].prefix { $0 == "^" }.count)
    }
    /// Display column (0-based) at which `token` starts in the rendered source line.
    func column(of token: String) -> Int? {
        guard let l = sourceLine, let r = l.range(of: token) else { return nil }
        return DisplayWidth.of(String(l[..<r.lowerBound]))
    }
}

@Suite("DiagnosticRenderer")
struct DiagnosticRendererTests {
    let renderer = DiagnosticRenderer(color: false)

    @Test func caretSitsUnderTheTokenAfterChineseText() {
        let text = "add lead company=\"台灣大哥大\" sorce=online"
        let src = Source(name: "leads.sales", text: text)
        let d = Diagnostic("unknown field 'sorce' on lead", at: src.location(of: 25..<30), hint: "did you mean 'source'?")
        let out = renderer.render(d, source: src)
        #expect(out == """
        error: unknown field 'sorce' on lead
         --> leads.sales:1:26
          |
        1 | add lead company="台灣大哥大" sorce=online
          |                               ^^^^^
          = help: did you mean 'source'?

        """)
        let r = RenderedDiagnostic(out)
        #expect(r.caret?.column == r.column(of: "sorce"))
        #expect(r.caret?.count == 5)
    }

    @Test func caretsCoverAWideToken() {
        let text = "opportunities | where stage = 商務談"
        let src = Source(name: "q", text: text)
        let d = Diagnostic("unknown stage '商務談'", at: src.location(of: 30..<33))
        let r = RenderedDiagnostic(renderer.render(d, source: src))
        #expect(r.caret?.column == r.column(of: "商務談"))
        #expect(r.caret?.count == 6)
    }

    @Test("the caret follows the token in real errors", arguments: [
        ("add lead company=\"台灣大哥大\" source=exhibtion", "exhibtion"),
        ("add 客戶 名稱=\"台北市立聯合醫院\" 等級=戰略 負責人=li.na", "戰略"),
        ("set O1 title=\"５Ｇ專網（第一期）\" amout=5", "amout"),
        ("opportunities | where title = \"專網\" and stage = 商務談判 and amout > 1", "amout"),
        ("add opportunity title=\"👨‍👩‍👧 家庭方案\" customer=C1 owner=li.nna", "li.nna"),
    ])
    func realErrors(_ text: String, _ token: String) throws {
        let model = try makeModel()
        let interp = Interpreter(ctx: EvalContext(model: model, today: shellToday, now: Timestamp(millis: 0), user: "admin"))
        interp.commit = { tx in model.recordHistory(tx) }
        let src = Source(name: "t.sales", text: text)
        var diagnostic: Diagnostic?
        do {
            for st in try Parser.parse(src) { _ = try interp.run(st, in: src) }
        } catch let d as Diagnostic { diagnostic = d }
        let d = try #require(diagnostic)
        let r = RenderedDiagnostic(renderer.render(d, source: src))
        #expect(r.caret?.column == r.column(of: token), "\(r.lines.joined(separator: "\n"))")
        #expect(r.caret?.count == DisplayWidth.of(token))
    }

    @Test func tabsAndLongLineNumbers() {
        var text = String(repeating: "\n", count: 120)
        text += "\tset O1\tamout=5"
        let src = Source(name: "big.sales", text: text)
        let d = Diagnostic("unknown field 'amout' on opportunity", at: SourceLocation(line: 121, column: 9, length: 5))
        let out = renderer.render(d, source: src)
        #expect(out.contains("  --> big.sales:121:9\n"))
        #expect(out.contains("121 |  set O1 amout=5\n"))
        let r = RenderedDiagnostic(out)
        #expect(r.caret?.column == r.column(of: "amout"))
        #expect(out.hasPrefix("error: unknown field"))
    }

    @Test func withoutSourceOrLocation() {
        let d = Diagnostic("unknown format 'yaml'", hint: "formats: table, csv")
        #expect(renderer.render(d, source: nil) == "error: unknown format 'yaml'\n= help: formats: table, csv\n")
        let located = Diagnostic("bad", at: SourceLocation(line: 3, column: 4))
        #expect(renderer.render(located, source: nil) == "error: bad\n --> line 3, column 4\n")
    }

    @Test func colour() {
        let src = Source(name: "t", text: "show O9")
        let d = Diagnostic("no record 'O9'", at: src.location(of: 5..<7))
        #expect(!renderer.render(d, source: src).contains("\u{1B}"))
        #expect(DiagnosticRenderer(color: true).render(d, source: src).contains("\u{1B}[1;31m"))
    }

    @Test func statementOnALaterLineOfTheScript() {
        let src = Source(name: "s.sales", text: "show O1\n  show 商機9", firstLine: 10)
        let d = Diagnostic("no record '商機9'", at: src.location(of: 15..<18))
        let out = renderer.render(d, source: src)
        #expect(out.contains(" --> s.sales:11:8\n"))
        #expect(out.contains("11 |   show 商機9\n"))
        let r = RenderedDiagnostic(out)
        #expect(r.caret?.column == r.column(of: "商機9"))
        #expect(r.caret?.count == 5)
    }
}
