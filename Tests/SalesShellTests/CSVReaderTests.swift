import Foundation
import SalesCore
import SalesLanguage
import SalesStore
import Testing
@testable import SalesShell

@Suite("CSV reader")
struct CSVReaderTests {
    static let sample = "\u{FEFF}人員;課程;說明\r\n林華;5G-BASICS;\"高鐵,\r\n往返\"\r\n\r\n  徐軍  ;\"say \"\"hi\"\"\";x\rlast;row;end"

    func rows(_ text: String, chunk: Int = 1 << 20) throws -> [CSVRow] {
        var r = CSVReader(bytes: Array(text.utf8), chunkSize: chunk)
        var out: [CSVRow] = []
        while let row = try r.next() { out.append(row) }
        return out
    }

    @Test(arguments: [1, 2, 3, 7, 64, 1 << 20])
    func sameRowsWhateverTheChunkSize(chunk: Int) throws {
        let rs = try rows(Self.sample, chunk: chunk)
        #expect(rs.map { $0.fields.map(\.text) } == [["人員", "課程", "說明"], ["林華", "5G-BASICS", "高鐵,\r\n往返"],
                                                    ["徐軍", "say \"hi\"", "x"], ["last", "row", "end"]])
        #expect(rs.map(\.line) == [1, 2, 5, 6], "a quoted newline and a blank line count as lines")
        // Columns count characters, not bytes: 林華 is two columns wide in the count, six bytes long.
        #expect(rs[1].fields.map(\.column) == [1, 4, 14])
        #expect(rs[2].fields.map(\.column) == [1, 8, 21])
    }

    /// Rows without quotes are cut in place; byte by byte (a chunk of one byte never holds a whole
    /// row) must read every file the same: fields, lines, columns, raw text and errors alike.
    @Test func plainRowsReadAsByteByByte() throws {
        var rng = SystemRandomNumberGenerator()
        let pieces: [[UInt8]] = ["a", "林華", "  ", " x ", "5G", ",", ",", ";", "\"q,\"", "\"\"", "\r\n", "\n", "\n", "\r", "é", "\t"].map { Array($0.utf8) }
            + [[0xFF], [0xE6, 0x9E]]
        func read(_ bytes: [UInt8], chunk: Int) -> (rows: [String], error: String?) {
            var r = CSVReader(bytes: bytes, chunkSize: chunk)
            var out: [String] = []
            do {
                while let row = try r.next() {
                    out.append("\(row.line) \(row.raw.debugDescription) " + row.fields.map { "\($0.line):\($0.column)=\($0.text.debugDescription)" }.joined(separator: " "))
                }
            } catch let e as CSVError { return (out, "\(e.kind) \(e.line):\(e.column) \(e.description) \(e.raw.debugDescription)") } catch { return (out, "\(error)") }
            return (out, nil)
        }
        for _ in 0..<400 {
            var bytes = Array("id,name,note\n".utf8)
            for _ in 0..<Int.random(in: 0...40, using: &rng) { bytes += pieces.randomElement(using: &rng)! }
            let whole = read(bytes, chunk: 1 << 20), single = read(bytes, chunk: 1)
            #expect(whole.rows == single.rows, "\(bytes)")
            #expect(whole.error == single.error, "\(bytes)")
        }
    }

    /// A row's text is a slice of the reader's buffer: it must stay the row's after the buffer is
    /// refilled and compacted under it, however the file falls into chunks.
    @Test(arguments: [64, 100, 4096, 1 << 20])
    func rowsKeepTheirTextAfterTheBufferMoves(chunk: Int) throws {
        let lines = (1...500).map { "專線 \($0),C\($0),rep\($0 % 7),\($0)000" }
        let rs = try rows((["title,customer,owner,amount"] + lines).joined(separator: "\n") + "\n", chunk: chunk)
        #expect(rs.count == 501)
        #expect(rs.dropFirst().map(\.raw) == lines)
        #expect(rs.dropFirst().map { $0.fields.map(\.text).joined(separator: ",") } == lines)
    }

    /// An import's columns: converted cells are read from their bytes on a plain row, from their text
    /// on any other, and must come out the same as `Interpreter.plainImportValue` gives for the text;
    /// a column no one reads has no text on a plain row but is still checked to be UTF-8.
    @Test func cellsConvertAlikeFromBytesAndFromText() throws {
        var rng = SystemRandomNumberGenerator()
        let today = Day(year: 2026, month: 11, day: 26)!
        let types: [ValueType?] = [.money, .percent, .date, .enumeration(Enums.leadSource), .bool, .text, .reference("staff"), .int, .real, nil]
        let samples: [[String]] = [
            ["12000.50", "1.2m", "-3", "12,000", "0.005", "1e3", "", "  7 ", "八十萬", "\u{3000}42"],
            ["30%", "12.5", "100.001%", "%", "-5%", "30 %", ""],
            ["2026-11-26", "2026/11/3", "2026-13-01", "2026-02-30", "26-11-2026", "2026-1-5", ""],
            ["online", "ONLINE", "電話營銷", "电话营销", "展會", "other", "nope", "\t其他", ""],
            ["yes", "No", "是", "maybe", ""],
            ["專線 擴容", " x ", "\u{3000}全形空白\u{3000}", "tab\t", "", "é"],
            ["wang.wei", " li.na ", "王偉", ""],
            ["42", "4.5", "", "-7", "1,200", "007"],
            ["3.5", "-2", "1e3", "1,200.5", "", " 0.25 "],
            ["kept", "", "林"]]
        func read(_ bytes: [UInt8], chunk: Int) -> (rows: [String], error: String?) {
            var r = CSVReader(bytes: bytes, chunkSize: chunk)
            r.cells = types.map { $0.map { PlainCell.forImport(type: $0, today: today) } }
            r.unread = types.map { $0 == nil }
            var out: [String] = []
            do {
                _ = try r.next()
                while let row = try r.next() {
                    var cells: [String] = []
                    for (i, f) in row.fields.enumerated() {
                        var cell = "\(f.line):\(f.column)"
                        if i < types.count, types[i] != nil {
                            cell += "=\(String(describing: row.values.isEmpty ? nil : row.values[i]))"
                        }
                        cells.append(cell)
                    }
                    out.append("\(row.line) \(row.raw.debugDescription) \(row.values.count) " + cells.joined(separator: " "))
                }
            } catch let e as CSVError { return (out, "\(e.kind) \(e.line):\(e.column) \(e.raw.debugDescription)") } catch { return (out, "\(error)") }
            return (out, nil)
        }
        for _ in 0..<300 {
            var lines: [[String]] = []
            var text = types.indices.map { "c\($0)" }.joined(separator: ",") + "\n"
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                var cells = samples.map { $0.randomElement(using: &rng)! }
                if Int.random(in: 0..<8, using: &rng) == 0 { cells.removeLast() }   // a short row
                lines.append(cells)
                text += cells.map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ",") + "\n"
            }
            var bytes = Array(text.utf8)
            if Int.random(in: 0..<10, using: &rng) == 0 { bytes.insert(0xFF, at: bytes.count - 2) }   // not UTF-8, in the last column
            let whole = read(bytes, chunk: 1 << 20), single = read(bytes, chunk: 1)
            #expect(whole.rows == single.rows, "\(text)")
            #expect(whole.error == single.error, "\(text)")
            // The values read from bytes are those of each cell's whole text (read a byte at a time,
            // as no plain row is), the way `importValue` starts.
            var fast = CSVReader(bytes: bytes), slow = CSVReader(bytes: bytes, chunkSize: 1)
            fast.cells = types.map { $0.map { PlainCell.forImport(type: $0, today: today) } }
            _ = try? fast.next(); _ = try? slow.next()
            while let row = try? fast.next(), let whole = try? slow.next(), row.fields.count == types.count {
                for (i, type) in types.enumerated() {
                    guard let type else { continue }
                    let text = whole.fields[i].text
                    let expected: Value?
                    if case .reference = type { let id = text.trimmingCharacters(); expected = id.isEmpty ? .null : .text(id) }
                    else { expected = Interpreter.plainImportValue(text, type: type, today: today) }
                    // A cell left to the importer keeps its text.
                    if row.values[i] == nil, row.fields[i].text != text { Issue.record("\(text.debugDescription) as \(type) has no value and no text") }
                    if row.values[i] != expected { Issue.record("\(text.debugDescription) as \(type): \(String(describing: row.values[i])), not \(String(describing: expected))") }
                }
            }
        }
    }

    /// A plain row's cell that has a value keeps no text but where the reader is told to (a reference,
    /// which the importer may read again as a name); a cell with no value keeps its text.
    @Test func aCellWithAValueKeepsItsTextOnlyWhereAsked() throws {
        let today = Day(year: 2026, month: 11, day: 26)!
        var r = CSVReader(text: "title,owner,amount,note\n專線 擴容,li.na,八十萬,備註\n")
        r.cells = [ValueType.text, .reference("staff"), .money].map { PlainCell.forImport(type: $0, today: today) } + [nil]
        r.keepText = [false, true, false, false]
        _ = try r.next()
        let row = try #require(try r.next())
        #expect(row.values.count == 4)
        #expect(row.values[0] == .text("專線 擴容") && row.fields[0].text == "")
        #expect(row.values[1] == .text("li.na") && row.fields[1].text == "li.na")
        #expect(row.values[2] == nil && row.fields[2].text == "八十萬")
        #expect(row.values[3] == nil && row.fields[3].text == "備註")
        #expect(row.fields.map(\.column) == [1, 7, 13, 17])
    }

    /// A file that cannot be read past some point (a disk error, a network share gone) is not taken
    /// for a shorter file: the rows before it are handed out, then the reading throws where it
    /// stopped; a row cut by it is not handed out.
    @Test func aReadFailureIsAnErrorNotTheEndOfTheFile() throws {
        let text = Array("a,b\n1,2\n3,4\n5,".utf8)
        var given = 0
        var reader = CSVReader(chunkSize: 6) { into in
            guard given < text.count else { throw SystemError(operation: "read", code: EIO) }
            let n = min(into.count, text.count - given)
            text.withUnsafeBytes { into.baseAddress!.copyMemory(from: $0.baseAddress! + given, byteCount: n) }
            given += n
            return n
        }
        var rows: [[String]] = []
        let failure = #expect(throws: CSVError.self) {
            while let row = try reader.next() { rows.append(row.fields.map(\.text)) }
        }
        #expect(rows == [["a", "b"], ["1", "2"], ["3", "4"]])
        #expect(failure?.kind == .unreadable && failure?.line == 4, "\(String(describing: failure))")
        #expect(failure?.description.contains("Input/output error") == true, "\(String(describing: failure))")
    }

    @Test func separatorIsGuessedFromTheHeader() throws {
        for (text, sep) in [("a,b,c\n1,2,3", ","), ("a;b;c\n1;2;3", ";"), ("a\tb\tc\n1\t2\t3", "\t"), ("a\n1", ",")] {
            var r = CSVReader(text: text)
            _ = try r.next()
            #expect(r.separator == UInt8(ascii: Unicode.Scalar(sep)!), "\(text)")
        }
    }

    @Test func anUnclosedQuoteIsReportedWhereItOpens() throws {
        var r = CSVReader(text: "a,b\n1,2\n3,\"x,y\n4,5\n")
        #expect(try r.next()?.fields.count == 2)
        #expect(try r.next()?.fields.map(\.text) == ["1", "2"])
        #expect { try r.next() } throws: { e in
            guard let c = e as? CSVError else { return false }
            return c.kind == .unclosedQuote && c.line == 3 && c.column == 3 && c.raw == "3,\"x,y"
        }
        #expect(try r.next() == nil)
    }

    @Test func bytesThatAreNotUTF8AreNamed() throws {
        var r = CSVReader(bytes: Array("a,b\nok,".utf8) + [0xA4, 0xA4] + [0x0A])
        _ = try r.next()
        #expect { try r.next() } throws: { e in
            guard let c = e as? CSVError else { return false }
            return c.kind == .notUTF8 && c.line == 2 && c.column == 4 && c.description.contains("0xA4")
        }
    }

    @Test func emptyInputHasNoRows() throws {
        #expect(try rows("").isEmpty)
        #expect(try rows("\u{FEFF}").isEmpty)
        #expect(try rows("\n\n").isEmpty)
    }
}
