import Foundation
import Testing
@testable import SalesShell

/// The phrasebook against the sources: every message the shell can show has a Traditional Chinese
/// translation, found by reading the literals passed to the calls that make messages.
@Suite("phrasebook")
struct PhrasebookTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// The calls whose string arguments are messages.
    static let markers = ["DomainError(", "Diagnostic(", "diag(", "error(", "refuse(", "phrase(", "throw d(", "hint: "]

    @Test func everyPhraseHasATranslation() throws {
        let known = Phrasebook.shapes
        var missing: [String] = []
        var count = 0
        let files = FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" && !$0.path.contains("/Localization/") }
        for file in files {
            let text = Array(try String(contentsOf: file, encoding: .utf8).unicodeScalars)
            for shape in Self.phrases(in: text) {
                count += 1
                if !known.contains(shape) { missing.append("\(file.lastPathComponent): \(shape)") }
            }
        }
        #expect(count > 300, "the scan found \(count) phrases; has the way messages are written changed?")
        #expect(missing.isEmpty, "phrases without a Traditional Chinese translation:\n\(missing.sorted().joined(separator: "\n"))")
    }

    @Test func translationsUseOnlyTheirPhrasesValues() {
        for e in Phrasebook.entries {
            let n = e.pieces.count - 1
            var chars = Array(e.zh)
            var k = 0
            while k < chars.count - 1 {
                if chars[k] == "%", let d = chars[k + 1].wholeNumberValue {
                    #expect(d >= 1 && d <= n, "'\(e.shape)' → '\(e.zh)' names %\(d), but the phrase has \(n) values")
                }
                k += 1
            }
            chars = []
            #expect(!e.zh.isEmpty && e.zh != e.shape, "'\(e.shape)' is not translated")
        }
        let shapes = (Phrasebook.core + Phrasebook.language + Phrasebook.queries).map(\.0)
        #expect(Set(shapes).count == shapes.count, "a phrase is translated twice: \(Dictionary(grouping: shapes, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted())")
    }

    /// An import's report: each refused row's line in turn (its message already translated, its row
    /// as the file has it), then the summary, whose note of the fields the shell keeps follows a "; ".
    @Test func aLongReportTranslatesLineByLine() {
        var lines: [String] = []
        for row in 2..<2_002 {
            lines.append("線索.csv:\(row):31: 來源：未知的 來源「event」")
            lines.append("    ,\"新竹 \(row)\",event,no opportunity O12")
        }
        let summary = "imported 線索.csv into leads: 1 new, 0 updated, 0 unchanged, 2000 rejected; not loaded from the file, as the shell keeps them: status, customer"
        let out = Phrasebook.translate((lines + [summary]).joined(separator: "\n"), to: .zhHant).components(separatedBy: "\n")
        #expect(out.count == lines.count + 1)
        #expect(Array(out.prefix(lines.count)) == lines, "a row's own text is left as it is")
        #expect(out.last == "已將 線索.csv 匯入客戶線索：新增 1，更新 0，未變 0，拒絕 2000；以下欄位由系統維護，未從檔案載入：status, customer")
        #expect(Phrasebook.match(["前 ", "：", ""], "前 第一：二") == ["第一", "二"], "pieces found by their bytes, beside Chinese text")
        #expect(Phrasebook.match(["a; ", " — ", "."], "a; x — y — z.") == ["x", "y — z"])
    }

    @Test func composedMessagesTranslateWhole() {
        #expect(Phrasebook.translate("anything unknown stays as it is", to: .zhHant) == "anything unknown stays as it is")
        #expect(Phrasebook.translate("no opportunity O12", to: .en) == "no opportunity O12")
        #expect(Phrasebook.match(["no ", " ", ""], "no opportunity O12") == ["opportunity", "O12"])
        #expect(Phrasebook.match(["", " is ", ""], "O1 is won") == ["O1", "won"])
        #expect(Phrasebook.match(["a", "b"], "ab c") == nil)
        #expect(Phrasebook.fill("%2 的 %1", ["a", "b"]) == "b 的 a")
        // Values are translated (an entity, a state, a field), except a name quoted as typed.
        #expect(Phrasebook.translate("no opportunity O12", to: .zhHant) == "沒有商機 O12")
        #expect(Phrasebook.translate("a new lead needs company", to: .zhHant).hasPrefix("新的客戶線索 需要填寫"))
        #expect(Phrasebook.translate("did you mean 'amount'?", to: .zhHant) == "是不是要找「amount」？")
        #expect(Phrasebook.translate("O1 is already won", to: .zhHant).contains("成交"))
        // A field named after an entity reads as the entity; a name with two meanings stays as typed.
        #expect(Phrasebook.translate("staff: there is no staff 'nobody'", to: .zhHant) == "員工：沒有員工「nobody」")
        #expect(Phrasebook.terms["qualified"] == nil)
        // A composed confirmation: the parts joined by "; " each translate.
        #expect(Phrasebook.translate("added O7 (5G 專網); added C3 (遠傳)", to: .zhHant) == "已新增 O7（5G 專網）；已新增 C3（遠傳）")
        // A phrase inside another whose own shape begins with a value: the outer one is read first.
        #expect(Phrasebook.translate("imported t.csv into trainings: 1 new, 0 updated, 0 unchanged, 1 rejected", to: .zhHant)
                == "已將 t.csv 匯入培訓記錄：新增 1，更新 0，未變 0，拒絕 1")
        // An import's refusal whose rows carry a " — " hint: its first line still reads whole.
        let refusal = "3 bad rows in o.csv; nothing was loaded\no.csv:2:5: amount: 應為 money — 金額寫成 1200\n    x,很多錢"
        #expect(Phrasebook.translate(refusal, to: .zhHant).hasPrefix("o.csv 有 3 列資料有誤；未載入任何資料\n"))
    }

    /// Each phrase, its values filled with plain words, translates by its own entry: no other shape
    /// takes it first.
    @Test func everyPhraseTranslatesByItsOwnEntry() {
        var taken: [String] = []
        for e in Phrasebook.entries {
            let values = (1..<e.pieces.count).map { "v\($0)" }
            var text = e.pieces[0]
            for (i, v) in values.enumerated() { text += v + e.pieces[i + 1] }
            let got = Phrasebook.translate(text, to: .zhHant), want = Phrasebook.fill(e.zh, values)
            if got != want { taken.append("\(e.shape): \(got), not \(want)") }
        }
        #expect(taken.isEmpty, "\(taken.prefix(5))")
    }

    // MARK: reading Swift source

    /// Message shapes in a Swift file: each string literal (with `%@` for its interpolations) that is an
    /// argument of a marker call, or follows `hint: `; nested literals inside interpolations are not
    /// messages of their own. Only literals with words count.
    static func phrases(in s: [Unicode.Scalar]) -> [String] {
        var out: [String] = []
        for marker in markers {
            let m = Array(marker.unicodeScalars)
            var i = 0
            while i + m.count <= s.count {
                guard Array(s[i..<(i + m.count)]) == m, i == 0 || !isIdentifier(s[i - 1]) || marker.hasPrefix("hint") else { i += 1; continue }
                var j = i + m.count
                while j < s.count, s[j] == " " { j += 1 }
                if marker == "hint: " {
                    if j < s.count, s[j] == "\"", let (shape, _) = literal(s, j) { out.append(shape) }
                } else {
                    var depth = 1
                    while j < s.count, depth > 0 {
                        if s[j] == "\"" {
                            guard let (shape, end) = literal(s, j) else { break }
                            if depth == 1, !comparedTo(s, before: j) { out.append(shape) }
                            j = end
                            continue
                        }
                        if s[j] == "(" { depth += 1 } else if s[j] == ")" { depth -= 1 }
                        j += 1
                    }
                }
                i += m.count
            }
        }
        return out.filter { shape in
            var letters = 0
            for c in shape.unicodeScalars { letters = c.properties.isAlphabetic && c.isASCII ? letters + 1 : 0; if letters >= 2 { return true } }
            return false
        }
    }

    /// True when the literal at `j` is not a message: the right side of `==` or `!=`, or the `field:`
    /// an error is about.
    static func comparedTo(_ s: [Unicode.Scalar], before j: Int) -> Bool {
        var k = j - 1
        while k > 0, s[k] == " " { k -= 1 }
        if k >= 5, String(String.UnicodeScalarView(s[(k - 5)...k])) == "field:" { return true }
        return k > 0 && s[k] == "=" && (s[k - 1] == "=" || s[k - 1] == "!")
    }

    static func isIdentifier(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" }

    /// The literal starting at `s[i] == "\""`: its shape and the index after it (nil for a multi-line literal).
    static func literal(_ s: [Unicode.Scalar], _ start: Int) -> (String, Int)? {
        if start + 2 < s.count, s[start + 1] == "\"", s[start + 2] == "\"" { return nil }
        var j = start + 1
        var out = ""
        while j < s.count {
            let c = s[j]
            if c == "\\", j + 1 < s.count {
                if s[j + 1] == "(" {
                    var depth = 1
                    j += 2
                    while j < s.count, depth > 0 {
                        if s[j] == "\"" { guard let (_, end) = literal(s, j) else { return nil }; j = end; continue }
                        if s[j] == "(" { depth += 1 } else if s[j] == ")" { depth -= 1 }
                        j += 1
                    }
                    out += "%@"
                    continue
                }
                switch s[j + 1] {
                case "n": out += "\n"
                case "t": out += "\t"
                case "\"": out += "\""
                case "\\": out += "\\"
                default: out.unicodeScalars.append(s[j + 1])
                }
                j += 2
                continue
            }
            if c == "\"" { return (out, j + 1) }
            out.unicodeScalars.append(c)
            j += 1
        }
        return (out, j)
    }
}
