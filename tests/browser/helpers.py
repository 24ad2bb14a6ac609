"""What the browser tests check on every page, and how they drive a tablet.

The fixtures that use these live in ``tests/browser/conftest.py``. Everything here works on a
real Chromium through Playwright, against a real ``duk serve``:

- ``watch_context``: records every request, console error, uncaught script error and
  Content-Security-Policy violation of a browser context (the fixtures check them at teardown);
- ``assert_same_origin``: no request outside the app's own origin (DESIGN §9);
- ``assert_no_axe_violations``: axe-core (vendored, see ``vendor/README.md``), WCAG 2.1 A+AA;
- ``assert_touch_targets``: every visible interactive element is at least 44×44 CSS px;
- ``assert_no_horizontal_scroll``: the page at 200% zoom on a portrait tablet (410 CSS px wide);
- ``sign_in``, ``choose_language``, ``tap_and_wait``, ``expect_message``, ``tab_to``,
  ``screenshot``, ``check_tablet_page``;
- for autosave, conflicts and lost networks: ``two_tablets``, ``offline`` / ``go_offline`` /
  ``go_online``, ``save_state`` / ``expect_save_state``, ``drafts``.
"""

from __future__ import annotations

import contextlib
import os
import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Request,
    Response,
    StorageState,
    ViewportSize,
    WebError,
    expect,
)
from playwright.sync_api import (
    Error as PlaywrightError,
)

from app.demo import DEMO_PASSWORD
from tests.cli.duk_process import run_duk

HERE: Final = Path(__file__).resolve().parent
AXE_SOURCE: Final = HERE / "vendor" / "axe.min.js"
SCREENSHOTS: Final = HERE.parent / ".artifacts" / "screenshots"
# Pictures for people to look at cost a second or so each on a busy machine and check nothing:
# taken only when asked for (DUK_SCREENSHOTS=1 make test-sqlite), never in CI.
TAKE_SCREENSHOTS: Final = os.environ.get("DUK_SCREENSHOTS") == "1"

# A 10" tablet (DESIGN §5): 820×1180 CSS px in portrait, 1180×820 in landscape.
Orientation = Literal["portrait", "landscape"]
VIEWPORTS: Final[dict[Orientation, ViewportSize]] = {
    "portrait": ViewportSize(width=820, height=1180),
    "landscape": ViewportSize(width=1180, height=820),
}
# 200% zoom on the portrait tablet leaves a layout viewport of half its CSS size.
ZOOMED_200: Final = ViewportSize(width=410, height=590)
TOUCH_TARGET_PX: Final = 44
AXE_TAGS: Final = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
DEFAULT_TIMEOUT_MS: Final = 10_000


@dataclass(frozen=True)
class Person:
    username: str
    password: str


# From ``duk demo`` (app/demo.py): plan lead of "Familien Haddad", NAV Fredrikstad.
KARI: Final = Person("kari", DEMO_PASSWORD)
# Not in the demo: added by ``add_admin`` where a test needs an administrator.
ADMIN: Final = Person("ada-admin", "ada-admin-passord-1")


def add_admin(database_url: str) -> None:
    """``ADMIN`` added to the database with ``duk user add``, as an operator would."""
    added = run_duk(
        "user",
        "add",
        ADMIN.username,
        "--role",
        "admin",
        database_url=database_url,
        env={"DUK_PASSWORD": ADMIN.password},
    )
    assert added.returncode == 0, added.stderr


# Reports CSP violations to the test. An init script is run by the automation, not loaded by
# the page, so the page's CSP does not stop it (checked: it runs under the app's strict CSP).
# A report reaches the test asynchronously; ``window.__dukCspReported`` is the promise of the
# latest one, which a test awaits (``csp_reported``) before it looks at what was recorded. The
# directive is the effective one (CSP Level 3), which every current browser names alike.
_CSP_LISTENER: Final = """
window.__dukCspReported = Promise.resolve();
window.addEventListener("securitypolicyviolation", (event) => {
  window.__dukCspReported = window.__dukCspViolation(
    [event.effectiveDirective || event.violatedDirective, event.blockedURI || "(inline)",
     (event.sourceFile || "") + ":" + event.lineNumber].join(" ")
  );
});
"""


def csp_reported(page: Page) -> None:
    """Wait until every CSP violation the page has seen so far has reached the test."""
    page.evaluate("() => window.__dukCspReported")


