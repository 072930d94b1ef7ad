"""Helpers shared by the tests: users, signed-in WebSocket clients and request payloads."""

from __future__ import annotations

from contextlib import asynccontextmanager

from django.contrib.auth.models import User
from django.test import Client

from config.asgi import application
from users.consumers import UserConsumer
from websocket_api.actions import MODEL_ACTIONS
from websocket_api.testing import REPLY_KEYS as REPLY_KEYS
from websocket_api.testing import HandshakeRefusedError, WebSocketAPIClient

ORIGIN = (b"origin", b"http://localhost")
HOST = (b"host", b"localhost")
ROUTES = ("/ws/users/", "/ws/api/users/")
PASSWORD = "correct-horse-battery-staple"


def offered(action: str) -> bool:
    return action in UserConsumer.available_actions


def create_user(username: str, staff: bool = False, **fields) -> User:
    fields.setdefault("email", f"{username}@example.com")
    user = User(username=username, is_staff=staff, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def session_cookie(user: User | None) -> str | None:
    if user is None:
        return None
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class ApiSocket(WebSocketAPIClient):
    """The test kit's client on the project's full ASGI application, where ``request`` and
    ``send_text`` return the very next frame (so tests can see replies to odd requests)."""

    @classmethod
    async def open(
        cls, path: str, user: User | None = None, app=application, headers=()
    ) -> ApiSocket:
        host = dict(headers).get(b"host", HOST[1]).decode("latin-1")
        socket = cls(path, app, host=host, headers=headers)
        socket.force_authenticate(user)
        try:
            return await socket.connect()
        except HandshakeRefusedError as refused:
            raise AssertionError(f"handshake to {path} refused") from refused

    async def request(self, action: str, **payload) -> dict:
        """Send one request and return the next frame, its reply."""
        payload.setdefault("request_id", f"{action}-1")
        await self.send({"action": action, **payload})
        return await self.receive()

    async def send_text(self, text: str) -> dict:
        await super().send_text(text)
        return await self.receive()


@asynccontextmanager
async def connected(path: str, user: User | None = None, app=application, headers=()):
    """An open ``ApiSocket`` for the block, closed afterwards."""
    socket = await ApiSocket.open(path, user, app, headers)
    try:
        yield socket
    finally:
        await socket.close()


def sample_requests(target: User) -> dict[str, dict]:
    """A valid request per action, acting on ``target`` where one object is needed."""
    return {
        "list": {},
        "retrieve": {"pk": target.pk},
        "patch": {"pk": target.pk, "data": {"email": "patched@example.com"}},
        "update": {"pk": target.pk, "data": {"username": "updated", "email": "u@example.com"}},
        "create": {"data": {"username": "created", "email": "c@example.com", "password": PASSWORD}},
        "delete": {"pk": target.pk},
    }


SUCCESS_STATUS = {row.name: row.status for row in MODEL_ACTIONS.values()}
READ_ACTIONS = {row.name for row in MODEL_ACTIONS.values() if row.method == "GET"}
# The CRUD actions this project offers, in the consumer's order.
CRUD_ACTIONS = [name for name in UserConsumer.available_actions if name in SUCCESS_STATUS]
