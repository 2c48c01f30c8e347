"""Every Arrow schema of the output, and the conversion of core dataclasses to rows.

Writers, the report and the tests import the schemas from here and nowhere else.
Offsets (``start``/``end``) are Python string indices into ``documents.text`` of the same ``doc_id``,
end exclusive. Rows that are not in the text have them null: publisher rows of ``sources`` (taken from
the input's metadata) have ``start``, ``end`` and ``sentence_index`` null, as ``quote_start`` /
``quote_end`` are null where there is no quote.

``record_offset`` (documents, rejects) says where a record is in its file, or in its archive member
when ``member`` is set, one meaning per format:

- JSON Lines (``.jsonl``, ``.ndjson``, compressed or not): the 1-based line number (blank lines count);
- JSON (``.json``): the 0-based index in the top-level array (0 for a file holding one object);
- WARC (``.warc``, ``.warc.gz``): the record's byte offset in the file as stored (for ``.warc.gz``, the
  offset of its gzip member, as CDX indexes give it);
- a file that is one article (``.txt``, ``.html``): 0;
- null for a reject of a whole file (``not_found``, ``binary_file``, ...).

``documents.date_raw`` is the date as the input gave it; ``published_at`` is that date read by
``pipeline.core.dates`` as a UTC instant (null when missing or unparseable; a date without a zone is
taken in ``dates.default_timezone``).
"""
from __future__ import annotations

import pyarrow as pa

from pipeline.core.types import Document, Entity, Reject, Sentence, SourceMention

SPAN = pa.struct([
    ("start", pa.int32()), ("end", pa.int32()), ("lang", pa.string()), ("script", pa.string()),
    ("confidence", pa.float32()), ("method", pa.string()),
])

DOCUMENTS = pa.schema([
    ("doc_id", pa.string()),
    ("record_id", pa.string()),
    ("source_uri", pa.string()),
    ("member", pa.string()),
    ("record_offset", pa.int64()),
    ("input_checksum", pa.string()),
    ("outlet", pa.string()),
    ("url", pa.string()),
    ("date_raw", pa.string()),
    ("published_at", pa.timestamp("us", tz="UTC")),
    ("title", pa.string()),
    ("author", pa.string()),
    ("encoding", pa.string()),
    ("raw_chars", pa.int64()),
    ("text", pa.string()),
    ("text_chars", pa.int64()),
    ("clean_stats", pa.map_(pa.string(), pa.int64())),
    ("paragraph_count", pa.int32()),
    ("sentence_count", pa.int32()),
    ("lang", pa.string()),
    ("lang_mix", pa.map_(pa.string(), pa.float32())),
    ("dup_status", pa.string()),
    ("cluster_id", pa.string()),
    ("canonical_doc_id", pa.string()),
    ("similarity", pa.float32()),
])

SENTENCES = pa.schema([
    ("doc_id", pa.string()),
    ("paragraph_index", pa.int32()),
    ("sentence_index", pa.int32()),
    ("start", pa.int32()),
    ("end", pa.int32()),
    ("text", pa.string()),
    ("norm_text", pa.string()),
    ("lang", pa.string()),
    ("lang_confidence", pa.float32()),
    ("dialect", pa.string()),
    ("spans", pa.list_(SPAN)),
    ("is_boilerplate", pa.bool_()),
    ("boilerplate_count", pa.int32()),
])

ENTITIES = pa.schema([
    ("doc_id", pa.string()),
    ("sentence_index", pa.int32()),
    ("start", pa.int32()),
    ("end", pa.int32()),
    ("text", pa.string()),
    ("type", pa.string()),
    ("canonical", pa.string()),  # display form (إيران); canonical_key is the normalised form for joins
    ("canonical_key", pa.string()),
    ("lang", pa.string()),
    ("tagger", pa.string()),
    ("confidence", pa.float32()),
])

SOURCES = pa.schema([
    ("doc_id", pa.string()),
    ("sentence_index", pa.int32()),
    ("start", pa.int32()),
    ("end", pa.int32()),
    ("text", pa.string()),
    ("canonical", pa.string()),  # display form; canonical_key is the normalised form for joins
    ("canonical_key", pa.string()),
    ("kind", pa.string()),
    ("cue", pa.string()),
    ("quote", pa.string()),
    ("quote_start", pa.int32()),
    ("quote_end", pa.int32()),
    ("role", pa.string()),
    ("confidence", pa.float32()),
    ("method", pa.string()),
])

