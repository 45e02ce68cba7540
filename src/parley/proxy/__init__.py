"""Proxy: a caller's request passed to the account's provider, its answer returned verbatim."""

from __future__ import annotations

from parley.proxy.forward import ProxyAnswer, ProxyRequest, forward, safe_path

__all__ = ["ProxyAnswer", "ProxyRequest", "forward", "safe_path"]
