"""Archives that hold many articles: tar files (streamed) and WARC web crawls, plus the HTML extractor.

Pure generators over an open binary stream (no Beam): ``readers.py`` opens the file and calls them.

- ``read_tar`` walks a ``.tar`` / ``.tar.gz`` / ``.tgz`` / ``.tar.bz2`` (also ``.tar.xz``, ``.tar.zst``)
  member by member in stream mode, so an archive of any size is read once and never seeked, and hands
  each file member to a callback. A damaged or cut archive yields every good member before the break,
  then one ``truncated_archive`` reject.
- ``read_warc`` turns the HTML ``response`` records of a ``.warc`` / ``.warc.gz`` into records with the
  article text (trafilatura, offline). Records that are not articles (warcinfo, request, metadata,
  revisit, non-HTML or non-2xx responses) are skipped and counted in ``WarcCounts``; they are not
  inputs, so they are neither documents nor rejects.
- ``html_to_text`` is the extractor shared by WARC records and plain ``.html`` files.

Why trafilatura with ``favor_precision`` (measured on 14 Arabic article pages with nav, cookie banner,
share bar, "read also" links, comments and footer; see tests/test_archives.py for the kind of page):
all article paragraphs kept by every candidate, but boilerplate lines leaked into the output of
trafilatura defaults (6 pages), ``favor_recall`` (9) and resiliparse ``main_content`` (9, the
comments); ``favor_precision`` leaked none. On a section front page (only link lists) the defaults
"extracted" the link texts as an article, ``favor_precision`` extracted nothing (the right answer).
Speed: ~4 ms/page for ``favor_precision`` without metadata, resiliparse ~0.6 ms/page. The page's
metadata (canonical URL, ``og:site_name``, ``article:published_time``, author) comes from
trafilatura's ``extract_metadata`` with htmldate's quick search only (``extensive_search=False``:
the dates the page declares, not guesses from its text; ~3 ms/page here, the full search ~70 ms);
the title is read from the parsed tree (``_title``).
"""
from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import re
import tarfile
import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit

import zstandard

from pipeline.core.decode import decode_bytes
from pipeline.core.types import RawRecord, Reject

ReadMember = Callable[[str, str, bytes], Iterable["RawRecord | Reject"]]

_READ_CHUNK = 1 << 16
_TAIL_KEEP = 1 << 17  # raw bytes kept to inspect the block where a tar stream stopped (> tarfile's read-ahead)
# Errors of a damaged compressed stream (not I/O errors: an OSError with an errno is a real read
# failure and propagates, so that readers.read_input reports the file as 'unreadable').
_DAMAGE_ERRORS = (EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile, tarfile.TarError, zstandard.ZstdError)

HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
# An article has at least one paragraph of this many words; a shorter "text" is navigation left over
# from a page without an article. The shortest wire briefs have a first sentence of 6+ words.
MIN_WORDS_IN_LONGEST_PARAGRAPH = 5


# -------------------------------------------------------------------------------------------- bounds

# The ratio guard waits for this many decompressed bytes: a small file may compress at any ratio
# (a few repeated records), a decompression bomb passes it within a fraction of a second.
RATIO_CHECK_AFTER = 64 << 20


class TooLarge(Exception):
    """A stream expands past a bound; the caller rejects what is left of it as ``too_large``."""


class _Counting(io.RawIOBase):
    """The compressed bytes read so far from ``stream`` (what a ratio guard compares against)."""

    def __init__(self, stream):
        self._stream = stream
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


class _RatioGuard(io.RawIOBase):
    """Decompressed bytes that raise TooLarge once they pass ``max_ratio`` x the compressed bytes."""

    def __init__(self, stream, compressed_bytes: Callable[[], int], max_ratio: float):
        self._stream = stream
        self._read = getattr(stream, "read1", None) or stream.read
        self._compressed_bytes = compressed_bytes
        self._max_ratio = max_ratio
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._read(min(len(buffer), _READ_CHUNK))  # small steps: a bomb is caught within one
        buffer[: len(data)] = data
        self.total += len(data)
        if self.total > RATIO_CHECK_AFTER:
            compressed = max(1, self._compressed_bytes())
            if self.total > self._max_ratio * compressed:
                raise TooLarge(f"it expands more than {self._max_ratio:g} times its compressed size "
                               f"({self.total} bytes from {compressed}; input.max_compression_ratio): "
                               "a decompression bomb or a damaged stream")
        return len(data)


