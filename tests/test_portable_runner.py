"""The whole job through Beam's portable path: a local job service plus an external worker pool.

This is the path a Flink or Spark cluster takes (job service -> SDK workers over the Fn API), without
the Java job-server jar that those runners download. Both services are started here as subprocesses
on free ports and always stopped. The worker pool starts its SDK workers with ``python`` from PATH
and gets no staged code, so the package must be installed in the interpreter that runs it (CI's
``pip install -e '.[test]'`` does that; otherwise this test installs it with ``--no-deps``).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data"
START_TIMEOUT_S = 60
RUN_TIMEOUT_S = 240


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"service exited with {process.returncode} before listening on {port}:\n"
                               f"{log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("localhost", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on localhost:{port} after {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    """Stop a service and the SDK workers it started (each service runs in its own process group)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def worker_env() -> dict[str, str]:
    """The worker pool runs SDK workers as ``python -c ...``: put this interpreter first on PATH."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("PYTHONPATH", None)  # the workers must use the installed package, not a path into the checkout
    return env


def ensure_installed(cwd: Path) -> None:
    """``import pipeline`` must work outside the checkout, as it does on a cluster's workers."""
    probe = [sys.executable, "-c", "import pipeline, sys; sys.stdout.write(pipeline.__file__)"]
    result = subprocess.run(probe, cwd=cwd, env=worker_env(), capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(REPO)],
                       check=True, timeout=300)
        result = subprocess.run(probe, cwd=cwd, env=worker_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"the package cannot be imported by the workers:\n{result.stderr}"


@pytest.fixture(scope="module")
def portable_services(tmp_path_factory):
    """(job_endpoint, worker_pool_endpoint) of a running local job service and worker pool."""
    where = tmp_path_factory.mktemp("portable")
    ensure_installed(where)
    job_port, pool_port = free_port(), free_port()
    while pool_port == job_port:
        pool_port = free_port()
    processes = []
    try:
        for name, args, port in (
            ("job_service", ["apache_beam.runners.portability.local_job_service_main", "--port", str(job_port),
                             "--staging_dir", str(where / "job_staging")], job_port),
            ("worker_pool", ["apache_beam.runners.worker.worker_pool_main", "--service_port", str(pool_port)], pool_port),
        ):
            log = where / f"{name}.log"
            with open(log, "wb") as out:
                process = subprocess.Popen([sys.executable, "-m", *args], cwd=where, env=worker_env(), stdout=out,
                                           stderr=subprocess.STDOUT, start_new_session=True)
            processes.append(process)
            wait_for_port(port, process, log)
        yield f"localhost:{job_port}", f"localhost:{pool_port}", where
    finally:
        for process in reversed(processes):
            stop(process)


def test_sample_through_the_portable_runner(portable_services, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    job_endpoint, pool_endpoint, where = portable_services
    out = tmp_path / "out"
    command = [sys.executable, "-m", "pipeline", "run", str(SAMPLE), "--output", str(out), "--quiet",
               "--runner=PortableRunner", f"--job_endpoint={job_endpoint}",
               "--environment_type=EXTERNAL", f"--environment_config={pool_endpoint}"]
    started = time.monotonic()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    elapsed = time.monotonic() - started
    logs = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in where.glob("*.log"))
    assert result.returncode == 0, f"exit {result.returncode} after {elapsed:.0f} s\n{result.stdout}\n{result.stderr}\n{logs}"

    documents = pq.read_table(out / "documents").to_pylist()
    sentences = pq.read_table(out / "sentences").to_pylist()
    rejects = pq.read_table(out / "rejects").to_pylist()
    assert documents and sentences and rejects

    # the same documents as a local run of the same files: one per article of the sample
    sample_articles = sum(1 for line in (SAMPLE / "articles.jsonl").read_text(encoding="utf-8").splitlines() if line.strip())
    assert len(documents) + len(rejects) >= sample_articles
    assert len({d["doc_id"] for d in documents}) == len(documents)

    # offsets cut the sentence back out of its document's text, exactly
    texts = {d["doc_id"]: d["text"] for d in documents}
    assert {s["doc_id"] for s in sentences} <= set(texts)
    for sentence in sentences[:: max(1, len(sentences) // 25)]:
        assert texts[sentence["doc_id"]][sentence["start"]:sentence["end"]] == sentence["text"]

    # the bad sample files are rejects with a reason, and the run adds up
    reasons = {r["reason"] for r in rejects}
    assert reasons and all(reasons)
    assert {"empty_file", "binary_file"} & reasons, reasons
    import json

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["runner"] == "PortableRunner"
    accounting = manifest["accounting"]
    assert accounting["inputs"] == accounting["documents"] + accounting["rejects"] == len(documents) + len(rejects)
