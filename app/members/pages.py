"""The family's members on the plan lead's pages (DESIGN §3 FamilyMember): add one, change
one, remove one. The family page lists them (app/families). The national ID number is typed
in, never shown again: the form says only whether one is recorded."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.access.policy import Reach
from app.access.scope import FamilyScope, family_scope
from app.audit import service as audit
from app.kit import forms
from app.kit.errors import PreconditionFailed
from app.kit.forms import FormCode
from app.kit.i18n import N_, request_language, translations
from app.kit.templating import render
from app.members import service as member_service
from app.members.schemas import MemberCreate, MemberPatch
from app.models import FamilyMember
from app.web.deps import PageActor, SessionDep, SettingsDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

MEMBER_FIELDS: dict[str, str] = {
    "name": N_("Write the person's name."),
    "relation": N_("Choose parent, child or other adult."),
    "birth_year": N_("Write the year the person was born, for example 1988."),
    "language": N_("Choose bokmål, nynorsk or English."),
    "parental_responsibility": N_(
        "Only a parent or another adult can have parental responsibility."
    ),
    "national_id": N_(
        "Write the 11 digits of a valid national ID number or D-number, or leave it empty."
    ),
    "email": N_("Write an e-mail address like name@example.no, or leave it empty."),
    "phone": N_("Write a mobile number of 8 digits, or with + and the country code."),
    "notify_channel": N_("Choose e-mail, SMS or no notices."),
    "version": N_(
        "Someone else changed this person while you were writing. Check what is saved now "
        "and try again."
    ),
}
MEMBER_RULES: dict[str, str] = {
    **MEMBER_FIELDS,
    # The service's refusals, in the plan lead's words.
    "birth_year": N_("The birth year does not match the national ID number."),
    "national_id": N_("Another member of the family has this national ID number."),
    "parental_responsibility": N_("A child has no parental responsibility."),
    "email": N_("Write the e-mail address to send notices to, or choose no notices."),
    "phone": N_("Write the mobile number to send notices to, or choose no notices."),
}


def _typed(
    name: FormCode = "",
    relation: FormCode = "",
    birth_year: FormCode = "",
    language: FormCode = "",
    parental_responsibility: FormCode = "",
    email: FormCode = "",
    phone: FormCode = "",
    notify_channel: FormCode = "",
) -> dict[str, str]:
    """The member form's fields as typed, to draw again after a refusal. The national ID
    number is not among them: it is never drawn back into the form."""
    return {
        "name": name,
        "relation": relation,
        "birth_year": birth_year,
        "language": language,
        "parental_responsibility": parental_responsibility,
        "email": email,
        "phone": phone,
        "notify_channel": notify_channel,
    }


Typed = Annotated[dict[str, str], Depends(_typed)]


def _lead_scope(session: Session, actor: Any, family_id: uuid.UUID) -> FamilyScope:
    scope = family_scope(session, actor, family_id, Reach.case)
    scope.require_edit()
    return scope


def _form_page(
    request: Request,
    scope: FamilyScope,
    member: FamilyMember | None,
    *,
    form: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "members/member_form.html",
        {
            "family": scope.family,
            "member": member,
            "relations": member_service.RELATIONS,
            "channels": member_service.CHANNELS,
            "form": form,
            "errors": errors or {},
            "this_year": datetime.now(UTC).year,
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


def _form_of(member: FamilyMember) -> dict[str, str]:
    return {
        "name": member.name,
        "relation": member.relation.value,
        "birth_year": str(member.birth_year),
        "language": member.language.value,
        "parental_responsibility": "yes" if member.parental_responsibility else "",
        "email": member.email or "",
        "phone": member.phone or "",
        "notify_channel": member.notify_channel.value,
    }


def _data(form: Mapping[str, str], *, national_id: str) -> dict[str, Any]:
    year = form["birth_year"].strip()
    data: dict[str, Any] = {
        "name": form["name"],
        "relation": form["relation"],
        # A word that is not a year stays text, so the schema names the field it came from.
        "birth_year": int(year) if year.isdigit() else year,
        "language": form["language"],
        "parental_responsibility": form["parental_responsibility"] == "yes",
        # An emptied field forgets the address or the number.
        "email": form["email"].strip() or None,
        "phone": "".join(form["phone"].split()) or None,
        "notify_channel": form["notify_channel"] or "none",
    }
    number = "".join(national_id.split())
    if number:
        data["national_id"] = number
    return data


def _submit(
    request: Request, session: Session, work: Any
) -> tuple[FamilyMember | None, dict[str, str]]:
    lang = request_language(request)
    member, errors = forms.submit(
        session,
        work,
        MEMBER_RULES,
        lang,
        schema_messages=MEMBER_FIELDS,
        fallback=N_("Check this field."),
    )
    return member, errors


@router.get("/families/{family_id}/members/new", name="member_new")
def member_new(
    request: Request, family_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    scope = _lead_scope(session, actor, family_id)
    audit.record_family_read(session, actor, scope.family_id, purpose="member_form")
    form = {
        "language": scope.family.language.value,
        "relation": "parent",
        "notify_channel": "none",
    }
    return _form_page(request, scope, None, form=form)


@router.post("/families/{family_id}/members", name="member_create")
def member_create(
    request: Request,
    family_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    settings: SettingsDep,
    form: Typed,
    national_id: FormCode = "",
) -> Response:
    scope = _lead_scope(session, actor, family_id)
    member, errors = _submit(
        request,
        session,
        lambda: member_service.add_member(
            session,
            actor,
            scope,
            MemberCreate.model_validate(_data(form, national_id=national_id)),
            settings,
        ),
    )
    if member is None:
        return _form_page(request, scope, None, form=form, errors=errors, status_code=422)
    return RedirectResponse(f"/families/{family_id}?done=member_added#members", status_code=303)


@router.get("/members/{member_id}/edit", name="member_edit")
def member_edit(
    request: Request, member_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    member, scope = member_service.member_scope(session, actor, member_id)
    scope.require_edit()
    member_service.read_member(session, actor, member, scope)
    return _form_page(request, scope, member, form=_form_of(member))


@router.post("/members/{member_id}", name="member_update")
def member_update(
    request: Request,
    member_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    settings: SettingsDep,
    form: Typed,
    national_id: FormCode = "",
    forget_national_id: FormCode = "",
    version: FormCode = "",
) -> Response:
    member, scope = member_service.member_scope(session, actor, member_id)
    scope.require_edit()
    data = _data(form, national_id=national_id)
    if forget_national_id == "yes" and "national_id" not in data:
        data["national_id"] = None

    def update() -> FamilyMember:
        if forms.expected_version(version) != member.version:
            raise PreconditionFailed("The member changed since the form was shown.")
        patch = MemberPatch.model_validate(data)
        return member_service.update_member(session, actor, scope, member, patch, settings)

    saved, errors = _submit(request, session, update)
    if saved is None:
        session.refresh(member)
        return _form_page(request, scope, member, form=form, errors=errors, status_code=422)
    return RedirectResponse(
        f"/families/{scope.family_id}?done=member_saved#members", status_code=303
    )


@router.post("/members/{member_id}/remove", name="member_remove")
def member_remove(
    request: Request,
    member_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    confirm: FormCode = "",
) -> Response:
    member, scope = member_service.member_scope(session, actor, member_id)
    scope.require_edit()
    if confirm != "yes":
        message = translations(request_language(request)).gettext(
            N_("Tick the box to confirm that the person is removed from the family.")
        )
        errors = {"confirm": message}
        form = _form_of(member)
        return _form_page(request, scope, member, form=form, errors=errors, status_code=422)
    member_service.remove_member(session, actor, scope, member)
    return RedirectResponse(
        f"/families/{scope.family_id}?done=member_removed#members", status_code=303
    )
