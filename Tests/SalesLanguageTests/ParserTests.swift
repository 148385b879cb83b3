import Testing
@testable import SalesLanguage
import SalesCore

func parse(_ text: String) throws -> [Statement] {
    try Parser.parse(Source(name: "t", text: text)).map(\.node)
}

/// The diagnostic parsing fails with.
func parseError(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Diagnostic? {
    do {
        let s = try parse(text)
        Issue.record("parsed without error: \(s)", sourceLocation: sourceLocation)
        return nil
    } catch let d as Diagnostic { return d } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

@Suite("Parser")
struct ParserTests {
    @Test func statements() throws {
        let s = try parse("""
        add staff wang.wei name="王偉" role=rep team=north
        add opportunity customer=C12 owner=wang.wei title="5G 專網" amount=1.2m
        set O1024 amount=1.35m, expected_close=2026-12-15
        delete L1 L2, L3
        move O1024 to negotiation
        win O1024
        lose O1025 reason="price"
        reopen O1025
        reopen O1026 to needs
        convert L7 amount=1.2m
        show O1024
        let big = 500k
        help opportunity
        save; quit
        format csv
        opportunities | where amount > $big | take 3
        1 + 2
        """)
        #expect(s.count == 18)
        guard case .add(let e, _, let id, let a) = s[0] else { Issue.record("\(s[0])"); return }
        #expect(e == "staff" && id == "wang.wei" && a.map(\.field) == ["name", "role", "team"])
        guard case .add(_, _, nil, let a1) = s[1] else { Issue.record("\(s[1])"); return }
        #expect(a1.map(\.field) == ["customer", "owner", "title", "amount"])
        guard case .set("O1024", _, let a2) = s[2] else { Issue.record("\(s[2])"); return }
        #expect(a2.count == 2)
        guard case .delete(let ids) = s[3] else { Issue.record("\(s[3])"); return }
        #expect(ids.map(\.0) == ["L1", "L2", "L3"])
        guard case .move("O1024", _, "negotiation", _, let a4) = s[4], a4.isEmpty else { Issue.record("\(s[4])"); return }
        guard case .win("O1024", _, let a5) = s[5], a5.isEmpty else { Issue.record("\(s[5])"); return }
        guard case .lose("O1025", _, let a6) = s[6], a6.first?.field == "reason" else { Issue.record("\(s[6])"); return }
        guard case .reopen("O1025", _, nil, nil, let a7) = s[7], a7.isEmpty else { Issue.record("\(s[7])"); return }
        guard case .reopen("O1026", _, "needs", _, let a8) = s[8], a8.isEmpty else { Issue.record("\(s[8])"); return }
        guard case .convert("L7", _, let a9) = s[9], a9.count == 1 else { Issue.record("\(s[9])"); return }
        guard case .show("O1024", _) = s[10] else { Issue.record("\(s[10])"); return }
        guard case .letBinding("big", _) = s[11] else { Issue.record("\(s[11])"); return }
        guard case .help(["opportunity"]) = s[12] else { Issue.record("\(s[12])"); return }
        guard case .save = s[13], case .quit = s[14] else { Issue.record("\(s[13]) \(s[14])"); return }
        guard case .format("csv", _) = s[15] else { Issue.record("\(s[15])"); return }
        guard case .query(let q) = s[16] else { Issue.record("\(s[16])"); return }
        #expect(q.source == "opportunities" && q.stages.count == 2)
        guard case .expression(.binary("+", _, _, _)) = s[17] else { Issue.record("\(s[17])"); return }
    }

    @Test func pipelineStages() throws {
        let s = try parse("""
        opportunities
          | where stage in (proposal, negotiation) and amount > 100k
          | sort amount desc, title
          | take 10
          | select title, owner.name as who
          | group who
          | agg count(), sum(amount) as total
          | count
        """)
        #expect(s.count == 1)
        guard case .query(let q) = s[0] else { Issue.record("\(s)"); return }
        #expect(q.stages.count == 7)
        guard case .sort(let keys, _) = q.stages[1] else { Issue.record("\(q.stages[1])"); return }
        #expect(keys.map(\.descending) == [true, false])
        guard case .select(let items, _) = q.stages[3] else { Issue.record("\(q.stages[3])"); return }
        #expect(items.map(\.alias) == [nil, "who"])
        guard case .agg(let aggs, _) = q.stages[5] else { Issue.record("\(q.stages[5])"); return }
        #expect(aggs.map(\.alias) == [nil, "total"])
        guard case .count = q.stages[6] else { Issue.record("\(q.stages[6])"); return }
    }

    @Test func expressionPrecedence() throws {
        guard case .expression(let e) = try parse("1 + 2 * 3 - 4").first else { Issue.record("not an expression"); return }
        // ((1 + (2 * 3)) - 4)
        guard case .binary("-", .binary("+", .number, .binary("*", _, _, _), _), .number, _) = e else { Issue.record("\(e)"); return }
        guard case .query(let q) = try parse("o | where not a = 1 or b = 2 and c is not empty").first,
              case .whereClause(let w, _) = q.stages[0] else { Issue.record("not a query"); return }
        // (not (a = 1)) or ((b = 2) and (c is not empty))
        guard case .binary("or", .unary("not", .binary("=", _, _, _), _), .binary("and", _, .isEmpty(_, negated: true, _), _), _) = w else {
            Issue.record("\(w)"); return
        }
    }

    @Test func inForms() throws {
        guard case .query(let q) = try parse("o | where a in (x, y) and b not in (1) and c in 2026Q3 and d not in this_month").first,
              case .whereClause(let w, _) = q.stages[0] else { Issue.record("not a query"); return }
        guard case .binary("and", .binary("and", .binary("and", .inList(_, let items, negated: false, _), .inList(_, _, negated: true, _), _),
                                   .inPeriod(_, .literal(.period, _), negated: false, _), _),
                           .inPeriod(_, .name("this_month", _), negated: true, _), _) = w else { Issue.record("\(w)"); return }
        #expect(items.count == 2)
    }

    @Test func spansCoverTheStatement() throws {
        let located = try Parser.parse(Source(name: "t", text: "show O1\n  set O1 amount=5"))
        #expect(located.map(\.span) == [0..<7, 10..<25])
    }

    // MARK: errors with line:column

    @Test("errors name line, column and what was expected", arguments: [
        ("opportunities | wher amount > 1", 1, 17, "unknown stage 'wher'", "did you mean 'where'?"),
        ("let a = 1\nmove O1 negotiation", 2, 9, "expected 'to' after O1, found 'negotiation'", "move O1 to negotiation"),
        ("set O1", 1, 7, "expected field=value after O1", "set O1 amount=1.2m"),
        ("set O1 amount", 1, 14, "expected '=' after amount", nil),
        ("add", 1, 4, "expected an entity to add, found end of input", nil),
        ("opportunities | where (amount > 1", 1, 34, "expected ')', found end of input", nil),
        ("opportunities | where stage in (a b)", 1, 35, "expected ',' or ')' in the list, found 'b'", nil),
        ("opportunities |", 1, 16, "expected a pipeline stage after '|', found end of input", nil),
        ("opportunities | where", 1, 22, "expected a value, found end of input", nil),
        ("show", 1, 5, "expected a record id after show, found end of input", nil),
        ("show O1 O2", 1, 9, "expected end of statement, found 'O2'", nil),
        ("let = 5", 1, 5, "expected a name after let, found '='", nil),
        (") x", 1, 1, "expected a statement, found ')'", nil),
        ("add lead company=", 1, 18, "expected a value for company", nil),
        ("opportunities | where a is full", 1, 28, "expected 'empty' after 'is', found 'full'", nil),
        ("\n\n  add lead company=\"台灣大哥大\" source=online x", 3, 43, "expected '=' after x", nil),
        ("add lead company=\"台灣\n", 1, 18, "unterminated string", nil),
    ])
    func errors(_ text: String, _ line: Int, _ column: Int, _ message: String, _ hint: String?) {
        let d = parseError(text)
        #expect(d?.message == message)
        #expect(d?.location?.line == line)
        #expect(d?.location?.column == column)
        if let hint { #expect(d?.hint == hint) }
    }

    @Test func statementsAfterTheFirstKeepTheirLines() {
        let d = try? Parser.parse(Source(name: "t", text: "show O1", firstLine: 40))
        #expect(d?.count == 1)
        let err = #expect(throws: Diagnostic.self) { try Parser.parse(Source(name: "t", text: "show O1\nset O1", firstLine: 40)) }
        #expect(err?.location?.line == 41)
    }
}
