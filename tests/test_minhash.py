"""Unit tests for pipeline.core.minhash (pure functions, no Beam)."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from pipeline.core import minhash as mh

try:
    from pipeline.core.clean import normalise_for_search
except ImportError:  # pragma: no cover - the clean module is owned elsewhere
    from camel_tools.utils.dediac import dediac_ar
    from camel_tools.utils.normalize import normalize_alef_ar, normalize_alef_maksura_ar, normalize_teh_marbuta_ar

    def normalise_for_search(text: str) -> str:
        return normalize_teh_marbuta_ar(normalize_alef_maksura_ar(normalize_alef_ar(dediac_ar(text)))).casefold()

ARTICLE = ("ذكرت وكالة الأنباء السعودية أن مجلس الوزراء عقد جلسته الأسبوعية في الرياض، وناقش عدداً من "
           "الملفات الاقتصادية والسياسية المهمة في المنطقة، وأكد دعمه للجهود الدولية الرامية إلى تحقيق السلام.")
DIACRITISED = ("ذَكَرَتْ وَكالَةُ الأَنْباءِ السُّعُودِيَّةِ أَنَّ مَجْلِسَ الوُزَراءِ عَقَدَ جَلْسَتَهُ الأُسْبُوعِيَّةَ فِي الرِّياضِ، "
               "وَناقَشَ عَدَداً مِنَ الملفات الاقتصادية والسياسية المهمة في المنطقة، وأكد دعمه للجهود الدولية "
               "الرامية إلى تحقيق السلام.")
S = mh.DedupSettings()


def test_arabic_tokens_and_shingles_are_non_empty():
    toks = mh.tokens(normalise_for_search(ARTICLE))
    assert len(toks) == 29 and toks[0] == "ذكرت"
    assert all("،" not in t and "." not in t for t in toks)  # Arabic comma and full stop are separators
    sh = mh.shingles(normalise_for_search(ARTICLE), S)
    assert len(sh) == 25 and all(len(x.split()) == 5 for x in sh)
    assert mh.shingle_hashes(normalise_for_search(ARTICLE), S).size == 25


def test_shingles_ignore_diacritics_and_punctuation_via_norm_text():
    a = mh.shingle_hashes(normalise_for_search(ARTICLE), S)
    b = mh.shingle_hashes(normalise_for_search(DIACRITISED.replace("،", " ,")), S)
    assert np.array_equal(a, b)
    assert mh.exact_key(normalise_for_search(ARTICLE)) == mh.exact_key(normalise_for_search(ARTICLE + "\n\n "))


def test_tokens_keep_marks_inside_words_when_text_is_not_dediacritised():
    assert mh.tokens("كَتَبَ الوَلَدُ_الدرس") == ["كَتَبَ", "الوَلَدُ", "الدرس"]
    assert mh.tokens("Hello, World! 2015م") == ["Hello", "World", "2015م"]


@pytest.mark.parametrize("text", ["كَتَبَ الوَلَدُ_الدرس", "Hello, World! 2015م «قال» — (واس)", "", "،،، ...",
                                  "𝔘nicode 𝔘nicode x", "كلمة كلمة كلمه"])
def test_vectorised_word_hashes_agree_with_tokens(text):
    toks = mh.tokens(text)
    hashes = mh.word_hashes(text, 42)
    assert len(hashes) == len(toks)
    by_token = {}
    for t, h in zip(toks, hashes.tolist()):
        assert by_token.setdefault(t, h) == h  # same word, same hash, wherever it is
    assert len(set(by_token.values())) == len(by_token)  # different words, different hashes


def test_char_shingles():
    s = dataclasses.replace(S, shingle_unit="char", shingle_size=4)
    assert mh.shingles("ab, cd", s) == ["ab c", "b cd"]
    assert mh.shingle_hashes("ab, cd", s).size == 2
    assert np.array_equal(mh.shingle_hashes("ab ,cd", s), mh.shingle_hashes("ab cd", s))


def test_short_and_empty_texts():
    assert mh.shingle_hashes("", S).size == 0
    assert mh.shingle_hashes("كلمة واحدة", S).size == 1  # shorter than one shingle: one shingle
    sig = mh.minhash_signature(np.empty(0, dtype=np.uint64), S)
    assert sig.shape == (S.num_perm,)


def test_signatures_are_deterministic_and_seeded():
    h = mh.shingle_hashes(normalise_for_search(ARTICLE), S)
    s1 = mh.minhash_signature(h, S)
    s2 = mh.minhash_signature(h.copy(), mh.DedupSettings())
    assert s1.dtype == np.dtype("<u8") and s1.shape == (100,)
    assert np.array_equal(s1, s2)
    assert mh.band_keys(s1, S) == mh.band_keys(s2, S)
    other = dataclasses.replace(S, seed=7)
    assert not np.array_equal(mh.minhash_signature(mh.shingle_hashes(normalise_for_search(ARTICLE), other), other), s1)


def test_signature_known_values_pin_the_algorithm():
    # Pinned so a change of hash, permutation or byte order (cross-machine drift) fails loudly.
    h = mh.shingle_hashes("a b c d e f g", S)
    sig = mh.minhash_signature(h, S)
    assert h.size == 3
    assert mh.exact_key("a  b\nc") == mh.exact_key("a b c") == "a15f7e78adfdb4598c33e55c6e849abc"
    assert sig[:2].tolist() == [7883924424470371041, 16045563676867417763]
    assert mh.band_keys(sig, S)[0] == 8194510218607485126


def test_known_jaccard_cases():
    words = [f"w{i}" for i in range(100)]
    a = mh.shingle_hashes(" ".join(words), S)
    b = mh.shingle_hashes(" ".join(words[:50]), S)
    assert mh.jaccard(a, a) == 1.0
    assert mh.jaccard(a, b) == pytest.approx(46 / 96)  # 5-grams: 96 in a, 46 in b, all shared
    c = mh.shingle_hashes(" ".join(f"x{i}" for i in range(100)), S)
    assert mh.jaccard(a, c) == 0.0
    assert mh.jaccard(np.empty(0, np.uint64), np.empty(0, np.uint64)) == 1.0
    sa, sb = mh.minhash_signature(a, S), mh.minhash_signature(b, S)
    assert mh.estimated_jaccard(sa, sa) == 1.0
    assert abs(mh.estimated_jaccard(sa, sb) - 46 / 96) < 0.2


def test_estimate_is_unbiased_over_many_sets():
    rng = np.random.default_rng(0)
    errors = []
    for _ in range(200):
        base = np.unique(rng.integers(0, 2**63, 300, dtype=np.uint64))
        keep = base[: rng.integers(150, 300)]
        extra = np.unique(rng.integers(0, 2**63, rng.integers(0, 100), dtype=np.uint64))
        other = np.unique(np.concatenate([keep, extra]))
        errors.append(mh.estimated_jaccard(mh.minhash_signature(base, S), mh.minhash_signature(other, S))
                      - mh.jaccard(base, other))
    assert abs(np.mean(errors)) < 0.01
    assert np.std(errors) < 0.06  # theory: sqrt(J(1-J)/100) <= 0.05


def test_lsh_probability_curve():
    assert mh.candidate_probability(0.7, S.bands, S.rows) > 0.97  # defaults: a J=0.7 pair is found
    assert mh.candidate_probability(0.3, S.bands, S.rows) < 0.05


def test_canonical_rule_ordering():
    a = mh.DocMeta("b", datetime(2015, 7, 21, 10, tzinfo=timezone.utc), 100)
    b = mh.DocMeta("a", datetime(2015, 7, 22, 10, tzinfo=timezone.utc), 500)
    c = mh.DocMeta("c", None, 900)
    d = mh.DocMeta("0", datetime(2015, 7, 21, 10, tzinfo=timezone.utc), 100)
    assert mh.choose_canonical([a, b, c, d], ("earliest_date", "longest_text", "smallest_doc_id")) == d
    assert mh.choose_canonical([a, b, c], ("longest_text",)) == c
    assert mh.choose_canonical([a, b, c], ("latest_date",)) == b  # a missing date never wins a date rule
    assert mh.choose_canonical([a, b, c], ("shortest_text",)) == a
    assert mh.choose_canonical([a, b, c], ("smallest_doc_id",)) == b
    assert mh.choose_canonical([c, b, a], ("earliest_date",)) == mh.choose_canonical([a, b, c], ("earliest_date",))
    assert mh.DedupSettings(canonical_rule=("longest_text",)).canonical_rule_text == "longest_text,smallest_doc_id"


def test_date_rules_compare_instants_not_strings():
    """Of three copies dated 2015-08-01 10:00 (UTC), 21/07/2015 and 2015-08-01T09:00+05:00 (04:00 UTC), the
    21 July one is the earliest and 10:00 the latest; as strings "21/07/2015" sorted last."""
    july = mh.DocMeta("z", datetime(2015, 7, 21, tzinfo=timezone.utc), 100)
    ten = mh.DocMeta("a", datetime(2015, 8, 1, 10, tzinfo=timezone.utc), 100)
    nine_plus5 = mh.DocMeta("b", datetime(2015, 8, 1, 9, tzinfo=timezone(timedelta(hours=5))), 100)
    assert mh.choose_canonical([ten, july, nine_plus5], ("earliest_date",)) == july
    assert mh.choose_canonical([ten, july, nine_plus5], ("latest_date",)) == ten
    unparseable = mh.DocMeta("0", None, 100)
    assert mh.choose_canonical([unparseable, nine_plus5], ("latest_date",)) == nine_plus5


def test_cluster_id_is_stable():
    assert mh.cluster_id_for(["b", "a"]) == mh.cluster_id_for(["a", "c", "b"])  # the smallest id decides
    assert mh.cluster_id_for(["b", "a"]) == mh.cluster_id_for(["a", "b"])
    assert mh.cluster_id_for(["a"]).startswith("dup-")


@pytest.mark.parametrize("field,value,message", [
    ("shingle_unit", "token", "dedup.shingle_unit"),
    ("shingle_size", 0, "dedup.shingle_size"),
    ("num_perm", 112, "bands * dedup.rows"),
    ("threshold", 0.0, "dedup.threshold"),
    ("threshold", 1.5, "dedup.threshold"),
    ("seed", -1, "dedup.seed"),
    ("canonical_rule", ("newest",), "earliest_date"),
    ("canonical_rule", (), "dedup.canonical_rule"),
    ("canonical_rule", "earliest_date", "dedup.canonical_rule"),
    ("canonical_rule", ("longest_text", "longest_text"), "dedup.canonical_rule"),
    ("output_policy", "drop", "'tag_all' | 'canonical_only'"),
    ("max_bucket_size", 1, "dedup.max_bucket_size"),
    ("cc_rounds", -1, "dedup.cc_rounds"),
    ("boilerplate_min_docs", 1, "dedup.boilerplate_min_docs"),
    ("boilerplate_min_share", 2.0, "dedup.boilerplate_min_share"),
    ("boilerplate_min_chars", True, "dedup.boilerplate_min_chars"),
])
def test_settings_validation(field, value, message):
    with pytest.raises(ValueError, match=message.replace("*", r"\*").replace("|", r"\|")):
        mh.DedupSettings(**{field: value})


def test_settings_accept_yaml_lists_and_consistent_bands():
    s = mh.DedupSettings(canonical_rule=["longest_text", "earliest_date"], num_perm=128, bands=16, rows=8)
    assert s.canonical_rule == ("longest_text", "earliest_date")
    hash(s)
