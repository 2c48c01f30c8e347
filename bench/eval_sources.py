"""Precision / recall of the sources extractor against the hand-annotated gold sets.

    python bench/eval_sources.py                 # all gold sets (skipped if absent)
    python bench/eval_sources.py --sets seed dev # only some sets (seed, dev, dev2 ... dev25, test, test2 ... test7)
    python bench/eval_sources.py --held-out      # only the held-out sets, and their pooled figure
    python bench/eval_sources.py --details       # also list every miss and false positive
    python bench/eval_sources.py --no-entities   # without the entity tagger's evidence
    python bench/eval_sources.py --no-model      # the rules alone, without the learned span model's rows

Documents are processed the way the pipeline runs them: clean -> analyse_document (sentences and
their languages) -> EntityTagger -> SourceExtractor.extract(..., entities=...).

Gold sets (tests/data, see GOLD_SETS): the seed article; dev ... dev25 (40 SaudiNewsNet articles
each, tuned on, and with test-1 and the seed the training data of the span model,
scripts/train_sources_crf.py); test (test-1, held out at first, its misses studied since); test2 ... test7, held out
(only their aggregate scores are looked at). dev2-dev25 and test2-test7 were each annotated by an
annotator who never saw the extractor or its output. Each 40-article set is bench/_snn.py's
sample(40, skip=N) with N in GOLD_SETS, so no two sets overlap.

A predicted row counts as correct when its span overlaps an unmatched gold span of the same role
and its kind is right. ``cited`` and ``agency_credit`` rows are scored together ("in text") and per
kind; ``publisher`` rows are scored separately. Each set and each pooled line also scores quote
attachment on the sources found (a gold item marked ``quote: true`` should carry a quote, the others
should not); each pooled line says why the missed gold items were missed (``why_missed``).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.core.clean import clean_text  # noqa: E402
from pipeline.core.sources import SourceExtractor, SourceSettings, sentences_for, tokenise  # noqa: E402

if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))
# SaudiNewsNet access and the fixed sample rule (shared with bench_pipeline.py); re-exported here
from _snn import iter_articles, sample, saudinewsnet_zips, shared_data_dir  # noqa: E402,F401

DATA = ROOT / "tests" / "data"
SEED_GOLD = DATA / "sources_gold_seed.yaml"
# name -> (gold file, skip of the fixed SaudiNewsNet sample, role); "dev" sets may be tuned on, "held-out"
# sets are only ever scored in aggregate; test (= saudinewsnet) was held out at first, studied since
GOLD_SETS: dict[str, tuple[Path, int, str]] = {
    "dev": (DATA / "sources_dev_saudinewsnet.yaml", 40, "dev"),
    "dev2": (DATA / "sources_dev2_saudinewsnet.yaml", 80, "dev"),
    "dev3": (DATA / "sources_dev3_saudinewsnet.yaml", 200, "dev"),
    "dev4": (DATA / "sources_dev4_saudinewsnet.yaml", 240, "dev"),
    "dev5": (DATA / "sources_dev5_saudinewsnet.yaml", 320, "dev"),
    "dev6": (DATA / "sources_dev6_saudinewsnet.yaml", 360, "dev"),
    "dev7": (DATA / "sources_dev7_saudinewsnet.yaml", 400, "dev"),
    "dev8": (DATA / "sources_dev8_saudinewsnet.yaml", 440, "dev"),
    "dev9": (DATA / "sources_dev9_saudinewsnet.yaml", 480, "dev"),
    "dev10": (DATA / "sources_dev10_saudinewsnet.yaml", 560, "dev"),
    "dev11": (DATA / "sources_dev11_saudinewsnet.yaml", 600, "dev"),
    "dev12": (DATA / "sources_dev12_saudinewsnet.yaml", 680, "dev"),
    "dev13": (DATA / "sources_dev13_saudinewsnet.yaml", 720, "dev"),
    "dev14": (DATA / "sources_dev14_saudinewsnet.yaml", 760, "dev"),
    "dev15": (DATA / "sources_dev15_saudinewsnet.yaml", 800, "dev"),
    "dev16": (DATA / "sources_dev16_saudinewsnet.yaml", 840, "dev"),
    "dev17": (DATA / "sources_dev17_saudinewsnet.yaml", 880, "dev"),
    "dev18": (DATA / "sources_dev18_saudinewsnet.yaml", 920, "dev"),
    "dev19": (DATA / "sources_dev19_saudinewsnet.yaml", 960, "dev"),
    "dev20": (DATA / "sources_dev20_saudinewsnet.yaml", 1000, "dev"),
    "dev21": (DATA / "sources_dev21_saudinewsnet.yaml", 1080, "dev"),
    "dev22": (DATA / "sources_dev22_saudinewsnet.yaml", 1120, "dev"),
    "dev23": (DATA / "sources_dev23_saudinewsnet.yaml", 1160, "dev"),
    "dev24": (DATA / "sources_dev24_saudinewsnet.yaml", 1200, "dev"),
    "dev25": (DATA / "sources_dev25_saudinewsnet.yaml", 1240, "dev"),
    "saudinewsnet": (DATA / "sources_gold_saudinewsnet.yaml", 0, "studied"),
    "test2": (DATA / "sources_test2_saudinewsnet.yaml", 120, "held-out"),
    "test3": (DATA / "sources_test3_saudinewsnet.yaml", 160, "held-out"),
    "test4": (DATA / "sources_test4_saudinewsnet.yaml", 280, "held-out"),
    "test5": (DATA / "sources_test5_saudinewsnet.yaml", 520, "held-out"),
    "test6": (DATA / "sources_test6_saudinewsnet.yaml", 640, "held-out"),
    "test7": (DATA / "sources_test7_saudinewsnet.yaml", 1040, "held-out"),
}
GOLD_SETS["test"] = GOLD_SETS["saudinewsnet"]
GOLD_FILES = {name: path for name, (path, _, _) in GOLD_SETS.items()}

_MODELS: dict[str, Any] = {}


def _segmenter():
    if "segmenter" not in _MODELS:
        from pipeline.core.langspans import LanguageSegmenter, LanguageSettings
        _MODELS["segmenter"] = LanguageSegmenter(LanguageSettings())
    return _MODELS["segmenter"]


def _tagger():
    if "tagger" not in _MODELS:
        from pipeline.core.entities import EntitySettings, EntityTagger
        _MODELS["tagger"] = EntityTagger(EntitySettings())
    return _MODELS["tagger"]


def analyse(doc: dict[str, Any], entities: bool = True):
    """(sentences, entities) of a gold document, as the pipeline's Segment and Tag stages make them."""
    from pipeline.core.clean import normalise_for_search
    from pipeline.core.types import Document
    from pipeline.stages.segment import analyse_document
    text = doc["text"]
    document = Document(doc_id=doc["doc_id"], source_uri=str(doc.get("url") or doc["doc_id"]), text=text,
                        norm_text=normalise_for_search(text), outlet=doc.get("outlet"), url=doc.get("url"))
    sentences = analyse_document(document, _segmenter()).sentences
    ents = _tagger().tag(doc["doc_id"], text, sentences) if entities else []
    return sentences, ents


