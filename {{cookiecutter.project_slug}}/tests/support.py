"""Helpers shared by the tests: users, signed-in WebSocket clients and request payloads."""

from __future__ import annotations

from contextlib import asynccontextmanager

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client

from config.asgi import application
from users.consumers import UserConsumer
from websocket_api.actions import MODEL_ACTIONS

ORIGIN = (b"origin", b"http://localhost")
HOST = (b"host", b"localhost")
ROUTES = ("/ws/users/", "/ws/api/users/")
PASSWORD = "correct-horse-battery-staple"
REPLY_KEYS = {"action", "request_id", "response_status", "data", "errors"}


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


class ApiSocket:
    """A WebSocket client on the project's full ASGI application."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator

    @classmethod
    async def open(
        cls, path: str, user: User | None = None, app=application, headers=()
    ) -> ApiSocket:
        given = dict(headers)
        host = given.get(b"host", HOST[1])
        # A page served by this host: the same origin as the handshake's own.
        origin = (b"origin", b"http://" + host)
        headers = [*(item for item in (HOST, origin) if item[0] not in given), *headers]
        cookie = await sync_to_async(session_cookie)(user)
        if cookie:
            headers.append((b"cookie", f"sessionid={cookie}".encode()))
        communicator = WebsocketCommunicator(app, path, headers=headers)
        connected, _ = await communicator.connect(timeout=5)
        assert connected, f"handshake to {path} refused"
        return cls(communicator)

    async def request(self, action: str, **payload) -> dict:
        """Send one request and return its reply."""
        payload.setdefault("request_id", f"{action}-1")
        await self.communicator.send_json_to({"action": action, **payload})
        return await self.receive()

    async def send_text(self, text: str) -> dict:
        await self.communicator.send_to(text_data=text)
        return await self.receive()

    async def receive(self) -> dict:
        reply = await self.communicator.receive_json_from(timeout=5)
        assert set(reply) == REPLY_KEYS, reply
        return reply

    async def assert_nothing_more(self) -> None:
        assert await self.communicator.receive_nothing(timeout=0.2)

    async def close(self) -> None:
        await self.communicator.disconnect()


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
