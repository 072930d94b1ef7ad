"""The consumer that turns WebSocket messages into actions and every action into one reply."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from .actions import ActionSpec, collect_actions
from .database import run_in_database_thread
from .exceptions import RequestError
from .replies import encode, envelope, status_and_errors
from .requests import ActionRequest, check_message

BINARY_FRAME = "Binary frames are not supported: send each request as a JSON text frame."
NOT_AN_OBJECT = "Expected a JSON object with an 'action' key."


class AsyncAPIConsumer(AsyncWebsocketConsumer):
    """Answers JSON action requests with one reply each, checking DRF permissions first."""

    permission_classes: ClassVar[list[type[BasePermission]]] = list(
        api_settings.DEFAULT_PERMISSION_CLASSES
    )
    throttle_classes: ClassVar[list[type[BaseThrottle]]] = list(
        api_settings.DEFAULT_THROTTLE_CLASSES
    )
    # Only consulted, as DRF does, to choose between 401 and 403 for anonymous users; the
    # connection's user comes from the handshake (see AuthMiddlewareStack).
    authentication_classes: ClassVar[list[type[BaseAuthentication]]] = list(
        api_settings.DEFAULT_AUTHENTICATION_CLASSES
    )
    lookup_field: ClassVar[str] = "pk"
    lookup_url_kwarg: ClassVar[str | None] = None
    max_page_size: ClassVar[int | None] = None
    available_actions: ClassVar[dict[str, tuple[ActionSpec, str]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.available_actions = collect_actions(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action: str | None = None
        self.request: ActionRequest | None = None
        self.kwargs: dict[str, Any] = {}

    @property
    def user(self) -> Any:
        """The connection's user: an instance, ``AnonymousUser()`` when nobody signed in."""
        return self.scope.get("user") or AnonymousUser()

    @property
    def lookup_kwarg(self) -> str:
        return self.lookup_url_kwarg or self.lookup_field

    # ASGI events

    async def dispatch(self, message: dict) -> None:
        # Channels closes old database connections here, one thread hop per event; each
        # action does that inside its own trip to the database thread instead.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_receive(self, message: dict) -> None:
        """Called for each frame: decode it, run the action, send the reply."""
        text = message.get("text")
        if text is None:
            await self.send_reply(envelope(None, None, 400, errors=[BINARY_FRAME]))
            return
        try:
            content = json.loads(text)
        except ValueError as exc:
            await self.send_reply(envelope(None, None, 400, errors=[f"Invalid JSON: {exc}"]))
            return
        if not isinstance(content, dict):
            await self.send_reply(envelope(None, None, 400, errors=[NOT_AN_OBJECT]))
            return
        await self.receive_request(content)

    async def receive_request(self, content: dict) -> None:
        """Called with each decoded request; sends exactly one reply, whatever happens."""
        action_name = content.get("action")
        request_id = content.get("request_id")
        self.action, self.request, self.kwargs = None, None, {}
        try:
            status, data = await self.handle_action(content)
            reply = envelope(action_name, request_id, status, data)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an error reply
            status, errors = self.handle_exception(exc)
            reply = envelope(action_name, request_id, status, errors=errors)
        await self.send_reply(reply)

    async def send_reply(self, reply: dict) -> None:
        try:
            text = encode(reply)
        except (TypeError, ValueError) as exc:
            status, errors = status_and_errors(exc, repr(reply["action"]))
            text = encode(envelope(reply["action"], reply["request_id"], status, errors=errors))
        await self.send(text_data=text)

    def handle_exception(self, exc: Exception) -> tuple[int, list]:
        """Called with whatever an action raised; returns the reply's status and errors."""
        status, errors = status_and_errors(exc, repr(self.action))
        if status == 401 and not self.get_authenticate_header():
            status = 403  # DRF's answer when no authenticator offers a challenge
        return status, errors

    def get_authenticate_header(self) -> str | None:
        if not self.authentication_classes:
            return None
        return self.authentication_classes[0]().authenticate_header(self.request)

    # Running actions

    async def handle_action(self, content: dict) -> tuple[int, Any]:
        """Run the requested action and return its status and data."""
        spec, method_name = self.get_action(content)
        self.initialize_request(spec, content)
        handler = getattr(self, method_name)
        if spec.is_async:
            await run_in_database_thread(self.initial, self.request)
            result = await handler(self.request, **self.kwargs)
        else:
            result = await run_in_database_thread(self.run_sync_action, handler)
        return self.finalize_result(result)

    def run_sync_action(self, handler: Any) -> Any:
        # Permission checks, queries and serialization share one trip to the database thread.
        self.initial(self.request)
        return handler(self.request, **self.kwargs)

    def get_action(self, content: dict) -> tuple[ActionSpec, str]:
        """Find the action a request names: 400 when it names none, 405 when it is unknown."""
        name = content.get("action")
        if "action" not in content:
            raise RequestError(["action: This field is required."])
        if not isinstance(name, str):
            raise RequestError(["action: Expected a string."])
        if name not in self.available_actions:
            offered = ", ".join(sorted(self.available_actions)) or "none"
            raise exceptions.MethodNotAllowed(
                name, detail=f"Unknown action '{name}'. This consumer offers: {offered}."
            )
        return self.available_actions[name]

    def initialize_request(self, spec: ActionSpec, content: dict) -> None:
        """Check the message against the action, then set ``request``, ``action`` and ``kwargs``."""
        paging_limit = self.max_page_size if "limit" in spec.params else None
        problems = check_message(content, spec, self.lookup_kwarg, paging_limit)
        if problems:
            raise RequestError(problems)
        self.action = spec.name
        self.kwargs = dict(self.scope.get("url_route", {}).get("kwargs", {}))
        if spec.detail:
            self.kwargs[self.lookup_kwarg] = content[self.lookup_kwarg]
        self.request = ActionRequest(
            action=spec.name,
            method=spec.method,
            user=self.user,
            scope=self.scope,
            message=content,
            data=content.get("data") or {},
            query_params=content.get("query") or {},
        )

    @staticmethod
    def finalize_result(result: Any) -> tuple[int, Any]:
        """Accept ``data`` or ``(data, status)`` from an action."""
        if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], int):
            data, status = result
            return status, data
        return 200, result

    # Policies, as in DRF's APIView

    def initial(self, request: ActionRequest) -> None:
        """Called before every action: check permissions, then throttles."""
        self.check_permissions(request)
        self.check_throttles(request)

    def get_permissions(self) -> list[BasePermission]:
        return [permission() for permission in self.permission_classes]

    def get_throttles(self) -> list[BaseThrottle]:
        return [throttle() for throttle in self.throttle_classes]

    def check_permissions(self, request: ActionRequest) -> None:
        for permission in self.get_permissions():
            if not permission.has_permission(request, self):
                self.permission_denied(request, permission)

    def check_object_permissions(self, request: ActionRequest, obj: Any) -> None:
        for permission in self.get_permissions():
            if not permission.has_object_permission(request, self, obj):
                self.permission_denied(request, permission)

    def permission_denied(self, request: ActionRequest, permission: BasePermission) -> None:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        raise exceptions.PermissionDenied(
            detail=getattr(permission, "message", None), code=getattr(permission, "code", None)
        )

    def check_throttles(self, request: ActionRequest) -> None:
        waits = [
            throttle.wait()
            for throttle in self.get_throttles()
            if not throttle.allow_request(request, self)
        ]
        if waits:
            known = [wait for wait in waits if wait is not None]
            raise exceptions.Throttled(max(known) if known else None)
