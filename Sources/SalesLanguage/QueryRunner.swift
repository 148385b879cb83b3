import SalesCore

/// Runs a query pipeline: an entity's records, then each stage in turn.
struct QueryRunner {
    let source: Source
    let ctx: EvalContext

    func diag(_ m: String, _ span: Span, hint: String? = nil) -> Diagnostic { Diagnostic(m, at: source.location(of: span), hint: hint) }

    func run(_ q: Query) throws -> Relation {
        if let call = q.report {
            if !Reports.names.contains(call.name.lowercased()), let text = Definitions.text(of: call.name, kind: "report", in: ctx.model) {
                return try stages(q, from: try definedReport(call, text: text))
            }
            return try stages(q, from: try Reports(source: source, ctx: ctx).run(call))
        }
        if q.source.hasPrefix("$") {
            let name = String(q.source.dropFirst())
            guard let t = ctx.tables[name] else {
                if name == "last" { throw diag("there is no previous result yet", q.sourceSpan, hint: "run a query first; last shows its result again") }
                if ctx.variables[name] != nil { throw diag("$\(name) is a value, not rows", q.sourceSpan, hint: "bind rows with let \(name) = (QUERY)") }
                throw diag("undefined variable $\(name)", q.sourceSpan, hint: "bind rows first: let \(name) = (opportunities | where …)")
            }
            return try stages(q, from: .rows(t.columns, RowBox(t.rows)))
        }
        guard let e = ctx.model.schema.index(of: q.source) else {
            let names = ctx.model.schema.entities.flatMap { [$0.name, $0.plural] }
            throw diag("unknown entity '\(q.source)'", q.sourceSpan,
                       hint: Suggest.nearest(q.source, in: names).map { "did you mean '\($0)'?" } ?? "entities: \(ctx.model.schema.entityNames.joined(separator: ", "))")
        }
        if let when = q.asOf {
            let cutoff = try moment(when, "as of")
            let table = ctx.model.detachedTable(entity: e, records: ctx.model.records(of: e, before: cutoff).records)
            return try stages(q, from: .entity(table, table.liveSlots))
        }
        if let when = q.diffSince { return try stages(q, from: diff(e, since: try moment(when, "since"))) }
        let table = ctx.model.tables[e]
        return try stages(q, from: .entity(table, table.liveSlots))
    }

    /// The moment `as of` / `since` names: the end of a day or period, or a timestamp.
    func moment(_ e: Expr, _ what: String) throws -> Timestamp {
        let c = try ExprCompiler(source: source, ctx: ctx, scope: .none).compile(e, expected: .date)
        guard let v = c.constant, let t = Model.cutoff(v) else {
            throw diag("\(what) needs a date, a period or a moment, found \(c.type)", e.span, hint: "opportunities as of 2026-06-30")
        }
        return t
    }

    /// What changed in an entity since a moment, net: one row per created or deleted record, one per
    /// field changed (its value then → now), with who changed it last and when.
    func diff(_ e: Int, since cutoff: Timestamp) -> Relation {
        let model = ctx.model, es = model.schema.entities[e]
        let (before, last) = model.records(of: e, before: cutoff)
        var then: [String: Record] = [:]
        for r in before { then[r.id] = r }
        let cols = [Column("record", .reference(es.name)), Column("action", .text), Column("field", .text), Column("old", .any), Column("new", .any),
                    Column("by", .reference("staff")), Column("at", .timestamp)]
        var rows: [[Value]] = []
        func who(_ key: String) -> [Value] { last[key].map { [.text($0.user), .timestamp($0.at)] } ?? [.null, .null] }
        var now: Set<String> = []
        for case let r? in model.tables[e].records {
            now.insert(r.id)
            guard let old = then[r.id] else {
                rows.append([.text(r.id), .text("created"), .null, .null, .text(Model.summary(of: r, entity: es))] + who(r.id + "/"))
                continue
            }
            for (i, f) in es.fields.enumerated() where old.values[i] != r.values[i] {
                rows.append([.text(r.id), .text("changed"), .text(f.name), old.values[i], r.values[i]] + who(r.id + "/" + f.name))
            }
        }
        for r in before where !now.contains(r.id) {
            rows.append([.text(r.id), .text("deleted"), .null, .text(Model.summary(of: r, entity: es)), .null] + who(r.id + "/"))
        }
        return .rows(cols, RowBox(rows))
    }