def _locate(text: str, item: dict[str, Any]) -> tuple[int, int]:
    span = item["text"]
    ctx = item.get("context")
    if ctx:
        c = text.find(ctx)
        if c < 0:
            raise ValueError(f"gold context not found: {ctx!r}")
        s = text.find(span, c)
        if s < 0 or s >= c + len(ctx):
            raise ValueError(f"gold span {span!r} not inside its context {ctx!r}")
        return s, s + len(span)
    s = text.find(span)
    if s < 0:
        raise ValueError(f"gold span not found: {span!r}")
    return s, s + len(span)


def load_documents(which: str) -> list[dict[str, Any]]:
    """[{doc_id, text, outlet, url, gold: [...], publisher}] for "seed" or a key of GOLD_FILES."""
    if which == "seed":
        gold = yaml.safe_load(SEED_GOLD.read_text(encoding="utf-8"))["documents"]
        docs = []
        for doc_id, g in gold.items():
            text = clean_text((ROOT / g["file"]).read_text(encoding="utf-8")).text
            docs.append(dict(doc_id=doc_id, text=text, outlet=g.get("outlet"), url=g.get("url"),
                             gold=g["sources"], publisher=g.get("publisher")))
        return docs
    gold = yaml.safe_load(GOLD_FILES[which].read_text(encoding="utf-8"))["documents"]
    wanted = {(g["zip"], url) for url, g in gold.items()}
    found = {}
    for zname, rec in iter_articles():
        if (zname, rec["url"]) in wanted and rec["url"] not in found:
            found[rec["url"]] = rec
    docs = []
    for url, g in gold.items():
        rec = found.get(url)
        if rec is None:
            raise ValueError(f"gold article not found in the shared data: {g['zip']} {url}")
        docs.append(dict(doc_id=url, text=clean_text(rec["content"]).text, outlet=rec.get("source"), url=url,
                         gold=g["sources"], publisher=g.get("publisher")))
    return docs


def match_items(predicted: list[tuple], gold: list[tuple]) -> tuple[list[int | None], int]:
    """Greedy matching of (start, end, role, kind) items, in the predicted order: each predicted item takes
    the first unmatched gold item of its role that overlaps it with the same kind (its index, or None), and,
    separately, the first overlapping gold item of its role not yet taken by span (the count of those)."""
    used_kind: set[int] = set()
    used_span: set[int] = set()
    matches: list[int | None] = []
    for start, end, role, kind in predicted:
        overlapping = [gi for gi, g in enumerate(gold) if g[2] == role and start < g[1] and g[0] < end]
        hit = next((gi for gi in overlapping if gi not in used_kind and gold[gi][3] == kind), None)
        if hit is not None:
            used_kind.add(hit)
        matches.append(hit)
        span_hit = next((gi for gi in overlapping if gi not in used_span), None)
        if span_hit is not None:
            used_span.add(span_hit)
    return matches, len(used_span)


