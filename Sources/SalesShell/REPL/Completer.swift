import Foundation
import SalesCore
import SalesLanguage
import LineEditor

/// Tab completion that knows where the cursor is: statements, entities, fields, enum values, ids.
public struct Completer {
    let model: Model
    public init(model: Model) { self.model = model }

    var schema: Schema { model.schema }

    static let statementWords = ["add", "set", "delete", "move", "win", "lose", "reopen", "convert", "show", "approve", "reject", "open", "import", "export", "let",
                                 "param", "check", "if", "for", "print", "source", "define", "undefine", "watch", "timer", "diff", "last", "warnings",
                                 "help", "format", "save", "clear", "quit"]
    static let stages = ["where", "sort", "take", "select", "group", "agg", "count"]
    static let exprWords = ["and", "or", "not", "in", "is", "empty", "desc", "asc", "as"] + Period.names

    public func complete(_ line: String) -> Completion {
        if let files = fileNames(line) { return files }
        // The word being typed, and for `field=val` the part after '='.
        let wordChars: (Character) -> Bool = { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-" || $0 == "=" || $0 == "$" }
        let word = String(line.reversed().prefix { wordChars($0) }.reversed())
        let before = String(line.dropLast(word.count))
        let tokens = tokenize(before)
        let statement = Array(tokens.split(separator: ";", omittingEmptySubsequences: false).last ?? [])

        if let eq = word.firstIndex(of: "=") {
            let field = String(word[..<eq]), partial = String(word[word.index(after: eq)...])
            var values = filter(valueCandidates(field: field, statement: statement), partial)
            if values.isEmpty { values = filter(valueCandidates(field: field, statement: statement, simplified: true), partial) }
            return Completion(replace: partial.count, candidates: values)
        }
        var cands: [String]
        let prev = statement.last?.lowercased()
        let first = statement.first?.lowercased()
        if statement.isEmpty {
            cands = Completer.statementWords + ["report"] + schema.entities.map(\.plural) + schema.entities.map(\.zh)
        } else if prev == "|" {
            cands = Completer.stages + ["chart"]
        } else if prev == "report" {
            cands = ["pipeline", "funnel", "forecast", "winrate", "leads", "followups"]
        } else if prev == "chart" {
            cands = ["bar", "funnel"]
        } else if prev == "add" && statement.count == 1 {
            cands = schema.entities.filter { !$0.system }.flatMap { [$0.name, $0.zh] }
        } else if ["set", "show", "delete", "move", "win", "lose", "reopen", "convert", "approve", "reject"].contains(first ?? "") && statement.count == 1 {
            cands = ids(for: first!, prefix: word)
        } else if prev == "to", ["move", "reopen"].contains(first ?? ""), statement.count == 3 {
            cands = states(of: statement[1])
        } else if prev == "help" {
            cands = Help.statements.map(\.name) + schema.entityNames + schema.entities.map(\.zh) + HelpText.topics.map(\.zh) + ["statements", "entities", "queries", "expressions", "dates", "functions",
                                                                          "scripting", "checks", "errors", "search", "reports", "warnings"]
        } else if prev == "format" {
            cands = OutputFormat.allCases.map(\.rawValue)
        } else if let field = comparedField(statement) {
            // A value for the field before the operator or the `in (` list.
            cands = valueCandidates(field: field, statement: statement)
            if filter(cands, word).isEmpty { cands = valueCandidates(field: field, statement: statement, simplified: true) }
        } else if let e = entity(of: statement) {
            let es = schema.entities[e]
            if ["add", "set", "move", "win", "lose", "reopen", "convert"].contains(first ?? "") {
                cands = es.fields.filter { $0.access == .user }.flatMap { f in [f.name + "="] + (f.zh.map { [$0 + "="] } ?? []) }
            } else {
                cands = (["id"] + es.fields.map(\.name)) + es.fields.compactMap(\.zh) + pathCandidates(word, entity: es)
                    + Completer.exprWords + Language.functions.map { $0 + "(" }
            }
        } else {
            cands = Completer.statementWords + schema.entities.map(\.plural) + schema.entities.map(\.zh)
        }
        return Completion(replace: word.count, candidates: filter(cands, word))
    }

    /// Inside the quotes of a file name (`import … from "`, `source "`, `to csv "`, `export … to "`, `--rejects "`):
    /// the files and folders that start with what is typed; folders end in `/`.
    func fileNames(_ line: String) -> Completion? {
        guard line.filter({ $0 == "\"" }).count % 2 == 1, let open = line.lastIndex(of: "\"") else { return nil }
        let before = line[..<open].trimmingCharacters(in: .whitespaces).lowercased()
        let fileContexts = ["from", "source", "include", "rejects"] + OutputFormat.allCases.map(\.rawValue) + ["md", "to"]
        guard let last = before.split(separator: " ").last.map(String.init), fileContexts.contains(last) else { return nil }
        let typed = String(line[line.index(after: open)...])
        let slash = typed.lastIndex(of: "/")
        let dir = slash.map { String(typed[...$0]) } ?? ""
        let partial = slash.map { String(typed[typed.index(after: $0)...]) } ?? typed
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir) else { return Completion(replace: partial.count, candidates: []) }
        let cands = names.filter { $0.hasPrefix(partial) && (!$0.hasPrefix(".") || partial.hasPrefix(".")) }.sorted().map { name -> String in
            var isDir: ObjCBool = false
            return fm.fileExists(atPath: dir + name, isDirectory: &isDir) && isDir.boolValue ? name + "/" : name
        }
        // One file: close the quote too.
        if cands.count == 1, !cands[0].hasSuffix("/") { return Completion(replace: partial.count, candidates: [cands[0] + "\""]) }
        return Completion(replace: partial.count, candidates: cands)
    }