def tablet_context_options(
    orientation: Orientation, base_url: str, *, locale: str = "nb-NO"
) -> dict[str, Any]:
    """A tablet held in ``orientation``: touch, a retina screen, Norwegian, in Oslo."""
    return {
        "base_url": base_url,
        "viewport": dict(VIEWPORTS[orientation]),
        "device_scale_factor": 2,
        "has_touch": True,
        "is_mobile": False,
        "locale": locale,
        "timezone_id": "Europe/Oslo",
    }


# --- watching what the browser does ------------------------------------------------------------


@dataclass
class ContextWatch:
    """Everything one browser context did that a test may have to answer for."""

    base_url: str
    context: BrowserContext | None = None
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    allowed_console_errors: list[re.Pattern[str]] = field(default_factory=list)
    allowed_origins: list[str] = field(default_factory=list)

    def allow_origin(self, url: str) -> None:
        """Another origin this tablet may be sent to on purpose (the identity provider's sign-in
        page); every other origin stays a problem."""
        self.allowed_origins.append(url)

    def allow_console_error(self, pattern: str) -> None:
        """A console error the test provokes on purpose (e.g. a 404 page it visits)."""
        self.allowed_console_errors.append(re.compile(pattern))

    def settle(self) -> None:
        """Wait until the CSP reports of every open page have reached the test."""
        for page in self.context.pages if self.context is not None else ():
            if not page.is_closed():
                with contextlib.suppress(PlaywrightError):  # a page mid-navigation
                    csp_reported(page)

    def problems(self) -> list[str]:
        self.settle()
        found = [
            f"request outside {self.base_url}: {url}"
            for url in off_origin(self.requests, self.base_url, *self.allowed_origins)
        ]
        found += [f"Content-Security-Policy violation: {v}" for v in self.csp_violations]
        found += [f"uncaught script error: {e}" for e in self.page_errors]
        found += [
            f"console error: {message}"
            for message in self.console_errors
            if not any(p.search(message) for p in self.allowed_console_errors)
        ]
        return found

    def forget(self) -> None:
        """Start afresh (after a test has asserted on what was recorded so far)."""
        self.requests.clear()
        self.console_errors.clear()
        self.page_errors.clear()
        self.csp_violations.clear()

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, "the browser reported:\n  " + "\n  ".join(problems)


def watch_context(context: BrowserContext, base_url: str) -> ContextWatch:
    """Record the requests, console errors, script errors and CSP violations of ``context``
    (all its pages, also those opened later). Call before the first page is opened."""
    watch = ContextWatch(base_url, context)

    def on_request(request: Request) -> None:
        watch.requests.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location
            watch.console_errors.append(f"{message.text} ({location.get('url', '')})")

    def on_web_error(error: WebError) -> None:
        watch.page_errors.append(str(error.error))

    _WATCHES[context] = watch
    context.on("request", on_request)
    context.on("console", on_console)
    context.on("weberror", on_web_error)

    def on_csp_violation(description: str) -> None:
        watch.csp_violations.append(description)

    context.expose_function("__dukCspViolation", on_csp_violation)
    context.add_init_script(script=_CSP_LISTENER)
    return watch


def watch_of(page: Page) -> ContextWatch:
    """What the page's browser context has recorded so far."""
    return _WATCHES[page.context]


_WATCHES: weakref.WeakKeyDictionary[BrowserContext, ContextWatch] = weakref.WeakKeyDictionary()


