// Snapshot.swift — the on-disk format of `<folder>/snapshot`.
//
// A snapshot is the whole model at one point of the journal, written by DataFolder in one
// piece to `snapshot.tmp` and renamed over `snapshot` (see DataFolder.swift).
//
//   offset  size  field
//   ------  ----  ----------------------------------------------------------------------
//        0     8  magic "SALESHS\0"  (53 41 4C 45 53 48 53 00)
//        8     4  format version, UInt32 LE (current: 1; a larger one is newerVersion)
//       12     8  lastSeq, UInt64 LE: the last journal seq whose change the payload includes
//       20     8  payload length P, UInt64 LE
//       28     P  payload: opaque bytes (the model, encoded by the caller)
//     28+P     4  CRC-32C, UInt32 LE, over bytes 0 ..< 28+P (everything before it)
//
// The file must be exactly 32+P bytes long. Reading checks, in order: the magic, the
// version, the header is complete, the length matches the file's size (so every
// truncation point is refused with a precise reason), and the checksum (so any flipped
// bit is detected). A snapshot that fails any check is refused whole.

enum SnapshotFormat {
    /// "SALESHS\0"
    static let magic: [UInt8] = [0x53, 0x41, 0x4C, 0x45, 0x53, 0x48, 0x53, 0x00]
    static let version: UInt32 = 1
    static let headerSize = 28
    static let trailerSize = 4

    struct Header: Equatable {
        var version: UInt32
        var lastSeq: UInt64
        var payloadLength: Int
    }

    static func encodeHeader(lastSeq: UInt64, payloadLength: Int) -> [UInt8] {
        var w = BinaryWriter(reservingCapacity: headerSize)
        w.writeRaw(magic)
        w.writeFixedUInt32LE(version)
        w.writeFixedUInt64LE(lastSeq)
        w.writeFixedUInt64LE(UInt64(payloadLength))
        return w.bytes
    }

    /// Checks everything but the checksum, given the first min(28, fileSize) bytes of the
    /// file and its size.
    static func parseHeader(_ prefix: [UInt8], fileSize: Int, path: String) throws -> Header {
        func corrupt(_ reason: String) -> StoreError { .corruptSnapshot(path: path, reason: reason) }
        if fileSize == 0 {
            throw corrupt("the file is empty")
        }
        let m = min(magic.count, prefix.count)
        guard prefix[0..<m] == magic[0..<m] else {
            throw corrupt("it does not begin with the signature SALESHS, so it is not a salesh snapshot")
        }
        guard prefix.count >= 12 else {
            throw corrupt("the file is only \(fileSize) bytes, shorter than the \(headerSize)-byte header (truncated)")
        }
        var r = BinaryReader(prefix)
        try? r.skip(8)
        let version = (try? r.readFixedUInt32LE()) ?? 0
        if version > Self.version {
            throw StoreError.newerVersion(path: path, found: version, supported: Self.version)
        }
        guard version >= 1 else { throw corrupt("format version 0 does not exist") }
        guard prefix.count >= headerSize else {
            throw corrupt("the file is only \(fileSize) bytes, shorter than the \(headerSize)-byte header (truncated)")
        }
        let lastSeq = (try? r.readFixedUInt64LE()) ?? 0
        let length = (try? r.readFixedUInt64LE()) ?? 0
        let overhead = UInt64(headerSize + trailerSize)
        guard length <= UInt64(Int.max) - overhead else {
            throw corrupt("its header announces an impossible payload of \(length) bytes")
        }
        let total = Int(length + overhead)
        if fileSize < total {
            throw corrupt("the file is \(fileSize) bytes but its header announces \(total) (a \(length)-byte payload), so it is truncated")
        }
        if fileSize > total {
            throw corrupt("the file has \(fileSize - total) unexpected bytes after its checksum (it should be \(total) bytes)")
        }
        return Header(version: version, lastSeq: lastSeq, payloadLength: Int(length))
    }

    static func checksumMismatch(path: String, stored: UInt32, computed: UInt32) -> StoreError {
        .corruptSnapshot(path: path, reason: "its checksum does not match its contents (stored \(hex(stored)), computed \(hex(computed))), so some bytes were altered")
    }
}

func hex(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
}
