import SalesCore

/// Recursive-descent parser. Each function carries the grammar rule it implements.
public struct Parser {
    let source: Source
    var tokens: [Token]
    var p = 0

    public init(_ source: Source) throws {
        self.source = source
        tokens = try Lexer.tokenize(source)
    }

    /// Parses a whole script or REPL input into statements.
    public static func parse(_ source: Source) throws -> [Located<Statement>] {
        var ps = try Parser(source)
        return try ps.program()
    }

    var tok: Token { tokens[p] }
    /// The end of a statement: a newline, `;`, the end of input, or the `}` closing a block.
    var atStatementEnd: Bool { tok.kind == .newline || tok.kind == .eof || tok.isSymbol(";") || tok.isSymbol("}") }
    func isStatementEnd(_ t: Token) -> Bool { t.kind == .newline || t.kind == .eof || t.isSymbol(";") || t.isSymbol("}") }
    func peek(_ n: Int = 1) -> Token { tokens[min(p + n, tokens.count - 1)] }
    mutating func advance() -> Token { let t = tokens[p]; if p < tokens.count - 1 { p += 1 }; return t }

    func error(_ message: String, at t: Token? = nil, hint: String? = nil) -> Diagnostic {
        let t = t ?? tok
        return Diagnostic(message, at: source.location(of: t.range.isEmpty ? t.range.lowerBound..<(t.range.lowerBound + 1) : t.range), hint: hint)
    }

    func describe(_ t: Token) -> String {
        switch t.kind {
        case .eof: return phrase("end of input")
        case .newline: return phrase("end of line")
        case .string: return phrase("string \"\(t.text)\"")
        default: return "'\(t.text)'"
        }
    }

    mutating func expectSymbol(_ s: String, _ what: String? = nil) throws -> Token {
        guard tok.isSymbol(s) else { throw error("expected \(what ?? "'\(s)'"), found \(describe(tok))") }
        return advance()
    }

    // program := { statement (NEWLINE | ';') }
    mutating func program() throws -> [Located<Statement>] {
        var out: [Located<Statement>] = []
        while true {
            while tok.kind == .newline || tok.isSymbol(";") { _ = advance() }
            if tok.kind == .eof { break }
            let start = tok.range.lowerBound
            let s = try statement()
            out.append(Located(node: s, span: start..<tokens[max(0, p - 1)].range.upperBound))
            guard tok.kind == .newline || tok.isSymbol(";") || tok.kind == .eof else {
                if tok.isSymbol("}") { throw error("'}' closes no block") }
                throw error("expected end of statement, found \(describe(tok))",
                            hint: tok.isSymbol("|") ? nil : "put one statement per line, or separate them with ';'")
            }
        }
        return out
    }

    // block := '{' { statement (NEWLINE | ';') } '}'
    mutating func block(after what: String) throws -> [Located<Statement>] {
        guard tok.isSymbol("{") else { throw error("expected '{' after \(what), found \(describe(tok))", hint: "blocks are written { … } and may span lines") }
        let open = advance()
        var out: [Located<Statement>] = []
        while true {
            while tok.kind == .newline || tok.isSymbol(";") { _ = advance() }
            if tok.isSymbol("}") { _ = advance(); return out }
            if tok.kind == .eof { throw error("the block opened here is never closed", at: open, hint: "close it with }") }
            let start = tok.range.lowerBound
            let s = try statement()
            out.append(Located(node: s, span: start..<tokens[max(0, p - 1)].range.upperBound))
            guard atStatementEnd else {
                throw error("expected end of statement, found \(describe(tok))", hint: "put one statement per line, or separate them with ';'")
            }
        }
    }

    /// Skips newlines when what follows them is `word` (an `else` on the line after a `}`).
    mutating func skipNewlines(before word: String) -> Bool {
        var q = p
        while tokens[q].kind == .newline, q < tokens.count - 1 { q += 1 }
        guard tokens[q].isWord(word) else { return false }
        p = q
        return true
    }

    // if := 'if' expr block { 'else' 'if' expr block } [ 'else' block ]
    mutating func ifStatement() throws -> Statement {
        var branches: [(condition: Expr, body: [Located<Statement>])] = []
        var otherwise: [Located<Statement>]? = nil
        repeat {
            _ = advance()   // if
            let cond = try expr()
            branches.append((cond, try block(after: "the condition")))
            guard skipNewlines(before: "else") else { break }
            _ = advance()   // else
            if !tok.isWord("if") { otherwise = try block(after: "else"); break }
        } while true
        return .ifElse(branches: branches, otherwise: otherwise)
    }

