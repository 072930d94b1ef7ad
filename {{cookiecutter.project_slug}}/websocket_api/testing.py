"""Testing WebSocket consumers the way DRF's ``APIClient`` tests views.

``WebSocketAPIClient`` opens a route of the project's ASGI application in-process (Channels'
``WebsocketCommunicator``), with a Host and Origin the origin check accepts, and signs a user
in with ``force_authenticate``::

    client = WebSocketAPIClient("/ws/users/")
    client.force_authenticate(user)
    async with client:
        reply = await client.request("retrieve", pk=user.pk)
        assert_matches_documented_reply(reply, "/ws/users/")

``APIDescription`` reads the AsyncAPI document (``websocket_api.schema``) and checks replies and
pushes against the schemas it documents; it needs ``jsonschema``, a development dependency.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterable, Mapping
from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

REPLY_KEYS = frozenset({"action", "request_id", "response_status", "data", "errors"})


class HandshakeRefusedError(AssertionError):
    """The server closed the socket instead of accepting the handshake."""


class PushTimeoutError(AssertionError):
    """No frame matching an ``expect_push`` arrived in time."""


def default_host() -> str:
    """The first host of ``ALLOWED_HOSTS`` that is a name, not a pattern."""
    for host in settings.ALLOWED_HOSTS:
        if host and not host.startswith(".") and "*" not in host:
            return host
    return "testserver"


def header_name(key: str) -> bytes:
    """``HTTP_AUTHORIZATION`` (DRF's ``credentials`` spelling) or ``authorization``."""
    name = key[5:] if key.upper().startswith("HTTP_") else key
    return name.lower().replace("_", "-").encode("latin-1")


def session_cookie_for(user: Any) -> str:
    """A signed-in session for ``user``, as ``Client.force_login`` makes one."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class WebSocketAPIClient:
    """One WebSocket connection to a route, with request/reply pairing and push waits."""

    def __init__(
        self,
        path: str,
        application: Any = None,
        *,
        host: str | None = None,
        origin: str | None = None,
        headers: Iterable[tuple[bytes, bytes]] = (),
        timeout: float = 5.0,
    ) -> None:
        self.path = path
        self.application = application
        self.host = host or default_host()
        # A page served by the same host: the origin the handshake check accepts.
        self.origin = origin if origin is not None else f"http://{self.host}"
        self.headers = list(headers)
        self.timeout = timeout
        self.user: Any = None
        self.communicator: WebsocketCommunicator | None = None
        self.close_code: int | None = None
        self.pending: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    def force_authenticate(self, user: Any) -> None:
        """Sign ``user`` in for the next ``connect`` (``None`` stays anonymous)."""
        self.user = user

    def credentials(self, **headers: str) -> None:
        """Handshake headers for the next ``connect``, e.g. ``HTTP_AUTHORIZATION="Token …"``."""
        names = {header_name(key) for key in headers}
        self.headers = [item for item in self.headers if item[0] not in names]
        self.headers += [
            (header_name(key), value.encode("latin-1")) for key, value in headers.items()
        ]

    async def handshake_headers(self) -> list[tuple[bytes, bytes]]:
        given = {name for name, _ in self.headers}
        headers = [(b"host", self.host.encode("latin-1"))] if b"host" not in given else []
        if self.origin and b"origin" not in given:
            headers.append((b"origin", self.origin.encode("latin-1")))
        if self.user is not None:
            cookie = await database_sync_to_async(session_cookie_for)(self.user)
            headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
        return [*headers, *self.headers]

    async def connect(self) -> WebSocketAPIClient:
        """Open the socket; raises ``HandshakeRefusedError`` with the close code if refused."""
        application = self.application
        if application is None:
            from channels.routing import get_default_application

            application = get_default_application()
        headers = await self.handshake_headers()
        self.communicator = WebsocketCommunicator(application, self.path, headers=headers)
        connected, code = await self.communicator.connect(timeout=self.timeout)
        if not connected:
            self.close_code = code if isinstance(code, int) else None
            await self.communicator.wait(timeout=self.timeout)
            self.communicator = None
            raise HandshakeRefusedError(
                f"the handshake to {self.path} was refused (close code {code})"
            )
        return self

    async def close(self) -> None:
        if self.communicator is not None:
            await self.communicator.disconnect(timeout=self.timeout)
            self.communicator = None

    async def __aenter__(self) -> WebSocketAPIClient:
        return await self.connect()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _open(self) -> WebsocketCommunicator:
        if self.communicator is None:
            raise RuntimeError("The client is not connected: call connect() first.")
        return self.communicator

    async def send(self, payload: Mapping[str, Any]) -> None:
        await self._open().send_to(text_data=json.dumps(payload))

    async def send_text(self, text: str) -> None:
        await self._open().send_to(text_data=text)

    async def next_frame(self, timeout: float) -> dict[str, Any]:
        """The next frame from the server, parsed; it must be a JSON object.

        Waits on the output queue itself: a communicator's own ``receive_output`` cancels the
        application when it times out, and a push wait that times out keeps the socket open.
        """
        communicator = self._open()
        if communicator.future.done():
            communicator.future.result()
        output = await asyncio.wait_for(communicator.output_queue.get(), timeout)
        if output["type"] == "websocket.close":
            self.close_code = output.get("code")
            self.communicator = None
            raise AssertionError(f"the server closed the socket (close code {self.close_code})")
        text = output.get("text")
        if text is None:
            raise AssertionError(f"expected a text frame, got {output!r}")
        frame = json.loads(text)
        if not isinstance(frame, dict) or set(frame) != REPLY_KEYS:
            raise AssertionError(f"not a reply or push (keys {sorted(REPLY_KEYS)}): {text}")
        return frame

    async def receive(self, timeout: float | None = None) -> dict[str, Any]:
        """The next reply or push: one kept back by ``request`` first, else a new one."""
        if self.pending:
            return self.pending.pop(0)
        return await self.next_frame(self.timeout if timeout is None else timeout)

    async def request(self, action: str, *, request_id: Any = None, **payload: Any) -> dict:
        """Send one request and return its reply; pushes that come first are kept back."""
        if request_id is None:
            request_id = f"{action}-{next(self._ids)}"
        await self.send({"action": action, "request_id": request_id, **payload})
        return await self.wait_for(
            lambda frame: frame["request_id"] == request_id and frame["action"] == action,
            self.timeout,
            f"the reply to {action} (request_id {request_id!r})",
        )

    async def expect_push(
        self, action: str | None = None, *, request_id: Any = None, timeout: float = 1.0
    ) -> dict[str, Any]:
        """Wait for a frame with this ``action`` (create, update, delete) and ``request_id``.

        Raises ``PushTimeoutError`` after ``timeout`` seconds; the socket stays usable.
        """

        def matches(frame: dict[str, Any]) -> bool:
            return (action is None or frame["action"] == action) and (
                request_id is None or frame["request_id"] == request_id
            )

        wanted = f"a push (action {action!r}, request_id {request_id!r})"
        return await self.wait_for(matches, timeout, wanted, PushTimeoutError)

    async def wait_for(
        self,
        matches: Any,
        timeout: float,
        wanted: str,
        error: type[AssertionError] = AssertionError,
    ) -> dict[str, Any]:
        for index, frame in enumerate(self.pending):
            if matches(frame):
                return self.pending.pop(index)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (left := deadline - loop.time()) > 0:
            try:
                frame = await self.next_frame(left)
            except TimeoutError:
                break
            if matches(frame):
                return frame
            self.pending.append(frame)
        raise error(f"no {wanted} within {timeout:g} s; kept back: {self.pending!r}")

    async def assert_nothing_more(self, timeout: float = 0.2) -> None:
        """No frame kept back and none arriving within ``timeout`` seconds."""
        assert not self.pending, f"frames not read: {self.pending!r}"
        assert await self._open().receive_nothing(timeout=timeout), "an unexpected frame arrived"


class APIDescription:
    """The AsyncAPI document, for checking replies and pushes against what it documents."""

    def __init__(self, document: Mapping[str, Any] | None = None) -> None:
        if document is None:
            from .schema import build_document

            document = build_document()
        self.document = document

    def channel(self, address: str) -> tuple[str, Mapping[str, Any]]:
        for key, channel in self.document["channels"].items():
            if channel["address"] == address:
                return key, channel
        raise AssertionError(f"{address} is not a documented route")

    def operations(
        self, address: str, direction: str, action: str | None = None
    ) -> list[Mapping[str, Any]]:
        """The route's operations the server ``receive``s (requests) or ``send``s (pushes)."""
        key, _ = self.channel(address)
        return [
            operation
            for operation in self.document["operations"].values()
            if operation["channel"]["$ref"] == f"#/channels/{key}"
            and operation["action"] == direction
            and action in (None, operation["title"])
        ]

    def message_pointer(self, reference: str) -> str:
        """The pointer to a message's own object, following a channel's ``$ref`` to it."""
        message = self.resolve(reference)
        return self.message_pointer(message["$ref"]) if "$ref" in message else reference

    def resolve(self, reference: str) -> Any:
        node: Any = self.document
        for part in reference.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def reply_messages(self, address: str, action: str) -> list[str]:
        """Pointers to every reply the action is documented to give (success and errors)."""
        operations = self.operations(address, "receive", action)
        found = [
            self.message_pointer(ref["$ref"])
            for op in operations
            for ref in op["reply"]["messages"]
        ]
        if not found:
            raise AssertionError(f"{action} is not a documented action of {address}")
        return found

    def push_messages(self, address: str, subscription: str) -> list[str]:
        """Pointers to every push a subscription action is documented to send."""
        operations = self.operations(address, "send", subscription)
        found = [self.message_pointer(ref["$ref"]) for op in operations for ref in op["messages"]]
        if not found:
            raise AssertionError(f"{subscription} documents no pushes on {address}")
        return found

    def request_examples(self, address: str) -> list[tuple[str, dict[str, Any]]]:
        """Each documented example request of the route, with its action."""
        examples = []
        for operation in self.operations(address, "receive"):
            for ref in operation["messages"]:
                message = self.resolve(self.message_pointer(ref["$ref"]))
                for example in message.get("examples", []):
                    examples.append((operation["title"], dict(example["payload"])))
        return examples

    def errors_against(self, pointer: str, frame: Mapping[str, Any]) -> list[str]:
        """What is wrong with ``frame`` as the message at ``pointer`` ([] when it matches)."""
        from jsonschema import Draft7Validator  # type: ignore[import-untyped]

        # The whole document is the root, so the payload's references resolve inside it.
        validator = Draft7Validator({**self.document, "$ref": f"{pointer}/payload"})
        return [
            f"{'/'.join(map(str, error.absolute_path)) or '(frame)'}: {error.message}"
            for error in validator.iter_errors(frame)
        ]

    def match(self, pointers: list[str], frame: Mapping[str, Any], what: str) -> str:
        """The name of the first message ``frame`` matches; else an error naming each miss."""
        problems = {}
        for pointer in pointers:
            errors = self.errors_against(pointer, frame)
            if not errors:
                return pointer.rsplit("/", 1)[-1]
            problems[pointer.rsplit("/", 1)[-1]] = errors[:3]
        details = "; ".join(f"{name}: {', '.join(errors)}" for name, errors in problems.items())
        raise AssertionError(f"{what} matches no documented message ({details}): {frame!r}")

    def assert_reply(
        self, frame: Mapping[str, Any], address: str, action: str | None = None
    ) -> str:
        """Check a reply against the documented replies of its action; returns the match."""
        action = action or frame["action"]
        return self.match(self.reply_messages(address, action), frame, f"the {action} reply")

    def assert_push(self, frame: Mapping[str, Any], address: str, subscription: str) -> str:
        """Check a push against the pushes documented for a subscription action."""
        return self.match(self.push_messages(address, subscription), frame, "the push")


_description: APIDescription | None = None


def assert_matches_documented_reply(
    frame: Mapping[str, Any], address: str, action: str | None = None
) -> str:
    """``APIDescription().assert_reply`` on the project's own document (built once)."""
    global _description
    if _description is None:
        _description = APIDescription()
    return _description.assert_reply(frame, address, action)
