import Testing
@testable import SalesLanguage
import SalesCore

@Suite("Interpreter: statements")
struct StatementTests {
    @Test func fixtureBuildsTheExpectedModel() throws {
        let h = try Harness.sales()
        #expect(h.model.table("opportunity").count == 5)
        #expect(h.value("O2", "stage") == .text("negotiation"))
        #expect(h.value("O3", "stage") == .text("lost"))
        #expect(h.value("O3", "lost_reason") == .text("價格過高"))
        #expect(h.value("O5", "stage") == .text("won"))
        #expect(h.value("O5", "closed") == .date(harnessToday))
        #expect(h.value("O1", "amount") == .money(Money(minor: 120_000_000)))
        #expect(h.value("O4", "amount") == .money(Money(minor: 33_333)))
        // The fixture follows the chapter 3 gates: needs, a submitted proposal, a signed contract.
        #expect(h.value("O2", "needs") == .text("總部與 12 個據點互聯"))
        #expect(h.value("P1", "status") == .text("submitted"))
        #expect(h.value("P2", "status") == .text("submitted"))
        #expect(h.value("K1", "status") == .text("signed"))
        #expect(h.value("K1", "signed") == .date(harnessToday))
        #expect(try h.column("contracts | where id = K1 | select total") == ["2,000,000.00"])
        #expect(h.value("O5", "amount") == .money(Money(yuan: 2_000_000)))
    }

    @Test func messages() throws {
        let h = try Harness.sales()
        #expect(try h.message(#"add customer name="台中精密" region=central"#) == "added C4 (台中精密)")
        #expect(try h.message("add product FIBER-1G name=\"企業光纖專線 1G\" unit_price=180k") == "added FIBER-1G (企業光纖專線 1G)")
        #expect(try h.message("add product id=SD-WAN name=\"SD-WAN 組網\"") == "added SD-WAN (SD-WAN 組網)")
        #expect(try h.message("set C1 tier=strategic credit_limit=2m") == "C1: tier key → strategic, credit_limit ∅ → 2,000,000.00")
        #expect(try h.message("set C1 tier=strategic") == "C1 unchanged")
        #expect(try h.message("move O1 to needs") == "O1 qualified → needs (probability 20%)")
        // Won only with a signed contract; signing one wins its opportunity.
        #expect(h.error("win O2")?.message == "O2 cannot be won without a signed contract")
        try h.run("add contract opportunity=O2; add contract_line contract=K2 product=MPLS-VPN quantity=1")
        #expect(try h.message("move K2 to signed") == "K2 draft → signed; O2 negotiation → won")
        #expect(h.value("O2", "stage") == .text("won"))
        #expect(try h.message("reopen O2") == "O2 reopened: won → negotiation")
        #expect(try h.message("win O2") == "O2 negotiation → won (probability 100%)")
        #expect(try h.message(#"lose O4 reason="預算凍結""#) == "O4 qualified → lost (probability 0%)")
        #expect(try h.message("reopen O1 to qualified") == "O1 reopened: needs → qualified")
        #expect(try h.message("delete C4") == "deleted C4")
    }