    // check := 'check' ( 'none' '(' query ')' | NAME | expr ) [ 'else' message ]
    mutating func checkStatement() throws -> Check {
        let start = advance()
        return try checkBody(from: start.range.lowerBound)
    }

    mutating func checkBody(from start: Int) throws -> Check {
        var kind: Check.Kind
        if tok.isWord("none"), peek().isSymbol("(") {
            _ = advance(); _ = advance()
            guard tok.kind == .word || tok.kind == .variable else { throw error("expected a query after 'check none ('", hint: "check none (expenses | where status = submitted and age(date) > 7d) else \"…\"") }
            let q = try query()
            _ = try expectSymbol(")", phrase("')' to close the query"))
            kind = .none(q)
        } else if tok.kind == .word, isStatementEnd(peek()) || peek().isWord("else"), !["true", "false", "yes", "no"].contains(tok.text.lowercased()) {
            kind = .named(advance().text)
        } else if atStatementEnd {
            throw error("expected a condition after check", hint: "check (opportunities | where stage = negotiation | count) < 50 else \"…\"")
        } else {
            kind = .condition(try expr())
        }
        var message: Expr? = nil
        if tok.isWord("else") {
            _ = advance()
            guard tok.kind == .string else { throw error("expected a message in quotes after else", hint: "check … else \"{n} claims are late\"") }
            message = try template()
        }
        return Check(kind: kind, message: message, name: nil, span: start..<tokens[p - 1].range.upperBound)
    }

    /// A string token as a template: `{expr}` parts are parsed where they stand, so errors in them point
    /// into the string. `\{` is a brace.
    mutating func template() throws -> Expr {
        let t = advance()
        let raw = source.chars[(t.range.lowerBound + 1)..<max(t.range.lowerBound + 1, t.range.upperBound - 1)]
        guard raw.contains("{") else { return .literal(.text(t.text), t.range) }
        var parts: [TemplatePart] = []
        var text = ""
        var k = raw.startIndex
        while k < raw.endIndex {
            let ch = raw[k]
            if ch == "\\", k + 1 < raw.endIndex {
                let n = raw[k + 1]
                text.append(["n": "\n", "t": "\t"][n] ?? n)
                k += 2; continue
            }
            if ch == "{" {
                var depth = 0, j = k
                while j < raw.endIndex { if raw[j] == "{" { depth += 1 } else if raw[j] == "}" { depth -= 1; if depth == 0 { break } }; j += 1 }
                guard j < raw.endIndex else {
                    throw error("'{' in the text is never closed", at: Token(.symbol, "{", k..<(k + 1)), hint: "write \\{ for a brace")
                }
                if !text.isEmpty { parts.append(.text(text)); text = "" }
                // Parse the inside against the same source, blanked around it, so locations stay true.
                let masked = String(source.chars.enumerated().map { (i, c) in i > k && i < j || c == "\n" || c == "\r\n" ? c : " " })
                var sub = try Parser(Source(name: source.name, text: masked, firstLine: source.firstLine))
                if sub.tok.kind == .eof { throw error("empty {} in the text", at: Token(.symbol, "{", k..<(j + 1))) }
                let e = try sub.expr()
                while sub.tok.kind == .newline { _ = sub.advance() }
                guard sub.tok.kind == .eof else { throw sub.error("expected '}' after the expression, found \(sub.describe(sub.tok))") }
                parts.append(.expr(e))
                k = j + 1; continue
            }
            text.append(ch)
            k += 1
        }
        if !text.isEmpty { parts.append(.text(text)) }
        return .template(parts, t.range)
    }

    // define := 'define' 'check' NAME checkbody | 'define' 'report' NAME [ '(' param {',' param} ')' ] query
    // param := NAME [ '=' expr ]
    mutating func defineStatement() throws -> Statement {
        _ = advance()
        guard tok.isWord("check") || tok.isWord("report") else { throw error("expected 'check' or 'report' after define, found \(describe(tok))", hint: "define check stale_claims none (expenses | where status = submitted and age(date) > 7d) else \"…\"") }
        let kind = advance().text.lowercased()
        guard tok.kind == .word else { throw error("expected a name for the \(kind), found \(describe(tok))") }
        let name = advance()
        guard name.text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { throw error("a \(kind) name is letters, digits and _", at: name) }
        let bodyStart = tok.range.lowerBound
        if kind == "check" {
            // Parsed as a check to find its errors now; kept as text, parsed again when run.
            _ = try checkBody(from: bodyStart)
        } else {
            _ = try reportParameters()
            guard tok.kind == .word || tok.kind == .variable else { throw error("expected the report's query, found \(describe(tok))", hint: "define report my_pipeline(period = this_quarter) opportunities | where close_date in $period | group stage | agg sum(amount)") }
            _ = try query()
        }
        let text = String(source.chars[bodyStart..<tokens[p - 1].range.upperBound])
        return .define(kind: kind, name: name.text, nameSpan: name.range, text: text)
    }

