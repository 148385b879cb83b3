import SalesCore

/// The Traditional Chinese of the help's words that come from elsewhere: the schema's `doc` strings
/// (entities and fields) and the early warnings' `why`, keyed by their English, so the schema and the
/// warnings stay as they are. Terms follow the sales management regulations and the schema's `zh`
/// names. A test fails on a `doc` or a `why` without its Chinese here.
enum HelpText {
    /// The Chinese of an English `doc` or `why`, nil when there is none.
    static func zh(_ english: String) -> String? { docs[english] }

    /// The text in the language: the Chinese where there is one, else the English.
    static func text(_ english: String, _ language: UILanguage) -> String {
        language == .zhHant ? (docs[english] ?? english) : english
    }

    static let docs: [String: String] = entityDocs.merging(fieldDocs) { a, _ in a }.merging(warningWhy) { a, _ in a }

    /// What each entity is.
    static let entityDocs: [String: String] = [
        "Sales staff: managers, reps, presales engineers, analysts, trainers and admins.":
            "銷售部門員工：銷售經理、銷售代表、售前工程師、分析師、培訓師與管理員。",
        "Sales teams, each with a manager and a region.":
            "銷售團隊，各有一位經理與所屬區域。",
        "Products and services sold, with list price and cost.":
            "銷售的產品與服務，含牌價與成本。",
        "Customers: companies and bodies the department sells to.":
            "客戶：本部門銷售的對象，包括企業與機構。",
        "Leads from every channel, screened, then converted into a customer and an opportunity.":
            "從各種渠道收集的客戶線索，經篩選後轉化為客戶與商機。",
        "Sales opportunities moving through needs analysis, proposal and negotiation to won or lost.":
            "銷售商機：經需求分析、方案制定、商務談判，最後成交或丟單。",
        "Market research notes: needs, customers, competitors and trends.":
            "市場調研記錄：市場需求、客戶、競爭對手與市場趨勢。",
        "Competitors met in deals, with their strengths and weaknesses.":
            "商機中遇到的競爭對手，及其優勢與劣勢。",
        "Visits to customers and leads: prospecting, negotiation, follow-up and support.":
            "對客戶與客戶線索的拜訪：開發拜訪、洽談拜訪、回訪與技術支持。",
        "Solution proposals by presales engineers: product introduction, technical plan, implementation plan, after-sales.":
            "售前工程師制定的解決方案：產品介紹、技術方案、實施計劃、售後服務。",
        "Negotiation rounds: price, discount, payment terms, clauses. A discount over the limit (setting discount_limit, default 20 %) needs the owner's manager: approve N…":
            "商務談判的各輪記錄：價格、折扣、付款方式、合同條款。折扣超過上限（設定 discount_limit，預設 20 %）須由負責人的經理核准：approve N…",
        "Contracts: lines of products, payment terms, delivery date, after-sales terms. Signing wins the opportunity.":
            "合同：產品明細、付款方式、交貨日期、售後條款。合同簽訂即商機成交。",
        "The product lines of a contract; editable while the contract is a draft.":
            "合同的產品明細；合同仍是草稿時才能修改。",
        "Orders handed to order processing from signed contracts, each step dated.":
            "依已簽訂的合同提交給訂單處理部門的訂單，每個步驟都記下日期。",
        "Invoices per contract; unpaid past due is overdue (credit risk).":
            "每份合同的發票；過了到期日仍未付款即為逾期（信用風險）。",
        "Customer feedback on products and service, handled and answered.":
            "客戶對產品與服務的反饋，須處理並回覆。",
        "Technical support requests from customers.":
            "客戶的技術支持請求。",
        "Customer complaints: investigated, measures taken, closed only with both.":
            "客戶投訴：經調查並採取措施，兩者齊備才能結案。",
        "Customer satisfaction scores for a staff member.":
            "客戶對某位員工的滿意度評分。",
        "Settings the rules read: discount_limit (a percentage, default 20%), followup_days_strategic / _key / _standard (days between follow-up visits).":
            "規則讀取的設定：discount_limit（百分比，預設 20%）、followup_days_strategic / _key / _standard（回訪間隔天數）。",
        "Sales plans: revenue, new customers and visits for a staff member or a team over a period, set by their manager.":
            "銷售計劃：由經理為員工或團隊訂定某期間的銷售額、新客戶數與拜訪數。",
        "Performance appraisals: self-assessment, the superior's review, the customers' surveys; total, grade, bonus and outcome.":
            "績效考核：自評、上級評價、客戶滿意度調查；總分、等級、績效獎金與結果應用。",
        "Yearly expense budgets per team and category (marketing, travel, entertainment, training).":
            "各團隊按類別的年度費用預算（市場推廣、差旅、業務招待、培訓）。",
        "Expense claims: approved or rejected by the claimant's superior, within the team's budget.":
            "費用報銷單：由申請人的上級在團隊預算內核准或駁回。",
        "The risk register: market, credit and contract risks, scored by impact × likelihood.":
            "風險登記：市場風險、信用風險與合同風險，以影響 × 可能性評分。",
        "Training needs: a skill gap of a staff member, from an appraisal, themselves or their manager.":
            "培訓需求：員工的技能短板，來自績效考核、本人或其主管。",
        "Courses: product knowledge, sales skills, industry knowledge, teamwork; internal, external or online.":
            "課程：產品知識、銷售技巧、行業知識、團隊協作；內部、外部或在線。",
        "Training plans: a course for a team or a role, on a date, with a capacity.":
            "培訓計劃：為某團隊或崗位安排的課程，含日期與名額。",
        "Course records: who took which course on which day, hours, score, passed. One per staff, course and day.":
            "培訓記錄：誰在哪一天上了哪門課程、時數、成績、是否通過。每位員工每門課程每天一筆。",
        "Career development plans: a target role and date, with milestones.":
            "職業發展規劃：目標崗位與目標日期，以及里程碑。",
        "Team-building activities: culture, outings, workshops, meetings.":
            "團隊建設活動：文化建設、團隊旅遊、研討會、溝通會議。",
        "Saved checks and reports: `define check NAME …`, `define report NAME(PARAMS) QUERY`; run as `check NAME`, `report NAME ARGS`.":
            "已儲存的檢查與報表：`define check NAME …`、`define report NAME(PARAMS) QUERY`；以 `check NAME`、`report NAME ARGS` 執行。",
        "Every change ever made: who, when, which record and field, old and new value.":
            "所有變更的記錄：誰、何時、哪筆記錄的哪個欄位、原值與新值。",
    ]

