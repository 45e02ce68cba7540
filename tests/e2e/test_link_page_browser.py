"""The link page in a real browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from browser_support import BROWSER_MARKS
from e2e_stack import Stack, call

pytestmark = BROWSER_MARKS
UNIFIED = "/unified/conversational-intelligence"


def link_token(stack: Stack, redirect_uri: str | None = None) -> dict[str, Any]:
    with stack.client() as client:
        response = client.post(
            "/link-tokens", json={"integration": "chorus", "redirect_uri": redirect_uri}
        )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_customer_links_chorus_in_the_browser_then_meetings_are_readable(
    stack: Stack, browser: Any
) -> None:
    link = link_token(stack, redirect_uri="https://app.example/done?from=parley")
    page = browser.new_page()
    landed: list[str] = []
    # The redirect target is the developer's app: record it instead of leaving the machine.
    page.route(
        "https://app.example/**",
        lambda route: (landed.append(route.request.url), route.fulfill(body="ok")),
    )
    page.goto(link["link_url"])
    assert "Connect your Chorus account" in page.content()
    page.fill("#api_token", stack.sandbox.token)
    page.click("summary")
    page.fill("#base_url", stack.sandbox.url)
    page.click("#connect")
    page.wait_for_url("https://app.example/**")
    page.close()
    query = parse_qs(urlsplit(landed[0]).query)
    assert query["from"] == ["parley"]
    account_id = query["integrated_account_id"][0]
    with stack.client() as client:
        body = client.get(
            f"{UNIFIED}/meetings", params={"integrated_account_id": account_id, "limit": 7}
        ).json()
    assert body["result_count"] == 7


def test_wrong_token_shows_a_clear_error_and_the_link_stays_usable(
    stack: Stack, browser: Any
) -> None:
    link = link_token(stack)
    page = browser.new_page()
    page.goto(link["link_url"])
    page.fill("#api_token", "definitely-not-a-token")
    page.click("summary")
    page.fill("#base_url", stack.sandbox.url)
    page.click("#connect")
    error = page.text_content("#link-error") or ""
    assert "Chorus" in error
    assert "definitely-not-a-token" not in page.content()
    page.fill("#api_token", stack.sandbox.token)
    page.fill("#base_url", stack.sandbox.url)
    page.click("#connect")
    page.wait_for_selector("#linked")
    assert page.text_content("#account-id")
    page.screenshot(path=str(stack.api.settings.key_file.parent / "linked.png"))
    page.close()


def test_used_link_cannot_be_replayed(stack: Stack) -> None:
    link = link_token(stack)
    form = {"api_token": stack.sandbox.token, "base_url": stack.sandbox.url}
    first = call("POST", link["link_url"], data=form)
    again = call("POST", link["link_url"], data=form)
    assert first.status_code == 200
    assert again.status_code == 404
