import Foundation
import Testing
@testable import SalesStore

#if canImport(Glibc)
import Glibc
#endif

/// A fresh temporary directory, removed when the value goes away.
final class TempDir {
    let path: String
    init() {
        var template = Array("/tmp/salesstore-test-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: p!)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    /// The data folder used by most tests (does not exist until created).
    var store: String { path + "/data" }
}

let holder = "pid 4242, user wang.wei on host test-host, since 2026-11-26T15:00:00Z"

func openStore(_ path: String, readOnly: Bool = false, create: Bool = true,
               io: any FileIO = POSIXFileIO()) throws -> DataFolder {
    try DataFolder.open(path: path, readOnly: readOnly, create: create, holderInfo: holder, io: io)
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

func readFile(_ path: String) -> [UInt8] {
    (FileManager.default.contents(atPath: path)).map { [UInt8]($0) } ?? []
}

func writeFile(_ path: String, _ content: [UInt8]) {
    _ = FileManager.default.createFile(atPath: path, contents: Data(content))
}

func fileMode(_ path: String) -> Int {
    var st = stat()
    _ = stat(path, &st)
    return Int(st.st_mode & 0o777)
}

/// The StoreError `body` throws, or nil (recording an issue for any other error).
func storeError(_ body: () throws -> Void) -> StoreError? {
    do {
        try body()
        return nil
    } catch let e as StoreError {
        return e
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

/// A model for fault tests: the state is a list of strings; the snapshot encodes the list,
/// each journal entry adds one string.
func encodeState(_ items: [String]) -> [UInt8] {
    var w = BinaryWriter()
    w.write(UInt64(items.count))
    for s in items { w.writeString(s) }
    return w.bytes
}

func decodeState(_ payload: [UInt8]) throws -> [String] {
    var r = BinaryReader(payload)
    let n = try r.readUInt64()
    var items: [String] = []
    for _ in 0..<n { items.append(try r.readString()) }
    #expect(r.isAtEnd)
    return items
}

/// Loads the whole state of a folder (snapshot + journal) with real I/O, opening it as a writer.
func loadState(_ path: String, readOnly: Bool = false) throws -> (items: [String], snapshotSeq: UInt64?, folder: DataFolder) {
    let f = try openStore(path, readOnly: readOnly, create: false)
    var items: [String] = []
    var base: UInt64 = 0
    var snapSeq: UInt64? = nil
    if let snap = try f.loadSnapshot() {
        items = try decodeState(Array(snap.payload))
        for addition in snap.additions { items += try decodeState(Array(addition)) }
        base = snap.lastSeq
        snapSeq = snap.lastSeq
    }
    for e in try f.readJournal(afterSeq: base) {
        items.append(String(decoding: e.payload, as: UTF8.self))
    }
    return (items, snapSeq, f)
}

/// A FileIO that fails the N-th call of one operation (once, or "dies" there: every later
/// call fails too, like a crashed process), optionally after writing half of the bytes.
final class FaultyIO: FileIO {
    enum Op: String, CaseIterable {
        case open, write, fsync, ftruncate, rename, fsyncDirectory, unlink
    }
    let real = POSIXFileIO()
    var armed = false
    var failOp: Op?
    var failAt = 0
    var die = false
    var partialWrite = false
    private(set) var counts: [Op: Int] = [:]
    private(set) var triggered = false

    init(failing op: Op? = nil, at n: Int = 0, die: Bool = false, partialWrite: Bool = false) {
        failOp = op
        failAt = n
        self.die = die
        self.partialWrite = partialWrite
    }

    private func dead() -> Bool { armed && triggered && die }

    /// Throws when this call is the one to fail.
    private func check(_ op: Op) throws {
        guard armed else { return }
        if dead() { throw SystemError(operation: op.rawValue, code: EIO) }
        counts[op, default: 0] += 1
        if op == failOp && counts[op] == failAt {
            triggered = true
            throw SystemError(operation: op.rawValue, code: op == .write ? ENOSPC : EIO)
        }
    }

    func kind(of path: String) throws -> FileKind {
        if dead() { throw SystemError(operation: "stat", code: EIO) }
        return try real.kind(of: path)
    }
    func listDirectory(_ path: String) throws -> [String] {
        if dead() { throw SystemError(operation: "list", code: EIO) }
        return try real.listDirectory(path)
    }
    func makeDirectory(_ path: String, mode: UInt32) throws {
        if dead() { throw SystemError(operation: "mkdir", code: EIO) }
        try real.makeDirectory(path, mode: mode)
    }
    func open(_ path: String, flags: Int32, mode: UInt32) throws -> Int32 {
        try check(.open)
        return try real.open(path, flags: flags, mode: mode)
    }
    func close(_ fd: Int32) { real.close(fd) }
    func size(_ fd: Int32) throws -> Int {
        if dead() { throw SystemError(operation: "stat", code: EIO) }
        return try real.size(fd)
    }
    func identity(_ fd: Int32) throws -> FileIdentity {
        if dead() { throw SystemError(operation: "stat", code: EIO) }
        return try real.identity(fd)
    }
    func identity(of path: String) throws -> FileIdentity? {
        if dead() { throw SystemError(operation: "stat", code: EIO) }
        return try real.identity(of: path)
    }
    func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int {
        if dead() { throw SystemError(operation: "read", code: EIO) }
        return try real.read(fd, into: buffer, at: offset)
    }
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        do {
            try check(.write)
        } catch {
            if partialWrite && triggered && bytes.count > 1 {
                try? real.write(fd, UnsafeRawBufferPointer(rebasing: bytes[0 ..< bytes.count / 2]), at: offset)
            }
            throw error
        }
        try real.write(fd, bytes, at: offset)
    }
    func fsync(_ fd: Int32) throws {
        try check(.fsync)
        try real.fsync(fd)
    }
    func ftruncate(_ fd: Int32, to length: Int) throws {
        try check(.ftruncate)
        try real.ftruncate(fd, to: length)
    }
    func rename(_ from: String, to: String) throws {
        try check(.rename)
        try real.rename(from, to: to)
    }
    func fsyncDirectory(_ path: String) throws {
        try check(.fsyncDirectory)
        try real.fsyncDirectory(path)
    }
    func unlink(_ path: String) throws {
        try check(.unlink)
        try real.unlink(path)
    }
    func tryLockExclusive(_ fd: Int32) throws -> Bool {
        if dead() { throw SystemError(operation: "lock", code: EIO) }
        return try real.tryLockExclusive(fd)
    }
    func unlock(_ fd: Int32) { real.unlock(fd) }
}
