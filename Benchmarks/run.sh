#!/usr/bin/env bash
# Runs the benchmark targets (ClawSecurityBenchmarks, ClawWorkflowBenchmarks, ClawSanitizerBenchmarks,
# ClawStorageBenchmarks, ClawGuardBenchmarks) and the peer measurements (openssl speed, Python cryptography, pyotp;
# pymacaroons, cedarpy, casbin; nh3, lxml; pyahocorasick, hyperscan; pgbench; Python's ipaddress, shlex + fnmatch)
# in one session on this machine, and writes small text/markdown/JSON files to Benchmarks/results/:
#
#   environment.txt                  machine, toolchain, versions, load average before/after each step
#   swift-benchmarks.md              the benchmark tool's per-operation tables (p0…p100, markdown), one
#                                    "## <target>" section per benchmark target
#   peers.md, peers.json             bench_peers.py's table and raw figures
#   authz-peers.md, authz-peers.json bench_authz_peers.py's table and raw figures (tokens, policy)
#   html-peers.md, html-peers.json   bench_html_peers.py's table and raw figures (HTML to text, MB/s)
#   pattern-peers.md, pattern-peers.json
#                                    bench_pattern_peers.py's table and raw figures (pattern scan, MB/s)
#   storage-benchmarks.md            ClawStorageBenchmarks' tables (SQLite and PostgreSQL), in a file of its own
#   storage-peers.md, storage-peers.json
#                                    bench_storage_peers.py's pgbench figures on the same PostgreSQL server
#   storage-environment.txt          instead of environment.txt when the storage part runs alone
#   guard-benchmarks.md              ClawGuardBenchmarks' tables (IPAddress, NetworkAddressGuard, ShellCommandGuard,
#                                    ChatCommand), in a file of its own
#   guard-peers.md, guard-peers.json bench_guard_peers.py's table and raw figures (ipaddress, shlex + fnmatch,
#                                    a split-based chat parser; standard library only)
#   guard-environment.txt            instead of environment.txt when the guards part runs alone
#   comparison.md                    Claw against peers side by side, the performance targets, the
#                                    workflow engine's figures against its aims (no peers), the HTML
#                                    tokenizer/sanitizer in MB/s beside nh3 and lxml, and the pattern scan in
#                                    MB/s beside pyahocorasick and Hyperscan, the storage figures beside
#                                    pgbench, and the guards beside their Python counterparts
#
# Usage (from anywhere):  Benchmarks/run.sh
#   SKIP_SWIFT=1 / SKIP_PEERS=1 reuse the previous results of that half (SKIP_SWIFT: the security, workflow and
#   sanitizer targets; SKIP_PEERS: the Python peers); FILTER='regex' limits the Swift benchmarks (of all targets);
#   SKIP_STORAGE=1 reuses the previous results of the storage part (ClawStorageBenchmarks and pgbench),
#   SKIP_STORAGE_PEERS=1 skips pgbench alone. REPS / OPENSSL_REPS / OPENSSL_SECONDS are passed to bench_peers.py, REPS and
#   POLICY_SIZES to bench_authz_peers.py, REPS to bench_html_peers.py and bench_pattern_peers.py.
#   CLAW_PATTERNS names the pattern file (default Fixtures/garak/injection_patterns.json) for the scan text, the
#   Swift matcher benchmark and the pattern peers. PGBENCH_SECONDS (15), PGBENCH_SCALE (10) and PGBENCH_CLIENTS
#   (1,8) go to bench_storage_peers.py.
#   Only storage:  SKIP_SWIFT=1 SKIP_PEERS=1 SKIP_GUARDS=1 Benchmarks/run.sh   (writes storage-*.{md,json},
#   storage-environment.txt and comparison.md, which compare.py makes from every results file; the other results
#   files stay as they are)
#   SKIP_GUARDS=1 reuses the previous results of the guards part (ClawGuardBenchmarks and bench_guard_peers.py),
#   SKIP_GUARD_PEERS=1 skips bench_guard_peers.py alone; REPS goes to bench_guard_peers.py too.
#   Only guards:   ONLY_GUARDS=1 Benchmarks/run.sh   (the same as SKIP_SWIFT=1 SKIP_PEERS=1 SKIP_STORAGE=1: writes
#   guard-*.{md,json}, guard-environment.txt and comparison.md; no corpus, no PostgreSQL)
#
# The guards part (run unless SKIP_GUARDS is set, or FILTER matches none of its benchmarks) builds and runs
# ClawGuardBenchmarks on its own (`benchmark run --target`, into guard-benchmarks.md), then, right after it,
# peers/bench_guard_peers.py (python3, standard library only) over the same fixed inputs.
#
# The storage part (run unless SKIP_STORAGE is set, or FILTER matches none of its benchmarks) runs under ONE
# throwaway PostgreSQL server: without CLAW_TEST_PG_PORT in the environment this script runs itself again under
# scripts/with-postgres (which sets it and puts the server's psql and pgbench first on PATH), so the server is up
# for the whole session (idle while the other parts run). ClawStorageBenchmarks runs against a fresh database
# claw_bench (CLAW_BENCH_DATABASE_URL), SQLite in a fresh temporary folder per benchmark; then
# peers/bench_storage_peers.py runs pgbench -N in its own database pgbench_db on the same server. Both
# databases are dropped afterwards; with-postgres stops the server and deletes its data.
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

