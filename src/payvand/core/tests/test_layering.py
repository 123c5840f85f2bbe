"""STYLE.md's one-way data flow, enforced: request → view → service/selector → model."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
APPS = [*sorted(p.parent for p in PACKAGE.glob("*/models.py")), PACKAGE / "core" / "audit"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_models_import_no_views_services_or_selectors(app):
    models = app / "models.py"
    bad = {
        m for m in _imports(models) if m.rsplit(".", 1)[-1] in {"views", "services", "selectors"}
    }
    assert bad == set(), f"{models} imports {bad}"


@pytest.mark.parametrize("views", sorted(PACKAGE.glob("**/views.py")), ids=str)
def test_views_do_not_query_the_database_themselves(views):
    """Views call selectors and services; `.objects` in a view is a query outside a selector."""
    source = views.read_text()
    assert ".objects." not in source, f"{views} queries models directly"
