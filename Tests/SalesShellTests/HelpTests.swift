import Foundation
import Testing
import SalesCore
import SalesLanguage
@testable import SalesShell

/// The help in both languages against golden files: `HelpGolden/<en|zh-Hant>/<page>.txt` holds the
/// text of `help PAGE` for every statement, every entity and every topic. Run the tests with
/// `SALESH_UPDATE_GOLDEN=1` to write the files instead, then read what changed before committing it.
@Suite("help")
struct HelpTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("HelpGolden")
    static let updating = ProcessInfo.processInfo.environment["SALESH_UPDATE_GOLDEN"] == "1"

    /// Every page of the help: its golden file's name and the words after `help`.
    static let pages: [(file: String, words: [String])] = {
        var p: [(String, [String])] = [("overview", [])]
        p += Help.statements.map { ($0.name, [$0.name]) }
        p += Schema.sales.entities.map { ($0.name, [$0.name]) }
        p += ["statements", "entities", "queries", "reports", "warnings", "expressions", "dates", "functions", "scripting", "errors", "search"]
            .map { ("topic-\($0)", [$0]) }
        p += [("search-budget", ["search", "budget"]), ("search-zh-opportunity", ["search", "商機"]),
              ("search-zh-budget", ["search", "預算"]), ("search-nothing", ["search", "xyzzy"]), ("unknown", ["oportunity"])]
        return p
    }()

    static func text(_ file: String, _ language: UILanguage) -> String {
        let words = pages.first { $0.file == file }!.words
        return Help(schema: .sales, model: nil, language: language).text(for: words)
    }

    @Test(arguments: UILanguage.allCases, HelpTests.pages.map(\.file))
    func golden(_ language: UILanguage, _ file: String) throws {
        let url = Self.folder.appendingPathComponent(language.rawValue).appendingPathComponent(file + ".txt")
        let actual = Self.text(file, language)
        if Self.updating {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("no golden file \(language.rawValue)/\(file).txt; run the tests with SALESH_UPDATE_GOLDEN=1 to write it")
            return
        }
        guard actual != expected else { return }
        let a = actual.components(separatedBy: "\n"), e = expected.components(separatedBy: "\n")
        let k = zip(a, e).prefix { $0 == $1 }.count
        Issue.record("""
            help \(Self.pages.first { $0.file == file }!.words.joined(separator: " ")) (\(language.rawValue)) differs from \(language.rawValue)/\(file).txt at line \(k + 1):
              expected: \(k < e.count ? e[k] : "(end)")
              actual:   \(k < a.count ? a[k] : "(end)")
            """)
    }

    /// No golden file is left over from a page that is gone.
    @Test func everyGoldenFileIsAPage() throws {
        guard !Self.updating else { return }
        let names = Set(Self.pages.map { $0.file + ".txt" })
        for language in UILanguage.allCases {
            let dir = Self.folder.appendingPathComponent(language.rawValue)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            #expect(files.count >= names.count, "\(language.rawValue): \(files.count) golden files for \(names.count) pages")
            for f in files { #expect(names.contains(f), "\(language.rawValue)/\(f) is not a page of the help any more") }
        }
    }
}

/// Nothing in the help is left in English when the shell speaks Chinese.
@Suite("help translations")
struct HelpTranslationTests {
    @Test func everyStatementHasAChineseText() {
        for s in Help.statements {
            #expect(!s.zh.isEmpty && s.zh != s.text, "statement '\(s.name)' has no Traditional Chinese text")
            #expect(s.zh.hasSuffix("。"), "statement '\(s.name)': its Chinese text should end with a full stop: \(s.zh)")
        }
    }

