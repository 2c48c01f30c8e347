"""Batch mode and incremental runs: dedup across batches and runs through the persistent index."""
import json
import subprocess
import sys

import pyarrow.dataset as ds

from conftest import REPO, SAMPLE

RECORDS = [json.loads(line) for line in (SAMPLE / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
BY_ID = {r["id"]: r for r in RECORDS}


def cli(*args):
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", *map(str, args), "-q"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def write_days(folder, days):
    """One JSONL file per 'day', so that copies of an article land in different batches."""
    folder.mkdir(parents=True, exist_ok=True)
    for day, ids in days.items():
        lines = [json.dumps(BY_ID[i], ensure_ascii=False) for i in ids]
        (folder / f"{day}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def statuses(out, hive=False):
    table = ds.dataset(out / "documents", format="parquet", partitioning="hive" if hive else None).to_table()
    docs = table.to_pylist()
    by_doc = {d["doc_id"]: d["record_id"] for d in docs}
    return {d["record_id"]: (d["dup_status"], by_doc.get(d["canonical_doc_id"])) for d in docs}


def test_batches_find_copies_across_batches_like_a_single_run(tmp_path):
    write_days(tmp_path / "in", {"day1": ["sa-001", "sa-004"], "day2": ["sa-002", "fr-001"],
                                 "day3": ["sa-003", "en-001"]})
    cli(tmp_path / "in", "--output", tmp_path / "single")
    cli(tmp_path / "in", "--output", tmp_path / "batched", "--batch-files", "1")
    single, batched = statuses(tmp_path / "single"), statuses(tmp_path / "batched")
    assert batched == single
    assert batched["sa-002"] == ("exact_duplicate", "sa-001")
    assert batched["sa-003"] == ("near_duplicate", "sa-001")
    manifest = json.loads((tmp_path / "batched" / "manifest.json").read_text())
    assert manifest["batches"] == 3 and manifest["accounting"]["documents"] == 6
    shards = sorted(f.name for f in (tmp_path / "batched" / "documents").glob("*.parquet"))
    # each batch writes its own shards (one per worker that had rows), named with its number
    assert {name.split("-part-")[0] for name in shards} == {"batch-00000", "batch-00001", "batch-00002"}, shards


def test_incremental_runs_skip_processed_inputs_and_dedup_against_earlier_runs(tmp_path):
    days = tmp_path / "in"
    write_days(days, {"day1": ["sa-001", "sa-004"], "day2": ["fr-001"]})
    out = tmp_path / "corpus"
    cli(days, "--output", out, "--incremental")
    write_days(days, {"day3": ["sa-002", "sa-003", "en-001"]})
    cli(days, "--output", out, "--incremental")

    runs = sorted(p.stem for p in (out / "runs").glob("*.json"))
    assert len(runs) == 2
    second = json.loads((out / "runs" / f"{runs[1]}.json").read_text())
    skipped = {i["source_uri"].rsplit("/", 1)[-1]: i["status"] for i in second["inputs"]}
    assert skipped == {"day1.jsonl": "skipped_already_processed", "day2.jsonl": "skipped_already_processed",
                       "day3.jsonl": "read"}
    assert second["accounting"] == {"inputs": 3, "documents": 3, "rejects": 0}

    all_docs = statuses(out, hive=True)
    assert len(all_docs) == 6, "each article exactly once over both runs"
    assert all_docs["sa-002"] == ("exact_duplicate", "sa-001")
    assert all_docs["sa-003"] == ("near_duplicate", "sa-001")
    partitions = sorted(p.name for p in (out / "documents").iterdir())
    assert partitions == [f"run={r}" for r in runs]

    from pipeline.report import summarise

    headline = summarise(out, top=3)["headline"]
    assert (headline["inputs"], headline["documents"], headline["accounting_ok"]) == (6, 6, True), \
        "the report of an incremental corpus adds up every run"
