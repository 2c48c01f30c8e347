"""Run the CLI on sample_data/ once (module fixture) and check the tables it wrote."""
import hashlib
import json
import subprocess
import sys

import pyarrow.dataset as ds
import pytest
from datetime import datetime, timezone

from conftest import CONSTRUCTED, REPO, SAMPLE, SEED
from pipeline.schema import TABLES

SAMPLE_REJECTS = {"binary_blob.txt": "binary_file", "empty_article.txt": "empty_file"}
JSONL_ARTICLES = sum(1 for line in (SAMPLE / "articles.jsonl").read_text(encoding="utf-8").splitlines() if line.strip())


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
    """Every article of the sample is a document (one per JSONL line, one per text file) but the two
    files made to be rejected."""
    out, stdout = sample_run
    manifest = json.loads((out / "manifest.json").read_text())
    acc = manifest["accounting"]
    text_files = [p for p in SAMPLE.iterdir() if p.suffix == ".txt"]
    inputs = JSONL_ARTICLES + len(text_files)
    assert acc["inputs"] == acc["documents"] + acc["rejects"] == inputs
    assert acc["documents"] == read(out, "documents").num_rows == inputs - len(SAMPLE_REJECTS)
    rejects = {r["input"].rsplit("/", 1)[-1]: r["reason"] for r in read(out, "rejects").to_pylist()}
    assert rejects == SAMPLE_REJECTS
    assert manifest["rejects_by_reason"] == {"binary_file": 1, "empty_file": 1}
    assert len(manifest["config_sha256"]) == 64 and manifest["versions"]["apache-beam"] == "2.77.0"
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert f"inputs {inputs} = documents {inputs - 2} + rejects 2" in stdout


def _document_of(out, path):
    docs = [d for d in read(out, "documents").to_pylist() if d["source_uri"].endswith("/" + path.name)]
    assert len(docs) == 1, path.name
    return docs[0]


def test_the_real_seed_article_is_in_the_sample_unchanged():
    """Byte for byte the file of ../shared/seed (its sha256 pinned for checkouts without shared/)."""
    assert hashlib.sha256(SEED.read_bytes()).hexdigest() == "2ac6ac963351eb777678f5ced190b5736330405c1ae35613c3af978f57b0768c"
    original = REPO.parent / "shared" / "seed" / SEED.name
    if original.exists():
        assert SEED.read_bytes() == original.read_bytes()


@pytest.mark.parametrize("path,french_start,french_end", [
    (SEED, "Les roquettes de calibre 122 mm", "sont notamment susceptibles d’intéresser روسيا."),
    (CONSTRUCTED, "Selon M. Peskov", "avant de quitter روسيا."),
])
def test_seed_article_sentences_and_offsets(sample_run, path, french_start, french_end):
    """The real seed (and the article written after it): one document, 21 sentences, the French
    sentence whole with its final Arabic word as an `ar` span, every offset exact."""
    out, _ = sample_run
    doc = _document_of(out, path)
    assert doc["sentence_count"] == 21 and doc["lang"] == "ar" and doc["encoding"] == "utf-8"
    sentences = sorted((s for s in read(out, "sentences").to_pylist() if s["doc_id"] == doc["doc_id"]),
                       key=lambda s: s["sentence_index"])
    assert [s["sentence_index"] for s in sentences] == list(range(21))
    for s in sentences:
        assert doc["text"][s["start"]:s["end"]] == s["text"]
    french = [s for s in sentences if s["text"].startswith(french_start)]
    assert len(french) == 1 and french[0]["lang"] == "fr" and french[0]["text"].endswith(french_end)
    assert [s["lang"] for s in sentences].count("fr") == 1
    last = french[0]["spans"][-1]
    assert last["lang"] == "ar" and doc["text"][last["start"]:last["end"]] == "روسيا"
    assert french[0]["spans"][0]["lang"] == "fr"


def test_real_seed_attributions(sample_run):
    """What the real article cites, read off its text: TASS (twice), Interfax (twice), the Kremlin
    spokesman Peskov, Putin, Kim Jong Un, the Kremlin, the German Council on Foreign Relations, the White
    House and its press statement, and intelligence agencies."""
    out, _ = sample_run
    doc = _document_of(out, SEED)
    rows = [r for r in read(out, "sources").to_pylist() if r["doc_id"] == doc["doc_id"]]
    for r in rows:
        assert doc["text"][r["start"]:r["end"]] == r["text"]
    cited = {}
    for r in rows:
        if r["role"] == "cited":
            cited.setdefault(r["canonical"], []).append(r)
    assert len(cited["TASS"]) == 2 and {r["kind"] for r in cited["TASS"]} == {"news_agency"}
    assert len(cited["Interfax"]) == 2
    assert cited["Dmitry Peskov"][0]["text"] == "المتحدث باسم الكرملين دميتري بيسكوف"
    assert "“بضعة أيام أخرى”" in doc["text"] and cited["Dmitry Peskov"][0]["cue"] == "وقال"
    assert {"Vladimir Putin", "Kim Jong Un", "Kremlin", "White House"} <= set(cited)
    assert cited["White House"][0]["kind"] == "government"
    council = [r for r in rows if r["text"] == "المجلس الألماني للعلاقات الخارجية"]
    assert len(council) == 1 and council[0]["role"] == "cited", [r["text"] for r in rows]
    assert council[0]["quote"].startswith("موسكو تحتاج إلى الواردات")
    assert any(r["text"] == "وكالات الاستخبارات" and r["cue"].endswith("ذكرته") for r in rows)
    assert any(r["kind"] == "document" and "بيان صحفي" in r["text"] for r in rows)
    assert not [r for r in rows if "الأسبوع" in r["text"]], "a time phrase is not a source"


