"""What the browser side of the app needs around its pages: static files with long caching,
CSRF protection for every unsafe request that carries cookies, and the answers a page form
sent by static/app.js can read."""

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
                # For static/app.js: the form's token is stale (the user signed in anew
                # elsewhere), not the request refused; it asks for a fresh one and sends again.
                (PROBLEM_HEADER, b"csrf"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# Headers between static/app.js and the server about a page form it sends with fetch.
FETCH_HEADER = b"duk-fetch"
LOCATION_HEADER = b"duk-location"
PROBLEM_HEADER = b"duk-problem"
_NOT_ON_204 = frozenset({b"location", b"content-length", b"content-type", b"cache-control"})


class FormFetchMiddleware:
    """A page form that static/app.js sends with fetch (``Duk-Fetch: form``) gets the answer the
    browser would get, but for a redirect: fetch cannot read where a redirect leads without
    following it, which would draw the next page for nobody (and log a read of the family's
    data that no one saw). So a redirect is answered 204 with ``Duk-Location`` instead, its
    cookies kept, and the script goes there as the browser would have. A redirect to the
    sign-in page tells the script the session has ended, and it keeps the form."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not any(
            name.lower() == FETCH_HEADER for name, _ in scope.get("headers", [])
        ):
            await self.app(scope, receive, send)
            return
        redirected = False

        async def answering(message: Message) -> None:
            nonlocal redirected
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                headers = list(message.get("headers", []))
                location = next((v for k, v in headers if k.lower() == b"location"), None)
                if location is not None:
                    redirected = True
                    kept = [(k, v) for k, v in headers if k.lower() not in _NOT_ON_204]
                    kept += [(LOCATION_HEADER, location), (b"cache-control", b"no-store")]
                    message = {**message, "status": 204, "headers": kept}
            elif message["type"] == "http.response.body" and redirected:
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, answering)


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
            # asgi-csrf hands on a copy of the scope: the mark goes into the one dict the copy
            # shares with the scope the except below looks at.
            mark = scope.get(_PASSED)  # none for the lifespan, which takes no forms
            if mark is not None:
                mark["passed"] = True
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
        passed = scope[_PASSED] = {"passed": False}
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
            if passed["passed"] or started:
                raise
            await _bad_form(send)