def why_missed(text: str, sentences, gold: list[tuple], rows, matches: list[int | None],
               extractor: SourceExtractor) -> Counter:
    """Why each gold item (start, end, role, kind) no row matched was missed: "wrong kind" (a row of its
    role overlaps it), "no row, cue just before" (the word before it is a lexicon cue: the subject of a
    verb-first clause, the object of بحسب), "no row, elsewhere" (a subject before its verb, a cue the
    lexicon lacks, ...). Where the misses are says what could still help."""
    out: Counter = Counter()
    for gi, (start, end, role, _) in enumerate(gold):
        if gi in matches:
            continue
        if any(r.role == role and r.start < end and start < r.end for r in rows):
            out["wrong kind"] += 1
            continue
        sent = next((s for s in sentences if s.start <= start < s.end), None)
        before = [t for t in tokenise(text, sent.start, sent.end) if t.end <= start] if sent else []
        cue_before = bool(before) and bool(extractor.lexical_marks(before[-1].norm).cue)
        out["no row, cue just before" if cue_before else "no row, elsewhere"] += 1
    return out


def evaluate(which: str = "seed", settings: SourceSettings | None = None,
             extractor: SourceExtractor | None = None, details: bool = False,
             entities: bool = True, pipeline: bool = True) -> dict[str, Any]:
    """Score the extractor on a gold set; returns counts, precision/recall overall and per kind.

    pipeline: sentences from the Segment stage's ``analyse_document`` (else the bare splitter);
    entities: pass the entity tagger's output to the extractor (implies pipeline sentences).
    """
    extractor = extractor or SourceExtractor(settings or SourceSettings())
    docs = load_documents(which)
    tp = Counter()
    pred_n = Counter()
    gold_n = Counter()
    span_tp = 0
    pub = Counter()
    misses, false_pos, extracted = [], [], []
    missed: Counter = Counter()
    quotes: Counter = Counter()
    for doc in docs:
        text = doc["text"]
        if pipeline or entities:
            sents, ents = analyse(doc, entities=entities)
        else:
            sents, ents = sentences_for(doc["doc_id"], text), []
        rows = extractor.extract(doc["doc_id"], text, sents, ents, outlet=doc["outlet"], url=doc["url"])
        in_text = [r for r in rows if r.role != "publisher"]
        extracted.append((doc["doc_id"], in_text))
        gold = []
        for item in doc["gold"]:
            s, e = _locate(text, item)
            gold.append(dict(item, start=s, end=e))
        for g in gold:
            gold_n[g["kind"]] += 1
        gold_items = [(g["start"], g["end"], g["role"], g["kind"]) for g in gold]
        matches, spans = match_items([(r.start, r.end, r.role, r.kind) for r in in_text], gold_items)
        missed += why_missed(text, sents, gold_items, in_text, matches, extractor)
        span_tp += spans
        for r, gi in zip(in_text, matches):
            pred_n[r.kind] += 1
            if gi is not None:
                tp[r.kind] += 1
                quoted = bool(gold[gi].get("quote"))
                quotes.update(gold=quoted, predicted=r.quote is not None, tp=quoted and r.quote is not None,
                              missed_on_model_rows=quoted and r.quote is None and r.method == "crf")
            else:
                false_pos.append((doc["doc_id"], r.role, r.kind, r.text, r.cue))
        for gi, g in enumerate(gold):
            if gi not in matches:
                misses.append((doc["doc_id"], g["role"], g["kind"], g["text"], g.get("cue")))
        if doc.get("publisher"):
            pub["gold"] += 1
            got = [r for r in rows if r.role == "publisher"]
            pub["pred"] += len(got)
            if got and got[0].canonical == doc["publisher"]["canonical"] and got[0].kind == doc["publisher"]["kind"]:
                pub["tp"] += 1

    def pr(t, p, g):
        return (t / p if p else 1.0), (t / g if g else 1.0)

    overall_p, overall_r = pr(sum(tp.values()), sum(pred_n.values()), sum(gold_n.values()))
    per_kind = {}
    for kind in sorted(set(pred_n) | set(gold_n)):
        p, r = pr(tp[kind], pred_n[kind], gold_n[kind])
        per_kind[kind] = dict(tp=tp[kind], predicted=pred_n[kind], gold=gold_n[kind], precision=p, recall=r)
    span_p, span_r = pr(span_tp, sum(pred_n.values()), sum(gold_n.values()))
    result = dict(documents=len(docs), gold=sum(gold_n.values()), predicted=sum(pred_n.values()),
                  tp=sum(tp.values()), precision=overall_p, recall=overall_r,
                  span_precision=span_p, span_recall=span_r, per_kind=per_kind, missed=missed, quotes=quotes)
    if pub["gold"]:
        p, r = pr(pub["tp"], pub["pred"], pub["gold"])
        result["publisher"] = dict(tp=pub["tp"], predicted=pub["pred"], gold=pub["gold"], precision=p, recall=r)
    if details:
        result["misses"] = misses
        result["false_positives"] = false_pos
        result["extracted"] = extracted
    return result


