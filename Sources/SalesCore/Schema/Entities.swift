// The sales domain, declared once. Chapter numbers refer to the sales management regulations.

public enum Enums {
    public static let definitionKind = EnumType("kind", [EnumCase("check", "檢查", hans: "检查"), EnumCase("report", "報表", hans: "报表")])
    public static let role = EnumType("role", [
        EnumCase("manager", "銷售經理", hans: "销售经理"),
        EnumCase("rep", "銷售代表", hans: "销售代表"),
        EnumCase("presales", "售前工程師", hans: "售前工程师"),
        EnumCase("analyst", "分析師", hans: "分析师"),
        EnumCase("trainer", "培訓師", hans: "培训师"),
        EnumCase("admin", "管理員", hans: "管理员"),
    ])
    public static let leadSource = EnumType("source", [
        EnumCase("online", "網絡營銷", hans: "网络营销"),
        EnumCase("telemarketing", "電話營銷", hans: "电话营销"),
        EnumCase("exhibition", "行業展會", hans: "行业展会"),
        EnumCase("referral", "客戶推薦", hans: "客户推荐"),
        EnumCase("other", "其他"),
    ])
    public static let leadStatus = EnumType("lead status", [
        EnumCase("new", "新線索", hans: "新线索"),
        EnumCase("screening", "篩選中", hans: "筛选中"),
        EnumCase("qualified", "有價值", hans: "有价值"),
        EnumCase("rejected", "無效", hans: "无效"),
        EnumCase("converted", "已轉化", hans: "已转化"),
    ])
    public static let stage = EnumType("stage", [
        EnumCase("qualified", "商機確認", hans: "商机确认"),
        EnumCase("needs", "需求分析"),
        EnumCase("proposal", "方案制定"),
        EnumCase("negotiation", "商務談判", hans: "商务谈判"),
        EnumCase("won", "成交"),
        EnumCase("lost", "丟單", hans: "丢单"),
    ])
    public static let visitKind = EnumType("visit kind", [
        EnumCase("prospect", "開發拜訪", hans: "开发拜访"),
        EnumCase("negotiation", "洽談拜訪", hans: "洽谈拜访"),
        EnumCase("follow_up", "回訪", hans: "回访"),
        EnumCase("support", "技術支持", hans: "技术支持"),
    ])
    public static let visitStatus = EnumType("visit status", [
        EnumCase("planned", "計劃", hans: "计划"), EnumCase("done", "已完成"), EnumCase("cancelled", "已取消"),
    ])
    public static let proposalStatus = EnumType("proposal status", [
        EnumCase("draft", "草稿"), EnumCase("submitted", "已提交"), EnumCase("accepted", "已接受"),
        EnumCase("rejected", "已拒絕", hans: "已拒绝"), EnumCase("superseded", "已取代"),
    ])
    public static let contractStatus = EnumType("contract status", [
        EnumCase("draft", "草稿"), EnumCase("signed", "已簽訂", hans: "已签订"), EnumCase("active", "執行中", hans: "执行中"),
        EnumCase("completed", "已完成"), EnumCase("terminated", "已終止", hans: "已终止"),
    ])
    public static let orderStatus = EnumType("order status", [
        EnumCase("submitted", "已提交"), EnumCase("scheduled", "已排產", hans: "已排产"), EnumCase("shipped", "已發貨", hans: "已发货"),
        EnumCase("delivered", "已交付"), EnumCase("closed", "已結案", hans: "已结案"),
    ])
    public static let channel = EnumType("channel", [
        EnumCase("phone", "電話", hans: "电话"), EnumCase("email", "郵件", hans: "邮件"), EnumCase("visit", "拜訪", hans: "拜访"),
        EnumCase("web", "網站", hans: "网站"), EnumCase("letter", "信函"), EnumCase("other", "其他"),
    ])
    public static let feedbackStatus = EnumType("feedback status", [EnumCase("open", "待處理", hans: "待处理"), EnumCase("handled", "已處理", hans: "已处理")])
    public static let ticketStatus = EnumType("ticket status", [
        EnumCase("open", "待處理", hans: "待处理"), EnumCase("in_progress", "處理中", hans: "处理中"),
        EnumCase("resolved", "已解決", hans: "已解决"), EnumCase("closed", "已關閉", hans: "已关闭"),
    ])
    public static let priority = EnumType("priority", [
        EnumCase("low", "低"), EnumCase("medium", "中"), EnumCase("high", "高"), EnumCase("urgent", "緊急", hans: "紧急"),
    ])
    public static let complaintStatus = EnumType("complaint status", [
        EnumCase("received", "已受理"), EnumCase("investigating", "調查中", hans: "调查中"),
        EnumCase("resolved", "已解決", hans: "已解决"), EnumCase("closed", "已結案", hans: "已结案"),
    ])
    public static let tier = EnumType("tier", [
        EnumCase("strategic", "戰略客戶", hans: "战略客户"),
        EnumCase("key", "重點客戶", hans: "重点客户"),
        EnumCase("standard", "普通客戶", hans: "普通客户"),
    ])
}

