import SalesCore

/// What a statement produced, for the shell to render or act on.
public enum Output {
    case none
    case message(String)
    case table(ResultTable)
    /// A result to write to a file (`… | to csv "x.csv"`); where the statement is, for errors.
    case export(ResultTable, format: String, path: String, at: SourceLocation)
    /// A result drawn as a chart: `bar` or `funnel`.
    case chart(ResultTable, kind: String)
    case scalar(Value, ValueType)
    case record(RecordView)
    case help([String])
    case importFile(ImportRequest)
    /// Early warnings with what trips each; empty tables for those that find nothing.
    case warnings([(warning: Warning, why: String, rows: ResultTable)])
    case save
    case quit
    case clear
    /// The format named, and where it was written (to point at a bad name).
    case format(String?, SourceLocation)
    case check(CheckResult)
    case timer(Bool?)
    case maxRows(Int?)
    /// `source "file.sales"`: the shell reads and runs the file.
    case source(path: String, at: SourceLocation)
    /// `watch N STATEMENT`: the shell reruns the statement every N seconds.
    case watch(seconds: Double, statement: Located<Statement>, source: Source)
}

/// One record with what refers to it, for `show`.
public struct RecordView {
    public var entity: EntitySchema
    public var record: Record
    /// For each reference field, the referenced record's title.
    public var referenceTitles: [Int: String]
    public var related: [(title: String, table: ResultTable)]
    public var history: ResultTable
}

/// Runs statements against the model. Changes go through `commit`, which makes them durable;
/// when anything fails, the statement's changes are rolled back and the model is as before.
public final class Interpreter {
    public var ctx: EvalContext
    /// Makes a validated transaction durable (the journal); throwing undoes the statement.
    public var commit: (Transaction) throws -> Void = { _ in }
    public var readOnly = false
    /// Where statements inside `if` and `for` blocks send their output, as they run.
    public var emit: (Output) throws -> Void = { _ in }
    /// Script parameters given on the command line, by name; `param` statements take them over their defaults.
    public var parameterOverrides: [String: Value] = [:]

    public init(ctx: EvalContext) { self.ctx = ctx }

    var model: Model { ctx.model }
    var schema: Schema { ctx.model.schema }

