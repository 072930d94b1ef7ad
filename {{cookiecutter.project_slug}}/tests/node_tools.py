"""The npm tools the description tests run: the AsyncAPI parser and the TypeScript compiler."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
NODE_MODULES = PROJECT / "node_modules"
SCRIPTS = Path(__file__).resolve().parent / "js"


def node() -> str:
    found = shutil.which("node")
    assert found, "Node.js is missing: run `make tools`."
    return found


def package(name: str) -> Path:
    """An installed package's folder; fails with the command that installs it."""
    folder = NODE_MODULES / name
    assert (folder / "package.json").exists(), f"{name} is missing: run `make tools` (npm ci)."
    return folder


def asyncapi_diagnostics(*document_files: Path) -> list[dict]:
    """What ``@asyncapi/parser`` says of each document: whether it parsed, its diagnostics."""
    package("@asyncapi/parser")
    result = subprocess.run(
        [node(), str(SCRIPTS / "validate-asyncapi.mjs"), *map(str, document_files)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def tsc(*arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    """``tsc`` from the project's ``node_modules``, run in ``cwd``."""
    compiler = package("typescript") / "bin" / "tsc"
    return subprocess.run(
        [node(), str(compiler), *arguments], capture_output=True, text=True, timeout=300, cwd=cwd
    )
