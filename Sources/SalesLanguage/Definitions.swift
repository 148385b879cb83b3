import SalesCore

/// Saved checks and reports (`define check NAME …`, `define report NAME(PARAMS) QUERY`), kept as records
/// of the `definition` entity so they are journalled, in the history and in every copy of the store.
public enum Definitions {
    /// The text of a saved definition of this kind, if there is one.
    public static func text(of name: String, kind: String, in model: Model) -> String? {
        guard let r = model.table("definition").record(name), r.values[0] == .text(kind), case .text(let t) = r.values[1] else { return nil }
        return t
    }

    /// Saved definitions of a kind, by name.
    public static func all(_ kind: String, in model: Model) -> [(name: String, text: String, author: String)] {
        model.table("definition").allRecords.compactMap { r in
            guard r.values[0] == .text(kind), case .text(let t) = r.values[1] else { return nil }
            return (r.id, t, r.values[2].textValue ?? "")
        }.sorted { $0.name < $1.name }
    }
}

/// The outcome of one `check`, for the shell to print, count and report as JSON.
public struct CheckResult: Sendable {
    /// The saved check's name, or nil for a check written in place.
    public var name: String?
    /// What is checked: the saved check's name, or the condition as written.
    public var label: String
    /// What a failure means: the `else` message, or the label.
    public var message: String
    public var passed: Bool
    /// For `check none (QUERY)` and named checks: the rows that made it fail.
    public var rows: ResultTable?
    public var location: SourceLocation
    public var sourceName: String
}
