#!/usr/bin/env python
"""Top entities per type over a folder of JSONL articles, with the entity tagger alone (no pipeline).

Cleans each body (``clean_text``), splits it into sentences (``split_sentences``), tags it with
``EntityTagger`` and writes every mention to ``--mentions`` (Parquet), then prints the top N
names per type. Runs against any checkout (``PYTHONPATH=/path/to/checkout``), so the same script
gives the before and after lists of a change to the tagger:

  nice -n 10 python bench/top_entities.py DIR_OF_JSONL --mentions /tmp/ents [--top 20]
  python bench/top_entities.py --mentions /tmp/ents --top 20     # only print the lists

The model's output does not depend on the post-processing, so a before/after comparison of the
post-processing tags once (``--raw``, links nothing) and refines twice (``--refine RAW``, with
each checkout on PYTHONPATH): about 20 minutes per 10,000 articles on a loaded 2-core machine.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402


def tag_folder(folder: Path, mentions: Path, limit: int, raw: bool, reverse: bool = False) -> None:
    from pipeline.core.clean import clean_text
    from pipeline.core.entities import EntitySettings, EntityTagger
    from pipeline.core.sentences import split_sentences
    from pipeline.core.types import Sentence

    tagger = EntityTagger(EntitySettings(link_partial_names=False)) if raw else EntityTagger()
    rows: dict[str, list] = collections.defaultdict(list)
    started, n = time.time(), 0
    for path in sorted(folder.glob("*.jsonl"), reverse=reverse):
        if (mentions / f"{path.stem}.parquet").exists():  # another process (--reverse) did it
            continue
        for line_no, line in enumerate(path.open(encoding="utf-8")):
            if limit and n >= limit:
                break
            body = json.loads(line).get("content") or ""
            text = clean_text(body).text
            doc_id = f"{path.stem}:{line_no}"
            sents = [Sentence(doc_id=doc_id, paragraph_index=0, sentence_index=i, start=b.start, end=b.end,
                              text=text[b.start:b.end], lang="ar")
                     for i, b in enumerate(split_sentences(text))]
            for e in tagger.tag(doc_id, text, sents):
                for field in ("doc_id", "sentence_index", "start", "end", "text", "type", "canonical", "lang",
                              "tagger", "confidence"):
                    rows[field].append(getattr(e, field))
                rows["canonical_key"].append(getattr(e, "canonical_key", e.canonical))
            n += 1
        # one file of mentions per input file, written as soon as it is done: a long run can be read midway
        mentions.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(rows), mentions / f"{path.stem}.parquet")
        rows.clear()
        print(f"{path.name}: {n} articles, {time.time() - started:.0f} s", file=sys.stderr, flush=True)
    counts = {k: v for k, v in tagger.counts.items() if k.startswith("dropped")}
    print(f"tagged {n} articles in {time.time() - started:.0f} s; {counts}", file=sys.stderr)


def refine_raw(folder: Path, raw: Path, mentions: Path) -> None:
    """Apply this checkout's post-processing to ``--raw`` mentions (the model's output does not change):
    ``EntityTagger.refine`` where it exists, else the older ``link_partial_names``."""
    from pipeline.core.clean import clean_text
    from pipeline.core.entities import EntitySettings, EntityTagger, link_partial_names
    from pipeline.core.types import Entity

    tagger = EntityTagger(EntitySettings(french=False))
    mentions.mkdir(parents=True, exist_ok=True)
    for part in sorted(raw.glob("*.parquet")):
        by_doc = collections.defaultdict(list)
        for r in pq.read_table(part).to_pylist():
            by_doc[r["doc_id"]].append(r)
        lines = (folder / f"{part.stem}.jsonl").read_text(encoding="utf-8").splitlines()
        rows: dict[str, list] = collections.defaultdict(list)
        for doc_id, found in by_doc.items():
            fields = [{k: r[k] for k in ("doc_id", "sentence_index", "start", "end", "text", "type", "canonical",
                                         "lang", "tagger", "confidence")} for r in found]
            if hasattr(tagger, "refine"):
                from pipeline.core.entities import _name_words

                text = clean_text(json.loads(lines[int(doc_id.rsplit(":", 1)[1])]).get("content") or "").text
                ents = []
                for f in fields:  # the raw text already lost its clitic: only the names are made again
                    shown, words = _name_words(f["text"], f["lang"], tagger._lexicon)
                    ents.append(Entity(**{**f, "canonical": " ".join(shown)},
                                       canonical_key=tagger.names.key(" ".join(words))))
                ents = tagger.refine(text, ents)
            else:
                ents = link_partial_names([Entity(**f) for f in fields])
            for e in ents:
                for field in ("doc_id", "text", "type", "canonical"):
                    rows[field].append(getattr(e, field))
                rows["canonical_key"].append(getattr(e, "canonical_key", e.canonical))
        pq.write_table(pa.table(rows), mentions / part.name)
    counts = {k: v for k, v in tagger.counts.items() if k.startswith("dropped")}
    print(f"refined {len(list(raw.glob('*.parquet')))} files of mentions; {counts}", file=sys.stderr)


def print_top(mentions: Path, top: int) -> None:
    """Top names per type by mentions, grouped by key, shown in the key's most frequent display form."""
    table = pq.read_table(sorted(mentions.glob("*.parquet"))).to_pydict()
    by_type: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    docs: dict[tuple, set] = collections.defaultdict(set)
    shown: dict[tuple, collections.Counter] = collections.defaultdict(collections.Counter)
    for doc_id, typ, canonical, key in zip(table["doc_id"], table["type"], table["canonical"], table["canonical_key"]):
        by_type[typ][key] += 1
        docs[typ, key].add(doc_id)
        shown[typ, key][canonical] += 1
    for typ in sorted(by_type):
        print(f"## {typ}")
        for rank, (key, count) in enumerate(by_type[typ].most_common(top), 1):
            name = min(shown[typ, key].items(), key=lambda kv: (-kv[1], kv[0]))[0]
            print(f"{rank:>3}. {name}  ({count} mentions, {len(docs[typ, key])} docs)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", type=Path, help="JSONL articles (omit to print an earlier --mentions)")
    ap.add_argument("--mentions", type=Path, required=True, help="folder of Parquet files of every mention (one per input file)")
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--limit", type=int, default=0, help="tag only the first N articles")
    ap.add_argument("--raw", action="store_true", help="tag without linking partial names (input of --refine)")
    ap.add_argument("--reverse", action="store_true",
                    help="files in reverse order, skipping those done: a second process sharing the work")
    ap.add_argument("--refine", type=Path, metavar="RAW",
                    help="post-process the --raw mentions in RAW with this checkout (needs the JSONL folder)")
    args = ap.parse_args()
    if args.refine:
        refine_raw(args.folder, args.refine, args.mentions)
    elif args.folder:
        tag_folder(args.folder, args.mentions, args.limit, args.raw, args.reverse)
    print_top(args.mentions, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
