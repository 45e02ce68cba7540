"""Admin mutations (`/_sandbox`) are visible through the Chorus routes."""

from __future__ import annotations

from typing import Any

import httpx

from parley.sandbox import SandboxServer


def _rows(http: httpx.Client, **params: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = http.get("/v3/engagements", params=params).json()["engagements"]
    return rows


def _done(http: httpx.Client) -> dict[str, Any]:
    return next(r for r in _rows(http) if r["processing_state"] == "done" and not r["no_show"])


def test_patch_changes_rows_and_bumps_modified_at(
    admin: httpx.Client, fresh_client: httpx.Client
) -> None:
    row = _done(fresh_client)
    url = f"/api/v1/conversations/{row['engagement_id']}"
    before = fresh_client.get(url).json()["data"]["attributes"]

    patched = admin.patch(
        f"/_sandbox/meetings/{row['engagement_id']}",
        json={
            "subject": "Renamed call",
            "summary": "A new summary.",
            "action_items": ["Call back"],
        },
    )

    after = fresh_client.get(url).json()["data"]["attributes"]
    listed = _rows(fresh_client, engagement_id=row["engagement_id"])[0]
    assert patched.status_code == 200
    assert listed["subject"] == after["name"] == "Renamed call"
    assert (after["summary"], after["action_items"]) == ("A new summary.", ["Call back"])
    assert after["_modified_at"] > before["_modified_at"]
    assert after["recording"]["utterances"] == before["recording"]["utterances"]


def test_finishing_a_processing_call_produces_its_transcript(
    admin: httpx.Client, fresh_client: httpx.Client
) -> None:
    row = _done(fresh_client)
    meeting = f"/_sandbox/meetings/{row['engagement_id']}"
    url = f"/api/v1/conversations/{row['engagement_id']}"

    admin.patch(meeting, json={"status": "processing"}).raise_for_status()
    processing = fresh_client.get(url).json()["data"]["attributes"]
    admin.patch(meeting, json={"status": "done"}).raise_for_status()
    done = fresh_client.get(url).json()["data"]["attributes"]

    assert processing["status"] == "processing"
    assert processing["recording"]["utterances"] == []
    assert processing["summary"] is None
    assert done["status"] == "done"
    assert done["recording"]["utterances"]
    assert _rows(fresh_client, engagement_id=row["engagement_id"])[0] == row


def test_deleted_meeting_disappears(admin: httpx.Client, fresh_client: httpx.Client) -> None:
    row = _done(fresh_client)

    deleted = admin.delete(f"/_sandbox/meetings/{row['engagement_id']}")

    assert deleted.status_code == 204
    assert fresh_client.get(f"/api/v1/conversations/{row['engagement_id']}").status_code == 404
    assert row["engagement_id"] not in {r["engagement_id"] for r in _rows(fresh_client)}
    assert _rows(fresh_client, engagement_id=row["engagement_id"]) == []
    assert admin.delete(f"/_sandbox/meetings/{row['engagement_id']}").status_code == 404


def test_added_meetings_are_the_newest(admin: httpx.Client, fresh_client: httpx.Client) -> None:
    newest_before = _rows(fresh_client)[0]

    created = admin.post("/_sandbox/meetings", json={"count": 3})

    ids = created.json()["engagement_ids"]
    rows = _rows(fresh_client)
    assert created.status_code == 201
    assert [r["engagement_id"] for r in rows[:3]] == list(reversed(ids))
    assert rows[3] == newest_before
    assert len(rows) == 63
    detail = fresh_client.get(f"/api/v1/conversations/{ids[0]}").json()["data"]["attributes"]
    assert detail["status"] == "done"
    assert detail["recording"]["utterances"]


def test_stats_count_requests_per_token_and_path(
    fresh: SandboxServer, admin: httpx.Client, fresh_client: httpx.Client
) -> None:
    fresh.reset_stats()
    fresh_client.get("/api/v1/teams")
    fresh_client.get("/api/v1/teams")
    admin.get("/api/v1/teams")

    stats = admin.get("/_sandbox/stats").json()

    assert stats["total_requests"] == 3
    assert stats["unauthorized"] == 1
    assert stats["tokens"][fresh.token]["paths"] == {"/api/v1/teams": 2}
    reset = admin.post("/_sandbox/stats/reset").json()
    assert reset["total_requests"] == 0
    assert reset["tokens"] == {}


def test_bad_admin_requests_are_rejected(admin: httpx.Client) -> None:
    unknown = "/_sandbox/meetings/" + "0" * 32

    assert admin.patch(unknown, json={"subject": "x"}).status_code == 404
    assert admin.patch(unknown, json={"colour": "x"}).status_code == 400
    assert admin.post("/_sandbox/meetings", json={"count": 0}).status_code == 400
    assert admin.post("/_sandbox/tokens", json={"token": "t", "user_id": 1}).status_code == 400
    assert admin.post("/_sandbox/tokens", content=b"[1]").status_code == 400
