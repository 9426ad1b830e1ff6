"""Wall time of `scaffold add-event` on a generated app and on an app with 200 events.

Side by side with a hello-world typer command that takes the same options (the floor any
typer CLI pays: interpreter start, typer, click): the goal is add-event <= 1.3x of it, and
add-event on an app with 200 events <= 1.2x add-event on the generated app (``--big``).

Run: .venv/bin/python benchmarks/add_event.py [--runs R] [--big] [--others]

``--others`` adds the same comparison for add-worker (a batch worker: publisher, routes)
and add-publisher, each against a hello-world command taking that command's options.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import _timing

from scaffold.events import add_event
from scaffold.new import AppAnswers, create_app

HELLO = """
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer()


@app.command()
def noop() -> None:
    pass


@app.command("add-event")
def add_event(
    name: str,
    sender: Annotated[Optional[str], typer.Option()] = None,
    topic: Annotated[Optional[list[str]], typer.Option("--topic")] = None,
    store: Annotated[Optional[str], typer.Option()] = None,
    directory: Annotated[Optional[Path], typer.Option("--dir", "-C")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y")] = False,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    typer.echo(f"hello {name} from {sender} on {topic} in {directory}")


@app.command("add-worker")
def add_worker(
    name: str,
    topic: Annotated[Optional[str], typer.Option()] = None,
    route: Annotated[Optional[bool], typer.Option("--route/--no-route")] = None,
    batch: Annotated[bool, typer.Option("--batch/--no-batch")] = True,
    store: Annotated[Optional[str], typer.Option()] = None,
    directory: Annotated[Optional[Path], typer.Option("--dir", "-C")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y")] = False,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    typer.echo(f"hello {name} on {topic} in {directory}")


@app.command("add-publisher")
def add_publisher(
    topic: str,
    store: Annotated[Optional[str], typer.Option()] = None,
    directory: Annotated[Optional[Path], typer.Option("--dir", "-C")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y")] = False,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    typer.echo(f"hello {topic} in {directory}")


app()
"""

ARGS = ["--sender", "vtex.orders-broadcast", "--topic", "order-status-updated", "-y"]


def _grow(app: Path, count: int) -> None:
    """Declare and register ``count`` generic consumers through the API (one edit each)."""
    for i in range(count):
        add_event(app, f"partner-event-{i}", sender="acme.partner", topics=[f"topic-{i}"])


def _others(app: Path, script: Path, runs: int) -> None:
    """add-worker and add-publisher on the same app, each beside its hello-world twin."""
    for verb, args in (("add-worker", ["-y"]), ("add-publisher", ["-y"])):
        name = "bulk-{}" if verb == "add-worker" else "thing-{}-changed"
        hello = f"hello-world typer {verb} (same options)"
        times = _timing.interleaved(
            {
                hello: lambda i, verb=verb, name=name, args=args: [
                    sys.executable,
                    str(script),
                    verb,
                    name.format(i + 1),
                    *args,
                    "-C",
                    str(app),
                ],
                f"scaffold {verb}": lambda i, verb=verb, name=name, args=args: [
                    sys.executable,
                    "-m",
                    "scaffold",
                    verb,
                    name.format(i + 1),
                    *args,
                    "-C",
                    str(app),
                ],
            },
            runs,
        )
        print(f"\nthe same app, each run adds one more ({verb}):")
        _timing.report(times, hello, 1.5)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--big", action="store_true", help="also grow a 200-event app (about 1 minute)"
    )
    parser.add_argument(
        "--others", action="store_true", help="also time add-worker and add-publisher"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        answers = AppAnswers("acme", "order-sync", "Order Sync", "", "vbase", True)
        small = Path(tmp) / "small"
        create_app(small, answers)
        script = Path(tmp) / "hello.py"
        script.write_text(HELLO, encoding="utf-8")
        scaffold = [sys.executable, "-m", "scaffold", "add-event"]
        hello = "hello-world typer add-event (same options)"
        commands: dict[str, _timing.Command] = {
            hello: lambda i: [
                *(sys.executable, str(script), "add-event", f"bench-{i + 1}"),
                *(*ARGS, "-C", str(small)),
            ],
            "scaffold add-event": lambda i: [*scaffold, f"bench-{i + 1}", *ARGS, "-C", str(small)],
        }
        big = Path(tmp) / "big"
        if options.big:
            # Grown through the API, one add-event at a time, as a person's app grows.
            create_app(big, answers)
            start = time.perf_counter()
            _grow(big, 200)
            grow = time.perf_counter() - start
            events = json.loads((big / "node/service.json").read_text())["events"]
            print(f"built an app with {len(events)} events in {grow:.1f} s (API, in-process)")
            commands[f"scaffold add-event, {len(events)}-event app"] = lambda i: [
                *scaffold,
                f"bench-{i + 1}",
                *ARGS,
                "-C",
                str(big),
            ]
        times = _timing.interleaved(commands, options.runs)
        print("a generated app, each run adds one more event:")
        _timing.report({k: times[k] for k in list(commands)[:2]}, hello, 1.3)
        if options.big:
            big_label = list(commands)[-1]
            print(f"\nthe {big_label.split(', ')[1]} beside the generated app (goal <= 1.20):")
            _timing.report(
                {k: times[k] for k in ("scaffold add-event", big_label)}, "scaffold add-event", 1.2
            )
            start = time.perf_counter()
            add_event(big, "in-process", sender="acme.partner", topics=["x"])
            took = (time.perf_counter() - start) * 1000
            print(f"add-event API on the big app, in-process: {took:.0f} ms")
        if options.others:
            _others(small, script, options.runs)


if __name__ == "__main__":
    main()
