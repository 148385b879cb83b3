import Foundation
import SalesCore
import SalesLanguage
import SalesStore

/// Entry points for fuzzing: each takes arbitrary bytes and must return without crashing, whatever
/// they are. libFuzzer drives them (`scripts/fuzz TARGET SECONDS`); the test suite drives them with
/// seeded random and mutated inputs, and replays every input that ever crashed one.
public enum FuzzTargets {
    public static let names = ["language", "csv", "snapshot", "journal"]

    public static func run(_ name: String, _ bytes: [UInt8]) {
        switch name {
        case "language": language(bytes)
        case "csv": csv(bytes)
        case "snapshot": snapshot(bytes)
        case "journal": journal(bytes)
        default: fatalError("unknown fuzz target \(name); targets: \(names.joined(separator: ", "))")
        }
    }

    /// A small store to run statements against; every change is refused at commit, so it never changes.
    nonisolated(unsafe) static let interpreter: Interpreter = {
        let model = Model()
        let today = Day(year: 2026, month: 11, day: 26)!
        DemoData(opportunities: 20, today: today).generate(into: model)
        var ctx = EvalContext(model: model, today: today, now: Timestamp(millis: Int64(today.raw) * 86_400_000), user: "admin")
        ctx.environment = ["HOME": "/nonexistent"]
        let interp = Interpreter(ctx: ctx)
        interp.commit = { _ in throw Diagnostic("fuzzing: changes are not kept") }
        return interp
    }()

    /// Lexer, parser, compiler and interpreter: any text, run as statements.
    static func language(_ bytes: [UInt8]) {
        guard bytes.count < 4096, let text = String(validating: bytes, as: UTF8.self) else { return }
        let source = Source(name: "fuzz", text: text)
        guard let statements = try? Parser.parse(source) else { return }
        let interp = interpreter
        interp.emit = { _ in }
        let saved = interp.ctx
        defer { interp.ctx = saved }
        for st in statements.prefix(8) {
            if case .watch = st.node { continue }
            _ = try? interp.run(st, in: source)
        }
    }

    /// The CSV reader, and every cell read as each kind of field an import sets.
    static func csv(_ bytes: [UInt8]) {
        var reader = CSVReader(bytes: bytes, chunkSize: 7)
        let fields = interpreter.ctx.model.table("training").schema.fields + interpreter.ctx.model.table("expense").schema.fields
        var n = 0
        while n < 200, let row = try? reader.next() {
            n += 1
            for (i, f) in row.fields.enumerated() { _ = try? interpreter.importValue(f.text, field: fields[i % fields.count]) }
        }
    }

    /// The snapshot payload decoder, and the snapshot file's checks.
    static func snapshot(_ bytes: [UInt8]) {
        _ = try? ModelCodec.decodeSnapshot(bytes, into: Model())
        withFolder(file: "snapshot", bytes) { folder in
            if let snapshot = try? folder.loadSnapshot() { _ = try? ModelCodec.decodeSnapshot(snapshot.payload, additions: snapshot.additions, into: Model()) }
        }
    }

    /// The transaction decoder and replay, and the journal file's scan.
    static func journal(_ bytes: [UInt8]) {
        if let tx = try? ModelCodec.decodeTransaction(bytes, schema: .sales) { _ = try? Model().replay(tx, seq: 1) }
        withFolder(file: "journal", bytes) { folder in
            for entry in (try? folder.readJournal(afterSeq: 0)) ?? [] { _ = try? ModelCodec.decodeTransaction(entry.payload, schema: .sales) }
        }
    }

    nonisolated(unsafe) static var scratch: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("salesh-fuzz-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()

    /// The bytes as one file of a store folder opened read-only.
    static func withFolder(file: String, _ bytes: [UInt8], _ body: (DataFolder) -> Void) {
        let dir = scratch
        for f in ["snapshot", "journal"] { unlink(dir + "/" + f) }
        guard FileManager.default.createFile(atPath: dir + "/" + file, contents: Data(bytes)) else { return }
        guard let folder = try? DataFolder.open(path: dir, readOnly: true, create: false, holderInfo: "fuzz") else { return }
        body(folder)
        folder.close()
    }
}
