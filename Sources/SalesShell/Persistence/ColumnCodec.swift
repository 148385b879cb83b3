import Foundation
import SalesCore
import SalesStore

/// A table's records by column (snapshot format 3): each field's values as the arrays the table keeps
/// them in, so reading them back is a copy of bytes, not a parse of each value.
///
/// Column chunk: the ids, then one part per field of the section, each part its byte length (8 bytes,
/// little-endian) and then a form byte:
/// 0 values (n values as in the row format) · 1 numbers (the value tag of int, money, percent or
/// timestamp, then n × 8 bytes) · 2 dates (n × 4 bytes, days) · 3 codes (a count and that many values,
/// then n bytes: 0 null, k the k-th value) · 4 dictionary (a count and that many strings, then n × 4
/// bytes: 0 null, k the k-th string) · 5 texts (n × 4 bytes of byte lengths, 0xFFFFFFFF for null, then
/// the UTF-8 of them all). Numbers are little-endian; a null number is the smallest one of its width.
extension ModelCodec {

    // MARK: encoding

    /// The parts of a column chunk, each encoded when called (side by side): the ids, then each field's
    /// values, in schema order.
    private static func chunkParts(ids: @escaping () -> ContiguousArray<String?>, columns: [() -> FieldColumn.Storage]) -> [() -> [DataFolder.Part]] {
        [{ encodeField(.texts(ids())) }] + columns.map { column in { encodeField(column()) } }
    }

    /// The parts of one table's column chunk, its live records only.
    static func columnParts(of t: Table) -> [() -> [DataFolder.Part]] {
        let live: [Int]? = t.count == t.slotCount ? nil : t.liveSlots
        let ids = t.slotIDs
        return chunkParts(ids: { live.map { ContiguousArray($0.map { ids[$0] }) } ?? ids },
                          columns: t.columns.map { column in { live.map { gather(column.storage, $0) } ?? column.storage } })
    }

    /// The parts of a column chunk of a table's records from slot `from` on, all live (appended since
    /// the table was last written).
    static func columnParts(of t: Table, from: Int) -> [() -> [DataFolder.Part]] {
        let ids = t.slotIDs
        return chunkParts(ids: { ContiguousArray(ids[from...]) }, columns: t.columns.map { column in { suffix(column.storage, from: from) } })
    }

    /// The values from slot `from` on, each array's tail copied whole (none for the whole column: a
    /// table's first import is lent to the write as it is).
    static func suffix(_ s: FieldColumn.Storage, from: Int) -> FieldColumn.Storage {
        if from == 0 { return s }
        return switch s {
        case .int(let a): .int(ContiguousArray(a[from...]))
        case .money(let a): .money(ContiguousArray(a[from...]))
        case .percent(let a): .percent(ContiguousArray(a[from...]))
        case .timestamp(let a): .timestamp(ContiguousArray(a[from...]))
        case .dates(let a): .dates(ContiguousArray(a[from...]))
        case .codes(let names, let a): .codes(names: names, ContiguousArray(a[from...]))
        case .dictionary(let entries, let a): .dictionary(entries: entries, ContiguousArray(a[from...]))
        case .texts(let a): .texts(ContiguousArray(a[from...]))
        case .heap(let spans, let bytes): .heap(spans: ContiguousArray(spans[from...]), bytes: bytes)   // spans into the same heap
        case .values(let a): .values(ContiguousArray(a[from...]))
        }
    }

    /// The parts of a column chunk of rows kept aside for a table not decoded (`Table.AppendedRows`).
    static func columnParts(of rows: Table.AppendedRows) -> [() -> [DataFolder.Part]] {
        let ids = rows.ids
        return chunkParts(ids: { ContiguousArray(ids.lazy.map { Optional($0) }) }, columns: rows.columns.map { column in { column.storage } })
    }

