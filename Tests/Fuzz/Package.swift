// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for ClawSecurity, ClawWorkflow and ClawGateways. Build and run them with `scripts/fuzz` from the repository root;
// see README.md. Every executable supplies its own `main`, which hands control to libFuzzer through
// `LLVMFuzzerRunDriver`, because SwiftPM's generated entry point would hide libFuzzer's `main`.

let fuzzTargets = [
    "FuzzSecretBoxOpen", "FuzzBase32", "FuzzWebhookHeader", "FuzzBase64", "FuzzMacaroonDecode", "FuzzCaveat",
    "FuzzPolicyLoader", "FuzzWorkflowLoader", "FuzzHTMLTokenizer", "FuzzContentSanitizer",
    "FuzzTextFolding", "FuzzPatternMatcher", "FuzzShellCommand", "FuzzNetworkAddress",
]

/// Targets that drive the gateways (and so build Hummingbird, NIO and the storage drivers).
let gatewayTargets = ["FuzzMCPRequest", "FuzzChatUpdates"]

/// Targets that drive the core skills' parsers (feeds, LLM replies).
let skillTargets = ["FuzzFeedParser", "FuzzLLMResponse"]

let package = Package(
    name: "ClawFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "claw", path: "../.."),
    ],
    targets: [
        .target(name: "CFuzzerDriver"),
    ] + fuzzTargets.map { name in
        .executableTarget(
            name: name,
            dependencies: [
                "CFuzzerDriver",
                .product(name: "ClawSecurity", package: "claw"),
                .product(name: "ClawWorkflow", package: "claw"),
            ]
        )
    } + gatewayTargets.map { name in
        .executableTarget(
            name: name,
            dependencies: [
                "CFuzzerDriver",
                .product(name: "ClawGateways", package: "claw"),
            ]
        )
    } + skillTargets.map { name in
        .executableTarget(
            name: name,
            dependencies: [
                "CFuzzerDriver",
                .product(name: "ClawSkills", package: "claw"),
            ]
        )
    }
)
