import Foundation
import Testing
@testable import SalesStore

/// Fails each write / fsync / rename / ... in turn while the store works, then checks with real
/// I/O that the folder still loads to a consistent state (old or new snapshot, never garbage).
@Suite struct FaultInjectionTests {
    static let ops: [FaultyIO.Op] = [.open, .write, .fsync, .ftruncate, .rename, .fsyncDirectory, .unlink]

    /// A folder whose state is [a, b, c, d]: snapshot [a, b] at seq 2, journal c (3), d (4).
    private func prepare(_ tmp: TempDir) throws {
        let f = try openStore(tmp.store)
        try f.append(bytes("a"))
        try f.append(bytes("b"))
        try f.writeSnapshot(encodeState(["a", "b"]), lastSeq: 2)
        try f.append(bytes("c"))
        try f.append(bytes("d"))
        f.close()
    }

    /// The prepared folder opened through `FaultyIO` that fails `op` at its `n`th call (a write cut
    /// short where it fails), armed.
    private func armedFolder(failing op: FaultyIO.Op, at n: Int, die: Bool) throws -> (TempDir, FaultyIO, DataFolder) {
        let tmp = TempDir()
        try prepare(tmp)
        let io = FaultyIO(failing: op, at: n, die: die, partialWrite: true)
        let f = try openStore(tmp.store, io: io)
        io.armed = true
        return (tmp, io, f)
    }

    @Test(arguments: [false, true])
    func writeSnapshotSurvivesAnyFailure(die: Bool) throws {
        var cases = 0
        for op in Self.ops {
            for n in 1... {
                let (tmp, io, f) = try armedFolder(failing: op, at: n, die: die)
                let thrown = storeError { try f.writeSnapshot(encodeState(["a", "b", "c", "d"]), lastSeq: 4) }
                guard io.triggered else {
                    #expect(thrown == nil, "\(op) #\(n): \(String(describing: thrown))")
                    f.close()
                    break
                }
                cases += 1
                var expected = ["a", "b", "c", "d"]
                if !die {
                    // The folder stays usable after a failed rewrite (the failure was transient).
                    if (try? f.append(bytes("e"))) != nil { expected.append("e") }
                }
                f.close()
                let (items, snapSeq, g) = try loadState(tmp.store)
                #expect(items == expected, "\(op) #\(n) die=\(die)")
                #expect(snapSeq == 2 || snapSeq == 4, "\(op) #\(n)")
                #expect(g.warnings.isEmpty, "\(op) #\(n): \(g.warnings)")
                #expect(!FileManager.default.fileExists(atPath: tmp.store + "/snapshot.tmp"))
                #expect(try g.append(bytes("z")) == UInt64(expected.count + 1))
                g.close()
                let (again, _, h) = try loadState(tmp.store)
                #expect(again == expected + ["z"], "\(op) #\(n)")
                h.close()
            }
        }
        #expect(cases >= 8)
    }

    /// An addition appended to the snapshot (the journal's changes, or a change kept in the snapshot
    /// rather than the journal) fails at any step: the folder loads as it was, or with the addition,
    /// never with part of it; a tail left torn (its cut back failed too) is cut by the next writer.
    @Test(arguments: [false, true])
    func appendToSnapshotSurvivesAnyFailure(die: Bool) throws {
        var cases = 0
        for (added, seq) in [(["c", "d"], UInt64(4)), (["c", "d", "e"], 5)] {
            for op in Self.ops {
                for n in 1... {
                    let (tmp, io, f) = try armedFolder(failing: op, at: n, die: die)
                    #expect(f.canAppendToSnapshot)
                    // The snapshot holds a, b: the addition holds what follows.
                    let thrown = storeError { try f.appendToSnapshot(parts: [.bytes(encodeState(added))], lastSeq: seq) }
                    f.close()
                    let (items, snapSeq, g) = try loadState(tmp.store)
                    let kept = seq == 4 || (thrown == nil || snapSeq == 5)
                    #expect(items == (kept ? ["a", "b"] + added : ["a", "b", "c", "d"]), "\(op) #\(n) die=\(die) seq \(seq): \(items)")
                    #expect(snapSeq == 2 || snapSeq == seq, "\(op) #\(n)")
                    #expect(g.warnings.allSatisfy { $0.message.hasPrefix("snapshot tail torn") }, "\(op) #\(n): \(g.warnings)")
                    #expect(try g.append(bytes("z")) == UInt64(items.count + 1))
                    g.close()
                    let (again, _, h) = try loadState(tmp.store)
                    #expect(again == items + ["z"], "\(op) #\(n)")
                    h.close()
                    guard io.triggered else {
                        #expect(thrown == nil, "\(op) #\(n): \(String(describing: thrown))")
                        break
                    }
                    cases += 1
                }
            }
        }
        #expect(cases >= 6)
    }

