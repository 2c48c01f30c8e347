"""Tests for pipeline.core.langspans (language of sentences and of the passages inside them)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pipeline.core.langspans import (  # noqa: E402
    LanguageSegmenter,
    LanguageSettings,
    SentenceLanguage,
    document_language,
)
from pipeline.core.types import LangSpan  # noqa: E402

GOLD = REPO / "tests" / "data" / "langid_gold.jsonl"


@pytest.fixture(scope="module")
def seg() -> LanguageSegmenter:
    return LanguageSegmenter(LanguageSettings())


def _check_spans(text: str, start: int, end: int, res: SentenceLanguage) -> None:
    prev_end = start
    for sp in res.spans:
        assert isinstance(sp, LangSpan)
        assert start <= sp.start < sp.end <= end, sp
        assert sp.start >= prev_end, "spans overlap or are not sorted"
        prev_end = sp.end
        piece = text[sp.start:sp.end]
        assert piece == piece.strip(), f"span has outer whitespace: {piece!r}"
        assert piece[0].isalnum() and (piece[-1].isalnum() or "\u064B" <= piece[-1] <= "\u065F"), piece


def _spans(text: str, res: SentenceLanguage) -> list[tuple[str, str]]:
    return [(text[s.start:s.end], s.lang) for s in res.spans]


# --- offsets -----------------------------------------------------------------------------------
def test_offsets_are_document_offsets_and_cut_back(seg):
    s1 = "Le Kremlin a confirmé que le dirigeant nord-coréen visitera une usine d'avions de combat en روسيا."
    s2 = "وقال ماكرون «Nous ne céderons rien aux terroristes» في خطاب متلفز."
    doc = "عنوان الخبر\n\n" + s1 + " " + s2 + "\n"
    for s in (s1, s2):
        a = doc.index(s)
        b = a + len(s)
        res = seg.segment(doc, a, b)
        _check_spans(doc, a, b, res)
        assert res.spans, s
        # every span is a substring of the sentence at the same place
        for sp in res.spans:
            assert doc[sp.start:sp.end] in s
    many = seg.segment_many(doc, [(doc.index(s1), doc.index(s1) + len(s1)), (doc.index(s2), doc.index(s2) + len(s2))])
    assert [r.lang for r in many] == ["fr", "ar"]


def test_bad_bounds_raise(seg):
    with pytest.raises(ValueError):
        seg.segment("abc", 2, 10)


# --- the seed case and codes ----------------------------------------------------------------------
def test_french_sentence_ending_in_arabic_word(seg):
    t = "Le Kremlin a confirmé que le dirigeant nord-coréen visitera une usine d'avions de combat en روسيا."
    res = seg.segment(t, 0, len(t))
    assert res.lang == "fr"
    last = res.spans[-1]
    assert (t[last.start:last.end], last.lang, last.script) == ("روسيا", "ar", "Arab")
    assert all(sp.lang == "fr" for sp in res.spans[:-1])


@pytest.mark.parametrize("code", ["Su-57", "BM-21", "MLRS", "S-400", "iPhone", "F-16"])
def test_codes_in_arabic_stay_arabic(seg, code):
    t = f"وقالت وزارة الدفاع إن منظومة {code} دخلت الخدمة في الجيش هذا العام."
    res = seg.segment(t, 0, len(t))
    assert res.lang == "ar"
    langs = {sp.lang for sp in res.spans}
    assert langs <= {"ar", "zxx"}, _spans(t, res)
    code_spans = [sp for sp in res.spans if sp.lang == "zxx"]
    assert [t[sp.start:sp.end] for sp in code_spans] == [code]
    assert code_spans[0].method == "code" and code_spans[0].script == "Latn"


def test_several_codes_in_one_arabic_sentence(seg):
    t = "أعلنت روسيا أن مقاتلات Su-57 وراجمات BM-21 ومنظومات MLRS شاركت في المناورات."
    res = seg.segment(t, 0, len(t))
    assert res.lang == "ar"
    assert [t[s.start:s.end] for s in res.spans if s.lang == "zxx"] == ["Su-57", "BM-21", "MLRS"]
    assert {s.lang for s in res.spans} == {"ar", "zxx"}


def test_code_in_french_sentence_does_not_change_language(seg):
    t = "La Turquie a acheté le système S-400 à la Russie malgré les objections de l'OTAN."
    res = seg.segment(t, 0, len(t))
    assert res.lang == "fr"
    assert ("S-400", "zxx") in _spans(t, res)


# --- quotes inside Arabic -----------------------------------------------------------------------
def test_french_quote_inside_arabic(seg):
    t = "وقال ماكرون «Nous ne céderons rien aux terroristes» في خطاب متلفز."
    res = seg.segment(t, 0, len(t))
    assert res.lang == "ar"  # the quote does not decide the sentence's language
    assert _spans(t, res) == [
        ("وقال ماكرون", "ar"), ("Nous ne céderons rien aux terroristes", "fr"), ("في خطاب متلفز", "ar")
    ]
    assert res.confidence > 0
    assert dict(res.letters)["fr"] > dict(res.letters)["ar"]


# --- Persian / Urdu are not Arabic ------------------------------------------------------------
@pytest.mark.parametrize(
    "text,lang",
    [
        ("وزیر امور خارجه ایران روز دوشنبه وارد ریاض شد.", "fa"),
        ("نمایندگان مجلس طرح اصلاح قانون کار را تصویب کردند.", "fa"),
        ("مذاکرات ادامه دارد", "fa"),
        ("وزیر اعظم نے کہا کہ حکومت عوام کی خدمت کرے گی۔", "ur"),
        ("لاہور میں ٹریفک حادثے میں تین افراد زخمی ہو گئے۔", "ur"),
        ("بارش کا سلسلہ جاری ہے", "ur"),
    ],
)
def test_persian_and_urdu_not_arabic(seg, text, lang):
    res = seg.segment(text, 0, len(text))
    assert res.lang == lang, _spans(text, res)
    assert all(sp.lang == lang and sp.script == "Arab" for sp in res.spans)


def test_persian_quote_inside_arabic(seg):
    t = "قال المرشد الإيراني: «ما هرگز تسلیم نمی‌شویم» في كلمته أمس."
    res = seg.segment(t, 0, len(t))
    assert res.lang == "ar"
    assert ("ما هرگز تسلیم نمی‌شویم", "fa") in _spans(t, res)


def test_short_arabic_without_telling_letters_is_arabic(seg):
    for t in ("انتقدها بالاسم.", "وأجاب هو نفسه", "الجو بارد"):
        assert seg.segment(t, 0, len(t)).lang == "ar", t


# --- only the configured languages are labels ---------------------------------------------------
OTHER_LANGUAGES = [
    ("Die Bundesregierung hat am Mittwoch neue Sanktionen beschlossen.", "de"),
    ("El Gobierno anunció este lunes un nuevo paquete de medidas económicas.", "es"),
    ("Министр иностранных дел прибыл в Эр-Рияд с официальным визитом.", "ru"),
]


@pytest.mark.parametrize("text,lang", OTHER_LANGUAGES)
def test_languages_outside_the_list_are_und(seg, text, lang):
    res = seg.segment(text, 0, len(text))
    assert res.lang == "und"
    assert [(sp.lang, sp.method) for sp in res.spans] == [("und", "unlisted")]


@pytest.mark.parametrize("text,lang", OTHER_LANGUAGES)
def test_configured_other_languages_reported(text, lang):
    seg = LanguageSegmenter(LanguageSettings(languages=("ar", "fr", "en", lang)))
    res = seg.segment(text, 0, len(text))
    assert res.lang == lang and res.spans[0].lang == lang


def test_page_junk_is_never_a_stray_language(seg):
    # issue 23 item 5: 'm-Media&News' came out 'nl' while language.languages is [ar, fr, en, fa, ur]
    allowed = set(LanguageSettings().languages) | {"und", "zxx"}
    for text in ("m-Media&News", "تابعونا على m-Media&News", "Ang Cebu usa ka lalawigan sa Pilipinas."):
        res = seg.segment(text)
        assert res.lang in allowed and {sp.lang for sp in res.spans} <= allowed, (text, res)
        _check_spans(text, 0, len(text), res)


def test_language_codes_never_truncated():
    # a configured language keeps its full code: Cebuano is 'ceb', not 'ce'
    t = "Ang Cebu usa ka lalawigan sa Pilipinas nga nahimutang sa rehiyon sa Sentral nga Kabisay-an."
    res = LanguageSegmenter(LanguageSettings(languages=("ar", "en", "ceb"))).segment(t)
    assert res.lang == "ceb" and res.spans[0].lang == "ceb"
    assert LanguageSettings(languages=("arz", "fr")).languages == ("arz", "fr")


def test_arz_in_the_list_allows_arabic():
    seg = LanguageSegmenter(LanguageSettings(languages=("arz", "fr")))
    t = "وأكد التقرير أن القطاع الحكومي سيظل المحرك الأول."
    assert seg.segment(t).lang == "ar"


def test_egyptian_dialect(seg):
    t = "انا مش عايز اروح الشغل النهارده عشان تعبان اوي"
    res = seg.segment(t, 0, len(t))
    assert (res.lang, res.dialect) == ("ar", "arz")
    msa = "وأكد التقرير أن القطاع الحكومي سيظل المحرك الأول للمقاولات في دول الخليج."
    assert seg.segment(msa).dialect is None


# --- degenerate input ------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "   ", "...", "«»", "؟!", "\n\n"])
def test_empty_and_punctuation_only(seg, text):
    res = seg.segment(text, 0, len(text))
    assert res.lang == "und" and res.spans == () and res.confidence == 0.0


@pytest.mark.parametrize("text", ["2015", "١٢٣٤", "5 - 4.", "MLRS", "S-400"])
def test_digits_or_codes_only(seg, text):
    res = seg.segment(text, 0, len(text))
    assert res.lang == "zxx"
    assert all(sp.lang == "zxx" for sp in res.spans) and res.spans
    _check_spans(text, 0, len(text), res)


def test_empty_range_inside_text(seg):
    t = "نص عربي"
    assert seg.segment(t, 3, 3).lang == "und"


# --- settings and document language -------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"languages": "ar"}, "languages"),
        ({"languages": ("AR",)}, "languages"),
        ({"min_confidence": 1.5}, "min_confidence"),
        ({"min_span_words": -1}, "min_span_words"),
        ({"fallback": "guess"}, "fallback"),
        ({"expected_prior": 0.5}, "expected_prior"),
        ({"short_min_margin": 0.1}, "short_min_margin"),
        ({"code_lang": "xx"}, "code_lang"),
    ],
)
def test_settings_validation_names_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        LanguageSettings(**kwargs)


def test_document_language(seg):
    sents = [
        "أعلنت وزارة الصحة تسجيل حالات جديدة في المنطقة الشرقية.",
        "وقال ماكرون «Nous ne céderons rien aux terroristes» في خطاب متلفز.",
        "Le Kremlin a confirmé la visite.",
    ]
    res = [seg.segment(s) for s in sents]
    lang, mix = document_language(res)
    assert lang == "ar"
    assert set(mix) >= {"ar", "fr"} and abs(sum(mix.values()) - 1) < 1e-3
    assert mix["ar"] > mix["fr"] > 0
    assert document_language(["fr", "ar", "ar"], [10, 3, 3]) == ("fr", {"fr": 0.625, "ar": 0.375})
    assert document_language([]) == ("und", {})
    assert document_language([seg.segment("2015")])[0] == "zxx"


# --- targets on the gold set -------------------------------------------------------------------
def test_gold_set_targets(seg):
    sys.path.insert(0, str(REPO / "bench"))
    from eval_langspans import evaluate, load_gold

    items = load_gold(GOLD)
    assert len(items) >= 180 and sum(1 for i in items if i.get("mixed")) >= 35
    r = evaluate(GOLD, seg)
    assert r["sentence_accuracy"] >= 0.97, r["errors"]
    assert r["mixed_span_accuracy"] >= 0.90, r["errors"]
    assert r["fa_ur_as_ar_long"] == 0, r["confusions"]
