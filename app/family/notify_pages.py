"""How a family member hears that something waits for them (DESIGN §12): on their own page
they choose e-mail, SMS or no notices, to the address or number the plan lead recorded. The
address and the number are the member's own: shown to them here, never in a URL."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.family import service as family_service
from app.family.pages import Done
from app.kit import forms
from app.kit.forms import FormCode
from app.kit.i18n import N_
from app.kit.templating import render
from app.members import service as member_service
from app.members.schemas import NotifyChoice
from app.web.deps import FamilyVisitor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

CHOICE_FIELDS = {
    "notify_channel": N_("Choose e-mail, SMS or no notices."),
    "email": N_("No e-mail address is recorded for you. Ask your contact person to add it."),
    "phone": N_("No mobile number is recorded for you. Ask your contact person to add it."),
}


def _page(
    request: Request,
    session: Session,
    visitor: FamilyVisitor,
    *,
    error: str | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    member = member_service.visitor_member(session, visitor)
    family_service.record_read(session, visitor, "family_member", member.id, "notify_choice")
    context = {"visitor": visitor, "member": member, "error": error, "done": done}
    return render(
        request,
        "family/notices.html",
        context,
        lang=visitor.language,
        status_code=status_code,
    )


@router.get("/familie/varsler", name="family_notices")
def family_notices(
    request: Request, visitor: FamilyVisitor, session: SessionDep, done: Done = None
) -> HTMLResponse:
    return _page(request, session, visitor, done=done if done == "saved" else None)


@router.post("/familie/varsler", name="family_notices_save")
def family_notices_save(
    request: Request, visitor: FamilyVisitor, session: SessionDep, notify_channel: FormCode = ""
) -> Response:
    saved, errors = forms.submit(
        session,
        lambda: member_service.choose_channel(
            session, visitor, NotifyChoice.model_validate({"notify_channel": notify_channel})
        ),
        CHOICE_FIELDS,
        visitor.language,
    )
    if saved is None:
        session.expire_all()  # the choice refused is not the one to draw
        error = next(iter(errors.values()), None)
        return _page(request, session, visitor, error=error, status_code=422)
    return RedirectResponse("/familie/varsler?done=saved", status_code=303)
