"""Wait until a process answers a probe: ``python -m ops.probe URL [--wait SECONDS]``.

For process managers and container probes that cannot make HTTP requests themselves, for
example ``ExecStartPost=`` in ``deploy/daphne@.service``. It exits 0 as soon as ``URL``
answers 200, and 1 when it has not within ``--wait`` seconds. Standard library only: it
does not load Django.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request

DEFAULT_WAIT = 30.0
REQUEST_TIMEOUT = 2.0
INTERVAL = 0.5


def answers(url: str, timeout: float = REQUEST_TIMEOUT) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def wait_until_answers(url: str, wait: float = DEFAULT_WAIT) -> bool:
    deadline = time.monotonic() + wait
    while True:
        if answers(url, min(REQUEST_TIMEOUT, max(deadline - time.monotonic(), 0.1))):
            return True
        if time.monotonic() + INTERVAL >= deadline:
            return False
        time.sleep(INTERVAL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="for example http://127.0.0.1:8001/readyz")
    parser.add_argument("--wait", type=float, default=DEFAULT_WAIT, help="seconds (30)")
    args = parser.parse_args(argv)
    if wait_until_answers(args.url, args.wait):
        return 0
    print(f"{args.url} did not answer 200 within {args.wait} s.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
