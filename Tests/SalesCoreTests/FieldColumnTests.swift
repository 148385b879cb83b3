import Testing
@testable import SalesCore

/// The narrow forms of a column: each type's values come back as they went in, null included, and a
/// value the form cannot hold widens the column instead of being lost.
@Suite struct FieldColumnTests {
    static let stage = EnumType("stage", [EnumCase("qualified"), EnumCase("won"), EnumCase("lost")])

    static func day(_ x: Int64) -> Int64 { max(min(x, 1_000_000), -1_000_000) }

    /// A block filter on numbers keeps exactly the slots whose number meets the condition, as the
    /// condition itself answers and as the plain comparison says, at the extremes and for null.
    @Test func numberConditionsKeepWhatTheySay() {
        let edges: [Int64] = [.min + 1, -1, 0, 1, 7, .max - 1, .max]
        var ints = FieldColumn(for: .int), days = FieldColumn(for: .date)
        var numbers: [Int64] = []
        for n in 0..<600 {
            let x: Int64? = n % 9 == 0 ? nil : n < edges.count * 2 ? edges[n % edges.count] : Int64.random(in: -20...20)
            ints.append(x.map { .int($0) } ?? .null)
            days.append(x.map { .date(Day(raw: Int32(Self.day($0)))) } ?? .null)
            numbers.append(x ?? FieldColumn.nullNumber)
        }
        let slots = Array(0..<600)[...]
        #expect(ints.numbers(Slots(slots[7 ..< 99], run: 7 ..< 99)) == ints.numbers(Slots(slots[7 ..< 99])))
        #expect(days.numbers(Slots(slots[7 ..< 99], run: 7 ..< 99)) == Array(numbers[7 ..< 99]).map { $0 == FieldColumn.nullNumber ? $0 : Self.day($0) })
        for _ in 0..<300 {
            let lo = Bool.random() ? edges.randomElement()! : Int64.random(in: -20...20)
            let hi = Bool.random() ? edges.randomElement()! : Int64.random(in: -20...20)
            let c = NumberCondition(lo: lo, hi: hi, negated: Bool.random(), null: Bool.random())
            let plain = slots.filter { s in
                let x = numbers[s]
                return x == FieldColumn.nullNumber ? c.null : (x >= lo && x <= hi) != c.negated
            }
            #expect(slots.filter { c.passes(numbers[$0]) } == plain, "\(c)")
            #expect(ints.keep(Slots(slots), numbers: c) == plain, "\(c)")
            #expect(ints.keep(Slots(slots, run: 0 ..< 600), numbers: c) == plain, "a run of slots \(c)")
            let part = Slots(slots[100 ..< 350], run: 100 ..< 350)
            #expect(ints.keep(part, numbers: c) == plain.filter { (100 ..< 350).contains($0) }, "part of a run \(c)")
            let dayPlain = slots.filter { s in
                let x = numbers[s] == FieldColumn.nullNumber ? numbers[s] : Self.day(numbers[s])
                return x == FieldColumn.nullNumber ? c.null : (x >= lo && x <= hi) != c.negated
            }
            #expect(days.keep(Slots(slots), numbers: c) == dayPlain, "days \(c)")
            #expect(days.keep(Slots(slots, run: 0 ..< 600), numbers: c) == dayPlain, "days, a run \(c)")
        }
    }

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
        // Its arrays, held as they are (what a snapshot writes and reads back), read the same.
        let held = FieldColumn(holding: c.storage)
        #expect((0..<held.count).map { held[$0] } == values)
        let like = FieldColumn(like: FieldColumn(for: type), c.storage)
        #expect((0..<like.count).map { like[$0] } == values)
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
        let templates = [FieldColumn(for: .money), FieldColumn(for: .enumeration(Self.stage)), FieldColumn(for: .text), FieldColumn(for: .real)]
        var fits: [Bool] = []
        let columns = FieldColumn.filled(like: templates, count: 3, pieces: [0]) { sinks in
            fits.append(sinks[0].put(.money(Money(minor: 5)), at: 2, piece: 0))
            fits.append(sinks[1].put(.text("lost"), at: 0, piece: 0))
            fits.append(sinks[2].put(.text("遠傳"), at: 1, piece: 0))
            fits.append(sinks[3].put(.real(0.5), at: 1, piece: 0))
            fits.append(sinks[1].put(.text("abandoned"), at: 1, piece: 0))   // not a stage: refused, slot left null
        }
        #expect(fits == [true, true, true, true, false])
        #expect((0..<3).map { columns[0][$0] } == [.null, .null, .money(Money(minor: 5))])
        #expect((0..<3).map { columns[1][$0] } == [.text("lost"), .null, .null])
        #expect((0..<3).map { columns[2][$0] } == [.null, .text("遠傳"), .null])
        #expect((0..<3).map { columns[3][$0] } == [.null, .real(0.5), .null])
    }

    /// Values made on several threads at once land in their own slots after what the column held, in
    /// every form: one that does not fit widens the column, and a dictionary column takes them in turn.
    static let madeInPieces: [ValueType] = [.text, .real, .money, .reference("staff")]

    static func made(_ type: ValueType, _ i: Int) -> Value {
        switch type {
        case .text: i % 7 == 0 ? .null : .text("商機.csv:\(i)")
        case .real: i % 5 == 0 ? .null : .real(Double(i) / 4)
        case .money: i == 12_345 ? .text("not money") : .money(Money(minor: Int64(i)))
        default: .text("S\(i % 40)")
        }
    }

    @Test(arguments: madeInPieces)
    func valuesMadeInPiecesLandInTheirSlots(_ type: ValueType) {
        for pieces in [1, 3, 8] {
            var column = FieldColumn(for: type, dictionary: type == .reference("staff"))
            let before: [Value] = [Self.made(type, 1), .null, Self.made(type, 2)]
            for v in before { column.append(v) }
            column.append(count: 20_000, pieces: pieces) { Self.made(type, $0) }
            #expect(column.count == 20_003)
            let want = before + (0..<20_000).map { Self.made(type, $0) }
            let wrong = (0..<column.count).first { column[$0] != want[$0] }
            #expect(wrong == nil, "\(type), \(pieces) pieces: slot \(wrong ?? 0) holds \(column[wrong ?? 0]), not \(want[wrong ?? 0])")
        }
    }

    /// References to staff are codes into the column's own dictionary: each id is kept once, codes
    /// change with `set`, and a value that is not an id widens the column.
    @Test func aDictionaryColumnKeepsEachIdOnce() {
        var c = FieldColumn(for: .reference("staff"), dictionary: true)
        let ids: [Value] = [.text("wang.wei"), .text("li.na"), .null, .text("wang.wei"), .text("陳小明")]
        for v in ids { c.append(v) }
        #expect(c.isNarrow && c.entries.count == 3)
        #expect((0..<c.count).map { c[$0] } == ids)
        c.set(2, .text("li.na"))
        c.set(0, .null)
        #expect((0..<c.count).map { c[$0] } == [.null, .text("li.na"), .text("li.na"), .text("wang.wei"), .text("陳小明")])
        #expect(c.entries.count == 3)
        c.set(1, .int(7))
        #expect(!c.isNarrow)
        #expect((0..<c.count).map { c[$0] } == [.null, .int(7), .text("li.na"), .text("wang.wei"), .text("陳小明")])
    }

    /// Pieces filled side by side each gather their own dictionary; merged, the column reads as if one
    /// thread had filled it, and lists the ids in the order that thread would have met them.
    @Test func piecesOfADictionaryColumnMergeInOrder() {
        let ids = (0..<40).map { i -> Value in i % 7 == 3 ? .null : .text(["a.b", "c.d", "王偉", "e.f"][(i * 5 + i / 9) % 4]) }
        let starts = [0, 9, 10, 25]
        let columns = FieldColumn.filled(like: [FieldColumn(for: .reference("staff"), dictionary: true)], count: ids.count, pieces: starts) { sinks in
            for p in starts.indices.reversed() {   // any order: each piece is its own
                let end = p + 1 < starts.count ? starts[p + 1] : ids.count
                for slot in starts[p] ..< end { #expect(sinks[0].put(ids[slot], at: slot, piece: p)) }
            }
        }
        let c = columns[0]
        #expect((0..<c.count).map { c[$0] } == ids)
        var oneThread = FieldColumn(for: .reference("staff"), dictionary: true)
        for v in ids { oneThread.append(v) }
        #expect(c.entries == oneThread.entries && c.keys == oneThread.keys)
    }

    @Test func theModelKeepsReferencesToChosenIdsInDictionaries() {
        let model = Model()
        let o = model.table("opportunity"), s = o.schema
        #expect(o.emptyColumns[s.fieldIndex("owner")!].form == .dictionary)
        #expect(o.emptyColumns[s.fieldIndex("competitor")!].form == .dictionary)
        #expect(o.emptyColumns[s.fieldIndex("customer")!].form == .text)   // numbered ids: many, each met a few times
    }

    /// Codes written under an older declaration of the enumeration (its cases in another order) are
    /// read by name, not by number.
    @Test func codesOfAnotherDeclarationAreReadByName() {
        let older = FieldColumn.Storage.codes(names: [.text("lost"), .text("won"), .text("qualified")], [2, 0, 1, 3])
        let c = FieldColumn(like: FieldColumn(for: .enumeration(Self.stage)), older)
        #expect(c.isNarrow)
        #expect((0..<c.count).map { c[$0] } == [.text("won"), .null, .text("lost"), .text("qualified")])
    }

    /// Texts written straight into an empty column of any values keep the heap form, read back as
    /// written, join other columns whichever form each holds, and a value of another type widens it.
    @Test func textsWrittenIntoAHeapReadBackAndWiden() {
        let prefix = Array("匯入.csv:".utf8)
        func origins() -> FieldColumn {
            var c = FieldColumn(for: .any)
            c.appendTexts(count: 3, bytes: 3 * (prefix.count + 2)) { i, put in
                (prefix + Array("\(i * 10 + 2)".utf8)).withUnsafeBufferPointer(put)
            }
            return c
        }
        var c = origins()
        #expect(c.form == .heap)
        c.append(.null)
        let texts: [Value] = [.text("匯入.csv:2"), .text("匯入.csv:12"), .text("匯入.csv:22"), .null]
        #expect((0..<c.count).map { c[$0] } == texts)
        var decoded = FieldColumn(like: FieldColumn(for: .any), c.storage)   // as a snapshot reads it back
        #expect(decoded.form == .heap && (0..<decoded.count).map { decoded[$0] } == texts)
        var empty = FieldColumn(for: .any), strings = FieldColumn(for: .text)
        empty.append(contentsOf: c)
        strings.append(.text("前"))
        strings.append(contentsOf: c)
        #expect(empty.form == .heap && (0..<empty.count).map { empty[$0] } == texts)
        #expect(strings.form == .text && (0..<strings.count).map { strings[$0] } == [.text("前")] + texts)
        decoded.append(.money(Money(minor: 5)))
        #expect(decoded.form == .any && (0..<decoded.count).map { decoded[$0] } == texts + [.money(Money(minor: 5))])
        var text = FieldColumn(for: .text)
        text.append(.text("已有"))
        text.appendTexts(count: 2, bytes: 0) { i, put in (prefix + Array("\(i)".utf8)).withUnsafeBufferPointer(put) }
        #expect(text.form == .text && (0..<text.count).map { text[$0] } == [.text("已有"), .text("匯入.csv:0"), .text("匯入.csv:1")])
    }

    /// Numbers counted on one by one give the digits division gives, across every carry, and any other
    /// number (a jump, zero, a negative one, the extremes) is written afresh.
    @Test func aDecimalCounterWritesWhatDivisionWrites() {
        var counter = DecimalCounter()
        var out = [UInt8](repeating: 0, count: DecimalCounter.maxDigits)
        func written(_ n: Int64) -> String {
            let k = out.withUnsafeMutableBufferPointer { counter.write(n, into: $0.baseAddress!) }
            return String(decoding: out[0 ..< k], as: UTF8.self)
        }
        var numbers: [Int64] = Array(0...1_101) + Array(9_990...10_010) + [5, 4, -1, 0, 1, -9, -10, 99_999, 100_000, 100_001]
        numbers += [Int64.max - 1, Int64.max, Int64.min, Int64.min + 1, 999_999_999, 1_000_000_000]
        for n in numbers { #expect(written(n) == String(n)) }
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

/// Text columns read from a snapshot keep their bytes in one heap; reads build strings, changes append
/// to the heap, and nothing about the values changes.
@Suite struct HeapColumnTests {
    static func heapColumn(_ texts: [String?]) -> FieldColumn {
        var bytes = ContiguousArray<UInt8>(), spans = ContiguousArray<UInt64>()
        for t in texts {
            guard let t else { spans.append(FieldColumn.nullSpan); continue }
            spans.append(UInt64(bytes.count) << FieldColumn.spanLengthBits | UInt64(t.utf8.count))
            bytes.append(contentsOf: t.utf8)
        }
        return FieldColumn(like: FieldColumn(for: .text), .heap(spans: spans, bytes: bytes))
    }

    @Test func aHeapColumnReadsChangesAndGrowsLikeStrings() {
        let texts: [String?] = ["台灣大哥大 5G 專網", nil, "", "Acme", "遠傳電信企業專線升級（第二期）"]
        var c = Self.heapColumn(texts)
        #expect(c.form == .heap && c.isNarrow)
        #expect((0..<c.count).map { c[$0] } == texts.map { $0.map(Value.text) ?? .null })
        c.set(1, .text("中華電信"))
        c.set(0, .null)
        c.append(.text("新的"))
        c.append(.null)
        #expect(c.form == .heap)
        #expect((0..<c.count).map { c[$0] } == [.null, .text("中華電信"), .text(""), .text("Acme"), .text("遠傳電信企業專線升級（第二期）"), .text("新的"), .null])
        c.removeLast()
        var rows = FieldColumn(for: .text)
        rows.append(.text("後來的"))
        rows.append(.null)
        c.append(contentsOf: rows)   // a row chunk after a column chunk
        #expect(c.form == .heap && c.count == 8 && c[6] == .text("後來的") && c[7] == .null)
        var other = Self.heapColumn(["甲", nil])
        other.append(contentsOf: Self.heapColumn(["乙"]))
        #expect((0..<other.count).map { other[$0] } == [.text("甲"), .null, .text("乙")])
    }

    @Test func aTextTooLongForASpanTurnsTheColumnIntoValues() {
        var c = Self.heapColumn(["短"])
        let long = String(repeating: "長", count: 400_000)   // 1.2 MB of UTF-8
        c.append(.text(long))
        #expect(c.form == .any)
        #expect(c[0] == .text("短") && c[1] == .text(long))
    }
}