    mutating func reportParameters() throws -> [(name: String, value: Expr?)] {
        var out: [(name: String, value: Expr?)] = []
        guard tok.isSymbol("(") else { return out }
        _ = advance()
        while !tok.isSymbol(")") {
            guard tok.kind == .word else { throw error("expected a parameter name, found \(describe(tok))") }
            let n = advance().text
            var v: Expr? = nil
            if tok.isSymbol("=") { _ = advance(); v = try addition() }
            out.append((n, v))
            if tok.isSymbol(",") { _ = advance() } else if !tok.isSymbol(")") { throw error("expected ',' or ')' after a parameter, found \(describe(tok))") }
        }
        _ = advance()
        return out
    }

    /// The parameters and query of a report kept by `define report`.
    public static func parseDefinedReport(_ source: Source) throws -> (parameters: [(name: String, value: Expr?)], query: Query) {
        var ps = try Parser(source)
        let params = try ps.reportParameters()
        let q = try ps.query()
        guard ps.tok.kind == .eof || ps.tok.kind == .newline else { throw ps.error("expected the end of the report, found \(ps.describe(ps.tok))") }
        return (params, q)
    }

    /// The body of a check kept by `define check`.
    public static func parseDefinedCheck(_ source: Source) throws -> Check {
        var ps = try Parser(source)
        let c = try ps.checkBody(from: 0)
        guard ps.tok.kind == .eof || ps.tok.kind == .newline else { throw ps.error("expected the end of the check, found \(ps.describe(ps.tok))") }
        return c
    }

