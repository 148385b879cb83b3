import Testing
@testable import SalesCore

/// The narrow forms of a column: each type's values come back as they went in, null included, and a
/// value the form cannot hold widens the column instead of being lost.
@Suite struct FieldColumnTests {
    static let stage = EnumType("stage", [EnumCase("qualified"), EnumCase("won"), EnumCase("lost")])

    static let samples: [(ValueType, [Value])] = [
        (.int, [.int(0), .int(-7), .int(Int64.max), .null]),
        (.money, [.money(Money(minor: 12_345_600)), .money(Money(minor: -1)), .null]),
        (.percent, [.percent(Percent(basisPoints: 7500)), .null]),
        (.timestamp, [.timestamp(Timestamp(millis: 1_795_000_000_123)), .timestamp(Timestamp(millis: -1)), .null]),
        (.date, [.date(Day(year: 2026, month: 11, day: 27)!), .date(Day(raw: -1)), .null]),
        (.bool, [.bool(true), .bool(false), .null]),
        (.enumeration(stage), [.text("won"), .text("qualified"), .null, .text("lost")]),
        (.text, [.text("台灣大哥大 5G 專網"), .text(""), .null]),
        (.reference("staff"), [.text("S12"), .null]),
        (.real, [.real(2.5), .null]),
        (.duration, [.duration(Duration(days: 14)), .null]),
    ]

    @Test(arguments: samples.indices)
    func valuesComeBackAsTheyWentIn(_ i: Int) {
        let (type, values) = Self.samples[i]
        var c = FieldColumn(for: type)
        for v in values { c.append(v) }
        #expect(c.count == values.count)
        #expect((0..<c.count).map { c[$0] } == values)
        // Set in place, in reverse: still the same values, still the same form.
        let narrow = c.isNarrow
        for (slot, v) in values.reversed().enumerated() { c.set(slot, v) }
        #expect((0..<c.count).map { c[$0] } == Array(values.reversed()))
        #expect(c.isNarrow == narrow)
        c.removeLast()
        #expect(c.count == values.count - 1)
    }

    @Test func everyStoredTypeButRealsPeriodsAndDurationsIsNarrow() {
        for (type, _) in Self.samples {
            let expected = !(type == .real || type == .duration)
            #expect(FieldColumn(for: type).isNarrow == expected, "\(type)")
        }
    }

    /// A text in a money field, the number that marks null, a name the enumeration does not have: each
    /// turns the column into plain values, with every earlier value kept.
    @Test(arguments: [
        (ValueType.money, Value.text("n/a")),
        (.money, .money(Money(minor: Int64.min))),
        (.int, .int(Int64.min)),
        (.date, .date(Day(raw: Int32.min))),
        (.enumeration(stage), .text("abandoned")),
        (.enumeration(stage), .int(1)),
        (.bool, .text("yes")),
        (.text, .int(3)),
    ])
    func aValueThatDoesNotFitWidensTheColumn(_ type: ValueType, _ odd: Value) {
        let first = Self.samples.first { $0.0 == type }!.1
        var appended = FieldColumn(for: type)
        for v in first { appended.append(v) }
        appended.append(odd)
        #expect(!appended.isNarrow)
        #expect((0..<appended.count).map { appended[$0] } == first + [odd])

        var set = FieldColumn(for: type)
        for v in first { set.append(v) }
        set.set(0, odd)
        #expect((0..<set.count).map { set[$0] } == [odd] + first.dropFirst())
    }

    @Test func filledColumnsHoldWhatTheSinksPut() {
        let types: [ValueType] = [.money, .enumeration(Self.stage), .text, .real]
        var fits: [Bool] = []
        let columns = FieldColumn.filled(types, count: 3) { sinks in
            fits.append(sinks[0].put(.money(Money(minor: 5)), at: 2))
            fits.append(sinks[1].put(.text("lost"), at: 0))
            fits.append(sinks[2].put(.text("遠傳"), at: 1))
            fits.append(sinks[3].put(.real(0.5), at: 1))
            fits.append(sinks[1].put(.text("abandoned"), at: 1))   // not a stage: refused, slot left null
        }
        #expect(fits == [true, true, true, true, false])
        #expect((0..<3).map { columns[0][$0] } == [.null, .null, .money(Money(minor: 5))])
        #expect((0..<3).map { columns[1][$0] } == [.text("lost"), .null, .null])
        #expect((0..<3).map { columns[2][$0] } == [.null, .text("遠傳"), .null])
        #expect((0..<3).map { columns[3][$0] } == [.null, .real(0.5), .null])
    }

    @Test func appendingAColumnOfAnotherFormWidens() {
        var a = FieldColumn(for: .money), b = FieldColumn(for: .money)
        a.append(.money(Money(minor: 1)))
        b.append(.text("n/a"))
        #expect(!b.isNarrow)
        a.append(contentsOf: b)
        #expect(!a.isNarrow)
        #expect((0..<a.count).map { a[$0] } == [.money(Money(minor: 1)), .text("n/a")])
    }
}
