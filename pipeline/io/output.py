"""A run's output on any Beam filesystem, and the commit protocol that publishes it without a rename.

Object stores (``gs://``, ``s3://``, ``azfs://``) have no atomic rename, so nothing is staged and
moved. Every shard a run writes carries the run id in its name; the launcher then lists them, writes
``manifest.json`` (which lists every shard a reader should read, under ``files``) and ``_SUCCESS``,
and only after that deletes the previous run's shards. A reader that reads the shards the manifest
lists sees one whole run, never a half-written one or two mixed; a run that fails removes its own
shards and leaves the previous output as it was. Local folders follow the same protocol, through the
same FileSystems API: one code path, one rule for readers.
"""
from __future__ import annotations

import importlib
import json
import os
import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from pipeline.config import ConfigError
from pipeline.schema import TABLES

INDEX_DIR, RUNS_DIR, FAILED_DIR = "_index", "runs", "_failed"
RUN_ID = r"\d{8}T\d{6}Z-[0-9a-f]{6}"
# The files of its own that the tool writes at the top of an output (besides the table folders).
TOP_FILES = ("manifest.json", "_SUCCESS", "report.html", "report.json")
# The pip command that installs the filesystem of each scheme Beam knows but needs an extra for,
# and the module that extra brings (Beam registers these filesystems even when it is missing).
EXTRAS = {
    "s3": ("pip install 'newscorpus[aws]'", "boto3"),
    "gs": ("pip install 'newscorpus[gcp]'", "google.cloud.storage"),
    "azfs": ("pip install 'apache-beam[azure]==2.77.0'", "azure.storage.blob"),
    "hdfs": ("pip install 'apache-beam[hadoop]==2.77.0'", "hdfs"),
}
# Where the tool writes shards (relative to the output): a table's folder, its run partition, the index.
_FOLDER = "(?:{}|{})/(?:run={}/)?".format("|".join(TABLES), INDEX_DIR, RUN_ID)
# A batch-mode run writes each batch's shards, then the settled ones (see pipeline.stages.settle).
SETTLED_PREFIX = "settled-"
_SHARD = re.compile(rf"^{_FOLDER}(?:batch-\d+-|{SETTLED_PREFIX})?part-({RUN_ID})-\d+-of-\d+\.parquet$")
_BEAM_TEMP = re.compile(rf"^{_FOLDER}beam-temp-(?:batch-\d+-|{SETTLED_PREFIX})?part-({RUN_ID})-[0-9a-f]+/")


@dataclass(frozen=True)
class Layout:
    """Where one run's shards go: ``<table>/`` or, for incremental runs, ``<table>/run=<id>/``.

    Shards are named ``[batch-NNNNN-]part-<run id>-SSSSS-of-NNNNN.parquet``. The dedup index always
    goes to ``_index/run=<id>/``, so a batch finds its own index shards by prefix.
    """

    root: str
    run_id: str
    incremental: bool = False
    shard_prefix: str = ""  # "batch-00003-" in batch mode, so batches never overwrite each other

    def table_dir(self, table: str) -> str:
        folder = join(self.root, table)
        return join(folder, f"run={self.run_id}") if self.incremental else folder

    def index_dir(self) -> str:
        return join(self.root, INDEX_DIR, f"run={self.run_id}")

    def file_prefix(self, folder: str) -> str:
        return join(folder, f"{self.shard_prefix}part-{self.run_id}")

    def own_shards(self, folder: str) -> list[str]:
        """This run's shards in ``folder`` (every batch's)."""
        return [p for p in list_files(join(folder, f"*part-{self.run_id}-*.parquet"))
                if _run_of(relative(self.root, p)) == self.run_id]


# ------------------------------------------------------------------ the FileSystems API, thinly


def is_local(path: str) -> bool:
    return FileSystems.get_scheme(path) in (None, "file")


def resolve_output(output: str) -> str:
    """An absolute local path, or the URI without its trailing slash.

    A path with glob characters is refused: the tool lists its own files under the output with
    patterns, and ``out*`` would match (and a rerun delete) the files of ``out-old`` beside it."""
    if any(char in output for char in "*?[]"):
        raise ConfigError(f"--output {output}: the path holds a glob character (* ? [ ]); choose a name without them")
    if is_local(output):
        return os.path.abspath(output[len("file://"):] if output.startswith("file://") else output)
    return output.rstrip("/")


