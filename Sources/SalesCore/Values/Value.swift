/// One value of a field or an expression. Enum values and references are stored as `.text`
/// (the enum's English name, the referenced record's id); their meaning comes from the field's type.
public enum Value: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case real(Double)
    case money(Money)
    case percent(Percent)
    case date(Day)
    case timestamp(Timestamp)
    case text(String)
    case period(Period)
    case duration(Duration)

    public var isNull: Bool { if case .null = self { return true }; return false }

    /// No value, or text with nothing but spaces: neither fills a required field.
    public var isBlank: Bool {
        switch self {
        case .null: true
        case .text(let s): !s.hasNonBlank
        default: false
        }
    }

    public var textValue: String? { if case .text(let s) = self { return s }; return nil }

    /// The day of a date or timestamp.
    public var day: Day? {
        switch self {
        case .date(let d): d
        case .timestamp(let t): t.day
        default: nil
        }
    }

    /// A number for arithmetic and comparison across numeric kinds; money counts in yuan.
    public var numeric: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .real(let d): return d
        case .money(let m): return Double(m.minor) / 100
        case .percent(let p): return p.fraction
        case .duration(let d): return Double(d.approximateDays)
        default: return nil
        }
    }

    /// Total order used by sort and comparisons. Null sorts first; values of different kinds
    /// compare numerically when both are numbers, otherwise by kind.
    public static func compare(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return -1
        case (_, .null): return 1
        case let (.int(x), .int(y)): return x < y ? -1 : (x > y ? 1 : 0)
        case let (.money(x), .money(y)): return x.minor < y.minor ? -1 : (x.minor > y.minor ? 1 : 0)
        case let (.percent(x), .percent(y)): return x < y ? -1 : (x > y ? 1 : 0)
        case let (.date(x), .date(y)): return x < y ? -1 : (x > y ? 1 : 0)
        case let (.timestamp(x), .timestamp(y)): return x < y ? -1 : (x > y ? 1 : 0)
        case let (.text(x), .text(y)): return x < y ? -1 : (x > y ? 1 : 0)
        case let (.bool(x), .bool(y)): return x == y ? 0 : (x ? 1 : -1)
        case let (.period(x), .period(y)):
            return x.start != y.start ? (x.start < y.start ? -1 : 1) : (x.end < y.end ? -1 : (x.end > y.end ? 1 : 0))
        case let (.duration(x), .duration(y)): return x < y ? -1 : (x > y ? 1 : 0)
        default:
            if let x = a.numeric, let y = b.numeric { return x < y ? -1 : (x > y ? 1 : 0) }
            return a.kindRank < b.kindRank ? -1 : (a.kindRank > b.kindRank ? 1 : 0)
        }
    }

    var kindRank: Int {
        switch self {
        case .null: 0
        case .bool: 1
        case .int, .real, .money, .percent: 2
        case .date: 3
        case .timestamp: 4
        case .period: 5
        case .duration: 6
        case .text: 7
        }
    }

    /// Human text: money grouped, percents with %, dates ISO.
    public var display: String {
        switch self {
        case .null: return ""
        case .bool(let b): return b ? "yes" : "no"
        case .int(let i): return String(i)
        case .real(let d): return Value.formatReal(d)
        case .money(let m): return m.description
        case .percent(let p): return p.description
        case .date(let d): return d.description
        case .timestamp(let t): return t.description
        case .text(let s): return s
        case .period(let p): return p.description
        case .duration(let d): return d.description
        }
    }

    /// Machine text for CSV/JSON: money without grouping.
    public var plain: String {
        switch self {
        case .money(let m): return m.plain
        default: return display
        }
    }

    /// At most two decimals, no trailing zeros: 3, 2.5, 0.33.
    public static func formatReal(_ d: Double) -> String {
        if d.isNaN || d.isInfinite || abs(d) >= 1e15 { return String(d) }
        let hundredths = Int64((d * 100).rounded())
        let whole = hundredths / 100, frac = (hundredths % 100).magnitude
        let sign = hundredths < 0 && whole == 0 ? "-" : ""
        if frac == 0 { return sign + String(whole) }
        let f = frac % 10 == 0 ? String(frac / 10) : (frac < 10 ? "0" : "") + String(frac)
        return "\(sign)\(whole).\(f)"
    }
}

