"""Command-line interface: every command and flag, mapped to API calls; errors to exit codes.

What each command prints is :mod:`scaffold._console`'s; the work is the core's. Nothing else.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup

from scaffold import _console
from scaffold._console import echo
from scaffold.errors import DestinationError, UsageError, UserError

app = typer.Typer(
    name="scaffold",
    help=(
        "Create VTEX IO node apps built around events and background workers, "
        "and add to them safely.\n\n"
        "\b\nExamples:\n"
        "  scaffold new order-sync --vendor acme --store vbase\n"
        "  scaffold add-event order-status-changed --sender vtex.orders-broadcast"
        " --topic order-status-updated\n"
        "  scaffold add-worker sync-items\n"
        "  scaffold list && scaffold graph\n"
        "  scaffold check\n\n"
        "Documentation: scaffold docs TOPIC (guide, commands, patterns, check, reliability)."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# --- arguments and options several commands share (each defined once) -------------------

AppPath = Annotated[
    Path | None,
    typer.Argument(
        help="A folder inside the app (default: the current folder).",
        metavar="DIR",
        show_default=False,
    ),
]


AppDir = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        "-C",
        metavar="PATH",
        help="The app root (default: the folder holding manifest.json, from here upward).",
        show_default=False,
    ),
]
DryRun = Annotated[
    bool, typer.Option("--dry-run", "-n", help="Print a diff of every change; write nothing.")
]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Never prompt; missing values are errors.")]
JsonOutput = Annotated[bool, typer.Option("--json", help="Print a machine-readable summary.")]


def _asked(metavar: str, help_text: str) -> Any:
    """The NAME or TOPIC argument of an add-*/remove-* command, asked on a terminal if omitted."""
    return typer.Argument(
        metavar=metavar, help=f"{help_text} (asked on a terminal if omitted).", show_default=False
    )


StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="vbase|masterdata",
        help="Ledger backend if the app has no ledger (node/support/processing.ts) yet.",
        show_default=False,
        autocompletion=lambda: ["vbase", "masterdata"],
    ),
]


F = TypeVar("F", bound=Callable[..., Any])


# --- a light value path: plain str / Path / bool / list[str] values skip pydantic ------------
# Typer 0.29 coerces every parameter value, even an absent one, through a pydantic
# TypeAdapter; building the first one imports pydantic (~70 ms, a quarter of a typer start).
# scaffold's parameters are plain strings, paths, flags and lists of strings, which need no
# validation library: _lighten gives them a coercion of their own before click processes
# them and leaves any other type (an enum, a bounded number, a file) to typer. Help, usage
# errors and completion stay typer's. This relies on _TyperParameter.get_runtime_param
# caching ``_runtime_param`` (typer 0.29); tests/check/test_command.py fails if a check imports
# pydantic again, so an upgrade that changes it is noticed, not silently slower.


@functools.cache
def _plain_param() -> type[Any] | None:
    """The light coercion, or None with a typer that lacks 0.29's private coercion layer
    (then typer's own coercion stays: slower, never wrong)."""
    try:
        from typer._coercion import RuntimeParam
    except ImportError:
        return None

    @dataclasses.dataclass(frozen=True)
    class Plain(RuntimeParam):
        """Coerce an already parsed value to ``str``, ``Path``, ``bool`` or a list of ``str``."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:  # noqa: ARG002
            if isinstance(value, (list, tuple)):
                return [_plain_value(item, _item_type(self.annotation)) for item in value]
            return _plain_value(value, self.annotation)

    return Plain


def _item_type(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", ())
    return args[0] if args else str


def _plain_value(value: Any, target: Any) -> Any:
    if target is Path:
        return value if isinstance(value, Path) else Path(value)
    if target is bool:
        return bool(value)
    return str(value)


def _is_plain(annotation: Any) -> bool:
    if annotation in (str, Path, bool):
        return True
    return getattr(annotation, "__origin__", None) is list and _item_type(annotation) is str


def _lighten(params: list[Any]) -> None:
    """Give each plain-typed typer parameter the light coercion (see above)."""
    plain = _plain_param()
    if plain is None:
        return
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", "absent") is not None:
            continue
        info = descriptor.parameter_info
        checked = (
            getattr(info, "parser", None) is not None
            or getattr(info, "exists", False)
            or getattr(info, "resolve_path", False)
            or getattr(info, "file_okay", True) is False
            or getattr(info, "dir_okay", True) is False
        )
        if descriptor.file_annotation is None and not checked and _is_plain(descriptor.annotation):
            param._runtime_param = plain(  # noqa: SLF001 -- see the section comment
                parameter_info=info, annotation=descriptor.annotation
            )


class _Group(TyperGroup):
    """Typer's group, with plain values coerced without pydantic."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _lighten(self.get_params(ctx))
        return super().parse_args(ctx, args)


app.info.cls = _Group


class _Command(TyperCommand):
    """Help that shows arguments by their metavar (``NAME``, ``[DIR]``), never a Python type;
    plain values coerced without pydantic (see above)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _lighten(self.get_params(ctx))
        return super().parse_args(ctx, args)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:  # noqa: ARG002
        pieces = ["[OPTIONS]"] if any(p.param_type_name == "option" for p in self.params) else []
        for param in self.params:
            if param.param_type_name == "argument":
                label = param.metavar or (param.name or "").upper()
                pieces.append(label if param.required else f"[{label}]")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        args, opts = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                label = param.metavar or (param.name or "").upper()
                args.append((label, record[1]))
            else:
                opts.append(record)
        for title, rows in (("Arguments", args), ("Options", opts)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr and return the exit to raise."""
    _console.error(message)
    return typer.Exit(code)


def user_errors(func: F) -> F:
    """Turn a user's mistake, Ctrl-C, a closed pipe or an OS error into its one line on
    stderr and its exit code (:func:`scaffold._console.failure`, the one mapping)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _console.pending_notes.clear()
        try:
            return func(*args, **kwargs)
        except (UserError, KeyboardInterrupt, EOFError, OSError) as error:
            code = _console.failure(error)
            if code is None:
                raise
            raise typer.Exit(code) from None

    return wrapper  # type: ignore[return-value]


def _note_normalised(name: str, *, what: str, json_output: bool) -> None:
    """Say (with the result) which id a handler name becomes when not typed as that id.

    With ``--json`` the summary's ``name`` is that id, and stdout stays one document.
    """
    if json_output:
        return
    from scaffold import _names
    from scaffold.errors import InvalidAnswerError

    try:
        note = _names.normalised(name, _names.handler_id(name, what=what))
    except InvalidAnswerError:
        return  # the command refuses it with the full message
    if note:
        _console.pending_notes.append(note)  # printed with the result, not before an error


def _version(value: bool) -> None:
    if value:
        from scaffold._release import version

        typer.echo(f"scaffold {version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Create VTEX IO node apps built around events and background workers."""


@app.command(cls=_Command)
@user_errors
def new(
    dest: Annotated[
        str | None,  # text, not a Path: '' must not become '.'
        typer.Argument(
            metavar="DEST", help="Folder to create (default: ./NAME).", show_default=False
        ),
    ] = None,
    vendor: Annotated[
        str | None,
        typer.Option(metavar="VENDOR", help="VTEX account that owns the app (lowercase, digits)."),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="App name: lowercase letters, digits, hyphens."),
    ] = None,
    title: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Title shown in the admin.")
    ] = None,
    description: Annotated[
        str | None, typer.Option(metavar="TEXT", help="One-line description.")
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            metavar="vbase|masterdata",
            help="Where idempotency and status records live (default: vbase).",
            show_default=False,
            autocompletion=lambda: ["vbase", "masterdata"],
        ),
    ] = None,
    example: Annotated[
        bool | None,
        typer.Option(
            "--example/--no-example",
            help="Include an example consumer, worker and publisher.",
            show_default=False,
        ),
    ] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Use defaults for anything not given; never ask.")
    ] = False,
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", metavar="KEY=VALUE", help="An answer (repeatable)."),
    ] = None,
    data_file: Annotated[
        Path | None,
        typer.Option("--data-file", metavar="FILE", help="YAML or JSON file of answers."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", "-n", help="Show what would be written; write nothing.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty folder.")] = False,
    json_output: JsonOutput = False,
) -> None:
    """Create a new VTEX IO events-and-workers app.

    \b
    Examples:
      scaffold new order-sync --vendor acme             # ask the rest on a terminal
      scaffold new order-sync --vendor acme --defaults  # no questions at all
      scaffold new ./apps/sync --data-file answers.yml --store masterdata --no-example
      scaffold new order-sync --vendor acme --defaults --dry-run

    Every answer is validated before anything is written. Without a terminal, a missing
    required answer is an error that names its flag.
    """
    from scaffold import _answers, _prompts, _vtex
    from scaffold import new as new_

    if dest is not None and not dest.strip():
        raise DestinationError(
            "empty destination folder: name the new app's folder (scaffold new order-sync), "
            "or pass . for this folder"
        )
    folder = Path(dest) if dest is not None else None

    flags = {
        "vendor": vendor,
        "name": name,
        "title": title,
        "description": description,
        "store": _vtex.parse_store(store),  # a bad option value: exit 2, as on add-*
        "example": example,
    }
    layers: list[tuple[str, dict[str, Any]]] = [("the flags", flags)]
    layers.append(("--data", _answers.parse_data_pairs(data or [])))
    if data_file is not None:
        layers.append((f"--data-file {data_file}", _answers.read_data_file(data_file)))
    ask = _prompts.ask if _prompts.can_prompt() else None
    if folder is not None:
        new_.refuse_nested(folder.absolute())  # before any question
    answers = _answers.resolve_answers(layers, dest=folder, use_defaults=defaults, ask=ask)
    target = folder if folder is not None else Path(answers.name)
    interactive = ask is not None and not defaults and not json_output

    def confirm(files: list[str]) -> bool:
        echo(f"\n{answers.app_id} ({answers.store}) in {target.absolute()}:")
        for rel in files:
            echo(f"  {rel}")
        return _prompts.confirm(f"Create these {len(files)} files?")

    result = new_.create_app(
        target, answers, force=force, dry_run=dry_run, confirm=confirm if interactive else None
    )
    _note_development_build()
    if json_output:
        typer.echo(result.to_json())
        return
    _console.report_new(result, list_created=not interactive)


def _note_development_build() -> None:
    """Say (on stderr) when the app records a template no release holds."""
    from scaffold import _paths, _release

    history = _paths.template_history()
    note = _release.development_note(
        _release.version(), has_own_history=history is not None and history.is_dir()
    )
    if note:
        _console.echo(f"note: {note}", fg="yellow", err=True)


@app.command(cls=_Command)
@user_errors
def check(
    path: AppPath = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="text|json|github|sarif",
            help="Output: text, a JSON array, GitHub Actions annotations, or SARIF 2.1.0.",
            autocompletion=lambda: ["text", "json", "github", "sarif"],
        ),
    ] = "text",
    json_output: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            metavar="RULES",
            help="Only these rules: ids or names, comma-separated (repeatable).",
        ),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore", metavar="RULES", help="Skip these rules: ids or names, comma-separated."
        ),
    ] = None,
    list_rules: Annotated[
        bool,
        typer.Option("--list-rules", help="Print every rule (id, name, severity) and exit."),
    ] = False,
    no_cache: Annotated[
        bool,
        typer.Option("--no-cache", help="Check again even if nothing changed since the last run."),
    ] = False,
    fix: Annotated[
        bool,
        typer.Option(
            "--fix",
            help="Fix what has one certain fix (SC001 when the handler module exists, "
            "SC201, SC301), then report the rest.",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", "-n", help="With --fix: print the diff; write nothing.")
    ] = False,
) -> None:
    """Lint an app against the events-and-workers checklist.

    \b
    Examples:
      scaffold check                          # the app holding the current folder
      scaffold check ./order-sync --json      # machine-readable
      scaffold check --format github          # annotations in a GitHub Actions job
      scaffold check --format sarif > check.sarif   # for code scanning
      scaffold check --select SC101,SC103     # only idempotency and swallowed errors
      scaffold check --ignore deprecated-event-keys
      scaffold check --list-rules

    Exit 1 when any error-level finding exists, 2 for an unknown rule or format or a
    selection that leaves no rule, else 0.
    Every rule, with examples and fixes: `scaffold docs check`.
    """
    from scaffold._check_command import CheckOptions, execute

    asked = CheckOptions(
        path=path,
        output_format=output_format,
        json_output=json_output,
        select=select or None,
        ignore=ignore or None,
        list_rules=list_rules,
        no_cache=no_cache,
        fix=fix,
        dry_run=dry_run,
    )
    code = execute(asked)
    if code:
        raise typer.Exit(code)


