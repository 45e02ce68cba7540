"""Keyword rules over a really synced copy: the sync hook, backfills, ids and events."""

from __future__ import annotations

import httpx
from rules_harness import RulesHarness

from parley.insights.backfill_queue import InProcessBackfillQueue
from parley.insights.rules import RuleChange
from parley.insights.snippet_feed import FeedQuery
from parley.storage import StoredMeeting
from parley.storage.repositories.store_records import meeting_record
from parley.unified import TranscriptEntry


async def test_a_word_said_once_gives_one_snippet_at_its_entry_with_context(
    harness: RulesHarness,
) -> None:
    await harness.sync()
    word, meeting_id, index = await harness.word_said_once()
    rule = await harness.create_rule(name="Once", phrases=[word], context_seconds=10)
    assert rule.backfill.status == "queued"

    outcome = await harness.keywords.backfiller.run(rule.id, 1)

    scanned = len(await harness.stored_meetings())
    assert (outcome.status, outcome.meetings_scanned, outcome.snippets) == ("completed", scanned, 1)
    view = await harness.keywords.rules.get(harness.tenant_id, rule.id)
    assert view.backfill.status == "completed"
    assert (view.backfill.meetings_scanned, view.backfill.snippets) == (scanned, 1)
    [snippet] = await harness.snippets()
    meeting = await harness.reader.get_meeting(harness.account_id, meeting_id)
    entry = next(e for e in meeting.transcript or () if e.index == index)
    assert (snippet.meeting_id, snippet.entry_indexes) == (meeting_id, [index])
    assert snippet.text == entry.text
    assert "<mark>" in snippet.highlight
    assert snippet.start_time == max(0.0, round((entry.start_time or 0) - 10, 3))
    assert index in [c["index"] for c in snippet.context]
    assert len(snippet.context) >= 1
    # A backfill sends nothing unless the rule asks.
    assert await harness.matched_events() == []


async def test_the_sync_hook_keeps_ids_sends_once_and_follows_changes(
    harness: RulesHarness,
) -> None:
    await harness.sync()
    word, meeting_id, _ = await harness.word_said_once()
    await harness.create_rule(name="Once", phrases=[word])
    meetings = await harness.stored_meetings()

    assert await harness.store(meetings) == 1
    [first] = await harness.snippets()
    [event] = await harness.matched_events()
    assert event["id"] == first.id
    assert event["meeting_id"] == meeting_id
    assert event["rule_name"] == "Once"
    assert event["playback_url"].startswith("http://parley.test/unified/")

    # The same meetings again (an unchanged re-sync): same ids, no event; the same as the
    # store writer's records.
    assert await harness.store(meetings) == 0
    records = [meeting_record(m, has_details=True) for m in meetings]
    assert await harness.store(records) == 0
    assert [s.id for s in await harness.snippets()] == [first.id]
    assert len(await harness.matched_events()) == 1

    # A changed transcript: a new entry saying the word again, far earlier.
    meeting = next(m for m in meetings if m.id == meeting_id)
    said = TranscriptEntry(
        index=10_000,
        speaker_id=None,
        speaker_name="Someone",
        speaker_type="guest",
        text=f"Well, {word} again.",
        start_time=0.0,
        end_time=0.5,
    )
    changed = meeting.model_copy(update={"transcript": [said, *(meeting.transcript or [])]})
    assert await harness.store([changed]) == 1
    ids = {s.id for s in await harness.snippets()}
    assert first.id in ids
    assert len(ids) == 2
    assert len(await harness.matched_events()) == 2

    # A deleted meeting takes its snippets with it.
    await harness.store([], deleted=(meeting_id,))
    assert await harness.snippets() == []


async def test_through_the_real_sync_each_new_snippet_sends_one_event(
    harness: RulesHarness,
) -> None:
    rule = await harness.create_rule(name="Bugs", phrases=["bug", "doesn't work", "integrat*"])
    await harness.sync(hooked=True)

    snippets = await harness.snippets()
    assert len(snippets) > 0
    assert {e["id"] for e in await harness.matched_events()} == {s.id for s in snippets}
    assert all(s.rule_id == rule.id for s in snippets)

    # An unchanged re-sync creates or updates no meeting: nothing to recompute, nothing sent.
    before = len(await harness.meeting_events())
    await harness.sync(hooked=True)
    again = await harness.stored_meetings(list(set(await harness.meeting_events())))
    assert len(await harness.meeting_events()) == before
    assert await harness.store(again) == 0
    assert len(await harness.matched_events()) == len(snippets)


async def test_notify_backfill_sends_the_snippets_a_rescan_creates(
    harness: RulesHarness,
) -> None:
    await harness.sync()
    rule = await harness.create_rule(name="Bugs", phrases=["bug"], notify_backfill=True)
    outcome = await harness.keywords.backfiller.run(rule.id, 1)
    assert outcome.snippets > 0
    events = await harness.matched_events()
    assert sorted(e["id"] for e in events) == [s.id for s in await harness.snippets()]

    # A PATCH of the context re-scans: ids stay, nothing new is sent.
    patched = await harness.keywords.rules.update(
        harness.tenant_id, rule.id, RuleChange(context_seconds=5)
    )
    assert patched.backfill.status == "queued"
    again = await harness.keywords.backfiller.run(rule.id, 2)
    assert again.snippets == outcome.snippets
    assert len(await harness.matched_events()) == len(events)


