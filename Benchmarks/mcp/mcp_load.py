"""Bounded load test of Claw's MCP server (`claw mcp serve`) beside the official Python SDK's MCPServer.

Run by Benchmarks/mcp/run.sh (which builds Claw in release and makes the venv); writes
Benchmarks/results/mcp-load.md and mcp-load.json. Standard library only (the venv's python runs the peer).

Parts, in one session, servers pinned to CPU 0 (taskset -c 0) and wrk to CPU 1 (taskset -c 1):
  1. Table: Claw (skill:echo, Bearer token, stateful JSON), Python MCPServer stateful SSE (SDK default) and
     stateless JSON; concurrency 1, 10, 50; RUNS rounds (interleaved), each run a fresh server (for Claw a fresh
     CLAW_HOME), sessions opened first (one per connection, rotated per request), WARMUP s of wrk, then DURATION s
     measured with wrk --latency. Server CPU use from /proc. For Claw the audit entries written during the measured
     window are counted beside wrk's answered calls (a time-bounded run leaves up to c calls in flight at the end).
  2. Claw extras (EXTRA=1): `ping` (same auth, session and JSON-RPC path, no tool and no audit write) and
     tools/call with CLAW_HOME on tmpfs (/dev/shm: fsync costs nothing), to show what the audit commits cost.
  3. Memory and audit: one Claw server, MEM_CONC connections over MEM_CONC sessions, MEM_CALLS tools/call in
     steps of MEM_STEP calls (exact budgets: mcp.lua's MCP_MAX), VmRSS before and after each step; afterwards the
     audit entries with event mcp.tools_call must equal the calls answered, and `claw audit verify` must pass.

Environment knobs: RUNS (3), DURATION (10), WARMUP (2), CONC (1,10,50), EXTRA (1), EXTRA_CONC (1,50),
QUIET_LOAD (0.8) / QUIET_WAIT (45 s: wait for a quiet machine first), OTHER_MAX (0.25 cores) / RETRIES (2) /
RETRY_SLACK (75 s: a run during which other processes used the CPU is repeated, within that time), MEM_CALLS (100000),
MEM_STEP (25000), MEM_CONC (10), MEM_STEP_SECONDS (the wrk -d bound of one memory step, 150),
MEM_HOME_BASE (folder for the memory run's CLAW_HOME; default the system temp folder, i.e. disk),
HOME_BASE (folder for the table runs' CLAW_HOME, same default), CLAW_BIN, MCP_PYTHON.
"""

import json
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RESULTS = os.path.join(ROOT, "Benchmarks", "results")
CLAW = os.environ.get("CLAW_BIN", os.path.join(ROOT, ".build-release", "release", "claw"))
PY = os.environ.get("MCP_PYTHON", os.path.join(ROOT, ".build-mcp-venv", "bin", "python"))
LUA = os.path.join(HERE, "mcp.lua")
PROTO = "2025-06-18"


def env_int(name, default):
    return int(os.environ.get(name, default))


RUNS = env_int("RUNS", 3)
DURATION = env_int("DURATION", 10)
WARMUP = env_int("WARMUP", 2)
CONC = [int(x) for x in os.environ.get("CONC", "1,10,50").split(",")]
EXTRA = os.environ.get("EXTRA", "1") == "1"
MEM_CALLS = env_int("MEM_CALLS", 100000)
MEM_STEP = env_int("MEM_STEP", 25000)
MEM_CONC = env_int("MEM_CONC", 10)
MEM_STEP_SECONDS = env_int("MEM_STEP_SECONDS", 150)
EXTRA_CONC = [int(x) for x in os.environ.get("EXTRA_CONC", "1,50").split(",")]
QUIET_LOAD = float(os.environ.get("QUIET_LOAD", "0.8"))
QUIET_WAIT = env_int("QUIET_WAIT", 45)
OTHER_MAX = float(os.environ.get("OTHER_MAX", "0.25"))  # CPU (cores) of other processes above which a run is repeated
RETRIES = env_int("RETRIES", 2)
RETRY_SLACK = env_int("RETRY_SLACK", 75)  # seconds all repeats (and their waits) may add, so the session stays < 10 min
_slack_used = [0.0]
HOME_BASE = os.environ.get("HOME_BASE") or tempfile.gettempdir()
MEM_HOME_BASE = os.environ.get("MEM_HOME_BASE") or tempfile.gettempdir()
SECRET = "bench-" + secrets.token_hex(32)  # a throwaway SECRET_KEY_BASE (>= 32 characters)
HZ = os.sysconf("SC_CLK_TCK")
LOGS = tempfile.mkdtemp(prefix="claw-mcp-load-logs-")

CONFIGS = {
    # name: server, mode, port, stateful
    "claw": ("Claw `claw mcp serve` (release)", "stateful, JSON, Bearer token, audited", 18301, True),
    "py-sse": ("mcp 2.3.0 `MCPServer`", "stateful, SSE (SDK default)", 18302, True),
    "py-json": ("mcp 2.3.0 `MCPServer`", "stateless, JSON", 18303, False),
}


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def port_free(port):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
        return False
    except OSError:
        return True
    finally:
        s.close()