@app.command("list", cls=_Command)
@user_errors
def list_(
    path: AppPath = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the inventory as JSON.")
    ] = False,
) -> None:
    """List events, workers, publishers, routes and their wiring.

    \b
    Examples:
      scaffold list                 # the app holding the current folder
      scaffold list ./order-sync --json

    DECLARED: in node/service.json. REGISTERED: in the map given to new Service (`?` when
    that map cannot be read statically). POLICIES: the manifest has every policy the code
    it runs needs. A NO means the runtime will not call it, or a call will fail.
    """
    from scaffold import inventory
    from scaffold._project import find_app_root

    inv = inventory.read_app(
        find_app_root(path if path is not None else Path.cwd(), how="pass its folder as DIR")
    )
    if json_output:
        typer.echo(inv.to_json())
        return
    # A terminal narrower than the table gets one block per item (a pipe: the table).
    width = os.get_terminal_size(sys.stdout.fileno()).columns if sys.stdout.isatty() else None
    for line in inventory.table(inv, width):
        echo(line)


@app.command(cls=_Command)
@user_errors
def graph(
    path: AppPath = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="mermaid|dot",
            help="Diagram language.",
            autocompletion=lambda: ["mermaid", "dot"],
        ),
    ] = "mermaid",
) -> None:
    """Draw the event topology as a Mermaid or DOT diagram.

    Senders -> topics -> handlers; routes -> publishers -> the app's own topics -> workers.

    \b
    Examples:
      scaffold graph                          # Mermaid; GitHub renders it in Markdown
      scaffold graph --format dot | dot -Tsvg > graph.svg

    The generated README carries this diagram; add-* and remove-* keep it current.
    """
    from scaffold import inventory
    from scaffold._project import find_app_root

    if fmt not in {"mermaid", "dot"}:
        raise UsageError(f"invalid --format {fmt!r}: choose mermaid or dot")
    inv = inventory.read_app(
        find_app_root(path if path is not None else Path.cwd(), how="pass its folder as DIR")
    )
    typer.echo(inventory.mermaid(inv) if fmt == "mermaid" else inventory.dot(inv), nl=False)


