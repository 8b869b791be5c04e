import Benchmark
import ClawSecurity
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Benchmarks for ClawSecurity's HTML sanitizer, over the same 200 real pages (Debian's python3.11-doc,
// 21,259,889 bytes) that Benchmarks/peers/bench_html_peers.py converts to text with nh3 and lxml.
//
// "HTMLTokenizer corpus (200 pages)" runs HTMLTokenizer.statistics(of:), whose counting sink is ClawSecurity's own
// (specialized there). "sink in the caller's module" runs the same counting sink defined here, as a user of the
// library would, through the unspecialized generic tokenize(_:into:). "ContentSanitizer layers 1-5" converts
// every page to text with layers 1-5 (6 and 7 off) and no output budget: the row to compare with nh3 and lxml.
// "ContentSanitizer layers 1-7" is the same with every layer on (the default configuration, its standard
// pattern list), the row for the aim of twice nh3.clean's speed.
//
// "InjectionPatternMatcher scan (scan text)" is layer 6's phrase matcher alone, one count(in:) over the whole scan
// text per iteration: the text that Benchmarks/peers/bench_pattern_peers.py scans with pyahocorasick and
// Hyperscan (Benchmarks/.corpus/scan-text.txt, written by peers/scan_corpus.py: the html.parser text of the 200
// pages with each phrase planted once), with the phrases of the same pattern file (CLAW_PATTERNS, or
// <repo>/Fixtures/garak/injection_patterns.json), compiled once in the setup. CLAW_SCAN_TEXT names another
// text file. Its "matches" metric is the count(in:) result, to set beside the peers' counts; with
// CLAW_SCAN_DETAILS=1 the setup also prints, on stderr, the phrases found other than exactly once.
//
// One measured iteration is one pass over all pages, each page tokenized separately (`scalingFactor: .one`),
// so the figures are per pass: MB/s = corpus bytes ÷ wall time of a pass (compare.py takes the corpus bytes
// from html-peers.json). The "input kB/s" metric is the same figure computed here, from the bytes actually
// read, per iteration (10^3 bytes per second of wall clock), for a quick look at the raw output.
//
// Metrics: wall clock (µs), `threadCPU` (the calling thread's CPU time, µs; the clock the peers use),
// throughput (passes per second, too coarse to read at a few passes per second: use the wall clock),
// mallocCountTotal, and "input kB/s".
//
// The page list is Benchmarks/.corpus/html-pages.txt (written by `Benchmarks/run.sh`, or by
// `python3 Benchmarks/peers/html_corpus.py --list Benchmarks/.corpus/html-pages.txt`), or the file named by
// the CLAW_HTML_PAGES environment variable.

/// The calling thread's CPU time, as a custom metric in microseconds.
struct ThreadCPUClock {
    static var metric: BenchmarkMetric { .custom("threadCPU (μs)", polarity: .prefersSmaller, useScalingFactor: true) }

    let started: Int

    static func now() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Int(ts.tv_sec) * 1_000_000_000 + Int(ts.tv_nsec)
    }

    static func start() -> ThreadCPUClock { ThreadCPUClock(started: now()) }

    func stop(_ benchmark: Benchmark) {
        benchmark.measurement(Self.metric, (Self.now() - started) / 1000)
    }
}

/// Input throughput of one pass, 10^3 bytes per second of wall clock.
struct InputRate {
    static var metric: BenchmarkMetric { .custom("input kB/s", polarity: .prefersLarger, useScalingFactor: false) }

    let bytes: Int
    let started: ContinuousClock.Instant

    static func start(bytes: Int) -> InputRate { InputRate(bytes: bytes, started: .now) }

    func stop(_ benchmark: Benchmark) {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        benchmark.measurement(Self.metric, Int((Double(bytes) / 1e3 / seconds).rounded()))
    }
}

/// The HTML pages of the shared corpus, read once.
enum HTMLCorpus {
    static let expectedPages = 200

