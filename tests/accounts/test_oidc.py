"""Staff sign-in through the municipality's OpenID Connect provider (DESIGN §11, issue 14),
against a real provider process (tests/oidc_provider.py): the person's browser is the test
client, the provider's sign-in form is answered over HTTP as the person would answer it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from app.models import ApiToken, AuditEvent, User
from app.models.enums import Role
from tests.factories import make_unit, make_user
from tests.oidc_provider import Provider, running_provider

BrowserFactory = Callable[..., TestClient]


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture
def browser_for(
    settings: Settings,
    session_factory: sessionmaker[Session],
    provider: Provider,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[BrowserFactory]:
    """``browser_for(**settings)``: a browser on a Duk configured for the provider (or for
    ``oidc_issuer=...`` another), with the given settings changed."""
    # Authlib refuses plain http:// outside a test: the provider here listens on loopback.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    clients: list[TestClient] = []

    def open_browser(**changes: Any) -> TestClient:
        configured = settings.model_copy(
            update={
                "oidc_issuer": provider.issuer,
                "oidc_client_id": "duk",
                "oidc_client_secret": SecretStr("duk-test-secret"),
                "oidc_name": "Asker kommune",
                **changes,
            }
        )
        app: FastAPI = create_app(configured, session_factory=session_factory)
        client = TestClient(app, raise_server_exceptions=False)
        clients.append(client)
        return client

    yield open_browser
    for client in clients:
        client.close()


def start(browser: TestClient, path: str = "/auth/oidc/login") -> str:
    """Press "Sign in with …": returns the provider's authorization URL Duk sends us to."""
    response = browser.get(path, follow_redirects=False)
    assert response.status_code == 302, response.text
    return response.headers["location"]


def come_back(browser: TestClient, callback_url: str) -> httpx2.Response:
    parts = urlsplit(callback_url)
    return browser.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def sign_in(
    browser: TestClient, provider: Provider, sub: str, path: str = "/auth/oidc/login"
) -> httpx2.Response:
    """Press the button at ``path``, the provider proves ``sub``, and back to Duk."""
    return come_back(browser, provider.authorize(start(browser, path), sub))


def linked_user(session: Session, sub: str, **kwargs: Any) -> User:
    unit = make_unit(session)
    user = make_user(session, role=Role.caseworker, units=[unit], **kwargs)
    user.oidc_subject = sub
    session.flush()
    session.commit()
    return user


def refusals(session: Session) -> list[str | None]:
    return list(
        session.scalars(
            select(AuditEvent.purpose)
            .where(AuditEvent.action == "login_failed")
            .order_by(AuditEvent.id)
        )
    )


def test_the_login_page_offers_the_provider_beside_the_password(
    browser_for: BrowserFactory,
) -> None:
    page = browser_for().get("/login?next=/families", headers={"Accept-Language": "nb"})
    assert page.status_code == 200
    assert "Logg inn med Asker kommune" in page.text
    assert 'href="/auth/oidc/login?next=/families"' in page.text
    assert 'name="password"' in page.text


def test_without_a_provider_the_login_page_has_passwords_only(client: TestClient) -> None:
    page = client.get("/login")
    assert "/auth/oidc/login" not in page.text
    assert client.get("/auth/oidc/login", follow_redirects=False).status_code == 404


def test_the_authorization_request_uses_pkce_s256_a_nonce_and_the_state(
    browser_for: BrowserFactory,
) -> None:
    url = start(browser_for(oidc_acr="substantial"))
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["nonce"][0]
    assert query["state"][0]
    assert query["scope"] == ["openid profile"]
    assert query["redirect_uri"] == ["http://testserver/auth/oidc/callback"]
    assert query["acr_values"] == ["substantial"]


def test_a_linked_user_signs_in_and_gets_a_duk_session(
    browser_for: BrowserFactory, provider: Provider, session: Session
) -> None:
    user = linked_user(session, "kari-sub-1", username="kari-oidc")
    browser = browser_for()
    url = start(browser, "/auth/oidc/login?next=/families")
    back = come_back(browser, provider.authorize(url, "kari-sub-1"))
    assert back.status_code == 303
    assert back.headers["location"] == "/families"
    assert "duk_session" in browser.cookies
    home = browser.get("/", follow_redirects=False)
    assert home.status_code == 200
    assert user.display_name in home.text
    # Bound to this browser: the session is a page session, never an API token.
    me = browser.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {browser.cookies['duk_session']}"}
    )
    assert me.status_code == 401
    logins = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "login", AuditEvent.user_id == user.id)
    ).all()
    assert [event.purpose for event in logins] == ["oidc"]


