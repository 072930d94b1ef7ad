"""Turning text frames into requests and replies into text frames, within bounds.

Anything a client can put in a frame gets a clear 400 instead of an exception: JSON nested
deeper than ``MAX_NESTING_DEPTH``, ``NaN`` and ``Infinity`` (not JSON, and not valid for
browsers' ``JSON.parse``), numbers beyond a float's range (``1e400``, which would be read as
infinity and echoed as ``Infinity``), a frame over ``MAX_MESSAGE_SIZE`` and a ``request_id`` over
``MAX_REQUEST_ID_SIZE``. Replies are always valid UTF-8 JSON, even when they echo a lone
surrogate a client sent.
"""

from __future__ import annotations

import json
import math
from typing import Any

from rest_framework.utils.encoders import JSONEncoder

from .conf import websocket_api_settings


class FrameError(ValueError):
    """A frame that is not an acceptable request; ``str()`` says why."""


def _refuse_constant(name: str) -> Any:
    raise FrameError(f"{name} is not valid JSON: send numbers only.")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise FrameError(f"{text:.40} is out of range: send numbers within +-1.8e308.")
    return value


def nesting_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and objects deeper than ``limit``; iterative."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


_decoder = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)
_encoder = JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_ascii_encoder = JSONEncoder(separators=(",", ":"), allow_nan=False)


def utf8_size_exceeds(text: str, limit: int) -> bool:
    """Whether ``text`` takes more than ``limit`` bytes in UTF-8 (a lone surrogate, 3)."""
    # A character takes at most four bytes: short texts need no encoding to tell.
    if len(text) * 4 <= limit:
        return False
    return len(text) > limit or len(text.encode("utf-8", "surrogatepass")) > limit


def decode_frame(text: str) -> Any:
    """The JSON value of a text frame; raises ``FrameError`` saying what is wrong with it."""
    limit = websocket_api_settings.MAX_MESSAGE_SIZE
    if utf8_size_exceeds(text, limit):
        raise FrameError(f"The message is larger than the {limit}-byte limit.")
    try:
        value = _decoder.decode(text)
    except RecursionError:
        raise FrameError("The message nests too deeply.") from None
    except FrameError:
        raise
    except ValueError as exc:
        raise FrameError(f"Invalid JSON: {exc}") from None
    depth = websocket_api_settings.MAX_NESTING_DEPTH
    if text.count("[") + text.count("{") > depth and nesting_depth_exceeds(value, depth):
        raise FrameError(f"The message nests lists and objects deeper than {depth} levels.")
    return value


def request_id_problem(content: dict) -> str | None:
    """Why the request's ``request_id`` cannot be echoed, or None."""
    if "request_id" not in content:
        return None
    limit = websocket_api_settings.MAX_REQUEST_ID_SIZE
    request_id = content["request_id"]
    # As JSON, a character of a string takes at most twelve bytes (a pair of escapes such
    # as \ud83d\ude00, when a lone surrogate elsewhere makes the text ASCII).
    if type(request_id) is str and len(request_id) * 12 + 2 <= limit:
        return None
    # A 64-bit integer takes at most 20 characters as JSON.
    if type(request_id) is int and request_id.bit_length() < 64 and limit >= 20:
        return None
    size = len(encode(request_id).encode("utf-8"))
    if size > limit:
        return f"request_id: Ensure it is at most {limit} bytes as JSON (it is {size})."
    return None


def encode(content: Any) -> str:
    """Encode as DRF does over HTTP: datetimes, UUIDs, decimals and lazy strings included.

    The text is valid UTF-8 (should it hold a lone surrogate, it is escaped instead) and
    valid JSON: a NaN or infinite float raises ``ValueError`` instead of being written.
    """
    text = _encoder.encode(content)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = _ascii_encoder.encode(content)
    return text