def guard_ratio(stream, compressed_bytes: Callable[[], int], max_ratio: float) -> io.BufferedReader:
    """``stream`` (decompressing) as a buffered reader that stops with TooLarge past ``max_ratio``."""
    return io.BufferedReader(_RatioGuard(stream, compressed_bytes, max_ratio), buffer_size=_READ_CHUNK)


def counting(stream) -> _Counting:
    """``stream`` with a ``position`` that counts the bytes read from it."""
    return _Counting(stream)


# ----------------------------------------------------------------------------------------------- tar

def read_tar(uri: str, stream, read_member: ReadMember, max_member_bytes: int | None = None,
             max_ratio: float | None = None) -> Iterator[RawRecord | Reject]:
    """Yield what ``read_member(uri, member_name, data)`` makes of each file member, in archive order.

    ``stream`` may be the raw file (compression is recognised from its first bytes: gzip, bz2, xz,
    zstd or none) or an already decompressing stream. Directories, links and hidden files (``.x``,
    macOS ``._x``) are skipped. Ends with one ``truncated_archive`` reject when the archive is cut
    short or damaged, with ``empty_file`` when it has no file member at all.

    Memory stays bounded: a member larger than ``max_member_bytes`` (its header says so before any
    byte of it is read) is a ``too_large`` reject and is skipped unread; a compressed archive that
    expands more than ``max_ratio`` times its size stops with a ``too_large`` reject after the
    members before that point.
    """
    raw = _Counting(stream)
    decompressed, is_compressed = _decompressed(raw)
    if is_compressed and max_ratio is not None:
        decompressed = guard_ratio(decompressed, lambda: raw.position, max_ratio)
    guarded = _GuardedStream(decompressed)
    try:
        archive = tarfile.open(fileobj=guarded, mode="r|")
    except tarfile.ReadError as exc:
        if guarded.damage is None and guarded.position == 0:
            yield Reject(uri, "empty_file", "the tar archive has no bytes")
        else:
            yield Reject(uri, "truncated_archive",
                         f"not a readable tar archive (damaged or cut short): {guarded.damage or exc}")
        return
    files = 0
    last_member = None
    members = iter(archive)
    while True:
        try:
            info = next(members, None)
            if info is None:
                break
            archive.members.clear()  # stream mode keeps every TarInfo otherwise: memory would grow with the archive
            if not info.isfile() or _is_hidden(info.name):
                continue
            if max_member_bytes is not None and info.size > max_member_bytes:
                files += 1
                last_member = info.name
                yield Reject(uri, "too_large", f"member {info.name} has {info.size} bytes > input.max_member_bytes "
                             f"({max_member_bytes}); skipped unread", member=info.name)
                continue
            member = archive.extractfile(info)
            data = member.read() if member is not None else b""
            if len(data) != info.size:  # damage found by read-ahead past this member is reported at the end
                raise tarfile.ReadError(f"member {info.name} is cut short ({len(data)} of {info.size} bytes)")
        except _DAMAGE_ERRORS as exc:
            after = f" after member {last_member}" if last_member else ""
            yield Reject(uri, "truncated_archive", f"the tar archive is damaged or ends early{after}: "
                         f"{guarded.damage or exc}", member=last_member)
            return
        except TooLarge as exc:
            after = f" after member {last_member}" if last_member else ""
            yield Reject(uri, "too_large", f"the tar archive was stopped{after}: {exc}", member=last_member)
            return
        files += 1
        last_member = info.name
        yield from read_member(uri, info.name, data)  # outside the try: its errors are not archive damage
    try:
        problem = _end_problem(archive, guarded)
        if problem is None:
            guarded.drain()  # the zero padding after the end block: a cut gzip/bz2 trailer shows up only there
            problem = guarded.damage
    except TooLarge as exc:  # data after the end-of-archive block that expands without end
        yield Reject(uri, "too_large", f"the tar archive was stopped after its end: {exc}", member=last_member)
        return
    if problem:
        after = f" after member {last_member}" if last_member else ""
        yield Reject(uri, "truncated_archive", f"the tar archive ends early{after}: {problem}", member=last_member)
    elif files == 0:
        yield Reject(uri, "empty_file", "the tar archive has no files")


