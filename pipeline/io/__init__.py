"""Readers (inputs to RawRecord) and writers (Parquet tables, manifest). All file access goes through
Beam's FileSystems, so local paths, gs:// and s3:// work wherever Beam's filesystems are installed."""
