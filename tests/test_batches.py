"""Batch mode and incremental runs: dedup across batches and runs through the persistent index, and a
batch-mode run settled into the tables of a single run."""
import json
import subprocess
import sys
import zipfile

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from conftest import REPO, SAMPLE, SHARED_DATA, needs_shared_data

TABLES = ("documents", "sentences", "entities", "sources", "clusters", "rejects", "inputs")

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


def table_rows(out, table):
    """A table as sorted rows (floats rounded), as the manifest lists its shards."""
    manifest = json.loads((out / "manifest.json").read_text())
    rows = []
    for path in manifest["files"][table]:
        for row in pq.read_table(out / path).to_pylist():
            rows.append(repr({k: round(v, 6) if isinstance(v, float) else v for k, v in sorted(row.items())}))
    return sorted(rows)


# Counters of work done, not of rows: under canonical_only a batch tags documents a later batch demotes.
WORK_COUNTERS = ("timing.", "entities.tokens_", "entities.sentences", "entities.regions_", "entities.untagged_",
                 "entities.dropped_")


def assert_same_tables(single, batched):
    for table in TABLES:
        a, b = table_rows(single, table), table_rows(batched, table)
        assert a == b, f"{table}: {len(set(a) - set(b))} rows only in the single run, {len(set(b) - set(a))} only batched"
    metrics = [{k: v for k, v in json.loads((out / "manifest.json").read_text())["metrics"].items()
                if not k.startswith(WORK_COUNTERS)} for out in (single, batched)]
    assert metrics[0] == metrics[1], "the summary's counts are the tables'"


def test_batches_give_the_tables_of_a_single_run(tmp_path):
    # The exact copy (sa-002) and the near copy (sa-003) of sa-001 come first; sa-001, the earliest
    # dated and so the canonical, comes in the last batch, after the others were written.
    write_days(tmp_path / "in", {"day1": ["sa-002", "sa-004"], "day2": ["sa-003", "fr-001"],
                                 "day3": ["sa-001", "en-001"]})
    cli(tmp_path / "in", "--output", tmp_path / "single")
    cli(tmp_path / "in", "--output", tmp_path / "batched", "--batch-files", "1")
    assert_same_tables(tmp_path / "single", tmp_path / "batched")
    batched = statuses(tmp_path / "batched")
    assert batched["sa-002"][0] == "exact_duplicate" and batched["sa-003"][0] == "near_duplicate"
    documents = ds.dataset(tmp_path / "batched" / "documents", format="parquet").to_table().to_pylist()
    assert all(d["cluster_id"] for d in documents if d["record_id"] in ("sa-001", "sa-002", "sa-003"))
    manifest = json.loads((tmp_path / "batched" / "manifest.json").read_text())
    assert manifest["batches"] == 3 and manifest["accounting"]["documents"] == 6
    # tables settled over the batches are written again; the others keep each batch's shards
    prefixes = {table: {p.rsplit("/", 1)[-1].split("-part-")[0] for p in manifest["files"][table]}
                for table in ("documents", "sentences", "clusters", "entities")}
    assert prefixes["documents"] == prefixes["sentences"] == prefixes["clusters"] == {"settled"}
    assert prefixes["entities"] == {"batch-00000", "batch-00001", "batch-00002"}
    on_disk = {f.name for f in (tmp_path / "batched" / "documents").glob("*.parquet")}
    assert on_disk == {p.rsplit("/", 1)[-1] for p in manifest["files"]["documents"]}, "batch shards deleted"


def snn_articles(urls: set[str]) -> dict[str, dict]:
    """The SaudiNewsNet records with these URLs, read from the shared zips (never copied)."""
    found = {}
    for archive in sorted((SHARED_DATA / "saudinewsnet").glob("*.zip")):
        with zipfile.ZipFile(archive) as z:
            for name in sorted(z.namelist()):
                if name.endswith(".json"):
                    for record in json.loads(z.read(name)):
                        if record.get("url") in urls and record["url"] not in found:
                            found[record["url"]] = record
        if len(found) == len(urls):
            break
    return found


@needs_shared_data("saudinewsnet")
@pytest.mark.parametrize("policy", ["tag_all", "canonical_only"])
def test_fifty_real_articles_in_six_files_batched_like_a_single_run(tmp_path, policy):
    # 51 SaudiNewsNet articles chosen for their duplicate clusters (up to 6 copies) and boilerplate
    # lines ("* خدمة «واشنطن بوست»"), shuffled into six files: before settling, two files per batch
    # gave other canonicals, null cluster ids and no boilerplate flags.
    split = json.loads((REPO / "tests" / "data" / "batch_split_urls.json").read_text(encoding="utf-8"))
    records = snn_articles({url for urls in split.values() for url in urls})
    folder = tmp_path / "in"
    folder.mkdir()
    for day, urls in split.items():
        (folder / f"{day}.jsonl").write_text("".join(json.dumps(records[u], ensure_ascii=False) + "\n" for u in urls),
                                            encoding="utf-8")
    flags = ["--set", f"dedup.output_policy={policy}"]
    cli(folder, "--output", tmp_path / "single", *flags)
    cli(folder, "--output", tmp_path / "batched", "--batch-files", "2", *flags)
    assert_same_tables(tmp_path / "single", tmp_path / "batched")
    sentences = ds.dataset(tmp_path / "batched" / "sentences", format="parquet").to_table().to_pylist()
    assert sum(s["is_boilerplate"] for s in sentences) >= 10


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
