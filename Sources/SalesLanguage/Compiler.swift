import SalesCore

/// Where the names of an expression are looked up.
enum Scope {
    case none                      // no row: assignments, let, scalar expressions
    case entity(Table)             // rows are slots of the table
    case rows([Column], RowBox)    // rows are indices into derived rows
}

/// Compiles expressions once into closures over a row, resolving every name and type up front,
/// so evaluating a million rows does no lookups by field name.
struct ExprCompiler {
    let source: Source
    let ctx: EvalContext
    let scope: Scope

    func diag(_ message: String, _ span: Span, hint: String? = nil) -> Diagnostic {
        Diagnostic(message, at: source.location(of: span), hint: hint)
    }

    var model: Model { ctx.model }

    // MARK: entry

    func compile(_ e: Expr, expected: ValueType? = nil) throws -> Compiled {
        switch e {
        case .literal(let v, _):
            return .constant(v, ValueType.of(v))
        case .number(let d, let span):
            return try number(d, span, expected: expected)
        case .name(let n, let span):
            return try name(n, span, expected: expected)
        case .variable(let n, let span):
            if let t = ctx.tables[n] {
                if t.rows.count == 1 && t.columns.count == 1 { return .constant(t.rows[0][0], t.columns[0].type) }
                throw diag("$\(n) holds \(t.rows.count) row\(t.rows.count == 1 ? "" : "s"), not one value", span, hint: "count them with ($\(n) | count), or use it as a query: $\(n) | where …")
            }
            let v = try variable(n, span)
            if let expected, case .number = v.kindTag, let c = try? coerceConstant(v, to: expected, span) { return .constant(c, expected) }
            return .constant(v, ValueType.of(v))
        case .call(let f, let args, let span):
            return try call(f, args, span)
        case .unary(let op, let x, let span):
            let c = try compile(x)
            if op == "not" {
                try requireBool(c, x.span, "not")
                let f = c.eval
                return fold(Compiled(type: .bool, eval: { i in f(i).truth.map { .bool(!$0) } ?? .null }))
            }
            guard c.type.isNumeric || c.type == .duration || c.type == .any else { throw diag("cannot negate \(c.type)", span) }
            let f = c.eval
            return fold(Compiled(type: c.type, eval: { i in Arithmetic.negate(f(i)) }))
        case .binary(let op, let l, let r, let span):
            return try binary(op, l, r, span)
        case .inList(let x, let items, let negated, _):
            return try inList(x, items, negated: negated)
        case .inPeriod(let x, let p, let negated, let span):
            return try inPeriod(x, p, negated: negated, span)
        case .isEmpty(let x, let negated, _):
            let f = try compile(x).eval
            return fold(Compiled(type: .bool, eval: { i in
                let v = f(i)
                let empty = v.isNull || v == .text("")
                return .bool(negated ? !empty : empty)
            }))
        case .template(let parts, _):
            let compiled = try parts.map { p -> Compiled in
                switch p {
                case .text(let t): return .constant(.text(t), .text)
                case .expr(let e): return try compile(e)
                }
            }
            return Compiled(type: .text, eval: { i in
                .text(compiled.reduce(into: "") { out, c in let v = c.eval(i); if !v.isNull { out += v.display } })
            })
        case .subquery(let q, let span):
            let rel = try QueryRunner(source: source, ctx: ctx).run(q)
            switch rel {
            case .scalar(let v, let t): return .constant(v, t)
            case .rows(let cols, let box) where cols.count == 1 && box.rows.count <= 1:
                return .constant(box.rows.first?[0] ?? .null, cols[0].type)
            case .entity(_, let slots) where slots.count <= 1:
                throw diag("a query used as a value must end in count, agg or select of one column", span)
            default:
                throw diag("this query gives more than one value; end it with count, agg or take 1 | select …", span)
            }
        }
    }

    /// Evaluates constant parts once.
    func fold(_ c: Compiled) -> Compiled { c }

    // MARK: literals and names

    func number(_ d: ExactDecimal, _ span: Span, expected: ValueType?) throws -> Compiled {
        switch expected {
        case .money?:
            guard let m = d.money else { throw diag("money has at most two decimals", span) }
            return .constant(.money(m), .money)
        case .percent?:
            guard let bp = d.scaled(to: 2) else { throw diag("percentages have at most two decimals", span) }
            return .constant(.percent(Percent(basisPoints: bp)), .percent)
        case .period?:
            if let y = d.integer, (1...9999).contains(y) { return .constant(.period(.year(Int(y))), .period) }
        default: break
        }
        if let i = d.integer { return .constant(.int(i), .int) }
        return .constant(.real(d.double), .real)
    }

