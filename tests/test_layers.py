"""The package's arrows point down: no import cycle, and the low layers stay low.

Every import counts, wherever it stands: at the top, inside a function (a lazy import is
still an arrow) or under ``if TYPE_CHECKING:`` (a type is knowledge too). docs/architecture.md
draws the layers these tests hold.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scaffold"

# The editing layer: the edit session and what plans edits with it (commands, --fix, the
# format-preserving editors). The rules and the file transaction must not know it.
EDITING = {
    "scaffold._edit",
    "scaffold._undo",
    "scaffold._clashes",
    "scaffold._json_edit",
    "scaffold._ts_edit",
    "scaffold._app_docs",
    "scaffold.events",
    "scaffold.workers",
    "scaffold.publishers",
    "scaffold.fix",
    "scaffold.new",
    "scaffold.update",
    "scaffold.cli",
    "scaffold._console",
    "scaffold._check_command",
    "scaffold._entry",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, known: set[str]) -> set[str]:
    """The scaffold modules ``path`` imports, anywhere in the file."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            found.add(base)
            # `from scaffold import _edit` imports the module scaffold._edit
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module in known and module != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    # The package root only re-exports lazily (by name, through import_module): not an arrow.
    return {name: _imports(path, known) - {"scaffold"} for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (its modules, the first repeated last), or None (the stdlib's graphlib)."""
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        return list(error.args[1])
    return None


def test_the_import_graph_is_read_from_every_module() -> None:
    graph = _graph()
    assert {"scaffold.cli", "scaffold._edit", "scaffold._rules.events_map"} <= set(graph)
    # the three spellings of an import are all seen
    assert "scaffold._edit" in graph["scaffold.events"]  # from scaffold._edit import Edit
    assert "scaffold._vtex" in graph["scaffold.cli"]  # from scaffold import _vtex (lazy)
    assert "scaffold._changes" in graph["scaffold._app_docs"]  # under TYPE_CHECKING


def test_the_cycle_finder_finds_a_cycle() -> None:
    found = _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    assert found is not None and set(found) == {"a", "b", "c"}
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_package() -> None:
    assert _cycle(_graph()) is None


@pytest.mark.parametrize(
    "low",
    ["scaffold._rules", "scaffold._changes", "scaffold._json_scan", "scaffold._app_files"],
)
def test_the_rules_and_the_file_transaction_import_nothing_from_the_editing_layer(
    low: str,
) -> None:
    graph = _graph()
    members = [name for name in graph if name == low or name.startswith(low + ".")]
    assert members
    leaks = {member: sorted(graph[member] & EDITING) for member in members}
    assert {member: found for member, found in leaks.items() if found} == {}


def test_list_and_graph_borrow_nothing_from_the_rules() -> None:
    graph = _graph()
    for module in ("scaffold._inventory", "scaffold.inventory"):
        assert [name for name in graph[module] if name.startswith("scaffold._rules")] == []


def test_the_lowest_modules_import_only_the_standard_library_and_errors() -> None:
    graph = _graph()
    for low in ("scaffold._app_files", "scaffold._json_scan", "scaffold.errors"):
        assert graph[low] <= {"scaffold.errors"}, low


# The command line: typer's commands (cli), what they print (_console), and check's line read
# without typer (_check_command, _entry: the console script).
COMMAND_LINE = {"scaffold.cli", "scaffold._console", "scaffold._check_command", "scaffold._entry"}


def test_only_the_cli_prints() -> None:
    """typer is imported by cli.py alone, and _console (the printing) by the command line's
    modules alone: the core returns results."""
    graph = _graph()
    typer_users = sorted(
        name
        for name, path in _modules().items()
        if any(
            isinstance(node, (ast.Import, ast.ImportFrom))
            and any(
                (alias.name if isinstance(node, ast.Import) else node.module or "").startswith(
                    "typer"
                )
                for alias in node.names
            )
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    )
    assert typer_users == ["scaffold.cli"]
    printers = {name for name, targets in graph.items() if "scaffold._console" in targets}
    assert printers == COMMAND_LINE - {"scaffold._console"}
