from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.cli import app as cli
from scaffold.errors import ConflictError, InvalidAnswerError
from scaffold.events import add_event, remove_event
from tests.helpers import STYLES, changed_lines, make_app, only_insertions, snapshot

ORDERS = {"sender": "vtex.orders-broadcast", "topics": ["order-status-updated"]}


@pytest.fixture(params=STYLES)
def app(request: pytest.FixtureRequest, tmp_path: Path, gen_cache: Path) -> Path:
    return make_app(str(request.param), tmp_path / "app", gen_cache)


def test_changes_only_insert_lines(app: Path) -> None:
    before = snapshot(app)
    result = add_event(app, "payment-approved", **ORDERS)  # type: ignore[arg-type]
    after = snapshot(app)
    assert "node/events/paymentApproved.ts" in result.created
    assert "node/__tests__/events/paymentApproved.test.ts" in result.created
    for rel in result.modified:
        removed, added = changed_lines(before[rel], after[rel])
        assert only_insertions(removed, added), rel
        assert len(removed) <= 2, rel
    assert set(after) - set(before) == set(result.created)
    service = json.loads(after["node/service.json"].decode("utf-8-sig"))
    entry = service["events"]["paymentApproved"]
    assert entry["sender"] == "vtex.orders-broadcast"
    assert entry.get("topics", entry.get("keys")) == ["order-status-updated"]
    manifest = json.loads(after["manifest.json"].decode("utf-8-sig"))
    names = [p["name"] for p in manifest["policies"]]
    assert "colossus-write-logs" in names and "vbase-read-write" in names
    assert len(names) == len(set(names))


def test_second_run_changes_nothing(app: Path) -> None:
    add_event(app, "payment-approved", **ORDERS)  # type: ignore[arg-type]
    before = snapshot(app)
    again = add_event(app, "paymentApproved", **ORDERS)  # type: ignore[arg-type]
    assert again.unchanged
    assert "already present" in again.message
    assert snapshot(app) == before


def test_dry_run_changes_nothing(app: Path) -> None:
    before = snapshot(app)
    result = add_event(app, "payment_approved", dry_run=True, **ORDERS)  # type: ignore[arg-type]
    assert snapshot(app) == before
    assert result.dry_run and result.diff
    assert set(result.diff) == {*result.created, *result.modified}
    assert all(text.startswith("--- ") for text in result.diff.values())


def test_remove_after_add_restores_every_byte(app: Path) -> None:
    before = snapshot(app)
    added = add_event(app, "payment-approved", **ORDERS)  # type: ignore[arg-type]
    removed = remove_event(app, "payment-approved")
    assert not removed.notes
    assert {
        "node/events/paymentApproved.ts",
        "node/__tests__/events/paymentApproved.test.ts",
    } <= set(removed.deleted)
    # Support files and policies go too when add-event brought them and nothing uses them.
    assert set(removed.deleted) == set(added.created)
    assert snapshot(app) == before


def test_conflicting_sender_or_topic_is_refused(app: Path) -> None:
    add_event(app, "payment-approved", **ORDERS)  # type: ignore[arg-type]
    before = snapshot(app)
    with pytest.raises(ConflictError, match="already declares event 'paymentApproved'"):
        add_event(app, "payment-approved", sender="vtex.broadcaster", topics=["x"])
    with pytest.raises(ConflictError):
        add_event(app, "payment-approved", sender=ORDERS["sender"], topics=["other"])  # type: ignore[arg-type]
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("../evil", "path separators"),
        ("delete", "reserved"),
        ("events", "reserved"),
        ("9x", "starting with a letter"),
    ],
)
def test_bad_names_are_refused(tmp_path: Path, gen_cache: Path, name: str, match: str) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    before = snapshot(app)
    with pytest.raises(InvalidAnswerError, match=match):
        add_event(app, name, **ORDERS)  # type: ignore[arg-type]
    assert snapshot(app) == before


