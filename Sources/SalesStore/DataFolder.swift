// DataFolder.swift — a durable data folder: a snapshot plus a journal, knowing only bytes.
//
// Layout of a data folder (folder created 0700, files 0600):
//
//   snapshot      the whole model as of journal seq `lastSeq` (format: Snapshot.swift): a base and
//                 the additions appended to it since
//   journal       the changes since, one entry per change     (format: Journal.swift)
//   lock          advisory lock (flock) + a line saying who holds it
//   snapshot.tmp  transient: a snapshot being written (removed when a writer opens)
//   journal.tmp   transient: a journal being replaced (removed when a writer opens)
//
// A folder "is a store" when it has `snapshot` or `journal`. A missing or empty folder
// (or one holding only the lock / transient files) is initialised when `create` is set; any
// other folder, or a path that is a file, is refused with notAStore.
//
// Loading: payload = snapshot; then apply every journal entry with seq > snapshot lastSeq.
//
// Protocols (each step is durable before the next; a crash anywhere leaves a loadable store):
//
//   append        pwrite the entry at the end of the journal, fsync; on failure ftruncate
//                 back to the previous length. Entries are consecutive: seq = lastSeq + 1.
//   appendToSnapshot  pwrite an addition (what was added since the last save) at the end of the
//                 snapshot, fsync, then drop the journal entries <= its lastSeq as writeSnapshot
//                 does; on failure ftruncate back. Crash before the fsync: a torn tail, whose
//                 changes the journal still holds (or which were never acknowledged: a large
//                 change kept in the snapshot rather than the journal), cut by the next writer.
//   writeSnapshot write snapshot.tmp, fsync it, rename it over snapshot, fsync the folder,
//                 then drop the journal entries <= lastSeq: ftruncate the journal to its
//                 header and fsync (or, when later entries must stay, write journal.tmp with
//                 them, fsync, rename over journal, fsync the folder).
//                 Crash before the rename: old snapshot + full journal. After it: new
//                 snapshot + a journal whose entries <= lastSeq are skipped on load (and
//                 dropped by the next writer to open the folder).
//   open          a writer takes flock(LOCK_EX|LOCK_NB) on `lock` and writes its holder
//                 line there; a torn journal tail is cut back to the last whole entry, and a torn
//                 snapshot tail to the last whole addition, with a warning. Read-only opens take no
//                 lock and change nothing on disk.
//
// A reader without the lock may see a writer's snapshot rewrite between reading the snapshot and
// reading the journal: the old snapshot with the journal already emptied, or a snapshot read before an
// addition was appended (or while it was). It checks after reading the journal that the snapshot it
// read is still the one in place, with the same whole additions (replacedWhileReading if not), and
// reads again from the start (`readAgainWhileReplaced`).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One change read back from the journal.
public struct JournalEntry: Equatable, Sendable {
    public let seq: UInt64
    public let payload: [UInt8]
    public init(seq: UInt64, payload: [UInt8]) {
        self.seq = seq
        self.payload = payload
    }
}

/// A data folder holding a snapshot and a journal of opaque byte payloads.
/// Not thread-safe: use one DataFolder from one thread (or actor) at a time.
public final class DataFolder {
    public static let snapshotFileName = "snapshot"
    public static let journalFileName = "journal"
    public static let lockFileName = "lock"
    /// The newest snapshot / journal format version this build reads and writes.
    public static let formatVersion: UInt32 = 1

    public let path: String
    public let readOnly: Bool
    /// Repairs made or problems noticed (torn journal tail, missing journal ...), for the user.
    public private(set) var warnings: [StoreWarning] = []
    /// The lastSeq of the snapshot on disk (0 when there is none).
    public private(set) var snapshotLastSeq: UInt64 = 0
    /// Whether a snapshot file exists.
    public private(set) var hasSnapshot = false
    /// The format version of the snapshot on disk (0 when there is none).
    public private(set) var snapshotVersion: UInt32 = 0
    /// Where the snapshot's whole additions end, and how many it has.
    private var snapshotEnd = 0
    public private(set) var snapshotAdditions = 0
    /// Additions a snapshot takes before a save writes it whole again: each is a chunk more per table
    /// it adds to, read in turn.
    public static let maxAdditions = 32
    /// Whether the next save may append what was added to the snapshot rather than write it whole.
    public var canAppendToSnapshot: Bool {
        !readOnly && hasSnapshot && snapshotVersion >= 2 && snapshotAdditions < Self.maxAdditions
    }

