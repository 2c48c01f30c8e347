"""What the entity tagger does after the model: non-names dropped, short names linked only to the
one full name that fits, spelling variants under one key, every name shown in one display form.

The Arabic model is replaced by a tagger that marks given phrases, so each test is a small
hand-written document for one class of error (issue 21)."""
import collections

import pytest

from pipeline.core import entities as E
from pipeline.core.types import Sentence
from pipeline.schema import ENTITIES, entity_row


class _PhraseTagger:
    """Tags each occurrence of the given phrases (token sequences) with their type."""

    name = "phrases"

    def __init__(self, phrases):
        self._phrases = [(phrase.split(), typ) for phrase, typ in phrases.items()]

    def tag_document(self, sents):
        out = []
        for words in sents:
            tags = ["O"] * len(words)
            for toks, typ in sorted(self._phrases, key=lambda p: -len(p[0])):
                for i in range(len(words) - len(toks) + 1):
                    if words[i:i + len(toks)] == toks and all(t == "O" for t in tags[i:i + len(toks)]):
                        tags[i:i + len(toks)] = [f"B-{typ}"] + [f"I-{typ}"] * (len(toks) - 1)
            out.append((tags, [0.9] * len(words)))
        return out


def _tagger(phrases, names_path=None):
    t = E.EntityTagger.__new__(E.EntityTagger)
    t.settings = E.EntitySettings(french=False, names_path=names_path)
    t.counts = collections.Counter()
    t._lexicon = None
    t.names = E.NameTable.load(names_path)
    t.arabic = _PhraseTagger(phrases)
    t.french = None
    return t


def _tag(phrases, text, names_path=None):
    tagger = _tagger(phrases, names_path)
    sent = Sentence(doc_id="d", paragraph_index=0, sentence_index=0, start=0, end=len(text), text=text, lang="ar")
    return tagger.tag("d", text, [sent]), tagger.counts


def _names(ents, word):
    return {e.canonical_key for e in ents if e.text.endswith(word)}


# ----------------------------------------------------------------------------- item 4: linking
def test_a_short_name_joins_the_one_full_name_of_its_document():
    ents, _ = _tag({"فلاديمير بوتين": "PERS", "بوتين": "PERS"}, "التقى فلاديمير بوتين الوفد. وقال بوتين إن")
    assert {e.canonical for e in ents} == {"فلاديمير بوتين"}


def test_a_short_name_with_two_fitting_full_names_keeps_its_own_form():
    ents, _ = _tag({"جورج بوش": "PERS", "جيب بوش": "PERS", "بوش": "PERS"},
                   "انتقد جورج بوش شقيقه جيب بوش. وقال بوش إن")
    assert {e.canonical for e in ents if e.text == "بوش"} == {"بوش"}


def test_a_name_after_a_title_keeps_its_own_form():
    text = "استقبل ولي العهد الأمير محمد بن سلمان الوفد، ثم استقبله الملك سلمان في قصره"
    outside, _ = _tag({"محمد بن سلمان": "PERS", "سلمان": "PERS"}, text)  # the title outside the span
    inside, _ = _tag({"محمد بن سلمان": "PERS", "الملك سلمان": "PERS"}, text)  # the title inside it
    for ents in (outside, inside):
        assert {e.canonical_key for e in ents} == {"محمد بن سلمان", "سلمان"}
    ents, _ = _tag({"جون كيري": "PERS", "كيري": "PERS"}, "وصل جون كيري أمس، وقال الوزير الأمريكي كيري إن")
    assert {e.canonical for e in ents if e.text == "كيري"} == {"كيري"}
    ents, _ = _tag({"باراك أوباما": "PERS", "أوباما": "PERS"},
                   "قال الرئيس الأمريكي باراك أوباما أمس، وأضاف الرئيس أوباما أن")
    assert {e.canonical for e in ents} == {"باراك أوباما"}


def test_a_fathers_name_is_not_the_person():
    ents, _ = _tag({"محمد بن سلمان": "PERS", "سلمان": "PERS"}, "التقى محمد بن سلمان الوفد. وأكد سلمان أن")
    assert _names(ents, "سلمان") == {"محمد بن سلمان", "سلمان"}


def test_a_full_name_the_tagger_cut_is_not_a_fit():
    # "ويندي" is never tagged: "روث شيرمان" is a cut name, not the full name of "شيرمان"
    text = "أعلنت ويندي شيرمان استقالتها. وقالت شيرمان إنها باقية. الاسم الكامل: ويندي روث شيرمان"
    ents, _ = _tag({"روث شيرمان": "PERS", "شيرمان": "PERS"}, text)
    assert {e.canonical for e in ents if e.text == "شيرمان"} == {"شيرمان"}


def test_longer_names_that_end_one_another_are_one_name():
    ents, _ = _tag({"علي عبد الله صالح": "PERS", "عبد الله صالح": "PERS", "صالح": "PERS"},
                   "قال علي عبد الله صالح أمس. وأكد عبد الله صالح أن. ورد صالح بأن")
    assert {e.canonical for e in ents if e.text == "صالح"} == {"علي عبد الله صالح"}


