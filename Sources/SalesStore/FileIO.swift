// FileIO.swift — the few system calls the store makes, behind a protocol.
//
// DataFolder never calls the C library for file work directly: it goes through a FileIO so
// that tests can inject failures (fail the N-th write, fsync or rename, or "die" after it)
// and check that the folder on disk is still loadable. POSIXFileIO is the real thing.
//
// Conventions:
//   - Every method that can fail throws a SystemError (operation + errno); DataFolder turns
//     it into StoreError.io naming the file concerned.
//   - Reads and writes are positional (pread/pwrite) and loop over short transfers and EINTR:
//     `write` writes every byte or throws; `read` fills the buffer or stops at end of file.

import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: the operation and its errno.
public struct SystemError: Error, Equatable, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32
    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }
    /// The errno text, e.g. "No space left on device".
    public var message: String { String(cString: strerror(code)) }
    public var description: String { "\(operation): \(message)" }
}

/// What is at a path.
public enum FileKind: Equatable, Sendable {
    case missing, directory, regular, other
}

/// Which file a path or a descriptor is (st_dev, st_ino): a file keeps it under any name, and a file
/// renamed over a path brings its own. An open (or mapped) file keeps it from passing to a new file.
public struct FileIdentity: Hashable, Sendable {
    public let device: UInt64
    public let inode: UInt64
    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}

/// The system calls the store uses.
public protocol FileIO {
    /// What is at `path` (without following a final symlink's absence: a dangling link is `.other`).
    func kind(of path: String) throws -> FileKind
    /// The names in a directory, without "." and "..".
    func listDirectory(_ path: String) throws -> [String]
    /// mkdir(path, mode).
    func makeDirectory(_ path: String, mode: UInt32) throws
    /// open(2); returns the descriptor.
    func open(_ path: String, flags: Int32, mode: UInt32) throws -> Int32
    /// close(2); errors are ignored.
    func close(_ fd: Int32)
    /// The file's size (fstat).
    func size(_ fd: Int32) throws -> Int
    /// Which file an open descriptor is (fstat).
    func identity(_ fd: Int32) throws -> FileIdentity
    /// Which file is at `path` now (stat, following a symlink as open does), or nil when there is none.
    func identity(of path: String) throws -> FileIdentity?
    /// Reads up to buffer.count bytes at `offset`; returns how many were read (fewer only at end of file).
    func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int
    /// Writes all of `bytes` at `offset`, or throws.
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws
    /// fsync(2).
    func fsync(_ fd: Int32) throws
    /// ftruncate(2).
    func ftruncate(_ fd: Int32, to length: Int) throws
    /// rename(2): atomically replaces `to`.
    func rename(_ from: String, to: String) throws
    /// Opens the directory and fsyncs it, making renames and creations in it durable.
    func fsyncDirectory(_ path: String) throws
    /// unlink(2).
    func unlink(_ path: String) throws
    /// flock(fd, LOCK_EX | LOCK_NB): true when taken, false when another descriptor holds it.
    func tryLockExclusive(_ fd: Int32) throws -> Bool
    /// flock(fd, LOCK_UN).
    func unlock(_ fd: Int32)
    /// The first `length` bytes of an open file, mapped read-only (POSIXFileIO), or read into a copy
    /// (the default, so a test double's `read` still sees every byte read).
    func map(_ fd: Int32, length: Int) throws -> ByteRegion
    /// Writes `parts` one after another from `offset` of a file being made. POSIXFileIO copies a large
    /// write into a shared mapping of the file on every core, its blocks reserved first; the default
    /// writes the parts in turn, so a test double's `write` sees every byte.
    func write(_ fd: Int32, parts: [DataFolder.Part], at offset: Int) throws
}

extension FileIO {
    /// The whole content of a file, or nil when it does not exist.
    public func readWholeFile(_ path: String) throws -> [UInt8]? {
        guard try kind(of: path) != .missing else { return nil }
        let fd = try open(path, flags: O_RDONLY | O_CLOEXEC, mode: 0)
        defer { close(fd) }
        return try readAll(fd)
    }