    /// A report kept by `define report NAME(PARAMS) QUERY`: arguments bound to its parameters, in order
    /// or by name, then its query run. Errors inside it are reported at the call, naming the report.
    func definedReport(_ call: ReportCall, text: String) throws -> Relation {
        let defSource = Source(name: "report \(call.name)", text: text)
        let at = source.location(of: call.nameSpan)
        func inside(_ d: Diagnostic) -> Diagnostic {
            Diagnostic("in report \(call.name) (\(d.location.map { phrase("column \($0.column)") } ?? phrase("its text"))): \(d.message)", at: at, hint: d.hint)
        }
        let def: (parameters: [(name: String, value: Expr?)], query: Query)
        do { def = try Parser.parseDefinedReport(defSource) } catch let d as Diagnostic { throw inside(d) }
        if call.arguments.count > def.parameters.count {
            throw diag("report \(call.name) takes \(def.parameters.isEmpty ? phrase("no arguments") : "\(def.parameters.count): \(def.parameters.map(\.name).joined(separator: ", "))")",
                       call.arguments[def.parameters.count].span)
        }
        for o in call.options where !def.parameters.contains(where: { $0.name == o.field }) {
            throw diag("report \(call.name) has no parameter '\(o.field)'", o.fieldSpan,
                       hint: Suggest.nearest(o.field, in: def.parameters.map(\.name)).map { "did you mean '\($0)'?" } ?? "parameters: \(def.parameters.map(\.name).joined(separator: ", "))")
        }
        var c = ctx
        let callerCompiler = ExprCompiler(source: source, ctx: ctx, scope: .none)
        for (i, p) in def.parameters.enumerated() {
            let given = i < call.arguments.count ? call.arguments[i] : call.options.first { $0.field == p.name }?.value
            if let g = given {
                c.variables[p.name] = try callerCompiler.compile(g, expected: .any).eval(0)
            } else if let d = p.value {
                do { c.variables[p.name] = try ExprCompiler(source: defSource, ctx: ctx, scope: .none).compile(d, expected: .any).eval(0) } catch let e as Diagnostic { throw inside(e) }
            } else {
                throw diag("report \(call.name) needs \(p.name)", call.nameSpan, hint: "report \(call.name) \(def.parameters.map { "<\($0.name)>" }.joined(separator: " "))")
            }
        }
        do { return try QueryRunner(source: defSource, ctx: c).run(def.query) } catch let d as Diagnostic { throw inside(d) }
    }

    func stages(_ q: Query, from start: Relation) throws -> Relation {
        var rel = start
        var i = 0
        while i < q.stages.count {
            let stage = q.stages[i]
            if case .scalar = rel { throw diag("nothing can follow count", stage.span) }
            switch stage {
            case .whereClause(let expr, _):
                let c = try compiler(rel).compile(expr)
                guard c.type == .bool || c.type == .any else {
                    throw diag("where needs a condition (true or false), found \(c.type)", expr.span, hint: "for example: where amount > 100k")
                }
                if let select = c.select, case .entity(let t, let slots) = rel { rel = .entity(t, select(slots)) }
                else if let test = c.test { rel = rel.filtered(test) } else {
                    let f = c.eval
                    rel = rel.filtered { f($0).truth == true }
                }
            case .sort(let keys, _):
                let comp = compiler(rel)
                let compiled = try keys.map { k -> (Compiled, Bool) in (try comp.compile(k.expr), k.descending) }
                // sort | take N: keep the first N in one pass.
                var limit: Int? = nil
                if i + 1 < q.stages.count, case .take(let e, _) = q.stages[i + 1],
                   case .int(let n)? = try? ExprCompiler(source: source, ctx: ctx, scope: .none).compile(e, expected: .int).constant, n >= 0 {
                    limit = Int(n)
                }
                rel = rel.sorted(by: compiled, limit: limit)
            case .take(let expr, let span):
                let c = try ExprCompiler(source: source, ctx: ctx, scope: .none).compile(expr, expected: .int)
                guard case .int(let n)? = c.constant, n >= 0 else { throw diag("take needs a whole number", span) }
                rel = rel.prefix(Int(n))
            case .select(let items, _):
                let comp = compiler(rel)
                let cols = try items.map { item -> (Column, (Int) -> Value) in
                    let c = try comp.compile(item.expr)
                    let name = item.alias ?? source.text(item.expr.span)
                    return (Column(name, c.type, zh: item.alias == nil ? rel.entitySchema?.field(name)?.zh : nil), c.eval)
                }
                let idx = rel.indices
                let rows = idx.map { r in cols.map { $0.1(r) } }
                rel = .rows(cols.map(\.0), RowBox(rows))
            case .group(let keys, _):
                var aggs: [NamedExpr] = [NamedExpr(expr: .call("count", [], 0..<0), alias: "count")]
                if i + 1 < q.stages.count, case .agg(let a, _) = q.stages[i + 1] { aggs = a; i += 1 }
                // A sort right after that names every key orders the groups wholly itself.
                var resorted = false
                if i + 1 < q.stages.count, case .sort(let sortKeys, _) = q.stages[i + 1] {
                    let named = Set(sortKeys.compactMap { k -> String? in if case .name(let n, _) = k.expr { n.lowercased() } else { nil } })
                    resorted = keys.allSatisfy { named.contains(($0.alias ?? source.text($0.expr.span)).lowercased()) }
                }
                rel = try aggregate(rel, keys: keys, aggs: aggs, ordered: !resorted)
            case .agg(let aggs, _):
                rel = try aggregate(rel, keys: [], aggs: aggs)
            case .count:
                rel = .scalar(.int(Int64(rel.indices.count)), .int)
            case .chart(_, let span):
                // Drawn by the shell from the finished result; it must come last.
                if i != q.stages.count - 1 { throw diag("chart must be the last stage", span) }
            case .to(_, _, let span):
                if i != q.stages.count - 1 { throw diag("to must be the last stage", span) }
            }
            i += 1
        }
        return rel
    }

