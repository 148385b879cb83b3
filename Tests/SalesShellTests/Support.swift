import Testing
import SalesCore
import SalesLanguage
@testable import SalesShell

let shellToday = Day(year: 2026, month: 11, day: 26)!

/// A model filled through the language, as a user would.
func makeModel(_ script: String = smallOrganisation) throws -> Model {
    let model = Model()
    let interp = Interpreter(ctx: EvalContext(model: model, today: shellToday,
                                              now: Timestamp(millis: (Int64(shellToday.raw) * 86_400 + 9 * 3600) * 1000), user: "admin"))
    interp.commit = { tx in model.recordHistory(tx) }
    let src = Source(name: "setup", text: script)
    for st in try Parser.parse(src) { _ = try interp.run(st, in: src) }
    return model
}

let smallOrganisation = """
add team north name="北區業務部" region=north
add team south name="南區業務部" region=south
add staff wang.wei name="王偉" role=manager team=north
add staff li.na name="李娜" role=rep team=north manager=wang.wei
add staff zhang.san name="張三" role=rep team=south manager=wang.wei
add customer name="台北銀行" region=north owner=li.na
add customer name="高雄物流" region=south owner=zhang.san
add opportunity title="5G 專網" customer=C1 owner=li.na amount=1.2m
add opportunity title="SD-WAN" customer=C2 owner=zhang.san amount=500k
add opportunity title="IDC" customer=C2 owner=zhang.san amount=80k
add lead company="遠傳電信" source=referral owner=li.na
"""

/// Everything observable about a model's data: per table its next number and every record.
func fingerprint(_ model: Model) -> [String] {
    var out: [String] = []
    for t in model.tables {
        out.append("\(t.schema.name) next=\(t.nextNumber) count=\(t.count)")
        for r in t.allRecords.sorted(by: { $0.id < $1.id }) {
            out.append("  \(r.id): \(r.values.map { "\($0)" }.joined(separator: " | "))")
        }
    }
    return out
}
