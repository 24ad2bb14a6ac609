"""Plain ASGI middleware for what every request needs: a request id, a bounded body, JSON-only
API bodies, security headers and an access log line with no personal data."""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from app.kit.requestid import reset_request_id, set_request_id

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("duk.access")
error_log = logging.getLogger("duk.errors")

_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_JSON_TYPES = ("application/json", "application/merge-patch+json", "application/problem+json")

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        b"base-uri 'none'; object-src 'none'",
    ),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


_FORM_ACTION = b"form-action 'self'"


def security_headers(form_origins: tuple[str, ...] = ()) -> list[tuple[bytes, bytes]]:
    """The security headers, with ``form_origins`` (the identity provider's) allowed as the
    target of a form besides this site: a form whose answer redirects there (sign-out through
    the provider) is held to ``form-action`` all along the way."""
    if not form_origins:
        return SECURITY_HEADERS
    extra = " ".join(form_origins).encode()
    return [
        (name, value.replace(_FORM_ACTION, _FORM_ACTION + b" " + extra))
        if name == b"content-security-policy"
        else (name, value)
        for name, value in SECURITY_HEADERS
    ]


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with every control character (line breaks, escape sequences) as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _problem(status: int, slug: str, title: str, detail: str, request_id: str) -> bytes:
    return json.dumps(
        {
            "type": f"/problems/{slug}",
            "title": title,
            "status": status,
            "detail": detail,
            "request_id": request_id,
        }
    ).encode()


def host_allowed(host_header: str, allowed: Iterable[str]) -> bool:
    """Whether the Host header names this server: one of ``allowed`` (a name, ``*.domain``
    for its subdomains, or ``*`` for any), with any port."""
    host = host_header.strip().lower()
    if host.startswith("["):  # an IPv6 literal, [::1]:8000
        host = host[: host.find("]") + 1]
    else:
        host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    for name in allowed:
        name = name.strip().lower()
        if name == "*" or host == name:
            return True
        if name.startswith("*.") and host.endswith(name[1:]):
            return True
    return False


# The API operations that answer without a token.
_OPEN_API = frozenset({("GET", "/api/v1/health"), ("POST", "/api/v1/tokens")})


def _needs_token(path: str, method: str) -> bool:
    return path.startswith("/api/v1/") and (method, path.rstrip("/")) not in _OPEN_API


def _has_bearer(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").strip().partition(" ")
            return scheme.lower() == "bearer" and bool(token.strip())
    return False


class RequestGuardMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        allowed_hosts: Iterable[str] = ("*",),
        form_origins: Callable[[], tuple[str, ...]] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.allowed_hosts = tuple(allowed_hosts)
        self.form_origins = form_origins
        self._headers: tuple[tuple[str, ...], list[tuple[bytes, bytes]]] = ((), SECURITY_HEADERS)

    def _security_headers(self) -> list[tuple[bytes, bytes]]:
        origins = self.form_origins() if self.form_origins is not None else ()
        if origins != self._headers[0]:
            self._headers = (origins, security_headers(origins))
        return self._headers[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        token = set_request_id(request_id)
        started = time.perf_counter()
        status_holder = [0]
        response_started = [False]
        path: str = scope.get("path", "")
        is_api = path.startswith("/api/")

        head = scope.get("method") == "HEAD"
        if head:
            # Every GET answers HEAD (RFC 9110 §9.3.2): the app answers the GET, and the body
            # is dropped here, its headers (Content-Length included) kept.
            scope = {**scope, "method": "GET"}

        async def send_with_headers(message: Message) -> None:
            if head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                response_started[0] = True
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                for name, value in self._security_headers():
                    if name not in names:
                        headers.append((name, value))
                headers.append((b"x-request-id", request_id.encode()))
                if scope.get("scheme") == "https" and b"strict-transport-security" not in names:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                if is_api and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        async def reject(
            status: int, slug: str, title: str, detail: str, *, www_authenticate: bool = False
        ) -> None:
            body = _problem(status, slug, title, detail, request_id)
            headers = [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ]
            if www_authenticate:
                headers.append((b"www-authenticate", b"Bearer"))
            await send_with_headers(
                {"type": "http.response.start", "status": status, "headers": headers}
            )
            await send({"type": "http.response.body", "body": body})

        try:
            host = next((v for k, v in scope.get("headers", []) if k.lower() == b"host"), b"")
            if not host_allowed(host.decode("latin-1"), self.allowed_hosts):
                # A request for another host name never reaches the app, so nothing it
                # answers (a redirect, a link) can carry a name an attacker chose.
                await reject(
                    400, "bad-host", "Unknown host", "This server does not answer for that host."
                )
                return
            method = scope.get("method", "GET")
            if _needs_token(path, method) and not _has_bearer(scope):
                # 401 before anything about the request is looked at (DESIGN §8): a stranger
                # learns nothing of the fields an operation takes.
                await reject(
                    401,
                    "unauthorized",
                    "Authentication required",
                    "Sign in first: send a valid bearer token.",
                    www_authenticate=True,
                )
                return
            if method in _BODY_METHODS:
                headers = {k.lower(): v for k, v in scope.get("headers", [])}
                declared = headers.get(b"content-length")
                if declared is not None:
                    try:
                        too_big = int(declared) > self.max_body_bytes
                    except ValueError:
                        await reject(400, "bad-request", "Bad request", "Bad Content-Length.")
                        return
                    if too_big:
                        await reject(
                            413,
                            "payload-too-large",
                            "Request body too large",
                            f"A request body may be at most {self.max_body_bytes} bytes.",
                        )
                        return
                chunks: list[bytes] = []
                size = 0
                more = True
                while more:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.max_body_bytes:
                        await reject(
                            413,
                            "payload-too-large",
                            "Request body too large",
                            f"A request body may be at most {self.max_body_bytes} bytes.",
                        )
                        return
                    chunks.append(chunk)
                    more = bool(message.get("more_body", False))
                body = b"".join(chunks)
                content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
                if is_api and body and content_type.split(";")[0].strip() not in _JSON_TYPES:
                    await reject(
                        415,
                        "unsupported-media-type",
                        "Send JSON",
                        "The API takes request bodies as application/json.",
                    )
                    return
                delivered = False

                async def replay() -> Message:
                    nonlocal delivered
                    if not delivered:
                        delivered = True
                        return {"type": "http.request", "body": body, "more_body": False}
                    return await receive()

                await self.app(scope, replay, send_with_headers)
            else:
                await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            # The trace goes to the server log without the exception's message, which may hold
            # request data; the client gets a generic problem and the request id.
            error_log.error(
                "unhandled %s rid=%s\n%s",
                type(exc).__name__,
                request_id,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            if response_started[0]:
                raise
            await reject(
                500,
                "internal",
                "Internal server error",
                "Something went wrong on our side. Quote the request id if you contact support.",
            )
        finally:
            # Path only: ids are opaque UUIDs; query strings are never logged. Control
            # characters are written as escapes, so a path cannot forge a line of its own.
            access_log.info(
                "%s %s %s %.1fms rid=%s",
                printable(str(scope.get("method"))),
                printable(path),
                status_holder[0],
                (time.perf_counter() - started) * 1000,
                request_id,
            )
            reset_request_id(token)