    func compiler(_ rel: Relation) -> ExprCompiler {
        switch rel {
        case .entity(let t, _): ExprCompiler(source: source, ctx: ctx, scope: .entity(t))
        case .rows(let c, let b): ExprCompiler(source: source, ctx: ctx, scope: .rows(c, b))
        case .scalar: ExprCompiler(source: source, ctx: ctx, scope: .none)
        }
    }

    // MARK: aggregation

    enum AggKind: String { case count, sum, avg, min, max }

    struct AggSlot {
        var kind: AggKind
        var arg: Compiled?
    }

    /// Replaces each aggregate call in `e` by a reference to a slot, collecting the slots.
    func extract(_ e: Expr, _ slots: inout [AggSlot], _ comp: ExprCompiler) throws -> Expr {
        switch e {
        case .call(let f, let args, let span) where ExprCompiler.aggregates.contains(f):
            let kind = AggKind(rawValue: f)!
            var arg: Compiled? = nil
            if let a = args.first {
                guard args.count == 1 else { throw diag("\(f)() takes one argument", span) }
                arg = try comp.compile(a)
                if kind == .sum || kind == .avg, !(arg!.type.isNumeric || arg!.type == .duration || arg!.type == .any) {
                    throw diag("\(f)() needs numbers, found \(arg!.type)", a.span)
                }
            } else if kind != .count {
                throw diag("\(f)() needs an argument", span, hint: "\(f)(amount)")
            }
            slots.append(AggSlot(kind: kind, arg: arg))
            return .name("\u{1}\(slots.count - 1)", span)
        case .binary(let op, let l, let r, let s): return .binary(op, try extract(l, &slots, comp), try extract(r, &slots, comp), s)
        case .unary(let op, let x, let s): return .unary(op, try extract(x, &slots, comp), s)
        case .call(let f, let args, let s): return .call(f, try args.map { try extract($0, &slots, comp) }, s)
        case .literal, .number, .variable: return e
        case .name(let n, let s):
            throw diag("'\(n)' must be inside an aggregate such as sum(\(n)), or be a group key", s)
        default:
            throw diag("this expression cannot be used in agg", e.span)
        }
    }

    static func resultType(_ s: AggSlot) -> ValueType {
        switch s.kind {
        case .count: return .int
        case .sum: return s.arg!.type == .percent ? .percent : s.arg!.type
        case .avg: return [.money, .percent, .duration].contains(s.arg!.type) ? s.arg!.type : .real
        case .min, .max: return s.arg!.type
        }
    }

