"""The one path a page's form takes: its fields become the API's schema, the service is
called inside a savepoint, and a refusal comes back as field messages in the user's words.

A page never rolls back by hand and holds no rule of its own: what the schema or the service
refuses is undone to the savepoint (the rest of the request's transaction, its audit records
included, stands), and the page is drawn again from what is stored, with the form as typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import Form
from pydantic import ValidationError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.kit.errors import Invalid, PreconditionFailed
from app.kit.i18n import translations

T = TypeVar("T")

# A page form's fields, as the routes declare them: free text up to the API's limit, a code
# or an id, a list of them. Routes give each a default of "", so that a field left empty
# reaches the schema and comes back with its message beside it (FastAPI would answer a bare
# 422 page).
FormText = Annotated[str, Form(max_length=10_000)]
FormCode = Annotated[str, Form(max_length=200)]
FormCodes = Annotated[list[str], Form(max_length=60)]


def submit(
    session: Session,
    work: Callable[[], T],
    messages: Mapping[str, str],
    lang: str,
    *,
    schema_messages: Mapping[str, str] | None = None,
    fallback: str | None = None,
) -> tuple[T | None, dict[str, str]]:
    """Runs ``work`` (validate the form against the schema, call the service) inside a
    savepoint. Returns its result and no errors, or ``None`` and the field errors to show
    beside the form after the savepoint is rolled back.

    ``messages`` are msgids per form field, translated into ``lang``; a field without one
    shows the service's own message. A record changed meanwhile (a stale version) answers
    under ``version``. ``schema_messages``, when given, answer what the schema refuses (a
    choice the form never offers) instead of ``messages``; ``fallback``, when given, answers
    for a field with no message of its own."""
    try:
        with session.begin_nested():
            return work(), {}
    except (PreconditionFailed, StaleDataError):
        return None, {"version": translations(lang).gettext(messages["version"])}
    except ValidationError as exc:
        return None, form_errors(exc, schema_messages or messages, lang, fallback)
    except Invalid as exc:
        return None, form_errors(exc, messages, lang, fallback)


def form_errors(
    exc: ValidationError | Invalid,
    messages: Mapping[str, str],
    lang: str,
    fallback: str | None = None,
) -> dict[str, str]:
    """Field errors of a service or schema, one per form field, in the user's words where we
    have them (the service's own message otherwise). A field is named by its path without
    list positions (``indicators[2]`` and ``indicators.2`` are ``indicators``); the most
    specific name ``messages`` knows wins (``responsible.unit_id`` before ``responsible``),
    and an error with no field is the form's. ``messages`` are msgids, translated here; a
    field they do not know keeps its whole name and shows ``fallback`` (when given) or the
    service's own message."""
    gettext = translations(lang).gettext
    errors: dict[str, str] = {}
    for path, message in _raw(exc):
        key = _known(path, messages, whole=fallback is not None)
        if key in messages:
            message = gettext(messages[key])
        elif fallback is not None:
            message = gettext(fallback)
        errors.setdefault(key, message)
    return errors


def _raw(exc: ValidationError | Invalid) -> list[tuple[list[str], str]]:
    if isinstance(exc, Invalid):
        return [
            ([part.split("[", 1)[0] for part in e.field.split(".") if part], e.message)
            for e in exc.errors
        ]
    return [([str(p) for p in e["loc"] if not isinstance(p, int)], e["msg"]) for e in exc.errors()]


def _known(path: list[str], messages: Mapping[str, str], *, whole: bool) -> str:
    for end in range(len(path), 0, -1):
        name = ".".join(path[:end])
        if name in messages:
            return name
    if not path:
        return "form"
    return ".".join(path) if whole else path[0]


def given(form: Mapping[str, Any]) -> dict[str, Any]:
    """The form's fields for the schema: an empty field is not given."""
    return {field: value or None for field, value in form.items()}


def expected_version(version: str) -> int:
    """The version the form was shown at; anything but a number never matches."""
    return int(version) if version.isdigit() else -1


def parse_id(value: str) -> uuid.UUID | str:
    """An id from a form; left as text when it is not one, so the schema names the field."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return value