# ONLY_GUARDS=1: the guards part alone.
if [ -n "${ONLY_GUARDS:-}" ]; then
    export SKIP_SWIFT=1 SKIP_PEERS=1 SKIP_STORAGE=1
    unset SKIP_GUARDS
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
results="$here/results"
peers="$here/peers"
mkdir -p "$results"
cd "$root"

# The benchmark targets of Benchmarks/Package.swift. The storage and guard targets run apart from the others (each
# its own `benchmark run --target` and results file), the storage target with the PostgreSQL server below.
targets=(ClawSecurityBenchmarks ClawWorkflowBenchmarks ClawSanitizerBenchmarks ClawStorageBenchmarks ClawGuardBenchmarks)
storage_target=ClawStorageBenchmarks
guard_target=ClawGuardBenchmarks
swift_targets=()
for target in "${targets[@]}"; do
    [ "$target" = "$storage_target" ] || [ "$target" = "$guard_target" ] || swift_targets+=("$target")
done
# ClawStorageBenchmarks' names, to tell whether FILTER selects any of them (as the benchmark tool does, the whole
# name must match; bash's extended regular expressions stand in for Swift's here).
storage_names=(Storage.auditAppend.sqlite Storage.auditAppend.postgres Storage.auditAppend100.sqlite
    Storage.auditAppend100.postgres Storage.policyRead.sqlite Storage.policyRead.postgres)
run_storage=""
if [ -z "${SKIP_STORAGE:-}" ]; then
    for name in "${storage_names[@]}"; do
        if [ -z "${FILTER:-}" ] || [[ "$name" =~ ^(${FILTER})$ ]]; then run_storage=1; break; fi
    done
    [ -n "$run_storage" ] || echo "run.sh: FILTER='$FILTER' selects no Storage benchmark; the storage part is skipped" >&2
fi
# ClawGuardBenchmarks' names, likewise.
guard_names=(Guards.ipParse Guards.ipClassify Guards.networkCheck Guards.shellTokenize Guards.shellCheck.allowed
    Guards.shellCheck.refused Guards.chatCommand Guards.diagnostic.chatTrim)
run_guards=""
if [ -z "${SKIP_GUARDS:-}" ]; then
    for name in "${guard_names[@]}"; do
        if [ -z "${FILTER:-}" ] || [[ "$name" =~ ^(${FILTER})$ ]]; then run_guards=1; break; fi
    done
    [ -n "$run_guards" ] || echo "run.sh: FILTER='$FILTER' selects no Guards benchmark; the guards part is skipped" >&2
fi
# One PostgreSQL server for the storage benchmarks and pgbench: run this script again under scripts/with-postgres.
if [ -n "$run_storage" ] && [ -z "${CLAW_TEST_PG_PORT:-}" ]; then
    exec "$root/scripts/with-postgres" "$here/run.sh" "$@"
fi

# environment.txt describes the session that produced the results; a run of the storage part alone (or with the
# guards part) writes storage-environment.txt instead, and a run of the guards part alone guard-environment.txt, so
# that environment.txt keeps describing the other results.
env_file="$results/environment.txt"
if [ -n "${SKIP_SWIFT:-}" ] && [ -n "${SKIP_PEERS:-}" ]; then
    if [ -n "$run_storage" ]; then env_file="$results/storage-environment.txt"
    elif [ -n "$run_guards" ]; then env_file="$results/guard-environment.txt"; fi
