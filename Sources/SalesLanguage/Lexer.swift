import SalesCore

/// Turns source text into tokens. Newlines end statements, except inside parentheses,
/// after a trailing `|`, or before a line that starts with `|` or `else`.
public struct Lexer {
    let source: Source
    let c: [Character]
    var i = 0
    var depth = 0
    var tokens: [Token] = []

    public init(_ source: Source) { self.source = source; c = source.chars }

    public static func tokenize(_ source: Source) throws -> [Token] {
        var lx = Lexer(source)
        return try lx.run()
    }

    mutating func run() throws -> [Token] {
        while i < c.count {
            let ch = c[i]
            if ch == "\n" || ch == "\r\n" || ch == "\r" {
                emitNewline()
                i += 1
            } else if ch.isWhitespace {
                i += 1
            } else if ch == "#" {
                while i < c.count, c[i] != "\n", c[i] != "\r\n" { i += 1 }
            } else if ch == "\"" || ch == "'" || ch == "“" || ch == "「" {
                try lexString()
            } else if ch.isASCII && ch.isNumber {
                lexNumberLike()
            } else if isWordStart(ch) {
                lexWord(from: i)
            } else if ch == "$" {
                let start = i
                i += 1
                while i < c.count, isWordChar(c[i]) || (c[i] == "." && i + 1 < c.count && isWordChar(c[i + 1])) { i += 1 }
                if i == start + 1 { throw Diagnostic("expected a variable name after '$'", at: loc(start..<i)) }
                tokens.append(Token(.variable, String(c[(start + 1)..<i]), start..<i))
            } else {
                try lexSymbol()
            }
        }
        tokens.append(Token(.eof, "", c.count..<c.count))
        return tokens
    }

    func loc(_ r: Range<Int>) -> SourceLocation { source.location(of: r) }

    mutating func emitNewline() {
        if depth > 0 { return }
        if let last = tokens.last, last.kind == .newline || last.isSymbol("|") || last.isSymbol(",") { return }
        if tokens.isEmpty { return }
        // A line that starts with `|` continues the statement above, even after comment lines.
        var j = i + 1
        while j < c.count {
            if c[j].isWhitespace { j += 1; continue }
            if c[j] == "#" { while j < c.count, c[j] != "\n", c[j] != "\r\n" { j += 1 }; continue }
            break
        }
        if j < c.count, c[j] == "|" { return }
        // So does a line that starts with `else` (a check's message, the other branch of an if).
        if j + 4 <= c.count, String(c[j..<(j + 4)]) == "else", j + 4 == c.count || !isWordChar(c[j + 4]) { return }
        tokens.append(Token(.newline, "\n", i..<(i + 1)))
    }

    func isWordStart(_ ch: Character) -> Bool { ch.isLetter || ch == "_" }
    func isWordChar(_ ch: Character) -> Bool { ch.isLetter || ch.isNumber || ch == "_" }

    mutating func lexWord(from start: Int) {
        i = max(i, start)
        var sawLower = false
        while i < c.count {
            let ch = c[i]
            if isWordChar(ch) {
                if ch.isLowercase { sawLower = true }
                i += 1
            } else if ch == ".", i + 1 < c.count, isWordChar(c[i + 1]) {
                i += 1
            } else if ch == "-", !sawLower, i + 1 < c.count, c[i + 1].isLetter || c[i + 1].isNumber, i > start {
                // Product and competitor codes such as FIBER-1G and CR-5G.
                i += 1
            } else { break }
        }
        tokens.append(Token(.word, String(c[start..<i]), start..<i))
    }

    mutating func lexString() throws {
        let start = i
        let open = c[i]
        let close: Character = open == "“" ? "”" : (open == "「" ? "」" : open)
        i += 1
        var s = ""
        while true {
            guard i < c.count else {
                throw Diagnostic("unterminated string", at: loc(start..<(start + 1)), hint: "close it with \(close)")
            }
            let ch = c[i]
            if ch == close { i += 1; break }
            if ch == "\\", i + 1 < c.count {
                i += 1
                switch c[i] {
                case "n": s.append("\n")
                case "t": s.append("\t")
                case "\\": s.append("\\")
                case "\"": s.append("\"")
                case "'": s.append("'")
                case "{": s.append("{")
                default: s.append("\\"); s.append(c[i])
                }
                i += 1
                continue
            }
            s.append(ch)
            i += 1
        }
        tokens.append(Token(.string, s, start..<i))
    }

