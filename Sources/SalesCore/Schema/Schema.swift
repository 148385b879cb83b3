/// One value of an enumeration, with its English name and its terms from the regulations.
public struct EnumCase: Sendable {
    public let name: String
    public let zh: String?       // Traditional Chinese term from the regulations
    public let zhHans: String?   // Simplified form where it differs
    public init(_ name: String, _ zh: String? = nil, hans: String? = nil) {
        self.name = name; self.zh = zh; self.zhHans = hans
    }
}

/// An enumeration: values in declaration order (which is also their sort order).
public final class EnumType: Sendable {
    public let name: String
    public let cases: [EnumCase]
    private let lookup: [String: Int]

    public init(_ name: String, _ cases: [EnumCase]) {
        self.name = name
        self.cases = cases
        var l: [String: Int] = [:]
        for (i, c) in cases.enumerated() {
            l[c.name.lowercased()] = i
            if let z = c.zh { l[z] = i }
            if let z = c.zhHans { l[z] = i }
        }
        lookup = l
    }

    /// Index of a value given in English (any case) or in Chinese, or by the shorter Chinese form people
    /// write (展會 for 行業展會, 展会 for 行业展会): two or more characters ending one case's term only.
    /// The shorter forms are searched when asked rather than tabled: hashing every tail of every term
    /// was a tenth of start-up.
    public func index(of text: String) -> Int? {
        if let i = lookup[text] ?? lookup[text.lowercased()] { return i }
        let length = text.count
        guard length >= 2 else { return nil }
        var found: Int? = nil
        for (i, c) in cases.enumerated() {
            for term in [c.zh, c.zhHans] {
                guard let term, term.count > length, term.hasSuffix(text) else { continue }
                if found != nil && found != i { return nil }
                found = i
            }
        }
        return found
    }
    public func index(ofCanonical name: String) -> Int? { lookup[name] }
    public func canonical(_ text: String) -> String? { index(of: text).map { cases[$0].name } }
    public var names: [String] { cases.map(\.name) }
    /// Every accepted spelling, for completion and suggestions.
    public var spellings: [String] { cases.flatMap { [$0.name] + [$0.zh, $0.zhHans].compactMap { $0 } } }
}

public enum FieldAccess: Sendable {
    case user      // set by `add` and `set`
    case state     // the lifecycle field: changes only through move/win/lose/reopen/convert
    case system    // kept by the rules (closed date, links made by convert)
    case derived   // computed from other records when read (a contract's total), never stored
}

/// Computes a derived field from its record and the model, as of `today`.
public typealias DerivedValue = @Sendable (_ record: Record, _ model: Model, _ today: Day) -> Value

public struct FieldSchema: Sendable {
    public let name: String
    public let type: ValueType
    public let required: Bool
    public let zh: String?
    public let doc: String
    public let access: FieldAccess
    /// Allowed range for integers (as is), percents (in whole percent) and money (in yuan).
    public let range: ClosedRange<Int64>?
    /// Shown in the default listing of the entity.
    public let listed: Bool
    public let defaultValue: FieldDefault?
    public let compute: DerivedValue?
    /// A text that takes few values over many records (the history's user, action, entity): kept as a
    /// code per record into the column's own list of them, like a reference to staff.
    public let fewValues: Bool

    public init(_ name: String, _ type: ValueType, required: Bool = false, zh: String? = nil,
                access: FieldAccess = .user, range: ClosedRange<Int64>? = nil, listed: Bool = false,
                default defaultValue: FieldDefault? = nil, doc: String = "", compute: DerivedValue? = nil, fewValues: Bool = false) {
        self.name = name; self.type = type; self.required = required; self.zh = zh
        self.access = compute != nil ? .derived : access; self.range = range; self.listed = listed
        self.defaultValue = defaultValue; self.doc = doc; self.compute = compute; self.fewValues = fewValues
    }
}

public enum FieldDefault: Sendable {
    case today
    case value(Value)
}

public enum IDScheme: Sendable, Equatable {
    case key               // user-chosen: `wang.wei`, `north`, `FIBER-1G`
    case prefix(String)    // `O` + number: O1024
}

