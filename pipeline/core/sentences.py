"""Paragraph and sentence boundaries with character offsets into the cleaned text.

Rules, in the order a reader would apply them:
- a blank line ends a paragraph; any other newline ends a sentence;
- ``. ! ? ؟ ؛ ۔ …`` (or a run of them), followed by closing quotes or brackets and then a space or
  the end of the paragraph, end a sentence;
- a piece without any letter or digit (``.``, ``..``, ``***``, ``-``) is not a sentence; its characters
  stay in the text between the sentences around it;
- no boundary inside brackets or a quotation that closes within the same line (``[…]``, ``(أ ف ب)``,
  «...», “...”, "..."), inside a number (``1.5`` has no space after the dot), after an abbreviation or
  an initial (``M.``, ``Dr.``, ``د.``, ``J.``), or before a lower-case Latin word (``etc. and``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

TERMINALS = ".!?؟؛۔…"
_CLOSERS = "\"'”’»)]}"
_BOUNDARY_RE = re.compile(rf"[{re.escape(TERMINALS)}]+[{re.escape(_CLOSERS)}]*(?=\s|$)")
_WORD_BEFORE_RE = re.compile(r"(\w+)$")
_PAIRS = {"(": ")", "[": "]", "{": "}", "«": "»", "“": "”", "‹": "›"}
_LONGEST_ABBREVIATION = 12  # look this far back for the word before a dot (not from the text's start)
_MAX_PROTECTED = 600  # a bracket or quote left open longer than this is a typo, not a quotation

ABBREVIATIONS = frozenset(
    """m mm mme mmes mlle mlles dr drs mr mrs ms prof st sts etc vs cf inc ltd co corp jr sr gen col
    lt sgt capt gov sen rep no nos fig figs p pp vol vols ed eds art av bd ave blvd dept est approx
    min max tel jan feb mar apr jun jul aug sep sept oct nov dec janv févr avr juil déc
    د م ص ج ق ش ف هـ ه""".split()
)


@dataclass(frozen=True)
class SentenceBounds:
    paragraph_index: int
    start: int
    end: int


def paragraph_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph; paragraphs are separated by one or more blank lines."""
    bounds = []
    pos = 0
    for match in re.finditer(r"\n\s*\n", text):
        bounds.append((pos, match.start()))
        pos = match.end()
    bounds.append((pos, len(text)))
    return [(s, e) for s, e in (_strip(text, s, e) for s, e in bounds) if e > s]


def split_sentences(text: str) -> list[SentenceBounds]:
    sentences: list[SentenceBounds] = []
    for paragraph_index, (p_start, p_end) in enumerate(paragraph_bounds(text)):
        for line_start, line_end in _lines(text, p_start, p_end):
            for start, end in _sentences_in_line(text, line_start, line_end):
                if _has_content(text, start, end):
                    sentences.append(SentenceBounds(paragraph_index, start, end))
    return sentences


def _has_content(text: str, start: int, end: int) -> bool:
    return any(text[i].isalnum() for i in range(start, end))


def _lines(text: str, start: int, end: int):
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        line_end = end if nl == -1 else nl
        s, e = _strip(text, pos, line_end)
        if e > s:
            yield s, e
        pos = line_end + 1


def _sentences_in_line(text: str, start: int, end: int):
    protected = _protected_intervals(text, start, end)
    pos = start
    for match in _BOUNDARY_RE.finditer(text, start, end):
        cut = match.end()
        if _inside(match.start(), protected) or not _is_boundary(text, match, end):
            continue
        s, e = _strip(text, pos, cut)
        if e > s:
            yield s, e
        pos = cut
    s, e = _strip(text, pos, end)
    if e > s:
        yield s, e


def _is_boundary(text: str, match: re.Match, line_end: int) -> bool:
    punct = match.group(0)
    if punct[0] == "." and len(punct.rstrip(_CLOSERS)) == 1:
        word = _WORD_BEFORE_RE.search(text, max(0, match.start() - _LONGEST_ABBREVIATION), match.start())
        if word and (word.group(1).casefold() in ABBREVIATIONS or len(word.group(1)) == 1):
            return False
    nxt = match.end()
    while nxt < line_end and text[nxt].isspace():
        nxt += 1
    if nxt < line_end and text[nxt].isascii() and text[nxt].islower():
        return False
    return True


def _protected_intervals(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of balanced brackets and quotations within a line, where no sentence may end."""
    intervals = []
    stack: list[tuple[str, int]] = []
    straight_open: int | None = None
    for i in range(start, end):
        ch = text[i]
        if ch in _PAIRS:
            stack.append((_PAIRS[ch], i))
        elif stack and ch == stack[-1][0]:
            _, opened = stack.pop()
            if i - opened <= _MAX_PROTECTED:
                intervals.append((opened, i))
        elif ch == '"':
            if straight_open is None:
                straight_open = i
            else:
                if i - straight_open <= _MAX_PROTECTED:
                    intervals.append((straight_open, i))
                straight_open = None
    return intervals


def _inside(pos: int, intervals: list[tuple[int, int]]) -> bool:
    return any(opened < pos < closed for opened, closed in intervals)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
