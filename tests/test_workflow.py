"""The scheduled workflow passes GitHub Actions' security linter (zizmor, offline) with no medium or high finding."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "scheduled.yml"


def zizmor() -> str | None:
    here = Path(sys.executable).parent / "zizmor"  # the test extra installs it beside the interpreter
    return str(here) if here.exists() else shutil.which("zizmor")


@pytest.mark.skipif(zizmor() is None, reason="zizmor is not installed (pip install -e '.[test]')")
def test_scheduled_workflow_has_no_medium_or_high_zizmor_finding():
    proc = subprocess.run([zizmor(), "--offline", "--format", "json", str(WORKFLOW)],
                          capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip(), proc.stderr[-2000:]
    findings = json.loads(proc.stdout)
    serious = [(f["ident"], f["determinations"]["severity"], f["locations"][0]["symbolic"]["annotation"])
               for f in findings if f["determinations"]["severity"] in ("Medium", "High")]
    assert serious == [], serious
    assert not [f for f in findings if f["ident"] == "template-injection"], "inputs reach the shell through env:"