/// Fields a state change sets on its own, unless the statement sets them itself.
public typealias StateEffect = @Sendable (_ state: String, _ today: Day) -> [(field: String, value: Value)]

/// A condition for entering a state, checked after the statement's fields are applied: the error when not met.
public typealias StateGuard = @Sendable (_ record: Record, _ model: Model) -> DomainError?

/// What entering a state does to other records (signing a contract wins its opportunity).
public typealias StateHook = @Sendable (_ m: Mutation, _ id: String, _ state: String) throws -> Void

/// What creating a record does besides (a new proposal version supersedes the older ones).
public typealias CreateHook = @Sendable (_ m: Mutation, _ id: String) throws -> Void

/// `approve ID` for records that need someone's approval; returns what was done.
public typealias ApproveHook = @Sendable (_ m: Mutation, _ id: String) throws -> String

public struct StateMachine: Sendable {
    public let field: String
    public let initial: String
    /// Moves allowed with `move ID to STATE` (and `win`/`lose`), from each state.
    public let transitions: [String: [String]]
    /// States reached only through a dedicated verb (e.g. lead `converted` through `convert`).
    public let verbOnly: [String: String]
    /// Fields that must be given when entering a state (`lost` needs `lost_reason`).
    public let requiredOnEnter: [String: [String]]
    /// Fields cleared when a record is reopened out of a closed state.
    public let clearedOnReopen: [String]
    public let effects: StateEffect?
    /// Conditions on entering a state, beyond required fields.
    public let guards: [String: StateGuard]
    public let onEnter: StateHook?
    /// Dates kept per state: entering `shipped` sets `shipped` to today (`[state: field]`).
    public let datedStates: [String: String]

    public init(field: String, initial: String, transitions: [String: [String]], verbOnly: [String: String] = [:],
                requiredOnEnter: [String: [String]] = [:], clearedOnReopen: [String] = [], effects: StateEffect? = nil,
                guards: [String: StateGuard] = [:], onEnter: StateHook? = nil, datedStates: [String: String] = [:]) {
        self.field = field; self.initial = initial; self.transitions = transitions; self.verbOnly = verbOnly
        self.requiredOnEnter = requiredOnEnter; self.clearedOnReopen = clearedOnReopen; self.effects = effects
        self.guards = guards; self.onEnter = onEnter; self.datedStates = datedStates
    }

    public var terminalStates: [String] { transitions.filter { $0.value.isEmpty }.map(\.key) }
    public func isTerminal(_ s: String) -> Bool { transitions[s]?.isEmpty ?? true }
}

/// What a statement did to a record, for rules about changes rather than states.
public enum ChangeKind: Sendable { case create, update, delete }

/// A rule about changing a record (lines change only in a draft contract): checked for records a
/// statement creates, changes or deletes, never as a standing invariant.
/// The rule sees the whole statement (`m.user`, `m.changes`), so it can ask who changed which field.
public typealias ChangeRule = @Sendable (_ record: Record, _ change: ChangeKind, _ entity: EntitySchema, _ m: Mutation) -> DomainError?

/// A validation over one record after a statement's changes are applied. Returns the error when broken.
public typealias RecordRule = @Sendable (_ record: Record, _ entity: EntitySchema, _ model: Model) -> DomainError?

public final class EntitySchema: Sendable {
    public let name: String
    public let plural: String
    public let zh: String
    public let zhHans: String?
    public let chapter: String
    public let idScheme: IDScheme
    public let fields: [FieldSchema]
    public let titleField: String
    public let stateMachine: StateMachine?
    public let rules: [RecordRule]
    /// Fields that identify a record besides its id (a course record: staff, course, date); imports upsert on them.
    public let naturalKey: [String]
    public let changeRules: [ChangeRule]
    public let onCreate: CreateHook?
    public let approve: ApproveHook?
    /// Written by the shell itself (history), never by statements.
    public let system: Bool
    public let doc: String
    private let fieldIndex: [String: Int]
    /// The fields' names in order, read without copying each field's declaration.
    public let fieldNames: [String]
    /// The fields a record's check reads (required ones, ones with a range, references), with what it
    /// reads of each as plain values: read from the fields' declarations for each of an import's rows,
    /// a reference's target name was retained and released every time.
    public struct FieldCheck: Sendable {
        public let field: Int, required: Bool, isReference: Bool, range: ClosedRange<Int64>?
    }
    public let fieldChecks: [FieldCheck]