    // statement := add ENTITY [ID] {assignment} | set ID {assignment} | delete ID {ID}
    //            | move ID to STATE {assignment} | win ID {assignment} | lose ID {assignment}
    //            | reopen ID [to STATE] {assignment} | convert ID {assignment} | show ID
    //            | let NAME = expr | help {WORD} | save | quit | exit | format [NAME] | query | expr
    mutating func statement() throws -> Statement {
        let t = tok
        guard t.kind == .word else {
            if t.kind == .variable, peek().isSymbol("|") { return .query(try query()) }
            if [.string, .number, .percent, .date, .period, .duration, .variable].contains(t.kind) || t.isSymbol("(") || t.isSymbol("-") {
                return .expression(try expr())
            }
            if t.isSymbol("}") { throw error("'}' closes no block") }
            throw error("expected a statement, found \(describe(t))", hint: "type help for the list of statements")
        }
        // A word followed by `=` is not a statement keyword; let the expression path report it.
        switch t.text.lowercased() {
        case "add":
            _ = advance()
            guard tok.kind == .word else { throw error("expected an entity to add, found \(describe(tok))", hint: "for example: add lead company=\"…\" source=online") }
            let e = advance()
            var id: String? = nil
            if (tok.kind == .word || tok.kind == .string), !peek().isSymbol("=") { id = advance().text }
            return .add(entity: e.text, entitySpan: e.range, id: id, try assignments())
        case "set":
            _ = advance()
            let (id, span) = try recordID("set")
            let a = try assignments()
            if a.isEmpty { throw error("expected field=value after \(id)", hint: "set \(id) amount=1.2m") }
            return .set(id: id, idSpan: span, a)
        case "delete", "del", "rm":
            _ = advance()
            var ids = [try recordID("delete")]
            while tok.kind == .word || tok.kind == .string || tok.kind == .variable || tok.isSymbol(",") {
                if tok.isSymbol(",") { _ = advance(); continue }
                ids.append(try recordID("delete"))
            }
            return .delete(ids: ids)
        case "move", "mv":
            _ = advance()
            let (id, span) = try recordID("move")
            guard tok.isWord("to") else { throw error("expected 'to' after \(id), found \(describe(tok))", hint: "move \(id) to negotiation") }
            _ = advance()
            guard tok.kind == .word || tok.kind == .string else { throw error("expected a state after 'to', found \(describe(tok))") }
            let st = advance()
            return .move(id: id, idSpan: span, to: st.text, toSpan: st.range, try assignments())
        case "win":
            _ = advance()
            let (id, span) = try recordID("win")
            return .win(id: id, idSpan: span, try assignments())
        case "lose":
            _ = advance()
            let (id, span) = try recordID("lose")
            return .lose(id: id, idSpan: span, try assignments())
        case "reopen":
            _ = advance()
            let (id, span) = try recordID("reopen")
            var to: String? = nil, toSpan: Span? = nil
            if tok.isWord("to") {
                _ = advance()
                guard tok.kind == .word || tok.kind == .string else { throw error("expected a state after 'to', found \(describe(tok))") }
                let st = advance(); to = st.text; toSpan = st.range
            }
            return .reopen(id: id, idSpan: span, to: to, toSpan: toSpan, try assignments())
        case "convert":
            _ = advance()
            let (id, span) = try recordID("convert")
            return .convert(id: id, idSpan: span, try assignments())
        case "show":
            _ = advance()
            let (id, span) = try recordID("show")
            return .show(id: id, idSpan: span)
        case "approve":
            _ = advance()
            let (id, span) = try recordID("approve")
            return .approve(id: id, idSpan: span)
        case "export":
            // export QUERY to "file.csv": the format follows the file's extension.
            let start = advance()
            guard tok.kind == .word else { throw error("expected a query after export", hint: "export trainings to \"trainings.csv\"") }
            var q = try query()
            guard tok.isWord("to") else { throw error("expected 'to \"FILE\"' after the query", hint: "export \(q.source) to \"\(q.source).csv\"") }
            _ = advance()
            guard tok.kind == .string else { throw error("expected a file name in quotes after 'to'") }
            let file = tok
            let path = try template()
            let ext = file.text.split(separator: ".").last.map { $0.lowercased() } ?? "csv"
            let fmt = ["json": "json", "md": "markdown", "markdown": "markdown", "tsv": "tsv", "txt": "table"][ext] ?? "csv"
            q.stages.append(.to(format: fmt, path: path, start.range.lowerBound..<file.range.upperBound))
            return .query(q)
        case "import":
            _ = advance()
            guard tok.kind == .word else { throw error("expected an entity to import, found \(describe(tok))", hint: "import training from \"records.csv\"") }
            let entity = advance().text
            guard tok.isWord("from") else { throw error("expected 'from' after \(entity)", hint: "import \(entity) from \"file.csv\"") }
            _ = advance()
            guard tok.kind == .string else { throw error("expected a file name in quotes", hint: "import \(entity) from \"file.csv\"") }
            let path = try template()
            var maps: [(String, String)] = [], flags = Set<String>(), rejects: Expr? = nil
            while !atStatementEnd {
                // `--dry-run` arrives as '-', '-', 'dry', '-', 'run': join what is written together.
                var word = ""
                let optionStart = tok
                var end = tok.range.lowerBound
                while (tok.kind == .word || tok.isSymbol("-")) && tok.range.lowerBound == end && !(word.count > 0 && tok.kind == .word && peek().isSymbol("=")) {
                    word += tok.text; end = tok.range.upperBound; _ = advance()
                    if tok.isSymbol("=") { break }
                }
                let option = String(word.drop { $0 == "-" }).replacingDashes
                switch option {
                case "dry_run", "skip_bad": flags.insert(option)
                case "rejects":
                    guard tok.kind == .string else { throw error("expected a file name in quotes after rejects") }
                    rejects = try template()
                case "map":
                    while tok.kind == .word || tok.kind == .string, peek().isSymbol("=") {
                        let col = advance().text; _ = advance()
                        guard tok.kind == .word || tok.kind == .string else { throw error("expected a field after '='") }
                        maps.append((col, advance().text))
                    }
                default:
                    throw error("unknown import option '\(word)'", at: optionStart, hint: "options: --dry-run, --skip-bad, --rejects \"FILE\", map COLUMN=FIELD")
                }
            }
            return .importFile(entity: entity, path: path, maps: maps, flags: flags, rejects: rejects, t.range.lowerBound..<tokens[p - 1].range.upperBound)
        case "warnings", "warning":
            _ = advance()
            if tok.kind == .word { let n = advance(); return .warnings(n.text, n.range) }
            return .warnings(nil, t.range)
        case "reject":
            _ = advance()
            let (id, span) = try recordID("reject")
            return .reject(id: id, idSpan: span, try assignments())
        case "open" where peek().isWord("appraisals") || peek().isWord("appraisal") || peek().isWord("績效考核"):
            _ = advance(); _ = advance()
            guard tok.kind != .newline, tok.kind != .eof else { throw error("expected a period after 'open appraisals'", hint: "open appraisals 2026-10") }
            return .openAppraisals(try addition(), t.range.lowerBound..<tokens[p - 1].range.upperBound)
        case "param":
            _ = advance()
            guard tok.kind == .word else { throw error("expected a parameter name after param, found \(describe(tok))", hint: "param month = last_month") }
            let n = advance()
            guard tok.isSymbol("=") else { throw error("a parameter needs a default: param \(n.text) = …", hint: "param \(n.text) = last_month") }
            _ = advance()
            return .param(name: n.text, nameSpan: n.range, try expr())
        case "check":
            return .check(try checkStatement())
        case "if":
            return try ifStatement()
        case "for":
            _ = advance()
            guard tok.kind == .word || tok.kind == .variable else { throw error("expected a name after for, found \(describe(tok))", hint: "for r in (opportunities | where stage = negotiation) { print \"{$r.id}\" }") }
            let n = advance().text
            guard tok.isWord("in") else { throw error("expected 'in' after for \(n), found \(describe(tok))") }
            _ = advance()
            let src = try addition()
            return .forEach(name: n, source: src, body: try block(after: "the rows"))
        case "source", "include":
            _ = advance()
            guard tok.kind == .string else { throw error("expected a file name in quotes after source", hint: "source \"common.sales\"") }
            let path = try template()
            return .source(path: path, path.span)
        case "print", "echo":
            _ = advance()
            if atStatementEnd { return .print(nil) }
            if tok.kind == .string, isStatementEnd(peek()) { return .print(try template()) }
            return .print(try expr())
        case "define":
            return try defineStatement()
        case "undefine":
            _ = advance()
            guard tok.kind == .word else { throw error("expected the name of a saved check or report after undefine") }
            let n = advance()
            return .undefine(name: n.text, n.range)
        case "watch":
            _ = advance()
            guard tok.kind == .number else { throw error("expected a number of seconds after watch, found \(describe(tok))", hint: "watch 10 report pipeline") }
            let secs = try primary()
            let start = tok.range.lowerBound
            let inner = try statement()
            return .watch(seconds: secs, Located(node: inner, span: start..<tokens[max(0, p - 1)].range.upperBound))
        case "let":
            _ = advance()
            guard tok.kind == .word || tok.kind == .variable else { throw error("expected a name after let, found \(describe(tok))", hint: "let big = 500k") }
            let name = advance().text
            _ = try expectSymbol("=", phrase("'=' after the name"))
            return .letBinding(name: name, try expr())
        case "help", "?":
            _ = advance()
            var words: [String] = []
            while !atStatementEnd { words.append(advance().text) }
            return .help(words)
        case "save":
            _ = advance(); return .save
        case "clear", "cls":
            _ = advance(); return .clear
        case "quit", "exit":
            _ = advance(); return .quit
        case "maxrows":
            _ = advance()
            if tok.isWord("off") { let o = advance(); return .maxRows(0, o.range) }
            guard tok.kind == .number, let n = Int(tok.text), n > 0 else { throw error("expected a number of rows or off after maxrows, found \(describe(tok))", hint: "maxrows 100") }
            let t = advance()
            return .maxRows(n, t.range)
        case "timer":
            _ = advance()
            if atStatementEnd { return .timer(nil) }
            guard tok.isWord("on") || tok.isWord("off") else { throw error("expected on or off after timer, found \(describe(tok))") }
            return .timer(advance().text.lowercased() == "on")
        case "format":
            _ = advance()
            if tok.kind == .word || tok.kind == .string { let f = advance(); return .format(f.text, f.range) }
            return .format(nil, t.range)
        case "report":
            return .query(try query())
        case "last" where peek().isSymbol("|") || isStatementEnd(peek()):
            // `last`: the previous result again, e.g. `last | to csv "x.csv"`.
            var q = try query()
            q.source = "$last"
            return .query(q)
        case "diff":
            // diff ENTITY since DATE { '|' stage }
            _ = advance()
            guard tok.kind == .word else { throw error("expected an entity after diff, found \(describe(tok))", hint: "diff opportunities since 2026-10-01") }
            let entity = tok
            guard peek().isWord("since") else { throw error("expected 'since DATE' after \(entity.text)", at: peek(), hint: "diff \(entity.text) since 2026-10-01") }
            var q = try query()
            _ = advance()
            guard !atStatementEnd, !tok.isSymbol("|") else { throw error("expected a date after 'since'", hint: "diff \(entity.text) since 2026-10-01") }
            q.diffSince = try addition()
            while tok.isSymbol("|") { _ = advance(); q.stages.append(try stage()) }
            return .query(q)
        default:
            if peek().isWord("as"), peek(2).isWord("of") { return .query(try query()) }
            if peek().isSymbol("|") || isStatementEnd(peek()) {
                if !peek().isSymbol("|"), !isEntityLike(t.text) {
                    return .expression(try expr())
                }
                return .query(try query())
            }
            return .expression(try expr())
        }
    }

