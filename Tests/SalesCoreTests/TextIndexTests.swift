import Testing
@testable import SalesCore

/// The index of chosen ids and dictionary codes finds what the standard library's dictionary finds:
/// after any run of insertions, updates and removals, and for texts Swift holds equal though their
/// bytes differ.
@Suite struct TextIndexTests {
    /// A small deterministic generator, so a failure can be run again.
    struct SplitMix { var state: UInt64; mutating func next() -> UInt64 { state &+= 0x9E37_79B9_7F4A_7C15; var z = state; z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9; z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB; return z ^ (z >> 31) } }

    @Test(arguments: [1, 7, 42])
    func agreesWithADictionaryThroughInsertsUpdatesAndRemovals(seed: UInt64) {
        var rng = SplitMix(state: seed)
        // Few enough keys that they collide, are removed and come back; ASCII of every length around a
        // word, Chinese, and mixed.
        let pool: [String] = (0..<300).map { i in
            switch i % 4 {
            case 0: "wang.wei\(i)"
            case 1: String(repeating: "x", count: i % 19)
            case 2: "王偉\(i)"
            default: "staff-\(i)-陳"
            }
        }
        var index = TextIndex(), reference: [String: Int] = [:]
        for step in 0..<20_000 {
            let key = pool[Int(rng.next() % UInt64(pool.count))]
            switch rng.next() % 3 {
            case 0, 1:
                index[key] = step; reference[key] = step
            default:
                #expect(index.removeValue(forKey: key) == reference.removeValue(forKey: key))
            }
            if step % 97 == 0 {
                for k in pool { #expect(index[k] == reference[k], "\(k) after step \(step)") }
            }
            #expect(index.count == reference.count)
        }
        #expect(Dictionary(uniqueKeysWithValues: index.entries.map { ($0.key, $0.value) }) == reference)
    }

    @Test func textsSwiftHoldsEqualFindEachOther() {
        var index = TextIndex()
        index["Kim"] = 1
        index["caf\u{E9}"] = 2
        index["a;b`"] = 3
        #expect("\u{212A}im" == "Kim")
        #expect(index["\u{212A}im"] == 1)          // KELVIN SIGN is K
        #expect(index["cafe\u{301}"] == 2)          // e and a combining acute are é
        #expect(index["a\u{37E}b\u{1FEF}"] == 3)     // GREEK QUESTION MARK, GREEK VARIA
        #expect(index["kim"] == nil)
        #expect(TextIndex.hash("\u{212A}im") == TextIndex.hash("Kim"))
        #expect(TextIndex.hash("cafe\u{301}") == TextIndex.hash("caf\u{E9}"))
    }

    @Test func aTableFindsChosenIdsAfterRemovals() {
        let model = Model()
        let teams = model.table("team")
        let name = teams.schema.fieldIndex("name")!
        func team(_ id: String) -> Record {
            var values = [Value](repeating: .null, count: teams.schema.fields.count)
            values[name] = .text(id)
            return Record(id: id, values: values)
        }
        for i in 0..<200 { teams.insert(team("team-\(i)")) }
        for i in stride(from: 0, to: 200, by: 3) { _ = teams.remove("team-\(i)") }
        for i in 0..<200 { #expect(teams.contains("team-\(i)") == (i % 3 != 0), "team-\(i)") }
    }
}
