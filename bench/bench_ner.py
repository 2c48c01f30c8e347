#!/usr/bin/env python
"""Throughput of the Arabic NER tagger (EntityTagger.tag, --backend crf|neural) on one core.

Reads the first N articles (default 2,000, sorted zip/member order) of SaudiNewsNet from
../shared/data (skips with a message when absent), splits them into sentences naively
(newlines and . ! ? ؟ ؛), and tags every article once after a warm-up. Prints tokens/s,
sentences/s, articles/s and entities found.

  python bench/bench_ner.py [--articles 2000] [--backend crf|neural]
"""
from __future__ import annotations

import argparse
import itertools
import os
import re
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _snn import iter_articles, saudinewsnet_zips, shared_data_dir  # noqa: E402
from pipeline.core import entities as E  # noqa: E402
from pipeline.core.types import Sentence  # noqa: E402

_SPLIT_RE = re.compile(r"[^\n.!?؟؛]+[.!?؟؛]*")


def load_articles(n: int) -> list[str]:
    """The first ``n`` non-empty article bodies, in zip order."""
    return list(itertools.islice((art["content"] for _, art in iter_articles() if art.get("content")), n))


def sentences(doc_id: str, text: str) -> list[Sentence]:
    out = []
    for m in _SPLIT_RE.finditer(text):
        if m.group().strip():
            out.append(Sentence(doc_id=doc_id, paragraph_index=0, sentence_index=len(out), start=m.start(),
                                end=m.end(), text=m.group(), lang="ar"))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--backend", choices=("crf", "neural"), default="crf")
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
    arts = load_articles(args.articles)
    docs = [(f"a{i}", t, sentences(f"a{i}", t)) for i, t in enumerate(arts)]
    ntok = sum(len(E.tokenize(t)) for _, t, _ in docs)
    nsent = sum(len(s) for _, _, s in docs)
    t0 = time.perf_counter()
    tagger = E.EntityTagger(E.EntitySettings(backend=args.backend, french=False))
    t1 = time.perf_counter()
    tagger.tag_batch(docs[:50])  # warm-up (feature cache)
    tagger.counts.clear()
    t2, c2 = time.perf_counter(), time.process_time()
    nent = sum(len(x) for x in tagger.tag_batch(docs))
    t3, c3 = time.perf_counter(), time.process_time()
    secs = t3 - t2
    cpu = c3 - c2
    print(f"articles {len(docs)}, sentences {nsent}, tokens {ntok}, entities {nent}")
    print(f"model load {t1 - t0:.2f}s; tagging {secs:.2f}s wall, {cpu:.2f}s CPU (one process, one thread)")
    print(f"throughput (wall): {ntok / secs:,.0f} tokens/s, {nsent / secs:,.0f} sentences/s, "
          f"{len(docs) / secs:,.1f} articles/s")
    print(f"throughput (CPU time, i.e. one free core): {ntok / cpu:,.0f} tokens/s")
    print(f"tagger: {tagger.arabic_tagger_name}; load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("entities by type:", {k[9:]: v for k, v in sorted(tagger.counts.items()) if k.startswith("entities_")})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
