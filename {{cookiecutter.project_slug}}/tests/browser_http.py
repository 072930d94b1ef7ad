"""An HTTP client with cookies and CSRF, talking to a test Daphne as a browser page does."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from typing import Any


class HttpClient:
    """Requests to one server, keeping its cookies; 4xx and 5xx come back, not raise."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def cookie(self, name: str) -> str | None:
        return next((cookie.value for cookie in self.cookies if cookie.name == name), None)

    def request(
        self, method: str, path: str, body: Any = None, headers: dict | None = None
    ) -> tuple[int, Any, dict]:
        data = None if body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if method not in ("GET", "HEAD") and self.cookie("csrftoken"):
            all_headers["X-CSRFToken"] = self.cookie("csrftoken")
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=all_headers
        )
        try:
            with self.opener.open(request, timeout=15) as response:
                status, raw, response_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, response_headers = error.code, error.read(), error.headers
        text = raw.decode(errors="replace")
        try:
            content = json.loads(text) if text else None
        except ValueError:
            content = text
        return status, content, dict(response_headers)

    def sign_in(self, username: str, password: str) -> tuple[int, Any]:
        """Sign in through the demo page's endpoint, as its sign-in form does."""
        if self.cookie("csrftoken") is None:
            self.request("GET", "/api/session/")
        status, content, _ = self.request(
            "POST", "/api/session/", {"username": username, "password": password}
        )
        return status, content

    def sign_out(self) -> int:
        return self.request("DELETE", "/api/session/")[0]

    @property
    def session_cookie(self) -> str | None:
        return self.cookie("sessionid")