def _end_problem(archive: tarfile.TarFile, guarded: "_GuardedStream") -> str | None:
    """Why tarfile stopped: None for the end-of-archive block (zeros), else what was found there.

    In stream mode tarfile ends the iteration silently on a missing, partial or invalid header
    after the first member, so a tar cut at a member boundary would otherwise look complete.
    """
    if guarded.damage is not None:
        return str(guarded.damage)
    block = guarded.bytes_at(archive.offset, tarfile.BLOCKSIZE)
    if block is None:
        return None  # cannot look back that far (should not happen); trust tarfile
    if len(block) < tarfile.BLOCKSIZE:
        return f"no end-of-archive block ({len(block)} bytes where a {tarfile.BLOCKSIZE}-byte header belongs)"
    if block.strip(b"\0"):
        return f"an invalid header at byte {archive.offset} of the tar stream"
    return None


def _decompressed(stream):
    """The tar bytes of ``stream`` and whether they are compressed: compression is recognised from
    the magic bytes, not the name."""
    head = stream.read(6)
    source = _Prefixed(head, stream)
    if head.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=source, mode="rb"), True
    if head.startswith(b"BZh"):
        return bz2.BZ2File(source, mode="rb"), True
    if head.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(source, mode="rb"), True
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        return _ZstdStream(source), True
    return source, False


def zstd_reader(stream) -> io.BufferedReader:
    """A readable, line-iterable stream of the zstd data in ``stream`` that raises EOFError when it is cut.

    For ``readers.py``'s ``.zst`` inputs too: zstandard's own ``stream_reader`` cannot be iterated by
    line and reads a cut stream as empty without an error.
    """
    return io.BufferedReader(_ZstdStream(stream), buffer_size=_READ_CHUNK)


class _ZstdStream(io.RawIOBase):
    """zstd frames, one after another, that raise EOFError when the data ends inside a frame.

    (``ZstdDecompressor.stream_reader`` of zstandard 0.25 returns no bytes and no error for a cut
    stream, so a cut ``.tar.zst`` would look like an empty file.)
    """

    def __init__(self, source):
        self._source = source
        self._context = zstandard.ZstdDecompressor()
        self._frame = self._context.decompressobj()
        self._in_frame = False
        self._pending = b""
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending and not self._ended:
            data = self._source.read(_READ_CHUNK)
            if not data:
                self._ended = True
                if self._in_frame:
                    raise EOFError("the zstd stream ends inside a frame")
                break
            while data:
                self._in_frame = True
                self._pending += self._frame.decompress(data)
                if not self._frame.eof:
                    break
                data = self._frame.unused_data  # the next frame starts here
                self._frame = self._context.decompressobj()
                self._in_frame = False
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