    public func run(_ stmt: Located<Statement>, in source: Source) throws -> Output {
        let d = { (m: String, s: Span, h: String?) in Diagnostic(m, at: source.location(of: s), hint: h) }
        // `$r` where a record id stands: the id the variable holds.
        func id(_ written: String, _ span: Span) throws -> String {
            guard written.hasPrefix("$") else { return written }
            let v = try ExprCompiler(source: source, ctx: ctx, scope: .none).variable(String(written.dropFirst()), span)
            guard case .text(let t) = v, !t.isEmpty else { throw d("\(written) holds \(v.isNull ? phrase("nothing") : v.display), not a record id", span, nil) }
            return t
        }
        var stmt = stmt
        switch stmt.node {
        case .set(let i, let s, let a): stmt.node = .set(id: try id(i, s), idSpan: s, a)
        case .delete(let ids): stmt.node = .delete(ids: try ids.map { (try id($0.0, $0.1), $0.1) })
        case .move(let i, let s, let to, let ts, let a): stmt.node = .move(id: try id(i, s), idSpan: s, to: to, toSpan: ts, a)
        case .win(let i, let s, let a): stmt.node = .win(id: try id(i, s), idSpan: s, a)
        case .lose(let i, let s, let a): stmt.node = .lose(id: try id(i, s), idSpan: s, a)
        case .reopen(let i, let s, let to, let ts, let a): stmt.node = .reopen(id: try id(i, s), idSpan: s, to: to, toSpan: ts, a)
        case .convert(let i, let s, let a): stmt.node = .convert(id: try id(i, s), idSpan: s, a)
        case .show(let i, let s): stmt.node = .show(id: try id(i, s), idSpan: s)
        case .approve(let i, let s): stmt.node = .approve(id: try id(i, s), idSpan: s)
        case .reject(let i, let s, let a): stmt.node = .reject(id: try id(i, s), idSpan: s, a)
        default: break
        }
        switch stmt.node {
        case .query(let q):
            let rel = try QueryRunner(source: source, ctx: ctx).run(q)
            if case .scalar(let v, let t) = rel { return .scalar(v, t) }
            if case .chart(let kind, _)? = q.stages.last { return .chart(rel.materialize(model, today: ctx.today), kind: kind) }
            if case .to(let fmt, let pathExpr, let span)? = q.stages.last {
                let path = try text(of: pathExpr, source)
                let table: ResultTable
                if case .scalar(let v, let t) = rel { table = ResultTable(columns: [Column("count", t)], rows: [[v]]) }
                else { table = wholeRecords(rel) }
                return .export(table, format: fmt, path: path, at: source.location(of: span))
            }
            return .table(rel.materialize(model, today: ctx.today))
        case .expression(let e):
            let c = try ExprCompiler(source: source, ctx: ctx, scope: .none).compile(e)
            return .scalar(c.eval(0), c.type)
        case .letBinding(let name, let e):
            // `let rows = (QUERY)` keeps the rows when the query gives more than one value.
            if case .subquery(let q, _) = e {
                let rel = try QueryRunner(source: source, ctx: ctx).run(q)
                if case .scalar(let v, _) = rel { ctx.tables[name] = nil; ctx.variables[name] = v; return .none }
                ctx.variables[name] = nil
                ctx.tables[name] = wholeRecords(rel)
                return .none
            }
            let c = try ExprCompiler(source: source, ctx: ctx, scope: .none).compile(e)
            ctx.tables[name] = nil
            ctx.variables[name] = c.eval(0)
            return .none
        case .param(let name, let span, let e):
            let c = try ExprCompiler(source: source, ctx: ctx, scope: .none).compile(e)
            if let given = parameterOverrides[name] {
                ctx.variables[name] = try parameterValue(given, as: c.type, name: name, at: span, source)
            } else {
                ctx.variables[name] = c.eval(0)
            }
            return .none
        case .check(let c):
            return .check(try runCheck(c, source))
        case .ifElse(let branches, let otherwise):
            for (cond, body) in branches {
                let c = try ExprCompiler(source: source, ctx: ctx, scope: .none).compile(cond)
                guard c.type == .bool || c.type == .any else { throw d("if needs a condition (true or false), found \(c.type)", cond.span, nil) }
                if c.eval(0).truth == true { try runBlock(body, source); return .none }
            }
            if let o = otherwise { try runBlock(o, source) }
            return .none
        case .forEach(let name, let rowsExpr, let body):
            let table = try rows(of: rowsExpr, source)
            let saved = (ctx.variables, ctx.tables)
            defer { ctx.variables = saved.0; ctx.tables = saved.1 }
            for row in table.rows {
                // `$r` is the row's first column (a record's id); `$r.amount` each column.
                ctx.variables[name] = row.first ?? .null
                for (i, c) in table.columns.enumerated() { ctx.variables[name + "." + c.name] = row[i] }
                try runBlock(body, source)
            }
            return .none
        case .source(let pathExpr, let span):
            return .source(path: try text(of: pathExpr, source), at: source.location(of: span))
        case .print(let e):
            guard let e else { return .message("") }
            let c = try ExprCompiler(source: source, ctx: ctx, scope: .none).compile(e)
            let v = c.eval(0)
            return .message(v.isNull ? "" : v.display)
        case .define(let kind, let name, let span, let text):
            return try define(kind: kind, name: name, text: text, stmt, source, at: span)
        case .undefine(let name, let span):
            guard let r = model.table("definition").record(name) else {
                throw d("there is no saved check or report '\(name)'", span, Suggest.nearest(name, in: model.table("definition").ids).map { "did you mean '\($0)'?" })
            }
            try requireAuthorOrAdmin(r, name, span, source)
            let e = schema.index(of: "definition")!
            return try mutate(stmt, source, []) { m in try m.delete(entity: e, id: name, systemEntity: true); return phrase("removed \(r.values[0].display) \(name)") }
        case .watch(let secs, let inner):
            let c = try ExprCompiler(source: source, ctx: ctx, scope: .none).compile(secs)
            guard let n = c.constant?.numeric, n >= 1, n <= 86_400 else { throw d("watch takes a number of seconds from 1 to 86400", secs.span, nil) }
            return .watch(seconds: n, statement: inner, source: source)
        case .help(let words): return .help(words)
        case .save: return .save
        case .quit: return .quit
        case .clear: return .clear
        case .format(let f, let span): return .format(f, source.location(of: span))
        case .timer(let on): return .timer(on)
        case .maxRows(let n, _): return .maxRows(n == 0 ? nil : n)
        case .show(let id, let span):
            return .record(try show(try locate(id, span, source)))
        case .add(let entityName, let span, let id, let assigns):
            guard let e = schema.index(of: entityName) else {
                let names = schema.entities.filter { !$0.system }.flatMap { [$0.name, $0.plural] }
                throw d("unknown entity '\(entityName)'", span, Suggest.nearest(entityName, in: names).map { "did you mean '\($0)'?" }
                        ?? "entities: \(schema.entities.filter { !$0.system }.map(\.name).joined(separator: ", "))")
            }
            if schema.entities[e].system { throw d("\(schema.entities[e].name) is kept by the shell and cannot be added to", span, nil) }
            var givenID = id
            var fields = assigns
            if let k = fields.firstIndex(where: { $0.field.lowercased() == "id" }) {
                let c = try ExprCompiler(source: source, ctx: ctx, scope: .none).compile(fields[k].value, expected: .text)
                givenID = c.constant?.display
                fields.remove(at: k)
            }
            let values = try resolve(fields, entity: e, source: source, verb: "add")
            return try mutate(stmt, source, assigns) { m in
                let newID = try m.create(entity: e, id: givenID, values: values)
                let r = self.model.tables[e].record(newID)!
                let es = self.schema.entities[e]
                var note = ""
                if es.approve != nil, let ai = es.fieldIndex("approval"),
                   self.model.value(r, ai, of: es, today: self.ctx.today) == .text("pending") {
                    note = " — " + phrase("over the limit, pending approval: approve \(newID)")
                }
                return self.added(r, es) + note
            }
        case .set(let id, let span, let assigns):
            let (t, _) = try locate(id, span, source)
            let values = try resolve(assigns, entity: t.entityIndex, source: source, verb: "set")
            return try mutate(stmt, source, assigns) { m in
                try m.update(entity: t.entityIndex, id: id, values: values, allowSystem: false)
                let changes = m.changes.compactMap { c -> String? in
                    guard case .update(_, _, let f, let old, let new) = c else { return nil }
                    return "\(t.schema.fields[f].name) \(old.isNull ? "∅" : old.display) → \(new.isNull ? "∅" : new.display)"
                }
                return changes.isEmpty ? phrase("\(id) unchanged") : "\(id): \(changes.joined(separator: ", "))"
            }
        case .delete(let ids):
            let targets = try ids.map { (try locate($0.0, $0.1, source).table, $0.0) }
            return try mutate(stmt, source, []) { m in
                for (t, id) in targets { try m.delete(entity: t.entityIndex, id: id) }
                return phrase("deleted \(targets.map(\.1).joined(separator: ", "))")
            }
        case .move(let id, let span, let to, let toSpan, let assigns):
            let (t, _) = try locate(id, span, source)
            let state = try stateName(to, toSpan, table: t, source: source)
            return try transition(stmt, source, t, id, state, assigns, verb: "move", at: toSpan)
        case .win(let id, let span, let assigns):
            let (t, _) = try locate(id, span, source)
            guard t.schema.stateMachine?.transitions["won"] != nil else { throw d("only opportunities are won; \(id) is a \(t.schema.name)", span, nil) }
            return try transition(stmt, source, t, id, "won", assigns, verb: "win")
        case .lose(let id, let span, let assigns):
            let (t, _) = try locate(id, span, source)
            guard t.schema.stateMachine?.transitions["lost"] != nil else { throw d("only opportunities are lost; \(id) is a \(t.schema.name)", span, nil) }
            let renamed = assigns.map { a -> Assignment in
                var a = a
                if ["reason", "原因"].contains(a.field.lowercased()) { a.field = "lost_reason" }
                return a
            }
            return try transition(stmt, source, t, id, "lost", renamed, verb: "lose")
        case .reopen(let id, let span, let to, let toSpan, let assigns):
            let (t, _) = try locate(id, span, source)
            let state = try to.map { try stateName($0, toSpan!, table: t, source: source) }
            let values = try resolve(assigns, entity: t.entityIndex, source: source, verb: "reopen")
            let si = t.schema.stateIndex
            let before = si.flatMap { t.record(id)?.values[$0].display } ?? ""
            return try mutate(stmt, source, assigns) { m in
                try m.reopen(entity: t.entityIndex, id: id, to: state, values: values)
                let after = si.flatMap { t.record(id)?.values[$0].display } ?? ""
                return phrase("\(id) reopened: \(before) → \(after)")
            }
        case .approve(let id, let span):
            let (t, _) = try locate(id, span, source)
            guard let hook = t.schema.approve else {
                throw d("\(t.schema.plural) are not approved; \(id) is a \(t.schema.name)", span, nil)
            }
            return try mutate(stmt, source, [], at: span) { m in try hook(m, id) }
        case .importFile(let entity, let path, let maps, let flags, let rejects, let span):
            if readOnly { throw d("the store is open read-only; nothing was imported", span, nil) }
            return .importFile(ImportRequest(entity: entity, path: try text(of: path, source), maps: maps.map { (column: $0.0, field: $0.1) },
                                             dryRun: flags.contains("dry_run"), skipBad: flags.contains("skip_bad"), rejects: try rejects.map { try text(of: $0, source) },
                                             location: source.location(of: span)))
        case .warnings(let name, let span):
            var list = Warnings.all
            if let name {
                guard let w = list.first(where: { $0.name == name }) else {
                    throw d("unknown warning '\(name)'", span, Suggest.nearest(name, in: list.map(\.name)).map { "did you mean '\($0)'?" }
                            ?? "warnings: \(list.map(\.name).joined(separator: ", "))")
                }
                list = [w]
            }
            return .warnings(try list.map { ($0, Warnings.describe($0, model), try Warnings.run($0, ctx: ctx)) })
        case .reject(let id, let span, let assigns):
            let (t, _) = try locate(id, span, source)
            guard t.schema.stateMachine?.transitions["rejected"] != nil else { throw d("\(t.schema.plural) are not rejected; \(id) is a \(t.schema.name)", span, nil) }
            return try transition(stmt, source, t, id, "rejected", assigns, verb: "reject")
        case .openAppraisals(let e, let span):
            let c = try ExprCompiler(source: source, ctx: ctx, scope: .none).compile(e, expected: .period)
            guard let p = (c.constant ?? c.eval(0)).asPeriod else {
                throw d("expected a month or a year", e.span, "open appraisals 2026-10")
            }
            return try mutate(stmt, source, [], at: span) { m in
                let ids = try Management.openAppraisals(m, period: p)
                switch ids.count {
                case 0: return phrase("every appraisal for \(p) is already open")
                case 1: return phrase("opened 1 appraisal for \(p): \(ids[0])")
                default: return phrase("opened \(ids.count) appraisals for \(p): \(ids.first!)…\(ids.last!)")
                }
            }
        case .convert(let id, let span, let assigns):
            let (t, _) = try locate(id, span, source)
            guard t.schema.name == "lead" else { throw d("only leads are converted; \(id) is a \(t.schema.name)", span, nil) }
            let oe = schema.index(of: "opportunity")!
            let values = try resolve(assigns, entity: oe, source: source, verb: "convert")
            return try mutate(stmt, source, assigns) { m in
                let r = try m.convertLead(id, opportunity: values)
                return r.createdCustomer ? phrase("\(id) converted: new customer \(r.customer), opportunity \(r.opportunity)")
                    : phrase("\(id) converted: customer \(r.customer), opportunity \(r.opportunity)")
            }
        }
    }

