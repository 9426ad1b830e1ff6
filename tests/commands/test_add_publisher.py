from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.cli import app as cli
from scaffold.errors import InvalidAnswerError
from scaffold.publishers import add_publisher
from tests.helpers import STYLES, make_app, snapshot


@pytest.mark.parametrize("style", STYLES)
def test_add_publisher(style: str, tmp_path: Path, gen_cache: Path) -> None:
    app = make_app(style, tmp_path / "app", gen_cache)
    result = add_publisher(app, "item-changed")
    assert "node/publishers/itemChanged.ts" in result.created
    assert "node/__tests__/publishers/itemChanged.test.ts" in result.created
    text = (app / "node/publishers/itemChanged.ts").read_text()
    assert "export async function publishItemChanged(" in text and "id: string" in text
    policies = json.loads((app / "manifest.json").read_text(encoding="utf-8-sig"))["policies"]
    assert policies.count({"name": "colossus-fire-event"}) == 1
    after = snapshot(app)
    assert add_publisher(app, "item-changed").unchanged
    assert snapshot(app) == after


def test_bad_topic_and_dry_run(tmp_path: Path, gen_cache: Path, runner: CliRunner) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    before = snapshot(app)
    with pytest.raises(InvalidAnswerError):
        add_publisher(app, "a/b")
    with pytest.raises(InvalidAnswerError, match="start with a letter"):
        add_publisher(app, "2fa-requested")
    result = runner.invoke(cli, ["add-publisher", "item-changed", "-n", "-C", str(app)])
    assert result.exit_code == 0
    assert "+++ b/node/publishers/itemChanged.ts" in result.output
    assert snapshot(app) == before
