"""What each command says to do next: true paths, lines, routes and settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold import events, inventory, publishers, workers
from scaffold.cli import app as cli
from tests.helpers import make_app


def next_steps(output: str) -> list[str]:
    assert "\nNext steps:\n" in output, output
    return [line.strip() for line in output.split("\nNext steps:\n", 1)[1].splitlines()]


def marker_line(app: Path, steps: list[str]) -> str:
    """The line a `write the side effect at FILE:LINE` step points to."""
    (step,) = [s for s in steps if s.startswith("write the side effect at ")]
    ref = re.search(r"at (\S+):(\d+) ", step)
    assert ref, step
    lines = (app / ref.group(1)).read_text(encoding="utf-8").splitlines()
    return lines[int(ref.group(2)) - 1]


def test_add_event_points_at_the_side_effect_and_the_workspace_setting(
    tmp_path: Path, gen_cache: Path, runner: CliRunner
) -> None:
    app = make_app("generated-bare", tmp_path / "app", gen_cache)
    args = ["add-event", "order-status-changed", "--sender", "vtex.orders-broadcast"]
    result = runner.invoke(cli, [*args, "--topic", "order-status-updated", "-C", str(app)])
    assert result.exit_code == 0, result.output
    steps = next_steps(result.output)
    assert marker_line(app, steps).lstrip().startswith("// >>>")
    assert any("Target Workspace" in s and "vtex.orders-broadcast/setup" in s for s in steps)
    catalog = runner.invoke(
        cli,
        ["add-event", "sku", "--sender", "vtex.broadcaster", "--topic", "broadcaster.notification"]
        + ["-C", str(app)],
    )
    assert any("Notify Target Workspace" in s for s in next_steps(catalog.output))
    partner = runner.invoke(
        cli, ["add-event", "p", "--sender", "acme.partner", "--topic", "x", "-C", str(app)]
    )
    assert not any("Workspace" in s for s in next_steps(partner.output))


def test_add_worker_gives_the_curl_calls_of_its_routes(
    tmp_path: Path, gen_cache: Path, runner: CliRunner
) -> None:
    app = make_app("generated-bare", tmp_path / "app", gen_cache)
    result = runner.invoke(cli, ["add-worker", "export-orders", "-C", str(app)])
    assert result.exit_code == 0, result.output
    steps = next_steps(result.output)
    assert marker_line(app, steps).lstrip().startswith("// >>>")
    # The URL the platform serves a private route at, with the token of an API key (the
    # principal the routes' policies admit), and how to get that token.
    private = "https://app.io.vtex.com/acme.order-sync/v0/$ACCOUNT/$WORKSPACE/_v/order-sync"
    (post,) = [s for s in steps if s.startswith("trigger it: curl -X POST")]
    assert f'"{private}/export-orders/jobs"' in post
    assert '-H "VtexIdclientAutCookie: $TOKEN"' in post
    assert '"itemIds"' in post
    assert any(
        s.startswith("follow the job: curl -X GET") and f"{private}/export-orders/jobs/$JOB_ID" in s
        for s in steps
    )
    assert any(s.startswith("re-drive stuck jobs") and "/export-orders/redrive" in s for s in steps)
    (login,) = [s for s in steps if s.startswith("get a token for an API key")]
    assert "/api/vtexid/apptoken/login" in login and "TOKEN=$(" in login
    assert not any("myvtex.com/_v/" in s for s in steps)
    single = runner.invoke(
        cli, ["add-worker", "reindex", "--no-batch", "--no-route", "-C", str(app)]
    )
    steps = next_steps(single.output)
    assert "publish its event from your code: publishReindexRequested(ctx, ...)" in steps
    assert not any("curl -X" in s for s in steps)


@pytest.mark.parametrize("store", ["vbase", "masterdata"])
def test_new_says_where_the_app_is_and_what_to_create(
    store: str, tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        cli,
        ["new", "order-sync", "--vendor", "acme", "--defaults"]
        + [
            "--store",
            store,
        ],
    )
    assert result.exit_code == 0, result.output
    steps = next_steps(result.output)
    assert steps[0].startswith("cd order-sync/node && npm install && npm test")
    assert any(s.startswith("vtex link") for s in steps)
    assert any("side effect at order-sync/node/events/" in s for s in steps)
    entity = [s for s in steps if "Master Data v1 entity" in s]
    if store == "masterdata":
        assert entity and "entity PL " in entity[0]
        text = (tmp_path / "order-sync/node/support/processing.ts").read_text(encoding="utf-8")
        assert "const DATA_ENTITY = 'PL'" in text
    else:
        assert not entity


def test_the_inventory_an_edit_reports_is_the_app_it_leaves(
    tmp_path: Path, gen_cache: Path
) -> None:
    # Next steps reuse the inventory the edit read to redraw the README graph: it must be
    # what reading the app from disk gives once the edit is applied; in full for the item
    # the command is about (and publishers), and in what the graph draws for the others
    # (their files, missing policies and markers are not read: issue 20, item 8).
    app = make_app("generated", tmp_path / "app", gen_cache)
    steps = [
        lambda: events.add_event(app, "order-seen", sender="vtex.orders-broadcast", topics=["a"]),
        lambda: workers.add_worker(app, "export-orders"),
        lambda: publishers.add_publisher(app, "item-changed"),
        lambda: workers.add_worker(app, "reindex", batch=False),
        lambda: events.remove_event(app, "order-seen"),
        lambda: workers.remove_worker(app, "export-orders"),
        lambda: publishers.remove_publisher(app, "item-changed"),
    ]
    for step in steps:
        result = step()
        assert not result.unchanged
        assert result.inventory is not None
        disk = inventory.read_app(app)
        assert result.inventory.app_id == disk.app_id
        assert result.inventory.problems == disk.problems
        assert len(result.inventory.items) == len(disk.items)
        for got, want in zip(result.inventory.items, disk.items, strict=True):
            if got.id == result.name or got.kind == "publisher":
                assert got == want
            else:
                assert got._replace(files=(), missing_policies=(), marker=None) == want._replace(
                    files=(), missing_policies=(), marker=None
                )


def test_next_steps_read_an_app_without_a_readme_graph_from_disk(
    tmp_path: Path, gen_cache: Path, runner: CliRunner
) -> None:
    app = make_app("imported-tabs", tmp_path / "app", gen_cache)
    args = ["add-event", "order-seen", "--sender", "vtex.orders-broadcast", "--topic", "t"]
    result = runner.invoke(cli, [*args, "-C", str(app)])
    assert result.exit_code == 0, result.output
    steps = next_steps(result.output)
    assert marker_line(app, steps).lstrip().startswith("// >>>")
    assert any("Target Workspace" in s for s in steps)


def test_npm_test_is_suggested_only_with_a_test_script(
    tmp_path: Path, gen_cache: Path, runner: CliRunner
) -> None:
    args = ["add-event", "order-paid", "--sender", "vtex.orders-broadcast", "--topic", "x"]
    with_jest = make_app("generated-bare", tmp_path / "jest", gen_cache)
    without = make_app("no-jest", tmp_path / "plain", gen_cache)  # no "test" script
    for app, expected in ((with_jest, "npm test;"), (without, "npx tsc --noEmit;")):
        result = runner.invoke(cli, [*args, "-C", str(app)])
        assert result.exit_code == 0, result.output
        (step,) = [s for s in next_steps(result.output) if "vtex link" in s]
        assert expected in step and ("npm test" in step) == (app == with_jest)
