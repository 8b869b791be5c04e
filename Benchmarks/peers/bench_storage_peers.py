#!/usr/bin/env python3
"""pgbench's simple-update transaction on the PostgreSQL server that ClawStorageBenchmarks used in the same
session (Benchmarks/run.sh starts one with scripts/with-postgres and runs both against it).

Steps, all with the server's own client tools (scripts/with-postgres puts its bin dir first on PATH):

1. The server's version and the settings that decide what a commit costs (fsync, synchronous_commit,
   wal_sync_method, full_page_writes, ...), read with psql.
2. A fresh database (default pgbench_db; dropped first if it exists), then `pgbench -i -s SCALE` (default 10:
   1,000,000 accounts) in it, so the Claw database stays separate.
3. For each client count (default 1 and 8): CHECKPOINT, then `pgbench -N -c C -j J -T SECONDS` (J = 1 for one
   client, 2 for more: the machine's cores). -N is the simple-update script ("TPC-B (sort of)" without the
   updates of pgbench_tellers and pgbench_branches): per transaction 1 UPDATE of pgbench_accounts, 1 SELECT of
   it, 1 INSERT into pgbench_history, committed (BEGIN ... END). The figure is pgbench's "tps = ... (without
   initial connection time)" (older versions: "excluding connections establishing").
4. Claw's audit-append SQL without Claw: tables shaped like claw_audit_entries and claw_audit_markers in the same
   database, and a pgbench script of Claw's two statements, each its own committed transaction (the entry's
   INSERT with a 300-character line, then the checkpoint's upsert with a 200-character line), run with
   `-M extended -c 1 -j 1 -T SECONDS` (postgres-nio also uses the extended protocol). Its tps counts script
   runs, so appends per second with 2 commits each: the server's floor for Claw's default audit append,
   without the HMAC chain, the JSON and the Swift driver. --no-claw-sql leaves it out.
5. The database is dropped (unless --keep).

Connection: the usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD), which run.sh sets from
scripts/with-postgres' CLAW_TEST_PG_* variables. Standard library only.

Usage: bench_storage_peers.py [--json PATH] [--markdown PATH] [--database NAME] [--scale N] [--seconds S]
                              [--clients 1,8] [--no-claw-sql] [--keep]
       (env: PGBENCH_SECONDS, PGBENCH_SCALE, PGBENCH_CLIENTS override the defaults)
Prints a markdown table on stdout.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

SETTINGS = ["fsync", "synchronous_commit", "wal_sync_method", "full_page_writes", "wal_level",
            "shared_buffers", "max_wal_size", "checkpoint_timeout", "max_connections"]


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


def run(cmd, **kw):
    """Runs cmd; returns its stdout+stderr text, or raises with its tail."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if p.returncode != 0:
        raise RuntimeError("%s exited %d:\n%s" % (" ".join(cmd), p.returncode, p.stdout[-2000:]))
    return p.stdout


def psql(database, sql):
    return run(["psql", "-X", "-q", "-At", "-d", database, "-c", sql]).strip()


def parse_pgbench(text):
    out = {}
    m = re.search(r"^tps = ([0-9.]+) \((?:without initial connection time|excluding connections establishing)\)",
                  text, re.M)
    if not m:
        m = re.search(r"^tps = ([0-9.]+)", text, re.M)
    if m:
        out["tps"] = float(m.group(1))
    for key, pattern in (("transactions", r"^number of transactions actually processed: (\d+)"),
                         ("failed", r"^number of failed transactions: (\d+)"),
                         ("latency_ms", r"^latency average = ([0-9.]+) ms"),
                         ("connection_ms", r"^initial connection time = ([0-9.]+) ms"),
                         ("scaling_factor", r"^scaling factor: (\d+)"),
                         ("query_mode", r"^query mode: (\S+)"),
                         ("transaction_type", r"^transaction type: (.+)$")):
        m = re.search(pattern, text, re.M)
        if m:
            v = m.group(1)
            out[key] = float(v) if key.endswith("_ms") else (int(v) if v.isdigit() else v)
    return out


CLAW_SQL_TABLES = """
CREATE TABLE claw_audit_entries (sequence BIGINT PRIMARY KEY, recorded_at BIGINT NOT NULL, line TEXT NOT NULL);
CREATE TABLE claw_audit_markers (kind TEXT PRIMARY KEY, sequence BIGINT NOT NULL, line TEXT NOT NULL);
CREATE SEQUENCE claw_audit_sequence;
"""
# Claw's two statements (DatabaseAuditStore.append and saveMarker), each committed on its own.
CLAW_SQL_SCRIPT = """INSERT INTO claw_audit_entries (sequence, recorded_at, line) VALUES (nextval('claw_audit_sequence'), 1764160000, '%s');
INSERT INTO claw_audit_markers (kind, sequence, line) VALUES ('checkpoint', currval('claw_audit_sequence'), '%s') ON CONFLICT (kind) DO UPDATE SET sequence = excluded.sequence, line = excluded.line WHERE claw_audit_markers.sequence <= excluded.sequence;
""" % ("e" * 300, "c" * 200)


