/// An exact amount of CNY in minor units (fen). No floating point anywhere on the way in.
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var minor: Int64
    public init(minor: Int64) { self.minor = minor }
    /// Whole yuan; saturates at the largest amount rather than overflowing.
    public init(yuan: Int64) {
        let (v, o) = yuan.multipliedReportingOverflow(by: 100)
        minor = o ? (yuan < 0 ? Int64.min : Int64.max) : v
    }

    /// Fen from a floating-point amount, when it is finite and fits.
    public static func rounding(_ minor: Double) -> Money? {
        let r = minor.rounded()
        guard r.isFinite, r > -9.2e18, r < 9.2e18 else { return nil }
        return Money(minor: Int64(r))
    }

    public static func < (a: Money, b: Money) -> Bool { a.minor < b.minor }
    public static func + (a: Money, b: Money) -> Money { Money(minor: a.minor &+ b.minor) }
    public static func - (a: Money, b: Money) -> Money { Money(minor: a.minor &- b.minor) }

    /// `1,234,567.50` — grouped, always two decimals.
    public var description: String { format(grouped: true) }
    /// `1234567.50` — for CSV and JSON.
    public var plain: String { format(grouped: false) }

    public func format(grouped: Bool) -> String {
        // Written backwards into a small buffer: every history entry and export formats its amounts.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { buf in
            var i = buf.count
            func put(_ c: UInt8) { i -= 1; buf[i] = c }
            var units = minor.magnitude / 100
            let cents = UInt8(minor.magnitude % 100)
            put(UInt8(ascii: "0") + cents % 10)
            put(UInt8(ascii: "0") + cents / 10)
            put(UInt8(ascii: "."))
            var digits = 0
            repeat {
                if grouped, digits > 0, digits % 3 == 0 { put(UInt8(ascii: ",")) }
                put(UInt8(ascii: "0") + UInt8(units % 10))
                units /= 10
                digits += 1
            } while units > 0
            if minor < 0 { put(UInt8(ascii: "-")) }
            return String(decoding: UnsafeBufferPointer(rebasing: buf[i...]), as: UTF8.self)
        }
    }

    /// A cell's bytes when they are a plain amount (`-12000.50`); nil for anything else, which `parse`
    /// reads from text and gives the same for a plain amount.
    public static func parsePlain(bytes: UnsafeBufferPointer<UInt8>) -> Money? {
        ExactDecimal.parsePlain(bytes: bytes)?.money
    }

    /// Parses `1.2m`, `500k`, `12,000.50`, `¥3000`, `-20`. Grouping commas must split groups of three.
    public static func parse(_ text: String) -> Money? {
        guard let d = ExactDecimal.parse(text) else { return nil }
        return d.money
    }
}

/// A decimal literal kept exact: `mantissa × 10^-scale`, with `k`/`m` suffixes applied.
public struct ExactDecimal: Hashable, Sendable {
    public var mantissa: Int64
    public var scale: Int

    public init(mantissa: Int64, scale: Int) { self.mantissa = mantissa; self.scale = scale }

    /// Money when the value has at most two decimals and fits.
    public var money: Money? { scaled(to: 2).map(Money.init(minor:)) }

    public var integer: Int64? {
        var m = mantissa, s = scale
        while s > 0 { if m % 10 != 0 { return nil }; m /= 10; s -= 1 }
        return m
    }

    public var double: Double { Double(mantissa) / Double(pow10(scale)) }

    /// Value scaled to `digits` decimals, when exact.
    public func scaled(to digits: Int) -> Int64? {
        var m = mantissa, s = scale
        while s > digits { if m % 10 != 0 { return nil }; m /= 10; s -= 1 }
        let (r, o) = m.multipliedReportingOverflow(by: pow10(digits - s))
        return o ? nil : r
    }

    public static func parse(_ raw: String) -> ExactDecimal? {
        parsePlain(raw) ?? parseWritten(raw)
    }

