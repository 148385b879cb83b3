import Testing
@testable import SalesLanguage
import SalesCore

func lex(_ text: String) throws -> [Token] {
    try Lexer.tokenize(Source(name: "t", text: text))
}

/// Kinds and texts of the tokens, without the final eof.
func kinds(_ text: String) throws -> [TokenKind] { try lex(text).dropLast().map(\.kind) }
func texts(_ text: String) throws -> [String] { try lex(text).dropLast().map(\.text) }

@Suite("Lexer")
struct LexerTests {
    @Test("one token of the right kind", arguments: [
        ("2026-10-01", TokenKind.date), ("2026/10/3", .date), ("2026-1-5", .date),
        ("2026-10", .period), ("2026Q3", .period), ("2026q4", .period),
        ("7d", .duration), ("2w", .duration), ("3mo", .duration), ("1y", .duration),
        ("12", .number), ("1.2m", .number), ("500k", .number), ("12,000.50", .number), ("1,234,567", .number), ("3萬", .number), ("0.5", .number),
        ("30%", .percent), ("12.5%", .percent),
        ("owner.team.region", .word), ("wang.wei", .word), ("FIBER-1G", .word), ("CR-5G", .word), ("5G-PRIVATE", .word),
        ("O1024", .word), ("stage", .word), ("商務談判", .word), ("客戶.名稱", .word), ("_x1", .word), ("IDC-RACK", .word),
        ("\"5G 專網\"", .string), ("'single'", .string), ("「中文」", .string), ("“curly”", .string),
        ("$big", .variable), ("$env.HOME", .variable),
    ])
    func single(_ text: String, _ kind: TokenKind) throws {
        let toks = try lex(text)
        #expect(toks.count == 2, "\(toks)")
        #expect(toks.first?.kind == kind)
        #expect(toks.first?.range == 0..<text.count)
        #expect(toks.last?.kind == .eof)
    }

    @Test func wordsStopAtOperators() throws {
        // Lower-case words do not swallow a minus: amount-1 is a subtraction.
        #expect(try texts("amount-1") == ["amount", "-", "1"])
        #expect(try kinds("amount-1") == [.word, .symbol, .number])
        // A trailing dot is not part of a path (and is no symbol either).
        #expect(throws: Diagnostic.self) { try lex("owner.team.") }
        #expect(try texts("O12,O13") == ["O12", ",", "O13"])
        #expect(try texts("count()") == ["count", "(", ")"])
    }

    @Test func numbersAndTheirNeighbours() throws {
        // Grouping commas only in threes; otherwise the comma separates.
        #expect(try texts("1,2345") == ["1", ",", "2345"])
        #expect(try kinds("1,2345") == [.number, .symbol, .number])
        #expect(try texts("in (1,2,3)") == ["in", "(", "1", ",", "2", ",", "3", ")"])
        #expect(try texts("amount > 100k") == ["amount", ">", "100k"])
        #expect(try kinds("7days") == [.word])
        #expect(try texts("x in 2026Q3") == ["x", "in", "2026Q3"])
        #expect(try kinds("x in 2026Q3") == [.word, .word, .period])
        #expect(try kinds("age(created) > 30d") == [.word, .symbol, .word, .symbol, .symbol, .duration])
    }

    /// `help dates` documents explicit ranges such as `2026-01-01..2026-03-31` as periods.
    @Test func dateRangeIsOnePeriod() throws {
        let toks = try lex("closed in 2026-01-01..2026-03-31")
        #expect(toks.dropLast().last?.kind == .period)
        #expect(toks.dropLast().last?.text == "2026-01-01..2026-03-31")
    }

