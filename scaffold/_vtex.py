"""VTEX IO facts in one place: ledger stores, manifest policies and what needs them, paths.

``new`` (through the app template's answers), the ``add-*`` verbs and the policy lint rule
(SC201) all read these, so a policy name or a path is written down once.
"""

from __future__ import annotations

from typing import Any, Literal

# Where the idempotency and status ledger keeps its records.
Store = Literal["vbase", "masterdata"]
STORES: tuple[Store, ...] = ("vbase", "masterdata")
DEFAULT_STORE: Store = "vbase"

# Files of an app, relative to its root.
MANIFEST = "manifest.json"
SERVICE = "node/service.json"
INDEX = "node/index.ts"
# NOTE: not under node/lib/: VTEX's default .gitignore ignores `lib`.
PROCESSING = "node/support/processing.ts"
HTTP_HELPERS = "node/support/http.ts"

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
