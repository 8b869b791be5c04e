import ArgumentParser
import ClawSecurity
import ClawStorage
import Foundation

/// `claw totp`: enrol, compute and check time-based one-time passwords.
struct TOTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "totp",
        abstract: "Create TOTP secrets, print codes and verify them (RFC 6238).",
        subcommands: [Setup.self, New.self, Code.self, Verify.self]
    )

    /// Parameters every subcommand shares.
    struct Parameters: ParsableArguments {
        @Option(help: "Digits per code: 6, 7 or 8.")
        var digits = 6

        @Option(help: "The HMAC algorithm: sha1, sha256 or sha512.")
        var algorithm = "sha1"

        @Option(help: "Seconds per time step.")
        var period = 30

        func configuration() throws -> TOTP.Configuration {
            guard let algorithm = TOTP.Algorithm(name: algorithm) else {
                throw CommandFailure.fail("unknown algorithm '\(algorithm)'; use sha1, sha256 or sha512")
            }
            return TOTP.Configuration(algorithm: algorithm, digits: digits, period: period)
        }
    }

    struct Setup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enrol the agent's 2FA: print a new secret, then read a code from it on standard input to confirm.",
            discussion: """
                The secret is sealed in the state database (SECRET_KEY_BASE or the state folder's secret_key_base, \
                created when missing). Nothing changes until a valid code from the new secret is entered. When 2FA \
                is already enrolled, --current-code must be a valid code of the current secret. This (or /setup 2fa \
                on the console) is the only place the secret is shown; chat gateways never send it.
                """)

        @Option(help: "The enrolled account.")
        var account = "owner"

        @Option(help: "The issuer shown in the authenticator app.")
        var issuer = "Claw"

        @Option(help: "A code of the current secret, to re-enrol.")
        var currentCode: String?

        @Flag(help: "Re-enrol without a current code (a lost phone, or an account locked by wrong codes); audited. Needs this machine's state.")
        var force = false

        func run() async throws {
            let database = try await StateDatabase.open()
            let (keyRing, _) = try await StateDatabase.keyRingCreatingIfNew(database: database)
            let store = database.twoFactor(keyRing: keyRing)
            let enrolled = try await StateDatabase.guarding { () async throws(StorageError) in try await store.state(account: account) != nil }
            if enrolled, force {
                let audit = AuditLog(store: database.audit, keyRing: keyRing)
                do {
                    try await audit.record(event: "2fa.reenroll_forced", outcome: "allow", reason: "claw totp setup --force",
                                           context: ["account": .string(account), "by": "cli"])
                } catch {
                    await database.close()
                    throw CommandFailure.fail("the audit log cannot be written; nothing was changed")
                }
            } else if enrolled {
                guard let currentCode else {
                    await database.close()
                    throw CommandFailure.fail(
                        "2FA is already enrolled for \(account): pass --current-code with a code of the current secret (or --force on this machine)")
                }
                let outcome = try await StateDatabase.guarding { () async throws(StorageError) in try await store.verify(currentCode, account: account) }
                guard case .accepted = outcome else {
                    await database.close()
                    throw CommandFailure.fail("the current code was not accepted")
                }
            }
            let totp = try CommandFailure.guarding { try TOTP.random() }
            print("secret: \(totp.base32Secret)")
            print("uri: \(OTPAuthURI(totp: totp, issuer: issuer, account: account).string)")
            print("Add it to your authenticator app, then enter the code it shows:")
            fflush(nil)  // the prompt must reach a pipe before the read
            guard let line = readLine(), let step = totp.match(line.trimmingCharacters(in: .whitespaces), at: Date()) else {
                await database.close()
                throw CommandFailure.fail("the code does not match the new secret; nothing was changed")
            }
            try await StateDatabase.guarding { () async throws(StorageError) in
                try await store.enroll(account: account, totp: totp)
                _ = try await store.accept(account: account, step: step)
            }
            let audit = AuditLog(store: database.audit, keyRing: keyRing)
            _ = try? await audit.record(event: "2fa.enrolled", outcome: "allow", reason: "enrolled with claw totp setup",
                                        context: ["account": .string(account), "by": "cli"])
            await database.close()
            print("2FA enrolled for \(account).")
        }
    }

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a random secret and print it with its otpauth:// URI for an authenticator app.")

        @Option(help: "The issuer shown in the authenticator app.")
        var issuer = "Claw"

        @Option(help: "The account shown in the authenticator app.")
        var account = "claw"

        @OptionGroup var parameters: Parameters

        func run() throws {
            let configuration = try parameters.configuration()
            let totp = try CommandFailure.guarding { try TOTP.random(configuration: configuration) }
            print("secret: \(totp.base32Secret)")
            print("uri: \(OTPAuthURI(totp: totp, issuer: issuer, account: account).string)")
        }
    }

    /// The secret and time that `code` and `verify` share.
    struct SecretOptions: ParsableArguments {
        @Option(help: "The Base32 secret.")
        var secret: String

        @Option(help: "The Unix time in seconds; now by default.")
        var at: Int64?

        @OptionGroup var parameters: Parameters

        func totp() throws -> TOTP {
            let configuration = try parameters.configuration()
            return try CommandFailure.guarding { try TOTP(base32Secret: secret, configuration: configuration) }
        }

        var date: Date { at.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? Date() }
    }

    struct Code: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the code for a secret at a time.")

        @OptionGroup var options: SecretOptions

        func run() throws {
            print(try options.totp().code(at: options.date))
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a code: exit 0 when it is valid within one step either side, 1 when it is not.")

        @Option(help: "The code to check.")
        var code: String

        @OptionGroup var options: SecretOptions

        func run() throws {
            if try options.totp().match(code, at: options.date) != nil {
                print("valid")
            } else {
                CommandFailure.writeError("claw: code rejected\n")
                throw ExitCode(1)
            }
        }
    }
}
