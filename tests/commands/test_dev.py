"""``scaffold dev`` / ``emit`` / ``records``: a generated app on its own @vtex/api runtime.

The node-marked tests boot real apps (``npm install``-ed once, see nodeapp.py) on the SDK's
runtime against the platform model served over HTTP, and talk to them only over HTTP and the
command line, as a developer would.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.devrun import Dev, alive, free_port, request, scaffold
from tests.helpers import make_app
from tests.nodeapp import ensure_node_modules

ORDER = {
    "domain": "Marketplace",
    "orderId": "1385470512345-01",
    "currentState": "invoiced",
    "lastState": "handling",
    "currentChangeDate": "2024-05-06T14:03:12.0000000Z",
}
EMIT_ORDER = ["emit", "order-status-updated", "--sender", "vtex.orders-broadcast"]
SIDE_EFFECT = "orderStatusUpdated.process "  # the log line of the example side effect


def _app(tmp_path: Path, gen_cache: Path, store: str) -> Path:
    app = make_app("generated", tmp_path / "app", gen_cache, store=store)
    ensure_node_modules(app / "node")
    return app


def _wait_job(url: str, timeout: float = 120) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    body: dict[str, object] = {}
    while time.monotonic() < deadline:
        status, body = request(url)
        if status == 200 and body.get("status") == "done":
            return body
        time.sleep(0.3)
    raise AssertionError(f"job not done in {timeout} s: {body}")


# --- without node --------------------------------------------------------------------------


def test_cli_does_not_import_dev() -> None:
    code = (
        "import sys, scaffold.cli\n"
        "assert not [m for m in sys.modules if m.startswith('scaffold.dev')], 'dev imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_emit_without_a_server_is_one_line(tmp_path: Path) -> None:
    done = scaffold(*EMIT_ORDER, "--port", str(free_port()), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no scaffold dev answers" in lines[0], done.stderr


def test_emit_unknown_event_without_data_asks_for_it(tmp_path: Path) -> None:
    done = scaffold("emit", "x-happened", "--sender", "acme.other", cwd=tmp_path)
    assert done.returncode == 1
    assert "no sample payload for acme.other x-happened; pass --data" in done.stderr


def test_emit_bad_data_is_one_line(tmp_path: Path) -> None:
    done = scaffold(*EMIT_ORDER, "--data", "{orderId: 1}", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "--data: not JSON" in done.stderr
    missing = scaffold(*EMIT_ORDER, "--data", "@nope.json", cwd=tmp_path)
    assert missing.returncode == 1 and "--data @nope.json" in missing.stderr


def test_dev_without_node_modules_is_one_line(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    before = sorted(p.relative_to(app) for p in app.rglob("*"))
    done = scaffold("dev", "--port", str(free_port()), cwd=app)
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0
    assert "has no @vtex/api; run `npm install`" in done.stderr
    assert sorted(p.relative_to(app) for p in app.rglob("*")) == before


def test_generated_gitignore_lists_the_dev_state(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    assert ".scaffold/" in (app / ".gitignore").read_text().splitlines()
    assert ".scaffold/" in (app / ".vtexignore").read_text().splitlines()


# --- on the runtime ----------------------------------------------------------------------


@pytest.mark.node
@pytest.mark.parametrize("store", ["vbase", "masterdata"])
def test_dev_emit_route_worker_restart(tmp_path: Path, gen_cache: Path, store: str) -> None:
    app = _app(tmp_path, gen_cache, store)
    port = free_port()
    dev = Dev(app, port)
    try:
        ready = dev.wait_for("ready: ")
        assert f"http://127.0.0.1:{port}" in ready
        job_line = dev.wait_for("route syncItemsJobs (private)")
        jobs_url = job_line.split(": ", 1)[1]
        assert jobs_url == f"http://127.0.0.1:{port}/local/dev/_v/order-sync/sync-items/jobs"
        pids = dev.status()

        first = scaffold(*EMIT_ORDER, "--data", json.dumps(ORDER), "--port", str(port), cwd=app)
        assert first.returncode == 0, first.stderr
        assert "orderStatusUpdated attempt 1: 204" in first.stdout
        dev.wait_for("orderStatusUpdated.processed")
        again = scaffold(*EMIT_ORDER, "--data", json.dumps(ORDER), cwd=app)  # port from state
        assert again.returncode == 0, again.stderr
        rejected = scaffold(*EMIT_ORDER, "--data", "{}", cwd=app)
        assert rejected.returncode == 0, rejected.stderr
        dev.wait_for("orderStatusUpdated.rejected")

        status, answer = request(jobs_url, "POST", {"itemIds": ["sku-1", "sku-2", "sku-3"]})
        assert status == 202, answer
        job = _wait_job(f"{jobs_url}/{answer['jobId']}")
        assert job["summary"] == {"total": 3, "done": 3, "failed": 0, "retryable": 0, "pending": 0}
        dev.wait_for("-> syncItems attempt 1: 204")

        listed = scaffold("records", "--json", cwd=app)
        records = json.loads(listed.stdout)
        mine = [r for r in records if r["scope"] == "orderStatusUpdated"]
        assert sorted(r["status"] for r in mine) == ["done", "rejected"]
        assert sum(r["scope"].startswith("syncItems:job:") for r in records) == 3
        dev.drain()
        assert dev.count(SIDE_EFFECT) == 1, dev.output()
    finally:
        code = dev.stop()
    assert code == 0, dev.output()
    assert not alive(pids["pid"]) and not alive(pids["appPid"])

    # A new run keeps the stores: the first event is a duplicate still.
    dev = Dev(app, port)
    try:
        dev.wait_for("ready: ")
        replay = scaffold(*EMIT_ORDER, "--data", json.dumps(ORDER), cwd=app)
        assert replay.returncode == 0, replay.stderr
        dev.wait_for("-> orderStatusUpdated attempt 1: 204")
        dev.drain()
        assert dev.count(SIDE_EFFECT) == 0, dev.output()
        pids = dev.status()
    finally:
        code = dev.stop(signal.SIGTERM)
    assert code == 0
    assert not alive(pids["pid"]) and not alive(pids["appPid"])
    after = scaffold("records", "--port", str(port), cwd=app)
    assert after.returncode == 1 and "no scaffold dev answers" in after.stderr


@pytest.mark.node
def test_redelivery_clean_start_rebuild_and_errors(tmp_path: Path, gen_cache: Path) -> None:
    app = _app(tmp_path, gen_cache, "vbase")
    handler = app / "node/events/orderStatusUpdated.ts"
    source = handler.read_text()
    marker = "const body: unknown = ctx.body"
    assert marker in source
    # The handler fails twice before it reaches the ledger (whose own backoff would answer
    # the next deliveries busy for 10 s), then works: the broker redelivers until a 2xx.
    flaky = "let calls = 0\n" + source.replace(
        marker, "if (++calls <= 2) throw new Error('partner down')\n    " + marker
    )
    handler.write_text(flaky)
    port = free_port()
    dev = Dev(app, port)
    try:
        dev.wait_for("ready: ")
        done = scaffold(*EMIT_ORDER, cwd=app)
        assert done.returncode == 0, done.stdout + done.stderr
        statuses = [line.split(": ")[1].split()[0] for line in done.stdout.splitlines()]
        assert statuses[-1] == "204" and len(statuses) >= 3
        assert all(s.startswith("5") for s in statuses[:-1]), done.stdout
        assert "again in" in dev.wait_for("attempt 1: 5")

        # A broken edit keeps the old build running; fixing it restarts the app.
        handler.write_text(flaky + "\nconst broken: number = 'text'\n")
        error = dev.wait_for("error: node/")
        assert "TS2322" in error
        handler.write_text(source)
        dev.wait_for("restarted")

        # Busy port: one line.
        busy = scaffold("dev", "--port", str(port), cwd=app)
        assert busy.returncode == 1
        assert busy.stderr.strip().splitlines() == [
            f"error: port {port} is busy (another scaffold dev?); stop it or pass --port"
        ]
    finally:
        assert dev.stop() == 0

    # --clean forgets the stores: the same event runs its side effect again.
    dev = Dev(app, port, "--clean")
    try:
        dev.wait_for("ready: ")
        assert scaffold(*EMIT_ORDER, cwd=app).returncode == 0
        dev.wait_for("orderStatusUpdated.processed")
    finally:
        dev.stop()

    # An app that does not compile: one line, non-zero, nothing left running.
    handler.write_text(source + "\nconst broken: number = 'text'\n")
    failed = scaffold("dev", "--port", str(port), cwd=app)
    assert failed.returncode == 1
    assert len(failed.stderr.strip().splitlines()) == 1, failed.stderr
    assert "events/orderStatusUpdated.ts" in failed.stderr and "TS2322" in failed.stderr
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))  # free again


@pytest.mark.node
def test_concurrent_duplicates_run_the_side_effect_once(tmp_path: Path, gen_cache: Path) -> None:
    app = _app(tmp_path, gen_cache, "vbase")
    dev = Dev(app, free_port())
    try:
        dev.wait_for("ready: ")
        done = scaffold(*EMIT_ORDER, "--concurrent", "4", "--times", "2", cwd=app)
        assert done.returncode == 0, done.stdout + done.stderr
        finals = [line for line in done.stdout.splitlines() if ": 204" in line]
        assert len(finals) == 8
        dev.drain(2)
        assert dev.count(SIDE_EFFECT) == 1, dev.output()
        pids = dev.status()
    finally:
        # Killed outright (no chance to clean up): the node side sees its stdin close.
        dev.stop(signal.SIGKILL)
    deadline = time.monotonic() + 30
    while (alive(pids["pid"]) or alive(pids["appPid"])) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(pids["pid"]) and not alive(pids["appPid"])


@pytest.mark.node
def test_hand_written_app_runs_under_dev(tmp_path: Path, gen_cache: Path) -> None:
    fixture = Path(__file__).parents[1] / "fixtures" / "dev" / "stock-notify"
    app = tmp_path / "stock-notify"
    shutil.copytree(fixture, app)
    generated = make_app("generated", tmp_path / "gen", gen_cache)
    shutil.copy(generated / "node" / "package.json", app / "node" / "package.json")
    ensure_node_modules(app / "node")
    dev = Dev(app, free_port())
    try:
        dev.wait_for("ready: ")
        route = dev.wait_for("route subscribe (public)").split(": ", 1)[1]
        status, _ = request(route, "POST", {"email": "ana@example.com", "skuId": "1"})
        assert status == 201
        done = scaffold("emit", "broadcaster.notification", "--sender", "vtex.broadcaster", cwd=app)
        assert done.returncode == 0, done.stdout + done.stderr
        dev.wait_for("notified 1 subscriber")
        status, sent = request(route.replace("/subscribe", "/sent/1"))
        assert status == 200 and sent == {"skuId": "1", "notified": ["ana@example.com"]}
    finally:
        dev.stop()


def _run_it_locally(readme: str) -> list[list[str]]:
    """The shell blocks of the README's "Run it locally" section, as lists of commands."""
    section = readme.split("### Run it locally", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    blocks = section.split("```sh\n")[1:]
    return [[line for line in block.split("```", 1)[0].splitlines() if line] for block in blocks]


@pytest.mark.node
@pytest.mark.parametrize("store", ["vbase", "masterdata"])
def test_readme_run_it_locally_and_the_e2e_suite(
    tmp_path: Path, gen_cache: Path, store: str
) -> None:
    app = _app(tmp_path, gen_cache, store)
    e2e = subprocess.run(
        ["npm", "run", "--silent", "test:e2e"],
        cwd=app / "node",
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert e2e.returncode == 0, e2e.stdout + e2e.stderr
    assert "Tests:       5 passed, 5 total" in e2e.stderr

    start, *rest = _run_it_locally((app / "README.md").read_text())
    commands = [command for block in rest for command in block]  # one block per example
    assert start == ["cd node && npm install && cd ..", "scaffold dev"]  # installed by _app
    port = free_port()
    dev = Dev(app, port)
    job_id = ""
    try:
        dev.wait_for("ready: ")
        for command in commands:
            line = command.replace("7077", str(port)).replace("JOB_ID", job_id)
            line = line.replace("scaffold ", f"{sys.executable} -m scaffold ", 1)
            done = subprocess.run(
                ["bash", "-c", line], cwd=app, capture_output=True, text=True, timeout=300
            )
            assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"
            if "-X POST" in command:
                job_id = json.loads(done.stdout)["jobId"]
            if command.startswith("scaffold records --status failed"):
                assert done.stdout.strip() == "no records with status failed"
        url = f"http://127.0.0.1:{port}/local/dev/_v/order-sync/sync-items/jobs/{job_id}"
        assert _wait_job(url)["status"] == "done"
    finally:
        dev.stop()
