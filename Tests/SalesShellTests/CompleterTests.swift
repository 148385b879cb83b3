import Foundation
import Testing
import SalesCore
import LineEditor
@testable import SalesShell

@Suite("Completer")
struct CompleterTests {
    let model: Model
    let c: Completer
    init() throws {
        model = try makeModel()
        c = Completer(model: model)
    }

    func cands(_ line: String) -> [String] { c.complete(line).candidates }

    @Test func statementsAtTheStart() {
        let all = cands("")
        #expect(all.contains("add") && all.contains("show") && all.contains("opportunities") && all.contains("history"))
        #expect(cands("ad") == ["add"])
        #expect(c.complete("ad").replace == 2)
        #expect(cands("opp") == ["opportunities"])
        #expect(cands("show O1; mo") == ["move"])
    }

    @Test func helpTopicsInChinese() {
        #expect(cands("help 日").contains("日期"))
        #expect(cands("help 商").contains("商機"))
    }

    @Test func afterAdd() {
        #expect(cands("add ").filter { $0.unicodeScalars.first!.isASCII } == ["staff", "team", "product", "customer", "lead", "opportunity", "research", "competitor",
                                  "visit", "proposal", "negotiation", "contract", "contract_line", "order", "invoice",
                                  "feedback", "ticket", "complaint", "survey", "setting", "target", "appraisal", "budget",
                                  "expense", "risk", "training_need", "course", "training_plan", "training",
                                  "career_plan", "activity"])
        #expect(cands("add ").contains("商機") && cands("add 商") == ["商機", "商務談判"], "the Chinese names are offered too")
        #expect(cands("add con") == ["contract", "contract_line"])
        #expect(cands("add op") == ["opportunity"])
        #expect(c.complete("add op").replace == 2)
    }

    @Test func fieldsOfTheEntityBeingAdded() {
        let fields = cands("add opportunity ")
        #expect(fields.contains("title=") && fields.contains("amount=") && fields.contains("expected_close="))
        #expect(!fields.contains("stage="))      // changes through the lifecycle
        #expect(!fields.contains("closed="))     // kept by the rules
        #expect(!fields.contains("lead="))
        #expect(cands("add opportunity title=\"x\" am") == ["amount="])
        #expect(cands("set O1 exp") == ["expected_close="])
        #expect(cands("set li.na ro") == ["role="])
    }

    @Test func afterOwnerEquals() {
        let owners = cands("add opportunity title=\"x\" owner=")
        #expect(Set(["wang.wei", "li.na", "zhang.san"]).isSubset(of: Set(owners)))
        // Every candidate is something owner= accepts: a staff id, or a name that names one person.
        let staff = model.table("staff")
        let names = staff.allRecords.map { $0.values[staff.schema.titleIndex].display }
        let accepted = Set(staff.ids).union(names.filter { n in names.filter { $0 == n }.count == 1 })
        #expect(owners.allSatisfy { accepted.contains($0) }, "not accepted: \(owners.filter { !accepted.contains($0) })")
        #expect(cands("add opportunity owner=li") == ["li.na"])
        #expect(c.complete("add opportunity owner=li").replace == 2)
        #expect(cands("add opportunity customer=") == ["C1", "C2"])
        #expect(cands("add lead source=") == Enums.leadSource.offered)
        #expect(cands("add lead source=行") == ["行業展會"])
        #expect(cands("add lead source=行业") == ["行业展会"], "a Simplified spelling completes when it is what is typed")
        #expect(cands("set li.na active=") == ["yes", "no"])
    }

    @Test func afterAPipe() {
        #expect(cands("opportunities | ") == ["where", "sort", "take", "select", "group", "agg", "count", "chart"])
        #expect(cands("opportunities | where amount > 1 | s") == ["sort", "select"])
        #expect(cands("opportunities | wh") == ["where"])
    }

    @Test func afterWhere() {
        let after = cands("opportunities | where ")
        for w in ["amount", "stage", "owner", "id", "not", "this_month", "month("] { #expect(after.contains(w), "\(w)") }
        #expect(cands("opportunities | where am") == ["amount"])
        #expect(cands("opportunities | where amount > 1m and sta") == ["stage", "stage_since", "start("])
        #expect(cands("customers | where ow") == ["owner"])
    }

    @Test func fieldPaths() {
        let paths = cands("opportunities | where owner.")
        #expect(paths.contains("owner.name") && paths.contains("owner.team") && paths.contains("owner.manager"))
        #expect(paths.allSatisfy { $0.hasPrefix("owner.") })
        #expect(c.complete("opportunities | where owner.").replace == 6)
        #expect(cands("opportunities | where owner.team.re") == ["owner.team.region"])
        #expect(cands("opportunities | select customer.owner.na") == ["customer.owner.name"])
    }

    @Test func afterStageEquals() {
        #expect(cands("opportunities | where stage = ") == Enums.stage.offered)
        #expect(cands("opportunities | where stage = neg") == ["negotiation"])
        #expect(cands("opportunities | where stage = 商") == ["商機確認", "商務談判"])
        #expect(cands("opportunities | where stage = 商务") == ["商务谈判"])
        #expect(cands("opportunities | where stage in (") == Enums.stage.offered)
        // proposal and negotiation are also entity names; in a list of stages they are values, not a subquery.
        #expect(cands("opportunities | where stage in (proposal, ") == Enums.stage.offered)
        #expect(cands("opportunities | where stage in (negotiation, w") == ["won"])
        #expect(cands("opportunities | where stage != w") == ["won"])
        #expect(cands("opportunities | where owner.role = ma") == ["manager"])
        #expect(cands("opportunities | where owner = zh") == ["zhang.san"])
    }

    @Test func afterShowAndTheLifecycleVerbs() {
        let ids = cands("show ")
        for id in ["O1", "C2", "L1", "li.na", "north"] { #expect(ids.contains(id), "\(id)") }
        #expect(cands("show O") == ["O3", "O2", "O1"])
        #expect(cands("show li") == ["li.na"])
        #expect(cands("win ") == ["O3", "O2", "O1"])
        #expect(cands("convert ") == ["L1"])
        #expect(cands("move O1 to ") == Enums.stage.offered)
        #expect(cands("move L1 to s") == ["screening"])
        #expect(cands("reopen O1 to n") == ["needs", "negotiation"])
    }

    @Test func helpAndFormat() {
        #expect(cands("help ").contains("opportunity"))
        #expect(cands("help op") == ["open", "opportunity"])
        #expect(cands("format ") == ["table", "csv", "tsv", "json", "markdown"])
    }

    @Test func subqueries() {
        #expect(cands("opportunities | where customer in (customers | where ti") == ["tier"])
    }
}

@Suite("Completer: file names")
struct CompleterFileTests {
    @Test func fileNamesInsideTheQuotesOfImportSourceAndTo() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("salesh-complete-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for f in ["q3-records.csv", "q3-rejects.csv", "daily.sales"] { _ = FileManager.default.createFile(atPath: dir + "/" + f, contents: Data()) }
        let c = Completer(model: try makeModel())
        #expect(c.complete("import training from \"\(dir)/q3").candidates == ["q3-records.csv", "q3-rejects.csv"])
        #expect(c.complete("import training from \"\(dir)/q3-rec") == Completion(replace: 6, candidates: ["q3-records.csv\""]))
        #expect(c.complete("source \"\(dir)/d").candidates == ["daily.sales\""])
        #expect(c.complete("staff | to csv \"\(dir)/s").candidates == ["sub/"])
        #expect(c.complete("add lead company=\"\(dir)/q").candidates.isEmpty, "not a file name: the text of a field")
    }
}
