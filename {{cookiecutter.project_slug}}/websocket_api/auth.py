"""Who a connection acts for: authenticated once at the handshake, and kept honest after.

``HandshakeAuthMiddleware`` authenticates the handshake once: a DRF token (in an
``Authorization: Token <key>`` header, or in ``Sec-WebSocket-Protocol`` after the token
marker), else the session cookie, else the project's other DRF authentication classes
(HTTP Basic, for example). It sets ``scope["user"]``, ``scope["auth"]`` and
``scope["credentials"]``, which records how the connection authenticated.

A WebSocket outlives the request that opened it, so the consumer checks the credentials
again (``check_credentials``): before an action or a push once the last check is older than
``CREDENTIALS_CHECK_INTERVAL``, and at once when ``credentials_changed`` reaches the user's
group (sign-out, a save or deletion of the user, a deleted token). A connection whose
credentials ended is closed with ``SESSION_ENDED_CLOSE_CODE``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError
from django.utils.module_loading import import_string
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.request import Request

from .conf import drf_classes, websocket_api_settings
from .database import run_in_database_thread
from .publish import group_send
from .requests import http_request_from_scope
from .security import header, refuse

logger = logging.getLogger("websocket_api.security")

# The application close code for "this connection's session or token has ended".
SESSION_ENDED_CLOSE_CODE = 4401
SESSION_ENDED = "Your session has ended: sign in again."
CREDENTIALS_EVENT = "websocket_api.credentials_changed"


class SessionEnded(exceptions.APIException):
    """The connection's session or token no longer holds: 401, and the socket closes."""

    status_code = 401
    default_detail = SESSION_ENDED
    default_code = "session_ended"


@dataclass
class Credentials:
    """How a connection authenticated, to check later that it still holds."""

    method: str  # "anonymous", "session", "token" or the authentication class's name
    user_pk: Any = None
    auth_hash: str | None = None
    session_key: str | None = None
    token_key: str | None = None
    checked_at: float = field(default_factory=time.monotonic)

    @classmethod
    def for_user(cls, method: str, user: Any, **kwargs: Any) -> Credentials:
        if user is None or not user.is_authenticated:
            return cls("anonymous")
        return cls(method, user.pk, user.get_session_auth_hash(), **kwargs)

    def due(self) -> bool:
        interval = websocket_api_settings.CREDENTIALS_CHECK_INTERVAL
        return self.user_pk is not None and time.monotonic() - self.checked_at >= interval


def user_group(user_pk: Any) -> str:
    """The channel-layer group of one user's connections."""
    return f"websocket_api.user.{user_pk}"


def credentials_problem(credentials: Credentials) -> str | None:
    """Why the credentials no longer hold, or None; makes database queries."""
    if credentials.user_pk is None:
        return None
    user_model = auth.get_user_model()
    user = user_model._default_manager.filter(pk=credentials.user_pk).first()
    if user is None:
        return "the user was deleted"
    if not user.is_active:
        return "the user was deactivated"
    if user.get_session_auth_hash() != credentials.auth_hash:
        return "the password changed"
    if credentials.session_key is not None:
        session = _session_data(credentials.session_key)
        if str(session.get(auth.SESSION_KEY)) != str(credentials.user_pk):
            return "the session ended"
    if credentials.token_key is not None:
        from rest_framework.authtoken.models import Token

        if not Token.objects.filter(key=credentials.token_key, user_id=user.pk).exists():
            return "the token was revoked"
    return None


def _session_data(session_key: str) -> dict:
    engine = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    # load() gives {} for a session that is gone or expired.
    return engine(session_key=session_key).load()


def check_credentials(credentials: Credentials, force: bool = False) -> None:
    """Raise ``SessionEnded`` if the connection's credentials ended; checks when due."""
    if not (force or credentials.due()):
        return
    problem = credentials_problem(credentials)
    credentials.checked_at = time.monotonic()
    if problem is not None:
        raise SessionEnded(f"Your session has ended ({problem}): sign in again.")


def credentials_changed(user_pk: Any, ended_session: str = "", ended_token: str = "") -> None:
    """Tell the user's open connections to check their credentials now.

    ``ended_session`` and ``ended_token`` name a session or token known to have ended, so
    connections that used it close without waiting for the database to say so; only their
    digests travel.
    """
    event = {
        "type": CREDENTIALS_EVENT,
        "ended_session": fingerprint(ended_session),
        "ended_token": fingerprint(ended_token),
    }
    group_send(user_group(user_pk), event, "a credentials change")


def fingerprint(secret: str | None) -> str:
    """What the channel layer carries instead of a session key or a token: a digest."""
    return hashlib.sha256(secret.encode()).hexdigest() if secret else ""


# Handshake authentication


def token_from_handshake(scope: dict) -> tuple[str | None, str | None]:
    """The DRF token key the handshake carries, and the subprotocol to accept with."""
    marker = websocket_api_settings.TOKEN_SUBPROTOCOL
    subprotocols = list(scope.get("subprotocols") or ())
    if marker and marker in subprotocols:
        index = subprotocols.index(marker)
        key = subprotocols[index + 1] if index + 1 < len(subprotocols) else ""
        return key, marker
    authorization = header(scope, b"authorization") or ""
    keyword, _, key = authorization.strip().partition(" ")
    if keyword.lower() == TokenAuthentication.keyword.lower():
        return key.strip(), None
    return None, None


def other_authenticators() -> list[Any]:
    """The project's DRF authentication classes other than session and token ones."""
    return [
        authenticator()
        for authenticator in drf_classes("DEFAULT_AUTHENTICATION_CLASSES")
        if not issubclass(authenticator, SessionAuthentication | TokenAuthentication)
    ]


def authenticate_handshake(scope: dict) -> tuple[Any, Any, Credentials]:
    """``(user, auth, credentials)`` for a handshake; raises ``AuthenticationFailed``."""
    key, _ = token_from_handshake(scope)
    if key is not None and apps.is_installed("rest_framework.authtoken"):
        user, token = TokenAuthentication().authenticate_credentials(key)
        return user, token, Credentials.for_user("token", user, token_key=token.key)
    request = http_request_from_scope(scope, "GET")
    session = scope.get("session")
    if session is not None and session.session_key:
        request.session = session
        user = auth.get_user(request)
        if user.is_authenticated:
            credentials = Credentials.for_user("session", user, session_key=session.session_key)
            return user, None, credentials
    drf_request = Request(request)
    for authenticator in other_authenticators():
        result = authenticator.authenticate(drf_request)
        if result is not None:
            user, auth_info = result
            return user, auth_info, Credentials.for_user(type(authenticator).__name__, user)
    return AnonymousUser(), None, Credentials("anonymous")


class HandshakeAuthMiddleware:
    """Authenticates each WebSocket handshake once; place it inside SessionMiddleware."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        try:
            user, auth_info, credentials = await run_in_database_thread(
                authenticate_handshake, scope
            )
        except exceptions.APIException as exc:
            return await refuse(receive, send, f"authentication failed: {exc.detail}", scope)
        except DatabaseError:
            return await refuse(receive, send, "the database is unavailable", scope)
        _, subprotocol = token_from_handshake(scope)
        scope = {
            **scope,
            "user": user,
            "auth": auth_info,
            "credentials": credentials,
            "websocket_api.subprotocol": subprotocol,
        }
        return await self.app(scope, receive, send)
