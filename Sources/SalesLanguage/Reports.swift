import SalesCore

/// The analysts' reports. Each gives ordinary rows, so `report pipeline | where …`, `sort`, `chart`
/// and `--format csv` work on them as on any query.
struct Reports {
    let source: Source
    let ctx: EvalContext

    static let names = ["pipeline", "funnel", "forecast", "winrate", "leads", "followups", "kpi", "budget", "spend", "risks", "risk_list", "training", "training_plans"]
    /// The `key=value` options each report takes.
    static let options: [String: [String]] = ["winrate": ["by"], "kpi": ["team", "staff"], "budget": ["team"], "spend": ["team"], "training": ["team"]]
    static let openStages = ["qualified", "needs", "proposal", "negotiation"]
    static let funnelStages = ["qualified", "needs", "proposal", "negotiation", "won"]

    var model: Model { ctx.model }

    func run(_ call: ReportCall) throws -> Relation {
        let period = try periodArgument(call)
        var by = "owner"
        var opts: [String: String] = [:]
        for o in call.options {
            let allowed = Reports.options[call.name.lowercased()] ?? []
            guard allowed.contains(o.field) else {
                throw Diagnostic("report \(call.name) takes no option '\(o.field)'", at: source.location(of: o.fieldSpan),
                                 hint: allowed.isEmpty ? nil : "options: \(allowed.map { $0 + "=…" }.joined(separator: ", "))")
            }
            let v: String
            switch o.value {
            case .name(let n, _): v = n
            case .literal(.text(let t), _): v = t
            default: throw Diagnostic("\(o.field)= takes a name", at: source.location(of: o.value.span))
            }
            if o.field == "by" {
                guard ["owner", "team", "source"].contains(v) else {
                    throw Diagnostic("by= takes owner, team or source", at: source.location(of: o.value.span))
                }
                by = v
            } else {
                let entity = o.field == "team" ? "team" : "staff"
                guard model.table(entity).contains(v) else {
                    throw Diagnostic("there is no \(entity) '\(v)'", at: source.location(of: o.value.span),
                                     hint: Suggest.nearest(v, in: model.table(entity).ids).map { "did you mean '\($0)'?" })
                }
                opts[o.field] = v
            }
        }
        switch call.name.lowercased() {
        case "pipeline": return pipeline(period)
        case "funnel": return funnel(period)
        case "forecast": return forecast(period)
        case "winrate", "win_rate": return winRate(period, by: by)
        case "leads": return leads(period)
        case "followups", "follow_ups": return followUps()
        case "kpi", "kpis": return try kpi(period ?? requirePeriod(call), opts)
        case "budget", "budgets": return try budget(year(period ?? requirePeriod(call), call), team: opts["team"])
        case "spend": return try spend(year(period ?? requirePeriod(call), call), team: opts["team"])
        case "risks": return riskMatrix()
        case "risk_list", "risklist": return riskList()
        case "training": return training(try period ?? requirePeriod(call), team: opts["team"])
        case "training_plans": return trainingPlans(period)
        default:
            throw Diagnostic("unknown report '\(call.name)'", at: source.location(of: call.nameSpan),
                             hint: Suggest.nearest(call.name, in: Reports.names).map { "did you mean '\($0)'?" } ?? "reports: \(Reports.names.joined(separator: ", "))")
        }
    }

    func periodArgument(_ call: ReportCall) throws -> Period? {
        guard let first = call.arguments.first else { return nil }
        if call.arguments.count > 1 {
            throw Diagnostic("report \(call.name) takes one period", at: source.location(of: call.arguments[1].span))
        }
        let c = try ExprCompiler(source: source, ctx: ctx, scope: .none).compile(first, expected: .period)
        guard let p = (c.constant ?? c.eval(0)).asPeriod else {
            throw Diagnostic("expected a period such as 2026Q3, 2026-10, 2026 or this_year", at: source.location(of: first.span))
        }
        return p
    }

    func requirePeriod(_ call: ReportCall) throws -> Period {
        throw Diagnostic("report \(call.name) needs a period", at: source.location(of: call.nameSpan),
                         hint: call.name == "kpi" ? "report kpi 2026-10 team=north" : "report \(call.name) 2026")
    }

    func year(_ p: Period, _ call: ReportCall) throws -> Int {
        guard p.kind == .year else {
            throw Diagnostic("report \(call.name) is for a year, not \(p)", at: source.location(of: call.arguments.first?.span ?? call.nameSpan))
        }
        return p.start.year
    }