    public var snapshotPath: String { join(Self.snapshotFileName) }
    /// The snapshot format this build writes (and the newest it reads).
    public static let snapshotFormatVersion: UInt32 = SnapshotFormat.version
    public var journalPath: String { join(Self.journalFileName) }
    public var lockPath: String { join(Self.lockFileName) }
    var snapshotTempPath: String { join(Self.snapshotFileName + ".tmp") }
    var journalTempPath: String { join(Self.journalFileName + ".tmp") }

    private let io: any FileIO
    private var lockFD: Int32 = -1
    private var journalFD: Int32 = -1
    private var journalSize = 0
    private var journalFirstSeq: UInt64?
    private var journalLastSeq: UInt64?
    /// A failed append could not be cut back: cut to journalSize before the next one.
    private var needsTruncate = false
    /// Read-only: the snapshot file loadSnapshot read (fd -1 and identity nil when there was none),
    /// held open until the folder closes so that its identity cannot pass to a new file, with its size
    /// and where its whole additions ended; readJournal compares them with the file at the path then.
    private var heldSnapshot: (fd: Int32, identity: FileIdentity?, size: Int, validEnd: Int)?
    /// The additions the open found (the last one's checksum checked), and the file they were found
    /// in: loadSnapshot takes them when the file is still that one, rather than reading the last
    /// addition (perhaps a million-row import's) again.
    private var openScan: (identity: FileIdentity, size: Int, additions: SnapshotFormat.Additions)?
    private var isClosed = false

    private init(path: String, readOnly: Bool, io: any FileIO) {
        self.path = path
        self.readOnly = readOnly
        self.io = io
    }

    deinit { close() }

    private func join(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    // MARK: - Opening

    /// Opens (creating when `create` and the folder is missing or empty) a data folder.
    /// Unless readOnly, takes an exclusive advisory lock — flock(LOCK_EX|LOCK_NB) on `<dir>/lock` —
    /// and writes `holderInfo` (e.g. "pid 1234, user wang.wei on host x, since 2026-11-26T15:00:00Z")
    /// into it; a second writer gets StoreError.locked with that text. Read-only opens take no lock.
    ///
    /// Also validates the snapshot's header and size (not its checksum: loadSnapshot does that) and
    /// the whole journal, cutting a torn tail (warning) unless readOnly.
    /// Throws notAStore, locked, corruptSnapshot, corruptJournal, newerVersion, readOnly (a missing
    /// folder with create + readOnly), io.
    public static func open(path: String, readOnly: Bool, create: Bool, holderInfo: String,
                            io: any FileIO = POSIXFileIO()) throws -> DataFolder {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }

        switch try sys(path, { try io.kind(of: path) }) {
        case .missing:
            guard create else {
                throw StoreError.io(path: path, operation: "open the data folder", message: "No such file or directory")
            }
            guard !readOnly else { throw StoreError.readOnly(path: path) }
            try sys(path) { try io.makeDirectory(path, mode: 0o700) }
        case .regular, .other:
            throw StoreError.notAStore(path: path)
        case .directory:
            let names = Set(try sys(path) { try io.listDirectory(path) })
            if !names.contains(snapshotFileName) && !names.contains(journalFileName) {
                let others = names.subtracting([lockFileName, snapshotFileName + ".tmp", journalFileName + ".tmp"])
                if !others.isEmpty || !create { throw StoreError.notAStore(path: path) }
            }
        }

        let folder = DataFolder(path: path, readOnly: readOnly, io: io)
        do {
            try folder.start(holderInfo: holderInfo)
        } catch {
            folder.close()
            throw error
        }
        return folder
    }