    func variable(_ n: String, _ span: Span) throws -> Value {
        if n.hasPrefix("env.") {
            let key = String(n.dropFirst(4))
            guard let v = ctx.environment[key] else { throw diag("environment variable \(key) is not set", span) }
            return .text(v)
        }
        if let v = ctx.variables[n] { return v }
        throw diag("undefined variable $\(n)", span,
                   hint: Suggest.nearest(n, in: Array(ctx.variables.keys)).map { "did you mean $\($0)?" } ?? "define it first: let \(n) = …")
    }

    /// A bare word: a field path in the current scope, else a value the context calls for.
    func name(_ n: String, _ span: Span, expected: ValueType?) throws -> Compiled {
        if case .enumeration(let e) = expected, let i = e.index(of: n) {
            return .constant(.text(e.cases[i].name), expected!)
        }
        if let c = try path(n, span) { return c }
        // A variable may be named without its `$` where no field has the name: `{count}` in a message.
        if let v = ctx.variables[n] { return .constant(v, ValueType.of(v)) }
        let lower = n.lowercased()
        if ["today", "yesterday", "tomorrow"].contains(lower), let p = Period.named(lower, today: ctx.today) {
            return .constant(.date(p.start), .date)
        }
        if lower == "now" { return .constant(.timestamp(ctx.now), .timestamp) }
        if let p = Period.named(lower, today: ctx.today) { return .constant(.period(p), .period) }
        switch expected {
        case .reference?, .text?, .any?:
            return .constant(.text(n), expected!)
        case .bool?:
            if ["是", "真"].contains(n) { return .constant(.bool(true), .bool) }
            if ["否", "假"].contains(n) { return .constant(.bool(false), .bool) }
        case .enumeration(let e)?:
            let hint = Suggest.nearest(n, in: e.spellings).map { "did you mean '\($0)'?" } ?? "values: \(e.names.joined(separator: ", "))"
            throw diag("unknown \(e.name) '\(n)'", span, hint: hint)
        default: break
        }
        throw unknownName(n, span, expected: expected)
    }

    func unknownName(_ n: String, _ span: Span, expected: ValueType?) -> Diagnostic {
        let first = String(n.split(separator: ".").first ?? Substring(n))
        switch scope {
        case .entity(let t):
            let names = ["id"] + t.schema.fields.map(\.name)
            let hint = Suggest.nearest(first, in: names).map { "did you mean '\($0)'?" }
                ?? "fields of \(t.schema.name): \(names.joined(separator: ", "))"
            return diag("unknown field '\(first)' on \(t.schema.name)", span, hint: hint)
        case .rows(let cols, _):
            let names = cols.map(\.name)
            let hint = Suggest.nearest(n, in: names).map { "did you mean '\($0)'?" } ?? "columns: \(names.joined(separator: ", "))"
            return diag("unknown column '\(n)'", span, hint: hint)
        case .none:
            if let expected, expected != .any {
                return diag("expected \(expected), found '\(n)'", span, hint: example(for: expected))
            }
            return diag("unknown name '\(n)'", span, hint: "text needs quotes: \"\(n)\"; variables start with $")
        }
    }

    func example(for t: ValueType) -> String? {
        switch t {
        case .money: phrase("money is written 1200, 1.2m, 500k or 12,000.50")
        case .percent: phrase("percentages are written 30%")
        case .date: phrase("dates are written 2026-10-01")
        case .int: phrase("for example 42")
        case .bool: phrase("yes or no")
        case .period: phrase("periods: 2026-10, 2026Q3, 2026, this_month")
        default: nil
        }
    }

