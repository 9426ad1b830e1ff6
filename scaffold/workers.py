"""``scaffold add-worker``: background work on the app's own event, its publisher and routes."""

from __future__ import annotations

from pathlib import Path

from scaffold import _names, _vtex
from scaffold._app_files import importers
from scaffold._edit import Edit, Result
from scaffold._service_json import describe, same_declaration, topics_field, topics_of
from scaffold._undo import prune_unused
from scaffold.errors import ConflictError, InvalidAnswerError
from scaffold.publishers import plan_publisher

BATCH = (
    "templates/components/worker/worker.ts.jinja",
    "templates/components/worker/worker.test.ts.jinja",
)
SINGLE = (
    "templates/components/worker/single.ts.jinja",
    "templates/components/worker/single.test.ts.jinja",
)
ROUTES = (
    "templates/components/routes/jobs.ts.jinja",
    "templates/components/routes/jobs.test.ts.jinja",
)


def default_topic(ident: str) -> str:
    """Return the topic a worker consumes when none is given (``<name-kebab>-requested``)."""
    return f"{_names.kebab(ident)}-requested"


def add_worker(
    start: Path,
    name: str,
    *,
    topic: str | None = None,
    route: bool | None = None,
    batch: bool = True,
    store: _vtex.Store | None = None,
    dry_run: bool = False,
) -> Result:
    """Add a worker on the app's own event, its publisher and (batch) its job routes.

    Args:
        start: A folder inside the app.
        name: The worker name (kebab, snake or camel case).
        topic: Its topic (default ``<name-kebab>-requested``).
        route: Add the trigger + status routes (batch workers only; default: ``batch``).
        batch: A batch worker (``{ jobId, itemIds }``) or a single-unit one (``{ id }``).
        store: The ledger backend for a new ``support/processing.ts`` (default vbase).
        dry_run: Plan and diff only.

    Returns:
        What changed (``unchanged`` when the worker was already there).

    Raises:
        InvalidAnswerError: If a name or the topic is invalid, or ``route`` without ``batch``.
        ConflictError: If the id or topic is already used for something else.
        ProjectError: If the app cannot be read or edited safely.
    """
    ident = _names.handler_id(name, what="worker name")
    if route is None:
        route = batch
    if route and not batch:
        raise InvalidAnswerError(
            "--route needs a batch worker (the job routes report per-item status): drop "
            "--route, or --no-batch"
        )
    if topic is None and len(default_topic(ident)) > _names.MAX_IDENT:
        derived = default_topic(ident)
        raise InvalidAnswerError(
            f"worker name {name!r} gives the topic {derived[:20]!r}... ({len(derived)} "
            f"characters, at most {_names.MAX_IDENT}): pass a shorter --topic, or a worker "
            f"name of at most {_names.MAX_IDENT - len('-requested')} characters"
        )
    topic = (topic or default_topic(ident)).strip()
    _names.topic_id(topic)
    edit = Edit(start, "add-worker", ident)
    app_id = edit.app.app_id
    module = _vtex.component_file("worker", ident)
    declared = edit.declared("events")
    if ident in declared and not same_declaration(declared[ident], app_id, [topic]):
        raise ConflictError(
            f"{_vtex.SERVICE} already declares {ident!r} with {describe(declared[ident])}, not "
            f"this app's {topic}; pick another worker name"
        )
    variables = {
        **plan_publisher(
            edit,
            topic,
            "job" if batch else "single",
            hint="pick another --topic, or " + ("pass --no-batch" if batch else "drop --no-batch"),
        ),
        **_names.component_vars(ident, topic=topic, vendor=edit.app.vendor, app_name=edit.app.name),
    }
    base = f"/_v/{edit.app.name}/{variables['handler_kebab']}"
    wanted = job_routes(ident, base) if route else {}
    in_map = _check_conflicts(edit, ident, wanted, declared)
    _plan_files(edit, ident, variables, batch=batch, route=route, declared=ident in declared)
    store = edit.ensure_support(store, routes=route)
    if ident not in declared:
        field = topics_field(edit.service())
        edit.set_json_key(_vtex.SERVICE, ("events",), ident, {"sender": app_id, field: [topic]})
    if not in_map:
        edit.register("events", ident, module)
    for route_id, declaration in wanted.items():
        edit.set_json_key(_vtex.SERVICE, ("routes",), route_id, declaration)
        edit.register("routes", route_id, _vtex.component_file("routes", f"{ident}Jobs"))
    edit.add_policies([*_vtex.store_policies(store), _vtex.LOGS_POLICY, _vtex.FIRE_POLICY])
    return edit.finish(dry_run=dry_run)


def job_routes(ident: str, base: str) -> dict[str, dict[str, object]]:
    """The service.json declarations of a batch worker's routes (see routes/jobs.ts.jinja)."""
    return {
        f"{ident}Jobs": _vtex.private_route(f"{base}/jobs", "post"),
        f"{ident}Job": _vtex.private_route(f"{base}/jobs/:jobId", "get"),
        f"{ident}Redrive": _vtex.private_route(f"{base}/redrive", "post", scheduler=True),
    }


