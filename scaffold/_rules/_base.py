"""The rule registry: every rule id with its check, default severity and fixer; the finding record.

One row of :data:`RULES` says all scaffold knows about a rule: its id and name, its default
severity, what it looks for and how to fix a finding, the check that finds it (a function of
:mod:`scaffold._rules._checks`) and, when a finding has one certain fix, the fixer (a function
of :mod:`scaffold.fix`). Checks and fixers are named, not imported: this module loads on every
run (a cache hit too), they only when they run; each module maps the names to its functions
when it loads, so a wrong name fails at once. ``check`` runs only the checks of the selected
rules; ``--list-rules``, the output formats and docs/check.md's tests read the same rows.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Severity = Literal["error", "warning", "info"]

SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


class Finding(NamedTuple):
    """One problem found in an app.

    Attributes:
        path: The file, relative to the app root, with ``/`` separators.
        line: 1-based line.
        column: 1-based column, in characters.
        rule: The rule id, e.g. ``SC101``.
        severity: ``error``, ``warning`` or ``info``.
        message: What is wrong, in one line.
        data: What the finding is about, as ``(key, value)`` pairs (``("event", "orderCreated")``):
            what a fixer reads, so that nothing parses the message.
    """

    path: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str
    data: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str | None:
        """The value of ``key`` in :attr:`data`, or ``None``."""
        return next((value for name, value in self.data if name == key), None)


class Rule(NamedTuple):
    """A rule of the catalogue.

    Attributes:
        id: Stable id (``SC`` + 3 digits).
        name: Stable kebab-case name, accepted wherever an id is.
        severity: The usual severity (a few rules lower or raise it per finding).
        summary: What the rule looks for.
        fix: A one-line hint on how to fix a finding.
        check: The function of :mod:`scaffold._rules._checks` that finds it (several rules
            may share one: it runs once when any of them is selected).
        fixer: The function of :mod:`scaffold.fix` that fixes a finding (``--fix``), when
            there is one certain fix.
    """

    id: str
    name: str
    severity: Severity
    summary: str
    fix: str
    check: str
    fixer: str | None = None


RULES: tuple[Rule, ...] = (
    Rule(
        "SC000",
        "parse-error",
        "error",
        "A JSON file is not valid JSON (error) or a .ts file does not parse (warning).",
        "Fix the syntax; `tsc --noEmit` or a JSON linter shows the exact problem.",
        check="parse_errors",
    ),
    Rule(
        "SC001",
        "event-not-registered",
        "error",
        "An event in service.json has no handler in the Service `events` object.",
        "Add `<id>: handler` to the events object, or remove the event from service.json.",
        check="registration",
        fixer="register_handler",
    ),
    Rule(
        "SC002",
        "handler-not-declared",
        "error",
        "A handler in the Service `events` object is not declared in service.json.",
        "Declare the id under `events` in node/service.json (with sender and topics).",
        check="registration",
    ),
    Rule(
        "SC003",
        "events-map-unresolved",
        "warning",
        "The Service `events` object cannot be read statically, so SC001/SC002 are partial.",
        "Write the events map as an object literal (inline, a const, or an imported const).",
        check="registration",
    ),
    Rule(
        "SC004",
        "missing-module",
        "error",
        "node/index.ts (or the events map's module) imports a relative module that does not exist.",
        "Create the module, or fix the import path.",
        check="imports",
    ),
    Rule(
        "SC101",
        "missing-idempotency-guard",
        "error",
        "A side effect is reachable on some path where no read of stored state decided first.",
        "Run the side effect inside runOnce(ctx, { scope, key }, work), or read a marker "
        "(VBase/Master Data) and return when the work was already done.",
        check="handlers",
    ),
    Rule(
        "SC102",
        "request-only-state",
        "error",
        "An event or worker handler reads HTTP-only state (request, query, params, headers).",
        "Put what the handler needs in the event body and read it from ctx.body.",
        check="handlers",
    ),
    Rule(
        "SC103",
        "swallowed-error",
        "error",
        "A catch neither rethrows nor records the failure (log-only catches are warnings).",
        "Record the failure (e.g. markFailed(...)) and rethrow, or rethrow.",
        check="handlers",
    ),
    Rule(
        "SC104",
        "payload-logged",
        "warning",
        "A whole event payload (ctx.body) is passed to a logger.",
        "Log ids and metadata (e.g. { orderId }), not the whole body.",
        check="handlers",
    ),
    Rule(
        "SC105",
        "floating-promise",
        "error",
        "Handler code starts async work without awaiting it (incl. forEach(async ...)).",
        "`await` (or `return`) the promise; use for...of or await Promise.all(items.map(...)).",
        check="handlers",
    ),
    Rule(
        "SC106",
        "secret-logged",
        "error",
        "A credential (auth token, Authorization header, app token, password) is logged.",
        "Log that the credential is present, never its value.",
        check="secrets",
    ),
    Rule(
        "SC201",
        "missing-policy",
        "error",
        "A client is used without the manifest policy it needs.",
        "Add the policy to `policies` in manifest.json.",
        check="policies",
        fixer="add_policy",
    ),
    Rule(
        "SC301",
        "deprecated-event-keys",
        "info",
        "An event in service.json uses the deprecated `keys` instead of `topics`.",
        "Rename `keys` to `topics`.",
        check="service_json",
        fixer="rename_keys",
    ),
    Rule(
        "SC302",
        "unknown-service-key",
        "warning",
        "service.json has a key the VTEX IO runtime does not know (often a typo).",
        "Remove the key or fix its spelling.",
        check="service_json",
    ),
    Rule(
        "SC303",
        "invalid-service-value",
        "error",
        "A service.json value is out of range or of the wrong type (memory above 1024: warning).",
        "Use workers 1-4 (integer), timeout 1-60, memory 1-1024, objects for events/routes.",
        check="service_json",
    ),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}
