#!/usr/bin/env python3
"""Peer figures for the pattern scan (layer 6's phrase matching), measured on the same machine in the same
session as the Swift benchmarks, over the same text and the same phrases as ClawSanitizerBenchmarks'
"InjectionPatternMatcher scan (scan text)".

The text is the file scan_corpus.py writes (Benchmarks/.corpus/scan-text.txt: the html.parser text of
html_corpus.py's 200 pages with each phrase planted once in random case); the phrases are the pattern file's
(default <repo>/Fixtures/garak/injection_patterns.json), lower-cased, duplicates dropped. Each row counts every
match (overlapping ones too) in one full scan of the whole text:

* pyahocorasick on pre-lowered text: Automaton.iter over text.lower() made beforehand (pyahocorasick has no
  case folding of its own).
* pyahocorasick incl. str.lower(): the same, lowering the text inside the timed pass.
* hyperscan literal, CASELESS, bytes: one block-mode database of the phrases as literals (HS_FLAG_CASELESS,
  ASCII case folding), scanning the UTF-8 bytes, a Python callback counting each match.
* hyperscan literal incl. UTF-8 encode: the same, encoding the str inside the timed pass.

Neither peer folds Unicode, punctuation or spacing, nor checks word boundaries: they count the phrases as
substrings (so "jailbroken" is found inside "jailbrokenness"). Every engine must find every phrase at least
once, or the text was made from another pattern file (then rerun scan_corpus.py).

Throughput is MB/s = 10^6 UTF-8 text bytes (the file's size) ÷ the time of one scan. Timing as in
bench_html_peers.py: each figure is the MEDIAN of REPS scans (5 by default) after a warm-up scan, with the
calling thread's CPU clock (time.thread_time_ns) primary; the wall clock (time.perf_counter_ns) is kept beside
it, and wall/cpu > 1 shows how much other load stretched it.

Usage: bench_pattern_peers.py [--json PATH] [--markdown PATH] [--text FILE] [--patterns FILE]   (env: REPS=5)
Prints a markdown table on stdout.
"""
import argparse
import collections
import gc
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version

import ahocorasick

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = os.path.dirname(HERE)
REPO = os.path.dirname(BENCHMARKS)
DEFAULT_PATTERNS = os.path.join(REPO, "Fixtures", "garak", "injection_patterns.json")
DEFAULT_TEXT = os.path.join(BENCHMARKS, ".corpus", "scan-text.txt")
REPS = int(os.environ.get("REPS", "5"))

AC_PRELOWERED = "pyahocorasick on pre-lowered text"
AC_LOWER = "pyahocorasick incl. str.lower()"
HS_BYTES = "hyperscan literal, CASELESS, bytes"
HS_ENCODE = "hyperscan literal incl. UTF-8 encode"


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


def pkg_version(name):
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    fl = set(line.split(":", 1)[1].split())
                    return sorted(fl & {"ssse3", "sse4_2", "avx2", "avx512f", "avx512bw", "avx512vbmi"})
    except OSError:
        pass
    return []


# ---------------------------------------------------------------- timing
def time_pass(fn):
    gc.collect()
    w0, c0 = time.perf_counter_ns(), time.thread_time_ns()
    out = fn()
    c1, w1 = time.thread_time_ns(), time.perf_counter_ns()
    return c1 - c0, w1 - w0, out


def bench_mbps(fn, nbytes):
    """MB/s (10^6 bytes) of one fn() scan over nbytes: median over REPS scans after one warm-up scan.
    fn returns the number of matches; every scan must return the same."""
    _, _, matches = time_pass(fn)
    cpu, wall = [], []
    for _ in range(REPS):
        c, w, m = time_pass(fn)
        assert m == matches, (m, matches)
        cpu.append(c)
        wall.append(w)
    mbps = sorted(nbytes / (c / 1e9) / 1e6 for c in cpu)
    med_cpu, med_wall = statistics.median(cpu), statistics.median(wall)
    return {
        "MBps": round(nbytes / (med_cpu / 1e9) / 1e6, 2),
        "min": round(mbps[0], 2),
        "max": round(mbps[-1], 2),
        "wall_MBps": round(nbytes / (med_wall / 1e9) / 1e6, 2),
        "wall_over_cpu": round(med_wall / med_cpu, 2) if med_cpu else None,
        "ms_per_pass": round(med_cpu / 1e6, 3),
        "wall_ms_per_pass": round(med_wall / 1e6, 3),
        "bytes": nbytes,
        "reps": REPS,
        "clock": "thread_cpu",
        "matches": matches,
    }


