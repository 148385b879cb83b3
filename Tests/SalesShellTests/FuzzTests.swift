import Foundation
import Testing
@testable import SalesShell

/// The fuzz targets driven without libFuzzer: seeded random bytes and mutations of valid inputs (a
/// script, a CSV file, a snapshot, a journal) must all be refused or accepted without a crash, and every
/// input that ever crashed a target is replayed. `scripts/fuzz TARGET SECONDS` runs the long searches.
/// One at a time: the language and CSV targets share one interpreter, whose context a statement changes
/// while it runs (libFuzzer runs one target per process).
@Suite("fuzz targets, deterministic", .serialized)
struct FuzzTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    static func seeds(_ target: String) -> [[UInt8]] {
        func bytes(_ p: String) -> [UInt8] { (FileManager.default.contents(atPath: root.appendingPathComponent(p).path)).map { [UInt8]($0) } ?? [] }
        switch target {
        case "language":
            return [Array("opportunities | where stage = negotiation and amount > 1m | sort amount desc | take 5\n".utf8),
                    Array("let x = (expenses | where status = submitted)\ncheck none ($x | select id) else \"{count} late\"\nif 1 > 0 { print \"{today}\" } else { print 2 }\n".utf8),
                    Array("for r in (staff | take 3) { show $r }\nreport pipeline | chart bar\ndiff leads since 2026-10-01 | where action = created\n".utf8),
                    Array("add lead company=\"台灣大哥大\" source=行業展會 owner=hua.lin\nset O1 amount=1.2m\nmove O2 to needs\n".utf8)]
        case "csv":
            return [bytes("SalesLanguageTests/Golden/import/data/clean.csv"), bytes("SalesLanguageTests/Golden/import/data/bad.csv"),
                    bytes("SalesLanguageTests/Golden/import/data/expenses.csv")]
        case "snapshot": return [bytes("EndToEndTests/Fixtures/store-v1/snapshot")]
        default: return [bytes("EndToEndTests/Fixtures/store-v1/journal")]
        }
    }

    /// xorshift: the same inputs on every run.
    struct RNG { var s: UInt64; mutating func next() -> UInt64 { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) } }

    static func mutate(_ seed: [UInt8], _ rng: inout RNG) -> [UInt8] {
        var b = seed
        for _ in 0..<(1 + rng.int(8)) {
            switch rng.int(5) {
            case 0 where !b.isEmpty: b[rng.int(b.count)] ^= UInt8(1 << rng.int(8))
            case 1 where !b.isEmpty: let i = rng.int(b.count); b.removeSubrange(i..<min(b.count, i + rng.int(16) + 1))
            case 2: b.insert(contentsOf: (0..<rng.int(12)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: rng.int(b.count + 1))
            case 3 where b.count > 4: let i = rng.int(b.count - 4); b.insert(contentsOf: b[i..<(i + 4)], at: rng.int(b.count))
            default: if !b.isEmpty { b = Array(b.prefix(rng.int(b.count))) }
            }
        }
        return b
    }

    @Test(arguments: FuzzTargets.names)
    func randomAndMutatedInputs(_ target: String) {
        var rng = RNG(s: 0x5EED_0000 &+ UInt64(target.count))
        let seeds = Self.seeds(target)
        for s in seeds { FuzzTargets.run(target, s) }
        for i in 0..<400 {
            let input: [UInt8] = i % 4 == 0 ? (0..<rng.int(300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                : Self.mutate(seeds[rng.int(seeds.count)], &rng)
            FuzzTargets.run(target, input)
        }
    }

    @Test func crashesFoundBeforeStayFixed() throws {
        let dir = Self.root.appendingPathComponent("SalesShellTests/FuzzRegressions")
        var replayed = 0
        for target in FuzzTargets.names {
            let folder = dir.appendingPathComponent(target)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
                FuzzTargets.run(target, [UInt8](try Data(contentsOf: folder.appendingPathComponent(name))))
                replayed += 1
            }
        }
        #expect(replayed >= 0)
    }
}
