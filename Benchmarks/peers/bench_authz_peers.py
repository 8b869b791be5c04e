#!/usr/bin/env python3
"""Peer figures for the authorization benchmarks (capability tokens and policy decisions) of
ClawSecurityBenchmarks, measured on the same machine in the same session.

What is measured, each the counterpart of a benchmark in
Benchmarks/Benchmarks/ClawSecurityBenchmarks/AuthorizationBenchmarks.swift:

* pymacaroons: the same token as Claw's (same root key, identifier, location "claw" and the same five
  caveat texts, so the same signature and the same V2 bytes): mint + 5 caveats, with and without V2
  serialization; V2 serialization; deserialize V2 binary, V1 binary and V2 JSON; verify (pre-deserialized);
  deserialize V2 + verify. The Verifier is built once and compares 4 caveats as exact strings plus one
  general predicate for `expires < …`, the cheapest way pymacaroons verifies (Claw parses and checks each
  caveat against the request). Also the floor: the 7 HMAC-SHA256 of the chain with stdlib hmac.digest.
* Policy, N = 10 / 100 / 1000: N permission-per-principal permits plus 3 forbids that override permits,
  8 requests cycled (4 allowed by a permit, 2 forbidden although a permit matches, 2 with no permit); the
  scenario of the earlier peer measurements. Every engine's answers are asserted against a reference.
  - cedarpy: is_authorized with a PolicySet handle and `Type::"id"` entity ids (the primary row); the same
    with {"type","id"} dicts; Cedar's own timer around its authorizer (metrics.authz_duration_micros,
    whole µs, the engine without the Python binding); PolicySet.from_str parse time.
  - casbin: Enforcer.enforce (every rule through simpleeval) and FastEnforcer with an index on obj.
  Figures are per decision: the time of the 8 requests ÷ 8.

Timing as in bench_peers.py: each figure is the MEDIAN of REPS repetitions (7 by default) of a tight loop
after a warm-up, timed with the calling thread's CPU clock (time.thread_time_ns); the wall clock is kept
beside it (wall_over_cpu > 1 shows how much other load stretched it). Figures are in ns.

Usage: bench_authz_peers.py [--json PATH] [--markdown PATH]   (env: REPS=7, POLICY_SIZES=10,100,1000)
Prints a markdown table on stdout.
"""
import argparse
import gc
import hmac
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from importlib.metadata import version

import casbin
import cedarpy
from casbin.model import FastModel, Model
from pymacaroons import MACAROON_V1, MACAROON_V2, Macaroon, Verifier
from pymacaroons.exceptions import MacaroonInvalidSignatureException, MacaroonUnmetCaveatException
from pymacaroons.serializers import BinarySerializer, JsonSerializer

REPS = int(os.environ.get("REPS", "7"))
SIZES = [int(x) for x in os.environ.get("POLICY_SIZES", "10,100,1000").split(",")]


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


