"""Settle a batch-mode run: after its last batch, the tables a single run over the same inputs writes.

Each batch deduplicates against the index of the batches before it, but it cannot change what they
wrote: a later copy may be the better canonical, an earlier canonical may join a cluster only later
(and had no ``cluster_id`` when it was written), and a sentence repeated across batches is
boilerplate only when counted over all of them. ``SettleBatches`` reads the run's shards back and
gives their rows again with the run-wide answer:

- ``clusters``: the deduplication again, on the fingerprints (the dedup index: no text is read
  again) of the documents some batch put in a cluster. Every pair of copies is in one: a batch
  pairs its documents with each other and with the earlier batches' that share a key, so clustering
  these documents alone gives the clusters of a run without batches. Earlier runs' index is joined
  as that run would (incremental runs);
- ``documents`` and the index: each document's dup_status, cluster_id, canonical_doc_id, similarity;
- ``sentences``: boilerplate counted over the whole run;
- with ``output_policy: canonical_only``, ``sentences``, ``entities`` and ``sources`` keep only the
  rows of documents that are still canonical (each batch tagged its canonical documents; a document
  canonical over the whole run was canonical in its batch too, which saw part of its cluster). The
  row counters of the dropped rows are taken back, so the summary's counts are the tables'; the
  tagger's work counters (tokens, sentences tagged) keep the work that was done.

Memory grows with the duplicates, one (outlet, story) per document and one small key per sentence,
not with the text: rows are read, changed by a lookup and written again without a shuffle. The run writes them as
``settled-part-<run id>-...`` shards; its manifest lists those instead of the batches' shards of the
same tables, which the commit deletes. Rejects and inputs do not depend on other batches and stay as
written, as do entities and sources under ``tag_all``.
"""
from __future__ import annotations

import apache_beam as beam
import xxhash
from apache_beam.metrics import Metrics

from pipeline.core import minhash as mh
from pipeline.stages.dedup import NAMESPACE, SHINGLES, ClusterFingerprints, assignment_fields, index_fingerprint
from pipeline.stages.tag import entity_counters, source_counters


def is_canonical_assignment(doc_id: str, assignment) -> bool:
    """``run.is_canonical`` for a document with this cluster assignment (None: in no cluster)."""
    if assignment is None:
        return True
    status, _, canonical_id, _ = assignment
    return status == "unique" or canonical_id == doc_id


def sentence_group(row: dict, outlet: str) -> tuple[str, str, int]:
    """(outlet, digest of the sentence's key, key length): what ``MarkBoilerplate`` groups by, small."""
    key = mh.sentence_key(row["norm_text"], row["text"])
    return outlet, xxhash.xxh3_128_hexdigest(key.encode("utf-8")), len(key)


def _clustered_fingerprints(row: dict, clustered: dict):
    if row["doc_id"] in clustered:
        yield from index_fingerprint(row)


def _with_assignment(row: dict, assignments: dict) -> dict:
    found = assignments.get(row["doc_id"])
    return {**row, **assignment_fields(row["doc_id"], [found] if found else [])}


def _index_with_assignment(row: dict, assignments: dict) -> dict:
    found = assignments.get(row["doc_id"])
    fields = assignment_fields(row["doc_id"], [found] if found else [])
    return {**row, "cluster_id": fields["cluster_id"], "canonical_doc_id": fields["canonical_doc_id"]}


def _of_canonical(row: dict, demoted: dict) -> bool:
    return row["doc_id"] not in demoted


class _DropDemoted(beam.DoFn):
    """Rows of documents a later batch demoted are dropped, and the counters the tag stage counted
    them in are taken back (``entities`` or ``sources`` rows)."""

    def __init__(self, table: str):
        self.table = table

    def process(self, row, demoted):
        if row["doc_id"] not in demoted:
            yield row
        elif self.table == "entities":
            for name in entity_counters(row["type"]):
                Metrics.counter("entities", name).dec()
        else:
            for name in source_counters(row["role"], row["kind"], row["method"]):
                Metrics.counter("sources", name).dec()


