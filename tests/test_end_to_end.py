"""Run the CLI on sample_data/ once (module fixture) and check the tables it wrote."""
import json
import subprocess
import sys

import pyarrow.dataset as ds
import pytest

from conftest import REPO, SAMPLE
from pipeline.schema import TABLES


def read(out, table):
    return ds.dataset(out / table, format="parquet").to_table()


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", str(SAMPLE), "--output", str(out), "-q"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc.stdout


def test_every_table_written_with_its_schema(sample_run):
    out, _ = sample_run
    for table, schema in TABLES.items():
        assert read(out, table).schema.equals(schema), table
    assert (out / "_SUCCESS").exists()
    assert not list(out.parent.glob(".out.staging-*")), "staging folder left behind"


def test_inputs_equal_documents_plus_rejects(sample_run):
    out, stdout = sample_run
    manifest = json.loads((out / "manifest.json").read_text())
    acc = manifest["accounting"]
    assert acc["inputs"] == acc["documents"] + acc["rejects"] == 11
    assert acc["documents"] == read(out, "documents").num_rows == 9
    reasons = sorted(read(out, "rejects").column("reason").to_pylist())
    assert reasons == ["binary_file", "empty_file"]
    assert manifest["rejects_by_reason"] == {"binary_file": 1, "empty_file": 1}
    assert len(manifest["config_sha256"]) == 64 and manifest["versions"]["apache-beam"] == "2.77.0"
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert "inputs 11 = documents 9 + rejects 2" in stdout


def test_seed_article_sentences_and_offsets(sample_run):
    out, _ = sample_run
    docs = read(out, "documents").to_pylist()
    seed = [d for d in docs if d["source_uri"].endswith("seed_article_ar.txt")]
    assert len(seed) == 1 and seed[0]["sentence_count"] == 21 and seed[0]["lang"] == "ar"
    sentences = [s for s in read(out, "sentences").to_pylist() if s["doc_id"] == seed[0]["doc_id"]]
    assert len(sentences) == 21
    french = [s for s in sentences if s["text"].startswith("Selon M. Peskov")]
    assert len(french) == 1 and french[0]["lang"] == "fr" and french[0]["text"].endswith("روسيا.")
    last = french[0]["spans"][-1]
    assert last["lang"] == "ar" and seed[0]["text"][last["start"]:last["end"]] == "روسيا"


def test_every_offset_cuts_back_out_of_its_document(sample_run):
    out, _ = sample_run
    texts = {d["doc_id"]: d["text"] for d in read(out, "documents").to_pylist()}
    for row in read(out, "sentences").to_pylist():
        assert texts[row["doc_id"]][row["start"]:row["end"]] == row["text"]
        for span in row["spans"]:
            assert row["start"] <= span["start"] < span["end"] <= row["end"]
    for table in ("entities", "sources"):
        for row in read(out, table).to_pylist():
            if row["start"] >= 0:
                assert texts[row["doc_id"]][row["start"]:row["end"]] == row["text"], (table, row)


def test_sources_say_how_they_were_found(sample_run):
    """Every source row is from the rules, the learned span model (crf) or metadata, and the summary counts each."""
    out, stdout = sample_run
    rows = read(out, "sources").to_pylist()
    by_method = {m: sum(r["method"] == m for r in rows) for m in {r["method"] for r in rows}}
    assert set(by_method) <= {"rules", "crf", "metadata"} and by_method["rules"] > 0
    assert all((r["method"] == "metadata") == (r["role"] == "publisher") for r in rows)
    assert all(r["role"] == "cited" and r["confidence"] >= 0.7 and r["cue"] for r in rows if r["method"] == "crf")
    metrics = json.loads((out / "manifest.json").read_text())["metrics"]
    assert {k.split("_", 1)[1]: v for k, v in metrics.items() if k.startswith("sources.method_")} == by_method
    assert "sources found by: " in stdout


def test_encodings_recorded(sample_run):
    out, _ = sample_run
    by_file = {d["source_uri"].rsplit("/", 1)[-1]: d["encoding"] for d in read(out, "documents").to_pylist()}
    assert by_file["windows1256_article.txt"] == "windows-1256"
    assert by_file["seed_article_ar.txt"] == "utf-8"


def test_languages_of_jsonl_articles(sample_run):
    out, _ = sample_run
    langs = {d["record_id"]: d["lang"] for d in read(out, "documents").to_pylist() if d["record_id"]}
    assert langs["fr-001"] == "fr" and langs["en-001"] == "en" and langs["fa-001"] == "fa"
    assert langs["sa-001"] == "ar"


def test_duplicates_clustered(sample_run):
    out, _ = sample_run
    docs = {d["record_id"]: d for d in read(out, "documents").to_pylist() if d["record_id"]}
    assert docs["sa-002"]["dup_status"] == "exact_duplicate"
    assert docs["sa-003"]["dup_status"] == "near_duplicate"
    assert docs["sa-001"]["cluster_id"] == docs["sa-002"]["cluster_id"] == docs["sa-003"]["cluster_id"]
    assert docs["sa-002"]["canonical_doc_id"] == docs["sa-001"]["doc_id"]
    assert docs["sa-004"]["dup_status"] == "unique" and docs["sa-004"]["cluster_id"] is None
    assert read(out, "clusters").num_rows == 1


def test_rerun_refuses_a_file_it_did_not_write_in_a_table_folder(sample_run, tmp_path):
    out, _ = sample_run
    import shutil

    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    (copy / "documents" / "part-stale.parquet").write_bytes(b"stale")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", str(SAMPLE / "articles.jsonl"),
                           "--output", str(copy), "-q"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 2 and "part-stale.parquet" in proc.stderr, proc.stderr[-2000:]
    assert (copy / "documents" / "part-stale.parquet").read_bytes() == b"stale", "never deleted"
    assert not (out / "documents" / "part-stale.parquet").exists()


def test_canonical_only_policy_keeps_documents_but_tags_canonicals_only(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", str(SAMPLE / "articles.jsonl"), "--output",
                           str(out), "-q", "--set", "dedup.output_policy=canonical_only"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    docs = read(out, "documents").to_pylist()
    assert len(docs) == 7, "every document is still listed and marked"
    copies = {d["doc_id"] for d in docs if d["canonical_doc_id"] != d["doc_id"]}
    assert len(copies) == 2
    for table in ("sentences", "entities", "sources"):
        assert not copies & set(read(out, table).column("doc_id").to_pylist()), table
