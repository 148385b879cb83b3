import Testing
@testable import SalesCore

/// The column layout of a table: records go in and come out whole, slots of deleted records read as
/// empty, a view of the records keeps what it saw, and the loader's path matches the ordinary one.
@Suite struct TableTests {
    let model = Model()
    var leads: Table { model.table("lead") }

    func lead(_ id: String, company: String) -> Record {
        var values = [Value](repeating: .null, count: leads.schema.fields.count)
        values[leads.schema.fieldIndex("company")!] = .text(company)
        values[leads.schema.fieldIndex("source")!] = .text("online")
        return Record(id: id, values: values)
    }
    var company: Int { leads.schema.fieldIndex("company")! }

    @Test func recordsComeBackWholeFromTheColumns() {
        let a = lead("L1", company: "遠傳電信"), b = lead("L2", company: "Acme")
        leads.insert(a); leads.insert(b)
        #expect(leads.count == 2 && leads.slotCount == 2)
        #expect(leads.record("L2")?.values == b.values)
        #expect(leads.record(at: 0)?.id == "L1")
        #expect(leads.value(leads.slot(of: "L1")!, company) == .text("遠傳電信"))
        #expect(leads.columns.allSatisfy { $0.count == 2 })
        #expect(leads.nextNumber == 3)
    }

    /// Room made for an import's rows is kept: the rows are appended into it, not into columns grown
    /// (and copied) again and again.
    @Test func reservedRoomIsUsedByTheRows() {
        leads.reserve(1000)
        for i in 1...600 { leads.insert(lead("L\(i)", company: "公司 \(i)")) }
        #expect(leads._slotIDs.capacity >= 1000)
        #expect(leads._columns[company].texts.capacity >= 1000)
    }

    /// Slots read as a run only when they are the table's own list of every slot (or a part of it);
    /// the same numbers in another array are read as a list.
    @Test func aRunIsOnlyTheTablesOwnEverySlot() {
        for n in 1...50 { leads.insert(lead("L\(n)", company: "c\(n)")) }
        let every = leads.liveSlots
        #expect(leads.run(of: every[...]) == 0 ..< 50)
        #expect(leads.run(of: every[10 ..< 20]) == 10 ..< 20)
        #expect(leads.run(of: Array(0 ..< 50)[...]) == nil)
        #expect(leads.run(of: every[5 ..< 5]) == nil)
        let source = leads.schema.fieldIndex("source")!
        #expect(leads.codes(every[3 ..< 9], field: source) == leads.codes(Array(every[3 ..< 9])[...], field: source))
    }

    @Test func aDeletedSlotReadsAsEmptyUntilItIsRestored() {
        for n in 1...3 { leads.insert(lead("L\(n)", company: "c\(n)")) }
        let removed = leads.remove("L2")
        #expect(removed?.values[company] == .text("c2"))
        #expect(leads.count == 2 && leads.slotCount == 3)
        #expect(!leads.isLive(1) && leads.record(at: 1) == nil && leads.value(1, company) == .null)
        #expect(leads.liveSlots == [0, 2] && leads.ids == ["L1", "L3"])
        #expect(leads.slot(of: "L2") == nil)

        leads.restore(removed!, at: 1)
        #expect(leads.liveSlots == [0, 1, 2] && leads.ids == ["L1", "L2", "L3"])
        #expect(leads.value(1, company) == .text("c2"))
    }

    @Test func removingTheLastRecordShortensEveryColumn() {
        for n in 1...2 { leads.insert(lead("L\(n)", company: "c\(n)")) }
        leads.remove("L2")
        #expect(leads.slotCount == 1 && leads.columns.allSatisfy { $0.count == 1 })
        // Its number stays taken: a new lead does not reuse L2.
        #expect(leads.nextNumber == 3)
    }

    @Test func aViewOfTheRecordsKeepsWhatItSaw() {
        leads.insert(lead("L1", company: "before"))
        let view = leads.records
        leads.set(slot: 0, field: company, .text("after"))
        leads.insert(lead("L2", company: "new"))
        #expect(view.count == 1 && view[0]?.values[company] == .text("before"))
        #expect(leads.records.compactMap { $0?.values[company] } == [.text("after"), .text("new")])
    }

    @Test func valueIndexesFollowSetsAndDeletes() {
        for n in 1...3 { leads.insert(lead("L\(n)", company: n == 2 ? "x" : "y")) }
        #expect(leads.slots(where: company, is: .text("y")) == [0, 2])
        leads.set(slot: 0, field: company, .text("x"))
        #expect(leads.slots(where: company, is: .text("x")).sorted() == [0, 1])
        leads.remove("L2")
        #expect(leads.slots(where: company, is: .text("x")) == [0])
        #expect(leads.slots(where: company, is: .text("y")) == [2])
    }

    /// A table the snapshot holds as it is lets go of its records and decodes them again on first use;
    /// one changed since, or with an empty slot, keeps them.
    @Test func aTableLetGoOfIsDecodedAgainWhenRead() throws {
        let saved = (1...5).map { lead("L\($0)", company: "公司 \($0)") }
        for r in saved { leads.insert(r) }
        let unsaved = leads.unload { Issue.record("never saved: nothing to decode from") }
        #expect(!unsaved, "not written yet")
        let image = NSObjectBox()
        leads.rememberSaved(image)
        _ = leads.slots(where: company, is: .text("公司 2"))   // an index, let go of with the rest
        var decoded = 0
        let table = leads
        let unloaded = table.unload { decoded += 1; for r in saved { table.appendLoaded(id: r.id, values: ContiguousArray(r.values)) } }
        #expect(unloaded)
        #expect(leads.isDeferred && leads.deferredSource === image && decoded == 0)
        #expect(leads.count == 5 && leads.nextNumberWithoutLoading == 6, "known without decoding")
        #expect(leads.record("L3")?.values == saved[2].values && decoded == 1)
        #expect(leads.slots(where: company, is: .text("公司 2")) == [1])
        #expect(leads.savedState == .unchanged, "as the snapshot holds it, for the next save to copy")
        leads.insert(lead("L6", company: "新"))
        let changed = leads.unload { Issue.record("changed since the save") }
        #expect(!changed)
        leads.rememberSaved(image)
        _ = leads.remove("L2")
        leads.rememberSaved(image)
        let withAnEmptySlot = leads.unload { Issue.record("an empty slot") }
        #expect(!withAnEmptySlot)
        #expect(leads.count == 5 && !leads.isDeferred && decoded == 1)
    }
    final class NSObjectBox {}

    /// A few rows appended in place to a long column do not reserve exact room (which would copy the
    /// whole column for each batch): the column grows as an array does.
    @Test func smallBatchesGrowAColumnAsAnArrayDoes() {
        var column = FieldColumn(for: .text, dictionary: false)
        column.append(count: 1000, pieces: 1) { .text("H\($0)") }
        var copies = 0, capacity = column.texts.capacity
        for batch in 0..<100 {
            column.append(count: 3, pieces: 1) { .text("b\(batch).\($0)") }
            if column.texts.capacity != capacity { copies += 1; capacity = column.texts.capacity }
        }
        #expect(column.count == 1300 && column[1299] == .text("b99.2"))
        #expect(copies <= 2, "\(copies) copies of the column for 100 batches")
    }

    @Test func theLoadersAppendMatchesAnInsert() {
        let r = lead("L7", company: "載入")
        leads.appendLoaded(id: r.id, values: ContiguousArray(r.values))
        model.finishedLoading()
        #expect(leads.record("L7")?.values == r.values)
        #expect(leads.nextNumber == 8)
    }
}