    @Test func everySchemaDocHasAChineseText() {
        var missing: [String] = []
        for e in Schema.sales.entities {
            if HelpText.zh(e.doc) == nil { missing.append("\(e.name): \(e.doc)") }
            for f in e.fields where !f.doc.isEmpty && HelpText.zh(f.doc) == nil { missing.append("\(e.name).\(f.name): \(f.doc)") }
        }
        for w in Warnings.all where HelpText.zh(w.why) == nil { missing.append("warning \(w.name): \(w.why)") }
        #expect(missing.isEmpty, "help texts without Traditional Chinese (add them to HelpText.swift):\n\(missing.joined(separator: "\n"))")
        // And none is kept for a text the schema no longer has.
        let used = Set(Schema.sales.entities.flatMap { [$0.doc] + $0.fields.map(\.doc) } + Warnings.all.map(\.why))
        let stale = HelpText.docs.keys.filter { !used.contains($0) }.sorted()
        #expect(stale.isEmpty, "HelpText.swift translates texts no longer in the schema or the warnings:\n\(stale.joined(separator: "\n"))")
    }

    /// The Chinese keeps the `$setting` placeholders a warning's text is filled in with.
    @Test func chineseKeepsTheWarningsPlaceholders() {
        for w in Warnings.all {
            let zh = HelpText.zh(w.why) ?? ""
            for k in Warnings.thresholds(Model()).keys where w.why.contains("$" + k) {
                #expect(zh.contains("$" + k), "warning \(w.name): the Chinese drops $\(k)")
            }
        }
    }

    @Test(arguments: HelpTests.pages.map(\.file))
    func chinesePagesHaveNoEnglishProse(_ file: String) {
        let text = HelpTests.text(file, .zhHant)
        for (n, line) in text.components(separatedBy: "\n").enumerated() {
            if let run = EnglishProse.run(in: line) {
                Issue.record("help \(file) (zh-Hant), line \(n + 1) has English prose '\(run)':\n\(line)")
            }
            if let label = EnglishProse.label(in: line) {
                Issue.record("help \(file) (zh-Hant), line \(n + 1) has an English label '\(label):':\n\(line)")
            }
        }
        #expect(text.contains { !$0.isASCII }, "help \(file) in Chinese has no Chinese at all")
        // The entity page's short English words, too few for a run of prose.
        for word in ["required", "computed", "default", "(final)", "values:", "lifecycle", "examples:", "example:", "fields:", "ids:",
                     "plural", " through ", "kept by", "who may", "read only", "e.g.", "(built in)", "(saved", "Saved "] {
            #expect(!text.contains(word), "help \(file) in Chinese still says '\(word)'")
        }
    }

    /// The detector finds prose and lets code pass, so the test above means something.
    @Test func theProseDetectorTellsProseFromCode() {
        for prose in ["keep rows where COND holds", "Create a record. Staff, teams and products take an id",
                      "Every entity answers to its singular, plural and Chinese names", "the superior (one per person)",
                      "  help opportunity     商機 — fields: lead, opportunity, customer", "who may change them: admin, manager",
                      "  staff  人員  → staff  kept by the rules; set by convert"] {
            #expect(EnglishProse.run(in: prose) != nil, "'\(prose)' should count as English prose")
        }
        for label in ["  example: win O1024", "fields:", "      values: online 網絡營銷", "lifecycle (status), starting at new:"] {
            #expect(EnglishProse.label(in: label) != nil, "'\(label)' should count as an English label")
        }
        for code in ["opportunities | where stage in (proposal, negotiation) and amount > 100k | sort amount desc | take 10",
                     "opportunities | group owner | agg count() as deals, sum(amount * probability) as weighted",
                     "appraisals | where overdue | select id, staff, period, status, due",
                     "diff ENTITY since DATE [| stage …]", "ENTITY as of DATE | …", "x is not empty", "count sum avg min max",
                     "check none (visits | where overdue) else \"{count} visits overdue\"", "today yesterday tomorrow",
                     "  可選值：online 網絡營銷 · telemarketing 電話營銷", "report winrate this_year by=team",
                     "`define report NAME(PARAMS) QUERY`；以 `check NAME` 執行", "  report pipeline [PERIOD]     未結商機按階段統計",
                     "  範例：lose O1025 reason=\"價格太高\"", "  3 | opportunities | where amout > 100k"] {
            #expect(EnglishProse.run(in: code) == nil, "'\(code)' is code, not prose: \(EnglishProse.run(in: code) ?? "")")
            #expect(EnglishProse.label(in: code) == nil, "'\(code)' is code, not a label: \(EnglishProse.label(in: code) ?? "")")
        }
    }

