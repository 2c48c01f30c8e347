"""Learned source spans: a CRF that proposes the attributions the rules of ``sources.py`` miss.

Why: the rules are precise, but on independently annotated held-out articles they find about two
attributions in three; three misses in four have no candidate phrase for any rule (rarer cue verbs,
bare-name speakers, group subjects), a long tail that more rules did not shorten. A linear-chain CRF
over the tokens of a sentence, trained on the hand-annotated gold sets (``scripts/train_sources_crf.py``),
learns those contexts from examples, the sources lexicon (cue, title and anonymous words) and the word
clusters the entity tagger already ships. The extractor adds its spans only where no rule row
overlaps, with ``method="crf"`` and the CRF's probability as the confidence, so they stay countable
and can be filtered or switched off (``sources.model_spans: false``).

Labels are BIO over tokens: ``B-c:<kind>`` / ``I-c:<kind>`` for a cited source, ``B-a:<kind>`` for an
agency credit (learnt so that datelines are not mistaken for cited sources; the extractor's regular
expressions keep producing the credits).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from pipeline.core import crf_scoring

MODEL_FILE = "sources_ar_crf.crfsuite.gz"
META_FILE = "sources_ar_crf_meta.json"
NEAR_CUE_WINDOW = 8  # tokens looked at on each side for the nearest attribution cue
_NEIGHBOURS = (-3, -2, -1, 1, 2, 3)
_WORD_KEYS_NEAR = ("w2v256", "ft256", "w2v1024", "pre")  # cluster features of the +-1 neighbours
_WORD_KEYS_SELF = ("w", "st", "pre", "p2", "s2", "s3", "sh", "w2v256", "ft256", "w2v1024", "sw256",
                   "freq", "tper", "tloc", "torg")


class Token(Protocol):
    start: int
    end: int
    text: str
    norm: str


@dataclass(frozen=True)
class LexicalMarks:
    """What the sources lexicon says about one normalised word (empty strings: nothing)."""

    cue: str = ""  # verb, prep, passive, relay, refusal, participle, thanks
    title: str = ""  # official, government, organisation, media, agency, document, person
    anonymous: bool = False
    stop: bool = False


class SpanFeatures:
    """Token features of one sentence, shared by training and tagging.

    ``marks`` maps a normalised word to its ``LexicalMarks`` (built by the extractor from its lexicon);
    ``word_features`` maps a raw word to the entity tagger's word features (stem, proclitic, word
    clusters), or is None when those are not available.
    """

    CACHE_WORDS = 10_000  # ~3 kB of strings per word: ~35 MB when full; the frequent words come back at once

    def __init__(self, marks: Callable[[str], LexicalMarks],
                 word_features: Callable[[str], dict[str, str]] | None):
        self.marks = marks
        self.word_features = word_features
        self._cache: dict[str, tuple[LexicalMarks, list[str], dict[int, list[str]]]] = {}

    def _word(self, tok: Token) -> tuple[LexicalMarks, list[str], dict[int, list[str]]]:
        hit = self._cache.get(tok.text)
        if hit is None:
            if len(self._cache) >= self.CACHE_WORDS:
                self._cache.clear()
            self._cache[tok.text] = hit = self.word_items(tok)
        return hit

    def word_items(self, tok: Token) -> tuple[LexicalMarks, list[str], dict[int, list[str]]]:
        """A word's own features and what it contributes as the neighbour at each offset, as
        python-crfsuite attribute strings ("name:value", the form its dict items take)."""
        m = self.marks(tok.norm)
        wf = self.word_features(tok.text) if self.word_features else {}
        own = ["b:1", f"n:{tok.norm}", f"cue:{m.cue}", f"title:{m.title}"]
        if m.anonymous:
            own.append("anon:1")
        if m.stop:
            own.append("stop:1")
        own.extend(f"0{k}:{wf[k]}" for k in _WORD_KEYS_SELF if k in wf)
        near = {}
        for d in _NEIGHBOURS:
            items = [f"{d}n:{tok.norm}", f"{d}cue:{m.cue}"]
            if abs(d) == 1:
                items.append(f"{d}title:{m.title}")
            if abs(d) <= 2:
                items.extend(f"{d}{k}:{wf[k]}" for k in (_WORD_KEYS_NEAR if abs(d) == 1 else ("w2v256",)) if k in wf)
            near[d] = items
        return m, own, near

    def sentence(self, toks: Sequence[Token], entity_types: Sequence[str]) -> list[list[str]]:
        n = len(toks)
        words = [self._word(t) for t in toks]
        cue_at = [i for i, w in enumerate(words) if w[0].cue]
        out = []
        for i in range(n):
            f = words[i][1] + [f"ent:{entity_types[i]}"]
            if i == 0:
                f.append("first:1")
            for d in _NEIGHBOURS:
                j = i + d
                if not 0 <= j < n:
                    f.append(f"{d}bos:1")
                    continue
                f.extend(words[j][2][d])
                if abs(d) == 1:
                    f.append(f"{d}ent:{entity_types[j]}")
            left = [j for j in cue_at if i - NEAR_CUE_WINDOW <= j < i]
            right = [j for j in cue_at if i < j <= i + NEAR_CUE_WINDOW]
            if left:
                f.append(f"cueL:{words[left[-1]][0].cue}{min(i - left[-1], 4)}")
            if right:
                f.append(f"cueR:{words[right[0]][0].cue}{min(right[0] - i, 4)}")
            out.append(f)
        return out


def bio_labels(toks: Sequence[Token], spans: Sequence[tuple[int, int, str]]) -> list[str]:
    """BIO labels of ``toks`` for character spans ``(start, end, label)``: a token overlapping a span
    is inside it (a span that starts after a proclitic, لوكالة, takes the whole token)."""
    tags = ["O"] * len(toks)
    for start, end, label in spans:
        first = True
        for i, t in enumerate(toks):
            if t.start < end and start < t.end:
                tags[i] = ("B-" if first else "I-") + label
                first = False
    return tags


def entity_types(toks: Sequence[Token], entities: Sequence) -> list[str]:
    """The entity type (PER, LOC, ORG, MISC) over each token, "O" outside entities."""
    types = ["O"] * len(toks)
    for e in entities:
        for i, t in enumerate(toks):
            if t.start < e.end and e.start < t.end:
                types[i] = e.type
    return types


def label_for(role: str, kind: str) -> str:
    """The CRF label of a gold attribution (without its B-/I- prefix)."""
    return ("a:" if role == "agency_credit" else "c:") + kind


class SourceSpanModel:
    """The shipped CRF: ``propose`` returns token spans ``(first, last_exclusive, kind, probability)``
    of cited sources in one sentence; ``propose_many`` does it for several sentences at once.

    Scored from per-word-type weight vectors (``pipeline/core/crf_scoring.py``) with the features of
    ``SpanFeatures.sentence`` (which stays for training), never built as strings per token."""

    OFFSETS = (-3, -2, -1, 0, 1, 2, 3)
    CACHE_WORDS = 30_000  # 7 offsets x 19 labels x 8 bytes: ~32 MB when full (the words of cue sentences only)

    def __init__(self, model_dir: Path, features: Callable[[], SpanFeatures], cache_words: int = CACHE_WORDS):
        model_dir = Path(model_dir)
        path = model_dir / MODEL_FILE
        if not path.exists():
            raise FileNotFoundError(f"sources span model missing: {path}; reinstall the package, rebuild it with "
                                    "`python scripts/train_sources_crf.py`, or set sources.model_spans: false")
        self.features = features()
        self.model = m = crf_scoring.CrfModel.load(path)
        sentinel = np.zeros((len(self.OFFSETS), m.n_labels))
        for d in _NEIGHBOURS:
            sentinel[d + 3] = m.row(f"{d}bos:1")
        self.cache = crf_scoring.TypeCache(self._word, (sentinel, (-1,), None), cache_words)
        self.first = m.row("first:1")
        types = sorted(set(m.values("ent:")) | set(m.values("-1ent:")) | set(m.values("1ent:")))
        self.type_ids = {t: i for i, t in enumerate(types)}  # another type: len(types), zero weights
        self.t_ent = np.array([m.row(f"{p}ent:{t}") for p in ("", "-1", "1") for t in types + [""]]) \
            .reshape(3, len(types) + 1, m.n_labels)
        self.t_ent[:, -1] = 0.0
        cues = sorted({v[:-1] for p in ("cueL:", "cueR:") for v in m.values(p)})
        self.cue_ids = {c: i for i, c in enumerate(cues)}  # another cue: len(cues), zero weights
        self.t_cue = np.zeros((2, len(cues) + 1, 5, m.n_labels))
        for side, p in enumerate(("cueL:", "cueR:")):
            for ci, c in enumerate(cues):
                for dist in range(1, 5):
                    self.t_cue[side, ci, dist] = m.row(f"{p}{c}{dist}")

    def _word(self, tok: Token):
        marks, own, near = self.features.word_items(tok)
        block = np.empty((len(self.OFFSETS), self.model.n_labels))
        block[3] = self.model.vector(own)
        block[[d + 3 for d in near]] = self.model.vectors(list(near.values()))
        cue = self.cue_ids.get(marks.cue, len(self.cue_ids)) if marks.cue else -1
        return block, (cue,), None

    def propose(self, toks: Sequence[Token], entities: Sequence) -> list[tuple[int, int, str, float]]:
        """``entities``: the entity tagger's entities in the sentence (their types are features)."""
        return self.propose_many([(toks, entities)])[0]

    def propose_many(self, sentences: Sequence[tuple[Sequence[Token], Sequence]]) \
            -> list[list[tuple[int, int, str, float]]]:
        """``propose`` for each ``(tokens, entities)``, scored together."""
        return [_spans(*tagged) if tagged else [] for tagged in self.tag_many(sentences)]

    def tag_many(self, sentences: Sequence[tuple[Sequence[Token], Sequence]]) \
            -> list[tuple[list[str], np.ndarray] | None]:
        """BIO labels and their marginals for each ``(tokens, entities)``; None for a sentence without a
        lexicon cue (no model row could be kept from it, so neither its features nor its entity types
        are computed)."""
        out: list[tuple[list[str], np.ndarray] | None] = [None] * len(sentences)
        todo = []
        marks = self.features.marks
        for si, (toks, ents) in enumerate(sentences):
            if not toks or not any(marks(t.norm).cue for t in toks):
                continue
            todo.append((si, toks, ents))
        if not todo:
            return out
        cs = crf_scoring
        lens = np.array([len(x[1]) for x in todo], dtype=np.intp)
        # one lookup for all sentences: a cache emptied between two lookups would leave the rows of
        # the earlier sentences pointing at other words' vectors
        all_toks = [t for _, toks, _ in todo for t in toks]
        rows = self.cache.lookup([t.text for t in all_toks], all_toks)
        near = cs.neighbours(rows, lens, self.OFFSETS)
        blocks = self.cache.blocks
        em = blocks[near[3], 3].copy()
        for k in (0, 1, 2, 4, 5, 6):
            em += blocks[near[k], k]
        # entity types: the token's own and its +-1 neighbours' (none outside the sentence)
        unknown = len(self.type_ids)
        ent = np.fromiter((self.type_ids.get(t, unknown) for _, toks, ents in todo
                           for t in entity_types(toks, ents)), dtype=np.intp, count=len(rows))
        ent_near = cs.neighbours(ent + 1, lens, (-1, 1)) - 1  # -1: outside
        em += self.t_ent[0, ent]
        for k, side in ((0, 1), (1, 2)):
            e = ent_near[k]
            em[e >= 0] += self.t_ent[side, e[e >= 0]]
        starts = np.cumsum(lens) - lens
        em[starts] += self.first
        em += self._cue_vectors(rows, lens, starts)
        tags, probs = cs.decode(cs.padded(em, lens), lens, self.model.trans)
        labels = self.model.labels
        for r, (si, toks, _) in enumerate(todo):
            n = len(toks)
            out[si] = ([labels[t] for t in tags[r, :n]], probs[r, :n])
        return out

    def _cue_vectors(self, rows: np.ndarray, lens: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """``cueL``/``cueR``: the nearest lexicon cue within NEAR_CUE_WINDOW tokens on each side (same
        sentence), its type and distance (capped at 4)."""
        n = len(rows)
        cue = self.cache.ints[rows, 0]
        idx = np.arange(n)
        start = np.repeat(starts, lens)
        end = start + np.repeat(lens, lens)
        is_cue = cue >= 0
        left = np.maximum.accumulate(np.where(is_cue, idx, -1))
        left = np.concatenate([[-1], left[:-1]])  # the nearest cue before i
        right = np.minimum.accumulate(np.where(is_cue, idx, n)[::-1])[::-1]
        right = np.concatenate([right[1:], [n]])  # the nearest cue after i
        out = np.zeros((n, self.model.n_labels))
        ok = (left >= start) & (idx - left <= NEAR_CUE_WINDOW)
        out[ok] += self.t_cue[0, cue[left[ok]], np.minimum(idx - left, 4)[ok]]
        ok = (right < end) & (right - idx <= NEAR_CUE_WINDOW)
        out[ok] += self.t_cue[1, cue[right[ok]], np.minimum(right - idx, 4)[ok]]
        return out


def _spans(tags: list[str], probs: np.ndarray) -> list[tuple[int, int, str, float]]:
    """Cited-source spans of a BIO label sequence, each with the smallest marginal of its labels."""
    out = []
    i = 0
    while i < len(tags):
        tag = tags[i]
        if tag == "O":
            i += 1
            continue
        label = tag[2:]
        j = i + 1
        while j < len(tags) and tags[j] == "I-" + label:
            j += 1
        if label.startswith("c:"):
            out.append((i, j, label[2:], float(probs[i:j].min())))
        i = j
    return out
