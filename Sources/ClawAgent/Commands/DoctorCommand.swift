import ArgumentParser
import ClawGateways
import Foundation

/// `claw doctor`: reviews the configuration `claw serve` would run with and prints what to fix.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Review the agent's configuration (keys, bind address, TLS, 2FA, shell allow-list, gateways) and print what to fix.",
        discussion: "Each line starts with ok, fix or note. Exits 1 when anything needs fixing, 0 otherwise.")

    @Option(help: "The address `claw serve` will bind.")
    var host = "127.0.0.1"

    @Option(help: "The PEM certificate chain `claw serve` will use.")
    var tlsCertificate: String?

    @Option(help: "The PEM private key `claw serve` will use.")
    var tlsKey: String?

    /// Interpreters and tools that run arbitrary code given the right arguments.
    static let codeRunners: Set<String> = [
        "sh", "bash", "zsh", "dash", "ksh", "fish", "env", "xargs", "sudo", "su", "doas", "python", "perl", "ruby", "node",
        "php", "lua", "awk", "gawk", "busybox", "nohup", "timeout", "nice", "eval", "exec", "ssh", "find", "make", "vi", "vim",
        "less", "more", "docker", "podman", "npm", "npx", "pip", "pip3", "go", "swift", "setsid", "script", "expect", "stdbuf",
        "flock", "watch", "tmux", "screen", "nsenter", "chroot", "ld.so", "gdb", "strace",
    ]

    /// The program's name without a version suffix (`python3.12` → `python`).
    static func baseName(_ program: String) -> String {
        let name = URL(fileURLWithPath: program).lastPathComponent
        let trimmed = name.reversed().drop { $0.isNumber || $0 == "." || $0 == "-" }
        return trimmed.isEmpty ? name : String(trimmed.reversed())
    }

    struct Report {
        var lines = [String]()
        var problems = 0
        mutating func ok(_ text: String) { lines.append("ok    \(text)") }
        mutating func fix(_ text: String) { lines.append("fix   \(text)"); problems += 1 }
        mutating func note(_ text: String) { lines.append("note  \(text)") }
    }

    func run() async throws {
        var report = Report()
        let environment = ProcessInfo.processInfo.environment
        // Keys.
        let keyFile = SecretKeyBaseFile(environment: environment)
        var keyRing: KeyRing?
        do {
            let (ring, source) = try keyFile.keyRing(environment: environment, create: false)
            keyRing = ring
            let secret = environment[KeyRing.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
                ?? (try? String(contentsOfFile: keyFile.path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if Set(secret).count < 16 || secret.utf8.count < 64 {
                report.fix("SECRET_KEY_BASE (\(source)) is short or repetitive: use 64 random bytes, e.g. `openssl rand -hex 64`, then `claw rotate-key`")
            } else {
                report.ok("SECRET_KEY_BASE from \(source), key id \(ring.currentKeyID)")
            }
        } catch {
            report.fix("\(error.reason)")
        }
        // The state folder.
        let location = try? DatabaseLocation.fromEnvironment(environment)
        if case .sqlite(let path)? = location {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            Self.checkMode(folder, maximum: 0o700, what: "the state folder", report: &report)
            Self.checkMode(path, maximum: 0o600, what: "the state database", report: &report)
        } else if let location {
            report.ok("state in \(location)")
        }
        // Bind address and TLS.
        if LoopbackHost.contains(host) {
            report.ok("binds \(host) (loopback only)")
        } else if tlsCertificate == nil {
            report.fix("\(host) is reachable from the network without TLS: pass --tls-certificate and --tls-key, or bind 127.0.0.1 behind a TLS proxy")
        } else {
            report.ok("binds \(host) with TLS")
        }
        if let tlsCertificate, !FileManager.default.isReadableFile(atPath: tlsCertificate) {
            report.fix("the TLS certificate \(tlsCertificate) cannot be read")
        }
        if let tlsKey { Self.checkMode(tlsKey, maximum: 0o600, what: "the TLS private key", report: &report) }

        guard let keyRing, let location, let database = try? await ClawDatabase.open(location) else {
            report.fix("the state database cannot be opened; the remaining checks need it")
            return finish(report)
        }
        let reader = SettingsReader(settings: database.settings(keyRing: keyRing))
        // 2FA.
        let enrolled = (try? await database.twoFactor(keyRing: keyRing).state(account: "owner")) != nil
        let shellOn = (try? await reader.flag("shell.enabled")) ?? false
        let needApproval = ((try? await database.workflows.all()) ?? []).filter(\.requiresApproval).map(\.name)
        if enrolled {
            report.ok("2FA is enrolled")
        } else if shellOn || !needApproval.isEmpty {
            report.fix("2FA is not enrolled, so the shell and workflows needing approval (\(needApproval.joined(separator: ", "))) are refused: run `claw totp setup`")
        } else {
            report.fix("2FA is not enrolled: run `claw totp setup` so that actions needing approval can be approved")
        }
        // The shell.
        if shellOn {
            let lines = (try? await reader.lines("shell.allow")) ?? []
            if lines.isEmpty { report.fix("shell.enabled is on but shell.allow is empty: every command is refused") }
            for line in lines {
                guard let rule = try? ShellAllowRule(parsing: line) else {
                    report.fix("shell.allow: '\(line)' is not a valid rule")
                    continue
                }
                let program = URL(fileURLWithPath: rule.program).lastPathComponent
                if Self.codeRunners.contains(program) || Self.codeRunners.contains(Self.baseName(program)) {
                    report.fix("shell.allow: '\(rule)' lets \(program) run arbitrary code; allow the specific programs instead")
                } else if rule.allowsMoreArguments && rule.patterns.isEmpty {
                    report.fix("shell.allow: '\(rule)' allows any arguments to \(program); list the argument patterns you need")
                } else if rule.allowsMoreArguments {
                    report.fix("shell.allow: '\(rule)' accepts any further arguments, options included (such as --output); list them")
                }
            }
            if !lines.isEmpty { report.ok("shell: \(lines.count) allow rule(s); every run needs a 2FA code") }
        } else {
            report.ok("shell is off")
        }
        // Gateways and models.
        let settings = ((try? await database.settings(keyRing: keyRing).all()) ?? []).map(\.name)
        if settings.contains(SettingKey.telegramBotToken.name) {
            if (try? await reader.value(SettingKey.telegramChatID.name)) == nil {
                report.fix("telegram.bot_token is set but telegram.chat_id is not")
            } else {
                report.ok("telegram is configured")
            }
        }
        if settings.contains(SettingKey.discordPublicKey.name) {
            if ((try? await reader.list(SettingKey.discordAllowedUserIDs.name)) ?? []).isEmpty {
                report.fix("discord.public_key is set but discord.allowed_user_ids is empty: nobody could use it")
            } else {
                report.ok("discord is configured")
            }
        }
        if !settings.contains(SettingKey.telegramBotToken.name) && !settings.contains(SettingKey.discordPublicKey.name) {
            report.note("no chat gateway is configured; 2FA challenges go to the console only (see README: Telegram)")
        }
        for allowance in (try? await reader.list("web.allow")) ?? [] {
            // A short prefix exempts a huge range (0.0.0.0/1 and 128.0.0.0/1 together are everything).
            let parts = allowance.split(separator: "/", maxSplits: 1)
            guard parts.count == 2, let prefix = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { continue }
            let shortest = parts[0].contains(":") ? 32 : 8
            if prefix < shortest {
                report.fix("web.allow: \(allowance) exempts a whole range (shorter than /\(shortest)) from web_fetch's SSRF checks; name hosts or small networks")
            }
        }
        let llm = settings.contains { $0.hasPrefix("llm.") }
        report.note(llm ? "an LLM provider is configured" : "no LLM provider: free text gets a help message (see README)")
        await database.close()
        finish(report)
    }

    func finish(_ report: Report) {
        for line in report.lines { print(line) }
        print(report.problems == 0 ? "nothing to fix" : "\(report.problems) thing(s) to fix")
        if report.problems > 0 { Foundation.exit(1) }
    }

    static func checkMode(_ path: String, maximum: mode_t, what: String, report: inout Report) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            report.note("\(what) \(path) does not exist yet (`claw serve` creates it)")
            return
        }
        let mode = info.st_mode & 0o777
        if mode & ~maximum != 0 {
            report.fix("\(what) \(path) has mode \(String(mode, radix: 8)): run `chmod \(String(maximum, radix: 8)) \(path)`")
        } else {
            report.ok("\(what) \(path) has mode \(String(mode, radix: 8))")
        }
    }
}
