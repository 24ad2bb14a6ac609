"""The administrator's page of users, where a user is linked to the identity provider's
subject or unlinked (issue 14, DESIGN §2, §11): admins only, every change audited, a subject
never linked to two users."""

from __future__ import annotations

import uuid

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import utcnow
from app.kit.crypto import data_keys
from app.models import AuditEvent, RecoveryCode, User
from app.models.enums import Role
from tests.factories import auth_headers, make_unit, make_user
from tests.html import page as read_page
from tests.pages import SignedIn

USERS = "/admin/users"


def _link(user: User) -> str:
    return f"{USERS}/{user.id}/oidc-subject"


def _stored_subject(session: Session, user: User) -> str | None:
    session.expire_all()
    return session.scalar(select(User.oidc_subject).where(User.id == user.id))


def _trail(session: Session, user: User) -> list[str | None]:
    return list(
        session.scalars(
            select(AuditEvent.purpose)
            .where(AuditEvent.record_type == "user", AuditEvent.record_id == str(user.id))
            .order_by(AuditEvent.id)
        )
    )


def test_an_admin_links_a_user_who_then_shows_as_linked(
    session: Session, signed_in: SignedIn
) -> None:
    admin = make_user(session, role=Role.admin)
    kari = make_user(session, units=[make_unit(session)], username="kari-link")
    session.commit()
    browser = signed_in(admin, language="en")

    listed = browser.get(USERS)
    assert listed.status_code == 200
    assert "kari-link" in listed.text
    assert 'href="/admin/users"' in listed.text  # the admin's menu leads here

    sent = browser.submit(USERS, _link(kari), {"oidc_subject": "  kari-at-asker  "})
    assert sent.status_code == 303
    assert sent.headers["location"].startswith("/admin/users?done=linked")
    assert _stored_subject(session, kari) == "kari-at-asker"
    assert _trail(session, kari) == ["oidc_link"]
    after = browser.get(sent.headers["location"])
    assert "The user is linked" in after.text
    assert "kari-at-asker" in after.text


def test_a_subject_linked_to_someone_else_is_refused_beside_the_field(
    session: Session, signed_in: SignedIn
) -> None:
    admin = make_user(session, role=Role.admin)
    unit = make_unit(session)
    holder = make_user(session, units=[unit])
    holder.oidc_subject = "shared-sub"
    other = make_user(session, units=[unit])
    session.commit()
    browser = signed_in(admin, language="en")

    sent = browser.submit(USERS, _link(other), {"oidc_subject": "shared-sub"})

    assert sent.status_code == 422
    error = read_page(sent).one(f"#oidc_subject-{other.id}-error")
    assert "Another user is linked to this subject already" in error.text
    field = read_page(sent).one(f"#oidc_subject-{other.id}")
    assert field["aria-describedby"] == f"oidc_subject-{other.id}-error"
    assert field["value"] == "shared-sub"
    assert _stored_subject(session, other) is None
    assert _stored_subject(session, holder) == "shared-sub"
    assert _trail(session, other) == []


def test_an_empty_subject_is_refused(session: Session, signed_in: SignedIn) -> None:
    admin = make_user(session, role=Role.admin)
    user = make_user(session, units=[make_unit(session)])
    session.commit()
    sent = signed_in(admin, language="en").submit(USERS, _link(user), {"oidc_subject": "  "})
    assert sent.status_code == 422
    assert "Give the subject (sub)" in sent.text
    assert _stored_subject(session, user) is None


def test_unlinking_asks_for_confirmation_and_is_audited(
    session: Session, signed_in: SignedIn
) -> None:
    admin = make_user(session, role=Role.admin)
    user = make_user(session, units=[make_unit(session)], username="leaving")
    user.oidc_subject = "leaving-sub"
    session.commit()
    browser = signed_in(admin, language="en")
    unlink = f"{_link(user)}/unlink"

    unconfirmed = browser.submit(USERS, unlink, {})
    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm" in unconfirmed.text
    assert _stored_subject(session, user) == "leaving-sub"

    confirmed = browser.submit(USERS, unlink, {"confirm": "yes"})
    assert confirmed.status_code == 303
    assert _stored_subject(session, user) is None
    assert _trail(session, user) == ["oidc_unlink"]


