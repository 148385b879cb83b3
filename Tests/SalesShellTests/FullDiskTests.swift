import Foundation
import Testing
import SalesCore
import SalesStore
@testable import SalesShell

/// A disk that fills up on demand: every write fails with ENOSPC while `full` is set.
final class FillingDisk: ForwardingFileIO, @unchecked Sendable {
    var full = false
    init() { super.init() }
    override func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        if full { throw SystemError(operation: "write", code: ENOSPC) }
        try super.write(fd, bytes, at: offset)
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