async def test_disabling_removes_snippets_and_a_stale_backfill_stops(
    harness: RulesHarness,
) -> None:
    await harness.sync()
    rule = await harness.create_rule(name="Bugs", phrases=["bug"])
    await harness.keywords.backfiller.run(rule.id, 1)
    assert await harness.snippets()
    rules = harness.keywords.rules
    await rules.update(harness.tenant_id, rule.id, RuleChange(enabled=False))
    assert await harness.snippets() == []
    assert await harness.store(await harness.stored_meetings()) == 0

    enabled = await rules.update(harness.tenant_id, rule.id, RuleChange(enabled=True))
    assert enabled.backfill.status == "queued"
    stale = await harness.keywords.backfiller.run(rule.id, 1)
    assert stale.status == "superseded"
    done = await harness.keywords.backfiller.run(rule.id, 2)
    assert done.status == "completed"
    assert done.snippets > 0

    await rules.delete(harness.tenant_id, rule.id)
    assert await harness.snippets() == []

    # Disabled before its backfill ran: the backfill says why it will never finish.
    queued = await harness.create_rule(name="Later", phrases=["pricing"])
    off = await rules.update(harness.tenant_id, queued.id, RuleChange(enabled=False))
    assert off.backfill.status == "failed"
    assert off.backfill.error is not None
    assert off.backfill.error["code"] == "rule_disabled"
    assert (await harness.keywords.backfiller.run(queued.id, 1)).status == "superseded"


async def test_a_transcript_changed_at_the_provider_is_recomputed_through_a_real_sync(
    harness: RulesHarness,
) -> None:
    await harness.create_rule(name="Talk", phrases=["pricing", "integrat*", "bug"])
    await harness.sync()
    await harness.store(await harness.stored_meetings(await harness.meeting_events()))
    snippets = await harness.snippets()
    # The meeting with the latest snippet: halving it certainly loses that snippet.
    target = max(snippets, key=lambda s: (s.end_time, s.id)).meeting_id
    others = {s.id for s in snippets if s.meeting_id != target}
    before = {s.id for s in snippets if s.meeting_id == target}
    # A shorter call: the sandbox says a shorter (different) transcript for it.
    shorter = max(60.0, max(s.end_time for s in snippets if s.meeting_id == target) / 2)
    async with httpx.AsyncClient(base_url=harness.sandbox.url) as client:
        patched = await client.patch(f"/_sandbox/meetings/{target}", json={"duration": shorter})
        assert patched.status_code == 200, patched.text
    sent = {e["id"] for e in await harness.matched_events()}
    known = len(await harness.meeting_events())

    await harness.sync()
    changed = (await harness.meeting_events())[known:]
    assert changed == [target]
    await harness.store(await harness.stored_meetings(changed))

    now = await harness.snippets()
    after = {s.id for s in now if s.meeting_id == target}
    assert {s.id for s in now if s.meeting_id != target} == others
    assert all(s.end_time <= shorter for s in now if s.meeting_id == target)
    assert after != before
    # One event for each snippet the change created, none for those it kept.
    new_events = {e["id"] for e in await harness.matched_events()} - sent
    assert new_events == after - before


async def test_the_feed_takes_a_visibility_clause_over_meetings_inside_its_query(
    harness: RulesHarness,
) -> None:
    await harness.sync()
    rule = await harness.create_rule(name="Talk", phrases=["pricing", "integrat*", "bug"])
    await harness.keywords.backfiller.run(rule.id, 1)
    snippets = await harness.snippets()
    meetings = sorted({s.meeting_id for s in snippets})
    assert len(meetings) >= 2
    seen = meetings[: len(meetings) // 2]
    feed = harness.keywords.feed
    query = FeedQuery(tenant_id=harness.tenant_id)
    visible = StoredMeeting.id.in_(seen)
    first, cursor = await feed.page(query, limit=1, visible=visible)
    paged = list(first)
    while cursor is not None:
        more, cursor = await feed.page(query, limit=1, cursor=cursor, visible=visible)
        assert len(more) == 1
        paged += more
    assert {s["meeting_id"] for s in paged} == set(seen)
    assert len(paged) == sum(1 for s in snippets if s.meeting_id in seen)


async def test_backfills_left_queued_start_again_when_the_process_starts(
    harness: RulesHarness,
) -> None:
    await harness.sync()
    rule = await harness.create_rule(name="Talk", phrases=["pricing"])
    assert (await harness.keywords.rules.get(harness.tenant_id, rule.id)).backfill.status == (
        "queued"
    )
    queue = InProcessBackfillQueue(harness.db, harness.keywords.backfiller.run)
    async with queue.running():
        await queue.join()
    done = await harness.keywords.rules.get(harness.tenant_id, rule.id)
    assert done.backfill.status == "completed"
    assert done.backfill.snippets == len(await harness.snippets()) > 0
