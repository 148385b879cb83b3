// Chapter 7 of the regulations: training needs (the appraisal opens them).

extension Enums {
    public static let needSource = EnumType("need source", [
        EnumCase("appraisal", "績效考核", hans: "绩效考核"), EnumCase("self", "自評", hans: "自评"), EnumCase("manager", "主管", hans: "主管"),
    ])
    public static let needStatus = EnumType("need status", [
        EnumCase("open", "待安排"), EnumCase("planned", "已安排"), EnumCase("met", "已達成", hans: "已达成"),
    ])
    public static let courseKind = EnumType("course kind", [
        EnumCase("product", "產品知識", hans: "产品知识"), EnumCase("sales_skills", "銷售技巧", hans: "销售技巧"),
        EnumCase("industry", "行業知識", hans: "行业知识"), EnumCase("teamwork", "團隊協作", hans: "团队协作"),
    ])
    public static let courseMethod = EnumType("method", [
        EnumCase("internal", "內部", hans: "内部"), EnumCase("external", "外部"), EnumCase("online", "在線", hans: "在线"),
    ])
    public static let careerStatus = EnumType("career plan status", [
        EnumCase("active", "進行中", hans: "进行中"), EnumCase("achieved", "已達成", hans: "已达成"), EnumCase("dropped", "已放棄", hans: "已放弃"),
    ])
    public static let activityKind = EnumType("activity kind", [
        EnumCase("culture", "文化建設", hans: "文化建设"), EnumCase("outing", "團隊旅遊", hans: "团队旅游"),
        EnumCase("workshop", "研討會", hans: "研讨会"), EnumCase("meeting", "溝通會議", hans: "沟通会议"),
    ])
}

extension Schema {
    static let training: [EntitySchema] = [
        EntitySchema(
            name: "training_need", plural: "training_needs", zh: "培訓需求", zhHans: "培训需求", chapter: "7.1", id: .prefix("TN"), title: "skill",
            fields: [
                FieldSchema("staff", .reference("staff"), required: true, zh: "人員", listed: true),
                FieldSchema("skill", .text, required: true, zh: "技能", listed: true),
                FieldSchema("gap", .text, zh: "差距", listed: true),
                FieldSchema("source", .enumeration(Enums.needSource), required: true, zh: "來源", listed: true),
                FieldSchema("priority", .enumeration(Enums.priority), zh: "優先級", listed: true, default: .value(.text("medium"))),
                FieldSchema("status", .enumeration(Enums.needStatus), zh: "狀態", access: .state, listed: true),
                FieldSchema("appraisal", .reference("appraisal"), zh: "考核", access: .system),
                FieldSchema("course", .reference("course"), zh: "課程", doc: "a course that covers it: a passed training record meets the need"),
            ],
            states: StateMachine(field: "status", initial: "open", transitions: ["open": ["planned", "met"], "planned": ["met"], "met": []]),
            doc: "Training needs: a skill gap of a staff member, from an appraisal, themselves or their manager."),
        EntitySchema(
            name: "course", plural: "courses", zh: "課程", zhHans: "课程", chapter: "7.2", id: .key, title: "title",
            fields: [
                FieldSchema("title", .text, required: true, zh: "名稱", listed: true),
                FieldSchema("kind", .enumeration(Enums.courseKind), required: true, zh: "類型", listed: true),
                FieldSchema("method", .enumeration(Enums.courseMethod), required: true, zh: "方式", listed: true),
                FieldSchema("provider", .text, zh: "提供者", listed: true),
                FieldSchema("hours", .real, zh: "時數", range: 0...10_000, listed: true),
            ],
            doc: "Courses: product knowledge, sales skills, industry knowledge, teamwork; internal, external or online."),
        EntitySchema(
            name: "training_plan", plural: "training_plans", zh: "培訓計劃", zhHans: "培训计划", chapter: "7.1", id: .prefix("TP"), title: "course",
            fields: [
                FieldSchema("period", .period, required: true, zh: "期間", listed: true),
                FieldSchema("course", .reference("course"), required: true, zh: "課程", listed: true),
                FieldSchema("team", .reference("team"), zh: "對象團隊", listed: true),
                FieldSchema("role", .enumeration(Enums.role), zh: "對象崗位", listed: true),
                FieldSchema("date", .date, zh: "日期", listed: true),
                FieldSchema("capacity", .int, zh: "名額", range: 1...100_000, listed: true),
                FieldSchema("enrolled", .int, zh: "已報名", listed: true, doc: "training records for this plan",
                            compute: { r, model, _ in .int(Int64(model.trainingEnrolment()[r.id] ?? 0)) }),
            ],
            doc: "Training plans: a course for a team or a role, on a date, with a capacity."),
        EntitySchema(
            name: "training", plural: "trainings", zh: "培訓記錄", zhHans: "培训记录", chapter: "7.2", id: .prefix("TR"), title: "course",
            fields: [
                FieldSchema("staff", .reference("staff"), required: true, zh: "人員", listed: true),
                FieldSchema("course", .reference("course"), required: true, zh: "課程", listed: true),
                FieldSchema("date", .date, required: true, zh: "日期", listed: true),
                FieldSchema("hours", .real, zh: "時數", range: 0...1_000, listed: true),
                FieldSchema("score", .int, zh: "成績", range: 0...100, listed: true),
                FieldSchema("passed", .bool, zh: "通過", listed: true),
                FieldSchema("plan", .reference("training_plan"), zh: "培訓計劃"),
            ],
            rules: [Rules.oneTrainingPerDay],
            naturalKey: ["staff", "course", "date"],
            onCreate: Hooks.trainingMeetsNeeds,
            doc: "Course records: who took which course on which day, hours, score, passed. One per staff, course and day."),
        EntitySchema(
            name: "career_plan", plural: "career_plans", zh: "職業發展規劃", zhHans: "职业发展规划", chapter: "7.4", id: .prefix("CP"), title: "target_role",
            fields: [
                FieldSchema("staff", .reference("staff"), required: true, zh: "人員", listed: true),
                FieldSchema("target_role", .enumeration(Enums.role), required: true, zh: "目標崗位", listed: true),
                FieldSchema("target_date", .date, zh: "目標日期", listed: true),
                FieldSchema("milestones", .text, zh: "里程碑"),
                FieldSchema("status", .enumeration(Enums.careerStatus), zh: "狀態", access: .state, listed: true),
            ],
            states: StateMachine(field: "status", initial: "active", transitions: ["active": ["achieved", "dropped"], "achieved": [], "dropped": []]),
            doc: "Career development plans: a target role and date, with milestones."),
        EntitySchema(
            name: "activity", plural: "activities", zh: "團隊活動", zhHans: "团队活动", chapter: "8", id: .prefix("AC"), title: "title",
            fields: [
                FieldSchema("team", .reference("team"), required: true, zh: "團隊", listed: true),
                FieldSchema("date", .date, zh: "日期", listed: true, default: .today),
                FieldSchema("kind", .enumeration(Enums.activityKind), required: true, zh: "類型", listed: true),
                FieldSchema("title", .text, required: true, zh: "名稱", listed: true),
                FieldSchema("participants", .int, zh: "參與人數", range: 0...100_000, listed: true),
                FieldSchema("notes", .text, zh: "備註"),
            ],
            doc: "Team-building activities: culture, outings, workshops, meetings."),
    ]
}

