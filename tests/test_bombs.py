"""Decompression bombs: a reader holds at most one bounded record, whatever an input expands to.

Each bomb is made here, small on disk (under 1 MB: deflate expands at most ~1032 times), expanding
to 640 MiB: gzip members and full-flushed deflate blocks repeat, so nothing of that size is ever
compressed or held by the test. Each bomb is read in a subprocess (``read_input``, the reader of the
Read stage), with the default settings and with the ratio guard off (then only the per-record
bounds protect memory); the subprocess's peak memory (``ru_maxrss``) must stay under 600 MB.
"""
import gzip
import json
import struct
import subprocess
import sys
import tarfile
import zlib

import pytest

from conftest import REPO

BOMB_BYTES = 640 << 20
PIECE = 16 << 20  # the repeated unit of a bomb
PEAK_LIMIT_MB = 600
GOOD = {"id": "g", "title": "خبر", "text": "أعلنت الوزارة اليوم عن خطة جديدة للنقل العام في المدينة."}

READ_IN_SUBPROCESS = """
import json, resource, sys
from pipeline.config import InputSettings
from pipeline.core.types import RawRecord, Reject
from pipeline.io.readers import InputFile, read_input
path, cases = sys.argv[1], json.loads(sys.argv[2])
results = []
for overrides in cases:
    units = []
    for unit in read_input(InputFile(path, 0), InputSettings(**overrides)):
        if isinstance(unit, RawRecord):
            units.append({"kind": "record", "id": unit.record_id, "member": unit.member})
        elif isinstance(unit, Reject):
            units.append({"kind": unit.reason, "member": unit.member, "offset": unit.record_offset,
                          "message": unit.message})
    results.append(units)
print(json.dumps({"results": results, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
RATIO_GUARD_OFF = {"max_compression_ratio": 1e9}


def read_in_subprocess(path, *cases: dict) -> list[list[dict]]:
    """The units of ``path`` read once with each settings override in ``cases``, in one subprocess."""
    proc = subprocess.run([sys.executable, "-c", READ_IN_SUBPROCESS, str(path), json.dumps(cases)],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["peak_mb"] < PEAK_LIMIT_MB, result
    return result["results"]


def line(record_id: str) -> bytes:
    return (json.dumps({**GOOD, "id": record_id}, ensure_ascii=False) + "\n").encode()


def kinds(units) -> list[tuple]:
    return [(u["kind"], u.get("id") or u["member"]) for u in units]


# -------------------------------------------------------------------------------------------- gzip

def write_gzip_line_bomb(path):
    """A .jsonl.gz: a good line, one line of 1 GiB (a JSON string of 'a'), a good line."""
    piece = gzip.compress(b"a" * PIECE)  # gzip members concatenate: the file decompresses to their sum
    path.write_bytes(gzip.compress(line("before") + b'{"id": "bomb", "text": "') + piece * (BOMB_BYTES // PIECE)
                     + gzip.compress(b'"}\n' + line("after")))


def test_gzip_line_bomb(tmp_path):
    """Ratio guard off: the long line is read through in pieces, rejected, and the next line still read.
    Default settings: the ratio guard stops the stream after the records before the bomb."""
    path = tmp_path / "bomb.jsonl.gz"
    write_gzip_line_bomb(path)
    assert path.stat().st_size < 1_000_000
    line_bound, ratio_guard = read_in_subprocess(path, RATIO_GUARD_OFF, {})
    assert [u["kind"] for u in line_bound] == ["record", "too_large", "record"]
    assert line_bound[1]["offset"] == 2 and "line 2" in line_bound[1]["message"]
    assert [u.get("id") for u in line_bound if u["kind"] == "record"] == ["before", "after"]
    assert kinds(ratio_guard) == [("record", "before"), ("too_large", None)]
    assert "max_compression_ratio" in ratio_guard[1]["message"]


# --------------------------------------------------------------------------------------------- zip

def deflate_bomb() -> tuple[bytes, int, int]:
    """Raw deflate data of about BOMB_BYTES bytes (a JSON array that never closes), its CRC-32 and size."""
    head = b'[{"text": "'
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = first.compress(head) + first.flush(zlib.Z_FULL_FLUSH)
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = block.compress(b"a" * PIECE) + block.flush(zlib.Z_FULL_FLUSH)  # independent of what precedes it
    repeats = BOMB_BYTES // PIECE
    data += piece * repeats + b"\x03\x00"  # an empty final block ends the stream
    crc = zlib.crc32(head)
    chunk = b"a" * PIECE
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    return data, crc, len(head) + repeats * PIECE


def write_zip(path, members: list[tuple[str, bytes, int, int]]) -> None:
    """A zip of deflated members given as (name, raw deflate data, crc, uncompressed size)."""
    out, central = bytearray(), bytearray()
    for name, data, crc, size in members:
        encoded = name.encode()
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size,
                               len(encoded), 0, 0, 0, 0, 0, len(out)) + encoded
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0)
        out += encoded + data
    count = len(members)
    path.write_bytes(bytes(out) + bytes(central)
                     + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(out), 0))


def deflated(data: bytes) -> tuple[bytes, int, int]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)


def test_zip_member_bomb_is_rejected_and_the_other_members_kept(tmp_path):
    path = tmp_path / "bomb.zip"
    write_zip(path, [("before.jsonl", *deflated(line("before"))), ("bomb.json", *deflate_bomb()),
                     ("after.jsonl", *deflated(line("after")))])
    assert path.stat().st_size < 1_000_000
    [units] = read_in_subprocess(path, {})
    assert kinds(units) == [("record", "before"), ("too_large", "bomb.json"), ("record", "after")]
    assert "max_compression_ratio" in units[1]["message"]


def test_zip_member_above_max_member_bytes_is_too_large(tmp_path):
    """A member that is not a bomb (stored, ratio 1) but larger than input.max_member_bytes."""
    import zipfile

    from pipeline.config import InputSettings
    from pipeline.io.readers import InputFile, read_input

    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("big.json", json.dumps([GOOD] * 200, ensure_ascii=False))
        archive.writestr("small.json", json.dumps([GOOD], ensure_ascii=False))
    units = list(read_input(InputFile(str(path), path.stat().st_size), InputSettings(max_member_bytes=10_000)))
    assert [(getattr(u, "reason", "record"), u.member) for u in units[:-1]] == [
        ("too_large", "big.json"), ("record", "small.json")]
    assert "input.max_member_bytes" in units[0].message


# --------------------------------------------------------------------------------------------- tar

def write_tar_bomb(path):
    """A .tar.gz: a good member, a member of 1 GiB, a good member (gzip members again concatenate)."""
    def member(name: str, data: bytes) -> bytes:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        return info.tobuf(format=tarfile.USTAR_FORMAT) + data + b"\0" * (-len(data) % tarfile.BLOCKSIZE)

    bomb = tarfile.TarInfo("bomb.jsonl")
    bomb.size = BOMB_BYTES
    head = member("before.jsonl", line("before")) + bomb.tobuf(format=tarfile.USTAR_FORMAT)
    tail = member("after.jsonl", line("after")) + b"\0" * (2 * tarfile.BLOCKSIZE)
    path.write_bytes(gzip.compress(head) + gzip.compress(b"a" * PIECE) * (BOMB_BYTES // PIECE) + gzip.compress(tail))


def test_tar_member_bomb(tmp_path):
    """Ratio guard off: the member's header gives its size, so it is rejected unread and skipped.
    Default settings: the ratio guard stops the archive after the members before the bomb."""
    path = tmp_path / "bomb.tar.gz"
    write_tar_bomb(path)
    assert path.stat().st_size < 1_000_000
    member_bound, ratio_guard = read_in_subprocess(path, {**RATIO_GUARD_OFF, "max_member_bytes": 1 << 20}, {})
    assert kinds(member_bound) == [("record", "before"), ("too_large", "bomb.jsonl"), ("record", "after")]
    assert "input.max_member_bytes" in member_bound[1]["message"]
    assert kinds(ratio_guard)[0] == ("record", "before")
    assert ratio_guard[-1]["kind"] == "too_large" and "max_compression_ratio" in ratio_guard[-1]["message"]
    assert [u.get("id") for u in ratio_guard if u["kind"] == "record"] == ["before"]


@pytest.mark.parametrize("max_article_chars", [1000])
def test_plain_text_longer_than_any_allowed_article_is_not_held(tmp_path, max_article_chars):
    from pipeline.config import InputSettings
    from pipeline.io.readers import InputFile, read_input

    path = tmp_path / "long.txt"
    path.write_bytes(b"a" * (5 * max_article_chars))
    [reject, summary] = list(read_input(InputFile(str(path), path.stat().st_size),
                                        InputSettings(max_article_chars=max_article_chars)))
    assert reject.reason == "too_large" and summary.records == 1
