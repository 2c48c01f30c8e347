"""Throughput and peak memory of the Deduplicate stage alone, on 2k / 5k / 20k shared articles.

    python bench/bench_dedup.py [--sizes 2000 5000 20329] [--mode in_memory] [--repeat 2]
    TEXT_DEDUP_PYTHON=/path/to/venv/bin/python python bench/bench_dedup.py   # + text-dedup, same run

Documents are built (cleaned, normalised) once, outside the timing, and pickled into shards. Each
measurement runs in a fresh subprocess (so peak RSS is its own):
- ``floor``: FnApiRunner pipeline that loads the shards and counts the documents;
- ``dedup``: the same plus ``Deduplicate`` (documents and clusters both consumed).
Stage time = dedup wall - floor wall (best of ``--repeat``); docs/s = N / stage time. Peak memory is
ru_maxrss of the subprocess plus its children (multi_processing workers), in MB.

text-dedup (0.4.0, MinHash, its defaults, 2 processes) is run on the same documents' ``text`` when
TEXT_DEDUP_PYTHON points at a Python with it installed; otherwise its DESIGN.md figure (1,166 docs/s
on the 20k articles, this machine) is quoted.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TEXT_DEDUP_DESIGN_DOCS_PER_S = 1166


def _child(kind: str, shard_dir: str, mode: str, workers: int) -> None:
    """Runs inside the subprocess: one pipeline, prints a JSON line with wall time and counters."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipeline.core.minhash import DedupSettings
    from pipeline.stages.dedup import Deduplicate

    shards = sorted(str(p) for p in Path(shard_dir).glob("*.pkl"))

    def load(path):
        with open(path, "rb") as f:
            return pickle.load(f)

    opts = PipelineOptions(flags=[], direct_running_mode=mode, direct_num_workers=workers)
    p = beam.Pipeline(runner="FnApiRunner", options=opts)
    docs = p | "Shards" >> beam.Create(shards) | "Load" >> beam.FlatMap(load)
    if kind == "dedup":
        result = docs | "Deduplicate" >> Deduplicate(DedupSettings())
        docs = result.documents
        _ = result.clusters | "Count clusters" >> beam.combiners.Count.Globally()
    _ = docs | "Count docs" >> beam.combiners.Count.Globally()
    t0 = time.perf_counter()
    res = p.run()
    res.wait_until_finish()
    wall = time.perf_counter() - t0
    counters = {c.key.metric.name: c.committed for c in res.metrics().query()["counters"]}
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
           + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print("RESULT " + json.dumps({"wall": wall, "rss_mb": rss, "counters": counters}), flush=True)


