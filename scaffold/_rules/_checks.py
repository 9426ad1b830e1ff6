"""The checks the registry names (``Rule.check``), and running the selected ones over an app.

Each check takes the app's :class:`Context` (what several rules read, each read once) and
returns findings. A check that serves several rules (``handlers``: SC101-SC105) runs once when
any of them is selected; the caller keeps only the selected rules' findings.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from scaffold._rules._base import RULES
from scaffold._rules._source import Project
from scaffold._rules.events_map import check_imports, check_registration, read_events_map
from scaffold._rules.handlers import check_handlers, check_secrets
from scaffold._rules.policies import check_policies
from scaffold._rules.service_json import check_service_json
from scaffold._vtex import MANIFEST, SERVICE

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from scaffold._rules._base import Finding
    from scaffold._rules._source import JsonFile
    from scaffold._rules.events_map import EventsMap


class Context:
    """One app as the checks see it: its files, each read and parsed at most once.

    Args:
        root: The app root.
    """

    def __init__(self, root: Path) -> None:
        self.project = Project(root)

    @cached_property
    def manifest(self) -> JsonFile | None:
        """manifest.json (``None``: missing or not JSON, an SC000 finding)."""
        return self.project.json(MANIFEST)

    @cached_property
    def service(self) -> JsonFile | None:
        """node/service.json (``None``: missing or not JSON, an SC000 finding)."""
        return self.project.json(SERVICE)

    @cached_property
    def events_map(self) -> EventsMap:
        """What the Service ``events`` object registers."""
        return read_events_map(self.project)


def parse_errors(ctx: Context) -> list[Finding]:
    """SC000: read every file the other checks read; the project records what fails."""
    _ = ctx.manifest, ctx.service, ctx.events_map
    for path in ctx.project.ts_files():
        ctx.project.module(path)
    return []


def registration(ctx: Context) -> list[Finding]:
    """SC001-SC003: service.json ``events`` against the Service events map."""
    return check_registration(ctx.service, ctx.events_map)


def imports(ctx: Context) -> list[Finding]:
    """SC004: relative imports of node/index.ts and the map's modules exist."""
    return check_imports(ctx.project, ctx.events_map)


def handlers(ctx: Context) -> list[Finding]:
    """SC101-SC105: the handlers' code."""
    return check_handlers(ctx.project, ctx.events_map)


def secrets(ctx: Context) -> list[Finding]:
    """SC106: credentials in log calls."""
    return check_secrets(ctx.project)


def policies(ctx: Context) -> list[Finding]:
    """SC201: clients used without their manifest policy."""
    return check_policies(ctx.project, ctx.manifest) if ctx.manifest is not None else []


def service_json(ctx: Context) -> list[Finding]:
    """SC301-SC303: node/service.json's keys and values."""
    return check_service_json(ctx.service) if ctx.service is not None else []


def run(root: Path, enabled: Iterable[str]) -> tuple[Context, list[Finding]]:
    """Run the checks of the ``enabled`` rules (each check once), in the registry's order.

    Args:
        root: The app root.
        enabled: The selected rule ids.

    Returns:
        The context (to look up suppressions) and every finding of the checks that ran,
        the project's SC000 findings included; not yet filtered to ``enabled``.
    """
    ctx = Context(root)
    chosen, ran = set(enabled), set()
    findings: list[Finding] = []
    for rule in RULES:
        if rule.id in chosen and rule.check not in ran:
            ran.add(rule.check)
            findings += CHECKS[rule.id](ctx)
    return ctx, findings + ctx.project.findings


# Rule id -> its check, from the registry's names: a name that is not a check fails here.
CHECKS: dict[str, Callable[[Context], list[Finding]]] = {
    rule.id: globals()[rule.check] for rule in RULES
}
