import Testing
import SalesCore
@testable import SalesLanguage

/// Arithmetic at the edges gives an empty value or an error, never a crash.
@Suite("Overflow")
struct OverflowTests {
    @Test(arguments: ["today + 2147483647d", "today + 99999mo", "today - 999999999d", "today + 99999999w", "9999-12-31 + 1d"])
    func datesOutOfRangeAreEmpty(_ expr: String) throws {
        let h = try Harness.sales()
        #expect(try h.scalar(expr) == .null)
    }

    @Test func hugeMoneyProductsAreEmpty() throws {
        let h = try Harness.sales()
        let rows = try h.rows("opportunities | where id = O1 | select amount * amount * amount, round(amount * amount * amount * amount)")
        #expect(rows == [["", ""]])
    }

    @Test func monthEndsClamp() throws {
        let h = try Harness.sales()
        #expect(try h.scalar("2026-01-31 + 1mo") == .date(Day(year: 2026, month: 2, day: 28)!))
        #expect(try h.scalar("2024-02-29 + 1y") == .date(Day(year: 2025, month: 2, day: 28)!))
    }
}
