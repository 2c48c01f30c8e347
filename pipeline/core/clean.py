"""Cleaning: one display form (``text``) and one search/dedup form (``norm_text``).

``clean_text`` keeps the article readable: camel-tools Unicode normalisation (NFKC plus its fixes,
which also folds Arabic presentation forms), control and bidi-control characters removed, ZWNJ
and ZWJ kept (Persian and Urdu need them), tatweel removed, whitespace and paragraph breaks
normalised. It is idempotent: ``clean_text(clean_text(x).text).text == clean_text(x).text``.

``normalise_for_search`` is the Arabic normalisation profile used for search and deduplication:
camel-tools dediacritisation, alef / alef-maksura / teh-marbuta folding, Persian kaf/yeh to their
Arabic forms, Arabic-Indic digits to ASCII and Latin case-folding. It does not keep offsets.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import (
    normalize_alef_ar,
    normalize_alef_maksura_ar,
    normalize_teh_marbuta_ar,
    normalize_unicode,
)

TATWEEL = "\u0640"
ZWNJ, ZWJ = "\u200c", "\u200d"
# Bidi controls (LRM, RLM, ALM, embeddings, overrides, isolates) and invisible format characters
# that carry no meaning in stored text. ZWNJ/ZWJ are deliberately absent.
_BIDI_CONTROLS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLES = "\u200b\u2060\ufeff\u00ad"
_BIDI_RE = re.compile(f"[{_BIDI_CONTROLS}]")
_INVISIBLE_RE = re.compile(f"[{_INVISIBLES}]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_HSPACE_RE = re.compile(r"[^\S\n]+")  # any whitespace except newline (tabs, NBSP, thin spaces...)
_SPACE_AROUND_NL_RE = re.compile(r" *\n *")
_MANY_NL_RE = re.compile(r"\n{3,}")
_LINE_SEP_RE = re.compile(r"\r\n?|[\u2028\u2029\x85]")

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_PERSIAN_LETTERS = str.maketrans({"ک": "ك", "ی": "ي", "ۀ": "ه"})


@dataclass(frozen=True)
class Cleaned:
    text: str
    stats: dict[str, int]  # what changed, by kind: feeds Beam Metrics and documents.clean_stats


def clean_text(raw: str) -> Cleaned:
    stats: Counter[str] = Counter()

    text, stats["line_breaks_unified"] = _LINE_SEP_RE.subn("\n", raw)

    normalised = normalize_unicode(text)
    if normalised != text:
        stats["unicode_normalised"] = sum(1 for a, b in zip(text, normalised) if a != b) + abs(len(text) - len(normalised))
    text = normalised

    text, n = _CONTROL_RE.subn("", text)
    stats["control_chars_removed"] = n
    text, n = _BIDI_RE.subn("", text)
    stats["bidi_controls_removed"] = n
    text, n = _INVISIBLE_RE.subn("", text)
    stats["invisible_chars_removed"] = n
    n = text.count(TATWEEL)
    text = text.replace(TATWEEL, "")
    stats["tatweel_removed"] = n
    if stats["control_chars_removed"] or stats["bidi_controls_removed"] or stats["invisible_chars_removed"] or n:
        # a removal can bring two combining marks together (ۧـٰ): normalise again so their
        # canonical order is settled and cleaning stays idempotent
        text = normalize_unicode(text)

    before = text
    text = _HSPACE_RE.sub(" ", text)
    text = _SPACE_AROUND_NL_RE.sub("\n", text)
    text = _MANY_NL_RE.sub("\n\n", text)
    text = text.strip()
    if text != before:
        stats["whitespace_normalised"] = abs(len(before) - len(text)) or 1

    return Cleaned(text, {k: v for k, v in stats.items() if v})


def normalise_for_search(text: str) -> str:
    text = dediac_ar(text)
    text = normalize_alef_ar(text)
    text = normalize_alef_maksura_ar(text)
    text = normalize_teh_marbuta_ar(text)
    text = text.translate(_PERSIAN_LETTERS).translate(_DIGITS)
    return text.casefold()


def letter_count(text: str) -> int:
    """Letters in any script; an article without letters is not an article."""
    return sum(1 for ch in text if ch.isalpha())
