import Foundation
import Testing

@Suite("claw serve and claw doctor")
struct ServeAndDoctorTests {
    static func home() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("claw-doctor-\(UUID().uuidString)")
    }

    @Test("serve refuses a network address without TLS before touching any state")
    func refusesPlainNetworkBind() throws {
        let home = Self.home()
        let result = try ClawProcess.run(["serve", "--host", "0.0.0.0", "--port", "0"], environment: ["CLAW_HOME": home.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("not a loopback address") && result.stderr.contains("--tls-certificate"))
        #expect(!FileManager.default.fileExists(atPath: home.path))
        let badPort = try ClawProcess.run(["serve", "--port", "70000"], environment: ["CLAW_HOME": home.path])
        #expect(badPort.status == 2 && badPort.stderr.contains("--port"))
    }

    @Test("claw mcp serve refuses a network address without TLS too")
    func mcpServeRefusesPlainNetworkBind() throws {
        let home = Self.home()
        let result = try ClawProcess.run(
            ["mcp", "serve", "--host", "0.0.0.0", "--port", "0"], environment: ["CLAW_HOME": home.path, "SECRET_KEY_BASE": String(repeating: "k", count: 64)])
        #expect(result.status == 2 && result.stderr.contains("not a loopback address"))
    }

    @Test("serve does not generate a second key for a database that already holds sealed settings")
    func noSecondKey() throws {
        let home = Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let key = ["CLAW_HOME": home.path, "SECRET_KEY_BASE": (0..<64).map { String(format: "%02x", ($0 * 37) % 256) }.joined()]
        let set = try ClawProcess.run(["settings", "set", "github.webhook_secret"], stdin: "s3cret", environment: key)
        #expect(set.status == 0, "\(set.stderr)")
        let serve = try ClawProcess.run(["serve", "--port", "0", "--no-console"], environment: ["CLAW_HOME": home.path])
        #expect(serve.status == 2 && serve.stderr.contains("instead of generating a new one"), "\(serve.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent("secret_key_base").path))
    }

    @Test("doctor on a fresh machine says what to do first, and exits 1")
    func freshMachine() throws {
        let home = Self.home()
        let result = try ClawProcess.run(["doctor"], environment: ["CLAW_HOME": home.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("fix   SECRET_KEY_BASE is not set") && result.stdout.contains("run `claw serve` once"), "\(result.stdout)")
        #expect(result.stdout.contains("binds 127.0.0.1 (loopback only)"))
    }

    @Test("doctor flags a weak key, a plain network bind, missing 2FA and shell rules that run arbitrary code")
    func findsProblems() throws {
        let home = Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let weak = ["CLAW_HOME": home.path, "SECRET_KEY_BASE": String(repeating: "ab", count: 20)]
        for (name, value) in [("shell.enabled", "true"), ("shell.allow", "git status;sh ...;ls ...;python3.12 -V;git log ..."), ("web.allow", "0.0.0.0/0,128.0.0.0/1,10.0.0.0/8,2001:db8::/16,192.168.1.10/32")] {
            let set = try ClawProcess.run(["settings", "set", name], stdin: value, environment: weak)
            #expect(set.status == 0, "\(set.stderr)")
        }
        let result = try ClawProcess.run(["doctor", "--host", "0.0.0.0"], environment: weak)
        #expect(result.status == 1)
        let fixes = result.stdout.split(separator: "\n").filter { $0.hasPrefix("fix") }
        for expected in ["short or repetitive", "without TLS", "2FA is not enrolled", "'sh ...' lets sh run arbitrary code",
                         "'ls ...' allows any arguments", "0.0.0.0/0 exempts a whole range", "128.0.0.0/1 exempts", "2001:db8::/16 exempts", "'python3.12 -V' lets python3.12 run",
                         "'git log ...' accepts any further arguments"] {
            #expect(fixes.contains { $0.contains(expected) }, "missing \(expected) in \(result.stdout)")
        }
        #expect(!fixes.contains { $0.contains("10.0.0.0/8") || $0.contains("192.168.1.10/32") }, "\(fixes)")
        #expect(result.stdout.contains("ok    the state folder") && result.stdout.contains("has mode 700"))
        #expect(!result.stdout.contains(String(repeating: "ab", count: 20)), "the key is never printed")
    }
}