    private func start(holderInfo: String) throws {
        if !readOnly {
            try takeLock(holderInfo: holderInfo)
            for tmp in [snapshotTempPath, journalTempPath] {
                if (try? io.kind(of: tmp)) == .regular { try? io.unlink(tmp) }
            }
        }

        // The snapshot: header and size only, for lastSeq.
        var headerRead: FileIdentity? = nil, sizeRead = 0
        if try sys(snapshotPath, { try io.kind(of: snapshotPath) }) != .missing {
            let fd = try sys(snapshotPath) { try io.open(snapshotPath, flags: O_RDONLY | O_CLOEXEC, mode: 0) }
            defer { io.close(fd) }
            if readOnly { headerRead = try sys(snapshotPath) { try io.identity(fd) } }
            let size = try sys(snapshotPath) { try io.size(fd) }
            sizeRead = size
            let prefix = try readBytes(fd, count: min(size, SnapshotFormat.headerSize), at: 0, file: snapshotPath)
            let header = try SnapshotFormat.parseHeader(prefix, fileSize: size, path: snapshotPath)
            let additions = try scanAdditions(fd, header: header, size: size, file: snapshotPath)
            if let identity = try? io.identity(fd) { openScan = (identity, additions.torn == nil || readOnly ? size : additions.validEnd, additions) }
            snapshotLastSeq = additions.list.last?.lastSeq ?? header.lastSeq
            snapshotVersion = header.version
            snapshotEnd = additions.validEnd
            snapshotAdditions = additions.list.count
            hasSnapshot = true
            if let reason = additions.torn {
                let cut = size - additions.validEnd
                if readOnly {
                    warn(phrase("snapshot tail torn at byte \(additions.validEnd): ignored the last \(cut) bytes (\(reason)); the file was left as is because the folder is open read-only"))
                } else {
                    let rw = try sys(snapshotPath) { try io.open(snapshotPath, flags: O_RDWR | O_CLOEXEC, mode: 0) }
                    defer { io.close(rw) }
                    try sys(snapshotPath) {
                        try io.ftruncate(rw, to: additions.validEnd)
                        try io.fsync(rw)
                    }
                    warn(phrase("snapshot tail torn at byte \(additions.validEnd): cut \(cut) bytes (\(reason))"))
                }
            }
        }

        // The journal.
        if try sys(journalPath, { try io.kind(of: journalPath) }) == .missing {
            if hasSnapshot {
                warn("the journal \(journalPath) was missing; " + (readOnly ? "only the snapshot can be loaded" : "a new empty one was started"))
            }
            if !readOnly {
                try replaceJournal(with: JournalFormat.header(), firstSeq: nil, lastSeq: nil)
            }
            return
        }
        let bytes: [UInt8]
        if readOnly {
            bytes = try sys(journalPath) { try io.readWholeFile(journalPath) } ?? []
        } else {
            journalFD = try sys(journalPath) { try io.open(journalPath, flags: O_RDWR | O_CLOEXEC, mode: 0o600) }
            bytes = try sys(journalPath) { try io.readAll(journalFD) }
        }
        let scan = try bytes.withUnsafeBytes { try JournalFormat.scan($0, path: journalPath) }
        if let first = scan.firstSeq, first > snapshotLastSeq + 1 {
            // A writer's rewrite since the header was read, not damage: see readJournal.
            if readOnly, try sys(snapshotPath, { try io.identity(of: snapshotPath) }) != headerRead
                            || (try? io.kind(of: snapshotPath)) != .missing && fileSize(snapshotPath) != sizeRead {
                throw StoreError.replacedWhileReading(path: snapshotPath)
            }
            throw StoreError.corruptJournal(
                path: journalPath, offset: JournalFormat.headerSize,
                reason: "it begins at seq \(first) but the snapshot ends at seq \(snapshotLastSeq), so the changes in between are missing")
        }
        journalSize = max(scan.validEnd, readOnly ? 0 : JournalFormat.headerSize)
        journalFirstSeq = scan.firstSeq
        journalLastSeq = scan.lastSeq
        if scan.tornReason != nil { try handleTornTail(scan) }

        // Finish a snapshot rewrite that died before dropping the journal entries it includes.
        if !readOnly, let last = journalLastSeq, last <= snapshotLastSeq {
            try dropJournalEntries(through: snapshotLastSeq, snapshotDurable: false)
        }
    }

    private func fileSize(_ file: String) -> Int? {
        guard let fd = try? io.open(file, flags: O_RDONLY | O_CLOEXEC, mode: 0) else { return nil }
        defer { io.close(fd) }
        return try? io.size(fd)
    }

    private func scanAdditions(_ fd: Int32, header: SnapshotFormat.Header, size: Int, file: String) throws -> SnapshotFormat.Additions {
        let baseEnd = SnapshotFormat.headerSize + header.payloadLength + SnapshotFormat.trailerSize
        guard header.version >= 2 else { return SnapshotFormat.Additions(validEnd: baseEnd) }
        return try SnapshotFormat.scanAdditions(baseEnd: baseEnd, baseLastSeq: header.lastSeq, fileSize: size, path: file) { count, at in
            try readBytes(fd, count: count, at: at, file: file)
        }
    }

