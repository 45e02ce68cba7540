"""Outbound resilience: classify, retry with backoff, adaptive per-account rate limiting.

Knows no provider and no database.
"""
