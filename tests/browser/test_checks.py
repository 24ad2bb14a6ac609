"""The browser checks themselves: each one fails on a page that breaks its rule, and names what
is wrong. (A check that cannot fail would let every page pass.)

No server here: the tablet's origin is a made-up one whose pages the test serves itself
through Playwright's routing, with the app's own security headers.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Route

from app.web.middleware import SECURITY_HEADERS
from tests.browser.helpers import (
    assert_no_axe_violations,
    assert_no_horizontal_scroll,
    assert_same_origin,
    assert_touch_targets,
    csp_reported,
    watch_of,
)

# Loopback is a trustworthy origin, like the real server's (else Chromium warns about COOP).
ORIGIN = "http://127.0.0.1:9"
APP_HEADERS = {name.decode(): value.decode() for name, value in SECURITY_HEADERS}


@pytest.fixture(scope="module")
def base_url() -> str:
    # Replaces the live server of conftest.py: these pages are served by the test itself.
    return ORIGIN


def serve(page: Page, body: str, *, headers: dict[str, str] | None = None) -> None:
    """Open ORIGIN/ showing ``body`` (an HTML fragment) with the app's security headers."""
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Check</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f"<body><main><h1>Check</h1>{body}</main></body></html>"
    )

    def handler(route: Route) -> None:
        route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            body=html,
            headers=APP_HEADERS if headers is None else headers,
        )

    page.route(f"{ORIGIN}/", handler)
    page.goto("/")


def failure_of(check: Callable[[Page], None], page: Page) -> str:
    with pytest.raises(AssertionError) as failed:
        check(page)
    return str(failed.value)


def test_axe_check_names_the_violations_it_finds(portrait_page: Page) -> None:
    serve(
        portrait_page, '<input id="nameless"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
    )

    report = failure_of(assert_no_axe_violations, portrait_page)

    assert "label (critical)" in report
    assert "#nameless" in report
    assert "image-alt (critical)" in report


def test_axe_check_passes_a_page_without_violations(portrait_page: Page) -> None:
    serve(portrait_page, '<label for="named">Name</label><input id="named">')

    assert_no_axe_violations(portrait_page)


def test_touch_target_check_finds_small_controls_but_spares_links_in_running_text(
    portrait_page: Page,
) -> None:
    serve(
        portrait_page,
        '<button id="tiny" class="small">x</button>'
        '<a id="bare" href="/elsewhere">Alone in a list</a>'
        '<p>Read <a id="inline" href="/more">more</a> about it.</p>'
        '<ul><li><a id="alone" href="/list">Only a link</a></li></ul>'
        '<label id="small-choice"><input type="checkbox"> Tick</label>'
        '<label id="big-choice" class="big"><input type="radio" name="r"> Pick</label>'
        '<a class="visually-hidden" href="/hidden">Hidden</a>',
        headers={},  # the styles below are inline: this page has no CSP
    )
    portrait_page.add_style_tag(
        content=".big { display: inline-block; min-width: 60px; min-height: 60px; }"
        " .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; }"
    )

    report = failure_of(assert_touch_targets, portrait_page)

    assert "button#tiny" in report
    assert "a#bare" in report
    assert "a#alone" in report  # a list item with nothing but the link is not running text
    assert "label#small-choice" in report  # a checkbox counts by its label
    assert "#inline" not in report
    assert "big-choice" not in report
    assert '"Hidden"' not in report  # visually hidden: nothing to tap
    assert "4 touch target(s)" in report


def test_horizontal_scroll_check_names_what_is_too_wide(portrait_page: Page) -> None:
    serve(
        portrait_page, '<div id="wide" class="wide">A table that does not reflow</div>', headers={}
    )
    portrait_page.add_style_tag(content=".wide { width: 600px; }")

    report = failure_of(assert_no_horizontal_scroll, portrait_page)

    assert "div#wide.wide reaches" in report
    assert portrait_page.viewport_size == {"width": 820, "height": 1180}  # restored


def test_horizontal_scroll_check_passes_a_page_that_reflows(portrait_page: Page) -> None:
    serve(portrait_page, "<p>Short text that wraps at any width.</p>")

    assert_no_horizontal_scroll(portrait_page)


def test_the_watch_sees_requests_to_other_origins(portrait_page: Page) -> None:
    portrait_page.route(
        "https://cdn.example.net/**", lambda route: route.fulfill(status=200, body="")
    )
    serve(portrait_page, '<img alt="" src="https://cdn.example.net/pixel.gif">', headers={})
    portrait_page.wait_for_load_state("load")
    watch = watch_of(portrait_page)

    assert "https://cdn.example.net/pixel.gif" in watch.requests
    assert watch.problems() == [f"request outside {ORIGIN}: https://cdn.example.net/pixel.gif"]
    with pytest.raises(AssertionError, match="cdn.example.net"):
        assert_same_origin(watch.requests, ORIGIN)
    watch.forget()  # seen and asserted; the fixture's own check at teardown would fail too


def test_the_watch_sees_csp_violations_console_errors_and_script_errors(
    portrait_page: Page,
) -> None:
    serve(portrait_page, "<p>Strict page</p>")  # with the app's CSP: no inline anything
    watch = watch_of(portrait_page)

    with (
        portrait_page.expect_event("pageerror"),
        portrait_page.expect_console_message(lambda m: "something broke" in m.text),
    ):
        portrait_page.evaluate(
            """() => new Promise((resolve) => {
              document.addEventListener("securitypolicyviolation", resolve);
              const img = document.createElement("img");
              img.setAttribute("alt", "");
              img.setAttribute("onerror", "void 0");  // an inline handler: the CSP refuses it
              img.src = "data:image/png;base64,bm90IGFuIGltYWdl";  // not an image: error fires
              document.body.append(img);
              console.error("something broke");
              setTimeout(() => { throw new Error("uncaught on purpose"); });
            })"""
        )
    csp_reported(portrait_page)

    # The inline handler is refused under script-src-attr (CSP Level 3), or under script-src
    # by a browser that names the directive it falls back to.
    assert any(v.startswith("script-src") for v in watch.csp_violations), watch.csp_violations
    assert any("something broke" in e for e in watch.console_errors), watch.console_errors
    assert any("uncaught on purpose" in e for e in watch.page_errors), watch.page_errors
    watch.forget()
