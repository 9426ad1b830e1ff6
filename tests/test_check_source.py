"""SC000 (``_rules/_source.py``): files that do not parse or cannot be read; columns; silencing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scaffold.check import (
    RULES,
    check_app,
)
from tests.check_apps import FIXTURES, app_from, found, make_app


def test_unparsable_ts_is_a_warning_finding() -> None:
    assert found(FIXTURES / "parse-error", "SC000") == {
        ("node/events/broken.ts", 3, 9, "SC000", "warning")
    }


@pytest.mark.parametrize("rel", ["node/service.json", "manifest.json"])
def test_invalid_json_is_an_error_finding_with_position(tmp_path: Path, rel: str) -> None:
    root = app_from(tmp_path, {rel: '{\n  "memory": 256,\n}\n'})
    findings = check_app(root)
    assert [(f.path, f.line, f.rule, f.severity) for f in findings] == [(rel, 3, "SC000", "error")]


@pytest.mark.parametrize(
    "content",
    [
        "\x00\x01\xff garbage",
        "export default new Service({ events: { ...",
        "new Service(",
        "new Service({ events: { a: }, })",
        "export const events = { [`x`]: 1, [k]: 2, 2: y, 'q': null }\nnew Service({ events })",
        "import x from './index'\nexport { x as events } from './index'\n"
        "new Service({ events: x })",
    ],
)
def test_never_crashes_on_odd_typescript(tmp_path: Path, content: str) -> None:
    root = app_from(tmp_path, {"node/index.ts": content, "node/events/odd.ts": content})
    assert all(f.rule in {r.id for r in RULES} for f in check_app(root))


def test_bom_and_non_ascii_columns_are_in_characters(tmp_path: Path) -> None:
    root = app_from(
        tmp_path,
        {
            "node/events/é.ts": (
                "\ufeffexport async function x(ctx: Context) {\n"
                "  const ñ = 'ü'; ctx.vtex.logger.info(ctx.body)\n}\n"
            )
        },
    )
    # 39 characters in (the UTF-8 byte offset would be 41); the BOM is not a column.
    assert found(root, "SC104") == {("node/events/é.ts", 2, 39, "SC104", "warning")}


def test_ignore_comment_silences_a_finding(tmp_path: Path) -> None:
    source = (
        "export async function x(ctx: Context) {\n"
        "  // scaffold-check: ignore SC104\n"
        "  ctx.vtex.logger.info(ctx.body)\n"
        "  ctx.vtex.logger.info(ctx.body) // scaffold-check: ignore SC101\n"
        "}\n"
    )
    root = app_from(tmp_path, {"node/events/x.ts": source})
    assert found(root, "SC104") == {("node/events/x.ts", 4, 24, "SC104", "warning")}


def test_a_symlinked_handler_file_is_checked_once_under_its_real_path(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "idempotency", root)
    events = root / "node" / "events"
    (events / "alias.ts").symlink_to(events / "orders.ts")
    (root / "node" / "workers").mkdir(exist_ok=True)
    (root / "node" / "workers" / "linked").symlink_to(events, target_is_directory=True)

    assert found(root, "SC101") == found(FIXTURES / "idempotency", "SC101")
    assert {path for path, *_ in found(root)} <= {
        path for path, *_ in found(FIXTURES / "idempotency")
    }


def test_unreadable_manifest_is_a_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_app(tmp_path, "export async function handler() {}\n")
    real = Path.read_bytes

    def deny(path: Path) -> bytes:
        if path.name in {"handler.ts", "manifest.json"}:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", deny)
    found = {(f.path, f.rule, f.severity) for f in check_app(root, select=["SC000"])}
    assert found == {
        ("manifest.json", "SC000", "error"),
        ("node/events/handler.ts", "SC000", "error"),
    }
