/// A CSV reader for files other systems export: UTF-8 with or without BOM, comma, semicolon or tab
/// (guessed from the header), quoted fields with doubled quotes and embedded newlines. Each field
/// keeps the line and column where it starts, for error messages.
public struct CSVField: Sendable { public var text: String; public var line: Int; public var column: Int }
public struct CSVRow: Sendable { public var fields: [CSVField]; public var line: Int; public var raw: String }

public struct CSVError: Error, CustomStringConvertible { public var line: Int; public var column: Int; public var description: String }

public enum CSV {
    public static func separator(forHeader line: Substring) -> Character {
        let counts: [(Character, Int)] = [(",", line.filter { $0 == "," }.count), (";", line.filter { $0 == ";" }.count), ("\t", line.filter { $0 == "\t" }.count)]
        return counts.max { $0.1 < $1.1 }.map { $0.1 > 0 ? $0.0 : "," } ?? ","
    }

    /// Parses the whole text into rows. A quote left open swallows the rest of the file, so the rows
    /// before it are returned with the error for the row it opened in.
    public static func parse(_ input: String) throws -> (separator: Character, rows: [CSVRow], broken: (CSVError, String)?) {
        var text = Substring(input)
        if text.first == "\u{FEFF}" { text = text.dropFirst() }
        let firstLine = text.prefix { $0 != "\n" && $0 != "\r\n" && $0 != "\r" }
        let sep = separator(forHeader: firstLine)
        var rows: [CSVRow] = []
        var fields: [CSVField] = []
        var cur = "", line = 1, column = 1, fieldLine = 1, fieldColumn = 1, rowLine = 1
        var inQuotes = false, quotedAt = (1, 1), wasQuoted = false
        var raw = ""
        var i = text.startIndex
        func endField() { fields.append(CSVField(text: wasQuoted ? cur : String(cur.trimmingSpacesTail()), line: fieldLine, column: fieldColumn)); cur = ""; wasQuoted = false }
        while i < text.endIndex {
            let ch = text[i]
            let next = text.index(after: i)
            raw.append(ch)
            if inQuotes {
                if ch == "\"" {
                    if next < text.endIndex && text[next] == "\"" { cur.append("\""); raw.append("\""); i = text.index(after: next); column += 2; continue }
                    inQuotes = false
                } else {
                    cur.append(ch)
                    if ch == "\n" || ch == "\r\n" { line += 1; column = 0 }
                }
            } else if ch == "\"" && cur.allSatisfy({ $0 == " " }) {
                inQuotes = true; wasQuoted = true; cur = ""; quotedAt = (line, column)
            } else if ch == sep {
                endField(); fieldLine = line; fieldColumn = column + 1
            } else if ch == "\n" || ch == "\r\n" || ch == "\r" {
                raw.removeLast()
                endField()
                if !(fields.count == 1 && fields[0].text.isEmpty) { rows.append(CSVRow(fields: fields, line: rowLine, raw: raw)) }
                fields = []; raw = ""
                line += 1; column = 0; fieldLine = line; fieldColumn = 1; rowLine = line
            } else {
                cur.append(ch)
            }
            column += 1
            i = next
        }
        if inQuotes {
            let err = CSVError(line: rowLine, column: quotedAt.1, description: "a quoted field opened at column \(quotedAt.1) is never closed")
            if rows.isEmpty { throw err }
            return (sep, rows, (err, String(raw.prefix { $0 != "\n" })))
        }
        if !cur.isEmpty || !fields.isEmpty {
            endField()
            if !(fields.count == 1 && fields[0].text.isEmpty) { rows.append(CSVRow(fields: fields, line: rowLine, raw: raw)) }
        }
        return (sep, rows, nil)
    }
}

extension String {
    func trimmingSpacesTail() -> Substring {
        var s = Substring(self)
        while let f = s.first, f == " " { s = s.dropFirst() }
        while let l = s.last, l == " " { s = s.dropLast() }
        return s
    }
}