    /// Any way of writing a number the shell accepts: spaces around, groups (`1,200,000`), a currency
    /// sign or code, a multiplier (`1.2m`, `35萬`).
    static func parseWritten(_ raw: String) -> ExactDecimal? {
        var text = Substring(raw.trimmingSpaces)
        var negative = false
        if text.hasPrefix("-") { negative = true; text = text.dropFirst() }
        else if text.hasPrefix("+") { text = text.dropFirst() }
        if text.hasPrefix("¥") || text.hasPrefix("￥") { text = text.dropFirst() }
        if text.hasPrefix("CNY") || text.hasPrefix("RMB") { text = text.dropFirst(3) }
        var multiplierDigits = 0
        if let last = text.last {
            switch last {
            case "k", "K": multiplierDigits = 3; text = text.dropLast()
            case "m", "M": multiplierDigits = 6; text = text.dropLast()
            case "萬", "万": multiplierDigits = 4; text = text.dropLast()
            default: break
            }
        }
        guard !text.isEmpty else { return nil }
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count <= 2 else { return nil }
        let intPart = pieces[0]
        let fracPart = pieces.count == 2 ? pieces[1] : ""
        guard !intPart.isEmpty || !fracPart.isEmpty else { return nil }
        var digits = ""
        if intPart.contains(",") {
            let groups = intPart.split(separator: ",", omittingEmptySubsequences: false)
            guard let first = groups.first, (1...3).contains(first.count),
                  groups.dropFirst().allSatisfy({ $0.count == 3 }) else { return nil }
            digits = groups.joined()
        } else { digits = String(intPart) }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), fracPart.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let all = (digits.isEmpty ? "0" : digits) + fracPart
        guard all.count <= 18, var m = Int64(all) else { return nil }
        var scale = fracPart.count - multiplierDigits
        while scale < 0 {
            let (r, o) = m.multipliedReportingOverflow(by: 10)
            if o { return nil }
            m = r; scale += 1
        }
        return ExactDecimal(mantissa: negative ? -m : m, scale: scale)
    }

    /// `1234`, `-12.5`, `.5`: an optional sign, digits and at most one point — the usual cell of an
    /// import, read on its bytes. Anything else (spaces, groups, currency, a multiplier) is nil here and
    /// goes through the full parse, which gives the same result for these.
    public static func parsePlain(_ raw: String) -> ExactDecimal? {
        var raw = raw
        return raw.withUTF8 { parsePlain(bytes: $0) }
    }

    public static func parsePlain(bytes b: UnsafeBufferPointer<UInt8>) -> ExactDecimal? {
        let n = b.count
        guard n > 0, n <= 20 else { return nil }
        var i = 0, negative = false
        if b[0] == UInt8(ascii: "-") { negative = true; i = 1 } else if b[0] == UInt8(ascii: "+") { i = 1 }
        var m: Int64 = 0, intDigits = 0, fracDigits = 0, point = false
        while i < n {
            let c = b[i]
            if c == UInt8(ascii: ".") {
                if point { return nil }
                point = true
            } else if c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                m = m &* 10 &+ Int64(c &- UInt8(ascii: "0"))
                if point { fracDigits += 1 } else { intDigits += 1 }
            } else {
                return nil
            }
            i += 1
        }
        // The full parse's limits: some digit, and at most 18 with a 0 before a bare fraction.
        guard intDigits + fracDigits > 0, max(intDigits, 1) + fracDigits <= 18 else { return nil }
        return ExactDecimal(mantissa: negative ? -m : m, scale: fracDigits)
    }
}

@inline(__always) func pow10(_ n: Int) -> Int64 {
    var r: Int64 = 1
    for _ in 0..<max(0, n) { r &*= 10 }
    return r
}

extension StringProtocol {
    var trimmingSpaces: Substring {
        var s = Substring(self)
        while let f = s.first, f.isBlank { s = s.dropFirst() }
        while let l = s.last, l.isBlank { s = s.dropLast() }
        return s
    }
}
