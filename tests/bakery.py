"""Helpers for the template's tests: answers, commands and checks on rendered projects."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from itertools import combinations
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
PROJECT_TEMPLATE = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
QUESTIONS = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8"))
FEATURES = ("subscriptions",)
# The model actions the template asks about, in cookiecutter.json's order.
ACTIONS = tuple(
    key.removeprefix("include_")
    for key in QUESTIONS
    if key.startswith("include_") and key.removeprefix("include_") not in FEATURES
)


def load_action_table():
    """The vendored module's action table, which imports nothing from Django."""
    path = PROJECT_TEMPLATE / "websocket_api" / "actions.py"
    spec = importlib.util.spec_from_file_location("template_actions", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(sys.modules[spec.name])
    return sys.modules[spec.name].MODEL_ACTIONS


# The npm packages of the rendered package-lock.json, installed once by `make services`
# (the provisioning project's `provision.py tools`) and shared by the rendered suites.
PROVISIONED_NODE_MODULES = TEMPLATE_DIR / ".venv" / "provision" / "provision" / "node_modules"


def link_node_modules(project: Path) -> None:
    """Give a rendered project the provisioned ``node_modules``, or fail saying how to get it."""
    assert (PROVISIONED_NODE_MODULES / ".package-lock.json").exists(), (
        f"{PROVISIONED_NODE_MODULES} is missing: run `make services` first."
    )
    (project / "node_modules").symlink_to(PROVISIONED_NODE_MODULES, target_is_directory=True)


TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%|\{#|^\s*# %", re.MULTILINE)


def selection(chosen) -> dict[str, bool]:
    """Answers that include exactly the ``chosen`` actions."""
    return {f"include_{action}": action in chosen for action in ACTIONS}


def subsets() -> list[tuple[str, ...]]:
    """Every selection of actions, the empty one included (64)."""
    return [combo for size in range(len(ACTIONS) + 1) for combo in combinations(ACTIONS, size)]


def run(args: list[str], cwd: Path, timeout: float = 300, **env: str):
    """Run a command to completion and return the finished process."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.pop("PYTEST_ADDOPTS", None)
    environment.update(env)
    return subprocess.run(
        args, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout
    )


def assert_succeeds(args: list[str], cwd: Path, timeout: float = 300, **env: str) -> str:
    result = run(args, cwd, timeout, **env)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def files_with_template_syntax(project: Path) -> list[str]:
    """Rendered files still holding Jinja; Django's own HTML templates are meant to."""
    found = []
    for path in project.rglob("*"):
        if "templates" in path.parts and path.suffix == ".html":
            continue
        if path.is_file() and ".venv" not in path.parts:
            text = path.read_text(encoding="utf-8", errors="replace")
            if TEMPLATE_SYNTAX.search(text):
                found.append(str(path.relative_to(project)))
    return found


def assert_lint_clean(project: Path) -> None:
    assert_succeeds(python("-m", "ruff", "check", "--no-cache", "."), project)
    assert_succeeds(python("-m", "ruff", "format", "--check", "--no-cache", "."), project)


def assert_django_checks_pass(project: Path) -> None:
    assert_succeeds(
        python("manage.py", "check", "--fail-level", "WARNING"), project, DJANGO_DEBUG="1"
    )
