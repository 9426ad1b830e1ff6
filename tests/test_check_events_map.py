"""SC001-SC004 (``_rules/events_map.py``): service.json events, the Service events map, imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.check_apps import FIXTURES, app_from, found, make_app, rule_findings

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


def test_missing_handler_module_is_an_error(tmp_path: Path) -> None:
    root = make_app(
        tmp_path,
        "export async function handler() {}\n",
        imports="import { handler } from './events/handler'\n"
        "import { other } from './events/other'\n"
        "import { clients } from './clients'",
        files={"node/clients/index.ts": "export const clients = {}\n"},
    )
    assert rule_findings(root, "SC004") == [("node/index.ts", 3, "error")]
