/// Numbers by text: the slots of chosen ids (wang.wei, north), a dictionary column's codes. An import
/// asks it of every row's owner, presales and competitor several times over (does the record exist,
/// which code stands for it, what is their role), and the standard library's dictionary hashes each
/// text with seeded SipHash; this one hashes an ASCII text's bytes eight at a time.
///
/// Open addressing with linear probing, at most half full. Texts compare as Swift compares them, by
/// canonical equivalence: a text that is not ASCII hashes as the standard library hashes it, unless
/// it is canonically an ASCII text (the only scalars beyond ASCII that are: U+037E `;`, U+1FEF `` ` ``
/// and U+212A `K`), which hashes as that text does.
public struct TextIndex {
    private var keys: ContiguousArray<String?> = []
    private var hashes: ContiguousArray<UInt64> = []
    private var values: ContiguousArray<Int> = []
    public private(set) var count = 0

    public init() {}

    public var isEmpty: Bool { count == 0 }

    public subscript(key: String) -> Int? {
        get {
            guard count > 0 else { return nil }
            let h = TextIndex.hash(key)
            let mask = keys.count - 1
            var i = Int(truncatingIfNeeded: h) & mask
            while let k = keys[i] {
                if hashes[i] == h && k == key { return values[i] }
                i = (i + 1) & mask
            }
            return nil
        }
        set {
            if let v = newValue { insert(key, v) } else { _ = removeValue(forKey: key) }
        }
    }

    /// The entries in no particular order.
    public var entries: [(key: String, value: Int)] {
        keys.indices.compactMap { i in keys[i].map { ($0, values[i]) } }
    }

    public mutating func reserveCapacity(_ n: Int) {
        if 2 * n > keys.count { grow(to: n) }
    }

    private mutating func insert(_ key: String, _ value: Int) {
        if 2 * (count + 1) > keys.count { grow(to: count + 1) }
        let h = TextIndex.hash(key)
        let mask = keys.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while let k = keys[i] {
            if hashes[i] == h && k == key { values[i] = value; return }
            i = (i + 1) & mask
        }
        keys[i] = key; hashes[i] = h; values[i] = value
        count += 1
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> Int? {
        guard count > 0 else { return nil }
        let h = TextIndex.hash(key)
        let mask = keys.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while let k = keys[i] {
            if hashes[i] == h && k == key { break }
            i = (i + 1) & mask
        }
        guard keys[i] != nil else { return nil }
        let removed = values[i]
        // Backward shift: each entry after the hole that could sit in it moves into it, so no probe
        // run is ever broken by an empty place.
        var hole = i
        var j = (i + 1) & mask
        while keys[j] != nil {
            let home = Int(truncatingIfNeeded: hashes[j]) & mask
            // Moves when its home is not cyclically within (hole, j].
            if (j > hole && (home <= hole || home > j)) || (j < hole && home <= hole && home > j) {
                keys[hole] = keys[j]; hashes[hole] = hashes[j]; values[hole] = values[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        keys[hole] = nil
        count -= 1
        return removed
    }

    private mutating func grow(to n: Int) {
        var size = 16
        while size < 2 * n { size *= 2 }
        let oldKeys = keys, oldHashes = hashes, oldValues = values
        keys = ContiguousArray(repeating: nil, count: size)
        hashes = ContiguousArray(repeating: 0, count: size)
        values = ContiguousArray(repeating: 0, count: size)
        let mask = size - 1
        for o in oldKeys.indices {
            guard let k = oldKeys[o] else { continue }
            var i = Int(truncatingIfNeeded: oldHashes[o]) & mask
            while keys[i] != nil { i = (i + 1) & mask }
            keys[i] = k; hashes[i] = oldHashes[o]; values[i] = oldValues[o]
        }
    }

    /// Equal for texts Swift holds equal.
    public static func hash(_ text: String) -> UInt64 {
        var text = text
        if let h = text.withUTF8({ ascii($0) }) { return h }
        var mapped: [UInt8] = []
        for u in text.unicodeScalars {
            switch u.value {
            case 0..<0x80: mapped.append(UInt8(u.value))
            case 0x37E: mapped.append(UInt8(ascii: ";"))
            case 0x1FEF: mapped.append(UInt8(ascii: "`"))
            case 0x212A: mapped.append(UInt8(ascii: "K"))
            default: return UInt64(UInt(bitPattern: text.hashValue))
            }
        }
        return mapped.withUnsafeBufferPointer { ascii($0)! }
    }

    /// The hash of ASCII bytes; nil when there is a byte beyond ASCII.
    @inline(__always) static func ascii(_ b: UnsafeBufferPointer<UInt8>) -> UInt64? {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(b.count)
        var high: UInt64 = 0
        var i = 0
        let n = b.count
        let raw = UnsafeRawPointer(b.baseAddress)
        while i + 8 <= n {
            let w = raw!.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            high |= w
            h = (h ^ w) &* 0x5851_F42D_4C95_7F2D
            h ^= h >> 29
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            for k in i..<n { w |= UInt64(b[k]) << (8 * UInt64(k - i)) }
            high |= w
            h = (h ^ w) &* 0x5851_F42D_4C95_7F2D
            h ^= h >> 29
        }
        guard high & 0x8080_8080_8080_8080 == 0 else { return nil }
        h = (h ^ (h >> 32)) &* 0xD6E8_FEB8_6659_FD93
        return h ^ (h >> 32)
    }
}
