import Foundation
import Testing

/// `--sandbox DIR`: statements read and write files in DIR only, however the name is written.
@Suite("--sandbox")
struct SandboxTests {
    let t = TempDir()

    @Test func filesStayInsideTheSandbox() throws {
        try makeDemoStore(t, scale: 60)
        let box = t.file("box")
        try FileManager.default.createDirectory(atPath: box, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: box + "/out", withDestinationPath: t.path)
        t.write("box/common.sales", "let n = (staff | count)\n")
        t.write("outside.sales", "print \"escaped\"\n")
        t.write("box/a.csv", "staff,course,date\nnobody,5G-BASICS,2026-11-03\n")
        let inside = try onStore(t, ["--sandbox", box, "-c", "staff | to csv \"staff.csv\"", "-c", "source \"common.sales\"", "-c", "import staff from \"staff.csv\" --dry-run"])
        #expect(inside.status == 0, "\(inside)")
        #expect(FileManager.default.fileExists(atPath: box + "/staff.csv"), "relative names are inside the sandbox")
        for (statement, shown) in [("staff | to csv \"../x.csv\"", "../x.csv"), ("staff | to csv \"\(t.file("x.csv"))\"", t.file("x.csv")),
                                   ("source \"../outside.sales\"", "../outside.sales"), ("import staff from \"/etc/passwd\"", "/etc/passwd"),
                                   ("staff | to csv \"out/x.csv\"", "out/x.csv"), ("import training from \"a.csv\" --rejects \"../r.csv\"", "../r.csv")] {
            let r = try onStore(t, ["--sandbox", box, "-c", statement])
            #expect(r.status == 2 && r.stderr.contains("\(shown) is outside the sandbox"), "\(statement): \(r)")
        }
        #expect(!FileManager.default.fileExists(atPath: t.file("x.csv")), "nothing was written outside")
        let notAFolder = try onStore(t, ["--sandbox", t.file("nope"), "-c", "1"])
        #expect(notAFolder.status == 2 && notAFolder.stderr.contains("is not a folder"))
    }
}
