import Foundation
import Testing

/// Who acts: `--user` names an active staff member; an OS account bound to a staff member (staff.login)
/// acts as them only; the OS account is recorded in the history beside the staff member.
@Suite("identity: --user, staff.login, the OS user in the history")
struct IdentityTests {
    let t = TempDir()
    let osUser = String(cString: getpwuid(getuid())!.pointee.pw_name)

    @Test func userMustBeAnActiveStaffMember() throws {
        try makeDemoStore(t, scale: 60)
        let unknown = try onStore(t, ["-c", "staff | count"], user: "hua.lim")
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown user 'hua.lim'") && unknown.stderr.contains("did you mean 'hua.lin'?"), "\(unknown)")
        try ok(t, "set wei.zhou active=no", user: "admin")
        let inactive = try onStore(t, ["-c", "staff | count"], user: "wei.zhou")
        #expect(inactive.status == 2 && inactive.stderr.contains("staff wei.zhou is not active"), "\(inactive)")
    }

    @Test func withoutAStaffIdTheOSUserReadsButChangesNothing() throws {
        try makeDemoStore(t, scale: 60)
        let read = try onStore(t, ["-c", "opportunities | count"], env: ["SALESH_USER": ""])
        #expect(read.status == 0, "\(read)")
        let write = try onStore(t, ["-c", "set O1 amount=1"], env: ["SALESH_USER": ""])
        #expect(write.status == 2, "\(write)")
        #expect(write.stderr.contains("\(osUser) is not a staff member, so may change nothing") && write.stderr.contains("--user"), "\(write)")
    }

    @Test func aBoundLoginActsAsItsStaffMemberOnly() throws {
        try makeDemoStore(t, scale: 60)
        // One staff member per login.
        try ok(t, "set hua.lin login=someone", user: "admin")
        let twice = try onStore(t, ["-c", "set wei.zhou login=someone"], user: "admin")
        #expect(twice.status == 2 && twice.stderr.contains("login someone is already bound to hua.lin"), "\(twice)")
        try ok(t, "set hua.lin login=\"\(osUser)\"", user: "admin")
        // No --user: the bound staff member acts, and the history says so, with the OS account beside it.
        let r = try onStore(t, ["-c", "add lead company=\"綁定測試\" source=online owner=hua.lin"], env: ["SALESH_USER": ""])
        #expect(r.status == 0, "\(r)")
        let h = try onStore(t, ["--format", "csv", "-c", "history | where entity = lead and action = create | sort at desc | take 1 | select user, os_user"],
                            env: ["SALESH_USER": ""]).stdout
        #expect(h == "user,os_user\nhua.lin,\(osUser)\n", "\(h)")
        // Another staff id is refused for this account.
        let other = try onStore(t, ["-c", "staff | count"], user: "admin")
        #expect(other.status == 2 && other.stderr.contains("OS user \(osUser) is bound to staff hua.lin"), "\(other)")
    }
}
