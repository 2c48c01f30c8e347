"""Shingling, MinHash, LSH band keys and the canonical-copy rule (pure Python + numpy, no Beam).

Everything here is deterministic across processes, runs and machines: hashes are xxhash (seeded,
fixed algorithm) and numpy uint64 arithmetic in little-endian byte order; Python's ``hash()`` is never
used. The Beam stage (``pipeline.stages.dedup``) and any later "dedup against earlier runs" index
call these same functions, so a band key or exact key computed today matches one computed later
with the same settings.

Text unit: ``Document.norm_text`` (the Arabic search profile from ``pipeline.core.clean``). Words are
runs of Unicode letters/digits (plus combining marks, in case a caller passes undiacritised text),
so Arabic, Latin and any other script shingle alike; punctuation and whitespace only separate.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, NamedTuple, Sequence

import numpy as np
import xxhash

SHINGLE_UNITS = ("word", "char")
CANONICAL_KEYS = ("earliest_date", "latest_date", "longest_text", "shortest_text", "smallest_doc_id")
OUTPUT_POLICIES = ("tag_all", "canonical_only")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

_MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class DedupSettings:
    """Deduplication knobs; defaults measured with ``bench/eval_dedup.py`` (see the table there)."""

    shingle_unit: str = "word"  # word n-grams: robust to punctuation/spacing edits, Arabic-aware tokens
    shingle_size: int = 5  # 5-grams as datatrove; 3-grams also join different write-ups of one event
    num_perm: int = 100  # = bands * rows; fewer hashes than datatrove's 112, same verified result
    bands: int = 20  # 20 x 5: P(candidate | J=0.7) = 0.975 (14 x 8: 0.56); found 2512 of 2514 real pairs
    rows: int = 5  # rows per band; bands * rows must equal num_perm
    threshold: float = 0.7  # verified exact Jaccard of shingle sets; text-dedup's default, 0.8 loses recall
    seed: int = 42  # seeds xxhash and the permutations: change it and every signature changes
    canonical_rule: tuple[str, ...] = ("earliest_date", "longest_text", "smallest_doc_id")  # first copy wins
    output_policy: str = "tag_all"  # keep every row and tag it; the run graph applies "canonical_only"
    max_bucket_size: int = 200  # band buckets larger than this pair only with their smallest id (linear)
    cc_rounds: int = 6  # hash-to-min rounds in Beam; any residual is merged by union-find (counted)
    boilerplate_min_docs: int = 5  # a sentence in >= 5 distinct docs of one outlet is boilerplate
    boilerplate_min_share: float = 0.0  # and in >= this share of that outlet's docs (0 = count only)
    boilerplate_min_chars: int = 8  # shorter sentences (datelines, "(واس)") are never flagged

    def __post_init__(self) -> None:
        def bad(name: str, allowed: str) -> ValueError:
            return ValueError(f"dedup.{name}={getattr(self, name)!r} is invalid: allowed {allowed}")

        if self.shingle_unit not in SHINGLE_UNITS:
            raise bad("shingle_unit", " | ".join(repr(u) for u in SHINGLE_UNITS))
        for name, lo in (("shingle_size", 1), ("num_perm", 1), ("bands", 1), ("rows", 1),
                         ("max_bucket_size", 2), ("cc_rounds", 0), ("boilerplate_min_docs", 2),
                         ("boilerplate_min_chars", 0)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < lo:
                raise bad(name, f"an integer >= {lo}")
        if self.bands * self.rows != self.num_perm:
            raise ValueError(
                f"dedup.bands * dedup.rows must equal dedup.num_perm: {self.bands} * {self.rows} != {self.num_perm}")
        if not isinstance(self.threshold, (int, float)) or isinstance(self.threshold, bool) \
                or not 0.0 < self.threshold <= 1.0:
            raise bad("threshold", "a number in (0, 1]")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or not 0 <= self.seed <= _MASK64:
            raise bad("seed", "an integer in [0, 2**64)")
        rule = self.canonical_rule
        if isinstance(rule, str) or not isinstance(rule, (tuple, list)) or not rule \
                or any(k not in CANONICAL_KEYS for k in rule) or len(set(rule)) != len(rule):
            raise bad("canonical_rule", "a non-empty list of distinct keys from " + ", ".join(CANONICAL_KEYS))
        if isinstance(rule, list):  # accept a YAML list, store a hashable tuple
            object.__setattr__(self, "canonical_rule", tuple(rule))
        if self.output_policy not in OUTPUT_POLICIES:
            raise bad("output_policy", " | ".join(repr(p) for p in OUTPUT_POLICIES))
        share = self.boilerplate_min_share
        if not isinstance(share, (int, float)) or isinstance(share, bool) or not 0.0 <= share <= 1.0:
            raise bad("boilerplate_min_share", "a number in [0, 1]")

    @property
    def canonical_rule_text(self) -> str:
        """The rule as stored in ``clusters.canonical_rule`` (doc id is always the last tie-break)."""
        keys = list(self.canonical_rule)
        if "smallest_doc_id" not in keys:
            keys.append("smallest_doc_id")
        return ",".join(keys)


# --- tokens and shingles -------------------------------------------------------------------------

# A word: letters/digits of any script (\w without "_"), plus combining marks so that a diacritised
# word is not cut at its harakat. Everything else (punctuation, symbols, spaces) separates words.
_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
# (One character class is ~2x faster than an alternation; "_" is turned into a space first.)
_WORD_RE = re.compile(rf"[\w{_MARKS}]+")


def tokens(norm_text: str) -> list[str]:
    """Words of ``norm_text`` (Unicode-aware; punctuation, symbols and "_" stripped)."""
    return _WORD_RE.findall(norm_text.replace("_", " "))


def _fmix64(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser (a bijection with good avalanche), on uint64 arrays."""
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> np.uint64(33))


