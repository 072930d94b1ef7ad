#!/usr/bin/env python
"""Install and start what the project needs on this machine; the tests only check.

``provision.py services`` starts the PostgreSQL and Redis the settings point at (when they
are on this machine and do not answer), installing Debian's packages first where apt-get
is available, and creates the database. ``provision.py tools`` installs what the test
suite drives: Chromium, Node.js 20 or newer, nginx, and the npm packages of
``package-lock.json`` (the AsyncAPI parser and the TypeScript compiler). ``make services``
and ``make tools`` run them; ``make run`` and ``make test`` call those targets.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}
WAIT_SECONDS = 30


class ProvisionError(RuntimeError):
    """Something this machine needs cannot be installed or started here."""


def answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host or "127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def wait_for(host: str, port: int, name: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if answers(host, port):
            return
        time.sleep(0.2)
    raise ProvisionError(f"{name} did not answer on {host}:{port} within {WAIT_SECONDS} s.")


def apt_install(*packages: str) -> None:
    if shutil.which("apt-get") is None:
        raise ProvisionError(f"Install {', '.join(packages)}: apt-get is not available here.")
    print(f"Installing Debian's {', '.join(packages)}.", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env, timeout=600)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", *packages], check=True, env=env, timeout=1200
    )


def start_redis(url: str) -> None:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    if answers(host, port):
        return
    if host not in LOCAL_HOSTS:
        raise ProvisionError(f"Redis at {host}:{port} does not answer (REDIS_URL={url}).")
    if shutil.which("redis-server") is None:
        apt_install("redis-server")
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(port),
         "--save", "", "--appendonly", "no"],
        check=True, timeout=60,
    )  # fmt: skip
    wait_for(host, port, "Redis")


def start_postgresql(host: str, port: int) -> None:
    if answers(host, port):
        return
    if host not in LOCAL_HOSTS:
        raise ProvisionError(f"PostgreSQL at {host}:{port} does not answer.")
    if shutil.which("pg_ctlcluster") is None:
        apt_install("postgresql")
    clusters = Path("/etc/postgresql")
    versions = sorted(path.name for path in clusters.iterdir()) if clusters.is_dir() else []
    if not versions:
        raise ProvisionError("PostgreSQL is installed but has no cluster in /etc/postgresql.")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
        check=False, timeout=120,
    )  # fmt: skip
    wait_for(host, port, "PostgreSQL")


def create_database(database: dict) -> None:
    """Create the PostgreSQL database the settings name, when it does not exist yet."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=database.get("HOST") or "127.0.0.1",
        port=int(database.get("PORT") or 5432),
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        name = database["NAME"]
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if found.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def services() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        start_postgresql(database.get("HOST") or "127.0.0.1", int(database.get("PORT") or 5432))
        create_database(database)
    if getattr(settings, "REDIS_URL", ""):
        start_redis(settings.REDIS_URL)


def node_major() -> int | None:
    node = shutil.which("node")
    if node is None:
        return None
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    digits = version.stdout.strip().lstrip("v").split(".")[0]
    return int(digits) if digits.isdigit() else None


def npm_packages() -> None:
    """``npm ci`` when ``node_modules`` is missing or older than ``package-lock.json``."""
    lock = PROJECT_DIR / "package-lock.json"
    installed = PROJECT_DIR / "node_modules" / ".package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    if shutil.which("npm") is None:
        apt_install("npm")
    npm = shutil.which("npm") or "npm"
    command = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
    subprocess.run(command, cwd=PROJECT_DIR, check=True, timeout=900)


def tools() -> None:
    from tests.browser import find_chromium
    from tests.nginx import find_nginx

    if find_chromium() is None:
        apt_install("chromium")
    print(f"Chromium: {find_chromium()}")
    if node_major() is None:
        apt_install("nodejs")
    if (node_major() or 0) < 20:
        raise ProvisionError("The JavaScript tests need Node.js 20 or newer (https://nodejs.org).")
    print(f"Node.js: {node_major()}")
    npm_packages()
    print("npm packages: node_modules")
    if find_nginx() is None:
        apt_install("nginx")
    print(f"nginx: {find_nginx()}")


if __name__ == "__main__":
    commands = {"services": services, "tools": tools}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: {sys.argv[0]} services|tools")
    try:
        commands[sys.argv[1]]()
    except (ProvisionError, subprocess.CalledProcessError) as exc:
        sys.exit(f"Cannot provide what this project needs: {exc}")