    /// Resolves `field` or `ref.field.field` in the scope; nil when the first name is not there.
    func path(_ n: String, _ span: Span) throws -> Compiled? {
        var segments = n.split(separator: ".").map(String.init)
        var current: Compiled
        switch scope {
        case .none:
            return nil
        case .entity(let t):
            let first = segments.removeFirst()
            if first.lowercased() == "id" {
                current = Compiled(type: .reference(t.schema.name), eval: { s in .text(t.id(at: s)) })
            } else if let k = t.schema.fieldIndex(first) {
                if let f = t.schema.fields[k].compute {
                    let model = self.model, today = ctx.today
                    current = Compiled(type: t.schema.fields[k].type, eval: { s in f(t.record(at: s)!, model, today) })
                } else {
                    current = Compiled(type: t.schema.fields[k].type, eval: { s in t.value(s, k) }, field: FieldRef(table: t, index: k))
                    if t.columns[k].holdsNumbers {
                        current.number = { s in t.number(s, k) }
                        current.numbers = { t.numbers($0, field: k) }
                    }
                }
            } else { return nil }
        case .rows(let cols, let box):
            // Column names may themselves contain dots (`owner.name` after a select).
            if let k = cols.firstIndex(where: { $0.name == n }) ?? cols.firstIndex(where: { $0.name.lowercased() == n.lowercased() }) {
                return Compiled(type: cols[k].type, eval: { i in box.rows[i][k] })
            }
            let first = segments.removeFirst()
            guard let k = cols.firstIndex(where: { $0.name.lowercased() == first.lowercased() }) else { return nil }
            current = Compiled(type: cols[k].type, eval: { i in box.rows[i][k] })
        }
        let start = current
        for seg in segments {
            guard case .reference(let targetName) = current.type else {
                throw diag("'\(seg)' cannot follow a \(current.type) value: only references lead to other records", span)
            }
            let target = model.table(targetName)
            let prev = current.eval
            if seg.lowercased() == "id" { continue }
            guard let k = target.schema.fieldIndex(seg) else {
                let names = ["id"] + target.schema.fields.map(\.name)
                throw diag("unknown field '\(seg)' on \(targetName)", span,
                           hint: Suggest.nearest(seg, in: names).map { "did you mean '\($0)'?" } ?? "fields of \(targetName): \(names.joined(separator: ", "))")
            }
            let compute = target.schema.fields[k].compute
            let model = self.model, today = ctx.today
            current = Compiled(type: target.schema.fields[k].type, eval: { i in
                guard case .text(let id) = prev(i), let s = target.slot(of: id), target.isLive(s) else { return .null }
                if let compute { return compute(target.record(at: s)!, model, today) }
                return target.value(s, k)
            })
        }
        // A path from a coded reference (owner.team) is worked out once per referenced record.
        if !segments.isEmpty, let ref = start.field, let values = ref.table.codedValues(ref.index) {
            let memo = CodeMemo(count: values.count + 1), chain = current.eval, t = ref.table, f = ref.index
            current.eval = { i in
                let code = Int(t.code(i, f))
                return code < memo.count ? memo.value(code) { chain(i) } : chain(i)
            }
            current.byCode = ref
        }
        return current
    }

    // MARK: operators

    func requireBool(_ c: Compiled, _ span: Span, _ what: String) throws {
        guard c.type == .bool || c.type == .any else { throw diag("\(what) needs a true/false condition, found \(c.type)", span) }
    }

    /// Compiles both sides of a comparison, letting each side's type tell how to read a bare word
    /// or a quoted value on the other (`stage = won`, `stage = "Won"`, `won = stage`).
    func pair(_ l: Expr, _ r: Expr) throws -> (Compiled, Compiled) {
        let lc: Compiled
        do { lc = try compile(l) } catch let leftError {
            // Only a bare word on the left may depend on the right; otherwise the left's error stands.
            // …and only when the right is a field: between two constants a bare word is a misspelt field.
            guard case .name = l, let rc = try? compile(r), rc.constant == nil,
                  let lc = try? compile(l, expected: rc.type) else { throw leftError }
            return (lc, rc)
        }
        return (lc, try normalize(try compile(r, expected: lc.type), to: lc.type, r.span))
    }

    /// A constant text compared with an enumeration must be one of its values; it is kept in canonical form.
    func normalize(_ c: Compiled, to t: ValueType, _ span: Span) throws -> Compiled {
        guard case .enumeration = t, case .text? = c.constant else { return c }
        return .constant(try coerceConstant(c.constant!, to: t, span), t)
    }

    func isResolvable(_ e: Expr) -> Bool { (try? compile(e)) != nil }

