// swift-tools-version:6.1
import PackageDescription

/// Settings every Claw target shares: Swift 6 language mode is the tools default;
/// these make the compiler enforce what the style guide asks for.
let clawSwiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableExperimentalFeature("StrictConcurrency"),
]

let package = Package(
    name: "claw",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ClawSecurity", targets: ["ClawSecurity"]),
        .library(name: "ClawWorkflow", targets: ["ClawWorkflow"]),
        .library(name: "ClawGateways", targets: ["ClawGateways"]),
        .library(name: "ClawStorage", targets: ["ClawStorage"]),
        .library(name: "ClawSkills", targets: ["ClawSkills"]),
        .executable(name: "claw", targets: ["ClawAgent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    ],
    targets: [
        .target(
            name: "ClawSecurity",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: clawSwiftSettings
        ),
        .target(
            name: "ClawWorkflow",
            dependencies: [
                "ClawSecurity",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: clawSwiftSettings
        ),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "ClawStorage",
            dependencies: [
                "ClawSecurity",
                "ClawWorkflow",
                "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: clawSwiftSettings
        ),
        .target(
            name: "ClawGateways",
            dependencies: [
                "ClawSecurity",
                "ClawWorkflow",
                "ClawStorage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: clawSwiftSettings
        ),
        .target(
            name: "ClawSkills",
            dependencies: [
                "ClawSecurity",
                "ClawWorkflow",
                "ClawStorage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: clawSwiftSettings
        ),
        .executableTarget(
            name: "ClawAgent",
            dependencies: [
                "ClawSecurity",
                "ClawWorkflow",
                "ClawStorage",
                "ClawGateways",
                "ClawSkills",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: clawSwiftSettings
        ),
        .testTarget(
            name: "ClawSecurityTests",
            dependencies: ["ClawSecurity", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: clawSwiftSettings
        ),
        .testTarget(
            name: "ClawWorkflowTests",
            dependencies: [
                "ClawWorkflow",
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            swiftSettings: clawSwiftSettings
        ),
        .executableTarget(
            name: "ClawStorageCrashWriter",
            dependencies: ["ClawStorage"],
            path: "Tests/ClawStorageCrashWriter",
            swiftSettings: clawSwiftSettings
        ),
        .testTarget(
            name: "ClawStorageTests",
            dependencies: [
                "ClawStorage", "ClawSecurity", "ClawWorkflow", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: clawSwiftSettings
        ),
        .testTarget(
            name: "ClawGatewaysTests",
            dependencies: [
                "ClawGateways",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: clawSwiftSettings
        ),
        .testTarget(
            name: "ClawSkillsTests",
            dependencies: [
                "ClawSkills",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: clawSwiftSettings
        ),
        .testTarget(
            name: "ClawAgentTests",
            dependencies: [
                "ClawSecurity", "ClawStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: clawSwiftSettings
        ),
        .testTarget(
            name: "PropertyTests",
            dependencies: [
                "ClawSecurity",
                "ClawWorkflow",
                "ClawStorage",
                "ClawGateways",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: clawSwiftSettings
        ),
    ]
)
