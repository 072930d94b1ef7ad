"""PostgreSQL out of reach under a real Daphne: clear 503s, probes that say so, recovery."""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.test import TransactionTestCase

from tests.browser_http import HttpClient
from tests.daphne_server import DaphneServer, database_url_for_other_processes
from tests.faults import Relay
from tests.support import create_user, offered, sample_requests, session_cookie

pytestmark = pytest.mark.slow

READ = "retrieve" if offered("retrieve") else "list"


def through(relay: Relay, url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{relay.port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


class PostgresqlDownTests(TransactionTestCase):
    def test_a_stopped_database_gives_503s_and_the_server_recovers(self):
        target = create_user("target")
        staff = create_user("staff", staff=True)
        real = urlsplit(database_url_for_other_processes())
        relay = Relay(target=(real.hostname or "127.0.0.1", real.port or 5432)).start()
        self.addCleanup(relay.stop)
        stack = ExitStack()
        self.addCleanup(stack.close)
        env = {
            "DATABASE_URL": through(relay, database_url_for_other_processes()),
            "DJANGO_DB_CONNECT_TIMEOUT": "2",
            "DJANGO_CONN_MAX_AGE": "600",
        }
        server = stack.enter_context(DaphneServer(env=env))
        ws = stack.enter_context(server.connect("/ws/users/", session_cookie(staff)))
        payload = sample_requests(target)[READ]

        def call():
            started = time.monotonic()
            ws.send(json.dumps({"action": READ, "request_id": "r", **payload}))
            return json.loads(ws.recv(timeout=15)), time.monotonic() - started

        self.assertEqual(call()[0]["response_status"], 200)
        relay.stop()  # the database is gone for this server
        reply, seconds = call()
        self.assertEqual(reply["response_status"], 503, reply)
        self.assertIn("database is unavailable", reply["errors"][0])
        self.assertLess(seconds, 5)
        http = HttpClient(server.origin)
        self.assertEqual(http.request("GET", "/healthz")[0], 200)
        status, content, _ = http.request("GET", "/readyz")
        self.assertEqual(status, 503)
        self.assertIn("database", json.dumps(content).lower())
        relay.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and call()[0]["response_status"] != 200:
            time.sleep(0.5)
        self.assertEqual(call()[0]["response_status"], 200)