    private func takeLock(holderInfo: String) throws {
        lockFD = try sys(lockPath) { try io.open(lockPath, flags: O_RDWR | O_CREAT | O_CLOEXEC, mode: 0o600) }
        let taken = try sys(lockPath) { try io.tryLockExclusive(lockFD) }
        guard taken else {
            let text = (try? io.readAll(lockFD)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            io.close(lockFD)
            lockFD = -1
            throw StoreError.locked(path: path, holder: trimmed(text))
        }
        try sys(lockPath) {
            try io.ftruncate(lockFD, to: 0)
            try io.write(lockFD, Array((holderInfo + "\n").utf8), at: 0)
        }
    }

    private func handleTornTail(_ scan: JournalFormat.Scan) throws {
        guard let reason = scan.tornReason else { return }
        let cut = scan.size - scan.validEnd
        if readOnly {
            warn(phrase("journal tail torn at byte \(scan.validEnd): ignored the last \(cut) bytes (\(reason)); the file was left as is because the folder is open read-only"))
            return
        }
        if scan.validEnd < JournalFormat.headerSize {
            try sys(journalPath) {
                try io.ftruncate(journalFD, to: 0)
                try io.write(journalFD, JournalFormat.header(), at: 0)
                try io.fsync(journalFD)
            }
            journalSize = JournalFormat.headerSize
            warn(phrase("journal header torn: rewrote the \(JournalFormat.headerSize)-byte header over \(cut) bytes (\(reason))"))
        } else {
            try sys(journalPath) {
                try io.ftruncate(journalFD, to: scan.validEnd)
                try io.fsync(journalFD)
            }
            journalSize = scan.validEnd
            warn(phrase("journal tail torn at byte \(scan.validEnd): cut \(cut) bytes (\(reason))"))
        }
    }

    private func warn(_ message: String) {
        if !warnings.contains(where: { $0.message == message }) {
            warnings.append(StoreWarning(message: message))
        }
    }

    // MARK: - Reading

    /// The last seq the folder holds: the newest of the snapshot's and the journal's.
    public var lastSeq: UInt64 { max(snapshotLastSeq, journalLastSeq ?? 0) }

    /// Current journal size in bytes (header included), to decide when to rewrite the snapshot.
    public var journalBytes: Int { journalSize }

    /// A snapshot as loadSnapshot reads it: the base's payload, each addition's, and the last seq.
    public struct LoadedSnapshot {
        public var payload: ByteSlice
        public var additions: [ByteSlice]
        public var lastSeq: UInt64
    }

    /// The snapshot's payloads (the base's, then each whole addition's) and the last journal seq they
    /// include; nil when the folder has none yet. Every checksum is verified; throws corruptSnapshot /
    /// newerVersion. The payloads are mapped into memory where the page cache holds them (no copy).
    /// A snapshot is replaced by renaming a new file over it, or added to at its end, never rewritten
    /// in place, so the mapped bytes do not change under the reader.
    /// Read-only, the file read is remembered (and held open) for readJournal's check that it is still
    /// in place, as it was.
    public func loadSnapshot() throws -> LoadedSnapshot? {
        try checkOpen()
        let file = snapshotPath
        guard try sys(file, { try io.kind(of: file) }) != .missing else {
            if readOnly { holdSnapshot(fd: -1, identity: nil, size: 0, validEnd: 0) }
            return nil
        }
        let fd = try sys(file) { try io.open(file, flags: O_RDONLY | O_CLOEXEC, mode: 0) }
        var held = false
        defer { if !held { io.close(fd) } }
        let size = try sys(file) { try io.size(fd) }
        let prefix = try readBytes(fd, count: min(size, SnapshotFormat.headerSize), at: 0, file: file)
        let header = try SnapshotFormat.parseHeader(prefix, fileSize: size, path: file)
        let identity = try sys(file) { try io.identity(fd) }
        let additions: SnapshotFormat.Additions
        if let scan = openScan, scan.identity == identity, scan.size == size {
            additions = scan.additions
        } else {
            additions = try scanAdditions(fd, header: header, size: size, file: file)
        }
        openScan = nil
        let lastSeq = additions.list.last?.lastSeq ?? header.lastSeq
        if readOnly {
            // Added to since the open read its seq: the journal read then may not go with it.
            if lastSeq != snapshotLastSeq { throw StoreError.replacedWhileReading(path: file) }
            holdSnapshot(fd: fd, identity: identity, size: size, validEnd: additions.validEnd)
            held = true
        }
        let length = header.payloadLength
        let whole = additions.validEnd
        let region = try sys(file) { try io.map(fd, length: whole) }
        guard region.count == whole else {
            throw StoreError.corruptSnapshot(path: file, reason: "the file shrank while it was being read (truncated)")
        }
        let payload = ByteSlice(region, SnapshotFormat.headerSize ..< SnapshotFormat.headerSize + length)
        // Checked a window at a time, each window's pages given back as it goes: checking a large
        // snapshot does not keep it all in memory (its tables are read again when they are used).
        func checksum(of slice: ByteSlice, continuing crc: UInt32) -> UInt32 {
            var computed = crc
            let window = 4 << 20
            var at = 0
            while at < slice.count {
                let piece = slice.slice(at ..< min(at + window, slice.count))
                computed = piece.withUnsafeBytes { crc32($0, continuing: computed) }
                piece.release()
                at += window
            }
            return computed
        }
        func stored(at offset: Int) -> UInt32 {
            UInt32(littleEndian: UnsafeRawPointer(region.base + offset).loadUnaligned(as: UInt32.self))
        }
        let computed = checksum(of: payload, continuing: crc32(prefix))
        guard stored(at: SnapshotFormat.headerSize + length) == computed else {
            throw SnapshotFormat.checksumMismatch(path: file, stored: stored(at: SnapshotFormat.headerSize + length), computed: computed)
        }
        var added: [ByteSlice] = []
        for (i, a) in additions.list.enumerated() {
            let body = ByteSlice(region, a.payload)
            // The last one's checksum was checked by the scan, which found it whole.
            if i < additions.list.count - 1 {
                let crc = checksum(of: body, continuing: ByteSlice(region, a.start ..< a.payload.lowerBound).withUnsafeBytes { crc32($0) })
                guard stored(at: a.payload.upperBound) == crc else {
                    throw StoreError.corruptSnapshot(path: file, reason: "the addition at byte \(a.start) fails its checksum (stored \(hex(stored(at: a.payload.upperBound))), computed \(hex(crc))), so some bytes were altered")
                }
            }
            added.append(body)
        }
        return LoadedSnapshot(payload: payload, additions: added, lastSeq: lastSeq)
    }

    /// All whole journal entries with seq > afterSeq, in order. A torn last entry (incomplete, or a
    /// bad checksum on the final entry that runs to the end of the file) is cut off the file (unless
    /// readOnly) and reported in `warnings`; a bad entry followed by more data, or a gap in the seqs
    /// (including a first entry later than afterSeq + 1), is StoreError.corruptJournal.
    /// Read-only, after loadSnapshot: replacedWhileReading when the snapshot it read is no longer in place.
    public func readJournal(afterSeq: UInt64) throws -> [JournalEntry] {
        try checkOpen()
        let bytes: [UInt8]
        if readOnly {
            let read = try sys(journalPath, { try io.readWholeFile(journalPath) })
            // A writer renames its new snapshot into place before it empties or replaces the journal: if
            // the snapshot loadSnapshot read is still in place once the journal has been read, the journal
            // read is one that goes with it.
            if let held = heldSnapshot, try !stillInPlace(held) {
                throw StoreError.replacedWhileReading(path: snapshotPath)
            }
            guard let b = read else { return [] }
            bytes = b
        } else {
            try ensureJournalOpen()
            bytes = try readBytes(journalFD, count: journalSize, at: 0, file: journalPath)
        }
        let scan = try bytes.withUnsafeBytes { try JournalFormat.scan($0, path: journalPath) }
        if scan.tornReason != nil { try handleTornTail(scan) }
        if readOnly {
            journalSize = scan.validEnd
            journalFirstSeq = scan.firstSeq
            journalLastSeq = scan.lastSeq
        }
        guard let startIndex = scan.entries.firstIndex(where: { $0.seq > afterSeq }) else { return [] }
        let first = scan.entries[startIndex]
        if first.seq > afterSeq + 1 {
            throw StoreError.corruptJournal(
                path: journalPath, offset: first.start,
                reason: "the changes after seq \(afterSeq) are wanted but the journal jumps to seq \(first.seq)")
        }
        var result: [JournalEntry] = []
        result.reserveCapacity(scan.entries.count - startIndex)
        for e in scan.entries[startIndex...] {
            result.append(JournalEntry(seq: e.seq, payload: Array(bytes[e.payloadStart ..< e.end])))
        }
        return result
    }

    // MARK: - Writing

    /// Appends one entry (seq = lastSeq + 1), written and fsynced before returning. On any failure
    /// the file is truncated back to its previous length (best effort) and the error thrown: the
    /// caller then discards the change. Throws readOnly on a read-only folder.
    @discardableResult
    public func append(_ payload: [UInt8]) throws -> UInt64 {
        guard !readOnly else { throw StoreError.readOnly(path: path) }
        try checkOpen()
        guard payload.count <= Int(UInt32.max) else {
            throw StoreError.io(path: journalPath, operation: "append to", message: "a change of \(payload.count) bytes exceeds the 4 GiB entry limit")
        }
        try ensureJournalOpen()
        if needsTruncate {
            try sys(journalPath) { try io.ftruncate(journalFD, to: journalSize) }
            needsTruncate = false
        }
        if let last = journalLastSeq, last < snapshotLastSeq {
            // An earlier writeSnapshot stopped before resetting the journal.
            try dropJournalEntries(through: snapshotLastSeq, snapshotDurable: false)
        }
        let seq = lastSeq + 1
        let entry = JournalFormat.encodeEntry(seq: seq, payload: payload)
        do {
            try io.write(journalFD, entry, at: journalSize)
            try io.fsync(journalFD)
        } catch {
            do {
                try io.ftruncate(journalFD, to: journalSize)
                try? io.fsync(journalFD)
            } catch {
                needsTruncate = true
            }
            throw storeError(error, file: journalPath)
        }
        journalSize += entry.count
        if journalFirstSeq == nil { journalFirstSeq = seq }
        journalLastSeq = seq
        return seq
    }

    /// Atomic snapshot rewrite: write `snapshot.tmp`, fsync, rename over `snapshot`, fsync the folder,
    /// then reset the journal (entries <= lastSeq are no longer needed; later ones are kept).
    /// A crash or failure at any point leaves a loadable store (old or new snapshot, plus the journal).
    /// `lastSeq` may not be older than the changes the folder still holds in its journal.
    public func writeSnapshot(_ payload: [UInt8], lastSeq newLastSeq: UInt64) throws {
        try writeSnapshot(parts: [.bytes(payload)], lastSeq: newLastSeq)
    }

    /// A piece of a snapshot's payload: bytes just encoded, or bytes of the snapshot it was read from
    /// (a table never decoded), written from where they are mapped.
    public enum Part {
        case bytes([UInt8])
        case mapped(ByteSlice)
        /// Bytes kept elsewhere in the format's own layout (a table's column of numbers), written from
        /// where they are rather than copied into a part first.
        case lent(any LentBytes)

        public var count: Int {
            switch self {
            case .bytes(let b): b.count
            case .mapped(let s): s.count
            case .lent(let l): l.byteCount
            }
        }
        public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            switch self {
            case .bytes(let b): try b.withUnsafeBytes(body)
            case .mapped(let s): try s.withUnsafeBytes(body)
            case .lent(let l): try l.withUnsafeBytes(body)
            }
        }
    }

