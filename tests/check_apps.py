"""Small hand-written VTEX IO apps for the ``scaffold check`` tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from scaffold.check import check_app
from tests.helpers import write_tree

# Fixture apps of the check tests, one folder per concern (tests/fixtures/check/<name>).
FIXTURES = Path(__file__).parent / "fixtures" / "check"
# A finding as (path, line, column, rule, severity).
Key = tuple[str, int, int, str, str]

MANIFEST = {
    "vendor": "acme",
    "name": "checked",
    "version": "0.1.0",
    "builders": {"node": "7.x"},
    "policies": [
        {"name": "colossus-fire-event"},
        {"name": "vbase-read-write"},
        {"name": "ADMIN_DS"},
    ],
}


def make_app(
    root: Path,
    handler: str,
    files: dict[str, str] | None = None,
    events: str = "{ handler }",
    imports: str = "import { handler } from './events/handler'",
) -> Path:
    """Write an app whose event ``handler`` is ``node/events/handler.ts`` (``handler``)."""
    (root / "node" / "events").mkdir(parents=True, exist_ok=True)
    (root / "manifest.json").write_text(json.dumps(MANIFEST))
    (root / "node" / "service.json").write_text(
        json.dumps(
            {
                "memory": 256,
                "events": {"handler": {"sender": "acme.checked", "topics": ["t"]}},
            }
        )
    )
    (root / "node" / "index.ts").write_text(
        f"import {{ Service }} from '@vtex/api'\n{imports}\n\n"
        f"export default new Service({{ events: {events} }})\n"
    )
    (root / "node" / "events" / "handler.ts").write_text(handler)
    return write_tree(root, files or {})


def rule_findings(root: Path, rule: str) -> list[tuple[str, int, str]]:
    """(path, line, severity) of each finding of ``rule``."""
    return [(f.path, f.line, f.severity) for f in check_app(root, select=[rule])]


def found(root: Path, *rules: str) -> set[Key]:
    """Findings as (path, line, column, rule, severity), optionally only some rules."""
    return {
        (f.path, f.line, f.column, f.rule, f.severity)
        for f in check_app(root, select=rules or None)
    }


def app_from(tmp_path: Path, files: dict[str, str], base: str = "good") -> Path:
    """Copy a fixture app to tmp_path and overwrite (or, with value "", delete) some files."""
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / base, root)
    gone = [rel for rel, content in files.items() if content == "" and (root / rel).exists()]
    for rel in gone:
        (root / rel).unlink()
    return write_tree(root, {rel: content for rel, content in files.items() if rel not in gone})
