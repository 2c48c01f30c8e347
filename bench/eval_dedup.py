"""Labelled evaluation of near-duplicate detection on the shared SaudiNewsNet articles.

    python bench/eval_dedup.py            # headline (Beam Deduplicate, default settings) + settings table
    python bench/eval_dedup.py --quick    # headline only

How the labelled set is built (fixed seed, so every run builds the same set):
- Base pool: the shared articles, exact duplicates (same normalised text) and repeated titles removed,
  at least 20 words. Originals and unrelated articles are drawn from that pool without overlap.
- Each original gets 3 copies, each with one edit type (see EDITS): sentence added (20-300 chars,
  taken from an unrelated article; pairs between the copy and that article are excluded) or dropped at
  either end, dateline changed, punctuation, diacritics, alef/yeh/teh-marbuta variants, a paragraph
  moved, a promotional line appended, and two combinations (and a heavy 50% truncation that is never
  a truth pair).
- Truth: a copy is "in family" with its original when it keeps >= 80% of the original's characters
  and its added text is <= 20% of the copy. In-family members form one true cluster (all their pairs
  are truth pairs). Pairs involving an out-of-family copy and its own original/siblings are excluded
  from scoring (neither right nor wrong: they are related, but below the 80% bar).
- The real corpus has its own near-duplicates even after removing exact copies and repeated titles,
  so two different originals (or an original and an unrelated article) may legitimately be near-
  duplicates. A predicted pair across two families is excluded only when the two BASE articles are
  independently confirmed as near-duplicates by a different measure (difflib word-sequence ratio
  >= 0.5 on their first 400 words); otherwise it counts as a false positive. The number of such
  excluded base pairs is printed.

Metrics: pair precision, pair recall (pairs inside predicted clusters vs truth pairs), and cluster
purity (for each predicted cluster, the share of its members from its largest family, weighted by
size), overall and per edit type (a pair is attributed to the edit of the copy in it).

The settings table uses ``reference_clusters`` below: the same core functions as the Beam stage
(band keys, exact Jaccard, components, exact-key grouping) in one process, so many settings can be
tried quickly. The headline row runs the real Beam ``Deduplicate`` transform, and the script checks
that its clusters equal the reference's for the same settings.
"""
from __future__ import annotations

import argparse
import dataclasses
import difflib
import itertools
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _snn import iter_articles  # noqa: E402
from _snn import shared_data_dir as data_dir  # noqa: E402,F401  (bench_dedup, dedup_real use it)
from pipeline.core import minhash as mh  # noqa: E402
from pipeline.core.clean import clean_text, normalise_for_search  # noqa: E402
from pipeline.core.dates import DateParser  # noqa: E402
from pipeline.core.types import Document  # noqa: E402

def load_articles(limit: int | None = None) -> list[dict]:
    """The shared articles in file order: dicts with the JSON fields plus ``member`` (the zip) and
    ``index`` (the position in it)."""
    out: list[dict] = []
    per_zip: Counter = Counter()
    for zip_name, rec in iter_articles():
        out.append(dict(rec, member=zip_name, index=per_zip[zip_name]))
        per_zip[zip_name] += 1
        if limit and len(out) >= limit:
            break
    return out


_DATES = DateParser()


def make_document(doc_id: str, rec: dict, text: str | None = None) -> Document:
    raw = (rec.get("content") or "") if text is None else text
    cleaned = clean_text(raw).text
    return Document(doc_id=doc_id, source_uri=rec.get("member", ""), text=cleaned,
                    norm_text=normalise_for_search(cleaned), outlet=rec.get("source"), url=rec.get("url"),
                    date_raw=rec.get("date_extracted"), published_at=_DATES.parse(rec.get("date_extracted")).published_at,
                    title=rec.get("title"), author=rec.get("author"),
                    raw_chars=len(raw))


def real_documents(limit: int | None = None) -> list[Document]:
    return [make_document(f"snn-{r['member'][:-4]}-{r['index']:04d}", r) for r in load_articles(limit)]


# --- edits ---------------------------------------------------------------------------------------

_SENT_RE = re.compile(r"[^.!?؟\n]+[.!?؟]*\s*|\n+")
HARAKAT = "\u064e\u064f\u0650\u0651\u0652\u064b"
DATELINES = ["الرياض - واس:", "جدة - عكاظ:", "الدمام - اليوم:", "(أ ف ب) - باريس:", "مكة المكرمة - المدينة:"]
PROMOS = ["لمتابعة آخر الأخبار حمل تطبيقنا على هاتفك الذكي وتابعنا على تويتر",
          "اشترك الآن في النشرة البريدية ليصلك كل جديد من أخبار المملكة والعالم"]


