import SalesCore

/// How a column's cells convert plainly (`Interpreter.plainImportValue`), worked out once for the
/// column: the reading thread of an import converts millions of cells without matching the field's
/// type, and copying what it holds, for each. A cell written the usual way (`2026-11-26`, `12000.50`,
/// `30%`, a case's name) is read from its bytes, without making it into text first.
///
/// A class, so that taking one out of a column's list costs one reference, not a copy of all it holds.
public final class PlainCell: Sendable {
    private enum Kind: UInt8 { case readLater, id, text, int, real, money, percent, date, bool, enumeration, other }
    private let kind: Kind
    private let type: ValueType
    private let today: Day
    /// Each case's value, by case index: one shared text per case rather than one per cell (a
    /// column's reader for an import only; empty for one cell read alone).
    private let cases: [Value]
    private let enumeration: EnumType?
    /// Each case's English and Chinese names as bytes, with the case's index, for cells that are one
    /// of them exactly (a column's reader for an import only).
    private let spellings: [([UInt8], Int)]

    /// One cell's reading (`Interpreter.plainImportValue`): nothing is worked out for a column.
    public convenience init(type: ValueType, today: Day) {
        self.init(type: type, today: today, forImport: false)
    }

    /// A column's reader for an import's reading thread: a reference's cell is its trimmed text, whether
    /// or not it names a record (the importer asks the model, and reads a name).
    public static func forImport(type: ValueType, today: Day) -> PlainCell {
        PlainCell(type: type, today: today, forImport: true)
    }

    private init(type: ValueType, today: Day, forImport: Bool) {
        self.type = type; self.today = today
        var cases: [Value] = [], enumeration: EnumType? = nil, spellings: [([UInt8], Int)] = []
        switch type {
        case .reference where forImport: kind = .id
        // A reference needs the model.
        case .reference: kind = .readLater
        // A plain number (`42`, `-3.5`); any other writing is read by `importValue`, which says what is
        // wrong with it or reads `1,200`.
        case .int: kind = .int
        case .real: kind = .real
        case .text: kind = .text
        case .money: kind = .money
        case .percent: kind = .percent
        case .date: kind = .date
        case .bool: kind = .bool
        case .enumeration(let e):
            kind = .enumeration; enumeration = e
            guard forImport else { break }
            cases = e.cases.map { .text($0.name) }
            for (i, c) in e.cases.enumerated() {
                for name in [c.name, c.zh, c.zhHans].compactMap({ $0 }) where e.index(of: name) == i { spellings.append((Array(name.utf8), i)) }
            }
        default: kind = .other
        }
        self.cases = cases; self.enumeration = enumeration; self.spellings = spellings
    }

    /// The cell's value; nil when `importValue` must read it further.
    public func value(_ text: String) -> Value? {
        let trimmed = text.trimmingCharacters()
        if trimmed.isEmpty { return .null }
        return value(trimmed: trimmed)
    }

    private func value(trimmed: String) -> Value? {
        switch kind {
        case .readLater: return nil
        case .id, .text: return .text(trimmed)
        case .int, .real: return ExactDecimal.parsePlain(trimmed).flatMap(number)
        case .money: return Money.parse(trimmed).map(Value.money)
        case .percent: return Percent.parse(trimmed).map(Value.percent)
        case .date: return Day.parse(trimmed).map(Value.date)
        case .enumeration:
            guard let e = enumeration, let i = e.index(of: trimmed) else { return nil }
            return cases.isEmpty ? .text(e.cases[i].name) : cases[i]
        case .bool, .other: return ExprCompiler.converted(.text(trimmed), to: type, today: today)
        }
    }

    /// What a cell's bytes (spaces already cut from its ends) make, without their text: nil when the
    /// text is needed, for `value(_:bytes:)` (and always when the value would be nil: the importer
    /// then reads the text).
    public func value(bytes b: UnsafeBufferPointer<UInt8>) -> Value?? {
        if b.isEmpty { return .some(.null) }
        // Spelled out: nil here must mean "read the text", never a value of nil.
        let value: Value?
        switch kind {
        case .int, .real: value = ExactDecimal.parsePlain(bytes: b).flatMap { number($0) }
        case .money: value = Money.parsePlain(bytes: b).map { Value.money($0) }
        case .percent: value = (Percent.parsePlain(bytes: b) ?? nil).map { Value.percent($0) }
        case .date: value = Day.parseISO(bytes: b).map { Value.date($0) }
        case .enumeration:
            value = spellings.first { name, _ in name.count == b.count && name.withUnsafeBufferPointer { $0.elementsEqual(b) } }.map { cases[$0.1] }
        case .readLater, .id, .text, .bool, .other: value = nil
        }
        guard let value else { return nil }
        return .some(value)
    }

    /// A plain number as `importValue` reads it: nil for a fraction in a whole-number field.
    private func number(_ d: ExactDecimal) -> Value? {
        if kind == .int { return d.integer.map(Value.int) }
        return .real(d.integer.map(Double.init) ?? d.double)
    }

    /// The cell's value from its text and the bytes it was made from: a text whose ends are ASCII and
    /// not blank needs no trimming.
    public func value(_ text: String, bytes b: UnsafeBufferPointer<UInt8>) -> Value? {
        if let f = b.first, let l = b.last, f < 0x80, l < 0x80, f > 0x20, l > 0x20 { return value(trimmed: text) }
        return value(text)
    }
}
