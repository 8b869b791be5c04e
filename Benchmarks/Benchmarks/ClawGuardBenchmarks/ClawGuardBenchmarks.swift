import Benchmark
import ClawGateways
import ClawSecurity
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Benchmarks for three hot paths that take untrusted text, measured beside peers/bench_guard_peers.py (Python's
// stdlib) on the same machine in the same session by Benchmarks/run.sh (the guards part, SKIP_GUARDS / ONLY_GUARDS):
//
// * Guards.ipParse / Guards.ipClassify: `IPAddress(parsing:)`, then `.classification`, over the 20 literals of
//   `addressLiterals` (IPv4 and IPv6; public, private, loopback, link-local, CGNAT, documentation, and IPv4-mapped,
//   NAT64 and 6to4 forms). Peer: `ipaddress.ip_address(x)`, then `.is_global` and `.is_private`.
// * Guards.networkCheck: `NetworkAddressGuard().check(host: "example.com", resolved: [literal])` over the same
//   20 literals, 7 allowed and 13 refused (a refusal throws a ClawSecurityError with its reason).
//   Peer: a short Python check (lower-case the host, refuse the metadata names, ip_address, is_global).
// * Guards.shellTokenize / Guards.shellCheck.allowed / Guards.shellCheck.refused: `ShellCommandGuard.tokenize`
//   over the 10 allowed lines, and `ShellCommandGuard.check(_:)` over the 10 allowed and the 10 refused lines
//   (`allowedShellLines`, `refusedShellLines`) with the 8 rules of `shellRules`. Peer: `shlex.split`, then a naive
//   fnmatch argv matcher that does less checking.
// * Guards.chatCommand: `ChatCommand(parsing:)` over the 20 messages of `chatMessages`. Peer: a split-based
//   Python parser of the same commands (a reference figure, not a like-for-like peer).
// * Guards.diagnostic.chatTrim: ChatCommand(parsing:)'s first step alone over the same messages,
//   `String(raw.prefix(8192)).trimmingCharacters(in: .whitespacesAndNewlines)` (Foundation); no peer.
//
// The inputs are fixed here and repeated verbatim in peers/bench_guard_peers.py; the setup checks the verdicts
// (allowed/refused counts), so an edit to one side that changes them fails the benchmark.
//
// Each measured iteration runs 1,000 operations (`scalingFactor: .kilo`), one input each, cycling through the
// list (every list has 10 or 20 entries, so each iteration covers it evenly): the per-operation figures are the
// mean over the list. Metrics as in ClawSecurityBenchmarks: wall clock, `threadCPU` (CLOCK_THREAD_CPUTIME_ID
// around the 1,000 operations; the clock the Python peers use too), throughput and mallocCountTotal.

/// The calling thread's CPU time, as a custom metric in nanoseconds.
struct ThreadCPUClock {
    static var metric: BenchmarkMetric { .custom("threadCPU (ns)", polarity: .prefersSmaller, useScalingFactor: true) }

    let started: Int

    static func now() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Int(ts.tv_sec) * 1_000_000_000 + Int(ts.tv_nsec)
    }

    static func start() -> ThreadCPUClock { ThreadCPUClock(started: now()) }

    func stop(_ benchmark: Benchmark) {
        benchmark.measurement(Self.metric, Self.now() - started)
    }
}

// MARK: Inputs (the same in peers/bench_guard_peers.py)

/// 20 literals: 8 IPv4, 12 IPv6; `true` when NetworkAddressGuard allows it (public).
let addressLiterals: [(String, Bool)] = [
    ("93.184.215.14", true),            // public
    ("8.8.8.8", true),                  // public
    ("10.1.2.3", false),                // private
    ("192.168.1.10", false),            // private
    ("127.0.0.1", false),               // loopback
    ("169.254.169.254", false),         // link-local (cloud metadata)
    ("100.64.0.1", false),              // shared address space (CGNAT)
    ("203.0.113.7", false),             // documentation
    ("2606:4700:4700::1111", true),     // public
    ("2001:4860:4860::8888", true),     // public
    ("2a00:1450:4001:82a::200e", true), // public, uncompressed tail
    ("::1", false),                     // loopback
    ("fd12:3456:789a::1", false),       // unique local
    ("fe80::1ff:fe23:4567:890a", false),// link-local
    ("2001:db8::1", false),             // documentation
    ("::ffff:8.8.8.8", true),           // IPv4-mapped, public
    ("::ffff:10.0.0.1", false),         // IPv4-mapped, private
    ("::ffff:127.0.0.1", false),        // IPv4-mapped, loopback
    ("64:ff9b::5db8:d70e", true),       // NAT64 of 93.184.215.14
    ("2002:c0a8:010a::1", false),       // 6to4 of 192.168.1.10
]

/// A small allow-list in the rules' text form.
let shellRules = [
    "git status",
    "git log --oneline -n *",
    "git diff ...",
    "ls",
    "ls -la *",
    "cat *",
    "grep -n * *",
    "curl -s https://*",
]

