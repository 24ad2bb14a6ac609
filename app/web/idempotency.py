"""``Idempotency-Key`` for creating requests: a tablet that retries after a lost response gets
the first answer again and the record is created once (DESIGN §9).

Two kinds of request take one: the API's creating routes (``begin_idempotent``, the answer a
JSON document) and every page form that static/app.js sends (``page_answer_again`` and
``keep_page_answer``, the answer a redirect). Both keep the answer in ``IdempotentRequest``,
per user and key, in the same transaction as what the request changed."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from app.access.actor import Actor
from app.access.policy import FamilyAccess
from app.access.scope import scope_for
from app.audit import service as audit
from app.db import utcnow
from app.kit.concurrency import etag
from app.kit.errors import Conflict, Invalid, NotFound
from app.models import Family, IdempotentRequest


class Replay(Exception):
    """Raised to answer with the stored response of an earlier identical request."""

    def __init__(
        self, status_code: int, body: str, etag: str | None, location: str | None = None
    ) -> None:
        super().__init__("idempotent replay")
        self.status_code = status_code
        self.body = body
        self.etag = etag
        self.location = location

    def response(self) -> JSONResponse:
        response = JSONResponse(content=None, status_code=self.status_code)
        response.body = self.body.encode()
        response.headers["content-length"] = str(len(response.body))
        response.headers["Idempotent-Replayed"] = "true"
        if self.etag is not None:
            response.headers["ETag"] = self.etag
        if self.location is not None:
            response.headers["Location"] = self.location
        return response


class Idempotency:
    """Answers a created record: sets its ETag and, under an Idempotency-Key, keeps the answer
    for a retry."""

    def __init__(self, key: str | None, response: Response, remember: Any) -> None:
        self.key = key
        self._response = response
        self._remember = remember

    def store(
        self,
        status_code: int,
        model: BaseModel,
        *,
        family_id: uuid.UUID | None,
        location: str | None = None,
    ) -> None:
        """Answer with the created record: its ETag, and ``location`` (the record's own URL)
        as the 201's Location; kept for a retry under the key."""
        version = getattr(model, "version", None)
        tag = etag(version) if isinstance(version, int) else None
        if tag is not None:
            self._response.headers["ETag"] = tag
        if location is not None:
            self._response.headers["Location"] = location
        if self.key is not None:
            self._remember(status_code, model.model_dump_json(), tag, family_id, location)


# How long a stored answer is kept for a retry (DESIGN §9): a tablet retries within minutes.
KEPT_FOR = timedelta(hours=24)


def _check_still_allowed(session: Session, actor: Actor, stored: IdempotentRequest) -> None:
    """A stored answer about a family is given again only to someone who may still create
    records for it (the plan lead's side), and the replay is a read of the family's data. So a
    plan lead handed the family over, or a unit whose consent went, gets nothing back."""
    if stored.family_id is None:
        return
    family = session.get(Family, stored.family_id)
    if family is None or scope_for(session, actor, family).access is not FamilyAccess.lead_side:
        raise NotFound("No such record.")
    audit.record_family_read(session, actor, family.id, purpose="idempotent_replay")
    # The replay answers through an exception, which rolls the request back: the read is
    # committed first, so the trail holds it.
    session.commit()


def _stored(
    session: Session, actor: Actor, key: str, fingerprint: str, now: datetime
) -> IdempotentRequest | None:
    """The answer kept under ``key`` for this user, if it is still kept; 422 when the key was
    used for another request."""
    stored = session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.user_id == actor.user_id, IdempotentRequest.key == key
        )
    )
    if stored is not None and stored.created_at < now - KEPT_FOR:
        # Forgotten: a key is kept a day, long enough for any retry of a lost answer.
        session.delete(stored)
        session.flush()
        stored = None
    if stored is not None and stored.fingerprint != fingerprint:
        raise Invalid.field(
            "Idempotency-Key", "This key was used for a different request; use a new key."
        )
    return stored


