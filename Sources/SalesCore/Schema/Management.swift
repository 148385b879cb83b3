// Chapters 4–6 of the regulations: sales plans and appraisal, expense budgets and claims, risks.

extension Enums {
    public static let expenseCategory = EnumType("category", [
        EnumCase("marketing", "市場推廣", hans: "市场推广"), EnumCase("travel", "差旅"),
        EnumCase("entertainment", "業務招待", hans: "业务招待"), EnumCase("training", "培訓", hans: "培训"),
    ])
    public static let expenseStatus = EnumType("expense status", [
        EnumCase("submitted", "已提交"), EnumCase("approved", "已核准"), EnumCase("rejected", "已駁回", hans: "已驳回"),
        EnumCase("reimbursed", "已報銷", hans: "已报销"),
    ])
    public static let appraisalStatus = EnumType("appraisal status", [
        EnumCase("open", "待評", hans: "待评"), EnumCase("self_assessed", "已自評", hans: "已自评"),
        EnumCase("reviewed", "已評核", hans: "已评核"), EnumCase("closed", "已結案", hans: "已结案"),
    ])
    public static let outcome = EnumType("outcome", [
        EnumCase("promotion", "晉升", hans: "晋升"), EnumCase("raise", "調薪", hans: "调薪"),
        EnumCase("training", "培訓", hans: "培训"), EnumCase("none", "無", hans: "无"),
    ])
    public static let riskKind = EnumType("risk kind", [
        EnumCase("market", "市場風險", hans: "市场风险"), EnumCase("credit", "信用風險", hans: "信用风险"),
        EnumCase("contract", "合同風險", hans: "合同风险"), EnumCase("other", "其他"),
    ])
    public static let riskStatus = EnumType("risk status", [
        EnumCase("open", "已識別", hans: "已识别"), EnumCase("mitigating", "應對中", hans: "应对中"), EnumCase("closed", "已關閉", hans: "已关闭"),
    ])
}

