"""Every call the SDK makes, as data: one function per API operation (pure).

`resources` (sync) and `async_resources` wrap these in methods; both clients run the same
`Call`s, so a route's path, parameters and answer type are written here once.
"""

from __future__ import annotations

from typing import Any

from parley.sdk import insight_models as im
from parley.sdk import models as m
from parley.sdk.calls import Call, json_of, model_of, page_of, path, query
from parley.unified import Meeting, Page, Team, Transcript, User

__all__ = ["UNIFIED"]

UNIFIED = "/unified/conversational-intelligence"
JSON = dict[str, Any]


def _get(url: str, parse: Any, **params: Any) -> Call[Any]:
    return Call("GET", url, parse, query(**params))


# Unified resources --------------------------------------------------------------------


def meetings_list(account: str, params: dict[str, Any]) -> Call[Page[Meeting]]:
    return _get(f"{UNIFIED}/meetings", page_of(Meeting), integrated_account_id=account, **params)


def meeting_get(account: str, meeting_id: str, source: str | None) -> Call[Meeting]:
    url = path(f"{UNIFIED}/meetings/{{}}", meeting_id)
    return _get(url, model_of(Meeting), integrated_account_id=account, source=source)


def transcripts_list(account: str, meeting_id: str, params: JSON) -> Call[Page[Transcript]]:
    return _get(
        f"{UNIFIED}/transcripts",
        page_of(Transcript),
        integrated_account_id=account,
        meeting_id=meeting_id,
        **params,
    )


def users_list(account: str, params: JSON) -> Call[Page[User]]:
    return _get(f"{UNIFIED}/users", page_of(User), integrated_account_id=account, **params)


def user_get(account: str, user_id: str, source: str | None) -> Call[User]:
    url = path(f"{UNIFIED}/users/{{}}", user_id)
    return _get(url, model_of(User), integrated_account_id=account, source=source)


def teams_list(account: str, params: JSON) -> Call[Page[Team]]:
    return _get(f"{UNIFIED}/teams", page_of(Team), integrated_account_id=account, **params)


def team_get(account: str, team_id: str, source: str | None) -> Call[Team]:
    url = path(f"{UNIFIED}/teams/{{}}", team_id)
    return _get(url, model_of(Team), integrated_account_id=account, source=source)


def search(q: str, params: JSON) -> Call[Page[m.SearchHit]]:
    return _get("/search", page_of(m.SearchHit), q=q, **params)


# Integrated accounts and sync ----------------------------------------------------------


def accounts_list() -> Call[Page[m.IntegratedAccount]]:
    return _get("/integrated-accounts", page_of(m.IntegratedAccount))


def account_get(account_id: str) -> Call[m.IntegratedAccount]:
    return _get(path("/integrated-accounts/{}", account_id), model_of(m.IntegratedAccount))


def account_create(
    api_token: str, base_url: str | None, integration: str
) -> Call[m.IntegratedAccount]:
    body: JSON = {"integration": integration, "credentials": {"api_token": api_token}}
    if base_url is not None:
        body["settings"] = {"base_url": base_url}
    return Call("POST", "/integrated-accounts", model_of(m.IntegratedAccount), body=body)


def account_update(account_id: str, body: JSON) -> Call[m.IntegratedAccount]:
    url = path("/integrated-accounts/{}", account_id)
    return Call("PATCH", url, model_of(m.IntegratedAccount), body=body)


def account_delete(account_id: str) -> Call[JSON]:
    return Call("DELETE", path("/integrated-accounts/{}", account_id), json_of)


def account_validate(account_id: str) -> Call[m.IntegratedAccount]:
    url = path("/integrated-accounts/{}/validate", account_id)
    return Call("POST", url, model_of(m.IntegratedAccount), idempotent=True)


def sync_start(account_id: str, full: bool) -> Call[m.SyncRun]:
    # Idempotent: while the account has a run queued or running, the answer is that run.
    url = path("/integrated-accounts/{}/sync", account_id)
    return Call("POST", url, model_of(m.SyncRun), body={"full": full}, idempotent=True)


def sync_get(run_id: str) -> Call[m.SyncRun]:
    return _get(path("/sync-runs/{}", run_id), model_of(m.SyncRun))


def sync_list(account: str | None, limit: int | None) -> Call[Page[m.SyncRun]]:
    return _get("/sync-runs", page_of(m.SyncRun), integrated_account_id=account, limit=limit)


# Webhooks ------------------------------------------------------------------------------


def webhook_create(url: str, events: list[str]) -> Call[m.Webhook]:
    return Call("POST", "/webhooks", model_of(m.Webhook), body={"url": url, "events": events})


def webhooks_list() -> Call[Page[m.Webhook]]:
    return _get("/webhooks", page_of(m.Webhook))


def webhook_get(webhook_id: str) -> Call[m.Webhook]:
    return _get(path("/webhooks/{}", webhook_id), model_of(m.Webhook))