class _Prefixed(io.RawIOBase):
    """``stream`` with ``prefix`` (bytes already read from it) put back in front."""

    def __init__(self, prefix: bytes, stream):
        self._prefix, self._stream = prefix, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _GuardedStream:
    """Reads a (decompressing) stream for tarfile and turns damage into a clean end of data.

    Compressed data is read with ``read1`` in small pieces so that everything decompressed before
    the break reaches tarfile (a plain ``read(n)`` can drop the last partial piece when it raises).
    The damage is kept in ``damage``; the last bytes read are kept to inspect where tarfile stopped.
    """

    def __init__(self, stream):
        self._stream = stream
        self._read = getattr(stream, "read1", None) or stream.read
        self.damage: Exception | None = None
        self.position = 0
        self._tail = bytearray()

    def read(self, size: int = -1) -> bytes:
        out = bytearray()
        while self.damage is None and (size < 0 or len(out) < size):
            want = _READ_CHUNK if size < 0 else min(_READ_CHUNK, size - len(out))
            try:
                chunk = self._read(want)
            except _DAMAGE_ERRORS as exc:
                self.damage = exc
                break
            except OSError as exc:
                if exc.errno is not None:
                    raise
                self.damage = exc
                break
            if not chunk:
                break
            out += chunk
        self.position += len(out)
        self._tail += out
        if len(self._tail) > _TAIL_KEEP:
            del self._tail[: len(self._tail) - _TAIL_KEEP]
        return bytes(out)

    def drain(self) -> None:
        while self.read(_READ_CHUNK):
            pass

    def bytes_at(self, offset: int, size: int) -> bytes | None:
        """Up to ``size`` bytes at ``offset`` of the stream, after reading ahead to it if needed."""
        if self.position < offset + size:
            self.read(offset + size - self.position)
        start = offset - (self.position - len(self._tail))
        if start < 0:
            return None
        return bytes(self._tail[start: start + size])


# ---------------------------------------------------------------------------------------------- WARC

@dataclass
class WarcCounts:
    """What one WARC held besides its articles; the caller can add these to Beam Metrics."""

    records: int = 0  # every record seen
    articles: int = 0  # HTML responses that became a RawRecord
    extraction_failed: int = 0  # HTML responses rejected with html_extraction_failed
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count, e.g. 'request', 'non_html:image/png'

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def read_warc(uri: str, stream, counts: WarcCounts | None = None) -> Iterator[RawRecord | Reject]:
    """Yield one RawRecord per HTML ``response`` record with extracted text, in file order.

    Pass the raw file stream (a ``.warc.gz`` still compressed: warcio reads each gzip member and
    ``record_offset`` is then the member's byte offset in the file, as in CDX indexes). Skipped
    records are counted in ``counts`` (also the generator's return value, for ``yield from``).
    A WARC without any HTML response yields one ``empty_file`` reject, so that every input file
    yields at least one unit.
    """
    from warcio.archiveiterator import ArchiveIterator

    counts = counts if counts is not None else WarcCounts()
    counting = _CountingStream(stream)
    head = counting.peek_head()
    if not head:
        yield Reject(uri, "empty_file", "the WARC file has no bytes")
        return counts
    compressed = head.startswith(b"\x1f\x8b")
    if not compressed and not head.startswith(b"WARC/"):
        yield Reject(uri, "unsupported_format", f"not a WARC file (it starts with {head!r}, not WARC/)")
        return counts
    units = 0
    end_of_last = 0
    iterator = ArchiveIterator(counting)
    records = iter(iterator)
    while True:
        # warcio raises many kinds of errors on damaged input (ArchiveLoadFailed, parser errors, zlib
        # errors, even AttributeError on a cut header): any error inside warcio is damage of the file;
        # errors in this module's own code are not caught.
        try:
            record = next(records, None)
        except Exception as exc:
            yield _warc_damage(uri, exc, counts, end_of_last)
            return counts
        if record is None:
            break
        if record.format != "warc":
            yield Reject(uri, "unsupported_format", f"not a WARC file (warcio reads it as {record.format})")
            return counts
        counts.records += 1
        declared = _int(record.rec_headers.get_header("Content-Length"))
        if declared is None:
            # Content-Length is mandatory; warcio takes a header block cut short for a whole one
            unit, problem = None, f"a record at byte {end_of_last} has no complete WARC header"
        else:
            unit, problem = _warc_unit(uri, record, counts)
        try:
            iterator.read_to_end()
        except Exception as exc:
            yield _warc_damage(uri, exc, counts, end_of_last)
            return counts
        remaining = getattr(record.raw_stream, "limit", 0) or 0
        if problem is None and (remaining > 0 or (record.rec_type == "response" and declared
                                                  and record.http_headers is None)):
            problem = f"record {record.rec_headers.get_header('WARC-Record-ID')} is cut short"
        if problem is not None:
            # a cut record is not yielded even when some text was extracted from its first part
            if isinstance(unit, RawRecord):
                counts.articles -= 1
            elif isinstance(unit, Reject):
                counts.extraction_failed -= 1
            yield Reject(uri, "truncated_archive", f"the WARC ends early or is damaged: {problem}",
                         record_offset=iterator.get_record_offset(),
                         record_id=record.rec_headers.get_header("WARC-Record-ID"))
            return counts
        end_of_last = iterator.get_record_offset() + iterator.get_record_length()
        if unit is not None:
            units += 1
            yield _with_offset(unit, iterator.get_record_offset())
    leftover = counting.position - end_of_last
    if leftover > 0 and (compressed or counting.tail(leftover).strip()):
        yield Reject(uri, "truncated_archive", f"the WARC ends early: {leftover} bytes after the last complete "
                     f"record (byte {end_of_last}) are not a whole record", record_offset=end_of_last)
    elif units == 0:
        skipped = ", ".join(f"{n} {k}" for k, n in sorted(counts.skipped.items())) or "none"
        yield Reject(uri, "empty_file", f"the WARC has no HTML response record (skipped: {skipped})")
    return counts


