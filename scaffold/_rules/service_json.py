"""SC301-SC303: node/service.json against the runtime's ``RawServiceJSON`` shape."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scaffold._rules._base import Finding
    from scaffold._rules._source import JsonFile

TOP_LEVEL = frozenset(
    {
        "$schema",
        "memory",
        "ttl",
        "timeout",
        "runtimeArgs",
        "routes",
        "events",
        "rateLimitPerReplica",
        "minReplicas",
        "maxReplicas",
        "workers",
        "deterministicVary",
        "stack",
        "cpu",
    }
)
EVENT_KEYS = frozenset(
    {"keys", "topics", "sender", "subject", "settingsType", "rateLimitPerReplica"}
)
ROUTE_KEYS = frozenset(
    {
        "path",
        "public",
        "smartcache",
        "extensible",
        "settingsType",
        "rateLimitPerReplica",
        "access",
        "policies",
    }
)
RANGES: dict[str, tuple[int, int, bool]] = {
    # key: (low, high, integer only)
    "workers": (1, 4, True),
    "timeout": (1, 60, False),
    "memory": (1, 1024, False),
}


# VTEX's own apps ship up to 1536 MB; above the documented 1024 is a warning up to this.
MEMORY_SHIPPED = 4096


def check_service_json(service: JsonFile) -> list[Finding]:
    """Check keys, deprecated ``keys`` and value ranges of node/service.json.

    Args:
        service: The parsed file.

    Returns:
        SC301, SC302 and SC303 findings.
    """
    data = service.data
    if not isinstance(data, dict):
        return [service.finding((), "SC303", "error", "service.json must be a JSON object")]
    findings = _unknown(service, (), data, TOP_LEVEL, "top-level")
    for key, (low, high, integer) in RANGES.items():
        if key == "memory" and _in_range(data.get(key), high + 1, MEMORY_SHIPPED, integer):
            findings.append(
                service.finding(
                    (key,),
                    "SC303",
                    "warning",
                    f"`memory` is {data[key]!r}: VTEX documents at most {high} MB (some VTEX "
                    "apps ship more); ask VTEX before relying on it",
                )
            )
        elif key in data and not _in_range(data[key], low, high, integer):
            kind = "an integer" if integer else "a number"
            findings.append(
                service.finding(
                    (key,),
                    "SC303",
                    "error",
                    f"`{key}` is {data[key]!r}; it must be {kind} from {low} to {high}",
                )
            )
    for section, allowed in (("events", EVENT_KEYS), ("routes", ROUTE_KEYS)):
        findings.extend(_section(service, data, section, allowed))
    return findings


def _section(
    service: JsonFile, data: dict[str, Any], section: str, allowed: frozenset[str]
) -> list[Finding]:
    entries = data.get(section)
    if entries is None:
        return []
    if not isinstance(entries, dict):
        return [service.finding((section,), "SC303", "error", f"`{section}` must be an object")]
    findings: list[Finding] = []
    for name, entry in entries.items():
        if not isinstance(entry, dict):
            findings.append(
                service.finding(
                    (section, name), "SC303", "error", f"`{section}.{name}` must be an object"
                )
            )
            continue
        findings.extend(_unknown(service, (section, name), entry, allowed, f"{section}.{name}"))
        if section == "events" and "keys" in entry:
            findings.append(
                service.finding(
                    (section, name, "keys"),
                    "SC301",
                    "info",
                    f"`events.{name}.keys` is deprecated; VTEX docs name it `topics`",
                    (("event", name),),
                )
            )
    return findings


def _unknown(
    service: JsonFile,
    path: tuple[str, ...],
    data: dict[str, Any],
    allowed: frozenset[str],
    where: str,
) -> list[Finding]:
    return [
        service.finding(
            (*path, key),
            "SC302",
            "warning",
            f"unknown {where} key `{key}` (expected one of: {', '.join(sorted(allowed))})",
        )
        for key in data
        if key not in allowed
    ]


def _in_range(value: Any, low: int, high: int, integer: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if integer and not (isinstance(value, int) or value.is_integer()):
        return False
    return low <= value <= high
