"""A browser for the page tests: signed in as one user, it sends the CSRF token with every form
and fetch as the pages do, and opens forms the way a user does.

Tests get one from the ``signed_in`` fixture (tests/conftest.py): ``signed_in(world.lead)``.
Each is a browser of its own, with its own cookies, so a test can have two people at work at
once; the ``client`` fixture stays the anonymous visitor and the API's caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import httpx2

from app.kit.i18n import LANGUAGE_COOKIE
from app.models import User
from tests.factories import PASSWORD
from tests.html import page

Form = Mapping[str, str | Sequence[str]]

CSRF_COOKIE = "csrftoken"


class PageClient:
    """One browser: ``get`` a page, ``post_form`` or ``submit`` a form, ``htmx`` and ``fetch``
    as the page's script does. Forms are posted without following the redirect that answers
    them, so a test reads the 303 and where it leads."""

    def __init__(self, http: httpx2.Client, *, language: str | None = None) -> None:
        self.http = http
        if language is not None:
            http.cookies.set(LANGUAGE_COOKIE, language)

    @property
    def csrf_token(self) -> str:
        """The token every page puts in its forms and its htmx headers: the browser's
        double-submit cookie, which the first page it opens sets."""
        token = self.http.cookies.get(CSRF_COOKIE)
        if token is None:
            self.http.get("/login")
            token = self.http.cookies.get(CSRF_COOKIE)
        assert token, "no page gave this browser a CSRF token"
        return token

    def sign_in(self, username: str, password: str = PASSWORD, *, next: str = "/") -> None:
        """Through the login form, as a user signs in."""
        response = self.submit(
            "/login", "/login", {"username": username, "password": password, "next": next}
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] == next

    # --- what the browser sends -----------------------------------------------------------

    def get(self, path: str, **kwargs: Any) -> httpx2.Response:
        return self.http.get(path, **kwargs)

    def post_form(self, action: str, data: Form | None = None, **kwargs: Any) -> httpx2.Response:
        """A form sent to ``action`` with the browser's CSRF token, whatever page it is on
        (or none: a refused form is sent like this)."""
        kwargs.setdefault("follow_redirects", False)
        form = {"csrftoken": self.csrf_token, **(data or {})}
        return self.http.post(action, data=form, **kwargs)

    def submit(
        self,
        on: str,
        action: str,
        data: Form | None = None,
        *,
        button: str | None = None,
        **kwargs: Any,
    ) -> httpx2.Response:
        """Open the page ``on``, fill in its form posting to ``action`` and send it: the
        form's hidden fields (its CSRF token, the version it was drawn at) with ``data``.
        Where the page has several forms posting to ``action``, ``button`` says which: the
        one with the button that says so, and a named button sends its value, as a click
        does. The page must have that form."""
        shown = self.get(on)
        assert shown.status_code == 200, f"{on}: {shown.status_code}"
        form = page(shown).form(action, button=button)
        sent: dict[str, str | Sequence[str]] = dict(form.hidden_fields())
        assert sent.get("csrftoken"), f"the form to {action} on {on} has no CSRF token"
        if button is not None:
            clicked = form.button(button)
            if "name" in clicked:
                sent[clicked["name"]] = clicked.get("value") or ""
        kwargs.setdefault("follow_redirects", False)
        return self.http.post(action, data={**sent, **(data or {})}, **kwargs)

    def htmx(
        self,
        method: str,
        path: str,
        data: Form | None = None,
        **kwargs: Any,
    ) -> httpx2.Response:
        """A request htmx makes: the HX-Request header, and the page's CSRF header."""
        headers = {"HX-Request": "true", "x-csrftoken": self.csrf_token}
        headers.update(kwargs.pop("headers", {}))
        kwargs.setdefault("follow_redirects", False)
        return self.http.request(method, path, data=data, headers=headers, **kwargs)

    def fetch(self, method: str, path: str, json: Any, **kwargs: Any) -> httpx2.Response:
        """A JSON request the page's own script makes (the autosave), with the CSRF header."""
        headers = {"x-csrftoken": self.csrf_token}
        headers.update(kwargs.pop("headers", {}))
        return self.http.request(method, path, json=json, headers=headers, **kwargs)


class SignedIn(Protocol):
    """The ``signed_in`` fixture: a new browser, signed in as ``user``."""

    def __call__(self, user: User, *, language: str | None = None) -> PageClient: ...
