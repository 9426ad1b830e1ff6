"""``scaffold add-publisher``: a typed, ID-only publisher of one of the app's own topics."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from scaffold import _names, _vtex
from scaffold._app_files import importers
from scaffold._edit import Edit, Result
from scaffold._undo import prune_unused

PUBLISHER_TEMPLATE = "templates/components/publisher/publisher.ts.jinja"
TEST_TEMPLATE = "templates/components/publisher/publisher.test.ts.jinja"

Kind = Literal["job", "single"]

# The topic constant the publisher template writes: `export const ITEM_CHANGED = 'item-changed'`.
_TOPIC_CONST = re.compile(rb"^export const [A-Z0-9_]+ = '([^'\n]*)'", re.MULTILINE)


def plan_publisher(
    edit: Edit, topic: str, kind: Kind, *, hint: str = "pick another topic"
) -> dict[str, object]:
    """Plan a publisher of ``topic`` and its test into ``edit``.

    An existing publisher is kept: if it is exactly what the other ``kind`` renders, that
    is a conflict (its payload would not fit); if it was edited, a note says it was kept.

    Args:
        edit: The edit to plan into.
        topic: The topic.
        kind: ``job`` (``{ jobId, itemIds }``) or ``single`` (``{ id }``).
        hint: How to fix a conflict, naming only flags the calling command has.

    Returns:
        The template variables used.

    Raises:
        ConflictError: If the topic already has a publisher of the other kind.
    """
    from scaffold.errors import ConflictError

    variables = _names.component_vars(
        topic=topic, vendor=edit.app.vendor, app_name=edit.app.name, kind=kind
    )
    for template in (PUBLISHER_TEMPLATE, TEST_TEMPLATE):
        edit.check_names(template, variables, "topic", topic)
    module = _vtex.component_file("publisher", str(variables["topic_camel"]))
    test = _vtex.component_test("publisher", str(variables["topic_camel"]))
    if not edit.create(module, edit.render(PUBLISHER_TEMPLATE, variables)):
        other: Kind = "single" if kind == "job" else "job"
        if edit.read(module) == edit.render(PUBLISHER_TEMPLATE, {**variables, "kind": other}):
            shape = "{ id }" if other == "single" else "{ jobId, itemIds }"
            raise ConflictError(
                f"{module} already publishes {topic} with a {shape} payload ({other}); {hint}"
            )
        published = _TOPIC_CONST.search(edit.read(module) or b"")
        if published is not None and published.group(1).decode() != topic:
            raise ConflictError(
                f"{module} already publishes topic {published.group(1).decode()!r}, and "
                f"{topic!r} would get the same file name; pick a topic that differs in more "
                "than punctuation or case"
            )
        edit.notes.append(f"kept {module}: it differs from the template (edited by hand?)")
    edit.create_test(test, TEST_TEMPLATE, variables)
    return variables


def add_publisher(
    start: Path, topic: str, *, store: _vtex.Store | None = None, dry_run: bool = False
) -> Result:
    """Add a publisher of the app's own ``topic`` (payload ``{ id }``).

    Args:
        start: A folder inside the app.
        topic: The topic (e.g. ``item-changed``).
        store: The ledger backend if support files must be created (its test fakes
            import the ledger).
        dry_run: Plan and diff only.

    Returns:
        What changed (``unchanged`` when the publisher was already there).

    Raises:
        InvalidAnswerError: If the topic is invalid.
        ConflictError: If the topic already has a batch publisher.
        ProjectError: If the app cannot be read or edited safely.
    """
    topic = topic.strip()
    _names.topic_id(topic)
    edit = Edit(start, "add-publisher", topic)
    plan_publisher(edit, topic, "single")
    edit.ensure_support(store, routes=False)
    edit.add_policies([_vtex.FIRE_POLICY])
    return edit.finish(dry_run=dry_run)


def remove_publisher(start: Path, topic: str, *, dry_run: bool = False) -> Result:
    """Undo :func:`add_publisher` exactly: the publisher, its test, and what they alone used.

    Args:
        start: A folder inside the app.
        topic: The topic, as given to add-publisher.
        dry_run: Plan and diff only.

    Returns:
        What changed (``unchanged`` when there was nothing to remove).

    Raises:
        InvalidAnswerError: If the topic is invalid.
        ConflictError: If other code still imports the publisher.
        ProjectError: If the app cannot be read or edited safely.
    """
    from scaffold.errors import ConflictError

    topic = topic.strip()
    _names.topic_id(topic)
    edit = Edit(start, "remove-publisher", topic)
    base = _names.component_vars(topic=topic, vendor=edit.app.vendor, app_name=edit.app.name)
    module = _vtex.component_file("publisher", str(base["topic_camel"]))
    test = _vtex.component_test("publisher", str(base["topic_camel"]))
    if edit.read(module) is None:
        edit.message = f"nothing to remove: there is no {module}"
        return edit.finish(dry_run=dry_run)
    users = [u for u in importers(module, edit.node_sources()) if u != test]
    if users:
        raise ConflictError(
            f"{module} is still imported by {', '.join(users)}; remove that code first "
            "(for a worker's publisher: `scaffold remove-worker NAME`)"
        )
    kinds = [{**base, "kind": kind} for kind in ("single", "job")]
    edit.delete_if_ours(module, [edit.render(PUBLISHER_TEMPLATE, v) for v in kinds])
    edit.delete_if_ours(test, [edit.render(TEST_TEMPLATE, v) for v in kinds])
    prune_unused(edit)
    return edit.finish(dry_run=dry_run)
