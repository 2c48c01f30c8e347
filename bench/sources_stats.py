"""Counts over every shared SaudiNewsNet article: agency credits by agency, publisher rows by outlet,
cited sources by kind (and the most frequent cited canonical names), rows by method (rules, crf, metadata).

    python bench/sources_stats.py [--limit N] [--top 15]

Reads the zips in place (CC BY-NC-SA 4.0 text is never copied); skips cleanly when they are absent.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from eval_sources import iter_articles, saudinewsnet_zips  # noqa: E402
from pipeline.core.clean import clean_text  # noqa: E402
from pipeline.core.sources import SourceExtractor, SourceSettings, sentences_for  # noqa: E402


def collect(limit: int | None = None, settings: SourceSettings | None = None) -> dict:
    extractor = SourceExtractor(settings or SourceSettings())
    credits, publishers, kinds, cited_names, cues, methods, quoted = (Counter() for _ in range(7))
    docs = rows_total = docs_with_credit = docs_with_cited = 0
    t0 = time.perf_counter()
    for _zip, rec in iter_articles():
        if limit is not None and docs >= limit:
            break
        docs += 1
        text = clean_text(rec.get("content") or "").text
        rows = extractor.extract(rec["url"], text, sentences_for(rec["url"], text),
                                 outlet=rec.get("source"), url=rec.get("url"))
        rows_total += len(rows)
        has_credit = has_cited = False
        for r in rows:
            methods[r.method] += 1
            if r.role == "agency_credit":
                credits[r.canonical] += 1
                has_credit = True
            elif r.role == "publisher":
                publishers[f"{r.canonical} ({r.text})"] += 1
            else:
                kinds[r.kind] += 1
                cited_names[(r.kind, r.canonical)] += 1
                cues[r.cue] += 1
                quoted[r.method] += r.quote is not None
                has_cited = True
        docs_with_credit += has_credit
        docs_with_cited += has_cited
    elapsed = time.perf_counter() - t0
    return dict(documents=docs, rows=rows_total, seconds=elapsed, agency_credits=credits, publishers=publishers,
                cited_by_kind=kinds, cited_names=cited_names, cues=cues, methods=methods, quoted=quoted, docs_with_credit=docs_with_credit,
                docs_with_cited=docs_with_cited)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args(argv)
    if not saudinewsnet_zips():
        print("shared SaudiNewsNet data absent: nothing to count")
        return 0
    res = collect(args.limit)
    n = res["documents"]
    print(f"{n} articles, {res['rows']} source rows in {res['seconds']:.1f} s ({n / res['seconds']:.0f} docs/s)")
    print(f"articles with an agency credit: {res['docs_with_credit']}; with >= 1 cited source: {res['docs_with_cited']}")
    print("rows by method: " + ", ".join(f"{m} {c}" for m, c in res["methods"].most_common()))
    print("cited rows with a quote, by method: " + ", ".join(f"{m} {c}" for m, c in res["quoted"].most_common()))
    print("\nagency credits by agency:")
    for name, c in res["agency_credits"].most_common():
        print(f"  {c:6d}  {name}")
    print("\npublisher rows by outlet:")
    for name, c in res["publishers"].most_common():
        print(f"  {c:6d}  {name}")
    print("\ncited sources by kind:")
    for name, c in res["cited_by_kind"].most_common():
        print(f"  {c:6d}  {name}")
    print(f"\ntop {args.top} cited sources (kind, canonical):")
    for (kind, name), c in res["cited_names"].most_common(args.top):
        print(f"  {c:6d}  {kind:12s} {name}")
    print(f"\ntop {args.top} cues:")
    for name, c in res["cues"].most_common(args.top):
        print(f"  {c:6d}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
