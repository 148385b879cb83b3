import Foundation
import Testing

/// The analyst workload of the benchmark (scripts/bench reads the same scripts/bench.d/workload.json): each query
/// written in salesh and in SQL must give the same rows, on demo data exported to CSV by salesh and loaded into
/// sqlite3 by the benchmark's own load script.
@Suite("workload: the benchmark's queries in salesh and in sqlite3")
struct WorkloadTests {
    let t = TempDir()

    // MARK: the workload file

    struct Query {
        let name: String
        let salesh: [String]
        let sqlite: String
        let duckdb: String
        let columns: [String]
        let ordered: Bool
    }

    struct Workload {
        let exports: [String]
        let imports: [String]
        let importUser: String?
        let sqliteLoad: String
        let queries: [Query]
        let exportFiles: [(file: String, aux: Bool)]
    }

    static let workloadPath = packageRoot + "/scripts/bench.d/workload.json"

    /// A string, or a list of strings joined with `separator` (how workload.json writes long SQL).
    static func text(_ any: Any?, _ separator: String = "\n") -> String? {
        if let s = any as? String { return s }
        if let a = any as? [String] { return a.joined(separator: separator) }
        return nil
    }

    static func load(csv: String) throws -> Workload {
        guard let data = FileManager.default.contents(atPath: workloadPath),
              let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw E2EError("cannot read \(workloadPath)")
        }
        func fill(_ s: String) -> String { s.replacingOccurrences(of: "{csv}", with: csv) }
        let exports = (root["exports"] as? [[String: Any]]) ?? []
        let queries = try ((root["queries"] as? [[String: Any]]) ?? []).map { q -> Query in
            guard let name = q["name"] as? String, let salesh = q["salesh"] as? [String],
                  let sqlite = text(q["sqlite"]) ?? text(q["sql"]), let duckdb = text(q["duckdb"]) ?? text(q["sql"]),
                  let columns = q["columns"] as? [String], let ordered = q["ordered"] as? Bool else {
                throw E2EError("a query in \(workloadPath) lacks name, salesh, sql (or sqlite and duckdb), columns or ordered: \(q)")
            }
            return Query(name: name, salesh: salesh, sqlite: sqlite, duckdb: duckdb, columns: columns, ordered: ordered)
        }
        let sqlLoad = root["sql_load"] as? [String: Any]
        return Workload(exports: exports.compactMap { ($0["salesh"] as? String).map(fill) },
                        imports: ((root["salesh_import"] as? [String]) ?? []).map(fill),
                        importUser: root["import_user"] as? String,
                        sqliteLoad: fill(text(sqlLoad?["sqlite"]) ?? ""),
                        queries: queries,
                        exportFiles: exports.compactMap { e in (e["file"] as? String).map { ($0, (e["aux"] as? Bool) ?? false) } })
    }

    // MARK: comparing results

    enum Cell: Equatable, CustomStringConvertible {
        case null, text(String), int(Int64), real(Double)
        var description: String {
            switch self {
            case .null: "∅"
            case .text(let s): s
            case .int(let i): String(i)
            case .real(let d): String(d)
            }
        }
        /// The sort key of an exact cell (reals are compared within a tolerance, not sorted on).
        var key: String {
            switch self {
            case .null: ""
            case .text(let s): "t" + s
            case .int(let i): "i" + String(i)
            case .real: ""
            }
        }
    }

    /// A cell by its column type: money as fen and percent as basis points (salesh prints yuan and "38.24%",
    /// the SQL gives fen and basis points), reals as numbers.
    static func cell(_ raw: String, _ kind: String, fromSalesh: Bool) throws -> Cell {
        let s = raw.trimmingCharacters(in: .whitespaces)
        if s.isEmpty || s == "NULL" { return .null }
        func number(_ x: String) throws -> Double {
            guard let d = Double(x.replacingOccurrences(of: ",", with: "")) else { throw E2EError("not a number: '\(raw)' (\(kind))") }
            return d
        }
        switch kind {
        case "text": return .text(s)
        case "int": return .int(Int64(try number(s).rounded()))
        case "money": return .int(Int64((try number(s) * (fromSalesh ? 100 : 1)).rounded()))
        case "percent":
            return fromSalesh ? .int(Int64((try number(String(s.dropLast(s.hasSuffix("%") ? 1 : 0))) * 100).rounded()))
                              : .int(Int64(try number(s).rounded()))
        case "real": return .real(try number(s))
        default: throw E2EError("unknown column type \(kind)")
        }
    }

    static func normalize(_ rows: [[String]], _ kinds: [String], fromSalesh: Bool) throws -> [[Cell]] {
        try rows.map { r in
            guard r.count == kinds.count else { throw E2EError("\(r.count) columns where \(kinds.count) were expected: \(r)") }
            return try zip(r, kinds).map { try cell($0, $1, fromSalesh: fromSalesh) }
        }
    }

    /// nil when equal, else what differs.
    static func difference(_ a: [[Cell]], _ b: [[Cell]], ordered: Bool) -> String? {
        guard a.count == b.count else { return "\(a.count) rows against \(b.count)" }
        func sorted(_ rows: [[Cell]]) -> [[Cell]] {
            ordered ? rows : rows.sorted { $0.map(\.key).joined(separator: "\u{1F}") < $1.map(\.key).joined(separator: "\u{1F}") }
        }
        for (n, (x, y)) in zip(sorted(a), sorted(b)).enumerated() {
            let same = zip(x, y).allSatisfy { v, w in
                if case .real(let p) = v, case .real(let q) = w { return abs(p - q) <= 0.0051 }
                return v == w
            }
            if !same { return "row \(n + 1): \(x) against \(y)" }
        }
        return nil
    }

    // MARK: running it

    func sqlite(_ db: String, _ sql: String) throws -> [[String]] {
        let r = try runProgram("/usr/bin/env", ["sqlite3", "-csv", "-readonly", db], in: t, stdin: sql + "\n")
        guard r.status == 0, r.stderr.isEmpty else { throw E2EError("sqlite3 failed on \(sql): \(r)") }
        return parseCSV(r.stdout).filter { !$0.isEmpty && $0 != [""] }
    }

    func saleshRows(_ statements: [String]) throws -> [[String]] {
        let r = try onStore(t, ["--read-only", "--format", "csv"] + statements.flatMap { ["-c", $0] })
        guard r.status == 0 else { throw E2EError("salesh failed on \(statements): \(r)") }
        return Array(parseCSV(r.stdout).filter { $0 != [""] }.dropFirst())
    }

    /// The demo store, its CSV export and the sqlite3 database loaded from it; returns the database's path.
    func prepare(_ w: Workload) throws -> String {
        try makeDemoStore(t, scale: 400)
        try FileManager.default.createDirectory(atPath: t.file("csv"), withIntermediateDirectories: true)
        let r = try onStore(t, ["--read-only"] + w.exports.flatMap { ["-c", $0] })
        guard r.status == 0 else { throw E2EError("exporting the workload's CSV files failed: \(r)") }
        let db = t.file("workload.sqlite")
        let l = try runProgram("/usr/bin/env", ["sqlite3", db], in: t, stdin: w.sqliteLoad)
        guard l.status == 0, l.stderr.isEmpty else { throw E2EError("loading sqlite3 failed: \(l)") }
        return db
    }

    @Test func theWorkloadFileNamesEveryQueryInBothLanguages() throws {
        let w = try Self.load(csv: "/tmp")
        #expect(w.queries.count >= 8)
        #expect(Set(w.queries.map(\.name)).count == w.queries.count, "query names are unique")
        for q in w.queries {
            #expect(!q.salesh.isEmpty && !q.sqlite.isEmpty && !q.duckdb.isEmpty, "\(q.name)")
            #expect(q.columns.allSatisfy { ["text", "int", "money", "percent", "real"].contains($0) }, "\(q.name): \(q.columns)")
        }
        #expect(!w.exports.isEmpty && !w.imports.isEmpty && !w.sqliteLoad.isEmpty)
    }

    @Test func everyQueryGivesTheSameRowsInSaleshAndSQLite() throws {
        let w = try Self.load(csv: t.file("csv"))
        let db = try prepare(w)
        for q in w.queries {
            let ours = try Self.normalize(try saleshRows(q.salesh), q.columns, fromSalesh: true)
            let theirs = try Self.normalize(try sqlite(db, q.sqlite), q.columns, fromSalesh: false)
            #expect(!theirs.isEmpty, "\(q.name): the SQL found no rows, so the comparison proves nothing")
            let diff = Self.difference(ours, theirs, ordered: q.ordered)
            #expect(diff == nil, "\(q.name): salesh against sqlite3: \(diff ?? "")")
        }
    }

    /// The benchmark times this import of the CSV files into an empty store: every row must load.
    @Test func theExportedSetImportsIntoAnEmptyStore() throws {
        let w = try Self.load(csv: t.file("csv"))
        _ = try prepare(w)
        let store = t.file("imported")
        let r = try salesh(["--data", store] + (w.importUser.map { ["--user", $0] } ?? []) + w.imports.flatMap { ["-c", $0] }, in: t)
        #expect(r.status == 0, "\(r)")
        let reports = r.stdout.split(separator: "\n").filter { $0.hasPrefix("imported ") }
        #expect(reports.count == w.imports.count, "\(r)")
        for line in reports { #expect(line.contains(" 0 rejected"), "\(line)") }
        for (file, aux) in w.exportFiles where !aux && file.hasSuffix(".csv") {
            let rows = parseCSV(String(decoding: readBytes(t.file("csv/" + file)), as: UTF8.self)).filter { $0 != [""] }.count - 1
            let entity = String(file.dropLast(4))
            let counted = try salesh(["--data", store, "--read-only", "-c", "\(entity) | count"], in: t)
            #expect(counted.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == String(rows), "\(entity): \(counted)")
        }
    }
}
