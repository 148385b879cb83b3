import Foundation
import SalesCore

/// A file's rows read, and their plain cells converted (`CSVReader.cells`), on a second thread while the importing thread
/// checks and applies the rows before them: reading a large file costs about as much as applying it.
/// Rows come out in file order, in batches; a broken row (an unclosed quote, bytes that are not UTF-8)
/// ends the feed, as it ends the reading.
final class RowFeed: @unchecked Sendable {
    /// A row, and how far into the file the reading was; or, ending the feed, what broke the reading.
    /// A struct, not an enum: the importer and the reader move a row out of its place and back by
    /// pointer (`takeRow`, `putBack`, `moveRows`), where taking an enum's row out retained and released
    /// everything in it (lines the other core had written).
    struct Item {
        var row: CSVRow
        var bytesRead: Int
        var broken: CSVError? = nil
    }

    private let condition = NSCondition()
    private var ready: [[Item]] = []
    /// Batches the importer is done with, freed by the reading thread, which made them: freeing a
    /// million rows' strings took the importing thread a tenth of its time, much of it waiting for the
    /// lock of the memory arena the reading thread allocates from.
    private var spent: [[Item]] = []
    private var finished = false
    private var cancelled = false
    /// Batches read ahead at most: bounds the memory a fast reader takes from a slow importer (about
    /// 3 MB a batch of a wide file), and is room enough that neither thread waits on the other for
    /// the other's slower moments (a page fault, a column growing).
    private let ahead = 16
    private let batchSize = 2048

    /// Starts reading `reader` (past its header) on a thread of its own.
    init(_ reader: CSVReader) {
        Thread { [self] in
            var reader = reader
            var batch: [Item] = []
            batch.reserveCapacity(batchSize)
            reading: while true {
                do {
                    guard let row = try reader.next() else { break }
                    batch.append(Item(row: row, bytesRead: reader.bytesRead))
                } catch let e as CSVError {
                    batch.append(Item(row: CSVRow(), bytesRead: reader.bytesRead, broken: e))
                    break reading
                } catch {
                    break reading
                }
                if batch.count == batchSize {
                    guard let done = put(batch) else { return }
                    batch.removeAll(keepingCapacity: true)
                    reader.reuse(done)
                }
            }
            _ = put(batch)
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }.start()
    }

    /// Waits for room, then hands over a batch, and takes back the batches the importer is done with;
    /// nil when the importer stopped listening.
    private func put(_ batch: [Item]) -> [[Item]]? {
        var done: [[Item]] = []
        condition.lock()
        while ready.count >= ahead && !cancelled { condition.wait() }
        if cancelled { condition.unlock(); return nil }
        if !batch.isEmpty { ready.append(batch) }
        swap(&done, &spent)
        condition.broadcast()
        condition.unlock()
        return done
    }

    /// The next batch, waiting for it; nil once every row has been handed out. `spent`, the batch
    /// before, is taken to be freed on the reading thread.
    func next(spent batch: inout [Item]) -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        if !finished, !batch.isEmpty { spent.append(batch) }
        batch = []
        while ready.isEmpty && !finished { condition.wait() }
        if ready.isEmpty { return nil }
        condition.broadcast()
        return ready.removeFirst()
    }

    /// Stops the reading thread (the importer gave up early): it finishes the row in hand and ends.
    func cancel() {
        condition.lock()
        cancelled = true
        ready.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}

extension Array where Element == RowFeed.Item {
    /// The row at `k`, moved out, an empty row left in its place: nothing in it is retained or released
    /// (`swap` through the array's subscript was not always a move).
    mutating func takeRow(_ k: Int) -> CSVRow {
        withUnsafeMutableBufferPointer { items in
            let row = (items.baseAddress! + k).pointer(to: \.row)!
            defer { row.initialize(to: CSVRow()) }
            return row.move()
        }
    }

    /// Moves rows, their bytes let go, to the end of `spare` until it holds `limit`, empty rows left in
    /// their places.
    mutating func moveRows(into spare: inout [CSVRow], upTo limit: Int) {
        withUnsafeMutableBufferPointer { items in
            for k in items.indices where spare.count < limit {
                let row = (items.baseAddress! + k).pointer(to: \.row)!
                row.pointee.rawBytes = []
                spare.append(row.move())
                row.initialize(to: CSVRow())
            }
        }
    }

    /// Puts `row` back at `k`, in place of the empty row `takeRow` left, and leaves an empty row in
    /// `row`: moved, not copied (a copy retained the lists the reading thread made).
    mutating func putBack(_ row: inout CSVRow, at k: Int) {
        withUnsafeMutableBufferPointer { items in
            let place = (items.baseAddress! + k).pointer(to: \.row)!
            withUnsafeMutablePointer(to: &row) { row in
                place.deinitialize(count: 1)
                place.moveInitialize(from: row, count: 1)
                row.initialize(to: CSVRow())
            }
        }
    }
}
