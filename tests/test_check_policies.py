"""SC201 (``_rules/policies.py``): clients used without the manifest policy they need."""

from __future__ import annotations

import json
from pathlib import Path

from scaffold.check import (
    check_app,
)
from tests.check_apps import FIXTURES, app_from, found


def test_missing_policies_reported_once_each_at_first_use() -> None:
    findings = check_app(FIXTURES / "policies", select=["SC201"])
    assert {(f.path, f.line, f.column) for f in findings} == {
        ("node/events/store.ts", 2, 11),  # { masterdata } = ctx.clients
        ("node/events/store.ts", 4, 11),  # ctx.clients.vbase
        ("node/routes/publish.ts", 2, 9),  # sendEvent (twice)
    }
    messages = " ".join(f.message for f in findings)
    assert "`ADMIN_DS`" in messages and "`vbase-read-write`" in messages
    assert "`colossus-fire-event`" in messages and "and 1 more use" in messages


def test_declared_policies_silence_sc201(tmp_path: Path) -> None:
    manifest = json.loads((FIXTURES / "policies/manifest.json").read_text())
    manifest["policies"] = [
        {"name": n} for n in ("colossus-fire-event", "vbase-read-write", "ADMIN_DS")
    ]
    root = app_from(tmp_path, {"manifest.json": json.dumps(manifest)}, base="policies")
    assert found(root, "SC201") == set()
