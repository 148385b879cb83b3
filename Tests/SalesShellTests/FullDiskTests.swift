import Foundation
import Testing
import SalesCore
import SalesStore
@testable import SalesShell

/// A disk that fills up on demand: every write fails with ENOSPC while `full` is set. It counts the
/// bytes written to each file by name.
final class FillingDisk: ForwardingFileIO, @unchecked Sendable {
    var full = false
    /// A file that cannot be written (full for it alone), by name.
    var refusing: String?
    /// Syncing a folder fails (after a snapshot's rename).
    var folderSyncFails = false
    private var names: [Int32: String] = [:]
    private(set) var written: [String: Int] = [:]
    init() { super.init() }
    override func open(_ path: String, flags: Int32, mode: UInt32) throws -> Int32 {
        let fd = try super.open(path, flags: flags, mode: mode)
        names[fd] = (path as NSString).lastPathComponent
        return fd
    }
    override func fsyncDirectory(_ path: String) throws {
        if folderSyncFails { throw SystemError(operation: "fsync", code: EIO) }
        try super.fsyncDirectory(path)
    }
    override func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        if full || (refusing != nil && names[fd] == refusing) { throw SystemError(operation: "write", code: ENOSPC) }
        try super.write(fd, bytes, at: offset)
        written[names[fd] ?? "", default: 0] += bytes.count
    }
}

/// A change the disk cannot take is refused, and the model in memory is left as the disk has it.
@Suite("a full disk")
struct FullDiskTests {
    @Test func aChangeThatCannotBeJournalledIsNotMade() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("salesh-full-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let disk = FillingDisk()
        var out = "", err = ""
        let console = Console(out: { out += $0 }, err: { err += $0 })
        let s = try Session.open(SessionOptions(dataDirectory: dir), console: console, environment: ["SALESH_TODAY": "2026-11-26", "SALESH_USER": "root"], io: disk)
        #expect(s.run(#"add team north name="北區"; add staff rep1 name="甲" role=rep team=north; add customer name="甲公司" owner=rep1; add opportunity customer=C1 owner=rep1 title="專線" amount=500k"#, name: "setup") == 0, "\(err)")
        let before = s.model.tables.map { $0.allRecords.map(\.values) }
        let historyBefore = s.model.history.count
        disk.full = true
        err = ""
        #expect(s.run("set O1 amount=900k", name: "t") == 1)
        #expect(err.contains("could not be written to the store, so it was not made") && err.contains("space"), "\(err)")
        #expect(s.run(#"add opportunity customer=C1 owner=rep1 title="新案" amount=1m"#, name: "t") == 1)
        #expect(s.model.tables.map { $0.allRecords.map(\.values) } == before, "the model is as the disk has it")
        #expect(s.model.history.count == historyBefore)
        // Space again: the next change goes through, and a reopened store holds exactly what was acknowledged.
        disk.full = false
        #expect(s.run("set O1 amount=700k", name: "t") == 0, "\(err)")
        s.close()
        let again = try Session.open(SessionOptions(dataDirectory: dir), console: console, environment: ["SALESH_TODAY": "2026-11-26", "SALESH_USER": "rep1"])
        defer { again.close() }
        #expect(again.model.table("opportunity").count == 1)
        #expect(again.model.table("opportunity").record("O1")?.values[again.model.table("opportunity").schema.fieldIndex("amount")!] == .money(Money(minor: 70_000_000)))
    }
}

/// A change larger than the journal's threshold goes straight into a new snapshot, once; when that
/// snapshot cannot be written its history is taken back and the change goes to the journal, and when
/// that fails too the change is refused.
@Suite("a change kept in the snapshot")
struct LargeChangeTests {
    let env = ["SALESH_TODAY": "2026-11-26", "SALESH_USER": "root", "SALESH_SNAPSHOT_BYTES": "4000"]
    /// Once there are staff, a session acts as one of them.
    var asRep: [String: String] { env.merging(["SALESH_USER": "rep1"]) { $1 } }
    let setup = #"add team north name="北區"; add staff rep1 name="甲" role=rep team=north; add customer name="甲公司" owner=rep1"#
    /// One statement making many opportunities: a journal entry larger than the threshold.
    func many(in dir: String) throws -> String {
        let file = dir + ".csv"
        try ("customer,owner,title,amount\n" + (1...60).map { "C1,rep1,專線 \($0),\($0)000\n" }.joined()).write(toFile: file, atomically: true, encoding: .utf8)
        return "import opportunity from \"\(file)\""
    }