_POLY = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier for the rolling combination of unit hashes


def _window_hashes(units: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Hash every window of ``size`` consecutive unit hashes (order-sensitive), vectorised."""
    m = units.shape[0]
    if m == 0:
        return np.empty(0, dtype=np.uint64)
    if m < size:  # a text shorter than one shingle is one shingle of everything it has
        size = m
    count = m - size + 1
    with np.errstate(over="ignore"):
        acc = np.zeros(count, dtype=np.uint64)
        for k in range(size):
            acc = acc * _POLY + units[k:k + count]
        return _fmix64(acc ^ np.uint64(seed & _MASK64))


# Word hashing without a Python loop per word: a lookup table says which code points are word
# characters (built once per process from _WORD_RE itself, so it agrees with ``tokens``), runs of them
# are the words, and each word's hash is a polynomial of its character hashes read off prefix sums:
# sum_j c_j * P^(e-1-j) = P^(e-1) * (G[e-1] - G[s-1]) with G = cumsum(c_j * P^-j), all mod 2**64.
_WORD_TABLE: np.ndarray | None = None
_CHAR_POLY = 0xD6E8FEB86659FD93  # odd, so invertible mod 2**64
_CHAR_POLY_INV = pow(_CHAR_POLY, -1, 1 << 64)
_POWERS: list[np.ndarray] = [np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64)]  # P^j, P^-j


def _word_table() -> np.ndarray:
    global _WORD_TABLE
    if _WORD_TABLE is None:
        table = np.zeros(0x110000, dtype=bool)
        every_char = "".join(map(chr, range(0x110000))).replace("_", " ")
        for m in _WORD_RE.finditer(every_char):
            table[m.start():m.end()] = True
        _WORD_TABLE = table
    return _WORD_TABLE


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    if _POWERS[0].shape[0] < n:
        size = max(n, 2 * _POWERS[0].shape[0], 4096)
        with np.errstate(over="ignore"):
            for i, base in enumerate((_CHAR_POLY, _CHAR_POLY_INV)):
                arr = np.full(size, base, dtype=np.uint64)
                arr[0] = 1
                _POWERS[i] = np.cumprod(arr, dtype=np.uint64)
    return _POWERS[0], _POWERS[1]


def word_hashes(norm_text: str, seed: int) -> np.ndarray:
    """A 64-bit hash per word of ``norm_text``, in text order (the words of ``tokens``)."""
    cps = np.frombuffer(norm_text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    if cps.size == 0:
        return np.empty(0, dtype=np.uint64)
    edges = np.diff(np.concatenate(([0], _word_table()[cps].view(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if starts.size == 0:
        return np.empty(0, dtype=np.uint64)
    pos, neg = _powers(cps.size)
    with np.errstate(over="ignore"):
        chars = _fmix64(cps.astype(np.uint64) + np.uint64(seed & _MASK64))
        prefix = np.cumsum(chars * neg[:cps.size], dtype=np.uint64)
        before = np.where(starts > 0, prefix[starts - 1], np.uint64(0))
        poly = pos[ends - 1] * (prefix[ends - 1] - before)
        return _fmix64(poly + (ends - starts).astype(np.uint64))


def shingle_hashes(norm_text: str, settings: DedupSettings) -> np.ndarray:
    """Sorted unique 64-bit hashes of the shingles of ``norm_text`` (the set used for Jaccard)."""
    if settings.shingle_unit == "word":
        units = word_hashes(norm_text, settings.seed)
    else:  # characters of the words joined by single spaces: punctuation and spacing do not count
        joined = " ".join(tokens(norm_text))
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.uint64)
        with np.errstate(over="ignore"):
            units = _fmix64(codes + np.uint64(settings.seed & _MASK64))
    return np.unique(_window_hashes(units, settings.shingle_size, settings.seed))


def shingles(norm_text: str, settings: DedupSettings) -> list[str]:
    """The shingles as text (for inspection and tests; the stage works on ``shingle_hashes``)."""
    if settings.shingle_unit == "word":
        units: Sequence[str] = tokens(norm_text)
        sep = " "
    else:
        units = " ".join(tokens(norm_text))
        sep = ""
    if not units:
        return []
    n = min(settings.shingle_size, len(units))
    return sorted({sep.join(units[i:i + n]) for i in range(len(units) - n + 1)})


# --- MinHash and LSH -----------------------------------------------------------------------------

_PERM_CACHE: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``num_perm`` hash functions h(x) = a*x + b mod 2**64 with odd a (bijections), from the seed.

    Derived with xxhash from (seed, index), not numpy's RNG, so they never depend on numpy's version.
    """
    key = (num_perm, seed)
    if key not in _PERM_CACHE:
        a = [xxhash.xxh3_64_intdigest(b"perm-a-%d" % i, seed) | 1 for i in range(num_perm)]
        b = [xxhash.xxh3_64_intdigest(b"perm-b-%d" % i, seed) for i in range(num_perm)]
        _PERM_CACHE[key] = (np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64))
    return _PERM_CACHE[key]