    func binary(_ op: String, _ l: Expr, _ r: Expr, _ span: Span) throws -> Compiled {
        switch op {
        case "and", "or":
            let a = try compile(l), b = try compile(r)
            try requireBool(a, l.span, op); try requireBool(b, r.span, op)
            let fa = a.eval, fb = b.eval
            // Both true, or either: the same with null as false, so typed tests join as they are.
            let both = a.test.flatMap { ta in b.test.map { tb in (ta, tb) } }
            if op == "and" {
                var c = Compiled(type: .bool, eval: { i in
                    guard fa(i).truth == true else { return .bool(false) }
                    return .bool(fb(i).truth == true)
                }, test: both.map { ta, tb in { i in ta(i) && tb(i) } })
                // A block through the first, what is left through the second.
                if let sa = a.select {
                    if let sb = b.select { c.select = { sb(sa($0)) } } else if let tb = b.test { c.select = { sa($0).filter(tb) } }
                }
                return c
            }
            return Compiled(type: .bool, eval: { i in .bool(fa(i).truth == true || fb(i).truth == true) },
                            test: both.map { ta, tb in { i in ta(i) || tb(i) } })
        case "=", "!=", "<", "<=", ">", ">=":
            let (a, b) = try pair(l, r)
            try checkComparable(a.type, b.type, span)
            let type = a.type.enumType != nil ? a.type : b.type
            let cmp = comparator(for: type)
            // Two names of one enumeration are equal when they are the same name: no need to look up
            // where each stands in the declared order, as ordering them does.
            let equal: (Value, Value) -> Bool
            if type.enumType != nil {
                equal = { x, y in
                    if case .text(let s) = x, case .text(let t) = y { return s == t }
                    return cmp(x, y) == 0
                }
            } else {
                equal = { x, y in cmp(x, y) == 0 }
            }
            let fa = a.eval, fb = b.eval
            // A coded field against a constant: each code's answer is worked out once.
            if op == "=" || op == "!=", let k = b.constant, let ref = a.field,
               let mask = ref.codeMask({ equal($0, k) != (op == "!=") }) {
                return codedTest(ref, mask) { i in equal(fa(i), k) != (op == "!=") }
            }
            // A number field against a constant of its own type: compared as numbers.
            if let k = b.constant, a.number != nil, ValueType.of(k) == a.type, let kn = Self.number(of: k), kn != FieldColumn.nullNumber {
                let least = FieldColumn.nullNumber + 1, most = Int64.max
                let condition: NumberCondition
                switch op {
                case "=": condition = NumberCondition(lo: kn, hi: kn)
                case "!=": condition = NumberCondition(lo: kn, hi: kn, negated: true, null: true)   // null differs from every constant, as `equal` says
                case "<": condition = NumberCondition(lo: least, hi: kn - 1)
                case "<=": condition = NumberCondition(lo: least, hi: kn)
                case ">": condition = kn == most ? NumberCondition(lo: 1, hi: 0) : NumberCondition(lo: kn + 1, hi: most)
                default: condition = NumberCondition(lo: kn, hi: most)
                }
                return numberTest(a, condition)
            }
            // Constant right-hand sides are the common case: capture the value once.
            switch op {
            case "=":
                if let k = b.constant { return Compiled(type: .bool, eval: { i in .bool(equal(fa(i), k)) }) }
                return Compiled(type: .bool, eval: { i in .bool(equal(fa(i), fb(i))) })
            case "!=": return Compiled(type: .bool, eval: { i in .bool(!equal(fa(i), fb(i))) })
            default:
                let test: (Int) -> Bool = op == "<" ? { $0 < 0 } : op == "<=" ? { $0 <= 0 } : op == ">" ? { $0 > 0 } : { $0 >= 0 }
                return Compiled(type: .bool, eval: { i in
                    let x = fa(i), y = fb(i)
                    if x.isNull || y.isNull { return .bool(false) }
                    return .bool(test(cmp(x, y)))
                })
            }
        default:
            let a = try compile(l), b = try compile(r)
            let t: ValueType
            switch Arithmetic.type(op, a.type, b.type) {
            case .success(let x): t = x
            case .failure(let d): throw diag(d.message, span)
            }
            let fa = a.eval, fb = b.eval
            if let x = a.constant, let y = b.constant { return .constant(Arithmetic.apply(op, x, y), t) }
            var c = Compiled(type: t, eval: { i in Arithmetic.apply(op, fa(i), fb(i)) })
            // Money × percentage (amount * probability), rounded to the fen as `Arithmetic` rounds it.
            if op == "*", (a.type, b.type) == (.money, .percent) || (a.type, b.type) == (.percent, .money), let na = a.number, let nb = b.number {
                c.number = { i in Self.moneyTimesPercent(na(i), nb(i)) }
                if let xs = a.numbers, let ys = b.numbers { c.numbers = { slots in Self.pairwise(xs(slots), ys(slots), Self.moneyTimesPercent) } }
            }
            // Days between two days (closed - created): a span of whole days, kept as its number.
            if op == "-", a.type == .date, b.type == .date, let na = a.number, let nb = b.number {
                c.number = { i in Self.daysBetween(na(i), nb(i)) }
                if let xs = a.numbers, let ys = b.numbers { c.numbers = { slots in Self.pairwise(xs(slots), ys(slots), Self.daysBetween) } }
            }
            return c
        }
    }

    /// Money × percentage in their number forms, rounded to the fen as `Arithmetic` rounds it; null with either.
    @inline(__always)
    static func moneyTimesPercent(_ x: Int64, _ y: Int64) -> Int64 {
        x == FieldColumn.nullNumber || y == FieldColumn.nullNumber ? FieldColumn.nullNumber : Arithmetic.roundDiv(x &* y, 10000)
    }

    /// The days from `y` to `x`, two days in their number forms; null with either.
    @inline(__always)
    static func daysBetween(_ x: Int64, _ y: Int64) -> Int64 {
        x == FieldColumn.nullNumber || y == FieldColumn.nullNumber ? FieldColumn.nullNumber : x - y
    }

    /// Two blocks of numbers joined element by element in one loop, `f` written into it.
    @inline(__always)
    static func pairwise(_ xs: [Int64], _ ys: [Int64], _ f: (Int64, Int64) -> Int64) -> [Int64] {
        if xs.isEmpty || ys.isEmpty { return [] }   // not the shared empty array's count written from a part's thread
        return [Int64](unsafeUninitializedCapacity: xs.count) { out, n in
            xs.withUnsafeBufferPointer { x in
                ys.withUnsafeBufferPointer { y in
                    for i in 0 ..< min(x.count, y.count) { out[i] = f(x[i], y[i]) }
                }
            }
            n = min(xs.count, ys.count)
        }
    }