    // MARK: helpers

    /// "added O12 (5G private network)": a new record and its title.
    func added(_ r: Record, _ e: EntitySchema) -> String {
        let t = r.values[e.titleIndex]
        return t.isNull ? phrase("added \(r.id)") : phrase("added \(r.id) (\(t.display))")
    }

    /// Finds a record by id, with a suggestion when there is none.
    func locate(_ id: String, _ span: Span, _ source: Source) throws -> (table: Table, slot: Int) {
        if let hit = model.find(id) { return hit }
        var hint: String? = nil
        if let (e, _) = schema.parsePrefixedID(id) {
            let t = model.tables[e]
            hint = t.count == 0 ? phrase("there are no \(t.schema.plural) yet") : phrase("\(t.schema.plural) run from \(t.ids.first!) to \(t.ids.last!)")
        } else {
            let keys = model.tables.filter { $0.schema.idScheme == .key }.flatMap(\.ids)
            hint = Suggest.nearest(id, in: keys).map { "did you mean '\($0)'?" }
        }
        throw Diagnostic("no record '\(id)'", at: source.location(of: span), hint: hint)
    }

    func stateName(_ word: String, _ span: Span, table t: Table, source: Source) throws -> String {
        guard let si = t.schema.stateIndex, let e = t.schema.fields[si].type.enumType else {
            throw Diagnostic("\(t.schema.plural) have no lifecycle", at: source.location(of: span))
        }
        guard let i = e.index(of: word) else {
            throw Diagnostic("unknown \(e.name) '\(word)'", at: source.location(of: span),
                             hint: Suggest.nearest(word, in: e.spellings).map { "did you mean '\($0)'?" } ?? "states: \(e.names.joined(separator: ", "))")
        }
        return e.cases[i].name
    }

