"""Linear-chain CRF scoring without per-token string attributes (pure Python + numpy, no Beam).

Why: tagging through python-crfsuite turns every token's ~60 feature strings into attribute ids on
every call (``Tagger.set``), which was most of the entity tagger's and the span model's time. Every
template of the shipped models is a property of one word at a fixed offset, a bigram of two
neighbours' properties, or a small per-token value (a stage-1 label, an entity type, a distance to a
cue), so a token's label scores are a sum of weight vectors, most of them per word type: computed
once per word type and cached (bounded), then added up with numpy and decoded with Viterbi and
forward-backward, batched over the sentences of a document so that the Python loop runs over
positions, not tokens.

The weights are read from the shipped crfsuite model files (``CrfModel.load``: crfsuite's binary
format, the exact float64 weights; ``Tagger.info()`` rounds them to 6 decimals), so training and the
model files stay as they are. crfsuite's semantics kept: an attribute (``"name:value"``, the string
python-crfsuite makes of a dict item; a list item is its own attribute) the model does not know is
ignored, a repeated attribute counts as often as it appears, the path is the Viterbi path (first
maximum on ties) and the confidences are forward-backward marginals, computed as crfsuite does with
per-position scaling in float64 (scores shifted by their per-position maximum before ``exp``).
``tests/test_crf_scoring.py`` and ``bench/check_crf_scoring.py`` compare both against python-crfsuite.
"""
from __future__ import annotations

import gzip
import struct
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

_FEATURE_DTYPE = np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")])


def _cqdb_strings(buf: bytes, base: int) -> list[str]:
    """The strings of a crfsuite CQDB chunk at ``base``, by id (its backward array)."""
    magic, _size, _flag, _order, n, bwd = struct.unpack_from("<4sIIIII", buf, base)
    if magic != b"CQDB":
        raise ValueError("not a crfsuite model: missing CQDB chunk")
    out = []
    for i, off in enumerate(struct.unpack_from(f"<{n}I", buf, base + bwd)):
        rid, ksize = struct.unpack_from("<II", buf, base + off)
        if rid != i:
            raise ValueError("crfsuite model: CQDB ids out of order")
        out.append(buf[base + off + 8:base + off + 7 + ksize].decode("utf-8"))
    return out


class CrfModel:
    """The weights of one crfsuite (CRF1d) model: ``state[attribute id]`` is that attribute's weight
    per label (row 0 is all zeros, for attributes the model does not know), ``trans[i, j]`` the weight
    of label j after label i."""

    def __init__(self, labels: Sequence[str], attributes: Sequence[str], state: np.ndarray, trans: np.ndarray):
        self.labels = list(labels)
        self.attr_ids = {a: i + 1 for i, a in enumerate(attributes)}
        self.state = state
        self.trans = trans

    @classmethod
    def load(cls, path: Path) -> "CrfModel":
        """Read a model file as written by crfsuite (``lib/crf/src/crf1d_model.c``), gzip-compressed or not."""
        path = Path(path)
        buf = gzip.open(path, "rb").read() if path.suffix == ".gz" else path.read_bytes()
        magic, _size, mtype, _ver, _nf, n_labels, n_attrs, off_feat, off_labels, off_attrs, _lr, _ar = \
            struct.unpack_from("<4sI4sIIIIIIIII", buf, 0)
        if magic != b"lCRF" or mtype != b"FOMC":
            raise ValueError(f"{path}: not a crfsuite CRF1d model")
        labels, attrs = _cqdb_strings(buf, off_labels), _cqdb_strings(buf, off_attrs)
        if len(labels) != n_labels or len(attrs) != n_attrs:
            raise ValueError(f"{path}: label or attribute count does not match the header")
        chunk, _csize, n = struct.unpack_from("<4sII", buf, off_feat)
        if chunk != b"FEAT":
            raise ValueError(f"{path}: missing feature chunk")
        feats = np.frombuffer(buf, dtype=_FEATURE_DTYPE, count=n, offset=off_feat + 12)
        state = np.zeros((n_attrs + 1, n_labels))
        trans = np.zeros((n_labels, n_labels))
        st, tr = feats[feats["type"] == 0], feats[feats["type"] == 1]
        np.add.at(state, (st["src"].astype(np.intp) + 1, st["dst"].astype(np.intp)), st["weight"])
        np.add.at(trans, (tr["src"].astype(np.intp), tr["dst"].astype(np.intp)), tr["weight"])
        return cls(labels, attrs, state, trans)

    @property
    def n_labels(self) -> int:
        return len(self.labels)

    def vector(self, attributes: Iterable[str]) -> np.ndarray:
        """The summed weights of ``attributes`` (unknown ones count zero, repeated ones each time)."""
        return self.vectors([attributes])[0]

    def vectors(self, groups: Sequence[Iterable[str]]) -> np.ndarray:
        """``vector`` of each group of attributes, in one gather (row 0, all zeros, opens every group)."""
        get = self.attr_ids.get
        ids: list[int] = []
        starts = []
        for attrs in groups:
            starts.append(len(ids))
            ids.append(0)
            ids.extend([get(a, 0) for a in attrs])
        return np.add.reduceat(self.state[ids], starts, axis=0)

    def row(self, attribute: str) -> np.ndarray:
        return self.state[self.attr_ids.get(attribute, 0)]

    def values(self, prefix: str) -> dict[str, int]:
        """``value -> attribute id`` of every attribute ``prefix + value`` the model knows."""
        n = len(prefix)
        return {a[n:]: i for a, i in self.attr_ids.items() if a.startswith(prefix)}


