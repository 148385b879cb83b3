import Foundation
import Testing

/// `salesh check-store`, `--repair`, `salesh backup` while another shell writes, and the snapshot
/// format: every released version loads (a fixture of each), a newer one is refused by its number.
@Suite("store care: check-store, repair, backup, format versions")
struct StoreCareTests {
    let t = TempDir()

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func copyFixture(_ name: String) throws {
        _ = try runProgram("/bin/cp", ["-r", Self.fixtures.appendingPathComponent(name).path, t.store], in: t)
    }

    /// Every released format loads with the same records: `store-v1`, written by version 1 (a snapshot
    /// and four journal entries after it), `store-v1-records2`, the same store saved by a later salesh
    /// (snapshot records of format 2: each table's records carry their byte length), and
    /// `store-v1-records3`, saved again (format 3: records in chunks, each table's as columns).
    @Test(arguments: [("store-v1", "4 changes after the snapshot"), ("store-v1-records2", "0 changes after the snapshot"),
                      ("store-v1-records3", "0 changes after the snapshot")])
    func everyReleasedFormatLoads(_ fixture: String, _ journal: String) throws {
        try copyFixture(fixture)
        let health = try salesh(["check-store", "--data", t.store], in: t)
        #expect(health.status == 0 && health.stdout.contains("format version 1") && health.stdout.contains(journal), "\(health)")
        #expect(try ok(t, "opportunities | select id, amount", format: "csv") == "id,amount\nO1,1350000.00\n")
        #expect(try ok(t, "leads | select id, company", format: "csv") == "id,company\nL1,中華電信\n")
        #expect(try ok(t, "customers | select name", format: "csv") == "name\n\"台灣大哥大, 台北\"\n")
        #expect(try count(t, "history | count") == 10)
    }

    /// `store-v2-additions`: `store-v1-records3` saved whole by a later salesh (snapshot format 2), then
    /// two imports kept in the snapshot as additions (a competitor, then a market research note).
    @Test func theAdditionsFormatLoads() throws {
        try copyFixture("store-v2-additions")
        let health = try salesh(["check-store", "--data", t.store], in: t)
        #expect(health.status == 0 && health.stdout.contains("format version 2") && health.stdout.contains("2 additions"), "\(health)")
        #expect(try ok(t, "opportunities | select id, amount", format: "csv") == "id,amount\nO1,1350000.00\n")
        #expect(try ok(t, "customers | select name", format: "csv") == "name\n\"台灣大哥大, 台北\"\n")
        #expect(try ok(t, "competitors | select id, name, strengths", format: "csv") == "id,name,strengths\nFET,遠傳電信,\"價格, 通路\"\n")
        #expect(try ok(t, "research | select id, topic", format: "csv") == "id,topic\nRS1,中南部 5G 專網需求\nRS2,北部企業雲端需求\n")
        #expect(try count(t, "history | count") == 13)
    }

    @Test func aNewerSnapshotIsRefusedByItsVersion() throws {
        try copyFixture("store-v1")
        var bytes = readBytes(t.store + "/snapshot")
        bytes[8] = 7   // the format version, UInt32 LE at offset 8
        writeBytes(t.store + "/snapshot", bytes)
        let r = try onStore(t, ["-c", "staff | count"])
        #expect(r.status == 3 && r.stderr.contains("version 7"), "\(r)")
        let check = try salesh(["check-store", "--data", t.store], in: t)
        #expect(check.status == 3 && check.stderr.contains("version 7"), "\(check)")
    }

    @Test func checkStoreReportsAndRepairsATornJournal() throws {
        try copyFixture("store-v1")
        let journal = t.store + "/journal"
        let whole = readBytes(journal)
        writeBytes(journal, Array(whole.dropLast(5)))   // the last change cut off by a crash
        let report = try salesh(["check-store", "--data", t.store], in: t)
        #expect(report.status == 1 && report.stdout.contains("torn") && report.stdout.contains("--repair"), "\(report)")
        #expect(readBytes(journal).count == whole.count - 5, "check-store alone changes nothing")
        let refused = try salesh(["check-store", "--data", t.store, "--repair"], in: t, stdin: "")
        #expect(refused.status == 2 && refused.stderr.contains("--yes"), "not on a terminal, --repair wants --yes: \(refused)")
        let fixed = try salesh(["check-store", "--data", t.store, "--repair", "--yes"], in: t)
        #expect(fixed.status == 0 && fixed.stdout.contains("repaired"), "\(fixed)")
        let after = try salesh(["check-store", "--data", t.store], in: t)
        #expect(after.status == 0 && after.stdout.contains("healthy"), "\(after)")
        // The three whole changes are kept; the torn one (deleting L2) is gone, so L2 is back.
        #expect(try ok(t, "leads | select id", format: "csv") == "id\nL1\nL2\n")
    }