    /// The field a value is being typed for: `stage = ▮`, `stage in (proposal, ▮`.
    func comparedField(_ t: [String]) -> String? {
        guard let last = t.last else { return nil }
        if ["=", "!=", "<", ">", "<=", ">="].contains(last) { return t.count >= 2 ? t[t.count - 2] : nil }
        if last.lowercased() == "in" { return t.count >= 2 ? t[t.count - 2] : nil }
        guard last == "(" || last == "," else { return nil }
        // Walk back to the open parenthesis of the list; `in` and the field precede it.
        var i = t.count - 1, depth = 0
        while i >= 0 {
            if t[i] == ")" { depth += 1 } else if t[i] == "(" { if depth == 0 { break }; depth -= 1 }
            i -= 1
        }
        guard i >= 2, t[i - 1].lowercased() == "in" else { return nil }
        let f = t[i - 2]
        return f.lowercased() == "not" && i >= 3 ? t[i - 3] : f
    }

    func filter(_ cands: [String], _ prefix: String) -> [String] {
        let p = prefix.lowercased()
        var seen = Set<String>()
        return cands.filter { $0.lowercased().hasPrefix(p) && seen.insert($0).inserted }
    }

    /// `owner.` → `owner.name`, `owner.team` …
    func pathCandidates(_ word: String, entity: EntitySchema) -> [String] {
        let parts = word.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return [] }
        var es = entity
        for seg in parts.dropLast() {
            guard let f = es.field(seg), let target = f.type.referencedEntity, let next = schema.entity(named: target) else { return [] }
            es = next
        }
        let base = parts.dropLast().joined(separator: ".")
        return (["id"] + es.fields.map(\.name)).map { base + "." + $0 }
    }

    /// The entity a statement is about: `add lead …`, `set O12 …`, `opportunities | where …`.
    func entity(of statement: [String]) -> Int? {
        guard let first = statement.first else { return nil }
        switch first.lowercased() {
        case "add": return statement.count > 1 ? schema.index(of: statement[1]) : nil
        case "convert": return schema.index(of: "opportunity")
        case "set", "move", "win", "lose", "reopen", "show", "delete":
            return statement.count > 1 ? model.find(statement[1])?.table.entityIndex : nil
        default:
            // The last query source: after `(` a subquery may name another entity.
            for (i, t) in statement.enumerated().reversed()
            where i == 0 || (statement[i - 1] == "(" && i + 1 < statement.count && statement[i + 1] == "|") {
                if let e = schema.index(of: t) { return e }
            }
            return nil
        }
    }

    /// Values for a field: enumerations in English and Traditional Chinese, or with `simplified` (when
    /// nothing else matches what is typed) in Simplified Chinese too.
    func valueCandidates(field: String, statement: [String], simplified: Bool = false) -> [String] {
        let fieldName = field.split(separator: ".").last.map(String.init) ?? field
        var es: EntitySchema? = entity(of: statement).map { schema.entities[$0] }
        // A path such as owner.team: follow references to the last entity.
        if let start = es, field.contains(".") {
            var cur: EntitySchema? = start
            for seg in field.split(separator: ".").dropLast() {
                cur = cur?.field(String(seg))?.type.referencedEntity.flatMap { schema.entity(named: $0) }
            }
            es = cur
        }
        guard let f = es?.field(fieldName) ?? (fieldName.lowercased() == "reason" ? nil : nil) else { return [] }
        switch f.type {
        case .enumeration(let e): return simplified ? e.spellings : e.offered
        case .reference(let target):
            let t = model.table(target)
            let titleIdx = t.schema.titleIndex
            var out = t.ids.prefix(500).map { $0 }
            if t.schema.idScheme == .key { out += t.allRecords.prefix(500).compactMap { $0.values[titleIdx].textValue } }
            return out
        case .bool: return ["yes", "no"]
        case .date: return ["today", "yesterday", "tomorrow"]
        default: return []
        }
    }

    func ids(for verb: String, prefix: String) -> [String] {
        let tables: [Table]
        switch verb {
        case "convert": tables = [model.table("lead")]
        case "win", "lose": tables = [model.table("opportunity")]
        default: tables = model.tables.filter { !$0.schema.system || verb == "show" }
        }
        var out: [String] = []
        for t in tables {
            if let p = t.schema.prefix, !prefix.isEmpty, !prefix.hasPrefix(p) && !p.hasPrefix(prefix.uppercased()) { continue }
            for id in t.ids.reversed() where id.lowercased().hasPrefix(prefix.lowercased()) {
                out.append(id)
                if out.count >= 300 { return out }
            }
        }
        return out
    }

    func states(of id: String) -> [String] {
        guard let (t, _) = model.find(id), let si = t.schema.stateIndex, let e = t.schema.fields[si].type.enumType else { return [] }
        return e.offered
    }

    /// Splits typed text into words and symbols, keeping quoted strings whole.
    func tokenize(_ s: String) -> [String] {
        var out: [String] = []
        var cur = ""
        var quote: Character? = nil
        func flush() { if !cur.isEmpty { out.append(cur); cur = "" } }
        for ch in s {
            if let q = quote { cur.append(ch); if ch == q { quote = nil; flush() }; continue }
            if ch == "\"" || ch == "'" { flush(); quote = ch; cur.append(ch); continue }
            if ch.isWhitespace { flush(); continue }
            if "|(),;=<>!".contains(ch) {
                flush()
                if (ch == "=" ), let l = out.last, ["<", ">", "!"].contains(l) { out[out.count - 1] = l + "=" } else { out.append(String(ch)) }
                continue
            }
            cur.append(ch)
        }
        flush()
        return out
    }
}


extension EnumType {
    /// What completion offers for a value: the English name and the Traditional Chinese term (Simplified
    /// spellings are accepted when typed, but would double the list).
    var offered: [String] { cases.flatMap { [$0.name] + ($0.zh.map { [$0] } ?? []) } }
}
