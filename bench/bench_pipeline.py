"""Throughput and peak memory of the whole pipeline against the bare-Beam floor, in one run.

For each subset size (default 2k and all 20,329 SaudiNewsNet articles, written as JSONL files of 500
articles, or one file with ``--one-file``, in a temporary folder, never into the repo) it runs, each in
its own process:
  floor   bare Beam FnApiRunner: read JSONL -> json + NFC + xxhash -> WriteToParquet (one process)
  single  newscorpus run on the folder in its default configuration (one worker process per core)
  batch   newscorpus run --batch-files K (bounded memory; dedup across batches via the index)
and prints wall seconds, documents/s, MB/s, peak resident memory (the whole process tree, sampled)
and the ratio to the floor measured in the same run.

    python bench/bench_pipeline.py [--sizes 2000 20329] [--batch-files 4] [--modes floor single batch]
                                   [--one-file] [--compare-set sources.model_spans=false]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _snn import iter_articles, saudinewsnet_zips  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FILE_SIZE = 500


def write_subset(folder: Path, n: int, file_size: int = FILE_SIZE) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    handle = None
    for i, (_, record) in enumerate(iter_articles()):
        if i == n:
            break
        if i % file_size == 0:
            if handle:
                handle.close()
            handle = open(folder / f"part-{i // file_size:04d}.jsonl", "w", encoding="utf-8")
        line = json.dumps(record, ensure_ascii=False) + "\n"
        handle.write(line)
        total += len(line.encode("utf-8"))
    if handle:
        handle.close()
    return total


def floor(input_dir: str, output: str) -> None:
    """The floor from DESIGN.md: the least a Beam job over these files can do."""
    import unicodedata

    import apache_beam as beam
    import pyarrow as pa
    import xxhash
    from apache_beam.options.pipeline_options import PipelineOptions

    schema = pa.schema([("hash", pa.string()), ("text", pa.string())])

    def row(line: str) -> dict:
        text = unicodedata.normalize("NFC", json.loads(line).get("content") or "")
        return {"hash": xxhash.xxh64_hexdigest(text.encode()), "text": text}

    options = PipelineOptions(runner="FnApiRunner", direct_running_mode="in_memory")
    with beam.Pipeline(options=options) as p:
        (p | beam.io.ReadFromText(f"{input_dir}/*.jsonl") | beam.Map(row)
         | beam.io.WriteToParquet(f"{output}/floor/part", schema, codec="zstd", file_name_suffix=".parquet",
                                  row_group_buffer_size=8 << 20))


def tree_rss_mb(root: int) -> float:
    """Resident memory (MB) of a process and all its descendants (local runs use worker processes)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid and child not in tree]
        tree.update(children)
        frontier.extend(children)
    total = 0
    for pid in tree:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return total / 2**20


def measure(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds and peak resident memory (MB, the process tree summed, sampled every 0.2 s)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, done = [0.0], threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], tree_rss_mb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{err[-3000:]}")
    return elapsed, peak[0], out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20329])
    parser.add_argument("--one-file", action="store_true", help="each subset as one JSONL file")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write the runs' outputs into DIR (kept) instead of a temporary folder")
    parser.add_argument("--modes", nargs="+", default=["floor", "single", "batch"], choices=["floor", "single", "batch"])
    parser.add_argument("--batch-files", type=int, default=4, help="JSONL files (of 500 articles) per batch")
    parser.add_argument("--compare-set", metavar="KEY=VALUE",
                        help="also run single mode with this config override (row 'single*'), e.g. "
                             "sources.model_spans=false, so both are measured in the same run")
    parser.add_argument("--floor", nargs=2, metavar=("INPUT", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        floor(*args.floor)
        return
    if not saudinewsnet_zips():
        print("skipped: ../shared/data/saudinewsnet not found (set NEWSCORPUS_SHARED_DATA)")
        return
    print(f"machine: {platform.node()}  {os.cpu_count()} cores  python {platform.python_version()}")
    print(f"{'articles':>8} {'MB':>6} {'mode':>6} {'wall s':>8} {'docs/s':>8} {'MB/s':>6} {'peak MB':>8} {'x floor':>8}")
    with tempfile.TemporaryDirectory(prefix="newscorpus-bench-") as tmp:
        for size in args.sizes:
            folder = Path(tmp) / f"in-{size}"
            megabytes = write_subset(folder, size, size if args.one_file else FILE_SIZE) / 1e6
            floor_seconds = None
            for mode in args.modes + (["single*"] if args.compare_set else []):
                out = (args.keep or Path(tmp)) / f"out-{size}-{mode.replace('*', '-compare')}"
                if mode == "floor":
                    command = [sys.executable, __file__, "--floor", str(folder), str(out)]
                else:
                    command = [sys.executable, "-m", "pipeline", "run", str(folder), "--output", str(out), "-q"]
                    if mode == "batch":
                        command += ["--batch-files", str(args.batch_files)]
                    if mode == "single*":
                        command += ["--set", args.compare_set]
                seconds, peak, _ = measure(command)
                if mode == "floor":
                    floor_seconds = seconds
                ratio = f"{seconds / floor_seconds:8.1f}" if floor_seconds else f"{'':>8}"
                print(f"{size:>8} {megabytes:6.1f} {mode:>6} {seconds:8.1f} {size / seconds:8.0f} "
                      f"{megabytes / seconds:6.2f} {peak:8.0f} {ratio}", flush=True)


if __name__ == "__main__":
    main()
