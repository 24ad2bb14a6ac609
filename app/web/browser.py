"""What the browser side of the app needs around its pages: static files with long caching,
and CSRF protection for every unsafe request that carries cookies."""

from __future__ import annotations

from typing import Any

from asgi_csrf import asgi_csrf
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from app.web.middleware import ASGIApp


class CachedStaticFiles(StaticFiles):
    """Static files; a URL carrying the content hash (``?v=``) may be cached for a year."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


async def _csrf_failed(scope: Scope, send: Send, message_id: Any) -> None:
    body = (
        '<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>Duk</title></head>'
        "<body><main><h1>Skjemaet er utløpt / The form has expired</h1>"
        "<p>Gå tilbake, last inn siden på nytt og prøv igjen. / Go back, reload the page and "
        "try again.</p></main></body></html>"
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# The JSON API signs in with bearer tokens only and never reads a cookie, so a forged
# cross-site request has nothing to ride on; static files are only read. Neither goes through
# asgi-csrf, which would otherwise sign a fresh token for every autosave and throw it away.
_NO_COOKIE_AUTHORITY = ("/api/", "/static/")


_PASSED = "duk.csrf_passed"


async def _bad_form(send: Send) -> None:
    body = (
        b'{"type":"/problems/bad-request","title":"Bad request","status":400,'
        b'"detail":"The form could not be read."}'
    )
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class CSRFMiddleware:
    """Double-submit CSRF tokens (asgi-csrf) for form posts and page fetches.

    Two things asgi-csrf does are not for Duk's pages, so they are taken away here: it lets any
    request with an ``Authorization: Bearer`` header through unchecked (a header a forged
    cross-site request can carry, and pages never sign in with one), and a body it cannot parse
    (a multipart form without a boundary, bytes that are not UTF-8) raises inside it. The header
    is removed before the check; a body it cannot read is 400 and reaches no route."""

    def __init__(self, app: ASGIApp, *, secret: str, secure: bool) -> None:
        self.inner = app

        async def checked(scope: Scope, receive: Receive, send: Send) -> None:
            scope[_PASSED] = True
            await app(scope, receive, send)

        self.app = asgi_csrf(
            checked,
            signing_secret=secret,
            cookie_secure=secure,
            cookie_samesite="Lax",
            always_protect={"/login"},
            send_csrf_failed=_csrf_failed,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(_NO_COOKIE_AUTHORITY):
            await self.inner(scope, receive, send)
            return
        scope = dict(scope)
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() != b"authorization"]
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            # Raised while asgi-csrf read the form, before any route: the form is unreadable.
            # Anything a route raises (it was reached) goes on to the error handlers.
            if scope.get(_PASSED) or started:
                raise
            await _bad_form(send)