class _FlagSentenceRow(beam.DoFn):
    def __init__(self, settings: mh.DedupSettings):
        self.settings = settings
        self.flagged = Metrics.counter(NAMESPACE, "boilerplate_sentences")

    def process(self, row, stories_of, repeated, outlet_stories):
        outlet, _ = stories_of[row["doc_id"]]
        group = sentence_group(row, outlet)
        count = repeated.get(group, 1)  # a key in no other story: this row's own
        flag = mh.is_boilerplate(group[2], count, outlet_stories.get(outlet, 0), self.settings)
        if flag:
            self.flagged.inc()
        yield {**row, "is_boilerplate": flag, "boilerplate_count": count}


class SettleBatches(beam.PTransform):
    """Pipeline root -> ``{table: PCollection[row]}`` of the tables to write again (see the module).

    ``shards`` are this run's shard paths per table and ``index_dir`` (every batch's); ``index_files``
    the dedup index of earlier, committed runs (incremental runs).
    """

    def __init__(self, shards: dict[str, list[str]], settings: mh.DedupSettings, index_dir: str,
                 index_files: list[str] | None = None):
        super().__init__()
        self.shards = shards
        self.settings = settings
        self.index_dir = index_dir
        self.index_files = list(index_files or [])

    def _read(self, root, table: str):
        return (root | f"{table} shards" >> beam.Create(sorted(self.shards.get(table, [])))
                | f"Read {table}" >> beam.io.ReadAllFromParquet())

    def expand(self, root):
        s = self.settings
        index = self._read(root, self.index_dir)
        clustered_ids = (
            self._read(root, "clusters")
            | "Documents in a batch's cluster" >> beam.FlatMap(lambda c: [(m["doc_id"], True) for m in c["members"]])
            | "Each once" >> beam.Distinct()
        )
        fingerprints = index | "Their fingerprints" >> beam.ParDo(
            _clustered_fingerprints, clustered=beam.pvalue.AsDict(clustered_ids)).with_outputs(SHINGLES, main="keys")
        clustered = ((fingerprints.keys, fingerprints[SHINGLES])
                     | "Cluster over all batches" >> ClusterFingerprints(s, self.index_files))
        assignments = beam.pvalue.AsDict(clustered.assignments)
        documents = self._read(root, "documents") | "Settled dedup fields" >> beam.Map(
            _with_assignment, assignments=assignments)
        tables = {
            "documents": documents,
            "clusters": clustered.clusters,
            self.index_dir: index | "Settled index rows" >> beam.Map(_index_with_assignment, assignments=assignments),
        }
        demoted = beam.pvalue.AsDict(
            clustered.assignments
            | "Not canonical" >> beam.Filter(lambda kv: not is_canonical_assignment(*kv))
            | "Demoted ids" >> beam.Map(lambda kv: (kv[0], True)))
        sentences = self._read(root, "sentences")
        if s.output_policy == "canonical_only":
            sentences = sentences | "Sentences of canonical documents" >> beam.Filter(_of_canonical, demoted=demoted)
            for table in ("entities", "sources"):
                tables[table] = self._read(root, table) | f"{table} of canonical documents" >> beam.ParDo(
                    _DropDemoted(table), demoted=demoted)
        stories_of = beam.pvalue.AsDict(documents | "Outlet and story" >> beam.Map(
            lambda d: (d["doc_id"], (d["outlet"] or "", d["canonical_doc_id"] or d["doc_id"]))))
        groups = (
            sentences
            | "Sentence groups and stories" >> beam.Map(
                lambda row, of: (sentence_group(row, of[row["doc_id"]][0]), of[row["doc_id"]][1]), of=stories_of)
            | "Distinct stories per group" >> beam.Distinct()
        )
        repeated = beam.pvalue.AsDict(
            groups
            | "Stories per group" >> beam.combiners.Count.PerKey()
            | "In two or more" >> beam.Filter(lambda kv: kv[1] > 1))
        outlet_stories = beam.pvalue.AsDict(
            groups
            | "Outlet stories" >> beam.MapTuple(lambda group, story: (group[0], story))
            | "Distinct outlet stories" >> beam.Distinct()
            | "Count stories per outlet" >> beam.combiners.Count.PerKey())
        tables["sentences"] = sentences | "Boilerplate over all batches" >> beam.ParDo(
            _FlagSentenceRow(s), stories_of=stories_of, repeated=repeated, outlet_stories=outlet_stories)
        return tables
