"""Retrieve requests per second: websocket_api against djangochannelsrestframework.

Renders the default project into a temporary folder, serves both consumers from one Daphne
process on 127.0.0.1, and drives each with the same concurrent clients, one request in
flight per client. Run with ``make bench``. Loops are bounded by count and by time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cookiecutter.main import cookiecutter
from websockets.asyncio.client import connect

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE.parent
ROUTES = {"websocket_api": "/bench/ours/", "djangochannelsrestframework": "/bench/reference/"}
SESSION_CODE = """
from django.contrib.auth.models import User
from django.test import Client
user, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True})
for number in range(1, 51):
    User.objects.get_or_create(username=f"user{number}", defaults={"email": f"u{number}@ex.com"})
client = Client()
client.force_login(user)
print(client.cookies["sessionid"].value)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(workdir: Path) -> tuple[Path, dict[str, str]]:
    project = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(workdir)))
    for name in ("bench_routing.py", "bench_asgi.py"):
        shutil.copy(HERE / name, project / name)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SECRET_KEY": "benchmark-only-key",
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=project, env=env, check=True, timeout=300)
    cookie = subprocess.run(
        [*manage, "shell", "-c", SESSION_CODE],
        cwd=project, env=env, check=True, capture_output=True, text=True, timeout=300,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    env["BENCH_COOKIE"] = cookie
    return project, env


async def client(url: str, cookie: str, requests: int, deadline: float) -> int:
    done = 0
    headers = {"Cookie": f"sessionid={cookie}"}
    async with connect(url, origin="http://localhost", additional_headers=headers) as ws:
        while done < requests and time.monotonic() < deadline:
            pk = 2 + done % 50
            await ws.send(json.dumps({"action": "retrieve", "request_id": done, "pk": pk}))
            reply = json.loads(await ws.recv())
            if reply["response_status"] != 200:
                raise RuntimeError(f"unexpected reply: {reply}")
            done += 1
    return done


async def measure(url: str, cookie: str, clients: int, requests: int, seconds: float) -> float:
    await client(url, cookie, 200, time.monotonic() + seconds)  # warm up
    start = time.monotonic()
    deadline = start + seconds
    counts = await asyncio.gather(
        *(client(url, cookie, requests, deadline) for _ in range(clients))
    )
    return sum(counts) / (time.monotonic() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=3000, help="per client and round")
    parser.add_argument("--seconds", type=float, default=20.0, help="cap per round")
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        project, env = prepare(Path(tmp))
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "bench_asgi:application"],
            cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    time.sleep(0.2)
            rates: dict[str, list[float]] = {name: [] for name in ROUTES}
            for _ in range(options.rounds):
                for name, route in ROUTES.items():
                    url = f"ws://127.0.0.1:{port}{route}"
                    rate = asyncio.run(
                        measure(url, env["BENCH_COOKIE"], options.clients, options.requests,
                                options.seconds)
                    )  # fmt: skip
                    rates[name].append(rate)
        finally:
            server.terminate()
            server.wait(timeout=10)

    print(f"retrieve by pk, {options.clients} clients, best of {options.rounds} rounds")
    best = {name: max(values) for name, values in rates.items()}
    for name, values in rates.items():
        rounds = ", ".join(f"{value:,.0f}" for value in values)
        print(f"  {name:28} {best[name]:8,.0f} req/s   (rounds: {rounds})")
    ratio = best["websocket_api"] / best["djangochannelsrestframework"]
    print(f"  ratio: {ratio:.2f}x")


if __name__ == "__main__":
    main()
