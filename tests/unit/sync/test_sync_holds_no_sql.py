"""sync/ holds no SQL: its queries live in `storage/repositories/` (sync_runs, sync_states)."""

from __future__ import annotations

import ast
from pathlib import Path

import parley.sync

#: What sync/ may take from SQLAlchemy: the session type it passes on, and URL parsing.
ALLOWED = {("sqlalchemy.ext.asyncio", "AsyncSession"), ("sqlalchemy.engine", "make_url")}


def _sqlalchemy_imports(path: Path) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {(a.name, "*") for a in node.names if a.name.split(".")[0] == "sqlalchemy"}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found |= {(node.module or "", a.name) for a in node.names}
    return found


def test_sync_modules_import_no_sql_building_from_sqlalchemy() -> None:
    modules = sorted(Path(parley.sync.__file__).parent.glob("*.py"))
    assert len(modules) > 5
    offending = {
        path.name: sorted(imports - ALLOWED)
        for path in modules
        if (imports := _sqlalchemy_imports(path)) - ALLOWED
    }
    assert offending == {}