    /// Benchmarks/, found from this file's path (Benchmarks/Benchmarks/ClawSanitizerBenchmarks/<this file>):
    /// the nearest ancestor holding run.sh and peers/html_corpus.py.
    static var benchmarksDirectory: URL? {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let fm = FileManager.default
        while directory.path != "/" {
            if fm.fileExists(atPath: directory.appendingPathComponent("run.sh").path),
               fm.fileExists(atPath: directory.appendingPathComponent("peers/html_corpus.py").path) {
                return directory
            }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    static var listPath: String {
        if let path = ProcessInfo.processInfo.environment["CLAW_HTML_PAGES"], !path.isEmpty { return path }
        if let directory = benchmarksDirectory { return directory.appendingPathComponent(".corpus/html-pages.txt").path }
        // The sources were moved away from their checkout: try the usual place relative to the working directory.
        return "Benchmarks/.corpus/html-pages.txt"
    }

    /// Why the corpus could not be read; the benchmark tool prints it when a benchmark's setup throws it.
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// The pages, in corpus order, or what went wrong, with the commands that make the list.
    static let loaded: Result<[[UInt8]], Missing> = {
        let list = listPath
        let howTo = "make it with `Benchmarks/run.sh` (which runs the whole session), or with "
            + "`python3 Benchmarks/peers/html_corpus.py --list \(list)` after installing the pages "
            + "(as root: `apt-get install -y python3.11-doc`); or point CLAW_HTML_PAGES at a page list"
        func missing(_ what: String) -> Result<[[UInt8]], Missing> {
            .failure(Missing(description: "ClawSanitizerBenchmarks: \(what); \(howTo)."))
        }
        guard let text = try? String(contentsOfFile: list, encoding: .utf8) else {
            return missing("no HTML page list at \(list)")
        }
        let paths = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !paths.isEmpty else { return missing("the HTML page list \(list) is empty") }
        if paths.count != expectedPages {
            return missing("the HTML page list \(list) has \(paths.count) pages, not \(expectedPages)")
        }
        var pages: [[UInt8]] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                return missing("cannot read \(path), listed in \(list)")
            }
            pages.append([UInt8](data))
        }
        return .success(pages)
    }()

    /// The pages (empty if they could not be read: the benchmarks' setup has thrown then, and they do not run).
    static var pages: [[UInt8]] { (try? loaded.get()) ?? [] }

    static let bytes: Int = pages.reduce(0) { $0 + $1.count }
}

/// The pattern-scan input: the scan text (peers/scan_corpus.py) and the matcher compiled from the pattern file
/// the text's phrases came from, read and compiled once.
enum ScanCorpus {
    /// The number of matches of one count(in:), as a metric (the same every iteration).
    static var matchesMetric: BenchmarkMetric { .custom("matches", polarity: .prefersLarger, useScalingFactor: false) }

    static var repositoryDirectory: URL? { HTMLCorpus.benchmarksDirectory?.deletingLastPathComponent() }

    static var patternsPath: String {
        if let path = ProcessInfo.processInfo.environment["CLAW_PATTERNS"], !path.isEmpty { return path }
        if let directory = repositoryDirectory {
            return directory.appendingPathComponent("Fixtures/garak/injection_patterns.json").path
        }
        return "Fixtures/garak/injection_patterns.json"
    }

    static var textPath: String {
        if let path = ProcessInfo.processInfo.environment["CLAW_SCAN_TEXT"], !path.isEmpty { return path }
        if let directory = HTMLCorpus.benchmarksDirectory { return directory.appendingPathComponent(".corpus/scan-text.txt").path }
        return "Benchmarks/.corpus/scan-text.txt"
    }

    struct Loaded: Sendable {
        let matcher: InjectionPatternMatcher
        let text: [UInt8]
    }

    static let loaded: Result<Loaded, HTMLCorpus.Missing> = {
        let patternsPath = ScanCorpus.patternsPath, textPath = ScanCorpus.textPath
        func missing(_ what: String) -> Result<Loaded, HTMLCorpus.Missing> {
            .failure(HTMLCorpus.Missing(description: "ClawSanitizerBenchmarks: \(what)."))
        }
        guard let patternData = FileManager.default.contents(atPath: patternsPath) else {
            return missing("cannot read the pattern file \(patternsPath) (CLAW_PATTERNS names another)")
        }
        let patterns: InjectionPatterns
        do {
            patterns = try InjectionPatterns(json: [UInt8](patternData))
        } catch {
            return missing("the pattern file \(patternsPath) does not load: \(error)")
        }
        guard let text = FileManager.default.contents(atPath: textPath) else {
            return missing("no scan text at \(textPath); make it with `Benchmarks/run.sh`, or with "
                + "`python3 Benchmarks/peers/scan_corpus.py --patterns \(patternsPath) --out \(textPath)` "
                + "(after `python3 Benchmarks/peers/html_corpus.py`'s pages are installed); or point CLAW_SCAN_TEXT at one")
        }
        return .success(Loaded(matcher: InjectionPatternMatcher(patterns: patterns), text: [UInt8](text)))
    }()

