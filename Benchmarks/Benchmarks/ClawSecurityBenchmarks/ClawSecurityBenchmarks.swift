import Benchmark
import ClawSecurity
import Crypto
import Foundation

#if canImport(CCryptoBoringSSL)
import CCryptoBoringSSL
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Benchmarks for ClawSecurity's hot paths: sealing and opening settings (SecretBox), HKDF key
// derivation (KeyRing), TOTP generation and verification, and constant-time comparison; capability tokens
// (macaroons) and policy decisions are in AuthorizationBenchmarks.swift.
//
// Every benchmark runs 1,000 operations per measured iteration (`scalingFactor: .kilo`), so that the
// clock and malloc-counter reads at each iteration's edges cost nothing measurable per operation. The
// benchmark tool's default text output divides by the scaling factor (marked `*`): per operation.
// (In benchmark 1.38.1, `--scale` does the opposite of what its help says and prints per iteration.)
//
// Metrics: wall clock, throughput, mallocCountTotal, and `threadCPU`, the calling thread's CPU time
// (CLOCK_THREAD_CPUTIME_ID) around the 1,000 operations. The built-in `cpuTotal` is left out: it is the
// process's CPU time in 10 ms ticks, far coarser than one iteration. `threadCPU` leaves out the time the
// thread sat descheduled, so it stays comparable on a loaded machine, and it is the clock the Python
// peers in Benchmarks/peers/bench_peers.py use too.
//
// Everything a benchmark touches is built once, outside the measured loop, from fixed inputs; only the
// nonces SecretBox draws itself are random.

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

/// A fixed 64-byte SECRET_KEY_BASE: printable, like a Rails/Phoenix secret, and never used outside tests.
let benchmarkSecret = Array("claw-benchmark-secret-key-base-0123456789abcdefghijklmnopqrstuvw".utf8)

/// Deterministic filler bytes for a plaintext of `count` bytes.
func payload(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
}

