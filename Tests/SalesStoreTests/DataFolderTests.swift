import Foundation
import Testing
@testable import SalesStore

@Suite struct DataFolderTests {
    /// A snapshot is read through a mapping: the bytes outlive the folder, pages given back read the
    /// same again, and a mapping never reaches past the end of the file.
    @Test func aMappedSnapshotOutlivesItsFolderAndRereadsReleasedPages() throws {
        let tmp = TempDir()
        let big = (0..<(3 << 20) + 123).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ ($0 >> 12)) }
        let f = try openStore(tmp.store)
        try f.writeSnapshot(big, lastSeq: 1)
        let payload = try #require(try f.loadSnapshot()).payload
        f.close()
        #expect(Array(payload) == big)
        payload.release()
        payload.slice(4096 ..< 8192).release()
        #expect(Array(payload) == big)

        let io = POSIXFileIO()
        let fd = try io.open(tmp.path + "/short", flags: O_RDWR | O_CREAT, mode: 0o600)
        defer { io.close(fd) }
        try io.write(fd, [1, 2, 3], at: 0)
        #expect(Array(try io.map(fd, length: 10).all) == [1, 2, 3])
    }

    /// A large snapshot is copied into a mapping of its file on every core; the file is byte for byte
    /// the one written part by part, whatever the parts' sizes, mapped parts of the snapshot before included.
    @Test func aLargeSnapshotWrittenThroughAMappingIsTheSameFile() throws {
        let tmp = TempDir()
        let first = (0..<(1 << 20) + 77).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 9)) }
        let mapped = try openStore(tmp.path + "/mapped"), inTurn = try openStore(tmp.path + "/in-turn", io: ForwardingFileIO())
        defer { mapped.close(); inTurn.close() }
        for f in [mapped, inTurn] {
            try f.writeSnapshot(first, lastSeq: 1)
            let before = try #require(try f.loadSnapshot()).payload
            let parts: [DataFolder.Part] = [.bytes([9]), .mapped(before.slice(1000 ..< (1 << 20) + 3)), .bytes([]),
                                            .bytes(Array(repeating: 0xA5, count: (7 << 20) + 5)), .mapped(before.slice(0 ..< 1)), .bytes(Array(first[..<4095]))]
            try f.writeSnapshot(parts: parts, lastSeq: 2)
            // Read back whole, its checksum checked.
            #expect(try #require(try f.loadSnapshot()).payload.count == parts.reduce(0) { $0 + $1.count })
        }
        let file = readFile(mapped.snapshotPath), written = readFile(inTurn.snapshotPath)
        #expect(file == written)
        let payload = 1 + ((1 << 20) + 3 - 1000) + (7 << 20) + 5 + 1 + 4095
        #expect(file.count > payload && file.count < payload + 64)
        // The parts where they belong: the mapped slice of the snapshot before, the run of A5, the first byte.
        let at = file.count - 4 - payload
        #expect(file[at] == 9 && file[at + 1] == first[1000] && file[at + 1 + (1 << 20) + 2 - 1000] == first[(1 << 20) + 2])
        #expect(file[at + payload - 4097] == 0xA5 && file[at + payload - 4096] == first[0] && file[at + payload - 1] == first[4094])
    }

    /// A large snapshot replaced is held open past the rename and closed on another thread: every
    /// such file is closed soon after, none left open.
    @Test func aReplacedLargeSnapshotIsClosedAfterTheRename() throws {
        #if os(Linux)
        let tmp = TempDir()
        let f = try openStore(tmp.store)
        defer { f.close() }
        // This process's open files that are this folder's replaced (deleted) snapshots.
        func replacedStillOpen() -> Int {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return fds.filter { fd in
                ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd)) ?? "").hasPrefix(f.snapshotPath + " (deleted)")
            }.count
        }
        let large = [UInt8](repeating: 7, count: 9 << 20)
        try f.writeSnapshot(large, lastSeq: 0)
        for _ in 0..<3 { try f.writeSnapshot(parts: [.bytes(large)], lastSeq: 0) }
        var open = replacedStillOpen()
        for _ in 0..<300 where open > 0 { usleep(10_000); open = replacedStillOpen() }
        #expect(open == 0, "\(open) replaced snapshots still open")
        #expect(try f.loadSnapshot()?.payload.count == large.count)
        #endif
    }

    @Test func freshFolderIsEmptyAndPrivate() throws {
        let tmp = TempDir()
        let f = try openStore(tmp.store)
        defer { f.close() }
        #expect(try f.loadSnapshot() == nil)
        #expect(try f.readJournal(afterSeq: 0).isEmpty)
        #expect(f.lastSeq == 0)
        #expect(f.journalBytes == 12)
        #expect(f.warnings.isEmpty)
        #expect(readFile(f.journalPath) == bytes("SALESHJ\0") + [1, 0, 0, 0])
        #expect(readFile(f.lockPath) == bytes(holder + "\n"))
        try f.writeSnapshot(bytes("x"), lastSeq: 0)
        #expect(fileMode(tmp.store) == 0o700)
        for file in [f.snapshotPath, f.journalPath, f.lockPath] {
            #expect(fileMode(file) == 0o600, "\(file)")
        }
    }

    @Test func snapshotAndJournalRoundTrip() throws {
        let tmp = TempDir()
        let f = try openStore(tmp.store)
        #expect(try f.append(bytes("one")) == 1)
        #expect(try f.append([]) == 2)
        #expect(try f.append(bytes("three")) == 3)
        #expect(f.journalBytes == 12 + 3 * 16 + 8)
        #expect(try f.readJournal(afterSeq: 0) == [
            JournalEntry(seq: 1, payload: bytes("one")),
            JournalEntry(seq: 2, payload: []),
            JournalEntry(seq: 3, payload: bytes("three")),
        ])
        #expect(try f.readJournal(afterSeq: 2).map(\.seq) == [3])
        let big = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try f.writeSnapshot(big, lastSeq: 3)
        #expect(f.journalBytes == 12)
        #expect(f.lastSeq == 3)
        #expect(try f.append(bytes("four")) == 4)
        #expect(try f.append(bytes("five")) == 5)
        f.close()

        let g = try openStore(tmp.store, create: false)
        defer { g.close() }
        #expect(g.warnings.isEmpty)
        #expect(g.lastSeq == 5)
        let snap = try #require(try g.loadSnapshot())
        #expect(Array(snap.payload) == big)
        #expect(snap.lastSeq == 3)
        #expect(try g.readJournal(afterSeq: snap.lastSeq) == [
            JournalEntry(seq: 4, payload: bytes("four")),
            JournalEntry(seq: 5, payload: bytes("five")),
        ])
        #expect(try g.append(bytes("six")) == 6)
    }

    @Test func reopenReplaysEveryEntry() throws {
        let tmp = TempDir()
        do {
            let f = try openStore(tmp.store)
            for i in 1...200 { try f.append(bytes("change \(i)")) }
            f.close()
        }
        let (items, snapSeq, g) = try loadState(tmp.store)
        defer { g.close() }
        #expect(snapSeq == nil)
        #expect(items == (1...200).map { "change \($0)" })
        #expect(g.lastSeq == 200)
    }

    @Test func snapshotWithEarlierLastSeqKeepsLaterEntries() throws {
        let tmp = TempDir()
        let f = try openStore(tmp.store)
        for i in 1...5 { try f.append(bytes("c\(i)")) }
        try f.writeSnapshot(bytes("state@3"), lastSeq: 3)
        #expect(try f.readJournal(afterSeq: 3).map(\.seq) == [4, 5])
        #expect(f.lastSeq == 5)
        #expect(try f.append(bytes("c6")) == 6)
        // Going back past what the journal still holds is refused, and changes nothing.
        try f.writeSnapshot(bytes("state@6"), lastSeq: 6)
        #expect(storeError { try f.writeSnapshot(bytes("state@2"), lastSeq: 2) } != nil)
        #expect(try f.loadSnapshot()?.lastSeq == 6)
        f.close()
        let g = try openStore(tmp.store)
        defer { g.close() }
        #expect(try g.loadSnapshot().map { Array($0.payload) } == bytes("state@6"))
        #expect(g.lastSeq == 6)
    }

    // MARK: Snapshot damage

    private func smallSnapshotFolder() throws -> (TempDir, [UInt8]) {
        let tmp = TempDir()
        let f = try openStore(tmp.store)
        try f.append(bytes("a"))
        try f.writeSnapshot(bytes("payload!"), lastSeq: 1)
        f.close()
        let snap = readFile(tmp.store + "/snapshot")
        #expect(snap.count == 28 + 8 + 4)
        return (tmp, snap)
    }

    private func loadSnapshot(_ path: String) throws {
        let f = try openStore(path, readOnly: true, create: false)
        defer { f.close() }
        _ = try f.loadSnapshot()
    }

    @Test func everySnapshotTruncationIsRefused() throws {
        let (tmp, snap) = try smallSnapshotFolder()
        for cut in 0..<snap.count {
            writeFile(tmp.store + "/snapshot", Array(snap[0..<cut]))
            let e = storeError { try loadSnapshot(tmp.store) }
            guard case .corruptSnapshot(let path, let reason)? = e else {
                Issue.record("cut at \(cut): expected corruptSnapshot, got \(String(describing: e))")
                continue
            }
            #expect(path == tmp.store + "/snapshot")
            #expect(!reason.isEmpty)
            // A writer refuses it too, at open.
            #expect(storeError { _ = try openStore(tmp.store) } == e)
        }
        writeFile(tmp.store + "/snapshot", snap)
        #expect(throws: Never.self) { try loadSnapshot(tmp.store) }
        // Bytes at the end that are no whole addition are a torn tail: read past, and cut by a writer.
        writeFile(tmp.store + "/snapshot", snap + [0])
        let r = try openStore(tmp.store, readOnly: true, create: false)
        #expect(try r.loadSnapshot()?.additions.isEmpty == true)
        #expect(r.warnings.first?.message.hasPrefix("snapshot tail torn at byte \(snap.count)") == true)
        r.close()
        #expect(readFile(tmp.store + "/snapshot").count == snap.count + 1, "a reader changes nothing")
        let w = try openStore(tmp.store)
        #expect(w.warnings.first?.message.hasPrefix("snapshot tail torn at byte \(snap.count): cut 1 bytes") == true)
        w.close()
        #expect(readFile(tmp.store + "/snapshot") == snap)
    }

    // MARK: Additions

    /// A snapshot with two additions, its journal emptied of what they hold, and a change after.
    private func folderWithAdditions() throws -> (TempDir, base: Int, first: Int, second: Int, journalBeforeSecond: [UInt8]) {
        let tmp = TempDir()
        let f = try openStore(tmp.store)
        defer { f.close() }
        try f.append(bytes("a"))
        try f.writeSnapshot(encodeState(["a"]), lastSeq: 1)
        let base = readFile(f.snapshotPath).count
        try f.append(bytes("b"))
        try f.append(bytes("c"))
        #expect(try f.appendToSnapshot(parts: [.bytes(encodeState(["b"])), .bytes([])], lastSeq: 2).map { Array($0) } == encodeState(["b"]))
        #expect(try f.readJournal(afterSeq: 2).map(\.seq) == [3], "the journal keeps what the addition does not hold")
        let first = readFile(f.snapshotPath).count
        let journalBeforeSecond = readFile(f.journalPath)
        // A change that never goes through the journal (a large import's).
        try f.appendToSnapshot(parts: [.bytes(encodeState(["c", "d"]))], lastSeq: 4)
        #expect(f.journalBytes == 12 && f.lastSeq == 4 && f.snapshotAdditions == 2)
        try f.append(bytes("e"))
        return (tmp, base, first, readFile(f.snapshotPath).count, journalBeforeSecond)
    }

    @Test func additionsAreReadAfterTheBaseInOrder() throws {
        let (tmp, base, first, second, _) = try folderWithAdditions()
        for readOnly in [true, false] {
            let (items, seq, f) = try loadState(tmp.store, readOnly: readOnly)
            #expect(items == ["a", "b", "c", "d", "e"])
            #expect(seq == 4 && f.lastSeq == 5 && f.warnings.isEmpty)
            #expect(try f.loadSnapshot()?.additions.map(\.count) == [first - base - 32, second - first - 32])
            f.close()
        }
        // A writer may add to it until it has maxAdditions; a whole snapshot starts again.
        let f = try openStore(tmp.store)
        defer { f.close() }
        var seq: UInt64 = 5
        while f.canAppendToSnapshot {
            seq += 1
            try f.append(bytes("x"))
            try f.appendToSnapshot(parts: [.bytes(encodeState(["x"]))], lastSeq: seq)
        }
        #expect(f.snapshotAdditions == DataFolder.maxAdditions)
        #expect(storeError { _ = try f.appendToSnapshot(parts: [], lastSeq: seq + 1) } != nil)
        try f.writeSnapshot(encodeState(["all"]), lastSeq: seq)
        #expect(f.canAppendToSnapshot && f.snapshotAdditions == 0)
        #expect(try f.loadSnapshot()?.additions.isEmpty == true)
        // An addition must come after what the snapshot holds.
        #expect(storeError { _ = try f.appendToSnapshot(parts: [], lastSeq: seq) } != nil)
    }

    /// Cut anywhere in its last addition (a crash while it was appended) the snapshot loads without it,
    /// a reader leaving the file as it is, a writer cutting it back with a warning.
    @Test func aTornLastAdditionIsCutByTheNextWriter() throws {
        let (tmp, _, first, second, journalBeforeSecond) = try folderWithAdditions()
        let whole = readFile(tmp.store + "/snapshot"), journal = readFile(tmp.store + "/journal")
        var damaged: [[UInt8]] = (first + 1 ..< second).map { Array(whole[..<$0]) }
        // Whole in length, but its bytes not all written (zeros where the copy had not reached).
        var zeroed = whole
        for i in (second - 5) ..< second { zeroed[i] = 0 }
        damaged.append(zeroed)
        damaged.append(whole + [0x53, 0x41])
        for bytes in damaged {
            // Torn, the second addition left the journal as it was before it (c, seq 3), and no change
            // came after it.
            let keepsSecond = bytes.count > second
            writeFile(tmp.store + "/snapshot", bytes)
            writeFile(tmp.store + "/journal", keepsSecond ? journal : journalBeforeSecond)
            let (items, seq, r) = try loadState(tmp.store, readOnly: true)
            #expect(items == (keepsSecond ? ["a", "b", "c", "d", "e"] : ["a", "b", "c"]), "\(bytes.count) bytes")
            #expect(seq == (keepsSecond ? 4 : 2))
            #expect(r.warnings.count == 1 && r.warnings[0].message.contains("snapshot tail torn at byte \(keepsSecond ? second : first)"))
            r.close()
            #expect(readFile(tmp.store + "/snapshot") == bytes)
            let w = try openStore(tmp.store)
            #expect(w.warnings.first?.message.hasPrefix("snapshot tail torn at byte \(keepsSecond ? second : first): cut") == true)
            w.close()
            #expect(readFile(tmp.store + "/snapshot") == Array(whole[..<(keepsSecond ? second : first)]))
        }
    }

    /// Damage to an addition that is not the last is not a crash's: refused.
    @Test func aDamagedEarlierAdditionIsRefused() throws {
        let (tmp, base, first, _, _) = try folderWithAdditions()
        let whole = readFile(tmp.store + "/snapshot")
        for i in [base + 3, base + 12, base + 30, first - 1] {
            var damaged = whole
            damaged[i] ^= 0x10
            writeFile(tmp.store + "/snapshot", damaged)
            let e = storeError { try loadSnapshot(tmp.store) }
            guard case .corruptSnapshot(_, let reason)? = e else {
                Issue.record("byte \(i): expected corruptSnapshot, got \(String(describing: e))")
                continue
            }
            #expect(reason.contains("addition") || reason.contains("torn"), "\(reason)")
        }
    }


    @Test func everyFlippedSnapshotBitIsDetected() throws {
        let (tmp, snap) = try smallSnapshotFolder()
        for i in 0..<snap.count {
            for bit in 0..<8 {
                var damaged = snap
                damaged[i] ^= UInt8(1 << bit)
                writeFile(tmp.store + "/snapshot", damaged)
                let e = storeError { try loadSnapshot(tmp.store) }
                switch e {
                case .corruptSnapshot?: break
                case .newerVersion? where (8..<12).contains(i): break
                default: Issue.record("byte \(i) bit \(bit): got \(String(describing: e))")
                }
            }
        }
    }

    @Test func newerSnapshotVersionIsRefused() throws {
        let (tmp, snap) = try smallSnapshotFolder()
        var v3 = snap
        v3[8] = 3
        writeFile(tmp.store + "/snapshot", v3)
        let e = storeError { try loadSnapshot(tmp.store) }
        #expect(e == .newerVersion(path: tmp.store + "/snapshot", found: 3, supported: 2))
        #expect(e?.description.contains("newer salesh") == true)
    }

    @Test func newerJournalVersionIsRefused() throws {
        let tmp = TempDir()
        try openStore(tmp.store).close()
        writeFile(tmp.store + "/journal", bytes("SALESHJ\0") + [7, 0, 0, 0])
        let e = storeError { _ = try openStore(tmp.store) }
        #expect(e == .newerVersion(path: tmp.store + "/journal", found: 7, supported: 1))
    }

    // MARK: Journal damage

    /// A journal of 3 entries; returns its bytes and the offsets where each entry ends.
    private func threeEntryJournal() throws -> (TempDir, [UInt8], [Int]) {
        let tmp = TempDir()
        let f = try openStore(tmp.store)
        try f.append(bytes("first"))
        try f.append([])
        try f.append(bytes("the third"))
        f.close()
        let journal = readFile(tmp.store + "/journal")
        let ends = [12 + 16 + 5, 12 + 16 + 5 + 16, 12 + 16 + 5 + 16 + 16 + 9]
        #expect(journal.count == ends[2])
        return (tmp, journal, ends)
    }

    @Test func everyJournalTruncationKeepsTheWholeEntries() throws {
        let (tmp, journal, ends) = try threeEntryJournal()
        let all = [bytes("first"), [], bytes("the third")]
        for readOnly in [false, true] {
            for cut in 0...journal.count {
                writeFile(tmp.store + "/journal", Array(journal[0..<cut]))
                let f = try openStore(tmp.store, readOnly: readOnly, create: false)
                let entries = try f.readJournal(afterSeq: 0)
                let whole = ends.filter { $0 <= cut }.count
                #expect(entries.map(\.payload) == Array(all[0..<whole]), "cut \(cut)")
                #expect(entries.map(\.seq) == Array((0..<UInt64(whole)).map { $0 + 1 }))
                let clean = cut == 12 || ends.contains(cut)
                #expect(f.warnings.isEmpty == clean, "cut \(cut): \(f.warnings)")
                if !clean && cut >= 12 {
                    #expect(f.warnings.first?.message.contains("journal tail torn at byte") == true)
                }
                let kept = readOnly ? cut : max(12, ends.filter { $0 <= cut }.max() ?? 12)
                #expect(readFile(tmp.store + "/journal").count == kept, "cut \(cut) readOnly \(readOnly)")
                if !readOnly {
                    #expect(f.journalBytes == kept)
                    #expect(try f.append(bytes("next")) == UInt64(whole + 1))
                }
                f.close()
                if !readOnly {
                    let g = try openStore(tmp.store, create: false)
                    #expect(g.warnings.isEmpty)
                    #expect(try g.readJournal(afterSeq: 0).map(\.payload) == Array(all[0..<whole]) + [bytes("next")])
                    g.close()
                }
            }
        }
    }

    @Test func aFlippedBitInAMiddleEntryIsCorruption() throws {
        let (tmp, journal, ends) = try threeEntryJournal()
        // The first and second entries are followed by more data: corruption, refused whole.
        for range in [12..<ends[0], ends[0]..<ends[1]] {
            for i in range {
                for bit in 0..<8 {
                    var damaged = journal
                    damaged[i] ^= UInt8(1 << bit)
                    writeFile(tmp.store + "/journal", damaged)
                    for readOnly in [false, true] {
                        let e = storeError { _ = try openStore(tmp.store, readOnly: readOnly, create: false) }
                        guard case .corruptJournal(let path, let offset, _)? = e else {
                            Issue.record("byte \(i) bit \(bit): got \(String(describing: e))")
                            continue
                        }
                        #expect(path == tmp.store + "/journal")
                        #expect(offset == range.lowerBound)
                    }
                    #expect(readFile(tmp.store + "/journal") == damaged, "a refused journal is left untouched")
                }
            }
        }
        // The last entry: either a torn tail (cut, 2 entries kept) or corruption; never loaded.
        for i in ends[1]..<ends[2] {
            var damaged = journal
            damaged[i] ^= 0x10
            writeFile(tmp.store + "/journal", damaged)
            do {
                let f = try openStore(tmp.store, create: false)
                #expect(try f.readJournal(afterSeq: 0).count == 2)
                #expect(!f.warnings.isEmpty)
                f.close()
            } catch let e as StoreError {
                guard case .corruptJournal = e else { Issue.record("byte \(i): \(e)"); continue }
            }
        }
    }

    @Test func seqGapsAreCorruption() throws {
        let tmp = TempDir()
        try openStore(tmp.store).close()
        let header = bytes("SALESHJ\0") + [1, 0, 0, 0]
        let e1 = JournalFormat.encodeEntry(seq: 1, payload: bytes("a"))
        let e2 = JournalFormat.encodeEntry(seq: 2, payload: bytes("b"))
        let e4 = JournalFormat.encodeEntry(seq: 4, payload: bytes("d"))
        writeFile(tmp.store + "/journal", header + e1 + e2 + e4)
        let e = storeError { _ = try openStore(tmp.store, create: false) }
        #expect(e == .corruptJournal(path: tmp.store + "/journal", offset: 12 + e1.count + e2.count,
                                     reason: "entry seq 4 follows seq 2; seqs must be consecutive"))
        // A journal that starts after what the (missing) snapshot covers: entries are missing.
        writeFile(tmp.store + "/journal", header + e4)
        if case .corruptJournal? = storeError({ _ = try openStore(tmp.store, create: false) }) {} else {
            Issue.record("journal starting at seq 4 without a snapshot was accepted")
        }
        // Asking for entries after a seq the journal does not reach back to.
        writeFile(tmp.store + "/journal", header + e1 + e2)
        let f = try openStore(tmp.store, create: false)
        defer { f.close() }
        #expect(try f.readJournal(afterSeq: 1).map(\.seq) == [2])
        #expect(try f.readJournal(afterSeq: 5).isEmpty)
    }

    // MARK: Locking

    @Test func secondWriterIsToldWhoHoldsTheLock() throws {
        let tmp = TempDir()
        let first = try openStore(tmp.store)
        try first.append(bytes("by first"))
        let e = storeError { _ = try openStore(tmp.store) }
        #expect(e == .locked(path: tmp.store, holder: holder))
        #expect(e?.description.contains("wang.wei") == true)

        // A read-only open works meanwhile, sees the data, and cannot write.
        let reader = try openStore(tmp.store, readOnly: true, create: false)
        #expect(try reader.readJournal(afterSeq: 0).map(\.payload) == [bytes("by first")])
        #expect(storeError { try reader.append(bytes("x")) } == .readOnly(path: tmp.store))
        #expect(storeError { try reader.writeSnapshot(bytes("x"), lastSeq: 1) } == .readOnly(path: tmp.store))
        reader.close()

        first.close()
        let second = try openStore(tmp.store)
        defer { second.close() }
        #expect(try second.append(bytes("by second")) == 2)
        #expect(readFile(tmp.store + "/lock") == bytes(holder + "\n"))
    }

    @Test func readOnlyChangesNothingOnDisk() throws {
        let tmp = TempDir()
        let f = try openStore(tmp.store)
        try f.append(bytes("a"))
        f.close()
        let journal = readFile(tmp.store + "/journal") + [1, 2, 3]  // a torn tail
        writeFile(tmp.store + "/journal", journal)
        let r = try openStore(tmp.store, readOnly: true, create: false)
        #expect(try r.readJournal(afterSeq: 0).count == 1)
        #expect(r.warnings.count == 1)
        #expect(try r.readJournal(afterSeq: 0).count == 1)
        #expect(r.warnings.count == 1, "the same warning is not repeated")
        r.close()
        #expect(readFile(tmp.store + "/journal") == journal)
        // A read-only open of a missing folder does not create it.
        #expect(storeError { _ = try openStore(tmp.path + "/missing", readOnly: true, create: true) } != nil)
        #expect(!FileManager.default.fileExists(atPath: tmp.path + "/missing"))
    }

    // MARK: A reader without the lock

    /// Runs `action` once, the first time the file `name` is opened for reading.
    final class OnOpen: ForwardingFileIO {
        let name: String
        var action: (() throws -> Void)?
        init(_ name: String, _ action: @escaping () throws -> Void) {
            self.name = name
            self.action = action
            super.init()
        }
        override func open(_ path: String, flags: Int32, mode: UInt32) throws -> Int32 {
            if path.hasSuffix("/" + name), flags & O_ACCMODE == O_RDONLY, let action {
                self.action = nil
                try action()
            }
            return try super.open(path, flags: flags, mode: mode)
        }
    }

    /// A writer's snapshot rewrite between a reader's loadSnapshot and readJournal (the old snapshot, the
    /// journal already emptied) is told, not read as a store without the changes in between.
    @Test func aSnapshotReplacedBetweenSnapshotAndJournalIsTold() throws {
        let tmp = TempDir()
        let w = try openStore(tmp.store)
        defer { w.close() }
        try w.append(bytes("a"))
        try w.writeSnapshot(bytes("state@1"), lastSeq: 1)
        try w.append(bytes("b"))

        // Nothing replaced: an append in between is read with the rest.
        let r = try openStore(tmp.store, readOnly: true, create: false)
        #expect(try r.loadSnapshot()?.lastSeq == 1)
        try w.append(bytes("c"))
        #expect(try r.readJournal(afterSeq: 1).map(\.seq) == [2, 3])
        r.close()

        // The snapshot rewritten and the journal emptied in between.
        let r2 = try openStore(tmp.store, readOnly: true, create: false)
        defer { r2.close() }
        #expect(try r2.loadSnapshot()?.lastSeq == 1)
        try w.writeSnapshot(bytes("state@3"), lastSeq: 3)
        #expect(readFile(w.journalPath).count == 12, "the journal was emptied")
        #expect(storeError { _ = try r2.readJournal(afterSeq: 1) } == .replacedWhileReading(path: r2.snapshotPath))

        // Rewritten keeping later entries (the journal replaced): told too, not taken for a gap.
        try w.append(bytes("d"))
        try w.append(bytes("e"))
        try w.writeSnapshot(bytes("state@4"), lastSeq: 4)
        let r3 = try openStore(tmp.store, readOnly: true, create: false)
        defer { r3.close() }
        #expect(try r3.loadSnapshot()?.lastSeq == 4)
        try w.append(bytes("f"))
        try w.writeSnapshot(bytes("state@5"), lastSeq: 5)
        #expect(try w.readJournal(afterSeq: 5).map(\.seq) == [6])
        #expect(storeError { _ = try r3.readJournal(afterSeq: 4) } == .replacedWhileReading(path: r3.snapshotPath))

        // Read again from the start, the folder is whole.
        let r4 = try openStore(tmp.store, readOnly: true, create: false)
        defer { r4.close() }
        #expect(try r4.loadSnapshot().map { Array($0.payload) } == bytes("state@5"))
        #expect(try r4.readJournal(afterSeq: 5).map(\.payload) == [bytes("f")])
    }

    /// An addition appended between a reader's loadSnapshot and readJournal (the journal emptied of what
    /// it holds) is told, and so is one the reader saw half written.
    @Test func anAdditionBetweenSnapshotAndJournalIsTold() throws {
        let tmp = TempDir()
        let w = try openStore(tmp.store)
        defer { w.close() }
        try w.append(bytes("a"))
        try w.writeSnapshot(encodeState(["a"]), lastSeq: 1)
        try w.append(bytes("b"))
        let r = try openStore(tmp.store, readOnly: true, create: false)
        defer { r.close() }
        #expect(try r.loadSnapshot()?.lastSeq == 1)
        try w.appendToSnapshot(parts: [.bytes(encodeState(["b"]))], lastSeq: 2)
        #expect(storeError { _ = try r.readJournal(afterSeq: 1) } == .replacedWhileReading(path: r.snapshotPath))

        // Seen half written: the reader reads past it; once it is whole (and the journal emptied), told.
        try w.append(bytes("c"))
        let whole = readFile(w.snapshotPath)
        let addition = ModelFreeAddition.bytes(encodeState(["c"]), lastSeq: 3)
        writeFile(w.snapshotPath, whole + addition.dropLast(3))
        let r2 = try openStore(tmp.store, readOnly: true, create: false)
        defer { r2.close() }
        #expect(try r2.loadSnapshot()?.lastSeq == 2)
        writeFile(w.snapshotPath, whole + addition)
        #expect(storeError { _ = try r2.readJournal(afterSeq: 2) } == .replacedWhileReading(path: r2.snapshotPath))
        // Still half written when the journal was read: the journal read goes with it.
        writeFile(w.snapshotPath, whole + addition.dropLast(3))
        let r3 = try openStore(tmp.store, readOnly: true, create: false)
        defer { r3.close() }
        #expect(try r3.loadSnapshot()?.lastSeq == 2)
        #expect(try r3.readJournal(afterSeq: 2).map(\.seq) == [3])
    }

    /// A store without a snapshot when the reader looked, given one before it read the journal.
    @Test func aSnapshotWrittenWhereThereWasNoneIsTold() throws {
        let tmp = TempDir()
        let w = try openStore(tmp.store)
        defer { w.close() }
        try w.append(bytes("a"))
        let r = try openStore(tmp.store, readOnly: true, create: false)
        defer { r.close() }
        #expect(try r.loadSnapshot() == nil)
        try w.writeSnapshot(bytes("state@1"), lastSeq: 1)
        #expect(storeError { _ = try r.readJournal(afterSeq: 0) } == .replacedWhileReading(path: r.snapshotPath))
        // A writer reads its own folder as it is: no check.
        #expect(try w.loadSnapshot()?.lastSeq == 1)
        try w.append(bytes("b"))
        #expect(try w.readJournal(afterSeq: 1).map(\.seq) == [2])
    }

    /// Opening reads the snapshot's header and then the journal: a rewrite keeping later entries in
    /// between is told too, not taken for a journal with changes missing.
    @Test func aSnapshotReplacedWhileOpeningIsTold() throws {
        let tmp = TempDir()
        let w = try openStore(tmp.store)
        defer { w.close() }
        for i in 1...5 { try w.append(bytes("c\(i)")) }
        try w.writeSnapshot(bytes("state@2"), lastSeq: 2)
        let io = OnOpen(DataFolder.journalFileName) { try w.writeSnapshot(bytes("state@4"), lastSeq: 4) }
        #expect(storeError { _ = try openStore(tmp.store, readOnly: true, create: false, io: io) }
                == .replacedWhileReading(path: tmp.store + "/snapshot"))
        let r = try openStore(tmp.store, readOnly: true, create: false, io: io)
        defer { r.close() }
        #expect(try r.loadSnapshot()?.lastSeq == 4)
        #expect(try r.readJournal(afterSeq: 4).map(\.seq) == [5])
    }

    // MARK: What is (not) a store

    @Test func foldersThatAreNotStoresAreRefused() throws {
        let tmp = TempDir()
        // Someone's home folder.
        try FileManager.default.createDirectory(atPath: tmp.store, withIntermediateDirectories: true)
        writeFile(tmp.store + "/notes.txt", bytes("hello"))
        #expect(storeError { _ = try openStore(tmp.store) } == .notAStore(path: tmp.store))
        #expect(!FileManager.default.fileExists(atPath: tmp.store + "/lock"))
        // A regular file.
        writeFile(tmp.path + "/file", bytes("x"))
        #expect(storeError { _ = try openStore(tmp.path + "/file") } == .notAStore(path: tmp.path + "/file"))
        // An empty folder is a store only when asked to create one.
        try FileManager.default.createDirectory(atPath: tmp.path + "/empty", withIntermediateDirectories: true)
        #expect(storeError { _ = try openStore(tmp.path + "/empty", create: false) } == .notAStore(path: tmp.path + "/empty"))
        try openStore(tmp.path + "/empty/", create: true).close()
        try openStore(tmp.path + "/empty", create: false).close()
        // A missing folder without create.
        if case .io? = storeError({ _ = try openStore(tmp.path + "/nope", create: false) }) {} else {
            Issue.record("missing folder without create")
        }
        // A folder with only a snapshot is a store (its journal is recreated, with a warning).
        let f = try openStore(tmp.path + "/empty")
        try f.append(bytes("a"))
        try f.writeSnapshot(bytes("s"), lastSeq: 1)
        f.close()
        try FileManager.default.removeItem(atPath: tmp.path + "/empty/journal")
        let g = try openStore(tmp.path + "/empty", create: false)
        #expect(g.warnings.count == 1)
        #expect(g.lastSeq == 1)
        #expect(try g.append(bytes("b")) == 2)
        g.close()
    }

    @Test func descriptionsNameTheFile() {
        let errors: [StoreError] = [
            .notAStore(path: "/home/wang"),
            .corruptSnapshot(path: "/d/snapshot", reason: "the file is empty"),
            .corruptJournal(path: "/d/journal", offset: 40, reason: "an entry fails its checksum and more entries follow it"),
            .newerVersion(path: "/d/snapshot", found: 3, supported: 1),
            .locked(path: "/d", holder: holder),
            .readOnly(path: "/d"),
            .io(path: "/d/journal", operation: "fsync", message: "Input/output error"),
            .replacedWhileReading(path: "/d/snapshot"),
        ]
        for e in errors {
            #expect(e.description.contains("/d") || e.description.contains("/home/wang"))
            #expect(e.description.hasSuffix("."))
        }
        #expect(StoreError.corruptJournal(path: "/d/journal", offset: 40, reason: "r").description
                == "The journal /d/journal is damaged at byte 40 and was not loaded: r.")
    }
}

/// An addition's bytes as the format lays them out, made by hand (a test of a reader that sees one
/// half written).
enum ModelFreeAddition {
    static func bytes(_ payload: [UInt8], lastSeq: UInt64) -> [UInt8] {
        let header = SnapshotFormat.encodeAdditionHeader(lastSeq: lastSeq, payloadLength: payload.count)
        var w = BinaryWriter()
        w.writeFixedUInt32LE(crc32(header + payload))
        return header + payload + w.bytes
    }
}