/// The static type of a field or an expression.
public indirect enum ValueType: Sendable, Equatable, CustomStringConvertible {
    case any
    case bool, int, real, money, percent, date, timestamp, text, period, duration
    case enumeration(EnumType)
    case reference(String)

    public static func == (a: ValueType, b: ValueType) -> Bool {
        switch (a, b) {
        case (.any, .any), (.bool, .bool), (.int, .int), (.real, .real), (.money, .money), (.percent, .percent),
             (.date, .date), (.timestamp, .timestamp), (.text, .text), (.period, .period), (.duration, .duration):
            return true
        case let (.enumeration(x), .enumeration(y)): return x === y
        case let (.reference(x), .reference(y)): return x == y
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .any: "any"
        case .bool: "boolean"
        case .int: "integer"
        case .real: "number"
        case .money: "money"
        case .percent: "percent"
        case .date: "date"
        case .timestamp: "timestamp"
        case .text: "text"
        case .period: "period"
        case .duration: "duration"
        case .enumeration(let e): e.name
        case .reference(let r): "→ \(r)"
        }
    }

    public var isNumeric: Bool {
        switch self { case .int, .real, .money, .percent: true; default: false }
    }

    /// Right-aligned in tables.
    public var alignsRight: Bool {
        switch self { case .int, .real, .money, .percent, .duration: true; default: false }
    }
}

extension ValueType {
    /// The type of a value seen on its own (null has no type of its own).
    public static func of(_ v: Value) -> ValueType {
        switch v {
        case .null: .any
        case .bool: .bool
        case .int: .int
        case .real: .real
        case .money: .money
        case .percent: .percent
        case .date: .date
        case .timestamp: .timestamp
        case .text: .text
        case .period: .period
        case .duration: .duration
        }
    }
}

extension String {
    /// Tab, line feed, vertical tab, form feed, carriage return and space: the ASCII white space.
    @inline(__always) static func asciiBlank(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }

    /// True when some character is not white space. Looks at bytes first: a printable ASCII byte
    /// settles it without asking Unicode (this runs for every field of every record an import checks).
    public var hasNonBlank: Bool {
        var s = self
        let known = s.withUTF8 { b -> Bool? in
            for (i, c) in b.enumerated() {
                if c >= 0x80 {
                    // A first character that is not ASCII, nor white space, settles it without breaking
                    // the text into characters (Chinese text starts so).
                    if i == 0, !Character.isBlank(String.scalar(b, at: 0)) { return true }
                    return nil
                }
                if !String.asciiBlank(c) { return true }
            }
            return false
        }
        return known ?? !allSatisfy(\.isBlank)
    }

    /// True when the text starts or ends with white space; by bytes, the ends' scalars decoded from
    /// them, and by characters only when the last scalar may join the one before it.
    public var hasOuterBlank: Bool {
        var s = self
        let known = s.withUTF8 { b -> Bool? in
            guard let f = b.first, let l = b.last else { return false }
            if String.asciiBlank(f) || String.asciiBlank(l) { return true }
            // Not ASCII at the start (Chinese text): the first character is blank when its first
            // scalar is.
            if f >= 0x80, Character.isBlank(String.scalar(b, at: 0)) { return true }
            if l < 0x80 { return false }
            // The last is not blank when the last scalar is one that starts a character and never
            // joins the one before it (an ideograph, a Hangul syllable, a full-width form).
            var i = b.count - 1
            while b[i] & 0xC0 == 0x80 { i -= 1 }
            switch String.scalar(b, at: i).value {
            case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFF01...0xFF5E: return false
            default: return nil
            }
        }
        return known ?? (last?.isBlank == true)
    }

    /// The scalar a string's UTF-8 (valid, as a string's always is) holds from byte `i`, a scalar's
    /// first byte.
    @inline(__always) static func scalar(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Unicode.Scalar {
        let c = UInt32(b[i])
        let v: UInt32
        if c < 0x80 { v = c }
        else if c < 0xE0 { v = (c & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F) }
        else if c < 0xF0 { v = (c & 0x0F) << 12 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F) }
        else { v = (c & 0x07) << 18 | UInt32(b[i + 1] & 0x3F) << 12 | UInt32(b[i + 2] & 0x3F) << 6 | UInt32(b[i + 3] & 0x3F) }
        return Unicode.Scalar(v).unsafelyUnwrapped
    }
}

extension Character {
    /// `isWhitespace` without asking Unicode's property tables: a character is white space when its
    /// first scalar is in Unicode's White_Space list, which is short and fixed. (Chinese text has no
    /// ASCII shortcut, and an import asks this of every cell.)
    @inline(__always) public var isBlank: Bool {
        guard let s = unicodeScalars.first else { return false }
        return Character.isBlank(s)
    }

    /// True for a scalar in Unicode's White_Space list.
    @inline(__always) static func isBlank(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }
}
