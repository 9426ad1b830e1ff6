"""What the command line prints: colour, and one reporter per kind of result.

The terminal half of ``cli.py`` (which keeps every command and flag); only the command line
imports it (``cli.py``, and ``_entry.py``/``_check_command.py``, which run check without
typer), so the rule stays: the core returns results, the CLI prints them.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scaffold._rules._base import Finding
    from scaffold.fix import Fixes

_SEVERITY_COLOR: dict[str, str | None] = {"error": "red", "warning": "yellow", "info": None}


def use_color() -> bool:
    """Colour only on a terminal, and never with NO_COLOR set or TERM=dumb."""
    return (
        sys.stdout.isatty()
        and "NO_COLOR" not in os.environ
        and os.environ.get("TERM", "") != "dumb"
    )


# click's colour codes and its pattern for an ANSI sequence (typer._click.termui, .utils).
_COLOURS = {"red": 31, "green": 32, "yellow": 33, "cyan": 36, "bright_black": 90}
_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")


def write(text: str, *, nl: bool = True, err: bool = False, fg: str | None = None) -> None:
    """Write ``text`` (and a newline) to stdout, or stderr with ``err``, and flush.

    Hand-written rather than ``typer.echo``: importing typer (and the click it carries)
    costs ~60 ms, and ``scaffold check`` prints without it (scaffold._entry). It does what
    ``click.echo`` and ``click.style`` do for text on Linux and macOS: ``fg`` wraps the text
    in click's colour code and reset, ANSI sequences are stripped when the stream is not a
    terminal, nothing is written without a stream, and the stream is flushed after every
    call (a line on stderr never overtakes the lines before it on stdout). On Windows it
    strips colour, as click does there without colorama. What it leaves out is click's
    re-wrapping of a stdout misconfigured as ASCII (Python 3.11 coerces the C locale to
    UTF-8). tests/commands/test_console_write.py compares it with click.echo.
    """
    stream = sys.stderr if err else sys.stdout
    if stream is None:
        return
    if fg is not None:
        text = f"\033[{_COLOURS[fg]}m{text}\033[0m"
    if nl:
        text += "\n"
    try:
        terminal = stream.isatty() and sys.platform != "win32"
    except (OSError, ValueError):
        terminal = False
    if not terminal:
        text = _ANSI.sub("", text)
    if text:
        stream.write(text)
    stream.flush()


def echo(message: str = "", *, fg: str | None = None, err: bool = False) -> None:
    """Print a line, coloured only when colour is wanted."""
    write(message, fg=fg if use_color() else None, err=err)


def error(message: str) -> None:
    """Print ``error: message`` on stderr, in red on a terminal."""
    echo(f"error: {message}", fg="red", err=True)


ABORTED = "aborted, nothing was written"


def failure(problem: BaseException) -> int | None:
    """Print a command's failure as its one line on stderr; return its exit code.

    The one mapping, for the typer commands (``cli.user_errors``) and for ``check`` run
    without typer (``scaffold._entry``). A ``UserError`` carries its code (``errors.py``: 1,
    or 2 for a usage error). Ctrl-C (``KeyboardInterrupt``) and Ctrl-D at a prompt
    (``EOFError``) are one behaviour: the same line and exit 130, since both mean "stop" and
    nothing was written yet (a signal during a write rolls the write back first, see
    ``_changes.ChangeSet.apply``). A closed pipe (``scaffold list | head``) means the reader
    went away after what the command did was done: no line, exit 141 as a process killed by
    SIGPIPE, with stdout pointed at /dev/null so the final flush stays quiet. An ``OSError``
    that no core module turned into a ``UserError`` (a disk that fails, a path the OS
    refuses) is still one line, never a traceback.

    Args:
        problem: What the command raised.

    Returns:
        The exit code, or ``None`` for anything else (a bug: let it raise).
    """
    from scaffold.errors import UserError

    if isinstance(problem, UserError):
        error(str(problem))
        return problem.exit_code
    if isinstance(problem, (KeyboardInterrupt, EOFError)):
        error(ABORTED)
        return 130
    if isinstance(problem, BrokenPipeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13
    if isinstance(problem, OSError):
        where = f" ({problem.filename})" if problem.filename else ""
        error(f"{problem.strerror or problem}{where}; nothing was changed")
        return 1
    return None


def _diffs(result: Any, *, err: bool = False) -> None:
    """With a dry run, print the unified diff of every file the result would change."""
    if result.dry_run:
        for text in result.diff.values():
            write(text, nl=False, err=err)


def _files(result: Any) -> None:
    """One line per file created, modified or deleted (``would ...`` in a dry run)."""
    prefix = "would " if result.dry_run else ""
    for verb, files in (
        ("create", result.created),
        ("modify", result.modified),
        ("delete", result.deleted),
    ):
        for rel in files:
            echo(f"  {prefix}{verb} {rel}", fg="green" if verb == "create" else None)


def print_next(lines: list[str]) -> None:
    """Print the "Next steps" block, if there are any."""
    if lines:
        echo("\nNext steps:")
        for line in lines:
            echo(f"  {line}")


def report_new(result: Any, *, list_created: bool) -> None:
    """Print what ``scaffold new`` wrote (or, with a dry run, the diffs it would write)."""
    _diffs(result)
    if list_created:
        verb = "would create" if result.dry_run else "created"
        for rel in result.created:
            echo(f"  {verb} {rel}", fg="green")
    for rel in result.overwritten:
        echo(f"  {'would overwrite' if result.dry_run else 'overwrote'} {rel}", fg="yellow")
    if result.dry_run:
        echo(f"dry run: nothing written to {result.dest}")
        return
    from scaffold import _next_steps

    echo(f"\nCreated {result.answers.app_id} in {result.dest}", fg="green")
    print_next(_next_steps.after_new(result.dest, result.answers.example))


# Notes about the input (the id a typed name becomes), printed with the result's own notes:
# a refused command prints its one error line and nothing before it.
pending_notes: list[str] = []


def report_edit(result: Any, *, json_output: bool) -> None:
    """Print what an editing command did: diffs (dry run), files, notes, next steps or JSON."""
    if json_output:
        write(result.to_json())
        return
    _diffs(result)
    for note in pending_notes:
        echo(f"note: {note}", err=True)
    pending_notes.clear()
    for note in result.notes:
        echo(f"note: {note}", fg="yellow", err=True)
    if result.unchanged:
        echo(result.message)
        return
    _files(result)
    if result.dry_run:
        echo(f"dry run: nothing written to {result.root}")
        return
    from scaffold import _next_steps

    print_next(_next_steps.after_edit(result))


def report_update(result: Any) -> None:
    """Print what ``scaffold update`` changed (or would) and where the conflicts are."""
    _diffs(result)
    _files(result)
    prefix = "would " if result.dry_run else ""
    for rel, line in result.conflicts:
        echo(f"  {prefix}conflict {rel}:{line}", fg="red")
    done = "would update" if result.dry_run else "updated"
    echo(f"{done} {result.root} from {result.old} to {result.new}")
    if result.conflicts:
        files = len({rel for rel, _ in result.conflicts})
        where = f"{len(result.conflicts)} conflict(s) in {files} file(s)"
        echo(
            f"{where} would need resolving: both you and the template changed those lines"
            if result.dry_run
            else f"{where}: keep what you want between <<<<<<< before updating and "
            ">>>>>>> after updating, then commit",
            fg="red",
            err=True,
        )
    elif not result.dry_run:
        echo("Review with `git diff`, run the tests, then commit.")


def report_fixes(done: Fixes, *, dry_run: bool, quiet: bool) -> None:
    """Print what ``check --fix`` fixed (or would) and left; on stderr when ``quiet``.

    Args:
        done: What the fixes did.
        dry_run: Also print the diff.
        quiet: Another format owns stdout (JSON, SARIF...).
    """
    _diffs(done.result, err=quiet)
    verb = "would fix" if dry_run else "fixed"
    for line in done.fixed:
        echo(f"{verb} {line}", fg="green", err=quiet)
    for line in done.skipped:
        echo(f"not fixed: {line}", fg="yellow", err=quiet)


def report_findings(fmt: str, findings: list[Finding], root: Path) -> None:
    """Print check's findings in one of :data:`scaffold.check.FORMATS`."""
    from scaffold import check as check_

    if fmt == "json":
        write(check_.format_json(findings))
    elif fmt == "github":
        if findings:
            write(check_.format_github(findings, _repo_prefix(root)))
    elif fmt == "sarif":
        from scaffold._release import version

        write(check_.format_sarif(findings, _repo_prefix(root), version()))
    else:
        for finding in findings:
            echo(check_.format_finding(finding), fg=_SEVERITY_COLOR[finding.severity])
        for line in check_.format_summary(findings):
            echo(line)


