"""The hand-written fixture apps (modelled on real public apps) report no check errors, before
and after they are grown with every add-* command."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scaffold.check import check_app
from scaffold.events import add_event
from scaffold.publishers import add_publisher
from scaffold.workers import add_worker

APPS = Path(__file__).parents[1] / "fixtures" / "apps"


def errors(root: Path) -> list[str]:
    return [
        f"{f.path}:{f.line} {f.rule} {f.message}" for f in check_app(root) if f.severity == "error"
    ]


@pytest.mark.parametrize("style", sorted(p.name for p in APPS.iterdir()))
def test_fixture_app_has_no_errors_before_and_after_every_add(tmp_path: Path, style: str) -> None:
    root = tmp_path / style
    shutil.copytree(APPS / style, root)
    assert errors(root) == []
    add_event(root, "order-created", sender="vtex.orders-broadcast", topics=["order-created"])
    add_worker(root, "rebuild-index", store="vbase")
    add_worker(root, "send-receipt", batch=False, route=False)
    add_publisher(root, "catalog-exported")
    assert errors(root) == []
