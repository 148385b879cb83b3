import Testing
import SalesCore
@testable import SalesShell
import SalesLanguage

@Suite("languages")
struct LocalizationTests {
    /// No message without a translation.
    @Test func everyMessageHasEveryLanguage() {
        for (key, entry) in Messages.catalog {
            for lang in UILanguage.allCases { #expect(entry[lang] != nil, "message '\(key)' has no \(lang.rawValue) text") }
            // The same placeholders in each language, so a translation cannot drop or reorder an argument's kind.
            let kinds = entry.values.map { $0.filter { "%".contains($0) }.count }
            #expect(Set(kinds).count == 1, "message '\(key)' has different placeholders: \(entry)")
        }
    }

    @Test func theLanguageComesFromTheLocale() {
        #expect(UILanguage.from(environment: ["LANG": "zh_TW.UTF-8"]) == .zhHant)
        #expect(UILanguage.from(environment: ["LC_ALL": "zh_HK.UTF-8", "LANG": "en_US.UTF-8"]) == .zhHant)
        #expect(UILanguage.from(environment: ["LC_ALL": "C.UTF-8", "LANG": "zh_TW.UTF-8"]) == .en)
        #expect(UILanguage.from(environment: [:]) == .en)
        #expect(UILanguage.parse("zh-Hant") == .zhHant && UILanguage.parse("EN") == .en && UILanguage.parse("fr") == nil)
    }

    @Test func tablesInChineseUseTheRegulationsTerms() {
        var r = Renderer(format: .table, width: nil, color: false)
        r.language = .zhHant
        let t = ResultTable(columns: [Column("id", .text), Column("stage", .enumeration(Enums.stage)), Column("amount", .money)],
                            rows: [[.text("O1"), .text("negotiation"), .money(Money(minor: 120_000_000))]])
        let out = r.render(t)
        #expect(out.contains("編號") && out.contains("階段") && out.contains("金額") && out.contains("商務談判") && out.contains("（共 1 列）"), "\(out)")
        r.format = .csv
        #expect(r.render(t).hasPrefix("id,stage,amount\nO1,negotiation,"), "machine formats keep the field names and values")
    }

    /// Every report's columns have a Chinese heading in a table.
    @Test func everyReportsColumnsHaveAChineseHeading() throws {
        let model = try makeModel()
        let interp = Interpreter(ctx: EvalContext(model: model, today: shellToday, now: Timestamp(millis: Int64(shellToday.raw) * 86_400_000), user: "admin"))
        for report in ["pipeline", "funnel", "forecast", "winrate 2026", "winrate 2026 by=team", "winrate 2026 by=source", "leads", "followups",
                       "kpi 2026-11", "budget 2026", "spend 2026", "risks", "risk_list", "training 2026", "training_plans"] {
            let src = Source(name: "test", text: "report \(report)")
            guard case .table(let t)? = try Parser.parse(src).map({ try interp.run($0, in: src) }).last else {
                Issue.record("report \(report) gave no table"); continue
            }
            for c in t.columns {
                let heading = c.zh ?? Messages.heading(c.name, .zhHant)
                #expect(heading.unicodeScalars.contains { $0.value >= 0x4E00 }, "report \(report): column \(c.name) has no Chinese heading")
            }
        }
    }
}
