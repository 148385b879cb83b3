extension Mutation {
    /// Converts a qualified lead (3.1): links the given customer or creates one from the lead,
    /// opens an opportunity for it, and marks the lead converted with links to both.
    /// `opportunity` holds fields for the new opportunity; its `customer` names an existing customer to link.
    public func convertLead(_ leadID: String, opportunity given: [(field: Int, value: Value)]) throws -> (customer: String, opportunity: String, createdCustomer: Bool) {
        let schema = model.schema
        let le = schema.index(of: "lead")!, ce = schema.index(of: "customer")!, oe = schema.index(of: "opportunity")!
        let leads = model.tables[le], opps = model.tables[oe]
        guard let lead = leads.record(leadID) else { throw DomainError("no lead \(leadID)") }
        let ls = leads.schema
        func lv(_ f: String) -> Value { lead.values[ls.fieldIndex(f)!] }
        guard lv("status") == .text("qualified") else {
            let st = lv("status").display
            throw DomainError("\(leadID) is \(st); only a qualified lead can be converted",
                              hint: st == "new" ? "move \(leadID) to screening, then to qualified" : (st == "screening" ? phrase("move \(leadID) to qualified") : nil))
        }
        let os = opps.schema
        let customerField = os.fieldIndex("customer")!
        var customerID: String
        var created = false
        if let link = given.first(where: { $0.field == customerField }), case .text(let c) = link.value {
            guard model.tables[ce].contains(c) else { throw DomainError("customer: there is no customer '\(c)'", field: "customer") }
            customerID = c
        } else {
            let cs = model.tables[ce].schema
            var values: [(field: Int, value: Value)] = [(cs.fieldIndex("name")!, lv("company"))]
            for f in ["owner", "contact", "phone", "region"] where !lv(f).isNull {
                values.append((cs.fieldIndex(f)!, lv(f)))
            }
            customerID = try create(entity: ce, id: nil, values: values)
            created = true
        }
        let ownerField = os.fieldIndex("owner")!
        if lv("owner").isNull && !given.contains(where: { $0.field == ownerField }) {
            throw DomainError("\(leadID) has no owner; give the opportunity one: convert \(leadID) owner=…", field: "owner")
        }
        var values: [(field: Int, value: Value)] = [(customerField, .text(customerID)), (os.fieldIndex("lead")!, .text(leadID))]
        for (name, v) in [("owner", lv("owner")), ("title", lv("company")), ("source", lv("source"))] where !v.isNull {
            let fi = os.fieldIndex(name)!
            if !given.contains(where: { $0.field == fi }) { values.append((fi, v)) }
        }
        values += given.filter { $0.field != customerField }
        let oppID = try create(entity: oe, id: nil, values: values)
        try update(entity: le, id: leadID, values: [(ls.fieldIndex("customer")!, .text(customerID)), (ls.fieldIndex("opportunity")!, .text(oppID))])
        try update(entity: le, id: leadID, values: [(ls.stateIndex!, .text("converted"))], allowState: true)
        return (customerID, oppID, created)
    }
}
