"""Count elements for the live progress line (``pipeline/progress.py``) and pass them on unchanged."""
from __future__ import annotations

import apache_beam as beam

from pipeline.progress import ProgressCounter


class _CountFn(beam.DoFn):
    def __init__(self, channel: str, key: str):
        self._channel = channel
        self._key = key

    def setup(self):
        self._counter = ProgressCounter(self._channel)

    def process(self, element):
        self._counter.add(self._key)
        yield element

    def finish_bundle(self):
        self._counter.flush()

    def teardown(self):
        self._counter.flush()


class CountProgress(beam.PTransform):
    """Identity step that counts into the progress channel; with no channel (quiet, a cluster) it is left out."""

    def __init__(self, channel: str | None, key: str):
        super().__init__()
        self._channel = channel
        self._key = key

    def expand(self, pcoll):
        if not self._channel:
            return pcoll
        return pcoll | beam.ParDo(_CountFn(self._channel, self._key))
