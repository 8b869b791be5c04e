// swift-tools-version:6.1
import PackageDescription

// Benchmarks for Claw, kept in their own package so that the library's users never resolve
// ordo-one/benchmark. Run them with `Benchmarks/run.sh` from the repository root, or
// `swift package benchmark` from this directory.
//
// The "MallocInterposer" trait gives the malloc metrics (mallocCountTotal) on Swift 6.3+,
// which no longer uses jemalloc.
let package = Package(
    name: "ClawBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "claw", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // Already in the graph through ClawSecurity; named here only for the diagnostics that time
        // AES-GCM and RAND_bytes alone (Crypto, and the CCryptoBoringSSL module beneath it).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .executableTarget(
            name: "ClawSecurityBenchmarks",
            dependencies: [
                .product(name: "ClawSecurity", package: "claw"),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/ClawSecurityBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        .executableTarget(
            name: "ClawWorkflowBenchmarks",
            dependencies: [
                .product(name: "ClawWorkflow", package: "claw"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ClawWorkflowBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // The HTML tokenizer and ContentSanitizer (layers 1-5, and all seven) over the 200-page corpus that
        // peers/bench_html_peers.py gives nh3 and lxml; the page list is Benchmarks/.corpus/html-pages.txt.
        // InjectionPatternMatcher over the text that peers/bench_pattern_peers.py gives pyahocorasick and
        // Hyperscan (Benchmarks/.corpus/scan-text.txt, from peers/scan_corpus.py).
        .executableTarget(
            name: "ClawSanitizerBenchmarks",
            dependencies: [
                .product(name: "ClawSecurity", package: "claw"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ClawSanitizerBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // Guards over untrusted text: IPAddress parsing and classification and NetworkAddressGuard.check, ShellCommandGuard
        // (tokenize and check against a small allow-list) and ChatCommand(parsing:), over fixed inputs that
        // peers/bench_guard_peers.py gives Python's ipaddress, shlex + fnmatch and a split-based parser.
        .executableTarget(
            name: "ClawGuardBenchmarks",
            dependencies: [
                .product(name: "ClawSecurity", package: "claw"),
                .product(name: "ClawGateways", package: "claw"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ClawGuardBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // ClawStorage on SQLite and PostgreSQL: audit appends and policy reads (run.sh measures pgbench beside it
        // on the same server; the PostgreSQL rows need CLAW_BENCH_DATABASE_URL, which run.sh sets).
        .executableTarget(
            name: "ClawStorageBenchmarks",
            dependencies: [
                .product(name: "ClawStorage", package: "claw"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ClawStorageBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
    ]
)
