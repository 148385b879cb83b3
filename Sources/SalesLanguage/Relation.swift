import SalesCore

public struct Column: Sendable {
    public var name: String
    public var type: ValueType
    /// The regulations' term for the column when it is a field of a record (the same name may mean
    /// different people in different entities: a visit's staff is its visitor, a claim's its claimant).
    public var zh: String?
    public init(_ name: String, _ type: ValueType, zh: String? = nil) { self.name = name; self.type = type; self.zh = zh }
}

/// A query result ready to render: named, typed columns and rows of values.
public struct ResultTable: Sendable {
    public var columns: [Column]
    public var rows: [[Value]]
    public init(columns: [Column], rows: [[Value]]) { self.columns = columns; self.rows = rows }
}

/// Rows shared by reference between a relation and the closures compiled against it.
final class RowBox {
    var rows: [[Value]]
    init(_ rows: [[Value]]) { self.rows = rows }
}

/// What a pipeline carries from stage to stage: records of one entity (by slot), or derived rows.
enum Relation {
    case entity(Table, [Int])
    case rows([Column], RowBox)
    case scalar(Value, ValueType)
}

/// A compiled expression: its static type and a closure from a row (slot or row index) to a value.
struct Compiled {
    var type: ValueType
    var eval: (Int) -> Value
    var constant: Value?
    /// The stored field of the scope's table this reads as it is, if it is one: a coded field's codes
    /// let comparisons, lists and groups work on small numbers instead of values.
    var field: FieldRef? = nil
    /// The same condition without making values: true exactly where `eval` gives true (false for null).
    var test: ((Int) -> Bool)? = nil
    /// The same number without making values, in the unit of its type (minor units, basis points, days
    /// since the epoch, milliseconds; a month as year × 12 + month − 1; a span of days as days), and
    /// `FieldColumn.nullNumber` where `eval` gives null.
    var number: ((Int) -> Int64)? = nil
    /// The slots among these where `test` holds, found a block at a time: one loop over a field's array
    /// rather than a call per slot.
    var select: (([Int]) -> [Int])? = nil
    /// A coded field of the scope's table whose code alone decides the value (a path from it such as
    /// `owner.team`): a group can be found by that code.
    var byCode: FieldRef? = nil
    /// `number` of a block of slots at a time.
    var numbers: ((ArraySlice<Int>) -> [Int64])? = nil

    static func constant(_ v: Value, _ t: ValueType) -> Compiled { Compiled(type: t, eval: { _ in v }, constant: v) }
}

/// The values and settings an evaluation sees besides the model.
public struct EvalContext {
    public var model: Model
    public var today: Day
    public var now: Timestamp
    public var user: String
    public var variables: [String: Value] = [:]
    /// Query results bound by `let rows = (QUERY)`, usable as `$rows | …` and in `for r in $rows`.
    public var tables: [String: ResultTable] = [:]
    public var environment: [String: String] = [:]
    /// How large queries are split across cores.
    public var parallel = Parallel.machine
    public init(model: Model, today: Day, now: Timestamp, user: String) {
        self.model = model; self.today = today; self.now = now; self.user = user
    }
}


/// Orders two values of a type: enumerations by their declared order, ids by prefix then number
/// (L2 before L10), everything else by value.
func comparator(for t: ValueType) -> (Value, Value) -> Int {
    if case .reference = t {
        return { a, b in
            guard case .text(let x) = a, case .text(let y) = b else { return Value.compare(a, b) }
            return naturalCompare(x, y)
        }
    }
    if case .enumeration(let e) = t {
        return { a, b in
            switch (a, b) {
            case let (.text(x), .text(y)):
                let i = e.index(ofCanonical: x) ?? Int.max, j = e.index(ofCanonical: y) ?? Int.max
                return i < j ? -1 : (i > j ? 1 : 0)
            default: return Value.compare(a, b)
            }
        }
    }
    return Value.compare
}

/// Facts about the language for completion and help.
public enum Language {
    public static var functions: [String] { ExprCompiler.functions }
    public static var stages: [String] { ["where", "sort", "take", "select", "group", "agg", "count"] }
}

/// `O2` < `O10`: a run of digits at the end compares as a number when the letters before it agree.
/// Works on the UTF-8 bytes (order-preserving for code points), since it runs for every comparison of a sort.
func naturalCompare(_ x: String, _ y: String) -> Int {
    var x = x, y = y
    return x.withUTF8 { a in y.withUTF8 { b in naturalCompare(a, b) } }
}

func naturalCompare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
    func digits(_ p: UnsafeBufferPointer<UInt8>) -> Int {
        var n = 0
        while n < p.count, (48...57).contains(p[p.count - 1 - n]) { n += 1 }
        return n
    }
    func compareBytes(_ n: Int) -> Int {
        for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return 0
    }
    let ad = digits(a), bd = digits(b)
    if ad > 0, bd > 0, ad <= 18, bd <= 18, a.count - ad == b.count - bd, compareBytes(a.count - ad) == 0 {
        var x: Int64 = 0, y: Int64 = 0
        for i in (a.count - ad)..<a.count { x = x * 10 + Int64(a[i] - 48) }
        for i in (b.count - bd)..<b.count { y = y * 10 + Int64(b[i] - 48) }
        return x < y ? -1 : (x > y ? 1 : 0)
    }
    let c = compareBytes(min(a.count, b.count))
    if c != 0 { return c }
    return a.count < b.count ? -1 : (a.count > b.count ? 1 : 0)
}

/// A stored field of a table, read directly.
struct FieldRef {
    let table: Table
    let index: Int

    /// For a coded field, the test of each code (0, null, first) by `test` of the value it stands for.
    func codeMask(_ test: (Value) -> Bool) -> [Bool]? {
        guard let values = table.codedValues(index) else { return nil }
        return [test(.null)] + values.map(test)
    }
}

/// Values computed once per code of a coded field (a path through a reference such as `owner.team`
/// reads the same few staff records again and again).
final class CodeMemo {
    private let slots: UnsafeMutableBufferPointer<Value?>
    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }
    deinit { slots.deinitialize(); slots.deallocate() }
    var count: Int { slots.count }
    @inline(__always) func value(_ code: Int, _ compute: () -> Value) -> Value {
        if let v = slots[code] { return v }
        let v = compute()
        slots[code] = v
        return v
    }
}
