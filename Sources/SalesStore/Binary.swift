// Binary.swift — small binary codec helpers for payloads (records are encoded by SalesCore).
//
// Encodings (all little-endian where fixed-width):
//
//   UInt8               1 byte
//   UInt32, UInt64      unsigned LEB128 varint: 7 bits per byte, low groups first, high bit
//                       set on every byte but the last. At most 5 (UInt32) / 10 (UInt64)
//                       bytes; only the canonical (shortest) form is accepted when reading.
//   Int64, Int          zigzag ((v << 1) ^ (v >> 63)) then LEB128 varint, so small negative
//                       numbers stay short: 0→0, -1→1, 1→2, -2→3 ...
//   Bool                1 byte, 0 or 1 (anything else is an error when reading)
//   Double              8 bytes: IEEE-754 bit pattern, UInt64 LE
//   String              varint byte length, then that many bytes of UTF-8 (validated on read)
//   bytes (writeBytes)  varint length, then the raw bytes
//   raw (writeRaw)      the bytes alone, no length
//   fixed UInt32/UInt64 4 / 8 bytes LE (writeFixedUInt32LE / writeFixedUInt64LE)
//
// Every reader throws DecodeError(offset:reason:) instead of trapping when the input is
// truncated or malformed; `offset` is where the bad value starts, relative to the start of
// the reader's input.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A malformed or truncated payload.
public struct DecodeError: Error, Equatable, CustomStringConvertible, Sendable {
    public let offset: Int
    public let reason: String
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }
    public var description: String { "cannot decode data at byte \(offset): \(reason)" }
}

/// Appends binary-encoded values to a byte array.
public struct BinaryWriter: Sendable {
    @usableFromInline var _bytes: [UInt8]
    /// Everything written so far.
    public var bytes: [UInt8] { _bytes }

    public init() { _bytes = [] }
    public init(reservingCapacity capacity: Int) {
        _bytes = []
        _bytes.reserveCapacity(capacity)
    }

    public var count: Int { _bytes.count }
    public mutating func reserveCapacity(_ n: Int) { _bytes.reserveCapacity(n) }
    public mutating func removeAll(keepingCapacity: Bool = true) {
        _bytes.removeAll(keepingCapacity: keepingCapacity)
    }

    @inlinable public mutating func write(_ v: UInt8) { _bytes.append(v) }

    /// LEB128 varint.
    @inlinable public mutating func write(_ v: UInt32) { write(UInt64(v)) }