    /// A condition on a coded field answered by code (`mask`, the answer for each), `otherwise` by the
    /// value for a code past it: a test per slot, and a block at a time over the field's codes.
    func codedTest(_ ref: FieldRef, _ mask: [Bool], otherwise: @escaping (Int) -> Bool) -> Compiled {
        let t = ref.table, f = ref.index
        let test: (Int) -> Bool = { i in
            let code = Int(t.code(i, f))
            return code < mask.count ? mask[code] : otherwise(i)
        }
        return Compiled(type: .bool, eval: { i in .bool(test(i)) }, test: test,
                        select: ctx.parallel.select { t.keep($0, field: f, codes: mask, otherwise: otherwise) })
    }

    /// A condition on `c`'s number: a test per slot, and a block at a time over a field's own array.
    func numberTest(_ c: Compiled, _ condition: NumberCondition) -> Compiled {
        let n = c.number!
        let test: (Int) -> Bool = { i in condition.passes(n(i)) }
        var out = Compiled(type: .bool, eval: { i in .bool(test(i)) }, test: test)
        if let ref = c.field {
            let t = ref.table, f = ref.index
            out.select = ctx.parallel.select { t.keep($0, field: f, numbers: condition) }
        }
        return out
    }

    /// A constant as `Compiled.number` holds it; nil for a value that has no number form.
    static func number(of v: Value) -> Int64? {
        switch v {
        case .int(let i): i
        case .money(let m): m.minor
        case .percent(let p): p.basisPoints
        case .timestamp(let t): t.millis
        case .date(let d): Int64(d.raw)
        default: nil
        }
    }

    func checkComparable(_ a: ValueType, _ b: ValueType, _ span: Span) throws {
        if a == .any || b == .any || a == b { return }
        if a.isNumeric && b.isNumeric { return }
        switch (a, b) {
        case (.reference, .text), (.text, .reference), (.enumeration, .text), (.text, .enumeration),
             (.date, .timestamp), (.timestamp, .date): return
        default: throw diag("cannot compare \(a) with \(b)", span)
        }
    }

    func inList(_ x: Expr, _ items: [Expr], negated: Bool) throws -> Compiled {
        let c = try compile(x)
        var values = Set<Value>()
        var periods: [Period] = []
        var dynamic: [(Int) -> Value] = []
        for item in items {
            if case .subquery(let q, _) = item {
                let rel = try QueryRunner(source: source, ctx: ctx).run(q)
                switch rel {
                case .entity(let t, let slots): for s in slots { values.insert(.text(t.id(at: s))) }
                case .rows(_, let box): for r in box.rows { values.insert(r[0]) }
                case .scalar(let v, _): values.insert(v)
                }
                continue
            }
            let ic = try normalize(try compile(item, expected: c.type), to: c.type, item.span)
            if let k = ic.constant {
                if case .period(let p) = k, c.type == .date || c.type == .timestamp { periods.append(p) } else { values.insert(k) }
            } else { dynamic.append(ic.eval) }
        }
        let f = c.eval
        // A coded field: each code's answer is worked out once.
        if periods.isEmpty, dynamic.isEmpty, let ref = c.field, let mask = ref.codeMask({ values.contains($0) != negated }) {
            return codedTest(ref, mask) { i in values.contains(f(i)) != negated }
        }
        // A short list of constants (stage in (proposal, negotiation)): comparing a few small values
        // beats hashing each row's.
        if periods.isEmpty, dynamic.isEmpty, values.count <= 8 {
            let list = Array(values)
            return Compiled(type: .bool, eval: { i in
                let v = f(i)
                return .bool(list.contains(v) != negated)
            })
        }
        return Compiled(type: .bool, eval: { i in
            let v = f(i)
            var hit = values.contains(v)
            if !hit, !periods.isEmpty, let d = v.day { hit = periods.contains { $0.contains(d) } }
            if !hit { hit = dynamic.contains { Value.compare($0(i), v) == 0 } }
            return .bool(hit != negated)
        })
    }

    func inPeriod(_ x: Expr, _ p: Expr, negated: Bool, _ span: Span) throws -> Compiled {
        let c = try compile(x)
        let pc = try compile(p, expected: .period)
        guard c.type == .date || c.type == .timestamp || c.type == .any else {
            throw diag("'in' a period needs a date, found \(c.type)", x.span, hint: "for a list of values use in (a, b, c)")
        }
        let f = c.eval, fp = pc.eval
        if let k = pc.constant {
            guard let period = k.asPeriod else { throw diag("expected a period after 'in', found \(pc.type)", p.span, hint: example(for: .period)) }
            let lo = period.start, hi = period.end
            if c.type == .date, c.number != nil {
                return numberTest(c, NumberCondition(lo: Int64(lo.raw), hi: Int64(hi.raw) - 1, negated: negated))
            }
            return Compiled(type: .bool, eval: { i in
                guard let d = f(i).day else { return .bool(false) }
                return .bool((d >= lo && d < hi) != negated)
            })
        }
        return Compiled(type: .bool, eval: { i in
            guard let d = f(i).day, let per = fp(i).asPeriod else { return .bool(false) }
            return .bool(per.contains(d) != negated)
        })
    }