    /// Turns `field=value` assignments into field indices and typed values, checking names and types.
    func resolve(_ assigns: [Assignment], entity e: Int, source: Source, verb: String) throws -> [(field: Int, value: Value)] {
        let es = schema.entities[e]
        let comp = ExprCompiler(source: source, ctx: ctx, scope: .none)
        var out: [(field: Int, value: Value)] = []
        for a in assigns {
            guard let fi = es.fieldIndex(a.field) else {
                let names = es.fields.filter { $0.access == .user }.map(\.name)
                throw Diagnostic("unknown field '\(a.field)' on \(es.name)", at: source.location(of: a.fieldSpan),
                                 hint: Suggest.nearest(a.field, in: names).map { "did you mean '\($0)'?" } ?? "fields: \(names.joined(separator: ", "))")
            }
            let f = es.fields[fi]
            if out.contains(where: { $0.field == fi }) {
                throw Diagnostic("\(f.name) is given twice", at: source.location(of: a.fieldSpan))
            }
            if f.access == .system || f.access == .derived {
                throw Diagnostic(f.access == .derived ? "\(f.name) is computed and cannot be set" : "\(f.name) is kept by the rules and cannot be set",
                                 at: source.location(of: a.fieldSpan))
            }
            if f.access == .state {
                throw Diagnostic("\(f.name) changes only through the lifecycle", at: source.location(of: a.fieldSpan),
                                 hint: verb == "add" ? "new \(es.plural) start as \(es.stateMachine!.initial)" : "move ID to STATE")
            }
            let c = try comp.compile(a.value, expected: f.type)
            let raw = c.constant ?? c.eval(0)
            var v = try comp.coerceConstant(raw, to: f.type, a.value.span)
            // Empty text is no value: it neither fills a required field nor passes a gate.
            if case .text(let t) = v, t.allSatisfy(\.isWhitespace) { v = .null }
            if case .reference(let target) = f.type, case .text(let given) = v { v = .text(try referenceID(given, target, a.value.span, source)) }
            out.append((fi, v))
        }
        return out
    }

