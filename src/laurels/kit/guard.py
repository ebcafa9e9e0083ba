"""The request guard: what no route should ever have to think about is refused here, once.

A pure ASGI middleware in front of every route. It reads a request's target
and JSON body before FastAPI does and refuses, with a 400 in the surface's own
envelope, what no database can store or no client can have meant:

- NUL and the other C0 control characters (TAB, LF and CR excepted) in any
  string, object key, path or query value. PostgreSQL cannot store NUL; SQLite
  can, so refusing it on both keeps the two databases holding the same data.
- Lone UTF-16 surrogates (``"\\ud800"`` escapes): they are not Unicode, no
  database encodes them, and an error message quoting one could not be sent.
- ``NaN`` and ``Infinity``: not JSON (RFC 8259), though Python's parser reads them.
- Bodies that are not JSON, nested deeper than :data:`MAX_BODY_DEPTH`, or larger
  than :data:`MAX_BODY_BYTES`, and bodies sent without ``Content-Type:
  application/json`` to anything but a file upload.

Free-form documents (metadata, custom fields, rich content) have tighter
limits of their own, checked per field by :func:`laurels.kit.validation.free_form`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from laurels.kit.errors import CommonCode

# Generous for any API shape Laurels serves (a free-form document may be 32 deep
# inside a body that is itself a few levels deep), far below what would make a
# recursive walk of the body expensive.
MAX_BODY_DEPTH = 40
# The largest body read at all: a bulk upload of 100,000 codes of 64 characters fits.
MAX_BODY_BYTES = 16 * 1024 * 1024

_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


def _printable(text: str) -> str:
    """``text`` made safe to quote back in a JSON answer (a surrogate cannot be encoded)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def bad_char_problem(value: str) -> str | None:
    """What is wrong with the characters of ``value``, or None."""
    match = _BAD_CHAR.search(value)
    if match is None:
        return None
    char = match.group()
    if "\ud800" <= char <= "\udfff":
        return "must not contain a lone UTF-16 surrogate (it is not valid Unicode)"
    if char == "\x00":
        return "must not contain the NUL character (\\u0000)"
    return f"must not contain the control character \\u{ord(char):04x}"


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def check_value(value: Any, path: str = "", depth: int = 1) -> None:
    """Walk a parsed JSON value; refuse the first string or key a database could not hold."""
    if depth > MAX_BODY_DEPTH:
        raise Refusal(
            400, CommonCode.BODY_TOO_DEEP, f"Request body is nested deeper than {MAX_BODY_DEPTH} levels", path or None
        )
    if isinstance(value, str):
        problem = bad_char_problem(value)
        if problem:
            where = _printable(path) or "body"
            raise Refusal(400, CommonCode.INVALID_CHARACTERS, f"{where} {problem}", _printable(path) or None)
    elif isinstance(value, dict):
        for key, item in value.items():
            problem = bad_char_problem(key)
            if problem:
                where = _printable(path) or "body"
                raise Refusal(
                    400, CommonCode.INVALID_CHARACTERS, f"an object key in {where} {problem}", _printable(path) or None
                )
            check_value(item, _child(path, key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_value(item, _child(path, index), depth + 1)


def _no_constants(name: str) -> Any:
    raise Refusal(400, CommonCode.INVALID_BODY, f"Request body is not valid JSON: {name} is not a JSON number")


def parse_json(body: bytes) -> Any:
    """Strict JSON: RFC 8259 numbers only, no bad characters, bounded depth."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, CommonCode.INVALID_BODY, "Request body is not valid JSON: it is not UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise Refusal(400, CommonCode.INVALID_BODY, f"Request body is not valid JSON ({exc.msg} at {where})") from None
    except RecursionError:
        raise Refusal(
            400, CommonCode.BODY_TOO_DEEP, f"Request body is nested deeper than {MAX_BODY_DEPTH} levels"
        ) from None
    check_value(value)
    return value


def _target_problem(scope: Scope) -> Refusal | None:
    path: str = scope.get("path", "")
    problem = bad_char_problem(path)
    if problem:
        return Refusal(400, CommonCode.INVALID_CHARACTERS, f"The URL path {problem}", "path")
    query = scope.get("query_string", b"")
    if query:
        for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True, errors="surrogateescape"):
            for text in (key, value):
                problem = bad_char_problem(text)
                if problem:
                    name = _printable(key)
                    return Refusal(400, CommonCode.INVALID_CHARACTERS, f"Query parameter {name} {problem}", name)
    return None


def _content_kind(scope: Scope) -> str:
    """``json``, ``form`` (a file upload), ``other`` or ``none`` (no Content-Type sent)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media = value.decode("latin-1").split(";", 1)[0].strip().lower()
            if media == "application/json" or (media.startswith("application/") and media.endswith("+json")):
                return "json"
            if media in ("multipart/form-data", "application/x-www-form-urlencoded"):
                return "form"
            return "other"
    return "none"


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


Render = Callable[[Request, Refusal], JSONResponse]


class RequestGuard:
    """ASGI middleware; ``render`` turns a refusal into the envelope of the surface asked."""

    def __init__(self, app: ASGIApp, render: Render) -> None:
        self.app = app
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = _target_problem(scope)
        if refusal is None and scope["method"] in _BODY_METHODS:
            kind = _content_kind(scope)
            if kind != "form":
                refusal, receive = await self._check_body(scope, receive, kind)
        if refusal is not None:
            response = self.render(Request(scope), refusal)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _check_body(self, scope: Scope, receive: Receive, kind: str) -> tuple[Refusal | None, Receive]:
        too_large = Refusal(
            413, CommonCode.BODY_TOO_LARGE, f"Request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB"
        )
        declared = _declared_length(scope)
        if declared is not None and declared > MAX_BODY_BYTES:
            return too_large, receive
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away; let the app see the same disconnect.
                return None, _replay([message], receive)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                return too_large, receive
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body:
            if kind != "json":
                # FastAPI reads a body as JSON only when it is declared so; say which header to send.
                return Refusal(
                    415,
                    CommonCode.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type must be application/json for a JSON body",
                    "Content-Type",
                ), receive
            try:
                parse_json(body)
            except Refusal as refusal:
                return refusal, receive
        return None, _replay([{"type": "http.request", "body": body, "more_body": False}], receive)


def _replay(messages: list[Message], then: Receive) -> Receive:
    """A ``receive`` that hands the app the messages already read, then the server's own."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await then()

    return replay
