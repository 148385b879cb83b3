import Testing
@testable import SalesLanguage
import SalesCore

@Suite("sorting")
struct SortTests {
    @Test func naturalOrderOfIds() {
        // Only a run of digits at the end counts as a number: FIBER-10G sorts as text before FIBER-1G.
        let ids = ["O10", "O2", "O1", "O100", "C3", "O02", "", "Ö1", "O9", "OX", "FIBER-1G", "FIBER-10G"]
        let sorted = ids.sorted { naturalCompare($0, $1) < 0 }
        #expect(sorted == ["", "C3", "FIBER-10G", "FIBER-1G", "O1", "O2", "O02", "O9", "O10", "O100", "OX", "Ö1"], "\(sorted)")
        #expect(naturalCompare("O7", "O7") == 0)
    }

    /// `sort … | take N` keeps the first N in one pass; it must give what sorting everything gives.
    @Test(arguments: [1, 3, 10, 59, 60, 100])
    func takeAfterSortIsThePrefixOfTheFullSort(_ n: Int) throws {
        let h = Harness()
        DemoData(opportunities: 60, today: harnessToday).generate(into: h.model)
        for keys in ["amount desc", "stage, amount", "owner desc, id", "probability"] {
            let all = try h.rows("opportunities | sort \(keys) | select id")
            let top = try h.rows("opportunities | sort \(keys) | take \(n) | select id")
            #expect(top == Array(all.prefix(n)), "sort \(keys) | take \(n)")
        }
    }

    /// With a number first among the keys, `sort … | take N` of many records finds the N-th best number
    /// and sorts only the records at least that good: the same as sorting everything, with ties on the
    /// number (amounts and days shared by many), nulls (the open deals' close day) and later keys.
    @Test(arguments: [0, 1, 3, 10, 37])
    func aTopByNumberIsThePrefixOfTheFullSort(_ n: Int) throws {
        let h = Harness()
        DemoData(opportunities: 900, today: harnessToday).generate(into: h.model)
        for query in ["opportunities | sort amount desc, id", "opportunities | sort amount, owner desc",
                      "opportunities | sort created, title", "opportunities | sort created desc",
                      "opportunities | sort closed desc, id", "opportunities | sort closed, amount desc",
                      "opportunities | sort probability desc, amount", "opportunities | where stage == won | sort closed desc, id",
                      "leads | sort score desc, created", "expenses | sort amount desc"] {
            let all = try h.rows("\(query) | select id")
            let top = try h.rows("\(query) | take \(n) | select id")
            #expect(top == Array(all.prefix(n)), "\(query) | take \(n)")
        }
    }
}
