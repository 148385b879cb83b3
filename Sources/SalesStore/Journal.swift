// Journal.swift — the on-disk format of `<folder>/journal`.
//
// The journal holds the changes made since the snapshot, one entry per change, appended
// and fsynced before the shell reports the change done (see DataFolder.swift).
//
// Header (12 bytes):
//
//   offset  size  field
//        0     8  magic "SALESHJ\0"  (53 41 4C 45 53 48 4A 00)
//        8     4  format version, UInt32 LE (current: 1; a larger one is newerVersion)
//
// Then zero or more entries, back to back:
//
//   offset  size  field
//        0     4  payload length P, UInt32 LE
//        4     4  CRC-32C, UInt32 LE, over bytes 8 ..< 16+P (the seq bytes, then the payload)
//        8     8  seq, UInt64 LE
//       16     P  payload: opaque bytes (one change, encoded by the caller)
//
// Seqs start anywhere >= 1 (after a snapshot rewrite the journal restarts empty and the
// next seq continues from the snapshot's lastSeq) and must be consecutive; a gap is
// corruption.
//
// Reading, entry by entry:
//   - fewer than 16 bytes left, or an entry whose length runs past the end of the file:
//     a torn tail (the process died inside an append). The tail is cut back to the last
//     whole entry, with a warning. (If a valid entry with the next seq is found further on,
//     the length field itself was damaged: corruption, not a torn tail.)
//   - a checksum mismatch on the last entry, which ends exactly at the end of the file:
//     also a torn tail, cut with a warning.
//   - a checksum mismatch on an entry followed by more data, a seq that is not the previous
//     seq + 1, or seq 0: corruption. The journal is refused whole, never half-loaded.
//   - a file shorter than the header that begins like one: a torn header, rewritten.

enum JournalFormat {
    /// "SALESHJ\0"
    static let magic: [UInt8] = [0x53, 0x41, 0x4C, 0x45, 0x53, 0x48, 0x4A, 0x00]
    static let version: UInt32 = 1
    static let headerSize = 12
    static let entryHeaderSize = 16

    static func header() -> [UInt8] {
        var w = BinaryWriter(reservingCapacity: headerSize)
        w.writeRaw(magic)
        w.writeFixedUInt32LE(version)
        return w.bytes
    }

    static func entryChecksum(seq: UInt64, payload: UnsafeRawBufferPointer) -> UInt32 {
        var le = seq.littleEndian
        let c = withUnsafeBytes(of: &le) { crc32($0) }
        return crc32(payload, continuing: c)
    }

    static func encodeEntry(seq: UInt64, payload: [UInt8]) -> [UInt8] {
        var w = BinaryWriter(reservingCapacity: entryHeaderSize + payload.count)
        w.writeFixedUInt32LE(UInt32(payload.count))
        w.writeFixedUInt32LE(payload.withUnsafeBytes { entryChecksum(seq: seq, payload: $0) })
        w.writeFixedUInt64LE(seq)
        w.writeRaw(payload)
        return w.bytes
    }

    struct Entry {
        let seq: UInt64
        /// Offset of the entry's first byte (its length field).
        let start: Int
        /// Offset just past its payload.
        let end: Int
        var payloadStart: Int { start + JournalFormat.entryHeaderSize }
    }

    struct Scan {
        var entries: [Entry] = []
        /// Bytes 0 ..< validEnd are the header and whole entries; 0 when the header itself is incomplete.
        var validEnd: Int
        /// Why bytes validEnd ..< size are to be cut; nil when the file is whole.
        var tornReason: String?
        var size: Int
        var firstSeq: UInt64? { entries.first?.seq }
        var lastSeq: UInt64? { entries.last?.seq }
    }

    /// Parses a whole journal file. Throws corruptJournal / newerVersion; a torn tail is reported in the result.
    static func scan(_ buf: UnsafeRawBufferPointer, path: String) throws -> Scan {
        let size = buf.count
        func corrupt(_ offset: Int, _ reason: String) -> StoreError {
            .corruptJournal(path: path, offset: offset, reason: reason)
        }
        func u32(_ o: Int) -> UInt32 { UInt32(littleEndian: buf.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
        func u64(_ o: Int) -> UInt64 { UInt64(littleEndian: buf.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
        func checksumOK(_ o: Int, _ end: Int) -> Bool {
            crc32(UnsafeRawBufferPointer(rebasing: buf[(o + 8) ..< end])) == u32(o + 4)
        }

        let m = min(magic.count, size)
        guard buf[0..<m].elementsEqual(magic[0..<m]) else {
            throw corrupt(0, "it does not begin with the signature SALESHJ, so it is not a salesh journal")
        }
        if size < headerSize {
            return Scan(validEnd: 0, tornReason: size == 0 ? "the file is empty" : "incomplete header", size: size)
        }
        let version = u32(8)
        if version > Self.version {
            throw StoreError.newerVersion(path: path, found: version, supported: Self.version)
        }
        guard version >= 1 else { throw corrupt(8, "format version 0 does not exist") }

        var scan = Scan(validEnd: headerSize, size: size)
        var o = headerSize
        var expected: UInt64? = nil
        while o < size {
            let rem = size - o
            if rem < entryHeaderSize {
                scan.tornReason = "incomplete entry header, \(rem) of \(entryHeaderSize) bytes"
                return scan
            }
            let len = Int(u32(o))
            let seq = u64(o + 8)
            let end = o + entryHeaderSize + len
            if end > size {
                // A torn append — unless a whole entry with the next seq follows, in which
                // case this length field was damaged.
                let want = (expected ?? seq) &+ 1
                var p = o + entryHeaderSize
                while p + entryHeaderSize <= size {
                    if u64(p + 8) == want {
                        let e = p + entryHeaderSize + Int(u32(p))
                        if e <= size && checksumOK(p, e) {
                            throw corrupt(o, "the entry's length field (\(len) bytes) runs past the end of the file, yet whole entries follow it")
                        }
                    }
                    p += 1
                }
                scan.tornReason = "incomplete entry, \(rem) of \(entryHeaderSize + len) bytes"
                return scan
            }
            if !checksumOK(o, end) {
                if end == size {
                    scan.tornReason = "the last entry fails its checksum"
                    return scan
                }
                throw corrupt(o, "an entry fails its checksum and more entries follow it")
            }
            if seq == 0 {
                throw corrupt(o, "an entry has seq 0")
            }
            if let exp = expected, seq != exp {
                throw corrupt(o, "entry seq \(seq) follows seq \(exp - 1); seqs must be consecutive")
            }
            scan.entries.append(Entry(seq: seq, start: o, end: end))
            expected = seq &+ 1
            o = end
            scan.validEnd = end
        }
        return scan
    }
}
