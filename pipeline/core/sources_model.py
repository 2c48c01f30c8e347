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
        """A word's own features and what it contributes as the neighbour at each offset, as
        python-crfsuite attribute strings ("name:value", the form its dict items take)."""
        hit = self._cache.get(tok.text)
        if hit is not None:
            return hit
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
        if len(self._cache) >= self.CACHE_WORDS:
            self._cache.clear()
        self._cache[tok.text] = hit = (m, own, near)
        return hit

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

    def has_cue(self, toks: Sequence[Token]) -> bool:
        """Whether any token is a lexicon cue: without one no model row can be kept, so the sentence is skipped."""
        return any(self._word(t)[0].cue for t in toks)


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
    of cited sources in one sentence."""

    def __init__(self, model_dir: Path, features: Callable[[], SpanFeatures]):
        from pipeline.core.entities import open_crf_model

        model_dir = Path(model_dir)
        path = model_dir / MODEL_FILE
        if not path.exists():
            raise FileNotFoundError(f"sources span model missing: {path}; reinstall the package, rebuild it with "
                                    "`python scripts/train_sources_crf.py`, or set sources.model_spans: false")
        self.features = features()
        self.tagger = open_crf_model(path)

    def propose(self, toks: Sequence[Token], entities: Sequence) -> list[tuple[int, int, str, float]]:
        """``entities``: the entity tagger's entities in the sentence (their types are features)."""
        if not toks or not self.features.has_cue(toks):
            return []  # no model row could be kept: neither features nor entity types are computed
        self.tagger.set(self.features.sentence(toks, entity_types(toks, entities)))
        tags = self.tagger.tag()
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
                prob = min(self.tagger.marginal(tags[k], k) for k in range(i, j))
                out.append((i, j, label[2:], prob))
            i = j
        return out