def test_the_page_speaks_norwegian(session: Session, signed_in: SignedIn) -> None:
    admin = make_user(session, role=Role.admin)
    session.commit()
    listed = signed_in(admin, language="nb").get(USERS)
    assert listed.status_code == 200
    assert "<h1>Brukere</h1>" in listed.text


def test_no_one_but_an_admin_reaches_the_page_or_its_forms(
    session: Session, signed_in: SignedIn
) -> None:
    unit = make_unit(session)
    target = make_user(session, units=[unit])
    target.oidc_subject = "kept-sub"
    session.commit()
    for role in (Role.caseworker, Role.reviewer, Role.coordinator):
        browser = signed_in(make_user(session, role=role, units=[unit]), language="en")
        assert browser.get(USERS).status_code == 403
        assert browser.post_form(_link(target), {"oidc_subject": "mine"}).status_code == 403
        unlinked = browser.post_form(f"{_link(target)}/unlink", {"confirm": "yes"})
        assert unlinked.status_code == 403
        # An unknown user is refused the same way: the answer tells nothing of who exists.
        missing = browser.post_form(f"{USERS}/{uuid.uuid4()}/oidc-subject", {"oidc_subject": "x"})
        assert missing.status_code == 403
    assert _stored_subject(session, target) == "kept-sub"


def test_an_admin_asking_for_a_user_that_does_not_exist_gets_404(
    session: Session, signed_in: SignedIn
) -> None:
    admin = make_user(session, role=Role.admin)
    session.commit()
    browser = signed_in(admin)
    missing = browser.post_form(f"{USERS}/{uuid.uuid4()}/oidc-subject", {"oidc_subject": "x"})
    assert missing.status_code == 404


def test_unlinking_or_relinking_ends_the_users_sessions_and_tokens(
    session: Session, signed_in: SignedIn, client: TestClient, settings: Settings
) -> None:
    """Who the provider's subject is changed: whatever was opened as that person, a page
    session or an API token, ends on the next request."""
    admin = make_user(session, role=Role.admin)
    unit = make_unit(session)
    users = {}
    for name in ("unlinked", "relinked"):
        users[name] = make_user(session, units=[unit], username=name)
        users[name].oidc_subject = f"{name}-sub"
    session.commit()
    tablets = {name: signed_in(user, language="en") for name, user in users.items()}
    tokens = {name: auth_headers(session, user, settings) for name, user in users.items()}
    session.commit()
    for name in users:
        assert tablets[name].get("/", follow_redirects=False).status_code == 200
        assert client.get("/api/v1/me", headers=tokens[name]).status_code == 200
    browser = signed_in(admin, language="en")

    unlinked = browser.submit(USERS, f"{_link(users['unlinked'])}/unlink", {"confirm": "yes"})
    assert unlinked.status_code == 303
    relinked = browser.post_form(_link(users["relinked"]), {"oidc_subject": "someone-else"})
    assert relinked.status_code == 303

    for name in users:
        assert tablets[name].get("/", follow_redirects=False).status_code == 303, name
        assert client.get("/api/v1/me", headers=tokens[name]).status_code == 401, name
    # The admin's own session goes on.
    assert browser.get(USERS).status_code == 200


def _enrolled(session: Session, settings: Settings, username: str) -> User:
    """A user who set up two-step sign-in, with two unused recovery codes."""
    user = make_user(session, units=[make_unit(session)], username=username)
    user.totp_secret_encrypted = data_keys(settings).encrypt(pyotp.random_base32())
    user.totp_enrolled_at = utcnow()
    user.totp_last_step = 1
    session.add_all(RecoveryCode(user_id=user.id, code_hash=f"h{n}") for n in range(2))
    session.commit()
    return user


