"""newscorpus: news archives to analysis-ready Parquet tables with Apache Beam."""

__version__ = "0.1.0"