    /// The pages line their columns up by display width (a Chinese character takes two columns), in both languages.
    @Test(arguments: UILanguage.allCases)
    func entityColumnsLineUp(_ language: UILanguage) {
        let help = Help(schema: .sales, language: language)
        for e in Schema.sales.entities {
            let lines = help.text(for: [e.name]).components(separatedBy: "\n")
            let start = lines.firstIndex { $0 == "fields:" || $0 == "欄位：" }! + 1
            let fieldLines = lines[start...].prefix { !$0.isEmpty }.filter { !$0.hasPrefix("      ") }
            #expect(fieldLines.count == e.fields.count)
            // The zh term and the type start at the same column on every line.
            let columns = fieldLines.map { Array(runStarts($0).prefix(3)) }
            #expect(Set(columns).count == 1, "help \(e.name) (\(language.rawValue)): fields are not aligned:\n\(fieldLines.joined(separator: "\n"))")
        }
        let entities = help.text(for: ["entities"]).split(separator: "\n").map(String.init)
        #expect(Set(entities.map { Array(runStarts($0).prefix(4)) }).count == 1, "help entities (\(language.rawValue)) is not aligned")
    }

    /// The display columns where each run of non-space characters starts.
    func runStarts(_ line: String) -> [Int] {
        var out: [Int] = [], col = 0, inRun = false
        for ch in line {
            if ch == " " { inRun = false } else if !inRun { out.append(col); inRun = true }
            col += DisplayWidth.of(ch)
        }
        return out
    }
}

@Suite("help search")
struct HelpSearchTests {
    @Test func findsChineseWords() {
        for language in UILanguage.allCases {
            let help = Help(schema: .sales, language: language)
            let opportunity = help.text(for: ["search", "商機"])
            #expect(opportunity.contains("help opportunity") && opportunity.contains("help lead") && opportunity.contains("help win"), "\(opportunity)")
            let budget = help.text(for: ["search", "預算"])
            #expect(budget.contains("help budget") && budget.contains("help expense"), "\(budget)")
            // A word found only in the Chinese of a statement's text.
            #expect(help.text(for: ["search", "丟單"]).contains("help lose"))
            #expect(help.text(for: ["search", "不存在的詞"]).hasPrefix(language == .en ? "nothing in the help mentions" : "說明中沒有提到"))
        }
        #expect(Help(schema: .sales, language: .zhHant).text(for: ["search", "商機"]).hasPrefix("「商機」出現在："))
    }

    /// Chinese topic names reach the same pages.
    @Test func chineseTopicNames() {
        let help = Help(schema: .sales, language: .zhHant)
        #expect(help.text(for: ["日期"]) == help.text(for: ["dates"]))
        #expect(help.text(for: ["查詢"]) == help.text(for: ["queries"]))
        #expect(help.text(for: ["商機"]) == help.text(for: ["opportunity"]))
    }

    /// Saved checks and reports are listed in the language too.
    @Test func savedDefinitionsInChinese() throws {
        let model = try makeModel(smallOrganisation + "\ndefine check no_big_deals none (opportunities | where amount > 10m)\n")
        let zh = Help(schema: .sales, model: model, language: .zhHant)
        #expect(zh.text(for: []).contains("已儲存的檢查：no_big_deals"), "\(zh.text(for: []))")
        #expect(zh.text(for: ["scripting"]).contains("  no_big_deals（已儲存"), "\(zh.text(for: ["scripting"]))")
        let en = Help(schema: .sales, model: model, language: .en)
        #expect(en.text(for: []).contains("Saved checks: no_big_deals"))
    }
}

