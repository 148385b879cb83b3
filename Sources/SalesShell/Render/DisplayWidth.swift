/// Terminal display width: East Asian wide and fullwidth characters and emoji take two columns,
/// combining marks and zero-width characters none. Measured per grapheme cluster, so a base
/// letter with its accents or an emoji sequence counts once.
public enum DisplayWidth {
    public static func of(_ s: String) -> Int {
        // Printable ASCII (ids, numbers, English) is one column a byte, found without breaking the text
        // into characters: a table measures every cell.
        var t = s
        if let n = t.withUTF8({ b in b.allSatisfy { $0 >= 0x20 && $0 < 0x7F } ? b.count : nil }) { return n }
        var w = 0
        for ch in s { w += of(ch) }
        return w
    }

    public static func of(_ ch: Character) -> Int {
        if ch.isASCII { return ch == "\t" ? 1 : (ch.asciiValue! < 0x20 ? 0 : 1) }
        let scalars = ch.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if scalars.contains(where: { $0.value == 0xFE0F }) { return 2 }     // emoji presentation
        if (0x1F1E6...0x1F1FF).contains(first.value) { return 2 }          // a flag: two regional indicators
        if isZeroWidth(first.value) { return 0 }
        return isWide(first.value) ? 2 : 1
    }

    static func isZeroWidth(_ v: UInt32) -> Bool {
        switch v {
        case 0x0300...0x036F, 0x0483...0x0489, 0x0591...0x05BD, 0x0610...0x061A, 0x064B...0x065F,
             0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2064, 0x20D0...0x20FF, 0xFE00...0xFE0F,
             0xFE20...0xFE2F, 0xFEFF, 0x1AB0...0x1AFF, 0x1DC0...0x1DFF, 0xE0100...0xE01EF:
            return true
        default:
            return v < 0x20 || (0x7F...0x9F).contains(v)
        }
    }

    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
             0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA...0x26AB,
             0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2...0x26F3, 0x26F5, 0x26FA,
             0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C, 0x274E, 0x2753...0x2755, 0x2757,
             0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C, 0x2B50, 0x2B55,
             0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x17000...0x18CFF, 0x1B000...0x1B2FF,
             0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251, 0x1F300...0x1F64F,
             0x1F680...0x1F6FF, 0x1F7E0...0x1F7EB, 0x1F90C...0x1F9FF, 0x1FA70...0x1FAFF,
             0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// Cuts `s` to at most `width` columns, ending with `…` when something was cut.
    public static func truncate(_ s: String, to width: Int) -> String {
        if of(s) <= width { return s }
        guard width >= 1 else { return "" }
        var out = "", w = 0
        for ch in s {
            let cw = of(ch)
            if w + cw > width - 1 { break }
            out.append(ch); w += cw
        }
        return out + "…"
    }

    public static func pad(_ s: String, to width: Int, right: Bool) -> String {
        let gap = max(0, width - of(s))
        let spaces = String(repeating: " ", count: gap)
        return right ? spaces + s : s + spaces
    }
}
