"""Every input accounted for, bad input rejected with a reason, no partial output, same answer twice."""
import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile

import pyarrow.dataset as ds
import pytest

from conftest import REPO, SAMPLE

GOOD = {"id": "g1", "title": "خبر", "content": "أعلنت الوزارة اليوم عن خطة جديدة للنقل العام في المدينة."}


def cli(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "pipeline", "run", *map(str, args), "-q"],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)


def table(out, name):
    """The documented read rule: the shards that manifest.json lists."""
    manifest = json.loads((out / "manifest.json").read_text())
    return ds.dataset([str(out / p) for p in manifest["files"][name]], format="parquet").to_table()


def run_files(out, run_id):
    return sorted(p for p in out.rglob("*") if p.is_file() and run_id in str(p.relative_to(out)))


def make_broken_inputs(folder):
    """One file (or line) per kind of bad input the pipeline must reject with a reason."""
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (folder / "undecodable.txt").write_bytes(b"abc " + bytes([0x80, 0x82, 0x84, 0x85, 0x86, 0x87, 0x89, 0x8B]) * 40)
    blob = gzip.compress(((json.dumps(GOOD, ensure_ascii=False) + "\n") * 400).encode())
    (folder / "truncated.jsonl.gz").write_bytes(blob[: len(blob) // 2])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("day.json", json.dumps([GOOD] * 30, ensure_ascii=False))
    (folder / "truncated.zip").write_bytes(buffer.getvalue()[:150])
    lines = [json.dumps(GOOD, ensure_ascii=False), '{"id": "broken", "content": "نص', json.dumps(["not", "object"]),
             json.dumps({"id": "nobody", "title": "بلا نص"}), json.dumps({"id": "num", "content": 12345}),
             json.dumps({**GOOD, "id": "g2"}, ensure_ascii=False)]
    (folder / "mixed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "broken_array.json").write_text('[{"content": "نص"}, {"content": ', encoding="utf-8")
    (folder / "too_large.txt").write_text("كلمة " * 2000, encoding="utf-8")
    (folder / "no_letters.txt").write_text("12345 ... !!! 678 -- 90", encoding="utf-8")
    (folder / "table.xlsx").write_bytes(b"PK\x03\x04 not really")
    os.symlink(folder / "deleted-before-reading.txt", folder / "vanished.txt")


def test_bad_inputs_each_get_a_reason_and_the_run_goes_on(tmp_path):
    broken = tmp_path / "broken"
    make_broken_inputs(broken)
    out = tmp_path / "out"
    proc = cli(SAMPLE, broken, tmp_path / "does-not-exist.txt", tmp_path / "*.nomatch",
               "--output", out, "--set", "input.max_article_chars=5000")
    assert proc.returncode == 0, proc.stderr[-3000:]
    manifest = json.loads((out / "manifest.json").read_text())
    print("\nrejects by reason:", manifest["rejects_by_reason"])  # figures for the issue note
    assert manifest["rejects_by_reason"] == {
        "binary_file": 2, "empty_file": 2, "glob_no_match": 1, "malformed_json": 2, "missing_body": 1,
        "no_letters": 1, "not_found": 1, "too_large": 1, "truncated_archive": 2, "undecodable": 1,
        "unreadable": 1, "unsupported_format": 1, "wrong_type": 2,
    }
    acc = manifest["accounting"]
    assert acc["inputs"] == acc["documents"] + acc["rejects"]
    messages = table(out, "rejects").to_pylist()
    assert all(r["message"] for r in messages)
    mixed = {r["record_offset"]: r["reason"] for r in messages if r["input"].endswith("mixed.jsonl")}
    assert mixed == {2: "malformed_json", 3: "wrong_type", 4: "missing_body", 5: "wrong_type"}
    ids = set(table(out, "documents").column("record_id").to_pylist())
    assert {"g1", "g2"} <= ids, "good lines of a file with bad lines must still count"
    assert "rejected" in proc.stdout and "not_found" in proc.stdout


def test_reject_threshold_fails_the_run_and_publishes_nothing(tmp_path):
    broken = tmp_path / "broken"
    make_broken_inputs(broken)
    out = tmp_path / "out"
    proc = cli(broken, "--output", out, "--set", "run.max_reject_share=0.01")
    assert proc.returncode == 3 and "max_reject_share" in proc.stderr
    assert not (out / "manifest.json").exists() and not (out / "_SUCCESS").exists()
    failed = list((out / "_failed").glob("*.json"))
    assert len(failed) == 1 and str(failed[0]) in proc.stderr, "the message says where the failed run's manifest is"
    assert json.loads(failed[0].read_text())["problems"]
    assert [p for p in out.rglob("*") if p.is_file()] == failed, "the failed run's shards are removed"
    assert not list(tmp_path.glob(".out*")), "no hidden staging folder"


def test_glob_matching_nothing_at_all_is_a_clear_error(tmp_path):
    proc = cli(tmp_path / "*.jsonl", "--output", tmp_path / "out")
    assert proc.returncode == 2 and "no file matches" in proc.stderr


def test_failed_stage_leaves_previous_output_intact(tmp_path, monkeypatch):
    from pipeline.config import load_config
    from pipeline.run import RunFailed, run
    import pipeline.stages.segment as segment

    out = tmp_path / "out"
    # one in-process worker: the failure is patched into this process, which worker processes would not see
    config = load_config(None, ["run.progress_seconds=1000", "run.direct_num_workers=1"])
    run([str(SAMPLE / "articles.jsonl")], str(out), config)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def explode(doc, segmenter):
        raise RuntimeError("simulated stage failure")

    monkeypatch.setattr(segment, "analyse_document", explode)
    with pytest.raises(RunFailed, match="simulated stage failure") as failure:
        run([str(SAMPLE)], str(out), config)
    assert "partial files were removed" in str(failure.value)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not list(tmp_path.glob(".out*")), "no hidden staging folder"


def test_rerun_keeps_files_the_user_put_into_the_output(tmp_path):
    out = tmp_path / "out"
    assert cli(SAMPLE / "articles.jsonl", "--output", out).returncode == 0
    first = json.loads((out / "manifest.json").read_text())
    (out / "analysis.ipynb").write_text('{"cells": []}', encoding="utf-8")
    (out / "notes").mkdir()
    (out / "notes" / "todo.txt").write_text("look at cluster 3", encoding="utf-8")
    proc = cli(SAMPLE / "articles.jsonl", "--output", out, "--report")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "analysis.ipynb").read_text(encoding="utf-8") == '{"cells": []}'
    assert (out / "notes" / "todo.txt").read_text(encoding="utf-8") == "look at cluster 3"
    second = json.loads((out / "manifest.json").read_text())
    assert run_files(out, first["run_id"]) == [], "the previous run's shards are deleted"
    assert table(out, "documents").num_rows == second["tables"]["documents"]


def test_unknown_runner_and_mistyped_beam_flag_exit_2_and_leave_nothing(tmp_path):
    out = tmp_path / "out"
    proc = cli(SAMPLE / "articles.jsonl", "--output", out, "--runner=NoSuchRunner")
    assert proc.returncode == 2 and "NoSuchRunner" in proc.stderr, proc.stderr[-2000:]
    typo = cli(SAMPLE / "articles.jsonl", "--output", out, "--max_num_wrkers=5")
    assert typo.returncode == 2, typo.stderr[-2000:]
    assert "--max_num_wrkers" in typo.stderr and "--max_num_workers" in typo.stderr
    assert list(tmp_path.iterdir()) == [], "nothing written, no hidden staging folder"


def test_output_path_with_a_glob_character_exits_2_and_touches_nothing(tmp_path):
    # "out*" used to match the folders beside it when the run listed and cleaned its own files
    beside = tmp_path / "out-old"
    beside.mkdir()
    (beside / "notes.txt").write_text("keep me", encoding="utf-8")
    proc = cli(SAMPLE / "articles.jsonl", "--output", tmp_path / "out*")
    assert proc.returncode == 2 and "glob character" in proc.stderr, proc.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out-old"]
    assert (beside / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_killed_run_leaves_previous_output_intact(tmp_path):
    out = tmp_path / "out"
    assert cli(SAMPLE / "articles.jsonl", "--output", out).returncode == 0
    manifest = (out / "manifest.json").read_bytes()
    many = tmp_path / "many.jsonl"
    many.write_text("".join(json.dumps({**GOOD, "id": f"m{i}", "content": GOOD["content"] + f" رقم {i}."},
                                       ensure_ascii=False) + "\n" for i in range(3000)), encoding="utf-8")
    documents = table(out, "documents").num_rows
    before = {p for p in out.rglob("*") if p.is_file()}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(many), "--output", str(out), "-q"],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while not {p for p in out.rglob("*") if p.is_file()} - before and time.time() < deadline:
        time.sleep(0.2)  # the killed run has started writing into the output
    time.sleep(3)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    left = {p for p in out.rglob("*") if p.is_file()} - before
    assert left, "the killed run had written something"
    assert (out / "manifest.json").read_bytes() == manifest
    assert table(out, "documents").num_rows == documents, "readers of the manifest see the previous run whole"
    assert cli(SAMPLE / "articles.jsonl", "--output", out).returncode == 0
    assert not [p for p in left if p.exists()], "the next run removes what the killed one left"


def test_same_input_twice_gives_identical_tables(tmp_path):
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:  # one worker: with several, which rows share a shard depends on how bundles were split
        assert cli(SAMPLE, "--output", out, "--direct_num_workers=1").returncode == 0
    for name in ("documents", "sentences", "entities", "sources", "clusters", "rejects", "inputs"):
        first, second = (sorted(table(o, name).to_pylist(), key=repr) for o in outs)
        assert first == second, name
    shards = [[o / p for p in json.loads((o / "manifest.json").read_text())["files"]["sentences"]] for o in outs]
    identical = [a.name for a, b in zip(*shards) if a.read_bytes() == b.read_bytes()]
    assert identical, "Parquet files of two identical runs should be byte-identical"
