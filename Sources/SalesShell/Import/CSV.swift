import Foundation
import SalesCore
import SalesLanguage
import SalesStore

/// A CSV reader for files other systems export: UTF-8 with or without BOM, comma, semicolon or tab
/// (guessed from the header), quoted fields with doubled quotes and embedded newlines, CRLF, LF or CR
/// line ends. It streams: the file is read in chunks and handed out a row at a time, so a file of any
/// size costs the memory of one row. It works on bytes (every character that matters is ASCII) and
/// checks each field is UTF-8; each field keeps the line and column where it starts, for error messages.
public struct CSVField: Sendable { public var text: String; public var line: Int; public var column: Int }
public struct CSVRow: Sendable {
    public var fields: [CSVField]
    public var line: Int
    /// The row's bytes as the file has them (a slice of the reader's buffer: a row's text is built
    /// only when a message quotes it).
    public var rawBytes: ArraySlice<UInt8>
    public var raw: String { String(decoding: rawBytes, as: UTF8.self) }
    /// Each cell's plain value (`CSVReader.cells`), when the row has as many cells as there are
    /// readers; empty otherwise. A cell read from its bytes has no text in `fields`.
    public var values: [Value?] = []

    public init(fields: [CSVField], line: Int, rawBytes: ArraySlice<UInt8>) { self.fields = fields; self.line = line; self.rawBytes = rawBytes }
    /// A row of nothing: what a row moved out of its place leaves there.
    public init() { self.init(fields: [], line: 0, rawBytes: []) }
}

public struct CSVError: Error, CustomStringConvertible {
    public enum Kind: Sendable { case unclosedQuote, notUTF8, unreadable }
    public var kind: Kind
    public var line: Int
    public var column: Int
    public var description: String
    /// The text of the row the error is in, as far as it could be read.
    public var raw: String
}

/// Characters as a column counts them: bytes that do not continue a UTF-8 sequence (10xxxxxx),
/// counted 8 at a time.
private func characterCount(_ b: UnsafeBufferPointer<UInt8>) -> Int {
    guard let p = b.baseAddress else { return 0 }
    let raw = UnsafeRawPointer(p)
    var continuing = 0, i = 0
    while i + 8 <= b.count {
        let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        // Most words are ASCII (ids, amounts, days): no bits to count.
        if w & 0x8080_8080_8080_8080 != 0 { continuing += (w & ~(w << 1) & 0x8080_8080_8080_8080).nonzeroBitCount }
        i += 8
    }
    while i < b.count { if p[i] & 0xC0 == 0x80 { continuing += 1 }; i += 1 }
    return b.count - continuing
}

public struct CSVReader {
    /// Reads the next bytes into the buffer given: how many, 0 at the end; throws when the file cannot
    /// be read further.
    private let readChunk: (UnsafeMutableRawBufferPointer) throws -> Int
    private let chunkSize: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    public private(set) var separator: UInt8 = UInt8(ascii: ",")
    /// Bytes handed out so far, for a progress bar.
    public private(set) var bytesRead = 0
    private var line = 1
    private var column = 1
    private var started = false
    /// How many fields the last row had: room for as many is made for the next.
    private var width = 0
    /// Columns whose text no one reads (by index; true: unread): a plain row's cell there is checked
    /// to be UTF-8 and handed out empty, rather than made into a string to be freed unread.
    public var unread: [Bool] = []
    /// Columns whose text is kept beside the cell's plain value (by index; true: kept): a reference,
    /// which may turn out to be a name. Elsewhere a plain row's cell that has a value has no text: the
    /// importer reads the value, and the text, kept, was let go of by this thread after the other had
    /// taken it.
    public var keepText: [Bool] = []
    /// How each column's cells convert plainly (nil: not converted), for `CSVRow.values`.
    public var cells: [PlainCell?] = [] { didSet { cellReaders = cells.map { $0.map(Unmanaged.passUnretained) } } }
    /// `cells`, which keeps them alive, as a plain row reads them: a reference taken out of an array is
    /// retained and released, and that was a third of the reading thread's time.
    private var cellReaders: [Unmanaged<PlainCell>?] = []

