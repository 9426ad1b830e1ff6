"""node/service.json: what its ``events`` and ``routes`` declare, read one way everywhere.

The add-*/remove-* commands (through the edit session), ``list``/``graph`` and ``--fix`` read
declarations with these helpers; the lint rules on the file's values are
:mod:`scaffold._rules.service_json`.
"""

from __future__ import annotations

from typing import Any, Literal

Section = Literal["events", "routes"]


def section(service: Any, name: str) -> dict[str, Any]:
    """Return the ``events`` or ``routes`` object of a parsed service.json (empty if none).

    Args:
        service: The parsed service.json.
        name: ``events`` or ``routes``.

    Returns:
        Id -> its declaration.
    """
    found = service.get(name) if isinstance(service, dict) else None
    return found if isinstance(found, dict) else {}


def declared_events(service: Any) -> dict[str, Any]:
    """Return the ``events`` object of a parsed node/service.json (empty if none).

    Args:
        service: The parsed service.json.

    Returns:
        Handler id -> its declaration.
    """
    return section(service, "events")


def topics_field(service: Any) -> Literal["keys", "topics"]:
    """Which field a new event in this service.json should list its topics under.

    ``topics`` is the current name and ``keys`` the deprecated one; an existing file
    keeps the style it uses, and a file using both gets ``topics``.

    Args:
        service: The parsed service.json.

    Returns:
        ``"keys"`` if the events declare only ``keys``, else ``"topics"``.
    """
    declared = [d for d in declared_events(service).values() if isinstance(d, dict)]
    if any("topics" in d for d in declared):
        return "topics"
    return "keys" if any("keys" in d for d in declared) else "topics"


def topics_of(declaration: Any) -> list[str]:
    """Return the topics an event declaration lists (``topics`` and ``keys`` together).

    Args:
        declaration: One value of service.json ``events``.

    Returns:
        The topics, in order, without repeats.
    """
    if not isinstance(declaration, dict):
        return []
    out: list[str] = []
    for field_name in ("topics", "keys"):
        values = declaration.get(field_name)
        for value in values if isinstance(values, list) else []:
            if isinstance(value, str) and value not in out:
                out.append(value)
    return out


def same_declaration(declaration: Any, sender: str, topics: list[str]) -> bool:
    """Tell whether a service.json event declares this sender and these topics.

    Args:
        declaration: One value of service.json ``events``.
        sender: The expected sender.
        topics: The expected topics (order does not matter).

    Returns:
        True if they match.
    """
    return (
        isinstance(declaration, dict)
        and declaration.get("sender") == sender
        and set(topics_of(declaration)) == set(topics)
    )


def describe(declaration: Any) -> str:
    """Show an event declaration briefly (``sender vtex.x, topics a, b``)."""
    if not isinstance(declaration, dict):
        return "something that is not an object"
    return f"sender {declaration.get('sender')}, topics {', '.join(topics_of(declaration))}"
