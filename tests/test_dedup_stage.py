"""Beam tests for pipeline.stages.dedup on the FnApiRunner (never multi_threading: it loses rows)."""
from __future__ import annotations

import functools
import json
import operator

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.util import assert_that, equal_to

from pipeline.core.dates import DateParser
from pipeline.core.minhash import DedupSettings
from pipeline.core.types import Document, Sentence
from pipeline.schema import DEDUP_INDEX
from pipeline.stages.dedup import ConnectedComponents, Deduplicate, EarlierDocuments, MarkBoilerplate, fingerprint

try:
    from pipeline.core.clean import normalise_for_search
except ImportError:  # pragma: no cover
    def normalise_for_search(text: str) -> str:
        return text.casefold()


def _words(prefix: str, start: int, stop: int) -> str:
    return " ".join(f"{prefix}{i}" for i in range(start, stop))


BASE = ("ذكرت وكالة الأنباء السعودية أن مجلس الوزراء عقد جلسته الأسبوعية في الرياض برئاسة خادم الحرمين "
        "الشريفين وناقش عددا من الملفات الاقتصادية والسياسية المهمة في المنطقة وأكد دعمه للجهود الدولية "
        "الرامية إلى تحقيق السلام والاستقرار في الشرق الأوسط وشدد على أهمية التعاون بين دول الخليج العربي "
        "في مواجهة التحديات الأمنية والاقتصادية التي تشهدها المنطقة خلال المرحلة الراهنة")
OTHER = ("أعلن الاتحاد السعودي لكرة القدم عن جدول مباريات الموسم الجديد الذي ينطلق في شهر أغسطس المقبل "
         "بمشاركة ستة عشر فريقا من مختلف مناطق المملكة وسط توقعات بمنافسة قوية على اللقب بين الأندية الكبرى "
         "وأكد رئيس الاتحاد أن الاستعدادات تسير وفق الخطة المرسومة")


_DATES = DateParser()


def _doc(doc_id: str, text: str, date: str | None = "2015-07-21") -> Document:
    return Document(doc_id=doc_id, source_uri="test.json", text=text, norm_text=normalise_for_search(text),
                    date_raw=date, published_at=_DATES.parse(date).published_at)


DOCS = [
    _doc("a1", BASE, "2015-07-22"),
    _doc("a2", BASE, "2015-07-21"),  # earliest exact copy: canonical
    _doc("a3", BASE.replace("ذكرت", "ذَكَرَتْ") + "  ", "2015-07-23"),  # diacritic + spacing: exact after norm
    _doc("a4", BASE + " وأضاف المصدر أن الاجتماع كان مثمرا وبناء", "2015-07-20 23:00"),  # near dup, earliest
    _doc("u1", OTHER),
    _doc("u2", _words("كلمة", 0, 60)),
    _doc("c1", _words("خبر", 0, 100), "2015-07-01"),  # chain: c1 ~ c2 ~ c3, c1 !~ c3
    _doc("c2", _words("خبر", 10, 110), "2015-07-02"),
    _doc("c3", _words("خبر", 20, 120), "2015-07-03"),
    _doc("e1", ""),
]

FnApi = dict(runner="FnApiRunner")


def _run(docs, mode="in_memory", workers=1, settings=None):
    opts = PipelineOptions(flags=[], direct_running_mode=mode, direct_num_workers=workers)
    return beam.Pipeline(options=opts, **FnApi), settings or DedupSettings()


def _doc_row(d: Document):
    return (d.doc_id, d.dup_status, d.cluster_id, d.canonical_doc_id, round(d.similarity, 9))


