"""`scaffold check --fix`: certain fixes through the add-* editor; --dry-run shows the diff."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from scaffold.check import check_app
from scaffold.cli import app
from tests.check_apps import make_app
from tests.helpers import snapshot

GUARDED = """\
export async function {name}(ctx: any) {{
  const seen = await ctx.clients.vbase.getJSON('seen', ctx.body.id, true)
  if (seen) return
  await ctx.clients.events.sendEvent('', 'done', {{ id: ctx.body.id }})
  await ctx.clients.vbase.saveJSON('seen', ctx.body.id, {{ at: Date.now() }})
}}
"""


def broken_app(root: Path) -> Path:
    """SC001 (`other` declared, its module exists, not registered), SC201, SC301."""
    make_app(
        root,
        GUARDED.format(name="handler"),
        {"node/events/other.ts": GUARDED.format(name="other")},
    )
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["policies"] = [{"name": "vbase-read-write"}]
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    service = {
        "memory": 256,
        "events": {
            "handler": {"sender": "acme.checked", "keys": ["t"]},
            "other": {"sender": "acme.checked", "topics": ["u"]},
        },
    }
    (root / "node" / "service.json").write_text(json.dumps(service, indent=2) + "\n")
    return root


def test_dry_run_shows_the_diff_and_writes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    root = broken_app(tmp_path / "app")
    before = snapshot(root)
    result = runner.invoke(app, ["check", str(root), "--fix", "--dry-run"])
    assert result.exit_code == 1  # the findings are still there
    assert snapshot(root) == before
    assert "+import { other } from './events/other'" in result.output
    assert '"colossus-fire-event"' in result.output
    assert '"topics": [' in result.output
    assert result.output.count("would fix") == 3


def test_fix_applies_every_certain_fix_and_the_app_is_clean(
    runner: CliRunner, tmp_path: Path
) -> None:
    root = broken_app(tmp_path / "app")
    assert {f.rule for f in check_app(root)} == {"SC001", "SC201", "SC301"}
    result = runner.invoke(app, ["check", str(root), "--fix"])
    assert result.exit_code == 0, result.output
    assert check_app(root) == []
    assert "import { other } from './events/other'" in (root / "node" / "index.ts").read_text()
    service = json.loads((root / "node" / "service.json").read_text())
    assert service["events"]["handler"] == {"sender": "acme.checked", "topics": ["t"]}
    policies = json.loads((root / "manifest.json").read_text())["policies"]
    assert {"name": "colossus-fire-event"} in policies
    again = runner.invoke(app, ["check", str(root), "--fix"])
    assert (again.exit_code, "fixed" in again.output) == (0, False)


def test_uncertain_fixes_are_left_alone_with_a_reason(runner: CliRunner, tmp_path: Path) -> None:
    root = broken_app(tmp_path / "app")
    (root / "node" / "events" / "other.ts").unlink()
    service = json.loads((root / "node" / "service.json").read_text())
    service["events"]["handler"]["topics"] = ["t2"]
    (root / "node" / "service.json").write_text(json.dumps(service))
    result = runner.invoke(app, ["check", str(root), "--fix"])
    assert result.exit_code == 1
    assert "not fixed: SC001 node/service.json: event `other`: no module" in result.output
    assert "both `keys` and `topics`" in result.output
    assert {f.rule for f in check_app(root)} == {"SC001", "SC301"}  # SC201 was fixed


def test_fix_with_machine_output_keeps_stdout_parseable(runner: CliRunner, tmp_path: Path) -> None:
    root = broken_app(tmp_path / "app")
    result = runner.invoke(app, ["check", str(root), "--fix", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
