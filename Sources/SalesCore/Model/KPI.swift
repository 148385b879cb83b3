/// The key performance indicators of chapter 4.1, computed from the records, never typed.
public struct KPI: Sendable {
    public var revenue = Money(minor: 0)        // signed contract totals
    public var cost = Money(minor: 0)           // product cost of those contracts' lines
    public var previousRevenue = Money(minor: 0) // the same period a year earlier
    public var newCustomers = 0                 // customers whose first signed contract falls in the period
    public var visits = 0                       // visits done
    public var surveyTotal = 0.0, surveys = 0   // satisfaction
    public var teamworkTotal = 0.0, teamworks = 0
    public var won = 0, lost = 0
    public var cycleDays = 0                    // created → closed, won deals
    public var pipeline = Money(minor: 0)       // open amount × probability (now)
    public init() {}
    public var target = Money(minor: 0)         // revenue targets for the period


    public var profit: Money { revenue - cost }
    public var growth: Double? { previousRevenue.minor == 0 ? nil : Double(revenue.minor - previousRevenue.minor) / Double(previousRevenue.minor) }
    public var satisfaction: Double? { surveys == 0 ? nil : surveyTotal / Double(surveys) }
    public var teamwork: Double? { teamworks == 0 ? nil : teamworkTotal / Double(teamworks) }
    public var winRate: Double? { won + lost == 0 ? nil : Double(won) / Double(won + lost) }
    public var averageCycle: Double? { won == 0 ? nil : Double(cycleDays) / Double(won) }
    public var attainment: Double? { target.minor == 0 ? nil : Double(revenue.minor) / Double(target.minor) }

    public static func + (a: KPI, b: KPI) -> KPI {
        var k = a
        k.revenue = a.revenue + b.revenue; k.cost = a.cost + b.cost; k.previousRevenue = a.previousRevenue + b.previousRevenue
        k.newCustomers += b.newCustomers; k.visits += b.visits
        k.surveyTotal += b.surveyTotal; k.surveys += b.surveys; k.teamworkTotal += b.teamworkTotal; k.teamworks += b.teamworks
        k.won += b.won; k.lost += b.lost; k.cycleDays += b.cycleDays; k.pipeline = a.pipeline + b.pipeline; k.target = a.target + b.target
        return k
    }

    /// The KPI names usable as `kpi_NAME(PERIOD)` in queries over staff or teams.
    public static let names = ["revenue", "profit", "growth", "new_customers", "visits", "satisfaction", "teamwork",
                               "win_rate", "avg_cycle", "pipeline", "target", "attainment"]

    public func value(_ name: String) -> Value {
        func pct(_ d: Double?) -> Value {
            guard let d, d.isFinite, abs(d) < 1e12 else { return .null }
            return .percent(Percent(basisPoints: Int64((d * 10000).rounded())))
        }
        func real(_ d: Double?) -> Value { d.map { .real(($0 * 100).rounded() / 100) } ?? .null }
        switch name {
        case "revenue": return .money(revenue)
        case "profit": return .money(profit)
        case "growth": return pct(growth)
        case "new_customers": return .int(Int64(newCustomers))
        case "visits": return .int(Int64(visits))
        case "satisfaction": return real(satisfaction)
        case "teamwork": return real(teamwork)
        case "win_rate": return pct(winRate)
        case "avg_cycle": return real(averageCycle)
        case "pipeline": return .money(pipeline)
        case "target": return target.minor == 0 ? .null : .money(target)
        case "attainment": return pct(attainment)
        default: return .null
        }
    }

    public static func type(of name: String) -> ValueType {
        switch name {
        case "revenue", "profit", "pipeline", "target": .money
        case "growth", "win_rate", "attainment": .percent
        case "new_customers", "visits": .int
        default: .real
        }
    }
}

extension Model {
    /// Every staff member's KPIs for a period, computed in one pass over the records and cached until the next change.
    public func kpis(_ period: Period) -> [String: KPI] {
        memo("kpi \(period.start.raw) \(period.end.raw)") { computeKPIs(period) }
    }

    /// A team's KPIs: its members' summed, plus the team's own targets.
    public func teamKPI(_ team: String, _ period: Period) -> KPI {
        let staff = table("staff"), ti = staff.schema.fieldIndex("team")!
        let all = kpis(period)
        var k = KPI()
        for case let s? in staff.records where s.values[ti] == .text(team) { k = k + (all[s.id] ?? KPI()) }
        k.target = Money(minor: 0)
        for case let g? in table("target").records where g.values[1] == .text(team) {
            if case .period(let p) = g.values[2], p.start >= period.start, p.end <= period.end, case .money(let m) = g.values[3] { k.target = k.target + m }
        }
        return k
    }

