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
    # A node names a client only as written in the source (a member, a destructured key, a
    # quoted key's contents), so a module whose bytes hold no missing client's name holds
    # no use of one: its nodes are not looked at.
    names = [name.encode() for name in missing]
    for path in project.ts_files():
        module = project.module(path)
        if module is None or not any(name in module.source for name in names):
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


def check_manifest_ids(manifest: JsonFile) -> list[Finding]:
    """SC304: ``vendor`` and ``name`` must be VTEX ids: they reach generated code and routes.

    Args:
        manifest: manifest.json.

    Returns:
        One finding per field that is missing or invalid, at its key.
    """
    from scaffold import _names
    from scaffold.errors import InvalidAnswerError

    data = manifest.data if isinstance(manifest.data, dict) else {}
    findings: list[Finding] = []
    for field, validate in (
        ("vendor", _names.validate_vendor),
        ("name", _names.validate_app_name),
    ):
        value = data.get(field)
        try:
            if not isinstance(value, str):
                raise InvalidAnswerError(f"`{field}` is missing or not a string")
            validate(value)
        except InvalidAnswerError as error:
            findings.append(
                manifest.finding(
                    (field,),
                    "SC304",
                    "error",
                    f"manifest.json `{field}`: {error}; it becomes the sender of the app's "
                    "events and part of its route paths",
                )
            )
    return findings