def _missing(what: str, example: str, ask: Callable[[], Any], *, yes: bool) -> Any:
    """Ask for a missing required value on a terminal; otherwise say how to pass it."""
    from scaffold import _prompts
    from scaffold.errors import MissingAnswerError

    if not yes and _prompts.can_prompt():
        return ask()
    raise MissingAnswerError(f"missing {what}: pass it (e.g. {example})")


def _handler_name(
    name: str | None, kind: str, sample: str, usage: str, *, yes: bool, json_output: bool
) -> str:
    """NAME of a handler or worker: asked on a terminal when missing, then the id it becomes
    said (see :func:`_note_normalised`).

    Args:
        name: The argument as given, or None.
        kind: ``handler`` or ``worker``.
        sample: A sample name for the question.
        usage: The command line that passes it, for the error without a terminal.
        yes: ``--yes``: never ask.
        json_output: ``--json``: say nothing on stdout.

    Returns:
        The name as typed.
    """
    from scaffold import _prompts

    if name is None:
        name = _missing("NAME", usage, lambda: _prompts.ask_name(kind, sample), yes=yes)
    _note_normalised(name, what=f"{kind} name", json_output=json_output)
    return name


def _start(directory: Path | None) -> Path:
    return directory if directory is not None else Path.cwd()


