"""Runs the JavaScript client's unit tests (tests/js) with Node's built-in test runner."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent


def test_the_javascript_client_unit_tests_pass():
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js 20 or newer is needed for tests/js: run `make tools`.")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    major = int(re.match(r"v(\d+)", version.stdout).group(1))
    if major < 20:
        found = version.stdout.strip()
        pytest.fail(f"Node.js 20 or newer is needed for tests/js, not {found}: run `make tools`.")
    result = subprocess.run(
        [node, "--test", "tests/js/"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    passed = int(re.search(r"^# pass (\d+)$", result.stdout, re.MULTILINE).group(1))
    assert passed >= 10
    assert re.search(r"^# fail 0$", result.stdout, re.MULTILINE)
