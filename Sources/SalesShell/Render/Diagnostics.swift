import SalesLanguage

/// Renders a diagnostic the way compilers do:
///
///     error: unknown field 'amout' on opportunity
///      --> monthly.sales:3:23
///       |
///     3 | opportunities | where amout > 100k
///       |                       ^^^^^
///       = help: did you mean 'amount'?
public struct DiagnosticRenderer {
    public var color: Bool
    public var language: UILanguage = .en
    public init(color: Bool) { self.color = color }

    public func render(_ d: Diagnostic, source: Source?) -> String {
        let red = color ? "\u{1B}[1;31m" : "", blue = color ? "\u{1B}[1;34m" : "", bold = color ? "\u{1B}[1m" : "", reset = color ? "\u{1B}[0m" : ""
        var out = "\(red)\(Messages.text("error", language))\(reset)\(bold): \(Phrasebook.translate(d.message, to: language))\(reset)\n"
        if let loc = d.location, let source {
            let num = String(loc.line)
            let gutter = String(repeating: " ", count: num.count)
            out += "\(gutter)\(blue)-->\(reset) \(source.name):\(loc.line):\(loc.column)\n"
            if let line = source.line(loc.line) {
                let chars = Array(line)
                let before = String(chars.prefix(loc.column - 1))
                let marked = String(chars.dropFirst(loc.column - 1).prefix(loc.length))
                let indent = String(repeating: " ", count: DisplayWidth.of(before.replacingAll("\t", with: " ")))
                let carets = String(repeating: "^", count: max(1, DisplayWidth.of(marked)))
                out += "\(gutter) \(blue)|\(reset)\n"
                out += "\(blue)\(num) |\(reset) \(line.replacingAll("\t", with: " "))\n"
                out += "\(gutter) \(blue)|\(reset) \(indent)\(red)\(carets)\(reset)\n"
            }
        } else if let loc = d.location {
            out += " --> line \(loc.line), column \(loc.column)\n"
        }
        if let h = d.hint {
            out += (d.location != nil && source != nil ? String(repeating: " ", count: String(d.location!.line).count) + " " : "") + "\(blue)=\(reset) \(Messages.text("help", language)): \(Phrasebook.translate(h, to: language))\n"
        }
        return out
    }
}
