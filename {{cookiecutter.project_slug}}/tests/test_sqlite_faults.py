"""SQLite write-locked by another process for longer than a request may wait."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from contextlib import ExitStack

import pytest
from django.conf import settings
from django.test import TransactionTestCase

from tests.browser_http import HttpClient
from tests.daphne_server import DaphneServer
from tests.support import PASSWORD, create_user, offered, sample_requests, session_cookie

pytestmark = pytest.mark.slow

LOCK_SECONDS = 6
HOLD_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("ROLLBACK")
"""
WRITES = [name for name in ("patch", "update", "create", "delete") if offered(name)]
READ = "retrieve" if offered("retrieve") else "list"


class SqliteLockTests(TransactionTestCase):
    def test_a_locked_database_gives_writes_a_503_while_reads_and_others_go_on(self):
        staff = create_user("staff", staff=True)
        target = create_user("target")
        stack = ExitStack()
        self.addCleanup(stack.close)
        server = stack.enter_context(DaphneServer(env={"DJANGO_DB_TIMEOUT": "2"}))
        cookie = session_cookie(staff)
        writer = stack.enter_context(server.connect("/ws/users/", cookie))
        reader = stack.enter_context(server.connect("/ws/users/", cookie))
        write = WRITES[0] if WRITES else None
        read_payload = sample_requests(target)[READ]

        database = settings.DATABASES["default"]["NAME"]
        locker = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, database, str(LOCK_SECONDS)],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.addCleanup(locker.kill)
        self.assertEqual(locker.stdout.readline().strip(), "locked")
        started = time.monotonic()
        if write:
            payload = sample_requests(target)[write]
            writer.send(json.dumps({"action": write, "request_id": "w", **payload}))
        # Another connection's read is answered at once, before the blocked write's reply.
        reader.send(json.dumps({"action": READ, "request_id": "r", **read_payload}))
        read_reply = json.loads(reader.recv(timeout=10))
        self.assertEqual(read_reply["response_status"], 200)
        self.assertLess(time.monotonic() - started, 1.5)
        http = HttpClient(server.origin)
        basic = {"Authorization": "Basic " + _basic("staff")}
        self.assertEqual(http.request("GET", "/api/users/", None, basic)[0], 200)
        if write:
            write_reply = json.loads(writer.recv(timeout=10))
            self.assertEqual(write_reply["response_status"], 503, write_reply)
            self.assertIn("database is unavailable", write_reply["errors"][0])
            self.assertLess(time.monotonic() - started, LOCK_SECONDS)
        locker.wait(timeout=LOCK_SECONDS + 10)
        if write:  # once the lock is gone, the same write goes through
            payload = sample_requests(target)[write]
            writer.send(json.dumps({"action": write, "request_id": "w2", **payload}))
            self.assertLess(json.loads(writer.recv(timeout=10))["response_status"], 300)


def _basic(username):
    import base64

    return base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