    /// A column's array lent to the snapshot's write as it is: its bytes are the format's.
    struct LentColumn<T: FixedWidthInteger & Sendable>: DataFolder.LentBytes {
        let array: ContiguousArray<T>
        var byteCount: Int { array.count * MemoryLayout<T>.stride }
        func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try array.withUnsafeBytes(body) }
    }

    /// The first `count` bytes of a text heap, lent as they are.
    struct LentHeap: DataFolder.LentBytes {
        let bytes: ContiguousArray<UInt8>, count: Int
        var byteCount: Int { count }
        func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0 ..< count])) }
        }
    }

    /// How many pieces to encode `count` values or rows in, side by side: one below 16,384, at most 64.
    static func pieceCount(_ count: Int) -> Int { count == 0 ? 0 : min(64, 1 + count / 16_384) }

    /// The indexes of the `p`-th of `pieces` even pieces of `count`.
    static func piece(_ p: Int, of pieces: Int, in count: Int) -> Range<Int> { count * p / pieces ..< count * (p + 1) / pieces }

    /// The values of `slots` only (a table with deleted slots).
    static func gather(_ s: FieldColumn.Storage, _ slots: [Int]) -> FieldColumn.Storage {
        switch s {
        case .int(let a): .int(ContiguousArray(slots.map { a[$0] }))
        case .money(let a): .money(ContiguousArray(slots.map { a[$0] }))
        case .percent(let a): .percent(ContiguousArray(slots.map { a[$0] }))
        case .timestamp(let a): .timestamp(ContiguousArray(slots.map { a[$0] }))
        case .dates(let a): .dates(ContiguousArray(slots.map { a[$0] }))
        case .codes(let names, let a): .codes(names: names, ContiguousArray(slots.map { a[$0] }))
        case .dictionary(let entries, let a): .dictionary(entries: entries, ContiguousArray(slots.map { a[$0] }))
        case .texts(let a): .texts(ContiguousArray(slots.map { a[$0] }))
        case .heap(let spans, let bytes): .texts(ContiguousArray(slots.map { FieldColumn.text(in: bytes, spans[$0]).textValue }))
        case .values(let a): .values(ContiguousArray(slots.map { a[$0] }))
        }
    }

    /// One field's part, its length first: what is encoded, then what follows it as it is — the
    /// column's own array or text heap where its bytes are already the format's (numbers, days, codes,
    /// a heap with no gaps), lent rather than copied, or the pieces values of any type were encoded in.
    static func encodeField(_ s: FieldColumn.Storage) -> [DataFolder.Part] {
        var w = BinaryWriter(reservingCapacity: 64)
        w.writeFixedUInt64LE(0)
        var tail: [DataFolder.Part] = []
        func raw<T: FixedWidthInteger>(_ a: ContiguousArray<T>) {
            #if _endian(little)
            a.withUnsafeBytes { w.writeRaw($0) }
            #else
            ContiguousArray(a.map(\.littleEndian)).withUnsafeBytes { w.writeRaw($0) }
            #endif
        }
        /// The part's last bytes: lent as they are where they are the format's.
        func last<T: FixedWidthInteger & Sendable>(_ a: ContiguousArray<T>) {
            #if _endian(little)
            tail = [.lent(LentColumn(array: a))]
            #else
            raw(a)
            #endif
        }
        switch s {
        case .values(let a):
            w.write(UInt8(0))
            // Value by value, so in pieces side by side: the history's old and new values, after an
            // import of a million records, are a million summaries.
            let pieces = pieceCount(a.count)
            guard pieces > 1 else { w.reserveCapacity(a.count * 8 + 16); for v in a { write(v, &w) }; break }
            var encoded = [[UInt8]](repeating: [], count: pieces)
            encoded.withUnsafeMutableBufferPointer { out in
                DispatchQueue.concurrentPerform(iterations: pieces) { p in
                    let values = a[piece(p, of: pieces, in: a.count)]
                    var pw = BinaryWriter(reservingCapacity: values.count * 16)
                    for v in values { write(v, &pw) }
                    out[p] = pw.bytes
                }
            }
            tail = encoded.map { .bytes($0) }
        case .int(let a): w.write(UInt8(1)); w.write(UInt8(3)); last(a)
        case .money(let a): w.write(UInt8(1)); w.write(UInt8(5)); last(a)
        case .percent(let a): w.write(UInt8(1)); w.write(UInt8(6)); last(a)
        case .timestamp(let a): w.write(UInt8(1)); w.write(UInt8(8)); last(a)
        case .dates(let a): w.write(UInt8(2)); last(a)
        case .codes(let names, let a):
            w.write(UInt8(3))
            w.write(UInt64(names.count))
            for v in names { write(v, &w) }
            last(a)
        case .dictionary(let entries, let a):
            w.write(UInt8(4))
            w.write(UInt64(entries.count))
            for v in entries { w.writeString(v.textValue ?? "") }
            last(a)
        case .texts(let a):
            w.write(UInt8(5))
            var lengths = ContiguousArray<UInt32>()
            lengths.reserveCapacity(a.count)
            var total = 0
            // Each text read in place: a copy retained and released it, twice for each of millions.
            a.withUnsafeBufferPointer { texts in
                for i in texts.indices {
                    let n = texts[i]?.utf8.count ?? -1
                    lengths.append(n < 0 ? UInt32.max : UInt32(n))
                    total += max(n, 0)
                }
                // The lengths lent, and the texts copied into an array of their exact size: appended
                // one by one to the part, each paid for the array's checks, and its growth for faults.
                let bytes = [UInt8](unsafeUninitializedCapacity: total) { out, count in
                    var at = out.baseAddress!
                    for i in texts.indices where texts[i] != nil {
                        let copied: Int? = texts[i]!.utf8.withContiguousStorageIfAvailable { u in
                            at.update(from: u.baseAddress!, count: u.count); return u.count
                        }
                        if let copied { at += copied; continue }
                        var t = texts[i]!
                        at += t.withUTF8 { u in at.update(from: u.baseAddress!, count: u.count); return u.count }
                    }
                    count = total
                }
                #if _endian(little)
                tail = [.lent(LentColumn(array: lengths)), .bytes(bytes)]
                #else
                raw(lengths)
                tail = [.bytes(bytes)]
                #endif
            }
        case .heap(let spans, let bytes):
            // The same bytes as texts, taken from the heap as they are; a heap with no gaps (nothing set
            // since it was read) is written in one piece.
            w.write(UInt8(5))
            var lengths = ContiguousArray<UInt32>()
            lengths.reserveCapacity(spans.count)
            var total = 0, contiguous = true, next: UInt64 = 0
            for sp in spans {
                if sp == FieldColumn.nullSpan { lengths.append(UInt32.max); continue }
                let start = sp >> FieldColumn.spanLengthBits, length = sp & (1 << FieldColumn.spanLengthBits - 1)
                if start != next { contiguous = false }
                next = start + length
                lengths.append(UInt32(length))
                total += Int(length)
            }
            raw(lengths)
            if contiguous {
                tail = [.lent(LentHeap(bytes: bytes, count: total))]
            } else {
                bytes.withUnsafeBytes { all in
                    w.reserveCapacity(w.count + total)
                    for sp in spans where sp != FieldColumn.nullSpan {
                        let start = Int(sp >> FieldColumn.spanLengthBits), length = Int(sp & (1 << FieldColumn.spanLengthBits - 1))
                        w.writeRaw(UnsafeRawBufferPointer(rebasing: all[start ..< start + length]))
                    }
                }
            }
        }
        w.patchFixedUInt64LE(UInt64(w.count - 8 + tail.reduce(0) { $0 + $1.count }), at: 0)
        return [.bytes(w.bytes)] + tail
    }

    // MARK: decoding

    /// Decodes a column chunk of `c.count` records into `table` (nil: only checked), its fields side by
    /// side, one thread per field.
    static func decodeColumns(_ c: Section, into table: Table?) throws {
        var r = BinaryReader(c.body)
        var slices: [(offset: Int, bytes: ByteSlice)] = []
        for _ in 0 ..< c.map.count + 1 {
            let at = r.offset
            let length = try r.readFixedUInt64LE()
            guard length <= UInt64(r.remaining) else {
                throw DecodeError(offset: at, reason: "a column of \(length) bytes runs past the end of its table (\(r.remaining) bytes left)")
            }
            slices.append((r.offset, try r.readRaw(count: Int(length))))
        }
        guard r.isAtEnd else { throw DecodeError(offset: r.offset, reason: "unexpected data after the columns of a table") }

        let n = c.count
        var storages = [FieldColumn.Storage?](repeating: nil, count: slices.count)
        var failures = [Error?](repeating: nil, count: slices.count)
        storages.withUnsafeMutableBufferPointer { out in
            failures.withUnsafeMutableBufferPointer { failed in
                DispatchQueue.concurrentPerform(iterations: slices.count) { k in
                    do {
                        var fr = BinaryReader(slices[k].bytes)
                        out[k] = try decodeField(&fr, count: n)
                        guard fr.isAtEnd else { throw DecodeError(offset: fr.offset, reason: "unexpected data after a column's values") }
                        slices[k].bytes.release()   // decoded: its pages go back, so a table's peak is not twice its size
                    } catch let d as DecodeError {
                        failed[k] = DecodeError(offset: slices[k].offset + d.offset, reason: d.reason)
                    } catch {
                        failed[k] = DecodeError(offset: slices[k].offset, reason: "in a column: \(error)")
                    }
                }
            }
        }
        if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
        guard let idStorage = storages[0], idStorage.isText else {
            throw DecodeError(offset: slices[0].offset, reason: "the ids of a table are not texts")
        }
        let idColumn = FieldColumn(holding: idStorage)
        var ids = ContiguousArray<String>()
        ids.reserveCapacity(n)
        for i in 0..<n {
            guard case .text(let id) = idColumn[i] else { throw DecodeError(offset: slices[0].offset, reason: "record \(i + 1) of a table has no id") }
            ids.append(id)
        }
        guard let table else { return }
        var byTarget = [FieldColumn.Storage?](repeating: nil, count: c.width)
        for (k, target) in c.map.enumerated() { if let target { byTarget[target] = storages[k + 1] } }
        let columns = table.emptyColumns.enumerated().map { f, template in
            byTarget[f].map { FieldColumn(like: template, $0) } ?? FieldColumn.nulls(like: template, count: n)
        }
        table.appendLoaded(ids: ids, columns: columns)
    }

    /// One field's values (its length already read).
    static func decodeField(_ r: inout BinaryReader, count n: Int) throws -> FieldColumn.Storage {
        func raw<T: FixedWidthInteger>(_: T.Type, count n: Int = n) throws -> ContiguousArray<T> {
            let size = MemoryLayout<T>.size
            guard n <= r.remaining / size else {
                throw DecodeError(offset: r.offset, reason: "\(n) values of \(size) bytes run past the end of the column (\(r.remaining) bytes left)")
            }
            let bytes = try r.readRaw(count: n * size)
            // An empty array made this way would write its count into the one empty array every thread
            // shares (columns decode side by side).
            guard n > 0 else { return [] }
            return ContiguousArray<T>(unsafeUninitializedCapacity: n) { buf, count in
                bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(buf).copyMemory(from: $0) }
                #if _endian(big)
                for i in 0..<n { buf[i] = T(littleEndian: buf[i]) }
                #endif
                count = n
            }
        }
        func count(_ what: String) throws -> Int {
            let at = r.offset
            let k = try r.readUInt64()
            guard k <= UInt64(r.remaining) else {
                throw DecodeError(offset: at, reason: "\(what) count \(k) runs past the end of the column (\(r.remaining) bytes left)")
            }
            return Int(k)
        }
        let at = r.offset
        switch try r.readUInt8() {
        case 0:
            guard n <= r.remaining else { throw DecodeError(offset: r.offset, reason: "\(n) values run past the end of the column") }
            var a = ContiguousArray<Value>()
            a.reserveCapacity(n)
            for _ in 0..<n { a.append(try readValue(&r)) }
            return .values(a)
        case 1:
            let kindAt = r.offset
            switch try r.readUInt8() {
            case 3: return .int(try raw(Int64.self))
            case 5: return .money(try raw(Int64.self))
            case 6: return .percent(try raw(Int64.self))
            case 8: return .timestamp(try raw(Int64.self))
            case let k: throw DecodeError(offset: kindAt, reason: "unknown kind \(k) of a column of numbers")
            }
        case 2:
            return .dates(try raw(Int32.self))
        case 3:
            let k = try count("code")
            guard k <= 255 else { throw DecodeError(offset: r.offset, reason: "\(k) codes: at most 255 fit a byte") }
            var names: [Value] = []
            for _ in 0..<k { names.append(try readValue(&r)) }
            let codesAt = r.offset
            let codes = try raw(UInt8.self)
            if let bad = codes.firstIndex(where: { Int($0) > k }) {
                throw DecodeError(offset: codesAt + bad, reason: "code \(codes[bad]) of a column with \(k) names")
            }
            return .codes(names: names, codes)
        case 4:
            let k = try count("dictionary entry")
            var entries = ContiguousArray<Value>()
            entries.reserveCapacity(k)
            for _ in 0..<k { entries.append(.text(try r.readString())) }
            let keysAt = r.offset
            let keys = try raw(UInt32.self)
            if let bad = keys.firstIndex(where: { Int($0) > k }) {
                throw DecodeError(offset: keysAt + 4 * bad, reason: "code \(keys[bad]) of a dictionary of \(k) entries")
            }
            return .dictionary(entries: entries, keys)
        case 5:
            let lengthsAt = r.offset
            let lengths = try raw(UInt32.self)
            let textAt = r.offset
            var total = 0
            for l in lengths where l != UInt32.max { total += Int(l) }
            guard total == r.remaining else {
                throw DecodeError(offset: lengthsAt, reason: "the texts' lengths add up to \(total) bytes, but \(r.remaining) follow")
            }
            // Read into a heap as they are: each text checked as UTF-8, no string built. (A text too long
            // for a span, a megabyte or more, makes the column strings instead.)
            let bytes = try raw(UInt8.self, count: total)
            var spans = ContiguousArray<UInt64>()
            spans.reserveCapacity(n)
            let tooLong = try bytes.withUnsafeBufferPointer { all -> Bool in
                // Every text is valid UTF-8 when all of them together are and each starts a character
                // (not on a continuation byte): one pass over the heap, not one call per text.
                let whole = isValidUTF8(all)
                var from = 0
                for l in lengths {
                    if l == UInt32.max { spans.append(FieldColumn.nullSpan); continue }
                    let to = from + Int(l)
                    if Int(l) >= (1 << FieldColumn.spanLengthBits) - 1 { return true }
                    let startsACharacter = l == 0 || all[from] & 0xC0 != 0x80
                    guard startsACharacter, whole || isValidUTF8(UnsafeBufferPointer(rebasing: all[from ..< to])) else {
                        throw DecodeError(offset: textAt + from, reason: "text is not valid UTF-8")
                    }
                    spans.append(UInt64(from) << FieldColumn.spanLengthBits | UInt64(l))
                    from = to
                }
                return false
            }
            guard tooLong else { return .heap(spans: spans, bytes: bytes) }
            return try bytes.withUnsafeBufferPointer { all -> FieldColumn.Storage in
                var texts = ContiguousArray<String?>()
                texts.reserveCapacity(n)
                var from = 0
                for l in lengths {
                    if l == UInt32.max { texts.append(nil); continue }
                    let to = from + Int(l)
                    guard let s = decodeUTF8(UnsafeBufferPointer(rebasing: all[from ..< to])) else {
                        throw DecodeError(offset: textAt + from, reason: "text is not valid UTF-8")
                    }
                    texts.append(s)
                    from = to
                }
                return .texts(texts)
            }
        case let form:
            throw DecodeError(offset: at, reason: "unknown column form \(form)")
        }
    }
}