    /// What a field holds, where the schema says more than its name and type.
    static let fieldDocs: [String: String] = [
        "the superior (one per person)": "上級（每人一位）",
        "the operating-system account bound to this staff member: a shell started by it acts as them only":
            "綁定此員工的作業系統帳號：以此帳號啟動的 salesh 只能以該員工身分操作",
        "set by convert": "由 convert 設定",
        "the rep who owns it": "負責的銷售代表",
        "defaults by stage: 10/20/50/75/100/0 %": "預設依階段：10/20/50/75/100/0 %",
        "pain points and goals": "業務需求、痛點和目標",
        "the competitor it faces": "面對的競爭對手",
        "the competitor that won a lost deal": "丟單時贏得該單的競爭對手",
        "the day of its last stage move (from the history), else created": "最近一次階段變動的日期（取自變更記錄），沒有變動時為建立日期",
        "market needs, customer distribution, trends": "市場需求、客戶分布、市場趨勢",
        "planned and past its date": "已計劃但計劃日期已過",
        "a presales engineer": "須為售前工程師",
        "numbered per opportunity": "每個商機各自編號",
        "not needed, pending or approved (discounts over the limit)":
            "not needed（不需核准）、pending（待核准）或 approved（已核准）；折扣超過上限時須核准",
        "defaults to the opportunity's": "預設為商機的客戶",
        "the sum of its lines": "各明細金額的合計",
        "defaults to the product's": "預設為產品的單價",
        "quantity × unit price less discount": "數量 × 單價，再扣除折扣",
        "when the rep last told the customer of progress": "銷售代表最近一次向客戶反饋訂單進度的日期",
        "the contract's delivery date has passed and it is not delivered": "已過合同的交貨日期仍未交付",
        "unpaid past its due date": "過了到期日仍未付款",
        "days paid after the due date, or unpaid past it": "付款日晚於到期日的天數，或逾期未付的天數",
        "a month, quarter or year": "一個月、一季或一年",
        "a month or a year": "一個月或一年",
        "by the staff member": "由員工本人評分",
        "by their superior": "由上級評分",
        "mean survey score of the period, at review": "評核時該期間客戶滿意度調查的平均分",
        "weighted self, superior and customer scores (setting appraisal_weights, default 20/50/30)":
            "自評、上級評分與客戶評分的加權平均（設定 appraisal_weights，預設 20/50/30）",
        "A ≥ 90, B ≥ 75, C ≥ 60, D below": "A ≥ 90，B ≥ 75，C ≥ 60，其餘為 D",
        "by grade (settings bonus_A … bonus_D)": "依等級發放（設定 bonus_A … bonus_D）",
        "follows the grade unless given": "未填寫時依等級而定",
        "monthly: the 10th of the next month; annual: 31 January": "月度考核：次月 10 日；年度考核：次年 1 月 31 日",
        "the total as it stood at the close": "結案時的總分",
        "the bonus as it stood at the close": "結案時的績效獎金",
        "approved and reimbursed claims": "已核准與已報銷的報銷單",
        "submitted claims": "已提交、待審批的報銷單",
        "impact × likelihood": "影響 × 可能性",
        "1–4 low, 5–9 medium, 10–16 high, 20–25 critical": "1–4 low（低）、5–9 medium（中）、10–16 high（高）、20–25 critical（嚴重）",
        "a course that covers it: a passed training record meets the need": "涵蓋此需求的課程：通過該課程的培訓記錄即滿足此需求",
        "training records for this plan": "此計劃的培訓記錄數",
        "the operating-system account the shell ran under": "執行 salesh 時的作業系統帳號",
    ]