    /// A cell's value when it converts without the model and without fault (an empty cell, a
    /// well-formed day, amount, plain number, case name …); nil for a cell `importValue` must read
    /// further (a reference, `1,200`, anything it would refuse). Pure, for a second thread reading a
    /// file ahead.
    public static func plainImportValue(_ text: String, type: ValueType, today: Day) -> Value? {
        PlainCell(type: type, today: today).value(text)
    }

    /// A field's value from text (an import's cell): the same readings as in statements — enum values
    /// in English or Chinese, `2026/10/3`, `12,000.50`, references by id or by a unique name.
    public func importValue(_ text: String, field: FieldSchema) throws -> Value {
        if let v = Self.plainImportValue(text, type: field.type, today: ctx.today) { return v }
        let trimmed = text.trimmingCharacters()
        switch field.type {
        case .int, .real:
            guard let d = ExactDecimal.parse(trimmed) else { throw Diagnostic("'\(trimmed)' is not a number") }
            let v = d.integer.map { field.type == .int ? Value.int($0) : Value.real(Double($0)) } ?? .real(d.double)
            if field.type == .int, case .real = v { throw Diagnostic("'\(trimmed)' is not a whole number") }
            return v
        case .reference(let target):
            if model.table(target).contains(trimmed) { return .text(trimmed) }
            return .text(try referenceID(trimmed, target, 0..<trimmed.count, Source(name: "cell", text: trimmed)))
        default:
            // A well-formed cell converted plainly above; one that did not is read by the compiler,
            // which knows what is wrong with it and says so.
            break
        }
        if case .date = field.type {
            if let why = Day.whyNot(trimmed) { throw Diagnostic("'\(trimmed)' is not a day: \(why)") }
            if Self.isYearLast(trimmed) {
                throw Diagnostic("'\(trimmed)' puts the year last, so the month and day could be either way round", hint: "write the year first: 2026-11-03 or 2026/11/3")
            }
        }
        let comp = ExprCompiler(source: Source(name: "cell", text: trimmed), ctx: ctx, scope: .none)
        return try comp.coerceConstant(.text(trimmed), to: field.type, 0..<trimmed.count)
    }