def _print_quotes(q: Counter) -> None:
    """Quote attachment on the correctly found sources: a gold item marked ``quote: true`` (its words are
    a direct quotation, with or without quotation marks) should carry a quote, the others should not."""
    p = q["tp"] / q["predicted"] if q["predicted"] else 1.0
    r = q["tp"] / q["gold"] if q["gold"] else 1.0
    print(f"   quotes on the sources found: precision {p:.3f} ({q['tp']}/{q['predicted']})  recall {r:.3f} "
          f"({q['tp']}/{q['gold']}; missed on the model's rows: {q['missed_on_model_rows']})")


def _print(name: str, res: dict[str, Any], details: bool) -> None:
    print(f"== {name}: {res['documents']} documents, gold {res['gold']}, predicted {res['predicted']}, "
          f"correct {res['tp']}")
    print(f"   in-text (cited + agency_credit): precision {res['precision']:.3f}  recall {res['recall']:.3f}"
          f"   (span only: P {res['span_precision']:.3f} R {res['span_recall']:.3f})")
    for kind, k in res["per_kind"].items():
        print(f"   {kind:13s} P {k['precision']:.3f} ({k['tp']}/{k['predicted']})  R {k['recall']:.3f} ({k['tp']}/{k['gold']})")
    _print_quotes(res["quotes"])
    if "publisher" in res:
        p = res["publisher"]
        print(f"   publisher: precision {p['precision']:.3f}  recall {p['recall']:.3f} ({p['tp']}/{p['gold']})")
    if details:
        for m in res["misses"]:
            print("   MISS", m)
        for f in res["false_positives"]:
            print("   FP  ", f)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--details", action="store_true")
    ap.add_argument("--lexicon", default=None, help="a user lexicon YAML merged over the packaged one")
    ap.add_argument("--sets", nargs="+", default=None, choices=["seed", *GOLD_SETS],
                    help="gold sets to score (default: all; test = saudinewsnet)")
    ap.add_argument("--held-out", action="store_true", help="score only the held-out sets (test2 ...)")
    ap.add_argument("--no-entities", action="store_true", help="do not pass the entity tagger's output")
    ap.add_argument("--no-model", action="store_true", help="rules only: without the learned span model's rows")
    args = ap.parse_args(argv)
    extractor = SourceExtractor(SourceSettings(lexicon_path=args.lexicon, model_spans=not args.no_model))
    if args.held_out:
        sets = [name for name, (_, _, role) in GOLD_SETS.items() if role == "held-out"]
    else:
        sets = args.sets or ["seed", *(name for name in GOLD_SETS if name != "test")]
    pooled: dict[str, Counter] = {}
    why: dict[str, Counter] = {}
    quoted: dict[str, Counter] = {}
    for which in sets:
        if which == "seed":
            _print("seed", evaluate("seed", extractor=extractor, details=args.details,
                                    entities=not args.no_entities), args.details)
            continue
        path, skip, role = GOLD_SETS[which]
        if not saudinewsnet_zips() or not path.is_file():
            print(f"== {which}: shared data or gold file absent, skipped")
            continue
        res = evaluate(which, extractor=extractor, details=args.details, entities=not args.no_entities)
        label = "test-1" if which in ("test", "saudinewsnet") else which
        _print(f"{label} (SaudiNewsNet sample(40, skip={skip}), {role})", res, args.details)
        pooled.setdefault(role, Counter()).update(gold=res["gold"], predicted=res["predicted"], tp=res["tp"])
        why.setdefault(role, Counter()).update(res["missed"])
        quoted.setdefault(role, Counter()).update(res["quotes"])
    for role, c in pooled.items():
        p = c["tp"] / c["predicted"] if c["predicted"] else 0.0
        r = c["tp"] / c["gold"] if c["gold"] else 0.0
        print(f"== pooled {role} sets: gold {c['gold']}, predicted {c['predicted']}, correct {c['tp']}: "
              f"precision {p:.3f}  recall {r:.3f}")
        print(f"   missed: {', '.join(f'{reason} {n}' for reason, n in why[role].most_common())}")
        _print_quotes(quoted[role])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
