"""Load: many signed-in WebSocket connections doing mixed writes and reads against one Daphne.

Each connection signs in as a staff user of its own, owns a few users and, for the whole
run, sends one request at a time: create, patch, list and delete (those the project offers),
waiting for each reply. When the time is up the server is stopped and the database checked:
every acknowledged write is there, every refused one is not, and nothing else changed.

    python -m tests.load --connections 200 --seconds 30      (what `make load` runs)

It works on a database of its own, made and dropped like the test database. The smoke run
in tests/test_load_smoke.py uses the same code on the test suite's database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

OWNED_USERS = 3
REPLY_TIMEOUT = 15.0
OPEN_AT_ONCE = 20
# How often each action is chosen; those the project does not offer are left out.
MIX = {"create": 2, "patch": 3, "list": 3, "delete": 1}
FALLBACK_MIX = {"retrieve": 1, "update": 1}
# The load measures the server, not its rate limits.
SERVER_ENV = {"DJANGO_THROTTLE_USER": "100000000/minute"}
WRITES = ("create", "patch", "update", "delete")


@dataclass
class Outcome:
    """What the client saw of one connection's requests."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    acknowledged: Counter = field(default_factory=Counter)


@dataclass
class LoadReport:
    connections: int
    held: int
    seconds: float
    actions: list[str]
    hasher: str
    outcome: Outcome
    checked_rows: int
    problems: list[str]

    @property
    def verified(self) -> bool:
        return not self.problems

    @property
    def answered(self) -> int:
        return len(self.outcome.latencies)

    @property
    def errors(self) -> int:
        refused = sum(count for status, count in self.outcome.statuses.items() if status >= 400)
        return refused + sum(self.outcome.failures.values())

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.outcome.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    def summary(self) -> str:
        outcome = self.outcome
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(outcome.statuses.items()))
        failures = ", ".join(f"{kind}: {n}" for kind, n in sorted(outcome.failures.items()))
        writes = ", ".join(f"{name} {n}" for name, n in sorted(outcome.acknowledged.items()))
        mean = statistics.fmean(outcome.latencies) if outcome.latencies else float("nan")
        lines = [
            f"load: {self.held} of {self.connections} signed-in connections held for "
            f"{self.seconds:.1f} s doing {', '.join(self.actions)} "
            f"(password hasher: {self.hasher})",
            f"  {self.answered} requests answered, {self.answered / self.seconds:.1f} messages/s; "
            f"latency p50 {self.percentile(0.5) * 1000:.0f} ms, "
            f"p99 {self.percentile(0.99) * 1000:.0f} ms, mean {mean * 1000:.0f} ms",
            f"  replies by status: {statuses or 'none'}",
            f"  errors: {self.errors} (error replies and {failures or 'no timeouts or drops'})",
            f"  acknowledged writes: {sum(outcome.acknowledged.values())} ({writes or 'none'})",
        ]
        if self.held < self.connections:
            lines.append(
                f"  {self.connections - self.held} connections stopped early: a request "
                f"went unanswered for {REPLY_TIMEOUT:.0f} s, or the connection failed"
            )
        if self.verified:
            lines.append(
                f"  database verified: every acknowledged write is there, {self.checked_rows} "
                "rows checked, nothing else changed"
            )
        else:
            lines.append(f"  database NOT verified: {len(self.problems)} problems")
            lines += [f"    {problem}" for problem in self.problems[:20]]
        return "\n".join(lines)


def offered_mix() -> dict[str, int]:
    from tests.support import offered

    mix = {name: weight for name, weight in MIX.items() if offered(name)}
    return mix or {name: weight for name, weight in FALLBACK_MIX.items() if offered(name)}