def join(root: str, *parts: str) -> str:
    return FileSystems.join(root, *parts) if parts else root


def relative(root: str, path: str) -> str:
    return path[len(root):].lstrip("/")


def list_files(pattern: str) -> list[str]:
    """Paths matching a glob (``*`` stays within a folder, ``**`` crosses folders), sorted."""
    return sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)


def exists(path: str) -> bool:
    return FileSystems.exists(path)


def read_json(path: str) -> dict:
    with FileSystems.open(path, mime_type="application/json", compression_type="uncompressed") as handle:
        return json.loads(handle.read().decode("utf-8"))


def write_bytes(path: str, data: bytes, mime_type: str = "application/octet-stream") -> None:
    """One object written whole: on object stores it appears at once when the upload completes."""
    with FileSystems.create(path, mime_type=mime_type, compression_type="uncompressed") as handle:
        handle.write(data)


def write_json(path: str, data: dict) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_bytes(path, text.encode("utf-8"), "application/json")


def delete(paths: list[str]) -> None:
    if paths:
        FileSystems.delete(list(paths))


def shard_rows(paths: list[str]) -> dict[str, int]:
    """Rows of each Parquet shard, from its footer (no data read)."""
    rows = {}
    for path in paths:
        with FileSystems.open(path, compression_type="uncompressed") as handle:
            rows[path] = pq.ParquetFile(handle).metadata.num_rows
    return rows


def read_table(paths: list[str], columns: list[str] | None = None) -> pa.Table | None:
    """The shards as one table (``None`` when there are none)."""
    tables = []
    for path in paths:
        with FileSystems.open(path, compression_type="uncompressed") as handle:
            tables.append(pq.read_table(handle, columns=columns))
    return pa.concat_tables(tables) if tables else None


# ------------------------------------------------------------------ checks before a run


def check_filesystem(output: str) -> None:
    """Exit 2 (ConfigError) when no installed Beam filesystem serves the output's scheme."""
    scheme = FileSystems.get_scheme(output)
    if scheme in (None, "file"):
        return
    fix, module = EXTRAS.get(scheme, ("install the Beam filesystem that serves it", None))
    try:
        FileSystems.get_filesystem(output)
        if module:
            importlib.import_module(module)
    except (ValueError, ImportError):
        raise ConfigError(f"--output {output}: no installed Beam filesystem serves {scheme}:// ({fix})") from None


def check_reachable(output: str, run_id: str) -> None:
    """Write and delete a small object under the output, so that a missing bucket, missing credentials
    or no write permission stop the run before any work (exit 2), not when the workers write."""
    probe = join(output, f"_probe-{run_id}")
    scheme = FileSystems.get_scheme(output)
    try:
        write_bytes(probe, b"newscorpus checks that it can write here\n")  # S3 refuses an empty upload
        delete([probe])
    except Exception as exc:  # every filesystem raises its own errors (BeamIOError, botocore, google.api_core)
        hint = {"s3": "check the bucket and the credentials (AWS_* variables or --s3_access_key_id, "
                      "--s3_endpoint_url for an S3-compatible server)",
                "gs": "check the bucket and the credentials (gcloud auth application-default login)"}.get(
            scheme, "check that the folder can be written")
        raise ConfigError(f"--output {output} cannot be written: {type(exc).__name__}: {exc}; {hint}") from None


def previous_manifest(root: str) -> dict | None:
    path = join(root, "manifest.json")
    return read_json(path) if exists(path) else None


def check_target(root: str, incremental: bool) -> dict | None:
    """The previous run's manifest, after refusing a folder that holds something else or the other mode.

    Files in the output that the tool did not write (a notebook, a copy of a table) are never
    touched: publishing deletes only the shards a manifest listed or that carry a run id.
    """
    manifest = previous_manifest(root)
    foreign = [rel for rel in (relative(root, p) for p in list_files(join(root, "**")))
               if not any(part.startswith(".") for part in rel.split("/")) and not is_tool_file(rel)]
    if manifest is None:
        if foreign:
            raise ConfigError(f"--output {root} exists and is not the output of an earlier run "
                              f"(it holds {foreign[0]}); choose an empty or new folder")
        return None
    in_tables = [rel for rel in foreign if rel.split("/", 1)[0] in (*TABLES, INDEX_DIR, RUNS_DIR)]
    if in_tables:
        raise ConfigError(f"--output {root}: {join(root, in_tables[0])} was not written by newscorpus and is in "
                          "a folder the tool writes (readers of the folder would read it with the tables); "
                          "move it out, the tool never deletes a file it did not write")
    earlier_incremental = bool(manifest.get("incremental"))
    if incremental != earlier_incremental:
        kind = "an incremental" if earlier_incremental else "a single (non-incremental)"
        raise ConfigError(f"--output {root} holds {kind} run's output; "
                          f"{'add --incremental' if earlier_incremental else 'drop --incremental'} "
                          "or choose another folder")
    return manifest