def test_an_unknown_subject_is_refused_with_the_page_and_nothing_is_made(
    browser_for: BrowserFactory, provider: Provider, session: Session
) -> None:
    users_before = session.scalar(select(func.count()).select_from(User))
    browser = browser_for()
    back = sign_in(browser, provider, "nobody-in-duk")
    assert back.status_code == 403
    assert "be administratoren din legge deg til" in back.text
    assert "duk_session" not in browser.cookies
    assert session.scalar(select(func.count()).select_from(User)) == users_before
    assert refusals(session)[-1] == "oidc:unknown_subject"
    assert "nobody-in-duk" not in str(
        session.scalars(select(AuditEvent.record_id).where(AuditEvent.action == "login_failed"))
    )


def test_the_refusal_page_speaks_norwegian(browser_for: BrowserFactory, provider: Provider) -> None:
    browser = browser_for()
    browser.cookies.set("duk_lang", "nb")
    url = start(browser)
    back = browser.get(
        "/auth/oidc/callback?" + urlsplit(provider.authorize(url, "stranger")).query,
        headers={"Accept-Language": "nb"},
        follow_redirects=False,
    )
    assert back.status_code == 403
    assert "Du har ikke tilgang ennå – be administratoren din legge deg til." in back.text


def test_a_deactivated_user_is_refused_though_the_provider_says_yes(
    browser_for: BrowserFactory, provider: Provider, session: Session
) -> None:
    user = linked_user(session, "closed-sub")
    user.active = False
    session.commit()
    browser = browser_for()
    back = sign_in(browser, provider, "closed-sub")
    assert back.status_code == 403
    assert "closed" in back.text or "stengt" in back.text
    assert "duk_session" not in browser.cookies
    assert refusals(session)[-1] == "oidc:inactive"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "another-service"}, "audience"),
        ({"aud": "another-service", "azp": "duk"}, "audience"),
        ({"aud": ["another-service", "duk"], "azp": "another-service"}, "audience"),
        ({"exp": int(time.time()) - 600}, "expired"),
        ({"iss": "https://impostor.example"}, "issuer"),
    ],
    ids=[
        "wrong-audience",
        "wrong-audience-our-azp",
        "shared-audience-other-azp",
        "expired",
        "wrong-issuer",
    ],
)
def test_an_id_token_that_fails_a_check_is_refused(
    browser_for: BrowserFactory,
    provider: Provider,
    session: Session,
    claims: dict[str, Any],
    reason: str,
) -> None:
    sub = f"kari-{reason}"
    linked_user(session, sub)
    provider.set_user(sub, claims)
    browser = browser_for()
    back = sign_in(browser, provider, sub)
    assert back.status_code == 401
    assert "The sign-in could not be trusted" in back.text or "kunne ikke" in back.text
    assert f": {reason}." in back.text
    assert "duk_session" not in browser.cookies
    assert refusals(session)[-1] == f"oidc:{reason}"


def test_a_replayed_nonce_is_refused(
    browser_for: BrowserFactory, provider: Provider, session: Session
) -> None:
    linked_user(session, "replay-sub")
    browser = browser_for()
    earlier = parse_qs(urlsplit(start(browser)).query)["nonce"][0]
    # The provider answers the next sign-in with an ID token carrying the earlier nonce (as a
    # token captured from that sign-in would): it belongs to another sign-in.
    provider.set_user("replay-sub", {"nonce": earlier})
    back = sign_in(browser, provider, "replay-sub")
    assert back.status_code == 401
    assert "duk_session" not in browser.cookies
    assert refusals(session)[-1] == "oidc:nonce"


def test_a_callback_used_twice_or_in_another_browser_is_refused(
    browser_for: BrowserFactory, provider: Provider, session: Session
) -> None:
    linked_user(session, "twice-sub")
    browser = browser_for()
    callback = provider.authorize(start(browser), "twice-sub")
    stranger = browser_for()
    assert come_back(stranger, callback).status_code == 400
    assert "duk_session" not in stranger.cookies
    assert come_back(browser, callback).status_code == 303
    browser.cookies.clear()
    again = come_back(browser, callback)
    assert again.status_code == 400
    assert refusals(session)[-2:] == ["oidc:state", "oidc:state"]


def test_a_missing_or_lower_acr_is_refused_when_one_is_required(
    browser_for: BrowserFactory, provider: Provider, session: Session
) -> None:
    linked_user(session, "acr-none")
    linked_user(session, "acr-low")
    linked_user(session, "acr-high")
    provider.set_user("acr-low", {"acr": "low"})
    provider.set_user("acr-high", {"acr": "high"})
    for sub, status in (("acr-none", 403), ("acr-low", 403), ("acr-high", 303)):
        browser = browser_for(oidc_acr="high")
        assert sign_in(browser, provider, sub).status_code == status, sub
    assert refusals(session)[-2:] == ["oidc:acr", "oidc:acr"]