def new_tablet(
    browser: Browser,
    base_url: str,
    orientation: Orientation,
    *,
    storage_state: StorageState | None = None,
    locale: str = "nb-NO",
) -> tuple[BrowserContext, ContextWatch]:
    """A fresh tablet (its own cookies and storage) whose every request is watched;
    ``storage_state`` (from ``signed_in_state``) puts an earlier session on it; ``locale`` is
    the language its browser asks for (``Accept-Language``)."""
    context = browser.new_context(
        **tablet_context_options(orientation, base_url, locale=locale), storage_state=storage_state
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context, watch_context(context, base_url)


def off_origin(urls: list[str], base_url: str, *also_allowed: str) -> list[str]:
    origins = {_origin(url) for url in (base_url, *also_allowed)}
    # data: and blob: URLs never leave the tablet.
    return [u for u in urls if not u.startswith(("data:", "blob:")) and _origin(u) not in origins]


def assert_same_origin(requests: list[str], base_url: str) -> None:
    """Every request went to the app itself: no CDN, no fonts, no analytics (DESIGN §9)."""
    foreign = off_origin(requests, base_url)
    assert not foreign, f"requests outside {_origin(base_url)}:\n  " + "\n  ".join(foreign)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


# --- driving the tablet ------------------------------------------------------------------------


def sign_in(page: Page, username: str, password: str) -> None:
    """Sign in through the real login form, as a person would, and land on the next page."""
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.locator("form[action='/login'] button[type=submit]").tap()
    error = page.locator("#login-error")
    assert not error.is_visible(), f"sign-in as {username} failed: {error.inner_text()}"
    assert urlsplit(page.url).path != "/login", f"sign-in as {username} stayed on {page.url}"


def signed_in_state(
    browser: Browser, base_url: str, person: Person, *, lang: str = "nb"
) -> StorageState:
    """Sign in once through the form (and pick the interface language with the header's
    form) and keep the cookies, for tablets that should start that way: a real sign-in costs
    a second of password hashing. Tests that sign out must sign in themselves: signing out
    ends the session for every tablet that shares it."""
    context, watch = new_tablet(browser, base_url, "portrait")
    try:
        page = context.new_page()
        sign_in(page, person.username, person.password)
        if page_lang(page) != lang:
            choose_language(page, lang)
        watch.assert_clean()
        return context.storage_state()
    finally:
        context.close()


def tap_and_wait(page: Page, target: Locator) -> None:
    """Tap a link or a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        target.tap()


def send_for_answer(page: Page, target: Locator) -> Response:
    """Tap a form's submit button whose answer is a page, not a redirect (a refused form with
    its field messages, a statement to read before the next step): the page's script sends the
    form with fetch and draws the answer in place, with no navigation (static/app.js). Returns
    the server's answer; what it drew is waited for by the checks that follow."""
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.request.resource_type == "fetch"
    ) as sent:
        target.tap()
    return sent.value