CLUSTER_MEMBER = pa.struct([("doc_id", pa.string()), ("dup_status", pa.string()), ("similarity", pa.float32())])

CLUSTERS = pa.schema([
    ("cluster_id", pa.string()),
    ("canonical_doc_id", pa.string()),
    ("size", pa.int32()),
    ("kind", pa.string()),
    ("canonical_rule", pa.string()),
    ("members", pa.list_(CLUSTER_MEMBER)),
])

REJECTS = pa.schema([
    ("input", pa.string()),
    ("member", pa.string()),
    ("record_offset", pa.int64()),
    ("record_id", pa.string()),
    ("reason", pa.string()),
    ("message", pa.string()),
    ("input_checksum", pa.string()),
])

INPUTS = pa.schema([
    ("source_uri", pa.string()),
    ("size_bytes", pa.int64()),
    ("sha256", pa.string()),
    ("records", pa.int64()),  # units this file produced: documents + rejects
    ("status", pa.string()),  # read, rejected, skipped_already_processed
    # records that are neither documents nor rejects, by kind: WARC request, warcinfo, metadata,
    # revisit records, non-HTML ('non_html:image/png') and non-2xx ('http_404') responses
    ("skipped_records", pa.map_(pa.string(), pa.int64())),
])

TABLES: dict[str, pa.Schema] = {
    "documents": DOCUMENTS,
    "sentences": SENTENCES,
    "entities": ENTITIES,
    "sources": SOURCES,
    "clusters": CLUSTERS,
    "rejects": REJECTS,
    "inputs": INPUTS,
}

# The persistent dedup index (``DIR/_index/``): what later batches and runs need of every document
# already processed to find its copies, without the text. Owned by the dedup stage.
DEDUP_INDEX = pa.schema([
    ("doc_id", pa.string()),
    ("exact_key", pa.string()),
    ("band_keys", pa.list_(pa.uint64())),
    ("shingles", pa.binary()),
    ("published_at", pa.timestamp("us", tz="UTC")),
    ("text_chars", pa.int64()),
    ("cluster_id", pa.string()),
    ("canonical_doc_id", pa.string()),
])

INDEX_TABLES: dict[str, pa.Schema] = {"dedup_index": DEDUP_INDEX}


def document_row(doc: Document, paragraph_count: int, sentence_count: int) -> dict:
    return {
        "doc_id": doc.doc_id, "record_id": doc.record_id, "source_uri": doc.source_uri,
        "member": doc.member, "record_offset": doc.record_offset, "input_checksum": doc.input_checksum,
        "outlet": doc.outlet, "url": doc.url, "date_raw": doc.date_raw,
        "published_at": doc.published_at, "title": doc.title, "author": doc.author,
        "encoding": doc.encoding, "raw_chars": doc.raw_chars, "text": doc.text, "text_chars": len(doc.text),
        "clean_stats": sorted(doc.clean_stats.items()), "paragraph_count": paragraph_count,
        "sentence_count": sentence_count, "lang": doc.lang, "lang_mix": sorted(doc.lang_mix.items()),
        "dup_status": doc.dup_status, "cluster_id": doc.cluster_id,
        "canonical_doc_id": doc.canonical_doc_id, "similarity": doc.similarity,
    }


def sentence_row(s: Sentence) -> dict:
    return {
        "doc_id": s.doc_id, "paragraph_index": s.paragraph_index, "sentence_index": s.sentence_index,
        "start": s.start, "end": s.end, "text": s.text, "norm_text": s.norm_text, "lang": s.lang,
        "lang_confidence": s.lang_confidence, "dialect": s.dialect,
        "spans": [{"start": sp.start, "end": sp.end, "lang": sp.lang, "script": sp.script,
                   "confidence": sp.confidence, "method": sp.method} for sp in s.spans],
        "is_boilerplate": s.is_boilerplate, "boilerplate_count": s.boilerplate_count,
    }


def entity_row(e: Entity) -> dict:
    return {name: getattr(e, name) for name in ENTITIES.names}


def source_row(s: SourceMention) -> dict:
    return {name: getattr(s, name) for name in SOURCES.names}


def reject_row(r: Reject) -> dict:
    return {name: getattr(r, name) for name in REJECTS.names}
