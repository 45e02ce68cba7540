"""Run every benchmark in one go: `python -m benchmarks` (make bench)."""

from __future__ import annotations

from benchmarks import analytics, api, connector, keywords, sdk, search, sync

BENCHMARKS = {"connector": connector.run, "api": api.run, "search": search.run, "sync": sync.run}
BENCHMARKS["keywords"] = keywords.run
BENCHMARKS["analytics"] = analytics.run
BENCHMARKS["sdk"] = sdk.run


def main() -> dict[str, dict[str, float]]:
    """Run each benchmark in turn; return all their numbers by name."""
    results = {}
    for name, run in BENCHMARKS.items():
        print(f"== {name}")
        results[name] = run()
        print()
    return results


if __name__ == "__main__":
    main()