    /// LEB128 varint.
    @inlinable public mutating func write(_ v: UInt64) {
        if v < 0x80 {
            _bytes.append(UInt8(truncatingIfNeeded: v))
            return
        }
        var scratch: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &scratch) { p in
            var v = v
            var n = 0
            while v >= 0x80 {
                p[n] = UInt8(truncatingIfNeeded: v) | 0x80
                v >>= 7
                n += 1
            }
            p[n] = UInt8(truncatingIfNeeded: v)
            _bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: p[0 ..< n + 1]))
        }
    }

    /// Zigzag + LEB128 varint.
    @inlinable public mutating func write(_ v: Int64) {
        write(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }

    /// Zigzag + LEB128 varint (same encoding as Int64).
    @inlinable public mutating func write(_ v: Int) { write(Int64(v)) }

    @inlinable public mutating func write(_ v: Bool) { _bytes.append(v ? 1 : 0) }

    /// 8 bytes: the IEEE-754 bit pattern, little-endian.
    @inlinable public mutating func write(_ v: Double) { writeFixedUInt64LE(v.bitPattern) }

    /// Varint byte length + UTF-8.
    @inlinable public mutating func writeString(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            write(UInt64(utf8.count))
            _bytes.append(contentsOf: utf8)
        }
    }

    /// Varint length + the bytes.
    @inlinable public mutating func writeBytes(_ b: [UInt8]) {
        write(UInt64(b.count))
        _bytes.append(contentsOf: b)
    }

    /// Varint length + the bytes.
    @inlinable public mutating func writeBytes(_ b: ArraySlice<UInt8>) {
        write(UInt64(b.count))
        _bytes.append(contentsOf: b)
    }

    /// The bytes alone, no length prefix.
    @inlinable public mutating func writeRaw(_ b: [UInt8]) { _bytes.append(contentsOf: b) }
    @inlinable public mutating func writeRaw(_ b: ArraySlice<UInt8>) { _bytes.append(contentsOf: b) }
    public mutating func writeRaw(_ b: ByteSlice) { b.withUnsafeBytes { _bytes.append(contentsOf: $0) } }
    public mutating func writeRaw(_ b: UnsafeRawBufferPointer) { _bytes.append(contentsOf: b) }

    @inlinable public mutating func writeFixedUInt32LE(_ v: UInt32) {
        var le = v.littleEndian
        withUnsafeBytes(of: &le) { _bytes.append(contentsOf: $0) }
    }

    @inlinable public mutating func writeFixedUInt64LE(_ v: UInt64) {
        var le = v.littleEndian
        withUnsafeBytes(of: &le) { _bytes.append(contentsOf: $0) }
    }

    /// Overwrites 8 bytes written earlier with `writeFixedUInt64LE` (a length known only afterwards).
    public mutating func patchFixedUInt64LE(_ v: UInt64, at offset: Int) {
        precondition(offset >= 0 && offset + 8 <= _bytes.count, "patch outside what was written")
        for i in 0..<8 { _bytes[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
    }
}

/// Reads binary-encoded values from bytes in place: a `ByteSlice` (a mapped snapshot) without copying
/// it, or a copy of an array.
public struct BinaryReader: @unchecked Sendable {
    /// Holds the bytes alive; `bytes` points into it.
    @usableFromInline let input: ByteSlice
    @usableFromInline let bytes: UnsafeBufferPointer<UInt8>
    @usableFromInline var _offset: Int
    /// Offset of the next byte to read, relative to the start of the input.
    @inlinable public var offset: Int { _offset }

    public init(_ slice: ByteSlice) {
        input = slice
        bytes = UnsafeBufferPointer(start: slice.base, count: slice.count)
        _offset = 0
    }
    public init(_ bytes: [UInt8]) { self.init(ByteSlice(copying: bytes)) }
    public init(_ bytes: ArraySlice<UInt8>) { self.init(ByteSlice(ByteRegion(copying: bytes), 0 ..< bytes.count)) }

    @inlinable public var count: Int { bytes.count }
    @inlinable public var remaining: Int { bytes.count - _offset }
    @inlinable public var isAtEnd: Bool { _offset >= bytes.count }

    @inlinable func truncated(_ what: String, at start: Int, need: Int) -> DecodeError {
        DecodeError(offset: start, reason: "truncated \(what): needs \(need) bytes, only \(bytes.count - start) left")
    }

    @inlinable public mutating func readUInt8() throws(DecodeError) -> UInt8 {
        guard _offset < bytes.count else { throw truncated("byte", at: _offset, need: 1) }
        let b = bytes[_offset]
        _offset += 1
        return b
    }

    @inlinable public mutating func readBool() throws(DecodeError) -> Bool {
        let start = _offset
        let b = try readUInt8()
        switch b {
        case 0: return false
        case 1: return true
        default: throw DecodeError(offset: start, reason: "invalid boolean byte \(b)")
        }
    }

    /// LEB128 varint of at most `maxBytes` bytes and at most `limit`.
    @inlinable mutating func readVarint(maxBytes: Int, limit: UInt64, what: StaticString) throws(DecodeError) -> UInt64 {
        let start = _offset
        var value: UInt64 = 0
        var next = start
        // 0: ok, 1: truncated, 2: overflow, 3: non-canonical, 4: overlong
        var failure = 0
        scan: do {
            let buf = bytes
            let n = buf.count
            guard start < n else { failure = 1; break scan }
            let first = buf[start]
            if first < 0x80 {
                value = UInt64(first)
                next = start + 1
                break scan
            }
            var shift: UInt64 = 0
            var i = start
            while true {
                guard i < n else { failure = 1; break scan }
                let b = buf[i]
                i += 1
                let group = UInt64(b & 0x7F)
                if shift == 63 && group > 1 { failure = 2; break scan }
                value |= group << shift
                if b & 0x80 == 0 {
                    if b == 0 { failure = 3; break scan }
                    next = i
                    break scan
                }
                shift += 7
                if i - start >= maxBytes { failure = 4; break scan }
            }
        }
        if failure != 0 || value > limit {
            throw varintError(failure, at: start, what: what, maxBytes: maxBytes, value: value)
        }
        _offset = next
        return value
    }

    @inlinable public mutating func readUInt32() throws(DecodeError) -> UInt32 {
        UInt32(try readVarint(maxBytes: 5, limit: UInt64(UInt32.max), what: "UInt32"))
    }

    @inlinable public mutating func readUInt64() throws(DecodeError) -> UInt64 {
        try readVarint(maxBytes: 10, limit: UInt64.max, what: "UInt64")
    }

    @inlinable public mutating func readInt64() throws(DecodeError) -> Int64 {
        let u = try readVarint(maxBytes: 10, limit: UInt64.max, what: "Int64")
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    @inlinable public mutating func readInt() throws(DecodeError) -> Int {
        let start = _offset
        let v = try readInt64()
        guard let i = Int(exactly: v) else {
            _offset = start
            throw DecodeError(offset: start, reason: "integer \(v) does not fit in Int")
        }
        return i
    }

    @inlinable public mutating func readDouble() throws(DecodeError) -> Double {
        Double(bitPattern: try readFixedUInt64LE())
    }

    @inlinable public mutating func readFixedUInt32LE() throws(DecodeError) -> UInt32 {
        guard remaining >= 4 else { throw truncated("UInt32", at: _offset, need: 4) }
        let v = UnsafeRawPointer(bytes.baseAddress!).loadUnaligned(fromByteOffset: _offset, as: UInt32.self)
        _offset += 4
        return UInt32(littleEndian: v)
    }

    @inlinable public mutating func readFixedUInt64LE() throws(DecodeError) -> UInt64 {
        guard remaining >= 8 else { throw truncated("UInt64", at: _offset, need: 8) }
        let v = UnsafeRawPointer(bytes.baseAddress!).loadUnaligned(fromByteOffset: _offset, as: UInt64.self)
        _offset += 8
        return UInt64(littleEndian: v)
    }

    /// Reads a varint length and checks that many bytes remain.
    @inlinable mutating func readLength(_ what: StaticString) throws(DecodeError) -> Int {
        let start = _offset
        let n = try readVarint(maxBytes: 10, limit: UInt64.max, what: "length")
        guard n <= UInt64(remaining) else {
            _offset = start
            throw DecodeError(offset: start, reason: "\(what) of \(n) bytes runs past the end of the data (\(remaining) bytes left)")
        }
        return Int(n)
    }

    /// Varint length + UTF-8; invalid UTF-8 is an error (never silently repaired).
    @inlinable public mutating func readString() throws(DecodeError) -> String {
        let start = _offset
        let n = try readLength("string")
        let from = _offset
        let result = decodeUTF8(UnsafeBufferPointer(rebasing: bytes[from ..< from + n]))
        guard let s = result else {
            _offset = start
            throw DecodeError(offset: start, reason: "string is not valid UTF-8")
        }
        _offset += n
        return s
    }

    /// Steps over a string (varint length + bytes) without decoding or validating it.
    @inlinable public mutating func skipString() throws(DecodeError) {
        _offset += try readLength("string")
    }

    /// Varint length + the bytes.
    public mutating func readBytes() throws(DecodeError) -> [UInt8] {
        let n = try readLength("byte string")
        let s = _offset
        _offset += n
        return Array(bytes[s ..< s + n])
    }

    /// `count` raw bytes (no length prefix), as a slice of the input (no copy).
    public mutating func readRaw(count n: Int) throws(DecodeError) -> ByteSlice {
        guard n >= 0, n <= remaining else { throw truncated("raw bytes", at: _offset, need: n) }
        let s = _offset
        _offset += n
        return input.slice(s ..< s + n)
    }

    /// Skips `n` bytes.
    public mutating func skip(_ n: Int) throws(DecodeError) {
        guard n >= 0, n <= remaining else { throw truncated("skip", at: _offset, need: n) }
        _offset += n
    }
}

/// True when the bytes are valid UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF): the
/// check of `decodeUTF8` without building a string, for texts kept as bytes.
public func isValidUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let p = b.baseAddress else { return true }
    let n = b.count
    var i = 0
    while i < n {
        if i + 8 <= n, UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8; continue }
        let c = p[i]
        if c < 0x80 { i += 1; continue }
        // The usual non-ASCII case first: a CJK character, three bytes led by E1–EC or EE–EF.
        if c &- 0xE1 < 0x0F, c != 0xED, i + 2 < n, p[i + 1] & 0xC0 == 0x80, p[i + 2] & 0xC0 == 0x80 { i += 3; continue }
        if c < 0xC2 { return false }
        if c < 0xE0 {
            guard i + 1 < n, p[i + 1] & 0xC0 == 0x80 else { return false }
            i += 2
        } else if c < 0xF0 {
            guard i + 2 < n else { return false }
            let c1 = p[i + 1], c2 = p[i + 2]
            guard c1 & 0xC0 == 0x80, c2 & 0xC0 == 0x80 else { return false }
            if c == 0xE0 && c1 < 0xA0 { return false }    // overlong
            if c == 0xED && c1 >= 0xA0 { return false }   // a surrogate
            i += 3
        } else if c < 0xF5 {
            guard i + 3 < n else { return false }
            let c1 = p[i + 1], c2 = p[i + 2], c3 = p[i + 3]
            guard c1 & 0xC0 == 0x80, c2 & 0xC0 == 0x80, c3 & 0xC0 == 0x80 else { return false }
            if c == 0xF0 && c1 < 0x90 { return false }    // overlong
            if c == 0xF4 && c1 >= 0x90 { return false }   // past U+10FFFF
            i += 4
        } else {
            return false
        }
    }
    return true
}

