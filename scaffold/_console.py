"""What the command line prints: colour, and one reporter per kind of result.

The terminal half of ``cli.py`` (which keeps every command and flag); only ``cli.py``
imports it, so the rule stays: the core returns results, the CLI prints them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

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


def echo(message: str = "", *, fg: str | None = None, err: bool = False) -> None:
    """Print a line, coloured only when colour is wanted."""
    typer.secho(message, fg=fg if use_color() else None, err=err)


def _diffs(result: Any, *, err: bool = False) -> None:
    """With a dry run, print the unified diff of every file the result would change."""
    if result.dry_run:
        for text in result.diff.values():
            typer.echo(text, nl=False, err=err)


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


def report_edit(result: Any, *, json_output: bool) -> None:
    """Print what an editing command did: diffs (dry run), files, notes, next steps or JSON."""
    if json_output:
        typer.echo(result.to_json())
        return
    _diffs(result)
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
        typer.echo(check_.format_json(findings))
    elif fmt == "github":
        if findings:
            typer.echo(check_.format_github(findings, _repo_prefix(root)))
    elif fmt == "sarif":
        from scaffold._release import version

        typer.echo(check_.format_sarif(findings, _repo_prefix(root), version()))
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