    /// Why each early warning matters (`Warnings.all`).
    static let warningWhy: [String: String] = [
        "invoices unpaid past their due date (credit risk)": "過了到期日仍未付款的發票（信用風險）",
        "customers whose unpaid invoices exceed their credit limit (credit risk)": "未付發票總額超過信用額度的客戶（信用風險）",
        "orders not delivered by their contract's delivery date (contract risk)": "過了合同交貨日期仍未交付的訂單（合同風險）",
        "open opportunities with no stage move in $stale_days (setting stale_days)": "超過 $stale_days 沒有階段變動的未結商機（設定 stale_days）",
        "negotiated discounts over the limit that are not approved (setting discount_limit)": "折扣超過上限且尚未核准的商務談判（設定 discount_limit）",
        "budgets more than $budget_alert used (setting budget_alert)": "使用率超過 $budget_alert 的費用預算（設定 budget_alert）",
        "appraisals not reviewed by their due date (the 10th of the next month, 31 January)":
            "過了截止日仍未評核的績效考核（月度考核為次月 10 日，年度考核為 1 月 31 日）",
        "complaints open longer than $complaint_days (setting complaint_days)": "受理超過 $complaint_days 仍未結案的客戶投訴（設定 complaint_days）",
        "open risks past their review date": "已過複核日期的未結風險",
    ]

    /// A value type's name in Chinese, for the type column of `help ENTITY`. Enumerations list their
    /// values below the field (or in the lifecycle); references keep the entity's name, as typed.
    static func typeName(_ type: ValueType) -> String {
        switch type {
        case .any: "任意"
        case .bool: "是／否"
        case .int: "整數"
        case .real: "數字"
        case .money: "金額"
        case .percent: "百分比"
        case .date: "日期"
        case .timestamp: "時間"
        case .text: "文字"
        case .period: "期間"
        case .duration: "時間長度"
        case .enumeration: "選項"
        case .reference: type.description
        }
    }

    /// The Chinese names of the help's topics, which `help` also accepts.
    static let topics: [(topic: String, zh: String)] = [
        ("statements", "指令"), ("entities", "實體"), ("queries", "查詢"), ("reports", "報表"), ("warnings", "預警"),
        ("expressions", "運算式"), ("dates", "日期"), ("functions", "函式"), ("scripting", "腳本"), ("checks", "檢查"),
        ("errors", "錯誤"), ("search", "搜尋"),
    ]

    /// Other Chinese words people use for topics.
    static let topicAliases: [String: String] = ["表達式": "expressions", "函數": "functions", "期間": "dates", "搜索": "search", "說明": "statements"]
}