/// The setting name the claw layout binds into its associated data.
let settingName = "llm.providers.anthropic.api_key"

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, ThreadCPUClock.metric, .throughput, .mallocCountTotal],
        // Fixed units, so that a 4 µs operation reads 3973 ns rather than a rounded "4 μs".
        timeUnits: .nanoseconds,
        units: [ThreadCPUClock.metric: .count, .mallocCountTotal: .count],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 5_000
    )

    precondition(benchmarkSecret.count == 64)
    let keyRing = try! KeyRing(secretKeyBase: benchmarkSecret)
    let box = SecretBox(keyRing: keyRing)

    let plain64 = payload(64)
    let plain256 = payload(256)
    let plain4K = payload(4096)

    // MARK: SecretBox, claw:v1 layout (AES-256-GCM + base64url, name bound as associated data)

    Benchmark("SecretBox.seal 64 B (claw:v1)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(try box.seal(plain64, name: settingName))
        }
        cpu.stop(benchmark)
    }

    Benchmark("SecretBox.seal 256 B (claw:v1)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(try box.seal(plain256, name: settingName))
        }
        cpu.stop(benchmark)
    }

    Benchmark("SecretBox.seal 4 KiB (claw:v1)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(try box.seal(plain4K, name: settingName))
        }
        cpu.stop(benchmark)
    }

    let sealed256 = try! box.seal(plain256, name: settingName)
    let sealed4K = try! box.seal(plain4K, name: settingName)
    precondition(try! box.open(sealed256, name: settingName) == plain256)
    precondition(try! box.open(sealed4K, name: settingName) == plain4K)

    Benchmark("SecretBox.open 256 B (claw:v1)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(try box.open(sealed256, name: settingName))
        }
        cpu.stop(benchmark)
    }

    Benchmark("SecretBox.open 4 KiB (claw:v1)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(try box.open(sealed4K, name: settingName))
        }
        cpu.stop(benchmark)
    }

    // MARK: SecretBox, AlexClaw's enc: layout (AES-256-GCM + standard padded base64, no AAD)

    precondition(try! box.open(try! box.sealAlexClaw(plain64), name: settingName) == plain64)

    Benchmark("SecretBox.sealAlexClaw 64 B (enc:)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(try box.sealAlexClaw(plain64))
        }
        cpu.stop(benchmark)
    }

    // MARK: KeyRing: one HKDF-SHA256 derivation of 32 bytes

    Benchmark("KeyRing.key(for:) HKDF-SHA256 32 B") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(keyRing.key(for: .configEncryption))
        }
        cpu.stop(benchmark)
    }

    // MARK: TOTP (SHA-1, 6 digits, 30 s, window 1)

    let totpSecret = payload(20)
    let totp = try! TOTP(secret: totpSecret, configuration: .init(algorithm: .sha1, digits: 6, window: 1))
    let when = Date(timeIntervalSince1970: 1_750_000_000)
    let rightCode = totp.code(at: when)
    // A code that none of the three steps in the window produces.
    let windowCodes = Set((-1...1).map { totp.code(forStep: totp.step(at: when) + Int64($0)) })
    let wrongCode = (0..<1_000_000).lazy
        .map { String(format: "%06d", (Int(rightCode)! + 1 + $0) % 1_000_000) }
        .first { !windowCodes.contains($0) }!
    precondition(totp.match(rightCode, at: when) == totp.step(at: when))
    precondition(totp.match(wrongCode, at: when) == nil)

    Benchmark("TOTP.match right code (SHA1, 6 digits, window 1)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(totp.match(rightCode, at: when))
        }
        cpu.stop(benchmark)
    }

    Benchmark("TOTP.match wrong code (SHA1, 6 digits, window 1)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(totp.match(wrongCode, at: when))
        }
        cpu.stop(benchmark)
    }

    Benchmark("TOTP.code(at:) generate (SHA1, 6 digits)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(totp.code(at: when))
        }
        cpu.stop(benchmark)
    }

    // MARK: ConstantTime

    let left32 = payload(32)
    let right32 = payload(32)

    Benchmark("ConstantTime.equals 32 B (HMAC both sides)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(ConstantTime.equals(left32, right32))
        }
        cpu.stop(benchmark)
    }

    Benchmark("ConstantTime.equalFixedSize 32 B") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(ConstantTime.equalFixedSize(left32, right32))
        }
        cpu.stop(benchmark)
    }

    // MARK: Diagnostics: the AES-GCM and base64 parts of sealing and opening 4 KiB

    // swift-crypto's public AES.GCM.seal with a random nonce, 4 KiB, no base64: the AEAD work alone,
    // plus the key schedule that swift-crypto redoes on every call (SecretBox keeps its context).
    let rawKey = keyRing.key(for: .configEncryption)

    Benchmark("diagnostic: swift-crypto AES.GCM.seal 4 KiB (no base64)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(try AES.GCM.seal(plain4K, using: rawKey))
        }
        cpu.stop(benchmark)
    }

    #if canImport(CCryptoBoringSSL)
    // The AEAD call SecretBox makes on Linux, without base64: one EVP_AEAD_CTX kept for the key. Fixed
    // nonce: fine for timing, never for real use. And one direct RAND_bytes call for 12 bytes, which is
    // what every seal paid for its nonce before SecretBox drew nonces from a pool (commit 106e52f).
    let aeadContext = UnsafeMutablePointer<EVP_AEAD_CTX>.allocate(capacity: 1)
    CCryptoBoringSSL_EVP_AEAD_CTX_zero(aeadContext)
    let aeadReady = rawKey.withUnsafeBytes { k in
        CCryptoBoringSSL_EVP_AEAD_CTX_init(
            aeadContext, CCryptoBoringSSL_EVP_aead_aes_256_gcm(),
            k.baseAddress!.assumingMemoryBound(to: UInt8.self), k.count, 16, nil)
    }
    precondition(aeadReady == 1)
    let aeadContextAddress = UInt(bitPattern: aeadContext)

    Benchmark("diagnostic: BoringSSL EVP_AEAD seal 4 KiB (kept context, no base64)") { benchmark in
        let context = UnsafePointer<EVP_AEAD_CTX>(bitPattern: aeadContextAddress)
        let nonce = [UInt8](repeating: 0x42, count: 12)
        var out = [UInt8](repeating: 0, count: plain4K.count + 16)
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            var written = 0
            let ok = out.withUnsafeMutableBufferPointer { o in
                CCryptoBoringSSL_EVP_AEAD_CTX_seal(
                    context, o.baseAddress, &written, o.count, nonce, nonce.count,
                    plain4K, plain4K.count, nil, 0)
            }
            blackHole(ok)
        }
        cpu.stop(benchmark)
        blackHole(out)
    }

    Benchmark("diagnostic: BoringSSL RAND_bytes 12 B (the nonce)") { benchmark in
        var nonce = [UInt8](repeating: 0, count: 12)
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(CCryptoBoringSSL_RAND_bytes(&nonce, nonce.count))
        }
        cpu.stop(benchmark)
    }
    #endif

    // A 4 KiB claw:v1 value is base64url of nonce 12 + ciphertext 4096 + tag 16 = 4,124 bytes, 5,499
    // characters. These call the public entry points, which hand contiguous storage to the same
    // non-generic loops SecretBox runs, so they measure the base64 part of a 4 KiB seal and open, plus
    // allocating the result. (Before 106e52f the public encode walked the bytes through an
    // unspecialized iterator when called from another module: 112 µs and one malloc per byte.)
    let raw4K = payload(12 + 4096 + 16)
    let encoded4K = Base64.encode(raw4K, alphabet: .urlSafe)
    precondition(Base64.decode(Array(encoded4K.utf8), alphabet: .urlSafe) == raw4K)
    let encoded4KBytes = Array(encoded4K.utf8)

    Benchmark("diagnostic: Base64.encode 4124 B (urlSafe)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(Base64.encode(raw4K, alphabet: .urlSafe))
        }
        cpu.stop(benchmark)
    }

    Benchmark("diagnostic: Base64.decode 5499 chars (urlSafe)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(Base64.decode(encoded4KBytes, alphabet: .urlSafe))
        }
        cpu.stop(benchmark)
    }

    // Capability tokens and policy decisions: AuthorizationBenchmarks.swift.
    registerAuthorizationBenchmarks()
}
