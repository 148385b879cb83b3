import Foundation
import Testing
import SalesCore
import SalesLanguage
@testable import SalesShell

/// Display columns at which the column separators of a table line fall.
func separatorColumns(_ line: String) -> [Int] {
    var cols: [Int] = []
    var w = 0
    for ch in line {
        if ch == "│" || ch == "┼" { cols.append(w) }
        w += DisplayWidth.of(ch)
    }
    return cols
}

@Suite("Renderer")
struct RendererTests {
    static let wide = ResultTable(
        columns: [Column("id", .reference("customer")), Column("name", .text), Column("owner", .text),
                  Column("amount", .money), Column("probability", .percent)],
        rows: [
            [.text("C1"), .text("台北市立聯合醫院"), .text("李娜"), .money(Money(minor: 120_000_000)), .percent(Percent(whole: 10))],
            [.text("C12"), .text("Taipei 101 Co."), .text("wang.wei"), .money(Money(minor: 50_000)), .percent(Percent(basisPoints: 1250))],
            [.text("C123"), .text("５Ｇ專網（第一期）👍🏽"), .text("e\u{301}milie"), .money(Money(minor: -5)), .null],
            [.text("C7"), .null, .text("한국"), .null, .percent(Percent(whole: 100))],
        ])

    func renderTable(_ t: ResultTable, width: Int? = nil, expandWide: Bool = false) -> [String] {
        var r = Renderer(format: .table, width: width, color: false)
        r.expandWide = expandWide
        let out = r.render(t)
        #expect(out.hasSuffix("\n"))
        return out.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    @Test func tableColumnsLineUpWithChineseText() {
        let lines = renderTable(RendererTests.wide)
        #expect(lines.count == 2 + 4 + 1)
        #expect(lines.last == "(4 rows)")
        let body = lines.dropLast()
        let rule = separatorColumns(body[body.startIndex + 1])
        #expect(rule.count == 4)
        for l in body { #expect(separatorColumns(l) == rule, "\(l)") }
        // The last column is right-aligned, so every data row with a value there ends where the rule
        // ends (less the cell's trailing padding space, which is trimmed).
        let ruleWidth = DisplayWidth.of(body[body.startIndex + 1])
        for (l, row) in zip(body.dropFirst(2), RendererTests.wide.rows) where !row.last!.isNull {
            #expect(DisplayWidth.of(l) == ruleWidth - 1, "\(l)")
        }
        // Nothing is padded past the end of a line.
        for l in lines { #expect(!l.hasSuffix(" ")) }
    }

    @Test func numbersAlignRightAndMoneyIsGrouped() {
        let lines = renderTable(RendererTests.wide)
        let amounts = lines.dropFirst(2).dropLast().map { l in
            String(l.split(separator: "│", omittingEmptySubsequences: false)[3])
        }
        #expect(amounts.map { $0.trimmingCharacters(in: .whitespaces) } == ["1,200,000.00", "500.00", "-0.05", ""])
        let widths = amounts.map { DisplayWidth.of($0) }
        #expect(Set(widths).count == 1)
        #expect(amounts[1].hasSuffix("500.00 "))
        #expect(amounts[0].hasPrefix(" 1,200,000.00"))
        // Text stays left-aligned.
        #expect(lines[2].contains("│ 台北市立聯合醫院 "))
    }

    @Test(arguments: [30, 40, 60])
    func narrowTerminalsTruncateButKeepAlignment(_ width: Int) {
        let lines = renderTable(RendererTests.wide, width: width)
        let body = lines.dropLast()
        let rule = separatorColumns(body[body.startIndex + 1])
        for l in body {
            #expect(separatorColumns(l) == rule, "\(l)")
            // Columns never shrink below 6: five columns need at least 5 × 6 + 14.
            #expect(DisplayWidth.of(l) <= max(width, 5 * 6 + 14), "\(l)")
        }
        #expect(lines.contains { $0.contains("…") })
    }

    @Test func farTooWideShowsARecordPerBlock() {
        let lines = renderTable(RendererTests.wide, width: 30, expandWide: true)
        #expect(lines.first?.hasPrefix("─[ 1 ]") == true, "\(lines)")
        let labelled = lines.filter { $0.contains("│") }
        #expect(Set(labelled.map { DisplayWidth.of(String($0.prefix { $0 != "│" })) }).count == 1, "the labels line up: \(lines)")
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 30 }, "\(lines)")
    }

    @Test func emptyTable() {
        let t = ResultTable(columns: [Column("id", .text), Column("名稱", .text)], rows: [])
        let lines = renderTable(t)
        #expect(lines == [" id │ 名稱", "────┼──────", "(0 rows)"])
        #expect(Renderer(format: .csv, width: nil, color: false).render(t) == "id,名稱\n")
        #expect(Renderer(format: .json, width: nil, color: false).render(t) == "[]\n")
    }

    @Test func newlinesAndTabsInCellsStayOnOneLine() {
        let t = ResultTable(columns: [Column("notes", .text)], rows: [[.text("第一行\n第二行\tend")]])
        let lines = renderTable(t)
        #expect(lines[2] == " 第一行⏎第二行 end")
    }

    @Test func colourOnlyWhenAsked() {
        let plain = Renderer(format: .table, width: nil, color: false).render(RendererTests.wide)
        #expect(!plain.contains("\u{1B}"))
        let coloured = Renderer(format: .table, width: nil, color: true).render(RendererTests.wide)
        #expect(coloured.contains("\u{1B}["))
    }

    // MARK: CSV and TSV

    @Test func csvQuoting() {
        let t = ResultTable(columns: [Column("name", .text), Column("note, with comma", .text), Column("amount", .money), Column("n", .int)],
                            rows: [
                                [.text("台北銀行"), .text("plain"), .money(Money(minor: 120_000_050)), .int(3)],
                                [.text("a,b"), .text("say \"hi\""), .money(Money(minor: -5)), .null],
                                [.text("line1\nline2"), .text(" padded "), .null, .int(-7)],
                                [.text("cr\rhere"), .text(""), .money(Money(minor: 0)), .int(0)],
                            ])
        let csv = Renderer(format: .csv, width: nil, color: false).render(t)
        let expected = "name,\"note, with comma\",amount,n\n"
            + "台北銀行,plain,1200000.50,3\n"
            + "\"a,b\",\"say \"\"hi\"\"\",-0.05,\n"
            + "\"line1\nline2\",\" padded \",,-7\n"
            + "\"cr\rhere\",,0.00,0\n"
        #expect(csv == expected)
    }

    @Test func tsvReplacesTabsAndNewlines() {
        let t = ResultTable(columns: [Column("a", .text), Column("b", .money)],
                            rows: [[.text("x\ty\nz"), .money(Money(minor: 1_234_567))]])
        #expect(Renderer(format: .tsv, width: nil, color: false).render(t) == "a\tb\nx y z\t12345.67\n")
    }

    @Test func markdownEscapesPipes() {
        let t = ResultTable(columns: [Column("a|b", .text), Column("amount", .money)],
                            rows: [[.text("x|y\nz"), .money(Money(minor: 100_000))]])
        #expect(Renderer(format: .markdown, width: nil, color: false).render(t) == "| a\\|b | amount |\n|---|---:|\n| x\\|y<br>z | 1,000.00 |\n")
    }

    // MARK: JSON

    @Test func jsonEscapesAndParsesBack() throws {
        let tricky = "引號\"反斜線\\換行\n定位\t歸位\r控制\u{1}\u{1F} 👍🏽 /"
        let t = ResultTable(
            columns: [Column("text", .text), Column("amount", .money), Column("n", .int), Column("ok", .bool),
                      Column("p", .percent), Column("d", .date), Column("nothing", .text), Column("鍵\"名", .text), Column("x", .real)],
            rows: [[.text(tricky), .money(Money(minor: 120_000_050)), .int(-42), .bool(true), .percent(Percent(basisPoints: 1250)),
                    .date(Day(year: 2026, month: 11, day: 26)!), .null, .text("v"), .real(2.5)],
                   [.text(""), .money(Money(minor: -5)), .int(0), .bool(false), .percent(Percent(whole: 0)),
                    .date(Day(year: 2024, month: 2, day: 29)!), .null, .text("w"), .real(.infinity)]])
        let json = Renderer(format: .json, width: nil, color: false).render(t)
        #expect(json.contains(#""引號\"反斜線\\換行\n定位\t歸位\r控制\u0001\u001f 👍🏽 /""#))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(parsed.count == 2)
        #expect(parsed[0]["text"] as? String == tricky)
        #expect((parsed[0]["amount"] as? NSNumber)?.doubleValue == 1_200_000.50)
        #expect((parsed[1]["amount"] as? NSNumber)?.doubleValue == -0.05)
        #expect((parsed[0]["n"] as? NSNumber)?.intValue == -42)
        #expect(parsed[0]["ok"] as? Bool == true)
        #expect(parsed[0]["d"] as? String == "2026-11-26")
        #expect(parsed[0]["nothing"] is NSNull)
        #expect(parsed[0]["鍵\"名"] as? String == "v")
        #expect((parsed[0]["x"] as? NSNumber)?.doubleValue == 2.5)
        #expect(parsed[1]["x"] is NSNull)                     // no Infinity in JSON
        #expect(Renderer.jsonString("\u{7F}é") == "\"\u{7F}é\"")
    }

    @Test func jsonScalar() {
        let r = Renderer(format: .json, width: nil, color: false)
        #expect(r.render(scalar: .text("a\"b"), type: .text) == "\"a\\\"b\"\n")
        #expect(r.render(scalar: .money(Money(minor: 150)), type: .money) == "1.50\n")
        #expect(Renderer(format: .table, width: nil, color: false).render(scalar: .money(Money(minor: 150_000)), type: .money) == "1,500.00\n")
    }

    @Test func formatNames() {
        #expect(OutputFormat.parse("CSV") == .csv)
        #expect(OutputFormat.parse("md") == .markdown)
        #expect(OutputFormat.parse("aligned") == .table)
        #expect(OutputFormat.parse("yaml") == nil)
    }

    // MARK: one record

    @Test func recordViewLinesUpLabelsWithChinese() throws {
        let model = try makeModel()
        let interp = Interpreter(ctx: EvalContext(model: model, today: shellToday, now: Timestamp(millis: 0), user: "admin"))
        let src = Source(name: "t", text: "show O1")
        guard case .record(let view) = try interp.run(try Parser.parse(src)[0], in: src) else { Issue.record("no record"); return }
        let text = Renderer(format: .table, width: nil, color: false).render(view)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "opportunity O1")
        // Every field line puts its value at the same display column.
        let fieldLines = lines.dropFirst().prefix { !$0.isEmpty && $0.hasPrefix(" ") }.filter { $0.count > 0 }
        let valueColumns = fieldLines.compactMap { l -> Int? in
            guard let r = l.range(of: "  ", options: [], range: l.index(after: l.startIndex)..<l.endIndex) else { return nil }
            let rest = l[r.upperBound...].drop { $0 == " " }
            guard !rest.isEmpty else { return nil }
            return DisplayWidth.of(String(l[..<rest.startIndex]))
        }
        #expect(valueColumns.count >= 6)
        #expect(Set(valueColumns).count == 1, "\(fieldLines)")
        #expect(text.contains("李娜"))                 // the owner's name next to the id
    }
}
