"""``scaffold check`` as a command: its body, and its command line read without typer.

Typer owns every command's help, errors and completion (``cli.py``). But importing typer and
the click it carries takes ~60 ms, more than checking a 100-handler app, and ``check`` is the
command that runs on every commit and in CI. So ``scaffold._entry`` reads check's command
line with :func:`parse` first: a plain table of check's options, which takes an argument
list only when it understands all of it exactly as click would. Anything else (``--help``,
a mistyped option, an option missing its value, shell completion) gets ``None`` and goes to
typer, which prints what it always did. Both paths then run :func:`execute`.

:data:`OPTIONS` repeats what check's typer signature declares (flags, which take a value,
which repeat); tests/check/test_command_line.py fails when the two disagree, and compares
what both parsers make of a corpus of command lines.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple


@dataclass(frozen=True)
class CheckOptions:
    """What ``scaffold check`` was asked; the defaults are those of its typer signature."""

    path: Path | None = None
    output_format: str = "text"
    json_output: bool = False
    select: list[str] | None = field(default=None)
    ignore: list[str] | None = field(default=None)
    list_rules: bool = False
    no_cache: bool = False
    fix: bool = False
    dry_run: bool = False


class Option(NamedTuple):
    """One option of check's: the field it sets, its spellings, and how it reads."""

    name: str
    flags: tuple[str, ...]
    takes_value: bool = False
    repeats: bool = False


OPTIONS = (
    Option("output_format", ("--format",), takes_value=True),
    Option("json_output", ("--json",)),
    Option("select", ("--select",), takes_value=True, repeats=True),
    Option("ignore", ("--ignore",), takes_value=True, repeats=True),
    Option("list_rules", ("--list-rules",)),
    Option("no_cache", ("--no-cache",)),
    Option("fix", ("--fix",)),
    Option("dry_run", ("--dry-run", "-n")),
)
_BY_FLAG = {flag: option for option in OPTIONS for flag in option.flags}


def completing() -> bool:
    """Whether the shell asks for completions (``_SCAFFOLD_COMPLETE`` and the like): typer's."""
    return any(key.startswith("_") and key.endswith("_COMPLETE") for key in os.environ)


def parse(args: list[str]) -> CheckOptions | None:
    """Read the arguments after ``check``, or ``None`` when typer should (see the module).

    Taken: the flags of :data:`OPTIONS` anywhere on the line, a value after its option or
    after ``=`` (``--format json``, ``--format=json``), a repeated option (the last value
    wins; ``--select`` and ``--ignore`` collect theirs), and at most one ``DIR``. Left to
    typer: shell completion (:func:`completing`), ``-h``/``--help``, ``--``, anything else
    that starts with ``-``, a value that starts with ``-`` or is missing, ``=`` after a
    flag, and a second ``DIR``.

    Args:
        args: The command line after ``check``.

    Returns:
        The options, or ``None``.
    """
    if completing():
        return None
    values: dict[str, object] = {}
    rest = iter(args)
    for arg in rest:
        if not arg.startswith("-") or arg == "-":
            if "path" in values:
                return None  # typer: "Got unexpected extra argument"
            values["path"] = Path(arg)
            continue
        flag, equals, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        option = _BY_FLAG.get(flag)
        if option is None:
            return None
        if not option.takes_value:
            if equals:
                return None  # typer: "Option '--json' does not take a value"
            values[option.name] = True
            continue
        value = inline if equals else next(rest, None)
        if value is None or (not equals and value.startswith("-") and value != "-"):
            return None
        if option.repeats:
            collected = values.setdefault(option.name, [])
            assert isinstance(collected, list)
            collected.append(value)
        else:
            values[option.name] = value
    return replace(CheckOptions(), **values)  # type: ignore[arg-type]


def _rule_list(values: list[str] | None) -> list[str]:
    return [part for value in values or [] for part in value.split(",") if part.strip()]


def execute(options: CheckOptions) -> int:
    """Run ``scaffold check`` as asked and print its result; return its exit code.

    Args:
        options: What was asked.

    Returns:
        1 when an error-level finding exists, else 0.

    Raises:
        UsageError: An unknown format or rule, or a selection that leaves no rule.
        ProjectError: No app holds the folder.
    """
    from scaffold import _console
    from scaffold import check as check_
    from scaffold._project import find_app_root
    from scaffold.errors import UsageError

    fmt = "json" if options.json_output else options.output_format.strip().lower()
    if fmt not in check_.FORMATS:
        raise UsageError(
            f"unknown --format {options.output_format!r}: use one of {', '.join(check_.FORMATS)}"
        )
    if options.list_rules:
        _console.write(check_.format_rules(as_json=fmt == "json"))
        return 0
    selected, ignored = _rule_list(options.select), _rule_list(options.ignore)
    check_.resolve_rules(selected, ignored)  # unknown or no rule: a usage error, app or not
    start = options.path if options.path is not None else Path.cwd()
    root = find_app_root(start, how="pass its folder as DIR")
    if options.fix:
        from scaffold import fix as fix_

        done, findings = fix_.fix_and_check(
            root, selected or None, ignored, dry_run=options.dry_run
        )
        _console.report_fixes(done, dry_run=options.dry_run, quiet=fmt != "text")
    else:
        findings = check_.check_cached(root, selected, ignored, use_cache=not options.no_cache)
    _console.report_findings(fmt, findings, root)
    return 1 if check_.has_errors(findings) else 0
