"""Making sure the services the settings point at answer before the tests use them.

A service on this machine (127.0.0.1 or localhost) that does not answer is started, and
installed from Debian's packages first where apt-get is available. When that cannot be
done the tests fail with a message saying what is missing; they never skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}
WAIT_SECONDS = 30


class ServiceUnavailableError(RuntimeError):
    """A service the settings point at cannot be reached or started."""


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
    raise ServiceUnavailableError(
        f"{name} did not answer on {host}:{port} within {WAIT_SECONDS} s."
    )


def apt_install(package: str) -> None:
    if shutil.which("apt-get") is None:
        raise ServiceUnavailableError(f"{package} is not installed and apt-get is not available.")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env, timeout=600)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", package], check=True, env=env, timeout=900
    )


def ensure_redis(url: str) -> None:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    if answers(host, port):
        return
    if host not in LOCAL_HOSTS:
        raise ServiceUnavailableError(f"Redis at {host}:{port} does not answer (REDIS_URL={url}).")
    if shutil.which("redis-server") is None:
        apt_install("redis-server")
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(port),
         "--save", "", "--appendonly", "no"],
        check=True, timeout=60,
    )  # fmt: skip
    wait_for(host, port, "Redis")


def ensure_postgresql(host: str, port: int) -> None:
    if answers(host, port):
        return
    if host not in LOCAL_HOSTS:
        raise ServiceUnavailableError(f"PostgreSQL at {host}:{port} does not answer.")
    if shutil.which("pg_ctlcluster") is None:
        apt_install("postgresql")
    versions = sorted(path.name for path in Path("/etc/postgresql").iterdir())
    if not versions:
        raise ServiceUnavailableError(
            "PostgreSQL is installed but has no cluster in /etc/postgresql."
        )
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
        check=False, timeout=120,
    )  # fmt: skip
    wait_for(host, port, "PostgreSQL")


def ensure_services(settings) -> None:
    """Start what ``settings`` use: PostgreSQL for the database, Redis for the layer."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        ensure_postgresql(database.get("HOST") or "127.0.0.1", int(database.get("PORT") or 5432))
    if getattr(settings, "REDIS_URL", ""):
        ensure_redis(settings.REDIS_URL)


def ensure_database(settings) -> None:
    """Create the PostgreSQL database the settings name, when it does not exist yet."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return
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
