"""Names add-* derives from a NAME must not clash with the names a component template uses.

The editing commands check every component template they render (``Edit.check_names``)
before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from scaffold import _names
from scaffold.errors import ConflictError

# Placeholder values that cannot occur in a template, to tell its own names from derived ones.
_SENTINELS: dict[str, str] = {
    "handler_id": "qqzh",
    "handler_pascal": "Qqzh",
    "handler_const": "QQZH",
    "handler_kebab": "qqzh",
    "topic": "qqzt",
    "topic_camel": "qqzt",
    "topic_pascal": "Qqzt",
    "topic_const": "QQZT",
}
_SENTINEL_KEYS = {
    "qqzh": "handler_id",
    "Qqzh": "handler_pascal",
    "QQZH": "handler_const",
    "qqzt": "topic_camel",
    "Qqzt": "topic_pascal",
    "QQZT": "topic_const",
}
_SENTINEL_WORD = re.compile("|".join(_SENTINEL_KEYS))
_IDENTIFIER_NODES = frozenset(
    {
        "identifier",
        "type_identifier",
        "shorthand_property_identifier",
        "shorthand_property_identifier_pattern",
    }
)


def check_names(
    render: Callable[[dict[str, Any]], bytes],
    template: str,
    variables: dict[str, Any],
    what: str,
    value: str,
) -> None:
    """Refuse names that would clash with a name the template itself uses.

    The template is rendered twice: with placeholder names, to learn every identifier
    it uses on its own (imports, helpers, locals), and with the real names. A derived
    identifier (``create<Name>Handler``, ``<Name>Payload``...) that equals one of those,
    another derived one, or a global the runtime owns would be a duplicate declaration
    or a shadowed name: refused before anything is written.

    Args:
        render: Renders the template with the variables it is given.
        template: The component template (its path names its kind in messages).
        variables: Its real variables.
        what: How to call the name in the message (``worker name``...).
        value: The name as given.

    Raises:
        ConflictError: Naming the identifier and what it clashes with.
    """
    sentinel = {k: v for k, v in _SENTINELS.items() if k in variables}
    own = _identifiers(render({**variables, **sentinel}))
    internals = {name for name in own if not _SENTINEL_WORD.search(name)}
    derived: dict[str, str] = {}
    for name in sorted(own - internals):
        real = _SENTINEL_WORD.sub(lambda m: str(variables[_SENTINEL_KEYS[m.group(0)]]), name)
        if real in internals or real in _names.GLOBALS:
            whose = (
                "a name the runtime reserves"
                if real in _names.GLOBALS
                else f"a name the {_template_kind(template)} code already uses"
            )
            raise ConflictError(
                f"{what} {value!r} gives the identifier {real!r}, {whose}; pick another {what}"
            )
        if real in derived and derived[real] != name:
            raise ConflictError(
                f"{what} {value!r} gives the identifier {real!r} twice in the "
                f"{_template_kind(template)} code; pick another {what}"
            )
        derived[real] = name


def _identifiers(source: bytes) -> set[str]:
    """Every name a TypeScript file binds or refers to (not property names, strings)."""
    from scaffold import _ts

    return {
        _ts.text(node)
        for node in _ts.walk(_ts.parse(source).root_node)
        if node.type in _IDENTIFIER_NODES
    }


def _template_kind(template: str) -> str:
    """``consumer``, ``worker``... from a component template's path, for messages."""
    parts = template.split("/")
    kind = parts[-2] if len(parts) > 1 else template
    return f"{kind} test" if ".test." in parts[-1] else kind