    /// A lone word is a query only when it could name an entity; otherwise it is an expression (`today`).
    func isEntityLike(_ w: String) -> Bool {
        Schema.sales.index(of: w) != nil || Suggest.nearest(w, in: Schema.sales.entities.flatMap { [$0.name, $0.plural] }) != nil
    }

    /// A record id as written, or `$r` (a variable holding one, as in `for r in (…) { approve $r }`).
    mutating func recordID(_ verb: String) throws -> (String, Span) {
        guard tok.kind == .word || tok.kind == .string || tok.kind == .variable else {
            throw error("expected a record id after \(verb), found \(describe(tok))", hint: "\(verb) O1024")
        }
        let t = advance()
        return (t.kind == .variable ? "$" + t.text : t.text, t.range)
    }

    // assignments := { NAME '=' expr }
    mutating func assignments() throws -> [Assignment] {
        var out: [Assignment] = []
        while tok.kind == .word || tok.kind == .string {
            let f = advance()
            guard tok.isSymbol("=") else {
                throw error("expected '=' after \(f.text)", at: tok, hint: "fields are given as name=value, e.g. amount=1.2m")
            }
            _ = advance()
            if tok.kind == .newline || tok.kind == .eof { throw error("expected a value for \(f.text)") }
            out.append(Assignment(field: f.text, fieldSpan: f.range, value: try addition()))
            if tok.isSymbol(",") { _ = advance() }
        }
        return out
    }

