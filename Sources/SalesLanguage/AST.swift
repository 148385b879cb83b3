import SalesCore

/// Character offsets of a node in its source.
public typealias Span = Range<Int>

public indirect enum Expr: Sendable {
    case literal(Value, Span)
    /// A number as written, kept exact until its type is known (money, percent, integer).
    case number(ExactDecimal, Span)
    /// A bare word: a field path (`owner.team`), an enum value, an id, a named period.
    case name(String, Span)
    case variable(String, Span)
    case call(String, [Expr], Span)
    case unary(String, Expr, Span)
    case binary(String, Expr, Expr, Span)
    case inList(Expr, [Expr], negated: Bool, Span)
    case inPeriod(Expr, Expr, negated: Bool, Span)
    case isEmpty(Expr, negated: Bool, Span)
    case subquery(Query, Span)
    /// `"{n} claims over {$limit}"`: text with expressions in braces, in print, check messages and file names.
    case template([TemplatePart], Span)

    public var span: Span {
        switch self {
        case .literal(_, let s), .number(_, let s), .name(_, let s), .variable(_, let s), .call(_, _, let s),
             .unary(_, _, let s), .binary(_, _, _, let s), .inList(_, _, _, let s), .inPeriod(_, _, _, let s),
             .isEmpty(_, _, let s), .subquery(_, let s), .template(_, let s):
            return s
        }
    }
}

public enum TemplatePart: Sendable {
    case text(String)
    case expr(Expr)
}

public struct NamedExpr: Sendable {
    public var expr: Expr
    public var alias: String?
}

public struct SortKey: Sendable {
    public var expr: Expr
    public var descending: Bool
}

public enum Stage: Sendable {
    case whereClause(Expr, Span)
    case sort([SortKey], Span)
    case take(Expr, Span)
    case select([NamedExpr], Span)
    case group([NamedExpr], Span)
    case agg([NamedExpr], Span)
    case count(Span)
    case chart(String, Span)
    /// `to csv "file.csv"`: write the result to a file in a format; the name may hold `{$month}`.
    case to(format: String, path: Expr, Span)

    public var span: Span {
        switch self {
        case .whereClause(_, let s), .sort(_, let s), .take(_, let s), .select(_, let s), .group(_, let s), .agg(_, let s), .count(let s),
             .chart(_, let s), .to(_, _, let s): s
        }
    }
}

public struct Query: Sendable {
    public var source: String
    public var sourceSpan: Span
    public var stages: [Stage]
    /// `report NAME ARGS…` as the source: a report's rows instead of an entity's records.
    public var report: ReportCall?
    /// `ENTITY as of DATE`: the records as they stood then, from the history.
    public var asOf: Expr? = nil
    /// `diff ENTITY since DATE`: what was created, changed and deleted since then.
    public var diffSince: Expr? = nil
}

public struct ReportCall: Sendable {
    public var name: String
    public var nameSpan: Span
    /// Positional arguments (a period) and `key=value` options (`by=team`).
    public var arguments: [Expr]
    public var options: [Assignment]
}

public struct Assignment: Sendable {
    public var field: String
    public var fieldSpan: Span
    public var value: Expr
}

public indirect enum Statement: Sendable {
    case add(entity: String, entitySpan: Span, id: String?, [Assignment])
    case set(id: String, idSpan: Span, [Assignment])
    case delete(ids: [(String, Span)])
    case move(id: String, idSpan: Span, to: String, toSpan: Span, [Assignment])
    case win(id: String, idSpan: Span, [Assignment])
    case lose(id: String, idSpan: Span, [Assignment])
    case reopen(id: String, idSpan: Span, to: String?, toSpan: Span?, [Assignment])
    case convert(id: String, idSpan: Span, [Assignment])
    case show(id: String, idSpan: Span)
    case approve(id: String, idSpan: Span)
    case reject(id: String, idSpan: Span, [Assignment])
    case openAppraisals(Expr, Span)
    case warnings(String?, Span)
    case importFile(entity: String, path: Expr, maps: [(String, String)], flags: Set<String>, rejects: Expr?, Span)
    case letBinding(name: String, Expr)
    /// `param month = last_month`: a script parameter, overridden by `salesh run FILE month=2026-10`.
    case param(name: String, nameSpan: Span, Expr)
    case check(Check)
    case ifElse(branches: [(condition: Expr, body: [Located<Statement>])], otherwise: [Located<Statement>]?)
    case forEach(name: String, source: Expr, body: [Located<Statement>])
    case source(path: Expr, Span)
    case print(Expr?)
    /// `define check NAME …` / `define report NAME(params) QUERY`: kept in the store, run by name.
    case define(kind: String, name: String, nameSpan: Span, text: String)
    case undefine(name: String, Span)
    /// `watch 10 report pipeline`: rerun a statement every N seconds until interrupted (REPL).
    case watch(seconds: Expr, Located<Statement>)
    case help([String])
    case save
    case quit
    case clear
    case format(String?, Span)
    /// `timer on|off`: print each statement's time on standard error.
    case timer(Bool?)
    /// `maxrows N|off`: show at most N rows of a table, and say how many more there are.
    case maxRows(Int?, Span)
    case query(Query)
    case expression(Expr)
}

/// `check CONDITION [else "message"]`, `check none (QUERY) else "…"`, or `check NAME` (a defined check
/// or a built-in warning).
public struct Check: Sendable {
    public enum Kind: Sendable {
        case condition(Expr)
        case none(Query)
        case named(String)
    }
    public var kind: Kind
    public var message: Expr?
    /// The name a defined check runs under, for reports and `--json`.
    public var name: String?
    public var span: Span
}

/// A statement with the span it covers, for diagnostics that point at the whole statement.
public struct Located<T: Sendable>: Sendable {
    public var node: T
    public var span: Span
}

/// What `import ENTITY from "file.csv" …` asks the shell to do.
public struct ImportRequest: Sendable {
    public var entity: String
    public var path: String
    public var maps: [(column: String, field: String)]
    public var dryRun: Bool
    public var skipBad: Bool
    public var rejects: String?
    public var location: SourceLocation
}