def _warc_damage(uri: str, exc: Exception, counts: WarcCounts, end_of_last: int) -> Reject:
    if isinstance(exc, OSError) and exc.errno is not None:
        raise exc  # a real I/O error: readers.read_input reports the file as 'unreadable'
    if counts.records == 0 and "Unknown archive format" in str(exc):
        return Reject(uri, "unsupported_format", f"not a WARC file: {_first_line(exc)}")
    if "non-chunked gzip" in str(exc):
        return Reject(uri, "unsupported_format", "the .warc.gz is one gzip stream, not one gzip member per record; "
                      "fix it with `warcio recompress IN OUT`", record_offset=end_of_last)
    return Reject(uri, "truncated_archive", f"the WARC ends early or is damaged after byte {end_of_last}: "
                  f"{type(exc).__name__}: {_first_line(exc)}", record_offset=end_of_last)


def _warc_unit(uri: str, record, counts: WarcCounts) -> tuple[RawRecord | Reject | None, str | None]:
    """The unit for one record (None when it is skipped) and a damage message if reading it failed."""
    headers = record.rec_headers
    if record.rec_type != "response":
        counts.skip(record.rec_type or "unknown")
        return None, None
    http = record.http_headers
    if http is None:
        counts.skip("response_without_http_headers")  # e.g. dns: records; a cut record is caught by the caller
        return None, None
    status = http.get_statuscode() or ""
    if not status.startswith("2"):
        counts.skip(f"http_{status or 'unknown'}")
        return None, None
    content_type = (http.get_header("Content-Type") or "").strip()
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime not in HTML_CONTENT_TYPES:
        counts.skip(f"non_html:{mime or 'unknown'}")
        return None, None
    url = headers.get_header("WARC-Target-URI")
    record_id = headers.get_header("WARC-Record-ID")
    try:
        payload = record.content_stream().read()
    except Exception as exc:  # a bad chunked or gzip/br content encoding (or a cut record: the caller checks)
        counts.extraction_failed += 1
        return Reject(uri, "html_extraction_failed", f"the HTTP payload cannot be decoded: {type(exc).__name__}: "
                      f"{_first_line(exc)}", record_id=record_id), None
    html, encoding = decode_html(payload, charset_of(content_type))
    extracted = html_to_text(html, url)
    if extracted is None:
        counts.extraction_failed += 1
        return Reject(uri, "html_extraction_failed", f"no article text found in the HTML of {url}",
                      record_id=record_id), None
    counts.articles += 1
    # the WARC headers first for URL and date (what was fetched, and when), then the page's own
    url = url or extracted.url
    return RawRecord(uri, extracted.text, record_id=record_id, title=extracted.title, url=url,
                     date=headers.get_header("WARC-Date") or extracted.date,
                     outlet=extracted.outlet or outlet_of(url), author=extracted.author, encoding=encoding), None