    // query := SOURCE { '|' stage }
    mutating func query() throws -> Query {
        let src = advance()
        var report: ReportCall? = nil
        if src.isWord("report") {
            guard tok.kind == .word else { throw error("expected a report name after 'report', found \(describe(tok))", hint: "reports: \(Reports.names.joined(separator: ", "))") }
            let name = advance()
            var args: [Expr] = [], options: [Assignment] = []
            while !(atStatementEnd || tok.isSymbol("|") || tok.isSymbol(")")) {
                if tok.kind == .word, peek().isSymbol("=") {
                    let k = advance(); _ = advance()
                    options.append(Assignment(field: k.text, fieldSpan: k.range, value: try addition()))
                } else {
                    args.append(try addition())
                }
            }
            report = ReportCall(name: name.text, nameSpan: name.range, arguments: args, options: options)
        }
        var asOf: Expr? = nil
        if report == nil, src.kind == .word, tok.isWord("as"), peek().isWord("of") {
            _ = advance(); _ = advance()
            guard !atStatementEnd, !tok.isSymbol("|") else { throw error("expected a date after 'as of'", hint: "\(src.text) as of 2026-06-30") }
            asOf = try addition()
        }
        var stages: [Stage] = []
        while tok.isSymbol("|") {
            _ = advance()
            stages.append(try stage())
        }
        return Query(source: src.kind == .variable ? "$" + src.text : src.text, sourceSpan: src.range, stages: stages, report: report, asOf: asOf)
    }

    // stage := where expr | sort key {',' key} | take expr | select item {',' item}
    //        | group item {',' item} | agg item {',' item} | count
    // key := expr [asc | desc];  item := expr [as NAME]
    mutating func stage() throws -> Stage {
        let t = tok
        guard t.kind == .word else { throw error("expected a pipeline stage after '|', found \(describe(t))", hint: "stages: where, sort, take, select, group, agg, count") }
        let start = t.range.lowerBound
        _ = advance()
        func span(_ p: Parser) -> Span { start..<p.tokens[max(0, p.p - 1)].range.upperBound }
        switch t.text.lowercased() {
        case "where", "filter":
            let e = try expr()
            return .whereClause(e, span(self))
        case "sort", "order":
            if tok.isWord("by") { _ = advance() }
            var keys: [SortKey] = []
            repeat {
                if tok.isSymbol(",") { _ = advance() }
                let e = try expr()
                var desc = false
                if tok.isWord("desc") || tok.isWord("descending") { _ = advance(); desc = true }
                else if tok.isWord("asc") || tok.isWord("ascending") { _ = advance() }
                keys.append(SortKey(expr: e, descending: desc))
            } while tok.isSymbol(",")
            return .sort(keys, span(self))
        case "take", "limit", "head":
            return .take(try expr(), span(self))
        case "select":
            return .select(try namedList(), span(self))
        case "group":
            if tok.isWord("by") { _ = advance() }
            return .group(try namedList(), span(self))
        case "agg", "aggregate":
            return .agg(try namedList(), span(self))
        case "count":
            if tok.isSymbol("("), peek().isSymbol(")") { _ = advance(); _ = advance() }
            return .count(span(self))
        case "to", "export":
            guard tok.kind == .word else { throw error("expected a format after 'to', found \(describe(tok))", hint: "… | to csv \"file.csv\"") }
            let fmt = advance().text.lowercased()
            guard ["csv", "tsv", "json", "markdown", "md", "table"].contains(fmt) else {
                throw error("unknown format '\(fmt)'", at: tokens[p - 1], hint: "formats: csv, tsv, json, markdown, table")
            }
            guard tok.kind == .string else { throw error("expected a file name in quotes after '\(fmt)'", hint: "… | to \(fmt) \"file.\(fmt == "markdown" ? "md" : fmt)\"") }
            let path = try template()
            return .to(format: fmt, path: path, span(self))
        case "chart":
            var kind = "bar"
            if tok.kind == .word { kind = advance().text.lowercased() }
            guard ["bar", "funnel"].contains(kind) else { throw error("unknown chart '\(kind)'", at: tokens[p - 1], hint: "charts: bar, funnel") }
            return .chart(kind, span(self))
        default:
            let known = ["where", "sort", "take", "select", "group", "agg", "count", "chart", "to"]
            let hint = Suggest.nearest(t.text, in: known).map { "did you mean '\($0)'?" } ?? "stages: \(known.joined(separator: ", "))"
            throw error("unknown stage '\(t.text)'", at: t, hint: hint)
        }
    }

