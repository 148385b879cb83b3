import Testing
@testable import SalesLanguage
@testable import SalesCore

/// Comparisons, lists, groups and paths over coded fields (enumerations, booleans, references to
/// staff) work on codes; they must answer exactly as the same query over derived rows, which reads
/// values. Nulls included, negations included.
@Suite struct CodedFieldTests {
    let h: Harness
    init() {
        h = Harness()
        DemoData(opportunities: 300, today: harnessToday).generate(into: h.model)
    }

    /// The query straight over the records, and over rows selected from them (values, no codes).
    func same(_ condition: String, _ group: String? = nil, sourceFields: String = "id, stage, owner, presales, source, amount, closed") throws {
        let tail = group.map { " | group \($0) | agg count() as n, sum(amount) as s" } ?? " | select id"
        let direct = try h.rows("opportunities | where \(condition)\(tail)")
        let viaRows = try h.rows("opportunities | select \(sourceFields) | where \(condition)\(tail)")
        #expect(direct == viaRows, "\(condition) \(group ?? "")")
        #expect(!direct.isEmpty || condition.contains("none"), "\(condition) \(group ?? "") finds something")
    }

    /// How queries over the records are split across threads: as on this machine, on one thread, and
    /// in three uneven parts of a few rows each (parts joined in order, groups merged across parts).
    static let splits = [Parallel.machine, Parallel(cores: 1, minimumPart: 1), Parallel(cores: 3, minimumPart: 7)]

    @Test(arguments: splits) func conditionsOnCodesAnswerAsOnValues(_ split: Parallel) throws {
        h.interp.ctx.parallel = split
        try same("stage = won")
        try same("stage != won")
        try same("stage in (qualified, needs, proposal, negotiation)")
        try same("stage not in (won, lost)")
        try same("source = exhibition")
        try same("source != exhibition")              // null sources count as different
        try same("source in (exhibition, referral)")
        try same("owner = hua.lin")
        try same("owner != hua.lin")
        try same("presales = jun.xu or presales in (fang.gao, yan.yang)")
        try same("presales != jun.xu")
    }

    @Test(arguments: splits) func groupsOnCodesAnswerAsOnValues(_ split: Parallel) throws {
        h.interp.ctx.parallel = split
        try same("amount > 0", "stage")
        try same("amount > 0", "source")               // with a null group
        try same("amount > 0", "owner")
        try same("stage in (won, lost)", "presales")
    }

    /// Numbers and days compared, grouped and added as numbers (`Compiled.test` and `.number`) answer
    /// as the same values do: nulls (an open deal has no closed day), negations, bounds and every
    /// comparison included.
    @Test(arguments: splits) func numbersAndDaysAnswerAsValues(_ split: Parallel) throws {
        h.interp.ctx.parallel = split
        let fields = "id, stage, owner, presales, source, amount, closed, created, probability"
        // Amounts and chances that do not divide evenly, so products round, and a negative one.
        let t = h.model.table("opportunity"), am = t.schema.fieldIndex("amount")!, pr = t.schema.fieldIndex("probability")!
        for s in stride(from: 0, to: t.slotCount, by: 7) {
            t.set(slot: s, field: am, .money(Money(minor: Int64(123_457 + 9_999 * s) * (s % 21 == 0 ? -1 : 1))))
            t.set(slot: s, field: pr, .percent(Percent(basisPoints: Int64(3_333 + s % 5))))
        }
        let amounts = try h.rows("opportunities | sort amount | select amount").compactMap(\.first)
        let some = amounts[amounts.count / 2]
        let days = try h.rows("opportunities | where closed != null | sort closed | select closed").compactMap(\.first)
        let day = days[days.count / 2]
        for op in ["=", "!=", "<", "<=", ">", ">="] {
            try same("amount \(op) \(some)", sourceFields: fields)
            try same("closed \(op) \(day)", sourceFields: fields)
            try same("probability \(op) 50%", sourceFields: fields)
        }
        try same("amount > 100k", sourceFields: fields)
        try same("closed in 2025", sourceFields: fields)
        try same("not (closed in 2025)", sourceFields: fields)
        try same("closed not in 2025", sourceFields: fields)
        try same("closed in 2025 and stage = won", sourceFields: fields)
        try same("closed in 2025Q2 or amount > 1m", sourceFields: fields)
        try same("stage = won and not (amount > 100k)", sourceFields: fields)
        for group in ["month(closed) as m", "year(closed) as y", "closed", "amount", "month(created)"] {
            try same("amount > 0", group, sourceFields: fields)
        }
        let aggs = "agg count() as n, count(closed) as c, sum(amount) as s, avg(amount) as a, sum(probability) as p, avg(days(closed - created)) as d, sum(days(closed - created)) as e, sum(amount * probability) as w, avg(probability * amount) as v"
        // Two keys found as one pair of numbers; amounts past 32 bits (a deal over 21 million) by values, in the same query.
        t.set(slot: 3, field: am, .money(Money(minor: 9_876_543_210_00)))
        let pairs = ["group stage, month(closed) as m", "group owner.team as team, source", "group source, amount", "group closed, owner", "group year(created) as y, stage"]
        for q in ["where stage = won | group source | \(aggs)", "group month(closed) as m | \(aggs)", "\(aggs)", "group owner.team as team | \(aggs)"]
            + pairs.map({ "\($0) | \(aggs)" }) {
            let direct = try h.rows("opportunities | \(q)")
            let viaRows = try h.rows("opportunities | select \(fields) | \(q)")
            #expect(direct == viaRows, "\(q)")
            #expect(!direct.isEmpty)
        }
    }

