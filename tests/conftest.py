import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data"
SEED = SAMPLE / "000_a1f66a99b40bb683.txt"  # the real wire story the project started from (../shared/seed), unchanged
CONSTRUCTED = SAMPLE / "constructed_article_ar.txt"  # written for the tests: quotes, credits, a French sentence
SHARED_DATA = Path(os.environ.get("NEWSCORPUS_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def seed_text() -> str:
    from pipeline.core.clean import clean_text

    return clean_text(SEED.read_text(encoding="utf-8")).text


@pytest.fixture
def constructed_text() -> str:
    from pipeline.core.clean import clean_text

    return clean_text(CONSTRUCTED.read_text(encoding="utf-8")).text


def needs_shared_data(*parts: str):
    path = SHARED_DATA.joinpath(*parts)
    return pytest.mark.skipif(not path.exists(), reason=f"shared data not found at {path}")
