"""Finding and launching Chromium for the browser tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CANDIDATES = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def chromium_path() -> str:
    """The browser to drive: $CHROMIUM_PATH, else a usual install location."""
    configured = os.environ.get("CHROMIUM_PATH")
    for candidate in (configured, *CANDIDATES, shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    raise RuntimeError(
        "The browser tests need Chromium or Chrome: run `make browser` (Debian and Ubuntu), "
        "install it yourself, or set CHROMIUM_PATH to its executable."
    )