    // MARK: functions

    static let aggregates: Set<String> = ["count", "sum", "avg", "min", "max"]
    static let functions = ["count", "sum", "avg", "min", "max", "month", "quarter", "year", "week", "start", "end", "age", "days",
                            "lower", "upper", "contains", "length", "coalesce", "round"] + KPI.names.map { "kpi_" + $0 }

    func call(_ f: String, _ args: [Expr], _ span: Span) throws -> Compiled {
        if ExprCompiler.aggregates.contains(f) {
            throw diag("\(f)() adds up many rows: use it in agg", span, hint: "… | group owner | agg \(f)(\(f == "count" ? "" : "amount"))")
        }
        if f.hasPrefix("kpi_") { return try kpiCall(f, args, span) }
        func arity(_ n: Int) throws {
            guard args.count == n else { throw diag("\(f)() takes \(n) argument\(n == 1 ? "" : "s"), not \(args.count)", span) }
        }
        switch f {
        case "start", "end":
            try arity(1)
            let c = try compile(args[0])
            guard c.type == .period || c.type == .any else { throw diag("\(f)() needs a period such as 2026Q3, found \(c.type)", args[0].span) }
            let g = c.eval, first = f == "start"
            return Compiled(type: .date, eval: { i in if case .period(let p) = g(i) { return .date(first ? p.start : p.end) }; return .null })
        case "month", "quarter", "year", "week":
            try arity(1)
            var c = try compile(args[0])
            if c.type == .period {
                // year(2026Q3) is 2026: a period counts as its first day.
                let p = c.eval
                c = Compiled(type: .date, eval: { i in if case .period(let x) = p(i) { return .date(x.start) }; return .null }, constant: nil)
            }
            guard c.type == .date || c.type == .timestamp || c.type == .any else { throw diag("\(f)() needs a date, found \(c.type)", args[0].span) }
            let g = c.eval
            // Of a day field, the year or the month as a number too: what a group finds its group by.
            let day: ((Int) -> Int64)? = c.type == .date ? c.number : nil, null = FieldColumn.nullNumber
            if f == "year" {
                let year: (Int64) -> Int64 = { d in d == null ? null : Int64(Day(raw: Int32(d)).year) }
                var yearly = Compiled(type: .int, eval: { i in g(i).day.map { .int(Int64($0.year)) } ?? .null },
                                      number: day.map { n in { i in year(n(i)) } })
                if day != nil, let ds = c.numbers { yearly.numbers = { ds($0).map(year) } }
                return yearly
            }
            let make: (Day) -> Period = f == "month" ? { .month($0.year, $0.month) } : f == "quarter" ? { .quarter($0.year, ($0.month - 1) / 3 + 1) } : { .week(containing: $0) }
            var monthly = Compiled(type: .period, eval: { i in g(i).day.map { .period(make($0)) } ?? .null })
            if f == "month", let n = day {
                let month: (Int64) -> Int64 = { d in
                    d == null ? null : Int64(Day(raw: Int32(d)).monthNumber)
                }
                monthly.number = { i in month(n(i)) }
                if let ds = c.numbers { monthly.numbers = { ds($0).map(month) } }
            }
            return monthly
        case "age":
            try arity(1)
            let c = try compile(args[0])
            guard c.type == .date || c.type == .timestamp || c.type == .any else { throw diag("age() needs a date, found \(c.type)", args[0].span) }
            let g = c.eval, today = ctx.today
            return Compiled(type: .duration, eval: { i in g(i).day.map { .duration(Duration(days: today.raw - $0.raw)) } ?? .null })
        case "days":
            try arity(1)
            let c = try compile(args[0])
            guard c.type == .duration || c.type == .any else { throw diag("days() needs a duration such as closed - created, found \(c.type)", args[0].span) }
            let g = c.eval
            return Compiled(type: .int, eval: { i in if case .duration(let d) = g(i) { return .int(Int64(d.approximateDays)) }; return .null },
                            number: c.number, numbers: c.numbers)
        case "lower", "upper", "length":
            try arity(1)
            let g = try compile(args[0]).eval
            if f == "length" { return Compiled(type: .int, eval: { i in g(i).isNull ? .null : .int(Int64(g(i).display.count)) }) }
            let up = f == "upper"
            return Compiled(type: .text, eval: { i in let v = g(i); return v.isNull ? .null : .text(up ? v.display.uppercased() : v.display.lowercased()) })
        case "contains":
            try arity(2)
            let a = try compile(args[0]).eval, b = try compile(args[1], expected: .text)
            if let k = b.constant {
                let needle = k.display.lowercased()
                if let search = ByteSearch(needle) {
                    return Compiled(type: .bool, eval: { i in
                        let text = a(i).display
                        return .bool(search.found(in: text) ?? text.lowercased().contains(needle))
                    })
                }
                return Compiled(type: .bool, eval: { i in .bool(a(i).display.lowercased().contains(needle)) })
            }
            let bf = b.eval
            return Compiled(type: .bool, eval: { i in .bool(a(i).display.lowercased().contains(bf(i).display.lowercased())) })
        case "coalesce":
            guard !args.isEmpty else { throw diag("coalesce() needs arguments", span) }
            let first = try compile(args[0])
            let rest = try args.dropFirst().map { try compile($0, expected: first.type).eval }
            let g = first.eval
            return Compiled(type: first.type, eval: { i in
                let v = g(i)
                if !v.isNull { return v }
                for h in rest { let w = h(i); if !w.isNull { return w } }
                return .null
            })
        case "round":
            try arity(1)
            let c = try compile(args[0])
            let g = c.eval
            return Compiled(type: c.type == .real ? .int : c.type, eval: { i in
                switch g(i) {
                case .real(let d): return d.isFinite && abs(d) < 9e18 ? .int(Int64(d.rounded())) : .null
                case .money(let m): return .money(Money(minor: Arithmetic.roundDiv(m.minor, 100) * 100))
                case let v: return v
                }
            })
        default:
            throw diag("unknown function \(f)()", span,
                       hint: Suggest.nearest(f, in: ExprCompiler.functions).map { "did you mean \($0)()?" } ?? "functions: \(ExprCompiler.functions.joined(separator: ", "))")
        }
    }

