/// A span of days: a day, week, month, quarter, year or an explicit range. `end` is exclusive.
public struct Period: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: UInt8, Sendable { case day, week, month, quarter, year, range }
    public var kind: Kind
    public var start: Day
    public var end: Day

    public init(kind: Kind, start: Day, end: Day) { self.kind = kind; self.start = start; self.end = end }

    public static func day(_ d: Day) -> Period { Period(kind: .day, start: d, end: d.adding(days: 1)) }
    public static func month(_ y: Int, _ m: Int) -> Period {
        let s = Day(year: y, month: m, day: 1)!
        return Period(kind: .month, start: s, end: s.adding(months: 1))
    }
    public static func quarter(_ y: Int, _ q: Int) -> Period {
        let s = Day(year: y, month: (q - 1) * 3 + 1, day: 1)!
        return Period(kind: .quarter, start: s, end: s.adding(months: 3))
    }
    public static func year(_ y: Int) -> Period {
        let s = Day(year: y, month: 1, day: 1)!
        return Period(kind: .year, start: s, end: s.adding(months: 12))
    }
    public static func week(containing d: Day) -> Period {
        let s = d.adding(days: -(d.weekday - 1))
        return Period(kind: .week, start: s, end: s.adding(days: 7))
    }

    public func contains(_ d: Day) -> Bool { d >= start && d < end }

    /// The same kind of period shifted by `n` steps (for `last_month`, growth against a year earlier).
    public func shifted(by n: Int) -> Period {
        switch kind {
        case .day: return .day(start.adding(days: n))
        case .week: return Period(kind: .week, start: start.adding(days: 7 * n), end: end.adding(days: 7 * n))
        case .month: let s = start.adding(months: n); return Period(kind: .month, start: s, end: s.adding(months: 1))
        case .quarter: let s = start.adding(months: 3 * n); return Period(kind: .quarter, start: s, end: s.adding(months: 3))
        case .year: let s = start.adding(months: 12 * n); return Period(kind: .year, start: s, end: s.adding(months: 12))
        case .range: let len = Int(end.raw - start.raw); return Period(kind: .range, start: start.adding(days: n * len), end: end.adding(days: n * len))
        }
    }

    public var description: String {
        let (y, m, _) = start.components
        switch kind {
        case .day: return start.description
        case .week:
            // ISO week number of the Thursday in this week.
            let thursday = start.adding(days: 3)
            let jan1 = Day(year: thursday.year, month: 1, day: 1)!
            return "\(thursday.year)-W\(pad(Int(thursday.raw - jan1.raw) / 7 + 1, 2))"
        case .month: return "\(pad(y, 4))-\(pad(m, 2))"
        case .quarter: return "\(pad(y, 4))Q\((m - 1) / 3 + 1)"
        case .year: return pad(y, 4)
        case .range: return "\(start)..\(end.adding(days: -1))"
        }
    }

    /// Parses `2026-10-03`, `2026-10`, `2026Q3`, `2026` and `2026-01-01..2026-03-31`.
    public static func parse(_ text: String) -> Period? {
        let chars = Array(text)
        if let dots = chars.indices.dropLast().first(where: { chars[$0] == "." && chars[$0 + 1] == "." }) {
            guard let a = Day.parse(String(chars[..<dots])), let b = Day.parse(String(chars[(dots + 2)...])), a <= b else { return nil }
            return Period(kind: .range, start: a, end: b.adding(days: 1))
        }
        if let d = Day.parse(text) { return .day(d) }
        let u = text.uppercased()
        if u.count == 6, let qi = u.firstIndex(of: "Q"), u.distance(from: u.startIndex, to: qi) == 4,
           let y = Int(u.prefix(4)), let q = Int(u.suffix(1)), (1...4).contains(q), y >= 1 { return .quarter(y, q) }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 2, parts[0].count == 4, (1...2).contains(parts[1].count),
           let y = Int(parts[0]), let m = Int(parts[1]), (1...12).contains(m), y >= 1 { return .month(y, m) }
        if text.count == 4, let y = Int(text), y >= 1 { return .year(y) }
        return nil
    }

    /// The named periods, relative to `today`.
    public static let names = ["today", "yesterday", "tomorrow", "this_week", "last_week", "next_week",
                               "this_month", "last_month", "next_month", "this_quarter", "last_quarter",
                               "next_quarter", "this_year", "last_year", "next_year"]

    public static func named(_ name: String, today: Day) -> Period? {
        let (y, m, _) = today.components
        let month = Period.month(y, m), quarter = Period.quarter(y, (m - 1) / 3 + 1), year = Period.year(y)
        switch name.lowercased() {
        case "today": return .day(today)
        case "yesterday": return .day(today.adding(days: -1))
        case "tomorrow": return .day(today.adding(days: 1))
        case "this_week": return .week(containing: today)
        case "last_week": return Period.week(containing: today).shifted(by: -1)
        case "next_week": return Period.week(containing: today).shifted(by: 1)
        case "this_month": return month
        case "last_month": return month.shifted(by: -1)
        case "next_month": return month.shifted(by: 1)
        case "this_quarter": return quarter
        case "last_quarter": return quarter.shifted(by: -1)
        case "next_quarter": return quarter.shifted(by: 1)
        case "this_year": return year
        case "last_year": return year.shifted(by: -1)
        case "next_year": return year.shifted(by: 1)
        default: return nil
        }
    }
}