    mutating func namedList() throws -> [NamedExpr] {
        var out: [NamedExpr] = []
        repeat {
            if tok.isSymbol(",") { _ = advance() }
            let e = try expr()
            var alias: String? = nil
            if tok.isWord("as") {
                _ = advance()
                guard tok.kind == .word || tok.kind == .string else { throw error("expected a name after 'as', found \(describe(tok))") }
                alias = advance().text
            }
            out.append(NamedExpr(expr: e, alias: alias))
        } while tok.isSymbol(",")
        return out
    }

    // expr := and { or and }
    public mutating func expr() throws -> Expr {
        var l = try conjunction()
        while tok.isWord("or") {
            _ = advance()
            let r = try conjunction()
            l = .binary("or", l, r, l.span.lowerBound..<r.span.upperBound)
        }
        return l
    }

    // and := not { and not }
    mutating func conjunction() throws -> Expr {
        var l = try negation()
        while tok.isWord("and") {
            _ = advance()
            let r = try negation()
            l = .binary("and", l, r, l.span.lowerBound..<r.span.upperBound)
        }
        return l
    }

    // not := 'not' not | comparison
    mutating func negation() throws -> Expr {
        if tok.isWord("not") {
            let t = advance()
            let e = try negation()
            return .unary("not", e, t.range.lowerBound..<e.span.upperBound)
        }
        return try comparison()
    }

    // comparison := addition [ op addition | [not] in '(' list ')' | [not] in addition | is [not] empty ]
    mutating func comparison() throws -> Expr {
        let l = try addition()
        if tok.kind == .symbol, ["=", "!=", "<", "<=", ">", ">="].contains(tok.text) {
            let op = advance().text
            let r = try addition()
            return .binary(op, l, r, l.span.lowerBound..<r.span.upperBound)
        }
        var negated = false
        if tok.isWord("not"), peek().isWord("in") { _ = advance(); negated = true }
        if tok.isWord("in") {
            _ = advance()
            if tok.isSymbol("("), peek().kind == .word || peek().kind == .variable, peek(2).isSymbol("|") || peek(2).isSymbol(")") && Schema.sales.index(of: peek().text) != nil {
                // x in (ENTITY | …): membership in a query's ids or first column.
                let q = try primary()
                return .inList(l, [q], negated: negated, l.span.lowerBound..<q.span.upperBound)
            }
            if tok.isSymbol("(") {
                _ = advance()
                var items: [Expr] = []
                while !tok.isSymbol(")") {
                    items.append(try addition())
                    if tok.isSymbol(",") { _ = advance() } else if !tok.isSymbol(")") {
                        throw error("expected ',' or ')' in the list, found \(describe(tok))")
                    }
                }
                let close = advance()
                return .inList(l, items, negated: negated, l.span.lowerBound..<close.range.upperBound)
            }
            let r = try addition()
            return .inPeriod(l, r, negated: negated, l.span.lowerBound..<r.span.upperBound)
        }
        if negated { throw error("expected 'in' after 'not'") }
        if tok.isWord("is") {
            _ = advance()
            var neg = false
            if tok.isWord("not") { _ = advance(); neg = true }
            guard tok.isWord("empty") || tok.isWord("null") else { throw error("expected 'empty' after 'is', found \(describe(tok))") }
            let e = advance()
            return .isEmpty(l, negated: neg, l.span.lowerBound..<e.range.upperBound)
        }
        if tok.isWord("contains") {
            _ = advance()
            let r = try addition()
            return .call("contains", [l, r], l.span.lowerBound..<r.span.upperBound)
        }
        return l
    }

