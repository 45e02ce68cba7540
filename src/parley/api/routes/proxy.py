"""Proxy: pass-through to the account's provider with credentials injected, answered verbatim."""

from __future__ import annotations

import re
from urllib.parse import unquote

from fastapi import APIRouter, Path, Query, Request, Response

from parley.api.deps import AccountProvider
from parley.errors import InvalidRequestError

__all__ = ["router"]

router = APIRouter(tags=["proxy"])

# Request headers a caller may pass on; never its own Authorization, cookies or hop-by-hop.
_FORWARDED = ("accept", "content-type", "x-timezone-offset")
# Response headers worth returning besides the body's content type.
_RETURNED = ("content-type", "location", "retry-after", "cache-control")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def safe_path(path: str) -> str:
    """The provider path, refusing anything that could leave the account's base URL."""
    decoded = unquote(path)
    if (
        not path
        or decoded.startswith(("/", "\\"))
        or _SCHEME.match(decoded)
        or "\\" in decoded
        or any(part == ".." for part in re.split(r"[/\\]", decoded))
    ):
        raise InvalidRequestError(
            "The proxy path must be relative to the account's base URL "
            "(no absolute URL, no `..`, no `//host`).",
            code="invalid_proxy_path",
            param="path",
        )
    return "/" + path


async def proxy(
    request: Request,
    provider: AccountProvider,
    integration: str = Path(..., description="The integration slug, e.g. `chorus`."),
    path: str = Path(..., description="Provider path, relative to the account's base URL."),
    integrated_account_id: str = Query(...),
) -> Response:
    """Forward to the account's base URL + path; Chorus's status, body and type verbatim."""
    if integration != provider.info.slug:
        raise InvalidRequestError(
            f"This account is a {provider.info.slug!r} account, not {integration!r}.",
            param="integration",
        )
    target = safe_path(path)
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "integrated_account_id"]
    headers = {k: v for k, v in request.headers.items() if k.lower() in _FORWARDED}
    body = await request.body()
    upstream = await provider.raw_request(
        request.method, target, params=params, content=body or None, headers=headers
    )
    out_headers = {k: v for k, v in upstream.headers.items() if k.lower() in _RETURNED}
    return Response(content=upstream.content, status_code=upstream.status_code, headers=out_headers)


# One operation per method, so the OpenAPI document has unique operation ids.
for _method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
    router.add_api_route(
        "/proxy/{integration}/{path:path}",
        proxy,
        methods=[_method],
        operation_id=f"proxy_{_method.lower()}",
        summary=f"Proxy a {_method} request to the provider",
        response_class=Response,
    )
