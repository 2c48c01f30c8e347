"""Train the sources span model (pipeline/core/sources_model.py) on the hand-annotated gold sets.

    python scripts/train_sources_crf.py            # train on every tunable set, write pipeline/models/
    python scripts/train_sources_crf.py --cv       # also: leave-sets-out cross-validation, into the meta
    python scripts/train_sources_crf.py --out DIR  # write the model somewhere else

Trains only on the seed article and the gold sets bench/eval_sources.py marks "dev" or "studied";
the held-out sets are never read here, so bench/eval_sources.py --held-out stays an honest test of
rules + model. Needs ../shared/data (SaudiNewsNet): the gold files store spans, not article texts.
Cross-validation holds out three sets at a time, trains on the rest, and scores the model's rows
added to the rules (the pipeline's setting) and those additions alone, with the evaluation's own matching.
"""
from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import eval_sources  # noqa: E402
from pipeline.core.entities import LEXICON_FILE, MODELS_DIR  # noqa: E402
from pipeline.core.sources import SourceExtractor, SourceSettings, tokenise  # noqa: E402
from pipeline.core.sources_model import META_FILE, MODEL_FILE, bio_labels, entity_types, label_for  # noqa: E402

PARAMS = {"c1": 0.05, "c2": 0.05, "max_iterations": 150, "feature.possible_transitions": True}
CV_FOLD_SIZE = 3


def training_sets() -> list[str]:
    return ["seed"] + [name for name, (_, _, role) in eval_sources.GOLD_SETS.items()
                       if role in ("dev", "studied") and name != "test"]


def load(names: list[str]) -> dict[str, list[dict]]:
    """Per set: documents with text, sentences, entities and gold spans (as the pipeline analyses them)."""
    out = {}
    for name in names:
        if eval_sources.GOLD_SETS.get(name, (None, None, "dev"))[2] == "held-out":
            raise SystemExit(f"refusing to train on the held-out set {name}")
        docs = []
        for doc in eval_sources.load_documents(name):
            sentences, entities = eval_sources.analyse(doc)
            gold = [(*eval_sources._locate(doc["text"], g), g["role"], g["kind"]) for g in doc["gold"]]
            docs.append(dict(doc, sentences=sentences, entities=entities, spans=gold))
        out[name] = docs
    return out


def sequences(doc: dict, features) -> list[tuple[list[dict], list[str]]]:
    seqs = []
    text = doc["text"]
    for sent in doc["sentences"]:
        toks = tokenise(text, sent.start, sent.end)
        if not toks:
            continue
        ents = [e for e in doc["entities"] if sent.start <= e.start < sent.end]
        spans = [(s, e, label_for(role, kind)) for s, e, role, kind in doc["spans"] if s < sent.end and sent.start < e]
        seqs.append((features.sentence(toks, entity_types(toks, ents)), bio_labels(toks, spans)))
    return seqs


def train(docs: list[dict], features, path: Path) -> int:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    n = 0
    for doc in docs:
        for xseq, yseq in sequences(doc, features):
            trainer.append(xseq, yseq)
            n += 1
    trainer.set_params(PARAMS)
    raw = path.with_suffix("")
    trainer.train(str(raw))
    with open(raw, "rb") as src, open(path, "wb") as out, gzip.GzipFile("", "wb", fileobj=out, mtime=0) as dst:
        shutil.copyfileobj(src, dst)  # mtime 0: the same training data gives the same bytes
    raw.unlink()
    return n


def score(docs: list[dict], extractor: SourceExtractor, methods: tuple[str, ...]) -> tuple[int, int, int, Counter]:
    """(correct, predicted, gold, why the others were missed) of the in-text rows whose method is in ``methods``."""
    tp = pred = gold = 0
    missed: Counter = Counter()
    for doc in docs:
        rows = [r for r in extractor.extract(doc["doc_id"], doc["text"], doc["sentences"], doc["entities"],
                                             outlet=doc["outlet"], url=doc["url"])
                if r.role != "publisher" and r.method in methods]
        matches, _ = eval_sources.match_items([(r.start, r.end, r.role, r.kind) for r in rows], doc["spans"])
        tp += sum(m is not None for m in matches)
        pred += len(rows)
        gold += len(doc["spans"])
        missed += eval_sources.why_missed(doc["text"], doc["sentences"], doc["spans"], rows, matches, extractor)
    return tp, pred, gold, missed


def cross_validate(data: dict[str, list[dict]], features) -> dict[str, dict[str, float]]:
    folds = [n for n in data if n != "seed"]
    totals = {"model additions": [0, 0, 0], "rules": [0, 0, 0], "rules + model": [0, 0, 0]}
    missed: Counter = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        fold_dir = Path(tmp)
        (fold_dir / LEXICON_FILE).symlink_to(MODELS_DIR / LEXICON_FILE)
        for k in range(0, len(folds), CV_FOLD_SIZE):
            test = folds[k:k + CV_FOLD_SIZE]
            train([d for n, docs in data.items() if n not in test for d in docs], features, fold_dir / MODEL_FILE)
            extractor = SourceExtractor(SourceSettings(model_dir=str(fold_dir)))
            held = [d for n in test for d in data[n]]
            for name, methods in (("model additions", ("crf",)), ("rules", ("rules",)),
                                  ("rules + model", ("rules", "crf"))):
                *counts, why = score(held, extractor, methods)
                for i, v in enumerate(counts):
                    totals[name][i] += v
                if name == "rules + model":
                    missed += why
            print(f"  fold {', '.join(test)} done", flush=True)
    result = {name: {"precision": round(tp / p, 3) if p else 0.0, "recall": round(tp / g, 3) if g else 0.0,
                     "correct": tp, "predicted": p, "gold": g}
              for name, (tp, p, g) in totals.items()}
    result["rules + model"]["missed"] = dict(missed.most_common())
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=MODELS_DIR, help="model directory (default pipeline/models)")
    ap.add_argument("--cv", action="store_true", help="leave-sets-out cross-validation first (slow)")
    args = ap.parse_args(argv)
    if not eval_sources.saudinewsnet_zips():
        print("SaudiNewsNet (../shared/data/saudinewsnet) not found: the gold texts cannot be read; nothing trained.")
        return 1
    t0 = time.time()
    names = training_sets()
    data = load(names)
    features = SourceExtractor(SourceSettings(model_spans=False)).span_features()
    meta = {"training_sets": names, "documents": sum(len(d) for d in data.values()),
            "spans": sum(len(doc["spans"]) for d in data.values() for doc in d), "params": PARAMS}
    if args.cv:
        print(f"cross-validation over {len(names) - 1} sets, {CV_FOLD_SIZE} held out at a time:")
        meta["cross_validation"] = cross_validate(data, features)
        for name, r in meta["cross_validation"].items():
            print(f"  {name:16s} P {r['precision']:.3f}  R {r['recall']:.3f}  ({r['correct']}/{r['predicted']}/{r['gold']})")
        print("  why rules + model missed the other gold sources:",
              ", ".join(f"{why} {n}" for why, n in meta["cross_validation"]["rules + model"]["missed"].items()))
    args.out.mkdir(parents=True, exist_ok=True)
    meta["sentences"] = train([d for docs in data.values() for d in docs], features, args.out / MODEL_FILE)
    (args.out / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"trained on {meta['documents']} documents, {meta['spans']} gold spans, {meta['sentences']} sentences "
          f"-> {args.out / MODEL_FILE} ({(args.out / MODEL_FILE).stat().st_size / 1e6:.1f} MB) in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
