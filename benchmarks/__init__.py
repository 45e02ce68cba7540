"""Benchmarks: each module exposes `run() -> dict[str, float]` and prints its own table."""
