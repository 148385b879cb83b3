import Foundation
import SalesCore
import SalesLanguage

public enum OutputFormat: String, CaseIterable, Sendable {
    case table, csv, tsv, json, markdown

    public static func parse(_ s: String) -> OutputFormat? {
        switch s.lowercased() {
        case "md": .markdown
        case "text", "aligned": .table
        default: OutputFormat(rawValue: s.lowercased())
        }
    }
}

/// Renders results in one of the output formats.
public struct Renderer {
    public var format: OutputFormat
    /// Terminal width, or nil when output is not a terminal (nothing is truncated then).
    public var width: Int?
    public var color: Bool
    /// The language of headings and footers in tables (machine formats keep the field names).
    public var language: UILanguage = .en
    /// Results far wider than the terminal show one record per block (psql's `\x auto`).
    public var expandWide = true
    /// `maxrows N`: tables show the first N rows and say how many more there are (the result is whole in `last`).
    public var maxRows: Int? = nil

    public init(format: OutputFormat, width: Int?, color: Bool) { self.format = format; self.width = width; self.color = color }

    func heading(_ name: String) -> String { Messages.heading(name, language) }
    func heading(_ c: Column) -> String { language == .zhHant ? c.zh ?? heading(c.name) : c.name }
    func footer(_ n: Int) -> String { n == 1 ? Messages.text("row", language) : Messages.text("rows", language, n) }

    public func bold(_ s: String) -> String { color ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
    func dim(_ s: String) -> String { color ? "\u{1B}[2m\(s)\u{1B}[0m" : s }

    public func render(_ t: ResultTable) -> String {
        switch format {
        case .table: return table(t)
        case .csv: return delimited(t, sep: ",")
        case .tsv: return delimited(t, sep: "\t")
        case .json: return json(t)
        case .markdown: return markdown(t)
        }
    }

    public func render(scalar v: Value, type: ValueType) -> String {
        switch format {
        case .json: return jsonValue(v, type) + "\n"
        default: return v.display + "\n"
        }
    }

    // MARK: table

    func cell(_ v: Value) -> String {
        v.display.replacingAll("\n", with: "⏎").replacingAll("\t", with: " ")
    }

    /// A cell as shown: in Chinese, an enumeration's value is its Chinese term.
    func shown(_ v: Value, _ type: ValueType) -> String {
        if language == .zhHant, case .enumeration(let e) = type, case .text(let name) = v, let i = e.index(ofCanonical: name), let zh = e.cases[i].zh { return zh }
        return cell(v)
    }

    func table(_ whole: ResultTable) -> String {
        var t = whole
        var more = 0
        if let m = maxRows, t.rows.count > m { more = t.rows.count - m; t.rows = Array(t.rows.prefix(m)) }
        let elided = more == 0 ? "" : dim(Phrasebook.translate(phrase("… \(more) more row\(more == 1 ? "" : "s") (maxrows \(maxRows!); last | to csv \"FILE\" writes them all)"), to: language)) + "\n"
        return tableBody(t, total: whole.rows.count) + elided
    }

    func tableBody(_ t: ResultTable, total: Int) -> String {
        let headers = t.columns.map { heading($0) }
        let cells = t.rows.map { r in r.enumerated().map { shown($0.element, t.columns[$0.offset].type) } }
        var widths = headers.map { DisplayWidth.of($0) }
        for r in cells { for (i, c) in r.enumerated() { widths[i] = max(widths[i], DisplayWidth.of(c)) } }
        // Far too wide for the terminal: one record per block, as psql's \x auto does.
        if let width, expandWide, widths.count > 3, widths.reduce(0, +) + widths.count * 3 - 1 > width * 3 / 2 { return expanded(t, cells, width: width, total: total) }
        // Too wide for the terminal: narrow the widest columns first, never below 6 columns.
        if let width, !widths.isEmpty {
            let chrome = widths.count * 3 - 1
            while widths.reduce(0, +) + chrome > width {
                let (i, w) = widths.enumerated().max { $0.element < $1.element }!
                if w <= 6 { break }
                widths[i] = w - 1
            }
        }
        let right = t.columns.map { $0.type.alignsRight }
        var out = ""
        func line(_ values: [String], header: Bool) {
            var parts: [String] = []
            for (i, v) in values.enumerated() {
                let cut = DisplayWidth.truncate(v, to: widths[i])
                parts.append(" " + DisplayWidth.pad(cut, to: widths[i], right: right[i] && !header) + " ")
            }
            let l = parts.joined(separator: dim("│"))
            out += (header ? bold(l) : l).trimmingTrailingSpaces() + "\n"
        }
        line(headers, header: true)
        out += dim(widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: "┼")) + "\n"
        for r in cells { line(r, header: false) }
        out += dim(footer(total)) + "\n"
        return out
    }