    @Test func enumValuesInChineseAndEnglish() throws {
        let h = try Harness.sales()
        try h.run(#"add lead company="台灣大哥大" contact="林先生" source=行業展會 owner=li.na"#)
        try h.run(#"add lead company="遠傳電信" source=Referral owner=li.na"#)
        try h.run(#"add lead company="亚太电信" source=电话营销 owner=li.na"#)
        #expect(h.value("L1", "source") == .text("exhibition"))
        #expect(h.value("L2", "source") == .text("referral"))
        #expect(h.value("L3", "source") == .text("telemarketing"))
        #expect(try h.column("leads | where source = 行業展會 | select company") == ["台灣大哥大"])
        #expect(try h.column("opportunities | where stage = 商務談判 | select id") == ["O2"])
        #expect(try h.column("opportunities | where stage = 成交 | select id") == ["O5"])
        #expect(try h.column("opportunities | where stage in (商機確認, 丟單) | select id") == ["O1", "O3", "O4"])
        try h.run("move O1 to 需求分析")
        #expect(h.value("O1", "stage") == .text("needs"))
        // Chinese entity and field names.
        #expect(try h.count("商機") == 5)
        #expect(try h.column("客戶 | where 區域 = \"south\" | select 名稱") == ["高雄物流"])
        try h.run(#"add 客戶線索 公司="中華電信" 來源=網絡營銷 負責人=li.na"#)
        #expect(h.value("L4", "source") == .text("online"))
        #expect(h.value("L4", "owner") == .text("li.na"))
    }

    @Test func leadConversionEndToEnd() throws {
        let h = try Harness.sales()
        try h.run(#"add lead company="台灣大哥大" contact="林先生" phone="02-6606-1234" source=行業展會 owner=li.na score=80"#)
        let notYet = h.error("convert L1")
        #expect(notYet?.message == "L1 is new; only a qualified lead can be converted")
        #expect(notYet?.hint == "move L1 to screening, then to qualified")
        try h.run("move L1 to screening\nmove L1 to qualified")
        #expect(try h.message(#"convert L1 title="5G 專網" amount=1.2m"#) == "L1 converted: new customer C4, opportunity O6")
        #expect(h.value("C4", "name") == .text("台灣大哥大"))
        #expect(h.value("O6", "title") == .text("5G 專網"))
        #expect(h.value("O6", "customer") == .text("C4"))
        #expect(h.value("L1", "status") == .text("converted"))
        try h.run(#"add lead company="宏達電" source=online owner=li.na"#)
        try h.run("move L2 to screening; move L2 to qualified")
        #expect(try h.message("convert L2 customer=C1") == "L2 converted: customer C1, opportunity O7")
        #expect(h.error("convert O1")?.message == "only leads are converted; O1 is a opportunity")
    }

    @Test func historyIsQueryable() throws {
        let h = try Harness.sales()
        let rows = try h.rows("history | where record = O2 | select action, field, old, new")
        #expect(rows.first?[0] == "create")
        #expect(rows.filter { $0[0] == "move" }.map { "\($0[2])→\($0[3])" } == ["qualified→needs", "needs→proposal", "proposal→negotiation"])
        #expect(try h.count("history | where record = O2 and user = admin") == Int64(rows.count))
        #expect(h.error("add history user=x")?.message == "history is kept by the shell and cannot be added to")
    }

    @Test func variablesAndScalars() throws {
        let h = try Harness.sales()
        try h.run("let big = 500k")
        #expect(try h.count("opportunities | where amount >= $big") == 3)
        #expect(try h.scalar("$big") == .int(500_000))
        try h.run("let n = (opportunities | where stage = won | count)")
        #expect(try h.scalar("$n") == .int(1))
        #expect(try h.scalar("today") == .date(harnessToday))
        #expect(try h.scalar("days(2026-12-01 - 2026-11-01)") == .int(30))
        #expect(try h.scalar("1 + 2 * 3") == .int(7))
        #expect(try h.scalar("7 / 2") == .real(3.5))
        #expect(try h.scalar("\"5G \" + \"專網\"") == .text("5G 專網"))
        let undefined = h.error("opportunities | where amount > $bgi")
        #expect(undefined?.message == "undefined variable $bgi")
        #expect(undefined?.hint == "did you mean $big?")
        #expect(undefined?.location?.column == 32)
    }

    /// `1 + 2` is a statement; so is an expression that starts with any other literal.
    @Test("expression statements may start with any literal", arguments: [
        ("2026-12-01 - 2026-11-01", Value.duration(Duration(days: 30))),
        ("2026-11-26 + 7d", .date(Day(year: 2026, month: 12, day: 3)!)),
        ("30% + 5%", .percent(Percent(whole: 35))),
        ("7d + 2w", .duration(Duration(days: 21))),
        ("2026-01-31 + 1mo", .date(Day(year: 2026, month: 2, day: 28)!)),
        ("\"中\" + \"文\"", .text("中文")),
        ("(1 + 2) * 3", .int(9)),
    ])
    func expressionStatements(_ text: String, _ value: Value) throws {
        let h = Harness()
        #expect(try h.scalar(text) == value)
    }

    @Test func setChecksTypes() throws {
        let h = try Harness.sales()
        let word = h.error("set O1 amount=abc")
        #expect(word?.message == "expected money, found 'abc'")
        #expect(word?.location == SourceLocation(line: 1, column: 15, length: 3))
        #expect(word?.hint == "money is written 1200, 1.2m, 500k or 12,000.50")
        #expect(h.error(#"set O1 amount="abc""#)?.message == "expected money, found text 'abc'")
        #expect(h.error("set O1 amount=1.234")?.message == "money has at most two decimals")
        #expect(h.error("set O1 expected_close=2026-02-30")?.message == "'2026-02-30' is not a valid date")
        #expect(h.error("set O1 expected_close=soon")?.message == "expected date, found 'soon'")
        #expect(h.error("set O1 probability=abc")?.message == "expected percent, found 'abc'")
        #expect(h.error("set li.na active=maybe") != nil)
        #expect(h.error("set O1 stage=won")?.message == "stage changes only through the lifecycle")
        #expect(h.error("set O1 closed=today")?.message == "closed is kept by the rules and cannot be set")
        #expect(h.error("set O1 amount=1 amount=2")?.message == "amount is given twice")
        // Money given as a plain number, percent as a bare number.
        try h.run("set O1 amount=1500 probability=35")
        #expect(h.value("O1", "amount") == .money(Money(yuan: 1500)))
        #expect(h.value("O1", "probability") == .percent(Percent(whole: 35)))
        try h.run(#"set O1 amount="12,000.50" expected_close="2026/12/5""#)
        #expect(h.value("O1", "amount") == .money(Money(minor: 1_200_050)))
        #expect(h.value("O1", "expected_close") == .date(Day(year: 2026, month: 12, day: 5)!))
        try h.run("set li.na active=no")
        #expect(h.value("li.na", "active") == .bool(false))
    }

    @Test func badInputChangesNothing() throws {
        let h = try Harness.sales()
        // A statement applies whole or not at all: the valid first field is not kept.
        let e = h.error("set O1 amount=2m owner=nobody")
        #expect(e?.message == "owner: there is no staff 'nobody'")
        #expect(e?.location?.column == 24)
        #expect(h.value("O1", "amount") == .money(Money(yuan: 1_200_000)))
        #expect(h.error(#"add opportunity title="x" customer=C1"#)?.message == "a new opportunity needs owner (負責人)")
        #expect(h.error(#"add lead company="x" source=online score=101"#)?.message == "score must be between 0 and 100, not 101")
        #expect(h.error("set O1 probability=120%")?.message == "probability must be between 0% and 100%, not 120%")
        let cycle = h.error("set wang.wei manager=li.na")
        #expect(cycle?.message == "reporting-line cycle: wang.wei → li.na → wang.wei")
        #expect(try h.message(#"add customer name="ok""#) == "added C4 (ok)")   // no number was used up
    }

    @Test func lifecycleErrorsPointAtTheStatement() throws {
        let h = try Harness.sales()
        let won = h.error("win O1")
        #expect(won?.message == "O1 cannot move from qualified to won; from qualified it can move to needs or lost")
        #expect(won?.location?.line == 1)
        let lost = h.error("lose O1")
        #expect(lost?.message == "O1 needs lost_reason to become lost")
        #expect(lost?.hint == "lose O1 reason=\"…\"")
        let skip = h.error("\nmove O1 to proposal")
        #expect(skip?.location == SourceLocation(line: 2, column: 12, length: 8))
        let unknown = h.error("move O1 to negotation")
        #expect(unknown?.message == "unknown stage 'negotation'")
        #expect(unknown?.hint == "did you mean 'negotiation'?")
        #expect(h.error("win C1")?.message == "only opportunities are won; C1 is a customer")
        #expect(h.error("move C1 to won")?.message == "customers have no lifecycle")
        let missing = h.error("show O99")
        #expect(missing?.message == "no record 'O99'")
        #expect(missing?.hint == "opportunities run from O1 to O5")
        let key = h.error("show li.nq")
        #expect(key?.hint == "did you mean 'li.na'?")
        #expect(h.error("delete C1")?.message.hasPrefix("C1 cannot be deleted: it is referred to by O1 (opportunity.customer)") == true)
        // The chapter 3 gates: needs before proposal, a proposal before negotiation, a contract before won.
        try h.run("move O1 to needs")
        let needs = h.error("move O1 to proposal")
        #expect(needs?.message == "O1 needs needs to become proposal")
        #expect(needs?.location?.column == 12)
        try h.run("move O4 to needs; move O4 to proposal needs=\"x\"")
        let noProposal = h.error("move O4 to negotiation")
        #expect(noProposal?.message == "O4 needs a submitted or accepted proposal before negotiation")
        #expect(noProposal?.hint == "add proposal opportunity=O4 author=… (a presales engineer)")
        let noContract = h.error("win O2")
        #expect(noContract?.message == "O2 cannot be won without a signed contract")
        #expect(noContract?.hint?.contains("add contract opportunity=O2") == true)
        #expect(h.error("move O2 to won")?.message == "O2 cannot be won without a signed contract")
    }

    @Test func showCollectsRelatedRecords() throws {
        let h = try Harness.sales()
        guard case .record(let view)? = try h.run("show C2").last else { Issue.record("no record"); return }
        #expect(view.record.id == "C2")
        #expect(view.referenceTitles[view.entity.fieldIndex("owner")!] == "張三")
        #expect(view.related.map(\.title) == ["opportunities", "proposals of these opportunities"])
        #expect(view.related.first?.table.rows.map { $0[0].display } == ["O2", "O4"])
        #expect(view.history.rows.count == 1)
        guard case .record(let staff)? = try h.run("show li.na").last else { Issue.record("no record"); return }
        // One step further: deals at the customers they own that others run, and those customers' contracts.
        #expect(staff.related.map(\.title) == ["customers (owner)", "opportunities (owner)", "opportunities of these customers", "contracts of these customers"])
    }
}

@Suite("Interpreter: queries")
struct QueryTests {
    @Test func whereSortTakeSelect() throws {
        let h = try Harness.sales()
        #expect(try h.scalar("opportunities | count") == .int(5))
        #expect(try h.rows("opportunities | where amount > 100k | sort amount desc | select id, amount")
                == [["O5", "2,000,000.00"], ["O1", "1,200,000.00"], ["O2", "500,000.00"]])
        #expect(try h.column("opportunities | sort amount | take 2 | select id") == ["O4", "O3"])
        #expect(try h.column("opportunities | sort stage | select id") == ["O1", "O4", "O2", "O5", "O3"])
        #expect(try h.column("opportunities | sort stage desc, amount desc | select id") == ["O3", "O5", "O2", "O1", "O4"])
        #expect(try h.column("opportunities | sort expected_close | select id") == ["O5", "O1", "O2", "O3", "O4"])
        #expect(try h.column("opportunities | take 0 | select id") == [])
        #expect(try h.count("opportunities | where amount > 100k and owner = li.na") == 1)
        #expect(try h.count("opportunities | where amount < 100k or stage = won") == 3)
        #expect(try h.count("opportunities | where not (stage = won)") == 4)
        let t = try h.table("opportunities | select title, amount as 金額")
        #expect(t.columns.map(\.name) == ["title", "金額"])
        #expect(t.columns[1].type == .money)
    }

    @Test func defaultListingShowsIdAndListedFields() throws {
        let h = try Harness.sales()
        let t = try h.table("opportunities | where id = O1")
        #expect(t.columns.map(\.name) == ["id", "title", "customer", "owner", "stage", "amount", "probability", "expected_close"])
        #expect(t.rows.first?.map(\.display) == ["O1", "5G 專網", "C1", "li.na", "qualified", "1,200,000.00", "10%", "2026-08-15"])
    }

    @Test func fieldPathsThroughReferences() throws {
        let h = try Harness.sales()
        #expect(try h.column("opportunities | where owner.team.region = north | select id") == ["O1", "O3", "O5"])
        #expect(try h.column("opportunities | where owner.team = south | select id") == ["O2", "O4"])
        #expect(try h.count("opportunities | where owner.name = \"李娜\"") == 2)
        #expect(try h.count("opportunities | where customer.owner.manager = wang.wei") == 5)
        #expect(try h.rows("customers | where region = north | select name, owner.name, owner.team")
                == [["台北銀行", "李娜", "north"], ["新竹科技", "李娜", "north"]])
        let t = try h.table("customers | select owner.team.manager.name")
        #expect(t.columns.map(\.name) == ["owner.team.manager.name"])
        #expect(t.rows.map { $0[0].display } == ["王偉", "", "王偉"])   // team south has no manager
        // A path through an empty reference is empty, not an error.
        #expect(try h.column("opportunities | where id = O2 | select presales.name").first == "")
        let bad = h.error("opportunities | where owner.tema = south")
        #expect(bad?.message == "unknown field 'tema' on staff")
        #expect(bad?.hint == "did you mean 'team'?")
        #expect(bad?.location?.column == 23)
        #expect(h.error("opportunities | where amount.x = 1")?.message == "'x' cannot follow a money value: only references lead to other records")
    }

    @Test func inListsAndPeriods() throws {
        let h = try Harness.sales()
        #expect(try h.column("opportunities | where stage in (proposal, negotiation) | select id") == ["O2"])
        #expect(try h.count("opportunities | where stage not in (won, lost)") == 3)
        #expect(try h.column("opportunities | where owner in (li.na, wang.wei) | select id") == ["O1", "O3", "O5"])
        #expect(try h.column("opportunities | where expected_close in 2026Q3 | select id") == ["O1", "O2"])
        #expect(try h.column("opportunities | where expected_close not in 2026Q3 | select id") == ["O3", "O4"])
        #expect(try h.column("opportunities | where expected_close in 2026-08 | select id") == ["O1"])
        #expect(try h.column("opportunities | where expected_close in 2026 | select id") == ["O1", "O2", "O3", "O4"])
        #expect(try h.column("opportunities | where expected_close in (2026-08, 2026-12) | select id") == ["O1", "O4"])
        #expect(try h.column("opportunities | where closed in this_month | select id") == ["O3", "O5"])
        #expect(try h.column("opportunities | where closed in today | select id") == ["O3", "O5"])
        #expect(try h.count("opportunities | where created in last_month") == 0)
        #expect(try h.count("opportunities | where expected_close = 2026-08-15") == 1)
        #expect(try h.count("opportunities | where expected_close < 2026-10-01") == 2)
        let notDate = h.error("opportunities | where amount in 2026Q3")
        #expect(notDate?.message == "'in' a period needs a date, found money")
    }

    /// The evaluator takes a query as the list of `in (…)`: the ids of its records.
    @Test func inASubquery() throws {
        let h = try Harness.sales()
        #expect(try h.column("opportunities | where customer in (customers | where region = south) | select id") == ["O2", "O4"])
        #expect(try h.column("opportunities | where owner not in (staff | where team = north) | select id") == ["O2", "O4"])
    }

    /// `help dates` documents `2026-01-01..2026-03-31` as a period.
    @Test func explicitDateRanges() throws {
        let h = try Harness.sales()
        #expect(try h.column("opportunities | where expected_close in 2026-09-01..2026-10-01 | select id") == ["O2", "O3"])
        #expect(try h.count("opportunities | where expected_close in 2026-08-16..2026-09-29") == 0)
    }

    @Test func isEmpty() throws {
        let h = try Harness.sales()
        #expect(try h.count("opportunities | where lost_reason is empty") == 4)
        #expect(try h.count("opportunities | where lost_reason is not empty") == 1)
        #expect(try h.column("opportunities | where expected_close is empty | select id") == ["O5"])
        #expect(try h.count("opportunities | where presales is not empty") == 1)
        #expect(try h.count("customers | where tier is empty") == 1)
        try h.run(#"set C3 industry="""#)
        #expect(try h.count("customers | where industry is empty") == 3)
    }

    @Test func textFunctions() throws {
        let h = try Harness.sales()
        #expect(try h.column("opportunities | where title contains \"5g\" | select id") == ["O1"])
        #expect(try h.column("opportunities | where contains(title, \"雲端\") | select id") == ["O4"])
        #expect(try h.column("opportunities | where lower(title) = \"sd-wan\" | select id") == ["O2"])
        #expect(try h.column("opportunities | where id = O2 | select upper(owner)") == ["ZHANG.SAN"])
        #expect(try h.column("customers | where id = C1 | select length(name)") == ["4"])
        #expect(try h.column("opportunities | where id = O5 | select coalesce(expected_close, closed)") == ["2026-11-26"])
        #expect(try h.column("opportunities | where id = O5 | select year(closed), month(closed), quarter(closed)").first == "2026")
        #expect(try h.rows("opportunities | where id = O5 | select year(closed), month(closed), quarter(closed)") == [["2026", "2026-11", "2026Q4"]])
        #expect(try h.count("opportunities | where age(created) > 30d") == 0)
        #expect(try h.count("opportunities | where age(created) = 0d") == 5)
    }

    @Test func groupAndAggregate() throws {
        let h = try Harness.sales()
        let byOwner = try h.table("opportunities | group owner | agg count() as n, sum(amount) as total")
        #expect(byOwner.columns.map(\.name) == ["owner", "n", "total"])
        #expect(byOwner.rows.map { $0.map(\.display) } == [["li.na", "2", "1,280,000.00"], ["wang.wei", "1", "2,000,000.00"], ["zhang.san", "2", "500,333.33"]])
        // Groups come in the enumeration's order; group alone counts.
        let byStage = try h.table("opportunities | group stage")
        #expect(byStage.columns.map(\.name) == ["stage", "count"])
        #expect(byStage.rows.map { $0.map(\.display) } == [["qualified", "2"], ["negotiation", "1"], ["won", "1"], ["lost", "1"]])
        let t = try h.table("opportunities | agg sum(amount), avg(amount), min(amount), max(amount), count()")
        #expect(t.columns.map(\.name) == ["sum(amount)", "avg(amount)", "min(amount)", "max(amount)", "count()"])
        #expect(t.rows.map { $0.map(\.display) } == [["3,780,333.33", "756,066.67", "333.33", "2,000,000.00", "5"]])
        #expect(t.columns.map(\.type) == [.money, .money, .money, .money, .int])
        let months = try h.rows("opportunities | where expected_close is not empty | group month(expected_close) | agg count()")
        #expect(months == [["2026-08", "1"], ["2026-09", "1"], ["2026-10", "1"], ["2026-12", "1"]])
        let twoKeys = try h.rows("opportunities | group owner.team as team, stage | agg count() as n")
        #expect(twoKeys == [["north", "qualified", "1"], ["north", "won", "1"], ["north", "lost", "1"], ["south", "qualified", "1"], ["south", "negotiation", "1"]])
        // Aggregates combine arithmetically, and a query after agg sees its columns.
        #expect(try h.rows("opportunities | agg sum(amount) / count() as mean") == [["756,066.67"]])
        #expect(try h.column("opportunities | group owner | agg sum(amount) as total | where total > 1m | sort total desc | select owner") == ["wang.wei", "li.na"])
        // Empty input: count is 0, sums are zero, min is empty.
        #expect(try h.rows("opportunities | where amount > 100m | agg count(), sum(amount), min(amount)") == [["0", "0.00", ""]])
        #expect(try h.scalar("opportunities | where amount > 100m | count") == .int(0))
        #expect(h.error("opportunities | agg amount")?.message == "'amount' must be inside an aggregate such as sum(amount), or be a group key")
        #expect(h.error("opportunities | where sum(amount) > 1")?.message == "sum() adds up many rows: use it in agg")
        #expect(h.error("opportunities | agg sum(title)")?.message == "sum() needs numbers, found text")
        #expect(h.error("opportunities | count | take 1")?.message == "nothing can follow count")
    }

    @Test func moneyArithmeticIsExact() throws {
        let h = try Harness.sales()
        // 333.33 × 33.33 % = 111.098889 → 111.10, rounded half away from zero to the fen.
        #expect(try h.column("opportunities | where id = O4 | select amount * 33.33%") == ["111.10"])
        #expect(try h.column("opportunities | where id = O4 | select amount * probability") == ["33.33"])
        #expect(try h.column("opportunities | where id = O4 | select probability * amount") == ["33.33"])
        #expect(try h.column("opportunities | where id = O4 | select amount / 3") == ["111.11"])
        #expect(try h.column("opportunities | where id = O4 | select amount * 3") == ["999.99"])
        #expect(try h.column("opportunities | where id = O4 | select amount + amount") == ["666.66"])
        #expect(try h.column("opportunities | where id = O1 | select amount * 1.5") == ["1,800,000.00"])
        // Money times a number is money (Arithmetic's own rule), whatever the literal looks like.
        for expr in ["amount * 3", "amount * 1.5", "3 * amount", "amount / 3", "amount * probability", "amount + amount"] {
            #expect(try h.table("opportunities | where id = O1 | select \(expr)").columns.first?.type == .money, "\(expr)")
        }
        #expect(try h.column("opportunities | where id = O1 | select amount - 200k") == ["1,000,000.00"])
        // Weighted pipeline: Σ amount × probability, exact.
        let weighted = try h.table("opportunities | agg sum(amount * probability) as weighted")
        #expect(weighted.rows.first?.first == .money(Money(minor: 249_503_333)))
        #expect(weighted.columns.first?.type == .money)
        // Many fen-sized products add up without drift.
        try h.run("add opportunity title=\"small\" customer=C1 owner=li.na amount=0.10")
        #expect(try h.column("opportunities | where id = O6 | select amount * 3 * 1000") == ["300.00"])
        #expect(try h.column("opportunities | where id = O6 | select amount * 15%") == ["0.02"])
        #expect(try h.column("opportunities | where id = O6 | select amount * 5%") == ["0.01"])
        #expect(h.error("opportunities | select amount * title")?.message == "cannot multiply money by text")
    }

    @Test func didYouMean() throws {
        let h = try Harness.sales()
        let entity = h.error("opportunites | count")
        #expect(entity?.message == "unknown entity 'opportunites'")
        #expect(entity?.hint == "did you mean 'opportunities'?")
        #expect(entity?.location == SourceLocation(line: 1, column: 1, length: 12))
        let addEntity = h.error(#"add custmer name="x""#)
        #expect(addEntity?.message == "unknown entity 'custmer'")
        #expect(addEntity?.hint == "did you mean 'customer'?")
        #expect(addEntity?.location?.column == 5)
        let field = h.error("opportunities | where amout > 100k")
        #expect(field?.message == "unknown field 'amout' on opportunity")
        #expect(field?.hint == "did you mean 'amount'?")
        #expect(field?.location?.column == 23)
        let setField = h.error("set O1 amout=5")
        #expect(setField?.message == "unknown field 'amout' on opportunity")
        #expect(setField?.hint == "did you mean 'amount'?")
        let value = h.error("opportunities | where stage = negotation")
        #expect(value?.message == "unknown stage 'negotation'")
        #expect(value?.hint == "did you mean 'negotiation'?")
        #expect(value?.location?.column == 31)
        let addValue = h.error(#"add lead company="x" source=exhibtion"#)
        #expect(addValue?.message == "unknown source 'exhibtion'")
        #expect(addValue?.hint == "did you mean 'exhibition'?")
        let chineseValue = h.error("opportunities | where stage = 商務談", sourceLocation: #_sourceLocation)
        #expect(chineseValue?.hint == "did you mean '商務談判'?")
        let function = h.error("opportunities | group mnth(created)")
        #expect(function?.message == "unknown function mnth()")
        #expect(function?.hint == "did you mean month()?")
        let stage = h.error("opportunities | srot amount")
        #expect(stage?.hint == "did you mean 'sort'?")
        let column = h.error("opportunities | group owner | agg count() as n | where m > 1")
        #expect(column?.message == "unknown column 'm'")
        #expect(column?.hint == "did you mean 'n'?")
    }

    /// A quoted enum value means what the bare word means, as it does in `add` and `set`.
    @Test func quotedEnumValuesInQueries() throws {
        let h = try Harness.sales()
        #expect(try h.count("opportunities | where stage = \"negotiation\"") == 1)
        #expect(try h.count("opportunities | where stage = \"商務談判\"") == 1)
        #expect(try h.count("opportunities | where stage = \"Negotiation\"") == 1)
        #expect(try h.count("opportunities | where stage in (\"Won\", \"LOST\")") == 2)
        let typo = h.error("opportunities | where stage = \"negotation\"")
        #expect(typo?.message == "unknown stage 'negotation'")
        #expect(typo?.hint == "did you mean 'negotiation'?")
    }

    @Test func typeErrorsInQueries() throws {
        let h = try Harness.sales()
        #expect(h.error("opportunities | where amount")?.message == "where needs a condition (true or false), found money")
        #expect(h.error("opportunities | where title > 5")?.message == "cannot compare text with integer")
        #expect(h.error("opportunities | take many")?.message == "expected integer, found 'many'")
        #expect(h.error("opportunities | take -1")?.message == "take needs a whole number")
        #expect(h.error("opportunities | take 1.5")?.message == "take needs a whole number")
        #expect(h.error("opportunities | where amount > 1 and title")?.message == "and needs a true/false condition, found text")
        #expect(h.error("opportunities | select month(amount)")?.message == "month() needs a date, found money")
    }
}
