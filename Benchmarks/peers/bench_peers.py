#!/usr/bin/env python3
"""Peer figures for ClawSecurityBenchmarks, measured on the same machine in the same session.

What is measured, each the counterpart of a Swift benchmark in
Benchmarks/Benchmarks/ClawSecurityBenchmarks:

* `openssl speed -evp aes-256-gcm -bytes 256|4096`: bulk mode (one cipher context, no per-message
  IV or tag), and the same with `-aead` (IV, AAD, update and tag per message).
* Python `cryptography` AESGCM encrypt/decrypt of 256 B and 4 KiB.
* AlexClaw's "enc:" value for a 64-byte secret: os.urandom(12) IV + AESGCM + base64 + prefix.
* HKDF-SHA256 deriving 32 bytes (`cryptography`), as KeyRing.key(for:) does.
* pyotp: generate at a fixed time, verify(valid_window=1) of the right and of a wrong code.
* hmac.compare_digest of two 32-byte values.

Timing: each figure is the MEDIAN of REPS repetitions (7 by default); a repetition times a tight loop
of n calls after a warm-up and divides by n. The primary clock is the calling thread's CPU time
(time.thread_time_ns), which leaves out time the thread sat descheduled; the wall clock
(time.perf_counter_ns) is kept next to it, and wall/cpu > 1 shows how much other load stretched it.
openssl speed divides by user CPU time unless told -elapsed; its figure is turned into ns per message.

Usage: bench_peers.py [--json PATH] [--markdown PATH]   (env: REPS=7, OPENSSL_REPS=5, OPENSSL_SECONDS=1)
Prints a markdown table on stdout.
"""
import argparse
import base64
import gc
import hmac
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib.metadata import version

import pyotp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

REPS = int(os.environ.get("REPS", "7"))
OPENSSL_REPS = int(os.environ.get("OPENSSL_REPS", "5"))
OPENSSL_SECONDS = os.environ.get("OPENSSL_SECONDS", "1")

# The same fixed inputs as the Swift benchmarks, where the peer takes them.
SECRET_KEY_BASE = b"claw-benchmark-secret-key-base-0123456789abcdefghijklmnopqrstuvw"
assert len(SECRET_KEY_BASE) == 64


def payload(count):
    """Deterministic filler bytes, as payload(_:) in the Swift benchmarks."""
    return bytes((i * 31 + 7) & 0xFF for i in range(count))


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


# ---------------------------------------------------------------- timing
def time_loop(fn, n):
    gc.collect()
    w0, c0 = time.perf_counter_ns(), time.thread_time_ns()
    for _ in range(n):
        fn()
    c1, w1 = time.thread_time_ns(), time.perf_counter_ns()
    return c1 - c0, w1 - w0


