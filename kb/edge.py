"""Checks at the HTTP edge: the API's arguments, and the size of a request's body.

The app's API functions call ``api_text`` and ``api_k`` before the library (which keeps its own
checks); ``RequestLimit`` refuses an oversized call before Gradio parses it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from kb.api import MAX_K
from kb.errors import UsageError
from kb.settings import Settings


def api_text(value: Any, name: str) -> str:
    """An optional text argument of the API: None is empty; anything but text is refused."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UsageError(f"{name} must be text, not {type(value).__name__}")
    if len(value) > 1000:
        raise UsageError(f"{name} is too long ({len(value):,} characters)")
    return value


def api_k(value: Any) -> int:
    """``k`` of the API: a whole number from 1 to MAX_K (an integral float or digits as text
    are read as that number)."""
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,9}\s*", value):
        value = int(value)
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_K:
        shown = repr(value) if isinstance(value, (int, float, str)) else type(value).__name__
        raise UsageError(f"k must be a whole number from 1 to {MAX_K}, not {shown[:40]}")
    return value


def request_limit(settings: Settings) -> int:
    """The largest body an API or UI call may send (uploads go to /gradio_api/upload and have
    their own limit): room for a question of the longest allowed length, JSON-escaped."""
    return 65536 + 12 * settings.max_question_chars


class RequestLimit:
    """ASGI middleware: a call to the Gradio API with a body over ``limit`` bytes is answered
    413 without parsing the body, so an oversized question never reaches the queue, where it
    would hold one of the four reading slots while Gradio parses megabytes."""

    def __init__(self, app: Callable, limit: int, question_chars: int) -> None:
        self.app, self.limit, self.question_chars = app, limit, question_chars

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        path = scope.get("path", "")
        if (scope["type"] != "http" or not path.startswith("/gradio_api/")
                or path.startswith("/gradio_api/upload")):
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is None or not length.isdigit():  # a chunked body: counted as it comes
            return await self.app(scope, self._counted(receive), send)
        size = int(length)
        if size <= self.limit:
            return await self.app(scope, receive, send)
        await _drain(receive)  # read and dropped unparsed: the client then reads the answer
        body = json.dumps({"detail": f"the request is too large ({size:,} bytes; at most "
                                     f"{self.limit:,}): a question may have at most "
                                     f"{self.question_chars:,} characters "
                                     "(KB_MAX_QUESTION_CHARS)"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def _counted(self, receive: Callable) -> Callable:
        received = 0

        async def counted() -> dict:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            return {"type": "http.disconnect"} if received > self.limit else message
        return counted


async def _drain(receive: Callable, most: int = 256 * 1024 * 1024) -> None:
    """Read a request body to its end without keeping it (at most ``most`` bytes)."""
    seen = 0
    while seen <= most:
        message = await receive()
        seen += len(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body"):
            return
