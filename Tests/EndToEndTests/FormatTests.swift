import Foundation
import Testing

@Suite("output formats") struct FormatTests {
    struct Leads { let chinese: String, tricky: String }

    /// Two leads: one with a Chinese company name, one with a comma, quotes and a tab-free oddity.
    func fixture(_ t: TempDir) throws -> Leads {
        try makeDemoStore(t)
        let a = try addRecord(t, #"add lead company="台灣大哥大" source=行業展會 owner=hua.lin contact="林小姐""#)
        let b = try addRecord(t, #"add lead company="Acme, \"Best\" Ltd" source=online owner=hua.lin"#)
        return Leads(chinese: a, tricky: b)
    }

    let query = { (l: Leads) in "leads | where id in (\(l.chinese), \(l.tricky)) | sort company | select id, company, source, owner, contact" }

    @Test("--format csv: a header row, then the records; Chinese and quoting survive")
    func csv() throws {
        let t = TempDir()
        let l = try fixture(t)
        let out = try ok(t, query(l), format: "csv")
        let rows = parseCSV(out).filter { $0 != [""] }
        #expect(rows.first == ["id", "company", "source", "owner", "contact"], "\(out)")
        #expect(rows.count == 3, "\(out)")
        let byId = Dictionary(uniqueKeysWithValues: rows.dropFirst().map { ($0[0], $0) })
        #expect(byId[l.chinese] == [l.chinese, "台灣大哥大", "exhibition", "hua.lin", "林小姐"], "\(out)")
        #expect(byId[l.tricky] == [l.tricky, "Acme, \"Best\" Ltd", "online", "hua.lin", ""], "\(out)")
        #expect(!out.contains("│") && !out.contains("rows)"), "csv has no table decoration: \(out)")
        #expect(!out.contains("\u{1B}["), "no escape sequences off a terminal")
    }

    @Test("--format json parses back with JSONSerialization")
    func json() throws {
        let t = TempDir()
        let l = try fixture(t)
        let out = try ok(t, query(l), format: "json")
        let parsed = try JSONSerialization.jsonObject(with: Data(out.utf8))
        guard let rows = parsed as? [[String: Any]] else { Issue.record("not an array of objects: \(out)"); return }
        #expect(rows.count == 2)
        let byId = Dictionary(uniqueKeysWithValues: rows.map { ($0["id"] as? String ?? "?", $0) })
        #expect(byId[l.chinese]?["company"] as? String == "台灣大哥大", "\(out)")
        #expect(byId[l.chinese]?["source"] as? String == "exhibition", "\(out)")
        #expect(byId[l.chinese]?["contact"] as? String == "林小姐", "\(out)")
        #expect(byId[l.tricky]?["company"] as? String == "Acme, \"Best\" Ltd", "\(out)")
        #expect(Set(rows.first?.keys.map { $0 } ?? []) == ["id", "company", "source", "owner", "contact"], "\(out)")

        // Money is a JSON number, exact; an empty field is null.
        let o = try addRecord(t, #"add opportunity customer=C1 owner=hua.lin title="數字" amount=1,234,567.89"#)
        let oj = try ok(t, "opportunities | where id = \(o) | select id, amount, presales", format: "json")
        let orow = (try JSONSerialization.jsonObject(with: Data(oj.utf8)) as? [[String: Any]])?.first
        #expect(orow?["amount"] is NSNumber, "\(oj)")
        // Exact in the text (JSONSerialization reads numbers as doubles).
        #expect(oj.range(of: #""amount"\s*:\s*1234567\.89\b"#, options: .regularExpression) != nil, "\(oj)")
        #expect(orow?["presales"] is NSNull, "\(oj)")
        // An empty result is an empty array.
        let empty = try ok(t, "leads | where company = \"沒有這家\"", format: "json")
        #expect((try JSONSerialization.jsonObject(with: Data(empty.utf8)) as? [Any])?.isEmpty == true, "\(empty)")
    }

    @Test("--format tsv and markdown")
    func tsvAndMarkdown() throws {
        let t = TempDir()
        let l = try fixture(t)
        let tsv = try ok(t, "leads | where id = \(l.chinese) | select id, company, source", format: "tsv")
        let lines = tsv.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines == [["id", "company", "source"], [l.chinese, "台灣大哥大", "exhibition"]], "\(tsv)")

        let md = try ok(t, "leads | where id = \(l.chinese) | select id, company, source", format: "markdown")
        let mdLines = md.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        #expect(mdLines.count == 3, "\(md)")
        #expect(mdLines.allSatisfy { $0.hasPrefix("|") && $0.hasSuffix("|") }, "\(md)")
        #expect(mdLines.first?.contains("company") == true && mdLines.last?.contains("台灣大哥大") == true, "\(md)")
    }

    @Test("the table lines up with Chinese text (wide characters take two columns)")
    func tableWidths() throws {
        let t = TempDir()
        let l = try fixture(t)
        let out = try ok(t, query(l))
        #expect(out.contains("台灣大哥大") && out.contains("林小姐"), "\(out)")
        #expect(!out.contains("\u{1B}["), "no colour with NO_COLOR and off a terminal: \(out)")
        let tableLines = out.split(separator: "\n").map(String.init).filter { $0.contains("│") || $0.contains("┼") }
        #expect(tableLines.count == 4, "\(out)")
        // Every column separator (│ in rows, ┼ in the rule under the header) sits at the same display
        // column on every line: wide characters are counted as two columns.
        func separatorColumns(_ line: String) -> [Int] {
            var cols: [Int] = [], width = 0
            for ch in line {
                if ch == "│" || ch == "┼" { cols.append(width) }
                width += displayWidth(String(ch))
            }
            return cols
        }
        let layouts = Set(tableLines.map(separatorColumns))
        #expect(layouts.count == 1 && layouts.first?.count == 4,
                "the columns should line up: \(tableLines.map(separatorColumns))\n\(out)")
    }

    @Test("numbers are right-aligned and money grouped in tables")
    func moneyInTable() throws {
        let t = TempDir()
        try makeDemoStore(t)
        let a = try addRecord(t, #"add opportunity customer=C1 owner=hua.lin title="大" amount=1234567.5"#)
        let b = try addRecord(t, #"add opportunity customer=C1 owner=hua.lin title="小" amount=5"#)
        let out = try ok(t, "opportunities | where id in (\(a), \(b)) | sort amount desc | select id, amount")
        #expect(out.contains("1,234,567.50"), "\(out)")
        let rows = out.split(separator: "\n").map(String.init).filter { $0.contains(a) || $0.contains(b) }
        #expect(rows.count == 2)
        // Right-aligned: both amounts end in the same column.
        let ends = Set(rows.map { r in displayWidth(String(r[..<r.range(of: ".")!.upperBound])) })
        #expect(ends.count == 1, "\(out)")
    }

    @Test("sorting by id orders prefixed ids by number")
    func sortByIdIsNumeric() throws {
        let t = TempDir()
        try makeDemoStore(t)
        let out = try ok(t, "leads | where id in (L2, L10, L9) | sort id | select id", format: "csv")
        #expect(parseCSV(out).dropFirst().map { $0.first ?? "" }.filter { !$0.isEmpty } == ["L2", "L9", "L10"], "\(out)")
        // So `history | sort id desc | take 1` is the latest change (H1000 comes after H999).
        let lead = try addRecord(t, #"add lead company="最新" source=online"#)
        let last = try ok(t, "history | sort id desc | take 1 | select record", format: "csv")
        #expect(parseCSV(last).dropFirst().first == [lead], "\(last)")
    }
}
