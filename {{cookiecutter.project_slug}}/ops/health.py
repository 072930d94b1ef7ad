"""Readiness checks: can this process use its database and its channel layer right now?"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection

from . import metrics

logger = logging.getLogger("ops")

DEFAULT_READINESS_TIMEOUT = 2.0


def query_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def check_database() -> None:
    """Run one query, on the thread that serves this process's other database work."""
    await sync_to_async(query_database, thread_sensitive=True)()


async def check_channel_layer() -> None:
    """Send a message to a fresh channel of this process and receive it back."""
    layer = get_channel_layer()
    if layer is None:
        return
    channel = await layer.new_channel()
    token = secrets.token_hex(8)
    await layer.send(channel, {"type": "readiness.check", "token": token})
    message = await layer.receive(channel)
    if message.get("token") != token:
        raise RuntimeError("the channel layer gave back another message")


CHECKS: dict[str, Callable[[], Awaitable[None]]] = {
    "database": check_database,
    "channel_layer": check_channel_layer,
}


async def run_check(name: str, timeout: float) -> str:
    """``"ok"``, ``"timed out"`` or ``"failed"``; the cause of a failure goes to the log."""
    try:
        await asyncio.wait_for(CHECKS[name](), timeout)
    except TimeoutError:
        logger.warning("Readiness check %s timed out after %s s", name, timeout)
        outcome = "timed out"
    except Exception:  # noqa: BLE001 - any failure means not ready; the log has the cause
        logger.warning("Readiness check %s failed", name, exc_info=True)
        outcome = "failed"
    else:
        return "ok"
    if name == "channel_layer":
        metrics.channel_layer_error("readiness")
    return outcome


async def readiness() -> dict[str, str]:
    """Every check's outcome, the checks run side by side, each within READINESS_TIMEOUT."""
    timeout = getattr(settings, "READINESS_TIMEOUT", DEFAULT_READINESS_TIMEOUT)
    outcomes = await asyncio.gather(*(run_check(name, timeout) for name in CHECKS))
    return dict(zip(CHECKS, outcomes, strict=True))
