"""A client that stops reading: its socket is closed, memory stays bounded, others go on."""

from __future__ import annotations

import json
import socket
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import TransactionTestCase
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.daphne_server import DaphneServer
from tests.support import create_user, offered, sample_requests, session_cookie

pytestmark = pytest.mark.slow

READ = "list" if offered("list") else "retrieve"
SECONDS = 15.0
FRAMES = 20_000


def resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class SlowReaderTests(TransactionTestCase):
    def setUp(self):
        self.staff = create_user("staff", staff=True)
        User.objects.bulk_create(
            [User(username=f"filler{n}", email=f"filler{n}@example.com") for n in range(100)]
        )
        self.target = User.objects.get(username="filler1")
        self.stack = ExitStack()
        self.addCleanup(self.stack.close)

    def flood_without_reading(self, server) -> tuple[bool, int, float, list[float]]:
        """Send requests, never read the replies; return (closed, frames, RSS growth, bystander
        latencies)."""
        raw = socket.socket()
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a reader that lags
        raw.connect(("127.0.0.1", server.port))
        slow = connect(
            f"{server.url}/ws/users/",
            sock=raw,
            origin=server.origin,
            additional_headers={"Cookie": f"sessionid={session_cookie(self.staff)}"},
            max_queue=1,
            open_timeout=10,
        )
        self.stack.callback(slow.close)
        bystander = self.stack.enter_context(
            server.connect("/ws/users/", session_cookie(self.staff))
        )
        payload = sample_requests(self.target)[READ]
        frame = json.dumps({"action": READ, "request_id": 0, **payload})
        before = resident_mib(server.process.pid)
        closed, sent, latencies = False, 0, []
        deadline = time.monotonic() + getattr(self, "seconds", SECONDS)
        while time.monotonic() < deadline and sent < FRAMES and not closed:
            try:
                for _ in range(50):
                    slow.send(frame)
                    sent += 1
            except (ConnectionClosed, OSError):
                closed = True
                break
            started = time.monotonic()
            bystander.send(json.dumps({"action": READ, "request_id": sent, **payload}))
            reply = json.loads(bystander.recv(timeout=10))
            self.assertEqual(reply["response_status"], 200)
            latencies.append(time.monotonic() - started)
        if "stopped reading" in server.output():
            # The server dropped the connection: a few more sends find it gone.
            end = time.monotonic() + 5
            while not closed and time.monotonic() < end:
                try:
                    slow.send(frame)
                    time.sleep(0.05)
                except (ConnectionClosed, OSError):
                    closed = True
        growth = resident_mib(server.process.pid) - before
        return closed, sent, growth, latencies

    def test_a_client_that_stops_reading_is_closed_and_memory_stays_bounded(self):
        env = {"DJANGO_WS_MAX_UNSENT_BYTES": "262144", "DJANGO_THROTTLE_USER": "10000000/minute"}
        server = self.stack.enter_context(DaphneServer(env=env))
        closed, sent, growth, latencies = self.flood_without_reading(server)
        self.assertIn("Closing a WebSocket whose client stopped reading", server.output())
        self.assertTrue(closed, "the client could still send after the server gave up on it")
        self.assertLess(growth, 64, f"the server grew {growth:.0f} MiB")
        self.assertLess(max(latencies), 2.0)
        print(
            f"\nslow reader: closed after {sent} frames; server grew {growth:.1f} MiB; "
            f"bystander max {max(latencies) * 1000:.0f} ms"
        )

    def test_without_the_limit_the_server_keeps_buffering(self):
        self.seconds = 5.0
        env = {"DJANGO_WS_MAX_UNSENT_BYTES": str(10**12), "DJANGO_THROTTLE_USER": "10000000/minute"}
        server = self.stack.enter_context(DaphneServer(env=env))
        closed, sent, growth, _ = self.flood_without_reading(server)
        self.assertNotIn("Closing a WebSocket whose client stopped reading", server.output())
        print(f"\nslow reader, no limit: {sent} frames, server grew {growth:.1f} MiB")