    /// Bytes a part lends (read only, from any thread, while the snapshot is written).
    public protocol LentBytes: Sendable {
        var byteCount: Int { get }
        func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
    }

    /// Writes a snapshot whose payload is `parts` one after another (built side by side, not joined).
    /// Returns the payload as the new file holds it, mapped (nil if it could not be), for the next save
    /// to copy what has not changed from; it is read only after this returns, so never half written.
    @discardableResult
    public func writeSnapshot(parts: [Part], lastSeq newLastSeq: UInt64) throws -> ByteSlice? {
        guard !readOnly else { throw StoreError.readOnly(path: path) }
        try checkOpen()
        try checkJournalKeepsWhatFollows(newLastSeq, operation: "write")

        let tmp = snapshotTempPath
        var written: ByteSlice? = nil
        let length = parts.reduce(0) { $0 + $1.count }
        let header = SnapshotFormat.encodeHeader(lastSeq: newLastSeq, payloadLength: length)
        let trailer = Self.checksum(header, parts)
        do {
            if (try? io.kind(of: tmp)) != .missing { try? io.unlink(tmp) }
            // Read and write: a large snapshot is copied in through a shared mapping.
            let fd = try io.open(tmp, flags: O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o600)
            do {
                try io.write(fd, parts: [.bytes(header)] + parts + [.bytes(trailer)], at: 0)
                try io.fsync(fd)
                if let region = try? io.map(fd, length: header.count + length + trailer.count), region.count == header.count + length + trailer.count {
                    written = ByteSlice(region, header.count ..< header.count + length)
                }
            } catch {
                io.close(fd)
                throw error
            }
            io.close(fd)
            try io.rename(tmp, to: snapshotPath)
        } catch {
            try? io.unlink(tmp)
            throw storeError(error, file: tmp)
        }
        // The new snapshot is in place (if perhaps not yet durable): the journal still holds
        // everything, so the folder is consistent whatever fails from here on.
        snapshotLastSeq = newLastSeq
        hasSnapshot = true
        snapshotVersion = SnapshotFormat.version
        snapshotEnd = header.count + length + trailer.count
        snapshotAdditions = 0
        try sys(path) { try io.fsyncDirectory(path) }
        try dropJournalEntries(through: newLastSeq, snapshotDurable: true)
        return written
    }