    /// A new store folder on a disk the test controls, and what the shell said on stderr; the folder
    /// and the CSV beside it go when it does.
    final class Folder {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("salesh-large-\(UUID().uuidString)").path
        let disk = FillingDisk()
        var err = ""
        deinit { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: path + ".csv") }
        func open(_ environment: [String: String], onDisk: Bool = true) throws -> Session {
            let console = Console(out: { _ in }, err: { [weak self] in self?.err += $0 })
            return try Session.open(SessionOptions(dataDirectory: path), console: console, environment: environment, io: onDisk ? disk : POSIXFileIO())
        }
    }

    /// A folder holding the team, the rep and the customer, and the session that made them.
    func started(onDisk: Bool = true) throws -> (Folder, Session) {
        let f = Folder()
        let s = try f.open(env, onDisk: onDisk)
        #expect(s.run(setup, name: "setup") == 0, "\(f.err)")
        return (f, s)
    }

    @Test func isWrittenAsTheSnapshotNotTheJournal() throws {
        let (f, s) = try started()
        let journalled = s.folder.journalBytes
        #expect(journalled > 0 && journalled < 4000)
        let written = f.disk.written["journal", default: 0]
        #expect(s.run(try many(in: f.path), name: "t") == 0, "\(f.err)")
        #expect(f.disk.written["journal", default: 0] - written < 100, "the change was not written to the journal")
        #expect(s.folder.journalBytes < journalled, "the journal was emptied")
        #expect(s.folder.snapshotLastSeq == s.model.lastSeq)
        #expect(!s.hasUnsnapshottedChanges)
        // Each record's history names the file and line it came from, as an import through the journal does.
        let file = URL(fileURLWithPath: f.path + ".csv").lastPathComponent
        for id in ["O1", "O37", "O60"] {
            let made = s.model.history.allRecords.first { $0.values[4] == .text(id) && $0.values[2] == .text("create") }
            #expect(made?.values[7] == .text("\(file):\(Int(id.dropFirst())! + 1)"))
        }
        let history = s.model.history.count
        #expect(s.run("set O1 amount=9k", name: "t") == 0, "\(f.err)")
        #expect(s.folder.journalBytes > 0, "the next small change goes to the journal")
        s.close()
        let again = try f.open(asRep, onDisk: false)
        defer { again.close() }
        #expect(again.model.table("opportunity").count == 60)
        #expect(again.model.history.count == history + 1)
        #expect(again.model.history.allRecords.last?.id == "H\(history + 1)")
    }

    @Test func whoseSnapshotCannotBeWrittenGoesToTheJournal() throws {
        let (f, s) = try started()
        f.disk.refusing = "snapshot.tmp"
        #expect(s.run(try many(in: f.path), name: "t") == 0, "\(f.err)")
        #expect(f.err.contains("snapshot rewrite failed"), "\(f.err)")
        #expect(s.folder.journalBytes > 4000, "kept in the journal")
        #expect(s.model.table("opportunity").count == 60)
        f.disk.refusing = nil
        s.close()
        let again = try f.open(asRep, onDisk: false)
        defer { again.close() }
        #expect(again.model.table("opportunity").count == 60)
    }

    /// The snapshot put in place holds the change even when what follows its rename fails: the change
    /// stands (a warning says what failed), rather than being refused while the disk has it.
    @Test func whoseSnapshotIsInPlaceIsKept() throws {
        let (f, s) = try started()
        f.disk.folderSyncFails = true
        #expect(s.run(try many(in: f.path), name: "t") == 0, "\(f.err)")
        #expect(f.err.contains("snapshot rewrite failed"), "\(f.err)")
        #expect(s.model.table("opportunity").count == 60)
        #expect(s.model.lastSeq == s.folder.snapshotLastSeq)
        f.disk.folderSyncFails = false
        #expect(s.run(#"add opportunity customer=C1 owner=rep1 title="之後" amount=1k"#, name: "t") == 0, "\(f.err)")
        s.close()
        let again = try f.open(asRep, onDisk: false)
        defer { again.close() }
        #expect(again.model.table("opportunity").count == 61)
    }

    @Test func thatCannotBeWrittenIsNotMade() throws {
        let f = Folder()
        do {
            let s = try f.open(env, onDisk: false)
            #expect(s.run(setup, name: "setup") == 0, "\(f.err)")
            s.close()
        }
        // Reopened, its history is left undecoded until used: the refused change takes back what it appended.
        let s = try f.open(asRep)
        let before = s.model.tables.filter { $0 !== s.model.history }.map { $0.allRecords.map(\.values) }
        let historyBefore = s.model.history.count
        f.disk.full = true
        f.err = ""
        #expect(s.run(try many(in: f.path), name: "t") == 1)
        #expect(f.err.contains("could not be written to the store, so it was not made"), "\(f.err)")
        #expect(s.model.tables.filter { $0 !== s.model.history }.map { $0.allRecords.map(\.values) } == before)
        #expect(s.model.history.count == historyBefore)
        f.disk.full = false
        #expect(s.run(#"add opportunity customer=C1 owner=rep1 title="新案" amount=1m"#, name: "t") == 0, "\(f.err)")
        #expect(s.model.history.allRecords.last?.id == "H\(historyBefore + 1)", "numbers given to the refused change's history are given again")
        s.close()
        let again = try f.open(asRep, onDisk: false)
        defer { again.close() }
        #expect(again.model.table("opportunity").count == 1)
        #expect(again.model.history.count == historyBefore + 1)
    }
}
