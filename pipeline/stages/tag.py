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
        for key, count in Counter(f"{s.role}_{s.kind}" for s in analysed.sources).items():
            Metrics.counter("sources", key).inc(count)
        for key, count in Counter(f"method_{s.method}" for s in analysed.sources).items():
            Metrics.counter("sources", key).inc(count)  # rules / crf (learned spans) / metadata
        yield analysed


class TagEntitiesAndSources(beam.PTransform):
    def __init__(self, entity_settings: EntitySettings, source_settings: SourceSettings):
        super().__init__()
        self._entity_settings = entity_settings
        self._source_settings = source_settings

    def expand(self, analysed):
        return analysed | "Tag entities, extract sources" >> beam.ParDo(
            _TagFn(self._entity_settings, self._source_settings))
