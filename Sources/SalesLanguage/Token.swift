import SalesCore

public enum TokenKind: Equatable, Sendable {
    case word          // identifier, keyword, id or field path (`owner.team`, `wang.wei`, `FIBER-1G`)
    case string        // "…" or '…'
    case number        // 12, 1.2m, 500k, 12,000.50
    case percent       // 30%, 12.5%
    case date          // 2026-10-01, 2026/10/3
    case period        // 2026-10, 2026Q3
    case duration      // 7d, 2w, 3mo, 1y
    case variable      // $name, $env.HOME
    case symbol        // | = != < <= > >= ( ) , + - * / ;
    case newline
    case eof
}

public struct Token: Sendable, Equatable {
    public var kind: TokenKind
    /// The text as written, except for strings, where it is the unescaped content.
    public var text: String
    /// Character offsets in the source.
    public var range: Range<Int>
    public init(_ kind: TokenKind, _ text: String, _ range: Range<Int>) { self.kind = kind; self.text = text; self.range = range }
    public func isSymbol(_ s: String) -> Bool { kind == .symbol && text == s }
    public func isWord(_ s: String) -> Bool { kind == .word && text.lowercased() == s }
}