    /// The win-rate report, added up per code in parts, gives what counting the records one by one gives.
    @Test(arguments: splits) func winRateCountsEveryClosedDeal(_ split: Parallel) throws {
        h.interp.ctx.parallel = split
        let t = h.model.table("opportunity"), s = t.schema
        let (st, am, ow, so, cr, cl) = (s.stateIndex!, s.fieldIndex("amount")!, s.fieldIndex("owner")!, s.fieldIndex("source")!,
                                        s.fieldIndex("created")!, s.fieldIndex("closed")!)
        for (by, field) in [("owner", ow), ("source", so)] {
            var expected: [String: (won: Int, lost: Int, amount: Int64, days: Int)] = [:]
            for case let r? in t.records {
                guard let closed = r.values[cl].day, closed.year == 2025, let stage = r.values[st].textValue, stage == "won" || stage == "lost" else { continue }
                let key = r.values[field].textValue ?? ""
                var e = expected[key] ?? (0, 0, 0, 0)
                if stage == "won" {
                    e.won += 1
                    if case .money(let m) = r.values[am] { e.amount += m.minor }
                    if let c = r.values[cr].day { e.days += Int(closed.raw - c.raw) }
                } else { e.lost += 1 }
                expected[key] = e
            }
            let rows = try h.table("report winrate 2025 by=\(by)").rows
            #expect(rows.count == expected.count && rows.count > 1, "\(by)")
            for row in rows {
                let e = expected[row[0].textValue ?? ""]
                #expect(e != nil && row[1] == .int(Int64(e!.won)) && row[2] == .int(Int64(e!.lost)) && row[4] == .money(Money(minor: e!.amount)), "\(by) \(row)")
                #expect(row[5] == (e!.won == 0 ? .null : .real(Double(e!.days) / Double(e!.won))), "\(by) \(row)")
            }
        }
        let teams = try h.rows("report winrate 2025 by=team")
        h.interp.ctx.parallel = Parallel(cores: 1, minimumPart: 1)
        #expect(try h.rows("report winrate 2025 by=team") == teams && teams.count > 1)
    }

    /// Groups a sort right after orders by every key of are left in the order the rows meet them: the
    /// result is the same as when the groups were put in key order first (a take in between keeps them).
    @Test func aSortOfEveryKeyGivesWhatOrderedGroupsGive() throws {
        for (group, sort) in [("group owner, stage | agg count() as n", "sort n desc, owner, stage"),
                              ("group owner.team as team, source | agg sum(amount) as s, count() as n", "sort n, source, team"),
                              ("group month(closed) as m, stage | agg count() as n", "sort stage desc, m"),
                              ("group source, stage | agg count() as n", "sort n")] {
            let direct = try h.rows("opportunities | \(group) | \(sort)")
            let ordered = try h.rows("opportunities | \(group) | take 1000000 | \(sort)")
            #expect(direct == ordered && direct.count > 3, "\(group) | \(sort)")
        }
    }