def test_every_offset_cuts_back_out_of_its_document(sample_run):
    out, _ = sample_run
    texts = {d["doc_id"]: d["text"] for d in read(out, "documents").to_pylist()}
    for row in read(out, "sentences").to_pylist():
        assert texts[row["doc_id"]][row["start"]:row["end"]] == row["text"]
        for span in row["spans"]:
            assert row["start"] <= span["start"] < span["end"] <= row["end"]
    for table in ("entities", "sources"):
        for row in read(out, table).to_pylist():
            if table == "sources" and row["role"] == "publisher":
                assert row["start"] is row["end"] is row["sentence_index"] is None, row  # from metadata
            else:
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
    assert by_file[SEED.name] == by_file[CONSTRUCTED.name] == "utf-8"


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
    assert len(docs) == JSONL_ARTICLES, "every document is still listed and marked"
    copies = {d["doc_id"] for d in docs if d["canonical_doc_id"] != d["doc_id"]}
    assert len(copies) == 2
    for table in ("sentences", "entities", "sources"):
        assert not copies & set(read(out, table).column("doc_id").to_pylist()), table


def test_dates_are_read_into_utc_and_the_earliest_copy_is_canonical(tmp_path):
    """Three exact copies dated 2015-08-01 10:00, 21/07/2015 and 2015-08-01T09:00:00+05:00: the 21 July
    one is the earliest (compared as strings, "2015-08-01 10:00" won). Raw strings are kept as date_raw;
    an unparseable date is null, counted in the manifest and the summary."""
    body = "أعلنت وزارة الصحة اليوم عن افتتاح ثلاثة مستشفيات جديدة في منطقة الرياض بسعة تبلغ تسعمئة سرير."
    dated = [("c-1000", "2015-08-01 10:00"), ("c-2107", "21/07/2015"), ("c-0900", "2015-08-01T09:00:00+05:00")]
    other = [("u-epoch", 1437472800), ("u-arabic", "١٠ آب ٢٠١٥"), ("u-hijri", "5 شوال 1436 هـ"), ("u-bad", "not a date"),
             ("u-none", None)]
    lines = [{"id": i, "content": body, "date": d} for i, d in dated]
    lines += [{"id": i, "content": f"مقال رقم {n} عن موضوع مختلف تماما في مدينة {n}.", "date": d}
              for n, (i, d) in enumerate(other)]
    source = tmp_path / "in" / "dated.jsonl"
    source.parent.mkdir()
    source.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", str(source), "--output", str(out), "-q"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    docs = {d["record_id"]: d for d in read(out, "documents").to_pylist()}
    utc = timezone.utc
    assert {i: docs[i]["published_at"] for i in docs} == {
        "c-1000": datetime(2015, 8, 1, 10, tzinfo=utc), "c-2107": datetime(2015, 7, 21, tzinfo=utc),
        "c-0900": datetime(2015, 8, 1, 4, tzinfo=utc), "u-epoch": datetime(2015, 7, 21, 10, tzinfo=utc),
        "u-arabic": datetime(2015, 8, 10, tzinfo=utc), "u-hijri": datetime(2015, 7, 21, tzinfo=utc),
        "u-bad": None, "u-none": None}
    assert docs["u-bad"]["date_raw"] == "not a date" and docs["u-epoch"]["date_raw"] == "1437472800"
    assert docs["c-2107"]["date_raw"] == "21/07/2015" and docs["u-none"]["date_raw"] is None
    assert docs["c-1000"]["canonical_doc_id"] == docs["c-0900"]["canonical_doc_id"] == docs["c-2107"]["doc_id"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["dates"] == {"parsed": 6, "unparseable": 1, "missing": 1, "default_timezone": "UTC"}
    assert manifest["metrics"]["dates.unparseable"] == 1 and manifest["metrics"]["dates.calendar_hijri"] == 1
    assert "dates: parsed 6, unparseable 1" in proc.stdout
    riyadh = tmp_path / "riyadh"
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", str(source), "--output", str(riyadh), "-q",
                           "--set", "dates.default_timezone=Asia/Riyadh"], cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    docs = {d["record_id"]: d for d in read(riyadh, "documents").to_pylist()}
    assert docs["c-1000"]["published_at"] == datetime(2015, 8, 1, 7, tzinfo=utc)  # 10:00 in Riyadh (UTC+3)
    assert docs["c-0900"]["published_at"] == datetime(2015, 8, 1, 4, tzinfo=utc)  # its own offset wins
