import bz2
import errno
import gzip
import io
import json
import os
import zipfile

import zstandard

from pipeline.config import InputSettings
from pipeline.core.types import RawRecord, Reject
from pipeline.io.readers import InputFile, InputSummary, expand_inputs, read_input

ARTICLE = {"id": "a1", "title": "عنوان", "content": "نص الخبر هنا.", "url": "https://x.sa/1",
           "date_extracted": "2015-07-21", "source": "spa", "author": "محرر"}


def units(path, settings=InputSettings()):
    out = list(read_input(InputFile(str(path), path.stat().st_size), settings))
    summary = out[-1]
    assert isinstance(summary, InputSummary) and summary.records == len(out) - 1
    return out[:-1], summary


def test_jsonl_fields_mapped_and_checksummed(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(ARTICLE, ensure_ascii=False) + "\n", encoding="utf-8")
    [record], summary = units(path)
    assert isinstance(record, RawRecord)
    assert (record.record_id, record.title, record.url, record.date, record.outlet, record.author, record.body) == (
        "a1", "عنوان", "https://x.sa/1", "2015-07-21", "spa", "محرر", "نص الخبر هنا.")
    assert record.input_checksum == summary.sha256 and len(summary.sha256) == 64


def test_compressed_jsonl_variants(tmp_path):
    data = (json.dumps(ARTICLE) + "\n").encode() * 3
    for name, blob in (("a.jsonl.gz", gzip.compress(data)), ("a.jsonl.bz2", bz2.compress(data)),
                       ("a.jsonl.zst", zstandard.ZstdCompressor().compress(data))):
        (tmp_path / name).write_bytes(blob)
        records, _ = units(tmp_path / name)
        assert len(records) == 3 and all(isinstance(r, RawRecord) for r in records), name


