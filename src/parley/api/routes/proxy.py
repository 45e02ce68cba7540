"""Proxy: pass-through to the account's provider with credentials injected, answered verbatim."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request, Response

from parley.api.deps import CurrentAccount
from parley.proxy import ProxyRequest, forward

__all__ = ["router"]

router = APIRouter(tags=["proxy"])


async def proxy(
    request: Request,
    account: CurrentAccount,
    integration: str = Path(..., description="The integration slug, e.g. `chorus`."),
    path: str = Path(..., description="Provider path, relative to the account's base URL."),
) -> Response:
    """Forward to the account's base URL + path; Chorus's status, body and type verbatim."""
    asked = ProxyRequest(
        method=request.method,
        integration=integration,
        path=path,
        params=request.query_params.multi_items(),
        headers=request.headers,
        body=await request.body(),
    )
    answer = await forward(account.provider, asked)
    return Response(content=answer.content, status_code=answer.status, headers=answer.headers)


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