def _with_offset(unit: RawRecord | Reject, offset: int) -> RawRecord | Reject:
    import dataclasses

    return dataclasses.replace(unit, record_offset=offset)


class _CountingStream:
    """Counts the bytes warcio reads and keeps the last ones, to check what follows the last record."""

    def __init__(self, stream):
        self._stream = stream
        self._head = b""
        self.position = 0
        self._tail = bytearray()

    def peek_head(self) -> bytes:
        self._head = self._stream.read(8)
        return self._head

    def tell(self) -> int:
        return self.position

    def read(self, size: int = -1) -> bytes:
        if self._head:
            data, self._head = self._head, b""
            if size is None or size < 0:
                data += self._stream.read()
            elif size > len(data):
                data += self._stream.read(size - len(data))
        else:
            data = self._stream.read(size)
        self.position += len(data)
        self._tail += data
        if len(self._tail) > _TAIL_KEEP:
            del self._tail[: len(self._tail) - _TAIL_KEEP]
        return data

    def tail(self, size: int) -> bytes:
        return bytes(self._tail[-size:]) if size <= len(self._tail) else b"?"  # '?' = unknown, not blank


# ---------------------------------------------------------------------------------------------- HTML

_META_CHARSET_RE = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.I)
_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.I)
_XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# WHATWG: these labels mean windows-1252, which never fails to decode; they are also the usual
# wrong server default, so a charset in the page itself or valid UTF-8 bytes win over them.
_WEAK_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "cp1252",
                "windows-1252", "iso_8859-1", "iso-ir-100", "cp819", "ibm819"}


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """The page as text and the encoding used: a BOM, then the HTTP charset, then ``<meta charset>``,
    then the pipeline's own detection (UTF-8, Windows-1256, UTF-8 with replacement characters).

    A declared charset that fails on the bytes is ignored (mislabelled pages are common).
    """
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or data.startswith(codecs.BOM_UTF8):
        decoded = decode_bytes(data)
        return decoded.text, decoded.encoding
    meta = _META_CHARSET_RE.search(data[:4096])
    labels = [declared, meta.group(1).decode("ascii") if meta else None]
    if declared and declared.lower() in _WEAK_LABELS:
        labels = [labels[1], None if _is_utf8_with_non_ascii(data) else declared, "utf-8"]
    for label in labels:
        codec = _codec(label)
        if codec is None:
            continue
        try:
            return data.decode(codec), _encoding_name(codec)
        except UnicodeDecodeError:
            continue
    decoded = decode_bytes(data)
    return decoded.text, decoded.encoding


def html_record(uri: str, data: bytes, member: str | None = None, url: str | None = None) -> RawRecord | Reject:
    """A plain ``.html`` file (or archive member) as one record with the article text, or a reject."""
    if not data.strip():
        return Reject(uri, "empty_file", "the HTML file has no content", member=member)
    html, encoding = decode_html(data)
    extracted = html_to_text(html, url)
    if extracted is None:
        return Reject(uri, "html_extraction_failed", "no article text found in the HTML", member=member)
    url = url or extracted.url
    return RawRecord(uri, extracted.text, member=member, record_offset=0, title=extracted.title, url=url,
                     date=extracted.date, outlet=extracted.outlet or outlet_of(url), author=extracted.author,
                     encoding=encoding)


@dataclass(frozen=True)
class Page:
    """What a web page gives: its article text and the metadata it declares (None when absent)."""

    text: str  # paragraphs separated by a blank line
    title: str | None
    url: str | None  # <link rel=canonical>, og:url
    date: str | None  # article:published_time and the like, as ISO 8601 (with the offset when the page has one)
    outlet: str | None  # og:site_name, JSON-LD publisher, or a domain in the title
    author: str | None  # <meta name=author>, JSON-LD author, a byline


