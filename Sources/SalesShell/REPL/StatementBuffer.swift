/// Decides whether typed lines form a whole statement yet: a statement continues while a
/// parenthesis, block or string is open, or while the text ends with `|` or `,`.
public enum StatementBuffer {
    public static func isComplete(_ text: String) -> Bool {
        var depth = 0
        var quote: Character? = nil
        var last: Character? = nil
        var inComment = false
        var escaped = false
        for ch in text {
            if inComment { if ch == "\n" { inComment = false }; continue }
            if let q = quote {
                if escaped { escaped = false; continue }
                if ch == "\\" { escaped = true; continue }
                if ch == q { quote = nil; last = ch }
                continue
            }
            switch ch {
            case "\"", "'": quote = ch
            case "“": quote = "”"
            case "「": quote = "」"
            case "#": inComment = true; continue
            case "(", "（", "{": depth += 1
            case ")", "）", "}": depth -= 1
            default: break
            }
            if !ch.isWhitespace { last = ch }
        }
        if quote != nil { return false }
        if depth > 0 { return false }
        return last != "|" && last != ","
    }
}
