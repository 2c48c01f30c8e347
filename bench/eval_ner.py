#!/usr/bin/env python
"""Per-type and overall P/R/F1 of a shipped Arabic NER backend on the dev split.

Dev split = the LAST 399 sentences of ANERcorp train.conll (CAMeL Lab split), the split used
by scripts/train_ner.py and docs/DESIGN figures. The shipped model was trained on the other
3,589 sentences only, so this is a held-out score. Entity-level micro scores, exact span
and type, conlleval rules (an I- tag after O or another type starts an entity).

The gold tokens are tagged as given (no re-tokenisation), through the same tagger class
the runtime uses (``--backend crf``: the CRF, default; ``neural``: the BiLSTM-CRF).
Skips with a message (exit 0) when ../shared/data is absent.

  python bench/eval_ner.py [--backend crf|neural] [--model-dir pipeline/models] [--data-dir ../shared/data] [--names-filter]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from pipeline.core import entities as E  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=("crf", "neural"), default="crf")
    ap.add_argument("--model-dir", default=str(E.MODELS_DIR))
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--dev-sentences", type=int, default=399)
    ap.add_argument("--doc-window", type=int, default=None,
                    help="default: the window the model was trained with (model metadata), else 20")
    ap.add_argument("--names-filter", action="store_true",
                    help="also score after dropping the spans the runtime drops as non-names (entity_names.yaml)")
    args = ap.parse_args()
    data = Path(args.data_dir) if args.data_dir else E.default_shared_data_dir()
    conll = data / "anercorp" / "train.conll"
    if not conll.exists():
        print(f"eval_ner: {conll} not found (shared data absent); skipping.")
        return 0
    from train_ner import print_table, read_conll, score  # noqa: E402

    t0 = time.time()
    if args.backend == "neural":
        tagger = E.NeuralArabicTagger(Path(args.model_dir))
        window = tagger.meta.get("config", {}).get("doc_window")
        doc_inputs = "stage-1 CRF tags of the document" if tagger.stack else None
    else:
        tagger = E.CrfArabicTagger(Path(args.model_dir))
        window = tagger.meta.get("stage2_doc_window")
        doc_inputs = "stage 2" if tagger.has_stage2 else None
    dev = read_conll(conll)[-args.dev_sentences:]
    if args.doc_window is None:
        args.doc_window = window or 20
    t1 = time.time()
    # document-level inputs read the stage-1 labels of the "document"; ANERcorp has no
    # document boundaries, so it is the sentences within +-window, as in training
    results = tagger.tag_document([[w for w, _ in s] for s in dev], window=args.doc_window)
    ntok = sum(len(sent) for sent in dev)
    scores = score(dev, [pred for pred, _ in results])
    t2 = time.time()
    print(f"model: {args.model_dir} ({tagger.name}); trained on: "
          f"{tagger.meta.get('training_data', {}).get('shipped_model_trained_on', '?')}")
    print(f"document-level inputs: {'%s (document = +-%d sentences)' % (doc_inputs, args.doc_window) if doc_inputs else 'no'}")
    print(f"dev: last {len(dev)} sentences of {conll.name}, {ntok} tokens, {scores['ALL']['gold']} entities")
    print_table(scores)
    if args.names_filter:
        # ANERcorp tags currencies and الله as MISC, which the runtime drops as non-names: score the
        # filtered predictions against ANERcorp's gold, then both runs against the gold without them
        names = E.NameTable.load()
        preds = [pred for pred, _ in results]
        filtered, dropped = _without_non_names(names, dev, preds)
        gold_tags, gold_dropped = _without_non_names(names, dev, [[t for _, t in s] for s in dev])
        print(f"with the non-name filter ({dropped} predicted entities dropped), ANERcorp's gold:")
        print_table(score(dev, filtered))
        new_gold = [[(w, t) for (w, _), t in zip(s, tags)] for s, tags in zip(dev, gold_tags)]
        print(f"gold without its {gold_dropped} non-names (currencies, الله): without the filter")
        print_table(score(new_gold, preds))
        print("... and with it")
        print_table(score(new_gold, filtered))
    print(f"load {t1 - t0:.1f}s, tag {t2 - t1:.1f}s ({ntok / max(t2 - t1, 1e-9):,.0f} tokens/s)")
    return 0


def _without_non_names(names, dev, tag_lists):
    """The tag lists with every span the runtime's non-name filter drops set to O, and how many."""
    out, dropped = [], 0
    for sent, tags in zip(dev, tag_lists):
        tags = list(tags)
        for a, b, typ in E.bio_to_spans(tags):
            key = names.key(E.canonical_name(" ".join(w for w, _ in sent[a:b]), "ar"))
            if names.is_non_name(key, E._TYPE_MAP.get(typ, "MISC")):
                tags[a:b] = ["O"] * (b - a)
                dropped += 1
        out.append(tags)
    return out, dropped


if __name__ == "__main__":
    raise SystemExit(main())
