"""Small, cheap WebSocket and HTTP/1.1 clients for the benchmark, on asyncio protocols.

The client shares the machine with the server it measures, so every microsecond it spends
is one the server does not get. These clients do the least a conforming client must:
the handshake, masked frames (with an all-zero masking key, which leaves the payload as
it is; RFC 6455 asks for an unpredictable key only to protect intermediaries, and there
are none on 127.0.0.1), pongs for pings, and keep-alive GETs. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
from collections import deque

ZERO_MASK = b"\x00\x00\x00\x00"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class ConnectionClosedError(ConnectionError):
    """The server closed the connection (or refused the handshake)."""


def frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked client frame."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
    elif size < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
    return header + ZERO_MASK + payload


class WebSocket(asyncio.Protocol):
    """One client connection: ``send`` text, ``recv`` the next text frame."""

    def __init__(self, path: str, host: str, headers: dict[str, str]) -> None:
        self.request = self.handshake_request(path, host, headers)
        self.buffer = bytearray()
        self.messages: deque[str] = deque()
        self.waiter: asyncio.Future | None = None
        self.opened: asyncio.Future = asyncio.get_running_loop().create_future()
        self.handshake_done = False
        self.closed = False
        self.transport: asyncio.Transport | None = None

    @staticmethod
    def handshake_request(path: str, host: str, headers: dict[str, str]) -> bytes:
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    @classmethod
    async def open(
        cls, host: str, port: int, path: str, headers: dict[str, str], timeout: float = 10.0
    ) -> WebSocket:
        loop = asyncio.get_running_loop()
        _, ws = await asyncio.wait_for(
            loop.create_connection(lambda: cls(path, f"{host}:{port}", headers), host, port),
            timeout,
        )
        await asyncio.wait_for(ws.opened, timeout)
        return ws

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.handshake_done:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status_line = bytes(self.buffer[: self.buffer.find(b"\r\n")])
            if b" 101 " not in status_line + b" ":
                self.fail(ConnectionClosedError(f"handshake refused: {status_line!r}"))
                return
            del self.buffer[: end + 4]
            self.handshake_done = True
            self.opened.set_result(None)
        self.parse_frames()

    def parse_frames(self) -> None:
        buffer = self.buffer
        while len(buffer) >= 2:
            opcode = buffer[0] & 0x0F
            size = buffer[1] & 0x7F
            start = 2
            if size == 126:
                if len(buffer) < 4:
                    return
                size = struct.unpack_from("!H", buffer, 2)[0]
                start = 4
            elif size == 127:
                if len(buffer) < 10:
                    return
                size = struct.unpack_from("!Q", buffer, 2)[0]
                start = 10
            if len(buffer) < start + size:
                return
            payload = bytes(buffer[start : start + size])
            del buffer[: start + size]
            if opcode == TEXT:
                self.deliver(payload.decode())
            elif opcode == PING:
                self.transport.write(frame(PONG, payload))
            elif opcode == CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                self.fail(ConnectionClosedError(f"closed by the server with code {code}"))
                return

    def deliver(self, text: str) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(text)
            self.waiter = None
        else:
            self.messages.append(text)

    def fail(self, exc: Exception) -> None:
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(exc)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(ConnectionClosedError("connection lost"))

    def send(self, text: str) -> None:
        if self.closed:
            raise ConnectionClosedError("connection closed")
        self.transport.write(frame(TEXT, text.encode()))

    async def recv(self, timeout: float = 30.0) -> str:
        if self.messages:
            return self.messages.popleft()
        if self.closed:
            raise ConnectionClosedError("connection closed")
        self.waiter = asyncio.get_running_loop().create_future()
        return await asyncio.wait_for(self.waiter, timeout)

    def close(self) -> None:
        if not self.closed and self.transport is not None:
            self.transport.write(frame(CLOSE, struct.pack("!H", 1000)))
            self.closed = True
            self.transport.close()


class HTTPConnection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: ``get`` a path, returning status and body."""

    def __init__(self, host: str, headers: dict[str, str]) -> None:
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.prefix = f"Host: {host}\r\n{extra}\r\n".encode()
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.transport: asyncio.Transport | None = None

    @classmethod
    async def open(
        cls, host: str, port: int, headers: dict[str, str], timeout: float = 10.0
    ) -> HTTPConnection:
        loop = asyncio.get_running_loop()
        _, conn = await asyncio.wait_for(
            loop.create_connection(lambda: cls(f"{host}:{port}", headers), host, port), timeout
        )
        return conn

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.waiter is None:
            return
        head = bytes(self.buffer[:end]).decode("latin1")
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if len(self.buffer) < end + 4 + length:
            return
        body = bytes(self.buffer[end + 4 : end + 4 + length])
        del self.buffer[: end + 4 + length]
        status = int(head.split(" ", 2)[1])
        waiter, self.waiter = self.waiter, None
        if not waiter.done():
            waiter.set_result((status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionClosedError("connection lost"))

    async def get(self, path: str, timeout: float = 30.0) -> tuple[int, bytes]:
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(b"GET " + path.encode() + b" HTTP/1.1\r\n" + self.prefix)
        return await asyncio.wait_for(self.waiter, timeout)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
