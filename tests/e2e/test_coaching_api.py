"""The coaching library over HTTP after a real sync: playlists curated by a coach, comments
written with scoped tokens, each user's scope hiding what they may not see, the signed
`coaching.comment_created` delivery, and bad input refused with nothing stored.

Who sees which meeting comes from the sandbox's own truth (`test_scoping_api.Truth`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from e2e_stack import BACKENDS, Stack, synced_stack
from standardwebhooks.webhooks import Webhook
from test_scoping_api import _map, _people, _token, _truth
from test_webhooks_e2e import _Receiver, _wait

from parley.sandbox.config import SandboxConfig

PLAYLISTS = "/coaching/playlists"
COMMENTS = "/coaching/comments"
STORE = "/unified/conversational-intelligence/meetings"


@dataclass
class Coached:
    """A synced stack; `coach` (an admin-role app user), `ann` and `bea` (members) mapped,
    each with a scoped token, and meetings chosen by who sees them."""

    stack: Stack
    account: str
    tokens: dict[str, str]
    #: Seen by ann, not by bea.
    ann_only: str
    #: Seen by neither ann nor bea (the coach sees every meeting).
    hidden: str
    #: Seen by ann (another than `ann_only` when there is one).
    ann_other: str
    duration: float


@pytest.fixture(scope="module", params=BACKENDS)
def coached(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: Any,
) -> Iterator[Coached]:
    tmp = tmp_path_factory.mktemp("coaching-stack")
    config = SandboxConfig(seed=5, meetings=40)
    with synced_stack(request.param, tmp, postgres_server, config) as (stack, account):
        truth = _truth(stack)
        rep, _, admin = _people(truth)
        ann = truth.visible(rep, "member")
        others = [str(u["id"]) for u in truth.users if u["role"] == "rep" and str(u["id"]) != rep]
        bea_id = max(others, key=lambda u: len(ann - truth.visible(u, "member")))
        bea = truth.visible(bea_id, "member")
        done = {m["engagement_id"] for m in truth.meetings if m["processing_state"] == "done"}
        everything = {m["engagement_id"] for m in truth.meetings}
        ann_only = sorted((ann - bea) & done)[0]
        hidden = sorted(everything - ann - bea)[0]
        ann_other = sorted(ann - {ann_only})[0] if len(ann) > 1 else ann_only
        with stack.client() as client:
            for app_user, user, role in (
                ("coach", admin, "admin"),
                ("ann", rep, "member"),
                ("bea", bea_id, "member"),
            ):
                _map(client, account, app_user, {"provider_user_id": user, "role": role})
            tokens = {name: _token(client, account, name) for name in ("coach", "ann", "bea")}
            got = client.get(
                f"{STORE}/{ann_only}", params={"integrated_account_id": account, "source": "store"}
            )
            assert got.status_code == 200, got.text
            duration = got.json()["duration"]
        assert duration
        yield Coached(stack, account, tokens, ann_only, hidden, ann_other, float(duration))


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    server = _Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["status"] == status
    assert error["request_id"] == response.headers["x-request-id"]
    return error


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_coach_curates_a_playlist_that_each_member_sees_through_their_scope(
    coached: Coached,
) -> None:
    c = coached
    with c.stack.client(c.tokens["coach"]) as coach:
        playlist = _created(
            coach.post(
                PLAYLISTS,
                json={
                    "integrated_account_id": c.account,
                    "name": "Discovery done right",
                    "description": "Listen for the open questions.",
                },
            )
        )
        assert playlist["owner_app_user_id"] == "coach"
        assert (playlist["items"], playlist["item_count"]) == ([], 0)
        items = f"{PLAYLISTS}/{playlist['id']}/items"
        clip = _created(
            coach.post(
                items,
                json={"meeting_id": c.ann_only, "start_time": 12.5, "end_time": 40, "note": "Ask"},
            )
        )
        whole = _created(coach.post(items, json={"meeting_id": c.hidden}))
        moved = coach.patch(f"{items}/{whole['id']}", json={"position": 0})
        assert moved.status_code == 200, moved.text
        got = coach.get(f"{PLAYLISTS}/{playlist['id']}").json()

    assert (clip["start_time"], clip["end_time"], clip["note"]) == (12.5, 40.0, "Ask")
    assert (whole["start_time"], whole["end_time"]) == (None, None)
    assert clip["playback_url"] == (
        f"{c.stack.url}/app/meetings/{c.ann_only}?integrated_account_id={c.account}&t=12.5"
    )
    assert [(i["id"], i["position"]) for i in got["items"]] == [(whole["id"], 0), (clip["id"], 1)]
    with c.stack.client(c.tokens["ann"]) as ann:
        seen = ann.get(f"{PLAYLISTS}/{playlist['id']}").json()
        listed = ann.get(PLAYLISTS).json()
        refused = ann.patch(f"{PLAYLISTS}/{playlist['id']}", json={"name": "Mine now"})
    assert [(i["id"], i["position"]) for i in seen["items"]] == [(clip["id"], 1)]
    mine = next(p for p in listed["result"] if p["id"] == playlist["id"])
    assert (mine["item_count"], mine["items"]) == (1, None)
    assert _error(refused, 403)["code"] == "forbidden"
    with c.stack.client(c.tokens["bea"]) as bea:
        assert bea.get(f"{PLAYLISTS}/{playlist['id']}").json()["items"] == []


def test_members_comment_with_their_tokens_and_others_cannot_see_them(
    coached: Coached, receiver: _Receiver
) -> None:
    c = coached
    with c.stack.client() as developer:
        webhook = _created(
            developer.post(
                "/webhooks", json={"url": receiver.url, "events": ["coaching.comment_created"]}
            )
        )
    with c.stack.client(c.tokens["ann"]) as ann:
        comment = _created(
            ann.post(
                COMMENTS,
                json={
                    "integrated_account_id": c.account,
                    "meeting_id": c.ann_only,
                    "start_time": 61.25,
                    "text": "Here I should have asked about budget.",
                },
            )
        )
        listed = ann.get(COMMENTS, params={"meeting_id": c.ann_only})
    assert comment["author_app_user_id"] == "ann"
    assert listed.status_code == 200, listed.text
    assert [x["id"] for x in listed.json()["result"]] == [comment["id"]]
    assert listed.json()["next_cursor"] is None

    _wait(lambda: len(receiver.received()) == 1)
    [(headers, body)] = receiver.received()
    payload = Webhook(webhook["secret"]).verify(body, headers)
    assert payload["type"] == "coaching.comment_created"
    assert payload["data"] == comment
    with c.stack.client() as developer:
        deliveries = developer.get(
            "/webhook-deliveries", params={"webhook_id": webhook["id"]}
        ).json()["result"]
        developer.delete(f"/webhooks/{webhook['id']}")
    assert [(d["event_type"], d["event_id"]) for d in deliveries] == [
        ("coaching.comment_created", headers["webhook-id"])
    ]

    with c.stack.client(c.tokens["bea"]) as bea:
        hidden_list = bea.get(COMMENTS, params={"meeting_id": c.ann_only})
        hidden_delete = bea.delete(f"{COMMENTS}/{comment['id']}")
        hidden_post = bea.post(
            COMMENTS,
            json={
                "integrated_account_id": c.account,
                "meeting_id": c.ann_only,
                "start_time": 1,
                "text": "Sneaky",
            },
        )
    assert _error(hidden_list, 404)["code"] == "meeting_not_found"
    assert _error(hidden_delete, 404)["code"] == "comment_not_found"
    assert _error(hidden_post, 404)["code"] == "meeting_not_found"
    with c.stack.client(c.tokens["coach"]) as coach:
        # The coach sees the meeting but did not write the comment.
        assert _error(coach.delete(f"{COMMENTS}/{comment['id']}"), 403)["code"] == "forbidden"
    with c.stack.client(c.tokens["ann"]) as ann:
        assert ann.delete(f"{COMMENTS}/{comment['id']}").status_code == 200
        assert ann.get(COMMENTS, params={"meeting_id": c.ann_only}).json()["result"] == []


def test_the_api_key_writes_as_the_developer_or_as_a_named_app_user(coached: Coached) -> None:
    c = coached
    body = {"integrated_account_id": c.account, "meeting_id": c.ann_other, "start_time": 3}
    with c.stack.client() as developer:
        own = _created(developer.post(COMMENTS, json={**body, "text": "From the admin"}))
        as_ann = _created(
            developer.post(COMMENTS, json={**body, "text": "For Ann", "app_user_id": "ann"})
        )
        as_header = _created(
            developer.post(COMMENTS, json={**body, "text": "Hi"}, headers={"Parley-As-User": "ann"})
        )
        as_bea = developer.post(
            COMMENTS, json={**body, "meeting_id": c.hidden, "text": "x", "app_user_id": "bea"}
        )
        mismatch = developer.post(
            COMMENTS,
            json={**body, "text": "x", "app_user_id": "bea"},
            headers={"Parley-As-User": "ann"},
        )
        no_account = developer.get(COMMENTS, params={"meeting_id": c.ann_other})
        for made in (own, as_ann, as_header):
            assert developer.delete(f"{COMMENTS}/{made['id']}").status_code == 200

    assert (own["author_app_user_id"], as_ann["author_app_user_id"]) == (None, "ann")
    assert as_header["author_app_user_id"] == "ann"
    assert _error(as_bea, 404)["code"] == "meeting_not_found"
    assert _error(mismatch, 400)["param"] == "app_user_id"
    assert _error(no_account, 400)["param"] == "integrated_account_id"


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        (COMMENTS, {"start_time": 1, "text": ""}, "text"),
        (COMMENTS, {"start_time": 1, "text": "x" * 4001}, "text"),
        (COMMENTS, {"start_time": -1, "text": "x"}, "start_time"),
        (COMMENTS, {"start_time": "soon", "text": "x"}, "start_time"),
        (COMMENTS, {"start_time": 1, "text": "x", "colour": "red"}, "colour"),
        (COMMENTS, {"text": "x"}, "start_time"),
        ("items", {"start_time": 20, "end_time": 20}, "end_time"),
        ("items", {"end_time": 20}, "end_time"),
        ("items", {"start_time": True}, "start_time"),
        ("items", {"position": 0}, "position"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(
    coached: Coached, path: str, body: dict[str, Any], param: str
) -> None:
    c = coached
    with c.stack.client(c.tokens["ann"]) as ann:
        playlist = _created(
            ann.post(PLAYLISTS, json={"integrated_account_id": c.account, "name": "Mine"})
        )
        if path == COMMENTS:
            target = COMMENTS
            payload = {"integrated_account_id": c.account, "meeting_id": c.ann_only, **body}
        else:
            target = f"{PLAYLISTS}/{playlist['id']}/items"
            payload = {"meeting_id": c.ann_only, **body}
        refused = ann.post(target, json=payload)
        comments = ann.get(COMMENTS, params={"meeting_id": c.ann_only}).json()["result"]
        items = ann.get(f"{PLAYLISTS}/{playlist['id']}").json()["items"]
        assert ann.delete(f"{PLAYLISTS}/{playlist['id']}").status_code == 200

    error = _error(refused, 400)
    assert error["param"] == param, error
    assert (comments, items) == ([], [])


def test_a_comment_past_the_end_of_the_meeting_is_refused(coached: Coached) -> None:
    c = coached
    body = {"integrated_account_id": c.account, "meeting_id": c.ann_only, "text": "Late"}
    with c.stack.client(c.tokens["ann"]) as ann:
        late = ann.post(COMMENTS, json={**body, "start_time": c.duration + 1})
        last = _created(ann.post(COMMENTS, json={**body, "start_time": c.duration}))
        assert ann.delete(f"{COMMENTS}/{last['id']}").status_code == 200
    assert _error(late, 400)["param"] == "start_time"


def test_a_scoped_token_writes_to_the_coaching_library_only(coached: Coached) -> None:
    c = coached
    with c.stack.client(c.tokens["ann"]) as ann:
        writes = [
            ann.post("/insights/keyword-rules", json={"name": "x", "phrases": ["budget"]}),
            ann.post("/webhooks", json={"url": "https://example.com/h", "events": ["*"]}),
            ann.put(
                "/user-mappings/ann",
                params={"integrated_account_id": c.account},
                json={"provider_user_id": "1", "role": "admin"},
            ),
            ann.put("/insights/risk-settings", json={}),
        ]
        allowed = ann.post(PLAYLISTS, json={"integrated_account_id": c.account, "name": "Ok"})
        other = ann.post(PLAYLISTS, json={"integrated_account_id": "elsewhere", "name": "No"})
    for response in writes:
        assert _error(response, 403)["code"] == "forbidden"
    assert _created(allowed)["owner_app_user_id"] == "ann"
    assert _error(other, 404)["code"] == "integrated_account_not_found"


def test_playlists_page_with_signed_cursors(coached: Coached) -> None:
    c = coached
    with c.stack.client(c.tokens["bea"]) as bea:
        made = [
            _created(
                bea.post(PLAYLISTS, json={"integrated_account_id": c.account, "name": f"P{n}"})
            )["id"]
            for n in range(3)
        ]
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 2, **({"next_cursor": cursor} if cursor else {})}
            page = bea.get(PLAYLISTS, params=params).json()
            assert page["result_count"] == len(page["result"]) <= 2
            seen += [p["id"] for p in page["result"]]
            if (cursor := page["next_cursor"]) is None:
                break
        unknown = bea.get(PLAYLISTS, params={"colour": "red"})
        for playlist_id in made:
            assert bea.delete(f"{PLAYLISTS}/{playlist_id}").status_code == 200
        gone = bea.get(f"{PLAYLISTS}/{made[0]}")

    assert seen[:3] == made[::-1]
    assert _error(unknown, 400)["param"] == "colour"
    assert _error(gone, 404)["code"] == "playlist_not_found"
