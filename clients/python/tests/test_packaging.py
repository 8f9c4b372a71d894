"""The package builds as a wheel holding both modules and the console scripts."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import PYTHON_DIR


def test_the_wheel_holds_the_client_the_gateway_and_the_scripts(tmp_path):
    pytest.importorskip("setuptools", reason="building the wheel needs setuptools")
    source = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    shutil.copytree(PYTHON_DIR, source, ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                            "--wheel-dir", str(tmp_path / "dist"), str(source)],
                           capture_output=True, text=True, timeout=180)
    output = build.stdout + build.stderr
    if build.returncode != 0 and "invalid command 'bdist_wheel'" in output:
        pytest.skip("SKIPPED: this setuptools needs the 'wheel' package to build wheels (pip install wheel)")
    if build.returncode != 0 and "setuptools>=61" in output:
        pytest.skip("SKIPPED: this setuptools is older than 61 (pyproject metadata)")
    assert build.returncode == 0, output
    wheels = list((tmp_path / "dist").glob("magnus_client-*.whl"))
    assert len(wheels) == 1
    names = zipfile.ZipFile(wheels[0]).namelist()
    for module in ("magnus_client/__init__.py", "magnus_client/async_client.py", "magnus_gateway/app.py",
                   "magnus_gateway/cli.py"):
        assert module in names, module
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    scripts = zipfile.ZipFile(wheels[0]).read(entry_points).decode()
    assert "magnus-gateway = magnus_gateway.cli:main" in scripts
