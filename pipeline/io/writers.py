"""Write each table as Parquet shards (zstd, explicit schema) through Beam's FileSystems, on any filesystem."""
from __future__ import annotations

import apache_beam as beam

from pipeline.config import OutputSettings
from pipeline.schema import INDEX_TABLES, TABLES


class WriteTable(beam.PTransform):
    """Rows (dicts) to ``<file_prefix>-SSSSS-of-NNNNN.parquet``; Beam writes an empty shard when there are no rows.

    The prefix carries the run id (see ``pipeline.io.output.Layout``), so a run never overwrites the
    shards of the run that readers still see.
    """

    def __init__(self, file_prefix: str, table: str, settings: OutputSettings):
        super().__init__()
        self._prefix = file_prefix
        self._schema = TABLES.get(table) or INDEX_TABLES[table]
        self._settings = settings

    def expand(self, rows):
        return rows | beam.io.WriteToParquet(
            self._prefix,
            self._schema,
            codec=self._settings.codec,
            file_name_suffix=".parquet",
            row_group_buffer_size=self._settings.row_group_buffer_bytes,
        )
