"""Write each table as ``DIR/<table>/part-*.parquet`` (zstd, explicit schema), then the manifest."""
from __future__ import annotations

import json
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq

from pipeline.config import OutputSettings
from pipeline.schema import INDEX_TABLES, TABLES


class WriteTable(beam.PTransform):
    """Rows (dicts) to one table folder; Beam writes an empty shard when there are no rows."""

    def __init__(self, table_dir: str, table: str, settings: OutputSettings, shard_prefix: str = ""):
        super().__init__()
        self._prefix = f"{table_dir.rstrip('/')}/{shard_prefix}part"
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


def table_row_counts(table_dirs: dict[str, Path]) -> dict[str, int]:
    """Rows per table, from the Parquet footers (no data read)."""
    return {table: sum(pq.ParquetFile(f).metadata.num_rows for f in sorted(Path(folder).rglob("*.parquet")))
            for table, folder in table_dirs.items()}


def write_json(path: str | Path, data: dict) -> None:
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
