"""Find input files and turn each into RawRecords or Rejects, one reason per failure.

Formats are chosen by name: ``.txt`` (one article; blank lines separate paragraphs), ``.jsonl``
/``.ndjson`` (one JSON object per line), ``.json`` (an array of objects, or one object), ``.html``
(article text extracted), each optionally compressed as ``.gz``, ``.bz2`` or ``.zst``; ``.zip`` and
``.tar`` (``.tar.gz``, ``.tgz``, ``.tar.bz2``...) archives of those; ``.warc``/``.warc.gz`` crawls.
Every file yields at least one unit (a record or a reject), so inputs = documents + rejects.
"""
from __future__ import annotations

import bz2
import dataclasses
import glob
import gzip
import hashlib
import io
import json
import os
import zipfile
import zlib
from dataclasses import dataclass
from typing import Iterator

import zstandard
from apache_beam.io.filesystems import FileSystems

from pipeline.config import InputSettings
from pipeline.io import archives
from pipeline.core.types import RawRecord, Reject

_COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd"}
_TEXT_EXTENSIONS = (".txt", ".text", ".md", "")
_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar.zst")
_READ_CHUNK = 1 << 20
# Bytes one character can take: UTF-8 (and UTF-16 with surrogates) at most 4, JSON's \uXXXX escape 6.
# A record longer than this many bytes per allowed character cannot hold an article within
# input.max_article_chars, so it is rejected as too_large before it is held in memory.
TEXT_BYTES_PER_CHAR = 4
JSON_BYTES_PER_CHAR = 6
LINE_SLACK_BYTES = 1 << 16  # room for a JSON line's other fields (id, title, url...) beside the body


@dataclass(frozen=True)
class InputFile:
    uri: str
    size: int
    sha256: str | None = None  # known already when an incremental run checked it against earlier runs


@dataclass(frozen=True)
class InputSummary:
    """What one input file produced; becomes a row of the ``inputs`` table."""

    source_uri: str
    size_bytes: int
    sha256: str
    records: int
    status: str
    # records read but neither a document nor a reject, by kind (WARC: 'request', 'non_html:image/png', ...)
    skipped_records: tuple[tuple[str, int], ...] = ()


def expand_inputs(patterns: list[str]) -> tuple[list[InputFile], list[Reject]]:
    """Files for each INPUT (file, directory or glob), sorted, plus a reject for each that matched nothing
    and for each folder that could not be listed.

    Local paths are listed with the standard library so that a dangling link or a file that vanishes
    is still listed (and later rejected as ``unreadable``): Beam's local match skips such paths
    silently. Other schemes (gs://, s3://, ...) go through Beam's FileSystems.
    """
    files: dict[str, InputFile] = {}
    rejects = []
    for pattern in patterns:
        is_glob = any(ch in pattern for ch in "*?[")
        unlisted: list[Reject] = []
        try:
            if FileSystems.get_scheme(pattern) is None:
                found = _list_local(pattern, unlisted)
            else:
                found = _list_remote(pattern, is_glob)
        except Exception as exc:  # Beam raises BeamIOError for unreachable filesystems
            rejects.append(Reject(pattern, "unreadable", f"cannot list {pattern}: {exc}"))
            continue
        rejects.extend(r for r in unlisted if r.input not in {seen.input for seen in rejects})  # once per folder
        if found is None:
            rejects.append(Reject(pattern, "not_found", f"no such file or directory: {pattern}"))
        elif not found and not unlisted:
            rejects.append(Reject(pattern, "glob_no_match", f"no file matches: {pattern}"))
        for item in found or ():
            files.setdefault(item.uri, item)
    return sorted(files.values(), key=lambda f: f.uri), rejects


