import SalesCore

/// Arithmetic over values. Money stays exact: products and quotients round half away from zero to the fen.
enum Arithmetic {
    /// The result type of `l op r`, or a message when the operation makes no sense.
    static func type(_ op: String, _ l: ValueType, _ r: ValueType) -> Result<ValueType, Diagnostic> {
        func bad() -> Result<ValueType, Diagnostic> {
            switch op {
            case "+": return .failure(Diagnostic("cannot add \(l) and \(r)"))
            case "-": return .failure(Diagnostic("cannot subtract \(r) from \(l)"))
            case "*": return .failure(Diagnostic("cannot multiply \(l) by \(r)"))
            default: return .failure(Diagnostic("cannot divide \(l) by \(r)"))
            }
        }
        if l == .any || r == .any { return .success(.any) }
        switch (op, l, r) {
        case ("+", .money, .money), ("-", .money, .money), ("+", .money, .int), ("-", .money, .int), ("+", .int, .money),
             ("-", .int, .money), ("+", .money, .real), ("-", .money, .real), ("+", .real, .money), ("-", .real, .money):
            return .success(.money)
        case ("*", .money, .int), ("*", .money, .real), ("*", .money, .percent),
             ("*", .int, .money), ("*", .real, .money), ("*", .percent, .money),
             ("/", .money, .int), ("/", .money, .real), ("/", .money, .percent): return .success(.money)
        case ("/", .money, .money): return .success(.real)
        case ("+", .int, .int), ("-", .int, .int), ("*", .int, .int): return .success(.int)
        case ("/", .int, .int): return .success(.real)
        case ("+", .percent, .percent), ("-", .percent, .percent): return .success(.percent)
        case ("-", .date, .date): return .success(.duration)
        case ("+", .date, .duration), ("-", .date, .duration), ("+", .duration, .date): return .success(.date)
        case ("+", .duration, .duration), ("-", .duration, .duration): return .success(.duration)
        case ("+", .text, .text): return .success(.text)
        default:
            if l.isNumeric && r.isNumeric { return .success(.real) }
            return bad()
        }
    }

    static func apply(_ op: String, _ a: Value, _ b: Value) -> Value {
        switch (a, b) {
        case (.null, _), (_, .null): return .null
        case let (.money(x), .money(y)):
            switch op {
            case "+": return .money(x + y)
            case "-": return .money(x - y)
            case "/": return y.minor == 0 ? .null : .real(Double(x.minor) / Double(y.minor))
            default: return .real(Double(x.minor) * Double(y.minor) / 10000)
            }
        case let (.money(m), .int(n)), let (.int(n), .money(m)):
            switch op {
            case "*": return .money(Money(minor: m.minor &* n))
            case "/": return n == 0 ? .null : (a.isMoney ? .money(Money(minor: roundDiv(m.minor, n))) : .real(Double(n) / (Double(m.minor) / 100)))
            case "+": return .money(m + Money(yuan: n))
            default: return a.isMoney ? .money(m - Money(yuan: n)) : .money(Money(yuan: n) - m)
            }
        case let (.money(m), .percent(p)), let (.percent(p), .money(m)):
            switch op {
            case "*": return .money(Money(minor: roundDiv(m.minor &* p.basisPoints, 10000)))
            case "/": return a.isMoney && p.basisPoints != 0 ? .money(Money(minor: roundDiv(m.minor &* 10000, p.basisPoints))) : .null
            default: return .null
            }
        case let (.money(m), .real(d)), let (.real(d), .money(m)):
            switch op {
            case "*": return Money.rounding(Double(m.minor) * d).map(Value.money) ?? .null
            case "/": return a.isMoney ? (d == 0 ? .null : Money.rounding(Double(m.minor) / d).map(Value.money) ?? .null) : .real(d / (Double(m.minor) / 100))
            default:
                guard let delta = Money.rounding(d * 100) else { return .null }
                return .money(op == "+" ? m + delta : (a.isMoney ? m - delta : delta - m))
            }
        case let (.int(x), .int(y)):
            switch op {
            case "+": return .int(x &+ y)
            case "-": return .int(x &- y)
            case "*": return .int(x &* y)
            default: return y == 0 ? .null : .real(Double(x) / Double(y))
            }
        case let (.percent(x), .percent(y)) where op == "+" || op == "-":
            return .percent(Percent(basisPoints: op == "+" ? x.basisPoints + y.basisPoints : x.basisPoints - y.basisPoints))
        case let (.date(x), .date(y)) where op == "-":
            return .duration(Duration(days: x.raw - y.raw))
        case let (.date(d), .duration(u)): return d.checkedAdding(u, negate: op == "-").map(Value.date) ?? .null
        case let (.duration(u), .date(d)) where op == "+": return d.checkedAdding(u).map(Value.date) ?? .null
        case let (.duration(x), .duration(y)):
            return .duration(op == "+" ? Duration(months: x.months &+ y.months, days: x.days &+ y.days)
                                       : Duration(months: x.months &- y.months, days: x.days &- y.days))
        case let (.text(x), .text(y)) where op == "+": return .text(x + y)
        default:
            guard let x = a.numeric, let y = b.numeric else { return .null }
            switch op {
            case "+": return .real(x + y)
            case "-": return .real(x - y)
            case "*": return .real(x * y)
            default: return y == 0 ? .null : .real(x / y)
            }
        }
    }

    /// Integer division rounding half away from zero.
    static func roundDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b, r = a % b
        if r.magnitude * 2 >= b.magnitude { return q + ((a < 0) != (b < 0) ? -1 : 1) }
        return q
    }

    static func negate(_ v: Value) -> Value {
        switch v {
        case .int(let i): .int(-i)
        case .real(let d): .real(-d)
        case .money(let m): .money(Money(minor: -m.minor))
        case .percent(let p): .percent(Percent(basisPoints: -p.basisPoints))
        case .duration(let d): .duration(Duration(months: -d.months, days: -d.days))
        default: .null
        }
    }
}

extension Value {
    var isMoney: Bool { if case .money = self { return true }; return false }
}