/// Default win probability of each opportunity stage.
public let stageProbability: [String: Int64] = ["qualified": 10, "needs": 20, "proposal": 50, "negotiation": 75, "won": 100, "lost": 0]

extension Schema {
    public static let sales = Schema([
        EntitySchema(
            name: "staff", plural: "staff", zh: "員工", zhHans: "员工", chapter: "2", id: .key, title: "name",
            fields: [
                FieldSchema("name", .text, required: true, zh: "姓名", listed: true),
                FieldSchema("role", .enumeration(Enums.role), required: true, zh: "崗位", listed: true),
                FieldSchema("team", .reference("team"), zh: "團隊", listed: true),
                FieldSchema("manager", .reference("staff"), zh: "上級", listed: true, doc: "the superior (one per person)"),
                FieldSchema("email", .text, zh: "郵箱"),
                FieldSchema("phone", .text, zh: "電話"),
                FieldSchema("hired", .date, zh: "入職日期", listed: true),
                FieldSchema("active", .bool, zh: "在職", listed: true, default: .value(.bool(true))),
                FieldSchema("login", .text, zh: "系統帳號", doc: "the operating-system account bound to this staff member: a shell started by it acts as them only"),
            ],
            rules: [Rules.noReportingCycle, Rules.uniqueLogin],
            doc: "Sales staff: managers, reps, presales engineers, analysts, trainers and admins."),
        EntitySchema(
            name: "team", plural: "teams", zh: "團隊", zhHans: "团队", chapter: "2", id: .key, title: "name",
            fields: [
                FieldSchema("name", .text, required: true, zh: "名稱", listed: true),
                FieldSchema("manager", .reference("staff"), zh: "經理", listed: true),
                FieldSchema("region", .text, zh: "區域", listed: true),
            ],
            doc: "Sales teams, each with a manager and a region."),
        EntitySchema(
            name: "product", plural: "products", zh: "產品", zhHans: "产品", chapter: "3.3", id: .key, title: "name",
            fields: [
                FieldSchema("name", .text, required: true, zh: "名稱", listed: true),
                FieldSchema("category", .text, zh: "類別", listed: true),
                FieldSchema("unit_price", .money, zh: "單價", range: 0...Int64.max / 100, listed: true),
                FieldSchema("unit_cost", .money, zh: "成本", range: 0...Int64.max / 100, listed: true),
            ],
            doc: "Products and services sold, with list price and cost."),
        EntitySchema(
            name: "customer", plural: "customers", zh: "客戶", zhHans: "客户", chapter: "3.1", id: .prefix("C"), title: "name",
            fields: [
                FieldSchema("name", .text, required: true, zh: "名稱", listed: true),
                FieldSchema("industry", .text, zh: "行業", listed: true),
                FieldSchema("region", .text, zh: "區域", listed: true),
                FieldSchema("tier", .enumeration(Enums.tier), zh: "等級", listed: true),
                FieldSchema("credit_limit", .money, zh: "信用額度", range: 0...Int64.max / 100, listed: true),
                FieldSchema("owner", .reference("staff"), zh: "負責人", listed: true),
                FieldSchema("contact", .text, zh: "聯繫人"),
                FieldSchema("phone", .text, zh: "電話"),
                FieldSchema("created", .date, zh: "建立日期", listed: true, default: .today),
            ],
            doc: "Customers: companies and bodies the department sells to."),
        EntitySchema(
            name: "lead", plural: "leads", zh: "客戶線索", zhHans: "客户线索", chapter: "3.1", id: .prefix("L"), title: "company",
            fields: [
                FieldSchema("company", .text, required: true, zh: "公司", listed: true),
                FieldSchema("contact", .text, zh: "聯繫人", listed: true),
                FieldSchema("phone", .text, zh: "電話"),
                FieldSchema("source", .enumeration(Enums.leadSource), required: true, zh: "來源", listed: true),
                FieldSchema("owner", .reference("staff"), zh: "負責人", listed: true),
                FieldSchema("score", .int, zh: "評分", range: 0...100, listed: true),
                FieldSchema("status", .enumeration(Enums.leadStatus), zh: "狀態", access: .state, listed: true),
                FieldSchema("region", .text, zh: "區域"),
                FieldSchema("notes", .text, zh: "備註"),
                FieldSchema("created", .date, zh: "建立日期", listed: true, default: .today),
                FieldSchema("customer", .reference("customer"), zh: "客戶", access: .system, doc: "set by convert"),
                FieldSchema("opportunity", .reference("opportunity"), zh: "商機", access: .system, doc: "set by convert"),
            ],
            states: StateMachine(
                field: "status", initial: "new",
                transitions: ["new": ["screening"], "screening": ["qualified", "rejected"], "qualified": ["converted"],
                              "rejected": [], "converted": []],
                verbOnly: ["converted": "convert"]),
            rules: [Rules.ownerHasRole("owner", ["rep", "manager"])],
            doc: "Leads from every channel, screened, then converted into a customer and an opportunity."),
        EntitySchema(
            name: "opportunity", plural: "opportunities", zh: "商機", zhHans: "商机", chapter: "3.2", id: .prefix("O"), title: "title",
            fields: [
                FieldSchema("title", .text, required: true, zh: "標題", listed: true),
                FieldSchema("customer", .reference("customer"), required: true, zh: "客戶", listed: true),
                FieldSchema("owner", .reference("staff"), required: true, zh: "負責人", listed: true, doc: "the rep who owns it"),
                FieldSchema("presales", .reference("staff"), zh: "售前工程師"),
                FieldSchema("stage", .enumeration(Enums.stage), zh: "階段", access: .state, listed: true),
                FieldSchema("amount", .money, zh: "金額", range: 0...Int64.max / 100, listed: true),
                FieldSchema("probability", .percent, zh: "贏率", range: 0...100, listed: true, doc: "defaults by stage: 10/20/50/75/100/0 %"),
                FieldSchema("expected_close", .date, zh: "預計成交", listed: true),
                FieldSchema("needs", .text, zh: "需求分析", doc: "pain points and goals"),
                FieldSchema("competitor", .reference("competitor"), zh: "競爭對手", doc: "the competitor it faces"),
                FieldSchema("source", .enumeration(Enums.leadSource), zh: "來源"),
                FieldSchema("lead", .reference("lead"), zh: "線索", access: .system),
                FieldSchema("created", .date, zh: "建立日期", default: .today),
                FieldSchema("closed", .date, zh: "結案日期", access: .system),
                FieldSchema("lost_reason", .text, zh: "丟單原因"),
                FieldSchema("lost_to", .reference("competitor"), zh: "輸給", doc: "the competitor that won a lost deal"),
                FieldSchema("stage_since", .date, zh: "階段日期", doc: "the day of its last stage move (from the history), else created",
                            compute: { r, model, _ in
                                if let d = Rules.lastStageMove(model)[r.id] { return .date(d) }
                                return r.values[12]
                            }),
            ],
            states: StateMachine(
                field: "stage", initial: "qualified",
                transitions: ["qualified": ["needs", "lost"], "needs": ["proposal", "lost"], "proposal": ["negotiation", "lost"],
                              "negotiation": ["won", "lost"], "won": [], "lost": []],
                requiredOnEnter: ["lost": ["lost_reason"], "proposal": ["needs"]],
                clearedOnReopen: ["closed", "lost_reason", "lost_to"],
                effects: { state, today in
                    var out: [(String, Value)] = [("probability", .percent(Percent(whole: stageProbability[state] ?? 0)))]
                    if state == "won" || state == "lost" { out.append(("closed", .date(today))) }
                    return out
                },
                guards: ["negotiation": Rules.hasProposal, "won": Rules.hasSignedContract]),
            rules: [Rules.ownerHasRole("owner", ["rep", "manager"]), Rules.ownerHasRole("presales", ["presales"])],
            doc: "Sales opportunities moving through needs analysis, proposal and negotiation to won or lost."),
    ] + Schema.salesProcess + Schema.management + Schema.training + [
        EntitySchema(
            name: "definition", plural: "definitions", zh: "自訂檢查與報表", zhHans: "自定检查与报表", chapter: "-", id: .key, title: "kind",
            fields: [
                FieldSchema("kind", .enumeration(Enums.definitionKind), required: true, zh: "類型", listed: true),
                FieldSchema("text", .text, required: true, zh: "內容", listed: true),
                FieldSchema("author", .reference("staff"), zh: "建立者", listed: true),
            ],
            system: true,
            doc: "Saved checks and reports: `define check NAME …`, `define report NAME(PARAMS) QUERY`; run as `check NAME`, `report NAME ARGS`."),
        EntitySchema(
            name: "history", plural: "history", zh: "變更記錄", zhHans: "变更记录", chapter: "-", id: .prefix("H"), title: "record",
            fields: [
                FieldSchema("at", .timestamp, zh: "時間", listed: true),
                FieldSchema("user", .text, zh: "用戶", listed: true, fewValues: true),
                FieldSchema("action", .text, zh: "操作", listed: true, fewValues: true),
                FieldSchema("entity", .text, zh: "實體", listed: true, fewValues: true),
                FieldSchema("record", .text, zh: "記錄", listed: true),
                FieldSchema("field", .text, zh: "欄位", listed: true, fewValues: true),
                FieldSchema("old", .any, zh: "原值", listed: true),
                FieldSchema("new", .any, zh: "新值", listed: true),
                FieldSchema("os_user", .text, zh: "系統帳號", doc: "the operating-system account the shell ran under", fewValues: true),
            ],
            system: true,
            doc: "Every change ever made: who, when, which record and field, old and new value."),
    ])
}

