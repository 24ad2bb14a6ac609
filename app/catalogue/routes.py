from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.catalogue import service as catalogue_service
from app.catalogue import template_store
from app.catalogue.schemas import ServiceOut
from app.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, encode_cursor
from app.kit.schema import NO_NUL
from app.web.deps import CurrentActor, SessionDep, TransactionalRoute
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1",
    tags=["catalogue"],
    responses=PROBLEM_RESPONSES,
    route_class=TransactionalRoute,
)


class IndicatorOut(BaseModel):
    code: str
    title: str


class TemplateDomainOut(BaseModel):
    key: str
    title: str
    prompts: list[str]
    indicators: list[IndicatorOut]


class TemplateOut(BaseModel):
    key: str
    version: int
    title: str
    audience: str
    centre_prompt: str
    domains: list[TemplateDomainOut]


@router.get("/canvas-templates", response_model=list[TemplateOut])
def canvas_templates(
    actor: CurrentActor,
    session: SessionDep,
    lang: Annotated[str, Query(pattern="^(nb|nn|en)$")] = "nb",
) -> list[TemplateOut]:
    return [
        TemplateOut(
            key=t.key,
            version=t.version,
            title=t.title.get(lang),
            audience=t.audience,
            centre_prompt=t.centre.prompt.get(lang),
            domains=[
                TemplateDomainOut(
                    key=d.key,
                    title=d.title.get(lang),
                    prompts=[p.get(lang) for p in d.prompts],
                    indicators=[
                        IndicatorOut(code=i.code, title=i.title.get(lang)) for i in d.indicators
                    ],
                )
                for d in t.domains
            ],
        )
        for _, t in template_store.latest_all(session)
    ]


@router.get("/services", response_model=Page[ServiceOut])
def services(
    actor: CurrentActor,
    session: SessionDep,
    domain: Annotated[str | None, Query(max_length=80, pattern=NO_NUL)] = None,
    q: Annotated[str | None, Query(max_length=100, pattern=NO_NUL)] = None,
    unit: Annotated[uuid.UUID | None, Query(description="Provider unit id")] = None,
    include_inactive: bool = False,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ServiceOut]:
    offset = decode_cursor(cursor)
    rows, more = catalogue_service.search_services(
        session,
        domain=domain,
        q=q,
        unit_id=unit,
        include_inactive=include_inactive,
        offset=offset,
        limit=limit,
    )
    return Page[ServiceOut](
        items=[catalogue_service.service_out(s, u) for s, u in rows],
        next=encode_cursor(offset + limit) if more else None,
    )
