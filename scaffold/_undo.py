"""Undo what add-* brought and nothing uses any more: support files and policies.

remove-* plans deleting its own files first (``Edit.delete_if_ours``), then calls
:func:`prune_unused`: what remains decides what else can go.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scaffold import _app_files, _json_edit, _project, _vtex
from scaffold._edit import SUPPORT_FILES
from scaffold._vtex import HTTP_HELPERS, MANIFEST, PLATFORM, PROCESSING, PROCESSING_TEST, STORES

if TYPE_CHECKING:
    from scaffold._edit import Edit


def prune_unused(edit: Edit) -> None:
    """Plan removing support files and policies that nothing in the app uses any more.

    The last step of every remove-* command, after it planned deleting its own files.

    Support files go only in an app ``scaffold new`` did not make (a generated app
    owns them), only when no other module imports them, and only if they are exactly
    what scaffold writes. A policy goes when it is one the add-* commands add and no
    module (tests aside) uses what needs it (:func:`scaffold._vtex.policy_needs`).

    Args:
        edit: The remove-* command's edit session.
    """
    if not edit.generated:
        _prune_support(edit)
    _prune_policies(edit)


def _prune_support(edit: Edit) -> None:
    templates = {rel: template for template, rel in SUPPORT_FILES}

    def unused(rel: str, *, besides: tuple[str, ...] = ()) -> bool:
        users = _app_files.importers(rel, edit.node_sources())
        return edit.read(rel) is not None and not [u for u in users if u not in besides]

    def drop(rel: str) -> None:
        edit.delete_if_ours(rel, [edit.render(templates[rel], {"store": s}) for s in STORES])

    if unused(HTTP_HELPERS):
        drop(HTTP_HELPERS)
    if unused(PROCESSING, besides=(PROCESSING_TEST, PLATFORM)) and edit.read(PROCESSING_TEST):
        drop(PROCESSING_TEST)
    if unused(PLATFORM):
        drop(PLATFORM)
    if unused(PROCESSING):
        drop(PROCESSING)


def _prune_policies(edit: Edit) -> None:
    sources = {
        rel: data for rel, data in edit.node_sources().items() if not _app_files.is_test(rel)
    }
    needed = _vtex.policy_needs(b"\n".join(sources.values()))
    # What the removed code (add-* wrote it) needed: only those policies can go.
    removed = b"\n".join(
        c.before or b""
        for c in edit.changes.changes
        if c.kind == "delete" and c.rel.endswith(".ts") and not _app_files.is_test(c.rel)
    )
    served = _vtex.policy_needs(removed)
    data = edit.require(MANIFEST, "the app manifest")
    parsed = _json_edit.get(data, (), name=MANIFEST)
    # NOTE: append_item adds a missing `policies` last; one the app had elsewhere stays.
    last = isinstance(parsed, dict) and list(parsed)[-1:] == ["policies"]
    policies = parsed.get("policies") if isinstance(parsed, dict) else None
    items = policies if isinstance(policies, list) else []
    # NOTE: only the run of add-* policies at the end of the array, where append_item
    # put them: a policy the app already had in the middle serves code scaffold cannot
    # see (custom clients, GraphQL), so it stays even when no module names its client.
    tail = len(items)
    while tail > 0 and items[tail - 1] in _vtex.ADDED_POLICIES:
        tail -= 1
    # What git holds (committed, else staged) is the app's own: it stays.
    known = _project.git_version(edit.root, MANIFEST)
    kept = _json_edit.get(known, ("policies",), [], name=MANIFEST) if known else []
    kept = kept if isinstance(kept, list) else []
    for policy in reversed(items[tail:]):
        name = str(policy["name"])
        key = _vtex.SERVES.get(name, name)
        if not served[key] or needed[key] or policy in kept:
            break  # it stays, and so does everything the app had before it
        data = _json_edit.remove_item(data, ("policies",), policy, prune_empty=last, name=MANIFEST)
    edit.write(MANIFEST, data)
