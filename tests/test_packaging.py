"""The package declares its data files the standard way: a build copies them and setuptools does not warn."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_build_copies_data_and_models_without_package_discovery_warnings(tmp_path):
    build = subprocess.run([sys.executable, "setup.py", "-q", "build_py", "-d", str(tmp_path)], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    output = build.stdout + build.stderr
    assert "absent from the `packages` configuration" not in output
    assert "Package would be ignored" not in output
    for folder in ("data", "models"):
        shipped = {p.name for p in (ROOT / "pipeline" / folder).iterdir() if p.is_file()}
        built = {p.name for p in (tmp_path / "pipeline" / folder).iterdir()}
        assert shipped and shipped <= built, folder
