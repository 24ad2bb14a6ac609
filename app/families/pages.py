"""The caseworker's home: my families, and starting a new family."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from app.access.policy import can_create_family
from app.deps import PageActor, SessionDep, SettingsDep, TransactionalRoute
from app.families import service as family_service
from app.families.schemas import FamilyCreate
from app.kit.errors import Invalid
from app.kit.templating import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

PAGE_SIZE = 200


def _form_errors(exc: ValidationError | Invalid) -> dict[str, str]:
    if isinstance(exc, Invalid):
        return {e.field: e.message for e in exc.errors}
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in exc.errors()}


@router.get("/", name="home")
def home(request: Request, actor: PageActor, session: SessionDep) -> HTMLResponse:
    rows, _ = family_service.visible_families(session, actor, offset=0, limit=PAGE_SIZE)
    return render(
        request,
        "families/home.html",
        {
            "families": rows,
            "can_create": can_create_family(actor),
            "errors": {},
            "form": {},
            "this_year": datetime.now(UTC).year,
        },
    )


@router.post("/families", name="family_create")
def create_family(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    settings: SettingsDep,
    display_name: Annotated[str, Form(max_length=200)],
    municipality_code: Annotated[str, Form(max_length=4)],
    language: Annotated[str, Form(max_length=2)] = "nb",
    adults: Annotated[int, Form(ge=0, le=20)] = 1,
    children_birth_years: Annotated[str, Form(max_length=200)] = "",
    single_parent: Annotated[bool, Form()] = False,
) -> Response:
    form = {
        "display_name": display_name,
        "municipality_code": municipality_code,
        "language": language,
        "adults": adults,
        "children_birth_years": children_birth_years,
        "single_parent": single_parent,
    }
    try:
        years = [int(y) for y in children_birth_years.replace(",", " ").split() if y.strip()]
        data = FamilyCreate.model_validate(
            {
                "display_name": display_name,
                "municipality_code": municipality_code,
                "language": language,
                "household": {
                    "adults": adults,
                    "children_birth_years": years,
                    "single_parent": single_parent,
                },
            }
        )
        family = family_service.create_family(session, actor, data, settings)
    except ValueError as exc:  # ValidationError is a ValueError; so is a bad birth year
        errors = (
            _form_errors(exc)
            if isinstance(exc, ValidationError)
            else {"household.children_birth_years": str(exc)}
        )
        session.rollback()
        rows, _ = family_service.visible_families(session, actor, offset=0, limit=PAGE_SIZE)
        return render(
            request,
            "families/home.html",
            {
                "families": rows,
                "can_create": can_create_family(actor),
                "errors": errors,
                "form": form,
                "this_year": datetime.now(UTC).year,
            },
            status_code=422,
        )
    return RedirectResponse(f"/families/{family.id}", status_code=303)
