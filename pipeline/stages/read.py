"""Read: input files to RawRecords, with a reject for every file or record that cannot be read."""
from __future__ import annotations

from typing import NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipeline.config import InputSettings
from pipeline.core.types import Reject
from pipeline.io.readers import InputFile, InputSummary, read_input
from pipeline.stages.timing import stage_timer, timer_counter

REJECTS, INPUTS = "rejects", "inputs"


class ReadOutputs(NamedTuple):
    records: beam.PCollection
    rejects: beam.PCollection
    inputs: beam.PCollection


class _ReadFile(beam.DoFn):
    def __init__(self, settings: InputSettings):
        self._settings = settings

    def setup(self):
        self._files_counter = Metrics.counter("read", "files")
        self._records_counter = Metrics.counter("read", "records")
        self._rejects_counter = Metrics.counter("read", "rejects")
        self._timer = timer_counter("read")

    def process(self, file: InputFile):
        units = read_input(file, self._settings)  # a generator: an archive is never held whole
        while True:
            with stage_timer(self._timer):
                unit = next(units, None)
            if unit is None:
                break
            if isinstance(unit, InputSummary):
                for kind, n in unit.skipped_records:
                    Metrics.counter("read", f"skipped_{kind}").inc(n)
                yield beam.pvalue.TaggedOutput(INPUTS, unit)
            elif isinstance(unit, Reject):
                self._rejects_counter.inc()
                Metrics.counter("rejects", unit.reason).inc()
                yield beam.pvalue.TaggedOutput(REJECTS, unit)
            else:
                self._records_counter.inc()
                yield unit
        self._files_counter.inc()


class ReadInputs(beam.PTransform):
    """Read every input file; inputs that matched nothing arrive as ready-made rejects, skipped ones as summaries."""

    def __init__(self, files: list[InputFile], early_rejects: list[Reject], settings: InputSettings,
                 skipped: list[InputSummary] = ()):
        super().__init__()
        self._files = files
        self._early_rejects = early_rejects
        self._skipped = list(skipped)
        self._settings = settings

    def expand(self, pbegin):
        results = (
            pbegin
            | "List input files" >> beam.Create(self._files)
            | "Spread files over workers" >> beam.Reshuffle()
            | "Read each file" >> beam.ParDo(_ReadFile(self._settings)).with_outputs(
                    REJECTS, INPUTS, main="records")
        )
        missing = pbegin | "Inputs that matched nothing" >> beam.Create(self._early_rejects)
        missing_inputs = missing | "Count them as inputs" >> beam.Map(
            lambda r: InputSummary(r.input, 0, "", 1, "rejected"))
        skipped = pbegin | "Inputs processed by earlier runs" >> beam.Create(self._skipped)
        rejects = (results[REJECTS], missing) | "All read rejects" >> beam.Flatten()
        inputs = (results[INPUTS], missing_inputs, skipped) | "All inputs" >> beam.Flatten()
        return ReadOutputs(results.records, rejects, inputs)


