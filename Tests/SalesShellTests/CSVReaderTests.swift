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