    /// Appends an addition whose payload is `parts` to the snapshot (see `canAppendToSnapshot`), then
    /// drops the journal entries it covers. On failure the file is cut back to what it was and the
    /// error thrown. Returns the addition's payload as the file holds it, mapped (nil if it could not
    /// be), as writeSnapshot does.
    @discardableResult
    public func appendToSnapshot(parts: [Part], lastSeq newLastSeq: UInt64) throws -> ByteSlice? {
        guard !readOnly else { throw StoreError.readOnly(path: path) }
        try checkOpen()
        guard canAppendToSnapshot else {
            throw StoreError.io(path: snapshotPath, operation: "append to", message: hasSnapshot
                ? "a snapshot of format \(snapshotVersion) with \(snapshotAdditions) additions takes no more; it is to be written whole"
                : "there is no snapshot to add to")
        }
        guard newLastSeq > snapshotLastSeq else {
            throw StoreError.io(path: snapshotPath, operation: "append to", message: "an addition must end after seq \(snapshotLastSeq), not at seq \(newLastSeq)")
        }
        try checkJournalKeepsWhatFollows(newLastSeq, operation: "append to")
        let file = snapshotPath
        let length = parts.reduce(0) { $0 + $1.count }
        let header = SnapshotFormat.encodeAdditionHeader(lastSeq: newLastSeq, payloadLength: length)
        let trailer = Self.checksum(header, parts)
        let start = snapshotEnd, end = start + header.count + length + trailer.count
        var written: ByteSlice? = nil
        let fd = try sys(file) { try io.open(file, flags: O_RDWR | O_CLOEXEC, mode: 0) }
        defer { io.close(fd) }
        do {
            try io.write(fd, parts: [.bytes(header)] + parts + [.bytes(trailer)], at: start)
            try io.fsync(fd)
        } catch {
            // Cut back, so that what is there is the snapshot as it was (a crash here leaves a torn tail).
            try? io.ftruncate(fd, to: start)
            try? io.fsync(fd)
            throw storeError(error, file: file)
        }
        if let region = try? io.map(fd, length: end), region.count == end {
            written = ByteSlice(region, start + header.count ..< start + header.count + length)
        }
        snapshotLastSeq = newLastSeq
        snapshotEnd = end
        snapshotAdditions += 1
        try dropJournalEntries(through: newLastSeq, snapshotDurable: true)
        return written
    }

