"""The app ``scaffold new`` renders: golden files, VTEX wiring rules, and its own toolchain.

Golden files live in ``tests/golden/<variant>/``; after an intended template change,
regenerate them with ``SCAFFOLD_UPDATE_GOLDEN=1 pytest tests/generated/test_generated.py``
and review the diff like any other code change.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

import scaffold
from scaffold import _ts, _vtex
from scaffold._answers import AppAnswers
from scaffold.check import check_app
from scaffold.new import create_app
from tests import nodeapp
from tests.helpers import snapshot, write_tree

GOLDEN = Path(__file__).parents[1] / "golden"
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
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
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
    for local in (str(tmp_path), sys.prefix, str(Path(__file__).parents[2]), "site-packages"):
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


def _summary(output: str) -> tuple[int, int] | None:
    found = re.search(r"Tests:\s+(\d+) passed, (\d+) total", output)
    return (int(found.group(1)), int(found.group(2))) if found else None


@pytest.mark.node
def test_removing_the_examples_leaves_an_app_whose_own_tests_pass(tmp_path: Path) -> None:
    # Each example handler's end-to-end tests go with it: removing one keeps the other's
    # running on the real runtime; removing both leaves suites that pass (none to run).
    from scaffold.events import remove_event
    from scaffold.workers import remove_worker

    app = render(tmp_path, "vbase-example")
    node_dir = app / "node"
    e2e = ["npm", "run", "--silent", "test:e2e"]
    remove_event(app, "orderStatusUpdated")
    assert not (node_dir / "__tests__/e2e/orderStatusUpdated.test.ts").exists()
    assert (node_dir / "__tests__/e2e/syncItems.test.ts").is_file()
    tsc = nodeapp.typecheck(node_dir)
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr
    done = nodeapp.run(node_dir, *e2e)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _summary(done.stderr) == (1, 1), done.stderr  # the job's, on the runtime

    remove_worker(app, "syncItems")
    assert sorted(p.name for p in (node_dir / "__tests__/e2e").iterdir()) == ["harness.ts"]
    tsc = nodeapp.typecheck(node_dir)
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr
    jest = nodeapp.jest(node_dir)
    assert jest.returncode == 0, jest.stdout + jest.stderr
    assert _summary(jest.stderr) is not None, jest.stderr  # the ledger's own tests remain
    done = nodeapp.run(node_dir, *e2e)
    assert done.returncode == 0, done.stdout + done.stderr


LEDGER = "support/processing.ts"
WORKER = "workers/syncItems.ts"
ROUTES = "routes/syncItemsJobs.ts"


class Mutation(NamedTuple):
    """A defect put into a generated app; its own `npm test` must catch it."""

    variant: str
    file: str
    old: str
    new: str
    tests: str  # the jest path pattern to run
    failing_test: str  # the title of a test that must fail


MUTATIONS = {
    # Let 'done' and 'busy' units run again, as a handler without a claim would.
    "no-claim": Mutation(
        "vbase-example",
        LEDGER,
        "if (claimed.outcome !== 'claimed') {",
        "if (claimed.outcome !== 'claimed' && (claimed.outcome as string) === 'never') {",
        "orderStatusUpdated",
        "does not run it again on an immediate redelivery",
    ),
    # The SDK's default: every GET answered once per client (the bug of issue 7).
    "memoized-vbase": Mutation(
        "vbase-example",
        LEDGER,
        "memoizable: false",
        "memoizable: true",
        "orderStatusUpdated",
        "runs the side effect once on the first delivery and records done",
    ),
    "memoized-masterdata": Mutation(
        "masterdata-example",
        LEDGER,
        "memoizable: false",
        "memoizable: true",
        "orderStatusUpdated",
        "runs the side effect once on the first delivery and records done",
    ),
    # The SDK's single-flight map: a read joins another delivery's older in-flight read.
    "single-flight-vbase": Mutation(
        "vbase-example",
        LEDGER,
        "vbase(ctx).readFresh<ProcessingRecord<D>>(BUCKET, path)",
        "vbase(ctx).getRawJSON<ProcessingRecord<D> | null>(BUCKET, path, true)",
        "processing",
        "reads fresh while another delivery's older read of the same record is in flight",
    ),
    # A state change that checks the status but not whose claim it is.
    "no-owner-check": Mutation(
        "vbase-example",
        LEDGER,
        "if (current?.record.owner !== owner || current.record.status !== 'processing') {",
        "if ((current?.record.owner !== owner && Date.now() < 0) || "
        "current?.record.status !== 'processing') {",
        "processing",
        "refuses a late state change while the taker holds the claim (owner, not only status)",
    ),
    # Writes that carry no new rev: a landed write whose answers were lost looks foreign.
    "no-rev-vbase": Mutation(
        "vbase-example",
        LEDGER,
        "const next = { ...change(current.record, nowIso()), rev }",
        "const next = change(current.record, nowIso())",
        "processing",
        "recognizes its own write that landed though every answer was lost (rev), instead of a "
        "lost claim",
    ),
    "no-rev-masterdata": Mutation(
        "masterdata-example",
        LEDGER,
        "rev: record.rev ?? null,",
        "rev: null,",
        "processing",
        "recognizes its own write that landed though every answer was lost (rev), instead of a "
        "lost claim",
    ),
    # A unit released back to `queued` again and again is never capped.
    "no-requeue-cap": Mutation(
        "vbase-example",
        LEDGER,
        "// Released by earlier runs (a job with items left): those runs count too.\n"
        "      return record.attempts >= maxAttempts ? stop('exhausted') : { kind: 'claim' }",
        "return { kind: 'claim' }",
        "processing",
        "caps a unit that is released back to queued again and again (a re-queued job)",
    ),
    # A partner's 4xx becomes the event's answer, which the broker need not redeliver.
    "4xx-answer": Mutation(
        "vbase-example",
        LEDGER,
        "status >= 500 && status <= 599 ? status : 500",
        "status >= 400 && status <= 599 ? status : 500",
        "orderStatusUpdated",
        "answers a partner 4xx with 500 so the event comes back, keeping the 4xx in the record",
    ),
    "lease-lost-409": Mutation(
        "masterdata-example",
        LEDGER,
        "(lease expired)`, 500, 'error')",
        "(lease expired)`, 409, 'error')",
        "processing",
        "answers a partner's 4xx with a 5xx (redelivered) and keeps the real status in the record",
    ),
    "no-permanent-error": Mutation(
        "masterdata-example",
        LEDGER,
        "if (error instanceof PermanentError) {",
        "if (error instanceof PermanentError && Date.now() < 0) {",
        "orderStatusUpdated",
        "records a PermanentError as rejected and resolves, so the event is not delivered again",
    ),
    "no-backoff": Mutation(
        "vbase-example",
        LEDGER,
        "return record.notBefore && Date.parse(record.notBefore) > Date.now() ? stop('busy') : "
        "{ kind: 'claim' }",
        "return { kind: 'claim' }",
        "processing",
        "backs off: a failed unit is busy until its retry is due, spends no attempt meanwhile, "
        "and the delay grows",
    ),
    "409-not-a-conflict": Mutation(
        "vbase-example",
        LEDGER,
        "errorStatus(error) === 412 || errorStatus(error) === 409",
        "errorStatus(error) === 412 || errorStatus(error) === 412",
        "processing",
        "treats a 409 on a compare-and-set like a 412: reads again and decides again",
    ),
    # A malformed event ends the live job it names.
    "reject-overwrites": Mutation(
        "masterdata-example",
        LEDGER,
        "(current) => current === null,",
        "(current) => current?.status !== 'rejected' && current?.status !== 'done',",
        "processing",
        "records an unknown unit as rejected but never replaces an existing record",
    ),
    "reject-by-named-job": Mutation(
        "vbase-example",
        WORKER,
        "const key = payloadFingerprint(body)",
        "const key = isItemId((body as { jobId?: unknown } | null)?.jobId) ? "
        "String((body as { jobId: string }).jobId) : payloadFingerprint(body)",
        "workers/syncItems",
        "rejects an invalid or oversized payload without doing any work",
    ),
    # Two POSTs with one Idempotency-Key and other items both accepted.
    "enqueue-unconfirmed": Mutation(
        "masterdata-example",
        LEDGER,
        "    if (confirmed) return confirmed\n",
        "    if (confirmed || !confirmed) return next\n",
        "routes/syncItemsJobs",
        "of two concurrent POSTs with one Idempotency-Key and different items, only one is "
        "accepted",
    ),
    "items-order-sensitive": Mutation(
        "vbase-example",
        ROUTES,
        "return a.every((id) => wanted.has(id))",
        "return a.every((id, i) => wanted.has(id) && id === b[i])",
        "routes/syncItemsJobs",
        "answers the same job for a retried POST with the same Idempotency-Key",
    ),
    "status-url-not-served": Mutation(
        "vbase-example",
        ROUTES,
        "statusUrl: privateRouteUrl(ctx.vtex, syncItemsJobPath(jobId))",
        "statusUrl: syncItemsJobPath(jobId)",
        "routes/syncItemsJobs",
        "answers 202 with a job id, records the job and publishes exactly one small event",
    ),
}


@pytest.mark.node
@pytest.mark.parametrize("mutation", MUTATIONS)
def test_generated_tests_can_fail(tmp_path: Path, mutation: str) -> None:
    """Break the app: its own tests (real clients, HTTP model) must go red, by name."""
    case = MUTATIONS[mutation]
    node_dir = render(tmp_path, case.variant) / "node"
    target = node_dir / case.file
    source = target.read_text()
    assert source.count(case.old) == 1, case.old
    target.write_text(source.replace(case.old, case.new))
    nodeapp.ensure_node_modules(node_dir)
    jest = nodeapp.run(node_dir, "npm", "test", "--silent", "--", case.tests)
    assert jest.returncode != 0
    assert f"› {case.failing_test}" in jest.stderr, jest.stderr[-3000:]


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