    private func computeKPIs(_ period: Period) -> [String: KPI] {
        var out: [String: KPI] = [:]
        let previous = period.kind == .range ? Period(kind: .range, start: period.start.adding(months: -12), end: period.end.adding(months: -12)) : period.shifted(by: period.kind == .month ? -12 : (period.kind == .quarter ? -4 : (period.kind == .week ? -52 : (period.kind == .day ? -365 : -1))))
        let opps = table("opportunity"), os = opps.schema
        let (oOwner, oStage, oAmount, oProb, oCreated, oClosed, oCustomer) = (os.fieldIndex("owner")!, os.stateIndex!, os.fieldIndex("amount")!,
            os.fieldIndex("probability")!, os.fieldIndex("created")!, os.fieldIndex("closed")!, os.fieldIndex("customer")!)
        let products = table("product"), costIdx = products.schema.fieldIndex("unit_cost")!
        // Contract costs from their lines.
        var contractCost: [String: Money] = [:]
        for case let l? in table("contract_line").records {
            guard case .text(let k) = l.values[0], case .text(let p) = l.values[1], case .int(let q) = l.values[2],
                  case .money(let c)? = products.record(p)?.values[costIdx] else { continue }
            contractCost[k, default: Money(minor: 0)] = contractCost[k, default: Money(minor: 0)] + Money(minor: c.minor &* q)
        }
        let totals = Rules.contractTotals(self)
        var firstSigned: [String: (Day, String)] = [:]   // customer → first signing and its owner
        for case let k? in table("contract").records {
            guard Rules.signedStates.contains(k.values[3].textValue ?? ""), let signed = k.values[4].day,
                  case .text(let o) = k.values[0], let opp = opps.record(o), case .text(let owner) = opp.values[oOwner] else { continue }
            let total = totals[k.id] ?? Money(minor: 0)
            if period.contains(signed) {
                out[owner, default: KPI()].revenue = out[owner, default: KPI()].revenue + total
                out[owner, default: KPI()].cost = out[owner, default: KPI()].cost + (contractCost[k.id] ?? Money(minor: 0))
            }
            if previous.contains(signed) { out[owner, default: KPI()].previousRevenue = out[owner, default: KPI()].previousRevenue + total }
            if case .text(let c) = opp.values[oCustomer], firstSigned[c].map({ signed < $0.0 }) ?? true { firstSigned[c] = (signed, owner) }
        }
        for (_, (day, owner)) in firstSigned where period.contains(day) { out[owner, default: KPI()].newCustomers += 1 }
        for case let o? in opps.records {
            guard case .text(let owner) = o.values[oOwner], let stage = o.values[oStage].textValue else { continue }
            if stage == "won" || stage == "lost", let closed = o.values[oClosed].day, period.contains(closed) {
                if stage == "won" {
                    out[owner, default: KPI()].won += 1
                    if let c = o.values[oCreated].day { out[owner, default: KPI()].cycleDays += Int(closed.raw - c.raw) }
                } else { out[owner, default: KPI()].lost += 1 }
            } else if stage != "won" && stage != "lost", case .money(let a) = o.values[oAmount], case .percent(let p) = o.values[oProb] {
                out[owner, default: KPI()].pipeline = out[owner, default: KPI()].pipeline + Money(minor: (a.minor &* p.basisPoints + 5000) / 10000)
            }
        }
        let visits = table("visit"), vs = visits.schema
        let (vStaff, vStatus, vDone) = (vs.fieldIndex("staff")!, vs.stateIndex!, vs.fieldIndex("done")!)
        for case let v? in visits.records where v.values[vStatus] == .text("done") {
            if case .text(let s) = v.values[vStaff], let d = v.values[vDone].day, period.contains(d) { out[s, default: KPI()].visits += 1 }
        }
        for case let s? in table("survey").records {
            if case .text(let who) = s.values[1], let d = s.values[2].day, period.contains(d), case .int(let score) = s.values[3] {
                out[who, default: KPI()].surveyTotal += Double(score); out[who, default: KPI()].surveys += 1
            }
        }
        for case let a? in table("appraisal").records {
            if case .text(let who) = a.values[0], case .period(let p) = a.values[1], p.start >= period.start, p.end <= period.end, case .int(let t) = a.values[5] {
                out[who, default: KPI()].teamworkTotal += Double(t); out[who, default: KPI()].teamworks += 1
            }
        }
        for case let g? in table("target").records {
            if case .text(let who) = g.values[0], case .period(let p) = g.values[2], p.start >= period.start, p.end <= period.end, case .money(let m) = g.values[3] {
                out[who, default: KPI()].target = out[who, default: KPI()].target + m
            }
        }
        return out
    }
}
