"""The pages' sign-in through the real app: `?token=` becomes a cookie, errors are HTML."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from api_app import App, serving

from parley.config import Settings
from parley.insights.scoped_tokens import ScopedGrant

PAGE = "/app"


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    async with serving(
        settings.model_copy(update={"embed_origins": "'self', https://crm.example.com"})
    ) as served:
        yield served


async def _token(app: App, user: str = "u-1") -> str:
    key = await app.new_key()
    tenant = await app.runtime.api_keys.authenticate(key)
    grant = ScopedGrant(str(tenant.id), "acct-1", user, "map-1")
    token, _ = app.runtime.scoped_tokens.mint(grant, 600)
    return token


def _cookie_header(response: httpx.Response) -> str:
    (cookie,) = response.headers.get_list("set-cookie")
    return cookie


async def test_a_token_in_the_url_becomes_a_cookie_and_leaves_the_url(app: App) -> None:
    token = await _token(app)

    response = await app.client.get(PAGE, params={"token": token, "integrated_account_id": "a"})

    assert response.status_code == 303
    assert response.headers["location"] == "/app?integrated_account_id=a"
    cookie = _cookie_header(response)
    assert cookie.startswith(f"parley_session={token};")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "path=/app", "samesite=lax"} <= flags
    # The cookie is enough from now on (sent by hand: httpx keeps a Secure one for https).
    followed = await app.client.get(
        response.headers["location"], headers={"Cookie": f"parley_session={token}"}
    )
    assert followed.status_code == 303
    assert followed.headers["location"] == "/app/dashboard?integrated_account_id=a"


async def test_on_http_localhost_the_cookie_is_not_secure(app: App) -> None:
    token = await _token(app)

    response = await app.client.get(f"http://localhost{PAGE}", params={"token": token})

    assert response.status_code == 303
    assert response.headers["location"] == "/app"
    assert "secure" not in _cookie_header(response).lower()


async def test_samesite_none_for_embedding_forces_secure(settings: Settings) -> None:
    async with serving(settings.model_copy(update={"page_cookie_samesite": "none"})) as app:
        token = await _token(app)
        response = await app.client.get(f"http://127.0.0.1{PAGE}", params={"token": token})

    flags = {part.strip().lower() for part in _cookie_header(response).split(";")[1:]}
    assert {"samesite=none", "secure"} <= flags


@pytest.mark.parametrize("bad", ["pst_forged.token", "not-a-token"])
async def test_a_bad_token_is_the_401_page_and_sets_nothing(app: App, bad: str) -> None:
    response = await app.client.get(PAGE, params={"token": bad})

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert "Please sign in" in response.text
    assert '"error"' not in response.text
    assert "set-cookie" not in response.headers


async def test_an_api_key_is_never_taken_from_the_url(app: App) -> None:
    key = await app.new_key()

    response = await app.client.get(PAGE, params={"token": key})

    assert response.status_code == 401
    assert "set-cookie" not in response.headers


async def test_no_credential_is_the_401_page_and_a_stale_cookie_is_dropped(app: App) -> None:
    bare = await app.client.get(PAGE)
    stale = await app.client.get(PAGE, headers={"Cookie": "parley_session=pst_expired.x"})

    assert (bare.status_code, stale.status_code) == (401, 401)
    assert "set-cookie" not in bare.headers
    assert _cookie_header(stale).startswith('parley_session="";')


async def test_every_page_answer_carries_the_csp_of_embed_origins(app: App) -> None:
    for response in (await app.client.get(PAGE), await app.client.get("/app/login")):
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'self' https://crm.example.com" in csp
        assert "script-src 'self'" in csp
    # The API's own answers are not pages.
    assert "content-security-policy" not in (await app.client.get("/health")).headers


async def test_page_errors_are_html_and_the_api_keeps_its_envelope(app: App) -> None:
    page = await app.client.get("/app/no-such-page")
    api = await app.client.get("/integrated-accounts")

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert api.status_code == 401
    assert api.json()["error"]["code"] == "missing_api_key"


async def test_the_developer_signs_in_with_the_key_in_the_body(app: App) -> None:
    key = await app.new_key()

    refused = await app.client.post("/app/login", data={"api_key": "pk_wrong"})
    signed_in = await app.client.post(
        "/app/login", data={"api_key": key, "next": "/app/meetings/m1?t=3"}
    )
    off_site = await app.client.post("/app/login", data={"api_key": key, "next": "//evil.test"})

    assert refused.status_code == 401
    assert "set-cookie" not in refused.headers
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/app/meetings/m1?t=3"
    assert _cookie_header(signed_in).startswith(f"parley_session={key};")
    assert off_site.headers["location"] == "/app/dashboard"


async def test_a_bearer_api_key_opens_the_pages_as_the_developer(app: App) -> None:
    key = await app.new_key()

    response = await app.get(PAGE, key)

    assert response.status_code == 303
    assert response.headers["location"] == "/app/dashboard"
