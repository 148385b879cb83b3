/// A calendar day, stored as days since 1970-01-01 (proleptic Gregorian).
/// Civil-date conversions follow Howard Hinnant's `days_from_civil` / `civil_from_days`.
public struct Day: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var raw: Int32

    public init(raw: Int32) { self.raw = raw }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Day.daysIn(year: year, month: month),
              (1...9999).contains(year) else { return nil }
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        raw = Int32(era * 146097 + doe - 719468)
    }

    public var components: (year: Int, month: Int, day: Int) {
        let z = Int(raw) + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// year × 12 + month − 1: the month a day is in as one number, looked up for the days of 1970 to
    /// 2099 (what a group by month reads per row) and worked out for the rest.
    @inlinable
    public var monthNumber: Int {
        let i = Int(raw) - Day.monthTableStart
        if i >= 0, i < Day.monthNumbers.count { return Int(Day.monthNumbers[i]) }
        let (y, m, _) = components
        return y * 12 + m - 1
    }
    @usableFromInline static let monthTableStart = Int(Day(year: 1970, month: 1, day: 1)!.raw)
    @usableFromInline static let monthNumbers: [Int32] = {
        var table: [Int32] = []
        table.reserveCapacity(130 * 366)
        for y in 1970 ..< 2100 {
            for m in 1 ... 12 { table += repeatElement(Int32(y * 12 + m - 1), count: daysIn(year: y, month: m)) }
        }
        return table
    }()

    public var year: Int { components.year }
    public var month: Int { components.month }

    /// 1 = Monday … 7 = Sunday (ISO).
    public var weekday: Int { Int((Int64(raw) % 7 + 7 + 3) % 7) + 1 }

    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The first and last days salesh represents (years 1 to 9999).
    public static let first = Day(year: 1, month: 1, day: 1)!
    public static let last = Day(year: 9999, month: 12, day: 31)!

    /// Adds days, staying within years 1 to 9999.
    public func adding(days: Int) -> Day {
        Day(raw: Int32(max(Int(Day.first.raw), min(Int(Day.last.raw), Int(raw) + days))))
    }

    /// Adds calendar months, clamping the day to the target month's length (Jan 31 + 1mo = Feb 28)
    /// and the year to 1…9999.
    public func adding(months: Int) -> Day {
        let (y, m, d) = components
        let total = max(12, min(9999 * 12 + 11, y * 12 + (m - 1) + max(-200_000, min(200_000, months))))
        let ny = total / 12, nm = total % 12 + 1
        return Day(year: ny, month: nm, day: min(d, Day.daysIn(year: ny, month: nm)))!
    }

    /// Date arithmetic that refuses to leave years 1 to 9999 (nil) instead of clamping.
    public func checkedAdding(_ d: Duration, negate: Bool = false) -> Day? {
        let months = Int(d.months) * (negate ? -1 : 1), days = Int(d.days) * (negate ? -1 : 1)
        let (y, m, _) = components
        let total = y * 12 + (m - 1) + months
        guard total >= 12, total <= 9999 * 12 + 11 else { return nil }
        let r = Int(adding(months: months).raw) + days
        guard r >= Int(Day.first.raw), r <= Int(Day.last.raw) else { return nil }
        return Day(raw: Int32(r))
    }

    /// The day containing a Unix time in milliseconds, in UTC shifted by `offsetSeconds`.
    public static func from(unixMillis: Int64, offsetSeconds: Int = 0) -> Day {
        let ms = unixMillis + Int64(offsetSeconds) * 1000
        let dayMillis: Int64 = 86_400_000
        let q = ms / dayMillis
        return Day(raw: Int32(ms % dayMillis < 0 ? q - 1 : q))
    }

    public static func < (a: Day, b: Day) -> Bool { a.raw < b.raw }

    public var description: String {
        let (y, m, d) = components
        guard (0...9999).contains(y) else { return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))" }
        return String(unsafeUninitializedCapacity: 10) { b in
            func two(_ n: Int, at i: Int) {
                b[i] = UInt8(ascii: "0") + UInt8(n / 10)
                b[i + 1] = UInt8(ascii: "0") + UInt8(n % 10)
            }
            two(y / 100, at: 0); two(y % 100, at: 2); two(m, at: 5); two(d, at: 8)
            b[4] = UInt8(ascii: "-"); b[7] = UInt8(ascii: "-")
            return 10
        }
    }

    /// Parses `2026-10-03`, `2026/10/3` and `2026.10.3`.
    public static func parse(_ s: Substring) -> Day? {
        let parts = s.split(omittingEmptySubsequences: false) { $0 == "-" || $0 == "/" || $0 == "." }
        guard parts.count == 3, parts[0].count == 4,
              (1...2).contains(parts[1].count), (1...2).contains(parts[2].count),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        return Day(year: y, month: m, day: d)
    }
    public static func parse(_ s: String) -> Day? {
        var s = s
        if let iso = s.withUTF8(isoDay) { return iso }
        return parse(Substring(s))
    }

    /// A cell's bytes when they are a `2026-11-26` day; nil for anything else (another shape, no such
    /// day), which `parse` reads from text.
    public static func parseISO(bytes b: UnsafeBufferPointer<UInt8>) -> Day? { isoDay(b) ?? nil }

    /// `2026-11-26` read from its bytes, as most files write a day: .some(nil) for that shape with no
    /// such day (month 13), nil for any other shape.
    private static func isoDay(_ b: UnsafeBufferPointer<UInt8>) -> Day?? {
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range {
                let d = b[i] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                n = n * 10 + Int(d)
            }
            return n
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
        return .some(Day(year: y, month: m, day: d))
    }

    /// Why a year-month-day that does not parse is no day: "September has 30 days", "there is no month 13".
    public static func whyNot(_ s: String) -> String? {
        let parts = s.split(omittingEmptySubsequences: false) { $0 == "-" || $0 == "/" || $0 == "." }
        guard parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        guard (1...12).contains(m) else { return phrase("there is no month \(m)") }
        let names = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        let days = (1...31).last { Day(year: y, month: m, day: $0) != nil } ?? 31
        return d < 1 || d > days ? phrase("\(names[m - 1]) \(y) has \(days) days") : nil
    }
}

@inline(__always)
func pad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

/// A moment, in milliseconds since the Unix epoch (UTC).
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var millis: Int64
    public init(millis: Int64) { self.millis = millis }
    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.millis < b.millis }
    public var day: Day { Day.from(unixMillis: millis) }
    /// ISO 8601 in UTC to the second: `2026-11-26T15:09:41Z`.
    public var description: String {
        let d = day
        let secs = Int((millis / 1000 - Int64(d.raw) * 86400))
        return "\(d)T\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):\(pad(secs % 60, 2))Z"
    }
}
