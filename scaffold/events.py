"""``scaffold add-event`` / ``remove-event``: a consumer of another app's event."""

from __future__ import annotations

from pathlib import Path

from scaffold import _names, _vtex
from scaffold._edit import Edit, Result
from scaffold._service_json import describe, same_declaration, topics_field, topics_of
from scaffold._undo import prune_unused
from scaffold.errors import ConflictError, InvalidAnswerError

HANDLER_TEMPLATE = "templates/components/consumer/handler.ts.jinja"
TEST_TEMPLATE = "templates/components/consumer/handler.test.ts.jinja"


def clean_topics(topics: list[str]) -> list[str]:
    """Validate topics and drop repeats, keeping their order.

    Args:
        topics: The topics as given.

    Returns:
        The topics.

    Raises:
        InvalidAnswerError: If there is none or one is invalid.
    """
    out: list[str] = []
    for topic in topics:
        topic = _names.validate_topic(topic.strip())
        if topic not in out:
            out.append(topic)
    if not out:
        raise InvalidAnswerError("missing topic: pass at least one --topic (e.g. --topic x)")
    return out


def add_event(
    start: Path,
    name: str,
    *,
    sender: str,
    topics: list[str],
    store: _vtex.Store | None = None,
    dry_run: bool = False,
) -> Result:
    """Add a consumer of ``sender``'s ``topics`` to the app containing ``start``.

    Creates ``node/events/<id>.ts`` and its test, declares the event in service.json,
    registers it in the events map given to ``new Service``, adds the policies it needs,
    and creates the shared support files if the app has no ``node/support/processing.ts``.

    Args:
        start: A folder inside the app.
        name: The handler name (kebab, snake or camel case).
        sender: The publishing app (``vendor.app-name``).
        topics: The topics to consume.
        store: The ledger backend for a new ``support/processing.ts`` (default vbase).
        dry_run: Plan and diff only.

    Returns:
        What changed (``unchanged`` when the event was already there).

    Raises:
        InvalidAnswerError: If a name, the sender or a topic is invalid.
        ConflictError: If the id is already used for something else.
        ProjectError: If the app cannot be read or edited safely.
    """
    ident = _names.handler_id(name)
    sender = _names.validate_sender(sender.strip())
    topics = clean_topics(topics)
    edit = Edit(start, "add-event", ident)
    module, test = _vtex.component_file("consumer", ident), _vtex.component_test("consumer", ident)
    declared = edit.declared("events")
    if ident in declared and not same_declaration(declared[ident], sender, topics):
        raise ConflictError(
            f"{_vtex.SERVICE} already declares event {ident!r} with {describe(declared[ident])}, "
            f"not sender {sender}, topics {', '.join(topics)}; pick another name, or run "
            f"`scaffold remove-event {ident}` first"
        )
    variables = _names.component_vars(ident, sender=sender, topics=topics)
    if edit.registered("events", ident, module):
        if ident not in declared:
            raise ConflictError(
                f"{ident!r} is already a handler in the events map given to new Service but "
                f"not declared in {_vtex.SERVICE}; pick another name or declare it there by hand"
            )
        edit.message = f"{ident}: already present (declared and registered); nothing changed"
        if edit.read(module) != edit.render(HANDLER_TEMPLATE, variables):
            return edit.finish(dry_run=dry_run)
        # scaffold's own handler: go on, to add what is missing (its test, once the app can
        # run tests); everything that exists is left as it is.
    for template in (HANDLER_TEMPLATE, TEST_TEMPLATE):
        edit.check_names(template, variables, "handler name", name)
    if not edit.create(module, edit.render(HANDLER_TEMPLATE, variables)):
        if ident not in declared:
            raise ConflictError(
                f"{module} already exists and is not declared in {_vtex.SERVICE}; pick another "
                "name, or move that file away"
            )
        edit.notes.append(f"kept {module}: it differs from the template (edited by hand?)")
    edit.create_test(test, TEST_TEMPLATE, variables)
    store = edit.ensure_support(store, routes=False)
    if ident not in declared:
        field = topics_field(edit.service())
        edit.set_json_key(_vtex.SERVICE, ("events",), ident, {"sender": sender, field: topics})
    edit.register("events", ident, module)
    edit.add_policies([*_vtex.store_policies(store), _vtex.LOGS_POLICY])
    return edit.finish(dry_run=dry_run)


def remove_event(start: Path, name: str, *, dry_run: bool = False) -> Result:
    """Undo :func:`add_event` exactly: declaration, registration, files, support, policies.

    The handler and its test are deleted only if they are byte-identical to what the
    component renders for the declared sender and topics; otherwise they are kept and a
    note says so. Support files and policies that add-* brings go too when nothing in the
    app uses them any more (see :func:`scaffold._undo.prune_unused`). A consumer of
    the app's own event that add-event made (``node/events/<id>.ts``) is removed like any
    other; a worker is refused (``remove-worker``).

    Args:
        start: A folder inside the app.
        name: The handler name (kebab, snake or camel case).
        dry_run: Plan and diff only.

    Returns:
        What changed (``unchanged`` when there was nothing to remove).

    Raises:
        InvalidAnswerError: If the name is invalid.
        ConflictError: If the id names a worker.
        ProjectError: If the app cannot be read or edited safely.
    """
    ident = _names.handler_id(name)
    edit = Edit(start, "remove-event", ident)
    module, test = _vtex.component_file("consumer", ident), _vtex.component_test("consumer", ident)
    declared = edit.declared("events")
    declaration = declared.get(ident)
    edit.refuse_other_handler(ident, "consumer")
    registered = edit.registered("events", ident, module)
    if declaration is None and not registered:
        known = ", ".join(sorted(declared)) or "none"
        edit.message = (
            f"nothing to remove: {ident!r} is neither declared in {_vtex.SERVICE} nor in the "
            f"events map (declared events: {known})"
        )
        return edit.finish(dry_run=dry_run)
    edit.drop_handler("events", ident, module)
    if isinstance(declaration, dict) and topics_of(declaration):
        variables = _names.component_vars(
            ident,
            sender=str(declaration.get("sender", "")),
            topics=topics_of(declaration),
        )
        edit.delete_if_ours(module, [edit.render(HANDLER_TEMPLATE, variables)])
        edit.delete_if_ours(test, [edit.render(TEST_TEMPLATE, variables)])
        if ident in _vtex.EXAMPLE_E2E:  # the example handler's end-to-end tests
            e2e, template = _vtex.EXAMPLE_E2E[ident]
            edit.delete_if_ours(e2e, [edit.render(template, {})])
    else:
        for rel in (module, test):
            if edit.read(rel) is not None:
                edit.notes.append(f"kept {rel}: service.json does not say what scaffold wrote")
    prune_unused(edit)
    return edit.finish(dry_run=dry_run)