enum Rules {
    /// One staff member per operating-system account.
    static let uniqueLogin: RecordRule = { r, e, model in
        guard let li = e.fieldIndex("login"), case .text(let login) = r.values[li], !login.isEmpty else { return nil }
        let t = model.table("staff")
        if let other = t.slots(where: li, is: .text(login)).compactMap({ t.record(at: $0) }).first(where: { $0.id != r.id }) {
            return DomainError("login \(login) is already bound to \(other.id)", field: "login")
        }
        return nil
    }

    /// A staff member's reporting line never loops back to them.
    static let noReportingCycle: RecordRule = { r, _, model in
        let staff = model.table("staff")
        guard let mi = staff.schema.fieldIndex("manager") else { return nil }
        var chain = [r.id]
        var cur = r.values[mi]
        while case .text(let m) = cur {
            if m == r.id { return DomainError("reporting-line cycle: \((chain + [m]).joined(separator: " → "))", field: "manager") }
            guard chain.count < 10_000, let next = staff.record(m) else { return nil }
            chain.append(m)
            cur = next.values[mi]
        }
        return nil
    }

    /// A staff reference in `field` must name someone in one of `roles`.
    static func ownerHasRole(_ field: String, _ roles: [String]) -> RecordRule {
        { r, entity, model in
            guard let staff = model.staffTable, let fi = entity.fieldIndex(field),
                  case .text(let who) = r.values[fi], let person = staff.slot(of: who),
                  let ri = staff.schema.fieldIndex("role"), case .text(let role) = staff.value(person, ri) else { return nil }
            if roles.contains(role) { return nil }
            return DomainError("\(field) \(who) is a \(role); it must be a \(roles.joined(separator: " or "))", field: field)
        }
    }
}