extension Schema {
    static let management: [EntitySchema] = [
        EntitySchema(
            name: "target", plural: "targets", zh: "銷售計劃", zhHans: "销售计划", chapter: "4", id: .prefix("G"), title: "period",
            fields: [
                FieldSchema("staff", .reference("staff"), zh: "人員", listed: true),
                FieldSchema("team", .reference("team"), zh: "團隊", listed: true),
                FieldSchema("period", .period, required: true, zh: "期間", listed: true, doc: "a month, quarter or year"),
                FieldSchema("revenue", .money, zh: "銷售額", range: 0...Int64.max / 100, listed: true),
                FieldSchema("new_customers", .int, zh: "新客戶數", range: 0...1_000_000, listed: true),
                FieldSchema("visits", .int, zh: "拜訪數", range: 0...1_000_000, listed: true),
            ],
            rules: [Rules.exactlyOne("staff", "team"), Management.oneTargetPerPeriod],
            changeRules: [Management.targetSetByManager],
            doc: "Sales plans: revenue, new customers and visits for a staff member or a team over a period, set by their manager."),
        EntitySchema(
            name: "appraisal", plural: "appraisals", zh: "績效考核", zhHans: "绩效考核", chapter: "4", id: .prefix("A"), title: "period",
            fields: [
                FieldSchema("staff", .reference("staff"), required: true, zh: "人員", listed: true),
                FieldSchema("period", .period, required: true, zh: "期間", listed: true, doc: "a month or a year"),
                FieldSchema("status", .enumeration(Enums.appraisalStatus), zh: "狀態", access: .state, listed: true),
                FieldSchema("self_score", .int, zh: "自評", range: 0...100, listed: true, doc: "by the staff member"),
                FieldSchema("superior_score", .int, zh: "上級評分", range: 0...100, listed: true, doc: "by their superior"),
                FieldSchema("teamwork", .int, zh: "團隊協作", range: 0...100, doc: "by their superior"),
                FieldSchema("customer_score", .real, zh: "客戶評分", access: .system, listed: true, doc: "mean survey score of the period, at review"),
                FieldSchema("total", .real, zh: "總分", listed: true, doc: "weighted self, superior and customer scores (setting appraisal_weights, default 20/50/30)",
                            compute: { r, model, _ in Management.total(r, model).map(Value.real) ?? .null }),
                FieldSchema("grade", .text, zh: "等級", listed: true, doc: "A ≥ 90, B ≥ 75, C ≥ 60, D below",
                            compute: { r, model, _ in Management.total(r, model).map { .text(Management.grade($0)) } ?? .null }),
                FieldSchema("bonus", .money, zh: "績效獎金", listed: true, doc: "by grade (settings bonus_A … bonus_D)",
                            compute: { r, model, _ in
                                if case .money(let frozen) = r.values[15] { return .money(frozen) }
                                return Management.total(r, model).map { .money(Management.bonus(Management.grade($0), model)) } ?? .null
                            }),
                FieldSchema("outcome", .enumeration(Enums.outcome), zh: "結果應用", doc: "follows the grade unless given"),
                FieldSchema("reviewer", .reference("staff"), zh: "評核人", access: .system),
                FieldSchema("due", .date, zh: "截止日", doc: "monthly: the 10th of the next month; annual: 31 January",
                            compute: { r, _, _ in Management.due(r).map(Value.date) ?? .null }),
                FieldSchema("overdue", .bool, zh: "逾期", listed: true,
                            compute: { r, _, today in
                                guard let d = Management.due(r), ["open", "self_assessed"].contains(r.values[2].textValue ?? "") else { return .bool(false) }
                                return .bool(today > d)
                            }),
                FieldSchema("closed_total", .real, zh: "結案總分", access: .system, doc: "the total as it stood at the close"),
                FieldSchema("closed_bonus", .money, zh: "結案獎金", access: .system, doc: "the bonus as it stood at the close"),
            ],
            states: StateMachine(field: "status", initial: "open",
                                 transitions: ["open": ["self_assessed"], "self_assessed": ["reviewed"], "reviewed": ["closed"], "closed": []],
                                 requiredOnEnter: ["self_assessed": ["self_score"], "reviewed": ["superior_score"]],
                                 onEnter: Management.appraisalEntered),
            rules: [Management.appraisalPeriod],
            changeRules: [Management.appraisalScoresByRightPerson],
            doc: "Performance appraisals: self-assessment, the superior's review, the customers' surveys; total, grade, bonus and outcome."),
        EntitySchema(
            name: "budget", plural: "budgets", zh: "費用預算", zhHans: "费用预算", chapter: "5.1", id: .prefix("B"), title: "category",
            fields: [
                FieldSchema("year", .int, required: true, zh: "年度", range: 2000...2100, listed: true),
                FieldSchema("team", .reference("team"), required: true, zh: "團隊", listed: true),
                FieldSchema("category", .enumeration(Enums.expenseCategory), required: true, zh: "類別", listed: true),
                FieldSchema("amount", .money, required: true, zh: "預算", range: 0...Int64.max / 100, listed: true),
                FieldSchema("spent", .money, zh: "已核准", listed: true, doc: "approved and reimbursed claims",
                            compute: { r, model, _ in .money(Management.spending(model)[Management.key(r)]?.spent ?? Money(minor: 0)) }),
                FieldSchema("pending", .money, zh: "待審", listed: true, doc: "submitted claims",
                            compute: { r, model, _ in .money(Management.spending(model)[Management.key(r)]?.pending ?? Money(minor: 0)) }),
                FieldSchema("used", .percent, zh: "使用率", listed: true,
                            compute: { r, model, _ in
                                guard case .money(let a) = r.values[3], a.minor > 0 else { return .null }
                                let s = Management.spending(model)[Management.key(r)]?.spent ?? Money(minor: 0)
                                return .percent(Percent(basisPoints: s.minor * 10000 / a.minor))
                            }),
            ],
            rules: [Management.oneBudgetPerKey],
            changeRules: [Management.budgetSetByManager],
            doc: "Yearly expense budgets per team and category (marketing, travel, entertainment, training)."),
        EntitySchema(
            name: "expense", plural: "expenses", zh: "費用報銷單", zhHans: "费用报销单", chapter: "5.2", id: .prefix("E"), title: "description",
            fields: [
                FieldSchema("staff", .reference("staff"), required: true, zh: "申請人", listed: true),
                FieldSchema("category", .enumeration(Enums.expenseCategory), required: true, zh: "類別", listed: true),
                FieldSchema("amount", .money, required: true, zh: "金額", range: 0...Int64.max / 100, listed: true),
                FieldSchema("date", .date, zh: "日期", listed: true, default: .today),
                FieldSchema("description", .text, zh: "說明", listed: true),
                FieldSchema("status", .enumeration(Enums.expenseStatus), zh: "狀態", access: .state, listed: true),
                FieldSchema("approver", .reference("staff"), zh: "審批人", access: .system, listed: true),
                FieldSchema("decided", .date, zh: "審批日期", access: .system),
                FieldSchema("reason", .text, zh: "駁回原因"),
            ],
            states: StateMachine(field: "status", initial: "submitted",
                                 transitions: ["submitted": ["approved", "rejected"], "approved": ["reimbursed"], "rejected": [], "reimbursed": []],
                                 verbOnly: ["approved": "approve"],
                                 requiredOnEnter: ["rejected": ["reason"]],
                                 onEnter: Management.expenseDecided,
                                 datedStates: ["approved": "decided", "rejected": "decided"]),
            changeRules: [Management.claimsAreTheClaimants],
            approve: Management.approveExpense,
            doc: "Expense claims: approved or rejected by the claimant's superior, within the team's budget."),
        EntitySchema(
            name: "risk", plural: "risks", zh: "風險", zhHans: "风险", chapter: "6", id: .prefix("X"), title: "description",
            fields: [
                FieldSchema("kind", .enumeration(Enums.riskKind), required: true, zh: "類型", listed: true),
                FieldSchema("customer", .reference("customer"), zh: "客戶", listed: true),
                FieldSchema("contract", .reference("contract"), zh: "合同"),
                FieldSchema("opportunity", .reference("opportunity"), zh: "商機"),
                FieldSchema("description", .text, required: true, zh: "描述", listed: true),
                FieldSchema("cause", .text, zh: "原因"),
                FieldSchema("impact", .int, required: true, zh: "影響", range: 1...5, listed: true),
                FieldSchema("likelihood", .int, required: true, zh: "可能性", range: 1...5, listed: true),
                FieldSchema("score", .int, zh: "分值", doc: "impact × likelihood",
                            compute: { r, _, _ in Management.riskScore(r).map { .int(Int64($0)) } ?? .null }),
                FieldSchema("level", .text, zh: "等級", listed: true, doc: "1–4 low, 5–9 medium, 10–16 high, 20–25 critical",
                            compute: { r, _, _ in Management.riskScore(r).map { .text(Management.riskLevel($0)) } ?? .null }),
                FieldSchema("owner", .reference("staff"), zh: "負責人", listed: true),
                FieldSchema("response", .text, zh: "應對措施"),
                FieldSchema("review", .date, zh: "複核日期", listed: true),
                FieldSchema("status", .enumeration(Enums.riskStatus), zh: "狀態", access: .state, listed: true),
            ],
            states: StateMachine(field: "status", initial: "open",
                                 transitions: ["open": ["mitigating", "closed"], "mitigating": ["closed"], "closed": []],
                                 requiredOnEnter: ["mitigating": ["response"]]),
            rules: [Rules.atMostOne(["customer", "contract", "opportunity"])],
            doc: "The risk register: market, credit and contract risks, scored by impact × likelihood."),
    ]
}
