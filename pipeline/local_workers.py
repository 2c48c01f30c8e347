"""Local runs on every core: the FnApiRunner with its stages on worker processes of our own.

Beam's ``multi_processing`` mode starts its SDK workers as ``python -m
apache_beam.runners.worker.sdk_worker_main``, which prints each of its start-up and shut-down steps
at INFO to the terminal it shares with the launcher (a dozen lines per worker and run). The runner
built here starts the same SDK harness through ``python -m pipeline.local_workers`` instead, which
first sends only warnings and errors to stderr; everything still reaches the launcher through
Beam's logging service. The FnApiRunner gives each stage's input to the workers in parts, so the
taggers (after the deduplication's shuffle) run on every core; the tables are the ones a
one-process run writes (``tests/test_local_workers.py``).
"""
from __future__ import annotations

import logging
import shlex
import sys

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def configure_logging() -> None:
    """Warnings and errors to stderr, without Beam's notes that do not concern a user (``_NOISE``)."""
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.addFilter(_drop_noise)
    console.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(handlers=[console], level=logging.WARNING)


# Beam's notes that say nothing to a user of this tool: Google Cloud clients are optional here; local
# workers have no persistent directory; and the runner's advice to use its own multi_processing mode
# when it sees several workers with in_memory, which is how process_runner is driven on purpose.
_NOISE = ("apitools not found", "No semi_persistent_directory found", "If direct_num_workers is not equal to 1")


def _drop_noise(record: logging.LogRecord) -> bool:
    message = record.getMessage()
    return not any(note in message for note in _NOISE)


def process_runner(options):
    """An FnApiRunner whose workers are processes started by ``main`` below (give it
    ``direct_num_workers`` and ``direct_running_mode=in_memory``: the environment, not the mode,
    makes them processes, and the mode must not replace it with Beam's own). The run's flags go to
    the workers in the provision info, so that their filesystems (``--s3_endpoint_url``, credentials,
    ...) are the launcher's; Beam's FnApiRunner gives its workers none."""
    from apache_beam.portability.api import beam_provision_api_pb2
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner
    from apache_beam.runners.portability.fn_api_runner.fn_runner import ExtendedProvisionInfo
    from apache_beam.transforms.environments import SubprocessSDKEnvironment
    from google.protobuf import json_format, struct_pb2

    # numbers travel as strings: the options Struct would make 2 into 2.0, which the workers' flag parser refuses
    flags = {name: value if isinstance(value, (str, bool, list)) else str(value)
             for name, value in options.get_all_options(drop_default=True).items()
             if isinstance(value, (str, int, float, bool, list))}
    info = beam_provision_api_pb2.ProvisionInfo(
        retrieval_token="unused-retrieval-token",
        pipeline_options=json_format.ParseDict({"options": flags}, struct_pb2.Struct()))
    command = f"{shlex.quote(sys.executable)} -m pipeline.local_workers"
    return FnApiRunner(default_environment=SubprocessSDKEnvironment.from_command_string(command),
                       provision_info=ExtendedProvisionInfo(info))


def main() -> None:
    configure_logging()
    from apache_beam.runners.worker import sdk_worker_main

    sdk_worker_main.main(sys.argv)


if __name__ == "__main__":
    main()
