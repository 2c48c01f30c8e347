"""Command line: ``newscorpus run INPUT... --output DIR`` and ``newscorpus report DIR``.

Exit codes: 0 success; 2 bad arguments or configuration (an unknown runner or Beam flag, an output
no installed filesystem serves or that cannot be written); 3 a stage failed, the accounting did
not add up, or more inputs were rejected than ``run.max_reject_share`` allows.
Flags this parser does not know are Beam's and go to ``PipelineOptions`` untouched.
"""
from __future__ import annotations

import argparse
import sys

from pipeline.config import ConfigError, load_config
from pipeline.local_workers import configure_logging

EXIT_USAGE = 2


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newscorpus", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="process articles into Parquet tables",
                              epilog="Any other --flag is passed to Beam (e.g. --runner, --direct_num_workers).")
    run.add_argument("inputs", nargs="+", metavar="INPUT", help="a file, a directory or a glob")
    run.add_argument("--output", "-o", required=True, metavar="DIR",
                     help="folder or URI (s3://, gs://, any Beam filesystem) for the tables and manifest")
    run.add_argument("--config", "-c", metavar="FILE", help="YAML config (default: configs/local.yaml)")
    run.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                     help="override one config value, e.g. --set dedup.threshold=0.8 (repeatable)")
    run.add_argument("--report", action="store_true", help="also write report.html into DIR")
    run.add_argument("--incremental", action="store_true",
                     help="add to DIR: skip inputs already processed, dedup against earlier runs, "
                          "write this run's tables under <table>/run=<id>/")
    run.add_argument("--batch-files", type=int, metavar="N", help="one Beam pipeline per N input files (bounded memory)")
    run.add_argument("--batch-mb", type=float, metavar="M", help="... or per M megabytes of input")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress lines, summary only")

    report = commands.add_parser("report", help="write report.html and report.json for a finished run")
    report.add_argument("output", metavar="DIR", help="the output folder of a run")
    report.add_argument("--top", type=int, default=20, help="rows per top-N chart and drill-down")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args, beam_args = parser.parse_known_args(argv)
    configure_logging()
    if args.command == "report":
        return _report(args)
    unknown_ours = [a for a in beam_args if a.startswith("-") and not a.startswith("--")]
    if unknown_ours:
        parser.error(f"unknown option {unknown_ours[0]}")
    try:
        overrides = list(args.set)
        if args.batch_files is not None:
            overrides.append(f"run.batch_files={args.batch_files}")
        if args.batch_mb is not None:
            overrides.append(f"run.batch_megabytes={args.batch_mb}")
        config = load_config(args.config, overrides)
        if args.report:
            config = _with_report(config)
        if args.quiet:
            config = _quiet(config)
        from pipeline.run import RunFailed, print_summary, run

        try:
            result = run(args.inputs, args.output, config, list(config.run.beam_args) + beam_args,
                         incremental=args.incremental)
        except RunFailed as exc:
            print(f"newscorpus: run failed: {exc}", file=sys.stderr)
            return 3
    except ConfigError as exc:
        print(f"newscorpus: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if config.output.report:
        from pipeline.report import write_report

        write_report(result.output_dir)
    print_summary(result)
    return 0


def _with_report(config):
    import dataclasses

    return dataclasses.replace(config, output=dataclasses.replace(config.output, report=True))


def _quiet(config):
    import dataclasses

    return dataclasses.replace(config, run=dataclasses.replace(config.run, progress_seconds=float("inf")))


def _report(args) -> int:
    from pipeline.report import write_report

    try:
        html_path = write_report(args.output, top=args.top)
    except FileNotFoundError as exc:
        print(f"newscorpus: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"report: {html_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
