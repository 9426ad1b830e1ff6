"""VTEX IO facts in one place: ledger stores, manifest policies and what needs them, paths.

``new`` (through the app template's answers), the ``add-*`` verbs and the policy lint rule
(SC201) all read these, so a policy name or a path is written down once.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from scaffold import _ts

if TYPE_CHECKING:
    from tree_sitter import Node

# Where the idempotency and status ledger keeps its records.
Store = Literal["vbase", "masterdata"]
STORES: tuple[Store, ...] = ("vbase", "masterdata")
DEFAULT_STORE: Store = "vbase"

# Files of an app, relative to its root: every path scaffold writes or reads is spelled here.
MANIFEST = "manifest.json"
README = "README.md"
CHANGELOG = "CHANGELOG.md"
SERVICE = "node/service.json"
INDEX = "node/index.ts"
PACKAGE = "node/package.json"
TSCONFIG = "node/tsconfig.json"
TESTS_TSCONFIG = "node/__tests__/tsconfig.json"
# NOTE: not under node/lib/: VTEX's default .gitignore ignores `lib`.
PROCESSING = "node/support/processing.ts"
HTTP_HELPERS = "node/support/http.ts"
PROCESSING_TEST = "node/__tests__/processing.test.ts"
PLATFORM = "node/__tests__/platform.ts"
PLATFORM_MODEL = "node/__tests__/platformModel.ts"
# Where the components add-* writes live, by kind: node/<folder>/<name>.ts, and their jest
# tests in node/__tests__/<folder>/<name>.test.ts. A worker's job routes are the module
# `<worker>Jobs` of kind "routes".
Component = Literal["consumer", "worker", "publisher", "routes"]
COMPONENT_FOLDERS: dict[Component, str] = {
    "consumer": "events",
    "worker": "workers",
    "publisher": "publishers",
    "routes": "routes",
}
# Event handlers: consumers of other apps' events and workers on the app's own.
HANDLER_FOLDERS = ("node/events/", "node/workers/")


def component_file(kind: Component, name: str) -> str:
    """The module of a component add-* writes (``node/workers/syncItems.ts``).

    Args:
        kind: What it is.
        name: Its module name (a handler id, a topic in camelCase, ``<worker>Jobs``).

    Returns:
        The path relative to the app root.
    """
    return f"node/{COMPONENT_FOLDERS[kind]}/{name}.ts"


def component_test(kind: Component, name: str) -> str:
    """The jest test add-* writes beside :func:`component_file` (same arguments)."""
    return f"node/__tests__/{COMPONENT_FOLDERS[kind]}/{name}.test.ts"


# The example app's end-to-end tests: one file per example handler, beside the harness
# (node/__tests__/e2e/harness.ts, which the app keeps like its other test support), and the
# component template each is rendered from. remove-* deletes one with its handler when its
# bytes are still the template's.
EXAMPLE_E2E: dict[str, tuple[str, str]] = {
    ident: (
        f"node/__tests__/e2e/{ident}.test.ts",
        f"templates/components/e2e/{ident}.test.ts.jinja",
    )
    for ident in ("orderStatusUpdated", "syncItems")
}


# Manifest policies (objects as they appear in manifest.json `policies`).
LOGS_POLICY: dict[str, Any] = {"name": "colossus-write-logs"}
FIRE_POLICY: dict[str, Any] = {"name": "colossus-fire-event"}
VBASE_POLICY: dict[str, Any] = {"name": "vbase-read-write"}
MASTERDATA_POLICY: dict[str, Any] = {"name": "ADMIN_DS"}
MASTERDATA_OUTBOUND: dict[str, Any] = {
    "name": "outbound-access",
    "attrs": {"host": "api.vtex.com", "path": "/dataentities/*"},
}
STORE_POLICIES: dict[Store, tuple[dict[str, Any], ...]] = {
    "vbase": (VBASE_POLICY,),
    "masterdata": (MASTERDATA_POLICY, MASTERDATA_OUTBOUND),
}

# A client member or destructured name -> (the policy its use needs, how to call it).
CLIENT_POLICIES: dict[str, tuple[str, str]] = {
    "sendEvent": (FIRE_POLICY["name"], "events.sendEvent"),
    "vbase": (VBASE_POLICY["name"], "the VBase client"),
    "masterdata": (MASTERDATA_POLICY["name"], "the Master Data client"),
}
# The nodes :func:`used_client` can find a client in; it says None to others.
CLIENT_USES = frozenset(
    {"member_expression", "shorthand_property_identifier_pattern", "pair_pattern"}
)

# The policies the add-* commands bring (remove-* may take back only these).
ADDED_POLICIES: tuple[dict[str, Any], ...] = (
    FIRE_POLICY,
    LOGS_POLICY,
    *(policy for store in STORES for policy in STORE_POLICIES[store]),
)
# A policy that serves another one's client: it stays or goes with that one.
SERVES: dict[str, str] = {MASTERDATA_OUTBOUND["name"]: MASTERDATA_POLICY["name"]}
# What in a module's text shows it uses what a policy allows: the clients above, named as
# :func:`used_client` finds them, and the logger (colossus-write-logs). A text test, no parse.
_USES_IN_TEXT: dict[str, re.Pattern[bytes]] = {
    FIRE_POLICY["name"]: re.compile(rb"\.sendEvent\("),
    VBASE_POLICY["name"]: re.compile(rb"\bvbase\b"),
    MASTERDATA_POLICY["name"]: re.compile(rb"\bmasterdata\b"),
    LOGS_POLICY["name"]: re.compile(rb"\blogger\b"),
}


def policy_needs(code: bytes) -> dict[str, bool]:
    """Tell which policies the add-* commands bring ``code`` needs (tests aside: not code).

    Args:
        code: The modules' bytes, joined.

    Returns:
        Policy name -> whether something in ``code`` uses what it allows; a policy that
        :data:`SERVES` another is looked up under that one.
    """
    return {policy: bool(pattern.search(code)) for policy, pattern in _USES_IN_TEXT.items()}


def used_client(node: Node) -> str | None:
    """The client a node uses (`x.vbase`, `{ masterdata } = ...`, `x.sendEvent`), if any.

    Args:
        node: A node of one of the :data:`CLIENT_USES` types.

    Returns:
        The member or destructured name (a key of :data:`CLIENT_POLICIES` when it is a
        client), or ``None``.
    """
    if node.type == "member_expression":
        prop = node.child_by_field_name("property")
        return _ts.text(prop) if prop is not None else None
    if node.type == "shorthand_property_identifier_pattern":
        return _ts.text(node)
    if node.type == "pair_pattern":
        key = node.child_by_field_name("key")
        return _ts.key_text(key) if key is not None else None
    return None


# Who may call the job routes. A private route (`"public": false`) is served at
# https://app.io.vtex.com/<vendor>.<name>/v<major>/<account>/<workspace><path> and, with no
# resource-based `policies`, admits no one (VTEX: "Controlling access to app resources").
# The routes admit API keys (an integration logs in with its key, then sends the token as
# `VtexIdclientAutCookie`); the re-drive route also VTEX's scheduler app.
API_KEY_PRINCIPAL = "vrn:vtex.vtex-id:*:*:*:user/vtexappkey-*"
SCHEDULER_PRINCIPAL = "vrn:apps:*:*:*:app/vtex.scheduler@*"


def private_route(path: str, action: str, *, scheduler: bool = False) -> dict[str, Any]:
    """Return the service.json declaration of a private route and who may call it.

    Args:
        path: The route's path.
        action: The lowercase HTTP method the policy allows (``post``, ``get``).
        scheduler: Also admit VTEX's scheduler app (for routes called on a schedule).

    Returns:
        The declaration (a fresh object).
    """
    principals = [API_KEY_PRINCIPAL, *([SCHEDULER_PRINCIPAL] if scheduler else [])]
    policy = {"effect": "allow", "actions": [action], "principals": principals}
    return {"path": path, "public": False, "policies": [policy]}


def store_policies(store: Store) -> list[dict[str, Any]]:
    """Return the manifest policies a ledger store needs (fresh copies).

    Args:
        store: The store.

    Returns:
        Policy objects.
    """
    return [dict(policy) for policy in STORE_POLICIES[store]]


def app_policies(store: Store, *, example: bool) -> list[dict[str, Any]]:
    """Return the policies of a new app's manifest, in the order the template writes them.

    Args:
        store: The ledger store.
        example: Whether the app has the example publisher (which fires events).

    Returns:
        Policy objects.
    """
    fire = [dict(FIRE_POLICY)] if example else []
    return [*fire, *store_policies(store), dict(LOGS_POLICY)]


def detect_store(processing: bytes) -> Store | None:
    """Tell which backend an existing ``support/processing.ts`` keeps its records in.

    Args:
        processing: The file's bytes.

    Returns:
        ``masterdata``, ``vbase``, or ``None`` if neither client is used.
    """
    # The ledger builds its own client (`new MasterData(`); older ledgers used ctx.clients.
    if b"new MasterData(" in processing or b"clients.masterdata" in processing:
        return "masterdata"
    # `extends VBase`: the ledger's VBase subclass (reads past the SDK's single-flight map).
    if any(mark in processing for mark in (b"new VBase(", b"extends VBase", b"clients.vbase")):
        return "vbase"
    return None


def parse_store(value: str | None) -> Store | None:
    """Validate ``--store``.

    Args:
        value: The flag's value, or ``None``.

    Returns:
        The store, or ``None`` when not given.

    Raises:
        UsageError: If it is not one of :data:`STORES`.
    """
    if value is None:
        return None
    for store in STORES:
        if value.strip() == store:
            return store
    from scaffold.errors import UsageError

    # An option's value: a usage error (exit 2), like click's own.
    raise UsageError(f"invalid --store {value!r}: choose one of {', '.join(STORES)}")
