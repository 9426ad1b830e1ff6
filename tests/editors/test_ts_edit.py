from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold import _ts
from scaffold._ts_edit import (
    EventsLocation,
    add_handler,
    locate_events,
    manual_hint,
    relative_import,
    remove_handler,
)
from scaffold.errors import ConflictError, ProjectError
from tests.helpers import HOSTS, changed_lines, only_insertions

APPS = Path(__file__).parents[1] / "fixtures" / "apps"
ALL_APPS = sorted(p.name for p in APPS.iterdir() if p.name not in HOSTS)  # source styles
BOM = b"\xef\xbb\xbf"
NEW = "node/events/paymentApproved.ts"

EXPECTED_FILE = {
    "crlf-bom": "node/events.ts",
    "events-const": "node/index.ts",
    "imported-tabs": "node/events/index.ts",
    "inline-semicolons": "node/index.ts",
    "no-events": "node/index.ts",
    "service-const": "node/index.ts",
}


def reader(root: Path) -> Callable[[str], bytes | None]:
    def read(rel: str) -> bytes | None:
        path = root / rel
        return path.read_bytes() if path.is_file() else None

    return read


def files(sources: dict[str, str]) -> Callable[[str], bytes | None]:
    data = {k: v.encode() for k, v in sources.items()}
    return data.get


def locate(root: Path) -> EventsLocation:
    return locate_events((root / "node/index.ts").read_bytes(), reader(root))


@pytest.fixture(params=ALL_APPS)
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    root = tmp_path / str(request.param)
    shutil.copytree(APPS / str(request.param), root)
    return root


def add(root: Path, key: str = "paymentApproved", name: str | None = None) -> EventsLocation:
    loc = locate(root)
    target = root / loc.file
    spec = relative_import(loc.file, NEW)
    target.write_bytes(add_handler(target.read_bytes(), loc, key, name or key, spec))
    return loc


def test_locates_the_map_in_every_style(app: Path) -> None:
    loc = locate(app)
    assert loc.file == EXPECTED_FILE[app.name]
    assert loc.missing == (app.name == "no-events")
    assert not loc.has_handler("paymentApproved")


def test_add_inserts_lines_and_keeps_the_rest(app: Path) -> None:
    loc = locate(app)
    before = (app / loc.file).read_bytes()
    add(app)
    after = (app / loc.file).read_bytes()

    removed, added = changed_lines(before, after)
    assert len(removed) <= 2
    assert only_insertions(removed, added)
    assert any(b"import { paymentApproved } from" in line for line in added)
    assert not _ts.parse(after.removeprefix(BOM)).root_node.has_error
    new_loc = locate(app)
    assert new_loc.has_handler("paymentApproved")
    assert new_loc.keys[: len(loc.keys)] == loc.keys


def test_add_keeps_eol_bom_quotes_and_semicolons(app: Path) -> None:
    loc = locate(app)
    before = (app / loc.file).read_bytes()
    add(app)
    after = (app / loc.file).read_bytes()
    assert after.startswith(BOM) == before.startswith(BOM)
    if b"\r\n" in before:
        assert after.count(b"\n") == after.count(b"\r\n")
    else:
        assert b"\r" not in after
    _, added = changed_lines(before, after)
    import_line = next(line for line in added if line.startswith(b"import"))
    quote = b'"' if b'from "' in before else b"'"
    assert quote + b"./" in import_line
    semicolons = b"';" in before or b'";' in before
    assert import_line.rstrip(b"\r\n").endswith(b";") == semicolons


def test_second_add_changes_nothing(app: Path) -> None:
    loc = add(app)
    after = (app / loc.file).read_bytes()
    add(app)
    assert (app / loc.file).read_bytes() == after


def test_remove_restores_original_bytes(app: Path) -> None:
    loc = locate(app)
    before = (app / loc.file).read_bytes()
    add(app)
    new_loc = locate(app)
    spec = relative_import(new_loc.file, NEW)
    data = (app / new_loc.file).read_bytes()
    back = remove_handler(data, new_loc, "paymentApproved", "paymentApproved", spec)
    assert back == before
    assert remove_handler(before, loc, "paymentApproved", "paymentApproved", spec) == before


