import Foundation
import Testing
@testable import SalesCore

// MARK: Money

@Suite("Money")
struct MoneyTests {
    /// The written form, as plainly as it can be said: grouped whole yuan, a point, two digits.
    static func reference(_ m: Money, grouped: Bool) -> String {
        let units = String(m.minor.magnitude / 100), cents = m.minor.magnitude % 100
        var whole = ""
        for (i, ch) in units.enumerated() {
            if grouped, i > 0, (units.count - i) % 3 == 0 { whole.append(",") }
            whole.append(ch)
        }
        return (m.minor < 0 ? "-" : "") + whole + "." + (cents < 10 ? "0" : "") + String(cents)
    }

    @Test func formatsAsWritten() {
        var samples: [Int64] = [0, 5, -5, 99, 100, -100, 99_999, 100_000, 123_456_789, -123_456_789, .max, .min, .min + 1]
        for _ in 0..<2000 { samples.append(Int64.random(in: -(1 << Int64.random(in: 1...62))...(1 << Int64.random(in: 1...62)))) }
        for minor in samples {
            let m = Money(minor: minor)
            #expect(m.description == Self.reference(m, grouped: true))
            #expect(m.plain == Self.reference(m, grouped: false))
        }
        #expect(Money(minor: 120_000_050).description == "1,200,000.50")
        #expect(Money(minor: -5).plain == "-0.05")
    }

    @Test("parses exact amounts", arguments: [
        ("1.2m", Int64(120_000_000)),
        ("500k", 50_000_000),
        ("500K", 50_000_000),
        ("12,000.50", 1_200_050),
        ("1,234,567.89", 123_456_789),
        ("¥3000", 300_000),
        ("￥3000", 300_000),
        ("-20", -2_000),
        ("+20", 2_000),
        ("0.05", 5),
        ("1.230", 123),
        ("3萬", 3_000_000),
        ("2.5k", 250_000),
        ("  42  ", 4_200),
        ("1.25m", 125_000_000),
        (".5", 50),
    ])
    func parses(_ text: String, _ minor: Int64) {
        #expect(Money.parse(text) == Money(minor: minor), "\(text)")
    }

    @Test("refuses what is not money", arguments: [
        "1,2345",      // grouping must be in threes
        "12,34",
        ",123",
        "1,,234",
        "1.234",       // a fraction of a fen
        "0.001",
        "abc",
        "",
        "-",
        "¥",
        "12a",
        "1.2.3",
        "k",
        "1e5",
        "99999999999999999999",   // does not fit
    ])
    func refuses(_ text: String) {
        #expect(Money.parse(text) == nil, "\(text) should not parse as money")
    }

    @Test("formats grouped with two decimals", arguments: [
        (Int64(0), "0.00", "0.00"),
        (5, "0.05", "0.05"),
        (-5, "-0.05", "-0.05"),
        (100, "1.00", "1.00"),
        (123_456, "1,234.56", "1234.56"),
        (100_000, "1,000.00", "1000.00"),
        (12_345_678_900, "123,456,789.00", "123456789.00"),
        (-123_456_750, "-1,234,567.50", "-1234567.50"),
        (99_999, "999.99", "999.99"),
    ])
    func formats(_ minor: Int64, _ grouped: String, _ plain: String) {
        let m = Money(minor: minor)
        #expect(m.description == grouped)
        #expect(m.plain == plain)
    }

    @Test func formatsExtremes() {
        #expect(Money(minor: Int64.max).plain == "92233720368547758.07")
        #expect(Money(minor: Int64.min).plain == "-92233720368547758.08")
    }

    @Test func arithmeticAndOrder() {
        #expect(Money(yuan: 3) + Money(minor: 50) == Money(minor: 350))
        #expect(Money(yuan: 3) - Money(yuan: 5) == Money(yuan: -2))
        #expect(Money(minor: 1) < Money(minor: 2))
        #expect([Money(yuan: 5), Money(yuan: -1), Money(yuan: 2)].sorted() == [Money(yuan: -1), Money(yuan: 2), Money(yuan: 5)])
    }