@app.command("add-event", cls=_Command)
@user_errors
def add_event(
    name: Annotated[
        str | None,
        _asked("NAME", "Handler name: kebab, snake or camel case"),
    ] = None,
    sender: Annotated[
        str | None,
        typer.Option(metavar="APP", help="App that publishes the event: vendor.app-name."),
    ] = None,
    topic: Annotated[
        list[str] | None,
        typer.Option("--topic", metavar="TOPIC", help="Topic to consume (repeatable)."),
    ] = None,
    store: StoreOption = None,
    directory: AppDir = None,
    dry_run: DryRun = False,
    yes: Yes = False,
    json_output: JsonOutput = False,
) -> None:
    """Add a consumer of another app's event.

    Creates the handler and its test; declares it in service.json, registers it in the
    events map, adds the policies it needs.

    \b
    Examples:
      scaffold add-event order-status-changed \\
          --sender vtex.orders-broadcast --topic order-status-updated
      scaffold add-event sku-changed --sender vtex.broadcaster --topic broadcaster.notification -n
      scaffold add-event partner-update --sender acme.partner --topic a --topic b -C apps/x
      scaffold add-event                      # on a terminal: asks name, sender and topics
    """
    from scaffold import _prompts, _vtex, events

    chosen = _vtex.parse_store(store)
    name = _handler_name(
        name,
        "handler",
        "order-status-changed",
        "scaffold add-event order-status-changed --sender ... --topic ...",
        yes=yes,
        json_output=json_output,
    )
    if sender is None:
        sender = _missing(
            "--sender", "--sender vtex.orders-broadcast", _prompts.ask_sender, yes=yes
        )
    topics = list(topic or [])
    if not topics:
        topics = _missing("--topic", "--topic order-status-updated", _prompts.ask_topics, yes=yes)
    result = events.add_event(
        _start(directory), name, sender=sender, topics=topics, store=chosen, dry_run=dry_run
    )
    _console.report_edit(result, json_output=json_output)


