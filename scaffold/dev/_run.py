"""Run ``scaffold dev``: the node side in a process group of its own, rebuilt on change.

Processes (the standard library's ``subprocess``; no process-manager library is needed for
one child): scaffold starts ``node main.js`` in a new session, so the app's runtime, its
child, shares that group and one ``killpg`` stops both. ``main.js`` also stops when its
stdin closes, so even a scaffold that is killed outright leaves nothing running. Changes are
found by polling modification times twice a second (hand-written: a few lines, where a
watcher library would add a compiled dependency for one loop).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scaffold.dev import _build
from scaffold.dev._build import CompileError, DevApp
from scaffold.errors import UserError

DEFAULT_PORT = 7077
ACCOUNT = "local"
WORKSPACE = "dev"
POLL_S = 0.5
STOP_GRACE_S = 5.0

Event = dict[str, Any]


class PortBusyError(UserError):
    """Another process listens on the port."""


def check_port(port: int) -> None:
    """Refuse a port another process already listens on.

    Raises:
        PortBusyError: It is taken.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As node binds: connections of a previous run in TIME_WAIT do not make it busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise PortBusyError(
                f"port {port} is busy (another scaffold dev?); stop it or pass --port"
            ) from None


def server_file(app: DevApp) -> Path:
    """Where a running ``scaffold dev`` records its port and pid."""
    return app.state / "server.json"


class DevSession:
    """One ``scaffold dev`` run.

    Args:
        app: The app.
        port: Port of the local platform (routes, model, control).
        watch: Rebuild and restart the app on a source change.
        redelivery: Broker settings (``maxAttempts``, ``firstDelayMs``, ``maxDelayMs``).
    """

    def __init__(
        self,
        app: DevApp,
        port: int,
        *,
        watch: bool = True,
        redelivery: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.port = port
        self.watch = watch
        self.redelivery = redelivery or {}
        self.process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._snapshot: dict[str, float] = {}

    def start(self) -> None:
        """Check the port, build the app and the platform, start the node side.

        Raises:
            PortBusyError: The port is taken.
            CompileError: The app does not compile.
        """
        check_port(self.port)
        self._snapshot = _build.sources_snapshot(self.app)
        entry = _build.build_app(self.app)
        main = _build.build_platform(self.app)
        config = {
            "nodeDir": str(self.app.node),
            "entry": str(entry),
            "serviceFile": str(self.app.node / "service.json"),
            "stateFile": str(self.app.state / "state.json"),
            "workDir": str(self.app.state / "runtime"),
            "port": self.port,
            "account": ACCOUNT,
            "workspace": WORKSPACE,
            "app": self.app.app,
            "appId": self.app.app_id,
            "redelivery": self.redelivery,
        }
        env = {**os.environ, "SCAFFOLD_DEV": json.dumps(config), "FORCE_COLOR": "0"}
        env.pop("NODE_OPTIONS", None)
        self.process = subprocess.Popen(
            ["node", str(main)],
            cwd=self.app.state,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def events(self) -> Iterator[Event]:
        """What happens, as it happens, until the node side exits.

        Yields:
            Events: ``ready``, ``app`` (a line the app wrote), ``delivery``, ``exit``,
            ``rebuild``, ``restarted``, ``compile-error``.

        Raises:
            UserError: The node side could not start (``fatal``).
        """
        checked = time.monotonic()
        while True:
            try:
                line = self._lines.get(timeout=POLL_S)
            except queue.Empty:
                line = ""
            # Also while the app logs without pause: a change is seen within about POLL_S.
            if self.watch and time.monotonic() - checked >= POLL_S:
                yield from self._rebuild_if_changed()
                checked = time.monotonic()
            if line == "":
                continue
            if line is None:
                return
            try:
                event = json.loads(line)
            except ValueError:
                event = {"kind": "app", "stream": "stderr", "line": line}
            if not isinstance(event, dict):
                event = {"kind": "app", "stream": "stdout", "line": line}
            if event.get("kind") == "fatal":
                raise UserError(str(event.get("message")))
            if event.get("kind") == "ready":
                server_file(self.app).write_text(
                    json.dumps({"port": self.port, "pid": os.getpid()}), encoding="utf-8"
                )
            yield event

    def _rebuild_if_changed(self) -> Iterator[Event]:
        now = _build.sources_snapshot(self.app)
        if now == self._snapshot:
            return
        changed = sorted(set(now.items()) ^ set(self._snapshot.items()))
        self._snapshot = now
        yield {"kind": "rebuild", "files": [Path(name).name for name, _ in changed][:5]}
        started = time.monotonic()
        try:
            entry = _build.build_app(self.app)
        except CompileError as error:
            yield {"kind": "compile-error", "message": str(error)}
            return
        answer = control(self.port, "restart", {"entry": str(entry)}, timeout=120)
        yield {
            "kind": "restarted" if "port" in answer else "compile-error",
            "message": answer.get("message", ""),
            "ms": round((time.monotonic() - started) * 1000),
        }

    def stop(self) -> None:
        """Stop the node side and the app's runtime (SIGTERM, then SIGKILL), within seconds."""
        with contextlib.suppress(OSError):
            server_file(self.app).unlink()
        process = self.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            pass
        # The runtime's child may outlive main.js by a moment: the group goes as a whole.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_GRACE_S)


def control(
    port: int, what: str, body: dict[str, Any] | None = None, *, timeout: float = 300
) -> dict[str, Any]:
    """Call a control route of a running ``scaffold dev`` (``/_scaffold/<what>``).

    Args:
        port: Its port.
        what: ``status``, ``records``, ``emit`` or ``restart``.
        body: JSON to POST (``None``: a GET).
        timeout: Seconds to wait for the answer.

    Returns:
        The answer (a list answer comes back as ``{"items": [...]}``).

    Raises:
        UserError: No server answers on the port.
    """
    url = f"http://127.0.0.1:{port}/_scaffold/{what}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    request.add_header("content-type", "application/json")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as answer:
            value = json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        value = json.loads(error.read() or b"{}")
        if not isinstance(value, dict) or "message" not in value:
            raise UserError(f"scaffold dev on port {port} answered {error.code}") from None
        value["status"] = error.code
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        reason = getattr(error, "reason", error)
        raise UserError(
            f"no scaffold dev answers on http://127.0.0.1:{port} ({reason}); "
            "start `scaffold dev` in the app (or pass its --port)"
        ) from None
    return value if isinstance(value, dict) else {"items": value}


def find_port(start: Path, port: int | None) -> int:
    """The port of the ``scaffold dev`` to talk to: ``--port``, else the one running for the
    app around ``start``, else the default."""
    if port is not None:
        return port
    from scaffold import _project
    from scaffold.errors import ProjectError

    try:
        root = _project.find_app_root(start)
    except ProjectError:
        return DEFAULT_PORT
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        return int(json.loads((root / _build.STATE_DIR / "server.json").read_text())["port"])
    return DEFAULT_PORT
