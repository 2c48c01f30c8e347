#!/usr/bin/env python
"""The CRF scoring of pipeline/core/crf_scoring.py against python-crfsuite on every sentence of the
20,329 shared articles: the entity CRF (stage 1 alone, as the neural backend uses it, and both stages)
and the sources span model (every sentence with a lexicon cue, with the entity tagger's entities).

Each article is cleaned and split into sentences by the core splitter; each sentence is tokenised as the
entity tagger does (long ones cut into its chunks) and the article is one document for stage 2. Prints
per model the sentences and tokens compared, the sentences whose tags differ and the largest
|marginal difference|.

  python bench/check_crf_scoring.py [--data DIR_OF_JSONL] [--limit N] [--shard I/N]
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from _crfsuite_ref import CrfsuiteArabicTagger, crfsuite_tag  # noqa: E402
from pipeline.core import entities as E  # noqa: E402
from pipeline.core.clean import clean_text  # noqa: E402
from pipeline.core.sentences import split_sentences  # noqa: E402
from pipeline.core.sources import SourceExtractor, SourceSettings, tokenise  # noqa: E402
from pipeline.core.sources_model import MODEL_FILE, entity_types  # noqa: E402
from pipeline.core.types import Entity  # noqa: E402

DEFAULT_DATA = Path(os.environ.get("NEWSCORPUS_SNN20K", Path(__file__).resolve().parents[2] / "data" / "snn20k"))


def articles(data: Path, limit: int | None, shard: tuple[int, int]):
    n = 0
    for path in sorted(glob.glob(str(data / "*.jsonl"))):
        for line in open(path, encoding="utf-8"):
            if limit is not None and n >= limit:
                return
            if n % shard[1] == shard[0]:
                rec = json.loads(line)
                yield rec.get("url") or str(n), rec.get("content") or rec.get("text") or ""
            n += 1


class Tally:
    def __init__(self, name: str):
        self.name, self.sentences, self.tokens, self.mismatches, self.max_diff = name, 0, 0, 0, 0.0

    def add(self, got_tags, got_margs, want_tags, want_margs) -> None:
        self.sentences += 1
        self.tokens += len(want_tags)
        if list(got_tags) != list(want_tags):
            self.mismatches += 1
        elif want_tags:
            self.max_diff = max(self.max_diff, float(np.max(np.abs(np.asarray(got_margs) - np.asarray(want_margs)))))

    def line(self) -> str:
        return (f"{self.name:<22} sentences {self.sentences:>9,}  tokens {self.tokens:>11,}  "
                f"tag mismatches {self.mismatches:>4}  max |marginal diff| {self.max_diff:.3g}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=None, help="only the first N articles")
    ap.add_argument("--shard", default="0/1", help="I/N: every N-th article from the I-th (to run in parallel)")
    args = ap.parse_args()
    if not list(args.data.glob("*.jsonl")):
        print(f"check_crf_scoring: no *.jsonl in {args.data}; skipping.")
        return 0
    shard = tuple(int(x) for x in args.shard.split("/"))
    both = E.CrfArabicTagger(E.MODELS_DIR)
    stage1 = E.CrfArabicTagger(E.MODELS_DIR, stage2=False)
    ref = CrfsuiteArabicTagger(both)
    extractor = SourceExtractor(SourceSettings())
    span_model, span_features = extractor.span_model, extractor.span_features()
    ref_span = E.open_crf_model(E.MODELS_DIR / MODEL_FILE)
    chunker = E.EntityTagger.__new__(E.EntityTagger)  # only its chunking rule (settings.max_sentence_chars)
    chunker.settings = E.EntitySettings()
    t1, t2, ts = Tally("entity stage 1 alone"), Tally("entity stages 1+2"), Tally("sources span model")
    t0 = time.perf_counter()
    docs = 0
    for doc_id, raw in articles(args.data, args.limit, shard):
        docs += 1
        text = clean_text(raw).text
        bounds = split_sentences(text)
        chunks = [ch for b in bounds for ch in chunker._chunks(text, b.start, b.end)]
        sents = [[t[0] for t in ch] for ch in chunks]
        first, second = ref.tag_stages(sents)
        for (gt, gm), (wt, wm) in zip(stage1.tag_document(sents), first):
            t1.add(gt, gm, wt, wm)
        got2 = both.tag_document(sents)
        for (gt, gm), (wt, wm) in zip(got2, second):
            t2.add(gt, gm, wt, wm)
        ents = [Entity(doc_id, 0, ch[a][1], ch[b - 1][2], text[ch[a][1]:ch[b - 1][2]], E._TYPE_MAP.get(typ, "MISC"),
                       "", "ar", "crf", 1.0)
                for ch, (tags, _) in zip(chunks, got2) for a, b, typ in E.bio_to_spans(tags)]
        span_sents = []
        for b in bounds:
            toks = tokenise(text, b.start, b.end)
            span_sents.append((toks, [e for e in ents if b.start <= e.start < b.end]))
        for (toks, sent_ents), got in zip(span_sents, span_model.tag_many(span_sents)):
            if got is None:
                continue
            wt, wm = crfsuite_tag(ref_span, span_features.sentence(toks, entity_types(toks, sent_ents)))
            ts.add(got[0], got[1], wt, wm)
        if docs % 200 == 0:  # running totals, so that a partial run still says something
            print(f"... {docs:,} articles, {time.perf_counter() - t0:.0f}s", flush=True)
            for t in (t1, t2, ts):
                print("   ", t.line(), flush=True)
    print(f"articles {docs:,} (shard {args.shard}) in {time.perf_counter() - t0:.0f}s")
    for t in (t1, t2, ts):
        print(t.line())
    return 1 if any(t.mismatches or t.max_diff >= 1e-6 for t in (t1, t2, ts)) else 0


if __name__ == "__main__":
    raise SystemExit(main())
