"""Deduplicate all shared SaudiNewsNet articles as they are: cluster counts, sizes, three examples.

    python bench/dedup_real.py [--limit N] [--cc-rounds R]
    python bench/dedup_real.py --compare     # + other settings on the real corpus (in-process reference)

Runs the Beam ``Deduplicate`` transform (FnApiRunner, in_memory) with the default settings on the
20,329 articles and prints: exact / near / mixed clusters, documents in clusters, a size histogram,
the stage counters, and three example clusters (ids, urls, first 80 characters, similarities).
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_dedup import beam_clusters, data_dir, real_documents, reference_clusters  # noqa: E402

from pipeline.core.minhash import DedupSettings  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--cc-rounds", type=int, default=None)
    ap.add_argument("--compare", action="store_true", help="also compare settings on the real corpus")
    args = ap.parse_args()
    if not (data_dir() / "saudinewsnet").is_dir():
        print(f"skipped: no shared data at {data_dir()} (set NEWSCORPUS_SHARED_DATA)")
        return 0
    docs = real_documents(args.limit)
    by_id = {d.doc_id: d for d in docs}
    s = DedupSettings()
    if args.cc_rounds is not None:
        s = dataclasses.replace(s, cc_rounds=args.cc_rounds)
    t0 = time.perf_counter()
    rows, counters, wall = beam_clusters(docs, s)
    print(f"{len(docs)} documents, Deduplicate in {wall:.1f}s (FnApiRunner in_memory, incl. start-up); "
          f"settings: {s}")
    kinds = Counter(r["kind"] for r in rows)
    in_clusters = sum(r["size"] for r in rows)
    status = Counter(m["dup_status"] for r in rows for m in r["members"])
    print(f"clusters: {len(rows)} ({dict(kinds)}); documents in clusters: {in_clusters} "
          f"({in_clusters / len(docs):.1%}); canonical {status['unique']}, exact_duplicate "
          f"{status['exact_duplicate']}, near_duplicate {status['near_duplicate']}; "
          f"documents a canonical_only run would drop: {in_clusters - len(rows)}")
    hist = Counter(r["size"] for r in rows)
    print("size histogram:", ", ".join(f"{k}: {v}" for k, v in sorted(hist.items())))
    print("counters:", dict(sorted(counters.items())))
    sims = sorted(m["similarity"] for r in rows for m in r["members"] if m["dup_status"] == "near_duplicate")
    if sims:
        print(f"near-duplicate similarity to canonical: min {sims[0]:.3f}, median {sims[len(sims) // 2]:.3f}")

    def show(title, row):
        print(f"\n-- {title}: {row['cluster_id']} kind={row['kind']} size={row['size']} "
              f"canonical={row['canonical_doc_id']} rule={row['canonical_rule']}")
        for m in row["members"][:6]:
            d = by_id[m["doc_id"]]
            flag = "*" if m["doc_id"] == row["canonical_doc_id"] else " "
            print(f" {flag} {m['doc_id']}  {m['dup_status']:<15} sim={m['similarity']:.3f}  {d.outlet}  {d.date_raw}  "
                  f"{d.url}\n      {d.text[:80]!r}")
        if row["size"] > 6:
            print(f"   ... {row['size'] - 6} more")

    rows.sort(key=lambda r: (-r["size"], r["cluster_id"]))
    for kind in ("exact", "near", "mixed"):
        # skip clusters of empty texts (236 articles of the corpus have no content; the clean stage
        # may reject them before dedup)
        candidates = [r for r in rows if r["kind"] == kind and by_id[r["canonical_doc_id"]].text.strip()]
        if kind == "near":  # the near cluster with the lowest similarity: the edge of what is joined
            candidates.sort(key=lambda r: min(m["similarity"] for m in r["members"]))
        if candidates:
            show(f"example {kind} cluster", candidates[0])
    print(f"\ntotal {time.perf_counter() - t0:.1f}s")
    if args.compare:
        compare_settings(docs)
    return 0


def compare_settings(docs) -> None:
    """Other settings on the real corpus. No labels here, so an independent check stands in: each
    non-exact (member, smallest member) pair in a cluster is 'doubtful' when difflib's word-sequence
    ratio on the first 400 words is < 0.5. Read by hand, such pairs are mostly two different write-ups
    of the same event (a royal decree and a statement about it; two reports of one ceremony), i.e.
    not copies. Pairs the default does not make are listed with their doubtful count."""
    import difflib

    by_id = {d.doc_id: d for d in docs}
    base = DedupSettings()
    variants = [
        ("default word5 20x5 t0.7", base),
        ("word5 14x8 (datatrove)", dataclasses.replace(base, num_perm=112, bands=14, rows=8)),
        ("word3", dataclasses.replace(base, shingle_size=3)),
        ("word7", dataclasses.replace(base, shingle_size=7)),
        ("char9", dataclasses.replace(base, shingle_unit="char", shingle_size=9)),
        ("word5 28x4", dataclasses.replace(base, num_perm=112, bands=28, rows=4)),
        ("word5 t0.6", dataclasses.replace(base, threshold=0.6)),
        ("word5 t0.8", dataclasses.replace(base, threshold=0.8)),
    ]
    cache: dict = {}

    def doubtful_pair(a, b):
        if (a, b) not in cache:
            wa, wb = by_id[a].norm_text.split()[:400], by_id[b].norm_text.split()[:400]
            cache[(a, b)] = difflib.SequenceMatcher(None, wa, wb, autojunk=False).ratio() < 0.5
        return cache[(a, b)]

    def pairs_of(clusters):
        out = set()
        for c in clusters:
            first = c[0]
            for other in c[1:]:
                if by_id[first].norm_text.split() != by_id[other].norm_text.split():
                    out.add((first, other))
        return out

    print("\n== settings on the real corpus (reference clustering; 'doubtful' = difflib word ratio < 0.5) ==")
    print(f"{'settings':<26}{'clusters':>9}{'docs in':>9}{'near pairs':>11}{'doubtful':>10}{'extra vs default':>22}{'s':>6}")
    default_pairs = None
    for name, st in variants:
        t1 = time.perf_counter()
        cl = reference_clusters(docs, st)
        el = time.perf_counter() - t1
        pairs = pairs_of(cl)
        doubtful = sum(doubtful_pair(a, b) for a, b in pairs)
        if default_pairs is None:
            default_pairs = pairs
            extra = "-"
        else:
            new = pairs - default_pairs
            extra = f"{len(new)} ({sum(doubtful_pair(a, b) for a, b in new)} doubtful)"
        print(f"{name:<26}{len(cl):>9}{sum(map(len, cl)):>9}{len(pairs):>11}{doubtful:>10}{extra:>22}{el:>6.0f}",
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