    /// `ordered`: groups in key order; otherwise in the order the rows meet them (a sort follows).
    func aggregate(_ rel: Relation, keys: [NamedExpr], aggs: [NamedExpr], ordered: Bool = true) throws -> Relation {
        let comp = compiler(rel)
        let keyCompiled = try keys.map { try comp.compile($0.expr) }
        var slots: [AggSlot] = []
        let finals = try aggs.map { try extract($0.expr, &slots, comp) }
        let slotCols = slots.enumerated().map { Column("\u{1}\($0.offset)", QueryRunner.resultType($0.element)) }
        let slotBox = RowBox([])
        let finalComp = ExprCompiler(source: source, ctx: ctx, scope: .rows(slotCols, slotBox))
        let finalCompiled = try finals.map { try finalComp.compile($0) }

        // One pass over the rows: find the group, feed its accumulators.
        var groupIndex: [[Value]: Int] = [:]
        var groupKeys: [[Value]] = []
        var accs: [[Accumulator]] = []
        let keyFns = keyCompiled.map(\.eval)
        let argFns = slots.map { $0.arg?.eval }
        let fresh = slots.map { Accumulator(kind: $0.kind, type: $0.arg?.type ?? .int) }
        if keys.isEmpty { groupKeys.append([]); accs.append(fresh); groupIndex[[]] = 0 }
        // One key, the usual case, is looked up as itself: no array to build and hash per row. (The
        // ways of opening a group below stay written out: a local function capturing these arrays put
        // them in boxes and made the loop half as fast again.)
        var singleIndex: [Value: Int] = [:]
        let single = keyFns.count == 1 ? keyFns[0] : nil
        // A key that is a coded field of the records (group stage, group owner), or a path from one
        // (owner.team): groups found by code, the value made once per code rather than once per row
        // (a path's at the code's first row).
        func codedField(_ c: Compiled) -> (ref: FieldRef, values: [Value])? {
            guard let ref = c.field ?? c.byCode, case .entity(let t, _) = rel, t === ref.table, let values = t.codedValues(ref.index) else { return nil }
            return (ref, values)
        }
        var coded: (table: Table, field: Int, values: [Value]?, count: Int)? = nil
        if keyCompiled.count == 1, let (ref, values) = codedField(keyCompiled[0]) {
            coded = (ref.table, ref.index, keyCompiled[0].field != nil ? [.null] + values : nil, values.count + 1)
        }
        var groupOfCode = [Int](repeating: -1, count: coded?.count ?? 0)
        let hasCodes = coded != nil, codedValues = coded?.values
        // Two keys that are each a code or a number (group category, month(date)): the pair as one
        // number finds the group, the keys' values made once per pair.
        func keyNumber(_ c: Compiled) -> ((Int) -> Int64)? {
            if let (ref, _) = codedField(c) {
                let t = ref.table, f = ref.index
                return { Int64(t.code($0, f)) }
            }
            return c.number
        }
        let pairKeys = keyCompiled.count == 2 ? keyNumber(keyCompiled[0]).flatMap { a in keyNumber(keyCompiled[1]).map { b in (a, b) } } : nil
        var groupOfPair = NumberGroups()
        // Two keys each a code that stands for one value alone (staff, course.kind): a pair not met
        // before is a group not met before, opened without hashing the keys' values. A path's codes
        // (a course's, for course.kind) may share a value, so each of its codes is given the number of
        // its value, found once per code.
        func distinctCode(_ c: Compiled) -> ((Int) -> Int64)? {
            guard let (ref, values) = codedField(c) else { return nil }
            let t = ref.table, f = ref.index
            if c.field != nil { return { Int64(t.code($0, f)) } }
            let numberOfCode = CodeNumbers(codes: values.count + 1), eval = c.eval
            return { r in numberOfCode.number(Int(t.code(r, f))) { eval(r) } }
        }
        let distinctPair = keyCompiled.count == 2 ? distinctCode(keyCompiled[0]).flatMap { a in distinctCode(keyCompiled[1]).map { b in (a, b) } } : nil
        // One key with a number form (month(closed), a day, an amount): groups found by the number,
        // the key's value made once per group.
        let numbered = coded == nil && keyCompiled.count == 1 ? keyCompiled[0].number : nil
        var groupOfNumber = NumberGroups()
        // Sums, averages and counts of a number form add the numbers without making values.
        let argNumbers: [((Int) -> Int64)?] = slots.map { s in
            guard s.kind == .sum || s.kind == .avg || s.kind == .count, let a = s.arg, [.int, .money, .percent].contains(a.type) else { return nil }
            return a.number
        }
        let typedArgs = argNumbers.contains { $0 != nil }
        // Codes, key numbers and argument numbers read a block of slots at a time where they can be.
        let keyNumbers = numbered != nil ? keyCompiled[0].numbers : nil
        let argBlocks = zip(slots, argNumbers).map { $1 == nil ? nil : $0.arg?.numbers }
        let blockable = coded != nil || keyNumbers != nil || argBlocks.contains { $0 != nil }
        let all = rel.indices
        // Keys of several values, where most rows may open a group of their own (staff and course kind):
        // room for them at once rather than the table grown and rehashed as they come.
        if keys.count > 1 { groupIndex.reserveCapacity(min(all.count, 4096)) }
        // Counts, sums and averages of numbers by a code, a number or nothing: each core reads a part
        // of the rows into groups of its own, joined here in the order the rows meet them.
        let countsAndNumbers = slots.indices.allSatisfy { s in (slots[s].kind == .count && slots[s].arg == nil) || argBlocks[s] != nil }
        if rel.entitySchema != nil, countsAndNumbers, keyFns.isEmpty || coded != nil || keyNumbers != nil {
            let parts = ctx.parallel.map(all.count) { range in
                PartGroups(all[range], slots: slots.count, codes: coded.map { c in { c.table.codes($0, field: c.field) } },
                           numbers: keyNumbers, arguments: argBlocks, keyless: keyFns.isEmpty)
            }
            for part in parts {
                for (lg, key) in part.keys.enumerated() {
                    let g: Int
                    if keyFns.isEmpty {
                        g = 0
                    } else if hasCodes, Int(key) < groupOfCode.count, groupOfCode[Int(key)] >= 0 {
                        g = groupOfCode[Int(key)]
                    } else if !hasCodes, let x = groupOfNumber.find(key) {
                        g = x
                    } else {
                        let code = Int(key), row = part.rows[lg]
                        let k = hasCodes ? (codedValues.flatMap { code < $0.count ? $0[code] : nil } ?? single!(row)) : single!(row)
                        if let x = singleIndex[k] { g = x } else {
                            g = groupKeys.count
                            singleIndex[k] = g; groupKeys.append([k]); accs.append(fresh)
                        }
                        if !hasCodes { groupOfNumber.insert(key, g) } else if code < groupOfCode.count { groupOfCode[code] = g }
                    }
                    for s in slots.indices {
                        accs[g][s].n += part.counts[lg * slots.count + s]
                        accs[g][s].intSum &+= part.sums[lg * slots.count + s]
                    }
                }
            }
        } else {
            let blockSize = blockable ? 4096 : max(all.count, 1)
            for start in stride(from: 0, to: all.count, by: blockSize) {
                let block = all[start ..< min(start + blockSize, all.count)]
                // Plain arrays and flags, read in the loop without copying an optional or a tuple per row.
                let blockCodes = coded.map { $0.table.codes(block, field: $0.field) } ?? []
                let blockKeys = keyNumbers?(block) ?? [], hasKeys = keyNumbers != nil
                let blockArgs = argBlocks.map { $0?(block) ?? [] }, argInBlock = argBlocks.map { $0 != nil }
                for (j, r) in zip(0..., block) {
                    let g: Int
                    if let numbered {
                        let n = hasKeys ? blockKeys[j] : numbered(r)
                        if let x = groupOfNumber.find(n) { g = x } else {
                            let k = single!(r)
                            if let x = singleIndex[k] { g = x } else {
                                g = groupKeys.count
                                singleIndex[k] = g; groupKeys.append([k]); accs.append(fresh)
                            }
                            groupOfNumber.insert(n, g)
                        }
                    } else if hasCodes, case let code = Int(blockCodes[j]), code < groupOfCode.count {
                        if groupOfCode[code] >= 0 { g = groupOfCode[code] } else {
                            let k = codedValues?[code] ?? single!(r)
                            if let x = singleIndex[k] { g = x } else {
                                g = groupKeys.count
                                singleIndex[k] = g; groupKeys.append([k]); accs.append(fresh)
                            }
                            groupOfCode[code] = g
                        }
                    } else if let single {
                        let k = single(r)
                        if let x = singleIndex[k] { g = x } else {
                            g = groupKeys.count
                            singleIndex[k] = g; groupKeys.append([k]); accs.append(fresh)
                        }
                    } else if keyFns.isEmpty {
                        g = 0
                    } else if let (ka, kb) = distinctPair {
                        let pair = ka(r) << 32 | kb(r)
                        if let x = groupOfPair.find(pair) { g = x } else {
                            g = groupKeys.count
                            groupKeys.append(keyFns.map { $0(r) }); accs.append(fresh)
                            groupOfPair.insert(pair, g)
                        }
                    } else {
                        var pair: Int64? = nil
                        if let (ka, kb) = pairKeys {
                            let a = ka(r), b = kb(r)
                            if Int64(Int32(truncatingIfNeeded: a)) == a, Int64(Int32(truncatingIfNeeded: b)) == b {
                                pair = a << 32 | Int64(UInt32(truncatingIfNeeded: b))
                            }
                        }
                        if let p = pair, let x = groupOfPair.find(p) { g = x } else {
                            let k = keyFns.map { $0(r) }
                            if let x = groupIndex[k] { g = x } else {
                                g = groupKeys.count
                                groupIndex[k] = g; groupKeys.append(k); accs.append(fresh)
                            }
                            if let p = pair { groupOfPair.insert(p, g) }
                        }
                    }
                    accs[g].withUnsafeMutableBufferPointer { acc in
                        if typedArgs {
                            for s in acc.indices {
                                if argInBlock[s] { acc[s].add(number: blockArgs[s][j]) }
                                else if let n = argNumbers[s] { acc[s].add(number: n(r)) } else { acc[s].add(argFns[s]?(r)) }
                            }
                        } else {
                            for s in acc.indices { acc[s].add(argFns[s]?(r)) }
                        }
                    }
                }
            }
        }
        // Groups in key order (enumerations in their declared order).
        // Each key's distinct values are ranked once (equal ones alike), so the groups sort on numbers:
        // far fewer comparisons of names than sorting the groups by them.
        let cmps = ordered ? keyCompiled.map { comparator(for: $0.type) } : []
        let ranks: [[Int]] = cmps.indices.map { j in
            var seen: [Value: Int] = [:]
            var distinct: [Value] = []
            for k in groupKeys where seen[k[j]] == nil { seen[k[j]] = distinct.count; distinct.append(k[j]) }
            let sorted = distinct.indices.sorted { a, b in
                let x = cmps[j](distinct[a], distinct[b])
                return x != 0 ? x < 0 : a < b
            }
            var rankOf = [Int](repeating: 0, count: distinct.count)
            for (n, d) in sorted.enumerated() {
                rankOf[d] = n > 0 && cmps[j](distinct[sorted[n - 1]], distinct[d]) == 0 ? rankOf[sorted[n - 1]] : n
            }
            return groupKeys.map { rankOf[seen[$0[j]]!] }
        }
        var order = Array(groupKeys.indices)
        if !ranks.isEmpty {
            order.sort { a, b in
                for r in ranks where r[a] != r[b] { return r[a] < r[b] }
                return a < b
            }
        }
        slotBox.rows = order.map { g in accs[g].map { $0.result } }
        var rows: [[Value]] = []
        rows.reserveCapacity(order.count)
        for (n, g) in order.enumerated() {
            var row: [Value] = []
            row.reserveCapacity(keys.count + finalCompiled.count)
            row += groupKeys[g]
            for f in finalCompiled { row.append(f.eval(n)) }
            rows.append(row)
        }
        let cols = zip(keys, keyCompiled).map { Column($0.alias ?? source.text($0.expr.span), $1.type) }
            + zip(aggs, finalCompiled).map { Column($0.alias ?? (($0.expr.span.isEmpty) ? "count" : source.text($0.expr.span)), $1.type) }
        return .rows(cols, RowBox(rows))
    }
}

