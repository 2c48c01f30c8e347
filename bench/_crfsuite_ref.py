"""The entity CRF through python-crfsuite, as the tagger ran before pipeline/core/crf_scoring.py: the
reference that bench/check_crf_scoring.py compares against and bench/bench_ner.py times ("old")."""
from __future__ import annotations

from typing import Sequence

from pipeline.core import entities as E


def crfsuite_tag(tagger, xseq) -> tuple[list[str], list[float]]:
    tagger.set(xseq)
    tags = tagger.tag()
    return list(tags), [tagger.marginal(t, i) for i, t in enumerate(tags)]


class CrfsuiteArabicTagger:
    """Stage 1 and stage 2 of the shipped entity CRF through python-crfsuite's string attributes."""

    def __init__(self, new: E.CrfArabicTagger):
        fx = new.scorer.features
        self.features = E.FeatureExtractor(fx.lexicon, fx.gazetteer)
        self.stage1 = E.open_crf_model(E.MODELS_DIR / E.CRF_MODEL_FILE)
        self.stage2 = E.open_crf_model(E.MODELS_DIR / E.CRF2_MODEL_FILE)

    def tag_stages(self, sents: Sequence[Sequence[str]]):
        """``(stage-1 results, stage-2 results)``: ``(tags, marginals)`` per sentence of one document."""
        feats = [self.features.sentence_features(ws) if ws else [] for ws in sents]
        first = [crfsuite_tag(self.stage1, f) if f else ([], []) for f in feats]
        E.add_doc_features(feats, sents, [t for t, _ in first])
        return first, [crfsuite_tag(self.stage2, f) if f else ([], []) for f in feats]

    def tag_document(self, sents: Sequence[Sequence[str]]):
        return self.tag_stages(sents)[1]
