"""Deduplication stage: exact and near-duplicate clusters, and boilerplate sentences.

Thin Beam shell over ``pipeline.core.minhash``. Every step is a GroupByKey/CoGroupByKey or a ParDo,
so the same graph runs on the FnApiRunner (in_memory or multi_processing) and on a cluster runner,
and gives the same answer: nothing depends on element order, bundle boundaries or worker count.

``Deduplicate`` (PCollection[Document] -> DedupResult(documents, clusters)):

1. Fingerprint each document: exact key (hash of whitespace-collapsed norm_text), its canonical-rule
   metadata, its LSH band keys, and its shingle-hash set (bytes) for verification.
2. Exact duplicates: GroupByKey on the exact key; the canonical rule picks one representative per
   group. Only representatives go on to near-duplicate search (exact copies share their band keys).
3. Candidates: GroupByKey on band keys. Buckets above ``max_bucket_size`` pair every member with the
   bucket's smallest id only (linear instead of quadratic; counted as ``oversized_buckets``).
4. Verification: candidate pairs are joined to both shingle sets (two CoGroupByKeys) and kept when
   the EXACT Jaccard of the 64-bit shingle-hash sets is >= ``threshold`` (not the MinHash estimate).
   Verified pairs carry both shingle sets on, so step 6 joins only near duplicates' shingles.
5. Connected components of verified pairs, in Beam: ``cc_rounds`` rounds of hash-to-min
   (Rastogi et al. 2013), each one GroupByKey. Labels never join two different components, so any
   edge whose ends still disagree afterwards (counted as ``cc_residual_edges``; 0 on the shared
   corpus) is resolved by a union-find over those residual, already contracted edges only.
6. Each component (with the exact copies of its members) is assembled in one place, which is needed
   anyway to write its ``clusters`` row; the canonical rule picks the canonical document and each
   member's similarity is its exact Jaccard to the canonical (1.0 for exact copies of it).
7. The assignments are joined back to the documents (CoGroupByKey on doc_id): every input document
   comes out exactly once, with ``dup_status``, ``cluster_id``, ``canonical_doc_id``, ``similarity``.

Batch and incremental runs pass the persistent index of earlier runs (``index_files``) and of this
run's earlier batches (``batch_index_files``): ``EarlierDocuments`` adds to step 1 only the earlier
documents that share an exact or band key with this batch, and pairs of two earlier documents are
never formed again. Steps 2-6 are ``ClusterFingerprints``, which ``pipeline.stages.settle`` runs
again over all batches' fingerprints once a batch-mode run's last batch is done.

Status is relative to the canonical document: the canonical is ``unique`` (with the cluster id set),
exact copies of it are ``exact_duplicate``, every other member is ``near_duplicate`` (also an exact
copy of a non-canonical member). Documents in no cluster are ``unique`` with ``cluster_id=None`` and
``canonical_doc_id`` = their own id, so "canonical_only" is ``doc.canonical_doc_id == doc.doc_id``.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, NamedTuple

import apache_beam as beam
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from pipeline.core import minhash as mh
from pipeline.core.types import Document, Sentence

NAMESPACE = "dedup"


class DedupResult(NamedTuple):
    documents: beam.PCollection  # PCollection[Document], every input exactly once
    clusters: beam.PCollection  # PCollection[dict], one row per duplicate cluster (see cluster_row)
    index_rows: beam.PCollection  # PCollection[dict], schema.DEDUP_INDEX rows of the new documents


def fingerprint(doc: Document, settings: mh.DedupSettings) -> tuple[str, mh.DocMeta, tuple[int, ...], bytes]:
    """(exact key, canonical-rule metadata, band keys, shingle-hash bytes) of one document.

    Pure function, reusable by a later persistent index. Band keys are empty when the document has
    no words (it can only be an exact duplicate).
    """
    norm = doc.norm_text or ""
    hashes = mh.shingle_hashes(norm, settings)
    bands: tuple[int, ...] = ()
    if hashes.size:
        bands = tuple(mh.band_keys(mh.minhash_signature(hashes, settings), settings))
    meta = mh.DocMeta(doc.doc_id, doc.published_at, len(doc.text or ""))
    return mh.exact_key(norm), meta, bands, mh.hashes_to_bytes(hashes)


def cluster_row(cluster_id: str, canonical_id: str, kind: str, rule: str,
                members: list[tuple[str, str, float]]) -> dict:
    """A ``clusters`` table row; members are (doc_id, dup_status, similarity), sorted by doc_id."""
    members = sorted(members)
    return {
        "cluster_id": cluster_id,
        "canonical_doc_id": canonical_id,
        "size": len(members),
        "kind": kind,
        "canonical_rule": rule,
        "members": [{"doc_id": d, "dup_status": s, "similarity": float(j)} for d, s, j in members],
    }


# --- 1. fingerprints -----------------------------------------------------------------------------

SHINGLES = "shingles"  # the tagged output of (doc_id, shingle-hash bytes) next to the fingerprints


class _Fingerprint(beam.DoFn):
    SHINGLES = SHINGLES
    INDEX = "index"

    def __init__(self, settings: mh.DedupSettings):
        self.settings = settings
        self.documents = Metrics.counter(NAMESPACE, "documents")
        self.no_shingles = Metrics.counter(NAMESPACE, "documents_without_words")

    def process(self, doc: Document):
        key, meta, bands, hashes = fingerprint(doc, self.settings)
        self.documents.inc()
        if not bands:
            self.no_shingles.inc()
        yield key, (meta, bands)
        yield beam.pvalue.TaggedOutput(self.SHINGLES, (doc.doc_id, hashes))
        yield beam.pvalue.TaggedOutput(self.INDEX, (doc.doc_id, {
            "doc_id": doc.doc_id, "exact_key": key, "band_keys": list(bands), "shingles": hashes,
            "published_at": meta.published_at, "text_chars": meta.text_len}))


def batch_lookup_keys(element) -> Iterable[tuple[str, object]]:
    """("exact", key) and ("band", key) of one fingerprinted document: what an earlier one must share."""
    key, (_, bands) = element
    yield "exact", key
    for band in bands:
        yield "band", band


class _MatchEarlierDocuments(beam.DoFn):
    """Dedup-index file -> the rows of earlier documents sharing an exact key or a band key with this batch.

    Only those can be exact copies of, or candidate pairs with, a new document (pairs of two earlier
    documents are never compared again), so the result equals joining the whole index, but memory
    grows with the batch and its matches, not with everything processed before. Keys are matched in
    Arrow, one row group at a time; shingles are read only for the row groups that match.
    """

    def __init__(self):
        self.scanned = Metrics.counter(NAMESPACE, "index_rows_scanned")
        self.matched = Metrics.counter(NAMESPACE, "index_rows_matched")

    def process(self, path: str, lookup_keys):
        exact = pa.array(sorted({k for kind, k in lookup_keys if kind == "exact"}), pa.string())
        bands = pa.array(sorted({k for kind, k in lookup_keys if kind == "band"}), pa.uint64())
        with FileSystems.open(path) as handle:
            index = pq.ParquetFile(handle)
            for group in range(index.num_row_groups):
                keys = index.read_row_group(group, columns=["exact_key", "band_keys"])
                self.scanned.inc(keys.num_rows)
                band_lists = keys.column("band_keys").combine_chunks()
                band_hit = pc.is_in(pc.list_flatten(band_lists), value_set=bands)
                rows = set(pc.filter(pc.list_parent_indices(band_lists), band_hit).to_pylist())
                exact_hit = pc.is_in(keys.column("exact_key"), value_set=exact)
                rows.update(i for i, hit in enumerate(exact_hit.to_pylist()) if hit)
                if rows:
                    self.matched.inc(len(rows))
                    yield from index.read_row_group(group).take(sorted(rows)).to_pylist()


def _matching_paths(pattern: str) -> list[str]:
    return [m.path for m in FileSystems.match([pattern])[0].metadata_list]


class EarlierDocuments(beam.PTransform):
    """Rows of the persistent dedup index that can matter to this batch's documents.

    ``index_files`` are paths or patterns of ``DEDUP_INDEX`` Parquet files (any Beam filesystem);
    the input is the batch's fingerprints, ``(exact key, (meta, band keys))``.
    """

    def __init__(self, index_files: list[str]):
        super().__init__()
        self.index_files = list(index_files)

    def expand(self, fingerprints):
        lookup = fingerprints | "Keys to look up" >> beam.FlatMap(batch_lookup_keys)
        return (
            fingerprints.pipeline
            | "Index files" >> beam.Create(self.index_files)
            | "Match files" >> beam.FlatMap(_matching_paths)
            | "Rows sharing a key" >> beam.ParDo(_MatchEarlierDocuments(), beam.pvalue.AsList(lookup))
        )


def prior_fingerprint(row: dict, committed: bool = True):
    """A ``DEDUP_INDEX`` row of an earlier run (``committed``) or an earlier batch of this run, in the
    shape ``_Fingerprint`` emits. Only a committed document keeps its cluster id and canonical place."""
    meta = mh.DocMeta(row["doc_id"], row["published_at"], row["text_chars"], True,
                      row["cluster_id"] if committed else None, committed)
    yield row["exact_key"], (meta, tuple(row["band_keys"]))
    yield beam.pvalue.TaggedOutput(_Fingerprint.SHINGLES, (row["doc_id"], row["shingles"]))


def index_fingerprint(row: dict):
    """A ``DEDUP_INDEX`` row of this run as the new document it was (what settling clusters again)."""
    meta = mh.DocMeta(row["doc_id"], row["published_at"], row["text_chars"])
    yield row["exact_key"], (meta, tuple(row["band_keys"]))
    yield beam.pvalue.TaggedOutput(_Fingerprint.SHINGLES, (row["doc_id"], row["shingles"]))


def index_row(element):
    """``(doc_id, {"index": [row], "assignments": [...]})`` -> the index row with the cluster it ended up in."""
    doc_id, grouped = element
    fields = assignment_fields(doc_id, list(grouped["assignments"]))
    for partial in grouped["index"]:
        yield {**partial, "cluster_id": fields["cluster_id"], "canonical_doc_id": fields["canonical_doc_id"]}


# --- 2. exact groups -----------------------------------------------------------------------------

class _ResolveExactGroup(beam.DoFn):
    """(exact key, [(meta, bands)]) -> (representative id, (bands, metas sorted best first))."""

    def __init__(self, settings: mh.DedupSettings):
        self.rule = settings.canonical_rule
        self.exact_dups = Metrics.counter(NAMESPACE, "exact_duplicates")

    def process(self, element):
        _, values = element
        values = sorted(values, key=lambda v: mh.canonical_sort_key(v[0], self.rule))
        new = sum(1 for meta, _ in values if not meta.prior)
        if new:  # copies among this batch's documents only; earlier ones were counted when they were new
            self.exact_dups.inc(new - (0 if values[0][0].prior else 1))
        rep_meta, rep_bands = values[0]
        yield rep_meta.doc_id, (rep_bands, tuple(tuple(m) for m, _ in values))


# --- 3. candidate pairs --------------------------------------------------------------------------

def _band_entries(element):
    rep_id, (bands, metas) = element
    all_prior = all(m[3] for m in metas)  # a group of earlier documents only: never paired with itself
    for key in bands:
        yield key, (rep_id, all_prior)


class _PairsFromBucket(beam.DoFn):
    def __init__(self, max_bucket_size: int):
        self.max_bucket_size = max_bucket_size
        self.oversized = Metrics.counter(NAMESPACE, "oversized_buckets")
        self.oversized_docs = Metrics.counter(NAMESPACE, "oversized_bucket_members")

    def process(self, element):
        _, entries = element
        entries = sorted(set(entries))
        if len(entries) < 2 or all(prior for _, prior in entries):
            return
        if len(entries) > self.max_bucket_size:
            self.oversized.inc()
            self.oversized_docs.inc(len(entries))
            first, first_prior = entries[0]
            for other, other_prior in entries[1:]:
                if not (first_prior and other_prior):
                    yield first, other
            return
        for i, (a, a_prior) in enumerate(entries):
            for b, b_prior in entries[i + 1:]:
                if not (a_prior and b_prior):  # earlier documents were compared when they were new
                    yield a, b


class CandidatePairs(beam.PTransform):
    """(rep id, (band keys, metas)) -> distinct (a, b) doc-id pairs, a < b, sharing a band key."""

    def __init__(self, settings: mh.DedupSettings):
        super().__init__()
        self.settings = settings

    def expand(self, groups):
        counter = Metrics.counter(NAMESPACE, "candidate_pairs")

        def count(pair):
            counter.inc()
            return pair

        return (
            groups
            | "Emit band keys" >> beam.FlatMap(_band_entries)
            | "Group by band key" >> beam.GroupByKey()
            | "Pair bucket members" >> beam.ParDo(_PairsFromBucket(self.settings.max_bucket_size))
            | "Drop repeated pairs" >> beam.Distinct()
            | "Count candidate pairs" >> beam.Map(count)
        )


# --- 4. exact Jaccard of pairs -------------------------------------------------------------------

def _send_left_shingles(element):
    a, grouped = element
    shingles = list(grouped["shingles"])
    partners = list(grouped["pairs"])
    if not shingles or not partners:
        return
    for b in partners:
        yield b, (a, shingles[0])


def _jaccard_with_right(element):
    b, grouped = element
    shingles = list(grouped["shingles"])
    lefts = list(grouped["lefts"])
    if not shingles or not lefts:
        return
    right = mh.hashes_from_bytes(shingles[0])
    for a, left in sorted(lefts):
        yield a, b, mh.jaccard(mh.hashes_from_bytes(left), right), left, shingles[0]


class PairJaccard(beam.PTransform):
    """Exact Jaccard of doc-id pairs.

    {"pairs": (a, b), "shingles": (doc_id, bytes)} -> (a, b, jaccard, shingles of a, shingles of b);
    the shingle bytes come along so that later steps need not join all documents' shingles again.
    """

    def expand(self, inputs):
        pairs, shingles = inputs["pairs"], inputs["shingles"]
        lefts = (
            {"shingles": shingles, "pairs": pairs}
            | "Join first doc's shingles" >> beam.CoGroupByKey()
            | "Send them to the second doc" >> beam.FlatMap(_send_left_shingles)
        )
        return (
            {"shingles": shingles, "lefts": lefts}
            | "Join second doc's shingles" >> beam.CoGroupByKey()
            | "Exact Jaccard" >> beam.FlatMap(_jaccard_with_right)
        )


# --- 5. connected components ---------------------------------------------------------------------

def _edge_adjacency(edge):
    a, b = edge
    yield a, a
    yield a, b
    yield b, b
    yield b, a


def _hash_to_min(element):
    """(node, parts of its cluster set) -> its merged set to the set's smallest id, that id to all."""
    node, cluster = _union_sorted(element)
    smallest = cluster[0]
    yield smallest, cluster
    for other in cluster:
        yield other, (smallest,)