/// One part of the rows grouped by a code, a number or nothing, with the count of non-null arguments
/// and their sum per group and argument (`counts[group * arguments + a]`), and a row of each group to
/// make its key's value from. Reads columns only, so parts are made on several threads at once.
struct PartGroups {
    let keys: [Int64]
    let rows: [Int]
    let counts: [Int64]
    let sums: [Int64]

    init(_ rows: ArraySlice<Int>, slots: Int, codes: ((ArraySlice<Int>) -> [UInt32])?, numbers: ((ArraySlice<Int>) -> [Int64])?,
         arguments: [((ArraySlice<Int>) -> [Int64])?], keyless: Bool) {
        // Locals, not properties, in the loops: no uniqueness check per row. A block's groups are found
        // first, then each argument is added in a loop of its own.
        var keys: [Int64] = [], firstRows: [Int] = [], counts: [Int64] = [], sums: [Int64] = []
        var groupOfCode = [Int32](), groupOfNumber = NumberGroups()
        var group = [Int](repeating: 0, count: 4096)
        let null = FieldColumn.nullNumber
        if keyless {
            keys.append(0); firstRows.append(-1)
            counts += repeatElement(0, count: slots); sums += repeatElement(0, count: slots)
        }
        for start in stride(from: rows.startIndex, to: rows.endIndex, by: 4096) {
            let block = rows[start ..< min(start + 4096, rows.endIndex)]
            if let codes {
                let blockCodes = codes(block)
                let most = Int(blockCodes.max() ?? 0)
                if most >= groupOfCode.count { groupOfCode += repeatElement(-1, count: most + 1 - groupOfCode.count) }
                for (j, r) in zip(0..., block) {
                    let code = Int(blockCodes[j])
                    if groupOfCode[code] < 0 {
                        groupOfCode[code] = Int32(keys.count)
                        keys.append(Int64(code)); firstRows.append(r)
                        counts += repeatElement(0, count: slots); sums += repeatElement(0, count: slots)
                    }
                    group[j] = Int(groupOfCode[code]) * slots
                }
            } else if let numbers {
                let blockNumbers = numbers(block)
                for (j, r) in zip(0..., block) {
                    let n = blockNumbers[j]
                    var g = groupOfNumber.find(n) ?? -1
                    if g < 0 {
                        g = keys.count
                        groupOfNumber.insert(n, g)
                        keys.append(n); firstRows.append(r)
                        counts += repeatElement(0, count: slots); sums += repeatElement(0, count: slots)
                    }
                    group[j] = g * slots
                }
            }
            counts.withUnsafeMutableBufferPointer { counts in
                sums.withUnsafeMutableBufferPointer { sums in
                    for a in 0 ..< slots {
                        guard let argument = arguments[a] else {
                            for j in 0 ..< block.count { counts[group[j] + a] += 1 }
                            continue
                        }
                        argument(block).withUnsafeBufferPointer { xs in
                            for (j, x) in xs.enumerated() {
                                let at = group[j] + a, isNumber = x != null
                                counts[at] += isNumber ? 1 : 0
                                sums[at] &+= isNumber ? x : 0
                            }
                        }
                    }
                }
            }
        }
        self.keys = keys; self.rows = firstRows; self.counts = counts; self.sums = sums
    }
}