class Worker:
    """One connection's requests, and what the database must hold because of them."""

    def __init__(self, index: int, cookie: str, owned: dict[int, tuple[str, str]]) -> None:
        self.index = index
        self.cookie = cookie
        self.random = random.Random(index)
        self.sequence = 0
        # pk -> (username, email) as the acknowledged writes left it, None once deleted.
        self.expected: dict[int, tuple[str, str] | None] = dict(owned)
        # Rows whose last write got no reply (it may or may not have happened), and the
        # usernames of creates that got none.
        self.unsure: set[int] = set()
        self.unsure_usernames: set[str] = set()
        self.outcome = Outcome()
        self.socket = None
        self.held = False

    def live(self) -> list[int]:
        return [
            pk for pk, row in self.expected.items() if row is not None and pk not in self.unsure
        ]

    def next_request(self, mix: dict[str, int]) -> dict | None:
        self.sequence += 1
        names = [name for name in mix if name == "create" or name == "list" or self.live()]
        if not names:
            return None
        name = self.random.choices(names, [mix[name] for name in names])[0]
        request: dict = {"action": name, "request_id": self.sequence}
        tag = f"{self.index}-{self.sequence}"
        if name == "create":
            from tests.support import PASSWORD

            username = f"load-{tag}"
            data = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
            request["data"] = data
        elif name == "list":
            request.update(limit=20, offset=self.random.randrange(0, 200))
        else:
            request["pk"] = self.random.choice(self.live())
            if name in ("patch", "update"):
                username, _ = self.expected[request["pk"]]
                request["data"] = {"email": f"changed-{tag}@example.com"}
                if name == "update":
                    request["data"]["username"] = username
        return request

    def acknowledge(self, request: dict, reply: dict) -> None:
        """Record what a 2xx reply to a write says the database now holds."""
        name = request["action"]
        if name == "create":
            data = request["data"]
            self.expected[reply["data"]["id"]] = (data["username"], data["email"])
        elif name in ("patch", "update"):
            username, _ = self.expected[request["pk"]]
            self.expected[request["pk"]] = (username, request["data"]["email"])
        elif name == "delete":
            self.expected[request["pk"]] = None
        if name in WRITES:
            self.outcome.acknowledged[name] += 1

    def unanswered(self, request: dict) -> None:
        if request["action"] == "create":
            self.unsure_usernames.add(request["data"]["username"])
        elif "pk" in request and request["action"] in WRITES:
            self.unsure.add(request["pk"])

    async def open(self, server) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import WebSocketException

        try:
            self.socket = await connect(
                f"{server.url}/ws/users/",
                origin=server.origin,
                additional_headers={"Cookie": f"sessionid={self.cookie}"},
                open_timeout=60,
                max_size=2**20,
            )
        except (OSError, TimeoutError, WebSocketException):
            self.outcome.failures["handshake failed"] += 1

    async def run(self, mix: dict[str, int], stop_at: float) -> None:
        """Send one request at a time until ``stop_at``; the connection is held if it
        answers every one."""
        from websockets.exceptions import ConnectionClosed

        request = None
        try:
            while time.monotonic() < stop_at:
                request = self.next_request(mix)
                if request is None:  # nothing left that this connection may do
                    await asyncio.sleep(max(0.0, stop_at - time.monotonic()))
                    break
                sent = time.monotonic()
                await self.socket.send(json.dumps(request))
                reply = json.loads(await asyncio.wait_for(self.socket.recv(), REPLY_TIMEOUT))
                self.outcome.latencies.append(time.monotonic() - sent)
                status = reply["response_status"]
                self.outcome.statuses[status] += 1
                if reply["request_id"] != request["request_id"]:
                    self.outcome.failures["reply to another request"] += 1
                    self.unanswered(request)
                    return
                if status < 300:
                    self.acknowledge(request, reply)
                elif status == 413:  # handled but not shown: it may have taken effect
                    self.unanswered(request)
                request = None
            self.held = True
        except TimeoutError:
            self.outcome.failures["timed out"] += 1
            self.unanswered(request)
        except ConnectionClosed:
            self.outcome.failures["connection closed"] += 1
            if request is not None:
                self.unanswered(request)
        finally:
            await self.socket.close()


async def drive(server, workers: list[Worker], mix: dict[str, int], seconds: float) -> float:
    """Open every connection, then run them all for ``seconds``; the time they ran."""
    gate = asyncio.Semaphore(OPEN_AT_ONCE)

    async def open_one(worker: Worker) -> None:
        async with gate:
            await worker.open(server)

    await asyncio.gather(*(open_one(worker) for worker in workers))
    began = time.monotonic()
    running = [worker.run(mix, began + seconds) for worker in workers if worker.socket]
    await asyncio.wait_for(asyncio.gather(*running), seconds + REPLY_TIMEOUT + 30)
    return time.monotonic() - began