class TypeCache:
    """Per word type, a block of weight vectors, a few integers and any other facts
    (``compute(word) -> (block, ints, info)``), kept in numpy arrays so that a document's tokens gather
    them at once. Bounded: when a document's new words do not fit, the cache is emptied first (memory
    must not grow with the vocabulary of a long run). Row 0 is the out-of-sentence ``sentinel``."""

    def __init__(self, compute: Callable[[str], tuple[np.ndarray, tuple, object]],
                 sentinel: tuple[np.ndarray, tuple, object], capacity: int,
                 on_clear: Callable[[], None] | None = None):
        self.compute = compute
        self.on_clear = on_clear
        self.capacity = capacity
        block, ints, info = sentinel
        self.blocks = np.empty((capacity + 1,) + block.shape)
        self.blocks[0] = block
        self.ints = np.empty((capacity + 1, len(ints)), dtype=np.intp)
        self.ints[0] = ints
        self.info: list = [info]
        self.rows: dict[str, int] = {}

    def _grow(self, capacity: int) -> None:
        """Room for ``capacity`` word types (the largest document seen bounds the cache, not the run)."""
        blocks = np.empty((capacity + 1,) + self.blocks.shape[1:])
        ints = np.empty((capacity + 1, self.ints.shape[1]), dtype=np.intp)
        blocks[:len(self.info)] = self.blocks[:len(self.info)]
        ints[:len(self.info)] = self.ints[:len(self.info)]
        self.blocks, self.ints, self.capacity = blocks, ints, capacity

    def lookup(self, keys: Sequence[str], items: Sequence | None = None) -> np.ndarray:
        """The rows of ``keys`` (word types); those not cached yet are computed from their first item
        in ``items`` (default: the keys themselves)."""
        rows = self.rows
        missing = set(keys).difference(rows)
        if missing:
            if len(rows) + len(missing) > self.capacity:
                rows.clear()
                del self.info[1:]
                if self.on_clear is not None:
                    self.on_clear()
                missing = set(keys)
            if len(missing) > self.capacity:  # one document larger than the cache: hold it whole
                self._grow(len(missing))
            todo: dict = {}
            for k, item in zip(keys, keys if items is None else items):
                if k in missing and k not in todo:
                    todo[k] = item
            for k, item in todo.items():
                block, ints, info = self.compute(item)
                r = len(self.info)
                self.blocks[r] = block
                self.ints[r] = ints
                self.info.append(info)
                rows[k] = r
        return np.fromiter(map(rows.__getitem__, keys), dtype=np.intp, count=len(keys))


def neighbours(rows: np.ndarray, lens: np.ndarray, offsets: Sequence[int]) -> np.ndarray:
    """``out[k, i]``: the row of the token ``offsets[k]`` away from token i of the same sentence, 0
    (the sentinel) outside it; ``rows`` are the tokens of all sentences, one after another."""
    n = len(rows)
    starts = np.repeat(np.cumsum(lens) - lens, lens)
    pos = np.arange(n) - starts
    length = np.repeat(lens, lens)
    out = np.zeros((len(offsets), n), dtype=np.intp)
    for k, d in enumerate(offsets):
        ok = (pos + d >= 0) & (pos + d < length)
        out[k, ok] = rows[np.flatnonzero(ok) + d]
    return out