def webhook_update(webhook_id: str, body: JSON) -> Call[m.Webhook]:
    return Call("PATCH", path("/webhooks/{}", webhook_id), model_of(m.Webhook), body=body)


def webhook_delete(webhook_id: str) -> Call[JSON]:
    return Call("DELETE", path("/webhooks/{}", webhook_id), json_of)


def webhook_test(webhook_id: str) -> Call[m.WebhookDelivery]:
    return Call("POST", path("/webhooks/{}/test", webhook_id), model_of(m.WebhookDelivery))


def deliveries_list(params: JSON) -> Call[Page[m.WebhookDelivery]]:
    return _get("/webhook-deliveries", page_of(m.WebhookDelivery), **params)


def delivery_get(delivery_id: str) -> Call[m.WebhookDelivery]:
    return _get(path("/webhook-deliveries/{}", delivery_id), model_of(m.WebhookDelivery))


def delivery_redeliver(delivery_id: str) -> Call[m.WebhookDelivery]:
    url = path("/webhook-deliveries/{}/redeliver", delivery_id)
    return Call("POST", url, model_of(m.WebhookDelivery))


# Insights: analytics, CRM --------------------------------------------------------------


def analytics(account: str, params: JSON) -> Call[m.AnalyticsReport]:
    return _get(
        "/insights/analytics", model_of(m.AnalyticsReport), integrated_account_id=account, **params
    )


CRM_KINDS: dict[str, tuple[str, type[m.SdkModel], str]] = {
    # kind: (collection path, model, list filter)
    "contacts": ("/crm/contacts", m.Contact, "email"),
    "companies": ("/crm/companies", m.Company, "domain"),
}


def crm_upsert(kind: str, account: str, external_id: str, body: JSON) -> Call[Any]:
    base, model, _ = CRM_KINDS[kind]
    url = path(f"{base}/{{}}", external_id)
    return Call("PUT", url, model_of(model), query(integrated_account_id=account), body)


def crm_batch(kind: str, account: str, rows: list[JSON]) -> Call[m.BatchResult]:
    base, _, _ = CRM_KINDS[kind]
    # Idempotent: every row replaces the record of its external id.
    return Call(
        "POST",
        f"{base}/batch",
        model_of(m.BatchResult),
        query(integrated_account_id=account),
        {kind: rows},
        idempotent=True,
    )


def crm_get(kind: str, account: str, external_id: str) -> Call[Any]:
    base, model, _ = CRM_KINDS[kind]
    url = path(f"{base}/{{}}", external_id)
    return _get(url, model_of(model), integrated_account_id=account)


def crm_list(kind: str, account: str, key: str | None, limit: int | None) -> Call[Page[Any]]:
    base, model, name = CRM_KINDS[kind]
    params = query(integrated_account_id=account, limit=limit, **{name: key})
    return Call("GET", base, page_of(model), params)


def crm_delete(kind: str, account: str, external_id: str) -> Call[JSON]:
    base, _, _ = CRM_KINDS[kind]
    url = path(f"{base}/{{}}", external_id)
    return Call("DELETE", url, json_of, query(integrated_account_id=account))


def crm_activities(
    kind: str, account: str, external_id: str, limit: int | None
) -> Call[Page[m.Activity]]:
    base, _, _ = CRM_KINDS[kind]
    url = path(f"{base}/{{}}/activities", external_id)
    return _get(url, page_of(m.Activity), integrated_account_id=account, limit=limit)


def crm_unmatched(account: str, limit: int | None) -> Call[Page[m.UnmatchedAttendee]]:
    return _get(
        "/crm/unmatched-attendees",
        page_of(m.UnmatchedAttendee),
        integrated_account_id=account,
        limit=limit,
    )


# Insights being built (insights.md §1, §2, §4): thin, shaped by the design contract ------


def snippets_list(params: JSON) -> Call[Page[im.Snippet]]:
    return _get("/insights/snippets", page_of(im.Snippet), **params)


def rule_create(body: JSON) -> Call[im.KeywordRule]:
    return Call("POST", "/insights/keyword-rules", model_of(im.KeywordRule), body=body)


def rules_list() -> Call[Page[im.KeywordRule]]:
    return _get("/insights/keyword-rules", page_of(im.KeywordRule))


def rule_get(rule_id: str) -> Call[im.KeywordRule]:
    return _get(path("/insights/keyword-rules/{}", rule_id), model_of(im.KeywordRule))


def rule_update(rule_id: str, body: JSON) -> Call[im.KeywordRule]:
    url = path("/insights/keyword-rules/{}", rule_id)
    return Call("PATCH", url, model_of(im.KeywordRule), body=body)


def rule_delete(rule_id: str) -> Call[JSON]:
    return Call("DELETE", path("/insights/keyword-rules/{}", rule_id), json_of)


def deals_list(account: str, params: JSON) -> Call[Page[im.Deal]]:
    return _get("/insights/deals", page_of(im.Deal), integrated_account_id=account, **params)


