#!/usr/bin/env python3
"""The text the pattern-scan benchmarks (Swift and peers) search: the html.parser text of the 200 pages of
html_corpus.py, with each phrase of the pattern file planted once in random letter case.

Made as the earlier peer measurements made theirs (their corpus.py's scan_text), so the figures stay
comparable, but with the phrases of Claw's pattern file instead of that script's fixed 101:

* each page (read as bytes, decoded as UTF-8 with errors="replace") goes through html.parser
  (convert_charrefs=True), keeping the data outside <script>, <style>, <template> and <noscript>;
  the pages' texts are joined by "\\n";
* the phrases are the pattern file's, lower-cased, duplicates dropped (file order kept);
* with random.Random(SEED), SEED = 101: one cut position per phrase, rng.randrange(0, len(text)) each,
  sorted; then the phrases in the order rng.sample(phrases, len(phrases)); each planted at its cut as
  " " + phrase + " ", each letter upper-cased when rng.random() < 0.5;
* written as UTF-8 to OUT (default Benchmarks/.corpus/scan-text.txt), through a temporary file.

Only the standard library is used (any python3 runs it; run.sh runs it before the Swift half, which reads
the text file).

Usage: scan_corpus.py [--patterns FILE] [--pages LIST] [--out OUT]   (env: HTML_GLOB, N_PAGES=200)
--patterns: default <repo>/Fixtures/garak/injection_patterns.json. --pages: page paths from
`html_corpus.py --list` (default: select them again). Prints one line: bytes, sha256 prefix, phrases.
"""
import argparse
import hashlib
import json
import os
import random
import sys
from html.parser import HTMLParser

import html_corpus

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = os.path.dirname(HERE)
REPO = os.path.dirname(BENCHMARKS)
DEFAULT_PATTERNS = os.path.join(REPO, "Fixtures", "garak", "injection_patterns.json")
DEFAULT_OUT = os.path.join(BENCHMARKS, ".corpus", "scan-text.txt")
SEED = 101


class TextExtractor(HTMLParser):
    """html.parser text, script/style/template/noscript content dropped (as the earlier corpus.py)."""
    SKIP = {"script", "style", "template", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_to_text(page):
    p = TextExtractor()
    p.feed(page)
    p.close()
    return "".join(p.parts)


def load_phrases(path):
    """The pattern file's phrases, lower-cased, duplicates dropped, in file order."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("patterns"), list):
        raise SystemExit("%s: not a pattern file (no \"patterns\" array)" % path)
    seen, phrases = set(), []
    for p in doc["patterns"]:
        phrase = p["phrase"].lower()
        if phrase not in seen:
            seen.add(phrase)
            phrases.append(phrase)
    if not phrases:
        raise SystemExit("%s: no phrases" % path)
    return phrases


def plain_text(pages):
    return "\n".join(html_to_text(p) for p in pages)


def plant(text, phrases, seed=SEED):
    """Each phrase once, at a random position, in random letter case (deterministic for a seed)."""
    rng = random.Random(seed)
    cuts = sorted(rng.randrange(0, len(text)) for _ in phrases)
    out, prev = [], 0
    for cut, ph in zip(cuts, rng.sample(phrases, len(phrases))):
        out.append(text[prev:cut])
        out.append(" " + "".join(c.upper() if rng.random() < 0.5 else c for c in ph) + " ")
        prev = cut
    out.append(text[prev:])
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--patterns", default=DEFAULT_PATTERNS, help="pattern file (default: %(default)s)")
    ap.add_argument("--pages", metavar="LIST", help="page paths from `html_corpus.py --list` (default: select them)")
    ap.add_argument("--out", default=DEFAULT_OUT, help="where to write the text (default: %(default)s)")
    args = ap.parse_args()

    phrases = load_phrases(args.patterns)
    paths = html_corpus.read_list(args.pages) if args.pages else html_corpus.html_files()
    pages = html_corpus.load_pages(paths)
    data = plant(plain_text(pages), phrases).encode("utf-8")

    out = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, out)
    with open(args.patterns, "rb") as f:
        patterns_sha = hashlib.sha256(f.read()).hexdigest()[:16]
    print("scan text: %d bytes, sha256 %s; %d pages, %d phrases planted (%s, sha256 %s); %s" % (
        len(data), hashlib.sha256(data).hexdigest()[:16], len(pages), len(phrases), os.path.abspath(args.patterns),
        patterns_sha, out))


if __name__ == "__main__":
    sys.exit(main())
