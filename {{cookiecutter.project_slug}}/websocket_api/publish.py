"""Sending to the channel layer without making the sender wait.

Model changes and credential changes happen in request handlers, management commands and
the admin. Their messages go into a bounded queue that one background task sends from,
in order, each send with a timeout, so a slow or stopped channel layer never blocks or
fails the change that caused them; failures and overflows are logged. In a process that
serves WebSockets the task runs on the server's event loop (the in-memory channel layer
only delivers there); elsewhere on a thread of its own, which is drained at exit.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import threading
import time

from channels.layers import get_channel_layer

from .conf import websocket_api_settings

logger = logging.getLogger("websocket_api")

_server_loop: asyncio.AbstractEventLoop | None = None
_own_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()
_publishers: dict[asyncio.AbstractEventLoop, Publisher] = {}


class Publisher:
    """Sends queued group messages one at a time, on one event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[tuple[str, dict, str]] = asyncio.Queue()
        self.worker: asyncio.Task | None = None
        self.unsent = 0  # queued or being sent; changed under _lock
        self.dropped = 0

    def submitted(self) -> None:
        with _lock:
            self.unsent += 1

    def done(self) -> None:
        with _lock:
            self.unsent -= 1

    def put(self, item: tuple[str, dict, str]) -> None:
        """Called on the publisher's loop, after ``submitted()``."""
        if self.queue.qsize() >= websocket_api_settings.MAX_QUEUED_PUBLISHES:
            self.dropped += 1
            self.done()
            logger.warning("Dropped %s: %d messages already wait", item[2], self.queue.qsize())
            return
        self.queue.put_nowait(item)
        if self.worker is None or self.worker.done():
            self.worker = self.loop.create_task(self.run())

    async def run(self) -> None:
        while not self.queue.empty():
            group, message, description = self.queue.get_nowait()
            try:
                await send_now(group, message, description)
            finally:
                self.done()


async def send_now(group: str, message: dict, description: str) -> bool:
    """Send one message to a group within ``PUBLISH_TIMEOUT``; False (logged) if it failed."""
    channel_layer = get_channel_layer()
    if channel_layer is None:
        return False
    try:
        await asyncio.wait_for(
            channel_layer.group_send(group, message),
            timeout=websocket_api_settings.PUBLISH_TIMEOUT,
        )
    except Exception:  # noqa: BLE001 - a lost message must not fail what caused it
        logger.warning("Could not publish %s through the channel layer", description, exc_info=True)
        return False
    return True


def remember_server_loop() -> None:
    """Called from a consumer: sends from this process go out on the server's event loop."""
    global _server_loop
    _server_loop = asyncio.get_running_loop()


def _background_loop() -> asyncio.AbstractEventLoop:
    global _own_loop
    if _own_loop is None or _own_loop.is_closed():
        _own_loop = asyncio.new_event_loop()
        thread = threading.Thread(
            target=_own_loop.run_forever, name="websocket-api-publisher", daemon=True
        )
        thread.start()
    return _own_loop


def _publisher() -> Publisher:
    with _lock:
        if _server_loop is not None and _server_loop.is_running():
            loop = _server_loop
        else:
            loop = _background_loop()
        for stale in [known for known in _publishers if known.is_closed()]:
            del _publishers[stale]
        if loop not in _publishers:
            _publishers[loop] = Publisher(loop)
        return _publishers[loop]


def group_send(group: str, message: dict, description: str) -> None:
    """Queue ``message`` for ``group`` and return at once; ``description`` names it in logs."""
    if get_channel_layer() is None:
        return
    publisher = _publisher()
    item = (group, message, description)
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    publisher.submitted()
    if running is publisher.loop:
        publisher.put(item)
    else:
        publisher.loop.call_soon_threadsafe(publisher.put, item)


def flush(timeout: float | None = None) -> bool:
    """Wait, up to ``timeout`` seconds, until queued messages are sent; True if they were."""
    wait = websocket_api_settings.PUBLISH_TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + wait
    publisher = _publishers.get(_own_loop) if _own_loop is not None else None
    while publisher is not None and publisher.unsent > 0:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


# A management command or script that saves and exits still gets its changes out.
atexit.register(flush)