def deal_get(account: str, opportunity_id: str) -> Call[im.Deal]:
    url = path("/insights/deals/{}", opportunity_id)
    return _get(url, model_of(im.Deal), integrated_account_id=account)


def risk_settings_get() -> Call[im.RiskSettings]:
    return _get("/insights/risk-settings", model_of(im.RiskSettings))


def risk_settings_put(body: JSON) -> Call[im.RiskSettings]:
    return Call("PUT", "/insights/risk-settings", model_of(im.RiskSettings), body=body)


def mapping_put(account: str, app_user_id: str, body: JSON) -> Call[im.UserMapping]:
    url = path("/user-mappings/{}", app_user_id)
    return Call("PUT", url, model_of(im.UserMapping), query(integrated_account_id=account), body)


def mappings_batch(account: str, rows: list[JSON]) -> Call[JSON]:
    params = query(integrated_account_id=account)
    return Call("POST", "/user-mappings/batch", json_of, params, rows, idempotent=True)


def mapping_get(account: str, app_user_id: str) -> Call[im.UserMapping]:
    url = path("/user-mappings/{}", app_user_id)
    return _get(url, model_of(im.UserMapping), integrated_account_id=account)


def mappings_list(account: str, limit: int | None) -> Call[Page[im.UserMapping]]:
    return _get(
        "/user-mappings", page_of(im.UserMapping), integrated_account_id=account, limit=limit
    )


def mapping_delete(account: str, app_user_id: str) -> Call[JSON]:
    url = path("/user-mappings/{}", app_user_id)
    return Call("DELETE", url, json_of, query(integrated_account_id=account))


def scoped_token_create(account: str, app_user_id: str, ttl: int | None) -> Call[im.ScopedToken]:
    body: JSON = {"integrated_account_id": account, "app_user_id": app_user_id}
    if ttl is not None:
        body["ttl_seconds"] = ttl
    return Call("POST", "/scoped-tokens", model_of(im.ScopedToken), body=body)


# The coaching library (faces.md §3) --------------------------------------------------------

PLAYLISTS = "/coaching/playlists"


def playlist_create(body: JSON) -> Call[im.CoachingPlaylist]:
    return Call("POST", PLAYLISTS, model_of(im.CoachingPlaylist), body=body)


def playlists_list(account: str | None, limit: int | None) -> Call[Page[im.CoachingPlaylist]]:
    return _get(PLAYLISTS, page_of(im.CoachingPlaylist), integrated_account_id=account, limit=limit)


def playlist_get(playlist_id: str, account: str | None) -> Call[im.CoachingPlaylist]:
    url = path(f"{PLAYLISTS}/{{}}", playlist_id)
    return _get(url, model_of(im.CoachingPlaylist), integrated_account_id=account)


def playlist_update(playlist_id: str, account: str | None, body: JSON) -> Call[im.CoachingPlaylist]:
    url = path(f"{PLAYLISTS}/{{}}", playlist_id)
    params = query(integrated_account_id=account)
    return Call("PATCH", url, model_of(im.CoachingPlaylist), params, body)


def playlist_delete(playlist_id: str, account: str | None) -> Call[JSON]:
    url = path(f"{PLAYLISTS}/{{}}", playlist_id)
    return Call("DELETE", url, json_of, query(integrated_account_id=account))


def item_add(playlist_id: str, account: str | None, body: JSON) -> Call[im.CoachingPlaylistItem]:
    url = path(f"{PLAYLISTS}/{{}}/items", playlist_id)
    params = query(integrated_account_id=account)
    return Call("POST", url, model_of(im.CoachingPlaylistItem), params, body)


def item_update(
    playlist_id: str, item_id: str, account: str | None, body: JSON
) -> Call[im.CoachingPlaylistItem]:
    url = path(f"{PLAYLISTS}/{{}}/items/{{}}", playlist_id, item_id)
    params = query(integrated_account_id=account)
    return Call("PATCH", url, model_of(im.CoachingPlaylistItem), params, body)


def item_delete(playlist_id: str, item_id: str, account: str | None) -> Call[JSON]:
    url = path(f"{PLAYLISTS}/{{}}/items/{{}}", playlist_id, item_id)
    return Call("DELETE", url, json_of, query(integrated_account_id=account))


def comment_create(body: JSON) -> Call[im.CoachingComment]:
    return Call("POST", "/coaching/comments", model_of(im.CoachingComment), body=body)


def comments_list(account: str | None, meeting_id: str) -> Call[Page[im.CoachingComment]]:
    return _get(
        "/coaching/comments",
        page_of(im.CoachingComment),
        integrated_account_id=account,
        meeting_id=meeting_id,
    )


def comment_delete(comment_id: str, account: str | None) -> Call[JSON]:
    url = path("/coaching/comments/{}", comment_id)
    return Call("DELETE", url, json_of, query(integrated_account_id=account))
