from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold import _json_edit as je
from scaffold._service_json import topics_field
from scaffold.errors import ProjectError
from tests.helpers import HOSTS, changed_lines

APPS = Path(__file__).parents[1] / "fixtures" / "apps"
ALL_APPS = sorted(p.name for p in APPS.iterdir() if p.name not in HOSTS)  # source styles

EVENT = {"sender": "vtex.orders-broadcast", "topics": ["payment-approved"]}
POLICY = {"name": "colossus-fire-event"}


def only_commas_changed(removed: list[bytes], added: list[bytes]) -> bool:
    """Every removed line comes back with a single comma inserted before its line end."""
    return all(any(_with_comma(line) == new for new in added) for line in removed)


def _with_comma(line: bytes) -> bytes:
    body = line.rstrip(b"\r\n")
    return body + b"," + line[len(body) :]


@pytest.mark.parametrize("app", ALL_APPS)
def test_add_event_to_service_json_round_trips(app: str) -> None:
    before = (APPS / app / "node" / "service.json").read_bytes()
    after = je.set_key(before, ("events",), "paymentApproved", EVENT, name="service.json")

    assert json.loads(after.decode("utf-8-sig"))["events"]["paymentApproved"] == EVENT
    removed, added = changed_lines(before, after)
    assert len(removed) <= 1
    assert only_commas_changed(removed, added)
    assert je.set_key(after, ("events",), "paymentApproved", EVENT) == after
    prune = "events" not in json.loads(before.decode("utf-8-sig"))
    back = je.remove_key(after, ("events",), "paymentApproved", prune_empty=prune)
    assert back == before


@pytest.mark.parametrize("app", ALL_APPS)
def test_style_is_kept(app: str) -> None:
    before = (APPS / app / "node" / "service.json").read_bytes()
    style = je.detect_style(before)
    after = je.set_key(before, ("events",), "paymentApproved", EVENT)
    assert after.startswith(je.BOM) == before.startswith(je.BOM)
    assert after.endswith(b"\n") == before.endswith(b"\n")
    if style.eol == "\r\n":
        assert after.count(b"\n") == after.count(b"\r\n")
    else:
        assert b"\r" not in after
    _, added = changed_lines(before, after)
    for line in added:
        text = line.decode("utf-8-sig").rstrip("\r\n")
        lead = text[: len(text) - len(text.lstrip())]
        assert lead.replace(style.indent, "") == "", (style.indent, text)


@pytest.mark.parametrize(
    ("text", "indent", "eol"),
    [
        (b'{\n  "a": 1\n}\n', "  ", "\n"),
        (b'{\n    "a": 1\n}\n', "    ", "\n"),
        (b'{\n\t"a": 1\n}\n', "\t", "\n"),
        (b'{\r\n  "a": 1\r\n}\r\n', "  ", "\r\n"),
        (b'{"a": 1}', "  ", "\n"),
    ],
)
def test_detect_style(text: bytes, indent: str, eol: str) -> None:
    style = je.detect_style(text)
    assert (style.indent, style.eol) == (indent, eol)


def test_new_member_uses_file_style_tabs_crlf_bom() -> None:
    before = je.BOM + b'{\r\n\t"memory": 256,\r\n\t"events": {}\r\n}'
    after = je.set_key(before, ("events",), "a", {"keys": ["x"], "sender": "s.t"})
    assert after == (
        je.BOM + b'{\r\n\t"memory": 256,\r\n\t"events": {\r\n\t\t"a": {\r\n'
        b'\t\t\t"keys": ["x"],\r\n\t\t\t"sender": "s.t"\r\n\t\t}\r\n\t}\r\n}'
    )
    assert je.remove_key(after, ("events",), "a") == before


def test_missing_parent_object_is_created_and_pruned() -> None:
    before = (APPS / "no-events" / "node" / "service.json").read_bytes()
    after = je.set_key(before, ("events",), "paymentApproved", EVENT)
    assert b'    },\n    "events": {\n        "paymentApproved": {\n' in after
    assert b'"topics": ["payment-approved"]' in after
    assert je.remove_key(after, ("events",), "paymentApproved", prune_empty=True) == before
    assert je.remove_key(after, ("events",), "paymentApproved") != before


def test_inline_objects_stay_inline() -> None:
    before = b'{\n  "builders": { "node": "7.x" },\n  "x": 1\n}\n'
    after = je.set_key(before, ("builders",), "docs", "0.x")
    assert after == b'{\n  "builders": { "node": "7.x", "docs": "0.x" },\n  "x": 1\n}\n'
    assert je.remove_key(after, ("builders",), "docs") == before


def test_minified_file_stays_minified() -> None:
    before = b'{"memory":256}'
    after = je.set_key(before, ("events",), "a", {"keys": ["k"]})
    assert b"\n" not in after
    assert json.loads(after) == {"memory": 256, "events": {"a": {"keys": ["k"]}}}
    assert je.remove_key(after, ("events",), "a", prune_empty=True) == before


def test_replace_existing_value_only_touches_the_value() -> None:
    before = b'{\n  "events": {\n    "a": {\n      "keys": ["x"]\n    }\n  },\n  "z": 1\n}\n'
    after = je.set_key(before, ("events",), "a", {"keys": ["y"]})
    assert after == before.replace(b'["x"]', b'["y"]')


def test_remove_middle_and_first_keys() -> None:
    before = b'{\n  "a": 1,\n  "b": 2,\n  "c": 3\n}\n'
    assert je.remove_key(before, (), "b") == b'{\n  "a": 1,\n  "c": 3\n}\n'
    assert je.remove_key(before, (), "a") == b'{\n  "b": 2,\n  "c": 3\n}\n'
    assert je.remove_key(before, (), "nope") is before


