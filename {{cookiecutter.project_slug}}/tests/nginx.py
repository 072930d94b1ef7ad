"""nginx with the shipped site file, for tests; ``make tools`` installs nginx.

The site file ``deploy/nginx.conf`` stays the real one: a test copies it with its upstream
ports, listen address and static folder replaced, and wraps it in a main configuration
that keeps the pid file, logs and temporary files in a folder of its own.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SITE_FILE = PROJECT_DIR / "deploy" / "nginx.conf"
# Where nginx may be, after $NGINX_PATH and PATH: Debian puts it in /usr/sbin.
CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/bin/nginx")
START_TIMEOUT = 10.0
# Each access-log line: method, path, status and the Daphne process that answered.
LOG_FORMAT = "$request_method $uri $status $upstream_addr"


def find_nginx() -> str | None:
    """The nginx to run: $NGINX_PATH, else one on PATH or in a usual place, else None."""
    for candidate in (os.environ.get("NGINX_PATH"), shutil.which("nginx"), *CANDIDATES):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def nginx_path() -> str:
    found = find_nginx()
    if found is None:
        raise RuntimeError(
            "These tests need nginx: run `make tools` (installs Debian's nginx where apt-get "
            "is available), or set NGINX_PATH to its executable."
        )
    return found


def substitute(text: str, pattern: str, replacement: str, what: str) -> str:
    """``text`` with the one match of ``pattern`` (its first group kept) replaced."""
    found = list(re.finditer(pattern, text, flags=re.MULTILINE | re.DOTALL))
    if len(found) != 1:
        raise AssertionError(
            f"deploy/nginx.conf should have exactly one {what}; found {len(found)}."
        )
    match = found[0]
    return text[: match.start()] + match.group(1) + replacement + text[match.end() :]


def site_for(upstream_ports: list[int], listen_port: int, static_root: Path) -> str:
    """The shipped site file, serving on 127.0.0.1:listen_port in front of these ports."""
    servers = "".join(f"    server 127.0.0.1:{port};\n" for port in upstream_ports)
    text = SITE_FILE.read_text(encoding="utf-8")
    text = substitute(text, r"^(upstream daphne \{\n).*?^\}", servers + "}", "upstream")
    text = substitute(text, r"^(\s*)listen 80;$", f"listen 127.0.0.1:{listen_port};", "listen")
    return substitute(text, r"^(\s*alias ).*?;$", f"{static_root}/;", "static alias")


MAIN_CONFIG = """%(user)s
worker_processes 1;
pid %(folder)s/nginx.pid;
error_log %(folder)s/error.log info;
events {
    worker_connections 256;
}
http {
    types {
        text/css css;
        text/javascript js mjs;
        text/html html;
    }
    default_type application/octet-stream;
    log_format upstreams '%(log_format)s';
    access_log %(folder)s/access.log upstreams;
%(temp_paths)s
    include %(site)s;
}
"""


def main_config(folder: Path, site: Path) -> str:
    """A whole nginx.conf that includes ``site`` and keeps its own files in ``folder``."""
    user = ""
    if os.geteuid() == 0:
        # Workers would otherwise run as nobody, who cannot read the test's folder.
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    temp_paths = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    values = {"user": user, "folder": folder, "log_format": LOG_FORMAT, "site": site}
    return MAIN_CONFIG % {**values, "temp_paths": temp_paths}


def write_config(folder: Path, site_text: str) -> Path:
    site = folder / "site.conf"
    site.write_text(site_text, encoding="utf-8")
    config = folder / "nginx.conf"
    config.write_text(main_config(folder, site), encoding="utf-8")
    return config


def run_nginx(config: Path, *args: str) -> subprocess.CompletedProcess:
    folder = config.parent
    command = [nginx_path(), "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=30, check=False
    )


def check_config(site_text: str) -> subprocess.CompletedProcess:
    """``nginx -t`` on ``site_text`` wrapped in a main configuration."""
    with tempfile.TemporaryDirectory() as folder:
        return run_nginx(write_config(Path(folder), site_text), "-t")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NginxProxy:
    """nginx on 127.0.0.1 and a free port, with the shipped site in front of ``upstream_ports``."""

    def __init__(self, upstream_ports: list[int], static_root: Path | None = None) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="nginx-"))
        site = site_for(upstream_ports, self.port, static_root or PROJECT_DIR / "static")
        self.config = write_config(self.folder, site)
        self.process: subprocess.Popen | None = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def __enter__(self) -> NginxProxy:
        checked = run_nginx(self.config, "-t")
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refused the configuration:\n{checked.stderr}")
        folder = str(self.folder)
        command = [nginx_path(), "-p", folder, "-c", str(self.config), "-e", str(self.error_log)]
        self.process = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited early:\n{self.errors()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"nginx did not listen within {START_TIMEOUT} s:\n{self.errors()}")

    @property
    def error_log(self) -> Path:
        return self.folder / "error.log"

    def errors(self) -> str:
        return self.error_log.read_text(errors="replace") if self.error_log.exists() else ""

    def access_log(self) -> list[list[str]]:
        """The access log so far, one ``[method, path, status, upstream]`` per request."""
        path = self.folder / "access.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return [line.split() for line in text.splitlines() if line.strip()]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
