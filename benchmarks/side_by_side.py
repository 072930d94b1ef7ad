"""websocket_api side by side with djangochannelsrestframework, echoes and DRF over HTTP.

Renders the default project into a temporary folder, adds the benchmark's routes
(``bench_routing.py``, ``bench_asgi.py``) and serves everything from one Daphne process on
127.0.0.1. Each scenario drives C concurrent connections (default 20) in a closed loop, one
request in flight per connection, after a warm-up. Rounds are interleaved (each round runs
every scenario on every side, the order of the sides alternating) and the medians of the
rounds are reported. Server CPU comes from ``/proc/<pid>/stat`` of the Daphne process(es).

The two-process scenario renders the project again with ``channel_layer=redis``, starts
a throwaway Redis and two Daphne processes behind nginx (the project's own
``deploy/nginx.conf``, through the rendered ``tests/nginx.py``), and compares them with
one process behind the same nginx.

Results go to ``--output`` (default ``benchmarks/results/``) as JSON and a PNG chart. Run it
with ``make bench``; ``make bench-smoke`` runs every scenario with tiny counts. Every loop
is bounded by a count and by time.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from cookiecutter.main import cookiecutter
from wsclient import ConnectionClosedError, HTTPConnection, WebSocket

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE.parent
HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PASSWORD = "Correct-Horse-Battery-7431"

PATHS = {
    "ours": "/ws/users/",
    "dcrf": "/bench/dcrf/",
    "view_as_consumer": "/ws/api/users/",
    "channels_echo": "/bench/channels-echo/",
    "asgi_echo": "/bench/asgi-echo/",
}
SEED_CODE = """
import json
from django.contrib.auth.models import User
from django.test import Client
staff, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True})
users = [User(username=f"user{n}", email=f"user{n}@example.com") for n in range(1, %(users)d + 1)]
User.objects.bulk_create(users, ignore_conflicts=True)
target, _ = User.objects.get_or_create(username="fanout-target")
client = Client()
client.force_login(staff)
pks = list(User.objects.filter(username__startswith="user").values_list("pk", flat=True))
print(json.dumps({"cookie": client.cookies["sessionid"].value, "pks": pks, "target": target.pk}))
"""


# Measuring


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of the processes so far (all their threads)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Figures:
    """One side of one scenario in one round."""

    messages: int
    seconds: float
    latencies: list[float]
    cpu: float
    extra: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, float]:
        return {
            "messages": self.messages,
            "messages_per_s": self.messages / self.seconds if self.seconds else 0.0,
            "p50_ms": percentile(self.latencies, 0.50) * 1000,
            "p99_ms": percentile(self.latencies, 0.99) * 1000,
            "cpu_ms_per_message": self.cpu / self.messages * 1000 if self.messages else 0.0,
            **self.extra,
        }


@dataclass
class Target:
    """The server under test: where it listens and which processes to watch."""

    port: int
    pids: list[int]
    cookie: str
    pks: list[int]
    fanout_pk: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Origin": f"http://{HOST}:{self.port}", "Cookie": f"sessionid={self.cookie}"}

    async def open(self, path: str) -> WebSocket:
        return await WebSocket.open(HOST, self.port, path, self.headers)

    async def open_many(self, path: str, count: int, batch: int = 50) -> list[WebSocket]:
        sockets: list[WebSocket] = []
        for start in range(0, count, batch):
            size = min(batch, count - start)
            sockets += await asyncio.gather(*(self.open(path) for _ in range(size)))
        return sockets


def close_all(sockets: list[Any]) -> None:
    for ws in sockets:
        ws.close()


async def request(ws: WebSocket, message: dict, timeout: float) -> dict:
    """Send one request and return its reply, skipping pushes that come in between."""
    ws.send(json.dumps(message))
    deadline = time.monotonic() + timeout
    while True:
        reply = json.loads(await ws.recv(max(0.01, deadline - time.monotonic())))
        if reply.get("request_id") == message.get("request_id"):
            return reply


def expect(reply: dict, *statuses: int) -> dict:
    if reply.get("response_status") not in statuses:
        raise RuntimeError(f"unexpected reply: {json.dumps(reply)[:500]}")
    return reply


Step = Callable[[int, int], Awaitable[int]]


async def closed_loop(
    target: Target, steps: list[Step], seconds: float, max_steps: int, warmup: int
) -> Figures:
    """Run each connection's ``step(worker, number)`` back to back: ``warmup`` steps each,
    then until ``seconds`` pass or ``max_steps`` are done. A step returns how many
    messages it answered; its time counts once per message."""
    latencies: list[float] = []
    counted = [0]

    async def worker(index: int, step: Step, until: float, limit: int, record: bool) -> None:
        for number in range(limit):
            if time.monotonic() >= until:
                return
            started = time.perf_counter()
            answered = await step(index, number)
            if record:
                elapsed = (time.perf_counter() - started) / max(answered, 1)
                latencies.extend([elapsed] * answered)
                counted[0] += answered

    warm_until = time.monotonic() + max(seconds, 1.0)
    await asyncio.gather(
        *(worker(i, step, warm_until, warmup, False) for i, step in enumerate(steps))
    )
    cpu_before = cpu_seconds(target.pids)
    started = time.monotonic()
    until = started + seconds
    await asyncio.gather(*(worker(i, step, until, max_steps, True) for i, step in enumerate(steps)))
    elapsed = time.monotonic() - started
    return Figures(counted[0], elapsed, latencies, cpu_seconds(target.pids) - cpu_before)


# Scenarios: each takes the target, a side and the options, and returns Figures.


def retrieve_message(target: Target, worker: int, number: int) -> dict:
    pk = target.pks[(worker * 7919 + number * 104729) % len(target.pks)]
    return {"action": "retrieve", "request_id": number, "pk": pk}


async def scenario_retrieve(target: Target, side: str, options: Any) -> Figures:
    """Retrieve by a pseudo-random pk (echo sides send the same message back)."""
    if side == "drf_http":
        return await http_retrieve(target, options)
    sockets = await target.open_many(PATHS[side], options.clients)
    echo = side.endswith("echo")

    def make_step(ws: WebSocket) -> Step:
        async def step(worker: int, number: int) -> int:
            message = retrieve_message(target, worker, number)
            reply = await request(ws, message, options.timeout)
            if not echo:
                expect(reply, 200)
            return 1

        return step

    try:
        return await closed_loop(
            target,
            [make_step(ws) for ws in sockets],
            options.seconds,
            options.requests,
            options.warmup,
        )
    finally:
        close_all(sockets)


async def http_retrieve(target: Target, options: Any) -> Figures:
    headers = {"Cookie": f"sessionid={target.cookie}", "Accept": "application/json"}
    connections = await asyncio.gather(
        *(HTTPConnection.open(HOST, target.port, headers) for _ in range(options.clients))
    )

    def make_step(conn: HTTPConnection) -> Step:
        async def step(worker: int, number: int) -> int:
            pk = retrieve_message(target, worker, number)["pk"]
            status, body = await conn.get(f"/api/users/{pk}/", options.timeout)
            if status != 200:
                raise RuntimeError(f"HTTP {status}: {body[:300]!r}")
            return 1

        return step

    try:
        return await closed_loop(
            target,
            [make_step(c) for c in connections],
            options.seconds,
            options.requests,
            options.warmup,
        )
    finally:
        close_all(connections)


async def scenario_list(target: Target, side: str, options: Any) -> Figures:
    """One page of 100 rows."""
    sockets = await target.open_many(PATHS[side], options.clients)

    def make_step(ws: WebSocket) -> Step:
        async def step(worker: int, number: int) -> int:
            reply = await request(ws, {"action": "list", "request_id": number}, options.timeout)
            if len(expect(reply, 200)["data"]) != 100:
                raise RuntimeError(f"expected 100 rows, got {len(reply['data'])}")
            return 1

        return step

    try:
        return await closed_loop(
            target,
            [make_step(ws) for ws in sockets],
            options.seconds,
            options.requests,
            options.warmup,
        )
    finally:
        close_all(sockets)


RUN_ID = itertools.count()


async def create_and_delete(ws: WebSocket, side: str, worker: int, timeout: float) -> list[float]:
    """Create a user (its password hashed with Django's default hasher), then delete it;
    returns the two latencies."""
    name = f"bench-{side}-{os.getpid()}-{next(RUN_ID)}-{worker}"
    data = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    started = time.perf_counter()
    message = {"action": "create", "request_id": 1, "data": data}
    created = expect(await request(ws, message, timeout), 201)
    middle = time.perf_counter()
    message = {"action": "delete", "request_id": 2, "pk": created["data"]["id"]}
    expect(await request(ws, message, timeout), 204)
    return [middle - started, time.perf_counter() - middle]


async def scenario_create_delete(target: Target, side: str, options: Any) -> Figures:
    """Pairs of create and delete; each create hashes a password."""
    sockets = await target.open_many(PATHS[side], options.clients)

    def make_step(ws: WebSocket) -> Step:
        async def step(worker: int, number: int) -> int:
            await create_and_delete(ws, side, worker, options.slow_timeout)
            return 2

        return step

    try:
        return await closed_loop(
            target,
            [make_step(ws) for ws in sockets],
            options.slow_seconds,
            options.requests,
            1,
        )
    finally:
        close_all(sockets)


async def scenario_view_retrieve(target: Target, side: str, options: Any) -> Figures:
    """The viewset served by view_as_consumer, against the same viewset over HTTP."""
    return await scenario_retrieve(target, side, options)


async def scenario_fanout(target: Target, side: str, options: Any) -> Figures:
    """One change pushed to many subscribers of one object: time to the last push."""
    pk = target.fanout_pk
    subscribers = await target.open_many(PATHS[side], options.subscribers)
    writer = await target.open(PATHS[side])
    try:
        replies = await asyncio.gather(
            *(
                request(
                    ws,
                    {"action": "subscribe_instance", "request_id": f"s{i}", "pk": pk},
                    options.timeout,
                )
                for i, ws in enumerate(subscribers)
            )
        )
        for reply in replies:
            expect(reply, 201)
        latencies: list[float] = []
        last_pushes: list[float] = []
        cpu = 0.0
        for change in range(options.warmup_changes + options.changes):
            await asyncio.sleep(0.2)
            cpu_before = cpu_seconds(target.pids)
            email = f"fanout-{next(RUN_ID)}@example.com"
            message = {
                "action": "patch",
                "request_id": f"w{change}",
                "pk": pk,
                "data": {"email": email},
            }
            started = time.perf_counter()
            writer.send(json.dumps(message))

            async def push(ws: WebSocket, email: str = email, started: float = started) -> float:
                deadline = time.monotonic() + options.timeout
                while True:
                    text = await ws.recv(max(0.01, deadline - time.monotonic()))
                    if email in text:
                        return time.perf_counter() - started

            arrived = await asyncio.gather(*(push(ws) for ws in subscribers))
            expect(json.loads(await writer.recv(options.timeout)), 200)
            if change >= options.warmup_changes:
                cpu += cpu_seconds(target.pids) - cpu_before
                latencies += arrived
                last_pushes.append(max(arrived))
    finally:
        close_all([*subscribers, writer])
    last = statistics.median(last_pushes)
    figures = Figures(len(subscribers), last, latencies, cpu / options.changes)
    figures.extra["last_push_ms"] = last * 1000
    return figures


async def scenario_head_of_line(target: Target, side: str, options: Any) -> Figures:
    """Retrieve latency on one connection while other connections create users."""
    probe = await target.open(PATHS[side])
    slow = await target.open_many(PATHS[side], options.slow_connections)
    creates: list[float] = []
    stop = asyncio.Event()

    async def probe_run(seconds: float) -> list[float]:
        latencies = []
        until = time.monotonic() + seconds
        for number in range(options.requests):
            if time.monotonic() >= until:
                break
            message = retrieve_message(target, 0, number)
            started = time.perf_counter()
            expect(await request(probe, message, options.timeout), 200)
            latencies.append(time.perf_counter() - started)
        return latencies

    async def slow_run(index: int, ws: WebSocket) -> None:
        for _ in range(options.requests):
            if stop.is_set():
                return
            creates.append((await create_and_delete(ws, side, index, options.slow_timeout))[0])

    try:
        baseline = await probe_run(min(1.0, options.seconds))
        cpu_before = cpu_seconds(target.pids)
        workers = [asyncio.ensure_future(slow_run(i, ws)) for i, ws in enumerate(slow)]
        await asyncio.sleep(0.3)
        started = time.monotonic()
        latencies = await probe_run(options.slow_seconds)
        elapsed = time.monotonic() - started
        cpu = cpu_seconds(target.pids) - cpu_before
        stop.set()
        await asyncio.wait_for(asyncio.gather(*workers), options.slow_timeout)
    finally:
        close_all([probe, *slow])
    figures = Figures(len(latencies), elapsed, latencies, cpu)
    figures.extra["baseline_p50_ms"] = percentile(baseline, 0.5) * 1000
    figures.extra["create_p50_ms"] = percentile(creates, 0.5) * 1000
    figures.extra["creates"] = len(creates)
    return figures


async def scenario_idle_memory(target: Target, side: str, options: Any) -> Figures:
    """Server RSS growth per open, idle connection (each answered one retrieve first)."""
    close_all(await target.open_many(PATHS[side], 20))
    await asyncio.sleep(0.5)
    before = rss_kib(target.pids[0])
    cpu_before = cpu_seconds(target.pids)
    started = time.monotonic()
    opened = time.perf_counter()
    sockets = await target.open_many(PATHS[side], options.idle_connections)
    latencies = [(time.perf_counter() - opened) / len(sockets)] * len(sockets)
    await asyncio.gather(
        *(
            request(ws, retrieve_message(target, i, 0), options.timeout)
            for i, ws in enumerate(sockets)
        )
    )
    elapsed = time.monotonic() - started
    cpu = cpu_seconds(target.pids) - cpu_before
    await asyncio.sleep(1.0)
    grown = rss_kib(target.pids[0]) - before
    figures = Figures(len(sockets), elapsed, latencies, cpu)
    figures.extra["kib_per_connection"] = grown / len(sockets)
    figures.extra["open_connections"] = len(sockets)
    target.keep_open = getattr(target, "keep_open", []) + sockets  # type: ignore[attr-defined]
    return figures


# Servers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on port {port} within {timeout} s")


@dataclass
class Project:
    folder: Path
    env: dict[str, str]
    seed: dict[str, Any]
    logs: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def start_daphne(self, port: int | None = None) -> tuple[int, subprocess.Popen]:
        port = port or free_port()
        log = self.logs / f"daphne-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "daphne",
                    "-b",
                    HOST,
                    "-p",
                    str(port),
                    "bench_asgi:application",
                ],
                cwd=self.folder,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        wait_for_port(port, process, log, 60)
        return port, process

    def target(self, port: int, pids: list[int]) -> Target:
        seed = self.seed
        return Target(port, pids, seed["cookie"], seed["pks"], seed["target"])

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if process in self.processes:
            self.processes.remove(process)

    def stop_all(self) -> None:
        for process in list(self.processes):
            self.stop(process)


def render(
    workdir: Path,
    name: str,
    users: int,
    server_env: dict[str, str],
    template: Path = TEMPLATE,
    **context: str,
) -> Project:
    """Render the template, add the benchmark's routes, migrate and seed the database."""
    folder = Path(
        cookiecutter(
            str(template),
            no_input=True,
            output_dir=str(workdir / name),
            extra_context={"project_slug": "realtime_api", **context},
        )
    )
    for module in ("bench_routing.py", "bench_asgi.py"):
        shutil.copy(HERE / module, folder / module)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))},
        "DJANGO_SECRET_KEY": "benchmark-only-key",
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DATABASE_URL": f"sqlite:///{workdir / name / 'bench.sqlite3'}",
        # Persistent database connections for every side (the project's default too).
        "DJANGO_CONN_MAX_AGE": "600",
        # The throttles stay on, at rates the benchmark never reaches.
        "DJANGO_THROTTLE_USER": "1000000000/second",
        "DJANGO_THROTTLE_ANON": "1000000000/second",
        # One user opens every connection.
        "DJANGO_WS_MAX_CONNECTIONS_PER_USER": "100000",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(server_env)
    if context.get("channel_layer") == "redis":
        env["REDIS_URL"] = context["redis_url"]
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=folder, env=env, check=True, timeout=300)
    seeded = subprocess.run(
        [*manage, "shell", "-c", SEED_CODE % {"users": users}],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    seed = json.loads(seeded.stdout.strip().splitlines()[-1])
    logs = workdir / name / "logs"
    logs.mkdir()
    return Project(folder, env, seed, logs)


# The run

SCENARIOS: dict[str, tuple[Callable[..., Awaitable[Figures]], list[str]]] = {
    "retrieve": (scenario_retrieve, ["ours", "dcrf", "channels_echo", "asgi_echo", "drf_http"]),
    "list_100": (scenario_list, ["ours", "dcrf"]),
    "create_delete": (scenario_create_delete, ["ours", "dcrf"]),
    "view_as_consumer_retrieve": (scenario_view_retrieve, ["view_as_consumer", "drf_http"]),
    "fanout_200": (scenario_fanout, ["ours", "dcrf"]),
    "head_of_line": (scenario_head_of_line, ["ours", "dcrf"]),
    "idle_memory": (scenario_idle_memory, ["ours", "dcrf"]),
}


def medians(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}


def alternate(sides: list[str], round_number: int) -> list[str]:
    return sides if round_number % 2 == 0 else list(reversed(sides))


async def run_main_rounds(project: Project, options: Any, log: Callable[[str], None]) -> dict:
    results: dict[str, dict[str, list[dict]]] = {
        name: {side: [] for side in sides} for name, (_, sides) in SCENARIOS.items()
    }
    port, process = project.start_daphne()
    target = project.target(port, [process.pid])
    try:
        for number in range(options.rounds):
            for name, (scenario, sides) in SCENARIOS.items():
                if name not in options.scenarios:
                    continue
                memory_target = None
                if name == "idle_memory":
                    # A fresh process, so that neither side reuses memory the other freed.
                    memory_port, memory_process = project.start_daphne()
                    memory_target = project.target(memory_port, [memory_process.pid])
                for side in alternate(sides, number):
                    if options.sides and side not in options.sides:
                        continue
                    figures = await scenario(memory_target or target, side, options)
                    summary = figures.summary()
                    results[name][side].append(summary)
                    log(f"round {number + 1} {name:26} {side:17} {brief(summary)}")
                if memory_target is not None:
                    close_all(getattr(memory_target, "keep_open", []))
                    project.stop(memory_process)
    finally:
        project.stop(process)
    return results


async def run_two_processes(project: Project, options: Any, log: Callable[[str], None]) -> dict:
    sys.path.insert(0, str(project.folder))
    from tests.nginx import NginxProxy  # the rendered project's own helper

    first_port, first = project.start_daphne()
    second_port, second = project.start_daphne()
    results: dict[str, list[dict]] = {"one_process": [], "two_processes": []}
    with NginxProxy([first_port]) as one, NginxProxy([first_port, second_port]) as two:
        layouts = {
            "one_process": (one.port, [first.pid]),
            "two_processes": (two.port, [first.pid, second.pid]),
        }
        try:
            for number in range(options.rounds):
                for side in alternate(list(layouts), number):
                    port, pids = layouts[side]
                    figures = await scenario_retrieve(project.target(port, pids), "ours", options)
                    summary = figures.summary()
                    results[side].append(summary)
                    log(f"round {number + 1} {'two_processes':26} {side:17} {brief(summary)}")
        finally:
            project.stop_all()
    return results


def brief(summary: dict[str, float]) -> str:
    text = (
        f"{summary['messages_per_s']:9,.1f} msg/s  p50 {summary['p50_ms']:8.2f} ms  "
        f"p99 {summary['p99_ms']:8.2f} ms  cpu {summary['cpu_ms_per_message']:6.3f} ms/msg"
    )
    for key in ("last_push_ms", "kib_per_connection", "baseline_p50_ms"):
        if key in summary:
            text += f"  {key} {summary[key]:.2f}"
    return text


def start_redis(folder: Path) -> tuple[str, int]:
    redis = shutil.which("redis-server")
    if redis is None:
        raise RuntimeError("the two-process scenario needs redis-server (`make services`)")
    port = free_port()
    pidfile = folder / "redis.pid"
    subprocess.run(
        [
            redis,
            "--port",
            str(port),
            "--bind",
            HOST,
            "--daemonize",
            "yes",
            "--pidfile",
            str(pidfile),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        check=True,
        timeout=30,
        capture_output=True,
    )
    wait_for_port(port, None, pidfile, 10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        written = pidfile.read_text().strip() if pidfile.exists() else ""
        if written.isdigit():
            return f"redis://{HOST}:{port}/0", int(written)
        time.sleep(0.05)
    raise RuntimeError("redis-server wrote no pid file within 10 s")


def ratio(results: dict, scenario: str, key: str, side: str, reference: str) -> float:
    ours, theirs = results[scenario][side][key], results[scenario][reference][key]
    return ours / theirs if theirs else 0.0


TARGETS = [
    # (name, scenario, figure, side, reference, target, higher is better)
    ("retrieve vs DCRF", "retrieve", "messages_per_s", "ours", "dcrf", 2.5, True),
    ("list of 100 vs DCRF", "list_100", "messages_per_s", "ours", "dcrf", 2.0, True),
    ("create + delete vs DCRF", "create_delete", "messages_per_s", "ours", "dcrf", 1.5, True),
    ("fan-out: DCRF's last push / ours", "fanout_200", "last_push_ms", "dcrf", "ours", 2.0, True),
    (
        "idle KiB per connection, ours / DCRF",
        "idle_memory",
        "kib_per_connection",
        "ours",
        "dcrf",
        1.0,
        False,
    ),
    ("retrieve vs plain ASGI echo", "retrieve", "messages_per_s", "ours", "asgi_echo", 0.15, True),
    (
        "two processes vs one",
        "two_processes",
        "messages_per_s",
        "two_processes",
        "one_process",
        1.7,
        True,
    ),
]
REFERENCES = {
    "retrieve": "dcrf",
    "list_100": "dcrf",
    "create_delete": "dcrf",
    "view_as_consumer_retrieve": "drf_http",
    "fanout_200": "dcrf",
    "head_of_line": "dcrf",
    "idle_memory": "dcrf",
    "two_processes": "one_process",
}


def versions() -> dict[str, str]:
    names = [
        "Django",
        "channels",
        "daphne",
        "djangorestframework",
        "djangochannelsrestframework",
        "channels-redis",
        "cookiecutter",
    ]
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def machine() -> dict[str, Any]:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {"cores": os.cpu_count(), "cpu": model, "kernel": platform.release()}


def summarise(raw: dict) -> dict:
    summary: dict[str, dict] = {}
    for scenario, sides in raw.items():
        measured = {side: medians(rounds) for side, rounds in sides.items() if rounds}
        if not measured:
            continue
        reference = REFERENCES[scenario]
        for figures in measured.values():
            if reference in measured and measured[reference]["messages_per_s"]:
                figures["ratio_to_reference"] = (
                    figures["messages_per_s"] / measured[reference]["messages_per_s"]
                )
        summary[scenario] = measured
    return summary


def check_targets(summary: dict, raw: dict) -> list[dict]:
    """Each target's ratio of the medians (which decides), and the median of the ratios
    within each round (both sides measured minutes apart, under the same conditions)."""
    rows = []
    for name, scenario, key, side, reference, goal, higher in TARGETS:
        if side not in summary.get(scenario, {}) or reference not in summary[scenario]:
            continue
        value = ratio(summary, scenario, key, side, reference)
        pairs = zip(raw[scenario][side], raw[scenario][reference], strict=False)
        paired = [ours[key] / theirs[key] for ours, theirs in pairs if theirs[key]]
        rows.append(
            {
                "target": name,
                "ratio": value,
                "paired_ratio": statistics.median(paired) if paired else 0.0,
                "goal": goal,
                "higher_is_better": higher,
                "met": value >= goal if higher else value <= goal,
            }
        )
    return rows


def markdown(summary: dict, targets: list[dict]) -> str:
    lines = [
        "| Scenario | Side | msg/s | p50 ms | p99 ms | CPU ms/msg | ratio to reference | other |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for scenario, sides in summary.items():
        for side, f in sides.items():
            other = ", ".join(
                f"{key} {f[key]:.1f}"
                for key in (
                    "last_push_ms",
                    "kib_per_connection",
                    "baseline_p50_ms",
                    "create_p50_ms",
                )
                if key in f
            )
            lines.append(
                f"| {scenario} | {side} | {f['messages_per_s']:,.1f} | {f['p50_ms']:.2f} | "
                f"{f['p99_ms']:.2f} | {f['cpu_ms_per_message']:.3f} | "
                f"{f.get('ratio_to_reference', 0):.2f} | {other} |"
            )
    lines += [
        "",
        "| Target | Ratio of medians | Median of round ratios | Goal | Met |",
        "|---|---:|---:|---:|---|",
    ]
    for row in targets:
        sign = "≥" if row["higher_is_better"] else "≤"
        met = "yes" if row["met"] else "**no**"
        lines.append(
            f"| {row['target']} | {row['ratio']:.2f} | {row['paired_ratio']:.2f} | "
            f"{sign} {row['goal']} | {met} |"
        )
    return "\n".join(lines)


def chart(summary: dict, targets: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, (left, right) = pyplot.subplots(1, 2, figsize=(13, 5))
    names = [row["target"] for row in targets]
    shares = [
        row["ratio"] / row["goal"]
        if row["higher_is_better"]
        else row["goal"] / max(row["ratio"], 1e-9)
        for row in targets
    ]
    colours = ["tab:green" if row["met"] else "tab:red" for row in targets]
    left.barh(names, shares, color=colours)
    left.axvline(1.0, color="black", linestyle="--", linewidth=1)
    left.set_xlabel("measured / target (1 = target met)")
    left.invert_yaxis()
    left.set_title("Targets")
    if "retrieve" in summary:
        sides = list(summary["retrieve"])
        rates = [summary["retrieve"][side]["messages_per_s"] for side in sides]
        right.bar(sides, rates, color="tab:blue")
        right.set_yscale("log")
        right.set_ylabel("messages/s (log scale)")
        right.set_title("Retrieve, one Daphne process")
        right.tick_params(axis="x", labelrotation=20)
        for index, rate in enumerate(rates):
            right.text(index, rate, f"{rate:,.0f}", ha="center", va="bottom", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--clients", type=int, default=20, help="concurrent connections per side")
    add("--rounds", type=int, default=3, help="interleaved rounds; medians are reported")
    add("--seconds", type=float, default=4.0, help="measured time per side, fast scenarios")
    add("--slow-seconds", type=float, default=8.0, help="measured time, password-hashing ones")
    add("--requests", type=int, default=100_000, help="most steps per connection and side")
    add("--warmup", type=int, default=50, help="unmeasured steps per connection first")
    add("--subscribers", type=int, default=200, help="fan-out subscribers of one object")
    add("--changes", type=int, default=5, help="fan-out changes measured per round")
    add("--warmup-changes", type=int, default=1)
    add("--idle-connections", type=int, default=1000)
    add("--slow-connections", type=int, default=4, help="head-of-line: connections creating")
    add("--users", type=int, default=150, help="rows in the users table")
    add("--timeout", type=float, default=30.0, help="longest wait for one reply")
    add("--slow-timeout", type=float, default=120.0, help="longest wait for a create")
    add("--scenarios", default=",".join([*SCENARIOS, "two_processes"]))
    add("--sides", default="", help="only these sides, comma-separated (default: all)")
    add(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the servers (repeatable)",
    )
    add("--template", type=Path, default=TEMPLATE, help="the template to render")
    add("--output", type=Path, default=HERE / "results")
    add("--smoke", action="store_true", help="tiny counts: checks that every scenario runs")
    options = parser.parse_args(argv)
    if options.smoke:
        options.clients, options.rounds, options.seconds, options.slow_seconds = 2, 1, 0.3, 0.5
        options.warmup, options.subscribers, options.changes = 2, 5, 1
        options.warmup_changes, options.idle_connections, options.slow_connections = 0, 50, 1
    options.scenarios = set(options.scenarios.split(","))
    options.sides = set(filter(None, options.sides.split(",")))
    options.server_env = dict(item.split("=", 1) for item in options.server_env)
    return options


def main(argv: list[str] | None = None) -> dict:
    options = parse_options(argv)
    options.output.mkdir(parents=True, exist_ok=True)
    started = time.time()
    log_lines: list[str] = []

    def log(line: str) -> None:
        print(line, flush=True)
        log_lines.append(line)

    raw: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(tmp)
        project = render(workdir, "default", options.users, options.server_env, options.template)
        try:
            raw.update(asyncio.run(run_main_rounds(project, options, log)))
        finally:
            project.stop_all()
        if "two_processes" in options.scenarios:
            redis_url, redis_pid = start_redis(workdir)
            try:
                redis_project = render(
                    workdir,
                    "redis",
                    options.users,
                    options.server_env,
                    options.template,
                    channel_layer="redis",
                    redis_url=redis_url,
                )
                try:
                    raw["two_processes"] = asyncio.run(
                        run_two_processes(redis_project, options, log)
                    )
                finally:
                    redis_project.stop_all()
            finally:
                os.kill(redis_pid, signal.SIGTERM)
    raw = {name: sides for name, sides in raw.items() if any(sides.values())}
    summary = summarise(raw)
    targets = check_targets(summary, raw)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(started))
    result = {
        "started": stamp,
        "seconds": round(time.time() - started, 1),
        "command": " ".join([Path(sys.argv[0]).name, *(sys.argv[1:] if argv is None else argv)]),
        "options": {
            k: (sorted(v) if isinstance(v, set) else str(v) if isinstance(v, Path) else v)
            for k, v in vars(options).items()
        },
        "machine": machine(),
        "versions": versions(),
        "summary": summary,
        "targets": targets,
        "rounds": raw,
    }
    text = json.dumps(result, indent=2)
    for name in (f"side_by_side-{stamp}", "latest"):
        (options.output / f"{name}.json").write_text(text + "\n")
    chart(summary, targets, options.output / "latest.png")
    shutil.copy(options.output / "latest.png", options.output / f"side_by_side-{stamp}.png")
    print()
    print(markdown(summary, targets))
    print(f"\nWritten to {options.output}/latest.json and latest.png")
    return result


if __name__ == "__main__":
    try:
        main()
    except (ConnectionClosedError, RuntimeError) as exc:
        sys.exit(f"benchmark failed: {exc}")
