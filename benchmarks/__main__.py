"""Run every benchmark in one go: `python -m benchmarks` (make bench)."""

from __future__ import annotations

from benchmarks import (
    analytics,
    api,
    backfill,
    connector,
    dashboard,
    ingest,
    keywords,
    pages,
    scoping,
    sdk,
    search,
    sync,
)

BENCHMARKS = {"connector": connector.run, "api": api.run, "search": search.run, "sync": sync.run}
BENCHMARKS["keywords"] = keywords.run
BENCHMARKS["analytics"] = analytics.run
BENCHMARKS["dashboard"] = dashboard.run
BENCHMARKS["scoping"] = scoping.run
BENCHMARKS["backfill"] = backfill.run
BENCHMARKS["sdk"] = sdk.run
BENCHMARKS["ingest"] = ingest.run
BENCHMARKS["pages"] = pages.run


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