fi

# Older toolchains (Swift <= 6.2) would otherwise link jemalloc; on 6.3 this only affects the
# benchmark package's default traits, which Benchmarks/Package.swift overrides.
export BENCHMARK_DISABLE_JEMALLOC=1

log() { echo "[$(date -u +%H:%M:%SZ)] $*  (loadavg $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$env_file" >&2; }

[ -n "${SKIP_SWIFT:-}" ] && [ -n "${SKIP_PEERS:-}" ] && [ -z "$run_storage" ] && [ -z "$run_guards" ] || {
    echo "# Benchmark session $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(uname -srm)"
    echo "cpu: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) online CPUs"
    echo "memory: $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB"}')"
    echo "swift: $(swift --version 2>/dev/null | head -1)"
    echo "openssl: $(openssl version)"
    echo "claw commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- Sources 2>/dev/null || echo ' (Sources modified)')"
    [ -z "$run_storage" ] || echo "postgresql: $(postgres --version 2>/dev/null || echo unknown) (scripts/with-postgres, 127.0.0.1:${CLAW_TEST_PG_PORT:-?})"
    if [ -n "${SKIP_SWIFT:-}" ] && [ -n "${SKIP_PEERS:-}" ]; then
        parts=()
        [ -z "$run_storage" ] || parts+=(storage)
        [ -z "$run_guards" ] || parts+=(guards)
        echo "(${parts[*]} part(s) only: SKIP_SWIFT and SKIP_PEERS set)"
    fi
    echo
} > "$env_file"
# (With every part skipped, environment.txt keeps describing the session that produced the results.)

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
    for target in "${swift_targets[@]}"; do
        log "building $target (release)"
        swift build -c release --package-path Benchmarks --scratch-path Benchmarks/.build \
            --product "$target" >> "$results/.swift-build.log" 2>&1 \
            || { tail -40 "$results/.swift-build.log" >&2; exit 1; }
    done
    log "running ${swift_targets[*]}"
    filter=()
    [ -n "${FILTER:-}" ] && filter=(--filter "$FILTER")
    # `benchmark run` runs the targets one after the other, into one markdown document with a "## <target>"
    # section each; the storage target runs in its own part below.
    swift package --package-path Benchmarks --scratch-path Benchmarks/.build \
        benchmark run --skip-target "$storage_target" --skip-target "$guard_target" --no-progress --format markdown "${filter[@]}" \
        > "$results/.swift-raw.md" 2> "$results/.swift-stderr.log" \
        || { tail -60 "$results/.swift-stderr.log" >&2; tail -60 "$results/.swift-raw.md" >&2; exit 1; }
    # Keep the tables; drop the plugin's build progress lines.
    sed -n '/^## Baseline/,$p' "$results/.swift-raw.md" > "$results/swift-benchmarks.md"
    # Every target must have its section (a FILTER may leave one without benchmarks). The benchmark tool prints
    # a failed setup (such as ClawSanitizerBenchmarks' missing page list) before the tables and still exits 0.
    for target in "${swift_targets[@]}"; do
        grep -q "^## $target\$" "$results/swift-benchmarks.md" \
            || log "WARNING: no '## $target' section in swift-benchmarks.md${FILTER:+ (FILTER='$FILTER')}"
    done
    grep -A2 "setup failed" "$results/.swift-raw.md" | awk 'NF && $0 != "--" && !seen[$0]++' >&2 || true
    rm -f "$results/.swift-raw.md" "$results/.swift-stderr.log" "$results/.swift-build.log"
    log "${swift_targets[*]} done"
fi