    /// A large change (an import over the journal's threshold, here every change) is appended to the
    /// snapshot as an addition rather than written with the whole store again; check-store counts the
    /// additions. A torn last one (a crash while it was appended: the import was never acknowledged)
    /// is reported and cut by --repair. A change to a record makes the next save write it whole again.
    @Test func importsAddToTheSnapshotAndATornAdditionIsCutByRepair() throws {
        try makeDemoStore(t)
        let snapshot = t.store + "/snapshot", every = ["SALESH_SNAPSHOT_BYTES": "1"]
        let first = t.file("線索.csv"), second = t.file("線索二.csv")
        try "company,contact,source,notes\n\"新竹晶圓, 二廠\",陳經理,referral,第一批\n台南光電,林主任,online,\n".write(toFile: first, atomically: true, encoding: .utf8)
        try "company,source\n高雄港務,exhibition\n".write(toFile: second, atomically: true, encoding: .utf8)
        let base = readBytes(snapshot)
        let one = try onStore(t, ["-c", "import lead from \"\(first)\""], env: every)
        #expect(one.status == 0 && one.stdout.contains("2 new"), "\(one)")
        let added = readBytes(snapshot)
        #expect(added.count > base.count && Array(added[..<base.count]) == base, "the snapshot was added to, not written again")
        let two = try onStore(t, ["-c", "import lead from \"\(second)\""], env: every)
        #expect(two.status == 0 && two.stdout.contains("1 new"), "\(two)")
        let health = try salesh(["check-store", "--data", t.store], in: t)
        #expect(health.status == 0 && health.stdout.contains("2 additions") && health.stdout.contains("healthy"), "\(health)")
        #expect(try count(t, "leads | where company in (\"新竹晶圓, 二廠\", 台南光電, 高雄港務) | count") == 3)

        let whole = readBytes(snapshot)
        writeBytes(snapshot, Array(whole.dropLast(9)))
        let torn = try salesh(["check-store", "--data", t.store], in: t)
        #expect(torn.status == 1 && torn.stdout.contains("torn snapshot tail") && torn.stdout.contains("--repair"), "\(torn)")
        #expect(readBytes(snapshot).count == whole.count - 9, "check-store alone changes nothing")
        let fixed = try salesh(["check-store", "--data", t.store, "--repair", "--yes"], in: t)
        #expect(fixed.status == 0 && fixed.stdout.contains("repaired"), "\(fixed)")
        #expect(try count(t, "leads | where company in (\"新竹晶圓, 二廠\", 台南光電, 高雄港務) | count") == 2)

        // A changed record: the next save writes the snapshot whole, without additions.
        _ = try ok(t, "set L1 notes=\"改過\"")
        let after = try salesh(["check-store", "--data", t.store], in: t)
        #expect(after.status == 0 && !after.stdout.contains("addition") && after.stdout.contains("healthy"), "\(after)")
        #expect(try ok(t, "leads | where id = L1 | select notes", format: "csv") == "notes\n改過\n")
    }

    @Test func checkStoreRefusesACorruptSnapshot() throws {
        try copyFixture("store-v1")
        var bytes = readBytes(t.store + "/snapshot")
        bytes[bytes.count / 2] ^= 0x10
        writeBytes(t.store + "/snapshot", bytes)
        let r = try salesh(["check-store", "--data", t.store], in: t)
        #expect(r.status == 3 && r.stderr.contains("damaged") && r.stderr.contains("checksum"), "\(r)")
    }

    /// A table's records are decoded when first used. Damage the checksum cannot see (a snapshot
    /// written wrong, its checksum made to match) does not stop work on the other tables; the damaged
    /// table, once used, stops the shell with exit 3 and names itself, and check-store, which reads
    /// every table, finds it at once.
    @Test(arguments: ["store-v1-records2", "store-v1-records3"])
    func damageInsideOneTableIsFoundWhenThatTableIsUsed(_ fixture: String) throws {
        try copyFixture(fixture)
        let path = t.store + "/snapshot"
        var bytes = readBytes(path)
        let company = Array("中華電信".utf8)
        guard let at = (0...(bytes.count - company.count)).first(where: { Array(bytes[$0 ..< $0 + company.count]) == company }) else {
            Issue.record("the lead's company is not in the snapshot"); return
        }
        bytes[at] = 0xFF   // no longer UTF-8
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes.dropLast(4) {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        crc = ~crc
        for k in 0..<4 { bytes[bytes.count - 4 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
        writeBytes(path, bytes)

        #expect(try ok(t, "opportunities | select id", format: "csv") == "id\nO1\n")
        let r = try onStore(t, ["--read-only", "-c", "leads | count"])
        #expect(r.status == 3 && r.stderr.contains("damaged") && r.stderr.contains("leads") && r.stderr.contains("UTF-8"), "\(r)")
        let check = try salesh(["check-store", "--data", t.store], in: t)
        #expect(check.status == 3 && check.stderr.contains("UTF-8"), "\(check)")
        #expect(readBytes(path) == bytes, "nothing was changed")
    }

    /// A backup taken while another shell keeps writing holds at least every change acknowledged before
    /// it began, and is itself a healthy store.
    @Test func backupWhileAnotherShellWrites() throws {
        try makeDemoStore(t, scale: 60)
        let shell = try PipedShell(t, ["--data", t.store, "--user", "admin"])
        defer { shell.killHard() }
        var acknowledged = 0
        for i in 1...40 {
            try shell.send("add lead company=\"備份測試 \(i)\" source=online owner=hua.lin")
            guard let line = try shell.readLine(), line.contains("added L") else { break }
            acknowledged = i
            if i == 20 {
                let b = try salesh(["backup", "--data", t.store, t.file("copy")], in: t)
                #expect(b.status == 0 && b.stdout.contains("backed up"), "\(b)")
                let copied = try salesh(["--data", t.file("copy"), "-c", "leads | where company contains \"備份測試\" | count"], in: t)
                #expect(Int(copied.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 >= 20, "\(copied)")
                #expect(try salesh(["check-store", "--data", t.file("copy")], in: t).stdout.contains("healthy"))
            }
        }
        #expect(acknowledged == 40)
        let again = try salesh(["backup", "--data", t.store, t.file("copy")], in: t)
        #expect(again.status == 2 && again.stderr.contains("already exists"), "\(again)")
    }
}
