#!/usr/bin/env python3
"""Peer figures for HTML-to-text throughput, measured on the same machine in the same session as the Swift
benchmarks, on the same corpus (html_corpus.py: 200 pages of Debian's python3.11-doc).

What is measured, one pass over all pages with each page converted separately (as a gateway would):

* nh3.clean(page, tags=set()): ammonia (Rust) with no allowed tags; script/style content is removed, the
  output is still HTML-escaped text (&lt;, &amp;).
* nh3.Cleaner(tags=set()) built once and reused (where this nh3 has Cleaner).
* lxml.html.document_fromstring(page).text_content(): libxml2's HTML parser; keeps script/style text.
* lxml, with every <script> and <style> dropped (drop_tree) before text_content().

Throughput is MB/s = 10^6 UTF-8 input bytes (the corpus's byte count) ÷ the time of one pass.

Timing as in bench_peers.py: each figure is the MEDIAN of REPS repetitions (5 by default); a repetition times
one pass after a warm-up pass, with the calling thread's CPU clock (time.thread_time_ns) primary, which leaves
out time the thread sat descheduled; the wall clock (time.perf_counter_ns) is kept beside it, and
wall/cpu > 1 shows how much other load stretched it.

Usage: bench_html_peers.py [--json PATH] [--markdown PATH] [--pages LIST]   (env: REPS=5, HTML_GLOB, N_PAGES)
--pages reads the page paths from a list written by `html_corpus.py --list` instead of selecting them again.
Prints a markdown table on stdout.
"""
import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from importlib.metadata import version

import lxml.etree
import lxml.html
import nh3

import html_corpus

REPS = int(os.environ.get("REPS", "5"))


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


# ---------------------------------------------------------------- timing
def time_pass(fn):
    gc.collect()
    w0, c0 = time.perf_counter_ns(), time.thread_time_ns()
    out = fn()
    c1, w1 = time.thread_time_ns(), time.perf_counter_ns()
    return c1 - c0, w1 - w0, out


def bench_mbps(fn, nbytes):
    """MB/s (10^6 bytes) of one fn() call over nbytes: median over REPS passes after one warm-up pass."""
    _, _, out = time_pass(fn)
    cpu, wall = [], []
    for _ in range(REPS):
        c, w, _ = time_pass(fn)
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
        "ms_per_pass": round(med_cpu / 1e6, 2),
        "wall_ms_per_pass": round(med_wall / 1e6, 2),
        "bytes": nbytes,
        "reps": REPS,
        "clock": "thread_cpu",
        "output_chars": sum(len(x) for x in out),
    }


# ---------------------------------------------------------------- peers
def peers(pages):
    runs = {}

    def nh3_clean():
        return [nh3.clean(p, tags=set()) for p in pages]

    runs["nh3.clean(tags=set())"] = nh3_clean
    try:
        cleaner = nh3.Cleaner(tags=set())

        def nh3_cleaner():
            return [cleaner.clean(p) for p in pages]

        runs["nh3.Cleaner(tags=set()) reused"] = nh3_cleaner
    except (AttributeError, TypeError):
        print("nh3 %s has no Cleaner(tags=...): row skipped" % version("nh3"), file=sys.stderr)

    def lxml_text():
        return [lxml.html.document_fromstring(p).text_content() for p in pages]

    def lxml_drop_text():
        out = []
        for p in pages:
            doc = lxml.html.document_fromstring(p)
            for el in doc.xpath("//script|//style"):
                el.drop_tree()
            out.append(doc.text_content())
        return out

    runs["lxml.html text_content()"] = lxml_text
    runs["lxml.html drop script/style + text_content()"] = lxml_drop_text
    return runs


# ---------------------------------------------------------------- report
def markdown(doc):
    lines = [
        "| peer operation | median | min–max | wall clock median | wall ÷ cpu | clock |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in doc["html_to_text"].items():
        ratio = ("%.2f" % r["wall_over_cpu"]) if r.get("wall_over_cpu") else "–"
        lines.append("| %s | %.1f MB/s | %.1f–%.1f MB/s | %.1f MB/s | %s | %s |" % (
            name, r["MBps"], r["min"], r["max"], r["wall_MBps"], ratio, r["clock"]))
    env, c = doc["env"], doc["corpus"]
    lines += [
        "",
        "Corpus: %d pages, %s bytes (UTF-8), sha256 %s, from %s; each page converted separately, MB = 10^6 input "
        "bytes. Python %s, nh3 %s, lxml %s (libxml2 %s); median of %d passes after a warm-up; load average %s at "
        "start, %s at end; started %s."
        % (c["pages"], format(c["bytes"], ","), c["sha256"], c["source"], env["python"], env["nh3"], env["lxml"],
           env["libxml2"], env["reps"], env["loadavg_start"], env["loadavg_end"], env["started_utc"]),
    ]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="write the results as JSON here")
    ap.add_argument("--markdown", help="also write the markdown table here")
    ap.add_argument("--pages", metavar="LIST", help="page paths from `html_corpus.py --list` (default: select them)")
    args = ap.parse_args()

    paths = html_corpus.read_list(args.pages) if args.pages else html_corpus.html_files()
    pages = html_corpus.load_pages(paths)
    cid = html_corpus.corpus_id(pages)
    cid["source"] = os.path.abspath(args.pages) if args.pages else cid["glob"]
    env = {
        "started_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "loadavg_start": loadavg(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "nh3": version("nh3"),
        "lxml": version("lxml"),
        "libxml2": ".".join(map(str, lxml.etree.LIBXML_VERSION)),
        "reps": REPS,
    }
    print("measuring HTML to text on %d pages, %d bytes (sha256 %s) ..." % (cid["pages"], cid["bytes"], cid["sha256"]),
          file=sys.stderr)
    res = {name: bench_mbps(fn, cid["bytes"]) for name, fn in peers(pages).items()}
    env["loadavg_end"] = loadavg()
    doc = {
        "env": env,
        "corpus": cid,
        "html_to_text": res,
        "notes": "nh3 output is HTML-escaped text with script/style content removed; lxml text_content() keeps "
                 "script/style text unless those elements are dropped first",
    }
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