def _union_sorted(element):
    node, parts = element
    merged: set[str] = set()
    for part in parts:
        merged.update(part)
    return node, tuple(sorted(merged))


def _send_label_to_other_end(element):
    node, grouped = element
    labels = list(grouped["labels"])
    for other in grouped["edges"]:
        yield other, labels[0]


def _residual_edges(element):
    node, grouped = element
    own = list(grouped["labels"])[0]
    for other_label in grouped["incoming"]:
        if other_label != own:
            yield (min(own, other_label), max(own, other_label))


def _union_find(edges: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Label -> merged label (the smallest of its component) for labels touched by residual edges."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in sorted(edges):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return sorted((x, find(x)) for x in list(parent) if find(x) != x)


class ConnectedComponents(beam.PTransform):
    """Verified edges (a, b) -> (node, component label) for every node on an edge.

    The label is the smallest doc id of the component. ``rounds`` hash-to-min rounds run as Beam
    stages; edges still split between two labels afterwards are merged by a union-find over the
    (contracted, normally empty) residual edge list, counted as ``cc_residual_edges``.
    """

    def __init__(self, rounds: int):
        super().__init__()
        self.rounds = rounds

    def expand(self, edges):
        clusters = (
            edges
            | "Adjacency" >> beam.FlatMap(_edge_adjacency)
            | "Group neighbours" >> beam.GroupByKey()
            | "Neighbour sets" >> beam.MapTuple(lambda n, ns: (n, [tuple(sorted(set(ns)))]))
        )
        for i in range(self.rounds):  # each round: send (merging the previous round's parts), group
            clusters = (
                clusters
                | f"Hash-to-min round {i + 1}" >> beam.FlatMap(_hash_to_min)
                | f"Group round {i + 1}" >> beam.GroupByKey()
            )
        labels = clusters | "Smallest id is the label" >> beam.Map(lambda kv: (kv[0], _union_sorted(kv)[1][0]))

        both_ways = edges | "Edges both ways" >> beam.FlatMap(lambda e: [(e[0], e[1]), (e[1], e[0])])
        incoming = (
            {"labels": labels, "edges": both_ways}
            | "Join labels to edges" >> beam.CoGroupByKey()
            | "Send label along edge" >> beam.FlatMap(_send_label_to_other_end)
        )
        residual_counter = Metrics.counter(NAMESPACE, "cc_residual_edges")

        def count_residual(edge):
            residual_counter.inc()
            return edge

        remap = (
            {"labels": labels, "incoming": incoming}
            | "Compare labels across edges" >> beam.CoGroupByKey()
            | "Residual edges" >> beam.FlatMap(_residual_edges)
            | "Distinct residual edges" >> beam.Distinct()
            | "Count residual edges" >> beam.Map(count_residual)
            | "Collect residual edges" >> beam.combiners.ToList()
            | "Union-find on residual" >> beam.FlatMap(_union_find)
        )
        return labels | "Apply residual merges" >> beam.Map(
            lambda kv, merged: (kv[0], merged.get(kv[1], kv[1])), merged=beam.pvalue.AsDict(remap))


# --- 6. cluster assembly -------------------------------------------------------------------------

class _RouteGroups(beam.DoFn):
    """Per representative: to its near component, or an exact-only cluster, or nothing (unique)."""

    NEAR = "near"

    def __init__(self, settings: mh.DedupSettings):
        self.rule_text = settings.canonical_rule_text
        self.clusters = Metrics.counter(NAMESPACE, "clusters_exact")

    def process(self, element):
        rep_id, grouped = element
        groups = list(grouped["groups"])
        if not groups:  # cannot happen: every near-duplicate is a representative
            return
        _, metas = groups[0]
        labels = list(grouped["labels"])
        if labels:
            shingles = list(grouped["shingles"])[0]
            yield beam.pvalue.TaggedOutput(self.NEAR, (labels[0], (metas, shingles)))
        elif len(metas) > 1:
            yield from self._exact_cluster(rep_id, metas)

    def _exact_cluster(self, rep_id, metas):
        if all(m[3] for m in metas):  # written by an earlier batch or run already
            return
        ids = [m[0] for m in metas]
        cluster_id = mh.cluster_id_for(ids, [m[4] for m in metas])
        members = [(rep_id, "unique", 1.0)] + [(d, "exact_duplicate", 1.0) for d in ids[1:]]
        self.clusters.inc()
        yield "cluster", cluster_row(cluster_id, rep_id, "exact", self.rule_text, members)
        for d, status, sim in members:
            yield "assign", (d, (status, cluster_id, rep_id, sim))


class _BuildNearCluster(beam.DoFn):
    def __init__(self, settings: mh.DedupSettings):
        self.rule = settings.canonical_rule
        self.rule_text = settings.canonical_rule_text
        self.near_dups = Metrics.counter(NAMESPACE, "near_duplicates")
        self.counters = {k: Metrics.counter(NAMESPACE, f"clusters_{k}") for k in ("near", "mixed")}

    def process(self, element):
        _, reps = element
        reps = sorted(reps)  # (metas, shingle bytes); metas[0] is the representative
        best = min(range(len(reps)), key=lambda i: mh.canonical_sort_key(mh.DocMeta(*reps[i][0][0]), self.rule))
        canonical_id = reps[best][0][0][0]
        canonical_hashes = mh.hashes_from_bytes(reps[best][1])
        members: list[tuple[str, str, float]] = []
        for i, (metas, shingles) in enumerate(reps):
            if i == best:
                sim = 1.0
                statuses = ["unique"] + ["exact_duplicate"] * (len(metas) - 1)
            else:
                sim = mh.jaccard(mh.hashes_from_bytes(shingles), canonical_hashes)
                statuses = ["near_duplicate"] * len(metas)
            members.extend((m[0], s, sim) for m, s in zip(metas, statuses))
        n_exact = sum(1 for _, s, _ in members if s == "exact_duplicate")
        n_near = sum(1 for _, s, _ in members if s == "near_duplicate")
        self.near_dups.inc(n_near)
        kind = "near" if n_exact == 0 else "mixed"
        self.counters[kind].inc()
        cluster_id = mh.cluster_id_for([m[0] for m in members], [m[4] for metas, _ in reps for m in metas])
        yield "cluster", cluster_row(cluster_id, canonical_id, kind, self.rule_text, members)
        for d, status, sim in members:
            yield "assign", (d, (status, cluster_id, canonical_id, sim))


# --- 7. back onto the documents ------------------------------------------------------------------

_DUPLICATE_IDS = Metrics.counter(NAMESPACE, "duplicate_doc_ids")


def assignment_fields(doc_id: str, assignments: list) -> dict:
    """A document's dedup fields: its cluster assignment, or unique in no cluster."""
    status, cluster_id, canonical_id, sim = assignments[0] if assignments else ("unique", None, doc_id, 1.0)
    return {"dup_status": status, "cluster_id": cluster_id, "canonical_doc_id": canonical_id,
            "similarity": float(sim)}


def _apply_assignment(element):
    doc_id, grouped = element
    assignments = list(grouped["assignments"])
    docs = list(grouped["docs"])
    if len(docs) > 1:  # two inputs with one doc_id: an upstream bug; both still come out
        _DUPLICATE_IDS.inc(len(docs) - 1)
    for doc in docs:
        yield dataclasses.replace(doc, **assignment_fields(doc.doc_id, assignments))


def _split_kind(kind: str):
    return lambda element: [element[1]] if element[0] == kind else []


class ClusterFingerprints(beam.PTransform):
    """Steps 2-6 on fingerprints: ``(keys, shingles)`` -> ``Clustered(clusters, assignments)``.

    ``keys`` are ``(exact key, (DocMeta, band keys))``, ``shingles`` ``(doc_id, bytes)``; assignments
    are ``(doc_id, (dup_status, cluster_id, canonical_doc_id, similarity))`` of every clustered document.
    ``index_files`` hold the index of earlier, committed runs; ``batch_index_files`` that of this run's
    earlier batches (see ``mh.DocMeta``).
    """

    def __init__(self, settings: mh.DedupSettings, index_files: list[str] | None = None,
                 batch_index_files: list[str] | None = None):
        super().__init__()
        self.settings = settings
        self.earlier = [(files, committed) for files, committed in
                        ((list(index_files or []), True), (list(batch_index_files or []), False)) if files]

    def expand(self, fingerprints):
        keys, shingles = fingerprints
        s = self.settings
        for files, committed in self.earlier:
            runs = "runs" if committed else "batches"
            prior = keys | f"Look up earlier {runs}' documents" >> EarlierDocuments(files)
            earlier = prior | f"Earlier {runs}' fingerprints" >> beam.ParDo(
                prior_fingerprint, committed=committed).with_outputs(_Fingerprint.SHINGLES, main="keys")
            keys = (keys, earlier.keys) | f"With earlier {runs}' keys" >> beam.Flatten()
            shingles = (shingles, earlier[_Fingerprint.SHINGLES]) | f"With earlier {runs}' shingles" >> beam.Flatten()
        groups = (
            keys
            | "Group exact copies" >> beam.GroupByKey()
            | "Pick exact representative" >> beam.ParDo(_ResolveExactGroup(s))
        )
        pairs = groups | "Find candidate pairs" >> CandidatePairs(s)
        verified_counter = Metrics.counter(NAMESPACE, "verified_pairs")

        def keep_verified(scored):
            if scored[2] >= s.threshold:
                verified_counter.inc()
                yield scored

        verified = (
            {"pairs": pairs, "shingles": shingles}
            | "Verify candidates" >> PairJaccard()
            | "Keep pairs at threshold" >> beam.FlatMap(keep_verified)
        )
        edges = verified | "Edges" >> beam.Map(lambda v: (v[0], v[1]))
        member_shingles = verified | "Shingles of near-duplicates" >> beam.FlatMap(
            lambda v: [(v[0], v[3]), (v[1], v[4])])
        labels = edges | "Connected components" >> ConnectedComponents(s.cc_rounds)
        routed = (
            {"groups": groups, "labels": labels, "shingles": member_shingles}
            | "Join groups, components, shingles" >> beam.CoGroupByKey()
            | "Route exact groups" >> beam.ParDo(_RouteGroups(s)).with_outputs(_RouteGroups.NEAR, main="exact")
        )
        near = (
            routed[_RouteGroups.NEAR]
            | "Group component members" >> beam.GroupByKey()
            | "Build near clusters" >> beam.ParDo(_BuildNearCluster(s))
        )
        outputs = (routed.exact, near) | "All cluster outputs" >> beam.Flatten()
        return Clustered(clusters=outputs | "Cluster rows" >> beam.FlatMap(_split_kind("cluster")),
                         assignments=outputs | "Assignments" >> beam.FlatMap(_split_kind("assign")))


class Clustered(NamedTuple):
    clusters: beam.PCollection  # PCollection[dict], cluster_row
    assignments: beam.PCollection  # PCollection[(doc_id, (dup_status, cluster_id, canonical_doc_id, similarity))]


class Deduplicate(beam.PTransform):
    """PCollection[Document] -> DedupResult(documents=PCollection[Document], clusters=PCollection[dict])."""

    def __init__(self, settings: mh.DedupSettings | None = None, label: str | None = None,
                 index_files: list[str] | None = None, batch_index_files: list[str] | None = None):
        super().__init__(label)
        self.settings = settings or mh.DedupSettings()
        self.index_files = list(index_files or [])  # DEDUP_INDEX Parquet files of earlier, committed runs
        self.batch_index_files = list(batch_index_files or [])  # and of this run's earlier batches

    def expand(self, docs):
        fingerprints = docs | "Fingerprint documents" >> beam.ParDo(_Fingerprint(self.settings)).with_outputs(
            _Fingerprint.SHINGLES, _Fingerprint.INDEX, main="keys")
        clustered = ((fingerprints.keys, fingerprints[_Fingerprint.SHINGLES])
                     | "Cluster" >> ClusterFingerprints(self.settings, self.index_files, self.batch_index_files))
        documents = (
            {"docs": docs | "Key documents by id" >> beam.Map(lambda d: (d.doc_id, d)),
             "assignments": clustered.assignments}
            | "Join assignments to documents" >> beam.CoGroupByKey()
            | "Set dedup fields" >> beam.FlatMap(_apply_assignment)
        )
        index_rows = (
            {"index": fingerprints[_Fingerprint.INDEX], "assignments": clustered.assignments}
            | "Join assignments to index rows" >> beam.CoGroupByKey()
            | "Dedup index rows" >> beam.FlatMap(index_row)
        )
        return DedupResult(documents=documents, clusters=clustered.clusters, index_rows=index_rows)


# --- boilerplate sentences -----------------------------------------------------------------------

def sentence_key(sentence: Sentence) -> str:
    """``mh.sentence_key`` of a Sentence."""
    return mh.sentence_key(sentence.norm_text, sentence.text)


class _FlagBoilerplate(beam.DoFn):
    def __init__(self, settings: mh.DedupSettings):
        self.settings = settings
        self.flagged = Metrics.counter(NAMESPACE, "boilerplate_sentences")

    def process(self, element, outlet_docs):
        (outlet, key), stories_and_sentences = element
        stories_and_sentences = list(stories_and_sentences)
        sentences = [sentence for _, sentence in stories_and_sentences]
        count = len({story for story, _ in stories_and_sentences})
        flag = mh.is_boilerplate(len(key), count, outlet_docs.get(outlet, 0), self.settings)
        if flag:
            self.flagged.inc(len(sentences))
        for sentence in sentences:
            yield dataclasses.replace(sentence, is_boilerplate=flag, boilerplate_count=count)


class MarkBoilerplate(beam.PTransform):
    """PCollection[(outlet, story, Sentence)] -> PCollection[Sentence] with boilerplate flag and count.

    ``story`` is the document's canonical doc id (its own id when unique), so the copies of one
    article count once: a story printed twice by an outlet does not make its sentences boilerplate.
    ``boilerplate_count`` = distinct stories of the same outlet containing the sentence; a missing
    outlet (None) is its own group.
    """

    def __init__(self, settings: mh.DedupSettings | None = None, label: str | None = None):
        super().__init__(label)
        self.settings = settings or mh.DedupSettings()

    def expand(self, pairs):
        outlet_docs = (
            pairs
            | "Outlet and story" >> beam.MapTuple(lambda outlet, story, s: (outlet or "", story))
            | "Distinct outlet stories" >> beam.Distinct()
            | "Count stories per outlet" >> beam.combiners.Count.PerKey()
        )
        return (
            pairs
            | "Key by outlet and sentence" >> beam.MapTuple(
                lambda outlet, story, s: ((outlet or "", sentence_key(s)), (story, s)))
            | "Group repeated sentences" >> beam.GroupByKey()
            | "Flag boilerplate" >> beam.ParDo(_FlagBoilerplate(self.settings),
                                               outlet_docs=beam.pvalue.AsDict(outlet_docs))
        )
