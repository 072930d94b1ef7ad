"""One WebSocket connection's plumbing: bounded queues, the channel layer, slow readers.

``ConnectionConsumer`` replaces Channels' consumer loop so that

- frames are read as they come and queued, at most ``MAX_QUEUED_REQUESTS`` per
  connection; beyond that a frame is answered 429 at once instead of waiting;
- a connection uses the channel layer only once it needs it (a subscription, or hearing
  about its user's sign-out): connections that do neither never touch it;
- the channel layer is listened to by a task that survives its faults: errors are logged
  and retried with a capped backoff, and the connection's groups are joined again when
  the layer answers again (a restarted Redis forgets them); channel-layer events wait in
  the same queue as requests, at most ``MAX_QUEUED_EVENTS``, further ones are dropped;
- requests and events of one connection are handled one at a time, in order;
- a client that stops reading is disconnected (close code 4008) once the data waiting to
  be sent to it passes ``MAX_UNSENT_BYTES``, instead of the server buffering without end.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.sessions import InstanceSessionWrapper

from .conf import websocket_api_settings
from .instrumentation import instrumentation

logger = logging.getLogger("websocket_api")

SLOW_READER_CLOSE_CODE = 4008
LAYER_DOWN = "Live updates are unavailable: the channel layer does not answer."


class ChannelLayerError(RuntimeError):
    """The channel layer failed or did not answer in time."""


def unsent_bytes(send: Any) -> int | None:
    """Bytes written to the connection's socket but not yet sent, when the server says.

    Daphne hands each application ``partial(handle_reply, protocol)``; its Twisted
    transport keeps what the kernel has not taken yet. None under other servers.
    """
    protocol = (getattr(send, "args", None) or (None,))[0]
    transport = getattr(protocol, "transport", None)
    if transport is None or not hasattr(transport, "dataBuffer"):
        return None
    waiting = len(transport.dataBuffer) - getattr(transport, "offset", 0)
    return waiting + getattr(transport, "_tempDataLen", 0)


def without_session_wrappers(send: Any) -> Any:
    """``send`` past Channels' session middleware, which only acts on HTTP responses (it
    saves the session and sets its cookie there): WebSocket messages pass through it as
    they are, at some cost per message. A wrapper that acts on WebSocket messages stays."""
    while True:
        wrapper = getattr(send, "__self__", None)
        if (
            not isinstance(wrapper, InstanceSessionWrapper)
            or getattr(send, "__func__", None) is not InstanceSessionWrapper.send
            or any(
                kind.startswith("websocket.")
                for kind in (*wrapper.save_message_types, *wrapper.cookie_response_message_types)
            )
        ):
            return send
        send = wrapper.real_send


SERVER_SEND = "websocket_api.server_send"
RECEIVED_AT = "websocket_api.received_at"


class ServerSendMiddleware:
    """Keeps the server's own ``send`` in the scope, before other middleware wraps it, so
    that the consumer can ask how much data waits to go out (see ``unsent_bytes``)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        return await self.app({**scope, SERVER_SEND: send}, receive, send)


class Inbox:
    """What waits to be handled on one connection, in order, for its one reader.

    ``asyncio.Queue`` offers more (many readers, a bound, ``join``) and costs several
    kilobytes per idle connection; this is a list and, while the reader waits, a future.
    """

    __slots__ = ("items", "waiter")

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.waiter: asyncio.Future | None = None

    def put_nowait(self, message: dict) -> None:
        self.items.append(message)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def get(self) -> dict:
        while not self.items:
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        return self.items.pop(0)

    def qsize(self) -> int:
        return len(self.items)


