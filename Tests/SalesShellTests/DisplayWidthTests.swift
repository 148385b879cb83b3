import Testing
@testable import SalesShell

@Suite("DisplayWidth")
struct DisplayWidthTests {
    @Test("columns a string takes on a terminal", arguments: [
        ("", 0),
        ("abc", 3),
        ("中文", 4),
        ("台北 101", 8),
        ("５Ｇ專網", 8),                // fullwidth letters and digits
        ("Ａ", 2),
        ("ｱｲｳ", 3),                   // halfwidth katakana
        ("あいう", 6),
        ("한국어", 6),
        ("，。「」", 8),                // CJK punctuation
        ("（第一期）", 10),
        ("𠀀", 2),                      // CJK extension B, outside the BMP
        ("e\u{301}", 1),                // combining acute accent
        ("é", 1),
        ("e\u{301}\u{302}\u{303}", 1),  // several combining marks
        ("a\u{200B}b", 2),              // zero-width space
        ("\u{FEFF}x", 1),
        ("a\u{7}b", 2),                 // a control character takes nothing
        ("👍", 2),
        ("👍🏽", 2),                     // with a skin tone modifier
        ("👨‍👩‍👧", 2),                 // ZWJ family sequence
        ("👩‍💻", 2),
        ("❤️", 2),                      // text default + VS16
        ("☺", 1),                       // text presentation
        ("1️⃣", 2),                       // keycap sequence
        ("🇹🇼", 2),                     // a flag: two regional indicators
        ("Ω", 1),
        ("王偉 wang.wei", 13),
    ])
    func width(_ s: String, _ w: Int) {
        #expect(DisplayWidth.of(s) == w, "\(s.unicodeScalars.map { String($0.value, radix: 16) })")
    }

    @Test func truncate() {
        #expect(DisplayWidth.truncate("abcdef", to: 6) == "abcdef")
        #expect(DisplayWidth.truncate("abcdefg", to: 6) == "abcde…")
        #expect(DisplayWidth.truncate("中文字串", to: 5) == "中文…")
        #expect(DisplayWidth.truncate("中文字串", to: 6) == "中文…")     // a wide character never splits
        #expect(DisplayWidth.truncate("中文字串", to: 8) == "中文字串")
        #expect(DisplayWidth.truncate("中文字串", to: 1) == "…")
        #expect(DisplayWidth.truncate("abc", to: 0) == "")
        for s in ["中文字串abc", "👨‍👩‍👧👨‍👩‍👧", "e\u{301}e\u{301}e\u{301}x"] {
            for w in 1...8 { #expect(DisplayWidth.of(DisplayWidth.truncate(s, to: w)) <= w, "\(s) to \(w)") }
        }
    }

    @Test func pad() {
        #expect(DisplayWidth.pad("中", to: 4, right: false) == "中  ")
        #expect(DisplayWidth.pad("中", to: 4, right: true) == "  中")
        #expect(DisplayWidth.pad("abcdef", to: 4, right: false) == "abcdef")
        #expect(DisplayWidth.of(DisplayWidth.pad("👍🏽x", to: 10, right: true)) == 10)
    }
}
