"""Link tokens over real HTTP: unknown, used and expired look exactly the same (404)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from e2e_stack import Stack, call, run_async
from sqlalchemy import update

from parley.security import hash_secret
from parley.storage import Database, LinkToken, utcnow


def _accounts(stack: Stack) -> list[Any]:
    with stack.client() as client:
        result: list[Any] = client.get("/integrated-accounts").json()["result"]
    return result


def _new_link(stack: Stack) -> str:
    with stack.client() as client:
        response = client.post("/link-tokens", json={"integration": "chorus"})
    assert response.status_code == 201, response.text
    url: str = response.json()["link_url"]
    return url


async def _expire(stack: Stack, token: str) -> None:
    async with Database(stack.api.settings.database_url) as database, database.session() as s:
        await s.execute(
            update(LinkToken)
            .where(LinkToken.token_hash == hash_secret(token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


def _unusable_links(stack: Stack) -> dict[str, str]:
    used = _new_link(stack)
    form = {"api_token": stack.sandbox.token, "base_url": stack.sandbox.url}
    assert call("POST", used, data=form).status_code == 200
    expired = _new_link(stack)
    run_async(_expire(stack, expired.rsplit("/", 1)[1]))
    unknown = used.rsplit("/", 1)[0] + "/plt_" + "A" * 43
    return {"unknown": unknown, "used": used, "expired": expired}


def test_unknown_used_and_expired_link_tokens_look_the_same(stack: Stack) -> None:
    links = _unusable_links(stack)
    linked = len(_accounts(stack))
    form = {"api_token": stack.sandbox.token, "base_url": stack.sandbox.url}

    for method, data in (("GET", None), ("POST", form)):
        answers = {
            case: call(method, url, data=data, follow_redirects=False)
            for case, url in links.items()
        }
        assert {a.status_code for a in answers.values()} == {404}, method
        assert len({a.text for a in answers.values()}) == 1, method
        assert {a.headers["content-type"] for a in answers.values()} == {"text/html; charset=utf-8"}
        assert "not valid" in answers["used"].text
    # None of the refused submissions linked anything.
    assert len(_accounts(stack)) == linked


def test_link_tokens_carry_at_least_128_random_bits(stack: Stack) -> None:
    tokens = {_new_link(stack).rsplit("/", 1)[1] for _ in range(3)}

    assert len(tokens) == 3
    for token in tokens:
        assert re.fullmatch(r"plt_[A-Za-z0-9_-]{43}", token)  # 43 base64 chars: 256 bits
