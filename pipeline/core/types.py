"""Plain dataclasses shared by every core module (no Beam, no I/O).

All ``start``/``end`` offsets are Python string indices into the cleaned document
text (``Document.text``), end exclusive, so any row can be cut back out of its document.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class LangSpan:
    """A passage inside a sentence written in one language and script."""

    start: int
    end: int
    lang: str  # ISO 639-1 where one exists (ar, fr, en, fa, ur), else the detector's code; 'zxx' for codes
    script: str  # 'Arab', 'Latn', 'Cyrl', ... (ISO 15924), 'Zyyy' for digits/punctuation only
    confidence: float
    method: str  # how it was decided: 'fasttext', 'lingua', 'script', 'code', 'inherit', ...


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document, with its language spans once segmented."""

    doc_id: str
    paragraph_index: int
    sentence_index: int  # running index over the whole document
    start: int
    end: int
    text: str
    norm_text: str = ""
    lang: str = "und"
    lang_confidence: float = 0.0
    dialect: str | None = None
    spans: tuple[LangSpan, ...] = ()
    is_boilerplate: bool = False
    boilerplate_count: int = 0


@dataclass(frozen=True)
class Entity:
    doc_id: str
    sentence_index: int
    start: int
    end: int
    text: str
    type: str  # PER, LOC, ORG, MISC
    canonical: str
    lang: str
    tagger: str
    confidence: float
    canonical_key: str = ""  # the normalised search form of ``canonical`` (its display form), for joins


@dataclass(frozen=True)
class SourceMention:
    doc_id: str
    sentence_index: int | None  # None for metadata-derived rows (publisher from the input's fields)
    start: int | None  # None when the source is not in the text (publisher from metadata)
    end: int | None
    text: str
    canonical: str
    kind: str  # news_agency, official, government, organisation, person, document, anonymous, media, unknown
    cue: str
    quote: str | None
    quote_start: int | None
    quote_end: int | None
    role: str  # cited, publisher, agency_credit
    confidence: float
    method: str = "rules"  # how it was found: 'rules' (cues, credits), 'crf' (the learned span model), 'metadata'
    canonical_key: str = ""  # the normalised search form of ``canonical`` (its display form), for joins


@dataclass
class Document:
    """One article after decoding and cleaning; the unit every stage passes along."""

    doc_id: str
    source_uri: str
    text: str
    norm_text: str
    record_id: str | None = None
    member: str | None = None  # archive member name (zip/tar) when the input is an archive
    record_offset: int | None = None  # where in its file or member, one meaning per format: see pipeline.schema
    input_checksum: str = ""  # sha256 of the input file the record came from
    outlet: str | None = None
    url: str | None = None
    date_raw: str | None = None  # the date as the input gave it
    published_at: datetime | None = None  # date_raw read by pipeline.core.dates (UTC); None when unparseable
    title: str | None = None
    author: str | None = None
    encoding: str = "utf-8"
    raw_chars: int = 0
    clean_stats: dict[str, int] = field(default_factory=dict)
    lang: str = "und"
    lang_mix: dict[str, float] = field(default_factory=dict)
    dup_status: str = "unique"
    cluster_id: str | None = None
    canonical_doc_id: str | None = None
    similarity: float = 1.0


@dataclass(frozen=True)
class RawRecord:
    """One article as found in an input, before decoding and cleaning."""

    source_uri: str
    body: bytes | str  # bytes from a text file (decoded later), str from JSON or HTML extraction
    member: str | None = None
    record_offset: int | None = None
    input_checksum: str = ""
    record_id: str | None = None
    title: str | None = None
    url: str | None = None
    date: str | None = None  # as given; read into Document.published_at by the clean stage
    outlet: str | None = None
    author: str | None = None
    encoding: str | None = None  # set when the container already decoded the body


@dataclass(frozen=True)
class Reject:
    """An input (file or record) that could not become a document, and why."""

    input: str
    reason: str  # machine-readable, one of REJECT_REASONS
    message: str  # for a person
    member: str | None = None
    record_offset: int | None = None
    record_id: str | None = None
    input_checksum: str = ""


REJECT_REASONS = {
    "not_found": "the path does not exist",
    "glob_no_match": "the pattern matched no file",
    "unreadable": "the file could not be read (permissions, vanished mid-run, I/O error)",
    "empty_file": "the file has no bytes",
    "binary_file": "the file is not text",
    "undecodable": "too many bytes could not be decoded",
    "truncated_archive": "the compressed file or archive ends early; records before the break were kept",
    "malformed_json": "a JSON line or document does not parse",
    "wrong_type": "a JSON record is not an object, or a field has the wrong type",
    "missing_body": "no body field (e.g. text, content, body) in the record",
    "too_large": "the article is longer than input.max_article_chars",
    "no_letters": "the article has no letters after cleaning",
    "unsupported_format": "the file type is not one the pipeline reads",
    "html_extraction_failed": "no article text could be extracted from the HTML",
}


@dataclass
class AnalysedDocument:
    """A document with everything found in it; flows from Segment through Tag to Write."""

    document: Document
    sentences: list[Sentence] = field(default_factory=list)
    paragraph_count: int = 0
    entities: list[Entity] = field(default_factory=list)
    sources: list[SourceMention] = field(default_factory=list)