def test_an_acr_higher_than_the_one_asked_for_is_accepted_when_listed(
    browser_for: BrowserFactory, provider: Provider, session: Session
) -> None:
    """Ansattporten answers a request for ``idporten-loa-substantial`` with
    ``idporten-loa-high`` when the person signs in with a stronger method: DUK_OIDC_ACR lists
    the level asked for first and every level accepted; only the first is asked for."""
    levels = "idporten-loa-substantial idporten-loa-high"
    for sub, acr, status in (
        ("loa-substantial", "idporten-loa-substantial", 303),
        ("loa-high", "idporten-loa-high", 303),
        ("loa-low", "idporten-loa-low", 403),
    ):
        linked_user(session, sub)
        provider.set_user(sub, {"acr": acr})
        browser = browser_for(oidc_acr=levels)
        url = start(browser)
        assert parse_qs(urlsplit(url).query)["acr_values"] == ["idporten-loa-substantial"]
        assert come_back(browser, provider.authorize(url, sub)).status_code == status, sub
    assert refusals(session) == ["oidc:acr"]


def test_the_providers_refusal_gets_a_page(
    browser_for: BrowserFactory, provider: Provider, session: Session
) -> None:
    browser = browser_for()
    url = start(browser)
    denied = httpx2.post(url, data={"action": "deny"}, follow_redirects=False)
    back = come_back(browser, denied.headers["location"])
    assert back.status_code == 400
    assert refusals(session)[-1] == "oidc:provider_error"


def test_an_id_token_not_signed_with_the_providers_keys_is_refused(
    browser_for: BrowserFactory, provider: Provider, session: Session
) -> None:
    linked_user(session, "forged-sub")
    # A provider that signs with its own key but publishes another provider's keys.
    with running_provider("--jwks-from", provider.issuer) as forger:
        browser = browser_for(oidc_issuer=forger.issuer)
        back = sign_in(browser, forger, "forged-sub")
    assert back.status_code == 401
    assert "duk_session" not in browser.cookies
    assert refusals(session)[-1] == "oidc:signature"