    /// A snapshot (or an addition) ending at `newLastSeq` before the folder's last change needs the
    /// changes after it still in the journal.
    private func checkJournalKeepsWhatFollows(_ newLastSeq: UInt64, operation: String) throws {
        let current = lastSeq
        guard newLastSeq < current else { return }
        guard let first = journalFirstSeq, first <= newLastSeq + 1 else {
            throw StoreError.io(path: snapshotPath, operation: operation, message: "the snapshot would end at seq \(newLastSeq) but the changes after it up to seq \(current) are no longer in the journal")
        }
    }

    /// The 4-byte CRC-32C trailer over a header and the parts after it, as a snapshot and an addition end.
    private static func checksum(_ header: [UInt8], _ parts: [Part]) -> [UInt8] {
        var crc = crc32(header)
        for part in parts { crc = part.withUnsafeBytes { crc32($0, continuing: crc) } }
        var trailer = BinaryWriter()
        trailer.writeFixedUInt32LE(crc)
        return trailer.bytes
    }

    /// Removes the journal entries with seq <= `seq` (now in the snapshot).
    private func dropJournalEntries(through seq: UInt64, snapshotDurable: Bool) throws {
        try ensureJournalOpen()
        guard let first = journalFirstSeq, let last = journalLastSeq, first <= seq else { return }
        if !snapshotDurable {
            // The snapshot's rename must be on disk before the journal loses what it covers.
            try sys(path) { try io.fsyncDirectory(path) }
        }
        if last <= seq {
            try sys(journalPath) { try io.ftruncate(journalFD, to: JournalFormat.headerSize) }
            journalSize = JournalFormat.headerSize
            journalFirstSeq = nil
            journalLastSeq = nil
            try sys(journalPath) { try io.fsync(journalFD) }
        } else {
            // Keep the entries after `seq`: write them to a new journal and swap it in.
            let bytes = try readBytes(journalFD, count: journalSize, at: 0, file: journalPath)
            let scan = try bytes.withUnsafeBytes { try JournalFormat.scan($0, path: journalPath) }
            guard let keepFrom = scan.entries.first(where: { $0.seq > seq }) else { return }
            try replaceJournal(with: JournalFormat.header() + bytes[keepFrom.start ..< scan.validEnd],
                               firstSeq: keepFrom.seq, lastSeq: scan.lastSeq)
        }
    }

