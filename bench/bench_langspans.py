"""Throughput of ``LanguageSegmenter.segment`` alone, one process, one core.

    python bench/bench_langspans.py [--max-sentences N] [--repeat R]

Sentences: the SaudiNewsNet zips under the shared data directory (``NEWSCORPUS_SHARED_DATA`` or
``<repo>/../shared/data``; each zip holds one JSON array of objects with ``content``, split naively
on ``. ! ? ؟`` and newlines) plus the gold set ``tests/data/langid_gold.jsonl``. Prints sentences
per second (best of ``--repeat`` passes), the language mix found, and the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _snn import iter_articles, saudinewsnet_zips, shared_data_dir  # noqa: E402
from pipeline.core.langspans import LanguageSegmenter, LanguageSettings  # noqa: E402

_SPLIT = re.compile(r"[^.!?؟\n]+[.!?؟]*")


def load_documents(max_sentences: int) -> list[tuple[str, list[tuple[int, int]]]]:
    """(text, sentence bounds) per article, naive split, up to ``max_sentences`` sentences."""
    docs = []
    total = 0
    if not saudinewsnet_zips():
        print(f"note: no SaudiNewsNet zips under {shared_data_dir()} (set NEWSCORPUS_SHARED_DATA); gold set only")
    for _, art in iter_articles():
        text = art.get("content") or ""
        bounds = []
        for m in _SPLIT.finditer(text):
            a, b = m.span()
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if b > a:
                bounds.append((a, b))
        if bounds:
            docs.append((text, bounds))
            total += len(bounds)
        if total >= max_sentences:
            return docs
    return docs


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"nproc={os.cpu_count()}, CPU={cpu}, Python {platform.python_version()}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-sentences", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    seg = LanguageSegmenter(LanguageSettings())
    load_s = time.perf_counter() - t0
    docs = load_documents(args.max_sentences)
    gold = REPO / "tests" / "data" / "langid_gold.jsonl"
    gold_texts = []
    if gold.exists():
        for line in gold.open(encoding="utf-8"):
            if line.strip():
                t = json.loads(line)["text"]
                gold_texts.append(t)
                docs.append((t, [(0, len(t))]))
    n = sum(len(b) for _, b in docs)
    chars = sum(b - a for _, bs in docs for a, b in bs)
    print(f"machine: {machine()}")
    print(f"model load: {load_s:.2f} s; sentences: {n:,} ({chars / max(n, 1):.0f} chars on average)")

    best = float("inf")
    langs: Counter = Counter()
    spans = 0
    for r in range(args.repeat):
        langs.clear()
        spans = 0
        t0 = time.perf_counter()
        for text, bounds in docs:
            for a, b in bounds:
                res = seg.segment(text, a, b)
                langs[res.lang] += 1
                spans += len(res.spans)
        dt = time.perf_counter() - t0
        best = min(best, dt)
        print(f"  pass {r + 1}: {dt:.2f} s = {n / dt:,.0f} sentences/s")
    print(f"segment(): {n / best:,.0f} sentences/s on one core (best of {args.repeat}; target >= 5,000)")
    print(f"spans per sentence: {spans / max(n, 1):.2f}; sentence languages: {dict(langs.most_common(12))}")
    if gold_texts:
        # the gold set alone: mostly sentences that miss the Arabic-only fast path (fa, ur, Latin, mixed)
        best_g = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            for _ in range(20):
                for t in gold_texts:
                    seg.segment(t, 0, len(t))
            best_g = min(best_g, time.perf_counter() - t0)
        print(f"gold set only (fa/ur/Latin/mixed, full path): {20 * len(gold_texts) / best_g:,.0f} sentences/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
