"""The app ``scaffold new`` renders: golden files, VTEX wiring rules, and its own toolchain.

Golden files live in ``tests/golden/<variant>/``; after an intended template change,
regenerate them with ``SCAFFOLD_UPDATE_GOLDEN=1 pytest tests/test_generated.py`` and review
the diff like any other code change.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

import scaffold
from scaffold import _ts, _vtex
from scaffold._answers import AppAnswers
from scaffold.check import check_app
from scaffold.new import create_app
from tests import nodeapp
from tests.helpers import snapshot, write_tree

GOLDEN = Path(__file__).parent / "golden"
VARIANTS = {
    "vbase-example": AppAnswers("acme", "order-sync", "Order Sync", "Syncs orders.", "vbase", True),
    "masterdata-example": AppAnswers(
        "acme", "order-sync", "Order Sync", "Syncs orders.", "masterdata", True
    ),
    "vbase-minimal": AppAnswers("acme", "stock-feed", "Stock Feed", "", "vbase", False),
    "masterdata-minimal": AppAnswers("acme", "stock-feed", "Stock Feed", "", "masterdata", False),
}
# The template version changes with every commit of this repository; the URL does not.
COMMIT = re.compile(rb"^_commit: .*$", re.MULTILINE)


def render(tmp_path: Path, variant: str) -> Path:
    dest = tmp_path / variant
    create_app(dest, VARIANTS[variant])
    return dest


def normalized(root: Path) -> dict[str, bytes]:
    files = snapshot(root)
    files[".copier-answers.yml"] = COMMIT.sub(b"_commit: <version>", files[".copier-answers.yml"])
    return files


@pytest.mark.parametrize("variant", VARIANTS)
def test_matches_golden_files(tmp_path: Path, variant: str) -> None:
    got = normalized(render(tmp_path, variant))
    golden = GOLDEN / variant
    if os.environ.get("SCAFFOLD_UPDATE_GOLDEN"):
        shutil.rmtree(golden, ignore_errors=True)
        write_tree(golden, got)
    want = snapshot(golden)
    assert sorted(got) == sorted(want)
    for rel in want:
        assert got[rel] == want[rel], f"{rel} differs from tests/golden/{variant}/{rel}"


def policies(root: Path) -> list[object]:
    return json.loads((root / "manifest.json").read_text())["policies"]


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        (
            "vbase-example",
            [
                {"name": "colossus-fire-event"},
                {"name": "vbase-read-write"},
                {"name": "colossus-write-logs"},
            ],
        ),
        (
            "masterdata-example",
            [
                {"name": "colossus-fire-event"},
                {"name": "ADMIN_DS"},
                {
                    "name": "outbound-access",
                    "attrs": {"host": "api.vtex.com", "path": "/dataentities/*"},
                },
                {"name": "colossus-write-logs"},
            ],
        ),
        ("vbase-minimal", [{"name": "vbase-read-write"}, {"name": "colossus-write-logs"}]),
    ],
)
def test_manifest_has_exactly_the_policies_its_features_need(
    tmp_path: Path, variant: str, expected: list[object]
) -> None:
    root = render(tmp_path, variant)
    manifest = json.loads((root / "manifest.json").read_text())
    assert policies(root) == expected
    assert manifest["builders"] == {"node": "7.x", "docs": "0.x"}
    assert manifest["$schema"].endswith("/gen/manifest.schema")
    assert manifest["vendor"] == "acme"


@pytest.mark.parametrize("variant", VARIANTS)
def test_template_policies_agree_with_the_vtex_facts_add_commands_use(
    tmp_path: Path, variant: str
) -> None:
    answers = VARIANTS[variant]
    assert policies(render(tmp_path, variant)) == _vtex.app_policies(
        answers.store, example=answers.example
    )


def object_keys(path: Path, const: str) -> list[str]:
    """Keys of ``export const <const> = {...}`` in a TS file, read with the real parser."""
    tree = _ts.parse(path.read_bytes())
    for node in _ts.walk(tree.root_node):
        if (
            node.type == "variable_declarator"
            and _ts.text(node.child_by_field_name("name")) == const
        ):  # type: ignore[arg-type]
            obj = node.child_by_field_name("value")
            assert obj is not None and obj.type == "object"
            return [
                _ts.text(c.child_by_field_name("key") or c)  # type: ignore[arg-type]
                for c in obj.named_children
                if c.type in {"shorthand_property_identifier", "pair"}
            ]
    raise AssertionError(f"no const {const} in {path}")


@pytest.mark.parametrize("variant", VARIANTS)
def test_service_json_ids_equal_the_service_maps(tmp_path: Path, variant: str) -> None:
    root = render(tmp_path, variant)
    service = json.loads((root / "node/service.json").read_text())
    assert list(service["events"]) == object_keys(root / "node/events/index.ts", "events")
    assert list(service["routes"]) == object_keys(root / "node/routes/index.ts", "routes")
    assert isinstance(service["workers"], int) and 1 <= service["workers"] <= 4
    assert 1 <= service["timeout"] <= 60
    for event in service["events"].values():
        assert set(event) == {"sender", "topics"}  # `topics`, not the deprecated `keys`
    if VARIANTS[variant].example:
        # the worker consumes the app's own event, published by the app itself
        assert service["events"]["syncItems"]["sender"] == "acme.order-sync"
        assert service["events"]["orderStatusUpdated"] == {
            "sender": "vtex.orders-broadcast",
            "topics": ["order-status-updated"],
        }


@pytest.mark.parametrize("variant", VARIANTS)
def test_fresh_app_passes_scaffold_check(tmp_path: Path, variant: str) -> None:
    root = render(tmp_path, variant)
    assert [f for f in check_app(root)] == []


def test_answers_file_records_the_answers_repository_and_version(tmp_path: Path) -> None:
    import tomllib

    import yaml

    root = render(tmp_path, "masterdata-minimal")
    text = (root / ".copier-answers.yml").read_text()
    answers = yaml.safe_load(text)
    assert {k: answers[k] for k in ("vendor", "name", "store", "example")} == {
        "vendor": "acme",
        "name": "stock-feed",
        "store": "masterdata",
        "example": False,
    }
    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    assert answers["_src_path"] == pyproject["project"]["urls"]["Repository"]
    assert answers["_src_path"].startswith("https://")
    # The version that made the app: a release tag, or the commit of a development build.
    version = scaffold.__version__
    if re.fullmatch(r"\d+(\.\d+)*", version):
        assert answers["_commit"] == f"v{version}"
    else:
        sha = re.search(r"\+g([0-9a-f]+)", version)
        assert sha is not None and answers["_commit"] == sha.group(1)
    # Nothing machine-specific: no absolute path, nothing of this machine's folders.
    for value in answers.values():
        assert not re.match(r"[/~\\]|[A-Za-z]:", str(value)), value
    for local in (str(tmp_path), sys.prefix, str(Path(__file__).parent.parent), "site-packages"):
        assert local not in text


# Compiler options real apps build with when their tsconfig is laxer than ours (no strict
# null checks, or an ES5 target when "extends": "@vtex/tsconfig" does not resolve): the code
# add-* copies into such apps must not add errors there either.
LAX_OPTIONS = {
    "not-strict": ["--strict", "false"],
    "implicit-any-only": ["--strict", "false", "--noImplicitAny", "true"],
    "es5-target": ["--target", "es5", "--lib", "es2017,dom"],
}


@pytest.mark.node
@pytest.mark.parametrize("variant", ["vbase-example", "masterdata-example"])
def test_generated_code_compiles_under_laxer_compiler_options(tmp_path: Path, variant: str) -> None:
    node_dir = render(tmp_path, variant) / "node"
    nodeapp.ensure_node_modules(node_dir)
    base = ["--noEmit", "--skipLibCheck", "--esModuleInterop", "--module", "commonjs"]
    base += ["--moduleResolution", "node", "--types", "node"]
    for name, options in LAX_OPTIONS.items():
        tsc = nodeapp.run(
            node_dir, "node", "node_modules/typescript/bin/tsc", *base, *options, "index.ts"
        )
        assert tsc.returncode == 0, f"{name}: {tsc.stdout}{tsc.stderr}"


@pytest.mark.node
@pytest.mark.parametrize("variant", VARIANTS)
def test_generated_app_typechecks_and_its_tests_pass(tmp_path: Path, variant: str) -> None:
    node_dir = render(tmp_path, variant) / "node"
    tsc = nodeapp.typecheck(node_dir)
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr
    jest = nodeapp.jest(node_dir)
    assert jest.returncode == 0, jest.stdout + jest.stderr
    summary = re.search(r"Tests:\s+(\d+) passed, (\d+) total", jest.stderr)
    assert summary is not None, jest.stderr
    assert summary.group(1) == summary.group(2)
    assert int(summary.group(2)) >= (30 if VARIANTS[variant].example else 7)


MUTATIONS = {
    # Let 'done' and 'busy' units run again, as a handler without a claim would.
    "no-claim": (
        "vbase-example",
        "if (claimed.outcome !== 'claimed') {",
        "if (claimed.outcome !== 'claimed' && (claimed.outcome as string) === 'never') {",
        "does not run it again on an immediate redelivery",
    ),
    # The SDK's default: every GET answered once per client (the bug of issue 7).
    "memoized-vbase": (
        "vbase-example",
        "memoizable: false",
        "memoizable: true",
        "runs the side effect once on the first delivery and records done",
    ),
    "memoized-masterdata": (
        "masterdata-example",
        "memoizable: false",
        "memoizable: true",
        "runs the side effect once on the first delivery and records done",
    ),
}


@pytest.mark.node
@pytest.mark.parametrize("mutation", MUTATIONS)
def test_generated_tests_can_fail(tmp_path: Path, mutation: str) -> None:
    """Break the ledger: the app's own tests (real clients, HTTP model) must go red."""
    variant, old, new, failing_test = MUTATIONS[mutation]
    node_dir = render(tmp_path, variant) / "node"
    ledger = node_dir / "support/processing.ts"
    source = ledger.read_text()
    broken = source.replace(old, new, 1)
    assert broken != source
    ledger.write_text(broken)
    nodeapp.ensure_node_modules(node_dir)
    jest = nodeapp.run(node_dir, "npm", "test", "--silent", "--", "orderStatusUpdated")
    assert jest.returncode != 0
    assert f"› {failing_test}" in jest.stderr


@pytest.mark.parametrize("variant", ["vbase-minimal", "masterdata-example"])
def test_app_grown_with_every_add_command_still_passes_scaffold_check(
    tmp_path: Path, variant: str
) -> None:
    from scaffold.events import add_event
    from scaffold.publishers import add_publisher
    from scaffold.workers import add_worker

    root = render(tmp_path, variant)
    add_event(root, "order-created", sender="vtex.orders-broadcast", topics=["order-created"])
    add_event(root, "sku-changed", sender="vtex.broadcaster", topics=["broadcaster.notification"])
    add_event(root, "partner-updated", sender="acme.partner-feed", topics=["partner-updated"])
    add_worker(root, "rebuild-index")
    add_worker(root, "send-receipt", batch=False, route=False)
    add_publisher(root, "catalog-exported")
    findings = check_app(root)
    assert findings == [], "\n".join(f"{f.path}:{f.line} {f.rule} {f.message}" for f in findings)
    service = json.loads((root / "node/service.json").read_text())
    assert list(service["events"]) == object_keys(root / "node/events/index.ts", "events")
    assert list(service["routes"]) == object_keys(root / "node/routes/index.ts", "routes")
