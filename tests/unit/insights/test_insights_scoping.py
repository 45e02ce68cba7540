"""Who reports to whom (pure) and scoped tokens (signed, expiring, nothing stored)."""

from __future__ import annotations

import pytest

from parley.errors import AuthenticationError
from parley.insights.scoped_tokens import ScopedGrant, ScopedTokens
from parley.insights.scoping import Role, reports_of, scope_of
from parley.security import Keyring, Signer, generate_secret_key
from parley.storage.repositories.user_mappings import DirectoryTeam, DirectoryUser


def _user(user_id: str, manager: str | None = None, teams: tuple[str, ...] = ()) -> DirectoryUser:
    return DirectoryUser(user_id, (f"{user_id}@seller.example",), manager, teams)


def test_reports_follow_the_manager_chain_and_managed_teams_only() -> None:
    users = [
        _user("boss"),
        _user("lead", "boss"),
        _user("rep", "lead"),
        _user("loop-a", "loop-b"),
        _user("loop-b", "loop-a"),
        _user("member", teams=("t1",)),
        _user("their-report", "member"),
        _user("elsewhere", teams=("t2",)),
    ]
    teams = [
        DirectoryTeam("t1", "lead", ("listed",)),
        DirectoryTeam("t2", "member", ()),
    ]
    assert reports_of("boss", users, teams) == {"lead", "rep"}
    # Team members count (by the team's list or the user's team ids), but not the people
    # reporting to a member (`their-report`): team membership is not followed further.
    assert reports_of("lead", users, teams) == {"rep", "member", "listed"}
    assert reports_of("loop-a", users, teams) == {"loop-b"}  # a cycle ends the walk


def test_scopes_by_role() -> None:
    users = [_user("lead"), _user("rep", "lead")]
    member = scope_of("a", "ann", Role.MEMBER, users[1], users, [])
    manager = scope_of("a", "max", Role.MANAGER, users[0], users, [])
    admin = scope_of("a", "ada", Role.ADMIN, users[0], users, [])
    nobody = scope_of("a", "ghost", Role.ADMIN, None, users, [])
    assert member.user_ids == {"rep"}
    assert member.emails == {"rep@seller.example"}
    assert manager.user_ids == {"lead", "rep"}
    assert not manager.everything
    assert admin.everything
    assert not admin.is_empty
    assert nobody.is_empty
    assert not nobody.everything


def _tokens(clock: float) -> ScopedTokens:
    keyring = Keyring.parse(generate_secret_key())
    return ScopedTokens(Signer(keyring, b"scoped-token"), clock=lambda: clock)


def test_a_scoped_token_carries_its_grant_until_it_expires() -> None:
    grant = ScopedGrant("t", "a", "ann", "m")
    now = 1_800_000_000.0
    tokens = _tokens(now)
    token, expires = tokens.mint(grant, 60)
    assert token.startswith("pst_")
    assert expires.timestamp() == now + 60
    assert tokens.verify(token) == grant
    signer = Signer(Keyring.parse(generate_secret_key()), b"scoped-token")
    token, _ = ScopedTokens(signer, clock=lambda: now).mint(grant, 60)
    late = ScopedTokens(signer, clock=lambda: now + 60)
    with pytest.raises(AuthenticationError) as expired:
        late.verify(token)
    assert expired.value.code == "scoped_token_expired"
    for forged in (token[:-3] + "xyz", "pst_abc.def", token.removeprefix("pst_"), "pk_x"):
        with pytest.raises(AuthenticationError) as refused:
            tokens.verify(forged)
        assert refused.value.code == "invalid_scoped_token"
    # Another deployment's key (or another purpose's) does not verify it.
    with pytest.raises(AuthenticationError):
        _tokens(now).verify(token)