    /// Each record as a block of `column │ value` lines, values cut to the terminal's width.
    func expanded(_ t: ResultTable, _ cells: [[String]], width: Int, total: Int) -> String {
        let label = t.columns.map { DisplayWidth.of(heading($0)) }.max() ?? 0
        let room = max(8, width - label - 3)
        var out = ""
        for (n, r) in cells.enumerated() {
            let title = "─[ \(n + 1) ]"
            out += dim(title + String(repeating: "─", count: max(0, min(width, label + 3 + room) - DisplayWidth.of(title)))) + "\n"
            for (i, c) in r.enumerated() {
                out += (bold(DisplayWidth.pad(heading(t.columns[i]), to: label, right: false)) + " " + dim("│") + " " + DisplayWidth.truncate(c, to: room)).trimmingTrailingSpaces() + "\n"
            }
        }
        return out + dim(footer(total)) + "\n"
    }

    // MARK: machine formats

    func delimited(_ t: ResultTable, sep: Character) -> String {
        func field(_ s: String) -> String {
            if sep == "\t" { return s.replacingAll("\t", with: " ").replacingAll("\n", with: " ") }
            if s.contains(where: { $0 == sep || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || s.hasPrefix(" ") || s.hasSuffix(" ") {
                return "\"" + s.replacingAll("\"", with: "\"\"") + "\""
            }
            return s
        }
        var out = t.columns.map { field($0.name) }.joined(separator: String(sep)) + "\n"
        for r in t.rows { out += r.map { field($0.plain) }.joined(separator: String(sep)) + "\n" }
        return out
    }

    func markdown(_ t: ResultTable) -> String {
        func esc(_ s: String) -> String { s.replacingAll("|", with: "\\|").replacingAll("\n", with: "<br>") }
        var out = "| " + t.columns.map { esc($0.name) }.joined(separator: " | ") + " |\n"
        out += "|" + t.columns.map { $0.type.alignsRight ? "---:|" : "---|" }.joined() + "\n"
        for r in t.rows { out += "| " + r.map { esc($0.display) }.joined(separator: " | ") + " |\n" }
        return out
    }

    func json(_ t: ResultTable) -> String {
        if t.rows.isEmpty { return "[]\n" }
        var out = "[\n"
        for (n, r) in t.rows.enumerated() {
            let fields = zip(t.columns, r).map { "\(Renderer.jsonString($0.name)): \(jsonValue($1, $0.type))" }
            out += "  {" + fields.joined(separator: ", ") + "}" + (n + 1 < t.rows.count ? ",\n" : "\n")
        }
        return out + "]\n"
    }

    func jsonValue(_ v: Value, _ t: ValueType) -> String {
        switch v {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .real(let d): d.isFinite ? Value.formatReal(d) : "null"
        case .money(let m): m.plain
        default: Renderer.jsonString(v.display)
        }
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    // MARK: one record

    public func render(_ view: RecordView) -> String {
        let e = view.entity
        if format != .table {
            var cols = [Column("id", .reference(e.name))]
            cols += e.fields.map { Column($0.name, $0.type) }
            return render(ResultTable(columns: cols, rows: [[.text(view.record.id)] + view.record.values]))
        }
        let labels = ["id"] + e.fields.map { f in f.zh.map { "\(f.name) \($0)" } ?? f.name }
        let lw = labels.map { DisplayWidth.of($0) }.max() ?? 0
        var out = bold("\(Phrasebook.translate(e.name, to: language)) \(view.record.id)") + "\n"
        out += " " + DisplayWidth.pad(labels[0], to: lw, right: false) + "  " + view.record.id + "\n"
        for (i, f) in e.fields.enumerated() {
            let v = view.record.values[i]
            if v.isNull && f.access == .system { continue }
            var text = v.display
            if let t = view.referenceTitles[i] { text += dim("  \(t)") }
            out += " " + dim(DisplayWidth.pad(labels[i + 1], to: lw, right: false)) + "  " + text.replacingAll("\n", with: "\n" + String(repeating: " ", count: lw + 3)) + "\n"
        }
        for (title, t) in view.related {
            out += "\n" + bold(Phrasebook.translate(title, to: language)) + "\n" + table(t)
        }
        if !view.history.rows.isEmpty {
            out += "\n" + bold(Phrasebook.translate("history", to: language)) + "\n" + table(view.history)
        }
        return out
    }
}

extension String {
    /// Every `a` replaced by `b`; the string itself, with no Foundation call, when it has no `a` (as
    /// nearly every cell a table shows has no new line or tab).
    func replacingAll(_ a: String, with b: String) -> String {
        if a.utf8.count == 1, let byte = a.utf8.first, !utf8.contains(byte) { return self }
        return replacingOccurrences(of: a, with: b)
    }

    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
