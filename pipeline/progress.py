"""Live progress of a run: the DoFns count into a folder of small files, a thread in the launcher prints.

Beam's metrics are final only when a pipeline ends, and the DoFns may run in the launching process
(the in-process FnApiRunner) or in worker processes (``--direct_running_mode=multi_processing``), so
the counts travel through files: every counting DoFn instance rewrites its own ``<pid>-<id>.json``
(write, then atomic rename) at most every ``FLUSH_SECONDS`` and when a bundle ends, and the reporter
sums the files it finds. A worker that cannot see the folder (a remote cluster's machine) counts
nothing and never fails; the launcher starts a reporter only for the local runners.

On a terminal the reporter draws a tqdm bar of documents tagged; otherwise (CI logs, a file) it
prints one plain line per interval that a script can parse (``PROGRESS_RE``).
"""
from __future__ import annotations

import io
import json
import os
import re
import sys
import threading
import time
import uuid
from pathlib import Path

FLUSH_SECONDS = 0.5
STAGES = ("read", "tagged", "written")  # documents read, tagged, handed to the Parquet writer
PROGRESS_RE = re.compile(
    r"^progress elapsed=(?P<elapsed>[\d.]+)s batches=(?P<batches_done>\d+)/(?P<batches>\d+) "
    r"inputs=(?P<inputs_done>\d+)/(?P<inputs>\d+) read=(?P<read>\d+) tagged=(?P<tagged>\d+) "
    r"written=(?P<written>\d+) rate=(?P<rate>[\d.]+)/s eta=(?P<eta>[\d.]+s|-)$")


class ProgressCounter:
    """Worker side: counts of one DoFn instance, flushed to its own file in the channel folder."""

    def __init__(self, channel: str | None):
        self._path = None
        if channel and os.path.isdir(channel):  # never created here: a remote worker just counts nothing
            self._path = Path(channel) / f"{os.getpid()}-{uuid.uuid4().hex}.json"
        self._counts: dict[str, int] = {}
        self._flushed = 0.0

    def add(self, key: str, n: int = 1) -> None:
        if self._path is None:
            return
        self._counts[key] = self._counts.get(key, 0) + n
        if time.monotonic() - self._flushed >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self._path is None or not self._counts:
            return
        self._flushed = time.monotonic()
        tmp = self._path.with_name("." + self._path.name + ".tmp")
        try:
            tmp.write_text(json.dumps(self._counts))
            os.replace(tmp, self._path)
        except OSError:  # the folder went away (the run ended) or the disk is full: stop counting
            self._path = None


def read_counts(channel: str) -> dict[str, int]:
    """The sum of every counter file in the channel folder (a file being replaced is read whole or not at all)."""
    totals: dict[str, int] = {}
    for path in Path(channel).glob("*.json"):
        try:
            counts = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + int(value)
    return totals


def format_line(counts: dict[str, int], elapsed: float, rate: float, total_inputs: int, batches_done: int,
                batches: int) -> str:
    """One plain progress line; the estimate needs a tagging rate and a known (or projected) total."""
    inputs_done = counts.get("inputs", 0)
    read, tagged = counts.get("read", 0), counts.get("tagged", 0)
    total = expected_documents(counts, total_inputs)
    eta = f"{max(0.0, (total - tagged) / rate):.0f}s" if total and rate > 0 else "-"
    return (f"progress elapsed={elapsed:.1f}s batches={batches_done}/{batches} inputs={inputs_done}/{total_inputs} "
            f"read={read} tagged={tagged} written={counts.get('written', 0)} rate={rate:.1f}/s eta={eta}")


def expected_documents(counts: dict[str, int], total_inputs: int) -> int | None:
    """Documents the run will tag: those read once every input is read, else projected from the inputs done."""
    inputs_done, read = counts.get("inputs", 0), counts.get("read", 0)
    if not inputs_done or not total_inputs:
        return None
    return read if inputs_done >= total_inputs else round(read * total_inputs / inputs_done)


def _is_terminal(stream) -> bool:
    """A terminal wide enough for a bar (a pseudo-terminal of zero columns would show nothing)."""
    if not getattr(stream, "isatty", lambda: False)():
        return False
    try:
        return os.get_terminal_size(stream.fileno()).columns >= 40
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return True  # a terminal whose size cannot be asked: tqdm falls back to 80 columns


class ProgressReporter:
    """Launcher side: a daemon thread that prints the channel's counts every ``interval`` seconds.

    ``channel`` is a folder this object creates and removes. ``stream`` defaults to stderr; a
    terminal gets a tqdm bar (refreshed twice a second), anything else a plain line per interval
    and a last line when the reporter stops.
    """

    def __init__(self, channel: str, interval: float, total_inputs: int, batches: int = 1, stream=None):
        self.channel = channel
        self._interval = interval
        self._total_inputs = total_inputs
        self._batches = batches
        self.batches_done = 0
        self._stream = stream if stream is not None else sys.stderr
        self._started = time.monotonic()
        self._tagging_since = self._started  # last time nothing was tagged yet: reading and model loading
        self._stop = threading.Event()
        self._bar = None
        if _is_terminal(self._stream):
            from tqdm import tqdm

            self._bar = tqdm(total=None, unit="doc", desc="tagged", file=self._stream, dynamic_ncols=True,
                             mininterval=0.5)
        self._thread = threading.Thread(target=self._loop, name="newscorpus-progress", daemon=True)

    def __enter__(self) -> "ProgressReporter":
        Path(self.channel).mkdir(parents=True, exist_ok=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._report(final=True)
        if self._bar is not None:
            self._bar.close()
        for path in Path(self.channel).glob("*"):
            path.unlink(missing_ok=True)
        Path(self.channel).rmdir()

    def note(self, message: str) -> None:
        """A line of its own (e.g. a batch's memory) that does not break the bar."""
        if self._bar is not None:
            self._bar.write(message, file=self._stream)
        else:
            print(message, file=self._stream, flush=True)

    def _loop(self) -> None:
        wait = min(self._interval, 0.5) if self._bar is not None else self._interval
        while not self._stop.wait(wait):
            self._report()

    def _report(self, final: bool = False) -> None:
        counts = read_counts(self.channel)
        now = time.monotonic()
        tagged = counts.get("tagged", 0)
        if not tagged:
            self._tagging_since = now
        rate = tagged / (now - self._tagging_since) if tagged and now > self._tagging_since else 0.0
        if self._bar is None:
            print(format_line(counts, now - self._started, rate, self._total_inputs, self.batches_done, self._batches),
                  file=self._stream, flush=True)
            return
        total = expected_documents(counts, self._total_inputs)
        if total is not None and total != self._bar.total:
            self._bar.total = max(total, counts.get("tagged", 0))
        self._bar.update(counts.get("tagged", 0) - self._bar.n)  # update(), so that tqdm measures the rate
        self._bar.set_postfix_str(
            f"read {counts.get('read', 0)}, written {counts.get('written', 0)}, inputs "
            f"{counts.get('inputs', 0)}/{self._total_inputs}, batches {self.batches_done}/{self._batches}",
            refresh=False)
        self._bar.refresh()