def test_exact_near_unique_and_chain():
    p, s = _run(DOCS)
    with p:
        result = p | beam.Create(DOCS) | Deduplicate(s)
        rows = result.documents | "rows" >> beam.Map(lambda d: (d.doc_id, d.dup_status, d.canonical_doc_id))
        assert_that(rows, equal_to([
            ("a1", "near_duplicate", "a4"), ("a2", "near_duplicate", "a4"), ("a3", "near_duplicate", "a4"),
            ("a4", "unique", "a4"),
            ("u1", "unique", "u1"), ("u2", "unique", "u2"),
            ("c1", "unique", "c1"), ("c2", "near_duplicate", "c1"), ("c3", "near_duplicate", "c1"),
            ("e1", "unique", "e1"),
        ]), label="statuses")
        ids = result.documents | "ids" >> beam.Map(lambda d: d.doc_id)
        assert_that(ids, equal_to([d.doc_id for d in DOCS]), label="every doc exactly once")
        no_cluster = (result.documents | "singletons" >> beam.Filter(lambda d: d.cluster_id is None)
                      | "singleton ids" >> beam.Map(lambda d: d.doc_id))
        assert_that(no_cluster, equal_to(["u1", "u2", "e1"]), label="unique docs have no cluster")
        summary = result.clusters | "summary" >> beam.Map(
            lambda c: (c["canonical_doc_id"], c["size"], c["kind"], tuple(m["doc_id"] for m in c["members"])))
        assert_that(summary, equal_to([
            ("a4", 4, "near", ("a1", "a2", "a3", "a4")),
            ("c1", 3, "near", ("c1", "c2", "c3")),
        ]), label="clusters")


def test_exact_only_cluster_and_similarities():
    docs = [_doc("x", BASE, "2015-01-02"), _doc("y", BASE + " ", "2015-01-01"), _doc("z", OTHER)]
    p, s = _run(docs)
    with p:
        result = p | beam.Create(docs) | Deduplicate(s)
        assert_that(result.documents | "rows" >> beam.Map(_doc_row), equal_to([
            ("x", "exact_duplicate", result_cluster_id(["x", "y"]), "y", 1.0),
            ("y", "unique", result_cluster_id(["x", "y"]), "y", 1.0),
            ("z", "unique", None, "z", 1.0),
        ]), label="rows")
        assert_that(result.clusters, equal_to([{
            "cluster_id": result_cluster_id(["x", "y"]), "canonical_doc_id": "y", "size": 2, "kind": "exact",
            "canonical_rule": "earliest_date,longest_text,smallest_doc_id",
            "members": [{"doc_id": "x", "dup_status": "exact_duplicate", "similarity": 1.0},
                        {"doc_id": "y", "dup_status": "unique", "similarity": 1.0}],
        }]), label="cluster row")


def result_cluster_id(ids):
    from pipeline.core.minhash import cluster_id_for
    return cluster_id_for(ids)


def test_mixed_cluster_similarity_and_statuses():
    added = BASE + " وأضاف المصدر أن الاجتماع كان مثمرا وبناء"
    docs = [_doc("m1", BASE, "2015-01-01"), _doc("m2", BASE, "2015-01-02"), _doc("m3", added, "2015-01-03"),
            _doc("m4", added, "2015-01-04")]
    p, s = _run(docs)
    with p:
        result = p | beam.Create(docs) | Deduplicate(s)
        rows = result.documents | beam.Map(lambda d: (d.doc_id, d.dup_status, d.canonical_doc_id, d.similarity))
        # 5-grams: BASE has 56 words -> 52 shingles; the 7 added words make 7 new ones: J = 52 / 59
        assert_that(rows, equal_to([
            ("m1", "unique", "m1", 1.0), ("m2", "exact_duplicate", "m1", 1.0),
            ("m3", "near_duplicate", "m1", 52 / 59), ("m4", "near_duplicate", "m1", 52 / 59),
        ]))
        assert_that(result.clusters | "kind" >> beam.Map(lambda c: c["kind"]), equal_to(["mixed"]), label="kind")


def test_oversized_buckets_stay_linear_and_still_cluster():
    docs = [_doc(f"d{i:02d}", BASE, f"2015-01-{i + 1:02d}") for i in range(6)]
    docs = [_doc(d.doc_id, d.text + f" رقم{i}") for i, d in enumerate(docs)]  # near, not exact
    p, s = _run(docs, settings=DedupSettings(max_bucket_size=3))
    with p:
        result = p | beam.Create(docs) | Deduplicate(s)
        assert_that(result.clusters | beam.Map(lambda c: c["size"]), equal_to([6]))
    counters = {c.key.metric.name: c.committed for c in p.result.metrics().query()["counters"]}
    assert counters["oversized_buckets"] >= 1
    assert counters["candidate_pairs"] < 15  # stars around each bucket's smallest id, not all 15 pairs