    /// Reads a file in 1 MB chunks; nil when it cannot be opened, or is a folder.
    public init?(path: String, io: any FileIO = POSIXFileIO()) {
        guard (try? io.kind(of: path)) != .directory, let fd = try? io.open(path, flags: O_RDONLY | O_CLOEXEC, mode: 0) else { return nil }
        /// Closed when the last copy of the reader goes.
        final class OpenFile: @unchecked Sendable {
            let io: any FileIO, fd: Int32
            var offset = 0
            init(_ io: any FileIO, _ fd: Int32) { self.io = io; self.fd = fd }
            deinit { io.close(fd) }
        }
        let file = OpenFile(io, fd)
        self.init(chunkSize: 1 << 20) { into in
            let n = try file.io.read(file.fd, into: into, at: file.offset)
            file.offset += n
            return n
        }
    }

    public init(text: String) { self.init(bytes: Array(text.utf8)) }

    /// Reads bytes in memory, `chunkSize` at a time (small sizes test rows split across chunks).
    public init(bytes: [UInt8], chunkSize: Int = 1 << 20) {
        var offset = 0
        self.init(chunkSize: chunkSize) { into in
            let n = min(into.count, bytes.count - offset)
            guard n > 0 else { return 0 }
            bytes.withUnsafeBytes { into.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
            offset += n
            return n
        }
    }

    /// Reads what `readChunk` gives (`chunkSize` at a time): see `readChunk`.
    init(chunkSize: Int, readChunk: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) {
        self.chunkSize = chunkSize
        self.readChunk = readChunk
    }

    /// The bytes not yet read and the next chunk, read straight into a new buffer: rows handed out
    /// still hold slices of the one before. (Through Foundation, each chunk was copied three times.)
    private mutating func fill() throws -> Bool {
        if atEnd { return false }
        let rest = buffer.count - position, start = position
        var got = 0
        let next: [UInt8]
        do {
            next = try [UInt8](unsafeUninitializedCapacity: rest + chunkSize) { b, count in
                if rest > 0 { buffer.withUnsafeBufferPointer { b.baseAddress!.initialize(from: $0.baseAddress! + start, count: rest) } }
                count = rest
                got = try readChunk(UnsafeMutableRawBufferPointer(start: b.baseAddress! + rest, count: chunkSize))
                count = rest + got
            }
        } catch {
            // Not the end of the file: what was read so far must not pass for all of it.
            atEnd = true
            let reason = (error as? SystemError)?.message ?? "\(error)"
            throw CSVError(kind: .unreadable, line: line, column: column, description: phrase("the file could not be read past this point: \(reason)"), raw: "")
        }
        guard got > 0 else { atEnd = true; return false }
        buffer = next
        position = 0
        return true
    }

    private mutating func peekByte() throws -> UInt8? {
        if position == buffer.count, try !fill() { return nil }
        return position < buffer.count ? buffer[position] : nil
    }

    /// The header line decides the separator: whichever of , ; and tab it has most of.
    private mutating func start() throws {
        started = true
        while try !buffer[position...].contains(UInt8(ascii: "\n")) && fill() {}
        if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { position = 3; bytesRead = 3 }
        let firstLine = buffer[position...].prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        let counts = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")].map { s in (s, firstLine.count { $0 == s }) }
        if let best = counts.max(by: { $0.1 < $1.1 }), best.1 > 0 { separator = best.0 }
    }

    /// The next row that is not blank, nil at the end of the file. A quote left open swallows the rest of
    /// the file: that row is thrown as `.unclosedQuote`, and the reader is at its end.
    public mutating func next() throws -> CSVRow? {
        if !started { try start() }
        let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), space = UInt8(ascii: " ")
        while true {
            guard try peekByte() != nil else { return nil }
            switch plainRow() {
            case .row(let r): return r
            case .blank: continue
            case .notPlain: break
            }
            var fields: [CSVField] = []
            var raw: [UInt8] = []
            var cur: [UInt8] = []
            var inQuotes = false, wasQuoted = false, onlySpaces = true
            let rowLine = line
            var fieldLine = line, fieldColumn = column, quotedAt = column
            func finishField() throws {
                var bytes = cur[...]
                if !wasQuoted {
                    while bytes.first == space { bytes = bytes.dropFirst() }
                    while bytes.last == space { bytes = bytes.dropLast() }
                }
                // Through a buffer: the generic `String(validating:)` over a slice looked up type
                // metadata for every field.
                guard let text = bytes.withUnsafeBufferPointer(decodeUTF8) else {
                    let bad = bytes.firstIndex { $0 >= 0x80 } ?? bytes.startIndex
                    throw CSVError(kind: .notUTF8, line: fieldLine, column: fieldColumn, description: phrase("not UTF-8 text (byte \(String(format: "0x%02X", bytes[bad])))"),
                                   raw: String(decoding: raw, as: UTF8.self))
                }
                fields.append(CSVField(text: text, line: fieldLine, column: fieldColumn))
                cur.removeAll(keepingCapacity: true); wasQuoted = false; onlySpaces = true
            }
            rowLoop: while let b = try peekByte() {
                position += 1; bytesRead += 1
                let counts = b & 0xC0 != 0x80   // a continuation byte is part of the character before it
                if inQuotes {
                    raw.append(b)
                    if b == quote {
                        if try peekByte() == quote { position += 1; bytesRead += 1; raw.append(quote); cur.append(quote); column += 2; continue }
                        inQuotes = false
                    } else {
                        cur.append(b)
                        if b == lf { line += 1; column = 1; continue }
                    }
                } else if b == quote && onlySpaces {
                    raw.append(b)
                    inQuotes = true; wasQuoted = true; cur.removeAll(keepingCapacity: true); quotedAt = column
                } else if b == separator {
                    raw.append(b)
                    try finishField(); fieldLine = line; fieldColumn = column + 1
                } else if b == lf || b == cr {
                    if b == cr, try peekByte() == lf { position += 1; bytesRead += 1 }
                    line += 1; column = 1
                    break rowLoop
                } else {
                    raw.append(b)
                    cur.append(b)
                    if b != space { onlySpaces = false }
                }
                if counts { column += 1 }
            }
            if inQuotes {
                throw CSVError(kind: .unclosedQuote, line: rowLine, column: quotedAt, description: phrase("a quoted field opened at column \(quotedAt) is never closed"),
                               raw: String(decoding: raw.prefix { $0 != lf }, as: UTF8.self))
            }
            try finishField()
            if fields.count == 1 && fields[0].text.isEmpty && !raw.contains(quote) { continue }   // a blank line
            var row = CSVRow(fields: fields, line: rowLine, rawBytes: raw[...])
            if cells.count == fields.count { row.values = zip(cells, fields).map { cell, f in cell?.value(f.text) } }
            return row
        }
    }

