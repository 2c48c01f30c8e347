"""Decode and clean: RawRecord to Document (its date read into UTC), or a reject saying why not."""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipeline.config import InputSettings
from pipeline.core.clean import clean_text, letter_count, normalise_for_search
from pipeline.core.dates import DateParser, DateSettings
from pipeline.core.decode import decode_bytes
from pipeline.core.types import Document, RawRecord, Reject
from pipeline.stages.timing import stage_timer, timer_counter

REJECTS = "rejects"


class CleanOutputs(NamedTuple):
    documents: beam.PCollection
    rejects: beam.PCollection


def make_doc_id(record: RawRecord) -> str:
    """Stable across runs: the same input path and position always give the same id."""
    key = f"{record.source_uri}\x1f{record.member or ''}\x1f{record.record_offset}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def to_document(record: RawRecord, settings: InputSettings, published_at: datetime | None = None) -> Document | Reject:
    """The whole Decode -> Clean step for one record, as a pure function (the DoFn reads the date and counts)."""
    where = dict(member=record.member, record_offset=record.record_offset, record_id=record.record_id,
                 input_checksum=record.input_checksum)
    if isinstance(record.body, bytes):
        decoded = decode_bytes(record.body)
        if decoded.binary:
            return Reject(record.source_uri, "binary_file", "the file looks binary (NUL or control bytes)", **where)
        share = decoded.replaced / max(1, len(decoded.text))
        if share > settings.max_undecodable_share:
            return Reject(record.source_uri, "undecodable",
                          f"{decoded.replaced} of {len(decoded.text)} characters could not be decoded "
                          f"({share:.1%} > input.max_undecodable_share)", **where)
        raw_text, encoding = decoded.text, decoded.encoding
    else:
        raw_text, encoding = record.body, record.encoding or "utf-8"
    if len(raw_text) > settings.max_article_chars:
        return Reject(record.source_uri, "too_large",
                      f"{len(raw_text)} characters > input.max_article_chars ({settings.max_article_chars})", **where)
    cleaned = clean_text(raw_text)
    if letter_count(cleaned.text) < settings.min_letters:
        return Reject(record.source_uri, "no_letters", "no letters left after cleaning", **where)
    return Document(
        doc_id=make_doc_id(record), source_uri=record.source_uri, text=cleaned.text,
        norm_text=normalise_for_search(cleaned.text), record_id=record.record_id, member=record.member,
        record_offset=record.record_offset, input_checksum=record.input_checksum, outlet=record.outlet,
        url=record.url, date_raw=record.date, published_at=published_at, title=record.title, author=record.author, encoding=encoding,
        raw_chars=len(raw_text), clean_stats=cleaned.stats,
    )


class _DecodeAndCleanFn(beam.DoFn):
    def __init__(self, settings: InputSettings, date_settings: DateSettings):
        self._settings = settings
        self._date_settings = date_settings

    def setup(self):
        self._timer = timer_counter("decode_clean")
        self._dates = DateParser(self._date_settings)

    def process(self, record: RawRecord):
        with stage_timer(self._timer):
            date = self._dates.parse(record.date)
            result = to_document(record, self._settings, date.published_at)
        if isinstance(result, Reject):
            Metrics.counter("rejects", result.reason).inc()
            yield beam.pvalue.TaggedOutput(REJECTS, result)
            return
        Metrics.counter("dates", date.status).inc()  # parsed, missing, unparseable (date_raw kept)
        if date.calendar:
            Metrics.counter("dates", f"calendar_{date.calendar}").inc()
        Metrics.counter("decode", f"encoding_{result.encoding}").inc()
        for change, count in result.clean_stats.items():
            Metrics.counter("clean", change).inc(count)
        Metrics.counter("clean", "documents").inc()
        yield result


class DecodeAndClean(beam.PTransform):
    def __init__(self, settings: InputSettings, date_settings: DateSettings = DateSettings()):
        super().__init__()
        self._settings = settings
        self._date_settings = date_settings

    def expand(self, records):
        results = records | "Decode, clean, read dates, normalise" >> beam.ParDo(
            _DecodeAndCleanFn(self._settings, self._date_settings)).with_outputs(REJECTS, main="documents")
        return CleanOutputs(results.documents, results[REJECTS])