    /// The table groups are found in by number gives back what a dictionary would, through its growth.
    @Test func numberGroupsFindWhatWasPut() {
        var table = NumberGroups(), reference: [Int64: Int] = [:]
        var keys: [Int64] = [0, 1, -1, .min, .max, 1 << 40, 24_300, 24_301]
        for _ in 0..<5000 { keys.append(Int64.random(in: -1000...1000) * (Bool.random() ? 1 : 1 << 32)) }
        for k in keys where reference[k] == nil {
            #expect(table.find(k) == nil)
            reference[k] = reference.count
            table.insert(k, reference[k]!)
        }
        for (k, g) in reference { #expect(table.find(k) == g) }
        #expect(table.find(12_345_678_901) == nil || reference[12_345_678_901] != nil)
    }

    @Test func pathsThroughCodedReferencesAnswerAsLookups() throws {
        let direct = try h.rows("opportunities | group owner.team as team | agg count() as n")
        let looked = try h.rows("opportunities | select id, owner | group owner.team as team | agg count() as n")
        #expect(direct == looked && direct.count > 1)
        let names = try h.rows("opportunities | where presales.name != null | select id, presales.name, owner.manager.name")
        let viaRows = try h.rows("opportunities | select id, presales, owner | where presales.name != null | select id, presales.name, owner.manager.name")
        #expect(names == viaRows && !names.isEmpty)
    }

    /// A column widened to plain values (a value no code stands for) keeps no codes: the same queries
    /// still answer, by values.
    @Test func aWidenedColumnAnswersByValues() throws {
        let t = h.model.table("opportunity"), stage = t.schema.fieldIndex("stage")!
        let before = try h.rows("opportunities | where stage = won | select id")
        t.set(slot: 0, field: stage, .text("archived"))
        #expect(t.codedValues(stage) == nil)
        #expect(try h.rows("opportunities | where stage = won | select id") == before.filter { $0 != [t.id(at: 0)] })
        try same("stage in (won, lost)")
        try same("amount > 0", "stage")
    }
}

/// `contains` with an ASCII or Chinese needle searches the text's bytes; it must find exactly what
/// lowering the text and comparing characters finds, whatever the text holds.
@Suite struct ByteSearchTests {
    @Test func findsWhatLoweringAndCharactersFind() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["a", "B", "e", "E", "5", "g", "G", " ", "專網", "第", "案", "專", "網", "\u{8C48}", "\u{F900}", "e\u{301}", "é", "İ", "i", "I", "\u{212A}", "k", "K",
                      "\r\n", "\n", "\r", "👩\u{200D}💻", "🇹🇼", "ß", "ǅ", "\u{1100}\u{1161}", "-", "x\u{308}"]
        let needles = ["e", "5g", "g", "ab", "i", "k", "ke", "a b", "5", "-x", "x", "g 5", "eb", "專網", "5g 專", "第", "網第", "案e", "\u{8C48}"]
        for _ in 0..<4000 {
            let text = (0..<Int.random(in: 0...8, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            for needle in needles {
                let search = ByteSearch(needle)!
                let expected = text.lowercased().contains(needle)
                if let got = search.found(in: text) { #expect(got == expected, "\(text.debugDescription) \(needle)") }
                else { #expect(text.contains("\u{212A}") || text.unicodeScalars.contains("\u{F900}"), "only the Kelvin sign and compatibility ideographs are left to the full search") }
            }
        }
        #expect(ByteSearch("") == nil && ByteSearch("é") == nil && ByteSearch("a\nb") == nil && ByteSearch("한") == nil)
        #expect(ByteSearch("專網")!.found(in: "台灣大哥大 5G 專網") == true)
        // U+F900 is canonically U+8C48: the same character to `contains`, other bytes.
        #expect(ByteSearch("\u{8C48}")!.found(in: "a\u{F900}") == nil && "a\u{F900}".lowercased().contains("\u{8C48}"))
        #expect(ByteSearch("5g")!.found(in: "台灣大哥大 5G 專網") == true)
        #expect(ByteSearch("e")!.found(in: "cafe\u{301}") == false)
    }
}
