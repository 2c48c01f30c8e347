"""Time spent inside each stage's DoFns, as Beam counters (milliseconds, summed over workers).

The manifest turns them into ``stage_seconds`` for the summary and the report: on a local run they
show where the time goes; on a cluster they are CPU time summed over all workers, not wall time.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

from apache_beam.metrics import Metrics

NAMESPACE = "timing"


@contextmanager
def stage_timer(counter):
    started = time.perf_counter()
    try:
        yield
    finally:
        counter.inc(int((time.perf_counter() - started) * 1000))


def timer_counter(stage: str):
    return Metrics.counter(NAMESPACE, f"{stage}_ms")


def stage_seconds(metrics: dict[str, int]) -> dict[str, float]:
    prefix = f"{NAMESPACE}."
    return {key[len(prefix):-3]: round(value / 1000, 3) for key, value in metrics.items()
            if key.startswith(prefix) and key.endswith("_ms")}