def _canonical_lines(result, prefix: str):
    # Only stdlib callables here: multi_processing workers cannot import this test module.
    row = operator.attrgetter("doc_id", "dup_status", "cluster_id", "canonical_doc_id", "similarity")
    docs = result.documents | "doc rows" >> beam.Map(row) | "doc json" >> beam.Map(json.dumps)
    clusters = result.clusters | "cluster rows" >> beam.Map(functools.partial(json.dumps, sort_keys=True))
    (docs, clusters) | beam.Flatten() | beam.io.WriteToText(prefix)


def _read_lines(directory) -> list[str]:
    return sorted(line for f in directory.iterdir() for line in f.read_text(encoding="utf-8").splitlines())


def test_same_answer_in_memory_and_multi_processing(tmp_path):
    outputs = {}
    for mode, workers in (("in_memory", 1), ("multi_processing", 2)):
        out = tmp_path / mode
        out.mkdir()
        p, s = _run(DOCS, mode=mode, workers=workers)
        with p:
            _canonical_lines(p | beam.Create(DOCS, reshuffle=True) | Deduplicate(s), str(out / "part"))
        outputs[mode] = _read_lines(out)
    assert len(outputs["in_memory"]) == len(DOCS) + 2
    assert outputs["in_memory"] == outputs["multi_processing"]


def _sentence(doc_id: str, index: int, text: str) -> Sentence:
    return Sentence(doc_id=doc_id, paragraph_index=0, sentence_index=index, start=0, end=len(text), text=text,
                    norm_text=normalise_for_search(text))


def _by_story(outlet, sentence, story=None):
    return outlet, story or sentence.doc_id, sentence


def test_mark_boilerplate_per_outlet():
    promo = "تابعونا على تويتر للحصول على آخر الأخبار"
    sentences = []
    for i in range(5):
        sentences.append(_by_story("okaz", _sentence(f"o{i}", 0, f"خبر رقم {i} عن الاقتصاد السعودي")))
        sentences.append(_by_story("okaz", _sentence(f"o{i}", 1, promo)))
        sentences.append(_by_story("okaz", _sentence(f"o{i}", 2, "(واس)")))  # short: never flagged
    sentences.append(_by_story("sabq", _sentence("s0", 0, promo)))  # other outlet: count 1
    sentences.append(_by_story("okaz", _sentence("o0", 3, promo)))  # same doc twice: counted once
    p, _ = _run([])
    with p:
        out = (p | beam.Create(sentences) | MarkBoilerplate(DedupSettings(boilerplate_min_docs=5))
               | beam.Map(lambda s: (s.doc_id, s.sentence_index, s.is_boilerplate, s.boilerplate_count)))
        expected = []
        for i in range(5):
            expected += [(f"o{i}", 0, False, 1), (f"o{i}", 1, True, 5), (f"o{i}", 2, False, 5)]
        expected += [("s0", 0, False, 1), ("o0", 3, True, 5)]
        assert_that(out, equal_to(expected))


def test_mark_boilerplate_counts_copies_of_one_story_once():
    shared = "جملة من خبر واحد نشرته الصحيفة عدة مرات"
    sentences = [_by_story("okaz", _sentence(f"copy{i}", 0, shared), story="copy0") for i in range(6)]
    p, _ = _run([])
    with p:
        out = (p | beam.Create(sentences) | MarkBoilerplate(DedupSettings(boilerplate_min_docs=5))
               | beam.Map(lambda s: (s.is_boilerplate, s.boilerplate_count)))
        assert_that(out, equal_to([(False, 1)] * 6))


def test_mark_boilerplate_min_share():
    sentences = [_by_story("x", _sentence(f"d{i}", 0, "جملة متكررة في عدة مقالات")) for i in range(5)]
    sentences += [_by_story("x", _sentence(f"n{i}", 0, f"جملة فريدة رقم {i} هنا")) for i in range(15)]
    p, _ = _run([])
    with p:
        out = (p | beam.Create(sentences)
               | MarkBoilerplate(DedupSettings(boilerplate_min_docs=5, boilerplate_min_share=0.3))
               | beam.Filter(lambda s: s.is_boilerplate))
        assert_that(out, equal_to([]))  # 5 of 20 docs = 0.25 < 0.3


