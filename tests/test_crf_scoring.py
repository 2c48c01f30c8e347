"""The CRFs scored from per-word-type weight vectors (pipeline/core/crf_scoring.py) give the same tags
and marginals as python-crfsuite on the same models and features (both entity stages, the stage-1-only
tagger the neural backend stacks on, and the sources span model)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.core import entities as E
from pipeline.core.clean import clean_text
from pipeline.core.crf_scoring import CrfModel, decode
from pipeline.core.sentences import split_sentences
from pipeline.core.sources import SourceExtractor, SourceSettings, tokenise
from pipeline.core.sources_model import MODEL_FILE, entity_types
from pipeline.core.types import Entity

ROOT = Path(__file__).resolve().parents[1]
MODELS = E.MODELS_DIR
TOL = 1e-6

EDGE_SENTENCES = [
    ["الرياض"],  # one token
    ["."],
    ["قال", "الرئيس", "الروسي", "فلاديمير", "بوتين", "إن", "موسكو", "سترد", "."],
    ["زززقثفغ", "ضصثقفغعه", "وبالخخخخ", "للمممم"],  # unknown words, with proclitics
    ["Vladimir", "Putin", "said", "on", "Monday", "2015", "-", "AFP"],  # Latin, digits, a dash
    ["في", "عام", "٢٠١٥", "و", "3.5", "%", "من", "ال", "|", "a|b", "||"],  # Arabic digits, "|" inside words
    ["وقال", "وزير", "الخارجية", "الأمريكي", "جون", "كيري", "لوكالة", "رويترز", ":", "«", "نحن", "»"],
    ["بوتين"] * 3 + ["موسكو", "بوتين"],  # repeated stems: stage 2's document majority
]


def _long_sentence() -> list[str]:
    words = "أعلنت وزارة الصحة السعودية اليوم عن افتتاح ثلاثة مستشفيات جديدة في منطقة الرياض وقال الوزير".split()
    return (words * 30)[:400]


def _sample_documents() -> list[list[list[str]]]:
    """Each sample article (with the real seed article and the constructed one) as its sentences' tokens."""
    texts = [json.loads(line)["content"] for line in
             (ROOT / "sample_data" / "articles.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    texts += [(ROOT / "sample_data" / name).read_text(encoding="utf-8")
              for name in ("000_a1f66a99b40bb683.txt", "constructed_article_ar.txt")]
    docs = []
    for raw in texts:
        text = clean_text(raw).text
        docs.append([[t[0] for t in E.tokenize(text[b.start:b.end])] for b in split_sentences(text)])
    return docs


DOCUMENTS = _sample_documents() + [EDGE_SENTENCES, [_long_sentence()], [["كلمة"], [], ["قال", "بوتين"]]]


def _run(tagger, xseq):
    tagger.set(xseq)
    tags = tagger.tag()
    return list(tags), [tagger.marginal(t, i) for i, t in enumerate(tags)]


class _Reference:
    """The two entity stages through python-crfsuite and FeatureExtractor / add_doc_features."""

    def __init__(self, tagger: E.CrfArabicTagger):
        fx = tagger.scorer.features
        self.features = E.FeatureExtractor(fx.lexicon, fx.gazetteer)
        self.stage1 = E.open_crf_model(MODELS / E.CRF_MODEL_FILE)
        self.stage2 = E.open_crf_model(MODELS / E.CRF2_MODEL_FILE)

    def tag_document(self, sents, window=None):
        feats = [self.features.sentence_features(ws) if ws else [] for ws in sents]
        first = [_run(self.stage1, f) if f else ([], []) for f in feats]
        E.add_doc_features(feats, sents, [t for t, _ in first], window=window)
        return first, [_run(self.stage2, f) if f else ([], []) for f in feats]


@pytest.fixture(scope="module")
def taggers():
    both = E.CrfArabicTagger(MODELS)
    return both, E.CrfArabicTagger(MODELS, stage2=False), _Reference(both)


def _same(got, want):
    assert len(got) == len(want)
    for (gt, gm), (wt, wm) in zip(got, want):
        assert gt == wt
        assert len(gm) == len(wm)
        if wm:
            assert np.max(np.abs(np.array(gm) - np.array(wm))) < TOL


@pytest.mark.parametrize("doc", range(len(DOCUMENTS)))
def test_entity_stages_match_crfsuite(taggers, doc):
    both, stage1, ref = taggers
    first, second = ref.tag_document(DOCUMENTS[doc])
    _same(both.tag_document(DOCUMENTS[doc]), second)
    _same(stage1.tag_document(DOCUMENTS[doc]), first)


def test_stage2_window_matches_crfsuite(taggers):
    both, _, ref = taggers
    sents = [s for d in DOCUMENTS[:3] for s in d] + [[]] + EDGE_SENTENCES
    _same(both.tag_document(sents, window=2), ref.tag_document(sents, window=2)[1])


def test_the_weights_are_crfsuites():
    """Tagger.info() prints the weights with 6 decimals; the binary file holds them in full."""
    model = CrfModel.load(MODELS / MODEL_FILE)
    tagger = E.open_crf_model(MODELS / MODEL_FILE)
    info = tagger.info()
    assert model.labels == list(tagger.labels())
    assert np.count_nonzero(model.state) == len(info.state_features)
    for (attr, lab), w in info.state_features.items():
        assert abs(model.state[model.attr_ids[attr], model.labels.index(lab)] - w) <= 5e-7
    for (a, b), w in info.transitions.items():
        assert abs(model.trans[model.labels.index(a), model.labels.index(b)] - w) <= 5e-7


def test_repeated_and_unknown_attributes_count_as_in_crfsuite():
    """A list attribute given twice counts twice; one the model never saw counts zero."""
    model = CrfModel.load(MODELS / MODEL_FILE)
    tagger = E.open_crf_model(MODELS / MODEL_FILE)
    for items in (["b:1"], ["b:1", "n:كيم"], ["b:1", "n:كيم", "n:كيم"], ["b:1", "no-such-attribute:x"]):
        tagger.set([items, items])
        want = _run(tagger, [items, items])
        em = np.stack([model.vector(items)] * 2)[None]
        tags, probs = decode(em, np.array([2]), model.trans)
        assert [model.labels[t] for t in tags[0]] == want[0]
        assert np.max(np.abs(probs[0] - want[1])) < TOL


def test_decode_pads_sentences_of_different_lengths_independently():
    rng = np.random.default_rng(0)
    model = CrfModel.load(MODELS / E.CRF_MODEL_FILE)
    lens = np.array([1, 7, 3, 7, 12])
    em = rng.normal(size=(len(lens), lens.max(), model.n_labels))
    tags, probs = decode(em, lens, model.trans)
    for i, n in enumerate(lens):
        t1, p1 = decode(em[i:i + 1, :n], lens[i:i + 1], model.trans)
        assert (t1[0] == tags[i, :n]).all() and np.allclose(p1[0], probs[i, :n], atol=1e-12)


@pytest.fixture(scope="module")
def span_model():
    extractor = SourceExtractor(SourceSettings())
    tagger = E.open_crf_model(MODELS / MODEL_FILE)
    return extractor, extractor.span_model, tagger


def _span_sentences():
    texts = [json.loads(line)["content"] for line in
             (ROOT / "sample_data" / "articles.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    texts += [(ROOT / "sample_data" / name).read_text(encoding="utf-8")
              for name in ("000_a1f66a99b40bb683.txt", "constructed_article_ar.txt")]
    texts += [" ".join(ws) for ws in EDGE_SENTENCES] + [" ".join(_long_sentence())]
    out = []
    for raw in texts:
        text = clean_text(raw).text
        for b in split_sentences(text):
            toks = tokenise(text, b.start, b.end)
            if toks:
                ents = [Entity("d", 0, t.start, t.end, t.text, typ, t.text, "ar", "x", 1.0)
                        for t, typ in zip(toks[1::4], ("PER", "LOC", "ORG", "MISC") * len(toks))]
                out.append((toks, ents))
    return out


def test_span_model_matches_crfsuite(span_model):
    extractor, model, tagger = span_model
    features = extractor.span_features()
    sents = _span_sentences()
    tagged = model.tag_many(sents)
    scored = 0
    for (toks, ents), got in zip(sents, tagged):
        if not any(extractor.lexical_marks(t.norm).cue for t in toks):
            assert got is None
            continue
        scored += 1
        tags, margs = _run(tagger, features.sentence(toks, entity_types(toks, ents)))
        assert got[0] == tags
        assert np.max(np.abs(got[1] - np.array(margs))) < TOL
    assert scored > 10 and scored < len(sents)
    # one sentence at a time gives the same, and proposals are its c: spans with their smallest marginal
    for many, one in zip(model.propose_many(sents), [model.propose(t, e) for t, e in sents]):
        assert [m[:3] for m in many] == [o[:3] for o in one]
        assert all(abs(m[3] - o[3]) < 1e-12 for m, o in zip(many, one))
    text = "قال المتحدث باسم وزارة الخارجية الروسية للصحفيين إن موسكو سترد"
    toks = tokenise(text, 0, len(text))
    tags, margs = _run(tagger, features.sentence(toks, ["O"] * len(toks)))
    spans = model.propose(toks, [])
    assert spans and all(tags[a] == "B-c:" + kind and abs(p - min(margs[a:b])) < TOL for a, b, kind, p in spans)


def test_a_document_with_more_words_than_the_cache_holds_is_scored_not_refused():
    """The cache grows to hold one document whole (an article of 2M characters can have more distinct
    words than the cache's bound); the scores are those of an ample cache."""
    from pipeline.core.crf_scoring import TypeCache

    def compute(word):
        return np.full((2, 3), float(len(word))), (len(word),), word

    small = TypeCache(compute, (np.zeros((2, 3)), (0,), None), capacity=4)
    ample = TypeCache(compute, (np.zeros((2, 3)), (0,), None), capacity=100)
    words = [f"w{'x' * i}" for i in range(10)]
    small_rows, ample_rows = small.lookup(words), ample.lookup(words)
    assert np.array_equal(small.blocks[small_rows], ample.blocks[ample_rows])
    assert [small.info[r] for r in small_rows] == words
