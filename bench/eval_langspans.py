"""Evaluate language segmentation on the labelled gold set.

    python bench/eval_langspans.py [tests/data/langid_gold.jsonl] [--show-errors]

Prints sentence accuracy (overall and per language), span accuracy on mixed items, and the
Persian/Urdu-vs-Arabic confusions. ``evaluate(path)`` returns the same figures as a dict
(used by tests/test_langspans.py to assert the targets).

Scoring:
- sentence: the predicted sentence ``lang`` equals the gold ``lang``.
- mixed item: every gold span (a substring + language) is matched by a predicted span with the
  same language whose start and end are each within one word of the gold boundaries, AND every
  predicted span whose language differs from the gold sentence language overlaps a gold span of
  that language (no spurious French/English/und passages). Gold spans list the passages that
  matter; stretches in the sentence's own language may be left out of the gold.
- sets: 'dev' items were used while building the method; 'holdout' items were written after it
  and scored once (the less biased figure).
- confusion: a fa/ur sentence labelled ar (and any ar sentence labelled fa/ur); the target is
  zero fa/ur sentences of >= 5 words labelled ar.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pipeline.core.langspans import LanguageSegmenter, LanguageSettings  # noqa: E402

DEFAULT_GOLD = REPO / "tests" / "data" / "langid_gold.jsonl"
TARGETS = {"sentence_accuracy": 0.97, "mixed_span_accuracy": 0.90, "fa_ur_as_ar_long": 0}


def load_gold(path: str | Path = DEFAULT_GOLD) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _within_one_word(text: str, a: int, b: int) -> bool:
    lo, hi = min(a, b), max(a, b)
    return len(text[lo:hi].split()) <= 1


def _check_spans(item: dict, spans, label) -> list[str]:
    """Problems with the predicted spans of a mixed item (empty list = correct)."""
    text = item["text"]
    problems = []
    gold = []
    for g in item["spans"]:
        gs = text.index(g["text"])
        gold.append((gs, gs + len(g["text"]), label(g["lang"])))
    for gs, ge, gl in gold:
        ok = any(
            sp.lang == gl and _within_one_word(text, sp.start, gs) and _within_one_word(text, sp.end, ge)
            for sp in spans
        )
        if not ok:
            problems.append(f"missed {gl}:{text[gs:ge]!r}")
    for sp in spans:
        if sp.lang == label(item["lang"]):
            continue
        if not any(gl == sp.lang and sp.start < ge and gs < sp.end for gs, ge, gl in gold):
            problems.append(f"spurious {sp.lang}:{text[sp.start:sp.end]!r}")
    return problems


def evaluate(path: str | Path = DEFAULT_GOLD, segmenter: LanguageSegmenter | None = None) -> dict:
    """Score ``segmenter`` (default settings if None) on the gold file; returns the figures.

    A gold language outside the segmenter's ``languages`` is expected as 'und' (a span is labelled
    only with a configured language, 'und' or 'zxx').
    """
    seg = segmenter or LanguageSegmenter(LanguageSettings())
    configured = set(seg.settings.languages) | {"und", "zxx"}

    def label(lang: str) -> str:
        return lang if lang in configured else "und"

    items = load_gold(path)
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_set: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # sent ok, n, mixed ok, mixed n
    correct = 0
    mixed_total = mixed_ok = 0
    confusions: list[dict] = []
    errors: list[dict] = []
    t0 = time.perf_counter()
    for it in items:
        text = it["text"]
        res = seg.segment(text, 0, len(text))
        gl = label(it["lang"])
        per_lang[gl][1] += 1
        st = per_set[it.get("set", "dev")]
        st[1] += 1
        ok = res.lang == gl
        if ok:
            correct += 1
            per_lang[gl][0] += 1
            st[0] += 1
        else:
            errors.append({"id": it["id"], "gold": gl, "pred": res.lang, "text": text})
        if (gl in ("fa", "ur") and res.lang == "ar") or (gl == "ar" and res.lang in ("fa", "ur")):
            confusions.append({"id": it["id"], "gold": gl, "pred": res.lang, "words": len(text.split())})
        if it.get("mixed"):
            mixed_total += 1
            st[3] += 1
            problems = _check_spans(it, res.spans, label)
            if not problems:
                mixed_ok += 1
                st[2] += 1
            else:
                errors.append({"id": it["id"], "spans": problems, "text": text,
                               "pred_spans": [(text[s.start:s.end], s.lang, s.method) for s in res.spans]})
    elapsed = time.perf_counter() - t0
    n = len(items)
    fa_ur_long = [c for c in confusions if c["gold"] in ("fa", "ur") and c["words"] >= 5]
    result = {
        "items": n,
        "sentence_accuracy": correct / n if n else 0.0,
        "per_language": {k: {"correct": v[0], "total": v[1], "accuracy": v[0] / v[1]}
                         for k, v in sorted(per_lang.items())},
        "per_set": {k: {"sentence_correct": v[0], "items": v[1], "mixed_correct": v[2], "mixed_items": v[3]}
                    for k, v in sorted(per_set.items())},
        "mixed_items": mixed_total,
        "mixed_correct": mixed_ok,
        "mixed_span_accuracy": mixed_ok / mixed_total if mixed_total else 0.0,
        "fa_ur_ar_confusions": len(confusions),
        "fa_ur_as_ar_long": len(fa_ur_long),
        "confusions": confusions,
        "errors": errors,
        "seconds": elapsed,
    }
    result["targets_met"] = {
        "sentence_accuracy": result["sentence_accuracy"] >= TARGETS["sentence_accuracy"],
        "mixed_span_accuracy": result["mixed_span_accuracy"] >= TARGETS["mixed_span_accuracy"],
        "fa_ur_as_ar_long": result["fa_ur_as_ar_long"] <= TARGETS["fa_ur_as_ar_long"],
    }
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold", nargs="?", default=str(DEFAULT_GOLD))
    ap.add_argument("--show-errors", action="store_true", help="print every wrong item")
    args = ap.parse_args(argv)
    r = evaluate(args.gold)
    print(f"gold: {args.gold} ({r['items']} items, {r['mixed_items']} mixed)")
    print(f"sentence accuracy: {r['sentence_accuracy']:.1%} "
          f"(target >= {TARGETS['sentence_accuracy']:.0%}) "
          f"{'OK' if r['targets_met']['sentence_accuracy'] else 'MISSED'}")
    for lang, v in r["per_language"].items():
        print(f"  {lang:4s} {v['correct']:3d}/{v['total']:<3d} {v['accuracy']:.1%}")
    print(f"mixed items with every span right: {r['mixed_correct']}/{r['mixed_items']} "
          f"= {r['mixed_span_accuracy']:.1%} (target >= {TARGETS['mixed_span_accuracy']:.0%}) "
          f"{'OK' if r['targets_met']['mixed_span_accuracy'] else 'MISSED'}")
    print(f"fa/ur <-> ar confusions: {r['fa_ur_ar_confusions']}; fa/ur sentences of >= 5 words labelled ar: "
          f"{r['fa_ur_as_ar_long']} (target 0) {'OK' if r['targets_met']['fa_ur_as_ar_long'] else 'MISSED'}")
    for name, v in r["per_set"].items():
        print(f"  set {name}: sentences {v['sentence_correct']}/{v['items']}, "
              f"mixed {v['mixed_correct']}/{v['mixed_items']}")
    for c in r["confusions"]:
        print(f"  confusion {c}")
    if args.show_errors or not all(r["targets_met"].values()):
        for e in r["errors"]:
            print("  ERR", json.dumps(e, ensure_ascii=False))
    else:
        print(f"  ({len(r['errors'])} errors; --show-errors to list)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
