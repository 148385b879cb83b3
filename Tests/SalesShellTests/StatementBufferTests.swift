import Testing
@testable import SalesShell

@Suite("StatementBuffer")
struct StatementBufferTests {
    @Test("is the typed text a whole statement?", arguments: [
        ("", true),
        ("show O1", true),
        ("opportunities |", false),
        ("opportunities |   ", false),
        ("opportunities\n  | where amount > 1m", true),
        ("opportunities | where stage in (proposal,", false),
        ("opportunities | where stage in (proposal,\n negotiation)", true),
        ("select a,", false),
        ("f((a)", false),
        ("f((a))", true),
        ("（中文", false),
        ("（中文）", true),
        ("add lead company=\"台灣大哥大", false),
        ("add lead company=\"台灣大哥大\"", true),
        ("add lead company='遠傳", false),
        ("add lead company=\"a\\\"b\"", true),     // an escaped quote does not close
        ("add lead company=\"a\\\"b", false),
        ("add lead notes=\"x|\"", true),          // a pipe inside a string
        ("add lead notes=\"(\"", true),           // a parenthesis inside a string
        ("add lead company=「中文", false),
        ("add lead company=「中文」", true),
        ("add lead company=“中文", false),
        ("add lead company=“中文”", true),
        ("show O1 # the big one (not closed", true),
        ("# only a comment |", true),
        ("opportunities | # more below", false),
        ("opportunities | where amount > 1 # a comment\n", true),
    ])
    func complete(_ text: String, _ whole: Bool) {
        #expect(StatementBuffer.isComplete(text) == whole, "\(text.debugDescription)")
    }
}