def test_key_different_from_import_name(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(APPS / "events-const", root)
    before = (root / "node/index.ts").read_bytes()
    add(root, key="paymentApproved", name="onPaymentApproved")
    after = (root / "node/index.ts").read_bytes()
    assert b"  paymentApproved: onPaymentApproved\n}" in after
    assert b"  orderPaid: onPaid,\n" in after
    loc = locate(root)
    spec = relative_import(loc.file, NEW)
    assert remove_handler(after, loc, "paymentApproved", "onPaymentApproved", spec) == before


def test_no_events_gets_an_inline_events_property(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(APPS / "no-events", root)
    add(root)
    text = (root / "node/index.ts").read_text()
    assert text.endswith(
        "        status: method({ GET: status })\n"
        "    },\n"
        "    events: {\n"
        "        paymentApproved\n"
        "    }\n"
        "})\n"
    )


def check_round_trip(source: str, expected: str, *, key: str = "b", prune: bool = True) -> None:
    read = files({"node/index.ts": source})
    loc = locate_events(source.encode(), read)
    out = add_handler(source.encode(), loc, key, key, f"./events/{key}")
    assert out.decode() == expected
    assert add_handler(out, locate_events(out, read), key, key, f"./events/{key}") == out
    loc = locate_events(out, read)
    back = remove_handler(out, loc, key, key, f"./events/{key}", prune_empty=prune)
    assert back.decode() == source


HEAD = "import { Service } from '@vtex/api'\n"
IMPORT_B = "import { b } from './events/b'\n"


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ("{ a }", "{ a, b }"),
        ("{ a, }", "{ a, b, }"),
        ("{\n    a,\n  }", "{\n    a,\n    b,\n  }"),
        ("{\n    a\n  }", "{\n    a,\n    b\n  }"),
        ("{\n    a, // first\n  }", "{\n    a, // first\n    b,\n  }"),
        ("{\n    a // first\n  }", "{\n    a, // first\n    b\n  }"),
        ("{\n    a }", "{\n    a,\n    b }"),
        ("{\n    a: [validate, a],\n  }", "{\n    a: [validate, a],\n    b,\n  }"),
        ("{\n    async a(ctx) {\n      return ctx\n    },\n  }", None),
        ("{}", "{ b }"),
    ],
)
def test_object_shapes(events: str, expected: str | None) -> None:
    source = f"{HEAD}\nexport default new Service({{\n  events: {events},\n}})\n"
    if expected is None:
        expected_events = events.replace("\n  }", "\n    b,\n  }")
    else:
        expected_events = expected
    want = f"{HEAD}{IMPORT_B}\nexport default new Service({{\n  events: {expected_events},\n}})\n"
    check_round_trip(source, want, prune=events != "{}")


def test_options_inline_on_one_line() -> None:
    source = f"{HEAD}export default new Service({{ clients }})\n"
    want = f"{HEAD}{IMPORT_B}export default new Service({{ clients, events: {{ b }} }})\n"
    check_round_trip(source, want)


def test_options_empty_with_trailing_comma_style() -> None:
    source = f"{HEAD}const x = {{\n  y: 1,\n}}\nexport default new Service({{}})\n"
    want = (
        f"{HEAD}{IMPORT_B}const x = {{\n  y: 1,\n}}\n"
        "export default new Service({\n  events: {\n    b,\n  },\n})\n"
    )
    check_round_trip(source, want)


def test_removing_the_last_handler_drops_an_inline_events_property() -> None:
    source = f"{HEAD}\nexport default new Service({{\n  clients,\n}})\n"
    want = (
        f"{HEAD}{IMPORT_B}\nexport default new Service({{\n"
        "  clients,\n  events: {\n    b,\n  },\n})\n"
    )
    check_round_trip(source, want)


