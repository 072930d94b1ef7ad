"""The benchmark command, run with tiny counts so that it cannot rot; speed is never checked."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.bakery import TEMPLATE_DIR

BENCHMARK = TEMPLATE_DIR / "benchmarks" / "side_by_side.py"
SCENARIOS = {
    "retrieve": {"ours", "dcrf", "channels_echo", "asgi_echo", "drf_http"},
    "list_100": {"ours", "dcrf"},
    "create_delete": {"ours", "dcrf"},
    "view_as_consumer_retrieve": {"view_as_consumer", "drf_http"},
    "fanout_200": {"ours", "dcrf"},
    "head_of_line": {"ours", "dcrf"},
    "idle_memory": {"ours", "dcrf"},
    "two_processes": {"one_process", "two_processes"},
}


def test_the_benchmark_runs_every_scenario_and_writes_its_results(tmp_path: Path):
    """A smoke run writes JSON with every scenario and side, each with positive figures."""
    for tool in ("nginx", "redis-server"):
        found = shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists()
        assert found, f"{tool} is missing: run `make services`"
    finished = subprocess.run(
        [sys.executable, str(BENCHMARK), "--smoke", "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    result = json.loads((tmp_path / "latest.json").read_text())
    assert (tmp_path / "latest.png").stat().st_size > 0
    summary = result["summary"]
    assert {name: set(sides) for name, sides in summary.items()} == SCENARIOS
    for name, sides in summary.items():
        for side, figures in sides.items():
            where = f"{name}/{side}"
            assert figures["messages"] > 0, where
            assert figures["messages_per_s"] > 0, where
            assert 0 < figures["p50_ms"] <= figures["p99_ms"], where
            assert figures["cpu_ms_per_message"] >= 0, where
    assert summary["fanout_200"]["ours"]["last_push_ms"] > 0
    assert "kib_per_connection" in summary["idle_memory"]["dcrf"]
    assert {row["target"] for row in result["targets"]} and result["versions"]["python"]
