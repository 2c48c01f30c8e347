"""Cleaning: one display form (``text``) and one search/dedup form (``norm_text``).

``clean_text`` keeps the article readable: camel-tools Unicode normalisation (NFKC plus its fixes,
which also folds Arabic presentation forms), control and bidi-control characters removed, ZWNJ
and ZWJ kept (Persian and Urdu need them), tatweel removed, whitespace and paragraph breaks
normalised. It is idempotent: ``clean_text(clean_text(x).text).text == clean_text(x).text``.

Page junk a scraper left in the body is cut out (``remove_page_junk``), so that no sentence is made
of it: blocks of CSS or JavaScript (``#vote_area2 ul { padding: 0; ...`` with the poll script after
it, 2,000+ characters inside an Arabic paragraph), HTML tags and comments, and Markdown images.
Each removal is counted by kind in ``stats`` (``code_blocks_removed``, ``code_chars_removed``,
``markup_removed``, ``markup_chars_removed``); a block becomes a line break, so the prose on either
side stays whole and in its own sentences.

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

# --- page junk ------------------------------------------------------------------------------
# A code block is a cluster of braces and semicolons, each within _MAX_CODE_GAP characters of the
# next, with at least two of each: CSS rules and script statements have them, prose does not (the
# braces some outlets use as quotation marks, {الجهاد الإسلامي}, come without semicolons; the
# Arabic semicolon is ؛). The block starts at the selector or statement before its first mark.
_CODE_MARK_RE = re.compile(r"[{};]")
_MAX_CODE_GAP = 120
_MIN_BRACES = _MIN_SEMICOLONS = 2
# CSS declarations (padding: 0;) and script calls ending a statement (...);): prose has neither twice
_STATEMENT_RE = re.compile(r"[A-Za-z][\w-]*\s*:\s*[^\s;{}][^;{}\n]{0,200};|\)\s*;")
_MIN_STATEMENTS = 2
_MAX_ARABIC_SHARE = 0.2  # a block may quote an Arabic message ('انتظر لحظات…'), not hold prose
_LEAD_RE = re.compile(r"(?:[^\s.!?؟،؛\u0600-\u06FF]+\s*){1,4}$")  # selector / statement words before the first mark
_WORDS_RE = re.compile(r"[A-Za-z\u00C0-\u024F]+ [a-z\u00DF-\u024F]+ [a-z\u00DF-\u024F]+")
_ARABIC_LETTER_RE = re.compile(r"[\u0620-\u064A\u066E-\u06D3\u06FA-\u06FF]")
_HTML_TAG_RE = re.compile(
    r"<!--.*?-->|</?(?:a|abbr|article|aside|b|blockquote|body|br|button|center|div|em|figcaption|figure|font|"
    r"footer|form|h[1-6]|head|header|hr|html|i|iframe|img|input|label|li|link|meta|nav|noscript|ol|option|p|"
    r"pre|script|section|select|small|span|strong|style|sub|sup|table|tbody|td|th|thead|tr|u|ul)\b[^<>]{0,500}>",
    re.I | re.S)
_BLOCK_TAG_RE = re.compile(r"</?(?:article|aside|blockquote|body|br|div|figcaption|figure|footer|form|h[1-6]|"
                           r"head|header|hr|html|li|nav|ol|p|pre|section|table|tbody|td|th|thead|tr|ul)\b", re.I)
_MARKDOWN_IMAGE_RE = re.compile(r"!\[[^\]\n]{0,200}\]\([^\s)]{0,500}(?:\n[^\s)]{0,500})?\)")

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

    text = remove_page_junk(text, stats)

    before = text
    text = _HSPACE_RE.sub(" ", text)
    text = _SPACE_AROUND_NL_RE.sub("\n", text)
    text = _MANY_NL_RE.sub("\n\n", text)
    text = text.strip()
    if text != before:
        stats["whitespace_normalised"] = abs(len(before) - len(text)) or 1

    return Cleaned(text, {k: v for k, v in stats.items() if v})


def remove_page_junk(text: str, stats: Counter[str]) -> str:
    """``text`` without blocks of code, HTML tags and Markdown images (each replaced by a line break)."""
    blocks = code_blocks(text)
    if blocks:
        stats["code_blocks_removed"] += len(blocks)
        stats["code_chars_removed"] += sum(end - start for start, end in blocks)
        text = _cut(text, blocks)
    markup = [m.span() for m in _HTML_TAG_RE.finditer(text)] + [m.span() for m in _MARKDOWN_IMAGE_RE.finditer(text)]
    if markup:
        markup = _merge(sorted(markup))
        stats["markup_removed"] += len(markup)
        stats["markup_chars_removed"] += sum(end - start for start, end in markup)
        text = _cut(text, markup, lambda piece: "\n" if _BLOCK_TAG_RE.match(piece) else " ")
    return text


def code_blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) of each block of CSS or script in ``text``, in order, not overlapping."""
    marks = [m.start() for m in _CODE_MARK_RE.finditer(text)]
    blocks = []
    i = 0
    while i < len(marks):
        j = i
        while j + 1 < len(marks) and marks[j + 1] - marks[j] <= _MAX_CODE_GAP:
            j += 1
        cluster = [text[k] for k in marks[i:j + 1]]
        start, end = marks[i], marks[j] + 1
        i = j + 1
        if cluster.count(";") < _MIN_SEMICOLONS or cluster.count("{") + cluster.count("}") < _MIN_BRACES:
            continue
        if len(_STATEMENT_RE.findall(text, start, end)) < _MIN_STATEMENTS:
            continue  # braces and semicolons in prose ("il a parlé ; il a promis {des réformes} ;")
        line_start = text.rfind("\n", 0, start) + 1
        lead = _LEAD_RE.search(text, max(line_start, start - 200), start)
        if lead:
            start = lead.start()
        while end < len(text) and text[end] in ")]}":
            end += 1
        if len(_ARABIC_LETTER_RE.findall(text, start, end)) > _MAX_ARABIC_SHARE * (end - start):
            continue
        if blocks and _is_code_between(text, blocks[-1][1], start):
            start = blocks.pop()[0]  # the data between two blocks (a script's array literal) is code too
        blocks.append((start, end))
    return blocks


def _is_code_between(text: str, start: int, end: int) -> bool:
    """No line break, no Arabic letter and no run of three plain words between two code blocks."""
    between = text[start:end]
    return "\n" not in between and not _ARABIC_LETTER_RE.search(between) and not _WORDS_RE.search(between)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _cut(text: str, spans: list[tuple[int, int]], separator=lambda piece: "\n") -> str:
    """``text`` without ``spans``; each becomes ``separator(piece)`` (a line break or a space), or
    nothing at the start or end of a line (with its line break when it was the whole line), so that
    a removal never makes a paragraph break."""
    pieces, pos = [], 0
    for start, end in spans:
        pieces.append(text[pos:start])
        before, after = text[pos:start].rstrip(" \t"), text[end:].lstrip(" \t")
        line_start = before.endswith("\n") or (not before and (pos == 0 or text[pos - 1] == "\n"))
        line_end = not after or after.startswith("\n")
        if line_start and after.startswith("\n"):
            end += len(text) - end - len(after) + 1  # the whole line goes, with its line break
        pieces.append("" if line_start or line_end else separator(text[start:end]))
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


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