    // MARK: chapters 4–6

    static let kpiColumns = ["revenue", "profit", "growth", "new_customers", "visits", "satisfaction", "teamwork",
                             "win_rate", "avg_cycle", "pipeline", "target", "attainment"]

    /// Each sales person's KPIs for the period (a team's members, one person, or everyone), and a total row.
    func kpi(_ period: Period, _ opts: [String: String]) throws -> Relation {
        let staff = model.table("staff"), ss = staff.schema
        let (ti, ri) = (ss.fieldIndex("team")!, ss.fieldIndex("role")!)
        let all = model.kpis(period)
        var rows: [[Value]] = []
        var total = KPI()
        for case let s? in staff.records {
            if let who = opts["staff"], s.id != who { continue }
            if let team = opts["team"], s.values[ti] != .text(team) { continue }
            if opts["staff"] == nil, !["manager", "rep", "presales"].contains(s.values[ri].textValue ?? "") { continue }
            let k = all[s.id] ?? KPI()
            total = total + k
            rows.append([.text(s.id), s.values[ss.titleIndex]] + Reports.kpiColumns.map { k.value($0) })
        }
        if opts["staff"] == nil {
            var k = total
            if let team = opts["team"] { k = model.teamKPI(team, period) }
            rows.append([.null, .text(opts["team"].map { "\($0) (team)" } ?? "all")] + Reports.kpiColumns.map { k.value($0) })
        }
        return .rows([Column("staff", .reference("staff")), Column("name", .text)] + Reports.kpiColumns.map { Column($0, KPI.type(of: $0)) }, RowBox(rows))
    }

    /// Budgets against claims for a year: spent, pending, remaining, % used, and a straight-line projection to year end.
    func budget(_ year: Int, team: String?) throws -> Relation {
        let b = model.table("budget"), bs = b.schema
        let spending = Management.spending(model)
        let yearPeriod = Period.year(year)
        let elapsed = max(0, min(Int(yearPeriod.end.raw - yearPeriod.start.raw), Int(ctx.today.raw - yearPeriod.start.raw) + 1))
        let length = Int(yearPeriod.end.raw - yearPeriod.start.raw)
        var rows: [[Value]] = []
        for case let r? in b.records where r.values[0] == .int(Int64(year)) {
            if let team, r.values[1] != .text(team) { continue }
            guard case .money(let amount) = r.values[3] else { continue }
            let s = spending[Management.key(r)] ?? Management.Spending()
            let projected = elapsed == 0 ? Money(minor: 0) : Money(minor: s.spent.minor * Int64(length) / Int64(elapsed))
            rows.append([r.values[1], r.values[2], .money(amount), .money(s.spent), .money(s.pending), .money(amount - s.spent),
                         amount.minor == 0 ? .null : .percent(Percent(basisPoints: s.spent.minor * 10000 / amount.minor)), .money(projected)])
        }
        let cat = bs.field("category")!.type
        let cmp = comparator(for: cat)
        rows.sort { a, b in a[0].display != b[0].display ? a[0].display < b[0].display : cmp(a[1], b[1]) < 0 }
        return .rows([Column("team", .reference("team")), Column("category", cat), Column("budget", .money), Column("spent", .money),
                      Column("pending", .money), Column("remaining", .money), Column("used", .percent), Column("projected", .money)], RowBox(rows))
    }

    /// Approved spending by month for a year (`report spend 2026 | chart bar`).
    func spend(_ year: Int, team: String?) throws -> Relation {
        let staff = model.table("staff"), ti = staff.schema.fieldIndex("team")!
        var months = [Money](repeating: Money(minor: 0), count: 12)
        for case let e? in model.table("expense").records where ["approved", "reimbursed"].contains(e.values[5].textValue ?? "") {
            guard let d = e.values[3].day, d.year == year, case .money(let m) = e.values[2] else { continue }
            if let team, staff.record(e.values[0].textValue ?? "")?.values[ti] != .text(team) { continue }
            months[d.month - 1] = months[d.month - 1] + m
        }
        let rows = months.enumerated().map { [Value.period(.month(year, $0.offset + 1)), .money($0.element)] }
        return .rows([Column("month", .period), Column("spent", .money)], RowBox(rows))
    }