def padded(flat: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Per-token values of sentences laid one after another, as ``(sentences, longest, ...)``."""
    tmax = int(lens.max())
    out = np.zeros((len(lens), tmax) + flat.shape[1:], dtype=flat.dtype)
    out[np.arange(tmax)[None, :] < lens[:, None]] = flat
    return out


def decode(emissions: np.ndarray, lens: np.ndarray, trans: np.ndarray,
           marginals: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Viterbi labels ``(sentences, longest)`` and, with ``marginals``, each label's forward-backward
    marginal, for padded label scores ``emissions`` ``(sentences, longest, labels)`` of sentences of
    lengths ``lens`` (>= 1). Sentences are sorted longest first, so at position t only the first
    ``active[t]`` rows take part and no mask is needed."""
    s, tmax, nl = emissions.shape
    order = np.argsort(-lens, kind="stable")
    em = emissions[order]
    lens_sorted = lens[order]
    active = np.searchsorted(-lens_sorted, -np.arange(tmax + 1), side="left")  # rows with len > t
    # Viterbi (log space, as crfsuite: prev + trans, first maximum)
    v = em[:, 0].copy()
    back = np.empty((s, tmax, nl), dtype=np.intp)
    for t in range(1, tmax):
        k = active[t]
        sc = v[:k, :, None] + trans
        back[:k, t] = sc.argmax(axis=1)
        v[:k] = sc.max(axis=1) + em[:k, t]
    tags = np.zeros((s, tmax), dtype=np.intp)
    cur = v.argmax(axis=1)
    rows = np.arange(s)
    for t in range(tmax - 1, -1, -1):
        k1 = active[t + 1]
        if k1:
            cur[:k1] = back[rows[:k1], t + 1, cur[:k1]]
        tags[:active[t], t] = cur[:active[t]]
    probs = None
    if marginals:
        # forward-backward in exp space as crfsuite does, scores shifted by their per-position maximum;
        # alpha and beta are kept up to a positive factor per row and position (which the marginal's
        # normalisation removes), rescaled at every position: a sparser rescaling let beta underflow
        # (one span-model sentence of the shared articles had a marginal off by 0.43)
        every = 1
        ex = np.exp(em - em.max(axis=2, keepdims=True))
        et = np.exp(trans)
        et_t = et.T.copy()
        alpha = np.zeros((s, tmax, nl))
        beta = np.zeros((s, tmax, nl))
        tmp = np.empty((s, nl))
        alpha[:, 0] = ex[:, 0]
        for t in range(1, tmax):
            k = active[t]
            a = alpha[:k, t]
            np.matmul(alpha[:k, t - 1], et, out=a)
            a *= ex[:k, t]
            if t % every == 0:
                a /= a.sum(axis=1, keepdims=True)
        beta[rows, lens_sorted - 1] = 1.0
        for t in range(tmax - 2, -1, -1):
            k = active[t + 1]
            b = beta[:k, t]
            np.multiply(beta[:k, t + 1], ex[:k, t + 1], out=tmp[:k])
            np.matmul(tmp[:k], et_t, out=b)
            if t % every == 0:
                b /= b.sum(axis=1, keepdims=True)
        ab = alpha * beta
        chosen = np.take_along_axis(ab, tags[:, :, None], axis=2)[:, :, 0]
        probs = np.empty((s, tmax))
        valid = np.arange(tmax)[None, :] < lens_sorted[:, None]
        probs[order] = np.where(valid, chosen / np.where(valid, ab.sum(axis=2), 1.0), 0.0)
    out_tags = np.empty_like(tags)
    out_tags[order] = tags
    return out_tags, probs


class PairTable:
    """Bigram attributes ``prefix + a + "|" + b`` of a model, looked up by the integer ids of a and b
    (``vocab``, shared by every table of a scorer). A value with several "|" is entered under each way
    of splitting it, so a pair matches exactly when its joined string is the attribute's value."""

    def __init__(self, model: CrfModel, prefix: str, vocab: dict[str, int]):
        self.model = model
        keys, ids = [], []
        for value, aid in model.values(prefix).items():
            for p, ch in enumerate(value):
                if ch == "|":
                    a, b = vocab.setdefault(value[:p], len(vocab)), vocab.setdefault(value[p + 1:], len(vocab))
                    keys.append((a, b))
                    ids.append(aid)
        self._pairs = list(zip(keys, ids))
        self.vocab = vocab
        self.keys = self.ids = None

    def freeze(self) -> None:
        """Call once the shared vocabulary is complete."""
        n = len(self.vocab) + 1
        keys = np.array([a * n + b for (a, b), _ in self._pairs], dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.ids = np.array([i for _, i in self._pairs], dtype=np.intp)[order]
        self.n = n
        del self._pairs

    def vectors(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """The pair's weight vector for every element of ``first``/``second`` (ids; -1: no word)."""
        q = first.astype(np.int64) * self.n + second
        ok = (first >= 0) & (second >= 0)
        aid = np.zeros(q.shape, dtype=np.intp)
        if len(self.keys):
            pos = np.minimum(np.searchsorted(self.keys, q), len(self.keys) - 1)
            hit = ok & (self.keys[pos] == q)
            aid[hit] = self.ids[pos[hit]]
        return self.model.state[aid]
