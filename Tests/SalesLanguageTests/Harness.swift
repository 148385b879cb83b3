import Testing
@testable import SalesLanguage
import SalesCore

let harnessToday = Day(year: 2026, month: 11, day: 26)!

/// An interpreter over an in-memory model, as the shell drives it, with history recorded on commit.
final class Harness {
    let model = Model()
    let interp: Interpreter

    init(user: String = "admin") {
        let ctx = EvalContext(model: model, today: harnessToday,
                              now: Timestamp(millis: (Int64(harnessToday.raw) * 86_400 + 9 * 3600) * 1000), user: user)
        interp = Interpreter(ctx: ctx)
        interp.commit = { [model] tx in model.recordHistory(tx) }
    }

    @discardableResult
    func run(_ text: String) throws -> [Output] {
        let src = Source(name: "test.sales", text: text)
        return try Parser.parse(src).map { try interp.run($0, in: src) }
    }

    func message(_ text: String) throws -> String {
        guard case .message(let m)? = try run(text).last else { Issue.record("no message from \(text)"); return "" }
        return m
    }

    func table(_ text: String) throws -> ResultTable {
        switch try run(text).last {
        case .table(let t)?: return t
        case let other: Issue.record("not a table: \(String(describing: other))"); return ResultTable(columns: [], rows: [])
        }
    }

    /// The rows of a query result as displayed text.
    func rows(_ text: String) throws -> [[String]] { try table(text).rows.map { $0.map(\.display) } }

    /// The first column of a query result.
    func column(_ text: String) throws -> [String] { try rows(text).map { $0.first ?? "" } }

    func scalar(_ text: String) throws -> Value {
        switch try run(text).last {
        case .scalar(let v, _)?: return v
        case let other: Issue.record("not a scalar: \(String(describing: other))"); return .null
        }
    }

    func count(_ query: String) throws -> Int64 {
        guard case .int(let n) = try scalar(query + " | count") else { return -1 }
        return n
    }

    /// The diagnostic a statement fails with; the model must be as it was before.
    func error(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Diagnostic? {
        let before = snapshot()
        defer { #expect(snapshot() == before, "a failed statement changed the model", sourceLocation: sourceLocation) }
        do {
            try run(text)
            Issue.record("no error from: \(text)", sourceLocation: sourceLocation)
            return nil
        } catch let d as Diagnostic { return d } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    func snapshot() -> [String] {
        model.tables.flatMap { t in ["\(t.schema.name) \(t.nextNumber)"] + t.allRecords.map { "\($0.id) \($0.values)" } }
    }

    func value(_ id: String, _ field: String) -> Value {
        guard let (t, s) = model.find(id) else { return .null }
        return t.value(s, t.schema.fieldIndex(field)!)
    }

    static let fixture = """
    add team north name="北區業務部" region=north
    add team south name="南區業務部" region=south
    add staff wang.wei name="王偉" role=manager team=north
    set north manager=wang.wei
    add staff li.na name="李娜" role=rep team=north manager=wang.wei
    add staff zhang.san name="張三" role=rep team=south manager=wang.wei
    add staff chen.jie name="陳傑" role=presales team=north manager=wang.wei
    add customer name="台北銀行" region=north owner=li.na tier=key
    add customer name="高雄物流" region=south owner=zhang.san tier=standard
    add customer name="新竹科技" region=north owner=li.na
    add opportunity title="5G 專網" customer=C1 owner=li.na amount=1.2m expected_close=2026-08-15 presales=chen.jie
    add opportunity title="SD-WAN" customer=C2 owner=zhang.san amount=500k expected_close=2026-09-30
    add opportunity title="IDC 機櫃" customer=C3 owner=li.na amount=80k expected_close=2026-10-01
    add opportunity title="雲端總機" customer=C2 owner=zhang.san amount=333.33 expected_close=2026-12-20
    add opportunity title="MPLS VPN" customer=C1 owner=wang.wei amount=2m
    add product MPLS-VPN name="MPLS VPN 專線" unit_price=500k unit_cost=300k
    move O2 to needs
    set O2 needs="總部與 12 個據點互聯"
    move O2 to proposal
    add proposal opportunity=O2 author=chen.jie title="SD-WAN 方案" product_intro="SD-WAN" technical_plan="雙線路" implementation_plan="分三期" after_sales="7×24" price=500k
    move P1 to submitted
    move O2 to negotiation
    move O3 to needs
    lose O3 reason="價格過高"
    move O5 to needs; move O5 to proposal needs="跨境專線"
    add proposal opportunity=O5 author=chen.jie title="MPLS 方案" product_intro="MPLS" technical_plan="四條專線" implementation_plan="一個月" after_sales="專屬客服" price=2m
    move P2 to submitted; move O5 to negotiation
    add contract opportunity=O5; add contract_line contract=K1 product=MPLS-VPN quantity=4
    move K1 to signed
    """

    /// O1 qualified 1.2m li.na (north) · O2 negotiation 500k zhang.san (south) · O3 lost 80k li.na ·
    /// O4 qualified 333.33 zhang.san · O5 won 2m wang.wei (north), closed today.
    /// P1 (for O2) and P2 (for O5) are submitted proposals by chen.jie; K1 is O5's signed contract with
    /// one line KL1 of 4 × MPLS-VPN at 500k, so its total is O5's 2m.
    static func sales() throws -> Harness {
        let h = Harness()
        try h.run(fixture)
        return h
    }
}