/// English prose in a line of Chinese help: a run of four or more English words, of which at least one
/// is not a word of the language (a keyword, function, statement, entity, field, enumeration value,
/// report, topic) nor a placeholder in capitals. Quoted strings and `code` are left out first, so
/// examples such as `print "follow up today"` and usage lines pass, and a sentence left in English
/// does not: "keep rows where COND holds" has keep, rows and holds.
enum EnglishProse {
    static let vocabulary: Set<String> = {
        var v: Set<String> = [
            "where", "sort", "take", "select", "group", "agg", "count", "chart", "to", "in", "not", "and", "or", "is", "empty",
            "as", "of", "since", "desc", "asc", "by", "else", "none", "if", "for", "on", "off", "bar", "funnel", "csv", "tsv",
            "json", "markdown", "md", "table", "from", "map", "sum", "avg", "min", "max", "month", "quarter", "year", "week",
            "start", "end", "age", "days", "lower", "upper", "length", "contains", "coalesce", "round", "today", "yesterday",
            "tomorrow", "salesh", "run", "pipeline", "forecast", "winrate", "leads", "followups", "kpi", "budget", "spend",
            "risks", "echo", "true", "false", "report", "check", "let", "param", "print", "source", "define", "undefine",
            "env", "id", "help", "statements", "entities", "queries", "reports", "warnings", "expressions", "dates", "functions",
            "scripting", "checks", "errors", "search", "last", "timer", "maxrows", "watch", "quit", "clear", "save", "format",
        ]
        for s in Help.statements { v.insert(s.name) }
        for e in Schema.sales.entities {
            v.insert(e.name); v.insert(e.plural)
            for f in e.fields {
                for part in f.name.split(separator: "_") { v.insert(String(part)) }
                if let en = f.type.enumType { for c in en.cases { for part in c.name.split(separator: "_") { v.insert(String(part)) } } }
            }
        }
        return v
    }()

    /// The first run of English prose in the line, or nil.
    static func run(in line: String) -> String? {
        var words: [String] = [], prose = false
        let tokens = stripCode(line).split(separator: " ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "()[],.;:!?")) }
        // Names a query gives its columns (`agg sum(amount) as revenue`) are code wherever they appear in the line.
        let aliases = Set(zip(tokens, tokens.dropFirst()).filter { $0.0 == "as" }.map(\.1))
        for bare in tokens {
            guard !bare.isEmpty, bare.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "'") }) else {
                if words.count >= 4 && prose { return words.joined(separator: " ") }
                words = []; prose = false
                continue
            }
            words.append(bare)
            if !isCode(bare) && !aliases.contains(bare) { prose = true }
        }
        return words.count >= 4 && prose ? words.joined(separator: " ") : nil
    }

    /// A line that starts with an English label such as `example:` or `lifecycle (status), starting at new:`.
    static func label(in line: String) -> String? {
        let text = line.drop { $0 == " " }
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let head = text[..<colon]
        guard !head.isEmpty, head.allSatisfy({ $0.isASCII && ($0.isLetter || " (),_".contains($0)) }) else { return nil }
        let words = head.split { !$0.isLetter }.map(String.init)
        return words.contains { !isCode($0) } ? String(head) : nil
    }

    /// A word of the language, a placeholder in capitals or a one-letter name.
    static func isCode(_ word: String) -> Bool {
        word.count == 1 || word.allSatisfy(\.isUppercase) || vocabulary.contains(word.lowercased())
    }

    /// The line without quoted strings and `code`.
    static func stripCode(_ line: String) -> String {
        var out = "", quote: Character? = nil
        for ch in line {
            if let q = quote { if ch == q { quote = nil; out += " " }; continue }
            if ch == "\"" || ch == "`" { quote = ch; out += " "; continue }
            out.append(ch)
        }
        return out
    }
}
