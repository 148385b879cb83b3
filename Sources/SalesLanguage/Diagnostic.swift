import SalesCore

/// A place in a source text: 1-based line and column (in characters), and a length to underline.
public struct SourceLocation: Sendable, Equatable {
    public var line: Int
    public var column: Int
    public var length: Int
    public init(line: Int, column: Int, length: Int = 1) { self.line = line; self.column = column; self.length = max(1, length) }
}

/// An error in what the user typed or ran, with where it is and what would fix it.
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var location: SourceLocation?
    public var hint: String?
    public init(_ message: String, at location: SourceLocation? = nil, hint: String? = nil) {
        self.message = message; self.location = location; self.hint = hint
    }
    public var description: String { message }
}

/// Source text with a name, split into lines once, for locating and rendering diagnostics.
public final class Source: Sendable {
    public let name: String
    public let text: String
    public let chars: [Character]
    /// Character offset at which each line starts.
    let lineStarts: [Int]
    /// Line number of the first line (statements taken from the middle of a script keep their numbers).
    public let firstLine: Int

    public init(name: String, text: String, firstLine: Int = 1) {
        self.name = name; self.text = text; self.firstLine = firstLine
        chars = Array(text)
        var starts = [0]
        for (i, c) in chars.enumerated() where c == "\n" || c == "\r\n" { starts.append(i + 1) }
        lineStarts = starts
    }

    public func location(of range: Range<Int>) -> SourceLocation {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= range.lowerBound { lo = mid } else { hi = mid - 1 }
        }
        let lineEnd = lo + 1 < lineStarts.count ? lineStarts[lo + 1] - 1 : chars.count
        let len = max(1, min(range.upperBound, lineEnd) - range.lowerBound)
        return SourceLocation(line: lo + firstLine, column: range.lowerBound - lineStarts[lo] + 1, length: len)
    }

    public func line(_ n: Int) -> String? {
        let i = n - firstLine
        guard i >= 0, i < lineStarts.count else { return nil }
        let end = i + 1 < lineStarts.count ? lineStarts[i + 1] - 1 : chars.count
        return String(chars[lineStarts[i]..<max(lineStarts[i], end)])
    }

    public func text(_ range: Range<Int>) -> String {
        String(chars[max(0, range.lowerBound)..<min(chars.count, range.upperBound)])
    }
}
