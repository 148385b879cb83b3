import Foundation
import Testing

@Suite("export with | to FORMAT \"file\"")
struct ExportTests {
    let t = TempDir()

    @Test func writesWhatTheQueryShows() throws {
        try makeDemoStore(t, scale: 60)
        let shown = try ok(t, "opportunities | where stage = won | select id, title, amount | sort id | take 5", format: "csv")
        let out = try ok(t, "opportunities | where stage = won | select id, title, amount | sort id | take 5 | to csv \"\(t.file("won.csv"))\"")
        #expect(out.contains("wrote 5 rows to"))
        let written = try String(contentsOfFile: t.file("won.csv"), encoding: .utf8)
        #expect(written == shown)
        let json = try ok(t, "report pipeline | to json \"\(t.file("p.json"))\"")
        #expect(json.contains("wrote 4 rows"))
        let parsed = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: t.file("p.json")))) as? [[String: Any]]
        #expect(parsed?.count == 4)
    }

    @Test func anUnwritablePathIsAnInputError() throws {
        try makeDemoStore(t, scale: 60)
        let r = try onStore(t, ["-c", "customers | take 2 | to csv \"/nonexistent-folder/x.csv\""])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot write /nonexistent-folder/x.csv"))
        #expect(r.stderr.contains("--> -c:1:22"))
    }
}
