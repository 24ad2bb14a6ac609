"""What a page's form needs when the schema or the service refuses it."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from app.kit.errors import Invalid
from app.kit.i18n import translations


def form_errors(
    exc: ValidationError | Invalid, messages: Mapping[str, str], lang: str
) -> dict[str, str]:
    """Field errors of a service or schema, one per form field, in the user's words where we
    have them (the service's own message otherwise). ``messages`` are msgids, translated
    here into ``lang``."""
    if isinstance(exc, Invalid):
        raw = [(e.field, e.message) for e in exc.errors]
    else:
        raw = [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
    gettext = translations(lang).gettext
    errors: dict[str, str] = {}
    for field, message in raw:
        key = field.split(".", 1)[0] or "form"
        errors.setdefault(key, gettext(messages[key]) if key in messages else message)
    return errors