def wait_port(port, limit=30.0):
    t0 = time.time()
    while time.time() - t0 < limit:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return int(parts[11]) + int(parts[12])  # utime + stime, all threads


def busy_ticks():
    """Busy CPU time of the whole machine (all CPUs, /proc/stat), in clock ticks."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return sum(v) - v[3] - v[4]  # minus idle and iowait


def status_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def claw_env(home):
    return dict(os.environ, CLAW_HOME=home, SECRET_KEY_BASE=SECRET)


def claw_token(home):
    out = sh([CLAW, "mcp", "token", "create"], env=claw_env(home), timeout=30, check=True)
    return out.stdout.strip()


def audit_count(home):
    db = os.path.join(home, "claw.sqlite")
    out = sh(["sqlite3", db, "select count(*) from claw_audit_entries where line like '%mcp.tools_call%'"], timeout=60)
    if out.returncode != 0:
        raise RuntimeError("sqlite3: " + out.stderr.strip())
    return int(out.stdout.strip())


def audit_total(home):
    out = sh(["sqlite3", os.path.join(home, "claw.sqlite"), "select count(*) from claw_audit_entries"], timeout=60)
    return int(out.stdout.strip())


def audit_verify(home):
    out = sh([CLAW, "audit", "verify"], env=claw_env(home), timeout=300)
    return out.returncode, (out.stdout + out.stderr).strip()


class Server:
    def __init__(self, name, home=None, tag=""):
        self.name = name
        label, mode, port, stateful = CONFIGS[name]
        self.port, self.stateful, self.home = port, stateful, home
        self.url = "http://127.0.0.1:%d/mcp" % port
        assert port_free(port), "port %d busy" % port
        if name == "claw":
            argv = [CLAW, "mcp", "serve", "--host", "127.0.0.1", "--port", str(port)]
            env = claw_env(home)
        else:
            argv = [PY, os.path.join(HERE, "pyserver.py"), "--mode", "stateful-sse" if name == "py-sse" else "stateless-json",
                    "--port", str(port)]
            env = dict(os.environ)
        self.logf = open(os.path.join(LOGS, "%s%s.log" % (name, tag)), "w")
        self.proc = subprocess.Popen(["taskset", "-c", "0"] + argv, env=env, stdout=self.logf, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        if not wait_port(port):
            self.stop()
            raise RuntimeError("%s did not listen on %d" % (name, port))
        time.sleep(0.3)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.logf.close()
        return self.proc.returncode


def sessions(url, n, token):
    out = sh([sys.executable, os.path.join(HERE, "mksessions.py"), url, str(n), token or "", PROTO], timeout=120, check=True)
    return out.stdout.strip()


def wrk(url, c, seconds, sids, token, tool, arg, method="tools/call", budget=None, latency=True):
    threads = 1 if c == 1 else 2
    env = dict(os.environ, MCP_SIDS=sids, MCP_TOKEN=token or "", MCP_TOOL=tool, MCP_ARG=arg, MCP_TEXT="hello",
               MCP_METHOD=method, MCP_PROTO=PROTO)
    if budget is not None:
        assert budget % threads == 0
        env["MCP_MAX"] = str(budget // threads)
    cmd = ["taskset", "-c", "1", "wrk", "-t%d" % threads, "-c%d" % c, "-d%ds" % seconds, "--timeout", "10s", "-s", LUA]
    if latency:
        cmd.append("--latency")
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if budget is None:
        out = subprocess.run(cmd + [url], env=env, capture_output=True, text=True, timeout=seconds + 60)
        stdout, stderr, rc = out.stdout, out.stderr, out.returncode
    else:
        # wrk runs until -d in any case; end it (SIGINT: it prints its summary) once every thread has its budget answered.
        done_dir = tempfile.mkdtemp(prefix="wrk-done-")
        env["MCP_DONE_DIR"] = done_dir
        proc = subprocess.Popen(cmd + [url], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + seconds + 60
        while proc.poll() is None and len(os.listdir(done_dir)) < threads and time.time() < deadline:
            time.sleep(0.02)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            stdout, stderr = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        rc = proc.returncode
        shutil.rmtree(done_dir, ignore_errors=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [l for l in stdout.splitlines() if l.startswith("WRKJSON ")]
    if not lines:
        raise RuntimeError("wrk gave no result (rc %d): %s %s" % (rc, stdout[-400:], stderr[-400:]))
    res = json.loads(lines[0][8:])
    res["wrk_threads"] = threads
    res["loader_cpu_s"] = round((r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime), 2)
    return res


def tool_for(name):
    return ("skill:echo", "input") if name == "claw" else ("echo", "text")


def one_run(name, c, rnd, method="tools/call", home_base=None, label=None):
    home = tempfile.mkdtemp(prefix="claw-home-", dir=home_base or HOME_BASE) if name == "claw" else None
    token = claw_token(home) if home else None
    rec = {"config": name, "label": label or name, "server": CONFIGS[name][0], "mode": CONFIGS[name][1],
           "concurrency": c, "round": rnd, "method": method, "duration_s": DURATION, "load1_before": float(loadavg()[0])}
    if home:
        rec["claw_home_fs"] = fs_type(home)
    srv = Server(name, home, tag="-%s-c%d-r%d-%s" % (label or name, c, rnd, method.replace("/", "_")))
    try:
        sids = sessions(srv.url, c, token) if srv.stateful else ""
        rec["sessions"] = len([s for s in sids.split(",") if s])
        tool, arg = tool_for(name)
        wrk(srv.url, c, WARMUP, sids, token, tool, arg, method=method, latency=False)
        if home:
            time.sleep(0.5)  # the warm-up's calls in flight at its end are audited before the count
        before = audit_count(home) if home else None
        c0, t0, b0 = cpu_ticks(srv.pid), time.time(), busy_ticks()
        res = wrk(srv.url, c, DURATION, sids, token, tool, arg, method=method)
        wall = time.time() - t0
        c1, b1 = cpu_ticks(srv.pid), busy_ticks()
        good = res["pongs"] if method == "ping" else res["calls_ok"]
        errors = res["bad"] + res["sock_err"]
        rec.update(rps=round(good / (res["duration_us"] / 1e6), 1), p50_ms=res["p50_ms"], p90_ms=res["p90_ms"],
                   p99_ms=res["p99_ms"], max_ms=res["max_ms"], ok=good, errors=errors,
                   err_kinds={"bad_answer": res["bad"], "status": res["status_err"], "socket": res["sock_err"]},
                   server_cpu=round((c1 - c0) / HZ / wall, 2), loader_cpu=round(res["loader_cpu_s"] / wall, 2),
                   other_cpu=round(max(0.0, (b1 - b0) / HZ / wall - (c1 - c0) / HZ / wall - res["loader_cpu_s"] / wall), 2),
                   wrk_threads=res["wrk_threads"], rss_kb_after=status_kb(srv.pid, "VmRSS"))
        if home and method == "tools/call":
            time.sleep(0.5)  # let the calls in flight at wrk's end finish
            delta = audit_count(home) - before
            rec["audit_delta"] = delta
            rec["audit_minus_ok"] = delta - good
    finally:
        rc = srv.stop()
        rec["server_exit"] = rc
        if home:
            shutil.rmtree(home, ignore_errors=True)
    return rec


def measured(name, c, rnd, **kw):
    """one_run, repeated (at most RETRIES times, after waiting for a quiet machine) when other processes used more
    than OTHER_MAX cores during the measured window: the machine is shared."""
    for attempt in range(RETRIES + 1):
        t0 = time.time()
        r = one_run(name, c, rnd, **kw)
        r["attempt"] = attempt + 1
        if attempt > 0:
            _slack_used[0] += time.time() - t0
        if r.get("other_cpu", 0) <= OTHER_MAX or attempt == RETRIES or _slack_used[0] + 20 > RETRY_SLACK:
            return r
        log("  %s c=%d r%d: other processes used %.2f cores; waiting and repeating" % (name, c, rnd, r["other_cpu"]))
        t1 = time.time()
        wait_quiet(limit=max(0, min(30, RETRY_SLACK - _slack_used[0] - 20)))
        _slack_used[0] += time.time() - t1


def fs_type(path):
    out = sh(["df", "-T", path])
    try:
        return out.stdout.splitlines()[1].split()[1]
    except IndexError:
        return "?"


def fsync_probe(folder, seconds=1.0):
    """Overwrites of 4 KiB in a preallocated 4 MiB file, each followed by fdatasync(), per second in this folder:
    what one SQLite WAL commit with synchronous = FULL costs at least (SQLite fdatasync()s the WAL per commit)."""
    d = tempfile.mkdtemp(prefix="fsync-probe-", dir=folder)
    fd = os.open(os.path.join(d, "f"), os.O_WRONLY | os.O_CREAT)
    size = 4 << 20
    os.write(fd, b"\0" * size)
    os.fsync(fd)
    lat, t0, off = [], time.time(), 0
    try:
        while time.time() - t0 < seconds:
            a = time.perf_counter()
            os.pwrite(fd, b"x" * 4096, off)
            os.fdatasync(fd)
            lat.append(time.perf_counter() - a)
            off = (off + 4096) % size
    finally:
        os.close(fd)
        shutil.rmtree(d, ignore_errors=True)
    lat.sort()
    return {"folder": folder, "fs": fs_type(folder), "fsyncs_per_s": round(len(lat) / seconds),
            "p50_ms": round(lat[len(lat) // 2] * 1e3, 2), "p99_ms": round(lat[int(len(lat) * 0.99)] * 1e3, 2)}


def memory_run():
    home = tempfile.mkdtemp(prefix="claw-home-mem-", dir=MEM_HOME_BASE)
    token = claw_token(home)
    rec = {"claw_home_fs": fs_type(home), "connections": MEM_CONC, "calls_target": MEM_CALLS, "step": MEM_STEP, "points": []}
    srv = Server("claw", home, tag="-memory")
    try:
        sids = sessions(srv.url, MEM_CONC, token)
        rec["sessions"] = len(sids.split(","))
        time.sleep(0.5)
        rec["points"].append({"calls": 0, "rss_kb": status_kb(srv.pid, "VmRSS"), "hwm_kb": status_kb(srv.pid, "VmHWM"),
                              "anon_kb": status_kb(srv.pid, "RssAnon"), "audit_entries": audit_count(home)})
        total_ok = total_bad = total_sent = 0
        t_start = time.time()
        while total_sent < MEM_CALLS:
            step = min(MEM_STEP, MEM_CALLS - total_sent)
            c0, t0 = cpu_ticks(srv.pid), time.time()
            res = wrk(srv.url, MEM_CONC, MEM_STEP_SECONDS, sids, token, "skill:echo", "input", budget=step, latency=False)
            wall = time.time() - t0
            c1 = cpu_ticks(srv.pid)
            total_sent += res["calls_sent"]
            total_ok += res["calls_ok"]
            total_bad += res["bad"] + res["sock_err"]
            time.sleep(0.3)
            pt = {"calls": total_sent, "calls_ok": total_ok, "errors": total_bad, "rss_kb": status_kb(srv.pid, "VmRSS"),
                  "hwm_kb": status_kb(srv.pid, "VmHWM"), "anon_kb": status_kb(srv.pid, "RssAnon"), "audit_entries": audit_count(home),
                  "step_rps": round(res["calls_ok"] / (res["duration_us"] / 1e6), 1), "step_server_cpu": round((c1 - c0) / HZ / wall, 2),
                  "step_complete": res["calls_sent"] == step and res["calls_ok"] + res["bad"] == step}
            rec["points"].append(pt)
            log("  memory: %d calls sent, %d ok, RSS %d kB, audit %d, %.0f calls/s" % (
                total_sent, total_ok, pt["rss_kb"], pt["audit_entries"], pt["step_rps"]))
            if not pt["step_complete"]:
                log("  memory: step did not complete within %d s; stopping the memory run" % MEM_STEP_SECONDS)
                break
        rec["seconds"] = round(time.time() - t_start, 1)
        rec["calls_sent"], rec["calls_ok"], rec["errors"] = total_sent, total_ok, total_bad
    finally:
        rec["server_exit"] = srv.stop()
    # After a graceful stop: count with the sqlite3 CLI, then verify the chain with claw itself.
    rec["audit_entries_tools_call"] = audit_count(home)
    rec["audit_entries_total"] = audit_total(home)
    rc, text = audit_verify(home)
    rec["audit_verify_rc"], rec["audit_verify"] = rc, text
    size = sum(os.path.getsize(os.path.join(home, f)) for f in os.listdir(home) if f.startswith("claw.sqlite"))
    rec["database_bytes"] = size
    shutil.rmtree(home, ignore_errors=True)
    return rec


def sync_check(calls=2000, conc=10):
    """How many fsync()/fdatasync() calls Claw's process makes for `calls` audited tools/call (strace -f -c), on disk.
    With synchronous = FULL in WAL mode SQLite syncs the WAL at every commit: at least 1 per audited call."""
    if not shutil.which("strace"):
        return {"skipped": "strace is missing"}
    home = tempfile.mkdtemp(prefix="claw-home-sync-", dir=HOME_BASE)
    token = claw_token(home)
    srv = Server("claw", home, tag="-synccheck")
    out_file = os.path.join(LOGS, "strace-synccheck.txt")
    rec = {"calls": calls, "connections": conc, "claw_home_fs": fs_type(home)}
    try:
        sids = sessions(srv.url, conc, token)
        st = subprocess.Popen(["strace", "-f", "-c", "-e", "trace=fsync,fdatasync,sync_file_range", "-o", out_file,
                               "-p", str(srv.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        before = audit_count(home)
        res = wrk(srv.url, conc, 60, sids, token, "skill:echo", "input", budget=calls, latency=False)
        time.sleep(0.3)
        rec["audit_entries"] = audit_count(home) - before
        rec["calls_ok"] = res["calls_ok"]
        st.send_signal(signal.SIGINT)
        try:
            st.wait(10)
        except subprocess.TimeoutExpired:
            st.kill()
            st.wait(5)
        counts = {}
        for line in open(out_file):
            parts = line.split()
            if parts and parts[-1] in ("fsync", "fdatasync", "sync_file_range"):
                counts[parts[-1]] = int(parts[3]) if len(parts) >= 5 else 0
        rec["sync_calls"] = counts
        rec["sync_total"] = sum(counts.values())
    finally:
        rec["server_exit"] = srv.stop()
        shutil.rmtree(home, ignore_errors=True)
    return rec


def wait_quiet(limit=None):
    """Waits (at most QUIET_WAIT s) for the 1-minute load average to fall below QUIET_LOAD: the machine is shared."""
    t0 = time.time()
    while float(loadavg()[0]) >= QUIET_LOAD and time.time() - t0 < (QUIET_WAIT if limit is None else limit):
        time.sleep(5)
    return round(time.time() - t0), float(loadavg()[0])


def versions():
    v = {}
    v["date_utc"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    v["commit"] = sh(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).stdout.strip()
    dirty = [l[3:] for l in sh(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"]).stdout.splitlines()
             if l.strip() and not l[3:].startswith("Benchmarks/results/")]  # this script's own outputs do not count
    v["worktree"] = ("modified: " + ", ".join(dirty[:6]) + (" …" if len(dirty) > 6 else "")) if dirty else "tracked files clean"
    v["kernel"] = platform.release()
    v["cpu"] = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    v["cpus"] = os.cpu_count()
    v["mem_total"] = next((l.split(":", 1)[1].strip() for l in open("/proc/meminfo") if l.startswith("MemTotal")), "?")
    v["swift"] = sh(["swift", "--version"]).stdout.splitlines()[0] if shutil.which("swift") else "?"
    v["wrk"] = (sh(["wrk", "--version"]).stdout.splitlines() or ["?"])[0].split(" [")[0]
    v["sqlite3_cli"] = sh(["sqlite3", "--version"]).stdout.split(" ")[0]
    pv = sh([PY, "-c", "import sys, importlib.metadata as m; print(sys.version.split()[0], *[p + ' ' + m.version(p) for p in "
                       "('mcp', 'uvicorn', 'starlette', 'sse-starlette', 'pydantic')], sep=', ')"]).stdout.strip()
    v["python_peer"] = pv
    v["claw_bin"] = os.path.relpath(CLAW, ROOT)
    return v


def loadavg():
    return open("/proc/loadavg").read().split()[:3]


def med(xs):
    return statistics.median(xs) if xs else None


def summarize(recs):
    groups = {}
    for r in recs:
        if "rps" not in r:
            continue
        groups.setdefault((r["label"], r["method"], r["concurrency"]), []).append(r)
    out = {}
    for k, rs in groups.items():
        out[k] = {"rps": med([r["rps"] for r in rs]), "rps_min": min(r["rps"] for r in rs), "rps_max": max(r["rps"] for r in rs),
                  "p50_ms": med([r["p50_ms"] for r in rs]), "p99_ms": med([r["p99_ms"] for r in rs]),
                  "errors": sum(r["errors"] for r in rs), "ok": sum(r["ok"] for r in rs), "runs": len(rs),
                  "server_cpu": med([r["server_cpu"] for r in rs]), "loader_cpu": med([r["loader_cpu"] for r in rs]),
                  "other_cpu_max": max(r.get("other_cpu", 0) for r in rs),
                  "audit_minus_ok": [r.get("audit_minus_ok") for r in rs] if rs[0].get("audit_minus_ok") is not None else None}
    return out


def fmt(x, nd=1):
    return "–" if x is None else ("{:,.%df}" % nd).format(x)


def report(env, probes, recs, extras, mem, t_total, sync):
    S = summarize(recs + extras)
    L = []
    L.append("# MCP server under load: Claw beside the official Python SDK")
    L.append("")
    L.append("Written by `Benchmarks/mcp/run.sh` (`mcp_load.py`). Session %s, commit `%s` (%s), %s minutes." % (
        env["date_utc"], env["commit"], env["worktree"], fmt(t_total / 60, 1)))
    L.append("")
    L.append("Machine: %s, %s CPUs, %s, Linux %s. Load average at start %s, at end %s." % (
        env["cpu"], env["cpus"], env["mem_total"], env["kernel"], " ".join(env["load_start"]), " ".join(env["load_end"])))
    L.append("%s; wrk %s; sqlite3 %s; peer: Python %s. Claw binary: `%s`." % (
        env["swift"], env["wrk"].replace("wrk ", ""), env["sqlite3_cli"], env["python_peer"], env["claw_bin"]))
    L.append("")
    L.append("Method: each server pinned to CPU 0 (`taskset -c 0`), wrk to CPU 1; a fresh server per run (for Claw a fresh "
             "`CLAW_HOME` on %s), sessions opened first (one per connection, rotated per request), %d s warm-up, "
             "%d s measured with `wrk --latency` (`-t1` at c=1, `-t2` otherwise); medians of %d runs, rounds interleaved. "
             "A call counts as good when it has status 200, a JSON-RPC `result`, the echoed `hello` and no `\"isError\":true`; "
             "anything else (or a socket error) is an error. \"Others' CPU\" is the machine's busy time during the measured "
             "window minus server and wrk (the machine is shared); a run with more than %.2f cores of it is repeated (at most %d "
             "times). Claw: `tools/call` of `skill:echo` with a Bearer token "
             "(every call verifies the token, is decided by the policy engine and writes one audit entry and its checkpoint "
             "to SQLite before the skill runs, one append at a time under the audit log's writer lock). Python: the same echo tool in `MCPServer`, one uvicorn process." % (
                 recs[0].get("claw_home_fs", "?") if recs else "?", WARMUP, DURATION, RUNS, OTHER_MAX, RETRIES))
    L.append("")
    L.append("Durable-commit floor (4 KiB overwrite + `fdatasync`, 1 s, what one WAL commit with `synchronous = FULL` costs at "
             "least): " + "; ".join("%s (%s): %s per s, p50 %s ms, p99 %s ms" % (
                 p["folder"], p["fs"], fmt(p["fsyncs_per_s"], 0), p["p50_ms"], p["p99_ms"]) for p in probes) + ".")
    loads = [r["load1_before"] for r in recs + extras if "load1_before" in r]
    if loads:
        L.append("1-minute load average before each run: %.2f to %.2f (median %.2f); waited %s s for a quiet machine first." % (
            min(loads), max(loads), statistics.median(loads), env.get("quiet_wait_s", 0)))
    L.append("")
    L.append("## Throughput and latency (median of %d runs)" % RUNS)
    L.append("")
    L.append("| server | mode | c | req/s median (min–max) | p50 ms | p99 ms | errors | server CPU (cores) | wrk CPU | others' CPU, max |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in CONFIGS:
        for c in CONC:
            s = S.get((name, "tools/call", c))
            if not s:
                continue
            L.append("| %s | %s | %d | **%s** (%s–%s) | %s | %s | %d | %s | %s | %s |" % (
                CONFIGS[name][0], CONFIGS[name][1], c, fmt(s["rps"], 0), fmt(s["rps_min"], 0), fmt(s["rps_max"], 0),
                fmt(s["p50_ms"], 2), fmt(s["p99_ms"], 2), s["errors"], fmt(s["server_cpu"], 2), fmt(s["loader_cpu"], 2),
                fmt(s["other_cpu_max"], 2)))
    L.append("")
    L.append("Ratio Claw ÷ Python (median req/s):")
    L.append("")
    L.append("| c | ÷ stateful SSE | ÷ stateless JSON |")
    L.append("|---:|---:|---:|")
    for c in CONC:
        cl, a, b = S.get(("claw", "tools/call", c)), S.get(("py-sse", "tools/call", c)), S.get(("py-json", "tools/call", c))
        if cl and a and b:
            L.append("| %d | %.2f× | %.2f× |" % (c, cl["rps"] / a["rps"], cl["rps"] / b["rps"]))
    L.append("")
    if extras:
        L.append("## Where Claw's time goes (one run each)")
        L.append("")
        L.append("| Claw variant | c | req/s | p50 ms | p99 ms | errors | server CPU (cores) |")
        L.append("|---|---:|---:|---:|---:|---:|---:|")
        for c in CONC:
            s = S.get(("claw", "tools/call", c))
            if s:
                L.append("| tools/call, `CLAW_HOME` on disk (table above, median) | %d | %s | %s | %s | %d | %s |" % (
                    c, fmt(s["rps"], 0), fmt(s["p50_ms"], 2), fmt(s["p99_ms"], 2), s["errors"], fmt(s["server_cpu"], 2)))
        for r in extras:
            what = {"claw-tmpfs": "tools/call, `CLAW_HOME` on tmpfs (/dev/shm: fsync is free)",
                    "claw-ping": "`ping` instead of tools/call (auth, session, JSON-RPC; no tool, no audit write)"}[r["label"]]
            L.append("| %s | %d | %s | %s | %s | %d | %s |" % (what, r["concurrency"], fmt(r["rps"], 0), fmt(r["p50_ms"], 2),
                                                              fmt(r["p99_ms"], 2), r["errors"], fmt(r["server_cpu"], 2)))
        L.append("")
    if sync and "sync_total" in sync:
        L.append("Sync check (`strace -f -c` on the server, `CLAW_HOME` on %s, %s audited calls at c=%d, %s audit entries written): "
                 "%s `fsync`/`fdatasync` calls in all (%s), i.e. %.3f per call. With `synchronous = FULL` in WAL mode SQLite syncs "
                 "the WAL at every commit, so a durable audit append makes at least 1 per call; markedly fewer means "
                 "commits return before they are on disk." % (
                     sync["claw_home_fs"], fmt(sync["calls_ok"], 0), sync["connections"], fmt(sync["audit_entries"], 0),
                     sync["sync_total"], ", ".join("%s %d" % kv for kv in sorted(sync["sync_calls"].items())) or "none",
                     sync["sync_total"] / max(1, sync["calls_ok"])))
        L.append("")
    L.append("## Claw: memory over %s calls and the audit check" % fmt(mem["calls_target"], 0))
    L.append("")
    L.append("One server, `CLAW_HOME` on %s, %d connections (wrk `-t2`) over %d sessions, exact budgets of `tools/call` "
             "per step (a thread that has sent its budget sends `ping`s, never audited, until every call is answered)." % (
                 mem["claw_home_fs"], mem["connections"], mem.get("sessions", 0)))
    L.append("")
    L.append("| calls | VmRSS kB | RssAnon kB | VmHWM kB | audit entries `mcp.tools_call` | calls answered good | step calls/s | step server CPU |")
    L.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p in mem["points"]:
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (fmt(p["calls"], 0), fmt(p["rss_kb"], 0), fmt(p.get("anon_kb"), 0), fmt(p["hwm_kb"], 0),
                                                           fmt(p["audit_entries"], 0), fmt(p.get("calls_ok"), 0),
                                                           fmt(p.get("step_rps"), 0), fmt(p.get("step_server_cpu"), 2)))
    L.append("")
    L.append("After a graceful stop (SIGTERM, exit %s): %s audit entries with event `mcp.tools_call` (%s entries in all) "
             "against %s calls answered good and %s errors; `claw audit verify`: exit %d, `%s`. Database files: %s bytes. "
             "The run took %s s." % (
                 mem.get("server_exit"), fmt(mem["audit_entries_tools_call"], 0), fmt(mem["audit_entries_total"], 0),
                 fmt(mem.get("calls_ok"), 0), fmt(mem.get("errors"), 0), mem["audit_verify_rc"], mem["audit_verify"],
                 fmt(mem["database_bytes"], 0), fmt(mem.get("seconds"), 0)))
    L.append("")
    # In the table runs (time-bounded) the audit delta may exceed wrk's count by the calls in flight at its end.
    tb = [r for r in recs if r["config"] == "claw" and "audit_minus_ok" in r]
    if tb:
        L.append("Table runs (time-bounded): audit entries written in the measured window minus calls wrk counted "
                 "(0 to c expected: calls in flight when wrk stops are audited but not counted): " +
                 ", ".join("c=%d: %s" % (c, "/".join(str(r["audit_minus_ok"]) for r in tb if r["concurrency"] == c)) for c in CONC) + ".")
        L.append("")
    # Verdicts
    L.append("## Aims")
    L.append("")
    V = verdicts(S, recs, extras, mem)
    L.append("| aim | measured | verdict |")
    L.append("|---|---|---|")
    for aim, measured, ok in V:
        L.append("| %s | %s | **%s** |" % (aim, measured, "met" if ok else "missed"))
    L.append("")
    L.append("Server logs of this session: `%s` (not kept)." % LOGS)
    return "\n".join(L) + "\n", V


def verdicts(S, recs, extras, mem):
    V = []
    ratios = []
    for c in CONC:
        cl = S.get(("claw", "tools/call", c))
        best = max((S[(p, "tools/call", c)]["rps"] for p in ("py-sse", "py-json") if (p, "tools/call", c) in S), default=None)
        if cl and best:
            ratios.append((c, cl["rps"] / best))
    V.append(("Throughput ≥ 5× the Python server's (its faster mode, each c)",
              ", ".join("c=%d: %.2f×" % r for r in ratios), bool(ratios) and all(r >= 5 for _, r in ratios)))
    c50 = S.get(("claw", "tools/call", 50))
    V.append(("p99 < 10 ms at 50 concurrent clients", "p99 %s ms (median of runs)" % fmt(c50 and c50["p99_ms"], 2),
              bool(c50) and c50["p99_ms"] < 10))
    claw_err = sum(r["errors"] for r in recs if r["config"] == "claw") + mem.get("errors", 0)
    claw_ok = sum(r["ok"] for r in recs if r["config"] == "claw") + mem.get("calls_ok", 0)
    V.append(("No error", "%s errors in %s Claw calls (table runs + memory run)" % (fmt(claw_err, 0), fmt(claw_ok, 0)), claw_err == 0))
    lost_tb = [r for r in recs if r.get("audit_minus_ok") is not None and r["audit_minus_ok"] < 0]
    exact = mem["audit_entries_tools_call"] == mem.get("calls_ok", -1) + mem.get("errors", 0) and mem.get("errors", 0) == 0
    V.append(("No lost audit entry", "memory run: %s entries for %s good calls; chain verify exit %d; table runs with fewer "
              "entries than calls: %d" % (fmt(mem["audit_entries_tools_call"], 0), fmt(mem.get("calls_ok"), 0),
                                          mem["audit_verify_rc"], len(lost_tb)),
              exact and mem["audit_verify_rc"] == 0 and not lost_tb))
    pts = [p for p in mem["points"] if p["calls"] > 0]
    if len(pts) >= 2 and pts[-1]["calls"] >= MEM_CALLS:
        first, last = pts[0], pts[-1]
        growth = last["rss_kb"] - first["rss_kb"]
        per_call = growth * 1024 / max(1, last["calls"] - first["calls"])
        flat = growth <= 2048  # at most 2 MiB between the first step and the last
        V.append(("Flat memory over %s calls" % fmt(MEM_CALLS, 0),
                  "RSS %s kB before any call, %s kB after %s, %s kB after %s: %+d kB (%.1f B per call) over the last %s calls "
                  "(bound: ≤ 2 MiB)" % (fmt(mem["points"][0]["rss_kb"], 0), fmt(first["rss_kb"], 0), fmt(first["calls"], 0),
                                         fmt(last["rss_kb"], 0), fmt(last["calls"], 0), growth, per_call,
                                         fmt(last["calls"] - first["calls"], 0)), flat))
    else:
        V.append(("Flat memory over %s calls" % fmt(MEM_CALLS, 0), "the run did not reach %s calls" % fmt(MEM_CALLS, 0), False))
    return V


def main():
    for tool in ("wrk", "sqlite3", "taskset"):
        if not shutil.which(tool):
            sys.exit("mcp_load.py: %s is missing" % tool)
    for path in (CLAW, PY):
        if not os.access(path, os.X_OK):
            sys.exit("mcp_load.py: %s is missing; run Benchmarks/mcp/run.sh" % path)
    waited, load = wait_quiet()
    log("load average %.2f after waiting %d s (aim: below %.2f)" % (load, waited, QUIET_LOAD))
    t_all = time.time()
    env = versions()
    env["quiet_wait_s"] = waited
    env["load_start"] = loadavg()
    log("session %s, commit %s, logs in %s" % (env["date_utc"], env["commit"], LOGS))
    probes = [fsync_probe(HOME_BASE)]
    if MEM_HOME_BASE != HOME_BASE:
        probes.append(fsync_probe(MEM_HOME_BASE))
    if EXTRA and os.path.isdir("/dev/shm"):
        probes.append(fsync_probe("/dev/shm"))
    log("fsync probe: %s" % probes)
    recs = []
    for rnd in range(1, RUNS + 1):
        for name in CONFIGS:
            for c in CONC:
                r = measured(name, c, rnd)
                recs.append(r)
                log("%-7s c=%-3d r%d: %8.1f req/s  p50 %7.2f ms  p99 %7.2f ms  errors %d  server CPU %.2f  other %.2f%s" % (
                    name, c, rnd, r["rps"], r["p50_ms"], r["p99_ms"], r["errors"], r["server_cpu"], r["other_cpu"],
                    "  audit-ok %+d" % r["audit_minus_ok"] if "audit_minus_ok" in r else ""))
    extras = []
    sync = None
    if EXTRA:
        for c in EXTRA_CONC:
            if os.path.isdir("/dev/shm"):
                r = measured("claw", c, 1, home_base="/dev/shm", label="claw-tmpfs")
                extras.append(r)
                log("claw tmpfs c=%d: %.1f req/s p50 %.2f p99 %.2f errors %d CPU %.2f" % (
                    c, r["rps"], r["p50_ms"], r["p99_ms"], r["errors"], r["server_cpu"]))
        for c in EXTRA_CONC:
            r = measured("claw", c, 1, method="ping", label="claw-ping")
            extras.append(r)
            log("claw ping c=%d: %.1f req/s p50 %.2f p99 %.2f errors %d CPU %.2f" % (
                c, r["rps"], r["p50_ms"], r["p99_ms"], r["errors"], r["server_cpu"]))
        sync = sync_check()
        log("sync check: %s" % sync)
    log("memory run: %d calls in steps of %d, CLAW_HOME under %s" % (MEM_CALLS, MEM_STEP, MEM_HOME_BASE))
    mem = memory_run()
    log("memory run: audit %d entries / %d good calls, verify rc %d: %s" % (
        mem["audit_entries_tools_call"], mem.get("calls_ok", -1), mem["audit_verify_rc"], mem["audit_verify"]))
    env["load_end"] = loadavg()
    t_total = time.time() - t_all
    md, V = report(env, probes, recs, extras, mem, t_total, sync)
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "mcp-load.md"), "w") as f:
        f.write(md)
    S = summarize(recs + extras)
    with open(os.path.join(RESULTS, "mcp-load.json"), "w") as f:
        json.dump({"environment": env, "settings": {"runs": RUNS, "duration_s": DURATION, "warmup_s": WARMUP, "concurrency": CONC,
                                                    "mem_calls": MEM_CALLS, "mem_step": MEM_STEP, "mem_conc": MEM_CONC,
                                                    "protocol": PROTO},
                   "fsync_probes": probes,
                   "summary": [dict(label=k[0], method=k[1], concurrency=k[2], **v) for k, v in sorted(S.items())],
                   "runs": recs, "claw_extras": extras, "sync_check": sync, "memory": mem,
                   "aims": [{"aim": a, "measured": m, "met": ok} for a, m, ok in V], "seconds": round(t_total, 1)}, f, indent=1)
    log("wrote Benchmarks/results/mcp-load.md and mcp-load.json (%.1f min)" % (t_total / 60))
    print(md)


if __name__ == "__main__":
    main()