# ----------------------------------------------------------------------------- item 5: non-names, variants
def test_currencies_and_amounts_are_not_names_and_are_counted():
    text = "بلغت الصفقة خمسة ملايين دولار و300 مليون ريال، وارتفع اليورو أمام الريال السعودي"
    ents, counts = _tag({"دولار": "MISC", "مليون ريال": "MISC", "اليورو": "MISC", "الريال السعودي": "MISC"}, text)
    assert ents == []
    assert counts["dropped_non_name"] == 4


def test_religious_formulae_are_not_names_but_names_containing_them_are():
    ents, counts = _tag({"لله": "PERS", "عبد الله": "PERS"}, "وقال الحمد لله، وشكر عبد الله الحضور")
    assert [e.canonical for e in ents] == ["عبد الله"] and counts["dropped_non_name"] == 1


def test_common_words_are_dropped_only_for_the_listed_type():
    ents, _ = _tag({"ألحان": "PERS"}, "غنى ألحان الفرقة")
    assert ents == []
    ents, _ = _tag({"ألحان": "ORG"}, "غنى ألحان الفرقة")
    assert [e.type for e in ents] == ["ORG"]


def test_spelling_variants_of_one_name_share_one_key_and_display_form():
    a, _ = _tag({"سورية": "LOC"}, "عاد الوفد من سورية")
    b, _ = _tag({"سوريا": "LOC"}, "عاد الوفد من سوريا")
    assert (a[0].canonical, a[0].canonical_key) == (b[0].canonical, b[0].canonical_key) == ("سوريا", "سوريا")


def test_compound_names_written_joined_or_apart_share_a_key_and_trailing_titles_go():
    assert E.canonical_name("سلمان بن عبدالعزيز") == E.canonical_name("سلمان بن عبد العزيز") == "سلمان بن عبد العزيز"
    assert E.display_name("سلمان بن عبدالعزيز") == "سلمان بن عبدالعزيز"
    assert E.canonical_name("محمد بن سلمان ولي") == "محمد بن سلمان"
    assert E.display_name("محمد بن سلمان ولي العهد") == "محمد بن سلمان"


def test_users_extend_the_non_names_and_variants(tmp_path):
    path = tmp_path / "names.yaml"
    path.write_text("non_names:\n  PER: [فلان]\nnames:\n  - {name: بكين, variants: [بيجين]}\n", encoding="utf-8")
    ents, counts = _tag({"فلان": "PERS", "بيجين": "LOC", "لله": "PERS"}, "قال فلان في بيجين الحمد لله", str(path))
    assert [(e.canonical, e.canonical_key) for e in ents] == [("بكين", "بكين")]
    assert counts["dropped_non_name"] == 2  # the user's word and the packaged one
    path.write_text("non_names:\n  PERSON: [فلان]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="non_names types"):
        E.NameTable.load(str(path))
    with pytest.raises(ValueError, match="no such file"):
        E.NameTable.load(str(tmp_path / "absent.yaml"))


# ----------------------------------------------------------------------------- item 6: display forms
def test_display_form_is_the_names_table_form_or_the_documents_most_frequent_spelling():
    ents, _ = _tag({"ايران": "LOC"}, "زار الوفد ايران")
    assert (ents[0].canonical, ents[0].canonical_key) == ("إيران", "ايران")
    ents, _ = _tag({"أنقرة": "LOC", "انقرة": "LOC"}, "وصل إلى أنقرة. غادر أنقرة. عاد إلى انقرة")
    assert {(e.canonical, e.canonical_key) for e in ents} == {("أنقرة", "انقره")}
    ents, _ = _tag({"أنقرة": "LOC", "انقره": "LOC"}, "وصل إلى أنقرة. عاد إلى انقره")  # a tie: the explicit spelling
    assert {e.canonical for e in ents} == {"أنقرة"}


def test_entity_rows_carry_the_display_form_and_the_key():
    ents, _ = _tag({"الولايات المتحدة": "LOC"}, "أعلنت الولايات المتحدة")
    row = entity_row(ents[0])
    assert "canonical_key" in ENTITIES.names
    assert (row["canonical"], row["canonical_key"]) == ("الولايات المتحدة", "الولايات المتحده")


def test_the_report_counts_a_name_under_its_key_and_shows_its_most_frequent_display_form(tmp_path):
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    from pipeline.report import _entity_figures

    rows = [("d1", "إيران", "ايران"), ("d2", "إيران", "ايران"), ("d3", "ايران", "ايران"), ("d3", "مصر", "مصر")]
    table = pa.table({"doc_id": [r[0] for r in rows], "text": [r[1] for r in rows], "type": ["LOC"] * 4,
                      "canonical": [r[1] for r in rows], "canonical_key": [r[2] for r in rows]})
    pq.write_table(table, tmp_path / "part-0.parquet")
    top = _entity_figures(ds.dataset(tmp_path, format="parquet"), 5)["LOC"]["top"]
    assert [(r["name"], r["count"], r["documents"]) for r in top] == [("إيران", 3, 3), ("مصر", 1, 1)]