    func digits(at j: Int) -> Int {
        var k = j
        while k < c.count, c[k].isASCII, c[k].isNumber { k += 1 }
        return k - j
    }

    func endsWord(_ j: Int) -> Bool { j >= c.count || !(isWordChar(c[j]) || c[j] == ".") || (c[j] == "." && (j + 1 >= c.count || !isWordChar(c[j + 1]))) }

    mutating func lexNumberLike() {
        let start = i
        let d0 = digits(at: i)
        // Dates and periods: 2026-10-01, 2026/10/3, 2026-10, 2026Q3.
        if d0 == 4, i + 4 < c.count {
            let sep = c[i + 4]
            if sep == "-" || sep == "/" {
                let m = digits(at: i + 5)
                if (1...2).contains(m), i + 5 + m < c.count, c[i + 5 + m] == sep {
                    let d = digits(at: i + 6 + m)
                    if (1...2).contains(d), endsWord(i + 6 + m + d) {
                        i += 6 + m + d
                        // A range of days: 2026-01-01..2026-03-31
                        if i + 2 < c.count, c[i] == ".", c[i + 1] == ".", digits(at: i + 2) == 4 {
                            let save = i, saved = tokens.count
                            i += 2
                            lexNumberLike()
                            if tokens.count == saved + 1, tokens[saved].kind == .date {
                                tokens.removeLast()
                                tokens.append(Token(.period, String(c[start..<i]), start..<i)); return
                            }
                            if tokens.count > saved { tokens.removeLast(tokens.count - saved) }
                            i = save
                        }
                        tokens.append(Token(.date, String(c[start..<i]), start..<i)); return
                    }
                }
                if sep == "-", m == 2, endsWord(i + 7) {
                    i += 7
                    tokens.append(Token(.period, String(c[start..<i]), start..<i)); return
                }
            }
            if sep == "Q" || sep == "q", i + 5 < c.count, ("1"..."4").contains(c[i + 5]), endsWord(i + 6) {
                i += 6
                tokens.append(Token(.period, String(c[start..<i]), start..<i)); return
            }
        }
        var j = i + d0
        // Grouping commas only when each group has exactly three digits.
        while j + 3 < c.count + 1, j < c.count, c[j] == ",", digits(at: j + 1) == 3 { j += 4 }
        var hasFraction = false
        if j < c.count, c[j] == ".", digits(at: j + 1) > 0 { hasFraction = true; j += 1 + digits(at: j + 1) }
        if j < c.count, c[j] == "%" {
            i = j + 1
            tokens.append(Token(.percent, String(c[start..<i]), start..<i)); return
        }
        if !hasFraction, j < c.count {
            for unit in ["mo", "d", "w", "y"] {
                let u = Array(unit)
                if j + u.count <= c.count, Array(c[j..<(j + u.count)]) == u, endsWord(j + u.count), !String(c[start..<j]).contains(",") {
                    i = j + u.count
                    tokens.append(Token(.duration, String(c[start..<i]), start..<i)); return
                }
            }
        }
        if j < c.count, "kKmM萬万".contains(c[j]), endsWord(j + 1) { j += 1 }
        if endsWord(j) {
            i = j
            tokens.append(Token(.number, String(c[start..<i]), start..<i)); return
        }
        // Something like 5G-PRIVATE: a word that starts with a digit.
        lexWord(from: start)
    }

    mutating func lexSymbol() throws {
        let start = i
        let ch = c[i]
        let two = i + 1 < c.count ? String([ch, c[i + 1]]) : ""
        if ["!=", "<=", ">=", "<>", "=="].contains(two) {
            i += 2
            tokens.append(Token(.symbol, two == "<>" ? "!=" : (two == "==" ? "=" : two), start..<i)); return
        }
        let map: [Character: String] = ["|": "|", "=": "=", "<": "<", ">": ">", "(": "(", ")": ")", ",": ",", "+": "+",
                                        "-": "-", "*": "*", "/": "/", ";": ";", "，": ",", "（": "(", "）": ")", "＝": "=", "{": "{", "}": "}"]
        guard let s = map[ch] else {
            throw Diagnostic("unexpected character '\(ch)'", at: loc(start..<(start + 1)))
        }
        if s == "(" { depth += 1 }
        if s == ")" { depth = max(0, depth - 1) }
        i += 1
        tokens.append(Token(.symbol, s, start..<i))
    }
}