/// A number for each code of a column, the same for codes whose values are equal: the values are
/// hashed once per code, not once per row.
final class CodeNumbers {
    private var numbers: [Int64]
    private var numberOfValue: [Value: Int64] = [:]
    init(codes: Int) { numbers = [Int64](repeating: -1, count: codes) }
    @inline(__always) func number(_ code: Int, _ value: () -> Value) -> Int64 {
        if code < numbers.count, numbers[code] >= 0 { return numbers[code] }
        let v = value()
        let n = numberOfValue[v] ?? Int64(numberOfValue.count)
        numberOfValue[v] = n
        if code < numbers.count { numbers[code] = n }
        return n
    }
}

/// The group of each key number (a day, a month, an amount): open addressing in a power-of-two table
/// with a multiplicative hash, cheaper per row than a seeded `Dictionary` hash.
struct NumberGroups {
    private var keys = [Int64](repeating: 0, count: 64)
    private var groups = [Int](repeating: -1, count: 64)
    private var bits = 6
    private var count = 0

    @inline(__always) private func home(_ k: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: k) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
    }

    @inline(__always) func find(_ k: Int64) -> Int? {
        let mask = keys.count - 1
        var i = home(k)
        while groups[i] >= 0 {
            if keys[i] == k { return groups[i] }
            i = (i + 1) & mask
        }
        return nil
    }

    /// Adds a key not yet in the table.
    mutating func insert(_ k: Int64, _ g: Int) {
        if (count + 1) * 2 > keys.count {
            let old = zip(keys, groups).filter { $0.1 >= 0 }
            bits += 1
            keys = [Int64](repeating: 0, count: 1 << bits)
            groups = [Int](repeating: -1, count: 1 << bits)
            count = 0
            for (key, group) in old { insert(key, group) }
        }
        let mask = keys.count - 1
        var i = home(k)
        while groups[i] >= 0 { i = (i + 1) & mask }
        keys[i] = k; groups[i] = g
        count += 1
    }
}

