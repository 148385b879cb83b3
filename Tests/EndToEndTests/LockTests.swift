import Foundation
import Testing

@Suite("one writer at a time") struct LockTests {
    @Test("a second writer is refused (exit 3, told who holds the store); --read-only reads but cannot change")
    func secondWriter() throws {
        let t = TempDir()
        try makeDemoStore(t)
        let leads = try count(t, "leads | count")
        let digest = try stateDigest(t)

        // The first shell: a REPL reading from a pipe that stays open.
        let first = try PipedShell(t, ["--data", t.store, "--user", "hua.lin"])
        try first.send("leads | count")
        let line = try first.readLine()
        #expect(line?.trimmingCharacters(in: .whitespaces) == String(leads), "\(line ?? "end of output")")

        // A second writer, for a query and for a change.
        for statement in ["leads | count", #"add lead company="第二個" source=online"#] {
            let r = try onStore(t, ["-c", statement], user: "wang.wei")
            #expect(r.status == 3, "\(statement): \(r)")
            #expect(r.stdout.isEmpty, "\(r)")
            #expect(r.stderr.contains("pid \(first.pid)") || r.stderr.contains(String(first.pid)),
                    "the message should name the process holding the store (pid \(first.pid)): \(r)")
            #expect(r.stderr.contains("hua.lin"), "the message should name the user holding the store: \(r)")
            #expect(r.stderr.contains("--read-only"), "the message should offer --read-only: \(r)")
        }
        // A second writer through a script and through stdin.
        t.write("w.sales", "leads | count\n")
        #expect(try salesh(["run", "--data", t.store, "w.sales"], in: t).status == 3)
        #expect(try onStore(t, [], stdin: "leads | count\n").status == 3)

        // Read-only at the same time: queries work, changes are refused with exit 2.
        let q = try onStore(t, ["--read-only", "-c", "leads | count"])
        #expect(q.status == 0, "\(q)")
        #expect(q.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == String(leads), "\(q)")
        for change in [#"add lead company="唯讀" source=online owner=hua.lin"#, "set O1 amount=1", "move L1 to screening", "save"] {
            let r = try onStore(t, ["--read-only", "-c", change], user: "wang.wei")
            #expect(r.status == 2, "\(change): \(r)")
            #expect(r.stderr.contains("read-only"), "\(change): \(r)")
        }

        // The first shell is unaffected and still writes.
        try first.send(#"add lead company="第一個" source=online owner=hua.lin"#)
        let added = try first.readLine()
        #expect(added?.hasPrefix("added L") == true, "\(added ?? "end of output"); stderr: \(first.stderr)")
        // A read-only reader sees what the writer has committed (the journal), while it runs.
        #expect(try count(t, "leads | count", readOnly: true) == leads + 1)
        #expect(try first.finish() == 0)
        #expect(first.stderr.isEmpty, "\(first.stderr)")

        // Once the first shell is gone, a writer gets in.
        #expect(try count(t, "leads | count") == leads + 1)
        let w = try onStore(t, ["-c", #"add lead company="之後" source=online"#], user: "wang.wei")
        #expect(w.status == 0, "\(w)")
        #expect(try stateDigest(t) != digest)
    }

    @Test("a writer killed with SIGKILL does not keep the store locked")
    func killedWriterReleasesLock() throws {
        let t = TempDir()
        try makeDemoStore(t)
        let first = try PipedShell(t, ["--data", t.store, "--user", "hua.lin"])
        try first.send("leads | count")
        _ = try first.readLine()
        #expect(try onStore(t, ["-c", "leads | count"]).status == 3)
        first.killHard()
        let r = try onStore(t, ["-c", #"add lead company="鎖已釋放" source=online"#], user: "wang.wei")
        #expect(r.status == 0, "the lock dies with its holder: \(r)")
    }
}