def _keep(
    session: Session,
    user_id: uuid.UUID,
    key: str,
    fingerprint: str,
    now: datetime,
    *,
    status_code: int,
    body: str,
    tag: str | None,
    family_id: uuid.UUID | None,
    location: str | None,
) -> None:
    session.execute(
        delete(IdempotentRequest).where(
            IdempotentRequest.user_id == user_id,
            IdempotentRequest.created_at < now - KEPT_FOR,
        )
    )
    stored = IdempotentRequest(
        user_id=user_id,
        key=key,
        fingerprint=fingerprint,
        status_code=status_code,
        body=body,
        etag=tag,
        location=location,
        family_id=family_id,
    )
    # Written now, not at commit: two requests with one key racing on PostgreSQL meet
    # here (the unique key), and the one that comes second creates nothing and is told
    # to ask again, when it will get the first one's answer.
    try:
        with session.begin_nested():
            session.add(stored)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "Another request with this Idempotency-Key is being handled; send it again "
            "in a moment to get its answer."
        ) from exc


def begin_idempotent(
    session: Session, actor: Actor, key: str | None, fingerprint: str, response: Response
) -> Idempotency:
    """The Idempotency-Key of a creating request, checked before the route runs: the first
    answer again (``Replay``) when the key was used for this request before, 422 when it was
    used for another, else an ``Idempotency`` that keeps the answer the route gives."""
    if key is None:
        return Idempotency(None, response, None)
    now = utcnow()
    stored = _stored(session, actor, key, fingerprint, now)
    if stored is not None:
        _check_still_allowed(session, actor, stored)
        raise Replay(stored.status_code, stored.body, stored.etag, stored.location)
    user_id = actor.user_id

    def remember(
        status_code: int,
        body_json: str,
        tag: str | None,
        family_id: uuid.UUID | None,
        location: str | None,
    ) -> None:
        _keep(
            session,
            user_id,
            key,
            fingerprint,
            now,
            status_code=status_code,
            body=body_json,
            tag=tag,
            family_id=family_id,
            location=location,
        )

    return Idempotency(key, response, remember)


# --- page forms --------------------------------------------------------------------------------

# What a page form's key may be: the API's rule (deps._IDEMPOTENCY_KEY).
PAGE_KEY_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
# The column's length (models.IdempotentRequest.location).
LOCATION_MAX = 300
# The form field that is not part of what a form asks for: the CSRF token, which a form sent
# again after its user signed in anew carries fresh.
_NOT_ASKED = frozenset({"csrftoken"})


def page_fingerprint(method: str, path: str, fields: Iterable[tuple[str, str | UploadFile]]) -> str:
    """What a page form asks for: its method, path and fields in order, less its CSRF token."""
    asked = [
        [name, value if isinstance(value, str) else f"file:{value.filename}:{value.size}"]
        for name, value in fields
        if name not in _NOT_ASKED
    ]
    return hashlib.sha256(json.dumps([method, path, asked]).encode()).hexdigest()


def page_answer_again(
    session: Session, actor: Actor, key: str, fingerprint: str
) -> Response | None:
    """The redirect that answered this page form the first time it was sent under ``key``
    (by this user), or ``None`` if it was not answered yet; 422 for a key used for another
    form. The answer is a link to a page (ids only), which checks its own access."""
    stored = _stored(session, actor, key, fingerprint, utcnow())
    if stored is None or stored.location is None:
        return None
    return RedirectResponse(
        stored.location,
        status_code=stored.status_code,
        headers={"Idempotent-Replayed": "true", "Cache-Control": "no-store"},
    )


def keep_page_answer(
    session: Session, actor: Actor, key: str, fingerprint: str, answer: object
) -> None:
    """Keeps the answer a page form got under ``key``, when it is a redirect (what a form
    that changed something answers). A page drawn again (a refused form, 422) changed nothing
    and is not kept: sent again, the form is looked at again."""
    if not isinstance(answer, Response) or not 300 <= answer.status_code < 400:
        return
    location = answer.headers.get("location")
    if location is None or len(location) > LOCATION_MAX:
        return
    # The family the form was about (when it was about one that is still there), so that
    # erasing the family erases the answer with it, as it does an API answer.
    about = audit.families_in(session)
    family_id = next(iter(about)) if len(about) == 1 else None
    if (
        family_id is not None
        and session.scalar(select(Family.id).where(Family.id == family_id)) is None
    ):
        family_id = None
    _keep(
        session,
        actor.user_id,
        key,
        fingerprint,
        utcnow(),
        status_code=answer.status_code,
        body="",
        tag=None,
        family_id=family_id,
        location=location,
    )