def _repo_prefix(root: Path) -> str:
    """The app root relative to the current folder (``apps/sync/``), or ``""``.

    GitHub resolves annotation and SARIF paths from the repository root, where CI runs.
    """
    try:
        rel = root.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return ""
    return "" if rel == Path() else rel.as_posix() + "/"


_LEVEL_COLOURS = {"error": "red", "warn": "yellow", "info": None, "debug": "bright_black"}


def print_dev_event(event: dict[str, Any]) -> None:
    """One line per thing that happens under ``scaffold dev``."""
    kind = event.get("kind")
    if kind == "ready":
        echo(f"ready: {event['url']}  (state in {event.get('state')})", fg="green")
        for route in event.get("routes", []):
            access = "public" if route.get("public") else "private"
            echo(f"  route {route['id']} ({access}): {route['url']}")
    elif kind == "app":
        _print_app_line(str(event.get("line", "")))
    elif kind == "delivery":
        _print_delivery(event)
    elif kind == "rebuild":
        echo(f"changed: {', '.join(event.get('files', []))}; rebuilding")
    elif kind == "restarted":
        echo(f"restarted ({event.get('ms')} ms)", fg="green")
    elif kind == "compile-error":
        echo(f"error: {event.get('message')}; the previous build keeps running", fg="red")
    elif kind == "exit":
        echo(
            f"error: the app's runtime exited ({event.get('code') or event.get('signal')}); "
            "save a fix to restart it",
            fg="red",
        )