/// A running count, sum, average, minimum or maximum.
struct Accumulator {
    let kind: QueryRunner.AggKind
    let type: ValueType
    var n: Int64 = 0
    var intSum: Int64 = 0
    var realSum: Double = 0
    var best: Value = .null

    init(kind: QueryRunner.AggKind, type: ValueType) { self.kind = kind; self.type = type }

    /// A value in its number form (`Compiled.number`), for count, sum and avg of integers, money and
    /// percentages: the same as adding the value.
    @inline(__always)
    mutating func add(number x: Int64) {
        if x == FieldColumn.nullNumber { return }
        n += 1
        if kind != .count { intSum &+= x }
    }

    mutating func add(_ v: Value?) {
        guard let v else { n += 1; return }   // count()
        if v.isNull { return }
        n += 1
        switch kind {
        case .count: break
        case .sum, .avg:
            switch v {
            case .money(let m): intSum &+= m.minor
            case .int(let i): intSum &+= i
            case .percent(let p): intSum &+= p.basisPoints
            case .duration(let d): intSum &+= Int64(d.approximateDays)
            default: realSum += v.numeric ?? 0
            }
        case .min: if best.isNull || Value.compare(v, best) < 0 { best = v }
        case .max: if best.isNull || Value.compare(v, best) > 0 { best = v }
        }
    }

    var result: Value {
        switch kind {
        case .count: return .int(n)
        case .min, .max: return best
        case .sum:
            switch type {
            case .money: return .money(Money(minor: intSum))
            case .int: return .int(intSum)
            case .percent: return .percent(Percent(basisPoints: intSum))
            case .duration: return .duration(Duration(days: Int32(clamping: intSum)))
            default: return .real(realSum + Double(intSum))
            }
        case .avg:
            guard n > 0 else { return .null }
            switch type {
            case .money: return .money(Money(minor: Arithmetic.roundDiv(intSum, n)))
            case .percent: return .percent(Percent(basisPoints: Arithmetic.roundDiv(intSum, n)))
            case .duration: return .duration(Duration(days: Int32(clamping: Arithmetic.roundDiv(intSum, n))))
            case .int: return .real(Double(intSum) / Double(n))
            default: return .real(realSum / Double(n))
            }
        }
    }
}

extension Relation {
    /// The entity whose records these are, for a query straight over records.
    var entitySchema: EntitySchema? { if case .entity(let t, _) = self { t.schema } else { nil } }

    var indices: [Int] {
        switch self {
        case .entity(_, let s): s
        case .rows(_, let b): Array(b.rows.indices)
        case .scalar: []
        }
    }