def expect_message(page: Page, text: str) -> None:
    """The confirmation a page shows after a form was saved (a ``role="status"`` message)."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def choose_language(page: Page, lang: str) -> None:
    """Switch the interface language with the language form in the page header."""
    page.locator("#language-select").select_option(lang)
    with page.expect_navigation():
        page.locator("form.language-form button[type=submit]").tap()
    assert page.locator("html").get_attribute("lang") == lang


def page_lang(page: Page) -> str | None:
    return page.locator("html").get_attribute("lang")


def tab_to(page: Page, selector: str, *, max_presses: int = 40) -> list[str]:
    """Press Tab until the element matching ``selector`` has the focus, as a keyboard user
    would; returns a description of each stop on the way. Fails if it is never reached or a
    stop on the way is invisible (focus must always be visible)."""
    stops: list[str] = []
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(_DESCRIBE_FOCUS)
        stops.append(focused["label"])
        assert focused["visible"], f"keyboard focus went to something invisible: {stops}"
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return stops
    raise AssertionError(f"Tab never reached {selector}; stops: {stops}")


_DESCRIBE_FOCUS: Final = """() => {
  const el = document.activeElement;
  const r = el.getBoundingClientRect();
  const label = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " "
    + (el.getAttribute("aria-label") || el.innerText || el.value || "").trim().slice(0, 40);
  const visible = el !== document.body && r.width > 1 && r.height > 1
    && r.right > 0 && r.bottom > 0 && r.left < window.innerWidth && el.checkVisibility();
  return {label, visible};
}"""


def orientation_of(page: Page) -> Orientation:
    size = page.viewport_size
    assert size is not None, "the page has no fixed viewport"
    return "portrait" if size["width"] < size["height"] else "landscape"


def screenshot(page: Page, name: str, *, scale: Literal["css", "device"] = "css") -> None:
    """With DUK_SCREENSHOTS=1: the whole page as a PNG in tests/.artifacts/screenshots/
    <name>-<orientation>.png (ignored by git), for people to look at. One pixel per CSS px
    unless ``scale="device"`` (the tablet's 2×, sharper and three times slower)."""
    if not TAKE_SCREENSHOTS:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{orientation_of(page)}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled", scale=scale)


@contextlib.contextmanager
def two_tablets(
    browser: Browser,
    base_url: str,
    username: str,
    password: str,
    *,
    orientation: Orientation = "portrait",
) -> Iterator[tuple[Page, Page]]:
    """Two tablets (separate browser contexts: separate cookies and local storage) signed in
    as the same user, e.g. for two devices editing one canvas. Their requests, console and
    CSP are checked when the block ends (a test that provokes a conflict answers for the
    browser's log of it with ``watch_of(page).allow_console_error(r"status of 412")``)."""
    contexts: list[tuple[BrowserContext, ContextWatch]] = []
    try:
        pages: list[Page] = []
        for _ in range(2):
            context, watch = new_tablet(browser, base_url, orientation)
            contexts.append((context, watch))
            page = context.new_page()
            sign_in(page, username, password)
            pages.append(page)
        yield pages[0], pages[1]
        for _, watch in contexts:
            watch.assert_clean()
    finally:
        for context, _ in contexts:
            context.close()


@contextlib.contextmanager
def offline(context: BrowserContext) -> Iterator[None]:
    """The tablet loses its network for the block (the server keeps running)."""
    go_offline(context)
    try:
        yield
    finally:
        go_online(context)


def go_offline(context: BrowserContext) -> None:
    """Cut the tablet's network. Requests that fail for want of it are logged by Chromium as
    console errors; those are expected now and not held against the test."""
    watch = _WATCHES.get(context)
    if watch is not None:
        watch.allow_console_error(r"net::ERR_INTERNET_DISCONNECTED")
    context.set_offline(True)


def go_online(context: BrowserContext) -> None:
    context.set_offline(False)


def save_state(page: Page, field: str) -> Locator:
    """The autosave mark of one canvas field (``data-save-state-for``, e.g. "centre.what_matters"
    or "domains.bolig.situation"); its ``data-state`` is saved, saving, unsaved, offline,
    conflict or error (static/app.js)."""
    return page.locator(f'[data-save-state-for="{field}"]')


def expect_save_state(page: Page, field: str, state: str) -> None:
    expect(save_state(page, field)).to_have_attribute("data-state", state)


def drafts(page: Page) -> dict[str, Any]:
    """Unsaved text the page keeps in the tab (sessionStorage "duk:draft:<canvas>:<field>")."""
    found: dict[str, Any] = page.evaluate(
        """() => Object.fromEntries(Object.keys(sessionStorage)
             .filter((k) => k.startsWith("duk:draft:"))
             .map((k) => [k, JSON.parse(sessionStorage.getItem(k))]))"""
    )
    return found


# --- accessibility -----------------------------------------------------------------------------


def assert_no_axe_violations(page: Page) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation on the page as it is now.

    axe is evaluated through the automation protocol into the page under test, which the
    page's CSP does not govern; the page itself keeps its CSP (no ``bypass_csp``), so the CSP
    checks of the fixtures stay meaningful during axe runs."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8") + "\n;undefined")
    violations: list[dict[str, Any]] = page.evaluate(_AXE_RUN, list(AXE_TAGS))
    if violations:
        lines = [f"axe found {len(violations)} violation(s) on {page.url}:"]
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}  [{v['helpUrl']}]")
            lines += [f"    {target}: {summary}" for target, summary in v["nodes"]]
        raise AssertionError("\n".join(lines))


_AXE_RUN: Final = """async (tags) => {
  // Only the violations are read: axe then keeps no more than one node of every other kind
  // of result, which spares it most of its work on a long page.
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => [
      n.target.join(" "),
      (n.failureSummary || "").replace(/\\s+/g, " ").slice(0, 300),
    ]),
  }));
}"""


def assert_touch_targets(page: Page, minimum: int = TOUCH_TARGET_PX) -> None:
    """Every visible interactive element is at least ``minimum``×``minimum`` CSS px (WCAG
    2.5.5). A radio button or checkbox counts by its label, which is what a finger taps.
    Exempt, as WCAG's inline exception allows: a link inside the running text of a paragraph
    or list item, with other text around it."""
    small: list[dict[str, Any]] = page.evaluate(_TOUCH_TARGETS, minimum)
    checked = page.evaluate(_COUNT_TARGETS)
    assert checked > 0, f"no interactive element found on {page.url}"
    if small:
        lines = [f"{len(small)} touch target(s) smaller than {minimum}×{minimum} px on {page.url}:"]
        lines += [f"- {s['what']}: {s['width']}×{s['height']}" for s in small]
        raise AssertionError("\n".join(lines))