def sentences_of(text: str) -> list[str]:
    return [s for s in _SENT_RE.findall(text) if s.strip()]


def edit(kind: str, text: str, rng: random.Random, donor: str) -> tuple[str, int, int]:
    """Apply one edit; returns (new text, original chars kept, chars added)."""
    n = len(text)
    sents = sentences_of(text)
    # a realistic added sentence: 20-300 characters (a poem without full stops is not one sentence)
    donor_sents = [x for x in sentences_of(donor) if 20 <= len(x.strip()) <= 300] or [donor[:200]]
    if kind == "add_sentence_start":
        s = rng.choice(donor_sents).strip() + " "
        return s + text, n, len(s)
    if kind == "add_sentence_end":
        s = " " + rng.choice(donor_sents).strip()
        return text + s, n, len(s)
    if kind in ("drop_sentence_start", "drop_sentence_end"):
        if len(sents) < 2:
            words = text.split()
            k = max(1, len(words) // 10)
            kept = " ".join(words[k:] if kind.endswith("start") else words[:-k])
        else:
            kept = "".join(sents[1:] if kind.endswith("start") else sents[:-1])
        return kept, len(kept), 0
    if kind == "dateline":
        words = text.split(" ")
        new = rng.choice(DATELINES) + " " + " ".join(words[3:])
        removed = len(" ".join(words[:3]))
        return new, n - removed, len(new) - (n - removed)
    if kind == "punctuation":
        # sentence-final full stops dropped (not decimal points: "108.446" stays a number), Arabic
        # commas to Latin, brackets to guillemets, commas added before "و"
        t = re.sub(r"\.(?=\s|$)", "", text).replace("،", ",").replace("(", "«").replace(")", "»")
        t = re.sub(r" (و)", r"، \1", t, count=5)
        return t, n, 0
    if kind == "diacritics":
        out = [ch + rng.choice(HARAKAT) if "\u0621" <= ch <= "\u064a" and rng.random() < 0.3 else ch for ch in text]
        return "".join(out), n, 0
    if kind == "alef_variants":
        table = {"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"}
        words = [("".join(table.get(c, c) for c in w) if rng.random() < 0.5 else w) for w in text.split(" ")]
        return " ".join(words), n, 0
    if kind == "paragraph_moved":
        paras = [p for p in text.split("\n") if p.strip()]
        if len(paras) >= 2:
            i = rng.randrange(len(paras))
            moved = paras[:i] + paras[i + 1:] + [paras[i]] if i < len(paras) - 1 else [paras[i]] + paras[:i]
            return "\n".join(moved), n, 0
        half = max(1, len(sents) // 2)
        return "".join(sents[half:]) + " " + "".join(sents[:half]), n, 0
    if kind == "promo_line":
        s = "\n" + rng.choice(PROMOS)
        return text + s, n, len(s)
    if kind == "combo_dateline_promo":
        t, k1, a1 = edit("dateline", text, rng, donor)
        t, _, a2 = edit("promo_line", t, rng, donor)
        return t, k1, a1 + a2
    if kind == "combo_drop_alef_punct":
        t, k1, _ = edit("drop_sentence_end", text, rng, donor)
        t, _, _ = edit("alef_variants", t, rng, donor)
        t, _, _ = edit("punctuation", t, rng, donor)
        return t, k1, 0
    if kind == "heavy_truncate":
        words = text.split(" ")
        kept = " ".join(words[: len(words) // 2])
        return kept, len(kept), 0
    raise ValueError(kind)


EDITS = ["add_sentence_start", "add_sentence_end", "drop_sentence_start", "drop_sentence_end", "dateline",
         "punctuation", "diacritics", "alef_variants", "paragraph_moved", "promo_line",
         "combo_dateline_promo", "combo_drop_alef_punct", "heavy_truncate"]


@dataclasses.dataclass
class LabelledSet:
    docs: list[Document]
    family: dict[str, str]  # doc id -> family id (the original's id; unrelated docs are their own)
    in_family: dict[str, bool]  # copy meets the 80% bar (originals/unrelated: True)
    edit_of: dict[str, str]  # copy id -> edit kind ("original"/"unrelated" for base docs)
    donor_of: dict[str, str] = dataclasses.field(default_factory=dict)  # copy id -> unrelated doc it borrowed from


def build_labelled_set(n_originals: int = 400, n_unrelated: int = 2000, copies: int = 3, seed: int = 13) -> LabelledSet:
    rng = random.Random(seed)
    records = load_articles()
    seen_text, seen_title, pool = set(), set(), []
    for r in records:
        text = (r.get("content") or "").strip()
        key = mh.exact_key(normalise_for_search(text))
        title = normalise_for_search(r.get("title") or "").strip()
        if len(text.split()) < 20 or key in seen_text or (title and title in seen_title):
            continue
        seen_text.add(key)
        seen_title.add(title)
        pool.append(r)
    rng.shuffle(pool)
    originals, unrelated = pool[:n_originals], pool[n_originals:n_originals + n_unrelated]
    docs, family, in_family, edit_of, donor_of = [], {}, {}, {}, {}
    for i, r in enumerate(unrelated):
        d = make_document(f"u{i:05d}", r)
        docs.append(d)
        family[d.doc_id], in_family[d.doc_id], edit_of[d.doc_id] = d.doc_id, True, "unrelated"
    for i, r in enumerate(originals):
        base = make_document(f"o{i:04d}", r)
        docs.append(base)
        family[base.doc_id], in_family[base.doc_id], edit_of[base.doc_id] = base.doc_id, True, "original"
        for j, kind in enumerate(rng.sample(EDITS, copies)):
            donor_index = rng.randrange(len(unrelated))
            donor = unrelated[donor_index]["content"]
            text, kept, added = edit(kind, r["content"].strip(), rng, donor)
            d = make_document(f"o{i:04d}-c{j}", r, text)
            if rng.random() < 0.3:  # some copies lose their date
                d.date_raw = d.published_at = None
            docs.append(d)
            n = len(r["content"].strip())
            family[d.doc_id] = base.doc_id
            in_family[d.doc_id] = kind != "heavy_truncate" and kept >= 0.8 * n and added <= 0.2 * len(text)
            edit_of[d.doc_id] = kind
            if added:
                donor_of[d.doc_id] = f"u{donor_index:05d}"
    return LabelledSet(docs, family, in_family, edit_of, donor_of)


# --- reference clustering (same core functions as the Beam stage, one process) --------------------

def reference_clusters(docs: list[Document], s: mh.DedupSettings, fps=None) -> list[list[str]]:
    """Clusters (sorted doc id lists, size >= 2) exactly as ``Deduplicate`` defines them."""
    fps = fps or {}
    by_exact: dict[str, list] = defaultdict(list)
    hashes, bands = {}, {}
    for d in docs:
        if d.doc_id not in fps:
            h = mh.shingle_hashes(d.norm_text, s)
            b = tuple(mh.band_keys(mh.minhash_signature(h, s), s)) if h.size else ()
            fps[d.doc_id] = (mh.exact_key(d.norm_text), h, b)
        key, hashes[d.doc_id], bands[d.doc_id] = fps[d.doc_id]
        by_exact[key].append(mh.DocMeta(d.doc_id, d.published_at, len(d.text)))
    reps = {}
    for metas in by_exact.values():
        rep = mh.choose_canonical(metas, s.canonical_rule)
        reps[rep.doc_id] = [m.doc_id for m in metas]
    buckets = defaultdict(set)
    for r in reps:
        for k in bands[r]:
            buckets[k].add(r)
    pairs = set()
    for ids in buckets.values():
        ids = sorted(ids)
        if len(ids) > s.max_bucket_size:
            pairs.update((ids[0], b) for b in ids[1:])
        else:
            pairs.update(itertools.combinations(ids, 2))
    parent = {r: r for r in reps}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        if mh.jaccard(hashes[a], hashes[b]) >= s.threshold:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    comps = defaultdict(list)
    for r, members in reps.items():
        comps[find(r)].extend(members)
    return sorted(sorted(c) for c in comps.values() if len(c) > 1)


def _load_shard(path: str) -> list[Document]:
    import pickle

    with open(path, "rb") as f:
        return pickle.load(f)


def beam_clusters(docs: list[Document], s: mh.DedupSettings, mode: str = "in_memory", workers: int = 1):
    """Run the Beam ``Deduplicate`` on ``docs``; returns (cluster rows, counters, wall seconds).

    Documents reach the pipeline as pickled shards read by a FlatMap (``beam.Create`` of 20k
    documents would embed them all in the pipeline graph, which is slow and not what a run does).
    """
    import pickle
    import shutil
    import tempfile

    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipeline.stages.dedup import Deduplicate

    tmp = Path(tempfile.mkdtemp(prefix="eval_dedup_"))
    try:
        step = max(1, (len(docs) + 7) // 8)
        shards = []
        for i in range(0, len(docs), step):
            shards.append(str(tmp / f"docs-{i:06d}.pkl"))
            with open(shards[-1], "wb") as f:
                pickle.dump(docs[i:i + step], f)
        opts = PipelineOptions(flags=[], direct_running_mode=mode, direct_num_workers=workers)
        p = beam.Pipeline(runner="FnApiRunner", options=opts)
        result = (p | "Shards" >> beam.Create(shards) | "Load" >> beam.FlatMap(_load_shard)
                  | "Deduplicate" >> Deduplicate(s))
        _ = (result.clusters | "json" >> beam.Map(json.dumps)
             | beam.io.WriteToText(str(tmp / "clusters"), shard_name_template=""))
        _ = result.documents | "Count documents" >> beam.combiners.Count.Globally()
        t0 = time.perf_counter()
        res = p.run()
        res.wait_until_finish()
        wall = time.perf_counter() - t0
        rows = [json.loads(line) for line in (tmp / "clusters").read_text(encoding="utf-8").splitlines()]
        counters = {c.key.metric.name: c.committed for c in res.metrics().query()["counters"]}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows, counters, wall


# --- scoring -------------------------------------------------------------------------------------

def base_pair_confirmed(a: Document, b: Document, cache: dict) -> bool:
    key = (a.doc_id, b.doc_id)
    if key not in cache:
        wa, wb = a.norm_text.split()[:400], b.norm_text.split()[:400]
        cache[key] = difflib.SequenceMatcher(None, wa, wb, autojunk=False).ratio() >= 0.5
    return cache[key]


def score(ls: LabelledSet, clusters: list[list[str]], confirm_cache: dict | None = None) -> dict:
    confirm_cache = {} if confirm_cache is None else confirm_cache
    by_id = {d.doc_id: d for d in ls.docs}
    fam_members = defaultdict(list)
    for d in ls.docs:
        if ls.in_family[d.doc_id]:
            fam_members[ls.family[d.doc_id]].append(d.doc_id)
    truth = set()
    for members in fam_members.values():
        truth.update(itertools.combinations(sorted(members), 2))
    pred = set()
    for c in clusters:
        pred.update(itertools.combinations(sorted(c), 2))

    def edit_of_pair(a, b):
        ea, eb = ls.edit_of[a], ls.edit_of[b]
        return eb if ea in ("original", "unrelated") else ea

    excluded_base_pairs = set()
    tp = fp = 0
    per_edit = defaultdict(Counter)
    false_examples = []
    for a, b in pred:
        fa, fb = ls.family[a], ls.family[b]
        if fa == fb:
            if not (ls.in_family[a] and ls.in_family[b]):
                continue  # related but below the 80% bar: excluded
            tp += 1
            per_edit[edit_of_pair(a, b)]["tp"] += 1
        else:
            if ls.donor_of.get(a) == fb or ls.donor_of.get(b) == fa:
                continue  # the copy borrowed a sentence from that article: related, excluded
            if base_pair_confirmed(by_id[min(fa, fb)], by_id[max(fa, fb)], confirm_cache):
                excluded_base_pairs.add((min(fa, fb), max(fa, fb)))
                continue
            fp += 1
            per_edit[edit_of_pair(a, b)]["fp"] += 1
            false_examples.append((a, b))
    for a, b in truth:
        per_edit[edit_of_pair(a, b)]["truth"] += 1
        if (a, b) in pred:
            per_edit[edit_of_pair(a, b)]["found"] += 1
    found = sum(1 for t in truth if t in pred)
    weighted = total = 0
    for c in clusters:
        fams = Counter(ls.family[x] for x in c)
        # families already confirmed as one story count as one family for purity
        weighted += max(fams.values()) if len(fams) == 1 or not excluded_base_pairs else _merged_max(fams, excluded_base_pairs)
        total += len(c)
    ambiguous = Counter(ls.edit_of[d] for d, ok in ls.in_family.items() if not ok)
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": found / len(truth) if truth else 1.0,
        "purity": weighted / total if total else 1.0,
        "tp": tp, "fp": fp, "truth": len(truth), "found": found, "clusters": len(clusters),
        "excluded_base_pairs": sorted(excluded_base_pairs), "per_edit": per_edit,
        "false_examples": false_examples[:5], "ambiguous": ambiguous,
    }


def _merged_max(fams: Counter, linked: set) -> int:
    parent = {f: f for f in fams}

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in linked:
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    merged = Counter()
    for f, n in fams.items():
        merged[find(f)] += n
    return max(merged.values())


def print_score(name: str, sc: dict) -> None:
    print(f"{name}: precision {sc['precision']:.4f} ({sc['tp']} tp / {sc['fp']} fp), "
          f"recall {sc['recall']:.4f} ({sc['found']}/{sc['truth']}), purity {sc['purity']:.4f}, "
          f"clusters {sc['clusters']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="headline only, no settings table")
    ap.add_argument("--originals", type=int, default=400)
    ap.add_argument("--unrelated", type=int, default=2000)
    args = ap.parse_args()
    if not (data_dir() / "saudinewsnet").is_dir():
        print(f"skipped: no shared data at {data_dir()} (set NEWSCORPUS_SHARED_DATA)")
        return 0

    t0 = time.perf_counter()
    ls = build_labelled_set(args.originals, args.unrelated)
    n_copies = sum(1 for e in ls.edit_of.values() if e not in ("original", "unrelated"))
    print(f"labelled set: {len(ls.docs)} docs = {args.originals} originals + {n_copies} copies + "
          f"{args.unrelated} unrelated [built in {time.perf_counter() - t0:.1f}s]")

    s = mh.DedupSettings()
    rows, counters, wall = beam_clusters(ls.docs, s)
    clusters = sorted(sorted(m["doc_id"] for m in r["members"]) for r in rows)
    confirm_cache: dict = {}
    sc = score(ls, clusters, confirm_cache)
    print(f"\n== Beam Deduplicate, default settings ({wall:.1f}s, {len(ls.docs) / wall:.0f} docs/s) ==")
    print_score("overall", sc)
    print(f"ambiguous copies (below the 80% bar, pairs excluded): {dict(sc['ambiguous'])}")
    print(f"pre-existing near-duplicate base pairs, confirmed by difflib, excluded: {len(sc['excluded_base_pairs'])}")
    for a, b in sc["excluded_base_pairs"][:3]:
        by_id = {d.doc_id: d for d in ls.docs}
        print(f"   {a}: {by_id[a].text[:70]!r}\n   {b}: {by_id[b].text[:70]!r}")
    if sc["false_examples"]:
        print("false-positive examples:", sc["false_examples"])
    print(f"counters: {counters}")
    print(f"\n{'edit':<24}{'truth':>7}{'found':>7}{'recall':>8}{'tp':>6}{'fp':>5}{'precision':>11}")
    for kind in EDITS + ["unrelated", "original"]:
        c = sc["per_edit"].get(kind)
        if not c:
            continue
        rec = c["found"] / c["truth"] if c["truth"] else float("nan")
        prec = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else float("nan")
        print(f"{kind:<24}{c['truth']:>7}{c['found']:>7}{rec:>8.3f}{c['tp']:>6}{c['fp']:>5}{prec:>11.3f}")
    ref = reference_clusters(ls.docs, s)
    print(f"\nBeam clusters == in-process reference clusters: {ref == clusters}")

    if args.quick:
        return 0
    print("\n== settings table (in-process reference; same core functions) ==")
    print(f"{'unit':<5}{'n':>3}{'bands':>6}{'rows':>5}{'thr':>6}{'P':>8}{'R':>8}{'purity':>8}{'fp':>5}{'s':>7}")
    grid = [("word", 3), ("word", 5), ("word", 7), ("char", 5), ("char", 9)]
    lsh = [(20, 5), (14, 8), (28, 4), (16, 7), (9, 12)]
    for unit, n in grid:
        for bands, rows in lsh:
            if (unit != "word" or n != 5) and (bands, rows) != (20, 5):
                continue
            fps: dict = {}
            for thr in (0.5, 0.6, 0.7, 0.8):
                st = dataclasses.replace(s, shingle_unit=unit, shingle_size=n, bands=bands, rows=rows,
                                         num_perm=bands * rows, threshold=thr)
                t1 = time.perf_counter()
                cl = reference_clusters(ls.docs, st, fps)
                el = time.perf_counter() - t1
                r = score(ls, cl, confirm_cache)
                print(f"{unit:<5}{n:>3}{bands:>6}{rows:>5}{thr:>6.2f}{r['precision']:>8.4f}{r['recall']:>8.4f}"
                      f"{r['purity']:>8.4f}{r['fp']:>5}{el:>7.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
