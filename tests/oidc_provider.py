"""A real OpenID Connect provider for the tests (DESIGN §11): ``oidc-provider-mock`` (from the
lock file), in a process of its own on a free loopback port.

Run as ``python -m tests.oidc_provider [--port N] [--jwks-from URL]``: it binds port N (a free
one by default), prints the port on its first line once it listens, and serves until it is
stopped; each start makes a new signing key (a provider restarted on its port has rotated its
keys). Its pages ask nothing of other origins (the package's stylesheet from a CDN is left
out) and answer the browser's icon request, so a browser test can allow the provider's origin
and no other. ``--jwks-from`` makes it announce another provider's key set in its discovery
document while it goes on signing with its own key: a provider whose ID tokens do not verify
against the keys it publishes (a bad signature, as Duk sees it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx2

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_S = 30.0
DISCOVERY = "/.well-known/openid-configuration"


@dataclass
class Provider:
    """A running provider: its issuer URL, and what a test may ask of it."""

    process: subprocess.Popen[str]
    issuer: str
    # One connection pool for what the test sends the provider (a client costs some 20 ms to
    # make, and the access matrix signs in a few hundred times).
    http: httpx2.Client = field(default_factory=httpx2.Client)

    def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        """The claims the provider puts in the ID token of ``sub`` (beside its own: a claim
        given here, such as ``aud``, ``exp`` or ``acr``, replaces the provider's)."""
        response = self.http.put(f"{self.issuer}/users/{quote(sub, safe='')}", json=claims)
        assert response.status_code == 204, response.text

    def authorize(self, authorize_url: str, sub: str) -> str:
        """The person at the provider's sign-in form chooses ``sub`` and presses Authorize;
        returns where the provider sends the browser back (Duk's callback, with code and
        state)."""
        response = self.http.post(authorize_url, data={"sub": sub}, follow_redirects=False)
        assert response.status_code == 302, response.text
        return response.headers["location"]

    def api_token(self, browser: Any, sub: str) -> str:
        """A device's API token for ``sub`` through Duk's sign-in with the provider
        (``/auth/oidc/login?for=api``), as the person gets it: ``browser`` is a test client
        of a Duk configured to this provider."""
        start = browser.get("/auth/oidc/login?for=api", follow_redirects=False)
        assert start.status_code == 302, start.text
        back = urlsplit(self.authorize(start.headers["location"], sub))
        page = browser.get(f"{back.path}?{back.query}", follow_redirects=False)
        assert page.status_code == 200, page.text
        token: str = page.text.split('id="api-token" readonly value="', 1)[1].split('"', 1)[0]
        return token

    def stop(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start_provider(*args: str) -> Provider:
    """A new provider process; returns once its discovery document answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "AUTHLIB_INSECURE_TRANSPORT": "1"},
    )
    assert process.stdout is not None
    # The first line comes once the server listens (or never, if it died: then it is empty).
    first = process.stdout.readline().strip()
    if not first.isdigit():
        process.wait(timeout=10)
        raise AssertionError(f"the OpenID provider did not start (status {process.returncode})")
    provider = Provider(process, f"http://127.0.0.1:{first}")
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        with contextlib.suppress(httpx2.TransportError):
            if httpx2.get(provider.issuer + DISCOVERY, timeout=2).status_code == 200:
                return provider
        if process.poll() is not None or time.monotonic() > deadline:
            provider.stop()
            raise AssertionError("the OpenID provider's discovery document did not answer")
        time.sleep(0.05)  # polling for readiness, not waiting for a result


@contextlib.contextmanager
def running_provider(*args: str) -> Iterator[Provider]:
    provider = start_provider(*args)
    try:
        yield provider
    finally:
        provider.stop()


# --- the provider process -------------------------------------------------------------------

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _announcing_other_keys(app: WSGIApp, jwks_uri: str) -> WSGIApp:
    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != DISCOVERY:
            return app(environ, start_response)
        captured: list[Any] = []
        body = b"".join(app(environ, lambda *a: captured.append(a)))
        document = json.loads(body)
        document["jwks_uri"] = jwks_uri
        out = json.dumps(document).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [out]

    return wrapped


_THIRD_PARTY_STYLES = re.compile(rb"<link[^>]*https://cdn\.jsdelivr\.net[^>]*>")


def _own_styles_only(app: WSGIApp) -> WSGIApp:
    """The package's pages without their stylesheet from a CDN (offline, and no request to a
    third origin from a browser test's tablet), and an empty icon for the browser that asks
    (rather than a 404 in its console)."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/favicon.ico":
            start_response("204 No Content", [])
            return [b""]
        captured: list[Any] = []
        body = b"".join(app(environ, lambda *a: captured.append(a)))
        status, headers = captured[0][0], captured[0][1]
        if any(k.lower() == "content-type" and "text/html" in v for k, v in headers):
            body = _THIRD_PARTY_STYLES.sub(b"", body)
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [body]

    return wrapped


def main() -> None:
    import oidc_provider_mock
    import werkzeug.serving

    parser = argparse.ArgumentParser()
    parser.add_argument("--jwks-from", help="announce this provider's keys instead of its own")
    parser.add_argument("--port", type=int, default=0, help="the port to listen on")
    args = parser.parse_args()
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    app: WSGIApp = _own_styles_only(oidc_provider_mock.app(require_nonce=True))
    if args.jwks_from:
        app = _announcing_other_keys(app, args.jwks_from.rstrip("/") + "/jwks")
    server = werkzeug.serving.make_server("127.0.0.1", args.port, app, threaded=True)
    sys.stdout.write(f"{server.server_port}\n")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