# ------------------------------------------------------------------ after the pipeline


def run_files(layout: Layout, tables: list[str]) -> dict[str, list[str]]:
    """This run's shards per table (and ``_index``), as paths relative to the output: where the run
    settled a table over its batches, the settled shards only (the commit deletes the batches')."""
    folders = {table: layout.table_dir(table) for table in tables}
    folders[INDEX_DIR] = layout.index_dir()
    files = {}
    for name, folder in folders.items():
        shards = [relative(layout.root, p) for p in layout.own_shards(folder)]
        settled = [p for p in shards if p.rsplit("/", 1)[-1].startswith(SETTLED_PREFIX)]
        files[name] = settled or shards
    return files


def committed_files(previous: dict | None) -> dict[str, list[str]]:
    """The shards the previous manifest lists (what a reader reads today)."""
    return {name: list(paths) for name, paths in ((previous or {}).get("files") or {}).items()}


def merge_files(earlier: dict[str, list[str]], new: dict[str, list[str]]) -> dict[str, list[str]]:
    names = sorted(set(earlier) | set(new))
    return {name: sorted(set(earlier.get(name, [])) | set(new.get(name, []))) for name in names}


def publish(layout: Layout, manifest: dict, previous: dict | None) -> list[str]:
    """Commit the run: manifest (and ``runs/<id>.json``) first, ``_SUCCESS`` last, then clean up.

    Returns the paths it deleted, all of them the tool's own: the previous run's shards (single
    runs), a report that no longer describes the output, and what killed runs left behind.
    """
    root = layout.root
    if layout.incremental:
        write_json(join(root, RUNS_DIR, f"{layout.run_id}.json"), manifest)  # the commit marker
    write_json(join(root, "manifest.json"), manifest)
    write_bytes(join(root, "_SUCCESS"), (layout.run_id + "\n").encode())
    keep = {join(root, p) for paths in manifest["files"].values() for p in paths}
    stale = [] if layout.incremental else [join(root, p) for paths in committed_files(previous).values()
                                           for p in paths]
    if previous:
        stale += [join(root, name) for name in ("report.html", "report.json")]
    stale += [p for p in list_files(join(root, "**")) if _run_of(relative(root, p))]
    stale = sorted({p for p in stale if p not in keep and exists(p)})
    delete(stale)
    return stale


def committed_runs_files(root: str) -> dict[str, list[str]]:
    """Every shard of the committed incremental runs (the union of what ``runs/<id>.json`` list)."""
    files: dict[str, list[str]] = {}
    for path in list_files(join(root, RUNS_DIR, "*.json")):
        files = merge_files(files, read_json(path).get("files") or {})
    return files


def _run_of(rel: str) -> str | None:
    """The run id of a shard or Beam temp file the tool wrote (None for anything else)."""
    match = _SHARD.search(rel) or _BEAM_TEMP.search(rel)
    return match.group(1) if match else None


def is_tool_file(rel: str) -> bool:
    """A path (relative to the output) the tool writes: shards, temp files, failed-run manifests."""
    return (bool(_run_of(rel)) or rel in TOP_FILES or rel.startswith((FAILED_DIR + "/", "_probe-"))
            or re.fullmatch(rf"{RUNS_DIR}/{RUN_ID}\.json", rel) is not None)


def discard(layout: Layout) -> list[str]:
    """A failed run removes what it wrote (its shards, Beam's temp files of this run); returns them."""
    mine = [p for p in list_files(join(layout.root, "**")) if _run_of(relative(layout.root, p)) == layout.run_id]
    delete(mine)
    return mine


def record_failure(layout: Layout, manifest: dict) -> str:
    """Keep a failed run's manifest (it says why) where the next run will not take it for the output."""
    path = join(layout.root, FAILED_DIR, f"{layout.run_id}.json")
    write_json(path, manifest)
    return path
