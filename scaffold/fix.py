"""``scaffold check --fix``: the mechanical fixes whose result is certain, via the add-* editor.

A fix is an edit, so it lives beside the editing commands, not in the rules package (the
rules import nothing from the editing layer). :func:`fix_and_check` is the whole ``--fix``
run: check, fix, check again what remains.

Only findings with exactly one right answer are fixed, through :class:`scaffold._edit.Edit`
(the same atomic change set and diff as ``add-event``). The registry names each rule's fixer
(``Rule.fixer`` in :mod:`scaffold._rules._base`); a fixer reads what the finding is about from
its data, never from its message:

- SC001 event-not-registered: a module under node/events or node/workers exports a function
  with the event's id as its name (exactly one does): register it in the Service events map.
- SC201 missing-policy: add the policy to manifest.json.
- SC301 deprecated-event-keys: rename ``keys`` to ``topics`` (when the event has no
  ``topics`` yet).

Not fixed, because the fix is not certain: SC002 (declaring an event needs its sender and
topics, which only the author knows), and every other rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scaffold import _ts
from scaffold._app_files import is_test
from scaffold._rules._base import RULES
from scaffold._ts import FUNCTION_TYPES, unwrap
from scaffold._vtex import HANDLER_FOLDERS, MANIFEST, SERVICE
from scaffold.errors import NotCertainError, UserError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from scaffold._edit import Edit, Result
    from scaffold._rules._base import Finding


@dataclass
class Fixes:
    """What ``--fix`` did or would do.

    Attributes:
        result: The editor's result (files, diff, dry-run flag).
        fixed: One line per fix (``SC201 manifest.json: added policy vbase-read-write``).
        skipped: One line per fixable finding left alone, with why.
    """

    result: Result
    fixed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def fix_app(root: Path, findings: list[Finding], *, dry_run: bool) -> Fixes:
    """Apply (or, with ``dry_run``, plan) the certain fixes for ``findings``.

    Args:
        root: The app root.
        findings: Findings of :func:`scaffold.check.check_app` on it.
        dry_run: Plan and diff only; write nothing.

    Returns:
        What was fixed and skipped, and the editor's result.
    """
    from scaffold import _edit

    edit = _edit.Edit(root, "check --fix", "fixes")
    out = Fixes(result=edit.result(dry_run=dry_run))
    for finding in findings:
        fixer = FIXERS.get(finding.rule)
        if fixer is None:
            continue
        try:
            line = fixer(edit, finding)
        except UserError as error:
            line = None
            out.skipped.append(f"{finding.rule} {finding.path}: {error}")
        if line is not None:
            out.fixed.append(f"{finding.rule} {line}")
    if edit.changes.changes:
        out.result = edit.finish(dry_run=dry_run)
    else:
        out.result.message = "nothing to fix"
    return out


def fix_and_check(
    root: Path,
    select: Iterable[str] | None,
    ignore: Iterable[str] | None,
    *,
    dry_run: bool,
) -> tuple[Fixes, list[Finding]]:
    """Check the app, apply (or plan) the certain fixes, and check again.

    Args:
        root: The app root.
        select: Rule ids or names to run; None means all.
        ignore: Rule ids or names to skip.
        dry_run: Plan and diff only; write nothing.

    Returns:
        What was fixed or skipped, and the findings that remain (with ``dry_run``, or
        when nothing was fixed: the findings of the first check).
    """
    from scaffold.check import check_app

    findings = check_app(root, select=select, ignore=ignore)
    done = fix_app(root, findings, dry_run=dry_run)
    if dry_run or not done.fixed:
        return done, findings
    return done, check_app(root, select=select, ignore=ignore)


def _about(finding: Finding, key: str) -> str:
    """What the finding is about (its ``key`` in :attr:`Finding.data`)."""
    value = finding.get(key)
    if value is None:
        raise NotCertainError(f"the finding names no {key}; fix it by hand")
    return value


def register_handler(edit: Edit, finding: Finding) -> str | None:
    """SC001: register the one exported function named like the event in the events map."""
    event = _about(finding, "event")
    modules = _exporting(edit, event)
    if len(modules) != 1:
        why = "no module" if not modules else f"{len(modules)} modules"
        raise NotCertainError(
            f"event `{event}`: {why} under node/events or node/workers export a function "
            f"named {event}; register it by hand"
        )
    if edit.registered("events", event, modules[0]):
        return None
    edit.register("events", event, modules[0])
    return f"registered `{event}` (from {modules[0]}) in the Service events map"


def add_policy(edit: Edit, finding: Finding) -> str | None:
    """SC201: add the policy to manifest.json."""
    policy = _about(finding, "policy")
    manifest = edit.require(MANIFEST, "the app manifest")
    from scaffold import _json_edit

    current = _json_edit.get(manifest, (), name=MANIFEST)
    names = {
        item.get("name") for item in current.get("policies", []) or [] if isinstance(item, dict)
    }
    if policy in names:
        return None
    edit.add_policies([{"name": policy}])
    return f"manifest.json: added the `{policy}` policy"


def rename_keys(edit: Edit, finding: Finding) -> str | None:
    """SC301: rename an event's deprecated ``keys`` to ``topics``."""
    from scaffold import _json_edit

    event = _about(finding, "event")
    declaration = edit.declared("events").get(event)
    if not isinstance(declaration, dict) or "keys" not in declaration:
        return None
    if "topics" in declaration:
        raise NotCertainError(f"event `{event}` has both `keys` and `topics`; merge them by hand")
    data = edit.require(SERVICE, "the service declaration")
    data = _json_edit.set_key(data, ("events", event), "topics", declaration["keys"], name=SERVICE)
    data = _json_edit.remove_key(data, ("events", event), "keys", name=SERVICE)
    edit.write(SERVICE, data)
    return f"{SERVICE}: renamed `events.{event}.keys` to `topics`"


def _exporting(edit: Edit, name: str) -> list[str]:
    """Modules under node/events and node/workers that export a function called ``name``."""
    found: list[str] = []
    for rel, source in sorted(edit.node_sources().items()):
        if not rel.startswith(HANDLER_FOLDERS) or not rel.endswith(".ts"):
            continue
        if is_test(rel):
            continue
        if name.encode() in source and _exports_function(source, name):
            found.append(rel)
    return found


def _exports_function(source: bytes, name: str) -> bool:
    root = _ts.parse(source.removeprefix(_ts.BOM)).root_node
    for statement in root.named_children:
        if statement.type != "export_statement":
            continue
        declaration = statement.child_by_field_name("declaration")
        if declaration is None:
            continue
        if declaration.type in FUNCTION_TYPES:
            ident = declaration.child_by_field_name("name")
            if ident is not None and _ts.text(ident) == name:
                return True
        elif declaration.type in {"lexical_declaration", "variable_declaration"}:
            for declarator in declaration.named_children:
                found = _ts.sides(declarator)
                if (
                    found is not None
                    and _ts.text(found[0]) == name
                    and unwrap(found[1]).type in FUNCTION_TYPES | {"call_expression"}
                ):
                    return True
    return False


# Rule id -> its fixer, from the registry's names: a name that is not a fixer fails here.
FIXERS: dict[str, Callable[[Edit, Finding], str | None]] = {
    rule.id: globals()[rule.fixer] for rule in RULES if rule.fixer is not None
}
