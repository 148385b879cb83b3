import Foundation
import SalesCore
import SalesLanguage
import SalesStore

/// `import ENTITY from "file.csv"`: every row checked, then all loaded in one transaction (one journal
/// entry), or nothing. Columns match fields by English or Chinese name, any case, spaces ignored.
struct Importer {
    let session: Session
    let request: ImportRequest

    struct RowError {
        var line: Int; var column: Int; var raw: String; var message: String
        /// A row whose quote was never closed gets its quote closed, so the rejects file is well-formed.
        var rawForRejects: String { raw.filter { $0 == "\"" }.count % 2 == 1 ? raw + "\"" : raw }
    }

    /// A row's message in the session's language, for the report and the rejects file's reason column.
    func tr(_ message: String) -> String { Phrasebook.translate(message, to: session.language) }

    /// The field a cell's message is about, before the message: `amount:`, or `金額：` in Chinese, as
    /// the model's own messages name it.
    func label(_ field: FieldSchema) -> String {
        session.language == .zhHant ? tr(field.name) + "：" : field.name + ": "
    }

    func run() throws -> String {
        let model = session.model
        guard let e = model.schema.index(of: request.entity) else { throw Diagnostic("unknown entity '\(request.entity)'", at: request.location) }
        let es = model.schema.entities[e]
        guard !es.system else { throw Diagnostic("\(es.plural) cannot be imported", at: request.location) }
        let file = try session.resolve(request.path, at: request.location)
        guard var reader = CSVReader(path: file) else {
            let reason = switch try? POSIXFileIO().kind(of: file) {
            case .missing?: phrase("no such file")
            case .directory?: phrase("it is a folder, not a file")
            default: phrase("permission denied")
            }
            throw Diagnostic("cannot read \(request.path): \(reason)", at: request.location)
        }
        let fileSize = ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.intValue ?? 0
        func fatal(_ c: CSVError) -> Diagnostic {
            Diagnostic("\(request.path):\(c.line):\(c.column): \(c.description)", at: request.location,
                       hint: c.kind == .notUTF8 ? "the file is not UTF-8 text; convert it first, e.g. iconv -f BIG5 -t UTF-8 \(request.path)" : nil)
        }
        let header: CSVRow
        do {
            guard let h = try reader.next() else { throw Diagnostic("\(request.path) is empty", at: request.location) }
            header = h
        } catch let c as CSVError { throw fatal(c) }
        let separator = reader.separator
        // Header → field: by name, Chinese term, or `map column=field`.
        func norm(_ s: String) -> String { s.lowercased().filter { !$0.isWhitespace && $0 != "_" } }
        var columns: [Int?] = []
        var idColumn: Int? = nil
        for (i, h) in header.fields.enumerated() {
            let name = request.maps.first { norm($0.column) == norm(h.text) }?.field ?? h.text
            if norm(name) == "id" { idColumn = i; columns.append(nil); continue }
            // The reason column a rejects file adds, so a fixed rejects file loads as it is.
            if norm(name) == "reason", i == header.fields.count - 1, es.fieldIndex("reason") == nil { columns.append(nil); continue }
            if let fi = es.fields.firstIndex(where: { norm($0.name) == norm(name) || $0.zh == name.trimmingCharacters(in: .whitespaces) }) {
                columns.append(fi)
            } else {
                let column = h.text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } ? h.text : "\"\(h.text)\""
                let hint = Suggest.nearest(h.text, in: es.fields.map(\.name)).map { phrase("did you mean '\($0)'? or map \(column)=FIELD") }
                    ?? phrase("map it to a field: map \(column)=FIELD (fields: \(es.fields.filter { $0.access == .user }.map(\.name).joined(separator: ", ")))")
                throw Diagnostic("\(request.path):\(h.line):\(h.column): column '\(h.text)' is not a field of \(es.name)", at: request.location, hint: hint)
            }
        }
        let interp = session.interpreter
        let m = Mutation(model: model, user: interp.ctx.user, today: interp.ctx.today)
        var errors: [RowError] = []
        // The line behind each change, for the history of what the import created.
        var lines: [Int32] = []
        var created = 0, updated = 0, unchanged = 0
        let keyFields = es.naturalKey.compactMap { es.fieldIndex($0) }
        var seenKeys: [String: Int] = [:]
        // The natural key of every existing record, looked up once rather than scanned per row.
        func keyOf(_ vals: [Value]) -> String { vals.map { $0.display }.joined(separator: "\u{1F}") }
        var byKey: [String: String] = [:]
        if !keyFields.isEmpty {
            for case let r? in model.tables[e].records { byKey[keyOf(keyFields.map { r.values[$0] })] = r.id }
        }
        // A progress bar on a terminal for long files, by bytes read.
        let showProgress = isatty(STDERR_FILENO) == 1 && fileSize > 256 << 10
        var n = 0
        var broken: CSVError? = nil
        // Lifecycle, rule-kept and computed columns (as export writes them) are not set by a file.
        let settable: [Int?] = columns.map { fi in fi.flatMap { es.fields[$0].access == .user ? $0 : nil } }
        let types = settable.map { $0.map { es.fields[$0].type } }, today = interp.ctx.today
        // A reference's cell comes trimmed from the reading thread; whether the record exists is asked
        // here, of its table as it is by then (a row may name a record an earlier row made).
        let targets = settable.map { $0.flatMap { model.referencedTables[e][$0] } }
        // Cells nothing reads (a field the shell keeps) are checked to be UTF-8, not made into text.
        reader.unread = columns.indices.map { settable[$0] == nil && $0 != idColumn }
        reader.cells = types.map { $0.map { PlainCell.forImport(type: $0, today: today) } }
        reader.keepText = types.map { $0?.referencedEntity != nil }
        // A new record starts from these values; a row's cells are put in place (by column, the field).
        let template = m.newRecordValues(entity: e)
        let placed = settable.enumerated().compactMap { i, fi in fi.map { (column: i, field: $0) } }
        var columnOfField = [Int](repeating: -1, count: template.count)
        for (i, fi) in placed { columnOfField[fi] = i }
        // The references `fill` looks up as it puts them in place: validation need not again.
        var checked = [Bool](repeating: false, count: es.fields.count)
        for (i, fi) in placed where targets[i] != nil { checked[fi] = true }
        let feed = RowFeed(reader)
        defer { feed.cancel() }
        var batch: [RowFeed.Item] = [], next = 0
        // A new record's values, filled again for each row: the table keeps its own copy of them, and
        // the change only the id (`Change.created`).
        var record = template.map { $0 }
        var values: [(field: Int, value: Value)] = []
        while true {
            if next == batch.count {
                guard let b = feed.next(spent: &batch) else { break }
                if n == 0, let bytesRead = b.last?.bytesRead, bytesRead > 0, fileSize > bytesRead {
                    // An eighth more than the first rows' length suggests: a file whose later rows are a
                    // little longer (ids with more digits) would otherwise outgrow the room near its end,
                    // and every column would be copied once more, whole.
                    let guess = Double(fileSize) / Double(bytesRead) * Double(b.count)
                    let rows = min(50_000_000, Int(guess * 1.125) + 1024)
                    m.reserveCapacity(rows)
                    lines.reserveCapacity(rows)
                    // The columns are made as long as the file is likely to make them, once, rather than
                    // grown, and copied, again and again by the rows. Not for a file small beside its
                    // table: a reservation is exact, and would copy every column for a few rows.
                    let slots = model.tables[e].slotCount
                    if rows >= slots { model.tables[e].reserve(slots + rows) }
                }
                batch = b; next = 0
            }
            next += 1
            if let c = batch[next - 1].broken {
                if c.kind != .unclosedQuote { m.rollback(); throw fatal(c) }
                broken = c
                break
            }
            // Moved out, and back when the row is done: a copy retained and released the row's
            // fields, values and bytes, each made on the reading thread's core.
            let bytesRead = batch[next - 1].bytesRead
            var row = batch.takeRow(next - 1)
            defer { batch.putBack(&row, at: next - 1) }
            n += 1
            if showProgress, n % 1000 == 0 {
                let width = 30, done = min(width, bytesRead * width / max(1, fileSize))
                session.console.err("\r\(String(repeating: "█", count: done))\(String(repeating: "░", count: width - done)) \(n) rows, \(bytesRead * 100 / max(1, fileSize))%")
            }
            if row.fields.count != header.fields.count {
                errors.append(RowError(line: row.line, column: 1, raw: row.raw, message: tr(phrase("\(row.fields.count) columns, the header has \(header.fields.count)"))))
                continue
            }
            let mark = m.changes.count
            do {
                // The usual row: every cell read on the reading thread, every reference in it an id, no
                // natural key to match and no record of its id already. Its values are moved into the
                // new record, so the id is asked first: once moved, they are not there for the long way.
                let givenID = keyFields.isEmpty ? idColumn.map { row.fields[$0].text.trimmedCell }.flatMap { $0.isEmpty ? nil : $0 } : nil
                if keyFields.isEmpty, !(givenID.map(model.tables[e].contains) ?? false),
                   fill(&record, template, columnOfField, &row.values, targets) {
                    _ = try m.create(entity: e, id: es.idScheme == .key ? givenID : nil, prepared: record)
                    try m.validate(from: mark, created: record, checkedReferences: checked)
                    for _ in mark..<m.changes.count { lines.append(Int32(clamping: row.line)) }
                    created += 1
                    continue
                }
                // Emptied from its end: `removeAll(keepingCapacity:)` went through a generic
                // replacement of the whole range, a twentieth of the importing thread.
                while !values.isEmpty { values.removeLast() }
                // By index: a cell converted on the reading thread is not copied out of the row.
                for i in row.fields.indices {
                    guard let fi = settable[i] else { continue }
                    if let v = row.values[i] {
                        // A reference that is no record's id may be a name, read below.
                        var unknownReference = false
                        if case .text(let id) = v, let t = targets[i] { unknownReference = !t.contains(id) }
                        if !unknownReference {
                            if !v.isNull { values.append((fi, v)) }
                            continue
                        }
                    }
                    let field = es.fields[fi], f = row.fields[i]
                    do {
                        let v = try interp.importValue(f.text, field: field)
                        if !v.isNull { values.append((fi, v)) }
                    } catch let d as Diagnostic {
                        throw RowFailure(column: f.column, message: "\(label(field))\(tr(d.message))\(d.hint.map { " — \(tr($0))" } ?? "")")
                    } catch let d as DomainError {
                        throw RowFailure(column: f.column, message: "\(label(field))\(tr(d.message))")
                    }
                }
                // Find the record this row is: by id, or by the natural key.
                var existing: String? = nil
                if let ic = idColumn { let id = row.fields[ic].text.trimmedCell; if !id.isEmpty, model.tables[e].contains(id) { existing = id } }
                if existing == nil, !keyFields.isEmpty {
                    let key = keyOf(keyFields.map { k in values.first { $0.field == k }?.value ?? .null })
                    if let earlier = seenKeys[key] { throw RowFailure(column: 1, message: tr(phrase("the same \(es.naturalKey.joined(separator: ", ")) as line \(earlier)"))) }
                    seenKeys[key] = row.line
                    existing = byKey[key]
                }
                let outcome: Int   // 0 new, 1 updated, 2 unchanged
                if let id = existing {
                    let settable = values.filter { es.fields[$0.field].access == .user }
                    try m.update(entity: e, id: id, values: settable, allowSystem: false)
                    outcome = m.changes.count == mark ? 2 : 1
                } else {
                    let givenID = idColumn.map { row.fields[$0].text.trimmedCell }.flatMap { $0.isEmpty ? nil : $0 }
                    _ = try m.create(entity: e, id: es.idScheme == .key ? givenID : nil, values: values)
                    outcome = 0
                }
                try m.validate(from: mark)
                for _ in mark..<m.changes.count { lines.append(Int32(clamping: row.line)) }
                switch outcome { case 0: created += 1; case 1: updated += 1; default: unchanged += 1 }
            } catch let f as RowFailure {
                m.rollback(to: mark)
                errors.append(RowError(line: row.line, column: f.column, raw: row.raw, message: f.message))
            } catch let d as DomainError {
                m.rollback(to: mark)
                let col = d.field.flatMap { name in columns.firstIndex { $0 == es.fieldIndex(name) } }.map { row.fields[$0].column } ?? 1
                errors.append(RowError(line: row.line, column: col, raw: row.raw, message: tr(d.message) + (d.hint.map { " — " + tr($0) } ?? "")))
            }
        }
        if let err = broken { errors.append(RowError(line: err.line, column: err.column, raw: err.raw, message: tr(err.description))) }
        if showProgress { session.console.err("\r\(String(repeating: " ", count: 60))\r") }
        var report = errors.map { "\(request.path):\($0.line):\($0.column): \($0.message)\n    \($0.raw)" }.joined(separator: "\n")
        if let rejects = request.rejects, !errors.isEmpty {
            let sepText = String(UnicodeScalar(separator))
            let body = ([header.raw + sepText + "reason"] + errors.map { $0.rawForRejects + sepText + "\"" + $0.message.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }).joined(separator: "\n") + "\n"
            let rejectsFile: String
            do { rejectsFile = try session.resolve(rejects, at: request.location) } catch { m.rollback(); throw error }
            do { try body.write(toFile: rejectsFile, atomically: true, encoding: .utf8) } catch {
                m.rollback()
                throw Diagnostic("cannot write \(rejects): \((error as NSError).localizedDescription)", at: request.location)
            }
            report += "\n" + phrase("wrote \(errors.count) rejected row\(errors.count == 1 ? "" : "s") to \(rejects) (with a reason column)")
        }
        var counts = phrase("\(created) new, \(updated) updated, \(unchanged) unchanged, \(errors.count) rejected")
        // Columns the file has but an import does not set: the lifecycle, rule-kept and computed fields.
        let kept = columns.compactMap { $0 }.filter { es.fields[$0].access != .user }.map { es.fields[$0].name }
        if !kept.isEmpty && (created > 0 || request.dryRun) {
            counts += "; " + phrase("not loaded from the file, as the shell keeps them: \(kept.joined(separator: ", "))")
        }
        if request.dryRun {
            m.rollback()
            return (report.isEmpty ? "" : report + "\n") + phrase("dry run of \(request.path): \(counts); nothing was changed")
        }
        if !errors.isEmpty && !request.skipBad {
            m.rollback()
            throw Diagnostic("\(errors.count) bad row\(errors.count == 1 ? "" : "s") in \(request.path); nothing was loaded\n\(report)", at: request.location,
                             hint: "fix them, or load the good rows with --skip-bad; --rejects \"FILE\" writes the bad rows with a reason column")
        }
        if !m.changes.isEmpty {
            var tx = m.transaction(at: interp.ctx.now)
            tx.source = ImportSource(file: URL(fileURLWithPath: request.path).lastPathComponent, lines: lines)
            do { try interp.commit(tx) } catch { m.rollback(); throw error }
        }
        // Kept now, the changes are freed on another thread: a million of them took the importing
        // thread a third of a second, after the file was read and before the next statement.
        if m.changes.count >= 10_000 { FreedElsewhere(m.relinquish()).free() }
        return (report.isEmpty ? "" : report + "\n") + phrase("imported \(request.path) into \(es.plural): \(counts)")
    }

    struct RowFailure: Error { var column: Int; var message: String }

    /// Puts a row's plain values in `record` (which holds `template`'s values where no cell goes);
    /// false, nothing moved, when a cell is left for the importer to read (not plain, or a reference
    /// that is no record's id and may be a name). Every reference of a placed field is looked up here,
    /// a default one included, so validation need not (`checkedReferences`). The values are moved out
    /// of the row (nil left in their places), not copied: a copy retained each text the reading thread
    /// made, and the row's release took it back to that thread's core.
    private func fill(_ record: inout [Value], _ template: [Value], _ columnOfField: [Int], _ values: inout [Value?], _ targets: [Table?]) -> Bool {
        values.withUnsafeMutableBufferPointer { values in
            // Checked first, nothing taken: a row left for the long way keeps its values.
            for fi in template.indices {
                let c = columnOfField[fi]
                guard c >= 0 else { continue }
                guard c < values.count, values[c] != nil else { return false }
                guard let t = targets[c] else { continue }
                if case .text(let id)? = values[c] { if !t.contains(id) { return false } }
                else if values[c]!.isNull, case .text(let id) = template[fi], !t.contains(id) { return false }
            }
            record.withUnsafeMutableBufferPointer { record in
                for fi in template.indices {
                    let c = columnOfField[fi]
                    guard c >= 0 else { continue }
                    let v = (values.baseAddress! + c).move().unsafelyUnwrapped
                    (values.baseAddress! + c).initialize(to: nil)
                    record[fi] = v.isNull ? template[fi] : v
                }
            }
            return true
        }
    }
}


extension String {
    /// The cell without surrounding blanks; the cell itself (no copy) in the usual case of none.
    var trimmedCell: String {
        guard hasOuterBlank else { return self }
        return trimmingCharacters(in: .whitespaces)
    }
}
