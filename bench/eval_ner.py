#!/usr/bin/env python
"""Per-type and overall P/R/F1 of the shipped Arabic NER model on the dev split.

Dev split = the LAST 399 sentences of ANERcorp train.conll (CAMeL Lab split), the split used
by scripts/train_ner.py and docs/DESIGN figures. The shipped model was trained on the other
3,589 sentences only, so this is a held-out score. Entity-level micro scores, exact span
and type, conlleval rules (an I- tag after O or another type starts an entity).

The gold tokens are tagged as given (no re-tokenisation), through the same CRF features
the runtime tagger uses. Skips with a message (exit 0) when ../shared/data is absent.

  python bench/eval_ner.py [--model-dir pipeline/models] [--data-dir ../shared/data]
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
    ap.add_argument("--model-dir", default=str(E.MODELS_DIR))
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--dev-sentences", type=int, default=399)
    ap.add_argument("--doc-window", type=int, default=None,
                    help="default: the window stage 2 was trained with (model metadata), else 20")
    args = ap.parse_args()
    data = Path(args.data_dir) if args.data_dir else E.default_shared_data_dir()
    conll = data / "anercorp" / "train.conll"
    if not conll.exists():
        print(f"eval_ner: {conll} not found (shared data absent); skipping.")
        return 0
    from train_ner import print_table, read_conll, score  # noqa: E402

    t0 = time.time()
    crf = E.CrfArabicTagger(Path(args.model_dir))
    dev = read_conll(conll)[-args.dev_sentences:]
    if args.doc_window is None:
        args.doc_window = crf.meta.get("stage2_doc_window") or 20
    t1 = time.time()
    # stage 2 (when shipped) reads the stage-1 labels of the "document"; ANERcorp has no
    # document boundaries, so it is the sentences within +-window, as in training
    results = crf.tag_document([[w for w, _ in s] for s in dev], window=args.doc_window)
    ntok = sum(len(sent) for sent in dev)
    scores = score(dev, [pred for pred, _ in results])
    t2 = time.time()
    print(f"model: {args.model_dir} ({crf.name}); trained on: "
          f"{crf.meta.get('training_data', {}).get('shipped_model_trained_on', '?')}")
    print(f"stage 2: {'yes (document = +-%d sentences)' % args.doc_window if crf.stage2 else 'no'}")
    print(f"dev: last {len(dev)} sentences of {conll.name}, {ntok} tokens, {scores['ALL']['gold']} entities")
    print_table(scores)
    print(f"load {t1 - t0:.1f}s, tag {t2 - t1:.1f}s ({ntok / max(t2 - t1, 1e-9):,.0f} tokens/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
