#!/usr/bin/env python3
"""The HTML corpus shared by the HTML-to-text benchmarks (Swift and peers): 200 real pages of the Python
documentation from Debian's python3.11-doc package, chosen deterministically.

Selection (the same as the earlier peer measurements' corpus.py, so the figures stay comparable): the sorted
set of realpaths matching /usr/share/doc/python3*/html/**/*.html, then every k-th file with
step = len(files) / 200, taking index int(i * step) for i in 0..199 (all files if there are 200 or fewer).
With python3.11-doc 3.11.2 that is 200 of 530 files, 21,259,889 bytes, sha256 prefix c3ea1e7fa1f166c6.

Corpus id: pages, total UTF-8 bytes and the first 16 hex digits of the sha256 over the pages in order, each
read as bytes, decoded as UTF-8 with errors="replace" and re-encoded as UTF-8. Bytes are counted the same way.

Only the standard library is used, so any python3 can run it (run.sh runs it before the Swift half, which
reads the list file).

Usage: html_corpus.py [--list OUT]   (env: HTML_GLOB, N_PAGES=200)
Prints the corpus id; with --list, also writes the absolute paths of the pages, one per line, to OUT.
Exits with status 1 and says how to install the pages (apt-get install -y python3.11-doc) when there are none.
"""
import argparse
import glob
import hashlib
import os
import sys

DOC_GLOB = os.environ.get("HTML_GLOB", "/usr/share/doc/python3*/html/**/*.html")
N_PAGES = int(os.environ.get("N_PAGES", "200"))
INSTALL_HINT = "apt-get install -y python3.11-doc"


class NoCorpus(SystemExit):
    def __init__(self):
        super().__init__("no HTML corpus: no file matches %s; install it with `%s` (as root; "
                         "`apt-get update` first)" % (DOC_GLOB, INSTALL_HINT))


def html_files():
    """Absolute realpaths of the selected pages, in corpus order."""
    files = sorted(set(os.path.realpath(p) for p in glob.glob(DOC_GLOB, recursive=True)))
    if not files:
        raise NoCorpus()
    if len(files) <= N_PAGES:
        return files
    step = len(files) / N_PAGES
    return [files[int(i * step)] for i in range(N_PAGES)]


def read_list(path):
    """The paths of a list file written by --list (blank lines ignored)."""
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def load_pages(paths=None):
    """The pages as str (UTF-8, errors replaced), in corpus order."""
    pages = []
    for p in paths if paths is not None else html_files():
        with open(p, "rb") as f:
            pages.append(f.read().decode("utf-8", errors="replace"))
    return pages


def corpus_id(pages):
    h = hashlib.sha256()
    nbytes = 0
    for p in pages:
        b = p.encode("utf-8")
        h.update(b)
        nbytes += len(b)
    return {"pages": len(pages), "bytes": nbytes, "sha256": h.hexdigest()[:16], "glob": DOC_GLOB}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--list", metavar="OUT", help="write the absolute paths of the pages here, one per line")
    args = ap.parse_args()
    paths = html_files()
    cid = corpus_id(load_pages(paths))
    if args.list:
        out = os.path.abspath(args.list)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        tmp = out + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("".join(p + "\n" for p in paths))
        os.replace(tmp, out)
    print("html corpus: %d pages, %d bytes, sha256 %s (%s)%s" % (
        cid["pages"], cid["bytes"], cid["sha256"], cid["glob"], "; list: %s" % out if args.list else ""))


if __name__ == "__main__":
    sys.exit(main())
