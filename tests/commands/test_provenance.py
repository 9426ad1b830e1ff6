"""remove-* takes back what add-* brought (.scaffold.json) and nothing the app had."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from scaffold._provenance import RECORD
from scaffold.errors import ProjectError
from scaffold.events import add_event, remove_event
from scaffold.publishers import add_publisher, remove_publisher
from scaffold.workers import add_worker, remove_worker
from tests.helpers import make_app, snapshot


@pytest.fixture(scope="session")
def gen_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated")


def names(app: Path) -> list[str]:
    manifest = json.loads((app / "manifest.json").read_text())
    return [p["name"] for p in manifest.get("policies", [])]


def set_policies(app: Path, policies: list[str]) -> None:
    manifest = json.loads((app / "manifest.json").read_text())
    manifest["policies"] = [{"name": name} for name in policies]
    (app / "manifest.json").write_text(json.dumps(manifest, indent=4) + "\n")


def add_order_paid(app: Path) -> object:
    return add_event(app, "order-paid", sender="vtex.orders-broadcast", topics=["order-paid"])


@pytest.mark.parametrize("git", [False, True])
def test_policies_the_app_had_stay_with_or_without_git(
    tmp_path: Path, gen_cache: Path, git: bool
) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    # The app's own code uses neither client: usage alone would call these scaffold's.
    set_policies(app, ["colossus-write-logs", "vbase-read-write"])
    if git:
        subprocess.run(["git", "init", "-q", str(app)], check=True)
    before = snapshot(app)
    add_order_paid(app)
    record = json.loads((app / RECORD).read_text())
    assert record["added"] == {"event orderPaid": {"policies": []}}
    removed = remove_event(app, "order-paid")
    assert snapshot(app) == before
    assert not removed.notes


def test_policies_the_add_brought_go_even_when_the_apps_code_uses_them(
    tmp_path: Path, gen_cache: Path
) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    # The app logs and reads VBase through code of its own, without declaring the policies.
    status = app / "node/routes/status.ts"
    status.write_text(status.read_text() + "\n// ctx.vtex.logger.info(ctx.clients.vbase)\n")
    before = snapshot(app)
    add_order_paid(app)
    assert names(app) == ["vbase-read-write", "colossus-write-logs"]
    remove_event(app, "order-paid")
    assert snapshot(app) == before
    assert not (app / RECORD).exists()


def test_a_shared_policy_goes_with_its_last_holder(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    before = snapshot(app)
    add_order_paid(app)
    add_worker(app, "sync-items")
    assert names(app) == ["vbase-read-write", "colossus-write-logs", "colossus-fire-event"]
    remove_event(app, "order-paid")
    # The worker holds the ledger and logger policies the event brought first.
    assert names(app) == ["vbase-read-write", "colossus-write-logs", "colossus-fire-event"]
    record = json.loads((app / RECORD).read_text())
    assert list(record["added"]) == ["worker syncItems"]
    remove_worker(app, "sync-items")
    assert snapshot(app) == before


def test_publisher_then_worker_in_any_order(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    before = snapshot(app)
    add_publisher(app, "item-changed")
    add_worker(app, "sync-items")
    remove_publisher(app, "item-changed")
    assert "colossus-fire-event" in names(app)  # the worker's publisher still fires
    remove_worker(app, "sync-items")
    assert snapshot(app) == before


def test_without_a_record_the_policies_stay_and_a_note_says_so(
    tmp_path: Path, gen_cache: Path
) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    add_order_paid(app)
    (app / RECORD).unlink()
    removed = remove_event(app, "order-paid")
    assert names(app) == ["vbase-read-write", "colossus-write-logs"]
    assert removed.notes == [
        "kept policies vbase-read-write, colossus-write-logs: .scaffold.json does not say "
        "whether add-event brought them; remove them from manifest.json by hand if nothing "
        "uses them"
    ]


def test_a_re_run_on_an_existing_handler_claims_nothing(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    add_order_paid(app)
    (app / RECORD).unlink()
    again = add_order_paid(app)
    assert again.unchanged  # type: ignore[attr-defined]
    assert not (app / RECORD).exists()


@pytest.mark.parametrize("text", ["{not json", '{"added": {"event x": 3}}', "[]"])
def test_a_broken_record_is_one_line_and_nothing_changes(
    tmp_path: Path, gen_cache: Path, text: str
) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    (app / RECORD).write_text(text)
    before = snapshot(app)
    with pytest.raises(ProjectError, match=r"^\.scaffold\.json: .*delete it") as caught:
        add_order_paid(app)
    assert "\n" not in str(caught.value)
    assert snapshot(app) == before


def test_a_git_ignored_record_does_not_block_the_add(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    (app / ".gitignore").write_text(".*\n!.gitignore\n")
    subprocess.run(["git", "init", "-q", str(app)], check=True)
    add_order_paid(app)
    assert (app / RECORD).exists()


def test_the_policies_array_add_created_goes_with_it(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    set_policies(app, [])
    manifest = (app / "manifest.json").read_bytes()
    add_order_paid(app)
    remove_event(app, "order-paid")
    # The app wrote `"policies": []` itself: it stays, empty.
    assert (app / "manifest.json").read_bytes() == manifest


# --- maps people write: the shapes of real apps, round-tripped byte for byte -----------------

INDEX_HEAD = (
    "import type { ServiceContext } from '@vtex/api'\n"
    "import { method, Service } from '@vtex/api'\n\n"
    "import { status } from './routes/status'\n"
)
SHAPES = {
    "empty-maps-on-two-lines": (
        "export default new Service({\n  events: {\n  },\n  routes: {\n  },\n})\n",
        '{\n  "memory": 256,\n  "events": {\n  },\n  "routes": {\n  }\n}\n',
    ),
    "spreads": (
        "const base = { status: method({ GET: status }) }\nconst more = {}\n\n"
        "export default new Service({\n  routes: {\n    ...base,\n    ...more,\n  },\n})\n",
        '{\n  "memory": 256,\n  "routes": {\n    "status": { "path": "/_v/status", '
        '"public": true }\n  }\n}\n',
    ),
    "literal-passed-to-a-call": (
        "const wrap = (fn: unknown) => fn\nconst mapObjIndexed = <T>(f: unknown, o: T) => o\n\n"
        "export default new Service({\n  routes: mapObjIndexed(wrap, {\n"
        "    status: method({ GET: status }),\n  }),\n})\n",
        '{\n  "memory": 256,\n  "routes": {\n    "status": { "path": "/_v/status", '
        '"public": true }\n  }\n}\n',
    ),
    "crlf-tabs": (
        "export default new Service({\r\n\troutes: {\r\n\t\tstatus: method({ GET: status }),"
        "\r\n\t},\r\n})\r\n",
        '{\r\n\t"memory": 256,\r\n\t"routes": {\r\n\t\t"status": { "path": "/_v/status", '
        '"public": true }\r\n\t}\r\n}\r\n',
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("pair", ["worker", "event", "publisher"])
def test_shapes_of_real_maps_round_trip(
    tmp_path: Path, gen_cache: Path, shape: str, pair: str
) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    index, service = SHAPES[shape]
    newline = "\r\n" if "\r\n" in index else "\n"
    (app / "node/index.ts").write_bytes((INDEX_HEAD.replace("\n", newline) + index).encode())
    (app / "node/service.json").write_bytes(service.encode())
    before = snapshot(app)
    if pair == "worker":
        added = add_worker(app, "sync-items")
        assert "syncItemsJobs" in (app / "node/index.ts").read_text()
        remove_worker(app, "sync-items")
    elif pair == "event":
        added = add_order_paid(app)
        remove_event(app, "order-paid")
    else:
        added = add_publisher(app, "item-changed")
        remove_publisher(app, "item-changed")
    assert added.created  # type: ignore[attr-defined]
    assert snapshot(app) == before


def test_a_map_that_is_no_literal_is_still_refused(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    index = app / "node/index.ts"
    index.write_text(
        INDEX_HEAD + "const resolvers = { Routes: { status: method({ GET: status }) } }\n"
        "export default new Service({\n  routes: resolvers.Routes,\n})\n"
    )
    before = snapshot(app)
    with pytest.raises(ProjectError, match=r"^node/index\.ts:\d+: the routes map is built dyn"):
        add_worker(app, "sync-items")
    assert snapshot(app) == before


def test_add_publisher_with_an_unreadable_service_json_is_all_or_nothing(
    tmp_path: Path, gen_cache: Path
) -> None:
    from scaffold._vtex import SERVICE

    app = make_app("generated-bare", tmp_path / "app", gen_cache)
    (app / SERVICE).chmod(0)
    before = snapshot(app)
    with pytest.raises(ProjectError, match=r"cannot read node/service\.json.*nothing was changed"):
        add_publisher(app, "item-changed")
    assert snapshot(app) == before  # no publisher without its README/CHANGELOG lines
    (app / SERVICE).chmod(0o644)
    added = add_publisher(app, "item-changed")
    assert not added.unchanged  # type: ignore[attr-defined]
    assert "publishItemChanged" in (app / "README.md").read_text()
    assert "`publishItemChanged` publisher" in (app / "CHANGELOG.md").read_text()


def test_removing_a_template_handler_keeps_the_policies_quietly(
    tmp_path: Path, gen_cache: Path
) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    policies = names(app)
    removed = remove_event(app, "order-status-updated")
    assert removed.deleted and not removed.notes  # type: ignore[attr-defined]
    assert names(app) == policies  # `new` wrote them: the app's own