def _run_child(kind, shard_dir, mode, workers):
    out = subprocess.run([sys.executable, __file__, "--child", kind, shard_dir, mode, str(workers)],
                         capture_output=True, text=True, check=True)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def _text_dedup(python: str, docs, work: Path) -> dict | None:
    """text-dedup 0.4.0 MinHash on the same texts: its CLI defaults, threshold 0.7, 2 processes."""
    work.mkdir(parents=True, exist_ok=True)
    data = work / "td.jsonl"
    with data.open("w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps({"id": d.doc_id, "text": d.text}, ensure_ascii=False) + "\n")
    cmd = [python, "-m", "text_dedup.minhash", "--path", "json", "--data_files", str(data), "--split", "train",
           "--cache_dir", str(work / "td_cache"), "--output", str(work / "td_out"), "--column", "text",
           "--batch_size", "10000", "--num_proc", "2", "--threshold", "0.7"]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        print("text-dedup failed:", out.stderr[-800:])
        return None
    return {"wall": wall, "tail": out.stdout[-400:] + out.stderr[-400:]}


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return 0
    from eval_dedup import data_dir, real_documents

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 5000, 20329])
    ap.add_argument("--mode", default="in_memory", choices=["in_memory", "multi_processing"])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    if args.mode == "in_memory" and args.workers != 1:
        ap.error("in_memory runs one worker")
    if not (data_dir() / "saudinewsnet").is_dir():
        print(f"skipped: no shared data at {data_dir()} (set NEWSCORPUS_SHARED_DATA)")
        return 0

    t0 = time.perf_counter()
    all_docs = real_documents(max(args.sizes))
    print(f"built {len(all_docs)} documents in {time.perf_counter() - t0:.1f}s (not timed below)")
    td_python = os.environ.get("TEXT_DEDUP_PYTHON")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_dedup_") as tmp:
        for n in args.sizes:
            docs = all_docs[:n]
            shard_dir = Path(tmp) / f"n{n}"
            shard_dir.mkdir()
            step = max(1, (len(docs) + 7) // 8)
            for i in range(0, len(docs), step):
                with open(shard_dir / f"{i:06d}.pkl", "wb") as f:
                    pickle.dump(docs[i:i + step], f)
            floor = min((_run_child("floor", str(shard_dir), args.mode, args.workers) for _ in range(args.repeat)),
                        key=lambda r: r["wall"])
            dedup = min((_run_child("dedup", str(shard_dir), args.mode, args.workers) for _ in range(args.repeat)),
                        key=lambda r: r["wall"])
            stage = max(dedup["wall"] - floor["wall"], 1e-9)
            row = {"n": len(docs), "floor_s": floor["wall"], "dedup_s": dedup["wall"], "stage_s": stage,
                   "docs_per_s": len(docs) / stage, "end_to_end_docs_per_s": len(docs) / dedup["wall"],
                   "floor_rss_mb": floor["rss_mb"], "dedup_rss_mb": dedup["rss_mb"],
                   "counters": dedup["counters"]}
            if td_python:
                td = _text_dedup(td_python, docs, Path(tmp) / f"td{n}")
                if td:
                    row["text_dedup_s"] = td["wall"]
                    row["text_dedup_docs_per_s"] = len(docs) / td["wall"]
            rows.append(row)
            print(json.dumps(row), flush=True)

    print(f"\nDeduplicate stage, FnApiRunner {args.mode}, workers={args.workers}, best of {args.repeat}")
    print(f"{'docs':>7}{'floor s':>9}{'dedup s':>9}{'stage s':>9}{'docs/s':>9}{'e2e/s':>8}"
          f"{'RSS floor':>11}{'RSS dedup':>11}{'text-dedup/s':>14}")
    for r in rows:
        td = f"{r['text_dedup_docs_per_s']:.0f}" if "text_dedup_docs_per_s" in r else "-"
        print(f"{r['n']:>7}{r['floor_s']:>9.2f}{r['dedup_s']:>9.2f}{r['stage_s']:>9.2f}{r['docs_per_s']:>9.0f}"
              f"{r['end_to_end_docs_per_s']:>8.0f}{r['floor_rss_mb']:>11.0f}{r['dedup_rss_mb']:>11.0f}{td:>14}")
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        print(f"growth {a['n']} -> {b['n']} docs (x{b['n'] / a['n']:.1f}): stage time x{b['stage_s'] / a['stage_s']:.2f}, "
              f"peak RSS x{b['dedup_rss_mb'] / a['dedup_rss_mb']:.2f} ({a['dedup_rss_mb']:.0f} -> {b['dedup_rss_mb']:.0f} MB)")
    last = rows[-1]
    ref = last.get("text_dedup_docs_per_s")
    if ref:
        print(f"same-run ratio on {last['n']} docs: ours {last['docs_per_s']:.0f} docs/s vs text-dedup {ref:.0f} docs/s "
              f"= x{last['docs_per_s'] / ref:.2f}")
    else:
        print(f"text-dedup (DESIGN.md figure, 20k articles, 2 processes): {TEXT_DEDUP_DESIGN_DOCS_PER_S} docs/s; "
              f"ours on {last['n']}: {last['docs_per_s']:.0f} docs/s (stage) / {last['end_to_end_docs_per_s']:.0f} "
              f"(including Beam start-up and loading) -- not a same-run ratio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