    /// Atomically replaces the journal with `content` (header + whole entries).
    private func replaceJournal(with content: [UInt8], firstSeq: UInt64?, lastSeq: UInt64?) throws {
        let tmp = journalTempPath
        do {
            if (try? io.kind(of: tmp)) != .missing { try? io.unlink(tmp) }
            let fd = try io.open(tmp, flags: O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o600)
            do {
                try io.write(fd, content, at: 0)
                try io.fsync(fd)
            } catch {
                io.close(fd)
                throw error
            }
            io.close(fd)
            try io.rename(tmp, to: journalPath)
        } catch {
            try? io.unlink(tmp)
            throw storeError(error, file: tmp)
        }
        if journalFD >= 0 { io.close(journalFD) }
        journalFD = -1
        journalSize = content.count
        journalFirstSeq = firstSeq
        journalLastSeq = lastSeq
        needsTruncate = false
        try sys(path) { try io.fsyncDirectory(path) }
        try ensureJournalOpen()
    }

    private func holdSnapshot(fd: Int32, identity: FileIdentity?, size: Int, validEnd: Int) {
        if let old = heldSnapshot, old.fd >= 0 { io.close(old.fd) }
        heldSnapshot = (fd, identity, size, validEnd)
    }

    /// Whether the snapshot a reader read is the one at the path, as it was: the same file, not added
    /// to since, and (where its tail was torn, perhaps an addition being written) its whole additions
    /// ending where they did.
    private func stillInPlace(_ held: (fd: Int32, identity: FileIdentity?, size: Int, validEnd: Int)) throws -> Bool {
        guard try sys(snapshotPath, { try io.identity(of: snapshotPath) }) == held.identity else { return false }
        guard held.fd >= 0 else { return true }
        let size = try sys(snapshotPath) { try io.size(held.fd) }
        guard size == held.size else { return false }
        guard held.validEnd < size else { return true }
        let prefix = try readBytes(held.fd, count: min(size, SnapshotFormat.headerSize), at: 0, file: snapshotPath)
        let header = try SnapshotFormat.parseHeader(prefix, fileSize: size, path: snapshotPath)
        return try scanAdditions(held.fd, header: header, size: size, file: snapshotPath).validEnd == held.validEnd
    }

    private func ensureJournalOpen() throws {
        guard journalFD < 0 else { return }
        journalFD = try sys(journalPath) { try io.open(journalPath, flags: O_RDWR | O_CLOEXEC, mode: 0o600) }
    }

    // MARK: - Closing

    /// Releases the lock and closes the files. Further use throws; closing twice is harmless.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        if journalFD >= 0 { io.close(journalFD) }
        journalFD = -1
        if let held = heldSnapshot, held.fd >= 0 { io.close(held.fd) }
        heldSnapshot = nil
        if lockFD >= 0 {
            try? io.ftruncate(lockFD, to: 0)
            io.unlock(lockFD)
            io.close(lockFD)
        }
        lockFD = -1
    }

    /// Runs `read` — a reader's open of a folder and reading of it, closing the folder when it fails —
    /// again while it fails with replacedWhileReading (a writer rewrote the snapshot meanwhile), up to
    /// `tries` times in all, a short pause apart; the last try's error is thrown.
    public static func readAgainWhileReplaced<T>(tries: Int = 10, _ read: () throws -> T) throws -> T {
        for _ in 1 ..< max(tries, 1) {
            do { return try read() } catch StoreError.replacedWhileReading {
                usleep(50_000)
            }
        }
        return try read()
    }

    private func checkOpen() throws {
        if isClosed {
            throw StoreError.io(path: path, operation: "use the data folder", message: "it has been closed")
        }
    }

    // MARK: - Helpers

    private func readBytes(_ fd: Int32, count: Int, at offset: Int, file: String) throws -> [UInt8] {
        try sys(file) {
            try [UInt8](unsafeUninitializedCapacity: count) { buf, initialized in
                initialized = try io.read(fd, into: UnsafeMutableRawBufferPointer(buf), at: offset)
            }
        }
    }
}

/// Runs `body`, turning a SystemError (or any non-store error) into StoreError.io for `file`.
func sys<T>(_ file: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw storeError(error, file: file)
    }
}

func storeError(_ error: any Error, file: String) -> StoreError {
    switch error {
    case let e as StoreError: return e
    case let e as SystemError: return .io(path: file, operation: e.operation, message: e.message)
    default: return .io(path: file, operation: "access", message: String(describing: error))
    }
}

private func trimmed(_ s: String) -> String {
    var chars = Substring(s)
    while let c = chars.first, c.isWhitespace || c == "\0" { chars.removeFirst() }
    while let c = chars.last, c.isWhitespace || c == "\0" { chars.removeLast() }
    return String(chars)
}
