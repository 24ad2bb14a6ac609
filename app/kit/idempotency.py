"""``Idempotency-Key`` for creating requests: a tablet that retries after a lost response gets
the first answer again and the record is created once (DESIGN §9)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select

from app.deps import CurrentActor, SessionDep
from app.kit.errors import Invalid
from app.models import IdempotentRequest


class Replay(Exception):
    """Raised to answer with the stored response of an earlier identical request."""

    def __init__(self, status_code: int, body: str) -> None:
        super().__init__("idempotent replay")
        self.status_code = status_code
        self.body = body

    def response(self) -> JSONResponse:
        response = JSONResponse(content=None, status_code=self.status_code)
        response.body = self.body.encode()
        response.headers["content-length"] = str(len(response.body))
        response.headers["Idempotent-Replayed"] = "true"
        return response


class Idempotency:
    def __init__(self, key: str | None, fingerprint: str, remember: Any) -> None:
        self.key = key
        self.fingerprint = fingerprint
        self._remember = remember

    def store(self, status_code: int, model: BaseModel) -> None:
        if self.key is not None:
            self._remember(status_code, model.model_dump_json())


async def _idempotency(
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=64,
            pattern=r"^[A-Za-z0-9._:-]+$",
            description="A client-chosen key; a retry with the same key creates nothing new.",
        ),
    ] = None,
) -> Idempotency:
    body = await request.body()
    fingerprint = hashlib.sha256(
        request.method.encode() + b" " + request.url.path.encode() + b"\n" + body
    ).hexdigest()
    if idempotency_key is None:
        return Idempotency(None, fingerprint, None)
    stored = session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.user_id == actor.user_id, IdempotentRequest.key == idempotency_key
        )
    )
    if stored is not None:
        if stored.fingerprint != fingerprint:
            raise Invalid.field(
                "Idempotency-Key", "This key was used for a different request; use a new key."
            )
        raise Replay(stored.status_code, stored.body)

    def remember(status_code: int, body_json: str) -> None:
        session.add(
            IdempotentRequest(
                user_id=actor.user_id,
                key=idempotency_key,
                fingerprint=fingerprint,
                status_code=status_code,
                body=body_json,
            )
        )

    return Idempotency(idempotency_key, fingerprint, remember)


IdempotencyDep = Annotated[Idempotency, Depends(_idempotency)]
