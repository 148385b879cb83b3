// Chapter 7 of the regulations: training needs (the appraisal opens them).

extension Enums {
    public static let needSource = EnumType("need source", [
        EnumCase("appraisal", "績效考核", hans: "绩效考核"), EnumCase("self", "自評", hans: "自评"), EnumCase("manager", "主管", hans: "主管"),
    ])
    public static let needStatus = EnumType("need status", [
        EnumCase("open", "待安排"), EnumCase("planned", "已安排"), EnumCase("met", "已達成", hans: "已达成"),
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
            ],
            states: StateMachine(field: "status", initial: "open", transitions: ["open": ["planned", "met"], "planned": ["met"], "met": []]),
            doc: "Training needs: a skill gap of a staff member, from an appraisal, themselves or their manager."),
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