if [ -n "$run_storage" ]; then
    # The with-postgres server (this script runs under it, see above), through libpq's variables.
    export PGHOST="$CLAW_TEST_PG_HOST" PGPORT="$CLAW_TEST_PG_PORT" PGUSER="$CLAW_TEST_PG_USER"
    export PGPASSWORD="$CLAW_TEST_PG_PASSWORD"
    [ -z "${CLAW_TEST_PG_BIN:-}" ] || export PATH="$CLAW_TEST_PG_BIN:$PATH"
    drop_storage_databases() {
        dropdb --if-exists claw_bench > /dev/null 2>&1 || true
        dropdb --if-exists pgbench_db > /dev/null 2>&1 || true
    }
    trap drop_storage_databases EXIT
    dropdb --if-exists claw_bench
    createdb claw_bench
    CLAW_BENCH_DATABASE_URL="postgres://$(python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe="") + ":" + u.quote(sys.argv[2], safe=""))' "$PGUSER" "$PGPASSWORD")@$PGHOST:$PGPORT/claw_bench"
    export CLAW_BENCH_DATABASE_URL
    pg_version="$(psql -X -At -d claw_bench -c 'SHOW server_version')"

    log "building $storage_target (release)"
    swift build -c release --package-path Benchmarks --scratch-path Benchmarks/.build \
        --product "$storage_target" > "$results/.storage-build.log" 2>&1 \
        || { tail -40 "$results/.storage-build.log" >&2; exit 1; }
    log "running $storage_target (SQLite; PostgreSQL $pg_version on $PGHOST:$PGPORT, database claw_bench)"
    filter=()
    [ -n "${FILTER:-}" ] && filter=(--filter "$FILTER")
    swift package --package-path Benchmarks --scratch-path Benchmarks/.build \
        benchmark run --target "$storage_target" --no-progress --format markdown "${filter[@]}" \
        > "$results/.storage-raw.md" 2> "$results/.storage-stderr.log" \
        || { tail -60 "$results/.storage-stderr.log" >&2; tail -60 "$results/.storage-raw.md" >&2; exit 1; }
    sed -n '/^## Baseline/,$p' "$results/.storage-raw.md" > "$results/storage-benchmarks.md"
    grep -q "^## $storage_target\$" "$results/storage-benchmarks.md" \
        || log "WARNING: no '## $storage_target' section in storage-benchmarks.md${FILTER:+ (FILTER='$FILTER')}"
    grep -A2 "setup failed" "$results/.storage-raw.md" | awk 'NF && $0 != "--" && !seen[$0]++' >&2 || true
    rm -f "$results/.storage-raw.md" "$results/.storage-stderr.log" "$results/.storage-build.log"
    dropdb --if-exists claw_bench
    log "$storage_target done"

    if [ -z "${SKIP_STORAGE_PEERS:-}" ]; then
        log "running peers/bench_storage_peers.py (pgbench on the same server)"
        python3 "$peers/bench_storage_peers.py" --database pgbench_db \
            --json "$results/storage-peers.json" --markdown "$results/storage-peers.md"
        log "pgbench done"
    fi
fi

if [ -n "$run_guards" ]; then
    log "building $guard_target (release)"
    swift build -c release --package-path Benchmarks --scratch-path Benchmarks/.build \
        --product "$guard_target" > "$results/.guard-build.log" 2>&1 \
        || { tail -40 "$results/.guard-build.log" >&2; exit 1; }
    log "running $guard_target"
    filter=()
    [ -n "${FILTER:-}" ] && filter=(--filter "$FILTER")
    swift package --package-path Benchmarks --scratch-path Benchmarks/.build \
        benchmark run --target "$guard_target" --no-progress --format markdown "${filter[@]}" \
        > "$results/.guard-raw.md" 2> "$results/.guard-stderr.log" \
        || { tail -60 "$results/.guard-stderr.log" >&2; tail -60 "$results/.guard-raw.md" >&2; exit 1; }
    sed -n '/^## Baseline/,$p' "$results/.guard-raw.md" > "$results/guard-benchmarks.md"
    grep -q "^## $guard_target\$" "$results/guard-benchmarks.md" \
        || log "WARNING: no '## $guard_target' section in guard-benchmarks.md${FILTER:+ (FILTER='$FILTER')}"
    grep -A2 "setup failed" "$results/.guard-raw.md" | awk 'NF && $0 != "--" && !seen[$0]++' >&2 || true
    rm -f "$results/.guard-raw.md" "$results/.guard-stderr.log" "$results/.guard-build.log"
    log "$guard_target done"

    if [ -z "${SKIP_GUARD_PEERS:-}" ]; then
        log "running peers/bench_guard_peers.py (ipaddress, shlex + fnmatch, chat parser)"
        python3 "$peers/bench_guard_peers.py" --json "$results/guard-peers.json" --markdown "$results/guard-peers.md"
        log "guard peers done"
    fi
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
    "$results/html-peers.json" "$results/pattern-peers.json" "$results/storage-benchmarks.md" \
    "$results/storage-peers.json" "$results/guard-benchmarks.md" "$results/guard-peers.json" > "$results/comparison.md"
log "wrote $results/comparison.md"
cat "$results/comparison.md"