    // addition := multiplication { ('+' | '-') multiplication }
    mutating func addition() throws -> Expr {
        var l = try multiplication()
        while tok.isSymbol("+") || tok.isSymbol("-") {
            let op = advance().text
            let r = try multiplication()
            l = .binary(op, l, r, l.span.lowerBound..<r.span.upperBound)
        }
        return l
    }

    // multiplication := unary { ('*' | '/') unary }
    mutating func multiplication() throws -> Expr {
        var l = try unary()
        while tok.isSymbol("*") || tok.isSymbol("/") {
            let op = advance().text
            let r = try unary()
            l = .binary(op, l, r, l.span.lowerBound..<r.span.upperBound)
        }
        return l
    }

    // unary := '-' unary | primary
    mutating func unary() throws -> Expr {
        if tok.isSymbol("-") {
            let t = advance()
            let e = try unary()
            return .unary("-", e, t.range.lowerBound..<e.span.upperBound)
        }
        return try primary()
    }

    // primary := NUMBER | PERCENT | STRING | DATE | PERIOD | DURATION | VARIABLE
    //          | NAME [ '(' [expr {',' expr}] ')' ] | '(' expr ')' | '(' query ')'
    mutating func primary() throws -> Expr {
        let t = tok
        switch t.kind {
        case .number:
            _ = advance()
            guard let d = ExactDecimal.parse(t.text) else { throw error("'\(t.text)' is not a number", at: t) }
            return .number(d, t.range)
        case .percent:
            _ = advance()
            guard let pc = Percent.parse(t.text) else { throw error("'\(t.text)' is not a percentage", at: t) }
            return .literal(.percent(pc), t.range)
        case .string:
            _ = advance()
            return .literal(.text(t.text), t.range)
        case .date:
            _ = advance()
            guard let d = Day.parse(t.text) else { throw error("'\(t.text)' is not a valid date", at: t, hint: "dates are written 2026-10-01 or 2026/10/1") }
            return .literal(.date(d), t.range)
        case .period:
            _ = advance()
            guard let pr = Period.parse(t.text) else { throw error("'\(t.text)' is not a valid period", at: t, hint: "periods: 2026-10 (month), 2026Q3 (quarter), 2026 (year)") }
            return .literal(.period(pr), t.range)
        case .duration:
            _ = advance()
            guard let d = Duration.parse(t.text) else { throw error("'\(t.text)' is not a valid duration", at: t) }
            return .literal(.duration(d), t.range)
        case .variable:
            _ = advance()
            return .variable(t.text, t.range)
        case .word:
            _ = advance()
            if tok.isSymbol("(") && tok.range.lowerBound == t.range.upperBound {
                _ = advance()
                var args: [Expr] = []
                while !tok.isSymbol(")") {
                    if tok.isSymbol("*") && args.isEmpty { _ = advance(); continue }   // count(*)
                    args.append(try expr())
                    if tok.isSymbol(",") { _ = advance() } else if !tok.isSymbol(")") {
                        throw error("expected ',' or ')' after an argument of \(t.text), found \(describe(tok))")
                    }
                }
                let close = advance()
                return .call(t.text.lowercased(), args, t.range.lowerBound..<close.range.upperBound)
            }
            switch t.text.lowercased() {
            case "true", "yes": return .literal(.bool(true), t.range)
            case "false", "no": return .literal(.bool(false), t.range)
            case "null", "empty": return .literal(.null, t.range)
            default: return .name(t.text, t.range)
            }
        case .symbol where t.text == "(":
            let open = advance()
            if (tok.kind == .word || tok.kind == .variable) && peek().isSymbol("|") || tok.isWord("report")
                || (tok.kind == .word && peek().isWord("as") && peek(2).isWord("of"))
                || (tok.kind == .word && peek().isSymbol(")") && Schema.sales.index(of: tok.text) != nil) {
                let q = try query()
                let close = try expectSymbol(")", phrase("')' to close the query"))
                return .subquery(q, open.range.lowerBound..<close.range.upperBound)
            }
            let e = try expr()
            _ = try expectSymbol(")", "')'")
            return e
        default:
            throw error("expected a value, found \(describe(t))")
        }
    }
}

extension String {
    var replacingDashes: String { String(map { $0 == "-" ? "_" : $0 }) }
}
