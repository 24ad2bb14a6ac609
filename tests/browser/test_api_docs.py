"""The API's documentation page (issue 10 #9): the vendored Swagger UI shows the operations of
the OpenAPI document, under the app's own Content-Security-Policy, asking no other origin."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_same_origin, csp_reported, watch_of


def test_the_api_docs_list_the_operations_with_nothing_from_outside(
    portrait_page: Page, base_url: str
) -> None:
    response = portrait_page.goto("/api/docs")

    assert response is not None
    assert response.status == 200
    # Swagger UI draws each operation from /openapi.json: the page works, not just loads.
    expect(portrait_page.get_by_text("/api/v1/tokens").first).to_be_visible()
    expect(portrait_page.get_by_text("/api/v1/canvases/{canvas_id}").first).to_be_visible()
    csp_reported(portrait_page)
    watch = watch_of(portrait_page)
    assert_same_origin(watch.requests, base_url)
    assert watch.csp_violations == []
