"""Segment: paragraphs, sentences, and the language of every sentence and passage."""
from __future__ import annotations

import dataclasses
from collections import Counter

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipeline.core.clean import normalise_for_search
from pipeline.core.langspans import LanguageSegmenter, LanguageSettings, document_language
from pipeline.core.sentences import split_sentences
from pipeline.core.types import AnalysedDocument, Document, Sentence
from pipeline.stages.models import per_thread
from pipeline.stages.timing import stage_timer, timer_counter


def analyse_document(doc: Document, segmenter: LanguageSegmenter) -> AnalysedDocument:
    """Sentences with their languages, and the document's main language and mix."""
    bounds = split_sentences(doc.text)
    languages = segmenter.segment_many(doc.text, [(b.start, b.end) for b in bounds])
    sentences = [
        Sentence(
            doc_id=doc.doc_id, paragraph_index=b.paragraph_index, sentence_index=i, start=b.start, end=b.end,
            text=doc.text[b.start:b.end], norm_text=normalise_for_search(doc.text[b.start:b.end]),
            lang=lang.lang, lang_confidence=lang.confidence, dialect=lang.dialect, spans=lang.spans,
        )
        for i, (b, lang) in enumerate(zip(bounds, languages))
    ]
    main, mix = document_language(languages)
    paragraphs = len({b.paragraph_index for b in bounds})
    return AnalysedDocument(dataclasses.replace(doc, lang=main, lang_mix=mix), sentences, paragraphs)


class _SegmentFn(beam.DoFn):
    def __init__(self, settings: LanguageSettings):
        self._settings = settings

    def setup(self):
        self._segmenter = per_thread(LanguageSegmenter, self._settings)  # the LID model, once per worker thread
        self._timer = timer_counter("segment")

    def process(self, doc: Document):
        with stage_timer(self._timer):
            analysed = analyse_document(doc, self._segmenter)
        counts = Counter({"sentences": len(analysed.sentences), f"documents_{analysed.document.lang}": 1})
        for sentence in analysed.sentences:
            counts[f"sentences_{sentence.lang}"] += 1
            counts.update(f"inner_spans_{span.method}_{span.lang}" for span in sentence.spans
                          if span.lang != sentence.lang)
        for key, count in counts.items():  # one counter update per kind and document, not per sentence
            Metrics.counter("segment", key).inc(count)
        yield analysed


class SegmentSentences(beam.PTransform):
    def __init__(self, settings: LanguageSettings):
        super().__init__()
        self._settings = settings

    def expand(self, documents):
        return documents | "Split sentences, detect languages" >> beam.ParDo(_SegmentFn(self._settings))
