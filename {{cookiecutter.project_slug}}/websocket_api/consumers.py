"""The consumer that turns WebSocket messages into actions and every action into one reply.

One message flows through ``receive`` (decode), ``receive_json`` (the request),
``get_action`` (find it), ``initialize_request`` (check it), then one trip to the database
thread that runs ``initial`` (permissions, throttles) and the action, and ``send_reply``
(encode). Exceptions go through ``handle_exception`` and DRF's ``EXCEPTION_HANDLER``, as
in DRF's ``APIView``; the hooks keep DRF's names and signatures.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from channels.consumer import get_handler_name
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import SuspiciousOperation
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from .actions import ActionSpec, collect_actions
from .auth import (
    SESSION_ENDED_CLOSE_CODE,
    Credentials,
    SessionEnded,
    check_credentials,
    fingerprint,
    user_group,
)
from .conf import drf_classes, websocket_api_settings
from .connection import RECEIVED_AT, ChannelLayerError, ConnectionConsumer
from .database import run_in_database_thread
from .exceptions import RequestError, unavailable_dependency
from .frames import FrameError, decode_frame, encode, request_id_problem
from .instrumentation import instrumentation
from .publish import remember_server_loop
from .replies import INTERNAL_ERROR, check_result, envelope, error_list
from .requests import ActionRequest, check_message

logger = logging.getLogger("websocket_api")

BINARY_FRAME = "Binary frames are not supported: send each request as a JSON text frame."
NOT_AN_OBJECT = "Expected a JSON object with an 'action' key."


def as_drf(obj: Any) -> Any:
    """``obj`` where DRF's permission and throttle hooks want a Request or an APIView: a
    consumer and its ``ActionRequest`` offer what those hooks read."""
    return obj


class AsyncAPIConsumer(ConnectionConsumer):
    """Answers JSON action requests with one reply each, checking DRF permissions first.

    Override ``connect`` and ``disconnect`` as in Channels. Each text frame goes to
    ``receive``, which decodes it with ``decode_json`` and passes the object to
    ``receive_json``; replies are encoded with ``encode_json``. Overrides of these call
    ``super()`` to keep one reply per request.
    """

    permission_classes: ClassVar[list[type[BasePermission]]] = drf_classes(
        "DEFAULT_PERMISSION_CLASSES"
    )
    throttle_classes: ClassVar[list[type[BaseThrottle]]] = drf_classes("DEFAULT_THROTTLE_CLASSES")
    # The connection's user comes from the handshake (see AuthMiddlewareStack); these
    # choose, as in DRF, between 401 and 403 when an anonymous user is refused.
    authentication_classes: ClassVar[list[type[BaseAuthentication]]] = drf_classes(
        "DEFAULT_AUTHENTICATION_CLASSES"
    )
    available_actions: ClassVar[dict[str, tuple[ActionSpec, str]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.available_actions = collect_actions(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action: str | None = None
        self.request: ActionRequest | None = None
        self.args: tuple = ()
        self.kwargs: dict[str, Any] = {}
        self.session_ended = False
        self.received_at = time.monotonic()

    @property
    def user(self) -> Any:
        """The connection's user: an instance, ``AnonymousUser()`` when nobody signed in."""
        return self.scope.get("user") or AnonymousUser()

    @property
    def credentials(self) -> Credentials:
        """How the handshake authenticated (see ``websocket_api.auth``)."""
        credentials = self.scope.get("credentials")
        if credentials is None:
            credentials = self.scope["credentials"] = Credentials.for_user("scope", self.user)
        return credentials

    @classmethod
    def get_lookup_kwarg(cls) -> str:
        """The message key that names the object of a detail action."""
        return "pk"

    # Channels' events and hooks

    async def dispatch(self, message: dict) -> None:
        # Channels closes old database connections here, one thread hop per event; each
        # action does that inside its own trip to the database thread instead.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_connect(self, message: dict) -> None:
        remember_server_loop()
        await super().websocket_connect(message)

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        """Accept the handshake (with the token subprotocol, if the client sent one)."""
        subprotocol = subprotocol or self.scope.get("websocket_api.subprotocol")
        await super().accept(subprotocol=subprotocol, headers=headers)
        self.opened_at = time.monotonic()
        instrumentation().connection_opened(self.scope)
        if self.credentials.user_pk is not None and self.channel_layer is not None:
            self.user_group_task: asyncio.Task | None = asyncio.ensure_future(
                self.join_user_group()
            )
            self.user_group_task.add_done_callback(self.forget_user_group_task)

    def forget_user_group_task(self, task: asyncio.Task) -> None:
        # An idle connection keeps nothing of a finished task.
        if self.user_group_task is task:
            self.user_group_task = None

    async def join_user_group(self) -> None:
        """Hear at once when the user's credentials change; rechecks cover a failure here."""
        try:
            await self.join_group(user_group(self.credentials.user_pk))
        except ChannelLayerError:
            logger.warning("Could not join the group of user %s", self.credentials.user_pk)

    async def refuse_queued_frame(self, message: dict) -> None:
        limit = websocket_api_settings.MAX_QUEUED_REQUESTS
        action = request_id = None
        try:
            content = decode_frame(message.get("text") or "")
        except ValueError:
            content = None
        if isinstance(content, dict) and request_id_problem(content) is None:
            action, request_id = content.get("action"), content.get("request_id")
        problem = (
            f"{limit} requests already wait on this connection (MAX_QUEUED_REQUESTS): wait "
            "for their replies before sending more."
        )
        await self.answer(envelope(action, request_id, 429, errors=[problem]), message)

    async def websocket_api_credentials_changed(self, event: dict) -> None:
        """Called when the user's credentials may have ended: check them now."""
        credentials = self.credentials
        ended = {event.get("ended_session"), event.get("ended_token")} - {"", None}
        mine = {fingerprint(credentials.session_key), fingerprint(credentials.token_key)}
        try:
            if ended & mine:
                raise SessionEnded()
            await run_in_database_thread(check_credentials, credentials, True)
        except SessionEnded:
            await self.close(code=SESSION_ENDED_CLOSE_CODE)

    async def websocket_receive(self, message: dict) -> None:
        self.received_at = message.get(RECEIVED_AT, time.monotonic())
        await super().websocket_receive(message)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Called with each frame: decode it, or answer 400 when it is not a JSON object."""
        if text_data is None:
            await self.answer(envelope(None, None, 400, errors=[BINARY_FRAME]))
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError as exc:
            problem = str(exc) if isinstance(exc, FrameError) else f"Invalid JSON: {exc}"
            await self.answer(envelope(None, None, 400, errors=[problem]))
            return
        if not isinstance(content, dict):
            await self.answer(envelope(None, None, 400, errors=[NOT_AN_OBJECT]))
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict, **kwargs: Any) -> None:
        """Called with each decoded request; sends exactly one reply, whatever happens."""
        reply = await self.handle_request(content)
        # The request is answered: an idle connection holds on to nothing of it.
        self.request, self.kwargs = None, {}
        await self.answer(reply)
        if reply["response_status"] == SessionEnded.status_code and self.session_ended:
            await self.close(code=SESSION_ENDED_CLOSE_CODE)

    async def answer(self, reply: dict, message: dict | None = None) -> None:
        """Send the one reply to a request, and report it."""
        await self.send_reply(reply)
        received = (message or {}).get(RECEIVED_AT, self.received_at)
        instrumentation().request_answered(
            self.scope,
            reply["action"],
            reply["request_id"],
            reply["response_status"],
            time.monotonic() - received,
        )

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        """Parse a frame within the size, depth and number limits (``websocket_api.frames``)."""
        return decode_frame(text_data)

    @classmethod
    async def encode_json(cls, content: Any) -> str:
        return encode(content)

    async def send_reply(self, reply: dict) -> None:
        """Send one reply or push; one that cannot be encoded becomes a 500 reply, and one
        over ``MAX_MESSAGE_SIZE`` a 413 reply that says whether the action took effect."""
        try:
            text = await self.encode_json(reply)
        except (TypeError, ValueError):
            logger.exception("Could not encode the reply to %r", reply["action"])
            error = envelope(reply["action"], reply["request_id"], 500, errors=[INTERNAL_ERROR])
            text = await self.encode_json(error)
        limit = websocket_api_settings.MAX_MESSAGE_SIZE
        # A character takes at most four bytes in UTF-8: most replies need no counting.
        size = len(text) if len(text) * 4 <= limit else len(text.encode("utf-8"))
        if size > limit:
            outcome = "it took effect" if reply["response_status"] < 400 else "it failed"
            problem = (
                f"The reply would be {size} bytes, over the {limit}-byte limit, so it is not "
                f"sent; the request was handled ({outcome}, status {reply['response_status']}). "
                "Ask for less, for example with a smaller limit."
            )
            error = envelope(reply["action"], reply["request_id"], 413, errors=[problem])
            text = await self.encode_json(error)
            if len(text.encode("utf-8")) > limit:
                # The action's name alone is too large to echo.
                text = await self.encode_json({**error, "action": None})
        await self.send(text_data=text)

    # Running actions

    async def handle_request(self, content: dict) -> dict:
        """Run the action a request names and return its reply envelope."""
        self.action, self.request, self.args, self.kwargs = None, None, (), {}
        problem = request_id_problem(content)
        if problem is not None:
            # Too large to echo: the reply carries no request_id.
            return envelope(content.get("action"), None, 400, errors=[problem])
        try:
            spec, method_name = self.get_action(content)
            request = self.initialize_request(spec, content)
            handler = getattr(self, method_name)
            if spec.is_async:
                await run_in_database_thread(self.initial, request)
                data, status = check_result(await handler(request, **self.kwargs), spec.name)
            else:
                return await run_in_database_thread(self.run_sync_action, handler, request)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an error reply
            return self.error_reply(content, exc)
        return envelope(content.get("action"), content.get("request_id"), status, data)

    def run_sync_action(self, handler: Any, request: ActionRequest) -> dict:
        """Permission checks, the action and serialization, in one database-thread trip."""
        content = request.message
        try:
            self.initial(request)
            data, status = check_result(handler(request, **self.kwargs), self.action)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an error reply
            return self.error_reply(content, exc)
        return envelope(content.get("action"), content.get("request_id"), status, data)

    def error_reply(self, content: Mapping[str, Any], exc: Exception) -> dict:
        """The reply to a request that raised ``exc``, made by ``handle_exception``."""
        try:
            response = self.handle_exception(exc)
            status, errors = response.status_code, error_list(response.data)
        except Exception:  # noqa: BLE001 - a failing handler must not end the connection
            logger.exception("The exception handler failed on %r", self.action)
            status, errors = 500, [INTERNAL_ERROR]
        return envelope(content.get("action"), content.get("request_id"), status, errors=errors)

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

    def initialize_request(self, spec: ActionSpec, content: dict) -> ActionRequest:
        """Check the message against the action, then set ``request``, ``action`` and ``kwargs``."""
        lookup_kwarg = self.get_lookup_kwarg()
        problems = check_message(content, spec, lookup_kwarg)
        if problems:
            raise RequestError(problems)
        self.action = spec.name
        self.kwargs = dict(self.scope.get("url_route", {}).get("kwargs", {}))
        if spec.detail:
            self.kwargs[lookup_kwarg] = content[lookup_kwarg]
        self.request = self.make_request(spec.name, spec.method, content)
        return self.request

    def make_request(self, action: str, method: str, message: dict) -> ActionRequest:
        return ActionRequest(
            scope=self.scope,
            action=action,
            method=method,
            message=message,
            user=self.user,
            authenticators=self.get_authenticators,
        )

    # Policies, with DRF's APIView names and signatures

    def initial(self, request: ActionRequest, *args: Any, **kwargs: Any) -> None:
        """Called before every action: check the credentials, permissions, then throttles."""
        self.perform_authentication(request)
        self.check_permissions(request)
        self.check_throttles(request)

    def perform_authentication(self, request: ActionRequest | None) -> None:
        """Confirm that the handshake's session or token still holds, when a check is due.

        The connection authenticated once, at the handshake; this raises ``SessionEnded``
        (401, then the socket closes) once it has ended.
        """
        try:
            check_credentials(self.credentials)
        except SessionEnded:
            self.session_ended = True
            raise

    def get_authenticators(self) -> list[BaseAuthentication]:
        return [authentication() for authentication in self.authentication_classes]

    def get_permissions(self) -> list[BasePermission]:
        return [permission() for permission in self.permission_classes]

    def get_throttles(self) -> list[BaseThrottle]:
        return [throttle() for throttle in self.throttle_classes]

    def check_permissions(self, request: ActionRequest) -> None:
        for permission in self.get_permissions():
            if not permission.has_permission(as_drf(request), as_drf(self)):
                self.permission_denied(
                    request,
                    message=getattr(permission, "message", None),
                    code=getattr(permission, "code", None),
                )

    def check_object_permissions(self, request: ActionRequest, obj: Any) -> None:
        for permission in self.get_permissions():
            if not permission.has_object_permission(as_drf(request), as_drf(self), obj):
                self.permission_denied(
                    request,
                    message=getattr(permission, "message", None),
                    code=getattr(permission, "code", None),
                )

    def permission_denied(
        self, request: ActionRequest, message: str | None = None, code: str | None = None
    ) -> None:
        """Raise 401 for an anonymous user where authentication is offered, else 403."""
        if request.authenticators and not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        raise exceptions.PermissionDenied(detail=message, code=code)

    def check_throttles(self, request: ActionRequest) -> None:
        durations = [
            throttle.wait()
            for throttle in self.get_throttles()
            if not throttle.allow_request(as_drf(request), as_drf(self))
        ]
        if durations:
            self.throttled(request, max((d for d in durations if d is not None), default=None))

    def throttled(self, request: ActionRequest, wait: float | None) -> None:
        instrumentation().throttled(self.scope)
        raise exceptions.Throttled(wait)

    def get_authenticate_header(self, request: ActionRequest | None) -> str | None:
        authenticators = request.authenticators if request is not None else ()
        if authenticators:
            return authenticators[0].authenticate_header(request)
        return None

    def get_exception_handler_context(self) -> dict[str, Any]:
        return {
            "view": self,
            "args": self.args,
            "kwargs": self.kwargs,
            "request": self.request,
        }

    def get_exception_handler(self) -> Any:
        return api_settings.EXCEPTION_HANDLER

    def handle_exception(self, exc: Exception) -> Response:
        """Called with whatever a request raised; returns the response to answer with.

        As in DRF, the ``EXCEPTION_HANDLER`` makes the response; what it does not handle
        is logged and answered with a 500 that holds no detail.
        """
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            header = self.get_authenticate_header(self.request)
            if header:
                exc.auth_header = header  # type: ignore[union-attr]
            else:
                exc.status_code = 403
        elif isinstance(exc, SuspiciousOperation):
            logger.warning("Refused a WebSocket request: %s", exc)
            exc = exceptions.ParseError("Bad request.")
        else:
            exc = unavailable_dependency(exc)
        response = self.get_exception_handler()(exc, self.get_exception_handler_context())
        if response is None:
            logger.error("Unhandled error in WebSocket action %r", self.action, exc_info=exc)
            return Response({"detail": INTERNAL_ERROR}, status=500)
        return response
