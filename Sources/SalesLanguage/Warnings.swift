import SalesCore

/// The early warnings of chapter 6.3. Each is an ordinary query, so what it checks is readable
/// (`help warnings`) and its thresholds are settings.
public struct Warning: Sendable {
    public let name: String
    public let why: String
    public let query: String
}

public enum Warnings {
    public static let all: [Warning] = [
        Warning(name: "overdue_invoices", why: "invoices unpaid past their due date (credit risk)",
                query: "invoices | where overdue | select id, contract, contract.customer as customer, amount, due, days_late | sort days_late desc"),
        Warning(name: "over_credit_limit", why: "customers whose unpaid invoices exceed their credit limit (credit risk)",
                query: "invoices | where paid is empty | group contract.customer as customer | agg sum(amount) as receivable | where customer.credit_limit is not empty and receivable > customer.credit_limit | select customer, customer.name as name, receivable, customer.credit_limit as credit_limit"),
        Warning(name: "late_deliveries", why: "orders not delivered by their contract's delivery date (contract risk)",
                query: "orders | where late | select id, contract, contract.customer as customer, contract.delivery_date as delivery_date, status"),
        Warning(name: "stale_opportunities", why: "open opportunities with no stage move in $stale_days (setting stale_days)",
                query: "opportunities | where stage not in (won, lost) and age(stage_since) > $stale_days | select id, title, owner, stage, stage_since | sort stage_since"),
        Warning(name: "discounts_over_limit", why: "negotiated discounts over the limit that are not approved (setting discount_limit)",
                query: "negotiations | where approval = \"pending\" | select id, opportunity, opportunity.owner as owner, discount, date"),
        Warning(name: "budgets_nearly_spent", why: "budgets more than $budget_alert used (setting budget_alert)",
                query: "budgets | where used > $budget_alert | select id, year, team, category, amount, spent, used"),
        Warning(name: "appraisals_overdue", why: "appraisals not reviewed by their due date (the 10th of the next month, 31 January)",
                query: "appraisals | where overdue | select id, staff, period, status, due"),
        Warning(name: "complaints_open", why: "complaints open longer than $complaint_days (setting complaint_days)",
                query: "complaints | where status != closed and age(received) > $complaint_days | select id, customer, subject, received, status, handler"),
        Warning(name: "risks_past_review", why: "open risks past their review date",
                query: "risks | where status != closed and review < today | select id, description, level, owner, review"),
    ]

    /// Thresholds the warnings read, from settings or their defaults.
    public static func thresholds(_ model: Model) -> [String: Value] {
        func days(_ key: String, _ d: Int32) -> Value { .duration(Duration(days: model.setting(key).flatMap { Int32($0) } ?? d)) }
        return ["stale_days": days("stale_days", 60), "complaint_days": days("complaint_days", 7),
                "budget_alert": .percent(model.setting("budget_alert").flatMap { Percent.parse($0) } ?? Percent(whole: 90))]
    }

    /// Runs one warning's query; the rows are what trips it.
    public static func run(_ w: Warning, ctx: EvalContext) throws -> ResultTable {
        var c = ctx
        for (k, v) in thresholds(ctx.model) { c.variables[k] = v }
        let source = Source(name: "warning \(w.name)", text: w.query)
        guard case .query(let q)? = try Parser.parse(source).first?.node else { return ResultTable(columns: [], rows: []) }
        return try QueryRunner(source: source, ctx: c).run(q).materialize(ctx.model, today: ctx.today)
    }

    public static func describe(_ w: Warning, _ model: Model, text why: String? = nil) -> String {
        var text = why ?? w.why
        for (k, v) in thresholds(model) { text = text.replacingAll("$" + k, with: v.display) }
        return text
    }
}

extension String {
    func replacingAll(_ a: String, with b: String) -> String {
        var out = "", rest = Substring(self)
        while let r = rest.firstRange(of: a) { out += rest[..<r.lowerBound] + b; rest = rest[r.upperBound...] }
        return out + rest
    }
}
