"""Turn the bytes of a text article into ``str`` and say which encoding was used.

Order of trust: a byte-order mark, then strict UTF-8, then Windows-1256 (the legacy Arabic code
page), and only then UTF-8 with replacement characters. The share of replaced bytes is returned
so the caller can reject an article that is mostly garbage instead of passing it on silently.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # must come before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Windows-1256 maps almost every byte to some character, so it "succeeds" on binary data too.
# We only accept it when the result is mostly Arabic letters, spaces and punctuation.
_CP1256_MIN_PLAUSIBLE = 0.85


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    replaced: int  # number of U+FFFD characters introduced by decoding
    binary: bool  # NUL bytes or control-character noise: not a text file at all


def looks_binary(data: bytes) -> bool:
    """True for data that is clearly not text (NUL bytes outside a UTF-16/32 BOM file, or many C0 controls)."""
    if not data:
        return False
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls / len(sample) > 0.05


def _plausible_text_share(text: str) -> float:
    if not text:
        return 1.0
    good = sum(1 for ch in text if ch.isalpha() or ch.isspace() or ch.isdigit() or ch in ".,;:!?()[]«»\"'-–—/%،؛؟")
    return good / len(text)


def decode_bytes(data: bytes) -> Decoded:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data.decode(encoding, errors="replace")
            return Decoded(text, encoding.replace("-sig", "") + ("-bom" if encoding == "utf-8-sig" else ""),
                           text.count("\ufffd"), False)
    if looks_binary(data):
        return Decoded("", "binary", 0, True)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", 0, False)
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1256")
        if _plausible_text_share(text) >= _CP1256_MIN_PLAUSIBLE:
            return Decoded(text, "windows-1256", 0, False)
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    return Decoded(text, "utf-8-replace", text.count("\ufffd"), False)