    /// `kpi_revenue(2026-10)` on staff or team rows.
    func kpiCall(_ f: String, _ args: [Expr], _ span: Span) throws -> Compiled {
        let name = String(f.dropFirst(4))
        guard KPI.names.contains(name) else {
            throw diag("unknown KPI \(name)", span, hint: Suggest.nearest(name, in: KPI.names).map { "did you mean kpi_\($0)?" } ?? "KPIs: \(KPI.names.map { "kpi_" + $0 }.joined(separator: ", "))")
        }
        guard args.count == 1 else { throw diag("\(f)() takes a period, e.g. \(f)(2026-10)", span) }
        let pc = try compile(args[0], expected: .period)
        guard let period = (pc.constant ?? pc.eval(0)).asPeriod else { throw diag("\(f)() needs a period such as 2026Q3", args[0].span) }
        guard case .entity(let t) = scope, ["staff", "team"].contains(t.schema.name) else {
            throw diag("\(f)() is computed for staff or teams: staff | select name, \(f)(…)", span)
        }
        let model = self.model
        if t.schema.name == "team" {
            return Compiled(type: KPI.type(of: name), eval: { s in model.teamKPI(t.id(at: s), period).value(name) })
        }
        return Compiled(type: KPI.type(of: name), eval: { s in (model.kpis(period)[t.id(at: s)] ?? KPI()).value(name) })
    }

    // MARK: constants

    /// Turns a constant into a field's type: `1.2m` into money, `rep` into the role, `"2026-10-01"` into a date.
    func coerceConstant(_ v: Value, to t: ValueType, _ span: Span) throws -> Value {
        if let c = ExprCompiler.converted(v, to: t, today: ctx.today) { return c }
        if case .enumeration(let e) = t, case .text(let s) = v {
            throw diag("unknown \(e.name) '\(s)'", span,
                       hint: Suggest.nearest(s, in: e.spellings).map { "did you mean '\($0)'?" } ?? "values: \(e.names.joined(separator: ", "))")
        }
        throw diag("expected \(t), found \(v.kindName) '\(v.display)'", span, hint: example(for: t))
    }

