"""A real Daphne process serving the project, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from websockets.sync.client import connect

PROJECT_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0


def database_url_for_other_processes() -> str:
    """The URL of the database the tests are using, for other processes."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    user = quote(database.get("USER") or "")
    password = f":{quote(database['PASSWORD'])}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DaphneServer:
    """``daphne config.asgi:application`` on 127.0.0.1 and a free port, on the test database.

    It runs the test settings, which are the production settings (DEBUG off) with the test
    suite's password hasher, so that users the tests create can sign in.
    """

    def __init__(
        self,
        max_message_size: int | None = None,
        env: dict | None = None,
        app: str = "config.asgi:application",
    ) -> None:
        self.port = free_port()
        self.app = app
        self.max_message_size = max_message_size or settings.DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        """The origin of the pages this server serves, which its WebSocket routes accept."""
        return f"http://127.0.0.1:{self.port}"

    def connect(self, route: str, session_cookie: str | None = None, **options):
        """A WebSocket client connection to ``route`` (use it as a context manager)."""
        headers = {"Cookie": f"sessionid={session_cookie}"} if session_cookie else {}
        headers.update(options.pop("headers", {}))
        options.setdefault("open_timeout", 10)
        options.setdefault("close_timeout", 5)
        return connect(
            f"{self.url}{route}",
            origin=options.pop("origin", self.origin),
            additional_headers=headers,
            **options,
        )

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
        env.update(
            DJANGO_SETTINGS_MODULE="config.test_settings",
            DJANGO_SECRET_KEY=settings.SECRET_KEY,
            DATABASE_URL=database_url_for_other_processes(),
            TESTS_KEEP_CHANNEL_LAYER="1",
            # Redis keys of its own, unless a test shares them between servers on purpose.
            CHANNEL_LAYER_PREFIX=f"test-{uuid.uuid4().hex[:12]}",
        )
        env.update(self.extra_env)
        return env

    def __enter__(self) -> DaphneServer:
        command = [
            sys.executable, "-m", "daphne",
            "-b", "127.0.0.1", "-p", str(self.port),
            "--websocket-max-message-size", str(self.max_message_size),
            self.app,
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=self.environment(), stdout=self.log, stderr=self.log
        )
        self.wait_until_listening()
        return self

    def wait_until_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Daphne exited early:\n{self.output()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Daphne did not listen within {START_TIMEOUT} s:\n{self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def __exit__(self, *exc_info) -> None:
        self.stop()
        self.log.close()