def html_to_text(html: str | bytes, url: str | None = None) -> Page | None:
    """The article text of a web page with its title and metadata, or None.

    Navigation, footers, link lists, share bars and comments are dropped (trafilatura with
    ``favor_precision``, offline: it fetches nothing). A page without article text (a front page,
    an error page, an empty body) gives None: the caller rejects it as ``html_extraction_failed``.
    """
    import lxml.etree
    import lxml.html
    import trafilatura

    if isinstance(html, bytes):
        html = decode_html(html)[0]
    html = _XML_DECLARATION_RE.sub("", html, count=1)  # lxml refuses str input with an encoding declaration
    if not html.strip():
        return None
    try:
        tree = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None
    title = _title(tree)
    metadata = _page_metadata(tree, url)
    try:
        text = trafilatura.extract(tree, url=url, favor_precision=True, include_comments=False,
                                   include_tables=True, include_images=False, include_links=False,
                                   with_metadata=False, deduplicate=False)
    except Exception:  # trafilatura fails on some malformed trees; the page is then rejected, not the run
        return None
    if not text:
        return None
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    if not paragraphs or max(len(p.split()) for p in paragraphs) < MIN_WORDS_IN_LONGEST_PARAGRAPH:
        return None  # menu words left over from a page without an article ("سياسة اقتصاد")
    return Page("\n\n".join(paragraphs), title, **metadata)


_DAY_ONLY = "T00:00:00"  # htmldate's rendering of a date the page gives without a time of day


def _page_metadata(tree, url: str | None) -> dict:
    """URL, date, outlet and author the page declares (trafilatura's metadata extraction)."""
    from trafilatura.metadata import extract_metadata

    try:
        found = extract_metadata(tree, default_url=None, extensive=False, date_config={
            "extensive_search": False, "original_date": True, "url": url,
            "outputformat": "%Y-%m-%dT%H:%M:%S%z"})
    except Exception:  # metadata is a bonus: a page whose metadata trips trafilatura keeps its text
        return dict(url=None, date=None, outlet=None, author=None)
    date = found.date
    if date and date.endswith(_DAY_ONLY):
        date = date[: -len(_DAY_ONLY)]
    return dict(url=found.url, date=date, outlet=found.sitename, author=found.author)


def _title(tree) -> str | None:
    """``<h1>`` when the ``<title>`` contains it (drops the " | Site name" suffix), else og:title,
    else ``<title>``, else the first ``<h1>``."""
    def text_of(xpath: str) -> str | None:
        found = tree.xpath(xpath)
        if not found:
            return None
        value = found[0] if isinstance(found[0], str) else found[0].text_content()
        value = " ".join(value.split())
        return value or None

    page_title = text_of("//title")
    h1 = text_of("//h1")
    og = text_of("//meta[@property='og:title']/@content")
    if h1 and page_title and h1 in page_title:
        return h1
    return og or page_title or h1


def charset_of(content_type: str | None) -> str | None:
    match = _CHARSET_RE.search(content_type or "")
    return match.group(1) if match else None


def outlet_of(url: str | None) -> str | None:
    """The host of the URL, lower case, without a leading ``www.`` (the outlet of a crawled page)."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _WEAK_LABELS:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _encoding_name(codec: str) -> str:
    """Python codec name -> the label the pipeline records (utf-8, windows-1256, iso-8859-6...)."""
    if codec.startswith("cp125"):
        return "windows-" + codec[2:]
    if codec.startswith("iso8859-"):
        return "iso-8859-" + codec.split("-", 1)[1]
    return codec


def _is_utf8_with_non_ascii(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not data.isascii()


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:200]


def _is_hidden(path: str) -> bool:
    return path.rstrip("/").rsplit("/", 1)[-1].startswith(".")
