#!/usr/bin/env python3
"""Peer figures for ClawGuardBenchmarks, measured on the same machine in the same session, over the same fixed
inputs (the lists below repeat Benchmarks/Benchmarks/ClawGuardBenchmarks/ClawGuardBenchmarks.swift's; this script
checks that every one of them appears there as a string literal):

* Addresses, 20 IPv4/IPv6 literals (public, private, loopback, link-local, CGNAT, documentation; IPv4-mapped,
  NAT64 and 6to4 forms):
  * `ipaddress.ip_address(x)`, beside `IPAddress(parsing:)`;
  * `ipaddress.ip_address(x)` then `.is_global` and `.is_private`, beside `IPAddress(parsing:)?.classification`;
  * a guard check in plain Python, beside `NetworkAddressGuard().check(host: "example.com", resolved: [x])`: the
    host lower-cased and stripped of brackets and a trailing dot, refused if a metadata name, tried as a literal
    (ip_address, ValueError caught), then each resolved address parsed and refused unless `.is_global` (raising
    PermissionError with a reason). Python's ipaddress may judge some forms differently from Claw (CPython
    3.11.7 does not look through 6to4, 2002::/16, to the IPv4 address it carries, so it allows
    2002:c0a8:010a::1, which embeds 192.168.1.10): the JSON and the table list such literals; the timing is over
    the same 20 literals either way.
* Shell, the same 8 rules and the same 10 allowed and 10 refused lines:
  * `shlex.split(line)` over the allowed lines, beside `ShellCommandGuard.tokenize`;
  * `shlex.split` plus a naive matcher, beside `ShellCommandGuard.check(_:)`: one regular-expression search of the
    raw line for the ASCII metacharacters ``; | & $ ` < > ( ) { } * ? ~ ! \\`` and C0 controls, shlex.split
    (ValueError on an unterminated quote), a program with '/' refused, then the first rule whose program matches
    and whose patterns match the arguments one for one with fnmatch.fnmatchcase (rest marker "..."; a pattern
    starting with a wildcard does not match an argument starting with '-', '@' or '+'). It does LESS checking than Claw: no Unicode category
    checks (format, bidirectional, non-ASCII spaces, unassigned), no length or argument-count limits, and no
    approved-command value or reasons naming the character class; shlex also understands backslash escapes that
    Claw refuses. Its verdicts must still agree with Claw's on these 20 lines (checked).
* Chat, the same 20 messages: a split-based Python parser of the same commands (`/help`, `/run NAME [input]`,
  `/approve [ID] CODE`, a bare 6–8 digit code, free text, ...), beside `ChatCommand(parsing:)`: a reference
  figure, not a peer library. Its results must name the same tool as Claw's for each message (checked).

Timing as in bench_peers.py: each figure is the MEDIAN of REPS repetitions (7 by default); a repetition times a
tight loop of n passes over the whole list after a warm-up, with the calling thread's CPU clock
(time.thread_time_ns) primary and the wall clock (time.perf_counter_ns) beside it, and divides by n × the list's
length: ns per input, the mean over the list, as the Swift benchmarks report it.

Usage: bench_guard_peers.py [--json PATH] [--markdown PATH]   (env: REPS=7)
Prints a markdown table on stdout. Standard library only.
"""
import argparse
import fnmatch
import gc
import ipaddress
import json
import os
import platform
import re
import shlex
import statistics
import sys
import time
from datetime import datetime, timezone

REPS = int(os.environ.get("REPS", "7"))
HERE = os.path.dirname(os.path.abspath(__file__))
SWIFT_SOURCE = os.path.join(os.path.dirname(HERE), "Benchmarks", "ClawGuardBenchmarks", "ClawGuardBenchmarks.swift")

# ---------------------------------------------------------------- inputs (as in ClawGuardBenchmarks.swift)
# (literal, Claw's NetworkAddressGuard allows it)
ADDRESS_LITERALS = [
    ("93.184.215.14", True),
    ("8.8.8.8", True),
    ("10.1.2.3", False),
    ("192.168.1.10", False),
    ("127.0.0.1", False),
    ("169.254.169.254", False),
    ("100.64.0.1", False),
    ("203.0.113.7", False),
    ("2606:4700:4700::1111", True),
    ("2001:4860:4860::8888", True),
    ("2a00:1450:4001:82a::200e", True),
    ("::1", False),
    ("fd12:3456:789a::1", False),
    ("fe80::1ff:fe23:4567:890a", False),
    ("2001:db8::1", False),
    ("::ffff:8.8.8.8", True),
    ("::ffff:10.0.0.1", False),
    ("::ffff:127.0.0.1", False),
    ("64:ff9b::5db8:d70e", True),
    ("2002:c0a8:010a::1", False),
]