_TARGETS_JS: Final = """
const SELECTOR = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
  + '[role=button], label';
function isChoice(el) {
  return el.matches("input[type=radio], input[type=checkbox]");
}
function visible(el) {
  if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return false;
  const r = el.getBoundingClientRect();
  if (r.width <= 1 || r.height <= 1) return false;          // visually hidden
  const right = r.right + window.scrollX, bottom = r.bottom + window.scrollY;
  return right > 0 && bottom > 0;                            // parked off-screen (skip link)
}
function ownText(container, link) {
  // Text of the container that is not inside the link or any other control.
  const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
  let text = "";
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const holder = node.parentElement.closest("a, button, select, textarea, label");
    if (!link.contains(node) && (!holder || !container.contains(holder))) text += node.data;
  }
  return text.trim();
}
function inlineLink(el) {
  if (el.tagName !== "A") return false;
  const container = el.parentElement && el.parentElement.closest("p, li");
  return Boolean(container) && ownText(container, el) !== "";
}
function targets() {
  const found = [];
  for (const el of document.querySelectorAll(SELECTOR)) {
    if (el.tagName === "LABEL") {
      const control = el.control;
      if (!control || !isChoice(control)) continue;       // other labels are text, not targets
    } else if (isChoice(el) && el.labels && el.labels.length) {
      continue;                                            // counted by its label
    }
    if (!visible(el) || inlineLink(el)) continue;
    found.push(el);
  }
  return found;
}
function describe(el) {
  let what = el.tagName.toLowerCase();
  if (el.id) what += "#" + el.id;
  if (el.classList.length) what += "." + Array.from(el.classList).join(".");
  const name = (el.getAttribute("aria-label") || el.innerText || el.value
    || el.getAttribute("name") || "").trim().replace(/\\s+/g, " ").slice(0, 50);
  return name ? what + ' "' + name + '"' : what;
}
"""

_TOUCH_TARGETS: Final = (
    "(minimum) => {"
    + _TARGETS_JS
    + """
  return targets().map((el) => ({el, r: el.getBoundingClientRect()}))
    .filter(({r}) => r.width < minimum - 0.01 || r.height < minimum - 0.01)
    .map(({el, r}) => ({what: describe(el), width: Math.round(r.width * 10) / 10,
                        height: Math.round(r.height * 10) / 10}));
}"""
)

_COUNT_TARGETS: Final = "() => {" + _TARGETS_JS + "return targets().length; }"


def check_tablet_page(page: Page, name: str) -> None:
    """The page as it is now, on the tablet held both ways: touch targets (and a screenshot,
    with DUK_SCREENSHOTS=1) in each orientation; axe-core and 200% zoom in the orientation it
    came in (portrait for the zoom: that is where a wide layout breaks). Turning the tablet is
    a change of viewport, as on a real one. The page is left in the orientation it came in."""
    start = orientation_of(page)
    assert_no_axe_violations(page)
    for orientation in (start, "landscape" if start == "portrait" else "portrait"):
        page.set_viewport_size(VIEWPORTS[orientation])
        assert_touch_targets(page)
        if orientation == "portrait":
            assert_no_horizontal_scroll(page)
        screenshot(page, name)
    page.set_viewport_size(VIEWPORTS[start])


def assert_no_horizontal_scroll(page: Page) -> None:
    """At 200% zoom on a portrait tablet (a layout viewport of 410×590 CSS px) the page fits
    its width: nothing to scroll sideways (WCAG 1.4.10 reflow). The page's own viewport is
    restored afterwards."""
    before = page.viewport_size
    page.set_viewport_size(ZOOMED_200)
    try:
        measured: dict[str, Any] = page.evaluate(_OVERFLOW)
    finally:
        if before is not None:
            page.set_viewport_size(before)
    assert measured["innerWidth"] == ZOOMED_200["width"], measured
    assert measured["scrollWidth"] <= measured["clientWidth"], (
        f"{page.url} scrolls sideways at 200% zoom: {measured['scrollWidth']} px of content in "
        f"{measured['clientWidth']} px; too wide:\n  " + "\n  ".join(measured["wide"])
    )


_OVERFLOW: Final = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const beyond = (el) => el.getBoundingClientRect().right > width + 0.5;
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    // The outermost elements that reach past the right edge.
    if (beyond(el) && el.checkVisibility() && !(el.parentElement && beyond(el.parentElement))) {
      wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (el.classList.length ? "." + Array.from(el.classList).join(".") : "")
        + " reaches " + Math.round(el.getBoundingClientRect().right) + " px");
      if (wide.length >= 12) break;
    }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: width, innerWidth: window.innerWidth, wide};
}"""