    private enum PlainRow { case row(CSVRow), blank, notPlain }

    /// Rows handed back once read: their lists of fields and values are emptied and filled again by
    /// later rows, rather than freed and allocated for each row.
    private var spare: [CSVRow] = []

    /// Takes back the rows of batches the importer is done with (`RowFeed`); they are freed here, on
    /// the thread that made them, but for a batch's worth kept for reuse.
    mutating func reuse(_ batches: consuming [[RowFeed.Item]]) {
        // Each batch moved out of the list, not copied: a batch still held by the list would be copied
        // whole, every row's contents retained, by the first row taken from it.
        var batches = batches
        while var batch = batches.popLast() {
            batch.moveRows(into: &spare, upTo: 4096)
        }
    }

    /// An empty list of fields and one of values, with room, from a spare row when there is one.
    private mutating func emptyLists() -> ([CSVField], [Value?]) {
        guard var row = spare.popLast() else { return ([], []) }
        var fields: [CSVField] = [], values: [Value?] = []
        swap(&fields, &row.fields); swap(&values, &row.values)
        fields.removeAll(keepingCapacity: true); values.removeAll(keepingCapacity: true)
        return (fields, values)
    }

    /// Most rows have no quote and end in a line feed already read: such a row is cut at its separators
    /// in place, without the byte-by-byte states of `next`. Anything else (a quote, a lone CR, a row
    /// running past the buffer, a field that is not UTF-8) is left to `next`, which reads it, or says
    /// what is wrong with it, the same way. The row's ends and its separators are found with `memchr`;
    /// a field's column (in characters) is counted from its bytes only when the row is not ASCII.
    private mutating func plainRow() -> PlainRow {
        let quote = Int32(UInt8(ascii: "\"")), cr = UInt8(ascii: "\r"), lf = Int32(UInt8(ascii: "\n")), space = UInt8(ascii: " ")
        let sep = Int32(separator), rowLine = line
        var rawRange = 0..<0
        let unread = unread
        var (fields, values) = emptyLists()
        let row = buffer.withUnsafeBufferPointer { b -> PlainRow in cellReaders.withUnsafeBufferPointer { cells -> PlainRow in
            guard let base = b.baseAddress else { return .notPlain }
            let start = position
            guard start < b.count, let found = memchr(base + start, lf, b.count - start) else { return .notPlain }
            let end = UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) - base
            if memchr(base + start, quote, end - start) != nil { return .notPlain }
            let lineEnd = end > start && base[end - 1] == cr ? end - 1 : end
            if memchr(base + start, Int32(cr), lineEnd - start) != nil { return .notPlain }
            let ascii = isASCII(UnsafeBufferPointer(start: base + start, count: lineEnd - start))
            fields.reserveCapacity(width)
            values.reserveCapacity(cells.count)
            var fieldStart = start, charactersBefore = 0, emptyFirst = false
            while true {
                let fieldEnd = fieldStart < lineEnd ? memchr(base + fieldStart, sep, lineEnd - fieldStart).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base } ?? lineEnd : lineEnd
                var lo = fieldStart, hi = fieldEnd
                while lo < hi, base[lo] == space { lo += 1 }
                while hi > lo, base[hi - 1] == space { hi -= 1 }
                let cell = UnsafeBufferPointer(start: base + lo, count: hi - lo)
                let i = fields.count
                var text = ""
                if i < unread.count, unread[i] {
                    guard ascii || isValidUTF8(cell) else { return .notPlain }
                    if i < cells.count { values.append(nil) }
                } else if i < cells.count, let reader = cells[i] {
                    if let value = reader._withUnsafeGuaranteedRef({ $0.value(bytes: cell) }), ascii || isValidUTF8(cell) {
                        values.append(value)
                    } else {
                        guard let t = decodeUTF8(cell) else { return .notPlain }
                        let value = reader._withUnsafeGuaranteedRef { $0.value(t, bytes: cell) }
                        // The text kept beside its value only where the importer may read it still.
                        if value == nil || (i < keepText.count && keepText[i]) { text = t }
                        values.append(value)
                    }
                } else {
                    guard let t = decodeUTF8(cell) else { return .notPlain }
                    text = t
                    if i < cells.count { values.append(nil) }
                }
                if fields.isEmpty { emptyFirst = lo == hi }
                fields.append(CSVField(text: text, line: rowLine, column: charactersBefore + 1))
                if fieldEnd == lineEnd { break }
                let span = UnsafeBufferPointer(start: base + fieldStart, count: fieldEnd + 1 - fieldStart)
                charactersBefore += ascii ? span.count : characterCount(span)
                fieldStart = fieldEnd + 1
            }
            position = end + 1; bytesRead += end + 1 - start; line += 1
            width = fields.count
            if fields.count == 1 && emptyFirst { return .blank }
            rawRange = start..<lineEnd
            return .row(CSVRow(fields: fields, line: rowLine, rawBytes: []))
        } }
        guard case .row(var r) = row else { return row }
        r.rawBytes = buffer[rawRange]
        if r.fields.count == cells.count { r.values = values }
        return .row(r)
    }
}
