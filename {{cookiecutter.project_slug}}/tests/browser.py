"""Finding and launching Chromium for the browser tests; ``make tools`` installs it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# Where Chromium or Chrome may be, after $CHROMIUM_PATH; the one list the project keeps.
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


def find_chromium() -> str | None:
    """The browser to drive: $CHROMIUM_PATH, else a usual install location, else None."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), *CANDIDATES, shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def chromium_path() -> str:
    found = find_chromium()
    if found is None:
        raise RuntimeError(
            "The browser tests need Chromium or Chrome: run `make tools` (installs Debian's "
            "chromium where apt-get is available), or set CHROMIUM_PATH to its executable."
        )
    return found
