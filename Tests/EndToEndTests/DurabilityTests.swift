import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("durability: crashes, torn journals, corrupt snapshots, file modes") struct DurabilityTests {
    /// The amount of `id` as an exact integer number of yuan (from CSV, e.g. "12.00").
    func amount(_ t: TempDir, _ id: String) throws -> Int {
        let s = try field(t, "opportunities", id, "amount").replacingOccurrences(of: ",", with: "")
        guard s.hasSuffix(".00"), let n = Int(s.dropLast(3)) else { throw E2EError("unexpected amount '\(s)'") }
        return n
    }

    /// Parses the confirmation of `set ID amount=N`: "ID: amount OLD → N.00" (or "ID unchanged").
    func confirmed(_ line: String, id: String, value: Int) -> Bool {
        guard line.hasPrefix("\(id): amount") else { return false }
        let new = line.components(separatedBy: "→").last?.trimmingCharacters(in: .whitespaces)
            .replacingOccurrences(of: ",", with: "")
        return new == "\(value).00"
    }

    /// A demo store with an opportunity of our own at amount 0.
    func storeWithOpportunity(_ t: TempDir) throws -> String {
        try makeDemoStore(t)
        return try addRecord(t, #"add opportunity customer=C1 owner=hua.lin title="耐久" amount=0"#)
    }

    @Test("SIGKILL in a stream of sets loses nothing that was confirmed")
    func killDuringSetStream() throws {
        let t = TempDir()
        let id = try storeWithOpportunity(t)
        var next = 1
        var rng = SystemRandomNumberGenerator()
        var applied = 0  // sets that reached the store, summed over rounds
        for round in 1...5 {
            let shell = try PipedShell(t, ["--data", t.store, "--user", "hua.lin"])
            let confirmations = Int.random(in: 1...25, using: &rng)
            var lastConfirmed: Int? = nil
            for _ in 0..<confirmations {
                let n = next; next += 1
                try shell.send("set \(id) amount=\(n)")
                let line = try shell.readLine(timeout: 10)
                #expect(line.map { confirmed($0, id: id, value: n) } == true,
                        "round \(round): expected the confirmation of amount=\(n), got \(line ?? "end of output"); stderr: \(shell.stderr)")
                lastConfirmed = n
            }
            // One more statement in flight, then SIGKILL at a random moment.
            let inFlight = next; next += 1
            try shell.send("set \(id) amount=\(inFlight)")
            let delay = UInt32.random(in: 0...4_000, using: &rng)
            if delay > 0 { usleep(delay) }
            shell.killHard()
            #expect(shell.process.terminationReason == .uncaughtSignal)

            let now = try amount(t, id)
            #expect(now == lastConfirmed || now == inFlight,
                    "round \(round): after SIGKILL the amount is \(now); last confirmed \(lastConfirmed.map(String.init) ?? "-"), in flight \(inFlight)")
            applied += (now == inFlight ? confirmations + 1 : confirmations)
        }
        // The history kept every applied set, each by the acting user.
        let sets = try count(t, "history | where record = \(id) and field = amount | count")
        #expect(sets == applied, "history has \(sets) amount changes, \(applied) were applied")
        let users = try ok(t, "history | where record = \(id) and field = amount | group user | agg count()", format: "csv")
        #expect(parseCSV(users).count == 2 && users.contains("hua.lin"), "\(users)")
    }

    enum Cut: String, CaseIterable, CustomStringConvertible, Sendable {
        case oneByte, fewBytes, intoHeader, headerOnly
        var description: String { rawValue }
    }

    /// Makes changes in a child that is SIGKILLed (so the snapshot is not rewritten on exit); returns the
    /// amounts set, in order, and checks that the journal holds them.
    func changesThenKill(_ t: TempDir, _ id: String, amounts: [Int]) throws {
        let snapshotBefore = readBytes(t.store + "/snapshot")
        let shell = try PipedShell(t, ["--data", t.store, "--user", "hua.lin"])
        for n in amounts {
            try shell.send("set \(id) amount=\(n)")
            let line = try shell.readLine(timeout: 10)
            #expect(line.map { confirmed($0, id: id, value: n) } == true, "\(line ?? "end of output")")
        }
        shell.killHard()
        #expect(readBytes(t.store + "/snapshot") == snapshotBefore, "a killed shell must not have rewritten the snapshot")
        let entries = journalEntries(readBytes(t.store + "/journal"))
        #expect(entries.count >= amounts.count, "the journal should hold an entry per change, has \(entries.count)")
    }

    @Test("a torn journal tail is cut back with a warning; every whole entry is kept", arguments: Cut.allCases)
    func truncatedJournalTail(_ cut: Cut) throws {
        let t = TempDir()
        let id = try storeWithOpportunity(t)
        let historyBefore = try count(t, "history | count")
        try changesThenKill(t, id, amounts: [101, 102, 103, 104, 105])

        let journal = t.store + "/journal"
        let bytes = readBytes(journal)
        guard let last = journalEntries(bytes).last else { Issue.record("empty journal"); return }
        #expect(last.offset + last.size == bytes.count, "the journal should end with a whole entry")
        let keep: Int
        switch cut {
        case .oneByte: keep = bytes.count - 1
        case .fewBytes: keep = bytes.count - 5
        case .intoHeader: keep = last.offset + 6
        case .headerOnly: keep = last.offset + 16
        }
        truncate(journal, off_t(keep))

        let r = try onStore(t, ["--format", "csv", "-c", "opportunities | where id = \(id) | select amount"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.lowercased().contains("warning") && r.stderr.contains("journal"), "expected a warning about the journal: \(r)")
        #expect(parseCSV(r.stdout).last == ["104.00"], "every whole entry is kept, the torn one is not: \(r)")
        #expect(try count(t, "history | count") == historyBefore + 4)

        // Cut back once: the next open is clean, the state the same.
        let again = try onStore(t, ["-c", "opportunities | where id = \(id) | count"])
        #expect(again.status == 0 && again.stderr.isEmpty, "the second open should not warn again: \(again)")
        #expect(try amount(t, id) == 104)
        // And the store takes new changes after the cut.
        _ = try ok(t, "set \(id) amount=106", user: "hua.lin")
        #expect(try amount(t, id) == 106)
    }

    @Test("a flipped byte in the middle of the snapshot: exit 3 naming the snapshot, nothing loaded or rewritten")
    func corruptSnapshot() throws {
        let t = TempDir()
        try makeDemoStore(t)
        let path = t.store + "/snapshot"
        var bytes = readBytes(path)
        #expect(bytes.count > 1000)
        bytes[bytes.count / 2] ^= 0x01
        writeBytes(path, bytes)
        let journalBefore = readBytes(t.store + "/journal")

        for args in [["-c", "leads | count"], ["--read-only", "-c", "leads | count"],
                     ["-c", #"add lead company="不該寫入" source=online"#], ["-c", "save"]] {
            let r = try onStore(t, args, user: "hua.lin")
            #expect(r.status == 3, "\(args): \(r)")
            #expect(r.stderr.contains("snapshot"), "the message should name the snapshot: \(r)")
            #expect(r.stdout.isEmpty, "nothing may be loaded or run: \(r)")
        }
        // Piped statements: refused before any runs.
        let piped = try onStore(t, [], stdin: "leads | count\n")
        #expect(piped.status == 3 && piped.stdout.isEmpty, "\(piped)")
        // The demo refuses to overwrite it too, without --replace.
        let demo = try salesh(["demo", "--data", t.store], in: t)
        #expect(demo.status == 3, "\(demo)")

        #expect(readBytes(path) == bytes, "the damaged snapshot must be left as it is")
        #expect(readBytes(t.store + "/journal") == journalBefore)
    }

    @Test("a corrupt entry in the middle of the journal: exit 3 naming the journal, nothing loaded")
    func corruptJournalMiddle() throws {
        let t = TempDir()
        let id = try storeWithOpportunity(t)
        try changesThenKill(t, id, amounts: [201, 202, 203, 204])
        let journal = t.store + "/journal"
        var bytes = readBytes(journal)
        let entries = journalEntries(bytes)
        guard entries.count >= 3 else { Issue.record("too few journal entries: \(entries.count)"); return }
        let second = entries[1]
        bytes[second.offset + 16 + (second.size - 16) / 2] ^= 0x20  // a payload byte of the second entry
        writeBytes(journal, bytes)

        let r = try onStore(t, ["-c", "opportunities | where id = \(id) | select amount"])
        #expect(r.status == 3, "\(r)")
        #expect(r.stderr.contains("journal"), "the message should name the journal: \(r)")
        #expect(r.stdout.isEmpty, "\(r)")
        let ro = try onStore(t, ["--read-only", "-c", "leads | count"])
        #expect(ro.status == 3, "\(ro)")
        #expect(readBytes(journal) == bytes, "the damaged journal must be left as it is")
    }

    @Test("store files are created mode 0600, whatever the umask")
    func fileModes() throws {
        let t = TempDir()
        let bin = try saleshBinary()
        // umask 000: salesh must ask for 0600 itself.
        let demo = try runProgram("/bin/sh", ["-c", "umask 000; exec \"$0\" demo --data \"$1\" --scale 20", bin, t.store], in: t)
        #expect(demo.status == 0, "\(demo)")
        let id = try addRecord(t, #"add opportunity customer=C1 owner=hua.lin title="權限" amount=1"#)
        // A killed writer leaves journal entries and a lock holder behind.
        let shell = try PipedShell(t, ["--data", t.store, "--user", "hua.lin"])
        try shell.send("set \(id) amount=2")
        _ = try shell.readLine()
        shell.killHard()
        // Reopen under umask 000: replay, rewrite the snapshot, reset the journal.
        let r = try runProgram("/bin/sh", ["-c", "umask 000; exec \"$0\" --data \"$1\" -c save", bin, t.store], in: t)
        #expect(r.status == 0, "\(r)")
        let names = try FileManager.default.contentsOfDirectory(atPath: t.store).sorted()
        for name in ["journal", "lock", "snapshot"] {
            #expect(names.contains(name), "the store should hold \(name): \(names)")
        }
        for name in names {
            #expect(fileMode(t.store + "/" + name) == 0o600,
                    "\(name) has mode \(String(fileMode(t.store + "/" + name) ?? -1, radix: 8)), expected 600")
        }
    }
}

/// The crash harness (scripts/crash-test), small: a few trials of changes, imports and snapshot rewrites
/// killed at random moments; `scripts/crash-test 1000` is the long run.
@Suite("crash harness")
struct CrashHarnessTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/crash-test").path

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "python3 is needed for scripts/crash-test"))
    func randomKillsLoseNothing() throws {
        let t = TempDir()
        let r = try runProgram("/usr/bin/python3", [Self.script, "6", "--bin", try saleshBinary()], in: t, timeout: 120)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("0 lost, 0 unloadable stores"), "\(r.stdout)")
    }
}