extension Management {
    /// A grade D, or a sales target attained below 60 %, opens a training need when the appraisal closes.
    static func openTrainingNeeds(_ m: Mutation, appraisal r: Record) throws {
        let model = m.model
        guard case .text(let staff) = r.values[0], case .period(let p) = r.values[1] else { return }
        let te = model.schema.index(of: "training_need")!
        let ts = model.tables[te].schema
        func need(_ skill: String, _ gap: String, _ priority: String) throws {
            _ = try m.create(entity: te, id: nil, values: [(ts.fieldIndex("staff")!, .text(staff)), (ts.fieldIndex("skill")!, .text(skill)),
                                                           (ts.fieldIndex("gap")!, .text(gap)), (ts.fieldIndex("source")!, .text("appraisal")),
                                                           (ts.fieldIndex("priority")!, .text(priority)), (ts.fieldIndex("appraisal")!, .text(r.id))])
        }
        if let t = total(r, model), grade(t) == "D" {
            try need("銷售績效", "grade D in \(p) (total \(Value.formatReal(t)))", "high")
        }
        if let attainment = model.kpis(p)[staff]?.attainment, attainment < 0.6 {
            try need("目標達成", "target attained \(Int((attainment * 100).rounded()))% in \(p)", "medium")
        }
    }
}

extension Rules {
    /// A course record's natural key: one per staff member, course and day.
    static let oneTrainingPerDay: RecordRule = { r, _, model in
        // By day: a day has a handful of records, a staff member thousands over the years.
        let t = model.table("training")
        let dup = t.slots(where: 2, is: r.values[2]).lazy.compactMap { t.record(at: $0) }.first {
            $0.id != r.id && $0.values[0] == r.values[0] && $0.values[1] == r.values[1]
        }
        if let d = dup { return DomainError("\(r.values[0].display) already has \(d.id) for \(r.values[1].display) on \(r.values[2].display)", field: "date") }
        return nil
    }

}

extension Hooks {
    /// A passed course record meets the staff member's open needs for that course.
    static let trainingMeetsNeeds: CreateHook = { m, id in
        let model = m.model
        guard let t = model.table("training").record(id), t.values[5] == .bool(true),
              case .text(let staff) = t.values[0], case .text(let course) = t.values[1] else { return }
        let ne = model.schema.index(of: "training_need")!
        let ns = model.tables[ne].schema
        for n in model.records("training_need", where: "staff", is: staff)
        where n.value("course", in: ns) == .text(course) && n.value("status", in: ns) != .text("met") {
            try m.update(entity: ne, id: n.id, values: [(ns.stateIndex!, .text("met"))], allowState: true)
        }
    }
}

extension Model {
    /// Training records per plan, cached until the next change.
    public func trainingEnrolment() -> [String: Int] {
        memo("training_plan.enrolled") {
            var out: [String: Int] = [:]
            for case let t? in table("training").records { if case .text(let p) = t.values[6] { out[p, default: 0] += 1 } }
            return out
        }
    }
}