@app.command("remove-event", cls=_Command)
@user_errors
def remove_event(
    name: Annotated[
        str | None,
        _asked("NAME", "Handler name, as given to add-event"),
    ] = None,
    directory: AppDir = None,
    dry_run: DryRun = False,
    yes: Yes = False,
    json_output: JsonOutput = False,
) -> None:
    """Undo add-event exactly (the files too, if unedited).

    Removes the declaration, the registration and its import; the handler and its test
    only if they are still what scaffold wrote; support files and policies add-event
    brought when nothing uses them any more.

    \b
    Examples:
      scaffold remove-event order-status-changed
      scaffold remove-event order-status-changed -n   # show the diff first
    """
    from scaffold import events

    name = _handler_name(
        name,
        "handler",
        "order-status-changed",
        "scaffold remove-event order-status-changed",
        yes=yes,
        json_output=json_output,
    )
    result = events.remove_event(_start(directory), name, dry_run=dry_run)
    _console.report_edit(result, json_output=json_output)


@app.command("add-worker", cls=_Command)
@user_errors
def add_worker(
    name: Annotated[
        str | None,
        _asked("NAME", "Worker name: kebab, snake or camel case"),
    ] = None,
    topic: Annotated[
        str | None,
        typer.Option(
            metavar="TOPIC", help="The app's own topic it consumes (default: NAME-requested)."
        ),
    ] = None,
    route: Annotated[
        bool | None,
        typer.Option(
            "--route/--no-route",
            help="Add the trigger (202) and job status routes (default: with --batch).",
            show_default=False,
        ),
    ] = None,
    batch: Annotated[
        bool,
        typer.Option(
            "--batch/--no-batch",
            help="Batch of items with per-item status, or one { id } per event.",
        ),
    ] = True,
    store: StoreOption = None,
    directory: AppDir = None,
    dry_run: DryRun = False,
    yes: Yes = False,
    json_output: JsonOutput = False,
) -> None:
    """Add a background worker on the app's own event.

    Also adds its publisher and (batch) the job trigger and status routes.

    \b
    Examples:
      scaffold add-worker sync-items          # batch worker + publisher + job routes
      scaffold add-worker sync-items --topic items-sync-requested --no-route
      scaffold add-worker reindex-product --no-batch --no-route   # one { id } per event
    """
    from scaffold import _vtex, workers

    name = _handler_name(
        name,
        "worker",
        "sync-items",
        "scaffold add-worker sync-items",
        yes=yes,
        json_output=json_output,
    )
    result = workers.add_worker(
        _start(directory),
        name,
        topic=topic,
        route=route,
        batch=batch,
        store=_vtex.parse_store(store),
        dry_run=dry_run,
    )
    _console.report_edit(result, json_output=json_output)