def test_existing_handler_name_is_refused(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("inline-semicolons", tmp_path / "app", gen_cache)
    before = snapshot(app)
    with pytest.raises(ConflictError):
        add_event(app, "sku-changed", sender="vtex.orders-broadcast", topics=["x"])
    # Declared and registered the same way: nothing to do.
    same = add_event(
        app, "skuChanged", sender="vtex.broadcaster", topics=["broadcaster.notification"]
    )
    assert same.unchanged
    assert snapshot(app) == before


def test_keys_style_is_kept(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("inline-semicolons", tmp_path / "app", gen_cache)
    add_event(app, "payment-approved", **ORDERS)  # type: ignore[arg-type]
    service = json.loads((app / "node/service.json").read_text())
    assert service["events"]["paymentApproved"] == {
        "sender": "vtex.orders-broadcast",
        "keys": ["order-status-updated"],
    }


def test_masterdata_store_for_a_new_ledger(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    add_event(app, "payment-approved", store="masterdata", **ORDERS)  # type: ignore[arg-type]
    assert b"new MasterData(ctx.vtex" in (app / "node/support/processing.ts").read_bytes()
    manifest = json.loads((app / "manifest.json").read_text())
    assert {"name": "ADMIN_DS"} in manifest["policies"]
    assert {
        "name": "outbound-access",
        "attrs": {"host": "api.vtex.com", "path": "/dataentities/*"},
    } in manifest["policies"]


def test_store_that_disagrees_with_the_ledger_is_ignored_with_a_note(
    tmp_path: Path, gen_cache: Path
) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    result = add_event(app, "payment-approved", store="masterdata", **ORDERS)  # type: ignore[arg-type]
    assert any("--store masterdata ignored" in n for n in result.notes)
    assert b"ADMIN_DS" not in (app / "manifest.json").read_bytes()


def test_hand_edited_handler_is_kept(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    add_event(app, "payment-approved", **ORDERS)  # type: ignore[arg-type]
    handler = app / "node/events/paymentApproved.ts"
    handler.write_text(handler.read_text() + "// mine\n")
    result = remove_event(app, "payment-approved")
    assert handler.exists()
    assert any("kept node/events/paymentApproved.ts" in n for n in result.notes)
    assert not (app / "node/__tests__/events/paymentApproved.test.ts").exists()


# --- CLI -----------------------------------------------------------------------------


def test_cli_add_event_and_rerun(runner: CliRunner, tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    args = ["add-event", "payment-approved", "--sender", "vtex.orders-broadcast"]
    args += ["--topic", "order-status-updated", "-C", str(app)]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "create node/events/paymentApproved.ts" in first.output
    second = runner.invoke(cli, args)
    assert second.exit_code == 0
    assert "already present" in second.output


def test_cli_dry_run_prints_diffs(runner: CliRunner, tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    before = snapshot(app)
    args = ["add-event", "x-y", "--sender", "acme.partner", "--topic", "t", "-n", "-C", str(app)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0
    assert "+++ b/node/events/xY.ts" in result.output
    assert "+++ b/node/service.json" in result.output
    assert snapshot(app) == before


def test_cli_json(runner: CliRunner, tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    args = ["add-event", "x-y", "--sender", "acme.partner", "--topic", "t", "--json"]
    result = runner.invoke(cli, [*args, "-C", str(app)])
    data = json.loads(result.output)
    assert data["command"] == "add-event" and data["name"] == "xY"
    assert "node/events/xY.ts" in data["created"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add-event", "x"], "missing --sender"),
        (["add-event", "x", "--sender", "acme.p"], "missing --topic"),
        (["add-event", "x", "--sender", "nope", "--topic", "t"], "invalid sender"),
        (["add-event", "x", "--sender", "acme.p", "--topic", "t", "--store", "s3"], "--store"),
        (["add-event", "a/b", "--sender", "acme.p", "--topic", "t"], "path separators"),
    ],
)
def test_cli_user_errors_are_one_line(
    runner: CliRunner, tmp_path: Path, gen_cache: Path, args: list[str], message: str
) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    before = snapshot(app)
    result = runner.invoke(cli, [*args, "-y", "-C", str(app)])
    assert result.exit_code == (2 if message == "--store" else 1)  # an option value: usage
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.output
    assert snapshot(app) == before


def test_cli_conflict_exits_1(runner: CliRunner, tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    args = ["add-event", "order-status-updated", "--sender", "acme.partner", "--topic", "t"]
    result = runner.invoke(cli, [*args, "-C", str(app)])
    assert result.exit_code == 1
    assert "already declares event 'orderStatusUpdated'" in result.stderr


def test_cli_outside_an_app(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["add-event", "x", "--sender", "a.b", "--topic", "t", "-C", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "no manifest.json" in result.stderr


def test_cli_finds_the_app_from_a_subfolder(
    runner: CliRunner, tmp_path: Path, gen_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    monkeypatch.chdir(app / "node" / "events")
    result = runner.invoke(cli, ["add-event", "x", "--sender", "acme.p", "--topic", "t"])
    assert result.exit_code == 0, result.output
    assert (app / "node/events/x.ts").exists()
    shutil.rmtree(app)


def test_hand_written_app_gets_the_ledger_support_but_no_route_helpers(
    tmp_path: Path, gen_cache: Path
) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    result = add_event(app, "payment-approved", **ORDERS)  # type: ignore[arg-type]
    assert {
        "node/support/processing.ts",
        "node/__tests__/platform.ts",
        "node/__tests__/platformModel.ts",
        "node/__tests__/processing.test.ts",
        "node/events/paymentApproved.ts",
        "node/__tests__/events/paymentApproved.test.ts",
    } <= set(result.created)
    assert not (app / "node/support/http.ts").exists()


def test_the_map_found_once_is_found_again_once_its_file_changes(app: Path) -> None:
    from scaffold._edit import Edit

    edit = Edit(app, "add-event", "paymentApproved")
    assert not edit.registered("events", "paymentApproved", "node/events/paymentApproved.ts")
    first = edit._locate("events", "by hand")
    assert edit._locate("events", "by hand") is first  # nothing read has changed
    edit.register("events", "paymentApproved", "node/events/paymentApproved.ts")
    # The map's file now has the key: the search runs again and sees it.
    assert edit.registered("events", "paymentApproved", "node/events/paymentApproved.ts")
    assert edit._locate("events", "by hand") is not first