def test_zip_with_json_array(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("day.json", json.dumps([ARTICLE, {**ARTICLE, "id": "a2"}]))
    (tmp_path / "day.zip").write_bytes(buffer.getvalue())
    records, _ = units(tmp_path / "day.zip")
    assert [(r.member, r.record_offset, r.record_id) for r in records] == [("day.json", 0, "a1"), ("day.json", 1, "a2")]


def test_bad_lines_rejected_good_lines_kept(tmp_path):
    lines = [json.dumps(ARTICLE), "{not json", json.dumps([1, 2]), json.dumps({"title": "no body"}),
             json.dumps({"content": 42}), json.dumps({"content": "ok", "title": {"x": 1}}), json.dumps(ARTICLE)]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    records, _ = units(path)
    kinds = [r.reason if isinstance(r, Reject) else "ok" for r in records]
    assert kinds == ["ok", "malformed_json", "wrong_type", "missing_body", "wrong_type", "wrong_type", "ok"]
    assert [r.record_offset for r in records] == [1, 2, 3, 4, 5, 6, 7]


def test_body_field_mapping_is_configurable(tmp_path):
    path = tmp_path / "custom.jsonl"
    path.write_text(json.dumps({"article_text": "نص", "headline": "عنوان"}) + "\n")
    settings = InputSettings(body_fields=("article_text",), title_fields=("headline",))
    [record], _ = units(path, settings)
    assert record.body == "نص" and record.title == "عنوان"


def test_truncated_gzip_keeps_records_before_the_break(tmp_path):
    data = gzip.compress(((json.dumps(ARTICLE) + "\n") * 200).encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    records, _ = units(path)
    assert isinstance(records[-1], Reject) and records[-1].reason == "truncated_archive"
    assert all(isinstance(r, RawRecord) for r in records[:-1])


def test_truncated_zip(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("day.json", json.dumps([ARTICLE] * 50))
    (tmp_path / "cut.zip").write_bytes(buffer.getvalue()[:200])
    [reject], _ = units(tmp_path / "cut.zip")
    assert reject.reason == "truncated_archive"


def test_empty_files(tmp_path):
    for name in ("empty.txt", "empty.jsonl", "empty.json"):
        (tmp_path / name).write_bytes(b"")
        [reject], _ = units(tmp_path / name)
        assert reject.reason == "empty_file", name


def test_expand_inputs_directory_glob_and_missing(tmp_path):
    (tmp_path / "a.txt").write_text("نص")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.jsonl").write_text("{}")
    (tmp_path / ".hidden").write_text("x")
    files, rejects = expand_inputs([str(tmp_path), str(tmp_path / "*.txt"), str(tmp_path / "nope.txt"),
                                    str(tmp_path / "*.warc")])
    assert [f.uri.rsplit("/", 1)[-1] for f in files] == ["a.txt", "b.jsonl"]
    assert sorted(r.reason for r in rejects) == ["glob_no_match", "not_found"]


def test_vanished_file_is_unreadable_not_a_crash(tmp_path):
    path = tmp_path / "gone.txt"
    out = list(read_input(InputFile(str(path), 10), InputSettings()))
    assert out[0].reason == "unreadable" and out[-1].records == 1


def _deny_listing(monkeypatch, denied):
    """Make ``os.scandir`` fail with EACCES on the folders in ``denied``, as for a folder without
    read permission. Tests run as root in CI, where permission bits do not stop a listing, so the
    OS error is raised at the listing call itself (``os.walk`` and ``glob`` list through it)."""
    real_scandir = os.scandir

    def scandir(path="."):
        if not isinstance(path, int) and os.path.abspath(os.fsdecode(path)) in {str(d) for d in denied}:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_unlistable_subfolder_is_an_unreadable_reject(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("نص")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "b.txt").write_text("نص")
    _deny_listing(monkeypatch, [tmp_path / "locked"])
    files, rejects = expand_inputs([str(tmp_path), str(tmp_path / "*")])
    assert [f.uri.rsplit("/", 1)[-1] for f in files] == ["a.txt"]
    assert [(r.input, r.reason) for r in rejects] == [(str(tmp_path / "locked"), "unreadable")]
    assert "Permission denied" in rejects[0].message


def test_unlistable_top_level_folder_is_unreadable_not_glob_no_match(tmp_path, monkeypatch):
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "b.txt").write_text("نص")
    _deny_listing(monkeypatch, [tmp_path / "locked"])
    files, rejects = expand_inputs([str(tmp_path / "locked")])
    assert files == []
    assert [(r.reason, r.input) for r in rejects] == [("unreadable", str(tmp_path / "locked"))]
    assert "Permission denied" in rejects[0].message


def test_unlistable_folder_counts_in_the_run_accounting(tmp_path, monkeypatch):
    """A whole run in this process (the listing call is patched here, so not through the CLI)."""
    import pyarrow.dataset as ds

    from pipeline.config import load_config
    from pipeline.run import run

    inputs = tmp_path / "in"
    (inputs / "locked").mkdir(parents=True)
    (inputs / "a.jsonl").write_text(json.dumps(ARTICLE, ensure_ascii=False) + "\n", encoding="utf-8")
    (inputs / "locked" / "b.jsonl").write_text(json.dumps(ARTICLE, ensure_ascii=False) + "\n", encoding="utf-8")
    _deny_listing(monkeypatch, [inputs / "locked"])
    result = run([str(inputs)], str(tmp_path / "out"), load_config(None, ["run.progress_seconds=1000"]))
    assert result.manifest["accounting"] == {"inputs": 2, "documents": 1, "rejects": 1}
    rejects = ds.dataset(tmp_path / "out" / "rejects", format="parquet").to_table().to_pylist()
    assert [(r["input"], r["reason"]) for r in rejects] == [(str(inputs / "locked"), "unreadable")]


def test_missing_body_says_whether_the_field_is_empty_or_absent(tmp_path):
    path = tmp_path / "bodies.jsonl"
    path.write_text(json.dumps({"title": "t", "content": ""}) + "\n" + json.dumps({"title": "t"}) + "\n")
    records, _ = units(path)
    assert [r.reason for r in records] == ["missing_body", "missing_body"]
    assert "'content' is empty" in records[0].message and "present" not in records[0].message
    assert "is present" in records[1].message and "empty" not in records[1].message
