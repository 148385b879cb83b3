import Foundation
import Testing

/// A script run through its `#!/usr/bin/env salesh` line gets the shell's options after its name:
/// `./check.sales --data store` is `salesh --data store check.sales`; other words are parameters.
@Suite("shell options after a script")
struct ScriptOptionsTests {
    let t = TempDir()

    @Test func optionsAfterTheScriptAreTheShells() throws {
        try makeDemoStore(t, scale: 60)
        t.write("check.sales", "#!/usr/bin/env salesh\nopportunities | where stage = 商務談判 | count\nprint_me = 1\n")
        // `--keep-going` after the script runs past the bad line; `--data` names the store.
        let r = try salesh([t.file("check.sales"), "--data", t.store, "--keep-going"], in: t)
        #expect(r.status == 2)
        #expect(Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) != nil, "\(r)")
        #expect(r.stderr.contains("check.sales:3:"))
        let run = try salesh(["run", t.file("check.sales"), "--data", t.store], in: t)
        #expect(run.status == 2 && !run.stderr.contains("cannot run script"), "\(run)")
    }
}