@app.command("add-publisher", cls=_Command)
@user_errors
def add_publisher(
    topic: Annotated[
        str | None,
        _asked("TOPIC", "The app's own topic to publish"),
    ] = None,
    store: StoreOption = None,
    directory: AppDir = None,
    dry_run: DryRun = False,
    yes: Yes = False,
    json_output: JsonOutput = False,
) -> None:
    """Add a typed, ID-only publisher of an own topic.

    \b
    Examples:
      scaffold add-publisher item-changed
      scaffold add-publisher item-changed -n --json
    """
    from scaffold import _prompts, _vtex, publishers

    if topic is None:
        topic = _missing(
            "TOPIC",
            "scaffold add-publisher item-changed",
            lambda: _prompts.ask_name("topic", "item-changed"),
            yes=yes,
        )
    result = publishers.add_publisher(
        _start(directory), topic, store=_vtex.parse_store(store), dry_run=dry_run
    )
    _console.report_edit(result, json_output=json_output)


@app.command("remove-worker", cls=_Command)
@user_errors
def remove_worker(
    name: Annotated[
        str | None,
        _asked("NAME", "Worker name, as given to add-worker"),
    ] = None,
    directory: AppDir = None,
    dry_run: DryRun = False,
    yes: Yes = False,
    json_output: JsonOutput = False,
) -> None:
    """Undo add-worker: worker, job routes, publisher, and what only they used.

    \b
    Examples:
      scaffold remove-worker sync-items
      scaffold remove-worker sync-items -n   # show the diff first
    """
    from scaffold import workers

    name = _handler_name(
        name,
        "worker",
        "sync-items",
        "scaffold remove-worker sync-items",
        yes=yes,
        json_output=json_output,
    )
    result = workers.remove_worker(_start(directory), name, dry_run=dry_run)
    _console.report_edit(result, json_output=json_output)


@app.command("remove-publisher", cls=_Command)
@user_errors
def remove_publisher(
    topic: Annotated[
        str | None,
        _asked("TOPIC", "The topic, as given to add-publisher"),
    ] = None,
    directory: AppDir = None,
    dry_run: DryRun = False,
    yes: Yes = False,
    json_output: JsonOutput = False,
) -> None:
    """Undo add-publisher: the publisher, its test, and what only they used.

    \b
    Examples:
      scaffold remove-publisher item-changed
      scaffold remove-publisher item-changed -n
    """
    from scaffold import _names, _prompts, publishers

    if topic is None:
        topic = _missing(
            "TOPIC",
            "scaffold remove-publisher item-changed",
            lambda: _prompts.ask_text("Topic of the publisher to remove:", _names.topic_id),
            yes=yes,
        )
    result = publishers.remove_publisher(_start(directory), topic, dry_run=dry_run)
    _console.report_edit(result, json_output=json_output)


@app.command(cls=_Command)
@user_errors
def docs(
    topic: Annotated[
        str | None,
        typer.Argument(
            metavar="TOPIC",
            help="guide, commands, patterns, check or reliability (default: list them).",
            show_default=False,
            autocompletion=lambda: ["guide", "commands", "patterns", "check", "reliability"],
        ),
    ] = None,
) -> None:
    """Print the documentation installed with scaffold.

    \b
    Examples:
      scaffold docs                # list the topics
      scaffold docs check          # every lint rule, with examples and fixes
      scaffold docs commands | less
    """
    from scaffold import _docs

    if topic is None:
        for name, summary in _docs.TOPICS.items():
            echo(f"  {name:<10} {summary}")
        echo("\nRead one with `scaffold docs TOPIC`.")
        return
    typer.echo(_docs.read(topic), nl=False)