def _card(listed: str, user: User) -> str:
    return read_page(listed).one(f"#user-{user.id}").text


def test_an_admin_resets_a_users_second_factor_once_confirmed(
    session: Session, signed_in: SignedIn, settings: Settings
) -> None:
    admin = make_user(session, role=Role.admin, username="the-admin")
    user = _enrolled(session, settings, "lost-phone")
    user.oidc_subject = "lost-phone-sub"
    plain = make_user(session, username="plain")
    session.commit()
    tablet = signed_in(user, language="en")
    browser = signed_in(admin, language="en")
    listed = browser.get(USERS).text
    assert "Two-step sign-in: set up." in _card(listed, user)
    assert "Linked to the subject lost-phone-sub" in _card(listed, user)
    assert "Two-step sign-in: not set up." in _card(listed, plain)
    assert "Not linked" in _card(listed, plain)
    reset = f"{USERS}/{user.id}/totp/reset"
    # Only a user with something to reset has the form.
    assert read_page(listed).all(f'form[action="{USERS}/{plain.id}/totp/reset"]') == []

    unconfirmed = browser.submit(USERS, reset, {})
    assert unconfirmed.status_code == 422
    box = read_page(unconfirmed).one(f"#confirm_reset-{user.id}")
    assert box["aria-describedby"] == f"confirm_reset-{user.id}-error"
    assert "Tick the box to confirm the reset" in unconfirmed.text
    session.expire_all()
    assert user.totp_enrolled_at is not None

    for _ in range(2):  # sent again under its key (static/app.js after a lost answer): once
        done = browser.post_form(
            reset, {"confirm_reset": "yes"}, headers={"Idempotency-Key": "reset-1"}
        )
        assert done.status_code == 303, done.text
    session.expire_all()
    stored = session.execute(
        select(User.totp_secret_encrypted, User.totp_enrolled_at, User.totp_last_step).where(
            User.id == user.id
        )
    ).one()
    assert tuple(stored) == (None, None, None)
    assert session.scalar(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id)) is None
    events = session.execute(
        select(AuditEvent.purpose, User.username)
        .join(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.record_type == "user", AuditEvent.record_id == str(user.id))
    ).all()
    assert [tuple(e) for e in events] == [("totp_reset", "the-admin")]
    # The lost phone may hold a session: it has ended.
    assert tablet.get("/", follow_redirects=False).status_code == 303
    after = browser.get(done.headers["location"]).text
    assert "Two-step sign-in is reset" in after
    assert "Two-step sign-in: not set up." in _card(after, user)
    assert read_page(after).all(f'form[action="{reset}"]') == []


def test_no_one_but_an_admin_resets_a_second_factor(
    session: Session, signed_in: SignedIn, settings: Settings
) -> None:
    user = _enrolled(session, settings, "kept-phone")
    unit = make_unit(session)
    for role in (Role.caseworker, Role.reviewer, Role.coordinator):
        browser = signed_in(make_user(session, role=role, units=[unit]), language="en")
        refused = browser.post_form(f"{USERS}/{user.id}/totp/reset", {"confirm_reset": "yes"})
        assert refused.status_code == 403
        missing = browser.post_form(f"{USERS}/{uuid.uuid4()}/totp/reset", {"confirm_reset": "yes"})
        assert missing.status_code == 403
    # Not even the user themself: a lost phone is reset by someone who can check who asks.
    own = signed_in(user, language="en")
    assert (
        own.post_form(f"{USERS}/{user.id}/totp/reset", {"confirm_reset": "yes"}).status_code == 403
    )
    admin = signed_in(make_user(session, role=Role.admin), language="en")
    unknown = admin.post_form(f"{USERS}/{uuid.uuid4()}/totp/reset", {"confirm_reset": "yes"})
    assert unknown.status_code == 404
    session.expire_all()
    assert user.totp_enrolled_at is not None
    assert session.scalar(select(AuditEvent.id).where(AuditEvent.purpose == "totp_reset")) is None