    /// Open risks as a 5 × 5 matrix: likelihood down, impact across.
    func riskMatrix() -> Relation {
        var counts = [[Int]](repeating: [Int](repeating: 0, count: 5), count: 5)
        for case let r? in model.table("risk").records where r.values[13] != .text("closed") {
            guard case .int(let i) = r.values[6], case .int(let l) = r.values[7], (1...5).contains(i), (1...5).contains(l) else { continue }
            counts[Int(l) - 1][Int(i) - 1] += 1
        }
        let rows = (1...5).reversed().map { l in [Value.int(Int64(l))] + (1...5).map { Value.int(Int64(counts[l - 1][$0 - 1])) } }
        return .rows([Column("likelihood", .int)] + (1...5).map { Column("impact_\($0)", .int) }, RowBox(rows))
    }

    /// Open risks from the most to the least severe.
    func riskList() -> Relation {
        let t = model.table("risk"), s = t.schema
        let cols = ["id", "level", "score", "kind", "description", "owner", "review", "status"]
        let fi = cols.dropFirst().map { s.fieldIndex($0)! }
        var rows: [[Value]] = []
        for case let r? in t.records where r.values[s.stateIndex!] != .text("closed") {
            rows.append([.text(r.id)] + fi.map { model.value(r, $0, of: s, today: ctx.today) })
        }
        rows.sort { Value.compare($0[2], $1[2]) > 0 || (Value.compare($0[2], $1[2]) == 0 && naturalCompare($0[0].display, $1[0].display) < 0) }
        return .rows([Column("id", .reference("risk"))] + fi.map { Column(s.fields[$0].name, s.fields[$0].type) }, RowBox(rows))
    }

    // MARK: chapter 7

    /// Hours and courses by staff member and course kind, training needs open and met, and whether
    /// they are on course for the yearly minimum (setting training_min_hours, default 40).
    func training(_ period: Period, team: String?) -> Relation {
        let staff = model.table("staff"), ss = staff.schema
        let courses = model.table("course"), cs = courses.schema
        let kinds = Enums.courseKind.names
        var hours: [String: [String: Double]] = [:], count: [String: Int] = [:], yearHours: [String: Double] = [:]
        let year = Period.year(period.start.year)
        for case let t? in model.table("training").records {
            guard case .text(let who) = t.values[0], let d = t.values[2].day, let c = courses.record(t.values[1].textValue ?? "") else { continue }
            let h: Double = t.values[3].numeric ?? c.value("hours", in: cs).numeric ?? 0
            if year.contains(d) { yearHours[who, default: 0] += h }
            guard period.contains(d), let kind = c.value("kind", in: cs).textValue else { continue }
            hours[who, default: [:]][kind, default: 0] += h
            count[who, default: 0] += 1
        }
        var open: [String: Int] = [:], met: [String: Int] = [:]
        for case let n? in model.table("training_need").records {
            guard case .text(let who) = n.values[0] else { continue }
            if n.values[5] == .text("met") { met[who, default: 0] += 1 } else { open[who, default: 0] += 1 }
        }
        let minimum = model.setting("training_min_hours").flatMap { Double($0) } ?? 40
        var rows: [[Value]] = []
        for case let s? in staff.records where s.value("active", in: ss) != .bool(false) {
            if let team, s.value("team", in: ss) != .text(team) { continue }
            guard ["manager", "rep", "presales"].contains(s.value("role", in: ss).textValue ?? "") else { continue }
            let h = hours[s.id] ?? [:]
            let total = h.values.reduce(0, +)
            rows.append([.text(s.id), s.values[ss.titleIndex], .real(total), .int(Int64(count[s.id] ?? 0))]
                        + kinds.map { Value.real(h[$0] ?? 0) }
                        + [.int(Int64(open[s.id] ?? 0)), .int(Int64(met[s.id] ?? 0)), .real(yearHours[s.id] ?? 0),
                           .bool((yearHours[s.id] ?? 0) < minimum)])
        }
        return .rows([Column("staff", .reference("staff")), Column("name", .text), Column("hours", .real), Column("courses", .int)]
                     + kinds.map { Column($0, .real) }
                     + [Column("needs_open", .int), Column("needs_met", .int), Column("year_hours", .real), Column("below_minimum", .bool)], RowBox(rows))
    }

