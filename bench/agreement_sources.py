"""Inter-annotator agreement on a sources gold set: a second, independent annotation scored against the first.

    python bench/agreement_sources.py                      # dev4 vs tests/data/sources_dev4_second_annotator.yaml
    python bench/agreement_sources.py --set test4          # held-out test4 (aggregate only: no --details)
    python bench/agreement_sources.py --set dev4 --second FILE.yaml --details

The second annotator worked from the article texts and the conventions in the gold files' headers
only (never the first annotation, the extractor or its output). Matching is the extractor's: an item
of the second annotation agrees when its span overlaps an unmatched item of the first with the same
role and kind. The figures bound what "recall against one annotator" can mean for the extractor.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_sources as ev  # noqa: E402


def agreement(which: str, second: Path) -> dict:
    """Counts of items of the first annotation (gold), the second, and the pairs that agree."""
    docs = ev.load_documents(which)
    other = yaml.safe_load(second.read_text(encoding="utf-8"))["documents"]
    agree = span_agree = n_first = n_second = 0
    only_first, only_second = [], []
    for doc in docs:
        first = [dict(g, start=s, end=e) for g in doc["gold"] for s, e in [ev._locate(doc["text"], g)]]
        items = [dict(g, start=s, end=e) for g in (other[doc["url"]].get("sources") or [])
                 for s, e in [ev._locate(doc["text"], g)]]
        n_first += len(first)
        n_second += len(items)
        matches, spans = ev.match_items([(g["start"], g["end"], g["role"], g["kind"]) for g in items],
                                        [(g["start"], g["end"], g["role"], g["kind"]) for g in first])
        agree += sum(m is not None for m in matches)
        span_agree += spans
        only_second += [(g["kind"], g["text"], g.get("cue")) for g, m in zip(items, matches) if m is None]
        only_first += [(g["kind"], g["text"], g.get("cue")) for i, g in enumerate(first) if i not in matches]
    return dict(first=n_first, second=n_second, agree=agree, span_agree=span_agree,
                only_first=only_first, only_second=only_second)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="dev4", choices=sorted(ev.GOLD_SETS))
    parser.add_argument("--second", type=Path, help="default: tests/data/sources_<set>_second_annotator.yaml")
    parser.add_argument("--details", action="store_true", help="list the items only one annotator has")
    args = parser.parse_args(argv)
    if not ev.saudinewsnet_zips():
        print("shared SaudiNewsNet data absent: nothing to score")
        return 0
    res = agreement(args.set, args.second or ev.DATA / f"sources_{args.set}_second_annotator.yaml")
    p, r = res["agree"] / res["second"], res["agree"] / res["first"]
    print(f"{args.set}: first annotation {res['first']} items, second {res['second']}, agreeing {res['agree']}")
    print(f"  second vs first (span overlap + kind): precision {p:.3f}  recall {r:.3f}  "
          f"F1 {2 * res['agree'] / (res['first'] + res['second']):.3f}")
    print(f"  span overlap only: precision {res['span_agree'] / res['second']:.3f}  "
          f"recall {res['span_agree'] / res['first']:.3f}")
    if args.details and ev.GOLD_SETS[args.set][2] == "held-out":
        print("  (a held-out set: only the aggregate is shown, never its items)")
    elif args.details:
        for kind, text, cue in res["only_first"]:
            print("  only first: ", kind, "|", text, "|", cue)
        for kind, text, cue in res["only_second"]:
            print("  only second:", kind, "|", text, "|", cue)
    return 0


if __name__ == "__main__":
    sys.exit(main())
