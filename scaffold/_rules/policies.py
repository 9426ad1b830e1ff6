"""SC201: clients used without the manifest policy they need."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scaffold._vtex import CLIENT_POLICIES as NEEDS
from scaffold._vtex import CLIENT_USES, used_client

if TYPE_CHECKING:
    from tree_sitter import Node

    from scaffold._rules._base import Finding
    from scaffold._rules._source import JsonFile, Module, Project


def check_policies(project: Project, manifest: JsonFile) -> list[Finding]:
    """Report the first use of each client whose policy manifest.json lacks.

    Uses are ``x.sendEvent``, ``x.vbase`` / ``{ vbase } = ...`` and ``x.masterdata`` /
    ``{ masterdata } = ...`` in any non-test .ts file under node/.

    Args:
        project: The app.
        manifest: manifest.json.

    Returns:
        At most one finding per missing policy, at its first use.
    """
    declared = _declared_policies(manifest)
    missing = {name for name, (policy, _) in NEEDS.items() if policy not in declared}
    if not missing:
        return []
    first: dict[str, tuple[Module, Node]] = {}
    counts: dict[str, int] = {}
    for path in project.ts_files():
        module = project.module(path)
        if module is None:
            continue
        for node in module.nodes(*CLIENT_USES):
            name = used_client(node)
            if name in missing:
                first.setdefault(name, (module, node))
                counts[name] = counts.get(name, 0) + 1
    findings: list[Finding] = []
    for name, (module, node) in first.items():
        policy, what = NEEDS[name]
        more = counts[name] - 1
        also = f" (and {more} more use{'s' if more > 1 else ''})" if more else ""
        findings.append(
            module.finding(
                node,
                "SC201",
                "error",
                f"{what} is used here{also} but manifest.json lacks the `{policy}` policy",
                (("policy", policy),),
            )
        )
    return findings


def _declared_policies(manifest: JsonFile) -> set[str]:
    data = manifest.data
    policies = data.get("policies") if isinstance(data, dict) else None
    if not isinstance(policies, list):
        return set()
    return {str(item["name"]) for item in policies if isinstance(item, dict) and "name" in item}