def test_file_without_imports_gets_one_at_the_top() -> None:
    module = "export const events = {\n  a,\n}\n"
    index = f"{HEAD}import {{ events }} from './events'\nexport default new Service({{ events }})\n"
    read = files({"node/events.ts": module})
    loc = locate_events(index.encode(), read)
    assert loc.file == "node/events.ts"
    out = add_handler(module.encode(), loc, "b", "b", "./events/b")
    assert (
        out.decode() == "import { b } from './events/b'\n\nexport const events = {\n  a,\n  b,\n}\n"
    )
    back = remove_handler(
        out,
        locate_events(index.encode(), files({"node/events.ts": out.decode()})),
        "b",
        "b",
        "./events/b",
    )
    assert back.decode() == module


def test_default_import_and_reexport_are_followed() -> None:
    index = (
        f"{HEAD}import handlers from './handlers'\n"
        "export default new Service({ events: handlers })\n"
    )
    read = files(
        {
            "node/handlers/index.ts": "export { events as default } from './map'\n",
            "node/handlers/map.ts": "const events = { a } as const\nexport { events }\n",
        }
    )
    loc = locate_events(index.encode(), read)
    assert (loc.file, loc.keys) == ("node/handlers/map.ts", ("a",))
    read = files(
        {
            "node/handlers/index.ts": "export default events\nconst events = { a } satisfies X\n",
        }
    )
    loc = locate_events(index.encode(), read)
    assert (loc.file, loc.keys) == ("node/handlers/index.ts", ("a",))
    read = files(
        {
            "node/handlers.ts": "export { events as default } from './map'\n",
            "node/map.ts": "const events = { a }\nexport { events }\n",
        }
    )
    index = (
        f"{HEAD}import {{ default as h }} from './handlers'\n"
        "export default new Service({ events: h })\n"
    )
    loc = locate_events(index.encode(), read)
    assert (loc.file, loc.keys) == ("node/map.ts", ("a",))


def test_options_in_a_const_and_string_keys() -> None:
    index = (
        f"{HEAD}const options = {{\n  'events': {{\n    'order-created': a,\n  }},\n}}\n"
        "export default new Service<Clients, State>(options)\n"
    )
    loc = locate_events(index.encode(), files({}))
    assert loc.keys == ("order-created",)
    out = add_handler(index.encode(), loc, "order-paid", "orderPaid", "./orderPaid")
    assert b"    'order-paid': orderPaid,\n  }," in out


REFUSALS = [
    ("events: buildEvents(handlers)", "built by a function call (buildEvents(...))"),
    ("events: { ...common, a }", "uses a spread"),
    ("events: { [name]: a }", "uses a computed key"),
    ("events: cond ? x : y", "built dynamically"),
    ("...base", "Service options use a spread"),
    ("events: mutable", "declared with let"),
    ("events: changed", "changed after it is declared"),
    ("events: ns", "namespace import"),
    ("events: fromPackage", "comes from the package 'some-lib'"),
    ("events: missingModule", "was not found (looked for node/nope.ts and node/nope/index.ts)"),
    ("events: nowhere", "cannot find where nowhere is declared"),
]


@pytest.mark.parametrize(("options", "reason"), REFUSALS)
def test_dynamic_structures_are_refused(options: str, reason: str) -> None:
    index = (
        f"{HEAD}import * as ns from './ns'\nimport {{ fromPackage }} from 'some-lib'\n"
        "import { missingModule } from './nope'\n"
        "let mutable = { a }\nconst changed = { a }\nchanged['b'] = b\n"
        f"export default new Service({{\n  {options},\n}})\n"
    )
    hint = manual_hint("paymentApproved", "paymentApproved", NEW)
    with pytest.raises(ProjectError) as info:
        locate_events(index.encode(), files({}), hint=hint)
    message = str(info.value)
    assert message.startswith("node/index.ts:")
    assert reason in message
    assert "changed nothing" in message
    assert "import { paymentApproved } from node/events/paymentApproved.ts" in message
    assert "\n" not in message


def test_refusal_in_another_module_names_that_file() -> None:
    index = f"{HEAD}import {{ events }} from './events'\nexport default new Service({{ events }})\n"
    read = files({"node/events/index.ts": "export const events = {\n  ...others,\n}\n"})
    with pytest.raises(
        ProjectError, match=r"^node/events/index\.ts:2: the events map uses a spread"
    ):
        locate_events(index.encode(), read)