@app.command(cls=_Command)
@user_errors
def update(
    directory: AppPath = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to", metavar="VERSION", help="Version to update to (default: the latest release)."
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            metavar="PATH_OR_URL",
            help="Git repository of the template, e.g. a fork or a clone (default: the "
            "release history this scaffold carries; no network needed).",
        ),
    ] = None,
    dry_run: DryRun = False,
    trust: Annotated[
        bool,
        typer.Option("--trust", help="Let the template run its tasks and migrations."),
    ] = False,
    json_output: JsonOutput = False,
) -> None:
    """Update an app to a newer template version, keeping your changes (copier's 3-way update).

    \b
    Examples:
      scaffold update                               # to this scaffold's release, offline
      scaffold update -n                            # show the diff first
      scaffold update --to 1.2.0
      scaffold update --template ~/src/my-fork      # from a fork or a clone

    The versions are the releases this scaffold carries: `pip install -U vtex-io-scaffold`
    first to reach newer ones. The app must be committed to git (a dirty tree is refused).
    Where the template and your changes touch the same lines, the file gets conflict markers
    (<<<<<<< before updating, >>>>>>> after updating) to resolve by hand; the exit code is
    then 1.
    """
    from scaffold import update as update_

    result = update_.update_app(
        directory if directory is not None else Path.cwd(),
        to=to,
        template=template,
        dry_run=dry_run,
        trust=trust,
    )
    if json_output:
        typer.echo(result.to_json())
    elif result.up_to_date:
        echo(f"up to date: {result.old} is the newest version in {result.template}")
    else:
        _console.report_update(result)
    if result.conflicts:
        raise typer.Exit(1)


PortOption = Annotated[
    int | None,
    typer.Option(
        "--port",
        "-p",
        metavar="PORT",
        help="Port of the local platform (default: the running dev server's, else 7077).",
        show_default=False,
    ),
]


@app.command(cls=_Command)
@user_errors
def dev(
    path: AppPath = None,
    port: Annotated[
        int, typer.Option("--port", "-p", metavar="PORT", help="Port to serve on.")
    ] = 7077,
    fresh: Annotated[
        bool,
        typer.Option(
            "--clean", help="Start with empty VBase and Master Data (forget .scaffold/dev)."
        ),
    ] = False,
    watch: Annotated[
        bool, typer.Option("--watch/--no-watch", help="Rebuild and restart on a source change.")
    ] = True,
) -> None:
    """Run the app locally on its own @vtex/api runtime, with VBase, Master Data and events.

    \b
    Examples:
      scaffold dev                       # in the app, after `npm install` in node/
      scaffold dev --port 8080 --clean   # start with empty stores
      scaffold emit order-status-updated --sender vtex.orders-broadcast   # in another terminal

    Compiles the app with its own TypeScript, boots it as a VTEX IO replica would
    (startWorker from @vtex/api) and serves a local platform: VBase, Master Data and the events
    broker, which delivers what the app publishes to its own handlers and redelivers a non-2xx
    answer with a growing delay. Private routes answer at /local/dev/<path>. State is kept in
    .scaffold/dev/ across restarts. Ctrl-C stops everything.
    """
    import signal

    from scaffold.dev import _build, _run

    target = _build.load(path if path is not None else Path.cwd())
    if fresh:
        _build.clean(target)
    session = _run.DevSession(target, port, watch=watch)

    def terminate(signum: int, frame: Any) -> None:  # noqa: ARG001
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    try:
        session.start()
        for event in session.events():
            _console.print_dev_event(event)
        raise fail("the local platform stopped unexpectedly (see the lines above)")
    except KeyboardInterrupt:
        session.stop()
        echo("stopped", err=True)
    finally:
        session.stop()


@app.command(cls=_Command)
@user_errors
def emit(
    topic: Annotated[str, typer.Argument(metavar="TOPIC", help="The event's topic.")],
    sender: Annotated[
        str,
        typer.Option("--sender", metavar="APP", help="The sending app (vendor.name)."),
    ],
    data: Annotated[
        str | None,
        typer.Option(
            "--data",
            metavar="JSON|@FILE",
            help="The payload (default: a sample, for known VTEX broadcasts).",
            show_default=False,
        ),
    ] = None,
    port: PortOption = None,
    times: Annotated[int, typer.Option("--times", min=1, help="Deliver it N times.")] = 1,
    concurrent: Annotated[
        int, typer.Option("--concurrent", min=1, help="N deliveries at once (each round).")
    ] = 1,
) -> None:
    """Deliver an event to the app running under `scaffold dev`, like the broker.

    \b
    Examples:
      scaffold emit order-status-updated --sender vtex.orders-broadcast
      scaffold emit order-status-updated --sender vtex.orders-broadcast --data @order.json
      scaffold emit items-sync-requested --sender acme.order-sync --data '{"jobId": "j1"}'
      scaffold emit order-status-updated --sender vtex.orders-broadcast --concurrent 5

    Every handler that subscribes to (sender, topic) gets it; a non-2xx answer is delivered
    again with a growing delay, up to a cap. Prints each attempt; exits 0 only when every
    handler finally answered 2xx.
    """
    from scaffold.dev import _emit, _run

    body = _emit.payload(sender, topic, data)
    deliveries = _emit.emit(
        _run.find_port(Path.cwd(), port), sender, topic, body, times=times, concurrent=concurrent
    )
    failed = 0
    for delivery in deliveries:
        for attempt in delivery["attempts"]:
            status = attempt["status"] or "no answer"
            echo(
                f"{delivery['handler']} attempt {attempt['attempt']}: {status} "
                f"({attempt['ms']} ms)",
                fg=None if 200 <= (attempt["status"] or 0) < 300 else "yellow",
            )
        failed += not delivery["ok"]
    if failed:
        raise fail(f"{failed} of {len(deliveries)} deliveries never answered 2xx")


