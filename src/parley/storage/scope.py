"""Which stored meetings a scoped read may see, as one SQL condition (insights.md §4).

`MeetingScope` is what `parley.insights.scoping` resolves an app user to: an account, and
either every meeting of it (an admin), or the meetings owned or attended by a set of provider
users (a member: themselves; a manager: themselves and everyone reporting to them), private
ones only when the user owns them. `visible_meetings(scope)` is that rule as a condition over
the `meetings` table, for any query that reads stored meetings or what derives from them
(transcripts, search hits, snippets, deals, analytics, CRM activities): put it in the WHERE
clause, next to the query's own filters, so a page holds exactly the visible rows and cursors
keep working at any limit. Nothing in it is read per row in Python.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, exists, false, or_, true

from parley.storage.tables_store import StoredAttendee, StoredMeeting

__all__ = ["MeetingScope", "visible_meetings"]


@dataclass(frozen=True)
class MeetingScope:
    """The meetings of `account_id` one app user may see.

    `everything`: every meeting of the account (an admin). Otherwise the meetings whose
    owner is in `user_ids`, or with an attendee whose `user_id` is in `user_ids` or whose
    (lower-cased) email is in `emails`; a private meeting only when `user_id` owns it. No
    `user_id` (unmapped, unresolved): nothing at all.
    """

    account_id: str
    #: The app user acting (cursors are bound to it).
    app_user_id: str
    #: The provider user the app user is (None: unresolved, the scope is empty).
    user_id: str | None = None
    everything: bool = False
    user_ids: frozenset[str] = field(default_factory=frozenset)
    emails: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        """True when the scope can see no meeting at all."""
        return self.user_id is None

    @classmethod
    def nothing(cls, account_id: str, app_user_id: str) -> MeetingScope:
        """The scope of an unmapped or unresolved app user: it sees nothing (fails closed)."""
        return cls(account_id, app_user_id)


def visible_meetings(scope: MeetingScope | None) -> ColumnElement[bool]:
    """The condition on `meetings` rows that `scope` may see (anything when None).

    Correlated on `meetings` (an attendee subquery per row): use it in a query whose FROM has
    the `meetings` table, e.g. joined to `transcript_entries` on (account_id, meeting_id).
    """
    if scope is None:
        return true()
    return _visible(scope)


@functools.lru_cache(maxsize=256)
def _visible(scope: MeetingScope) -> ColumnElement[bool]:
    # Built once per distinct scope: the same app user's requests reuse the clause.
    m = StoredMeeting
    if scope.user_id is None:
        return false()
    if scope.everything:
        return m.account_id == scope.account_id
    a = StoredAttendee
    people: list[ColumnElement[bool]] = [a.user_id.in_(sorted(scope.user_ids))]
    if scope.emails:
        # Attendee emails are stored lower-cased (`store_records.attendee_rows`).
        people.append(a.email.in_(sorted(scope.emails)))
    attended = exists().where(a.account_id == m.account_id, a.meeting_id == m.id, or_(*people))
    return and_(
        m.account_id == scope.account_id,
        or_(m.owner_user_id.in_(sorted(scope.user_ids)), attended),
        or_(m.is_private == false(), m.owner_user_id == scope.user_id),
    )