    /// The whole content of an open file, read from offset 0 in one go.
    public func readAll(_ fd: Int32) throws -> [UInt8] {
        let n = try size(fd)
        var got = 0
        var bytes = try [UInt8](unsafeUninitializedCapacity: n) { buf, count in
            got = try read(fd, into: UnsafeMutableRawBufferPointer(buf), at: 0)
            count = got
        }
        // The file grew while we read: pick up the rest.
        if got == n {
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let k = try chunk.withUnsafeMutableBytes { try read(fd, into: $0, at: bytes.count) }
                if k == 0 { break }
                bytes.append(contentsOf: chunk[0..<k])
            }
        }
        return bytes
    }

    public func map(_ fd: Int32, length: Int) throws -> ByteRegion {
        let bytes = try [UInt8](unsafeUninitializedCapacity: length) { buf, count in
            count = try read(fd, into: UnsafeMutableRawBufferPointer(buf), at: 0)
        }
        return ByteRegion(copying: bytes)
    }

    public func write(_ fd: Int32, parts: [DataFolder.Part], at offset: Int) throws { try writeInTurn(fd, parts: parts, at: offset) }

    /// Writes `parts` one after another from `offset`, each through `write`.
    public func writeInTurn(_ fd: Int32, parts: [DataFolder.Part], at offset: Int) throws {
        var at = offset
        for part in parts {
            try part.withUnsafeBytes { try write(fd, $0, at: at) }
            at += part.count
        }
    }

    /// Writes a byte array at `offset`.
    public func write(_ fd: Int32, _ bytes: [UInt8], at offset: Int) throws {
        try bytes.withUnsafeBytes { try write(fd, $0, at: offset) }
    }
}

/// A FileIO that passes every call to another: a subclass overrides the calls it changes (a disk that
/// fills up, a call that fails once) and inherits the rest.
open class ForwardingFileIO: FileIO {
    public let inner: FileIO
    public init(_ inner: FileIO = POSIXFileIO()) { self.inner = inner }
    open func kind(of path: String) throws -> FileKind { try inner.kind(of: path) }
    open func listDirectory(_ path: String) throws -> [String] { try inner.listDirectory(path) }
    open func makeDirectory(_ path: String, mode: UInt32) throws { try inner.makeDirectory(path, mode: mode) }
    open func open(_ path: String, flags: Int32, mode: UInt32) throws -> Int32 { try inner.open(path, flags: flags, mode: mode) }
    open func close(_ fd: Int32) { inner.close(fd) }
    open func size(_ fd: Int32) throws -> Int { try inner.size(fd) }
    open func identity(_ fd: Int32) throws -> FileIdentity { try inner.identity(fd) }
    open func identity(of path: String) throws -> FileIdentity? { try inner.identity(of: path) }
    open func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int { try inner.read(fd, into: buffer, at: offset) }
    open func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws { try inner.write(fd, bytes, at: offset) }
    open func fsync(_ fd: Int32) throws { try inner.fsync(fd) }
    open func ftruncate(_ fd: Int32, to length: Int) throws { try inner.ftruncate(fd, to: length) }
    open func rename(_ from: String, to: String) throws { try inner.rename(from, to: to) }
    open func fsyncDirectory(_ path: String) throws { try inner.fsyncDirectory(path) }
    open func unlink(_ path: String) throws { try inner.unlink(path) }
    open func tryLockExclusive(_ fd: Int32) throws -> Bool { try inner.tryLockExclusive(fd) }
    open func unlock(_ fd: Int32) { inner.unlock(fd) }
    open func map(_ fd: Int32, length: Int) throws -> ByteRegion { try inner.map(fd, length: length) }
}

/// The real system calls.
public struct POSIXFileIO: FileIO, Sendable {
    public init() {}

    private func fail(_ op: String) -> SystemError { SystemError(operation: op, code: errno) }