/// 10 lines the rules allow.
let allowedShellLines = [
    "git status",
    "git log --oneline -n 5",
    "git diff --stat origin/main",
    "ls",
    "ls -la src",
    "cat README.md",
    "grep -n 'hello world' Sources/main.swift",
    "curl -s https://example.com/feed.xml",
    "git  log  --oneline  -n  20",
    "cat \"notes for today.txt\"",
]

/// 10 lines the guard refuses: metacharacters, programs or arguments no rule allows, an option through a
/// wildcard, a path, an unterminated quote.
let refusedShellLines = [
    "ls; rm -rf /",
    "cat $(whoami)",
    "echo hi > /etc/passwd",
    "rm -rf /",
    "git log --oneline -n 5 --all",
    "cat --show-all",
    "/bin/ls -la src",
    "grep -n 'unterminated README.md",
    "curl -s http://169.254.169.254/latest/meta-data/",
    "git push --force origin main",
]

/// 20 chat messages: commands with and without arguments, a bot suffix, codes, free text, unknown and malformed.
let chatMessages = [
    "/help",
    "/start",
    "/status",
    "/skills",
    "/workflows",
    "/runs",
    "/run daily-digest summarize the top stories",
    "/cancel run-42",
    "/shell git log --oneline -n 5",
    "/setup 2fa",
    "/confirm 2fa 123456",
    "/approve a1b2c3 654321",
    "/approve 654321",
    "/deny a1b2c3",
    "123456",
    "/help@claw_bot",
    "/frobnicate now",
    "/cancel",
    "What's on my calendar tomorrow?",
    "  please fetch https://example.com and summarize it  ",
]

/// Runs `body` on 1,000 inputs (one per scaled iteration), cycling through `inputs`, with the thread CPU metric.
@inline(__always)
func cycle<T>(_ benchmark: Benchmark, _ inputs: [T], _ body: (T) -> Void) {
    let cpu = ThreadCPUClock.start()
    var index = 0
    for _ in benchmark.scaledIterations {
        body(inputs[index])
        index += 1
        if index == inputs.count { index = 0 }
    }
    cpu.stop(benchmark)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, ThreadCPUClock.metric, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        units: [ThreadCPUClock.metric: .count, .mallocCountTotal: .count],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 5_000
    )

    // MARK: Network addresses

    let literals = addressLiterals.map(\.0)
    let networkGuard = NetworkAddressGuard()
    for (literal, allowed) in addressLiterals {
        precondition(IPAddress(parsing: literal) != nil, "\(literal) does not parse")
        let passed = (try? networkGuard.check(host: "example.com", resolved: [literal])) != nil
        precondition(passed == allowed, "NetworkAddressGuard: \(literal) expected \(allowed ? "allowed" : "refused")")
    }

    Benchmark("Guards.ipParse") { benchmark in
        cycle(benchmark, literals) { blackHole(IPAddress(parsing: $0)) }
    }

    Benchmark("Guards.ipClassify") { benchmark in
        cycle(benchmark, literals) { blackHole(IPAddress(parsing: $0)?.classification) }
    }

    Benchmark("Guards.networkCheck") { benchmark in
        cycle(benchmark, literals) { literal in
            do {
                try networkGuard.check(host: "example.com", resolved: [literal])
                blackHole(true)
            } catch {
                blackHole(error)
            }
        }
    }

    // MARK: Shell commands

    let shellGuard = try! ShellCommandGuard(parsing: shellRules)
    precondition(shellGuard.rules.count == shellRules.count)
    for line in allowedShellLines {
        precondition((try? shellGuard.check(line)) != nil, "ShellCommandGuard refused '\(line)'")
    }
    for line in refusedShellLines {
        precondition((try? shellGuard.check(line)) == nil, "ShellCommandGuard allowed '\(line)'")
    }

    Benchmark("Guards.shellTokenize") { benchmark in
        cycle(benchmark, allowedShellLines) { blackHole(try? ShellCommandGuard.tokenize($0)) }
    }

    Benchmark("Guards.shellCheck.allowed") { benchmark in
        cycle(benchmark, allowedShellLines) { line in
            do {
                blackHole(try shellGuard.check(line))
            } catch {
                blackHole(error)
            }
        }
    }

    Benchmark("Guards.shellCheck.refused") { benchmark in
        cycle(benchmark, refusedShellLines) { line in
            do {
                blackHole(try shellGuard.check(line))
            } catch {
                blackHole(error)
            }
        }
    }

    // MARK: Chat commands

    let tools = chatMessages.map { ChatCommand(parsing: $0).tool }
    precondition(tools.filter { $0 == "chat" }.count == 2 && tools.filter { $0 == "malformed" }.count == 1
        && tools.filter { $0 == "unknown" }.count == 1, "ChatCommand: unexpected parse of the messages: \(tools)")

    Benchmark("Guards.chatCommand") { benchmark in
        cycle(benchmark, chatMessages) { blackHole(ChatCommand(parsing: $0)) }
    }

    Benchmark("Guards.diagnostic.chatTrim") { benchmark in
        cycle(benchmark, chatMessages) {
            blackHole(String($0.prefix(ChatCommand.maximumLength)).trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