    @Test func parseThenFormatRoundTrips() {
        for text in ["0.00", "1.00", "12,000.50", "-1,234,567.89", "999,999,999.99"] {
            #expect(Money.parse(text)?.description == text)
        }
    }
}

// MARK: ExactDecimal

@Suite("ExactDecimal")
struct ExactDecimalTests {
    /// The byte-level reading of plain numbers agrees with the full one wherever it answers.
    @Test func plainNumbersReadOnBytesAgreeWithTheFullParse() {
        var samples = ["0", "5", "-5", "+5", "5.", ".5", "-.5", "007", "12.50", "-0", ".", "-", "+", "", "1.2.3", "1,000",
                       " 5", "5 ", "1e5", "５", "123456789012345678", "1234567890123456789", ".123456789012345678",
                       ".12345678901234567", "99999999999999999.9", "-999999999999999999"]
        var seed: UInt64 = 20261126
        for _ in 0..<2000 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let alphabet = Array("0123456789.-+")
            let n = Int(seed >> 59) + 1
            samples.append(String((0..<n).map { k in alphabet[Int((seed >> UInt64(k * 3 % 56)) % UInt64(alphabet.count))] }))
        }
        for s in samples {
            if let plain = ExactDecimal.parsePlain(s) {
                #expect(plain == ExactDecimal.parseWritten(s), "\(s)")
            }
        }
        #expect(ExactDecimal.parsePlain("12.50") == ExactDecimal(mantissa: 1250, scale: 2))
        #expect(ExactDecimal.parsePlain("1,000") == nil && ExactDecimal.parse("1,000") == ExactDecimal(mantissa: 1000, scale: 0))
    }

    @Test func keepsScale() {
        #expect(ExactDecimal.parse("12.50") == ExactDecimal(mantissa: 1250, scale: 2))
        #expect(ExactDecimal.parse("1.2m") == ExactDecimal(mantissa: 1_200_000, scale: 0))
        #expect(ExactDecimal.parse("-0.5") == ExactDecimal(mantissa: -5, scale: 1))
    }

    @Test func integerAndScaling() {
        #expect(ExactDecimal.parse("500k")?.integer == 500_000)
        #expect(ExactDecimal.parse("12.00")?.integer == 12)
        #expect(ExactDecimal.parse("12.5")?.integer == nil)
        #expect(ExactDecimal.parse("12.5")?.scaled(to: 2) == 1250)
        #expect(ExactDecimal.parse("12.345")?.scaled(to: 2) == nil)
        #expect(ExactDecimal.parse("0.25")?.double == 0.25)
    }

    @Test func overflowIsRefused() {
        #expect(ExactDecimal.parse("9999999999999999m") == nil)
        #expect(ExactDecimal.parse("92233720368547758")?.money == Money(minor: 9_223_372_036_854_775_800))
        #expect(ExactDecimal.parse("92233720368547759")?.money == nil)
    }
}

// MARK: Day

@Suite("Day")
struct DayTests {
    /// The month a day is in, looked up or worked out, is the month its components name.
    @Test func monthNumbersAreTheMonthsOfTheDays() {
        let start = Int32(Day(year: 1969, month: 12, day: 25)!.raw), end = Int32(Day(year: 2100, month: 1, day: 7)!.raw)
        for raw in Array(start ... end) + [-800_000, -1, 0, 1_000_000].map(Int32.init) {
            let (y, m, _) = Day(raw: raw).components
            #expect(Day(raw: raw).monthNumber == y * 12 + m - 1, "\(raw)")
        }
    }