_EMPTY_VALUE = np.uint64(_MASK64)


def minhash_signature(hashes: np.ndarray, settings: DedupSettings) -> np.ndarray:
    """The ``num_perm`` MinHash values of a shingle-hash set (uint64, little-endian).

    An empty set gets all-ones (it matches only other empty sets; callers skip it for LSH).
    """
    a, b = _permutations(settings.num_perm, settings.seed)
    if hashes.size == 0:
        return np.full(settings.num_perm, _EMPTY_VALUE, dtype="<u8")
    out = np.empty(settings.num_perm, dtype="<u8")
    step = max(1, 65536 // settings.num_perm)  # chunk long documents to bound the temporary matrix
    with np.errstate(over="ignore"):
        for start in range(0, hashes.size, step):
            block = hashes[start:start + step, None] * a[None, :] + b[None, :]
            mins = block.min(axis=0)
            out = mins if start == 0 else np.minimum(out, mins)
    return out.astype("<u8", copy=False)


def band_keys(signature: np.ndarray, settings: DedupSettings) -> list[int]:
    """One 64-bit LSH key per band; two docs are candidates if they share any key.

    The band index is the xxhash seed offset, so equal rows in different bands give different keys.
    """
    sig = np.ascontiguousarray(signature, dtype="<u8")
    r = settings.rows
    return [xxhash.xxh3_64_intdigest(sig[i * r:(i + 1) * r].tobytes(), (settings.seed + i) & _MASK64)
            for i in range(settings.bands)]


def estimated_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Share of equal MinHash values: an unbiased estimate of the Jaccard similarity."""
    return float(np.count_nonzero(sig_a == sig_b)) / float(sig_a.shape[0])


def jaccard(hashes_a: np.ndarray, hashes_b: np.ndarray) -> float:
    """Exact Jaccard of two sorted unique shingle-hash sets (1.0 for two empty sets)."""
    if hashes_a.size == 0 and hashes_b.size == 0:
        return 1.0
    inter = np.intersect1d(hashes_a, hashes_b, assume_unique=True).size
    return inter / float(hashes_a.size + hashes_b.size - inter)


def candidate_probability(j: float, bands: int, rows: int) -> float:
    """Probability that two docs with Jaccard ``j`` share at least one band key."""
    return 1.0 - (1.0 - j ** rows) ** bands


def hashes_to_bytes(hashes: np.ndarray) -> bytes:
    return np.ascontiguousarray(hashes, dtype="<u8").tobytes()


def hashes_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u8")


# --- exact duplicates ----------------------------------------------------------------------------

def exact_key(norm_text: str) -> str:
    """128-bit key of ``norm_text`` with whitespace collapsed: equal keys = exact duplicates."""
    return xxhash.xxh3_128_hexdigest(" ".join(norm_text.split()).encode("utf-8"))


# --- boilerplate sentences -----------------------------------------------------------------------

def sentence_key(norm_text: str | None, text: str) -> str:
    """What counts as "the same sentence": its norm_text (or text) with whitespace collapsed."""
    return " ".join((norm_text or text).split())


def is_boilerplate(key_chars: int, stories: int, outlet_stories: int, settings: DedupSettings) -> bool:
    """A sentence (``key_chars`` long, normalised) found in ``stories`` distinct stories of an outlet
    that printed ``outlet_stories`` is boilerplate: long enough, in enough stories, in enough of them."""
    return (key_chars >= settings.boilerplate_min_chars and stories >= settings.boilerplate_min_docs
            and stories >= settings.boilerplate_min_share * outlet_stories)


# --- canonical copy ------------------------------------------------------------------------------

class DocMeta(NamedTuple):
    """What the canonical rule looks at (small enough to shuffle instead of the document).

    ``prior`` marks a document from the persistent index (an earlier batch or run), never paired
    again with another prior document. ``committed`` marks one of an earlier, published run: its rows
    are not rewritten, so it stays canonical over any new copy and its cluster id (``prior_cluster_id``)
    is kept. An earlier batch of the same run is prior but not committed: the run settles its
    clusters over all batches before publishing (``pipeline.stages.settle``).
    """

    doc_id: str
    published_at: datetime | None  # UTC (Document.published_at): instants compare, whatever the raw format
    text_len: int
    prior: bool = False
    prior_cluster_id: str | None = None
    committed: bool = False


def canonical_sort_key(meta: DocMeta, rule: Sequence[str]) -> tuple:
    """Sort key under ``rule``: the smallest key is the canonical copy; doc id breaks every tie.

    Dates are ``published_at`` instants; missing or unparseable dates sort after any date for both
    earliest_date and latest_date.
    """
    key: list = [not meta.committed]  # documents an earlier run published keep their place as canonical
    for name in rule:
        if name in ("earliest_date", "latest_date"):
            when = _microseconds(meta.published_at)
            key.append((when is None, 0 if when is None else when if name == "earliest_date" else -when))
        elif name == "longest_text":
            key.append(-meta.text_len)
        elif name == "shortest_text":
            key.append(meta.text_len)
        elif name == "smallest_doc_id":
            key.append(meta.doc_id)
        else:
            raise ValueError(f"unknown canonical_rule key {name!r}: allowed {', '.join(CANONICAL_KEYS)}")
    key.append(meta.doc_id)
    return tuple(key)


def _microseconds(moment: datetime | None) -> int | None:
    """An aware instant as integer microseconds since the epoch (exact, unlike a float timestamp)."""
    return None if moment is None else (moment - _EPOCH) // timedelta(microseconds=1)


def choose_canonical(members: Iterable[DocMeta], rule: Sequence[str]) -> DocMeta:
    """The member that ``rule`` keeps (deterministic: independent of input order)."""
    return min(members, key=lambda m: canonical_sort_key(m, rule))


def cluster_id_for(member_ids: Iterable[str], prior_cluster_ids: Iterable[str | None] = ()) -> str:
    """Stable cluster id: the smallest id a member already had in an earlier batch or run, else a
    hash of the smallest member doc id (independent of the canonical rule)."""
    earlier = [c for c in prior_cluster_ids if c]
    if earlier:
        return min(earlier)
    return "dup-" + xxhash.xxh3_64_hexdigest(min(member_ids).encode("utf-8"))