    @Test func stringsWithChineseAndEscapes() throws {
        let toks = try lex(#"title="5G 專網" notes="他說：\"好\"\n第二行\t完" path='C:\\x' q='it\'s'"#)
        let strings = toks.filter { $0.kind == .string }.map(\.text)
        #expect(strings == ["5G 專網", "他說：\"好\"\n第二行\t完", #"C:\x"#, "it's"])
        // Unknown escapes are kept as written.
        #expect(try lex(#""a\qb""#).first?.text == #"a\qb"#)
        #expect(try lex("「台灣大哥大」").first?.text == "台灣大哥大")
        #expect(try lex("“遠傳”").first?.text == "遠傳")
        // The range covers the quotes, in characters.
        #expect(try lex(#"x="中文""#).last(where: { $0.kind == .string })?.range == 2..<6)
    }

    @Test func unterminatedString() throws {
        let err = #expect(throws: Diagnostic.self) { try lex("add lead company=\"台灣大哥大 source=online") }
        #expect(err?.message == "unterminated string")
        #expect(err?.location == SourceLocation(line: 1, column: 18))
        let err2 = #expect(throws: Diagnostic.self) { try lex("let a = 1\nlet b = '中文") }
        #expect(err2?.location?.line == 2)
        #expect(err2?.location?.column == 9)
    }

    @Test func symbols() throws {
        #expect(try texts("a != b <> c == d <= e >= f") == ["a", "!=", "b", "!=", "c", "=", "d", "<=", "e", ">=", "f"])
        #expect(try texts("（a，b）＝c") == ["(", "a", ",", "b", ")", "=", "c"])
        #expect(try kinds("| ; + - * /").allSatisfy { $0 == .symbol })
        let err = #expect(throws: Diagnostic.self) { try lex("amount > 5 @ 3") }
        #expect(err?.message == "unexpected character '@'")
        #expect(err?.location?.column == 12)
        #expect(throws: Diagnostic.self) { try lex("let x = $ 5") }
    }

    @Test func commentsAreSkipped() throws {
        #expect(try texts("show O1 # the big one (not closed") == ["show", "O1"])
        #expect(try kinds("# only a comment\n").isEmpty)
    }

    // MARK: newlines

    @Test func newlinesEndStatements() throws {
        #expect(try kinds("show O1\nshow O2") == [.word, .word, .newline, .word, .word])
        // Blank lines and leading newlines collapse.
        #expect(try kinds("\n\nshow O1\n\n\nshow O2\n") == [.word, .word, .newline, .word, .word, .newline])
        #expect(try kinds("show O1\r\nshow O2") == [.word, .word, .newline, .word, .word])
    }

    @Test func newlineInsideParenthesesContinues() throws {
        #expect(try kinds("x in (a,\n b\n)") == [.word, .word, .symbol, .word, .symbol, .word, .symbol])
        // Nested, then closed: the next newline ends the statement.
        #expect(try kinds("f((a\n))\ng").filter { $0 == .newline }.count == 1)
    }

    @Test func newlineAfterPipeContinues() throws {
        #expect(try texts("opportunities |\n  where amount > 1\n  | take 2") == ["opportunities", "|", "where", "amount", ">", "1", "|", "take", "2"])
    }

    @Test func lineStartingWithPipeContinuesTheOneAbove() throws {
        let k = try kinds("opportunities\n| where amount > 1\n\t| count\nshow O1")
        #expect(k.filter { $0 == .newline }.count == 1)
        // A comment line between the two does not end the statement.
        #expect(try kinds("opportunities\n  # only the big ones\n  | count").contains(.newline) == false)
    }

    @Test func newlineAfterCommaContinues() throws {
        #expect(try kinds("select a,\n b").contains(.newline) == false)
    }

    @Test func locationsCountCharactersNotBytes() throws {
        let src = Source(name: "t", text: "add lead company=\"台灣大哥大\"\nset 客戶 x=1")
        let toks = try Lexer.tokenize(src)
        let x = try #require(toks.first { $0.text == "x" })
        #expect(src.location(of: x.range) == SourceLocation(line: 2, column: 8))
        let s = try #require(toks.first { $0.kind == .string })
        #expect(src.location(of: s.range) == SourceLocation(line: 1, column: 18, length: 7))
        #expect(src.line(2) == "set 客戶 x=1")
        #expect(src.line(3) == nil)
    }
}
