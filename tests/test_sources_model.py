"""The learned span model of the sources stage (pipeline/core/sources_model.py) and how the extractor uses it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.core.clean import clean_text
from pipeline.core.sources import SourceExtractor, SourceSettings, _proclitic_before_article, sentences_for, tokenise
from pipeline.core.sources_model import META_FILE, MODEL_FILE, bio_labels, entity_types
from pipeline.core.types import Entity

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "pipeline" / "models"


@pytest.fixture(scope="module")
def extractor():
    return SourceExtractor(SourceSettings())


@pytest.fixture(scope="module")
def rules_only():
    return SourceExtractor(SourceSettings(model_spans=False))


@pytest.fixture(scope="module")
def seed_text():
    """The article written for the tests (the gold set "seed" of bench/eval_sources.py)."""
    return clean_text((ROOT / "sample_data" / "constructed_article_ar.txt").read_text(encoding="utf-8")).text


def test_bio_labels_take_the_whole_token_of_a_span_after_a_proclitic():
    text = "وقالت لوكالة رويترز إن"
    toks = tokenise(text, 0, len(text))
    start = text.index("وكالة")
    assert bio_labels(toks, [(start, start + len("وكالة رويترز"), "c:news_agency")]) == \
        ["O", "B-c:news_agency", "I-c:news_agency", "O"]


def test_entity_types_mark_the_tokens_inside_an_entity():
    text = "قال عادل الجبير إن"
    toks = tokenise(text, 0, len(text))
    ent = Entity("d", 0, 4, 15, "عادل الجبير", "PER", "عادل الجبير", "ar", "test", 0.9)
    assert entity_types(toks, [ent]) == ["O", "PER", "PER", "O"]


@pytest.mark.parametrize("word, cut", [("والوزارة", 1), ("بالشركة", 1), ("وبالشركة", 2), ("وَالوزارة", 2),
                                       ("للوزارة", 0), ("وزارة", 0), ("الوزارة", 0), ("وال", 0)])
def test_a_model_span_starts_at_the_article(word, cut):
    assert _proclitic_before_article(word) == cut


def test_lexical_marks_give_the_model_the_rules_knowledge(extractor):
    marks = extractor.lexical_marks
    assert marks("قالت").cue == "verb" and marks("وقالت").cue == "verb"
    assert marks("مؤكدا").cue == "relay" and marks("معتبرا").cue == "participle"
    assert marks("بحسب").cue == "prep"
    assert marks("وزاره").title == "government"
    assert marks("مصادر").anonymous and not marks("الوزير").anonymous
    assert marks("ان").stop and not marks("وزاره").stop


def test_features_carry_the_nearest_cue_and_the_word_clusters(extractor):
    text = "وقال المتحدث باسم الوزارة إن"
    toks = tokenise(text, 0, len(text))
    feats = extractor.span_features().sentence(toks, ["O"] * len(toks))
    assert "cueL:verb1" in feats[1] and "-1cue:verb" in feats[1]
    assert any(f.startswith("0w2v256:") for f in feats[1])  # a frequent word has a cluster in the entity tagger's table


def test_model_rows_only_fill_gaps_between_rule_rows(extractor, rules_only, seed_text):
    """The model never changes or removes a rule row; its rows overlap none, are cited, and say how they were found."""
    sents = sentences_for("seed", seed_text)
    with_model = extractor.extract("seed", seed_text, sents)
    rules = rules_only.extract("seed", seed_text, sents)
    assert [r for r in with_model if r.method != "crf"] == rules
    for r in (r for r in with_model if r.method == "crf"):
        assert r.role == "cited" and r.confidence >= extractor.settings.model_min_confidence and r.cue and seed_text[r.start:r.end] == r.text
        assert not any(r.start < o.end and o.start < r.end for o in rules if o.start is not None)
    assert {r.method for r in rules} <= {"rules", "metadata"}


def test_model_rows_respect_their_threshold(seed_text):
    sents = sentences_for("seed", seed_text)
    strict = SourceExtractor(SourceSettings(model_min_confidence=1.0)).extract("seed", seed_text, sents)
    assert not [r for r in strict if r.method == "crf"]


@pytest.mark.parametrize("kwargs", [{"model_min_confidence": 1.5}, {"model_min_confidence": "high"},
                                    {"model_min_confidence": True}, {"model_dir": 3}, {"model_spans": "yes"}])
def test_model_settings_are_validated(kwargs):
    with pytest.raises(ValueError):
        SourceSettings(**kwargs)


def test_a_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="model_spans: false"):
        SourceExtractor(SourceSettings(model_dir=str(tmp_path)))
    assert SourceExtractor(SourceSettings(model_dir=str(tmp_path), model_spans=False)).span_model is None


def test_the_shipped_model_was_never_trained_on_a_held_out_set():
    """bench/eval_sources.py --held-out is a test of rules + model only if the model never saw those sets."""
    import sys
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import eval_sources
    finally:
        sys.path.pop(0)
    meta = json.loads((MODELS / META_FILE).read_text(encoding="utf-8"))
    held_out = {name for name, (_, _, role) in eval_sources.GOLD_SETS.items() if role == "held-out"}
    assert meta["training_sets"] and not set(meta["training_sets"]) & held_out
    assert (MODELS / MODEL_FILE).stat().st_size < 8_000_000


def test_the_model_finds_a_source_the_rules_miss(extractor, rules_only):
    """A group subject outside the anonymous lexicon (مختصون) with a stance verb: no rule row, one model row."""
    text = "ويرى مختصون في الاقتصاد أن الأسعار سترتفع."
    sents = sentences_for("d", text)
    assert not [r for r in rules_only.extract("d", text, sents) if r.role == "cited"]
    rows = [r for r in extractor.extract("d", text, sents) if r.role == "cited"]
    assert [(r.text, r.kind, r.method, r.cue) for r in rows] == [("مختصون في الاقتصاد", "anonymous", "crf", "ويرى")]


@pytest.mark.parametrize("text, quote", [
    ("وقال فانينج للصحفيين لدى وصوله إلى مطار سيدني: «لا أعرف لماذا لم تعض وكانت تعود للخلف».",
     "لا أعرف لماذا لم تعض وكانت تعود للخلف"),
    ("وأضاف فانينج: كنت فوقه أحاول وضع اللوح بيني وبينه.", "كنت فوقه أحاول وضع اللوح بيني وبينه"),
], ids=["in quotation marks", "after a colon"])
def test_model_rows_carry_the_quotation_of_their_cue(extractor, rules_only, text, quote):
    """A bare name the rules leave alone, found by the model, gets its quotation like a rule row would."""
    sents = sentences_for("d", text)
    assert not [r for r in rules_only.extract("d", text, sents) if r.role == "cited"]
    (r,) = [r for r in extractor.extract("d", text, sents) if r.role == "cited"]
    assert (r.text, r.method, r.quote) == ("فانينج", "crf", quote)
    assert text[r.quote_start:r.quote_end] == quote


def test_the_evaluation_says_why_each_gold_source_was_missed(rules_only):
    """bench/eval_sources.py (pooled lines) and scripts/train_sources_crf.py --cv sort the misses: a row with
    the wrong kind, no row though a cue word stands right before the source, no row elsewhere."""
    import sys
    from types import SimpleNamespace
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import eval_sources
    finally:
        sys.path.pop(0)
    text = "وقال أحمد إن الجو جميل. والوزير أكد أن الأمر انتهى. وقال الوزير خالد إن الجو جميل."
    gold = [(text.index("أحمد"), text.index("أحمد") + 4, "cited", "person"),
            (text.index("والوزير") + 1, text.index("والوزير") + 7, "cited", "official"),
            (text.index("الوزير خالد"), text.index("الوزير خالد") + 11, "cited", "official")]
    sentences = sentences_for("d", text)
    rows = [SimpleNamespace(role="cited", start=gold[2][0], end=gold[2][1], kind="person")]
    why = eval_sources.why_missed(text, sentences, gold, rows, [None], rules_only)
    assert why == {"no row, cue just before": 1, "no row, elsewhere": 1, "wrong kind": 1}
    matched = eval_sources.why_missed(text, sentences, gold, rows, [2], rules_only)  # the third one matched
    assert matched == {"no row, cue just before": 1, "no row, elsewhere": 1}


def test_a_cache_emptied_inside_a_document_leaves_its_earlier_sentences_intact(extractor):
    """The word cache may fill up inside one document: the rows of its earlier sentences must not
    point at the vectors of words computed after the cache was emptied (rows changed or lost)."""
    from pipeline.core.sources_model import SourceSpanModel

    def toks(text):
        return list(tokenise(text, 0, len(text)))

    doc = [toks("وقال الوزير إن الأسعار سترتفع في الشهر المقبل."),
           toks("وأضاف المتحدث باسم الشركة أن الإنتاج سيزيد بعد افتتاح المصنع الجديد.")]
    filler = [t for t in toks("شمس قمر نهر بحر جبل سهل وادي غيمة مطر ريح ثلج رمل حجر شجر زهر عشب طين")
              if t.is_word and t.text not in {x.text for s in doc for x in s}]
    first, both = {t.text for t in doc[0]}, {t.text for s in doc for t in s}
    extra = len(both) - len(first)  # cached beforehand: the first sentence fits, the second does not
    assert len(filler) >= extra
    expected = extractor.span_model.propose_many([(s, []) for s in doc])
    assert any(expected)
    small = SourceSpanModel(extractor._model_dir(), extractor.span_features, cache_words=len(both))
    small.cache.lookup([t.text for t in filler[:extra]], filler[:extra])
    assert small.propose_many([(s, []) for s in doc]) == expected