    func filtered(_ keep: (Int) -> Bool) -> Relation {
        switch self {
        case .entity(let t, let s): return .entity(t, s.filter(keep))
        case .rows(let c, let b): return .rows(c, RowBox(b.rows.indices.filter(keep).map { b.rows[$0] }))
        case .scalar: return self
        }
    }

    /// Sorted by the keys; with `limit` (a `take` right after the sort), only the first rows are kept,
    /// found in one pass rather than sorting everything.
    func sorted(by keys: [(Compiled, Bool)], limit: Int? = nil) -> Relation {
        if let k = limit, k > 0, case .entity(let t, let slots) = self, let first = keys.first, let numbers = first.0.numbers, slots.count > 16 * k,
           [ValueType.int, .money, .percent, .date, .timestamp].contains(first.0.type) {
            return Self.top(k, of: t, slots, keys: keys, numbers: numbers)
        }
        let idx = indices
        // Evaluate each key once per row, then sort positions; ties keep their order.
        let keyValues = keys.map { k in idx.map { k.0.eval($0) } }
        let cmps = keys.map { comparator(for: $0.0.type) }
        func less(_ a: Int, _ b: Int) -> Bool {
            for (j, k) in keys.enumerated() {
                var c = cmps[j](keyValues[j][a], keyValues[j][b])
                if k.1 { c = -c }
                if c != 0 { return c < 0 }
            }
            return a < b
        }
        var order: [Int]
        if let k = limit, k * 16 < idx.count {
            order = []
            order.reserveCapacity(k + 1)
            for i in idx.indices {
                if order.count == k, let last = order.last, !less(i, last) { continue }
                var lo = 0, hi = order.count
                while lo < hi { let mid = (lo + hi) / 2; if less(order[mid], i) { lo = mid + 1 } else { hi = mid } }
                order.insert(i, at: lo)
                if order.count > k { order.removeLast() }
            }
        } else {
            order = Array(idx.indices)
            order.sort(by: less)
        }
        switch self {
        case .entity(let t, _): return .entity(t, order.map { idx[$0] })
        case .rows(let c, let b): return .rows(c, RowBox(order.map { b.rows[idx[$0]] }))
        case .scalar: return self
        }
    }

    /// `sort … | take k` of records when the first key is a number (an amount, a date): its numbers, read
    /// a block at a time from the column, find the k-th best; only the records at least that good (k and
    /// their ties) have every key evaluated and are sorted in full. The same records, in the same order,
    /// as sorting them all (nulls first, ties by the keys after, then as they came).
    private static func top(_ k: Int, of t: Table, _ slots: [Int], keys: [(Compiled, Bool)], numbers: (ArraySlice<Int>) -> [Int64]) -> Relation {
        let descending = keys[0].1
        let primary = numbers(slots[...])
        func better(_ a: Int64, _ b: Int64) -> Bool { descending ? a > b : a < b }
        // The k best numbers so far, best first: a record worse than the k-th is passed over at once.
        var best: [Int64] = []
        best.reserveCapacity(k + 1)
        for x in primary {
            if best.count == k, !better(x, best[k - 1]) { continue }
            var lo = 0, hi = best.count
            while lo < hi { let mid = (lo + hi) / 2; if better(x, best[mid]) { hi = mid } else { lo = mid + 1 } }
            best.insert(x, at: lo)
            if best.count > k { best.removeLast() }
        }
        guard let threshold = best.last else { return .entity(t, []) }
        let candidates = primary.indices.filter { !better(threshold, primary[$0]) }.map { slots[$0] }
        return Relation.entity(t, candidates).sorted(by: keys).prefix(k)
    }

    func prefix(_ n: Int) -> Relation {
        switch self {
        case .entity(let t, let s): return .entity(t, Array(s.prefix(n)))
        case .rows(let c, let b): return .rows(c, RowBox(Array(b.rows.prefix(n))))
        case .scalar: return self
        }
    }

    /// The relation as a table to show: records get their id and listed fields (derived ones computed).
    func materialize(_ model: Model, today: Day) -> ResultTable {
        switch self {
        case .entity(let t, let slots):
            let fields = t.schema.listedFields
            let cols = [Column("id", .reference(t.schema.name))] + fields.map { Column(t.schema.fields[$0].name, t.schema.fields[$0].type, zh: t.schema.fields[$0].zh) }
            let rows = slots.map { s -> [Value] in
                let r = t.record(at: s)!
                return [.text(r.id)] + fields.map { model.value(r, $0, of: t.schema, today: today) }
            }
            return ResultTable(columns: cols, rows: rows)
        case .rows(let c, let b):
            return ResultTable(columns: c, rows: b.rows)
        case .scalar(let v, let t):
            return ResultTable(columns: [Column("count", t)], rows: [[v]])
        }
    }
}