/// True when every byte is below 0x80, read 8 at a time.
public func isASCII(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let p = b.baseAddress else { return true }
    let raw = UnsafeRawPointer(p)
    var high: UInt64 = 0, i = 0
    while i + 8 <= b.count { high |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self); i += 8 }
    while i < b.count { high |= UInt64(p[i]); i += 1 }
    return high & 0x8080_8080_8080_8080 == 0
}

/// Strict UTF-8 decoding: nil when the bytes are not valid UTF-8 (never repaired). Also the CSV
/// reader's check of each field.
public func decodeUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
    guard bytes.baseAddress != nil else { return "" }
    if isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
    // Decoding repairs invalid sequences with U+FFFD; a repaired string differs from its input.
    var s = String(decoding: bytes, as: UTF8.self)
    let same = s.withUTF8 { utf8 in
        utf8.count == bytes.count && memcmp(utf8.baseAddress!, bytes.baseAddress!, bytes.count) == 0
    }
    return same ? s : nil
}

@usableFromInline func varintError(_ failure: Int, at start: Int, what: StaticString, maxBytes: Int, value: UInt64) -> DecodeError {
    let reason: String
    switch failure {
    case 1: reason = "truncated \(what) varint"
    case 2: reason = "\(what) varint overflows 64 bits"
    case 3: reason = "non-canonical \(what) varint"
    case 4: reason = "overlong \(what) varint (more than \(maxBytes) bytes)"
    default: reason = "\(what) varint value \(value) is out of range"
    }
    return DecodeError(offset: start, reason: reason)
}