def bench_ns(fn, n, per_call=1, warmup=None):
    """ns per operation: median over REPS loops of n calls of fn(), each call doing per_call operations."""
    for _ in range(warmup if warmup is not None else max(1, n // 10)):
        fn()
    cpu, wall = [], []
    for _ in range(REPS):
        c, w = time_loop(fn, n)
        cpu.append(c / n / per_call)
        wall.append(w / n / per_call)
    med = statistics.median(cpu)
    return {
        "ns_per_op": round(med, 1),
        "min": round(min(cpu), 1),
        "max": round(max(cpu), 1),
        "wall_ns_per_op": round(statistics.median(wall), 1),
        "wall_over_cpu": round(statistics.median(wall) / med, 2) if med else None,
        "reps": REPS,
        "n": n,
        "ops_per_call": per_call,
        "clock": "thread_cpu",
    }


# ---------------------------------------------------------------- macaroons
# The same bytes as TokenScenario in AuthorizationBenchmarks.swift.
KEY = b"claw-benchmark-capability-root-key-0123456789abcdef"
IDENTIFIER = "key-id-2026-11/agent-7f3a"
LOCATION = "claw"
CAVEATS = [
    "permissions = web_read,web_fetch",
    "skill = researcher",
    "workflow_run = wf-42",
    "chain_depth <= 3",
    "expires < 2099-01-01T00:00:00Z",
]
NOW = "2026-06-01T00:00:00Z"  # the Swift verifier's fixed clock
# The V2 text of this token; TokenScenario.expectedV2 in the Swift benchmarks holds the same, so both sides
# time the very same token.
EXPECTED_V2 = ("AgEEY2xhdwIZa2V5LWlkLTIwMjYtMTEvYWdlbnQtN2YzYQACIHBlcm1pc3Npb25zID0gd2ViX3JlYWQsd2ViX2ZldGNoAAISc2tpbGwgPSByZXNl"
               "YXJjaGVyAAIUd29ya2Zsb3dfcnVuID0gd2YtNDIAAhBjaGFpbl9kZXB0aCA8PSAzAAIeZXhwaXJlcyA8IDIwOTktMDEtMDFUMDA6MDA6MDBaAAAG"
               "IFS-QQyFCFYLNdWG21w8-bI2li6drO3-ZkhkegI1eb-a")
BIN = BinarySerializer()
JSN = JsonSerializer()


def mint(version=MACAROON_V2):
    m = Macaroon(location=LOCATION, identifier=IDENTIFIER, key=KEY, version=version)
    for c in CAVEATS:
        m.add_first_party_caveat(c)
    return m


def not_expired(predicate):
    # "expires < <RFC 3339 UTC>": fixed-format UTC times compare lexically.
    return predicate.startswith("expires < ") and NOW < predicate[len("expires < "):]


def make_verifier():
    v = Verifier()
    for c in CAVEATS[:4]:
        v.satisfy_exact(c)
    v.satisfy_general(not_expired)
    return v


def macaroon_section():
    res = {}
    verifier = make_verifier()
    m = mint()
    v2 = m.serialize(BIN)
    v1 = mint(MACAROON_V1).serialize(BIN)
    js = m.serialize(JSN)
    assert v2 == EXPECTED_V2, v2
    for text, ser in ((v2, BIN), (v1, BIN), (js, JSN)):
        assert verifier.verify(Macaroon.deserialize(text, ser), KEY)
    # A request outside the caveats must fail, as in the Swift benchmark's precondition.
    strict = Verifier()
    for c in CAVEATS[1:4]:
        strict.satisfy_exact(c)
    strict.satisfy_general(not_expired)
    try:
        strict.verify(Macaroon.deserialize(v2, BIN), KEY)
        raise AssertionError("a token with an unmet caveat verified")
    except (MacaroonUnmetCaveatException, MacaroonInvalidSignatureException):
        pass

    res["pymacaroons mint + 5 caveats + serialize V2"] = bench_ns(lambda: mint().serialize(BIN), 5000)
    res["pymacaroons mint + 5 caveats (no serialize)"] = bench_ns(mint, 5000)
    res["pymacaroons serialize V2 binary (5 caveats)"] = bench_ns(lambda: m.serialize(BIN), 10000)
    res["pymacaroons verify 5 caveats (deserialized)"] = bench_ns(lambda: verifier.verify(m, KEY), 5000)
    res["pymacaroons deserialize V2 binary (5 caveats)"] = bench_ns(lambda: Macaroon.deserialize(v2, BIN), 5000)
    res["pymacaroons deserialize V1 binary (5 caveats)"] = bench_ns(lambda: Macaroon.deserialize(v1, BIN), 5000)
    res["pymacaroons deserialize V2 JSON (5 caveats)"] = bench_ns(lambda: Macaroon.deserialize(js, JSN), 5000)
    res["pymacaroons deserialize V2 + verify 5 caveats"] = bench_ns(
        lambda: verifier.verify(Macaroon.deserialize(v2, BIN), KEY), 5000)

    idb = IDENTIFIER.encode()
    cb = [c.encode() for c in CAVEATS]

    def hmac_chain():
        k = hmac.digest(b"macaroons-key-generator", KEY, "sha256")
        s = hmac.digest(k, idb, "sha256")
        for c in cb:
            s = hmac.digest(s, c, "sha256")
        return s

    assert hmac_chain().hex() == m.signature
    res["floor: 7 x hmac.digest HMAC-SHA256 (the chain)"] = bench_ns(hmac_chain, 20000)
    meta = {"token_v2": v2, "token_v2_bytes": len(v2), "signature_hex": m.signature}
    return res, meta


# ---------------------------------------------------------------- policy
ACTIONS = ["read", "write", "call", "list"]
# forbids: (principal or None = any, action or None = any, resource)
FORBIDS = [(None, "exec", "shell"), ("agent0", None, "secrets"), (None, "write", "res3")]
REQS_PER_CALL = 8


def permits(n):
    agents = max(1, n // 10)
    out = [("agent0", "read", "secrets"), ("agent%d" % (1 % agents), "exec", "shell")]
    for i in range(2, n):
        out.append(("agent%d" % (i % agents), ACTIONS[i % 4], "res%d" % i))
    return out


def requests(n):
    ps = permits(n)
    pick = [ps[2], ps[n // 3], ps[n // 2], ps[n - 1]]
    pick = [p for p in pick if not (p[1] == "write" and p[2] == "res3")]
    while len(pick) < 4:
        pick.append(ps[2 + len(pick) % max(1, n - 2)])
    reqs = list(pick)
    reqs += [ps[0], ps[1]]  # forbidden over a permit
    reqs += [("agent0", "list", "res999999"), ("nobody", "read", ps[2][2])]  # no permit
    return reqs[:REQS_PER_CALL]


def reference(n, req):
    sub, act, obj = req
    for fs, fa, fo in FORBIDS:
        if (fs is None or fs == sub) and (fa is None or fa == act) and fo == obj:
            return False
    return (sub, act, obj) in set(permits(n))


def cedar_policies(n):
    lines = []
    for i, (s, a, o) in enumerate(permits(n)):
        lines.append('@id("p%d")\npermit(principal == Agent::"%s", action == Action::"%s", resource == Resource::"%s");'
                     % (i, s, a, o))
    for j, (s, a, o) in enumerate(FORBIDS):
        ps = 'principal == Agent::"%s"' % s if s else "principal"
        as_ = 'action == Action::"%s"' % a if a else "action"
        lines.append('@id("f%d")\nforbid(%s, %s, resource == Resource::"%s");' % (j, ps, as_, o))
    return "\n".join(lines)


CASBIN_MODEL = """
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act, eft

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = (p.sub == "*" || r.sub == p.sub) && r.obj == p.obj && (p.act == "*" || r.act == p.act)
"""


def casbin_enforcer(n, fast=False):
    if fast:
        # Index on obj (field 1): every rule names a concrete obj, so the index is exact; sub and act
        # carry '*' wildcards in the forbids and cannot be indexed.
        m = FastModel([1])
        m.load_model_from_text(CASBIN_MODEL)
        e = casbin.FastEnforcer(m, cache_key_order=[1])
    else:
        m = Model()
        m.load_model_from_text(CASBIN_MODEL)
        e = casbin.Enforcer(m)
    rules = [[s, o, a, "allow"] for (s, a, o) in permits(n)]
    rules += [[s or "*", o, a or "*", "deny"] for (s, a, o) in FORBIDS]
    e.add_policies(rules)
    return e


def policy_size(n):
    reqs = requests(n)
    expect = [reference(n, r) for r in reqs]
    assert expect == [True] * 4 + [False] * 4, expect
    k = REQS_PER_CALL
    # loop counts: a repetition takes roughly 0.05-0.5 s on this machine
    loops = max(5, 4000 // n)
    out = {}

    text = cedar_policies(n)
    ps = cedarpy.PolicySet.from_str(text)
    ents = cedarpy.Entities.from_json_str("[]")
    sreqs = [{"principal": 'Agent::"%s"' % s, "action": 'Action::"%s"' % a, "resource": 'Resource::"%s"' % o,
              "context": {}} for (s, a, o) in reqs]
    dreqs = [{"principal": {"type": "Agent", "id": s}, "action": {"type": "Action", "id": a},
              "resource": {"type": "Resource", "id": o}} for (s, a, o) in reqs]
    assert [cedarpy.is_authorized(r, ps, ents).allowed for r in sreqs] == expect
    assert [cedarpy.is_authorized(r, ps, ents).allowed for r in dreqs] == expect
    out["cedarpy is_authorized, PolicySet handle"] = bench_ns(
        lambda: [cedarpy.is_authorized(r, ps, ents) for r in sreqs], loops, per_call=k)
    out["cedarpy is_authorized, PolicySet handle, dict entity ids"] = bench_ns(
        lambda: [cedarpy.is_authorized(r, ps, ents) for r in dreqs], loops, per_call=k)
    mets = sorted(m for m in (x.metrics.get("authz_duration_micros")
                              for x in cedarpy.is_authorized_batch(dreqs * 50, ps, ents)) if m is not None)
    if mets:
        med = mets[len(mets) // 2]
        out["Cedar engine self-reported authz time"] = {
            "ns_per_op": med * 1000.0, "min": mets[0] * 1000.0, "max": mets[-1] * 1000.0,
            "clock": "cedar metrics.authz_duration_micros (whole µs, median of %d decisions)" % len(mets)}
    out["cedarpy PolicySet.from_str"] = bench_ns(lambda: cedarpy.PolicySet.from_str(text), max(3, loops // 8), warmup=1)
    out["cedarpy PolicySet.from_str"]["policies"] = n + len(FORBIDS)

    e = casbin_enforcer(n)
    creqs = [(s, o, a) for (s, a, o) in reqs]
    assert [e.enforce(*q) for q in creqs] == expect
    out["casbin Enforcer.enforce"] = bench_ns(lambda: [e.enforce(*q) for q in creqs], max(3, loops // 5), per_call=k,
                                              warmup=1)
    fe = casbin_enforcer(n, fast=True)
    assert [fe.enforce(*q) for q in creqs] == expect
    out["casbin FastEnforcer (obj index)"] = bench_ns(lambda: [fe.enforce(*q) for q in creqs], loops, per_call=k)
    return out


def policy_section():
    return {"n%d" % n: policy_size(n) for n in SIZES}


# ---------------------------------------------------------------- report
def fmt_ns(ns):
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    if ns >= 1000:
        return "%.2f µs" % (ns / 1000)
    return "%.0f ns" % ns


def markdown(doc):
    lines = [
        "| peer operation | median | min–max | wall clock median | wall ÷ cpu | clock |",
        "|---|---|---|---|---|---|",
    ]
    rows = list(doc["macaroons"].items())
    for size, r in doc["policy"].items():
        rows += [("%s, N=%s" % (name, size[1:]), v) for name, v in r.items()]
    for name, r in rows:
        wall = fmt_ns(r["wall_ns_per_op"]) if "wall_ns_per_op" in r else "–"
        ratio = ("%.2f" % r["wall_over_cpu"]) if r.get("wall_over_cpu") else "–"
        lines.append("| %s | %s | %s–%s | %s | %s | %s |" % (
            name, fmt_ns(r["ns_per_op"]), fmt_ns(r["min"]), fmt_ns(r["max"]), wall, ratio, r["clock"]))
    env = doc["env"]
    lines += [
        "",
        "Python %s, pymacaroons %s (PyNaCl %s), cedarpy %s, casbin %s (simpleeval %s); policy figures are per "
        "decision (8 requests ÷ 8); load average %s at start, %s at end; started %s."
        % (env["python"], env["pymacaroons"], env["PyNaCl"], env["cedarpy"], env["casbin"], env["simpleeval"],
           env["loadavg_start"], env["loadavg_end"], env["started_utc"]),
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
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "pymacaroons": version("pymacaroons"),
        "PyNaCl": version("PyNaCl"),
        "cedarpy": version("cedarpy"),
        "casbin": version("casbin"),
        "simpleeval": version("simpleeval"),
        "reps": REPS,
        "policy_sizes": SIZES,
    }
    print("measuring pymacaroons ...", file=sys.stderr)
    mac, mac_meta = macaroon_section()
    print("measuring cedarpy and casbin (N = %s) ..." % ",".join(map(str, SIZES)), file=sys.stderr)
    pol = policy_section()
    env["loadavg_end"] = loadavg()
    doc = {"env": env, "macaroons": mac, "macaroon_token": mac_meta, "policy": pol}
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