    /// A constant as type `t` (`"1.2m"` as money, `"展会"` as an enumeration's canonical name), or nil
    /// when it does not read as one. Statements and imports read values through this one place.
    static func converted(_ v: Value, to t: ValueType, today: Day) -> Value? {
        if v.isNull { return .null }
        switch (t, v) {
        case (.any, _): return v
        case (.money, .money), (.int, .int), (.percent, .percent), (.date, .date), (.text, .text), (.bool, .bool),
             (.period, .period), (.duration, .duration), (.timestamp, .timestamp), (.real, .real):
            return v
        case (.money, .int(let i)): return .money(Money(yuan: i))
        case (.money, .real(let d)): return Money.rounding(d * 100).map { .money($0) }
        case (.money, .text(let s)): return Money.parse(s).map { .money($0) }
        case (.percent, .int(let i)): return .percent(Percent(whole: i))
        case (.percent, .real(let d)):
            guard (d * 100).isFinite, abs(d) < 1e12 else { return nil }
            return .percent(Percent(basisPoints: Int64((d * 100).rounded())))
        case (.percent, .text(let s)): return Percent.parse(s).map { .percent($0) }
        case (.int, .real(let d)) where d == d.rounded() && abs(d) < 9e18: return .int(Int64(d))
        case (.int, .text(let s)): return Int64(s.trimmingCharacters()).map { .int($0) }
        case (.real, .int(let i)): return .real(Double(i))
        case (.date, .text(let s)): return Day.parse(s.trimmingCharacters()).map { .date($0) }
        case (.date, .timestamp(let ts)): return .date(ts.day)
        case (.period, .text(let s)): return (Period.parse(s) ?? Period.named(s, today: today)).map { .period($0) }
        case (.period, .date(let d)): return .period(.day(d))
        case (.period, .int(let y)) where (1...9999).contains(y): return .period(.year(Int(y)))
        case (.bool, .text(let s)):
            switch s.lowercased() {
            case "yes", "true", "y", "1", "是", "真": return .bool(true)
            case "no", "false", "n", "0", "否", "假": return .bool(false)
            default: return nil
            }
        case (.enumeration(let e), .text(let s)): return e.index(of: s.trimmingCharacters()).map { .text(e.cases[$0].name) }
        case (.reference, .text(let s)): return .text(s.trimmingCharacters())
        case (.text, _): return .text(v.display)
        default: return nil
        }
    }
}

extension Value {
    /// True/false of a condition; nil for null.
    var truth: Bool? { if case .bool(let b) = self { return b }; return nil }


    var asPeriod: Period? {
        switch self {
        case .period(let p): p
        case .date(let d): .day(d)
        case .int(let y) where (1...9999).contains(y): .year(Int(y))
        default: nil
        }
    }

    enum KindTag { case number, other }
    var kindTag: KindTag {
        switch self { case .int, .real: .number; default: .other }
    }

    var kindName: String { isNull ? "nothing" : ValueType.of(self).description }
}

extension String {
    /// The text without blanks (spaces, tabs, ideographic spaces …) around it; itself when it has none.
    public func trimmingCharacters() -> String {
        guard hasOuterBlank else { return self }
        var s = Substring(self)
        while let f = s.first, f.isBlank { s = s.dropFirst() }
        while let l = s.last, l.isBlank { s = s.dropLast() }
        return String(s)
    }
}

/// `text.lowercased().contains(needle)` for a needle of ASCII and Chinese characters, without lowering
/// the text: ASCII letters compared either case on the text's bytes, other bytes as they are, a match
/// kept only where it starts and ends on whole characters (so `e` is not found in a decomposed `é`, as
/// `contains` compares characters). Texts holding a character that lowers into ASCII (the Kelvin sign)
/// or that is canonically the same as a Chinese one written otherwise (a compatibility ideograph) are
/// left to the full search.
struct ByteSearch {
    let needle: [UInt8]

    init?(_ lowered: String) {
        // ASCII but line breaks (a CR LF is one character), and the unified ideographs, which no other
        // character lowers into or decomposes to but the compatibility ones.
        func plain(_ s: Unicode.Scalar) -> Bool {
            (s.isASCII && s != "\n" && s != "\r") || (0x4E00...0x9FFF).contains(s.value) || (0x3400...0x4DBF).contains(s.value)
        }
        guard !lowered.isEmpty, lowered.unicodeScalars.allSatisfy(plain) else { return nil }
        needle = Array(lowered.utf8)
    }

    /// Whether the lowered text holds the needle; nil when only the full search can tell.
    func found(in text: String) -> Bool? {
        var text = text
        var starts: [Int] = [], unsure = false
        text.withUTF8 { b in
            let n = needle.count
            var i = 0
            while i < b.count {
                let c = b[i]
                // The Kelvin sign (E2 84 AA); compatibility ideographs U+F900–FAFF (EF A4–AB) and U+2F800–2FA1F (F0 AF A0–A8).
                if c == 0xE2, i + 2 < b.count, b[i + 1] == 0x84, b[i + 2] == 0xAA { unsure = true; return }
                if c == 0xEF, i + 1 < b.count, (0xA4...0xAB).contains(b[i + 1]) { unsure = true; return }
                if c == 0xF0, i + 2 < b.count, b[i + 1] == 0xAF, (0xA0...0xA8).contains(b[i + 2]) { unsure = true; return }
                if i + n <= b.count {
                    var k = 0
                    while k < n, b[i + k] | (b[i + k] &- 0x41 < 26 ? 0x20 : 0) == needle[k] { k += 1 }
                    if k == n { starts.append(i) }
                }
                i += 1
            }
        }
        if unsure { return nil }
        let utf8 = text.utf8
        return starts.contains { at in
            let lo = utf8.index(utf8.startIndex, offsetBy: at), hi = utf8.index(lo, offsetBy: needle.count)
            return lo.samePosition(in: text) != nil && hi.samePosition(in: text) != nil
        }
    }
}