@pytest.mark.parametrize(
    ("index", "match"),
    [
        ("export default new Service({ events: { a }\n", r"^node/index\.ts:1: cannot parse"),
        ("export const x = 1\n", r"^node/index\.ts: no `new Service\(\.\.\.\)` found"),
        ("new Service({})\nnew Service({})\n", r"^node/index\.ts:2: there is more than one"),
        ("new Service()\n", r"not given exactly one options object"),
    ],
)
def test_unusable_index_is_refused(index: str, match: str) -> None:
    with pytest.raises(ProjectError, match=match):
        locate_events(index.encode(), files({}))


def test_parse_error_in_module_is_refused() -> None:
    index = f"{HEAD}import {{ events }} from './events'\nexport default new Service({{ events }})\n"
    with pytest.raises(ProjectError, match=r"^node/events\.ts:1: cannot parse"):
        locate_events(index.encode(), files({"node/events.ts": "export const events = {"}))


def test_conflicts() -> None:
    index = (
        f"{HEAD}import {{ b }} from './elsewhere'\nconst c = 1\n"
        "export default new Service({ events: { a: handlerA } })\n"
    )
    loc = locate_events(index.encode(), files({}))
    with pytest.raises(ConflictError, match=r"node/index\.ts:4: the events map already has 'a'"):
        add_handler(index.encode(), loc, "a", "a", "./events/a")
    with pytest.raises(
        ConflictError, match=r"node/index\.ts:2: b is already imported from './elsewhere'"
    ):
        add_handler(index.encode(), loc, "b", "b", "./events/b")
    with pytest.raises(ConflictError, match=r"node/index\.ts:3: c is already declared"):
        add_handler(index.encode(), loc, "c", "c", "./events/c")


def test_remove_keeps_an_import_still_used() -> None:
    index = (
        f"{HEAD}import {{ b }} from './events/b'\nb.name\n"
        "export default new Service({ events: { a, b } })\n"
    )
    loc = locate_events(index.encode(), files({}))
    out = remove_handler(index.encode(), loc, "b", "b", "./events/b")
    assert out.decode() == index.replace("{ a, b }", "{ a }")


def test_remove_one_specifier_of_a_shared_import() -> None:
    index = (
        f"{HEAD}import {{ a, b }} from './events/b'\n"
        "export default new Service({ events: { a, b } })\n"
    )
    loc = locate_events(index.encode(), files({}))
    out = remove_handler(index.encode(), loc, "b", "b", "./events/b")
    assert out.decode() == index.replace("{ a, b }", "{ a }")


def test_crlf_and_tabs_in_the_new_lines(tmp_path: Path) -> None:
    source = (
        "import { Service } from '@vtex/api'\r\n\r\n"
        "export default new Service({\r\n\tevents: {\r\n\t\ta,\r\n\t},\r\n})\r\n"
    )
    read = files({})
    loc = locate_events(source.encode(), read)
    out = add_handler(source.encode(), loc, "b", "b", "./b").decode()
    assert out == (
        "import { Service } from '@vtex/api'\r\nimport { b } from './b'\r\n\r\n"
        "export default new Service({\r\n\tevents: {\r\n\t\ta,\r\n\t\tb,\r\n\t},\r\n})\r\n"
    )


@pytest.mark.parametrize(
    ("src", "dst", "spec"),
    [
        ("node/index.ts", "node/events/orderCreated.ts", "./events/orderCreated"),
        ("node/events/index.ts", "node/events/orderCreated.ts", "./orderCreated"),
        ("node/events.ts", "node/events/orderCreated.ts", "./events/orderCreated"),
        ("node/events/index.ts", "node/workers/sync.ts", "../workers/sync"),
        ("node/index.ts", "node/events/index.ts", "./events"),
    ],
)
def test_relative_import(src: str, dst: str, spec: str) -> None:
    assert relative_import(src, dst) == spec
