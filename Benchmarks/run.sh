#!/usr/bin/env bash
# Runs the benchmark targets (ClawSecurityBenchmarks, ClawWorkflowBenchmarks, ClawSanitizerBenchmarks) and the
# peer measurements (openssl speed, Python cryptography, pyotp; pymacaroons, cedarpy, casbin; nh3, lxml;
# pyahocorasick, hyperscan) in one session on this machine, and writes small text/markdown/JSON files to
# Benchmarks/results/:
#
#   environment.txt                  machine, toolchain, versions, load average before/after each step
#   swift-benchmarks.md              the benchmark tool's per-operation tables (p0…p100, markdown), one
#                                    "## <target>" section per benchmark target
#   peers.md, peers.json             bench_peers.py's table and raw figures
#   authz-peers.md, authz-peers.json bench_authz_peers.py's table and raw figures (tokens, policy)
#   html-peers.md, html-peers.json   bench_html_peers.py's table and raw figures (HTML to text, MB/s)
#   pattern-peers.md, pattern-peers.json
#                                    bench_pattern_peers.py's table and raw figures (pattern scan, MB/s)
#   comparison.md                    Claw against peers side by side, the performance targets, the
#                                    workflow engine's figures against its aims (no peers), the HTML
#                                    tokenizer/sanitizer in MB/s beside nh3 and lxml, and the pattern scan in
#                                    MB/s beside pyahocorasick and Hyperscan
#
# Usage (from anywhere):  Benchmarks/run.sh
#   SKIP_SWIFT=1 / SKIP_PEERS=1 reuse the previous results of that half; FILTER='regex' limits the
#   Swift benchmarks (of all targets); REPS / OPENSSL_REPS / OPENSSL_SECONDS are passed to bench_peers.py, REPS and
#   POLICY_SIZES to bench_authz_peers.py, REPS to bench_html_peers.py and bench_pattern_peers.py.
#   CLAW_PATTERNS names the pattern file (default Fixtures/garak/injection_patterns.json) for the scan text, the
#   Swift matcher benchmark and the pattern peers.
#
# The HTML-to-text benchmarks (Swift and peers) read the same 200 pages of Debian's python3.11-doc, listed by
# peers/html_corpus.py in Benchmarks/.corpus/html-pages.txt before either half runs; run as root, this script
# installs python3.11-doc with apt-get when /usr/share/doc/python3.11/html is missing.
# The pattern-scan benchmarks (Swift's InjectionPatternMatcher, and pyahocorasick and Hyperscan) search the same text,
# Benchmarks/.corpus/scan-text.txt: the html.parser text of those pages with each phrase of the pattern file
# planted once, written by peers/scan_corpus.py after the page list.
#
# The first run builds swift-crypto and the benchmark tool in release mode: several minutes.
# Swift 6.3 has no jemalloc backend; malloc counts come from the benchmark package's
# "MallocInterposer" trait, which Benchmarks/Package.swift enables explicitly.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
results="$here/results"
peers="$here/peers"
mkdir -p "$results"
cd "$root"

# Older toolchains (Swift <= 6.2) would otherwise link jemalloc; on 6.3 this only affects the
# benchmark package's default traits, which Benchmarks/Package.swift overrides.
export BENCHMARK_DISABLE_JEMALLOC=1

log() { echo "[$(date -u +%H:%M:%SZ)] $*  (loadavg $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$results/environment.txt" >&2; }

[ -n "${SKIP_SWIFT:-}" ] && [ -n "${SKIP_PEERS:-}" ] || {
    echo "# Benchmark session $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(uname -srm)"
    echo "cpu: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) online CPUs"
    echo "memory: $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB"}')"
    echo "swift: $(swift --version 2>/dev/null | head -1)"
    echo "openssl: $(openssl version)"
    echo "claw commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- Sources 2>/dev/null || echo ' (Sources modified)')"
    echo
} > "$results/environment.txt"
# (With both halves skipped, environment.txt keeps describing the session that produced the results.)

# The benchmark targets of Benchmarks/Package.swift. `benchmark run` without --target runs all of them, one
# after the other, into one markdown document with a "## <target>" section each.
targets=(ClawSecurityBenchmarks ClawWorkflowBenchmarks ClawSanitizerBenchmarks)