def _list_local(pattern: str, unlisted: list[Reject]) -> list[InputFile] | None:
    """None when a plain path does not exist; [] when a glob or directory holds no visible file.

    A folder that cannot be listed (permission denied, I/O error) is added to ``unlisted`` as an
    ``unreadable`` reject with the OS error: ``os.walk`` would skip it silently.
    """
    if not any(ch in pattern for ch in "*?[") and not os.path.lexists(pattern):
        return None

    def cannot_list(exc: OSError) -> None:
        folder = os.path.abspath(exc.filename) if exc.filename else pattern
        unlisted.append(Reject(folder, "unreadable", f"cannot list the folder {folder}: {exc.strerror or exc}"))

    paths = []
    for path in sorted(glob.glob(pattern, recursive=True)) or [pattern]:
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path, onerror=cannot_list):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                paths.extend(os.path.join(root, n) for n in sorted(names) if not n.startswith("."))
        elif os.path.lexists(path) and not _is_hidden(path):
            paths.append(path)
    return [InputFile(os.path.abspath(p), os.path.getsize(p) if os.path.exists(p) else 0) for p in paths]


def _list_remote(pattern: str, is_glob: bool) -> list[InputFile]:
    match_pattern = pattern if is_glob else pattern.rstrip("/") + "/**" if pattern.endswith("/") else pattern
    metadata = FileSystems.match([match_pattern])[0].metadata_list
    return [InputFile(m.path, m.size_in_bytes) for m in metadata if not m.path.endswith("/") and not _is_hidden(m.path)]


def read_input(file: InputFile, settings: InputSettings) -> Iterator[RawRecord | Reject | InputSummary]:
    """Yield the records of one input file, then its summary. Never raises for bad data.

    The checksum is taken in a first streaming pass so that every record carries it; reading a
    file twice costs far less than the processing of its articles.
    """
    count = 0
    warc_counts = archives.WarcCounts()
    try:
        checksum = file.sha256 or file_sha256(file.uri)
        with FileSystems.open(file.uri, mime_type="application/octet-stream",
                              compression_type="uncompressed") as stream:
            for unit in _read_units(file.uri, stream, settings, warc_counts):
                count += 1
                yield dataclasses.replace(unit, input_checksum=checksum)
        status = "read"
    except OSError as exc:
        checksum, status = "", "unreadable"
        count += 1
        done = f" after {count - 1} records" if count > 1 else ""
        yield Reject(file.uri, "unreadable", f"cannot read {file.uri}{done}: {exc}")
    yield InputSummary(file.uri, file.size, checksum, count, status, tuple(sorted(warc_counts.skipped.items())))


