"""Live progress (pipeline/progress.py) and the run summary: what a user sees while and after a run."""
import glob
import io
import json
import multiprocessing
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq

from conftest import REPO, SAMPLE
from pipeline.progress import PROGRESS_RE, ProgressCounter, ProgressReporter, format_line, read_counts


def _count_in_another_process(channel, n):
    counter = ProgressCounter(channel)
    for _ in range(n):
        counter.add("tagged")
    counter.flush()


def test_counts_from_worker_processes_are_summed(tmp_path):
    here = ProgressCounter(str(tmp_path))
    here.add("tagged", 2)
    here.add("read", 5)
    here.flush()
    worker = multiprocessing.get_context("spawn").Process(target=_count_in_another_process, args=(str(tmp_path), 3))
    worker.start()
    worker.join(60)
    assert read_counts(str(tmp_path)) == {"tagged": 5, "read": 5}


def test_a_worker_that_cannot_see_the_channel_counts_nothing_and_does_not_fail(tmp_path):
    counter = ProgressCounter(str(tmp_path / "on-another-machine"))
    counter.add("read", 3)
    counter.flush()
    assert not (tmp_path / "on-another-machine").exists()


def test_plain_line_parses_and_estimates_from_the_projected_total():
    line = format_line({"inputs": 2, "read": 100, "tagged": 50, "written": 40}, 12.0, 10.0, 4, 1, 3)
    fields = PROGRESS_RE.match(line).groupdict()
    assert (fields["inputs_done"], fields["inputs"], fields["read"], fields["tagged"]) == ("2", "4", "100", "50")
    assert (fields["batches_done"], fields["batches"], fields["rate"]) == ("1", "3", "10.0")
    assert fields["eta"] == "15s"  # 4 inputs -> about 200 documents, 150 left at 10/s
    assert PROGRESS_RE.match(format_line({}, 0.5, 0.0, 4, 0, 1)).group("eta") == "-"


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_terminal_gets_a_bar_and_the_channel_is_removed(tmp_path):
    stream = _Terminal()
    channel = tmp_path / "channel"
    with ProgressReporter(str(channel), 0.05, total_inputs=1, stream=stream) as reporter:
        counter = ProgressCounter(reporter.channel)
        counter.add("inputs")
        counter.add("read", 7)
        counter.add("tagged", 7)
        counter.flush()
    assert "tagged" in stream.getvalue() and "7/7" in stream.getvalue()
    assert not PROGRESS_RE.search(stream.getvalue())
    assert not channel.exists()


def _run(*args):
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_a_run_prints_parseable_progress_lines_and_quiet_prints_none(tmp_path):
    proc = _run(SAMPLE, "--output", tmp_path / "out", "--set", "run.progress_seconds=0.2")
    lines = [PROGRESS_RE.match(line) for line in proc.stderr.splitlines() if line.startswith("progress")]
    assert lines and all(lines), proc.stderr[-2000:]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    last = lines[-1].groupdict()
    assert int(last["written"]) == manifest["accounting"]["documents"]
    assert int(last["inputs_done"]) == int(last["inputs"]) == len(manifest["inputs"])
    assert (last["batches_done"], last["batches"]) == ("1", "1")

    quiet = _run(SAMPLE / "articles.jsonl", "--output", tmp_path / "quiet", "--set", "run.progress_seconds=0.2", "-q")
    assert "progress" not in quiet.stderr
    assert "Run " in quiet.stdout


def _summary(tmp_path, **manifest):
    from pipeline.run import RunResult, print_summary

    base = {"run_id": "r1", "elapsed_seconds": 1.0, "runner": "FnApiRunner", "rejects_by_reason": {},
            "accounting": {"inputs": 3, "documents": 3, "rejects": 0}, "metrics": {},
            "tables": {"sentences": 1, "entities": 1, "sources": 1, "clusters": 0}}
    stream = io.StringIO()
    print_summary(RunResult(str(tmp_path), {**base, **manifest}), stream)
    return stream.getvalue()


def test_summary_of_an_incremental_run_names_skipped_inputs_and_a_glob_that_reads_its_partitions(tmp_path):
    for run in ("run=a", "run=b"):
        (tmp_path / "documents" / run).mkdir(parents=True)
        pq.write_table(pa.table({"doc_id": [run]}), tmp_path / "documents" / run / "part-0.parquet")
    text = _summary(tmp_path, incremental=True, skipped_inputs=2)
    assert "skipped 2 input files already processed" in text
    tables_glob = text.split("tables: ", 1)[1].split()[0].replace("<table>", "documents")
    assert len(glob.glob(tables_glob)) == 2
    assert "skipped" not in _summary(tmp_path, incremental=False, skipped_inputs=0)
