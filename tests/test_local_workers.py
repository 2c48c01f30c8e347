"""A local run uses every core by default, writes the tables a one-process run writes, and the
manifest records how it really ran (runner, mode, workers, the Beam flags given)."""
import json
import os
import subprocess
import sys

import pyarrow.dataset as ds
import pytest

from conftest import REPO, SAMPLE
from pipeline.config import ConfigError, load_config
from pipeline.run import pipeline_options
from pipeline.schema import TABLES


def test_default_is_one_worker_process_per_core():
    _, engine = pipeline_options(load_config(None), [])
    cores = os.cpu_count() or 1
    assert engine.local_workers == cores
    assert engine.local_mode == ("multi_processing" if cores > 1 else "in_memory")


def test_flags_win_over_the_config_and_one_worker_stays_in_process():
    config = load_config(None, ["run.direct_num_workers=3"])
    assert pipeline_options(config, [])[1].local_workers == 3
    _, engine = pipeline_options(config, ["--direct_num_workers=1"])
    assert (engine.local_mode, engine.local_workers) == ("in_memory", 1)
    _, engine = pipeline_options(load_config(None), ["--direct_running_mode", "in_memory", "--direct_num_workers=2"])
    assert (engine.local_mode, engine.local_workers) == ("in_memory", 1)
    assert engine.beam_runner(None) is None


def test_multi_threading_is_refused_from_flags_and_config():
    with pytest.raises(ConfigError, match="multi_threading"):
        pipeline_options(load_config(None), ["--direct_running_mode=multi_threading"])
    with pytest.raises(ConfigError, match="multi_threading"):
        load_config(None, ["run.direct_running_mode=multi_threading"])


def _run(out, *flags):
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", str(SAMPLE), "--output", str(out), *flags],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _sorted_rows(out, table):
    rows = ds.dataset(out / table, format="parquet").to_table().to_pylist()
    return sorted(json.dumps(r, sort_keys=True, ensure_ascii=False, default=str) for r in rows)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("workers")
    processes = _run(base / "two", "--direct_running_mode=multi_processing", "--direct_num_workers=2")
    _run(base / "one", "--direct_num_workers=1", "-q")
    return base / "two", base / "one", processes


def test_two_worker_processes_write_the_tables_of_one(two_runs):
    two, one, _ = two_runs
    for table in TABLES:
        assert _sorted_rows(two, table) == _sorted_rows(one, table), table


def test_manifest_and_summary_say_how_the_run_was_executed(two_runs):
    two, one, processes = two_runs
    manifest = json.loads((two / "manifest.json").read_text())
    assert manifest["execution"] == {
        "runner": "FnApiRunner", "direct_running_mode": "multi_processing", "direct_num_workers": 2,
        "beam_args": ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]}
    assert "(FnApiRunner, multi_processing x 2 workers)" in processes.stdout
    single = json.loads((one / "manifest.json").read_text())["execution"]
    assert (single["direct_running_mode"], single["direct_num_workers"]) == ("in_memory", 1)


def test_worker_processes_do_not_flood_the_terminal(two_runs):
    *_, processes = two_runs
    noise = [line for line in processes.stderr.splitlines() if line.startswith("INFO")]
    assert not noise, noise[:5]