def bench_ns(fn, n):
    """ns per call of fn(): median over REPS loops of n calls, thread CPU clock primary."""
    for _ in range(max(1, n // 10)):
        fn()
    cpu, wall = [], []
    for _ in range(REPS):
        c, w = time_loop(fn, n)
        cpu.append(c / n)
        wall.append(w / n)
    med = statistics.median(cpu)
    return {
        "ns_per_op": round(med, 1),
        "min": round(min(cpu), 1),
        "max": round(max(cpu), 1),
        "wall_ns_per_op": round(statistics.median(wall), 1),
        "wall_over_cpu": round(statistics.median(wall) / med, 2) if med else None,
        "reps": REPS,
        "n": n,
        "clock": "thread_cpu",
    }


# ---------------------------------------------------------------- openssl speed
def openssl_speed(extra, nbytes):
    cmd = ["openssl", "speed", "-mr", "-seconds", OPENSSL_SECONDS, "-bytes", str(nbytes)] + extra
    rates = []
    for _ in range(OPENSSL_REPS):
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        m = re.search(r"^\+F:\d+:[^:]+:([0-9.]+)", out, re.M)
        if not m:
            raise RuntimeError("unexpected openssl speed output:\n" + out)
        rates.append(float(m.group(1)))  # bytes per second
    ns = sorted(nbytes / r * 1e9 for r in rates)
    med = statistics.median(rates)
    return {
        "cmd": " ".join(cmd),
        "ns_per_op": round(nbytes / med * 1e9, 1),
        "min": round(ns[0], 1),
        "max": round(ns[-1], 1),
        "MBps": round(med / 1e6, 1),
        "reps": OPENSSL_REPS,
        "clock": "wall" if "-elapsed" in extra else "user_cpu",
    }


def openssl_section():
    res = {}
    for n in (256, 4096):
        res["openssl speed -evp aes-256-gcm -bytes %d (bulk)" % n] = openssl_speed(["-evp", "aes-256-gcm"], n)
        res["openssl speed -aead -evp aes-256-gcm -bytes %d (per message)" % n] = openssl_speed(
            ["-aead", "-evp", "aes-256-gcm"], n)
    # One wall-clock row shows how much the load on the machine stretches openssl's own figure.
    res["openssl speed -elapsed -evp aes-256-gcm -bytes 4096 (bulk, wall clock)"] = openssl_speed(
        ["-elapsed", "-evp", "aes-256-gcm"], 4096)
    return res


# ---------------------------------------------------------------- python
def hkdf_key(info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"\x00" * 32, info=info).derive(SECRET_KEY_BASE)


def python_section():
    res = {}
    g = AESGCM(hkdf_key(b"claw config encryption"))
    nonce = os.urandom(12)
    for n, label in ((256, "256 B"), (4096, "4 KiB")):
        pt = payload(n)
        ct = g.encrypt(nonce, pt, None)
        assert g.decrypt(nonce, ct, None) == pt
        res["cryptography AESGCM.encrypt %s (fixed nonce)" % label] = bench_ns(lambda: g.encrypt(nonce, pt, None), 50000)
        res["cryptography AESGCM.encrypt %s (os.urandom nonce)" % label] = bench_ns(
            lambda: g.encrypt(os.urandom(12), pt, None), 50000)
        res["cryptography AESGCM.decrypt %s" % label] = bench_ns(lambda: g.decrypt(nonce, ct, None), 50000)

    # AlexClaw's stored format for a 64-byte setting, key already derived (as SecretBox holds it).
    alex = AESGCM(hkdf_key(b"AlexClaw.Config.Crypto"))
    value = payload(64)

    def enc_value():
        iv = os.urandom(12)
        return "enc:" + base64.b64encode(iv + alex.encrypt(iv, value, None)).decode("ascii")

    sealed = enc_value()
    raw = base64.b64decode(sealed[4:])
    assert alex.decrypt(raw[:12], raw[12:], None) == value
    res['"enc:" value 64 B (os.urandom IV + AESGCM + base64)'] = bench_ns(enc_value, 50000)

    def enc_open():
        r = base64.b64decode(sealed[4:])
        return alex.decrypt(r[:12], r[12:], None)

    res['"enc:" value 64 B open (base64 + AESGCM.decrypt)'] = bench_ns(enc_open, 50000)

    info = b"claw config encryption"
    res["cryptography HKDF-SHA256 derive 32 B"] = bench_ns(
        lambda: HKDF(algorithm=hashes.SHA256(), length=32, salt=b"\x00" * 32, info=info).derive(SECRET_KEY_BASE),
        30000)

    # TOTP: SHA-1, 6 digits, 30 s, the same 20-byte secret and time as the Swift benchmarks.
    totp = pyotp.TOTP(base64.b32encode(payload(20)).decode("ascii"))
    t = 1_750_000_000
    right = totp.at(t)
    window = {totp.at(t, counter_offset=k) for k in (-1, 0, 1)}
    wrong = next(c for c in ("%06d" % ((int(right) + 1 + k) % 10**6) for k in range(10**6)) if c not in window)
    assert totp.verify(right, for_time=t, valid_window=1)
    assert not totp.verify(wrong, for_time=t, valid_window=1)
    res["pyotp TOTP.at (generate, SHA1, 6 digits)"] = bench_ns(lambda: totp.at(t), 20000)
    res["pyotp verify(valid_window=1), right code"] = bench_ns(
        lambda: totp.verify(right, for_time=t, valid_window=1), 20000)
    res["pyotp verify(valid_window=1), wrong code"] = bench_ns(
        lambda: totp.verify(wrong, for_time=t, valid_window=1), 20000)

    a, b = payload(32), payload(32)
    res["hmac.compare_digest 32 B"] = bench_ns(lambda: hmac.compare_digest(a, b), 200000)
    return res


# ---------------------------------------------------------------- report
def fmt_ns(ns):
    if ns >= 1000:
        return "%.2f µs" % (ns / 1000)
    return "%.0f ns" % ns if ns >= 10 else "%.1f ns" % ns


def markdown(doc):
    lines = [
        "| peer operation | median | min–max | wall clock median | wall ÷ cpu | clock |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in list(doc["openssl"].items()) + list(doc["python"].items()):
        wall = fmt_ns(r["wall_ns_per_op"]) if "wall_ns_per_op" in r else "–"
        ratio = ("%.2f" % r["wall_over_cpu"]) if r.get("wall_over_cpu") else "–"
        lines.append("| %s | %s | %s–%s | %s | %s | %s |" % (
            name, fmt_ns(r["ns_per_op"]), fmt_ns(r["min"]), fmt_ns(r["max"]), wall, ratio, r["clock"]))
    env = doc["env"]
    lines += [
        "",
        "Python %s, cryptography %s (%s), pyotp %s, %s; load average %s at start, %s at end; started %s."
        % (env["python"], env["cryptography"], env["cryptography_openssl"], env["pyotp"], env["openssl_cli"],
           env["loadavg_start"], env["loadavg_end"], env["started_utc"]),
    ]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="write the results as JSON here")
    ap.add_argument("--markdown", help="also write the markdown table here")
    args = ap.parse_args()

    from cryptography.hazmat.backends.openssl.backend import backend

    env = {
        "started_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "loadavg_start": loadavg(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "cryptography": version("cryptography"),
        "cryptography_openssl": backend.openssl_version_text(),
        "pyotp": version("pyotp"),
        "openssl_cli": subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip(),
        "reps": REPS,
        "openssl_reps": OPENSSL_REPS,
    }
    print("measuring openssl speed (%d × %d configurations × %s s) ..." % (OPENSSL_REPS, 5, OPENSSL_SECONDS),
          file=sys.stderr)
    ossl = openssl_section()
    print("measuring Python peers ...", file=sys.stderr)
    py = python_section()
    env["loadavg_end"] = loadavg()
    doc = {"env": env, "openssl": ossl, "python": py}
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
