import Foundation
import SalesCore
import SalesStore

/// `salesh check-store` and `salesh backup`: the store's health, a torn journal cut back on request,
/// and a consistent copy taken while another shell writes.
public enum Maintenance {
    public struct Health {
        public var lines: [String]
        /// A torn journal or snapshot tail that `--repair` would cut.
        public var repairable: Bool
        public var healthy: Bool { !repairable }
    }

    /// Opens the store read-only (no lock, nothing written) and reports what it holds; reads it again
    /// when a writer rewrites the snapshot meanwhile.
    public static func check(_ path: String, io: any FileIO = POSIXFileIO()) throws -> Health {
        do {
            return try DataFolder.readAgainWhileReplaced { try checkOnce(path, io: io) }
        } catch let e as StoreError {
            // Replaced under every try.
            throw StartupError(description: phrase("cannot open store \(path): \(e)"), status: .storeError)
        }
    }

    /// `check`, once: StoreError.replacedWhileReading is thrown as it is, any other error as a StartupError.
    private static func checkOnce(_ path: String, io: any FileIO) throws -> Health {
        var lines: [String] = []
        let folder: DataFolder
        do { folder = try DataFolder.open(path: path, readOnly: true, create: false, holderInfo: "check-store", io: io) } catch {
            if case StoreError.replacedWhileReading = error { throw error }
            throw StartupError(description: phrase("cannot open store \(path): \(error)"), status: .storeError)
        }
        defer { folder.close() }
        let model = Model()
        do {
            if let snapshot = try folder.loadSnapshot() {
                try ModelCodec.decodeSnapshot(snapshot.payload, additions: snapshot.additions, into: model)
                let seq = snapshot.lastSeq
                model.lastSeq = seq
                let size = (try? FileManager.default.attributesOfItem(atPath: folder.snapshotPath)[.size] as? Int) ?? 0
                lines.append(phrase("snapshot: ok — \(size) bytes, format version \(folder.snapshotVersion), changes up to seq \(seq), checksum verified"))
                if !snapshot.additions.isEmpty {
                    lines.append(phrase("snapshot: \(snapshot.additions.count) addition\(snapshot.additions.count == 1 ? "" : "s") after the base (records added since it was written whole), each checksum verified"))
                }
            } else {
                lines.append(phrase("snapshot: none yet (a new store)"))
            }
            let entries = try folder.readJournal(afterSeq: model.lastSeq)
            for entry in entries {
                let tx = try ModelCodec.decodeTransaction(entry.payload, schema: model.schema)
                do { try model.replay(tx, seq: entry.seq) } catch let e as DomainError {
                    throw StoreError.corruptJournal(path: folder.journalPath, offset: 0, reason: phrase("seq \(entry.seq) does not apply: \(e.message)"))
                }
            }
            let jsize = (try? FileManager.default.attributesOfItem(atPath: folder.journalPath)[.size] as? Int) ?? 0
            let range = entries.isEmpty ? "" : " (seq \(entries.first!.seq)…\(entries.last!.seq))"
            lines.append(phrase("journal: ok — \(jsize) bytes, \(entries.count) change\(entries.count == 1 ? "" : "s") after the snapshot\(range), every checksum verified"))
        } catch let e as StoreError {
            if case .replacedWhileReading = e { throw e }
            throw StartupError(description: phrase("store \(path) is damaged: \(e)") + "\n" + phrase("nothing was changed; restore it from a backup (salesh backup writes one)"), status: .storeError)
        } catch {
            throw StartupError(description: phrase("store \(path) is damaged: \(error)") + "\n" + phrase("nothing was changed"), status: .storeError)
        }
        let torn = folder.warnings.map(\.message)
        for w in torn { lines.append(w.hasPrefix("snapshot") ? w : phrase("journal: \(w)")) }
        let counts = model.tables.filter { $0.count > 0 && !$0.schema.system }.map { "\($0.count) \($0.schema.plural)" }
        lines.append(counts.isEmpty ? phrase("records: none; history: \(model.history.count) changes")
                                    : phrase("records: \(counts.joined(separator: ", ")); history: \(model.history.count) changes"))
        if torn.isEmpty {
            lines.append(phrase("healthy"))
        } else if torn.contains(where: { $0.hasPrefix("snapshot") }) {
            lines.append(phrase("a torn snapshot tail (an addition cut off by a crash: its changes are still in the journal, or were never acknowledged): salesh check-store --repair cuts it"))
        } else {
            lines.append(phrase("a torn journal tail (a change cut off by a crash, never acknowledged): salesh check-store --repair cuts it"))
        }
        return Health(lines: lines, repairable: !torn.isEmpty)
    }

    /// Cuts a torn journal tail and rewrites the snapshot, under the store's lock.
    public static func repair(_ path: String) throws -> [String] {
        var options = SessionOptions(dataDirectory: path)
        options.user = nil
        var warnings: [String] = []
        let console = Console(out: { _ in }, err: { warnings.append($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        let s = try Session.open(options, console: console, environment: ["SALESH_USER": ""])
        defer { s.folder.close() }
        try s.save()
        return warnings + [phrase("repaired: the snapshot now holds every whole change (seq \(s.model.lastSeq)); the journal is empty")]
    }

    /// Writes a consistent copy of the store to a new folder: the snapshot and the journal are read
    /// without the lock, and read again when a writer rewrites the snapshot meanwhile (Session.open);
    /// any other failure is not one that trying again mends.
    public static func backup(_ path: String, to target: String) throws -> String {
        if FileManager.default.fileExists(atPath: target) {
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? ["?"]
            if !contents.isEmpty { throw StartupError(description: phrase("backup: \(target) already exists; choose a new name"), status: .inputError) }
        }
        var options = SessionOptions(dataDirectory: path)
        options.readOnly = true
        do {
            let s = try Session.open(options, console: Console(out: { _ in }, err: { _ in }), environment: ["SALESH_USER": ""])
            defer { s.folder.close() }
            // Every record decoded before anything is written: a backup is of a store read whole.
            try s.model.loadAll()
            let out = try DataFolder.open(path: target, readOnly: false, create: true, holderInfo: "backup")
            defer { out.close() }
            try out.writeSnapshot(parts: ModelCodec.encodeSnapshotParts(s.model), lastSeq: s.model.lastSeq)
            let records = s.model.tables.filter { !$0.schema.system }.reduce(0) { $0 + $1.count }
            return phrase("backed up \(path) to \(target): \(records) records and \(s.model.history.count) history entries, changes up to seq \(s.model.lastSeq)")
        } catch {
            throw StartupError(description: phrase("backup of \(path) failed: \(error)"), status: .storeError)
        }
    }
}