    public func kind(of path: String) throws -> FileKind {
        var st = stat()
        if lstat(path, &st) != 0 {
            if errno == ENOENT { return .missing }
            throw fail("stat")
        }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regular
        case S_IFLNK:
            // Follow the link: a link to a folder is a folder.
            if stat(path, &st) != 0 { return .other }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: return .directory
            case S_IFREG: return .regular
            default: return .other
            }
        default: return .other
        }
    }

    public func listDirectory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw fail("list folder") }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw fail("list folder") }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func makeDirectory(_ path: String, mode: UInt32) throws {
        if mkdir(path, mode_t(mode)) != 0 { throw fail("create folder") }
    }

    public func open(_ path: String, flags: Int32, mode: UInt32) throws -> Int32 {
        while true {
            let fd = systemOpen(path, flags, mode_t(mode))
            if fd >= 0 { return fd }
            if errno != EINTR { throw fail("open") }
        }
    }

    public func close(_ fd: Int32) {
        #if canImport(Glibc)
        _ = Glibc.close(fd)
        #else
        _ = Darwin.close(fd)
        #endif
    }

    public func size(_ fd: Int32) throws -> Int {
        var st = stat()
        if fstat(fd, &st) != 0 { throw fail("stat") }
        return Int(st.st_size)
    }

    public func identity(_ fd: Int32) throws -> FileIdentity {
        var st = stat()
        if fstat(fd, &st) != 0 { throw fail("stat") }
        return Self.identity(st)
    }

    public func identity(of path: String) throws -> FileIdentity? {
        var st = stat()
        if stat(path, &st) != 0 {
            if errno == ENOENT { return nil }
            throw fail("stat")
        }
        return Self.identity(st)
    }

    private static func identity(_ st: stat) -> FileIdentity {
        FileIdentity(device: UInt64(truncatingIfNeeded: st.st_dev), inode: UInt64(truncatingIfNeeded: st.st_ino))
    }

    public func map(_ fd: Int32, length: Int) throws -> ByteRegion {
        guard length > 0 else { return ByteRegion(copying: []) }
        let size = try self.size(fd)
        // Past the end of the file a mapping faults (SIGBUS) instead of failing a read: map what is there.
        let n = min(length, size)
        guard n > 0 else { return ByteRegion(copying: []) }
        guard let p = mmap(nil, n, PROT_READ, MAP_PRIVATE, fd, 0), p != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw fail("mmap")
        }
        return ByteRegion(mappedAt: p, count: n)
    }

    public func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int {
        var done = 0
        while done < buffer.count {
            // Keep each call under 1 GiB (Linux caps a transfer at 2 GiB - 4 KiB).
            let want = min(buffer.count - done, 1 << 30)
            let n = pread(fd, buffer.baseAddress! + done, want, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("read")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// A large write (a snapshot) goes through a mapping: `pwrite` copies on the calling thread alone
    /// (the file's lock lets one writer in at a time), where a mapping takes a copy from each core.
    /// The blocks are reserved first, so a full disk is an error here rather than a fault in the copy.
    public func write(_ fd: Int32, parts: [DataFolder.Part], at offset: Int) throws {
        let length = parts.reduce(0) { $0 + $1.count }
        #if os(Linux)
        if length >= 8 << 20, try reserve(fd, from: offset, length: length),
           let p = mmap(nil, offset + length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), p != UnsafeMutableRawPointer(bitPattern: -1) {
            defer { munmap(p, offset + length) }
            // The file's pages come as large folios from readahead; asked for more ahead, the faults
            // of a copy front to back are fewer (MADV_RANDOM, one page a fault, made saves slower).
            _ = madvise(p, offset + length, MADV_SEQUENTIAL)
            // Pieces of at most 4 MB, taken by the cores in turn, whatever the parts' sizes.
            var pieces: [(part: Int, from: Int, to: Int, at: Int)] = []
            var at = offset
            for (i, part) in parts.enumerated() {
                var from = 0
                while from < part.count {
                    let to = min(part.count, from + 4 << 20)
                    pieces.append((i, from, to, at + from))
                    from = to
                }
                at += part.count
            }
            DispatchQueue.concurrentPerform(iterations: pieces.count) { k in
                let piece = pieces[k]
                parts[piece.part].withUnsafeBytes { src in
                    (p + piece.at).copyMemory(from: src.baseAddress! + piece.from, byteCount: piece.to - piece.from)
                }
            }
            // Bytes copied from the last snapshot leave this process's memory (the page cache keeps
            // them), a part at a time: given back piece by piece, the saves were a tenth slower.
            for case .mapped(let slice) in parts { slice.release() }
            // Written back before the mapping goes, as POSIX asks of a shared mapping (the caller's
            // fsync then makes the file's size and blocks durable).
            guard msync(p, offset + length, MS_SYNC) == 0 else { throw fail("write") }
            return
        }
        #endif
        try writeInTurn(fd, parts: parts, at: offset)
    }

    #if os(Linux)
    /// Reserves the file's blocks; false where the file system cannot (the write then goes the plain way).
    private func reserve(_ fd: Int32, from offset: Int, length: Int) throws -> Bool {
        while true {
            let r = posix_fallocate(fd, off_t(offset), off_t(length))
            if r == 0 { return true }
            if r == EINTR { continue }
            if r == EOPNOTSUPP || r == EINVAL { return false }
            throw SystemError(operation: "write", code: r)
        }
    }
    #endif

    public func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let want = min(bytes.count - done, 1 << 30)
            let n = pwrite(fd, bytes.baseAddress! + done, want, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("write")
            }
            if n == 0 { throw SystemError(operation: "write", code: EIO) }
            done += n
        }
    }

    public func fsync(_ fd: Int32) throws {
        while true {
            #if canImport(Glibc)
            let r = Glibc.fsync(fd)
            #else
            let r = Darwin.fsync(fd)
            #endif
            if r == 0 { return }
            if errno != EINTR { throw fail("fsync") }
        }
    }

    public func ftruncate(_ fd: Int32, to length: Int) throws {
        while true {
            #if canImport(Glibc)
            let r = Glibc.ftruncate(fd, off_t(length))
            #else
            let r = Darwin.ftruncate(fd, off_t(length))
            #endif
            if r == 0 { return }
            if errno != EINTR { throw fail("truncate") }
        }
    }

    /// A large file being replaced (a snapshot) is held open across the rename and closed on another
    /// thread: the kernel then frees its pages in the page cache there, not inside the rename (a sixth
    /// of a 613 MB snapshot's save).
    public func rename(_ from: String, to: String) throws {
        var replaced = (try? open(to, flags: O_RDONLY | O_CLOEXEC, mode: 0)) ?? -1
        if replaced >= 0, (try? size(replaced)) ?? 0 < 8 << 20 { close(replaced); replaced = -1 }
        defer { if replaced >= 0 { DispatchQueue.global(qos: .utility).async { [self, replaced] in close(replaced) } } }
        #if canImport(Glibc)
        let r = Glibc.rename(from, to)
        #else
        let r = Darwin.rename(from, to)
        #endif
        if r != 0 { throw fail("rename") }
    }

    public func fsyncDirectory(_ path: String) throws {
        let fd = try open(path, flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC, mode: 0)
        defer { close(fd) }
        do { try fsync(fd) } catch let e as SystemError {
            throw SystemError(operation: "fsync folder", code: e.code)
        }
    }

    public func unlink(_ path: String) throws {
        #if canImport(Glibc)
        let r = Glibc.unlink(path)
        #else
        let r = Darwin.unlink(path)
        #endif
        if r != 0 { throw fail("remove") }
    }

    public func tryLockExclusive(_ fd: Int32) throws -> Bool {
        while true {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
            if errno == EWOULDBLOCK { return false }
            if errno != EINTR { throw fail("lock") }
        }
    }

    public func unlock(_ fd: Int32) {
        _ = flock(fd, LOCK_UN)
    }
}

/// open(2) is variadic in C; both C libraries export a non-variadic overlay in Swift.
@inline(__always)
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    #if canImport(Glibc)
    return Glibc.open(path, flags, mode)
    #else
    return Darwin.open(path, flags, mode)
    #endif
}