class ConnectionConsumer(AsyncJsonWebsocketConsumer):
    """Channels' JSON consumer, with bounded queues and a channel layer used on demand."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups: list[str] = list(self.groups or [])
        self.inbox = Inbox()
        self.queued_requests = 0
        self.queued_events = 0
        self.disconnected = False
        self.listener: asyncio.Task | None = None
        self.channel_name: str | None = None
        self.closing = False
        self.close_code: int | None = None
        self.opened_at: float | None = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.base_send = without_session_wrappers(send)
        reader = asyncio.ensure_future(self.read_frames(receive))
        try:
            while True:
                message = await self.inbox.get()
                if message["type"] == "websocket.receive":
                    self.queued_requests -= 1
                    if self.disconnected:
                        continue
                elif not message["type"].startswith("websocket."):
                    self.queued_events -= 1
                    if self.disconnected:
                        continue
                await self.dispatch(message)
        except StopConsumer:
            pass
        finally:
            for task in (reader, self.listener):
                if task is not None:
                    task.cancel()
            await asyncio.gather(
                *(task for task in (reader, self.listener) if task), return_exceptions=True
            )

    async def read_frames(self, receive: Any) -> None:
        """Move frames from the server to the inbox, refusing those past the queue limit."""
        while True:
            message = await receive()
            kind = message["type"]
            if kind == "websocket.receive":
                message[RECEIVED_AT] = time.monotonic()
                if self.queued_requests >= websocket_api_settings.MAX_QUEUED_REQUESTS:
                    await self.refuse_queued_frame(message)
                    continue
                self.queued_requests += 1
            elif kind == "websocket.disconnect":
                self.disconnected = True  # requests still queued will not be answered
            self.inbox.put_nowait(message)
            if kind == "websocket.disconnect":
                return

    async def refuse_queued_frame(self, message: dict) -> None:
        """Answer a frame that arrived with too many requests already waiting: 429."""

    # The channel layer, on demand

    async def layer_call(self, call: Any) -> Any:
        """Run a channel-layer call within ``LAYER_TIMEOUT``; ChannelLayerError if not."""
        try:
            return await asyncio.wait_for(call, timeout=websocket_api_settings.LAYER_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - any failure means the layer is unusable
            instrumentation().channel_layer_error(getattr(call, "__name__", "call"))
            raise ChannelLayerError(str(exc) or type(exc).__name__) from exc

    async def ensure_channel(self) -> str:
        """This connection's channel name, listened to from now on."""
        if self.channel_layer is None:
            raise ChannelLayerError("No channel layer is configured (CHANNEL_LAYERS).")
        if self.channel_name is None:
            self.channel_name = await self.channel_layer.new_channel()
            self.listener = asyncio.ensure_future(self.listen())
        return self.channel_name

    async def join_group(self, group: str) -> None:
        """Add this connection to ``group``; ChannelLayerError if the layer is down."""
        channel = await self.ensure_channel()
        if group in self.groups:
            return
        await self.layer_call(self.channel_layer.group_add(group, channel))
        self.groups.append(group)

    async def leave_group(self, group: str) -> None:
        if group not in self.groups:
            return
        self.groups.remove(group)
        try:
            await self.layer_call(self.channel_layer.group_discard(group, self.channel_name))
        except ChannelLayerError:
            logger.warning("Could not leave group %s; it expires on its own", group)

    async def listen(self) -> None:
        """Pass channel-layer events to the inbox for as long as the connection lives."""
        delay, broken = 0.5, False
        while True:
            try:
                if broken:
                    for group in list(self.groups):
                        await self.layer_call(
                            self.channel_layer.group_add(group, self.channel_name)
                        )
                    logger.info("The channel layer answers again; groups joined again")
                message = await self.channel_layer.receive(self.channel_name)
                delay, broken = 0.5, False
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - keep listening once the layer is back
                if not broken:
                    logger.warning("The channel layer failed; retrying", exc_info=True)
                instrumentation().channel_layer_error("receive")
                broken = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, websocket_api_settings.LAYER_RETRY_MAX_DELAY)
                continue
            if self.queued_events >= websocket_api_settings.MAX_QUEUED_EVENTS:
                self.event_dropped(message)
                continue
            self.queued_events += 1
            self.inbox.put_nowait(message)

    def event_dropped(self, message: dict) -> None:
        """Called for a channel-layer event dropped because too many already wait."""
        logger.warning("Dropped a %s event: the connection is behind", message.get("type"))
        instrumentation().push_dropped(self.scope, "queue_full")

    async def websocket_connect(self, message: dict) -> None:
        for group in list(self.groups):  # groups a subclass lists, as in Channels
            self.groups.remove(group)
            await self.join_group(group)
        await super().websocket_connect(message)

    async def websocket_disconnect(self, message: dict) -> None:
        for group in list(self.groups):
            await self.leave_group(group)
        if self.opened_at is not None:
            code = self.close_code if self.close_code is not None else message.get("code")
            seconds = time.monotonic() - self.opened_at
            instrumentation().connection_closed(self.scope, code, seconds)
        await self.disconnect(message.get("code", 1000))
        raise StopConsumer()

    # Sending, within bounds

    async def send(
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: Any = False
    ) -> None:
        """Send a frame, unless the client has stopped reading: then close the connection."""
        if self.closing:
            return
        unsent = unsent_bytes(self.scope.get(SERVER_SEND))
        if unsent is not None and unsent > websocket_api_settings.MAX_UNSENT_BYTES:
            logger.warning(
                "Closing a WebSocket whose client stopped reading: %d bytes unsent", unsent
            )
            await self.close(code=SLOW_READER_CLOSE_CODE)
            self.abort_transport()
            return
        await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def close(self, code: int | None = None, reason: str | None = None) -> None:
        if self.closing:
            return
        self.closing = True
        self.close_code = code if isinstance(code, int) and code is not True else None
        await super().close(code=code, reason=reason)

    def abort_transport(self) -> None:
        """Drop the TCP connection of a client that does not read, freeing what it holds."""
        protocol = (getattr(self.scope.get(SERVER_SEND), "args", None) or (None,))[0]
        abort = getattr(getattr(protocol, "transport", None), "abortConnection", None)
        if abort is not None:
            # Daphne's Twisted reactor runs on this event loop, in this thread.
            abort()
