#!/usr/bin/env bash
# Bounded load test of Claw's MCP server (`claw mcp serve`) beside the official Python SDK's MCPServer
# (mcp 2.3.0), on this machine, loopback only. One command:
#
#   Benchmarks/mcp/run.sh
#
# 1. builds claw in release into .build-release (its own scratch path: the debug build is left alone;
#    several minutes the first time, seconds after);
# 2. makes the venv .build-mcp-venv with mcp==2.3.0 and uvicorn, if missing;
# 3. installs wrk and the sqlite3 CLI with apt-get if missing (as root);
# 4. runs mcp_load.py: Claw (skill:echo, Bearer token), Python MCPServer stateful SSE and stateless JSON, at
#    concurrency 1, 10 and 50 (server pinned to CPU 0, wrk to CPU 1), then Claw's `ping` floor and a tmpfs
#    CLAW_HOME, then 100,000 tools/call against one Claw server with its RSS every 25,000 calls and the audit
#    check (entries = calls answered; `claw audit verify`).
#
# Writes Benchmarks/results/mcp-load.md and Benchmarks/results/mcp-load.json. About 8 minutes after the build,
# at most 10: up to 45 s waiting for a quiet machine first, up to 75 s repeating runs that other processes
# disturbed; a hard stop (timeout) at 15. Knobs (environment; see mcp_load.py): RUNS (3), DURATION (10),
# WARMUP (2), CONC (1,10,50), EXTRA (1), EXTRA_CONC (1,50), MEM_CALLS (100000), MEM_STEP (25000), MEM_CONC (10),
# MEM_STEP_SECONDS (150), HOME_BASE / MEM_HOME_BASE (where the CLAW_HOME folders go; default the system temp
# folder), QUIET_LOAD, QUIET_WAIT, OTHER_MAX, RETRIES, RETRY_SLACK, SKIP_BUILD=1 (use the existing binary).
# Every process is bounded: wrk by -d (and exact call budgets in the memory run), servers are stopped by PID.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

if [[ -z "${SKIP_BUILD:-}" ]]; then
    echo "== swift build -c release --product claw --scratch-path .build-release" >&2
    swift build -c release --product claw --scratch-path .build-release >&2
fi
claw_bin="${CLAW_BIN:-$root/.build-release/release/claw}"
[[ -x "$claw_bin" ]] || { echo "run.sh: $claw_bin is missing" >&2; exit 1; }

venv="$root/.build-mcp-venv"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("mcp") != "2.3.0")' 2>/dev/null; then
    echo "== venv $venv with mcp==2.3.0 and uvicorn" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'mcp==2.3.0' uvicorn >&2
fi

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v taskset >/dev/null || need+=(util-linux)
if ((${#need[@]})); then
    echo "== apt-get install ${need[*]}" >&2
    apt-get install -y "${need[@]}" >&2 || { apt-get update >&2 && apt-get install -y "${need[@]}" >&2; }
fi

CLAW_BIN="$claw_bin" MCP_PYTHON="$venv/bin/python" exec timeout 900 python3 "$here/mcp_load.py"
