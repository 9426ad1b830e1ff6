"""``scaffold check``: each rule fires on a bad fixture and stays quiet on a good one; the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.check import (
    RULES,
    UnknownRuleError,
    check_app,
    format_text,
    has_errors,
    resolve_rules,
)
from scaffold.cli import app
from scaffold.errors import ProjectError

FIXTURES = Path(__file__).parent / "fixtures" / "check"
Key = tuple[str, int, int, str, str]


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
    for rel, content in files.items():
        path = root / rel
        if content == "" and path.exists():
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


SERVICE_AB = json.dumps(
    {
        "memory": 256,
        "events": {
            "a": {"sender": "acme.x", "topics": ["a"]},
            "b-c": {"sender": "acme.x", "topics": ["b"]},
        },
    }
)
HANDLERS = """
export async function a(ctx: Context) { return ctx.body.id }
export async function b(ctx: Context) { return ctx.body.id }
"""


# --- the good app -----------------------------------------------------------------------------


def test_good_app_has_no_findings_at_all() -> None:
    # Also proves node/__tests__ is skipped: its file would fire SC101, SC102 and SC103.
    assert check_app(FIXTURES / "good") == []


def test_rule_ids_and_names_are_unique_and_documented() -> None:
    ids = [rule.id for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(set(ids)) == len(ids) and len(set(names)) == len(names)
    doc = (Path(__file__).parents[1] / "docs" / "check.md").read_text()
    for rule in RULES:
        assert f"{rule.id} `{rule.name}`" in doc


# --- SC001-SC003 registration -----------------------------------------------------------------


def test_registration_reports_both_directions_at_the_key() -> None:
    assert found(FIXTURES / "registration") == {
        ("node/service.json", 5, 5, "SC001", "error"),
        ("node/index.ts", 10, 5, "SC002", "error"),
    }


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(
            {
                "node/index.ts": "import { Service } from '@vtex/api'\n"
                "import { a, b } from './events/h'\n"
                "export default new Service({ events: { a, 'b-c': [a, b] } })\n"
            },
            id="inline",
        ),
        pytest.param(
            {
                "node/index.ts": "import { Service } from '@vtex/api'\n"
                "import * as h from './events/h'\n"
                "const events = { a: h.a, ['b-c']: h.b } as const\n"
                "export default new Service<Clients>({ events })\n"
            },
            id="const-with-namespace-import-and-bracketed-string-key",
        ),
        pytest.param(
            {
                "node/index.ts": "import { Service } from '@vtex/api'\n"
                "import { handlers } from './events'\n"
                "const config = { clients, events: handlers }\n"
                "export default new Service(config)\n",
                "node/events/index.ts": "export { map as handlers } from './map'\n",
                "node/events/map.ts": "import { a, b } from './h'\n"
                "export const map = { a, 'b-c': b } satisfies Record<string, unknown>\n",
            },
            id="reexported-const",
        ),
        pytest.param(
            {
                "node/index.ts": "import { Service } from '@vtex/api'\n"
                "import events from './events'\n"
                "export default new Service({ events })\n",
                "node/events/index.ts": "import { a } from './h'\n"
                "export default { a, async 'b-c'(ctx: Context) { return ctx.body.id } }\n",
            },
            id="default-export-with-method",
        ),
    ],
)
def test_events_map_shapes_are_resolved(tmp_path: Path, files: dict[str, str]) -> None:
    files = {"node/service.json": SERVICE_AB, "node/events/h.ts": HANDLERS, **files}
    root = app_from(
        tmp_path,
        {
            "node/events/index.ts": "",
            "node/events/orderCreated.ts": "",
            "node/workers/syncOrder.ts": "",
            **files,
        },
    )
    assert found(root, "SC001", "SC002", "SC003") == set()
    # The map really was read: one more event in service.json is reported.
    service = json.loads(SERVICE_AB)
    service["events"]["d"] = {"sender": "acme.x", "topics": ["d"]}
    (root / "node/service.json").write_text(json.dumps(service, indent=2))
    assert {f[3] for f in found(root, "SC001", "SC002", "SC003")} == {"SC001"}


def test_spread_map_is_reported_unresolved_not_guessed() -> None:
    assert found(FIXTURES / "unresolved") == {("node/index.ts", 6, 13, "SC003", "warning")}


def test_events_built_by_a_call_is_unresolved(tmp_path: Path) -> None:
    root = app_from(
        tmp_path,
        {
            "node/index.ts": "import { Service } from '@vtex/api'\n"
            "export default new Service({ events: build() })\n"
        },
    )
    assert found(root, "SC001", "SC002", "SC003") == {("node/index.ts", 2, 38, "SC003", "warning")}


def test_computed_key_is_unresolved_but_literal_keys_still_checked(tmp_path: Path) -> None:
    root = app_from(
        tmp_path,
        {
            "node/index.ts": (
                "import { Service } from '@vtex/api'\n"
                "import { orderCreated } from './events/orderCreated'\n"
                "export default new Service({ events: { [EVENT]: orderCreated, "
                "typo: orderCreated } })\n"
            )
        },
    )
    assert found(root, "SC001", "SC002", "SC003") == {
        ("node/index.ts", 3, 40, "SC003", "warning"),
        ("node/index.ts", 3, 63, "SC002", "error"),  # syncOrder is not reported: map is partial
    }


def test_missing_index_or_service_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    root = app_from(tmp_path, {"node/index.ts": ""})
    assert found(root, "SC001", "SC003") == {("node/service.json", 1, 1, "SC003", "warning")}
    (root / "node/index.ts").write_text("export const x = 1\n")
    assert {f[3] for f in found(root, "SC001", "SC003")} == {"SC003"}


# --- SC101 idempotency -----------------------------------------------------------------------


def test_unguarded_side_effects_are_reported_guarded_ones_are_not() -> None:
    assert found(FIXTURES / "idempotency", "SC101") == {
        ("node/events/orders.ts", 2, 9, "SC101", "error"),  # sendOrder, no check
        ("node/events/orders.ts", 11, 9, "SC101", "warning"),  # a local helper upserts
        ("node/events/orders.ts", 18, 9, "SC101", "error"),  # destructured client
        # guarded (a VBase read decides first) and runOnce(...) in workers/batch.ts, whose
        # support/processing.ts reads VBase before running the callback: not reported
    }


def test_unregistered_exported_function_under_events_is_still_analyzed(tmp_path: Path) -> None:
    root = app_from(
        tmp_path,
        {
            "node/events/extra.ts": (
                "export const extra = async (ctx: Context) => {\n"
                "  await ctx.clients.events.sendEvent('', 'x', { id: ctx.body.id })\n"
                "}\n"
            )
        },
    )
    assert found(root, "SC101") == {("node/events/extra.ts", 2, 9, "SC101", "error")}


def test_claim_before_effect_is_a_guard(tmp_path: Path) -> None:
    # `claim` is the good fixture's support/processing.ts one: it reads VBase.
    root = app_from(
        tmp_path,
        {
            "node/events/extra.ts": (
                "import { claim } from '../support/processing'\n"
                "export async function extra(ctx: Context) {\n"
                "  if (!(await claim(ctx, 'x', ctx.body.id))) return\n"
                "  await ctx.clients.events.sendEvent('', 'x', { id: ctx.body.id })\n"
                "}\n"
            )
        },
    )
    assert found(root, "SC101") == set()


# --- SC102 request-only state ---------------------------------------------------------------


def test_request_only_state_in_handlers() -> None:
    assert found(FIXTURES / "request-state", "SC102") == {
        ("node/events/imports.ts", 3, 41, "SC102", "error"),  # ctx.vtex.route.params
        ("node/events/imports.ts", 3, 67, "SC102", "error"),  # ctx.request
        ("node/workers/fromRoute.ts", 2, 11, "SC102", "error"),  # const { query } = context
        ("node/workers/fromRoute.ts", 3, 18, "SC102", "error"),  # context.get(...)
        # the route in index.ts reads ctx.query: routes may, it is not reported
    }


# --- SC103 swallowed errors ------------------------------------------------------------------


def test_swallowed_errors_error_log_only_warning_recorded_ok() -> None:
    assert found(FIXTURES / "swallowed", "SC103") == {
        ("node/events/sync.ts", 4, 5, "SC103", "error"),  # catch { return }
        ("node/events/sync.ts", 12, 5, "SC103", "warning"),  # catch { logger.error }
        ("node/events/sync.ts", 18, 64, "SC103", "error"),  # .catch(() => undefined)
        # markFailure + throw, and per-item failures.push(id): not reported
    }


def test_mark_failed_then_rethrow_is_fine(tmp_path: Path) -> None:
    root = app_from(
        tmp_path,
        {
            "node/workers/w.ts": (
                "export async function w(ctx: Context) {\n"
                "  try { await work() } catch (error) {\n"
                "    await markFailed(ctx, 'k', error); throw error }\n"
                "  try { await work() } catch (e) { return markRejected(ctx, 'k', String(e)) }\n"
                "}\n"
            )
        },
    )
    assert found(root, "SC103") == set()


def test_catch_on_run_once_is_fine_because_the_ledger_recorded_it(tmp_path: Path) -> None:
    root = app_from(
        tmp_path,
        {
            "node/workers/w.ts": (
                "export async function w(ctx: Context) {\n"
                "  await runOnce(ctx, { scope: 's', key: 'k' }, work).catch(() => undefined)\n"
                "  await work().catch(() => undefined)\n"
                "}\n"
            )
        },
    )
    assert found(root, "SC103") == {("node/workers/w.ts", 3, 16, "SC103", "error")}


# --- SC104 payload logging -------------------------------------------------------------------


def test_whole_payload_logging_is_reported_fields_are_not() -> None:
    assert found(FIXTURES / "payload", "SC104") == {
        ("node/events/logs.ts", 2, 24, "SC104", "warning"),  # logger.info(ctx.body)
        ("node/events/logs.ts", 3, 42, "SC104", "warning"),  # JSON.stringify(ctx.body)
        ("node/events/logs.ts", 5, 47, "SC104", "warning"),  # { payload } bound to ctx.body
        # line 6 logs ctx.body.orderId and payload.orderId: fine
    }


# --- SC201 policies --------------------------------------------------------------------------


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


# --- SC301-SC303 service.json ----------------------------------------------------------------


def test_service_json_shape_and_ranges() -> None:
    assert found(FIXTURES / "service-json", "SC301", "SC302", "SC303") == {
        ("node/service.json", 2, 3, "SC303", "warning"),  # memory 2048: above the docs
        ("node/service.json", 3, 3, "SC303", "error"),  # timeout 0
        ("node/service.json", 4, 3, "SC303", "error"),  # workers 5
        ("node/service.json", 5, 3, "SC302", "warning"),  # replicas
        ("node/service.json", 7, 45, "SC301", "info"),  # keys
        ("node/service.json", 7, 68, "SC302", "warning"),  # events.old.priority
        ("node/service.json", 10, 55, "SC302", "warning"),  # routes.status.method
    }


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"workers": 2.5}, {"SC303"}),
        ({"workers": True}, {"SC303"}),
        ({"workers": "2"}, {"SC303"}),
        ({"timeout": 60, "memory": 1024, "workers": 4, "deterministicVary": True}, set()),
        ({"events": ["a"]}, {"SC303"}),
        ({"cpu": {"type": "shared", "value": 50, "scalingPercentage": 80}}, set()),
        ({"memory": 1536}, {"SC303"}),
        ({"memory": 0}, {"SC303"}),
        ({"events": {"orderCreated": None, "syncOrder": {}}}, {"SC303"}),
    ],
)
def test_service_json_values(tmp_path: Path, patch: dict[str, object], expected: set[str]) -> None:
    service = json.loads((FIXTURES / "good/node/service.json").read_text())
    service.update(patch)
    root = app_from(tmp_path, {"node/service.json": json.dumps(service, indent=2)})
    assert {f[3] for f in found(root, "SC301", "SC302", "SC303")} == expected


# --- SC000 and robustness --------------------------------------------------------------------


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


def test_missing_service_json_is_a_user_error(tmp_path: Path) -> None:
    root = app_from(tmp_path, {"node/service.json": ""})
    with pytest.raises(ProjectError, match="node/service.json is missing"):
        check_app(root)


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


# --- selection and formatting ----------------------------------------------------------------


def test_select_and_ignore_accept_ids_and_names() -> None:
    assert resolve_rules(["sc101", "payload-logged"]) == {"SC101", "SC104"}
    assert "SC104" not in resolve_rules(ignore=["payload-logged"])
    assert resolve_rules() == {rule.id for rule in RULES}
    with pytest.raises(UnknownRuleError, match="unknown rule 'SC999'"):
        resolve_rules(["SC999"])


def test_text_format_is_path_line_col_rule() -> None:
    findings = check_app(FIXTURES / "registration")
    text = format_text(findings)
    assert text.splitlines()[0] == (
        "node/index.ts:10:5 SC002 error: handler `undeclared-handler` is not declared under "
        "`events` in node/service.json, so it never runs"
    )
    assert "SC001 event-not-registered: " in text
    assert text.endswith("Found 2 errors, 0 warnings, 0 info.")
    assert has_errors(findings)


# --- CLI -------------------------------------------------------------------------------------


def test_cli_good_app_exits_0(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES / "good" / "node" / "events")  # DIR defaults to the enclosing app
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    assert result.output == "All checks passed.\n"


def test_cli_errors_exit_1_with_text(runner: CliRunner) -> None:
    result = runner.invoke(app, ["check", str(FIXTURES / "registration")])
    assert result.exit_code == 1
    assert "node/service.json:5:5 SC001 error: event `notRegistered`" in result.output


def test_cli_json_output(runner: CliRunner) -> None:
    result = runner.invoke(app, ["check", str(FIXTURES / "payload"), "--json"])
    assert result.exit_code == 0  # warnings only
    data = json.loads(result.output)
    assert [(d["path"], d["line"], d["column"], d["rule"], d["severity"]) for d in data] == [
        ("node/events/logs.ts", 2, 24, "SC104", "warning"),
        ("node/events/logs.ts", 3, 42, "SC104", "warning"),
        ("node/events/logs.ts", 5, 47, "SC104", "warning"),
    ]
    assert {"message", "name", "fix"} <= set(data[0])


def test_cli_select_and_ignore(runner: CliRunner) -> None:
    root = str(FIXTURES / "swallowed")
    only = runner.invoke(app, ["check", root, "--json", "--select", "SC103"])
    assert {d["rule"] for d in json.loads(only.output)} == {"SC103"}
    assert only.exit_code == 1
    rest = runner.invoke(
        app, ["check", root, "--json", "--ignore", "SC101", "--ignore", "swallowed-error"]
    )
    assert rest.exit_code == 0 and json.loads(rest.output) == []
    nothing = runner.invoke(app, ["check", root, "--select", "SC103", "--ignore", "SC103"])
    assert nothing.exit_code == 0 and nothing.output == "All checks passed.\n"
    warnings = runner.invoke(app, ["check", root, "--select", "SC101,SC103", "--ignore", "SC101"])
    assert "SC101" not in warnings.output and "SC103" in warnings.output


def test_cli_unknown_rule_exits_2_with_one_line(runner: CliRunner) -> None:
    result = runner.invoke(app, ["check", str(FIXTURES / "good"), "--select", "SC101,bogus"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: unknown rule 'bogus': use an id SC000-SC303 or a name; see `scaffold check --help`"
    ]


def test_cli_outside_an_app_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert "no manifest.json" in result.stderr


def test_importing_the_cli_does_not_load_tree_sitter() -> None:
    code = "import sys, scaffold.cli, scaffold.check; assert 'tree_sitter' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_check_with_options_imports_no_pydantic(tmp_path: Path) -> None:
    """Typer 0.29 coerces option values through pydantic (~70 ms); scaffold's plain options
    do without it (scaffold._cli_params), and the values still arrive typed."""
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "idempotency", root)
    code = (
        "import json, sys\n"
        "from scaffold.cli import main\n"
        f"sys.argv = ['scaffold', 'check', {str(root / 'node')!r}, '--format', 'json',"
        " '--select', 'SC101', '--select', 'SC105', '--no-cache']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as done:\n"
        "    assert done.code == 1, done.code\n"
        "assert 'pydantic' not in sys.modules, 'pydantic was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    rules = {item["rule"] for item in json.loads(result.stdout)}
    assert rules == {"SC101"}


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
