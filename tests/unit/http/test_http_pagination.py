"""ContinuationKeyPaginator stop rules and dedupe."""

from __future__ import annotations

from parley.http.pagination import ContinuationKeyPaginator, dedupe

PAGE = [{"id": "1"}, {"id": "2"}]


def test_first_page_is_requested_without_a_key() -> None:
    assert ContinuationKeyPaginator().current_key is None


def test_a_new_key_with_records_continues_with_that_key() -> None:
    paginator = ContinuationKeyPaginator()

    assert paginator.has_more("k1", PAGE) is True
    assert paginator.current_key == "k1"


def test_an_empty_page_stops() -> None:
    paginator = ContinuationKeyPaginator()

    assert paginator.has_more("k1", []) is False
    assert paginator.finished is True


def test_a_missing_key_stops() -> None:
    assert ContinuationKeyPaginator().has_more(None, PAGE) is False


def test_an_empty_key_stops() -> None:
    assert ContinuationKeyPaginator().has_more("", PAGE) is False


def test_a_key_seen_before_stops() -> None:
    paginator = ContinuationKeyPaginator()
    paginator.has_more("k1", PAGE)
    paginator.has_more("k2", PAGE)

    assert paginator.has_more("k1", PAGE) is False
    assert paginator.current_key == "k2"


def test_the_start_key_counts_as_seen() -> None:
    assert ContinuationKeyPaginator(start_key="k0").has_more("k0", PAGE) is False


def test_once_finished_it_stays_finished() -> None:
    paginator = ContinuationKeyPaginator()
    paginator.has_more(None, PAGE)

    assert paginator.has_more("k9", PAGE) is False


def test_dedupe_yields_each_id_once_in_order() -> None:
    items = [{"id": "a"}, {"id": "b"}, {"id": "a"}, {"id": "c"}]

    assert [i["id"] for i in dedupe(items, key=lambda i: i["id"])] == ["a", "b", "c"]


def test_dedupe_shares_seen_ids_across_pages() -> None:
    seen: set[object] = set()
    list(dedupe([{"id": "a"}], key=lambda i: i["id"], seen=seen))

    assert list(dedupe([{"id": "a"}, {"id": "b"}], key=lambda i: i["id"], seen=seen)) == [
        {"id": "b"}
    ]
