import Testing
@testable import SalesStore

@Suite struct BinaryCodecTests {
    @Test func roundTripOfEveryKind() throws {
        var w = BinaryWriter()
        let u32s: [UInt32] = [0, 1, 127, 128, 300, 16383, 16384, UInt32.max]
        let u64s: [UInt64] = [0, 1, 127, 128, 1 << 35, UInt64(UInt32.max) + 1, UInt64.max - 1, UInt64.max]
        let i64s: [Int64] = [0, -1, 1, -64, 63, -65, 64, Int64.min, Int64.max, -123_456_789]
        let strings = ["", "a", "王伟", "Zürich — 東京 🚀", String(repeating: "x", count: 1000)]
        let doubles: [Double] = [0, -0.0, 1.5, -2.25, .infinity, 123_456.789]
        w.write(UInt8(7))
        for v in u32s { w.write(v) }
        for v in u64s { w.write(v) }
        for v in i64s { w.write(v) }
        w.write(-42)
        w.write(true)
        w.write(false)
        for d in doubles { w.write(d) }
        for s in strings { w.writeString(s) }
        w.writeBytes([1, 2, 3])
        w.writeBytes([])
        w.writeRaw([9, 9])
        w.writeFixedUInt32LE(0xDEAD_BEEF)
        w.writeFixedUInt64LE(0x0102_0304_0506_0708)

        var r = BinaryReader(w.bytes)
        #expect(try r.readUInt8() == 7)
        for v in u32s { #expect(try r.readUInt32() == v) }
        for v in u64s { #expect(try r.readUInt64() == v) }
        for v in i64s { #expect(try r.readInt64() == v) }
        #expect(try r.readInt() == -42)
        #expect(try r.readBool() == true)
        #expect(try r.readBool() == false)
        for d in doubles { #expect(try r.readDouble().bitPattern == d.bitPattern) }
        for s in strings { #expect(try r.readString() == s) }
        #expect(try r.readBytes() == [1, 2, 3])
        #expect(try r.readBytes() == [])
        #expect(Array(try r.readRaw(count: 2)) == [9, 9])
        #expect(try r.readFixedUInt32LE() == 0xDEAD_BEEF)
        #expect(try r.readFixedUInt64LE() == 0x0102_0304_0506_0708)
        #expect(r.isAtEnd)
        #expect(throws: DecodeError.self) { try r.readUInt8() }
    }

    @Test func encodingsAreTheDocumentedOnes() {
        var w = BinaryWriter()
        w.write(UInt32(300))            // LEB128: AC 02
        w.write(Int64(-1))              // zigzag 1
        w.write(Int64(1))               // zigzag 2
        w.writeString("hé")             // 3, 68 C3 A9
        w.writeFixedUInt32LE(0x0102_0304)
        #expect(w.bytes == [0xAC, 0x02, 0x01, 0x02, 0x03, 0x68, 0xC3, 0xA9, 0x04, 0x03, 0x02, 0x01])
    }

    /// Every prefix of a valid encoding fails with a DecodeError, never a trap.
    @Test func everyTruncationThrows() {
        var w = BinaryWriter()
        w.write(UInt64.max)
        w.write(Int64.min)
        w.writeString("héllo wörld")
        w.writeBytes([1, 2, 3, 4])
        w.writeFixedUInt32LE(1)
        w.writeFixedUInt64LE(2)
        w.write(1.5)
        let full = w.bytes
        func decodeAll(_ b: ArraySlice<UInt8>) throws(DecodeError) {
            var r = BinaryReader(b)
            _ = try r.readUInt64()
            _ = try r.readInt64()
            _ = try r.readString()
            _ = try r.readBytes()
            _ = try r.readFixedUInt32LE()
            _ = try r.readFixedUInt64LE()
            _ = try r.readDouble()
        }
        #expect(throws: Never.self) { try decodeAll(full[...]) }
        for cut in 0..<full.count {
            #expect(throws: DecodeError.self, "cut at \(cut)") { try decodeAll(full[0..<cut]) }
        }
    }

    @Test func malformedVarintsAreRejected() {
        func err(_ b: [UInt8], _ read: (inout BinaryReader) throws -> Void) -> DecodeError? {
            var r = BinaryReader(b)
            do { try read(&r); return nil } catch let e as DecodeError { return e } catch { return nil }
        }
        // 11 bytes of continuation: overlong.
        #expect(err([UInt8](repeating: 0x80, count: 10) + [0x01]) { _ = try $0.readUInt64() } != nil)
        // 10th byte carries more than the 64th bit: overflow.
        #expect(err([UInt8](repeating: 0xFF, count: 9) + [0x02]) { _ = try $0.readUInt64() } != nil)
        // UInt32 varint larger than UInt32.max, and 6 bytes long.
        #expect(err([0xFF, 0xFF, 0xFF, 0xFF, 0x1F]) { _ = try $0.readUInt32() } != nil)
        #expect(err([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]) { _ = try $0.readUInt32() } != nil)
        // Non-canonical zero padding.
        #expect(err([0x80, 0x00]) { _ = try $0.readUInt64() } != nil)
        // A length larger than the data.
        let e = err([0x05, 0x61]) { _ = try $0.readString() }
        #expect(e?.offset == 0)
        // Invalid UTF-8 (a lone continuation byte; a truncated 4-byte sequence).
        #expect(err([0x01, 0x80]) { _ = try $0.readString() } != nil)
        #expect(err([0x03, 0xF0, 0x9F, 0x98]) { _ = try $0.readString() } != nil)
        // Booleans are 0 or 1.
        #expect(err([0x02]) { _ = try $0.readBool() } != nil)
        // Offsets point at the bad value.
        let e2 = err([0x01, 0x80, 0x80]) { _ = try $0.readUInt8(); _ = try $0.readUInt64() }
        #expect(e2?.offset == 1)
    }

    @Test func readerOverASliceUsesRelativeOffsets() throws {
        let all: [UInt8] = [0xEE, 0xEE, 0x05, 0x01, 0x02]
        var r = BinaryReader(all[2...])
        #expect(try r.readUInt8() == 5)
        #expect(r.offset == 1)
        #expect(r.remaining == 2)
        #expect(Array(try r.readRaw(count: 2)) == [1, 2])
        #expect(r.isAtEnd)
    }

    @Test func crc32cKnownValuesAndIncremental() {
        #expect(crc32(Array("123456789".utf8)) == 0xE306_9283)
        #expect(crc32([UInt8]()) == 0)
        #expect(crc32([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        // Any split gives the same result as one pass (exercises the 8-byte loop and the tail).
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = crc32(data)
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            #expect(crc32(data[split...], continuing: crc32(data[..<split])) == whole)
        }
        // Against a bit-at-a-time reference.
        func reference(_ b: [UInt8]) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for x in b {
                c ^= UInt32(x)
                for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            }
            return ~c
        }
        for n in [0, 1, 3, 8, 15, 16, 17, 64, 257] {
            let b = Array(data[0..<n])
            #expect(crc32(b) == reference(b))
        }
    }

    /// The processor's instruction (where this machine has it) and the tables agree at every length
    /// and alignment, and when continuing a checksum; from 12 KB on, three streams run side by side and
    /// are joined, at lengths that split evenly and lengths that leave a tail.
    @Test func crc32cInstructionMatchesTheTables() {
        let data = (0..<40_000).map { UInt8(truncatingIfNeeded: ($0 &* 2654435761) >> 7) }
        data.withUnsafeBytes { all in
            for start in 0..<9 {
                for n in [0, 1, 5, 8, 13, 64, 1000, 4090, 12_287, 12_288, 12_289, 24_000, 39_990] where start + n <= all.count {
                    let b = UnsafeRawBufferPointer(rebasing: all[start ..< start + n])
                    #expect(crc32(b) == crc32Table(b))
                    #expect(crc32(b, continuing: 0x1234_5678) == crc32Table(b, continuing: 0x1234_5678))
                }
            }
        }
    }

    /// Joined over thirds of every length up to megabytes (each length's own operator for its zero
    /// bytes), the checksum is still the tables'.
    @Test func crc32cJoinsAtEveryLength() {
        let data = (0..<3_000_000).map { UInt8(truncatingIfNeeded: ($0 &* 2654435761) >> 11) }
        var seed: UInt64 = 7
        data.withUnsafeBytes { all in
            for _ in 0..<24 {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                let n = 12_288 + Int(seed >> 40) % (all.count - 12_288)
                let b = UnsafeRawBufferPointer(rebasing: all[all.count - n ..< all.count])
                #expect(crc32(b, continuing: UInt32(truncatingIfNeeded: seed)) == crc32Table(b, continuing: UInt32(truncatingIfNeeded: seed)), "\(n)")
            }
        }
    }

    /// The check without a string agrees with the strict decode on every kind of bad sequence and on
    /// random bytes.
    @Test func utf8CheckAgreesWithTheDecoder() {
        var cases: [[UInt8]] = [[], Array("台灣 5G ok".utf8), [0x80], [0xC0, 0x80], [0xC1, 0xBF], [0xC2, 0x80], [0xDF, 0xBF],
                                [0xE0, 0x9F, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xEF, 0xBF, 0xBF],
                                [0xF0, 0x8F, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
                                [0xF5, 0x80, 0x80, 0x80], [0xE4, 0xB8], [0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0xE4]]
        var seed: UInt64 = 20261127
        for _ in 0..<3000 {
            let n = Int(seed % 24)
            var b: [UInt8] = []
            for _ in 0..<n {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                let x = UInt8(truncatingIfNeeded: seed >> 33)
                b.append(seed >> 61 == 0 ? x & 0x7F : x)   // mostly non-ASCII, some ASCII
            }
            cases.append(b)
        }
        for b in cases {
            b.withUnsafeBufferPointer { p in #expect(isValidUTF8(p) == (decodeUTF8(p) != nil), "\(b)") }
        }
    }
}
