"""The editor (add-*/remove-event) and the linter (check) must see the same events map.

Both use ``scaffold._service_map``; this pins that they agree on real layouts, so a handler
``check`` calls registered is one ``add-event`` also finds (and the other way round).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold._answers import AppAnswers
from scaffold._rules._source import Project
from scaffold._rules.events_map import read_events_map
from scaffold._ts_edit import locate_events
from scaffold.errors import ProjectError
from scaffold.new import create_app

FIXTURES = Path(__file__).parents[1] / "fixtures"
LAYOUTS = [p for p in sorted((FIXTURES / "apps").iterdir())] + [
    p for p in sorted((FIXTURES / "check").iterdir()) if (p / "node" / "index.ts").is_file()
]


def editor_keys(root: Path) -> tuple[str, ...] | None:
    def read(rel: str) -> bytes | None:
        path = root / rel
        return path.read_bytes() if path.is_file() else None

    try:
        location = locate_events(
            (root / "node/index.ts").read_bytes(), read, index_file="node/index.ts", hint="-"
        )
    except ProjectError:
        return None  # the editor refuses; the linter must then say it cannot read it all
    return location.keys


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_editor_and_linter_agree(layout: Path) -> None:
    found = read_events_map(Project(layout))
    keys = editor_keys(layout)
    if keys is None:
        assert not found.complete and found.findings
    else:
        assert found.complete
        assert sorted(found.keys) == sorted(keys)


def test_they_agree_on_a_generated_app(tmp_path: Path) -> None:
    root = tmp_path / "app"
    create_app(root, AppAnswers("acme", "order-sync", "Order Sync", "", "vbase", True))
    assert editor_keys(root) == ("orderStatusUpdated", "syncItems")
    assert list(read_events_map(Project(root)).keys) == ["orderStatusUpdated", "syncItems"]
