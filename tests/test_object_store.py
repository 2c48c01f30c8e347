"""Output to an object store, against a real S3 API: moto's server on a loopback port, Beam's S3 filesystem.

Readers follow the documented rule: read ``manifest.json``, then the shards its ``files`` list.
"""
import json
import os
import socket
import subprocess
import sys
import time

import pytest

from conftest import SAMPLE

boto3 = pytest.importorskip("boto3", reason="the S3 tests need the aws extra: pip install -e '.[aws,test]'")
pytest.importorskip("moto.server", reason="the S3 tests need moto[server] (the test extra)")

import pyarrow.dataset as ds  # noqa: E402
import pyarrow.fs as pafs  # noqa: E402

BUCKET = "bucket"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
TABLES = ("documents", "sentences", "entities", "sources", "clusters", "rejects", "inputs")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3(request):
    """A moto S3 server on a free loopback port, with one empty bucket; stopped when the module ends."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop():
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    request.addfinalizer(stop)
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None or time.time() > deadline:
                pytest.fail(f"the moto S3 server did not start on port {port}")
            time.sleep(0.1)
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, **KEYS)
    client.create_bucket(Bucket=BUCKET)
    beam_flags = [f"--s3_endpoint_url={endpoint}", "--s3_access_key_id=testing",
                  "--s3_secret_access_key=testing", "--s3_region_name=us-east-1"]
    return {"endpoint": endpoint, "client": client, "flags": beam_flags, "port": port}


def keys(s3, prefix):
    pages = s3["client"].get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def read_by_manifest(s3, prefix, table):
    """The documented read rule, with pyarrow's own S3 filesystem (not the project's code)."""
    fs = pafs.S3FileSystem(endpoint_override=s3["endpoint"], scheme="http", access_key="testing",
                           secret_key="testing", region="us-east-1")
    with fs.open_input_stream(f"{BUCKET}/{prefix}/manifest.json") as f:
        manifest = json.load(f)
    files = [f"{BUCKET}/{prefix}/{p}" for p in manifest["files"][table]]
    return ds.dataset(files, filesystem=fs, format="parquet").to_table(), manifest


def run(inputs, output, s3, *extra, incremental=False):
    from pipeline.config import load_config
    from pipeline.run import run as run_pipeline

    config = load_config(None, ["run.progress_seconds=1000", *extra])
    return run_pipeline([str(i) for i in inputs], output, config, s3["flags"], incremental=incremental)


@pytest.fixture(scope="module")
def local_sample(tmp_path_factory):
    from pipeline.config import load_config
    from pipeline.run import run as run_pipeline

    out = tmp_path_factory.mktemp("local") / "sample"
    return run_pipeline([str(SAMPLE)], str(out), load_config(None, ["run.progress_seconds=1000"])).manifest


def test_sample_into_s3_gives_the_rows_of_a_local_run_and_a_rerun_replaces_it(s3, local_sample):
    first = run([SAMPLE], f"s3://{BUCKET}/corpus", s3).manifest
    assert first["tables"] == local_sample["tables"]
    listing = keys(s3, "corpus/")
    print("\nobjects after the first run:\n  " + "\n  ".join(listing))  # for the issue note
    assert "corpus/manifest.json" in listing and "corpus/_SUCCESS" in listing
    for table in TABLES:
        rows, manifest = read_by_manifest(s3, "corpus", table)
        assert rows.num_rows == local_sample["tables"][table], table
        assert all(first["run_id"] in p for p in manifest["files"][table])
    assert not any("beam-temp" in k or "_probe" in k for k in listing)
    assert not (SAMPLE.parent / "s3:").exists(), "never a local folder named after the URI"

    second = run([SAMPLE / "articles.jsonl"], f"s3://{BUCKET}/corpus", s3).manifest
    documents, manifest = read_by_manifest(s3, "corpus", "documents")
    assert manifest["run_id"] == second["run_id"] != first["run_id"]
    assert documents.num_rows == second["tables"]["documents"] < first["tables"]["documents"]
    listing = keys(s3, "corpus/")
    assert not any(first["run_id"] in k for k in listing), "the previous run's shards are deleted after the commit"
    success = s3["client"].get_object(Bucket=BUCKET, Key="corpus/_SUCCESS")["Body"].read().decode()
    assert success.strip() == second["run_id"]


def test_a_run_that_fails_midway_leaves_the_first_run_readable(s3, tmp_path, monkeypatch):
    import pipeline.stages.segment as segment
    from pipeline.run import RunFailed

    first = run([SAMPLE / "articles.jsonl"], f"s3://{BUCKET}/failing", s3).manifest
    before = {k: s3["client"].get_object(Bucket=BUCKET, Key=k)["Body"].read() for k in keys(s3, "failing/")}

    # Two batches: the first is written whole (its shards are in the bucket), the second holds a
    # record that makes the segment stage raise.
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes((SAMPLE / "articles.jsonl").read_bytes())
    (folder / "b.jsonl").write_text(json.dumps({"id": "boom", "content": "خبر فيه علامة FAIL-THIS-RECORD للاختبار."},
                                               ensure_ascii=False) + "\n", encoding="utf-8")
    analyse = segment.analyse_document

    def fail_on_marked(doc, segmenter):
        if "FAIL-THIS-RECORD" in doc.text:
            raise RuntimeError("marked record")
        return analyse(doc, segmenter)

    monkeypatch.setattr(segment, "analyse_document", fail_on_marked)
    with pytest.raises(RunFailed, match="marked record") as failure:
        # one in-process worker: worker processes would not see this process's patch
        run([folder], f"s3://{BUCKET}/failing", s3, "run.batch_files=1", "run.direct_num_workers=1")
    assert "partial files were removed" in str(failure.value)
    after = {k: s3["client"].get_object(Bucket=BUCKET, Key=k)["Body"].read() for k in keys(s3, "failing/")}
    assert after == before, "the failed run left nothing behind and changed nothing"
    documents, manifest = read_by_manifest(s3, "failing", "documents")
    assert manifest["run_id"] == first["run_id"] and documents.num_rows == first["tables"]["documents"]


def test_incremental_batches_on_s3_skip_processed_inputs_and_dedup_against_the_bucket(s3, tmp_path):
    records = [json.loads(line) for line in (SAMPLE / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    by_id = {r["id"]: r for r in records}
    days = tmp_path / "days"
    days.mkdir()

    def day(name, ids):
        (days / f"{name}.jsonl").write_text("".join(json.dumps(by_id[i], ensure_ascii=False) + "\n" for i in ids),
                                            encoding="utf-8")

    day("day1", ["sa-001", "sa-004"])
    first = run([days], f"s3://{BUCKET}/daily", s3, incremental=True).manifest
    day("day2", ["sa-002", "sa-003"])
    second = run([days], f"s3://{BUCKET}/daily", s3, incremental=True).manifest
    assert {i["source_uri"].rsplit("/", 1)[-1]: i["status"] for i in second["inputs"]} == {
        "day1.jsonl": "skipped_already_processed", "day2.jsonl": "read"}
    assert second["accounting"]["documents"] == 2
    assert keys(s3, "daily/runs/") == sorted(f"daily/runs/{m['run_id']}.json" for m in (first, second))

    documents, manifest = read_by_manifest(s3, "daily", "documents")
    docs = documents.to_pylist()
    by_doc = {d["doc_id"]: d["record_id"] for d in docs}
    status = {d["record_id"]: (d["dup_status"], by_doc.get(d["canonical_doc_id"])) for d in docs}
    assert len(docs) == 4, "each article once over both runs"
    assert status["sa-002"] == ("exact_duplicate", "sa-001"), "deduplicated against the index in the bucket"
    assert status["sa-003"] == ("near_duplicate", "sa-001")


def test_unreachable_bucket_and_unserved_scheme_exit_2_before_any_work(s3, tmp_path):
    from conftest import REPO

    def cli(output, *flags):
        return subprocess.run([sys.executable, "-m", "pipeline", "run", str(SAMPLE / "articles.jsonl"),
                               "--output", output, "-q", *flags], cwd=tmp_path, capture_output=True, text=True,
                              timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})

    missing = cli("s3://no-such-bucket/corpus", *s3["flags"])
    assert missing.returncode == 2 and "s3://no-such-bucket/corpus cannot be" in missing.stderr, missing.stderr[-2000:]
    unserved = cli("nosuchfs://bucket/corpus")
    assert unserved.returncode == 2 and "nosuchfs://" in unserved.stderr
    assert list(tmp_path.iterdir()) == [], "never a local folder named after the URI"


def test_s3_output_without_the_aws_extra_names_the_fix(tmp_path):
    from conftest import REPO

    blocked = ("import sys; sys.modules['boto3'] = None; from pipeline.cli import main; "
               f"sys.exit(main(['run', {str(SAMPLE / 'articles.jsonl')!r}, '--output', 's3://bucket/corpus', '-q']))")
    proc = subprocess.run([sys.executable, "-c", blocked], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "s3://" in proc.stderr and "pip install 'newscorpus[aws]'" in proc.stderr
    assert list(tmp_path.iterdir()) == []