@app.command(cls=_Command)
@user_errors
def records(
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            help="Only records with this status (queued, processing, done, failed, rejected).",
            show_default=False,
        ),
    ] = None,
    port: PortOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the records as JSON.")] = False,
) -> None:
    """List the ledger records of the app running under `scaffold dev`.

    \b
    Examples:
      scaffold records
      scaffold records --status failed
    """
    import json

    from scaffold.dev import _emit, _run

    found = _emit.records(_run.find_port(Path.cwd(), port), status)
    if json_output:
        typer.echo(json.dumps(found, indent=2))
        return
    if not found:
        echo("no records" + (f" with status {status}" if status else ""))
        return
    for record in found:
        error = record.get("error") or {}
        why = f"  {error.get('status', '')} {error.get('message', '')}".rstrip() if error else ""
        echo(
            f"{record.get('status', '?'):<10} {record.get('attempts', 0):>2}x  "
            f"{record.get('scope')}  {record.get('key')}{why}",
            fg="red" if record.get("status") == "failed" else None,
        )


# Commands that run without automatic garbage collection. The process ends with the command,
# and what it makes (modules; trees, bindings and facts for each handler) lives until then
# with almost no cycles among it, so each automatic collection only scanned it again.
# callgrind: check on 1,000 handlers lost ~37 ms of collector time; add-event 870M -> 858M
# instructions at 200 events. Only here, for the process: a caller that runs a command in
# its own process (a test's CliRunner) keeps its collector.
NO_COLLECTION = frozenset({"check", "add-event"})


def main() -> None:
    """Run the typer CLI: the ``scaffold`` console script (:func:`scaffold._entry.run`)
    for every command line but a plain ``check``."""
    # Everything imported so far (typer, click, pydantic, this module) lives until exit,
    # yet each full collection during the command would walk it all again: ~27M
    # instructions of a ~1G add-event or check run. Freezing moves those objects out of
    # the collector's sight; garbage made from here on is collected as usual.
    gc.freeze()
    if len(sys.argv) > 1 and sys.argv[1] in NO_COLLECTION:
        gc.disable()
    chosen = only(sys.argv[1]) if len(sys.argv) > 1 else None
    (chosen or app)()


def only(name: str) -> typer.Typer | None:
    """The app with just the command ``name`` (and the root options), if it is one.

    Typer turns the signature of every command into click parameters before it parses
    anything (~2.5 ms a command, most of a command's start-up). Once the first argument
    names a command, click looks at no other: its parsing, help, errors and exit codes are
    the same with that command alone (tests compare them). Anything else (``--help``, a
    mistyped command, shell completion) needs them all, so gets ``None``.

    Args:
        name: The first command-line argument.

    Returns:
        A copy of :data:`app` with one command, or ``None``.
    """
    import copy

    from scaffold._check_command import completing

    if completing():
        return None  # completion lists the commands
    from typer.main import get_command_name

    chosen = [
        info
        for info in app.registered_commands
        if info.callback is not None
        and (info.name or get_command_name(info.callback.__name__)) == name
    ]
    if len(chosen) != 1:
        return None
    one = copy.copy(app)
    one.registered_commands = chosen
    return one