    public init(name: String, plural: String, zh: String, zhHans: String? = nil, chapter: String, id: IDScheme,
                title: String, fields: [FieldSchema], states: StateMachine? = nil, rules: [RecordRule] = [],
                naturalKey: [String] = [], changeRules: [ChangeRule] = [], onCreate: CreateHook? = nil, approve: ApproveHook? = nil, system: Bool = false, doc: String) {
        self.name = name; self.plural = plural; self.zh = zh; self.zhHans = zhHans; self.chapter = chapter
        self.idScheme = id; self.titleField = title; self.fields = fields; self.stateMachine = states
        self.rules = rules; self.naturalKey = naturalKey; self.changeRules = changeRules; self.onCreate = onCreate; self.approve = approve; self.system = system; self.doc = doc
        var idx: [String: Int] = [:]
        for (i, f) in fields.enumerated() {
            idx[f.name] = i
            if let z = f.zh { idx[z] = i }
        }
        fieldIndex = idx
        fieldNames = fields.map(\.name)
        fieldChecks = fields.indices.compactMap { i in
            let f = fields[i], isReference = f.type.referencedEntity != nil
            guard f.required || f.range != nil || isReference else { return nil }
            return FieldCheck(field: i, required: f.required, isReference: isReference, range: f.range)
        }
        titleIndex = idx[title]!
        stateIndex = states.map { idx[$0.field]! }
    }

    /// A field by its name, its Chinese name, or its name in any case. The names themselves are
    /// compared first, without hashing: the rules ask this of every record an import adds.
    public func fieldIndex(_ name: String) -> Int? {
        if let i = fieldNames.firstIndex(of: name) { return i }
        return fieldIndex[name] ?? fieldIndex[name.lowercased()]
    }
    public func field(_ name: String) -> FieldSchema? { fieldIndex(name).map { fields[$0] } }
    public let titleIndex: Int
    /// The lifecycle's field; kept, as the lifecycle's declaration is large to copy for every record made.
    public let stateIndex: Int?
    public var prefix: String? { if case .prefix(let p) = idScheme { return p }; return nil }
    public var listedFields: [Int] { fields.indices.filter { fields[$0].listed } }
}

/// Every entity of the domain, declared once. The language, the store, import/export,
/// completion and help read this.
public final class Schema: Sendable {
    public let entities: [EntitySchema]
    /// The entities whose ids are chosen rather than numbered (staff, teams, products …): few records,
    /// each referred to by many, so references to them are stored as dictionary codes.
    public var keyedEntities: Set<String> { Set(entities.filter { $0.prefix == nil }.map(\.name)) }
    private let byName: [String: Int]
    private let byPrefix: [String: Int]

    public init(_ entities: [EntitySchema]) {
        self.entities = entities
        var n: [String: Int] = [:], p: [String: Int] = [:]
        for (i, e) in entities.enumerated() {
            for k in [e.name, e.plural, e.zh] + (e.zhHans.map { [$0] } ?? []) { n[k.lowercased()] = i }
            if let px = e.prefix { p[px] = i }
        }
        byName = n; byPrefix = p
    }

    /// Names are keyed in lower case; most are written so, and found without lowering them again.
    public func index(of name: String) -> Int? { byName[name] ?? byName[name.lowercased()] }
    public func entity(named name: String) -> EntitySchema? { index(of: name).map { entities[$0] } }
    public var entityNames: [String] { entities.map(\.name) }

    /// The entity a prefixed id such as `O1024` or `TN3` belongs to, and its number.
    public func parsePrefixedID(_ id: String) -> (entity: Int, number: Int64)? {
        let letters = id.prefix { $0.isASCII && $0.isUppercase }
        let digits = id.dropFirst(letters.count)
        guard !letters.isEmpty, !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              digits.count <= 15, let n = Int64(digits), let e = byPrefix[String(letters)] else { return nil }
        return (e, n)
    }
}