    /// Training plans and how full they are.
    func trainingPlans(_ period: Period?) -> Relation {
        let t = model.table("training_plan"), s = t.schema
        let enrolled = model.trainingEnrolment()
        var rows: [[Value]] = []
        for case let p? in t.records {
            if let period, case .period(let pp) = p.values[0], !(pp.start < period.end && period.start < pp.end) { continue }
            let cap = p.values[5]
            let n = enrolled[p.id] ?? 0
            var fill = Value.null
            if case .int(let c) = cap, c > 0 { fill = .percent(Percent(basisPoints: Int64(n) * 10000 / c)) }
            rows.append([.text(p.id), p.values[0], p.values[1], p.values[2], p.values[3], p.values[4], cap, .int(Int64(n)), fill])
        }
        return .rows([Column("plan", .reference("training_plan")), Column("period", .period), Column("course", .reference("course")),
                      Column("team", .reference("team")), Column("role", s.fields[3].type), Column("date", .date),
                      Column("capacity", .int), Column("enrolled", .int), Column("fill", .percent)], RowBox(rows))
    }

    // MARK: opportunity access

    struct Opp {
        var id: String, stage: String, amount: Money, probability: Percent, owner: String, source: String?
        var created: Day?, closed: Day?, expectedClose: Day?
    }

    /// The opportunities, or those in one of `stages`: the stage is read from its column first, so a
    /// report on closed deals does not gather the open ones.
    func opportunities(in stages: [String]? = nil, closedIn period: Period? = nil) -> [Opp] {
        let t = model.table("opportunity"), s = t.schema
        let f = { (n: String) in s.fieldIndex(n)! }
        let (st, am, pr, ow, so, cr, cl, ex) = (f("stage"), f("amount"), f("probability"), f("owner"), f("source"), f("created"), f("closed"), f("expected_close"))
        return opportunitySlots(in: stages, closedIn: period).map { s in
            Opp(id: t.id(at: s), stage: t.value(s, st).textValue ?? "", amount: Reports.money(t.value(s, am)), probability: Reports.pct(t.value(s, pr)),
                owner: t.value(s, ow).textValue ?? "", source: t.value(s, so).textValue,
                created: t.value(s, cr).day, closed: t.value(s, cl).day, expectedClose: t.value(s, ex).day)
        }
    }

    static func money(_ v: Value) -> Money { if case .money(let m) = v { return m }; return Money(minor: 0) }
    static func pct(_ v: Value) -> Percent { if case .percent(let p) = v { return p }; return Percent(basisPoints: 0) }

    /// The slots of the opportunities in one of `stages` (all if nil) closed in `period` (if given).
    func opportunitySlots(in stages: [String]? = nil, closedIn period: Period? = nil) -> [Int] {
        let t = model.table("opportunity")
        let st = t.schema.stateIndex!, cl = t.schema.fieldIndex("closed")!
        var slots = t.liveSlots
        if let stages {
            let inStages: (Int) -> Bool = { s in t.value(s, st).textValue.map(stages.contains) ?? false }
            if let mask = FieldRef(table: t, index: st).codeMask({ $0.textValue.map(stages.contains) ?? false }) {
                slots = ctx.parallel.select { t.keep($0, field: st, codes: mask, otherwise: inStages) }(slots)
            } else {
                slots = slots.filter(inStages)
            }
        }
        if let period {
            let within = NumberCondition(lo: Int64(period.start.raw), hi: Int64(period.end.raw) - 1)
            slots = ctx.parallel.select { t.keep($0, field: cl, numbers: within) }(slots)
        }
        return slots
    }

    static func weighted(_ o: Opp) -> Money { Money(minor: Arithmetic.roundDiv(o.amount.minor &* o.probability.basisPoints, 10000)) }

    static func percent(_ part: Int, of whole: Int) -> Value {
        whole == 0 ? .null : .percent(Percent(basisPoints: Arithmetic.roundDiv(Int64(part) * 10000, Int64(whole))))
    }

    var stageType: ValueType { model.table("opportunity").schema.field("stage")!.type }

    // MARK: reports