SHELL_RULES = [
    "git status",
    "git log --oneline -n *",
    "git diff ...",
    "ls",
    "ls -la *",
    "cat *",
    "grep -n * *",
    "curl -s https://*",
]

ALLOWED_SHELL_LINES = [
    "git status",
    "git log --oneline -n 5",
    "git diff --stat origin/main",
    "ls",
    "ls -la src",
    "cat README.md",
    "grep -n 'hello world' Sources/main.swift",
    "curl -s https://example.com/feed.xml",
    "git  log  --oneline  -n  20",
    'cat "notes for today.txt"',
]

REFUSED_SHELL_LINES = [
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

# (message, the tool Claw's ChatCommand names for it)
CHAT_MESSAGES = [
    ("/help", "help"),
    ("/start", "help"),
    ("/status", "status"),
    ("/skills", "skills"),
    ("/workflows", "workflows"),
    ("/runs", "runs"),
    ("/run daily-digest summarize the top stories", "run"),
    ("/cancel run-42", "cancel"),
    ("/shell git log --oneline -n 5", "shell"),
    ("/setup 2fa", "setup_2fa"),
    ("/confirm 2fa 123456", "confirm_2fa"),
    ("/approve a1b2c3 654321", "approve"),
    ("/approve 654321", "approve"),
    ("/deny a1b2c3", "deny"),
    ("123456", "approve"),
    ("/help@claw_bot", "help"),
    ("/frobnicate now", "unknown"),
    ("/cancel", "malformed"),
    ("What's on my calendar tomorrow?", "chat"),
    ("  please fetch https://example.com and summarize it  ", "chat"),
]


def swift_literal(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check_inputs_match_swift():
    """Every input must appear in the Swift benchmark's source as a string literal (None when the file is missing)."""
    try:
        with open(SWIFT_SOURCE, encoding="utf-8") as f:
            source = f.read()
    except OSError:
        return None
    inputs = ([a for a, _ in ADDRESS_LITERALS] + SHELL_RULES + ALLOWED_SHELL_LINES + REFUSED_SHELL_LINES
              + [m for m, _ in CHAT_MESSAGES])
    missing = [x for x in inputs if swift_literal(x) not in source]
    if missing:
        sys.exit("bench_guard_peers.py: inputs not in %s: %r" % (SWIFT_SOURCE, missing))
    return len(inputs)


# ---------------------------------------------------------------- the Python counterparts
METADATA_HOST_NAMES = frozenset({"metadata.google.internal", "metadata", "instance-data"})


def py_network_check(host, resolved):
    """NetworkAddressGuard.check(host:resolved:) in plain Python, with ipaddress's is_global as the rule."""
    name = host.lower()
    if len(name) >= 2 and name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if len(name) > 1 and name.endswith("."):
        name = name[:-1]
    if name in METADATA_HOST_NAMES:
        raise PermissionError("host '%s' is a metadata service name: refused" % name)
    addresses = []
    try:
        addresses.append(ipaddress.ip_address(name))
    except ValueError:
        pass
    for text in resolved:
        try:
            addresses.append(ipaddress.ip_address(text))
        except ValueError:
            raise PermissionError("host '%s' resolved to something that is not an IP address" % name) from None
    if not addresses:
        raise PermissionError("host '%s' has no address to check: refused" % name)
    for address in addresses:
        if not address.is_global:
            raise PermissionError("host '%s' resolves to a non-global address (%s): refused" % (name, address))


SHELL_META = re.compile(r"[;|&$`<>(){}*?~!\\\x00-\x1f\x7f]")


def parse_rule(text):
    tokens = shlex.split(text)
    rest = len(tokens) > 1 and tokens[-1] == "..."
    return tokens[0], tuple(tokens[1:-1] if rest else tokens[1:]), rest


RULES = [parse_rule(r) for r in SHELL_RULES]
RULE_PROGRAMS = frozenset(p for p, _, _ in RULES)


def py_shell_check(line):
    """shlex.split plus a naive fnmatch argv matcher; returns (program, arguments) or raises PermissionError."""
    if SHELL_META.search(line):
        raise PermissionError("the command holds a shell metacharacter")
    try:
        argv = shlex.split(line)
    except ValueError:
        raise PermissionError("the command has an unterminated quote") from None
    if not argv:
        raise PermissionError("the command is empty")
    program, arguments = argv[0], argv[1:]
    if "/" in program and program not in RULE_PROGRAMS:
        raise PermissionError("the program '%s' is not allowed" % program)
    for rule_program, patterns, rest in RULES:
        if rule_program != program:
            continue
        if (len(arguments) < len(patterns)) if rest else (len(arguments) != len(patterns)):
            continue
        for pattern, argument in zip(patterns, arguments):
            if pattern[:1] in ("*", "?") and argument[:1] in ("-", "@", "+"):
                break
            if not fnmatch.fnmatchcase(argument, pattern):
                break
        else:
            return program, arguments
    raise PermissionError("no rule for '%s' allows these %d arguments" % (program, len(arguments)))


def py_chat_command(raw):
    """A split-based parser of Claw's chat commands; returns (tool, arguments...)."""
    text = raw[:8192].strip()
    if 6 <= len(text) <= 8 and text.isascii() and text.isdigit():
        return ("approve", None, text)
    if not text.startswith("/"):
        return ("chat", text)
    parts = text[1:].split(None, 1)
    head = parts[0] if parts else ""
    rest = parts[1].strip() if len(parts) > 1 else ""
    name = head.split("@", 1)[0].lower()
    words = rest.split()
    if name in ("help", "start"):
        return ("help",)
    if name in ("status", "skills", "workflows", "runs"):
        return (name,)
    if name == "run":
        if not words:
            return ("malformed", "/run NAME [input]")
        return ("run", words[0], rest[len(words[0]):].strip())
    if name == "cancel":
        return ("cancel", words[0]) if len(words) == 1 else ("malformed", "/cancel ID")
    if name == "shell":
        return ("shell", rest) if rest else ("malformed", "/shell CMD")
    if name == "setup":
        if not words or words[0].lower() != "2fa" or len(words) > 2:
            return ("malformed", "/setup 2fa [CODE]")
        return ("setup_2fa", words[1] if len(words) == 2 else None)
    if name in ("confirm", "disable"):
        if len(words) == 2 and words[0].lower() == "2fa":
            return (name + "_2fa", words[1])
        return ("malformed", "/%s 2fa CODE" % name)
    if name == "approve":
        if len(words) == 1:
            return ("approve", None, words[0])
        if len(words) == 2:
            return ("approve", words[0], words[1])
        return ("malformed", "/approve ID CODE")
    if name == "deny":
        return ("deny", words[0]) if len(words) == 1 else ("malformed", "/deny ID")
    return ("unknown", name[:32])


# ---------------------------------------------------------------- timing
def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


def time_loop(fn, n):
    gc.collect()
    w0, c0 = time.perf_counter_ns(), time.thread_time_ns()
    for _ in range(n):
        fn()
    c1, w1 = time.thread_time_ns(), time.perf_counter_ns()
    return c1 - c0, w1 - w0


def bench_list(fn, inputs, n):
    """ns per input of fn over inputs: median over REPS loops of n passes over the whole list, thread CPU primary."""
    def one_pass():
        for x in inputs:
            fn(x)

    for _ in range(max(1, n // 10)):
        one_pass()
    cpu, wall = [], []
    per = n * len(inputs)
    for _ in range(REPS):
        c, w = time_loop(one_pass, n)
        cpu.append(c / per)
        wall.append(w / per)
    med = statistics.median(cpu)
    return {
        "ns_per_op": round(med, 1),
        "ops_per_s": round(1e9 / med) if med else None,
        "min": round(min(cpu), 1),
        "max": round(max(cpu), 1),
        "wall_ns_per_op": round(statistics.median(wall), 1),
        "wall_over_cpu": round(statistics.median(wall) / med, 2) if med else None,
        "reps": REPS,
        "passes": n,
        "inputs": len(inputs),
        "clock": "thread_cpu",
    }


def refused(fn, x):
    try:
        fn(x)
        return False
    except PermissionError:
        return True


# Row keys (compare.py reads them).
IP_PARSE = "ipaddress.ip_address"
IP_CLASSIFY = "ipaddress.ip_address + is_global + is_private"
NET_CHECK = "Python guard check (ip_address + is_global)"
SHLEX = "shlex.split (allowed lines)"
SHELL_ALLOWED = "shlex.split + fnmatch matcher (allowed lines)"
SHELL_REFUSED = "shlex.split + fnmatch matcher (refused lines)"
CHAT = "split-based chat parser (reference)"


def measure():
    literals = [a for a, _ in ADDRESS_LITERALS]

    # Verdicts: the shell and chat counterparts must agree with Claw; ipaddress's own judgement is recorded.
    python_allows = {a: not refused(lambda x: py_network_check("example.com", [x]), a) for a in literals}
    disagreements = [{"literal": a, "claw": "allowed" if claw else "refused",
                      "python": "allowed" if python_allows[a] else "refused"}
                     for a, claw in ADDRESS_LITERALS if python_allows[a] != claw]
    wrong = [l for l in ALLOWED_SHELL_LINES if refused(py_shell_check, l)]
    wrong += [l for l in REFUSED_SHELL_LINES if not refused(py_shell_check, l)]
    if wrong:
        sys.exit("bench_guard_peers.py: the shell matcher disagrees with Claw on %r" % wrong)
    wrong = [(m, py_chat_command(m)[0], tool) for m, tool in CHAT_MESSAGES if py_chat_command(m)[0] != tool]
    if wrong:
        sys.exit("bench_guard_peers.py: the chat parser disagrees with Claw on %r" % wrong)

    def classify(x):
        a = ipaddress.ip_address(x)
        return a.is_global, a.is_private

    def net_check(x):
        try:
            py_network_check("example.com", [x])
            return True
        except PermissionError as e:
            return e

    def shell_check(line):
        try:
            return py_shell_check(line)
        except PermissionError as e:
            return e

    messages = [m for m, _ in CHAT_MESSAGES]
    rows = {
        IP_PARSE: bench_list(ipaddress.ip_address, literals, 2000),
        IP_CLASSIFY: bench_list(classify, literals, 1000),
        NET_CHECK: bench_list(net_check, literals, 500),
        SHLEX: bench_list(shlex.split, ALLOWED_SHELL_LINES, 500),
        SHELL_ALLOWED: bench_list(shell_check, ALLOWED_SHELL_LINES, 500),
        SHELL_REFUSED: bench_list(shell_check, REFUSED_SHELL_LINES, 1000),
        CHAT: bench_list(py_chat_command, messages, 2000),
    }
    verdicts = {
        "network_allowed_claw": sum(1 for _, ok in ADDRESS_LITERALS if ok),
        "network_allowed_python": sum(1 for a in literals if python_allows[a]),
        "network_disagreements": disagreements,
        "shell_allowed": len(ALLOWED_SHELL_LINES),
        "shell_refused": len(REFUSED_SHELL_LINES),
        "chat_messages": len(messages),
    }
    return rows, verdicts


# ---------------------------------------------------------------- report
def fmt_ns(ns):
    if ns >= 1000:
        return "%.2f µs" % (ns / 1000)
    return "%.0f ns" % ns if ns >= 10 else "%.1f ns" % ns


def markdown(doc):
    lines = [
        "| peer operation (ns per input, mean over the list) | median | ops/s | min–max | wall clock median | wall ÷ cpu | inputs |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in doc["rows"].items():
        lines.append("| %s | %s | %s | %s–%s | %s | %.2f | %d |" % (
            name, fmt_ns(r["ns_per_op"]), "{:,}".format(r["ops_per_s"]), fmt_ns(r["min"]), fmt_ns(r["max"]),
            fmt_ns(r["wall_ns_per_op"]), r["wall_over_cpu"], r["inputs"]))
    v, env = doc["verdicts"], doc["env"]
    lines += [
        "",
        "NetworkAddressGuard allows %d of the %d literals; the Python check (is_global) allows %d%s." % (
            v["network_allowed_claw"], len(ADDRESS_LITERALS), v["network_allowed_python"],
            "" if not v["network_disagreements"] else "; they differ on " + ", ".join(
                "%s (Claw %s, Python %s)" % (d["literal"], d["claw"], d["python"]) for d in v["network_disagreements"])),
        "",
        "Python %s (%s); load average %s at start, %s at end; started %s; inputs checked against the Swift source: %s."
        % (env["python"], env["implementation"], env["loadavg_start"], env["loadavg_end"], env["started_utc"],
           "yes (%d strings)" % env["inputs_checked"] if env["inputs_checked"] else "no (source not found)"),
    ]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="write the results as JSON here")
    ap.add_argument("--markdown", help="also write the markdown table here")
    args = ap.parse_args()

    env = {
        "started_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "loadavg_start": loadavg(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "reps": REPS,
        "inputs_checked": check_inputs_match_swift(),
    }
    print("measuring the guard peers ...", file=sys.stderr)
    rows, verdicts = measure()
    env["loadavg_end"] = loadavg()
    doc = {"env": env, "rows": rows, "verdicts": verdicts}
    table = markdown(doc)
    sys.stdout.write(table)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2, ensure_ascii=False)
            f.write("\n")
    if args.markdown:
        os.makedirs(os.path.dirname(os.path.abspath(args.markdown)), exist_ok=True)
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(table)


if __name__ == "__main__":
    main()