/// A length of time: whole months plus days (`3mo`, `2w` = 14 days, `7d`, `1y` = 12 months).
public struct Duration: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var months: Int32
    public var days: Int32
    public init(months: Int32 = 0, days: Int32 = 0) { self.months = months; self.days = days }

    /// For ordering only: a month counts as 30 days.
    public var approximateDays: Int { Int(months) * 30 + Int(days) }
    public static func < (a: Duration, b: Duration) -> Bool { a.approximateDays < b.approximateDays }

    public var description: String {
        if months == 0 { return "\(days)d" }
        if days == 0 { return months % 12 == 0 ? "\(months / 12)y" : "\(months)mo" }
        return "\(months)mo\(days)d"
    }

    public static func parse(_ text: String) -> Duration? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let n = Int32(digits) else { return nil }
        switch text.dropFirst(digits.count).lowercased() {
        case "d": return Duration(days: n)
        case "w": let (v, o) = n.multipliedReportingOverflow(by: 7); return o ? nil : Duration(days: v)
        case "mo": return Duration(months: n)
        case "y": let (v, o) = n.multipliedReportingOverflow(by: 12); return o ? nil : Duration(months: v)
        default: return nil
        }
    }
}

extension Day {
    public func adding(_ d: Duration) -> Day { adding(months: Int(d.months)).adding(days: Int(d.days)) }
    public func subtracting(_ d: Duration) -> Day { adding(months: -Int(d.months)).adding(days: -Int(d.days)) }
}

/// A percentage in basis points (hundredths of a percent): 75 % is 7500.
public struct Percent: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var basisPoints: Int64
    public init(basisPoints: Int64) { self.basisPoints = basisPoints }
    public init(whole: Int64) { basisPoints = whole * 100 }
    public static func < (a: Percent, b: Percent) -> Bool { a.basisPoints < b.basisPoints }
    public var fraction: Double { Double(basisPoints) / 10000 }
    public var description: String {
        let whole = basisPoints / 100, frac = (basisPoints % 100).magnitude
        if frac == 0 { return "\(whole)%" }
        let f = frac % 10 == 0 ? String(frac / 10) : (frac < 10 ? "0" : "") + String(frac)
        return "\(basisPoints < 0 && whole == 0 ? "-" : "")\(whole).\(f)%"
    }
    /// `30%` or `12.5` as an import's cell has it, read on its bytes: nil for anything else, which
    /// `parse` reads from text.
    public static func parsePlain(bytes b: UnsafeBufferPointer<UInt8>) -> Percent?? {
        guard let d = ExactDecimal.parsePlain(bytes: UnsafeBufferPointer(rebasing: b[0 ..< (b.last == UInt8(ascii: "%") ? b.count - 1 : b.count)])) else { return nil }
        return .some(d.scaled(to: 2).map(Percent.init(basisPoints:)))
    }

    /// Parses `30%`, `12.5%`, `30`.
    public static func parse(_ text: String) -> Percent? {
        var plain = text
        if let p = plain.withUTF8(parsePlain(bytes:)) { return p }
        var t = Substring(text.trimmingSpaces)
        if t.hasSuffix("%") { t = t.dropLast() }
        guard let d = ExactDecimal.parse(String(t)), let bp = d.scaled(to: 2) else { return nil }
        return Percent(basisPoints: bp)
    }
}
