"""The run report: figures against a small hand-made run output, a self-contained page, and a real
headless browser drawing the charts (skipped only when Chromium is not installed)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from pipeline.report import summarise, terminal_summary_lines, write_report
from pipeline.schema import TABLES

MBS = "محمد بن سلمان"
EGYPT = "مصر"
SPA = "وكالة الأنباء السعودية"
JAZEERA = "الجزيرة"

# doc_id -> (outlet, lang, lang_mix, dup_status, cluster_id, canonical, [(sentence lang, text)])
DOCS = {
    "d1": (JAZEERA, "ar", {"ar": 0.8, "fr": 0.2}, "unique", "c1", "d1", [
        ("ar", f"قال {MBS} إن {EGYPT} شريك أساسي."),
        ("fr", "Le président a salué cet accord historique."),
        ("ar", f"وذكرت {SPA} أن الاجتماع عقد في الرياض."),
    ]),
    "d2": (JAZEERA, "ar", {"ar": 1.0}, "exact_duplicate", "c1", "d1", [
        ("ar", f"قال {MBS} إن {EGYPT} شريك أساسي."),
        ("ar", f"وذكرت {SPA} أن الاجتماع عقد في الرياض."),
    ]),
    "d3": ("Le Monde", "fr", {"fr": 0.9, "ar": 0.1}, "unique", None, None, [
        ("fr", "Emmanuel Macron a rencontré les dirigeants à Paris."),
        ("fr", "Selon l'AFP, la réunion a duré trois heures."),
        ("ar", f"{EGYPT} ترحب بالمبادرة."),
    ]),
    "d4": ("BBC", "en", {"en": 1.0}, "near_duplicate", "c2", "d4", [
        ("en", "Emmanuel Macron met leaders in Paris, Reuters reported."),
        ("en", "The talks lasted three hours according to AFP."),
    ]),
    "d5": (None, "ar", {"ar": 0.5, "en": 0.5}, "near_duplicate", "c2", "d4", [
        ("ar", f"التقى {MBS} بالوفد في {EGYPT}."),
        ("en", "Officials said the meeting was productive."),
        ("zxx", "2024-05-01"),
    ]),
}
TEXT_CHARS = {"d1": 100, "d2": 50, "d3": 200, "d4": 80, "d5": 40}  # weights of lang_mix (letters)

# (doc_id, sentence_index, surface, type, canonical)
ENTITIES = [
    ("d1", 0, MBS, "PER", MBS), ("d2", 0, MBS, "PER", MBS), ("d5", 0, MBS, "PER", MBS),
    ("d3", 0, "Emmanuel Macron", "PER", "Emmanuel Macron"), ("d4", 0, "Emmanuel Macron", "PER", "Emmanuel Macron"),
    ("d1", 0, EGYPT, "LOC", EGYPT), ("d2", 0, EGYPT, "LOC", EGYPT), ("d3", 2, EGYPT, "LOC", EGYPT),
    ("d5", 0, EGYPT, "LOC", EGYPT),
    ("d3", 0, "Paris", "LOC", "Paris"), ("d4", 0, "Paris", "LOC", "Paris"),
    ("d1", 2, "الرياض", "LOC", "الرياض"), ("d2", 1, "الرياض", "LOC", "الرياض"),
    ("d1", 2, SPA, "ORG", SPA), ("d2", 1, SPA, "ORG", SPA),
    ("d4", 0, "Reuters", "ORG", "Reuters"),
]
# (doc_id, sentence_index, surface, canonical, kind, role)
SOURCES = [
    ("d1", 2, SPA, SPA, "news_agency", "cited"), ("d2", 1, SPA, SPA, "news_agency", "cited"),
    ("d4", 0, "Reuters", "Reuters", "news_agency", "cited"),
    ("d5", 1, "Officials", "officials", "official", "cited"),
    ("d3", 1, "AFP", "AFP", "news_agency", "agency_credit"), ("d4", 1, "AFP", "AFP", "news_agency", "agency_credit"),
    ("d1", None, JAZEERA, JAZEERA, "media", "publisher"), ("d2", None, JAZEERA, JAZEERA, "media", "publisher"),
    ("d3", None, "Le Monde", "Le Monde", "media", "publisher"), ("d4", None, "BBC", "BBC", "media", "publisher"),
]
REJECTS = [("in/a.jsonl", 3, "malformed_json", "line 3: Expecting value"),
           ("in/a.jsonl", 7, "malformed_json", "line 7: Unterminated string"),
           ("in/empty.txt", None, "empty_file", "the file has no bytes")]
STAGES = {"read": 1.5, "decode_clean": 2.25, "dedup": 0.75, "segment": 10.0, "tag": 4.5, "write": 1.0}


def _write(out: Path, name: str, rows: list[dict]) -> None:
    folder = out / name
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=TABLES[name]), folder / "part-00000-of-00001.parquet")


def make_run(out: Path, stage_seconds: bool = True) -> Path:
    """A complete little run output: every table from the schemas, and a manifest."""
    documents, sentences = [], []
    for doc_id, (outlet, lang, mix, status, cluster, canonical, sents) in DOCS.items():
        text, pos = "", 0
        for i, (slang, stext) in enumerate(sents):
            if text:
                text += " "
            start = len(text)
            text += stext
            sentences.append({"doc_id": doc_id, "paragraph_index": 0, "sentence_index": i, "start": start,
                              "end": len(text), "text": stext, "norm_text": stext, "lang": slang,
                              "lang_confidence": 0.9, "dialect": None,
                              "spans": [{"start": start, "end": len(text), "lang": slang, "script": "Arab",
                                         "confidence": 0.9, "method": "fasttext"}],
                              "is_boilerplate": False, "boilerplate_count": 1})
        documents.append({"doc_id": doc_id, "record_id": doc_id, "source_uri": "in/a.jsonl", "member": None,
                          "record_offset": int(doc_id[1:]), "input_checksum": "ab", "outlet": outlet,
                          "url": f"https://news.example/{doc_id}", "date_raw": "2024-05-01",
                          "published_at": datetime(2024, 5, 1, tzinfo=timezone.utc), "title": f"Title {doc_id}",
                          "author": None, "encoding": "utf-8", "raw_chars": len(text), "text": text,
                          "text_chars": TEXT_CHARS[doc_id], "clean_stats": [], "paragraph_count": 1,
                          "sentence_count": len(sents), "lang": lang, "lang_mix": sorted(mix.items()),
                          "dup_status": status, "cluster_id": cluster, "canonical_doc_id": canonical,
                          "similarity": 1.0})
    texts = {(s["doc_id"], s["sentence_index"]): s for s in sentences}

    def located(doc_id, si, surface):
        s = texts[(doc_id, si)] if si is not None else None
        if s is None:
            return None, None  # a publisher row: not in the text
        offset = s["text"].index(surface)
        return s["start"] + offset, s["start"] + offset + len(surface)

    entities = []
    for doc_id, si, surface, typ, canonical in ENTITIES:
        start, end = located(doc_id, si, surface)
        entities.append({"doc_id": doc_id, "sentence_index": si, "start": start, "end": end, "text": surface,
                         "type": typ, "canonical": canonical, "lang": "ar", "tagger": "crf", "confidence": 0.9})
    sources = []
    for doc_id, si, surface, canonical, kind, role in SOURCES:
        start, end = located(doc_id, si, surface)
        sources.append({"doc_id": doc_id, "sentence_index": si, "start": start, "end": end, "text": surface,
                        "canonical": canonical, "kind": kind, "cue": "قال", "quote": None, "quote_start": None,
                        "quote_end": None, "role": role, "confidence": 0.8})
    clusters = [
        {"cluster_id": "c1", "canonical_doc_id": "d1", "size": 2, "kind": "exact", "canonical_rule": "r",
         "members": [{"doc_id": "d1", "dup_status": "unique", "similarity": 1.0},
                     {"doc_id": "d2", "dup_status": "exact_duplicate", "similarity": 1.0}]},
        {"cluster_id": "c2", "canonical_doc_id": "d4", "size": 2, "kind": "near", "canonical_rule": "r",
         "members": [{"doc_id": "d4", "dup_status": "near_duplicate", "similarity": 0.9},
                     {"doc_id": "d5", "dup_status": "near_duplicate", "similarity": 0.9}]},
    ]
    rejects = [{"input": i, "member": None, "record_offset": off, "record_id": None, "reason": r, "message": m,
                "input_checksum": "ab"} for i, off, r, m in REJECTS]
    inputs = [{"source_uri": "in/a.jsonl", "size_bytes": 999, "sha256": "ab", "records": 7, "status": "read"},
              {"source_uri": "in/empty.txt", "size_bytes": 0, "sha256": "cd", "records": 1, "status": "rejected"}]
    for name, rows in (("documents", documents), ("sentences", sentences), ("entities", entities),
                       ("sources", sources), ("clusters", clusters), ("rejects", rejects), ("inputs", inputs)):
        _write(out, name, rows)
    manifest = {
        "run_id": "20260101T000000Z-abc123", "created_utc": "2026-01-01T00:00:00+00:00", "elapsed_seconds": 21.5,
        "runner": "FnApiRunner", "config": {"dedup": {"threshold": 0.8}}, "config_sha256": "f" * 64,
        "versions": {"apache-beam": "2.77.0"}, "python": "3.11.2", "inputs": inputs,
        "tables": {"documents": 5, "sentences": len(sentences), "entities": len(entities), "sources": len(sources),
                   "clusters": 2, "rejects": 3, "inputs": 2},
        "accounting": {"inputs": 8, "documents": 5, "rejects": 3},
        "rejects_by_reason": {"empty_file": 1, "malformed_json": 2},
        "metrics": {"segment.sentences_ar": 6, "segment.sentences_fr": 3},
    }
    if stage_seconds:
        manifest["stage_seconds"] = STAGES
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return out


@pytest.fixture
def run_dir(tmp_path) -> Path:
    return make_run(tmp_path / "run")


# ---- figures ----------------------------------------------------------------------------------


def test_not_a_run_output(tmp_path):
    with pytest.raises(FileNotFoundError, match="no manifest.json"):
        write_report(tmp_path)


def test_figures_match_the_fixture(run_dir):
    path = write_report(run_dir, top=3)
    assert path == run_dir / "report.html" and path.is_file()
    f = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))

    assert f["headline"] == {"inputs": 8, "documents": 5, "rejects": 3, "sentences": 13, "entities": 16,
                             "sources": 10, "clusters": 2, "input_files": 2, "elapsed_seconds": 21.5,
                             "accounting_ok": True}
    assert f["run"]["run_id"] == "20260101T000000Z-abc123" and f["run"]["notes"] == []

    # letters: ar 80+50+20+20, fr 20+180, en 80+20 (shares weighted by text_chars)
    letters = {r["lang"]: r["letters"] for r in f["languages"]["letters"]}
    assert letters == {"fr": 200.0, "ar": 170.0, "en": 100.0}
    assert [r["lang"] for r in f["languages"]["letters"]] == ["fr", "ar", "en"]
    sentences = {r["lang"]: r["sentences"] for r in f["languages"]["sentences"]}
    assert sentences == {"ar": 6, "fr": 3, "en": 3, "zxx": 1}
    outlets = f["languages"]["by_outlet"]["outlets"]
    assert [(o["outlet"], o["documents"]) for o in outlets] == [(JAZEERA, 2), ("(no outlet)", 1), ("BBC", 1)]
    assert f["languages"]["by_outlet"]["outlet_count"] == 4
    assert outlets[0]["shares"] == pytest.approx({"ar": 130 / 150, "fr": 20 / 150})

    dd = f["dedup"]
    assert dd["by_status"] == [{"dup_status": "unique", "documents": 2},
                               {"dup_status": "exact_duplicate", "documents": 1},
                               {"dup_status": "near_duplicate", "documents": 2}]
    assert dd["duplicate_documents"] == 3 and dd["clustered_documents"] == 4
    assert dd["cluster_sizes"] == [{"size": 2, "clusters": 2}]
    assert dd["cluster_size_histogram"] == [{"size": "2", "clusters": 2}]

    ents = f["entities"]
    assert [(r["name"], r["count"], r["documents"]) for r in ents["PER"]["top"]] == \
        [(MBS, 3, 3), ("Emmanuel Macron", 2, 2)]
    assert [(r["name"], r["count"]) for r in ents["LOC"]["top"]] == [(EGYPT, 4), ("Paris", 2), ("الرياض", 2)]
    assert ents["LOC"]["distinct"] == 3 and ents["LOC"]["mentions"] == 8
    assert [(r["name"], r["count"]) for r in ents["ORG"]["top"]] == [(SPA, 2), ("Reuters", 1)]
    assert ents["MISC"] == {"mentions": 0, "distinct": 0, "top": []}

    src = f["sources"]
    assert [(r["name"], r["kind"], r["count"]) for r in src["cited"]["top"]] == \
        [(SPA, "news_agency", 2), ("Reuters", "news_agency", 1), ("officials", "official", 1)]
    assert [(r["name"], r["count"]) for r in src["agency_credit"]["top"]] == [("AFP", 2)]
    assert [(r["name"], r["count"]) for r in src["publisher"]["top"]] == [(JAZEERA, 2), ("BBC", 1), ("Le Monde", 1)]
    assert src["cited_by_kind"] == [{"kind": "news_agency", "count": 3}, {"kind": "official", "count": 1}]

    rej = f["rejects"]
    assert [(r["reason"], r["count"]) for r in rej] == [("malformed_json", 2), ("empty_file", 1)]
    assert [x["message"] for x in rej[0]["examples"]] == ["line 3: Expecting value", "line 7: Unterminated string"]
    assert rej[0]["description"]  # from REJECT_REASONS

    sl = f["sentence_length"]
    lengths = sorted(len(t) for d in DOCS.values() for _, t in d[6])
    assert sl["count"] == 13 and sl["min"] == lengths[0] and sl["max"] == lengths[-1]
    assert sl["median"] == lengths[6]
    assert sum(b["count"] for b in sl["bins"]) == 13
    assert sum(sum(b["by_lang"].values()) for b in sl["bins"]) == 13
    assert sl["bin_width"] == 2  # a "nice" width for about 30 bins up to the 99th percentile (55)
    assert [b["lo"] for b in sl["bins"]] == list(range(0, 56, 2))
    for b in sl["bins"]:
        inside = [n for n in lengths if b["lo"] <= n and (b["hi"] is None or n < b["hi"])]
        assert b["count"] == len(inside), b

    assert f["stage_seconds"] == [{"stage": k, "seconds": v} for k, v in STAGES.items()]


def test_drilldown_sentences(run_dir):
    f = summarise(run_dir, top=2)
    per = f["entities"]["PER"]["top"][0]
    assert per["name"] == MBS and per["drill"] == "ent-PER-0"
    drill = f["drilldown"]["ent-PER-0"]
    # d1 and d2 carry the same sentence (a duplicate): it is shown once; at most `top` rows
    assert [(r["doc_id"], r["sentence_index"]) for r in drill["rows"]] == [("d1", 0), ("d5", 0)]
    row = drill["rows"][0]
    assert row["text"][row["mark"][0]:row["mark"][1]] == MBS
    assert row["title"] == "Title d1" and row["url"] == "https://news.example/d1" and row["outlet"] == JAZEERA
    agency = f["drilldown"][f["sources"]["agency_credit"]["top"][0]["drill"]]
    assert {r["doc_id"] for r in agency["rows"]} == {"d3", "d4"}
    assert all(r["text"][r["mark"][0]:r["mark"][1]] == "AFP" for r in agency["rows"])
    assert all(r.get("drill") is None for r in f["sources"]["publisher"]["top"])  # metadata rows, no sentence


def test_without_stage_seconds_and_empty_tables(tmp_path):
    out = make_run(tmp_path / "run", stage_seconds=False)
    for name in ("entities", "sources", "clusters", "rejects"):
        shutil.rmtree(out / name)
        (out / name).mkdir()
    path = write_report(out)
    f = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert f["stage_seconds"] is None
    # the rejects folder is empty: the reasons come from the manifest, and the mismatch is noted
    assert {r["reason"]: r["count"] for r in f["rejects"]} == {"malformed_json": 2, "empty_file": 1}
    assert "the manifest says 3 rows in rejects, the folder holds 0" in f["run"]["notes"]
    page = path.read_text(encoding="utf-8")
    assert "timing was not recorded" in page
    assert f["entities"]["PER"]["top"] == [] and f["drilldown"] == {}


def test_terminal_summary(run_dir):
    lines = terminal_summary_lines(run_dir)
    assert lines[0] == "inputs 8 = documents 5 + rejects 3"
    assert any(MBS in line for line in lines)


# ---- the page is self-contained ------------------------------------------------------------------


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "srcset", "data", "poster", "action") and value:
                self.refs.append((tag, name, value))


def test_page_is_self_contained(run_dir):
    page = write_report(run_dir).read_text(encoding="utf-8")
    refs = _Refs()
    refs.feed(page)
    assert "script" in refs.tags and "style" in refs.tags and "svg" in refs.tags
    assert refs.tags.count("link") == 0 and refs.tags.count("img") == 0 and refs.tags.count("iframe") == 0
    external = [r for r in refs.refs if re.match(r"\s*(https?:)?//", r[2])]
    assert external == [], external
    assert not re.search(r"@import|@font-face|url\(\s*['\"]?(https?:)?//", page)
    assert "Content-Security-Policy" in page  # the browser itself refuses anything external
    # the corpus's own words go in escaped: a sentence cannot close the data block
    assert "</script>" not in page.split('id="report-data">', 1)[1].split("</script>", 1)[0]
    assert MBS in page and EGYPT in page


def test_hostile_text_is_escaped(tmp_path):
    out = make_run(tmp_path / "run")
    bad = "<script>alert(1)</script>"
    table = pq.read_table(out / "entities").to_pylist()
    table[0]["canonical"] = bad
    (out / "entities" / "part-00000-of-00001.parquet").unlink()
    pq.write_table(pa.Table.from_pylist(table, schema=TABLES["entities"]), out / "entities" / "p.parquet")
    page = write_report(out).read_text(encoding="utf-8")
    assert bad not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# ---- a real browser ---------------------------------------------------------------------------------

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


def _chromium(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)


class _Dom(HTMLParser):
    """Each chart's drawn shapes, the drill-down table's rows and all visible text, from a dumped DOM."""

    def __init__(self):
        super().__init__()
        self.charts: dict[str, list[dict]] = {}
        self.svg_attrs: dict[str, dict] = {}
        self.current = None
        self.ready = None
        self.drill_rows = 0
        self.in_drill = False
        self.marks: list[str] = []
        self.in_mark = False
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.ready = a.get("data-ready")
        if tag == "svg" and "chart" in (a.get("class") or ""):
            self.current = a["data-chart"]
            self.charts[self.current] = []
            self.svg_attrs[self.current] = a
        elif tag == "rect" and self.current and a.get("class") in ("bar", "seg") \
                and float(a.get("width", 0)) > 0 and float(a.get("height", 0)) > 0:
            self.charts[self.current].append(a)
        if tag == "table" and "drill-table" in (a.get("class") or ""):
            self.in_drill = True
        if tag == "tr" and self.in_drill:
            self.drill_rows += 1
        if tag == "mark":
            self.in_mark = True

    def handle_endtag(self, tag):
        if tag == "svg":
            self.current = None
        if tag == "table":
            self.in_drill = False
        if tag == "mark":
            self.in_mark = False

    def handle_data(self, data):
        self.text.append(data)
        if self.in_mark:
            self.marks.append(data)


# Added to a copy of the page by the test only: measures what the browser laid out and drew.
PROBE = """<script>
document.querySelectorAll('svg.chart').forEach(function (svg) {
  var r = svg.getBoundingClientRect();
  var drawn = Array.prototype.filter.call(svg.querySelectorAll('rect.bar, rect.seg'), function (e) {
    var b = e.getBoundingClientRect(); return b.width > 0 && b.height > 0; }).length;
  svg.setAttribute('data-box', [r.left + scrollX, r.top + scrollY, r.width, r.height].map(Math.round).join(','));
  svg.setAttribute('data-drawn', drawn);
});
</script></body>"""
CLICK = """<script>document.querySelector('g[data-drill="src-cited-0"] .lbl')
  .dispatchEvent(new MouseEvent('click', {bubbles: true}));</script></body>"""
EXPECTED_SHAPES = {  # chart -> bars or stacked segments drawn with a size
    "language-mix": 3 + 4,  # letters ar/fr/en; sentences ar/fr/en/zxx
    "outlet-languages": 2 + 2 + 1 + 2,  # الجزيرة ar+fr, (no outlet) ar+en, BBC en, Le Monde fr+ar
    "dup-status": 3, "cluster-sizes": 1,
    "entities-PER": 2, "entities-LOC": 3, "entities-ORG": 2,
    "sources-cited": 3, "sources-agency_credit": 1, "sources-publisher": 3, "sources-kind": 2,
    "rejects": 2, "stage-seconds": 6,
    "sentence-length": None,  # one segment per (length bin, language) present: counted from report.json
}


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_browser_draws_the_charts(run_dir, tmp_path):
    started = time.time()
    page = write_report(run_dir)
    html_text = page.read_text(encoding="utf-8")
    size = ("--window-size=1400,3000", "--hide-scrollbars")  # the same layout for every call
    bins = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))["sentence_length"]["bins"]
    expected = dict(EXPECTED_SHAPES, **{"sentence-length": sum(len(b["by_lang"]) for b in bins)})
    assert expected["sentence-length"] >= 8

    # 1. the DOM after the page's own script ran, opened on an entity's drill-down by its address
    dom = _Dom()
    dom.feed(_chromium(*size, "--virtual-time-budget=5000", "--dump-dom", page.as_uri() + "#drill=ent-PER-0").stdout)
    assert int(dom.ready) == len(dom.charts) == len(expected)  # the script ran to its end
    assert "entities-MISC" not in dom.charts  # no MISC entity: a sentence says so instead of an empty chart
    text = "".join(dom.text)
    assert MBS in text and EGYPT in text and SPA in text and JAZEERA in text
    assert dom.drill_rows == 1 + 2 and dom.marks == [MBS, MBS]  # header + d1 and d5, the name marked
    assert "Title d1" in text and "Title d5" in text

    # 2. what the browser laid out: every chart has a box and its bars have a rendered size
    probe = run_dir / "probe.html"
    probe.write_text(html_text.replace("</body>", PROBE), encoding="utf-8")
    dom = _Dom()
    dom.feed(_chromium(*size, "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()).stdout)
    boxes = {}
    for chart, n in expected.items():
        attrs = dom.svg_attrs.get(chart)
        assert attrs is not None, f"chart {chart} missing from the rendered page"
        assert int(attrs["data-drawn"]) == n, (chart, attrs["data-drawn"], n)
        assert len(dom.charts[chart]) == n
        boxes[chart] = [int(v) for v in attrs["data-box"].split(",")]
        assert boxes[chart][2] > 100 and boxes[chart][3] > 20, (chart, boxes[chart])

    # 3. pixels: in a screenshot of the same layout, each chart's box is drawn on, not blank
    shot = Path(os.environ.get("REPORT_SCREENSHOT") or tmp_path / "report.png")  # set it to keep the picture
    _chromium(*size, "--virtual-time-budget=5000", f"--screenshot={shot}", probe.as_uri())
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(np.int16)  # Pillow comes with apache-beam
    assert pixels.shape == (3000, 1400, 3)
    on_screen = 0
    for chart, (x, y, w, h) in boxes.items():
        if y + h > pixels.shape[0]:
            continue  # below the screenshot
        region = pixels[y:y + h, x:x + w].reshape(-1, 3)
        coloured = (region.max(axis=1) - region.min(axis=1) > 40).sum()  # saturated: bars, not grey text
        assert coloured / len(region) > 0.05, (chart, coloured, len(region))
        on_screen += 1
    assert on_screen >= 10

    def count(colour: str) -> int:
        target = np.array(list(bytes.fromhex(colour[1:])), dtype=np.int16)
        return int((np.abs(pixels - target).max(axis=2) <= 6).sum())

    assert count("#2f6db5") > 20000 and count("#3a9e5c") > 10000 and count("#d9622b") > 5000
    header = pixels[:60].reshape(-1, 3)
    assert (np.abs(header - header[0]).max(axis=1) > 60).sum() > 200  # the title's letters on the dark band

    # 4. a click on a cited source opens its sentences (the page's own handler, a real DOM event)
    clicked = run_dir / "clicked.html"
    clicked.write_text(html_text.replace("</body>", CLICK), encoding="utf-8")
    dom = _Dom()
    dom.feed(_chromium(*size, "--virtual-time-budget=5000", "--dump-dom", clicked.as_uri()).stdout)
    assert dom.drill_rows == 1 + 1 and dom.marks == [SPA]  # d2's copy of d1's sentence is shown once
    assert time.time() - started < 120
