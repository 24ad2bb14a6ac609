"""Server-rendered pages: Jinja2 with gettext, one environment per language.

Each room keeps its templates in ``app/<room>/templates`` and names them with the room as
prefix (``canvases/canvas.html``); shared layouts live in ``app/templates``. Partials that htmx
swaps into a page are named ``_name.html``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from app.config import FAMILY_LANGUAGES
from app.kit.i18n import (
    FAMILY_LANGUAGE_NAMES,
    LANGUAGE_NAMES,
    direction,
    long_date,
    request_language,
    translations,
)
from app.kit.responses import MadeLater
from app.paths import project_root

APP_DIR = Path(__file__).resolve().parents[1]
STATIC_DIR = project_root() / "static"


def _loader() -> ChoiceLoader:
    """The shared templates, then each room's under its name: whichever folder of app/ has a
    ``templates`` folder is a room here (kit knows no room by name)."""
    rooms = {
        folder.name: FileSystemLoader(folder / "templates")
        for folder in sorted(APP_DIR.iterdir())
        if folder.name != "templates" and (folder / "templates").is_dir()
    }
    return ChoiceLoader([FileSystemLoader(APP_DIR / "templates"), PrefixLoader(rooms)])


@lru_cache(maxsize=2 * len(FAMILY_LANGUAGES))
def environment(lang: str, reload: bool) -> Environment:
    """The templates in ``lang``. With ``reload`` (development) an edited template is read
    again; without, each is read once, and a page costs no look at the files it is made of."""
    env = Environment(
        loader=_loader(),
        auto_reload=reload,
        autoescape=select_autoescape(("html", "xml", "svg")),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["gettext"] = env.globals["_"] = _remembered_gettext(translations(lang))
    env.globals["static"] = static_url
    env.globals["languages"] = LANGUAGE_NAMES
    env.globals["family_languages"] = FAMILY_LANGUAGE_NAMES
    # <html dir="{{ direction }}">: a page in Arabic is mirrored.
    env.globals["direction"] = direction(lang)
    env.globals["direction_of"] = direction  # of a part in another language
    env.filters["long_date"] = partial(long_date, lang=lang)
    return env


def _remembered_gettext(catalogue: Any) -> Callable[..., Markup]:
    """The templates' ``_()`` and ``{% trans %}``, as Jinja's newstyle gettext makes them (the
    translation as markup, its ``%(name)s`` placeholders filled with escaped values), with each
    message looked up once. A canvas page says some 300 of them, and Jinja's own spent 15% of
    the page's time getting to the catalogue (bench/tablet.py --profile)."""
    found: dict[str, Markup] = {}

    def gettext(message: str, /, **variables: Any) -> Markup:
        text = found.get(message)
        if text is None:
            text = found[message] = Markup(catalogue.gettext(message))
        return text % variables

    return gettext


@lru_cache(maxsize=256)
def static_url(path: str) -> str:
    """A static file's URL with a content hash, so browsers may cache it for good."""
    digest = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    lang: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page in the user's language (or ``lang``, e.g. the family's, for its plan)."""
    html = page_html(request, template, context, lang)
    return HTMLResponse(html, status_code=status_code, headers=_headers(request, lang, headers))


def render_later(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    """A page rendered after the request's transaction, on a worker thread: the time its
    template takes (a coordinator's report of many cells) holds no database turn and no
    connection. Its context must be plain data, read before the transaction ended."""
    return MadeLater(
        lambda: page_html(request, template, context, None).encode(),
        media_type="text/html",
        status_code=status_code,
        headers=_headers(request, None, None),
    )


def page_html(
    request: Request, template: str, context: dict[str, Any] | None, lang: str | None
) -> str:
    ui_lang = request_language(request)
    csrf = request.scope.get("csrftoken")
    values: dict[str, Any] = {
        "request": request,
        "lang": lang or ui_lang,
        "ui_lang": ui_lang,
        "actor": getattr(request.state, "actor", None),
        "csrf_token": csrf() if callable(csrf) else "",
        "htmx": request.headers.get("hx-request") == "true",
        "url_for": lambda name, **params: str(request.app.url_path_for(name, **params)),
        "current_path": request.url.path,
    }
    values.update(context or {})
    return templates(request, lang or ui_lang).get_template(template).render(values)


def part_in(request: Request, template: str, context: dict[str, Any], lang: str) -> Markup:
    """A part of a page in another language than the page around it, marked with its ``lang``
    for screen readers (WCAG 3.1.2): the family's plan, in the family's language, on a page
    whose menus and buttons speak the signed-in user's."""
    html = page_html(request, template, context, lang)
    return Markup('<div lang="{}" dir="{}">{}</div>').format(lang, direction(lang), Markup(html))


def templates(request: Request, lang: str) -> Environment:
    """The templates in ``lang``, read again when edited only in development."""
    return environment(lang, request.app.state.settings.env == "development")


def _headers(request: Request, lang: str | None, headers: dict[str, str] | None) -> dict[str, str]:
    all_headers = {
        "Cache-Control": "no-store",
        "Content-Language": lang or request_language(request),
    }
    all_headers.update(headers or {})
    return all_headers
