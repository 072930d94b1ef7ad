"""The deployment files: the nginx site in front of the Daphne processes, and their unit."""

import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import pytest
from django.test import SimpleTestCase

from tests.nginx import SITE_FILE, check_config

pytestmark = pytest.mark.slow

PROJECT_DIR = Path(__file__).resolve().parent.parent
UNIT_FILE = PROJECT_DIR / "deploy" / "daphne@.service"
# The keys a Daphne unit cannot do without, by section.
REQUIRED_KEYS = {
    "Unit": {"Description", "After"},
    "Service": {"Type", "User", "WorkingDirectory", "EnvironmentFile", "ExecStart", "Restart"},
    "Install": {"WantedBy"},
}
DAPHNE_OPTIONS = (
    "--bind 127.0.0.1",
    "--port %i",
    "--proxy-headers",
    "--websocket-max-message-size",
    "config.asgi:application",
)


def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """A unit file's sections, each key with its values in order (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, equals, value = line.partition("=")
        if current is None or not equals:
            raise AssertionError(f"{UNIT_FILE.name}:{number}: not a key=value line: {raw!r}")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def unit_problems(text: str) -> list[str]:
    """What keeps ``text`` from being a unit that runs one Daphne process per port."""
    sections = parse_unit(text)
    problems = [
        f"[{section}] has no {key}="
        for section, keys in REQUIRED_KEYS.items()
        for key in sorted(keys - set(sections.get(section, {})))
    ]
    service = sections.get("Service", {})
    start = " ".join(service.get("ExecStart", []))
    problems += [f"ExecStart= lacks {option}" for option in DAPHNE_OPTIONS if option not in start]
    if not start.split(" ", 1)[0].startswith("/"):
        problems.append("ExecStart= must name its program by an absolute path")
    if service.get("Restart", [""])[-1] not in {"on-failure", "always"}:
        problems.append("Restart= must be on-failure or always")
    return problems


def analyze_options() -> list[str]:
    help_text = subprocess.run(
        ["systemd-analyze", "--help"], capture_output=True, text=True, timeout=30
    ).stdout
    options = ["--man=no"]
    if "--recursive-errors" in help_text:
        options.append("--recursive-errors=no")
    return options


def local_copy(text: str, folder: Path) -> str:
    """The unit with its paths and user replaced by this checkout's, for systemd-analyze."""
    service = parse_unit(text)["Service"]
    venv_bin = str(Path(service["ExecStart"][0].split()[0]).parent)
    env_file = folder / "env"
    env_file.write_text("DJANGO_DEBUG=0\n")
    replacements = {
        venv_bin: str(Path(sys.executable).parent),
        service["EnvironmentFile"][0]: str(env_file),
        service["WorkingDirectory"][0]: str(PROJECT_DIR),
        f"User={service['User'][0]}": f"User={pwd.getpwuid(os.geteuid()).pw_name}",
        f"Group={service['Group'][0]}": f"Group={grp.getgrgid(os.getegid()).gr_name}",
    }
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text


class NginxSiteTests(SimpleTestCase):
    def test_the_shipped_site_passes_nginx_t(self):
        result = check_config(SITE_FILE.read_text(encoding="utf-8"))
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_nginx_t_would_catch_a_broken_site(self):
        broken = SITE_FILE.read_text(encoding="utf-8").replace("proxy_pass ", "proxy_passes ")
        self.assertNotEqual(check_config(broken).returncode, 0)

    def test_the_site_forwards_websockets_and_the_clients_address(self):
        text = SITE_FILE.read_text(encoding="utf-8")
        for directive in (
            "proxy_http_version 1.1;",
            "proxy_set_header Upgrade $http_upgrade;",
            "proxy_set_header Connection $connection_upgrade;",
            "proxy_set_header Host $http_host;",
            "proxy_set_header X-Forwarded-For $remote_addr;",
            "proxy_set_header X-Forwarded-Proto $scheme;",
            "location /static/ {",
            "location = /metrics {",
        ):
            self.assertIn(directive, text)


class SystemdUnitTests(SimpleTestCase):
    def test_the_unit_has_what_a_daphne_process_needs(self):
        self.assertEqual(unit_problems(UNIT_FILE.read_text(encoding="utf-8")), [])

    def test_the_checks_name_what_is_wrong(self):
        broken = UNIT_FILE.read_text(encoding="utf-8").replace("--port %i", "--port 8000")
        broken = broken.replace("Restart=on-failure", "Restart=no")
        self.assertEqual(
            unit_problems(broken),
            ["ExecStart= lacks --port %i", "Restart= must be on-failure or always"],
        )

    def test_systemd_analyze_verifies_an_instance(self):
        if shutil.which("systemd-analyze") is None:
            warnings.warn(
                "systemd-analyze is not installed: deploy/daphne@.service was checked by "
                "parsing only (Debian's systemd package provides it).",
                stacklevel=1,
            )
            self.assertEqual(unit_problems(UNIT_FILE.read_text(encoding="utf-8")), [])
            return
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            unit = folder / UNIT_FILE.name
            unit.write_text(local_copy(UNIT_FILE.read_text(encoding="utf-8"), folder))
            instance = str(folder / "daphne@8001.service")
            command = ["systemd-analyze", "verify", *analyze_options(), instance]
            result = subprocess.run(command, capture_output=True, text=True, timeout=60)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            unit.write_text(unit.read_text().replace("Restart=", "Restrat="))
            result = subprocess.run(command, capture_output=True, text=True, timeout=60)
            self.assertNotEqual(result.returncode, 0, "systemd-analyze missed an unknown key")
