"""Health check (no auth)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from parley.api.deps import RuntimeDep

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/health", summary="Health check")
async def health(runtime: RuntimeDep) -> JSONResponse:
    """200 `{"status": "ok"}` when the database answers, 503 otherwise."""
    try:
        await runtime.db.ping()
    except Exception:
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})
