"""Tag: entities (people, places, organisations) and sources (who is cited, who published)."""
from __future__ import annotations

from collections import Counter

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipeline.core.entities import EntitySettings, EntityTagger
from pipeline.core.sources import SourceExtractor, SourceSettings
from pipeline.core.types import AnalysedDocument
from pipeline.stages.models import per_thread
from pipeline.stages.timing import stage_timer, timer_counter


class _TagFn(beam.DoFn):
    """Models load once per worker thread (kept across batches); one call tags a document's sentences together."""

    def __init__(self, entity_settings: EntitySettings, source_settings: SourceSettings):
        self._entity_settings = entity_settings
        self._source_settings = source_settings

    def setup(self):
        self._tagger = per_thread(EntityTagger, self._entity_settings)
        self._extractor = per_thread(SourceExtractor, self._source_settings)
        self._entity_timer = timer_counter("tag_entities")
        self._source_timer = timer_counter("tag_sources")

    def process(self, analysed: AnalysedDocument):
        doc = analysed.document
        with stage_timer(self._entity_timer):
            analysed.entities = self._tagger.tag(doc.doc_id, doc.text, analysed.sentences)
        with stage_timer(self._source_timer):
            analysed.sources = self._extractor.extract(
                doc.doc_id, doc.text, analysed.sentences, analysed.entities, outlet=doc.outlet, url=doc.url)
        for key, count in self._tagger.counts.items():  # entities by type, untagged passages by language
            Metrics.counter("entities", key).inc(count)
        self._tagger.counts.clear()
        # by role and kind, and by method: rules / crf (learned spans) / metadata
        for key, count in Counter(name for s in analysed.sources for name in source_counters(s.role, s.kind, s.method)).items():
            Metrics.counter("sources", key).inc(count)
        yield analysed


def source_counters(role: str, kind: str, method: str) -> tuple[str, str]:
    """The ``sources`` metrics one source row counts in (the run summary's "sources found by")."""
    return f"{role}_{kind}", f"method_{method}"


def entity_counters(entity_type: str) -> tuple[str, str]:
    """The ``entities`` metrics one entity row counts in (the tagger's ``counts``)."""
    return "entities", f"entities_{entity_type}"


class TagEntitiesAndSources(beam.PTransform):
    def __init__(self, entity_settings: EntitySettings, source_settings: SourceSettings):
        super().__init__()
        self._entity_settings = entity_settings
        self._source_settings = source_settings

    def expand(self, analysed):
        return analysed | "Tag entities, extract sources" >> beam.ParDo(
            _TagFn(self._entity_settings, self._source_settings))