@pytest.mark.parametrize("rounds", [0, 1, 6])
def test_connected_components_any_round_count(rounds):
    # a path n00-n01-...-n19, a star around s0, and a separate pair; with few hash-to-min rounds the
    # residual union-find must finish the job
    edges = [(f"n{i:02d}", f"n{i + 1:02d}") for i in range(19)] + [("s0", f"s{i}") for i in range(1, 6)]
    edges += [("x1", "x2")]
    expected = [(f"n{i:02d}", "n00") for i in range(20)] + [(f"s{i}", "s0") for i in range(6)]
    expected += [("x1", "x1"), ("x2", "x1")]
    p, _ = _run([])
    with p:
        labels = p | beam.Create(edges) | ConnectedComponents(rounds)
        assert_that(labels, equal_to(expected))


def test_chain_clusters_identically_without_hash_to_min_rounds():
    p, _ = _run(DOCS)
    with p:
        result = p | beam.Create(DOCS) | Deduplicate(DedupSettings(cc_rounds=0))
        summary = result.clusters | beam.Map(lambda c: (c["canonical_doc_id"], c["size"]))
        assert_that(summary, equal_to([("a4", 4), ("c1", 3)]))


def _index_rows(docs, settings):
    rows = []
    for doc in docs:
        key, meta, bands, shingles = fingerprint(doc, settings)
        rows.append({"doc_id": doc.doc_id, "exact_key": key, "band_keys": list(bands), "shingles": shingles,
                     "published_at": meta.published_at, "text_chars": meta.text_len, "cluster_id": None,
                     "canonical_doc_id": doc.doc_id})
    return rows


def test_earlier_documents_returns_only_index_rows_sharing_a_key(tmp_path):
    """The persistent index is matched by key, not joined whole: unrelated earlier documents stay on disk."""
    settings = DedupSettings()
    by_id = {d.doc_id: d for d in DOCS}
    earlier = [by_id[i] for i in ("a2", "a4", "u1", "u2", "c1")]
    path = tmp_path / "index.parquet"
    pq.write_table(pa.Table.from_pylist(_index_rows(earlier, settings), schema=DEDUP_INDEX), path,
                   row_group_size=2)  # several row groups
    batch = [by_id["a1"], _doc("n1", _words("جديد", 0, 80))]
    p, _ = _run(batch)
    with p:
        keys = (p | beam.Create(batch)
                | beam.Map(lambda d: (lambda f: (f[0], (f[1], f[2])))(fingerprint(d, settings))))
        matched = keys | EarlierDocuments([str(tmp_path / "*.parquet")])
        assert_that(matched | beam.Map(lambda row: row["doc_id"]), equal_to(["a2", "a4"]))


def test_batches_against_an_index_give_the_single_run_clusters(tmp_path):
    """Deduplicating the last documents against an index of the first ones finds the same clusters."""
    settings = DedupSettings()
    first, second = DOCS[:5], DOCS[5:] + [_doc("a5", BASE, "2015-07-25"), _doc("c4", _words("خبر", 15, 115))]
    pq.write_table(pa.Table.from_pylist(_index_rows(first, settings), schema=DEDUP_INDEX),
                   tmp_path / "index.parquet")
    p, _ = _run(second)
    with p:
        result = p | beam.Create(second) | Deduplicate(settings, index_files=[str(tmp_path / "index.parquet")])
        assert_that(result.documents | beam.Map(lambda d: (d.doc_id, d.dup_status, d.canonical_doc_id)),
                    equal_to([("u2", "unique", "u2"), ("c1", "unique", "c1"), ("c2", "near_duplicate", "c1"),
                              ("c3", "near_duplicate", "c1"), ("e1", "unique", "e1"),
                              ("a5", "near_duplicate", "a4"), ("c4", "near_duplicate", "c1")]))