# ---------------------------------------------------------------- inputs
def load_phrases(path):
    """The pattern file's phrases, lower-cased, duplicates dropped, in file order (as scan_corpus.py)."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    seen, phrases = set(), []
    for p in doc["patterns"]:
        phrase = p["phrase"].lower()
        if phrase not in seen:
            seen.add(phrase)
            phrases.append(phrase)
    return phrases, doc.get("source", "")


# ---------------------------------------------------------------- peers
def measure(text, data, phrases):
    lower = text.lower()
    nbytes = len(data)
    res, found, per_phrase, info = {}, {}, {}, {}

    automaton = ahocorasick.Automaton()
    for i, p in enumerate(phrases):
        automaton.add_word(p, i)
    automaton.make_automaton()

    def ac_count(s):
        n = 0
        for _end, _idx in automaton.iter(s):
            n += 1
        return n

    counts = collections.Counter(idx for _end, idx in automaton.iter(lower))
    found["pyahocorasick"] = set(counts)
    per_phrase["pyahocorasick"] = counts
    res[AC_PRELOWERED] = bench_mbps(lambda: ac_count(lower), nbytes)
    res[AC_LOWER] = bench_mbps(lambda: ac_count(text.lower()), nbytes)

    info["cpu_flags"] = cpu_flags()
    try:
        import hyperscan

        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        db.compile(expressions=[p.encode("utf-8") for p in phrases], ids=list(range(len(phrases))),
                   flags=hyperscan.HS_FLAG_CASELESS, literal=True)
        scratch = hyperscan.Scratch(db)
        counter = [0]
        hs_counts = collections.Counter()

        def on_match(idx, frm, to, flags, ctx=None):
            counter[0] += 1
            return None

        def on_match_record(idx, frm, to, flags, ctx=None):
            hs_counts[idx] += 1
            return None

        db.scan(data, match_event_handler=on_match_record, scratch=scratch)
        found["hyperscan"] = set(hs_counts)
        per_phrase["hyperscan"] = hs_counts

        def hs_scan():
            counter[0] = 0
            db.scan(data, match_event_handler=on_match, scratch=scratch)
            return counter[0]

        def hs_scan_incl_encode():
            counter[0] = 0
            db.scan(text.encode("utf-8"), match_event_handler=on_match, scratch=scratch)
            return counter[0]

        res[HS_BYTES] = bench_mbps(hs_scan, nbytes)
        res[HS_ENCODE] = bench_mbps(hs_scan_incl_encode, nbytes)
        info["runs"] = True
    except Exception as e:  # noqa: BLE001 (no wheel for this platform, or a CPU without SSSE3)
        info["runs"] = False
        info["error"] = repr(e)
        print("hyperscan rows skipped: %r" % e, file=sys.stderr)
    return res, found, per_phrase, info


# ---------------------------------------------------------------- report
def markdown(doc):
    lines = [
        "| peer operation | median | min–max | wall clock median | wall ÷ cpu | matches counted | clock |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in doc["pattern_scan"].items():
        ratio = ("%.2f" % r["wall_over_cpu"]) if r.get("wall_over_cpu") else "–"
        lines.append("| %s | %.1f MB/s | %.1f–%.1f MB/s | %.1f MB/s | %s | %s | %s |" % (
            name, r["MBps"], r["min"], r["max"], r["wall_MBps"], ratio, "{:,}".format(r["matches"]), r["clock"]))
    env, t, p = doc["env"], doc["text"], doc["patterns"]
    repeated = doc["repeated_phrases"]
    lines += [
        "",
        "Text: %s, %s bytes (UTF-8), sha256 %s; %d phrases from %s (sha256 %s), each planted once; MB = 10^6 text "
        "bytes. Python %s, pyahocorasick %s, hyperscan %s; median of %d scans after a warm-up; load average %s at "
        "start, %s at end; started %s."
        % (t["path"], format(t["bytes"], ","), t["sha256"], p["phrases"], p["path"], p["sha256"], env["python"],
           env["pyahocorasick"], env["hyperscan"], env["reps"], env["loadavg_start"], env["loadavg_end"],
           env["started_utc"]),
        "",
        "Phrases found more than once (pyahocorasick's substring counts on the lowered text): %s."
        % (", ".join("\"%s\" %d×" % (k, v) for k, v in repeated.items()) or "none"),
    ]
    if not doc["hyperscan"].get("runs"):
        lines += ["", "Hyperscan did not run: %s." % doc["hyperscan"].get("error")]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="write the results as JSON here")
    ap.add_argument("--markdown", help="also write the markdown table here")
    ap.add_argument("--text", default=DEFAULT_TEXT, help="the scan text, from scan_corpus.py (default: %(default)s)")
    ap.add_argument("--patterns", default=DEFAULT_PATTERNS, help="pattern file (default: %(default)s)")
    args = ap.parse_args()

    try:
        with open(args.text, "rb") as f:
            data = f.read()
    except OSError as e:
        raise SystemExit("bench_pattern_peers.py: cannot read the scan text (%s); make it with "
                         "`python3 Benchmarks/peers/scan_corpus.py`" % e)
    text = data.decode("utf-8")
    with open(args.patterns, "rb") as f:
        patterns_sha = hashlib.sha256(f.read()).hexdigest()[:16]
    phrases, source = load_phrases(args.patterns)
    env = {
        "started_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "loadavg_start": loadavg(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "pyahocorasick": pkg_version("pyahocorasick"),
        "hyperscan": pkg_version("hyperscan"),
        "reps": REPS,
    }
    print("measuring the pattern scan: %d phrases over %d bytes ..." % (len(phrases), len(data)), file=sys.stderr)
    res, found, per_phrase, hs_info = measure(text, data, phrases)
    env["loadavg_end"] = loadavg()

    missing = {engine: [phrases[i] for i in range(len(phrases)) if i not in ids] for engine, ids in found.items()}
    if any(missing.values()):
        raise SystemExit("bench_pattern_peers.py: phrases of %s not found in %s (made from another pattern file? "
                         "rerun scan_corpus.py): %s" % (args.patterns, args.text,
                                                         {k: v[:10] for k, v in missing.items() if v}))
    ac = per_phrase["pyahocorasick"]
    repeated = {phrases[i]: n for i, n in sorted(ac.items(), key=lambda kv: (-kv[1], kv[0])) if n > 1}
    disagree = {}
    if "hyperscan" in per_phrase:
        hs = per_phrase["hyperscan"]
        disagree = {phrases[i]: {"pyahocorasick": ac.get(i, 0), "hyperscan": hs.get(i, 0)}
                    for i in range(len(phrases)) if ac.get(i, 0) != hs.get(i, 0)}
    doc = {
        "env": env,
        "text": {"path": os.path.abspath(args.text), "bytes": len(data), "characters": len(text),
                 "sha256": hashlib.sha256(data).hexdigest()[:16]},
        "patterns": {"path": os.path.abspath(args.patterns), "source": source, "phrases": len(phrases),
                     "sha256": patterns_sha},
        "pattern_scan": res,
        "phrases_found": {engine: len(ids) for engine, ids in found.items()},
        "repeated_phrases": repeated,
        "per_phrase_disagreements": disagree,
        "hyperscan": hs_info,
        "notes": "each peer counts every (overlapping) occurrence of each phrase as a substring, ASCII case "
                 "folded; no Unicode folding, no punctuation or spacing tolerance, no word boundaries",
    }
    table = markdown(doc)
    sys.stdout.write(table)
    for path, write in ((args.json, lambda f: (json.dump(doc, f, indent=2, ensure_ascii=False), f.write("\n"))),
                        (args.markdown, lambda f: f.write(table))):
        if path:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                write(f)


if __name__ == "__main__":
    main()