    /// Open opportunities by stage: count, amount, weighted amount (amount × probability).
    /// With a period, only those expected to close in it.
    func pipeline(_ period: Period?) -> Relation {
        var count: [String: Int] = [:], amount: [String: Money] = [:], weighted: [String: Money] = [:]
        for o in opportunities(in: Reports.openStages) {
            if let p = period, !(o.expectedClose.map(p.contains) ?? false) { continue }
            count[o.stage, default: 0] += 1
            amount[o.stage, default: Money(minor: 0)] = amount[o.stage, default: Money(minor: 0)] + o.amount
            weighted[o.stage, default: Money(minor: 0)] = weighted[o.stage, default: Money(minor: 0)] + Reports.weighted(o)
        }
        let rows = Reports.openStages.map { s -> [Value] in
            [.text(s), .int(Int64(count[s] ?? 0)), .money(amount[s] ?? Money(minor: 0)), .money(weighted[s] ?? Money(minor: 0))]
        }
        return .rows([Column("stage", stageType), Column("count", .int), Column("amount", .money), Column("weighted", .money)], RowBox(rows))
    }

    /// For opportunities created in the period: how many reached each stage (from the stage history),
    /// the share of all created, and the conversion from the stage before.
    func funnel(_ period: Period?) -> Relation {
        let reached = reachedStages()
        var counts = [Int](repeating: 0, count: Reports.funnelStages.count)
        var total = 0
        for o in opportunities() {
            if let p = period, !(o.created.map(p.contains) ?? false) { continue }
            total += 1
            let got = reached[o.id] ?? Reports.inferredStages(o.stage)
            for (i, s) in Reports.funnelStages.enumerated() where got.contains(s) { counts[i] += 1 }
        }
        var rows: [[Value]] = []
        for (i, s) in Reports.funnelStages.enumerated() {
            rows.append([.text(s), .int(Int64(counts[i])), Reports.percent(counts[i], of: total),
                         i == 0 ? Reports.percent(counts[0], of: total) : Reports.percent(counts[i], of: counts[i - 1])])
        }
        return .rows([Column("stage", stageType), Column("reached", .int), Column("of_created", .percent), Column("from_previous", .percent)], RowBox(rows))
    }

    /// Each opportunity's stages as its history records them: where it started and every stage it moved into.
    func reachedStages() -> [String: Set<String>] {
        let h = model.history
        var out: [String: Set<String>] = [:]
        // Field by field, the entity first: a history of millions of changes is mostly of other
        // entities, and building each whole record was most of the report.
        let opportunity = Value.text("opportunity"), create = Value.text("create"), stage = Value.text("stage")
        for s in h.liveSlots where h.value(s, 3) == opportunity {
            guard case .text(let id) = h.value(s, 4) else { continue }
            if h.value(s, 2) == create {
                out[id, default: []].insert("qualified")
            } else if h.value(s, 5) == stage, case .text(let new) = h.value(s, 7) {
                out[id, default: []].insert(new)
            }
        }
        return out
    }

    /// Without history (bulk-generated data): every stage up to the current one.
    static func inferredStages(_ current: String) -> Set<String> {
        guard let i = funnelStages.firstIndex(of: current) else { return ["qualified"] }
        return Set(funnelStages[...i])
    }

    /// Weighted open amount by the month it is expected to close.
    func forecast(_ period: Period?) -> Relation {
        var groups: [Period: (Int, Money, Money)] = [:]
        for o in opportunities(in: Reports.openStages) {
            guard let d = o.expectedClose else { continue }
            if let p = period, !p.contains(d) { continue }
            let m = Period.month(d.year, d.month)
            var g = groups[m] ?? (0, Money(minor: 0), Money(minor: 0))
            g.0 += 1; g.1 = g.1 + o.amount; g.2 = g.2 + Reports.weighted(o)
            groups[m] = g
        }
        // Revenue targets set for exactly that month (people's monthly plans).
        var targets: [Period: Money] = [:]
        for case let g? in model.table("target").records {
            if case .period(let p) = g.values[2], p.kind == .month, case .money(let m) = g.values[3] { targets[p, default: Money(minor: 0)] = targets[p, default: Money(minor: 0)] + m }
        }
        let rows = groups.keys.sorted { $0.start < $1.start }.map { m -> [Value] in
            let g = groups[m]!
            let target = targets[m]
            return [.period(m), .int(Int64(g.0)), .money(g.1), .money(g.2), target.map(Value.money) ?? .null,
                    target.flatMap { $0.minor == 0 ? nil : Value.percent(Percent(basisPoints: g.2.minor * 10000 / $0.minor)) } ?? .null]
        }
        return .rows([Column("month", .period), Column("count", .int), Column("amount", .money), Column("weighted", .money),
                      Column("target", .money), Column("of_target", .percent)], RowBox(rows))
    }

