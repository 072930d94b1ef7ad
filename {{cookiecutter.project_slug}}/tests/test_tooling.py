"""The project's tooling files: pre-commit hooks that run offline, and CI running the README's
test command."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.test import SimpleTestCase

pytestmark = pytest.mark.slow

PROJECT_DIR = Path(__file__).resolve().parent.parent
PRE_COMMIT = PROJECT_DIR / ".pre-commit-config.yaml"
WORKFLOW = PROJECT_DIR / ".github" / "workflows" / "ci.yml"
README = PROJECT_DIR / "README.md"


def quick_start_test_commands() -> list[str]:
    """The commands of the README's Quick start block that run tests."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "The README's Quick start has no ```sh block."
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    return [command for command in commands if re.search(r"\btest\b", command)]


class PreCommitTests(SimpleTestCase):
    def test_the_configuration_is_valid(self):
        result = subprocess.run(
            [sys.executable, "-m", "pre_commit", "validate-config", str(PRE_COMMIT)],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_every_hook_runs_a_tool_of_the_project_itself(self):
        config = yaml.safe_load(PRE_COMMIT.read_text(encoding="utf-8"))
        self.assertEqual({repo["repo"] for repo in config["repos"]}, {"local"})
        hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
        self.assertEqual({hook["language"] for hook in hooks}, {"system"})
        self.assertEqual(
            [hook["id"] for hook in hooks], ["ruff-check", "ruff-format", "mypy", "django-check"]
        )
        for hook in hooks:
            self.assertIn(".venv/bin/python", hook["entry"], hook["id"])


class WorkflowTests(SimpleTestCase):
    def setUp(self):
        self.workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
        self.job = self.workflow["jobs"]["test"]

    def test_its_commands_are_the_readmes_test_commands(self):
        commands = [
            line.strip()
            for step in self.job["steps"]
            if "run" in step
            for line in step["run"].splitlines()
            if line.strip()
        ]
        readme = quick_start_test_commands()
        self.assertEqual(readme, ["make test"])
        self.assertEqual(commands, readme)

    def test_it_runs_python_3_11_on_ubuntu_with_postgresql_and_redis(self):
        self.assertTrue(self.job["runs-on"].startswith("ubuntu"))
        versions = [step["with"]["python-version"] for step in self.job["steps"] if "with" in step]
        self.assertEqual(versions, ["3.11"])
        services = self.job["services"]
        self.assertEqual(services["postgres"]["ports"], ["5432:5432"])
        self.assertEqual(services["redis"]["ports"], ["6379:6379"])
        # The default DATABASE_URL connects as postgres without a password.
        self.assertEqual(services["postgres"]["env"]["POSTGRES_HOST_AUTH_METHOD"], "trust")
