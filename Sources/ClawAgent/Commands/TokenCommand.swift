import ArgumentParser
import ClawSecurity
import Foundation

/// `claw token`: mint, attenuate, inspect and verify capability tokens (macaroons).
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint, attenuate, inspect and verify capability tokens.",
        subcommands: [Mint.self, Attenuate.self, Inspect.self, Verify.self]
    )

    /// Where the root key comes from: `--key-hex`, or SECRET_KEY_BASE.
    struct KeyOptions: ParsableArguments {
        @Option(help: "The root key in hex; without it the key comes from SECRET_KEY_BASE.")
        var keyHex: String?

        func rawKey() throws -> [UInt8]? {
            guard let keyHex else { return nil }
            let key = try CommandFailure.guarding { try Hex.decode(keyHex) }
            guard key.count >= 16 else { throw CommandFailure.fail("--key-hex must be at least 16 bytes (32 hex digits)") }
            return key
        }
    }

    struct Mint: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mint a token and print it (V2 binary, base64url).")

        @Option(help: "Comma-separated permissions the token grants.")
        var permissions: String

        @Option(help: "The deepest skill-to-skill chain allowed.")
        var depth: Int?

        @Option(help: "Expiry as RFC 3339, such as 2027-01-01T00:00:00Z.")
        var expires: String?

        @Option(name: .customLong("run"), help: "The workflow run the token is limited to.")
        var runID: String?

        @Option(help: "The skill the token is limited to.")
        var skill: String?

        @OptionGroup var key: KeyOptions

        func run() throws {
            var texts = ["permissions = \(permissions)"]
            if let depth { texts.append("chain_depth <= \(depth)") }
            if let expires { texts.append("expires < \(expires)") }
            if let runID { texts.append("workflow_run = \(runID)") }
            if let skill { texts.append("skill = \(skill)") }
            let caveats = try CommandFailure.guarding { try texts.map { try CaveatPredicate(parsing: $0) } }
            let token: CapabilityToken
            if let raw = try key.rawKey() {
                token = CapabilityToken.mint(rootKey: raw, caveats: caveats)
            } else {
                token = CapabilityToken.mint(keyRing: try StateDatabase.keyRing(), caveats: caveats)
            }
            print(token.serialized())
        }
    }

    struct Attenuate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append caveats to a token and print the narrower token (no key needed).")

        @Argument(help: "The token.")
        var token: String

        @Option(name: .customLong("caveat"), help: "A caveat to append, such as \"skill = web_search\"; repeatable.")
        var caveats: [String]

        func run() throws {
            guard !caveats.isEmpty else { throw CommandFailure.fail("give at least one --caveat") }
            let parsed = try CommandFailure.guarding { try caveats.map { try CaveatPredicate(parsing: $0) } }
            let decoded = try CommandFailure.guarding { try CapabilityToken(decoding: token) }
            print(decoded.attenuated(parsed).serialized())
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a token's location, identifier and caveats as JSON (it is not verified).")

        @Argument(help: "The token.")
        var token: String

        func run() throws {
            let decoded = try CommandFailure.guarding { try CapabilityToken(decoding: token) }
            let m = decoded.macaroon
            let json = JSONValue.object([
                "location": .string(m.location),
                "identifier": .string(m.identifierText ?? Hex.encode(m.identifier)),
                "caveats": .array(decoded.caveatTexts.map(JSONValue.string)),
            ])
            print(json.canonicalText)
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a token for a request: exit 0 when authorized, 1 with the reason on stderr.")

        @Argument(help: "The token.")
        var token: String

        @Option(help: "The permission requested.")
        var permission: String

        @Option(help: "The chain depth of the request.")
        var depth = 0

        @Option(help: "The skill making the request.")
        var skill: String?

        @Option(name: .customLong("run"), help: "The workflow run of the request.")
        var runID: String?

        @Option(help: "The time of the request as RFC 3339; now by default.")
        var at: String?

        @OptionGroup var key: KeyOptions

        func run() throws {
            var clock = WallClock.system
            if let at {
                guard let date = RFC3339.parse(at) else { throw CommandFailure.fail("--at is not an RFC 3339 time") }
                clock = .fixed(date)
            }
            let verifier: CapabilityVerifier
            if let raw = try key.rawKey() {
                verifier = CapabilityVerifier(rootKey: raw, clock: clock)
            } else {
                verifier = CapabilityVerifier(keyRing: try StateDatabase.keyRing(), clock: clock)
            }
            let request = CapabilityRequest(permission: permission, skill: skill, chainDepth: depth, workflowRun: runID)
            do throws(ClawSecurityError) {
                let decoded = try CapabilityToken(decoding: token)
                _ = try verifier.verify(decoded, for: request)
                print("authorized")
            } catch {
                CommandFailure.writeError("claw: denied: \(error)\n")
                throw ExitCode(1)
            }
        }
    }
}
