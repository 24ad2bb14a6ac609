"""Each user's own choice of how to get word (DESIGN §12), in the API and on their settings
page: none until chosen, an address needed for e-mail and a number for SMS, If-Match on the
API, and nobody else's address anywhere."""

from __future__ import annotations

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.models.enums import Role
from tests.factories import auth_headers, make_unit, make_user
from tests.pages import PageClient, SignedIn

URL = "/api/v1/me/notifications"
EMAIL = {"channel": "email", "email": "berit@bv.test", "phone": None, "language": "nn"}


def test_a_user_has_no_messages_until_they_choose(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = make_user(session, role=Role.reviewer, units=[make_unit(session)])
    answer = client.get(URL, headers=auth_headers(session, user, settings))

    assert answer.status_code == 200
    assert answer.json() == {
        "channel": "none",
        "email": None,
        "phone": None,
        "language": "nb",
        "version": 0,
    }
    assert answer.headers["etag"] == '"0"'
    assert answer.headers["cache-control"] == "no-store"


def test_a_user_chooses_e_mail_and_only_they_see_the_address(
    client: TestClient, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    berit = auth_headers(session, make_user(session, role=Role.reviewer, units=[unit]), settings)
    colleague = auth_headers(session, make_user(session, units=[unit]), settings)

    saved = client.put(URL, json=EMAIL, headers={**berit, "If-Match": '"0"'})

    assert saved.status_code == 200, saved.text
    assert saved.json() == {**EMAIL, "version": 1}
    assert saved.headers["etag"] == '"1"'
    assert client.get(URL, headers=berit).json()["email"] == "berit@bv.test"
    assert client.get(URL, headers=colleague).json()["email"] is None


def test_a_change_needs_the_version_it_was_made_from(
    client: TestClient, session: Session, settings: Settings
) -> None:
    headers = auth_headers(session, make_user(session), settings)

    missing = client.put(URL, json=EMAIL, headers=headers)
    first = client.put(URL, json=EMAIL, headers={**headers, "If-Match": '"0"'})
    stale = client.put(
        URL, json={**EMAIL, "channel": "none"}, headers={**headers, "If-Match": '"0"'}
    )

    assert (missing.status_code, first.status_code, stale.status_code) == (428, 200, 412)
    assert client.get(URL, headers=headers).json()["channel"] == "email"


def test_e_mail_without_an_address_or_a_bad_number_is_refused_and_changes_nothing(
    client: TestClient, session: Session, settings: Settings
) -> None:
    headers = {**auth_headers(session, make_user(session), settings), "If-Match": '"0"'}

    no_address = client.put(URL, json={"channel": "email"}, headers=headers)
    bad_phone = client.put(URL, json={"channel": "sms", "phone": "ring meg"}, headers=headers)
    unknown = client.put(URL, json={**EMAIL, "name": "Berit"}, headers=headers)
    bad_language = client.put(URL, json={**EMAIL, "language": "sv"}, headers=headers)

    assert no_address.status_code == 422
    assert [e["field"] for e in no_address.json()["errors"]] == ["email"]
    assert bad_phone.status_code == 422
    assert unknown.status_code == 422
    assert bad_language.status_code == 422
    assert client.get(URL, headers=headers).json()["version"] == 0


def _send_settings_form(
    session: Session, signed_in: SignedIn, form: dict[str, str]
) -> tuple[PageClient, httpx2.Response]:
    """A reviewer opens their settings page in English and sends its form so filled in."""
    user = make_user(session, role=Role.reviewer, units=[make_unit(session)])
    session.commit()
    browser = signed_in(user, language="en")
    page = "/account/notifications"
    return browser, browser.submit(page, page, form)


def test_the_settings_page_saves_the_choice_and_says_so(
    session: Session, signed_in: SignedIn
) -> None:
    browser, sent = _send_settings_form(
        session,
        signed_in,
        {"channel": "sms", "phone": "+4791234567", "email": "", "language": "nn"},
    )

    assert sent.status_code == 303
    shown = browser.get(sent.headers["location"])
    assert "Your notification settings are saved." in shown.text
    assert 'value="+4791234567"' in shown.text
    assert shown.headers["cache-control"] == "no-store"


def test_the_settings_page_marks_a_missing_address_and_keeps_what_was_typed(
    session: Session, signed_in: SignedIn
) -> None:
    browser, sent = _send_settings_form(
        session,
        signed_in,
        {"channel": "email", "email": "", "phone": "+4791234567", "language": "en"},
    )

    assert sent.status_code == 422
    assert "Give an e-mail address such as name@kommune.no." in sent.text
    assert 'aria-invalid="true" aria-describedby="email-error"' in sent.text
    assert 'value="+4791234567"' in sent.text
    again = browser.get("/account/notifications")
    assert 'value="none" checked' in again.text