def _check_conflicts(
    edit: Edit, ident: str, routes: dict[str, dict[str, object]], declared: dict[str, object]
) -> bool:
    """Refuse routes or registrations that are someone else's; return whether registered."""
    declared_routes = edit.declared("routes")
    for route_id, wanted in routes.items():
        if route_id in declared_routes and declared_routes[route_id] != wanted:
            raise ConflictError(
                f"{_vtex.SERVICE} already has a route {route_id!r} with another declaration; "
                "pick another worker name or pass --no-route"
            )
    in_map = edit.registered("events", ident, _vtex.component_file("worker", ident))
    if in_map and ident not in declared:
        raise ConflictError(
            f"{ident!r} is already a handler in the events map given to new Service but not "
            f"declared in {_vtex.SERVICE}; pick another worker name"
        )
    return in_map


def _plan_files(
    edit: Edit,
    ident: str,
    variables: dict[str, object],
    *,
    batch: bool,
    route: bool,
    declared: bool,
) -> None:
    """Plan the worker, its test and (with ``route``) the job routes and their test."""
    module = _vtex.component_file("worker", ident)
    worker, test = BATCH if batch else SINGLE
    templates = [(module, worker), (_vtex.component_test("worker", ident), test)]
    if route:
        templates.append((_vtex.component_file("routes", f"{ident}Jobs"), ROUTES[0]))
        templates.append((_vtex.component_test("routes", f"{ident}Jobs"), ROUTES[1]))
    for _rel, template in templates:
        edit.check_names(template, variables, "worker name", ident)
    for rel, template in templates:
        if "__tests__" in rel:
            edit.create_test(rel, template, variables)
            continue
        if edit.create(rel, edit.render(template, variables)):
            continue
        if rel == module and not declared:
            raise ConflictError(
                f"{module} already exists and is not declared in {_vtex.SERVICE}; pick another "
                "worker name, or move that file away"
            )
        edit.notes.append(f"kept {rel}: it differs from the template (edited by hand?)")


def remove_worker(start: Path, name: str, *, dry_run: bool = False) -> Result:
    """Undo :func:`add_worker` exactly: the worker, its routes, its publisher and the rest.

    Files are deleted only if byte-identical to what the components render (batch or
    single-unit); the publisher only if nothing else imports it. Support files and policies
    go when nothing in the app uses them any more. Arguments, result and errors as
    :func:`scaffold.events.remove_event`, with ``name`` a worker's (a consumer's id is
    refused: ``remove-event``).
    """
    from scaffold.publishers import PUBLISHER_TEMPLATE, TEST_TEMPLATE

    ident = _names.handler_id(name, what="worker name")
    edit = Edit(start, "remove-worker", ident)
    module = _vtex.component_file("worker", ident)
    declared = edit.declared("events")
    declaration = declared.get(ident)
    edit.refuse_other_handler(ident, "worker")
    registered = edit.registered("events", ident, module)
    if declaration is None and not registered and edit.read(module) is None:
        edit.message = f"nothing to remove: there is no worker {ident!r}"
        return edit.finish(dry_run=dry_run)
    topics = topics_of(declaration)
    topic = topics[0] if topics else default_topic(ident)
    edit.drop_handler("events", ident, module)
    routes_module = _vtex.component_file("routes", f"{ident}Jobs")
    for route_id in job_routes(ident, ""):
        edit.drop_handler("routes", route_id, routes_module)
    base = _names.component_vars(ident, topic=topic, vendor=edit.app.vendor, app_name=edit.app.name)
    kinds = [{**base, "kind": kind} for kind in ("job", "single")]
    test = _vtex.component_test("worker", ident)
    edit.delete_if_ours(module, [edit.render(t, kinds[0]) for t in (BATCH[0], SINGLE[0])])
    edit.delete_if_ours(test, [edit.render(t, kinds[0]) for t in (BATCH[1], SINGLE[1])])
    edit.delete_if_ours(routes_module, [edit.render(ROUTES[0], kinds[0])])
    edit.delete_if_ours(
        _vtex.component_test("routes", f"{ident}Jobs"), [edit.render(ROUTES[1], kinds[0])]
    )
    if ident in _vtex.EXAMPLE_E2E:  # the example worker's end-to-end tests
        e2e, template = _vtex.EXAMPLE_E2E[ident]
        edit.delete_if_ours(e2e, [edit.render(template, {})])
    publisher = _vtex.component_file("publisher", str(base["topic_camel"]))
    publisher_test = _vtex.component_test("publisher", str(base["topic_camel"]))
    users = [u for u in importers(publisher, edit.node_sources()) if u != publisher_test]
    if users and edit.read(publisher) is not None:
        edit.notes.append(f"kept {publisher}: {', '.join(users)} still imports it")
    else:
        edit.delete_if_ours(publisher, [edit.render(PUBLISHER_TEMPLATE, v) for v in kinds])
        edit.delete_if_ours(publisher_test, [edit.render(TEST_TEMPLATE, v) for v in kinds])
    prune_unused(edit)
    return edit.finish(dry_run=dry_run)