    /// Loads and compiles (in the benchmark's setup), and checks that every phrase is in the text (else the text was
    /// made from another pattern file). With CLAW_SCAN_DETAILS=1, prints the phrases found other than once.
    static func loadAndCheck() throws {
        let loaded = try loaded.get()
        let matches = loaded.text.withUnsafeBufferPointer { loaded.matcher.matches(in: $0) }
        var counts = [Int](repeating: 0, count: loaded.matcher.patterns.patterns.count)
        for match in matches { counts[match.pattern] += 1 }
        let phrases = loaded.matcher.patterns.patterns.map(\.phrase)
        if ProcessInfo.processInfo.environment["CLAW_SCAN_DETAILS"] == "1" {
            var report = "scan text: \(loaded.text.count) bytes, \(matches.count) matches, "
                + "\(counts.filter { $0 > 0 }.count) of \(phrases.count) phrases found\n"
            for (phrase, n) in zip(phrases, counts) where n != 1 {
                report += "  \(n)x \(phrase)\n"
                for match in matches where phrases[match.pattern] == phrase {
                    let lower = max(0, match.range.lowerBound - 30), upper = min(loaded.text.count, match.range.upperBound + 30)
                    let context = String(decoding: loaded.text[lower ..< upper], as: UTF8.self)
                    report += "      …\(context.replacingOccurrences(of: "\n", with: "⏎"))…\n"
                }
            }
            FileHandle.standardError.write(Data(report.utf8))
        }
        let missing = zip(phrases, counts).filter { $0.1 == 0 }.map(\.0)
        guard missing.isEmpty else {
            throw HTMLCorpus.Missing(description: "ClawSanitizerBenchmarks: \(missing.count) phrases of \(Self.patternsPath) "
                + "are not found in \(Self.textPath) (made from another pattern file? rerun peers/scan_corpus.py), such as "
                + missing.prefix(5).map { "\"\($0)\"" }.joined(separator: ", "))
        }
    }
}

/// A sink of this module: the same counts and content-state switches as HTMLTokenStatistics, but the
/// tokenizer's generic `tokenize(_:into:)` reaches it through ClawSecurity's unspecialized code (witness
/// table calls per token), as any sink of a caller's module does. It decides content states with the public
/// `HTMLContentState.after(startTag:)`, which is generic too (`some Collection<UInt8>`) and so also runs
/// unspecialized when called from here.
struct CallerCountingSink: HTMLTokenSink {
    var startTags = 0
    var endTags = 0
    var attributes = 0
    var comments = 0
    var doctypes = 0
    var textBytes = 0
    var accountedBytes = 0

    mutating func characters(_ text: UnsafeBufferPointer<UInt8>, source: Range<Int>) {
        textBytes += text.count
        accountedBytes += source.count
    }

    mutating func startTag(_ tag: HTMLTag, source: Range<Int>) -> HTMLContentState? {
        startTags += 1
        attributes += tag.attributeCount
        accountedBytes += source.count
        return HTMLContentState.after(startTag: tag.name)
    }

    mutating func endTag(_ tag: HTMLTag, source: Range<Int>) {
        endTags += 1
        accountedBytes += source.count
    }

    mutating func comment(_ text: UnsafeBufferPointer<UInt8>, source: Range<Int>) {
        comments += 1
        accountedBytes += source.count
    }

    mutating func doctype(_ doctype: HTMLDoctype, source: Range<Int>) {
        doctypes += 1
        accountedBytes += source.count
    }

