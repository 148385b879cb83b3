import Foundation
import Testing
import SalesCore
import SalesStore
@testable import SalesShell

/// A reader's disk on which a writer rewrites the snapshot at the worst moment: once the reader has
/// mapped the snapshot, when it opens the journal (the first time only, or every time).
final class RewriteWhileReading: ForwardingFileIO, @unchecked Sendable {
    let every: Bool
    let rewrite: () throws -> Void
    private var mapped = false
    private(set) var rewrites = 0
    init(every: Bool = false, _ rewrite: @escaping () throws -> Void) {
        self.every = every
        self.rewrite = rewrite
        super.init()
    }
    override func map(_ fd: Int32, length: Int) throws -> ByteRegion {
        mapped = true
        return try super.map(fd, length: length)
    }
    override func open(_ path: String, flags: Int32, mode: UInt32) throws -> Int32 {
        if mapped, path.hasSuffix("/" + DataFolder.journalFileName), every || rewrites == 0 {
            mapped = false
            rewrites += 1
            try rewrite()
        }
        return try super.open(path, flags: flags, mode: mode)
    }
}

/// A read-only shell, check-store and backup read without the lock: a writer that rewrites the snapshot
/// (and empties the journal) while one of them reads does not make it miss the changes in between.
@Suite("a reader while a writer rewrites the snapshot")
struct ReaderRaceTests {
    let env = ["SALESH_TODAY": "2026-11-26", "SALESH_USER": "root"]
    let quiet = Console(out: { _ in }, err: { _ in })

    /// A new store folder, removed when the value goes.
    final class Folder {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("salesh-race-\(UUID().uuidString)").path
        deinit { try? FileManager.default.removeItem(atPath: path) }
        var readOnly: SessionOptions {
            var options = SessionOptions(dataDirectory: path)
            options.readOnly = true
            return options
        }
    }

    /// The writer, still open: one team in the snapshot, a second in the journal.
    func writer(_ f: Folder) throws -> Session {
        let w = try Session.open(SessionOptions(dataDirectory: f.path), console: quiet, environment: env)
        #expect(w.run(#"add team north name="北區""#, name: "t") == 0)
        try w.save()
        #expect(w.run(#"add team south name="南區""#, name: "t") == 0)
        #expect(w.hasUnsnapshottedChanges && w.folder.journalBytes > 12)
        return w
    }

    @Test func aReadOnlyShellSeesEveryChange() throws {
        let f = Folder()
        let w = try writer(f)
        defer { w.close() }
        let disk = RewriteWhileReading { try w.save() }
        let r = try Session.open(f.readOnly, console: quiet, environment: env, io: disk)
        defer { r.close() }
        #expect(disk.rewrites == 1)
        #expect(!w.hasUnsnapshottedChanges, "the writer saved while the reader read")
        #expect(r.model.table("team").count == 2)
        #expect(r.model.lastSeq == w.model.lastSeq)
    }

    @Test func checkStoreSeesEveryChange() throws {
        let f = Folder()
        let w = try writer(f)
        defer { w.close() }
        let disk = RewriteWhileReading { try w.save() }
        let health = try Maintenance.check(f.path, io: disk)
        #expect(disk.rewrites == 1)
        #expect(health.healthy)
        #expect(health.lines.contains { $0.hasPrefix("records: 2 teams") }, "\(health.lines)")
    }

    /// A writer that rewrites the snapshot under every try is reported, after a few tries, as that.
    @Test func aSnapshotReplacedUnderEveryTryIsReported() throws {
        let f = Folder()
        let w = try writer(f)
        defer { w.close() }
        let disk = RewriteWhileReading(every: true) { try w.save() }
        do {
            let r = try Session.open(f.readOnly, console: quiet, environment: env, io: disk)
            r.close()
            Issue.record("the reader opened the store")
        } catch let e as StartupError {
            #expect(e.status == .storeError)
            #expect(e.description.contains("was replaced by another salesh writing to the store while it was being read"), "\(e)")
            #expect(Phrasebook.translate(e.description, to: .zhHant).contains("在讀取期間被另一個正在寫入資料庫的 salesh 取代"), "\(e)")
        }
        #expect(disk.rewrites == 10)
        let check = RewriteWhileReading(every: true) { try w.save() }
        #expect(throws: StartupError.self) { try Maintenance.check(f.path, io: check) }
        #expect(check.rewrites == 10)
    }
}
