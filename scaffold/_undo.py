"""Undo what add-* brought and nothing uses any more: support files and policies.

remove-* plans deleting its own files first (``Edit.delete_if_ours``), then calls
:func:`prune_unused`: what remains decides what else can go.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scaffold import _app_files, _vtex
from scaffold._edit import SUPPORT_FILES
from scaffold._vtex import (
    HTTP_HELPERS,
    PLATFORM,
    PLATFORM_MODEL,
    PROCESSING,
    PROCESSING_TEST,
    STORES,
)

if TYPE_CHECKING:
    from scaffold._edit import Edit


def prune_unused(edit: Edit) -> None:
    """Plan removing support files and policies that nothing in the app uses any more.

    The last step of every remove-* command, after it planned deleting its own files.

    Support files go only in an app ``scaffold new`` did not make (a generated app
    owns them), only when no other module imports them, and only if they are exactly
    what scaffold writes. A policy goes when the provenance record (.scaffold.json,
    :mod:`scaffold._provenance`) says an add brought it and no other added item holds it.

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
    if unused(PLATFORM_MODEL):
        drop(PLATFORM_MODEL)
    if unused(PROCESSING):
        drop(PROCESSING)


def _prune_policies(edit: Edit) -> None:
    from scaffold import _provenance

    # What the removed code (add-* wrote it) needed: named in the note when the record
    # (.scaffold.json) cannot say whether the add brought it.
    removed = b"\n".join(
        c.before or b""
        for c in edit.changes.changes
        if c.kind == "delete" and c.rel.endswith(".ts") and not _app_files.is_test(c.rel)
    )
    served = _vtex.policy_needs(removed)
    needed = [
        policy
        for policy in _vtex.ADDED_POLICIES
        if served[_vtex.SERVES.get(str(policy["name"]), str(policy["name"]))]
    ]
    _provenance.release_policies(edit, needed_before=needed)