    mutating func discarded(source: Range<Int>) {
        accountedBytes += source.count
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, ThreadCPUClock.metric, .throughput, .mallocCountTotal, InputRate.metric],
        timeUnits: .microseconds,
        units: [ThreadCPUClock.metric: .count, InputRate.metric: .count, .mallocCountTotal: .count],
        warmupIterations: 2,
        scalingFactor: .one,
        maxDuration: .seconds(10),
        maxIterations: 100
    )

    // The benchmarks read the pages in their setup, so that `benchmark list` needs no corpus, and check that
    // the sinks agree. A missing corpus is an error thrown from the setup, which the benchmark tool reports
    // (and exits non-zero). (Every page of python3.11-doc 3.11.2 is valid UTF-8 without CR, so the tokenizer
    // runs on the caller's bytes without the preprocessing copy.)
    struct Disagreement: Error, CustomStringConvertible {
        let description: String
    }
    let loadAndCheck: @Sendable () throws -> Void = {
        let pages = try HTMLCorpus.loaded.get()
        var statistics = HTMLTokenStatistics()
        var sink = CallerCountingSink()
        for page in pages {
            let s = page.withUnsafeBufferPointer { HTMLTokenizer.statistics(of: $0) }
            guard s.accountedBytes == s.inputBytes else {
                throw Disagreement(description: "the tokens' source ranges do not tile the page")
            }
            statistics.inputBytes += s.inputBytes
            statistics.startTags += s.startTags
            statistics.textBytes += s.textBytes
            var tokenizer = HTMLTokenizer()
            page.withUnsafeBufferPointer { _ = tokenizer.tokenize($0, into: &sink) }
        }
        guard sink.startTags == statistics.startTags && sink.textBytes == statistics.textBytes else {
            throw Disagreement(description: "the caller's sink counts differently from HTMLTokenStatistics")
        }
    }

    Benchmark("HTMLTokenizer corpus (200 pages)", closure: { benchmark in
        let pages = HTMLCorpus.pages
        let rate = InputRate.start(bytes: HTMLCorpus.bytes)
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            for page in pages {
                blackHole(page.withUnsafeBufferPointer { HTMLTokenizer.statistics(of: $0) })
            }
        }
        cpu.stop(benchmark)
        rate.stop(benchmark)
    }, setup: loadAndCheck)

    Benchmark("HTMLTokenizer corpus, sink in the caller's module", closure: { benchmark in
        let pages = HTMLCorpus.pages
        let rate = InputRate.start(bytes: HTMLCorpus.bytes)
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            for page in pages {
                // A new tokenizer and sink per page, as statistics(of:) does.
                var tokenizer = HTMLTokenizer()
                var sink = CallerCountingSink()
                page.withUnsafeBufferPointer { _ = tokenizer.tokenize($0, into: &sink) }
                blackHole(sink)
            }
        }
        cpu.stop(benchmark)
        rate.stop(benchmark)
    }, setup: loadAndCheck)

    // Layers 1-5 as a gateway runs them on a fetched page, but without the 10 KiB budget, so that every page
    // is converted in full like the peers do (the budget only cuts the text at the end).
    Benchmark("ContentSanitizer layers 1-5 corpus (200 pages)", closure: { benchmark in
        let pages = HTMLCorpus.pages
        var configuration = ContentSanitizer.Configuration()
        configuration.maxOutputBytes = nil
        configuration.removesInjectionPatterns = false
        configuration.removesImperativeTone = false
        let sanitizer = ContentSanitizer(configuration: configuration)
        let rate = InputRate.start(bytes: HTMLCorpus.bytes)
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            for page in pages {
                blackHole(page.withUnsafeBufferPointer { sanitizer.sanitize(bytes: $0, kind: .html) })
            }
        }
        cpu.stop(benchmark)
        rate.stop(benchmark)
    }, setup: loadAndCheck)

    // All seven layers, as the default configuration has them (the shipped pattern list, layer 7 at its default
    // threshold), again without the output budget.
    Benchmark("ContentSanitizer layers 1-7 corpus (200 pages)", closure: { benchmark in
        let pages = HTMLCorpus.pages
        var configuration = ContentSanitizer.Configuration()
        configuration.maxOutputBytes = nil
        let sanitizer = ContentSanitizer(configuration: configuration)
        let rate = InputRate.start(bytes: HTMLCorpus.bytes)
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            for page in pages {
                blackHole(page.withUnsafeBufferPointer { sanitizer.sanitize(bytes: $0, kind: .html) })
            }
        }
        cpu.stop(benchmark)
        rate.stop(benchmark)
    }, setup: loadAndCheck)

    // Layer 6's matcher alone over the scan text, compiled once (in the setup); one iteration is one count(in:).
    var scanConfiguration = Benchmark.defaultConfiguration
    scanConfiguration.metrics.append(ScanCorpus.matchesMetric)
    scanConfiguration.units[ScanCorpus.matchesMetric] = .count
    Benchmark("InjectionPatternMatcher scan (scan text)", configuration: scanConfiguration, closure: { benchmark in
        let loaded = (try? ScanCorpus.loaded.get())
        guard let matcher = loaded?.matcher, let text = loaded?.text else { return }
        var matches = 0
        let rate = InputRate.start(bytes: text.count)
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            matches = text.withUnsafeBufferPointer { matcher.count(in: $0) }
            blackHole(matches)
        }
        cpu.stop(benchmark)
        rate.stop(benchmark)
        benchmark.measurement(ScanCorpus.matchesMetric, matches)
    }, setup: { try ScanCorpus.loadAndCheck() })
}