def file_sha256(uri: str) -> str:
    hasher = hashlib.sha256()
    with FileSystems.open(uri, mime_type="application/octet-stream", compression_type="uncompressed") as stream:
        while chunk := stream.read(_READ_CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def _read_units(uri: str, stream, settings: InputSettings,
                warc_counts: archives.WarcCounts) -> Iterator[RawRecord | Reject]:
    name = uri.lower()
    if name.endswith((".warc", ".warc.gz")):
        # the raw stream, so offsets are the file's byte offsets; skipped records go to warc_counts
        yield from archives.read_warc(uri, stream, warc_counts)
        return
    if name.endswith(_TAR_SUFFIXES):
        yield from archives.read_tar(
            uri, stream, lambda u, member, data: _read_member(u, member, io.BytesIO(data), settings),
            settings.max_member_bytes, settings.max_compression_ratio)
        return
    compression = next((c for ext, c in _COMPRESSIONS.items() if name.endswith(ext)), None)
    if compression:
        name = name[: name.rfind(".")]
    ext = name[name.rfind("."):] if "." in name.rsplit("/", 1)[-1] else ""
    if ext == ".zip":
        yield from _read_zip(uri, stream if stream.seekable() else io.BytesIO(stream.read()), settings)
        return
    try:
        data_stream = stream
        if compression:
            raw = archives.counting(stream)
            data_stream = archives.guard_ratio(_decompressing(raw, compression), lambda: raw.position,
                                               settings.max_compression_ratio)
        if ext in (".jsonl", ".ndjson", ".json", ".html", ".htm") or ext in _TEXT_EXTENSIONS:
            yield from _read_member(uri, None, data_stream, settings, kind=ext or ".txt")
        else:
            yield Reject(uri, "unsupported_format", f"no reader for '{ext}' files (see README, Inputs)")
    except archives.TooLarge as exc:
        yield Reject(uri, "too_large", f"{compression} stream stopped: {exc}")
    except (EOFError, zlib.error, zstandard.ZstdError, OSError) as exc:
        if compression is None or (isinstance(exc, OSError) and exc.errno is not None):
            raise  # a real I/O error: read_input turns it into an 'unreadable' reject
        yield Reject(uri, "truncated_archive", f"{compression} stream is damaged or ends early: {exc}")


def _decompressing(stream, compression: str | None):
    if compression == "gzip":
        return gzip.GzipFile(fileobj=stream, mode="rb")
    if compression == "bz2":
        return bz2.BZ2File(stream, mode="rb")
    if compression == "zstd":
        return archives.zstd_reader(stream)
    return stream


def _read_member(uri: str, member: str | None, stream, settings: InputSettings,
                 kind: str | None = None) -> Iterator[RawRecord | Reject]:
    """One file (``member`` None) or one file inside a zip or tar archive, by its name (or ``kind``).

    Memory is bounded per record: JSON lines are streamed (a line too long to hold an article within
    ``input.max_article_chars`` is rejected and skipped unread), a text record is read up to the bytes
    such an article can take, a JSON or HTML document up to ``input.max_member_bytes``.
    """
    lower = kind or member.lower()
    where = f"member {member}" if member else "the file"
    if lower.endswith((".jsonl", ".ndjson")):
        yield from _read_jsonl(uri, stream, member, settings)
        return
    if lower.endswith((".json", ".html", ".htm")):
        limit, setting = settings.max_member_bytes, "input.max_member_bytes"
    elif lower.endswith(_TEXT_EXTENSIONS[:-1]):
        limit, setting = TEXT_BYTES_PER_CHAR * settings.max_article_chars, \
            f"{TEXT_BYTES_PER_CHAR} x input.max_article_chars"
    else:
        yield Reject(uri, "unsupported_format", f"{where}: no reader for this file type", member=member)
        return
    content = stream.read(limit + 1)
    if len(content) > limit:
        yield Reject(uri, "too_large", f"{where} has more than {limit} bytes ({setting}); the rest was not read",
                     member=member, record_offset=0)
    elif lower.endswith(".json"):
        yield from _read_json_document(uri, content, member, settings)
    elif lower.endswith((".html", ".htm")):
        yield archives.html_record(uri, content, member=member)
    elif content:
        yield RawRecord(uri, content, member=member, record_offset=0)
    else:
        yield Reject(uri, "empty_file", f"{where} has no bytes", member=member)


def _read_zip(uri: str, source, settings: InputSettings) -> Iterator[RawRecord | Reject]:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise
        yield Reject(uri, "truncated_archive", f"not a readable zip (damaged or cut short): {exc}")
        return
    members = [m for m in archive.infolist() if not m.is_dir() and not _is_hidden(m.filename)]
    if not members:
        yield Reject(uri, "empty_file", "the zip archive has no files")
    for info in members:
        member = info.filename
        try:
            with archive.open(info) as opened:
                stream = archives.guard_ratio(opened, lambda info=info: info.compress_size,
                                              settings.max_compression_ratio)
                yield from _read_member(uri, member, stream, settings)
        except archives.TooLarge as exc:
            yield Reject(uri, "too_large", f"member {member} stopped: {exc}", member=member)
        except (NotImplementedError, RuntimeError) as exc:  # a compression method zipfile lacks, encryption
            yield Reject(uri, "unsupported_format", f"member {member} cannot be read: {exc}", member=member)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            if isinstance(exc, OSError) and exc.errno is not None:
                raise
            yield Reject(uri, "truncated_archive", f"member {member} cannot be read: {exc}", member=member)


def _read_jsonl(uri: str, stream, member: str | None, settings: InputSettings) -> Iterator[RawRecord | Reject]:
    seen_any = False
    max_line = JSON_BYTES_PER_CHAR * settings.max_article_chars + LINE_SLACK_BYTES
    for line_number, line, size in _bounded_lines(stream, max_line):
        if line is None:
            seen_any = True
            yield Reject(uri, "too_large", f"line {line_number} has {size} bytes, more than an article of "
                         f"input.max_article_chars ({settings.max_article_chars}) can take in JSON ({max_line}); "
                         "skipped unread", member=member, record_offset=line_number)
            continue
        if not line.strip():
            continue
        seen_any = True
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            yield Reject(uri, "malformed_json", f"line {line_number}: {exc}", member=member, record_offset=line_number)
            continue
        yield record_from_json(obj, settings, uri, member, line_number)
    if not seen_any:
        yield Reject(uri, "empty_file", "no JSON lines in the file", member=member)


def _bounded_lines(stream, max_line: int) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, line, bytes) for each line; the line is None when it is longer than ``max_line``
    bytes: it is then read through in pieces and dropped, never held whole."""
    line_number = 0
    while True:
        line = stream.readline(max_line + 1)
        if not line:
            return
        line_number += 1
        if len(line) <= max_line:
            yield line_number, line, len(line)
            continue
        size = len(line)
        del line
        piece = b""
        while True:
            piece = stream.readline(_READ_CHUNK)
            size += len(piece)
            if not piece or piece.endswith(b"\n"):
                break
        yield line_number, None, size
        if not piece:
            return


def _read_json_document(uri: str, data: bytes, member: str | None, settings: InputSettings):
    if not data.strip():
        yield Reject(uri, "empty_file", "the JSON file has no content", member=member)
        return
    try:
        parsed = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        yield Reject(uri, "malformed_json", f"the JSON document does not parse: {exc}", member=member)
        return
    if isinstance(parsed, dict):
        parsed = [parsed]
    if not isinstance(parsed, list):
        yield Reject(uri, "wrong_type", f"expected a JSON array of objects, got {type(parsed).__name__}", member=member)
        return
    if not parsed:
        yield Reject(uri, "empty_file", "the JSON array is empty", member=member)
    for index, obj in enumerate(parsed):
        yield record_from_json(obj, settings, uri, member, index)


def record_from_json(obj, settings: InputSettings, uri: str, member: str | None, offset: int) -> RawRecord | Reject:
    """Map one JSON object to a RawRecord with the configured field names, or say why not."""
    where = dict(member=member, record_offset=offset)
    if not isinstance(obj, dict):
        return Reject(uri, "wrong_type", f"record {offset} is a {type(obj).__name__}, not an object", **where)
    fields = {}
    for name, candidates in (("record_id", settings.id_fields), ("title", settings.title_fields),
                             ("url", settings.url_fields), ("date", settings.date_fields),
                             ("outlet", settings.outlet_fields), ("author", settings.author_fields)):
        key, value = _first_present(obj, candidates)
        if isinstance(value, (dict, list)):
            return Reject(uri, "wrong_type", f"record {offset}: field '{key}' should be text, got {type(value).__name__}",
                          record_id=None, **where)
        fields[name] = None if value is None else str(value)
    key, body = _first_present(obj, settings.body_fields)
    if key is None:
        empty = [name for name in settings.body_fields if obj.get(name) == ""]
        message = (f"record {offset}: body field {', '.join(repr(n) for n in empty)} is empty" if empty else
                   f"record {offset}: none of the body fields {list(settings.body_fields)} is present")
        return Reject(uri, "missing_body", message, record_id=fields["record_id"], **where)
    if not isinstance(body, str):
        return Reject(uri, "wrong_type", f"record {offset}: body field '{key}' should be text, got {type(body).__name__}",
                      record_id=fields["record_id"], **where)
    return RawRecord(uri, body, encoding="json", **where, **fields)


def _first_present(obj: dict, candidates) -> tuple[str | None, object]:
    """The first candidate field that is present and not empty (empty strings fall through)."""
    for key in candidates:
        value = obj.get(key)
        if value is not None and value != "":
            return key, value
    return None, None


def _is_hidden(path: str) -> bool:
    return path.rstrip("/").rsplit("/", 1)[-1].startswith(".")