def snapshot() -> dict[int, dict]:
    from django.contrib.auth.models import User

    return {row["id"]: row for row in User.objects.order_by("pk").values()}


def verify(before: dict[int, dict], after: dict[int, dict], workers: list[Worker]) -> list[str]:
    """Every acknowledged write is in ``after``, and nothing else differs from ``before``."""
    problems = []
    owned: dict[int, Worker] = {pk: w for w in workers for pk in w.expected}
    unsure_usernames = {name for w in workers for name in w.unsure_usernames}
    for pk, row in before.items():
        if pk not in owned and after.get(pk) != row:
            problems.append(f"user {pk} ({row['username']}) changed, though no request touched it")
    for pk, worker in owned.items():
        if pk in worker.unsure:
            continue
        expected, found = worker.expected[pk], after.get(pk)
        if expected is None:
            if found is not None:
                problems.append(f"user {pk} is still there after an acknowledged delete")
        elif found is None:
            problems.append(f"user {pk} ({expected[0]}) is missing")
        elif (found["username"], found["email"]) != expected:
            problems.append(f"user {pk} is {found['username']}, {found['email']}, not {expected}")
        elif pk in before and {**before[pk], "email": expected[1]} != found:
            problems.append(f"user {pk} changed in fields no request wrote")
    for pk, row in after.items():
        if pk not in before and pk not in owned and row["username"] not in unsure_usernames:
            problems.append(
                f"user {pk} ({row['username']}) appeared without an acknowledged create"
            )
    return problems


def prepare(connections: int) -> tuple[list[Worker], dict[int, dict]]:
    """A staff user and a few owned users per connection; the workers and the starting rows."""
    from django.contrib.auth.models import User

    from tests.support import create_user, session_cookie

    staff = [create_user(f"load-staff-{n}", staff=True) for n in range(connections)]
    User.objects.bulk_create(
        [
            User(username=f"load-owned-{n}-{k}", email=f"owned-{n}-{k}@example.com")
            for n in range(connections)
            for k in range(OWNED_USERS)
        ]
    )
    cookies = [session_cookie(user) for user in staff]  # signing in sets last_login
    rows = snapshot()
    workers = []
    for n, cookie in enumerate(cookies):
        owned = {
            pk: (row["username"], row["email"])
            for pk, row in rows.items()
            if row["username"].startswith(f"load-owned-{n}-")
        }
        workers.append(Worker(n, cookie, owned))
    return workers, rows


def run_load(connections: int, seconds: float, real_hashing: bool = True) -> LoadReport:
    """Run the load on the current (test) database and check it; Django must be set up."""
    from tests.daphne_server import DaphneServer

    mix = offered_mix()
    workers, before = prepare(connections)
    env = dict(SERVER_ENV, TESTS_REAL_PASSWORD_HASHING="1" if real_hashing else "0")
    with DaphneServer(env=env) as server:
        ran = asyncio.run(drive(server, workers, mix, seconds))
    after = snapshot()
    outcome = Outcome()
    for worker in workers:
        outcome.latencies += worker.outcome.latencies
        outcome.statuses.update(worker.outcome.statuses)
        outcome.failures.update(worker.outcome.failures)
        outcome.acknowledged.update(worker.outcome.acknowledged)
    return LoadReport(
        connections=connections,
        held=sum(worker.held for worker in workers),
        seconds=ran,
        actions=list(mix),
        hasher="PBKDF2 (production's)" if real_hashing else "MD5 (the tests')",
        outcome=outcome,
        checked_rows=len(set(before) | set(after)),
        problems=verify(before, after, workers),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--fast-hashing",
        action="store_true",
        help="hash new users' passwords with the tests' MD5 instead of PBKDF2",
    )
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from tests.services import ServiceUnavailableError, check_services

    try:
        check_services(settings)
    except ServiceUnavailableError as exc:
        print(exc, file=sys.stderr)
        return 2
    test = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test["NAME"] = str(settings.BASE_DIR / "load_db.sqlite3")
    else:
        test["NAME"] = f"load_{connection.settings_dict['NAME']}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        report = run_load(options.connections, options.seconds, not options.fast_hashing)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(report.summary())
    return 0 if report.verified else 1


if __name__ == "__main__":
    sys.exit(main())
