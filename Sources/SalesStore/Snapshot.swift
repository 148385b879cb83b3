// Snapshot.swift — the on-disk format of `<folder>/snapshot`.
//
// A snapshot is the whole model at one point of the journal: a base, written by DataFolder in one
// piece to `snapshot.tmp` and renamed over `snapshot`, then (format 2) any number of additions
// appended in place, each holding only records added since (a large import's, without writing the
// rest of the store again). See DataFolder.swift for the protocols.
//
//   base
//   offset  size  field
//   ------  ----  ----------------------------------------------------------------------
//        0     8  magic "SALESHS\0"  (53 41 4C 45 53 48 53 00)
//        8     4  format version, UInt32 LE (current: 2; a larger one is newerVersion)
//       12     8  lastSeq, UInt64 LE: the last journal seq whose change the payload includes
//       20     8  payload length P, UInt64 LE
//       28     P  payload: opaque bytes (the model, encoded by the caller)
//     28+P     4  CRC-32C, UInt32 LE, over bytes 0 ..< 28+P (everything before it)
//
//   each addition (format 2 only), from the end of the one before
//        0     8  magic "SALESHA\0"  (53 41 4C 45 53 48 41 00)
//        8     8  lastSeq, UInt64 LE: larger than the base's and every earlier addition's
//       16     8  payload length L, UInt64 LE
//       24     4  CRC-32C, UInt32 LE, over bytes 0 ..< 24 (a damaged length is told from a cut file)
//       28     L  payload: opaque bytes (what was added to the model, encoded by the caller)
//     28+L     4  CRC-32C, UInt32 LE, over the addition's bytes before it
//
// A format 1 file must be exactly 32+P bytes long. Reading checks, in order: the magic, the
// version, the header is complete, the length fits the file's size (so every truncation point is
// refused with a precise reason), and the checksum (so any flipped bit is detected). A base that
// fails any check is refused whole. Of the additions only the last can be torn (a crash while it
// was appended, before the journal was emptied of what it holds, or before the change it holds was
// acknowledged): a file that ends inside an addition's header or payload, an addition header of
// zeros (its blocks reserved, not yet written), or a last addition that fails its checksum is a
// torn tail, cut by the next writer; any other damage to an addition is corruption.

enum SnapshotFormat {
    /// "SALESHS\0"
    static let magic: [UInt8] = [0x53, 0x41, 0x4C, 0x45, 0x53, 0x48, 0x53, 0x00]
    static let version: UInt32 = 2
    static let headerSize = 28
    static let trailerSize = 4
    /// "SALESHA\0"
    static let additionMagic: [UInt8] = [0x53, 0x41, 0x4C, 0x45, 0x53, 0x48, 0x41, 0x00]
    static let additionHeaderSize = 28

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
        if fileSize > total && version < 2 {
            throw corrupt("the file has \(fileSize - total) unexpected bytes after its checksum (it should be \(total) bytes)")
        }
        return Header(version: version, lastSeq: lastSeq, payloadLength: Int(length))
    }

    static func encodeAdditionHeader(lastSeq: UInt64, payloadLength: Int) -> [UInt8] {
        var w = BinaryWriter(reservingCapacity: additionHeaderSize)
        w.writeRaw(additionMagic)
        w.writeFixedUInt64LE(lastSeq)
        w.writeFixedUInt64LE(UInt64(payloadLength))
        w.writeFixedUInt32LE(crc32(w.bytes))
        return w.bytes
    }

    /// An addition as the file holds it: where it starts, its payload's place, and the seq it ends at.
    struct Addition: Equatable {
        var start: Int
        var lastSeq: UInt64
        var payload: Range<Int>
        var end: Int { payload.upperBound + trailerSize }
    }

    /// The additions after a base that ends at `baseEnd`, read with `read(count, offset)`: their
    /// headers checked, and the last one's checksum (the others' are checked when the snapshot is
    /// loaded). `torn` is the reason the bytes from `validEnd` on are not a whole addition.
    struct Additions: Equatable {
        var list: [Addition] = []
        var validEnd: Int
        var torn: String?
    }

    static func scanAdditions(baseEnd: Int, baseLastSeq: UInt64, fileSize: Int, path: String,
                              read: (Int, Int) throws -> [UInt8]) throws -> Additions {
        var out = Additions(validEnd: baseEnd)
        var at = baseEnd, lastSeq = baseLastSeq
        while at < fileSize {
            let left = fileSize - at
            let head = try read(min(left, additionHeaderSize), at)
            guard head.count == additionHeaderSize else {
                out.torn = "the file ends \(left) bytes into an addition's \(additionHeaderSize)-byte header"
                break
            }
            var r = BinaryReader(head)
            try? r.skip(8)
            let seq = (try? r.readFixedUInt64LE()) ?? 0, length = (try? r.readFixedUInt64LE()) ?? 0
            let headCRC = (try? r.readFixedUInt32LE()) ?? 0
            guard Array(head[0..<8]) == additionMagic, headCRC == crc32(head[0..<24]) else {
                if head.allSatisfy({ $0 == 0 }) {
                    out.torn = "the addition at byte \(at) was never written (its header is zeros)"
                    break
                }
                throw StoreError.corruptSnapshot(path: path, reason: Array(head[0..<8]) == additionMagic
                    ? "the header of the addition at byte \(at) fails its checksum, so some bytes were altered"
                    : "the bytes at \(at), after the last whole part, are not an addition")
            }
            guard length <= UInt64(left - additionHeaderSize) && Int(length) <= left - additionHeaderSize - trailerSize else {
                out.torn = "the file ends inside the addition at byte \(at) (\(length) bytes announced, \(left - additionHeaderSize) there)"
                break
            }
            let addition = Addition(start: at, lastSeq: seq, payload: at + additionHeaderSize ..< at + additionHeaderSize + Int(length))
            let last = addition.end == fileSize
            guard seq > lastSeq else {
                throw StoreError.corruptSnapshot(path: path, reason: "the addition at byte \(at) ends at seq \(seq), not after seq \(lastSeq)")
            }
            if last, let reason = try checkAddition(addition, path: path, read: read) {
                out.torn = reason
                break
            }
            out.list.append(addition)
            out.validEnd = addition.end
            lastSeq = seq
            at = addition.end
        }
        return out
    }

    /// Nil when the addition's checksum matches its bytes; otherwise why not.
    static func checkAddition(_ a: Addition, path: String, read: (Int, Int) throws -> [UInt8]) throws -> String? {
        var crc: UInt32 = 0
        var at = a.start
        let window = 4 << 20
        while at < a.payload.upperBound {
            let piece = try read(min(window, a.payload.upperBound - at), at)
            guard !piece.isEmpty else { return "the file shrank while the addition at byte \(a.start) was read" }
            crc = crc32(piece, continuing: crc)
            at += piece.count
        }
        let stored = try read(trailerSize, a.payload.upperBound)
        guard stored.count == trailerSize else { return "the file shrank while the addition at byte \(a.start) was read" }
        let value = UInt32(stored[0]) | UInt32(stored[1]) << 8 | UInt32(stored[2]) << 16 | UInt32(stored[3]) << 24
        return value == crc ? nil : "the addition at byte \(a.start) fails its checksum (stored \(hex(value)), computed \(hex(crc)))"
    }

    static func checksumMismatch(path: String, stored: UInt32, computed: UInt32) -> StoreError {
        .corruptSnapshot(path: path, reason: "its checksum does not match its contents (stored \(hex(stored)), computed \(hex(computed))), so some bytes were altered")
    }
}

func hex(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
}
