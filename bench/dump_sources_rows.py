#!/usr/bin/env python
"""Every sources row (and entity row) of N shared articles outside the gold sets, sorted, one per line: to
diff the output of two versions of the code (run it once with each on PYTHONPATH).

    PYTHONPATH=../baseline python bench/dump_sources_rows.py --out /tmp/base.tsv
    PYTHONPATH=$PWD python bench/dump_sources_rows.py --out /tmp/new.tsv && diff /tmp/base.tsv /tmp/new.tsv

Articles: the first N (default 1,500) of the JSONL folder (--data, or $NEWSCORPUS_SNN20K) whose URL is in no gold set of
tests/data, processed as the pipeline does (clean -> analyse_document -> EntityTagger ->
SourceExtractor.extract with the entities, outlet and URL). Confidences are rounded to 1e-6.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # after PYTHONPATH: the version under test comes first

from pipeline.core.clean import clean_text, normalise_for_search  # noqa: E402
from pipeline.core.entities import EntitySettings, EntityTagger  # noqa: E402
from pipeline.core.langspans import LanguageSegmenter, LanguageSettings  # noqa: E402
from pipeline.core.sources import SourceExtractor, SourceSettings  # noqa: E402
from pipeline.core.types import Document  # noqa: E402
from pipeline.stages.segment import analyse_document  # noqa: E402

DEFAULT_DATA = Path(os.environ.get("NEWSCORPUS_SNN20K", Path(__file__).resolve().parents[2] / "data" / "snn20k"))


def gold_urls() -> set[str]:
    urls = set()
    for path in (ROOT / "tests" / "data").glob("sources_*.yaml"):
        urls.update(re.findall(r"https?://\S+", path.read_text(encoding="utf-8")))
    return {u.strip("'\",") for u in urls}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--articles", type=int, default=1500)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    import pipeline
    print(f"code: {Path(pipeline.__file__).parent}", file=sys.stderr)
    skip = gold_urls()
    segmenter = LanguageSegmenter(LanguageSettings())
    tagger = EntityTagger(EntitySettings())
    extractor = SourceExtractor(SourceSettings())
    lines: list[str] = []
    n = 0
    secs = 0.0
    for path in sorted(glob.glob(str(args.data / "*.jsonl"))):
        for line in open(path, encoding="utf-8"):
            if n >= args.articles:
                break
            rec = json.loads(line)
            if rec.get("url") in skip:
                continue
            n += 1
            text = clean_text(rec.get("content") or "").text
            doc = Document(doc_id=rec["url"], source_uri=rec["url"], text=text, norm_text=normalise_for_search(text),
                           outlet=rec.get("source"), url=rec.get("url"))
            sents = analyse_document(doc, segmenter).sentences
            ents = tagger.tag(doc.doc_id, text, sents)
            t0 = time.process_time()
            rows = extractor.extract(doc.doc_id, text, sents, entities=ents, outlet=rec.get("source"), url=rec.get("url"))
            secs += time.process_time() - t0
            for e in ents:
                lines.append("\t".join(map(str, ("E", e.doc_id, e.sentence_index, e.start, e.end, e.text, e.type,
                                                 e.canonical, e.lang, e.tagger, f"{e.confidence:.6f}"))))
            for r in rows:
                fields = [getattr(r, f) for f in r.__dataclass_fields__]
                lines.append("\t".join(["S"] + [f"{v:.6f}" if isinstance(v, float) else str(v) for v in fields]))
    lines.sort()
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{n} articles, {sum(ln.startswith('S') for ln in lines)} source rows, "
          f"{sum(ln.startswith('E') for ln in lines)} entity rows -> {args.out}; "
          f"SourceExtractor.extract {secs:.1f}s CPU ({n / max(secs, 1e-9):.0f} articles/s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