    /// A rewrite that keeps journal entries after its lastSeq goes through journal.tmp + rename.
    @Test(arguments: [false, true])
    func partialSnapshotRewriteSurvivesAnyFailure(die: Bool) throws {
        for op in Self.ops {
            for n in 1... {
                let (tmp, io, f) = try armedFolder(failing: op, at: n, die: die)
                let thrown = storeError { try f.writeSnapshot(encodeState(["a", "b", "c"]), lastSeq: 3) }
                f.close()
                let (items, snapSeq, g) = try loadState(tmp.store)
                #expect(items == ["a", "b", "c", "d"], "\(op) #\(n) die=\(die)")
                #expect([2, 3].contains(snapSeq), "\(op) #\(n)")
                #expect(g.lastSeq == 4)
                g.close()
                if !io.triggered {
                    #expect(thrown == nil)
                    break
                }
            }
        }
    }

    @Test(arguments: [FaultyIO.Op.write, .fsync])
    func failedAppendLeavesNoTrace(op: FaultyIO.Op) throws {
        for partial in [false, true] {
            let tmp = TempDir()
            try prepare(tmp)
            let io = FaultyIO(failing: op, at: 1, partialWrite: partial)
            let f = try openStore(tmp.store, io: io)
            let before = f.journalBytes
            io.armed = true
            let e = storeError { try f.append(bytes("lost")) }
            guard case .io(let path, _, let message)? = e else {
                Issue.record("expected io error, got \(String(describing: e))")
                continue
            }
            #expect(path == tmp.store + "/journal")
            #expect(!message.isEmpty)
            #expect(f.journalBytes == before)
            #expect(readFile(tmp.store + "/journal").count == before)
            #expect(f.lastSeq == 4)
            #expect(try f.append(bytes("e")) == 5)
            f.close()
            let (items, _, g) = try loadState(tmp.store)
            #expect(items == ["a", "b", "c", "d", "e"])
            #expect(g.warnings.isEmpty)
            g.close()
        }
    }

    /// When even the truncate-back fails, the garbage is cut before the next append.
    @Test func failedAppendWhoseRollbackFailsIsRepairedLater() throws {
        let tmp = TempDir()
        try prepare(tmp)
        // Fails the first fsync, then the ftruncate that tries to roll the append back.
        final class Both: ForwardingFileIO {
            let faulty: FaultyIO
            var failTruncateOnce = true
            init(_ faulty: FaultyIO) { self.faulty = faulty; super.init(faulty) }
            override func ftruncate(_ fd: Int32, to length: Int) throws {
                if faulty.triggered && failTruncateOnce {
                    failTruncateOnce = false
                    throw SystemError(operation: "truncate", code: EIO)
                }
                try super.ftruncate(fd, to: length)
            }
        }
        let io2 = FaultyIO(failing: .fsync, at: 1)
        let both = Both(io2)
        let g = try openStore(tmp.store, io: both)
        io2.armed = true
        #expect(storeError { try g.append(bytes("a much longer change that is discarded")) } != nil)
        #expect(try g.readJournal(afterSeq: 2).map(\.payload) == [bytes("c"), bytes("d")])
        #expect(try g.append(bytes("e")) == 5)
        g.close()
        let (items, _, h) = try loadState(tmp.store)
        #expect(items == ["a", "b", "c", "d", "e"])
        #expect(h.warnings.isEmpty)
        h.close()
    }

    /// Opening a folder (creating it, cutting a torn tail) under every failure leaves it loadable.
    @Test func openSurvivesAnyFailure() throws {
        for op in Self.ops {
            for n in 1... {
                let tmp = TempDir()
                try prepare(tmp)
                writeFile(tmp.store + "/journal", readFile(tmp.store + "/journal") + [5, 0, 0])
                let io = FaultyIO(failing: op, at: n, die: true)
                io.armed = true
                let opened = try? openStore(tmp.store, io: io)
                opened?.close()
                let (items, _, g) = try loadState(tmp.store)
                #expect(items == ["a", "b", "c", "d"], "\(op) #\(n)")
                g.close()
                if !io.triggered { break }
            }
        }
    }
}