    /// Won and lost deals closed in the period, by owner, team or source: win rate, won amount,
    /// and the average sales cycle (days from created to closed, won deals only).
    func winRate(_ period: Period?, by: String) -> Relation {
        let staff = model.table("staff")
        let teamIdx = staff.schema.fieldIndex("team")!
        let t = model.table("opportunity"), os = t.schema
        let (st, am, ow, so, cr, cl) = (os.stateIndex!, os.fieldIndex("amount")!, os.fieldIndex("owner")!, os.fieldIndex("source")!,
                                        os.fieldIndex("created")!, os.fieldIndex("closed")!)
        struct G { var won = 0, lost = 0, amount = Money(minor: 0), cycleDays = 0 }
        var index: [String: Int] = [:]
        var gs: [G] = []
        let keyField = by == "source" ? so : ow
        func group(_ s: Int) -> Int {
            var k = t.value(s, keyField).textValue
            if by == "team" { k = k.flatMap { staff.record($0)?.values[teamIdx].textValue } }
            if let g = index[k ?? ""] { return g }
            index[k ?? ""] = gs.count
            gs.append(G())
            return gs.count - 1
        }
        let codes = (t.codedValues(keyField)?.count).map { $0 + 1 } ?? 0
        let wonCode = t.codedValues(st)?.firstIndex(of: .text("won")).map { UInt32($0 + 1) }
        let null = FieldColumn.nullNumber
        let closed = opportunitySlots(in: ["won", "lost"], closedIn: period)
        if codes > 0, let wonCode {
            // Where the key's field keeps codes (an owner, a source): added up per code on every core, a
            // block of columns at a time, and each code's group found once instead of once per deal.
            let parts = ctx.parallel.map(closed.count) { range in
                WinsByCode(closed[range], codes: codes, table: t, key: keyField, stage: st, won: wonCode,
                           amount: am, created: cr, closed: cl)
            }
            for code in 0 ..< codes {
                guard let row = parts.lazy.map({ $0.row[code] }).first(where: { $0 >= 0 }) else { continue }
                let g = group(row)
                for p in parts {
                    gs[g].won += p.won[code]; gs[g].lost += p.lost[code]
                    gs[g].amount = gs[g].amount + Money(minor: p.amount[code]); gs[g].cycleDays += p.cycleDays[code]
                }
            }
        } else {
            for s in closed {
                let g = group(s)
                if t.value(s, st) == .text("won") {
                    gs[g].won += 1
                    let amount = t.number(s, am), c = t.number(s, cr), d = t.number(s, cl)
                    if amount != null { gs[g].amount = gs[g].amount + Money(minor: amount) }
                    if c != null, d != null { gs[g].cycleDays += Int(d - c) }
                } else {
                    gs[g].lost += 1
                }
            }
        }
        let groups = index.mapValues { gs[$0] }
        let keyType: ValueType = by == "source" ? model.table("opportunity").schema.field("source")!.type : .reference(by == "team" ? "team" : "staff")
        let rows = groups.keys.sorted().map { k -> [Value] in
            let g = groups[k]!
            return [k.isEmpty ? .null : .text(k), .int(Int64(g.won)), .int(Int64(g.lost)), Reports.percent(g.won, of: g.won + g.lost),
                    .money(g.amount), g.won == 0 ? .null : .real(Double(g.cycleDays) / Double(g.won))]
        }
        return .rows([Column(by, keyType), Column("won", .int), Column("lost", .int), Column("win_rate", .percent),
                      Column("won_amount", .money), Column("avg_cycle_days", .real)], RowBox(rows))
    }

    /// Won and lost deals, won amounts and sales cycles added up per code of the key field (an owner, a
    /// source), with a deal of each code to find its group by. Reads columns only (see `Parallel`).
    struct WinsByCode {
        var won: [Int], lost: [Int], amount: [Int64], cycleDays: [Int], row: [Int]