    /// `3/11/2026`: day and month first, in an order a file does not say.
    static func isYearLast(_ s: String) -> Bool {
        let parts = s.split(whereSeparator: { $0 == "/" || $0 == "." || $0 == "-" })
        return parts.count == 3 && parts.allSatisfy { $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
            && parts[0].count <= 2 && parts[1].count <= 2 && parts[2].count == 4
    }

    /// A reference may be given by id or, when it is unique, by name: `owner=王偉`.
    func referenceID(_ given: String, _ target: String, _ span: Span, _ source: Source) throws -> String {
        let t = model.table(target)
        if t.contains(given) { return given }
        let ti = t.schema.titleIndex
        let matches = t.slots(where: ti, is: .text(given)).prefix(6).filter(t.isLive).map { t.id(at: $0) }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 {
            throw Diagnostic("'\(given)' names more than one \(target): \(matches.prefix(5).joined(separator: ", "))", at: source.location(of: span),
                             hint: "give the id instead")
        }
        return given   // validation reports the missing record with a suggestion
    }

    func transition(_ stmt: Located<Statement>, _ source: Source, _ t: Table, _ id: String, _ state: String,
                    _ assigns: [Assignment], verb: String, at focus: Span? = nil) throws -> Output {
        let values = try resolve(assigns, entity: t.entityIndex, source: source, verb: verb)
        let si = t.schema.stateIndex!
        let before = t.record(id)?.values[si].display ?? ""
        return try mutate(stmt, source, assigns, at: focus) { m in
            try m.move(entity: t.entityIndex, id: id, to: state, values: values, verb: verb)
            let r = t.record(id)!
            var extra = ""
            var moved = phrase("\(id) \(before) → \(state)")
            if let pi = t.schema.fieldIndex("probability"), !r.values[pi].isNull { moved = phrase("\(id) \(before) → \(state) (probability \(r.values[pi].display))") }
            // What the move did to other records: signing a contract wins its opportunity.
            for c in m.changes {
                guard case .update(let e, let other, let f, let old, let new) = c, other != id,
                      self.schema.entities[e].stateIndex == f else { continue }
                extra += "; \(other) \(old.display) → \(new.display)"
            }
            for c in m.changes {
                guard case .create(let e, let rec) = c.materialized(in: model) else { continue }
                extra += "; " + self.added(rec, self.schema.entities[e])
            }
            return moved + extra
        }
    }

    /// Applies a statement's changes, validates them and makes them durable; undoes everything on failure.
    // MARK: scripting

    /// The script's `param` declarations (at its top level), for checking command-line parameters
    /// before anything runs: each name with its default's type and where it is declared.
    public func parameters(of statements: [Located<Statement>], in source: Source) throws -> [(name: String, type: ValueType, span: Span)] {
        try statements.compactMap { st in
            guard case .param(let name, let span, let e) = st.node else { return nil }
            return (name, try ExprCompiler(source: source, ctx: ctx, scope: .none).compile(e).type, span)
        }
    }

    func runBlock(_ body: [Located<Statement>], _ source: Source) throws {
        for st in body { try emit(try run(st, in: source)) }
    }

    /// A template or string as text (file names, messages).
    func text(of e: Expr, _ source: Source) throws -> String {
        let c = try ExprCompiler(source: source, ctx: ctx, scope: .none).compile(e)
        return c.eval(0).display
    }

    /// A relation as a table; records whole (id and every field), so files and `for` see all of them.
    func wholeRecords(_ rel: Relation) -> ResultTable {
        guard case .entity(let t, let slots) = rel else { return rel.materialize(model, today: ctx.today) }
        let cols = [Column("id", .reference(t.schema.name))] + t.schema.fields.map { Column($0.name, $0.type, zh: $0.zh) }
        return ResultTable(columns: cols, rows: slots.map { s in
            let r = t.record(at: s)!
            return [.text(r.id)] + t.schema.fields.indices.map { model.value(r, $0, of: t.schema, today: ctx.today) }
        })
    }

    /// The rows a `for` walks: `(QUERY)` or `$rows`.
    func rows(of e: Expr, _ source: Source) throws -> ResultTable {
        switch e {
        case .subquery(let q, let span):
            let rel = try QueryRunner(source: source, ctx: ctx).run(q)
            if case .scalar = rel { throw Diagnostic("for needs rows, and this query gives one value", at: source.location(of: span), hint: "drop the count at the end") }
            return wholeRecords(rel)
        case .variable(let n, let span):
            if let t = ctx.tables[n] { return t }
            throw Diagnostic(ctx.variables[n] == nil ? "undefined variable $\(n)" : "$\(n) is a value, not rows", at: source.location(of: span),
                             hint: "bind rows first: let \(n) = (opportunities | where …)")
        default:
            throw Diagnostic("for walks the rows of a query: for r in (QUERY) { … } or for r in $rows { … }", at: source.location(of: e.span))
        }
    }

    /// A parameter from the command line, read as its default's type: `month=2026-10` for a period.
    public func parameterValue(_ given: Value, as type: ValueType, name: String, at span: Span, _ source: Source) throws -> Value {
        if type == .any || ValueType.of(given) == type { return given }
        let comp = ExprCompiler(source: Source(name: "parameter \(name)", text: given.display), ctx: ctx, scope: .none)
        if case .date = type, case .period(let p) = given, p.kind == .day { return .date(p.start) }
        if let v = try? comp.coerceConstant(.text(given.display), to: type, 0..<given.display.count), ValueType.of(v) == type || !v.isNull { return v }
        throw Diagnostic("parameter \(name) is \(type), and '\(given.display)' is not", at: source.location(of: span), hint: comp.example(for: type))
    }

    /// A check written over several lines, as one line for its label.
    func oneLine(_ text: String) -> String {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map { String($0).trimmingCharacters() }.joined(separator: " ")
    }

    /// What a built-in warning checks, in the shell's language (English when unset).
    public var describeWarning: ((Warning) -> String)?

    func runCheck(_ c: Check, _ source: Source) throws -> CheckResult {
        let location = source.location(of: c.span)
        func message(_ fallback: String, count: Int? = nil) throws -> String {
            guard let m = c.message else { return fallback }
            let saved = ctx.variables["count"]
            if let count { ctx.variables["count"] = .int(Int64(count)) }
            defer { ctx.variables["count"] = saved }
            return try text(of: m, source)
        }
        switch c.kind {
        case .condition(let e):
            let comp = try ExprCompiler(source: source, ctx: ctx, scope: .none).compile(e)
            guard comp.type == .bool || comp.type == .any else {
                throw Diagnostic("check needs a condition (true or false), found \(comp.type)", at: source.location(of: e.span),
                                 hint: "for example: check (expenses | where status = submitted | count) = 0")
            }
            let passed = comp.eval(0).truth == true
            let written = oneLine(source.text(e.span))
            return CheckResult(name: c.name, label: c.name ?? written, message: try message(source.text(e.span)), passed: passed, rows: nil,
                               location: location, sourceName: source.name)
        case .none(let q):
            let rel = try QueryRunner(source: source, ctx: ctx).run(q)
            if case .scalar = rel { throw Diagnostic("check none needs rows; this query gives one value", at: location, hint: "drop the count: check none (QUERY)") }
            let table = rel.materialize(model, today: ctx.today)
            let written = source.text(q.sourceSpan.lowerBound..<(q.stages.last?.span.upperBound ?? q.sourceSpan.upperBound))
            let label = "none (" + oneLine(written) + ")"
            return CheckResult(name: c.name, label: c.name ?? label, message: try message(label, count: table.rows.count), passed: table.rows.isEmpty,
                               rows: table, location: location, sourceName: source.name)
        case .named(let n):
            if let text = Definitions.text(of: n, kind: "check", in: model) {
                let defSource = Source(name: "check \(n)", text: text)
                do {
                    var inner = try Parser.parseDefinedCheck(defSource)
                    inner.name = n
                    var r = try runCheck(inner, defSource)
                    r.location = location; r.sourceName = source.name
                    return r
                } catch let d as Diagnostic {
                    throw Diagnostic("in check \(n): \(d.message)", at: location, hint: d.hint)
                }
            }
            if let w = Warnings.all.first(where: { $0.name == n }) {
                let rows = try Warnings.run(w, ctx: ctx)
                return CheckResult(name: n, label: n, message: try message(describeWarning?(w) ?? Warnings.describe(w, model), count: rows.rows.count),
                                   passed: rows.rows.isEmpty,
                                   rows: rows, location: location, sourceName: source.name)
            }
            let names = Definitions.all("check", in: model).map(\.name) + Warnings.all.map(\.name)
            throw Diagnostic("there is no check '\(n)'", at: location,
                             hint: Suggest.nearest(n, in: names).map { "did you mean '\($0)'?" } ?? "checks: \(names.joined(separator: ", "))")
        }
    }

    func define(kind: String, name: String, text: String, _ stmt: Located<Statement>, _ source: Source, at span: Span) throws -> Output {
        let builtIn = kind == "check" ? Warnings.all.map(\.name) : Reports.names
        if builtIn.contains(name.lowercased()) {
            throw Diagnostic("\(name) is a built-in \(kind == "check" ? "warning" : "report"); choose another name", at: source.location(of: span))
        }
        let table = model.table("definition")
        if let existing = table.record(name) {
            if existing.values[0] != .text(kind) { throw Diagnostic("\(name) is already a saved \(existing.values[0].display)", at: source.location(of: span), hint: "undefine \(name) first, or choose another name") }
            try requireAuthorOrAdmin(existing, name, span, source)
        }
        let e = table.entityIndex
        let author: Value = model.table("staff").contains(ctx.user) ? .text(ctx.user) : .null
        return try mutate(stmt, source, []) { m in
            if table.contains(name) {
                try m.update(entity: e, id: name, values: [(1, .text(text)), (2, author)], allowSystem: true, systemEntity: true)
                return phrase("redefined \(kind) \(name)")
            }
            _ = try m.create(entity: e, id: name, values: [(0, .text(kind)), (1, .text(text)), (2, author)], systemEntity: true)
            return phrase("defined \(kind) \(name): run it with \(kind) \(name)")
        }
    }

    /// A saved definition is changed by whoever wrote it, or an admin.
    func requireAuthorOrAdmin(_ r: Record, _ name: String, _ span: Span, _ source: Source) throws {
        let author = r.values[2].textValue ?? ""
        guard author != ctx.user, model.table("staff").contains(ctx.user), model.role(of: ctx.user) != "admin", !author.isEmpty else { return }
        throw Diagnostic("\(name) was defined by \(author); only they or an admin may change it", at: source.location(of: span))
    }

    func mutate(_ stmt: Located<Statement>, _ source: Source, _ assigns: [Assignment], at focus: Span? = nil,
                _ body: (Mutation) throws -> String) throws -> Output {
        if readOnly {
            throw Diagnostic("the store is open read-only; nothing was changed", at: source.location(of: stmt.span))
        }
        let m = Mutation(model: model, user: ctx.user, today: ctx.today)
        do {
            let message = try body(m)
            try m.validate()
            if !m.changes.isEmpty { try commit(m.transaction(at: ctx.now)) }
            return .message(message)
        } catch let e as DomainError {
            m.rollback()
            let span = e.field.flatMap { f in assigns.first { $0.field == f || schemaFieldMatches($0.field, f) }?.value.span } ?? focus ?? stmt.span
            throw Diagnostic(e.message, at: source.location(of: span), hint: e.hint)
        } catch {
            m.rollback()
            throw error
        }
    }

    func schemaFieldMatches(_ given: String, _ field: String) -> Bool {
        schema.entities.contains { $0.fieldIndex(given) != nil && $0.fieldIndex(given) == $0.fieldIndex(field) }
    }

    func show(_ hit: (table: Table, slot: Int)) throws -> RecordView {
        let t = hit.table
        let r = t.record(at: hit.slot)!
        var titles: [Int: String] = [:]
        for (i, f) in t.schema.fields.enumerated() {
            if case .reference(let target) = f.type, case .text(let rid) = r.values[i], let other = model.table(target).record(rid) {
                let ts = model.table(target).schema
                titles[i] = other.values[ts.titleIndex].display
            }
        }
        // What refers to the record, and one step further what refers to those (a customer's
        // contracts, then their orders and invoices), so `show` tells the whole story.
        var related: [(String, ResultTable)] = []
        var direct: [(table: Table, ids: Set<String>)] = []
        var listed: Set<String> = ["\(t.entityIndex)/\(r.id)"]
        func referrers(to target: String, ids: Set<String>) -> [(Table, [Int], String)] {
            var out: [(Table, [Int], String)] = []
            for other in model.tables where !other.schema.system {
                let refFields = other.schema.fields.indices.filter { other.schema.fields[$0].type.referencedEntity == target }
                for f in refFields {
                    let slots = other.records.indices.filter {
                        guard other.isLive($0), case .text(let v) = other.value($0, f), ids.contains(v) else { return false }
                        return !listed.contains("\(other.entityIndex)/\(other.id(at: $0))")
                    }
                    if slots.isEmpty { continue }
                    for s in slots { listed.insert("\(other.entityIndex)/\(other.id(at: s))") }
                    let label = refFields.count > 1 || other.schema.fields[f].name != target
                        ? phrase("\(other.schema.plural) (\(other.schema.fields[f].name))") : other.schema.plural
                    out.append((other, slots, label))
                }
            }
            return out
        }
        for (other, slots, label) in referrers(to: t.schema.name, ids: [r.id]) {
            related.append((label, Relation.entity(other, slots).materialize(model, today: ctx.today)))
            direct.append((other, Set(slots.map { other.id(at: $0) })))
        }
        for (table, ids) in direct {
            for (other, slots, label) in referrers(to: table.schema.name, ids: ids) {
                related.append((phrase("\(label) of these \(table.schema.plural)"), Relation.entity(other, slots).materialize(model, today: ctx.today)))
            }
        }
        let h = model.history
        let hslots = (0..<h.slotCount).filter { h.isLive($0) && h.value($0, 4) == .text(r.id) && h.value($0, 3) == .text(t.schema.name) }
        let hist = Relation.entity(h, hslots).materialize(model, today: ctx.today)
        var shown = r
        for (i, f) in t.schema.fields.enumerated() where f.compute != nil { shown.values[i] = model.value(r, i, of: t.schema, today: ctx.today) }
        return RecordView(entity: t.schema, record: shown, referenceTitles: titles, related: related, history: hist)
    }
}