    @Test func writesAndReadsEveryDayAlike() {
        for raw in stride(from: Day(year: 1, month: 1, day: 1)!.raw, through: Day(year: 9999, month: 12, day: 31)!.raw, by: 97) {
            let d = Day(raw: raw), (y, m, dd) = d.components
            let expected = String(format: "%04d-%02d-%02d", y, m, dd)
            #expect(d.description == expected)
            #expect(Day.parse(expected) == d)
            #expect(Day.parse(Substring(expected)) == d)
        }
        for bad in ["2026-13-01", "2026-02-30", "0000-01-01", "2026-1a-01", "2026_11_26", "20261126xx"] {
            #expect(Day.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func epochAndKnownDays() {
        #expect(Day(year: 1970, month: 1, day: 1)?.raw == 0)
        #expect(Day(year: 1969, month: 12, day: 31)?.raw == -1)
        #expect(Day(year: 2000, month: 3, day: 1)?.raw == 11_017)
        #expect(Day(year: 2026, month: 11, day: 26)?.raw == 20_783)
        #expect(Day(year: 1, month: 1, day: 1)?.raw == -719_162)
        #expect(Day(year: 9999, month: 12, day: 31)?.raw == 2_932_896)
    }

    /// Walks every day from 1600 to 2400 and checks that the civil date advances by exactly one day each time.
    @Test func civilConversionsOverFourCenturies() throws {
        var d = try #require(Day(year: 1600, month: 1, day: 1))
        var (y, m, dd) = (1600, 1, 1)
        let end = try #require(Day(year: 2400, month: 12, day: 31))
        var checked = 0
        while d <= end {
            let c = d.components
            guard c.year == y, c.month == m, c.day == dd else {
                Issue.record("day \(d.raw) is \(c), expected \(y)-\(m)-\(dd)")
                return
            }
            guard Day(year: y, month: m, day: dd) == d else {
                Issue.record("\(y)-\(m)-\(dd) does not map back to \(d.raw)")
                return
            }
            // Next civil day, counted by hand.
            dd += 1
            let monthLength = [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
            if dd > monthLength { dd = 1; m += 1 }
            if m > 12 { m = 1; y += 1 }
            d = d.adding(days: 1)
            checked += 1
        }
        #expect(checked == 292_560)
    }

    @Test("leap years", arguments: [
        (2024, true), (2026, false), (2000, true), (1900, false), (2100, false), (2400, true), (1600, true),
    ])
    func leapYears(_ year: Int, _ leap: Bool) {
        #expect(Day.isLeap(year) == leap)
        #expect((Day(year: year, month: 2, day: 29) != nil) == leap)
        #expect(Day.daysIn(year: year, month: 2) == (leap ? 29 : 28))
    }

    @Test("invalid dates are refused", arguments: [
        (2026, 2, 29), (2026, 4, 31), (2026, 13, 1), (2026, 0, 10), (2026, 1, 0), (2026, 1, 32), (0, 1, 1), (10000, 1, 1),
    ])
    func invalid(_ y: Int, _ m: Int, _ d: Int) {
        #expect(Day(year: y, month: m, day: d) == nil)
    }

    @Test("parses the written forms", arguments: [
        ("2026-10-03", "2026-10-03"),
        ("2026/10/3", "2026-10-03"),
        ("2026.10.3", "2026-10-03"),
        ("2026-1-5", "2026-01-05"),
        ("2024-02-29", "2024-02-29"),
    ])
    func parses(_ text: String, _ iso: String) {
        #expect(Day.parse(text)?.description == iso)
    }

    @Test("refuses what is not a date", arguments: [
        "2026-02-29", "2026-10", "26-10-03", "2026-10-03-01", "2026-100-1", "2026-10-", "abcd-ef-gh", "", "2026--3",
    ])
    func refuses(_ text: String) {
        #expect(Day.parse(text) == nil, "\(text)")
    }

    @Test("adding months clamps to the month's end", arguments: [
        ("2026-01-31", 1, "2026-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2026-03-31", -1, "2026-02-28"),
        ("2026-05-31", 1, "2026-06-30"),
        ("2026-12-15", 1, "2027-01-15"),
        ("2026-01-15", -1, "2025-12-15"),
        ("2026-11-26", -36, "2023-11-26"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2026-08-31", 6, "2027-02-28"),
        ("2026-10-10", 0, "2026-10-10"),
    ])
    func addingMonths(_ from: String, _ months: Int, _ to: String) throws {
        let d = try #require(Day.parse(from))
        #expect(d.adding(months: months).description == to)
    }

    @Test func weekdays() throws {
        #expect(try #require(Day.parse("2026-11-26")).weekday == 4)   // a Thursday
        #expect(try #require(Day.parse("2026-11-23")).weekday == 1)   // Monday
        #expect(try #require(Day.parse("2026-11-29")).weekday == 7)   // Sunday
        #expect(Day(raw: 0).weekday == 4)                            // 1970-01-01 was a Thursday
        #expect(Day(raw: -1).weekday == 3)
    }

    @Test func fromUnixMillis() {
        #expect(Day.from(unixMillis: 0) == Day(raw: 0))
        #expect(Day.from(unixMillis: 86_399_999) == Day(raw: 0))
        #expect(Day.from(unixMillis: 86_400_000) == Day(raw: 1))
        #expect(Day.from(unixMillis: -1) == Day(raw: -1))
        #expect(Day.from(unixMillis: -86_400_000) == Day(raw: -1))
        #expect(Day.from(unixMillis: -86_400_001) == Day(raw: -2))
        // 23:00 UTC is the next day in Taipei (UTC+8).
        #expect(Day.from(unixMillis: 23 * 3_600_000, offsetSeconds: 8 * 3600) == Day(raw: 1))
    }

    @Test func timestampDescription() {
        let t = Timestamp(millis: (Int64(20_783) * 86_400 + 15 * 3600 + 9 * 60 + 41) * 1000)
        #expect(t.description == "2026-11-26T15:09:41Z")
        #expect(t.day.description == "2026-11-26")
    }
}

// MARK: Period

@Suite("Period")
struct PeriodTests {
    func day(_ s: String) -> Day { Day.parse(s)! }

    @Test("parses", arguments: [
        ("2026-10", Period.Kind.month, "2026-10-01", "2026-11-01", "2026-10"),
        ("2026-1", .month, "2026-01-01", "2026-02-01", "2026-01"),
        ("2026-12", .month, "2026-12-01", "2027-01-01", "2026-12"),
        ("2026Q3", .quarter, "2026-07-01", "2026-10-01", "2026Q3"),
        ("2026q4", .quarter, "2026-10-01", "2027-01-01", "2026Q4"),
        ("2026Q1", .quarter, "2026-01-01", "2026-04-01", "2026Q1"),
        ("2026", .year, "2026-01-01", "2027-01-01", "2026"),
        ("2026-10-03", .day, "2026-10-03", "2026-10-04", "2026-10-03"),
        ("2026-01-01..2026-03-31", .range, "2026-01-01", "2026-04-01", "2026-01-01..2026-03-31"),
        ("2026-02-10..2026-02-10", .range, "2026-02-10", "2026-02-11", "2026-02-10..2026-02-10"),
    ])
    func parses(_ text: String, _ kind: Period.Kind, _ start: String, _ end: String, _ description: String) throws {
        let p = try #require(Period.parse(text))
        #expect(p.kind == kind)
        #expect(p.start == day(start))
        #expect(p.end == day(end))
        #expect(p.description == description)
    }

    @Test("refuses", arguments: ["2026Q5", "2026Q0", "2026-13", "2026-00", "26Q3", "Q3", "2026-03-31..2026-01-01", "2026..2027", "x", ""])
    func refuses(_ text: String) {
        #expect(Period.parse(text) == nil, "\(text)")
    }

    @Test func containsIsHalfOpen() throws {
        let q = try #require(Period.parse("2026Q3"))
        #expect(q.contains(day("2026-07-01")))
        #expect(q.contains(day("2026-09-30")))
        #expect(!q.contains(day("2026-10-01")))
        #expect(!q.contains(day("2026-06-30")))
    }

    @Test("named periods relative to 2026-11-26", arguments: [
        ("today", "2026-11-26", "2026-11-27"),
        ("yesterday", "2026-11-25", "2026-11-26"),
        ("tomorrow", "2026-11-27", "2026-11-28"),
        ("this_week", "2026-11-23", "2026-11-30"),
        ("last_week", "2026-11-16", "2026-11-23"),
        ("next_week", "2026-11-30", "2026-12-07"),
        ("this_month", "2026-11-01", "2026-12-01"),
        ("last_month", "2026-10-01", "2026-11-01"),
        ("next_month", "2026-12-01", "2027-01-01"),
        ("this_quarter", "2026-10-01", "2027-01-01"),
        ("last_quarter", "2026-07-01", "2026-10-01"),
        ("next_quarter", "2027-01-01", "2027-04-01"),
        ("this_year", "2026-01-01", "2027-01-01"),
        ("last_year", "2025-01-01", "2026-01-01"),
        ("next_year", "2027-01-01", "2028-01-01"),
        ("THIS_MONTH", "2026-11-01", "2026-12-01"),
    ])
    func named(_ name: String, _ start: String, _ end: String) throws {
        let p = try #require(Period.named(name, today: day("2026-11-26")))
        #expect(p.start == day(start))
        #expect(p.end == day(end))
    }

    @Test func namedAcrossYearBoundaries() throws {
        let jan = day("2026-01-15")
        #expect(Period.named("last_month", today: jan)?.description == "2025-12")
        #expect(Period.named("last_quarter", today: jan)?.description == "2025Q4")
        #expect(Period.named("next_month", today: day("2026-12-31"))?.description == "2027-01")
        #expect(Period.named("this_week", today: day("2026-01-01"))?.description == "2026-W01")
        #expect(Period.named("this_week", today: day("2026-11-26"))?.description == "2026-W48")
        #expect(Period.named("fortnight", today: jan) == nil)
        for n in Period.names { #expect(Period.named(n, today: jan) != nil, "\(n)") }
    }

    @Test func shifted() throws {
        #expect(try #require(Period.parse("2026-01")).shifted(by: -1).description == "2025-12")
        #expect(try #require(Period.parse("2026-01")).shifted(by: 13).description == "2027-02")
        #expect(try #require(Period.parse("2026Q1")).shifted(by: -1).description == "2025Q4")
        #expect(try #require(Period.parse("2026Q3")).shifted(by: 2).description == "2027Q1")
        #expect(try #require(Period.parse("2026")).shifted(by: -1).description == "2025")
        #expect(try #require(Period.parse("2026-03-31")).shifted(by: 1).description == "2026-04-01")
        // A month shifted keeps whole months: February is short.
        let feb = try #require(Period.parse("2026-01")).shifted(by: 1)
        #expect(feb.start == day("2026-02-01") && feb.end == day("2026-03-01"))
        // A range moves by its own length.
        let r = try #require(Period.parse("2026-01-01..2026-01-10")).shifted(by: -1)
        #expect(r.description == "2025-12-22..2025-12-31")
        let w = Period.week(containing: day("2026-11-26")).shifted(by: -1)
        #expect(w.start == day("2026-11-16") && w.end == day("2026-11-23"))
    }
}

// MARK: Duration and Percent

@Suite("Duration")
struct DurationTests {
    @Test("parses", arguments: [
        ("7d", Int32(0), Int32(7), "7d"),
        ("2w", 0, 14, "14d"),
        ("3mo", 3, 0, "3mo"),
        ("1y", 12, 0, "1y"),
        ("2y", 24, 0, "2y"),
        ("0d", 0, 0, "0d"),
        ("15mo", 15, 0, "15mo"),
        ("3MO", 3, 0, "3mo"),
    ])
    func parses(_ text: String, _ months: Int32, _ days: Int32, _ description: String) throws {
        let d = try #require(Duration.parse(text))
        #expect(d.months == months)
        #expect(d.days == days)
        #expect(d.description == description)
    }

    @Test("refuses", arguments: ["7", "d", "3x", "3m", "-3d", "", "1.5d", "d7", "3 d"])
    func refuses(_ text: String) {
        #expect(Duration.parse(text) == nil, "\(text)")
    }

    @Test func orderingAndDayArithmetic() throws {
        #expect(Duration(days: 29) < Duration(months: 1))
        #expect(Duration(months: 1) < Duration(days: 31))
        #expect(Duration(months: 1, days: 2).description == "1mo2d")
        let d = try #require(Day.parse("2026-01-31"))
        #expect(d.adding(Duration(months: 1, days: 1)).description == "2026-03-01")
        #expect(d.subtracting(Duration(days: 31)).description == "2025-12-31")
    }
}

@Suite("Percent")
struct PercentTests {
    @Test("parses", arguments: [
        ("30%", Int64(3000)), ("12.5%", 1250), ("30", 3000), ("0.25%", 25), ("100%", 10000), ("-5%", -500), (" 7 % ", 700), ("0%", 0),
    ])
    func parses(_ text: String, _ bp: Int64) {
        #expect(Percent.parse(text) == Percent(basisPoints: bp), "\(text)")
    }

    @Test("refuses", arguments: ["0.125%", "abc%", "%", "", "1,2345%"])
    func refuses(_ text: String) {
        #expect(Percent.parse(text) == nil, "\(text)")
    }

    @Test("formats", arguments: [
        (Int64(3000), "30%"), (1250, "12.5%"), (1205, "12.05%"), (25, "0.25%"), (5, "0.05%"), (-50, "-0.5%"), (-1250, "-12.5%"), (0, "0%"), (10000, "100%"),
    ])
    func formats(_ bp: Int64, _ text: String) {
        #expect(Percent(basisPoints: bp).description == text)
        #expect(Percent.parse(text) == Percent(basisPoints: bp))
    }

    @Test func fractionAndOrder() {
        #expect(Percent(whole: 75).fraction == 0.75)
        #expect(Percent(whole: 10) < Percent(basisPoints: 1001))
    }
}

// MARK: Value

@Suite("Value")
struct ValueTests {
    @Test func compareOrdersNullFirstAndNumbersAcrossKinds() {
        #expect(Value.compare(.null, .int(0)) < 0)
        #expect(Value.compare(.int(0), .null) > 0)
        #expect(Value.compare(.null, .null) == 0)
        #expect(Value.compare(.int(2), .int(10)) < 0)
        #expect(Value.compare(.money(Money(yuan: 5)), .int(4)) > 0)
        #expect(Value.compare(.money(Money(yuan: 5)), .real(5)) == 0)
        #expect(Value.compare(.text("a"), .text("b")) < 0)
        #expect(Value.compare(.bool(false), .bool(true)) < 0)
        #expect(Value.compare(.date(Day(raw: 3)), .date(Day(raw: 2))) > 0)
    }

    @Test func display() {
        #expect(Value.null.display == "")
        #expect(Value.bool(true).display == "yes")
        #expect(Value.money(Money(minor: 120_000_000)).display == "1,200,000.00")
        #expect(Value.money(Money(minor: 120_000_000)).plain == "1200000.00")
        #expect(Value.percent(Percent(whole: 75)).display == "75%")
        #expect(Value.real(2.5).display == "2.5")
        #expect(Value.real(3).display == "3")
        #expect(Value.real(1.0 / 3).display == "0.33")
        #expect(Value.real(-2.5).display == "-2.5")
        // Rounded to two decimals, a whole number shows as one, like 3.0 does.
        #expect(Value.real(2.999).display == "3")
        #expect(Value.real(-7.9999).display == "-8")
        #expect(Value.duration(Duration(days: 14)).display == "14d")
        #expect(Value.period(.quarter(2026, 3)).display == "2026Q3")
    }
}

@Suite("blank text")
struct BlankTextTests {
    /// `Character.isBlank` (a fixed list) and `isWhitespace` (Unicode's tables) agree on every scalar.
    @Test func blankAgreesWithUnicodeOnEveryScalar() {
        var disagree: [UInt32] = []
        for v in UInt32(0)...0x10FFFF {
            guard let s = Unicode.Scalar(v) else { continue }
            let c = Character(s)
            if c.isBlank != c.isWhitespace { disagree.append(v) }
        }
        #expect(disagree.isEmpty, "\(disagree.prefix(10).map { String($0, radix: 16) })")
        #expect(Character("\r\n").isBlank && !Character("e\u{301}").isBlank)
    }

    /// The byte shortcuts agree with Unicode's white space on every kind of text.
    @Test(arguments: ["", " ", "\t\n", "a", " a", "a ", "\u{01}", "\u{3000}", "　中", "中　", "中文", "\u{85}", " \u{A0}", "x\u{200B}",
                            "中a", "a中", " 中", "中 ", "中\u{301}", "中 \u{301}", "한국", "ｆｕｌｌ", "中\u{3000}", "\u{3000}中"])
    func shortcutsAgreeWithUnicode(_ s: String) {
        #expect(s.hasNonBlank == !s.allSatisfy(\.isWhitespace), "hasNonBlank of \(s.unicodeScalars.map { $0.value })")
        #expect(s.hasOuterBlank == (s.first?.isWhitespace == true || s.last?.isWhitespace == true), "hasOuterBlank of \(s.unicodeScalars.map { $0.value })")
        #expect(Value.text(s).isBlank == s.allSatisfy(\.isWhitespace))
    }

    /// The last-scalar shortcut of `hasOuterBlank` agrees with Unicode after and before every scalar.
    @Test func outerBlankAgreesBesideEveryScalar() {
        var disagree: [UInt32] = []
        for v in UInt32(0)...0x10FFFF {
            guard let c = Unicode.Scalar(v).map(String.init) else { continue }
            for s in ["中" + c, "中 " + c, c + "中", "中" + c + "中"] where s.hasOuterBlank != (s.first?.isWhitespace == true || s.last?.isWhitespace == true) {
                disagree.append(v)
            }
        }
        #expect(disagree.isEmpty, "\(disagree.prefix(10).map { String($0, radix: 16) })")
    }
}

// MARK: Enumerations

@Suite("EnumType")
struct EnumTypeTests {
    let kinds = EnumType("kind", [EnumCase("fair", "行業展會", hans: "行业展会"), EnumCase("expo", "大型展會"),
                                  EnumCase("referral", "客戶推薦", hans: "客户推荐")])

    @Test func namesAndTermsInAnySpelling() {
        #expect(kinds.index(of: "fair") == 0)
        #expect(kinds.index(of: "FAIR") == 0)
        #expect(kinds.index(of: "行业展会") == 0)
        #expect(kinds.index(of: "大型展會") == 1)
        #expect(kinds.canonical("客户推荐") == "referral")
    }

    @Test func shorterFormsEndOneTermOnly() {
        #expect(kinds.index(of: "業展會") == 0)
        #expect(kinds.index(of: "业展会") == 0)
        #expect(kinds.index(of: "推薦") == 2)
        #expect(kinds.index(of: "展會") == nil, "the tail of two cases' terms names neither")
        #expect(kinds.index(of: "薦") == nil, "one character is too short")
        #expect(kinds.index(of: "客戶") == nil, "the start of a term is not a shorter form")
        #expect(kinds.index(of: "fai") == nil)
    }
}

// MARK: Numbered texts

@Suite("Numbered texts")
struct NumberedTextTests {
    /// The history's ids and an import's `file:line` are written digit by digit: the same text as
    /// interpolation gives, at every length of number.
    @Test func aNumberAfterItsPrefixReadsAsInterpolationWritesIt() {
        var n: Int64 = 0
        var checked = 0
        while true {
            for m in [n, n &+ 1, n &+ 9] where m >= 0 {
                #expect(String.numbered("H", m) == "H\(m)")
                #expect(String.numbered("商機.csv:", m) == "商機.csv:\(m)")
                checked += 1
            }
            if n > Int64.max / 10 { break }
            n = n == 0 ? 1 : n * 10
        }
        #expect(String.numbered("", Int64.max) == "\(Int64.max)")
        #expect(String.numbered("L", -42) == "L-42")
        #expect(checked > 50)
        #expect(ImportSource(file: "opp.csv", lines: [2, 1_000_000]).origin(ofChange: 1) == "opp.csv:1000000")
        #expect(ImportSource(file: "opp.csv", lines: [2]).origin(ofChange: 5) == "opp.csv")
    }
}