# The HTML corpus: listed for both halves (the Swift benchmarks read the list file too).
corpus_list="$here/.corpus/html-pages.txt"
# The pattern scan's text and phrases, the same for both halves (the Swift benchmark reads CLAW_PATTERNS and
# the text file at its default place, Benchmarks/.corpus/scan-text.txt).
scan_text="$here/.corpus/scan-text.txt"
export CLAW_PATTERNS="${CLAW_PATTERNS:-$root/Fixtures/garak/injection_patterns.json}"
if [ -z "${SKIP_SWIFT:-}" ] || [ -z "${SKIP_PEERS:-}" ]; then
    if [ ! -d /usr/share/doc/python3.11/html ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
            log "installing the HTML corpus: apt-get install -y python3.11-doc"
            { apt-get update -q && apt-get install -y -q python3.11-doc; } > "$results/.apt.log" 2>&1 \
                || { tail -20 "$results/.apt.log" >&2; echo "run.sh: 'apt-get install -y python3.11-doc' failed" >&2; exit 1; }
            rm -f "$results/.apt.log"
        else
            echo "run.sh: /usr/share/doc/python3.11/html is missing; install the HTML corpus as root:" \
                "apt-get update && apt-get install -y python3.11-doc" >&2
        fi
    fi
    corpus_id="$(python3 "$peers/html_corpus.py" --list "$corpus_list")" \
        || { echo "run.sh: no HTML corpus pages; install them as root: apt-get install -y python3.11-doc" >&2; exit 1; }
    log "$corpus_id"
    scan_id="$(python3 "$peers/scan_corpus.py" --pages "$corpus_list" --patterns "$CLAW_PATTERNS" --out "$scan_text")" \
        || { echo "run.sh: peers/scan_corpus.py could not write the scan text (pattern file: $CLAW_PATTERNS)" >&2; exit 1; }
    log "$scan_id"
fi

if [ -z "${SKIP_SWIFT:-}" ]; then
    : > "$results/.swift-build.log"
    for target in "${targets[@]}"; do
        log "building $target (release)"
        swift build -c release --package-path Benchmarks --scratch-path Benchmarks/.build \
            --product "$target" >> "$results/.swift-build.log" 2>&1 \
            || { tail -40 "$results/.swift-build.log" >&2; exit 1; }
    done
    log "running ${targets[*]}"
    filter=()
    [ -n "${FILTER:-}" ] && filter=(--filter "$FILTER")
    swift package --package-path Benchmarks --scratch-path Benchmarks/.build \
        benchmark run --no-progress --format markdown "${filter[@]}" > "$results/.swift-raw.md" 2> "$results/.swift-stderr.log" \
        || { tail -60 "$results/.swift-stderr.log" >&2; tail -60 "$results/.swift-raw.md" >&2; exit 1; }
    # Keep the tables; drop the plugin's build progress lines.
    sed -n '/^## Baseline/,$p' "$results/.swift-raw.md" > "$results/swift-benchmarks.md"
    # Every target must have its section (a FILTER may leave one without benchmarks). The benchmark tool prints
    # a failed setup (such as ClawSanitizerBenchmarks' missing page list) before the tables and still exits 0.
    for target in "${targets[@]}"; do
        grep -q "^## $target\$" "$results/swift-benchmarks.md" \
            || log "WARNING: no '## $target' section in swift-benchmarks.md${FILTER:+ (FILTER='$FILTER')}"
    done
    grep -A2 "setup failed" "$results/.swift-raw.md" | awk 'NF && $0 != "--" && !seen[$0]++' >&2 || true
    rm -f "$results/.swift-raw.md" "$results/.swift-stderr.log" "$results/.swift-build.log"
    log "${targets[*]} done"
fi

if [ -z "${SKIP_PEERS:-}" ]; then
    if [ ! -x "$peers/.venv/bin/python" ]; then
        log "creating $peers/.venv"
        python3 -m venv "$peers/.venv"
    fi
    # (Re)install when requirements.txt changed since the last install, e.g. when peers were added.
    if [ ! -f "$peers/.venv/.requirements.txt" ] || ! cmp -s "$peers/requirements.txt" "$peers/.venv/.requirements.txt"; then
        log "installing $peers/requirements.txt"
        "$peers/.venv/bin/pip" install -q -r "$peers/requirements.txt"
        cp "$peers/requirements.txt" "$peers/.venv/.requirements.txt"
    fi
    log "running peers/bench_peers.py"
    "$peers/.venv/bin/python" "$peers/bench_peers.py" --json "$results/peers.json" --markdown "$results/peers.md"
    log "running peers/bench_authz_peers.py"
    "$peers/.venv/bin/python" "$peers/bench_authz_peers.py" --json "$results/authz-peers.json" --markdown "$results/authz-peers.md"
    log "running peers/bench_html_peers.py"
    "$peers/.venv/bin/python" "$peers/bench_html_peers.py" --pages "$corpus_list" \
        --json "$results/html-peers.json" --markdown "$results/html-peers.md"
    log "running peers/bench_pattern_peers.py"
    "$peers/.venv/bin/python" "$peers/bench_pattern_peers.py" --text "$scan_text" --patterns "$CLAW_PATTERNS" \
        --json "$results/pattern-peers.json" --markdown "$results/pattern-peers.md"
    log "peers done"
fi

python3 "$here/compare.py" "$results/swift-benchmarks.md" "$results/peers.json" "$results/authz-peers.json" \
    "$results/html-peers.json" "$results/pattern-peers.json" > "$results/comparison.md"
log "wrote $results/comparison.md"
cat "$results/comparison.md"
