"""SaudiNewsNet access for the sources bench scripts (reads the shared zips in place; never copies text).

The data is CC BY-NC-SA 4.0: it is read from the shared folder at run time and never stored in the
project. Resolve the folder with env NEWSCORPUS_SHARED_DATA or ``<repo>/../shared/data``.
"""
from __future__ import annotations

import json
import os
import random
import zipfile
from pathlib import Path
from typing import Iterator

SAMPLE_SEED = 20150721
MIN_CHARS, MAX_CHARS = 200, 1800  # the gold sample keeps articles short enough to annotate by hand


def shared_data_dir() -> Path:
    env = os.environ.get("NEWSCORPUS_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


def saudinewsnet_zips() -> list[Path]:
    root = shared_data_dir() / "saudinewsnet"
    return sorted(root.glob("*.zip")) if root.is_dir() else []


def iter_articles() -> Iterator[tuple[str, dict]]:
    """(zip name, record) for every article of every shared zip, in a fixed order."""
    for path in saudinewsnet_zips():
        with zipfile.ZipFile(path) as zf:
            for member in sorted(zf.namelist()):
                for record in json.loads(zf.read(member)):
                    yield path.name, record


def sample(n: int, skip: int = 0) -> list[tuple[str, dict]]:
    """A fixed sample: articles of MIN..MAX chars, shuffled per outlet with SAMPLE_SEED, then taken
    round-robin over outlets (sorted by name). ``skip`` drops the first picks (the test set is
    picks 0..39, the development set the picks after it)."""
    by_outlet: dict[str, list[tuple[str, dict]]] = {}
    for zname, rec in iter_articles():
        if MIN_CHARS <= len(rec.get("content") or "") <= MAX_CHARS:
            by_outlet.setdefault(rec["source"], []).append((zname, rec))
    rng = random.Random(SAMPLE_SEED)
    outlets = sorted(by_outlet)
    for o in outlets:
        by_outlet[o].sort(key=lambda zr: zr[1]["url"])
        rng.shuffle(by_outlet[o])
    picks: list[tuple[str, dict]] = []
    i = 0
    while len(picks) < skip + n and any(by_outlet.values()):
        for o in outlets:
            if i < len(by_outlet[o]):
                picks.append(by_outlet[o][i])
        i += 1
    return picks[skip:skip + n]