def pgbench_run(cmd, database):
    psql(database, "CHECKPOINT")
    load_before = loadavg()
    text = run(cmd)
    row = {"command": " ".join(cmd), "loadavg_before": load_before, "loadavg_after": loadavg()}
    row.update(parse_pgbench(text))
    row["output"] = text.strip().splitlines()[-12:]
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    ap.add_argument("--json")
    ap.add_argument("--markdown")
    ap.add_argument("--database", default="pgbench_db")
    ap.add_argument("--scale", type=int, default=int(os.environ.get("PGBENCH_SCALE", "10")))
    ap.add_argument("--seconds", type=int, default=int(os.environ.get("PGBENCH_SECONDS", "15")))
    ap.add_argument("--clients", default=os.environ.get("PGBENCH_CLIENTS", "1,8"))
    ap.add_argument("--no-claw-sql", action="store_true", help="leave out the run of Claw's audit-append SQL")
    ap.add_argument("--keep", action="store_true", help="keep the pgbench database afterwards")
    args = ap.parse_args()
    clients = [int(c) for c in args.clients.split(",") if c.strip()]

    started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    load_start = loadavg()
    env = {
        "pgbench": run(["pgbench", "--version"]).strip(),
        "psql": run(["psql", "--version"]).strip(),
        "server_version": psql("postgres", "SHOW server_version"),
        "server_version_full": psql("postgres", "SELECT version()"),
        "server": "%s:%s" % (os.environ.get("PGHOST", "?"), os.environ.get("PGPORT", "?")),
    }
    settings = {name: psql("postgres", "SHOW %s" % name) for name in SETTINGS}

    run(["dropdb", "--if-exists", args.database])
    run(["createdb", args.database])
    t0 = time.monotonic()
    run(["pgbench", "-i", "-q", "-s", str(args.scale), args.database])
    init_seconds = time.monotonic() - t0

    runs, claw_sql = [], None
    try:
        for c in clients:
            threads = 1 if c == 1 else min(c, max(2, os.cpu_count() or 2))
            cmd = ["pgbench", "-N", "-c", str(c), "-j", str(threads), "-T", str(args.seconds), args.database]
            row = {"clients": c, "threads": threads, "seconds": args.seconds}
            row.update(pgbench_run(cmd, args.database))
            runs.append(row)
            print("pgbench -N -c %d: %s tps" % (c, row.get("tps", "?")), file=sys.stderr)
        if not args.no_claw_sql:
            psql(args.database, CLAW_SQL_TABLES)
            script = os.path.join(tempfile.mkdtemp(prefix="claw-audit-sql-"), "claw-audit-append.sql")
            with open(script, "w", encoding="utf-8") as f:
                f.write(CLAW_SQL_SCRIPT)
            cmd = ["pgbench", "-n", "-M", "extended", "-f", script, "-c", "1", "-j", "1", "-T", str(args.seconds),
                   args.database]
            claw_sql = {"clients": 1, "threads": 1, "seconds": args.seconds, "commits_per_transaction": 2,
                        "script": CLAW_SQL_SCRIPT.replace("e" * 300, "<300 x e>").replace("c" * 200, "<200 x c>")}
            claw_sql.update(pgbench_run(cmd, args.database))
            os.remove(script)
            os.rmdir(os.path.dirname(script))
            print("pgbench, Claw's audit SQL: %s tps" % claw_sql.get("tps", "?"), file=sys.stderr)
    finally:
        if not args.keep:
            try:
                run(["dropdb", "--if-exists", args.database])
            except RuntimeError as e:
                print("bench_storage_peers.py: %s" % e, file=sys.stderr)

    result = {
        "started": started,
        "loadavg_start": load_start,
        "loadavg_end": loadavg(),
        "env": env,
        "settings": settings,
        "database": args.database,
        "scale": args.scale,
        "init_seconds": round(init_seconds, 1),
        "pgbench": runs,
        "claw_audit_sql": claw_sql,
    }

    lines = [
        "| peer operation | tps | latency average | transactions | failed | clients / threads | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append("| pgbench -N (simple-update), %d client%s | %s | %s | %s | %s | %d / %d | %d |" % (
            r["clients"], "" if r["clients"] == 1 else "s", "%.1f" % r["tps"] if "tps" in r else "–",
            "%.3f ms" % r["latency_ms"] if "latency_ms" in r else "–",
            "{:,}".format(r["transactions"]) if "transactions" in r else "–", r.get("failed", "–"),
            r["clients"], r["threads"], r["seconds"]))
    if claw_sql:
        r = claw_sql
        lines.append("| pgbench, Claw's audit-append SQL (INSERT + checkpoint upsert, 2 commits), -M extended, 1 client | "
                     "%s | %s | %s | %s | 1 / 1 | %d |" % (
                         "%.1f" % r["tps"] if "tps" in r else "–",
                         "%.3f ms" % r["latency_ms"] if "latency_ms" in r else "–",
                         "{:,}".format(r["transactions"]) if "transactions" in r else "–", r.get("failed", "–"),
                         r["seconds"]))
    lines.append("")
    lines.append("One pgbench -N transaction: BEGIN; UPDATE pgbench_accounts; SELECT from pgbench_accounts; INSERT into "
                 "pgbench_history; END (one commit). Scale %d (%s accounts), initialized in %.1f s in database %s, "
                 "CHECKPOINT before each run; query mode %s." % (
                     args.scale, "{:,}".format(args.scale * 100000), init_seconds, args.database,
                     (runs[0].get("query_mode") if runs else None) or "simple"))
    if claw_sql:
        lines.append("")
        lines.append("Claw's audit-append SQL: per script run, the INSERT of a 300-character line into a table shaped like "
                     "claw_audit_entries and the upsert of a 200-character checkpoint, each its own committed transaction "
                     "(2 commits); tps counts script runs (appends). No HMAC, no JSON, no Swift driver.")
    lines.append("")
    lines.append("Server: PostgreSQL %s on %s (scripts/with-postgres); %s. Settings: %s. Load average %s at start, "
                 "%s at end; started %s." % (
                     env["server_version"], env["server"], env["pgbench"],
                     ", ".join("%s=%s" % kv for kv in settings.items()), load_start, result["loadavg_end"], started))
    md = "\n".join(lines) + "\n"
    print(md, end="")
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(md)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
