#!/usr/bin/env python
"""Throughput of the taggers on one core, old and new side by side in one run.

Reads the first N articles (default 2,000, sorted zip/member order) of SaudiNewsNet from
../shared/data (skips with a message when absent), splits them into sentences naively
(newlines and . ! ? ؟ ؛), and times every row group after a warm-up (one process, one thread;
CPU time, i.e. what one free core would do):

* entity CRF scoring (both stages, ``tag_document`` on each article's tokenised sentences):
  old = python-crfsuite with string features (bench/_crfsuite_ref.py), new = pipeline/core/crf_scoring.py;
* the whole Arabic entity tagger (``EntityTagger.tag``, --backend crf|neural);
* the sources extractor (``SourceExtractor.extract`` with the tagger's entities): new = this checkout,
  old = the checkout given by --old-code (default ../baseline beside this checkout, when present), run in a subprocess.

  python bench/bench_ner.py [--articles 2000] [--backend crf|neural] [--old-code DIR]
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
REPO = Path(__file__).resolve().parents[1]
if os.environ.get("BENCH_NER_OLD_CODE"):  # the old-code subprocess: that checkout's pipeline first
    sys.path.insert(0, os.environ["BENCH_NER_OLD_CODE"])
else:
    sys.path.insert(0, str(REPO))
sys.path.append(str(Path(__file__).resolve().parent))

from _snn import iter_articles, saudinewsnet_zips, shared_data_dir  # noqa: E402
from pipeline.core import entities as E  # noqa: E402
from pipeline.core.types import Sentence  # noqa: E402

_SPLIT_RE = re.compile(r"[^\n.!?؟؛]+[.!?؟؛]*")
DEFAULT_OLD = Path(__file__).resolve().parents[2] / "baseline"  # a checkout of the old code beside this one


def load_articles(n: int) -> list[dict]:
    """The first ``n`` articles with a non-empty body, in zip order."""
    return list(itertools.islice((art for _, art in iter_articles() if art.get("content")), n))


def sentences(doc_id: str, text: str) -> list[Sentence]:
    out = []
    for m in _SPLIT_RE.finditer(text):
        if m.group().strip():
            out.append(Sentence(doc_id=doc_id, paragraph_index=0, sentence_index=len(out), start=m.start(),
                                end=m.end(), text=m.group(), lang="ar"))
    return out


def timed(fn, items, warmup: int = 50) -> float:
    """CPU seconds of ``fn`` over ``items`` after a warm-up on the first ``warmup`` (word caches)."""
    for x in items[:warmup]:
        fn(x)
    c0 = time.process_time()
    for x in items:
        fn(x)
    return time.process_time() - c0


def crf_scoring_rows(docs) -> None:
    """Entity CRF, both stages: python-crfsuite (old) and crf_scoring (new) on the same tokens."""
    from _crfsuite_ref import CrfsuiteArabicTagger

    new = E.CrfArabicTagger(E.MODELS_DIR)
    old = CrfsuiteArabicTagger(new)
    token_docs = [[[t[0] for t in E.tokenize(s.text)] for s in sents] for _, _, sents in docs]
    ntok = sum(len(s) for d in token_docs for s in d)
    for name, tagger in (("old (python-crfsuite)", old), ("new (crf_scoring)", new)):
        cpu = timed(tagger.tag_document, token_docs)
        print(f"entity CRF scoring, {name:<22} {ntok / cpu:>10,.0f} tokens/s per core  ({cpu:.1f}s CPU)")


def tagger_rows(docs, backend: str) -> None:
    """The whole Arabic entity tagger (tokenising, both CRF stages, spans, canonical names)."""
    ntok = sum(len(E.tokenize(t)) for _, t, _ in docs)
    tagger = E.EntityTagger(E.EntitySettings(backend=backend, french=False))
    cpu = timed(lambda d: tagger.tag(*d), docs)
    print(f"EntityTagger.tag ({tagger.arabic_tagger_name}), new {ntok / cpu:>10,.0f} tokens/s per core, "
          f"{len(docs) / cpu:,.1f} articles/s  ({cpu:.1f}s CPU)")


def sources_cpu(arts: list[dict]) -> tuple[float, int]:
    """CPU seconds of SourceExtractor.extract over ``arts`` (with the entity tagger's entities)."""
    from pipeline.core.sources import SourceExtractor, SourceSettings

    tagger = E.EntityTagger(E.EntitySettings(french=False))
    extractor = SourceExtractor(SourceSettings())
    items = []
    for i, art in enumerate(arts):
        text = art["content"]
        sents = sentences(f"a{i}", text)
        items.append((f"a{i}", text, sents, tagger.tag(f"a{i}", text, sents), art.get("source"), art.get("url")))
    cpu = timed(lambda x: extractor.extract(x[0], x[1], x[2], entities=x[3], outlet=x[4], url=x[5]), items)
    return cpu, len(items)


def sources_rows(args) -> None:
    """SourceExtractor.extract: this checkout (new) and --old-code (old, in a subprocess)."""
    if args.old_code and Path(args.old_code, "pipeline").is_dir():
        env = dict(os.environ, BENCH_NER_OLD_CODE=str(args.old_code), PYTHONPATH=str(args.old_code))
        out = subprocess.run([sys.executable, __file__, "--articles", str(args.articles), "--sources-json"],
                             env=env, capture_output=True, text=True, check=True).stdout
        cpu, n = json.loads(out.strip().splitlines()[-1])
        print(f"SourceExtractor.extract, old ({args.old_code}) {n / cpu:>8,.1f} articles/s per core  ({cpu:.1f}s CPU)")
    cpu, n = sources_cpu(load_articles(args.articles))
    print(f"SourceExtractor.extract, new ({REPO}) {n / cpu:>8,.1f} articles/s per core  ({cpu:.1f}s CPU)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--backend", choices=("crf", "neural"), default="crf")
    ap.add_argument("--old-code", default=str(DEFAULT_OLD) if DEFAULT_OLD.is_dir() else None,
                    help="a checkout of the code before the change, for the sources 'old' row")
    ap.add_argument("--sources-json", action="store_true", help=argparse.SUPPRESS)  # the old-code subprocess
    args = ap.parse_args()
    if not saudinewsnet_zips():
        print(f"bench_ner: {shared_data_dir()}/saudinewsnet/*.zip not found (shared data absent; "
              "set NEWSCORPUS_SHARED_DATA); skipping.")
        return 0
    try:
        import torch  # one thread, as in a pipeline worker (the neural backend also sets it)

        torch.set_num_threads(1)
    except ImportError:
        pass
    if args.sources_json:
        print(json.dumps(sources_cpu(load_articles(args.articles))))
        return 0
    docs = [(f"a{i}", a["content"], sentences(f"a{i}", a["content"])) for i, a in enumerate(load_articles(args.articles))]
    ntok = sum(len(E.tokenize(t)) for _, t, _ in docs)
    print(f"articles {len(docs):,}, sentences {sum(len(s) for _, _, s in docs):,}, tokens {ntok:,}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    crf_scoring_rows(docs)
    tagger_rows(docs, args.backend)
    sources_rows(args)
    print(f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (figures under load are lower)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
