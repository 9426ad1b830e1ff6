"""VTEX naming rules, case conversion and the identifiers TypeScript reserves."""

from __future__ import annotations

import re

from scaffold.errors import InvalidAnswerError

_APP_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_VENDOR = re.compile(r"^[a-z][a-z0-9]*$")
_TOPIC = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SENDER = re.compile(r"^[a-z][a-z0-9]*\.[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_HANDLER_INPUT = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
# Names typed in kebab-case or snake_case (one separator, never doubled or trailing); together
# with the camelCase/PascalCase id itself, the only inputs converted without losing anything.
_PLAIN_INPUT = (
    re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"),
    re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"),
)

# Length limits. VTEX's toolbelt checks names only against `[\w_-]+` (vtex/toolbelt
# src/api/manifest/ManifestValidator.ts, no length), so these are ours, chosen from what the
# names become: the vendor is the VTEX account, a DNS label in `{account}.myvtex.com`, so at
# most 63 characters (RFC 1035 2.3.4); the app name gets the same bound so `vendor.name` stays
# a usable identifier; handler ids and topics become file names (`node/__tests__/<id>.test.ts`,
# plus the `.<file>.XXXXXXXX.tmp` scaffold writes first), so 64 keeps them far below the
# 255-byte NAME_MAX of every common filesystem. docs/reliability.md lists them.
MAX_VENDOR = 63
MAX_APP_NAME = 63
MAX_IDENT = 64

# ECMAScript reserved words, strict-mode reserved words and TypeScript's own, plus
# names that would shadow globals a handler module relies on.
RESERVED = frozenset(
    """
    break case catch class const continue debugger default delete do else enum export extends
    false finally for function if import in instanceof new null return super switch this throw
    true try typeof var void while with implements interface let package private protected
    public static yield await async any boolean constructor declare get module require number
    set string symbol type from of namespace abstract as asserts infer is keyof readonly unique
    unknown never object undefined arguments eval
    events routes clients service context state
    """.split()
)

# Names the runtime or the test runner owns: a module-level declaration with one of these
# names is a TypeScript error (``exports``, ``require``...) or hides what the code needs.
GLOBALS = frozenset(
    """
    exports require module global globalThis process console Buffer setTimeout setImmediate
    clearTimeout __dirname __filename metrics jest describe it test expect beforeAll
    beforeEach afterAll afterEach Promise Error Object Array JSON Map Set Date Math String
    Number Boolean Symbol Record Partial Readonly Context State
    """.split()
)


def validate_app_name(value: str) -> str:
    """Return ``value`` if it is a valid VTEX app name; else raise :class:`InvalidAnswerError`."""
    rule = "use lowercase letters, digits and single hyphens, starting with a letter"
    return _matching("app name", value, _APP_NAME, MAX_APP_NAME, rule, "order-sync")


def validate_vendor(value: str) -> str:
    """Return ``value`` if it is a valid VTEX vendor (account); else raise."""
    rule = "use lowercase letters and digits only, starting with a letter"
    return _matching("vendor", value, _VENDOR, MAX_VENDOR, rule, "acme")


def validate_topic(value: str) -> str:
    """Return ``value`` if it can be an event topic (characters VTEX routes); else raise."""
    rule = "use letters, digits, '.', '_' and '-'"
    return _matching("topic", value, _TOPIC, MAX_IDENT, rule, "order-status-updated")


def _matching(
    what: str, value: str, pattern: re.Pattern[str], limit: int, rule: str, example: str
) -> str:
    """Return ``value`` if it is not empty, not too long and matches ``pattern``.

    Args:
        what: How to call the value in a message (``app name``).
        value: The candidate.
        pattern: What the whole value must match.
        limit: Its length at most.
        rule: The rule in words, for the message (``use lowercase letters...``).
        example: A value that passes.

    Returns:
        The same value.

    Raises:
        InvalidAnswerError: One line naming the value, the rule and an example.
    """
    _check_length(what, value, limit, example)
    if not pattern.fullmatch(value):
        raise InvalidAnswerError(f"invalid {what} {_shown(value)}: {rule} (e.g. {example})")
    return value


def _shown(value: str) -> str:
    """``repr`` of a value, cut short so an error stays one readable line.

    A character outside ASCII (a Cyrillic ``о`` that looks like ``o``) is named with its code
    point, since it is invisible in the value itself.
    """
    shown = repr(value) if len(value) <= 40 else repr(value[:20]) + f"... ({len(value)} chars)"
    odd = next((ch for ch in value if not ch.isascii() or not ch.isprintable()), None)
    if odd is not None:
        shown += f" (has {odd!r}, U+{ord(odd):04X}, which is not a plain ASCII character)"
    return shown


def _check_length(what: str, value: str, limit: int, example: str) -> None:
    if not value:
        raise InvalidAnswerError(f"empty {what}: give one (e.g. {example})")
    if len(value) > limit:
        raise InvalidAnswerError(
            f"{what} {_shown(value)} is too long: {len(value)} characters, at most {limit}"
        )


def validate_sender(value: str) -> str:
    """Return ``value`` if it is ``vendor.app-name``, else raise.

    Args:
        value: The candidate sender app id.

    Returns:
        The same sender.

    Raises:
        InvalidAnswerError: If the sender is not ``vendor.app-name``.
    """
    vendor, _, name = value.partition(".")
    if len(vendor) > MAX_VENDOR or len(name) > MAX_APP_NAME:
        raise InvalidAnswerError(
            f"sender {_shown(value)} is too long: its vendor is at most {MAX_VENDOR} "
            f"characters and its app name at most {MAX_APP_NAME}"
        )
    if not _SENDER.fullmatch(value):
        raise InvalidAnswerError(
            f"invalid sender {_shown(value)}: use the publishing app's 'vendor.app-name' "
            "(e.g. vtex.orders-broadcast), without a version"
        )
    return value


def words(value: str) -> list[str]:
    """Split kebab, snake, camel or Pascal case into lowercase words.

    Args:
        value: A name in any of those styles.

    Returns:
        Its words, lowercased.
    """
    return [w.lower() for w in _WORDS.findall(value)]


def camel(value: str) -> str:
    """Return ``value`` in camelCase (``order-status`` -> ``orderStatus``).

    Args:
        value: A name in kebab, snake, camel or Pascal case.

    Returns:
        The camelCase form.
    """
    parts = words(value)
    return parts[0] + "".join(p.capitalize() for p in parts[1:]) if parts else ""


def pascal(value: str) -> str:
    """Return ``value`` in PascalCase.

    Args:
        value: A name in kebab, snake, camel or Pascal case.

    Returns:
        The PascalCase form.
    """
    return "".join(p.capitalize() for p in words(value))


def kebab(value: str) -> str:
    """Return ``value`` in kebab-case.

    Args:
        value: A name in kebab, snake, camel or Pascal case.

    Returns:
        The kebab-case form.
    """
    return "-".join(words(value))


def handler_id(value: str, *, what: str = "handler name") -> str:
    """Turn a user-given handler name into the camelCase id used everywhere.

    The same id is the key in ``node/service.json`` ``events``, the key in the
    events object given to ``new Service``, and the file name.

    Args:
        value: The name as typed (kebab, snake or camel case).
        what: How to call the value in an error message.

    Returns:
        The camelCase handler id.

    Raises:
        InvalidAnswerError: If the name has path separators, odd characters or is reserved.
    """
    _check_length(what, value, MAX_IDENT, "order-created")
    if not _HANDLER_INPUT.fullmatch(value):
        raise InvalidAnswerError(
            f"invalid {what} {_shown(value)}: use letters, digits, '-' or '_', starting with a "
            "letter, no path separators (e.g. order-created)"
        )
    ident = camel(value)
    plain = value in (ident, ident[:1].upper() + ident[1:]) or any(
        pattern.fullmatch(value) for pattern in _PLAIN_INPUT
    )
    if not plain:
        styles = " or ".join(dict.fromkeys((kebab(ident), ident)))
        raise InvalidAnswerError(
            f"ambiguous {what} {value!r}: it would silently become {ident!r}; type it in one "
            f"plain style: kebab-case, snake_case or camelCase (e.g. {styles})"
        )
    if ident in RESERVED:
        raise InvalidAnswerError(
            f"invalid {what} {value!r}: {ident!r} is a reserved word in TypeScript or in the "
            "app's entry point; pick a more specific name (e.g. {ident}Changed)".replace(
                "{ident}", ident
            )
        )
    return ident


def normalised(value: str, ident: str, *, what: str = "handler id") -> str | None:
    """Say which id a typed name became, when it is not the name as typed.

    Args:
        value: The name as typed.
        ident: The id :func:`handler_id` returned for it.
        what: What the id is, for the sentence.

    Returns:
        ``"using handler id orderCreated (from 'order-created')"``, or ``None`` when the
        name was typed as the id itself.
    """
    return None if value == ident else f"using {what} {ident} (from {value!r})"


def default_title(name: str) -> str:
    """Title-case an app name for manifest.json (``order-sync`` -> ``Order Sync``).

    Args:
        name: A valid app name.

    Returns:
        A human title.
    """
    return " ".join(w.capitalize() for w in name.split("-"))


def constant(value: str) -> str:
    """Return ``value`` in UPPER_SNAKE_CASE (``items-sync-requested`` -> ``ITEMS_SYNC_REQUESTED``).

    Args:
        value: A name in kebab, snake, camel or Pascal case (dots count as separators).

    Returns:
        The constant form.
    """
    return "_".join(words(value)).upper()


def topic_id(value: str) -> str:
    """Validate a topic and return its camelCase form, used as a file and symbol name.

    Args:
        value: The topic (e.g. ``items-sync-requested``).

    Returns:
        The camelCase form (``itemsSyncRequested``).

    Raises:
        InvalidAnswerError: If the topic is invalid or gives no usable identifier.
    """
    validate_topic(value)
    ident = camel(value)
    if not ident or not ident[0].isalpha() or ident in RESERVED:
        raise InvalidAnswerError(
            f"invalid topic {value!r}: it must start with a letter and not be a reserved "
            "word, since its camelCase form names the publisher (e.g. items-sync-requested)"
        )
    return ident


def component_vars(
    handler: str | None = None,
    *,
    topic: str | None = None,
    vendor: str | None = None,
    app_name: str | None = None,
    sender: str | None = None,
    topics: list[str] | None = None,
    kind: str | None = None,
    store: str | None = None,
) -> dict[str, object]:
    """Every name a component template needs, derived in one place.

    ``scaffold new`` (through the ``{% set %}`` lines of the app template's example) and the
    ``add-*`` commands must agree on these; tests render both and compare the bytes.

    Args:
        handler: The handler name as typed (any case), or its id.
        topic: The app's own topic (workers, publishers, routes).
        vendor: The app's vendor (manifest ``vendor``).
        app_name: The app's name (manifest ``name``).
        sender: The sender of a consumed event.
        topics: The topics of a consumed event.
        kind: The publisher/worker payload: ``job`` (batch) or ``single``.
        store: The ledger backend for support files: ``vbase`` or ``masterdata``.

    Returns:
        Template variables: ``handler_id``, ``handler_pascal``, ``handler_kebab``,
        ``handler_const``, ``topic``, ``topic_const``, ``topic_pascal``, ``topic_camel``,
        ``app_id``, ``app_name``, ``sender``, ``topics``, ``kind``, ``store`` (only those
        whose inputs were given).
    """
    out: dict[str, object] = {}
    if handler is not None:
        ident = handler_id(handler)
        out |= {
            "handler_id": ident,
            "handler_pascal": pascal(ident),
            "handler_kebab": kebab(ident),
            "handler_const": constant(ident),
        }
    if topic is not None:
        out |= {
            "topic": topic,
            "topic_const": constant(topic),
            "topic_pascal": pascal(topic),
            "topic_camel": topic_id(topic),
        }
    if vendor is not None and app_name is not None:
        out |= {"app_id": f"{vendor}.{app_name}", "app_name": app_name}
    if sender is not None:
        out["sender"] = sender
    if topics is not None:
        out["topics"] = list(topics)
    if kind is not None:
        out["kind"] = kind
    if store is not None:
        out["store"] = store
    return out