def test_signing_out_ends_the_provider_session_too(
    browser_for: BrowserFactory, provider: Provider, session: Session
) -> None:
    linked_user(session, "leaving-sub")
    browser = browser_for()
    assert sign_in(browser, provider, "leaving-sub").status_code == 303
    home = browser.get("/")
    token = home.text.split('name="csrftoken" value="', 1)[1].split('"', 1)[0]
    kept = browser.cookies.get("duk_session")
    assert kept
    out = browser.post("/logout", data={"csrftoken": token}, follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["location"] == "/auth/oidc/logout"
    assert browser.get("/", follow_redirects=False).status_code in (303, 401)
    # Ended on the server, not only forgotten by the browser: a kept copy opens nothing.
    with TestClient(browser.app, raise_server_exceptions=False) as copy:
        copy.cookies.set("duk_session", kept)
        assert copy.get("/", follow_redirects=False).status_code == 303
    onward = browser.get("/auth/oidc/logout", follow_redirects=False)
    end_session = onward.headers["location"]
    assert end_session.startswith(f"{provider.issuer}/oauth2/end_session?")
    query = parse_qs(urlsplit(end_session).query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/login"]
    assert query["id_token_hint"][0].count(".") == 2
    # The provider's sign-out page answers, and sends the browser back to Duk's sign-in.
    ended = httpx2.get(end_session)
    assert ended.status_code == 200
    confirmed = httpx2.post(
        f"{provider.issuer}/oauth2/end_session/confirm",
        data={"redirect_uri": query["post_logout_redirect_uri"][0]},
        follow_redirects=False,
    )
    assert confirmed.headers["location"].startswith("http://testserver/login")


def test_a_device_gets_an_api_token_through_the_same_flow(
    browser_for: BrowserFactory, provider: Provider, session: Session
) -> None:
    user = linked_user(session, "device-sub", username="kari-tablet")
    browser = browser_for()
    url = start(browser, "/auth/oidc/login?for=api")
    back = come_back(browser, provider.authorize(url, "device-sub"))
    assert back.status_code == 200
    assert back.headers["cache-control"] == "no-store"
    assert "duk_session" not in browser.cookies
    token = back.text.split('id="api-token" readonly value="', 1)[1].split('"', 1)[0]
    me = browser.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["username"] == user.username


def test_a_token_or_session_from_the_provider_ends_when_the_user_is_closed_in_duk(
    browser_for: BrowserFactory, provider: Provider, session: Session
) -> None:
    """The provider keeps saying yes; Duk's own word ends what it gave out."""
    user = linked_user(session, "closing-sub")
    tablet, device = browser_for(), browser_for()
    assert sign_in(tablet, provider, "closing-sub").status_code == 303
    token = provider.api_token(device, "closing-sub")
    bearer = {"Authorization": f"Bearer {token}"}
    assert tablet.get("/", follow_redirects=False).status_code == 200
    assert device.get("/api/v1/me", headers=bearer).status_code == 200

    user.active = False
    session.commit()

    assert tablet.get("/", follow_redirects=False).status_code == 303
    assert device.get("/api/v1/me", headers=bearer).status_code == 401


def test_forms_may_lead_to_the_provider_and_nowhere_else(
    browser_for: BrowserFactory, provider: Provider, session: Session, client: TestClient
) -> None:
    # Signing out is a form whose answer redirects to the provider's end-session endpoint: a
    # browser holds the whole way to the page's form-action, so the provider's origin is in it.
    linked_user(session, "csp-sub")
    browser = browser_for()
    assert sign_in(browser, provider, "csp-sub").status_code == 303
    policy = browser.get("/").headers["content-security-policy"]
    assert f"form-action 'self' {provider.issuer};" in policy
    assert "form-action 'self';" in client.get("/login").headers["content-security-policy"]


def test_a_provider_that_rotated_its_keys_is_still_trusted(
    browser_for: BrowserFactory, session: Session
) -> None:
    # The provider restarts on its port with a new signing key, as a provider rotating its
    # keys does; Duk, which read the old key set, reads the new one when a token names a key
    # it has not seen, and the next sign-in goes through.
    linked_user(session, "rotating-sub")
    with running_provider() as before:
        port = urlsplit(before.issuer).port
        duk = browser_for(oidc_issuer=before.issuer)
        assert sign_in(duk, before, "rotating-sub").status_code == 303
        old_keys = httpx2.get(f"{before.issuer}/jwks").json()["keys"]
    with running_provider("--port", str(port)) as after:
        assert after.issuer == before.issuer
        new_keys = httpx2.get(f"{after.issuer}/jwks").json()["keys"]
        assert new_keys != old_keys
        duk.cookies.clear()
        back = sign_in(duk, after, "rotating-sub")
    assert back.status_code == 303, back.text
    assert "duk_session" in duk.cookies
    assert refusals(session)[-1:] != ["oidc:signature"]


REFUSALS_THROUGH_THE_API: dict[str, tuple[dict[str, Any] | None, dict[str, Any], int, str]] = {
    # what goes wrong: (the sub's claims at the provider, Duk's setting, status, what to do)
    "unknown_subject": ({}, {}, 403, "ask your administrator to add you"),
    "audience": ({"aud": "another-service"}, {}, 401, "meant for another service"),
    "expired": ({"exp": int(time.time()) - 600}, {}, 401, "had expired"),
    "nonce": (None, {}, 401, "belonged to another sign-in"),
    "acr": ({}, {"oidc_acr": "high"}, 403, "choose the strongest method"),
    "signature": ({}, {}, 401, "not signed with its keys"),
}


@pytest.mark.parametrize("reason", list(REFUSALS_THROUGH_THE_API))
def test_a_device_refused_by_a_check_gets_the_page_saying_what_to_do_and_no_token(
    browser_for: BrowserFactory, provider: Provider, session: Session, reason: str
) -> None:
    """The API's sign-in (``?for=api``) runs every check the page's does, and a refusal is
    the same page: why, and what to do next; no token is made."""
    claims, changes, status, advice = REFUSALS_THROUGH_THE_API[reason]
    sub = f"device-{reason}"
    user = linked_user(session, sub) if reason != "unknown_subject" else None
    with contextlib.ExitStack() as stack:
        answering = provider
        if reason == "signature":
            answering = stack.enter_context(running_provider("--jwks-from", provider.issuer))
            changes = {"oidc_issuer": answering.issuer}
        browser = browser_for(**changes)
        browser.cookies.set("duk_lang", "en")
        if claims is None:  # the ID token carries the nonce of an earlier sign-in
            earlier = parse_qs(urlsplit(start(browser, "/auth/oidc/login?for=api")).query)
            claims = {"nonce": earlier["nonce"][0]}
        url = start(browser, "/auth/oidc/login?for=api")
        answering.set_user(sub, claims)
        back = come_back(browser, answering.authorize(url, sub))
    assert back.status_code == status, back.text
    assert advice in back.text
    assert 'href="/login"' in back.text
    assert 'id="api-token"' not in back.text
    assert refusals(session)[-1] == f"oidc:{reason}"
    if user is not None:
        made = session.scalar(select(func.count()).where(ApiToken.user_id == user.id))
        assert made == 0