def _print_app_line(line: str) -> None:
    """A log entry of the app as ``level message {fields}``; other output dimmed."""
    import json

    try:
        entry = json.loads(line)
    except ValueError:
        entry = None
    if isinstance(entry, dict) and entry.get("__VTEX_IO_BILLING"):
        return
    if isinstance(entry, dict) and entry.get("__VTEX_IO_LOG"):
        level = str(entry.get("level", "info"))
        data = entry.get("data")
        message = data.get("message") if isinstance(data, dict) else data
        extra = {k: v for k, v in data.items() if k != "message"} if isinstance(data, dict) else {}
        tail = f" {json.dumps(extra, separators=(',', ':'))}" if extra else ""
        echo(f"{level:<5} {message}{tail}", fg=_LEVEL_COLOURS.get(level))
    elif line.strip():
        echo(f"      {line}", fg="bright_black")


def _print_delivery(event: dict[str, Any]) -> None:
    status = event.get("status")
    ok = isinstance(status, int) and 200 <= status < 300
    after = {"retry": f", again in {event.get('delayMs')} ms", "give-up": ", giving up"}
    echo(
        f"event {event.get('sender')}/{event.get('topic')} -> {event.get('handler')} "
        f"attempt {event.get('attempt')}: {status or 'no answer'} ({event.get('ms')} ms)"
        f"{after.get(str(event.get('next')), '')}",
        fg="cyan" if ok else "yellow",
    )
