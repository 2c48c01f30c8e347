"""Compare two runs' tables row by row: the check behind every "output unchanged" claim.

    python bench/compare_tables.py OUT_A OUT_B [--tables documents sentences ...] [--show 5]

Each table of both runs is read whole (``OUT/<table>/**/*.parquet``), floats are rounded to 1e-6,
rows are turned into sorted tuples, and the script prints per table the row counts, how many rows
are only in A or only in B, and the first few of each. Exit status 1 when any table differs.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

TABLES = ("documents", "sentences", "entities", "sources", "clusters", "rejects", "inputs")


def rows(folder: Path, ignore: set[str]) -> list[tuple]:
    files = sorted(folder.rglob("*.parquet"))
    if not files:
        return []
    table = pa.concat_tables([pq.read_table(f) for f in files], promote_options="default")
    names = [n for n in table.column_names if n not in ignore]
    # repr orders rows whatever their None values (equal rows have equal reprs)
    return sorted((tuple(_plain(v) for v in row) for row in zip(*(table.column(n).to_pylist() for n in names))), key=repr)


def _plain(value):
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, dict):
        return tuple(sorted((k, _plain(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--tables", nargs="+", default=list(TABLES))
    parser.add_argument("--ignore", nargs="*", default=[], help="columns left out of the comparison")
    parser.add_argument("--show", type=int, default=3, help="differing rows printed per side")
    args = parser.parse_args()
    differ = False
    for table in args.tables:
        a, b = rows(args.a / table, set(args.ignore)), rows(args.b / table, set(args.ignore))
        only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
        same = not only_a and not only_b and len(a) == len(b)
        differ |= not same
        print(f"{table:10} A {len(a):>8}  B {len(b):>8}  only A {len(only_a):>6}  only B {len(only_b):>6}  "
              f"{'identical' if same else 'DIFFERENT'}")
        for label, extra in (("A", only_a), ("B", only_b)):
            for row in extra[:args.show]:
                print(f"    only {label}: {str(row)[:300]}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