def test_manifest_without_policies_gets_the_array() -> None:
    before = (APPS / "no-events" / "manifest.json").read_bytes()
    after = je.append_item(before, ("policies",), POLICY)
    assert json.loads(after)["policies"] == [POLICY]
    assert je.append_item(after, ("policies",), POLICY) == after
    removed, added = changed_lines(before, after)
    assert only_commas_changed(removed, added)
    assert je.remove_item(after, ("policies",), POLICY, prune_empty=True) == before


@pytest.mark.parametrize("app", ["inline-semicolons", "imported-tabs", "crlf-bom"])
def test_policies_appended_in_file_style(app: str) -> None:
    before = (APPS / app / "manifest.json").read_bytes()
    after = je.append_item(before, ("policies",), POLICY)
    assert json.loads(after.decode("utf-8-sig"))["policies"][-1] == POLICY
    removed, added = changed_lines(before, after)
    assert len(removed) <= 1
    assert only_commas_changed(removed, added)
    assert je.remove_item(after, ("policies",), POLICY) == before


def test_one_line_items_give_one_line_items() -> None:
    before = b'{\n  "policies": [\n    { "name": "a" }\n  ]\n}\n'
    after = je.append_item(before, ("policies",), {"name": "b"})
    assert after == b'{\n  "policies": [\n    { "name": "a" },\n    { "name": "b" }\n  ]\n}\n'


def test_remove_item_keeps_other_items() -> None:
    before = b'{"p": [1, 2, 3]}\n'
    assert je.remove_item(before, ("p",), 2) == b'{"p": [1, 3]}\n'
    assert je.remove_item(before, ("p",), 3) == b'{"p": [1, 2]}\n'
    assert je.remove_item(before, ("p",), 9) is before


def test_strings_with_escapes_and_unicode() -> None:
    before = '{\n  "t\\"x": "caf\u00e9 \\u00e9 ,}{",\n  "n": -1.5e3\n}\n'.encode()
    after = je.set_key(before, (), "new", "na\u00efve")
    assert json.loads(after) == {'t"x': "caf\u00e9 \u00e9 ,}{", "n": -1500.0, "new": "na\u00efve"}
    assert je.remove_key(after, (), "new") == before


def test_get() -> None:
    data = (APPS / "inline-semicolons" / "node" / "service.json").read_bytes()
    assert je.get(data, ("events", "orderCreated", "sender")) == "vtex.orders-broadcast"
    assert je.get(data, ("events", "nope"), "dflt") == "dflt"


def test_invalid_json_names_file_and_line() -> None:
    with pytest.raises(ProjectError, match=r"node/service\.json:3:\d+: not valid JSON"):
        je.set_key(b'{\n  "a": 1,\n}\n', ("events",), "x", {}, name="node/service.json")


def test_path_through_a_non_object_is_refused() -> None:
    with pytest.raises(ProjectError, match="service.json: expected an object at events"):
        je.set_key(b'{"events": []}', ("events",), "x", {}, name="service.json")
    with pytest.raises(ProjectError, match="manifest.json: expected an array at policies"):
        je.append_item(b'{"policies": {}}', ("policies",), POLICY, name="manifest.json")


@pytest.mark.parametrize(
    ("app", "field"),
    [
        ("inline-semicolons", "keys"),
        ("imported-tabs", "topics"),
        ("service-const", "topics"),
        ("events-const", "topics"),
        ("no-events", "topics"),
    ],
)
def test_topics_field_follows_the_file(app: str, field: str) -> None:
    data = (APPS / app / "node" / "service.json").read_bytes()
    assert topics_field(json.loads(data.decode("utf-8-sig"))) == field


LAZY_DOCS = [
    b'{\n  "events": {\n    "a": { "sender": "x.y", "topics": ["t"] },\n'
    b'    "b": {"k": [1, {"z": []}]}\n  }\n}\n',
    b'{"events":{"a":{"sender":"x.y","topics":["t"]},"b":[{"q":1}]}}',
    b'{"events": {"a": { "sender": "x.y", "topics": [ "t" ] }}}',
    b'{\n\t"stack": "nodejs",\n\t"routes": {"r": {"path": "/x", "public": true}},\n'
    b'\t"events": {}\n}',
    b'{ "deep": { "er": { "est": [ "a", "b" ] } }, "events": { "a": { "topics": [ ] } } }\n',
    b'{\r\n  "events": {\r\n    "a": {\r\n      "sender": "x.y",\r\n      "topics": [\r\n'
    b'        "t"\r\n      ]\r\n    }\r\n  }\r\n}\r\n',
    '{\n  "name": "caf\u00e9",\n  "events": {\n    "a": {"topics": ["t"]}\n  }\n}\n'.encode(),
    b'{"events": {"a": {"topics": ["t"]}}, "workers": {"w": {"timeout": 5}}, "x": [[1], [2]]}',
]


@pytest.mark.parametrize("doc", LAZY_DOCS)
@pytest.mark.parametrize(
    ("path", "key", "value"),
    [
        (("events",), "n", EVENT),
        (("events",), "a", EVENT),
        (("events", "a"), "sender", "v.w"),
        ((), "events", {"q": ["r"]}),
        (("routes",), "r2", {"path": "/y", "public": True}),
    ],
)
def test_set_key_scanning_only_the_path_gives_the_bytes_of_a_full_scan(
    doc: bytes, path: tuple[str, ...], key: str, value: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    # set_key skips the containers below the object it edits in one step (issue 20, item 8):
    # the bytes it writes are those a scan of every container gives.
    quick = je.set_key(doc, path, key, value, name="service.json")
    full_parse = je.parse
    monkeypatch.setattr(je, "parse", lambda data, name, keep=None: full_parse(data, name))
    assert quick == je.set_key(doc, path, key, value, name="service.json")