        init(_ slots: ArraySlice<Int>, codes: Int, table t: Table, key: Int, stage: Int, won wonCode: UInt32,
             amount am: Int, created cr: Int, closed cl: Int) {
            won = Array(repeating: 0, count: codes); lost = won; cycleDays = won
            amount = Array(repeating: 0, count: codes); row = Array(repeating: -1, count: codes)
            let null = FieldColumn.nullNumber
            for start in stride(from: slots.startIndex, to: slots.endIndex, by: 4096) {
                let block = slots[start ..< min(start + 4096, slots.endIndex)]
                let keys = t.codes(block, field: key), stages = t.codes(block, field: stage)
                let amounts = t.numbers(block, field: am), created = t.numbers(block, field: cr), closed = t.numbers(block, field: cl)
                for (j, s) in zip(0..., block) {
                    let k = Int(keys[j])
                    if row[k] < 0 { row[k] = s }
                    guard stages[j] == wonCode else { lost[k] += 1; continue }
                    won[k] += 1
                    if amounts[j] != null { amount[k] &+= amounts[j] }
                    if created[j] != null, closed[j] != null { cycleDays[k] += Int(closed[j] - created[j]) }
                }
            }
        }
    }

    /// Customers due a follow-up visit (3.4.2): the tier's interval (setting `followup_days_TIER`;
    /// strategic 90 and key 180 days by default) has passed since the last visit done.
    func followUps() -> Relation {
        let customers = model.table("customer"), cs = customers.schema
        let (tierIdx, ownerIdx) = (cs.fieldIndex("tier")!, cs.fieldIndex("owner")!)
        let visits = model.table("visit"), vs = visits.schema
        let (vc, vst, vdone) = (vs.fieldIndex("customer")!, vs.stateIndex!, vs.fieldIndex("done")!)
        var lastDone: [String: Day] = [:], nextPlanned: [String: Day] = [:]
        for case let v? in visits.records {
            guard case .text(let c) = v.values[vc] else { continue }
            if v.values[vst] == .text("done"), let d = v.values[vdone].day { lastDone[c] = max(lastDone[c] ?? d, d) }
            if v.values[vst] == .text("planned"), let d = v.values[vs.fieldIndex("planned")!].day { nextPlanned[c] = min(nextPlanned[c] ?? d, d) }
        }
        let defaults = ["strategic": 90, "key": 180]
        var rows: [[Value]] = []
        for case let c? in customers.records {
            guard let tier = c.values[tierIdx].textValue,
                  let days = model.setting("followup_days_\(tier)").flatMap({ Int($0) }) ?? defaults[tier], days > 0 else { continue }
            let created = c.values[cs.fieldIndex("created")!].day
            let since = lastDone[c.id] ?? created ?? ctx.today
            let due = since.adding(days: days)
            guard due <= ctx.today else { continue }
            rows.append([.text(c.id), c.values[cs.titleIndex], .text(tier), c.values[ownerIdx],
                         lastDone[c.id].map(Value.date) ?? .null, .date(due), .int(Int64(ctx.today.raw - due.raw)),
                         nextPlanned[c.id].map(Value.date) ?? .null])
        }
        rows.sort { Value.compare($0[5], $1[5]) < 0 }
        return .rows([Column("customer", .reference("customer")), Column("name", .text), Column("tier", cs.fields[tierIdx].type),
                      Column("owner", .reference("staff")), Column("last_visit", .date), Column("due", .date),
                      Column("days_overdue", .int), Column("planned", .date)], RowBox(rows))
    }

    /// Leads created in the period by source: how many were qualified and converted.
    func leads(_ period: Period?) -> Relation {
        let t = model.table("lead"), s = t.schema
        let (src, st, cr) = (s.fieldIndex("source")!, s.stateIndex!, s.fieldIndex("created")!)
        var groups: [String: (Int, Int, Int)] = [:]
        for case let r? in t.records {
            if let p = period, !(r.values[cr].day.map(p.contains) ?? false) { continue }
            let key = r.values[src].textValue ?? ""
            let status = r.values[st].textValue ?? ""
            var g = groups[key] ?? (0, 0, 0)
            g.0 += 1
            if status == "qualified" || status == "converted" { g.1 += 1 }
            if status == "converted" { g.2 += 1 }
            groups[key] = g
        }
        let order = Enums.leadSource.names
        let rows = groups.keys.sorted { (order.firstIndex(of: $0) ?? 99) < (order.firstIndex(of: $1) ?? 99) }.map { k -> [Value] in
            let g = groups[k]!
            return [k.isEmpty ? .null : .text(k), .int(Int64(g.0)), .int(Int64(g.1)), .int(Int64(g.2)), Reports.percent(g.2, of: g.0)]
        }
        return .rows([Column("source", s.field("source")!.type), Column("leads", .int), Column("qualified", .int),
                      Column("converted", .int), Column("conversion", .percent)], RowBox(rows))
    }
}
