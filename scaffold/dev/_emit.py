"""``scaffold emit``: deliver one event to the running app like the broker, and sample payloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scaffold.dev._run import control
from scaffold.errors import UserError

# Known VTEX broadcasts: (sender, topic) -> a realistic payload (ids are made up).
SAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("vtex.orders-broadcast", "order-status-updated"): {
        "domain": "Marketplace",
        "orderId": "1385470512345-01",
        "currentState": "invoiced",
        "lastState": "handling",
        "currentChangeDate": "2024-05-06T14:03:12.0000000Z",
        "lastChangeDate": "2024-05-06T13:58:40.0000000Z",
    },
    ("vtex.orders-broadcast", "order-created"): {
        "domain": "Marketplace",
        "orderId": "1385470512345-01",
        "currentState": "order-created",
        "lastState": "",
        "currentChangeDate": "2024-05-06T13:40:02.0000000Z",
        "lastChangeDate": "2024-05-06T13:40:02.0000000Z",
    },
    ("vtex.broadcaster", "broadcaster.notification"): {
        "IdSku": "1",
        "ProductId": 1,
        "An": "local",
        "IdAffiliate": "SPT",
        "DateModified": "2024-05-06T14:03:12.000Z",
        "IsActive": True,
        "StockModified": True,
        "PriceModified": False,
        "HasStockKeepingUnitModified": False,
        "HasStockKeepingUnitRemovedFromAffiliate": False,
    },
}


def payload(sender: str, topic: str, data: str | None) -> Any:
    """The event body: ``--data`` (JSON, or ``@FILE``), else a known broadcast's sample.

    Args:
        sender: The sending app.
        topic: The topic.
        data: ``--data`` as given, or ``None``.

    Returns:
        The parsed body.

    Raises:
        UserError: Unreadable or invalid JSON, or no sample for this event.
    """
    if data is None:
        sample = SAMPLES.get((sender, topic))
        if sample is None:
            known = ", ".join(f"{s} {t}" for s, t in SAMPLES)
            raise UserError(
                f"no sample payload for {sender} {topic}; pass --data JSON or --data @FILE "
                f"(samples exist for: {known})"
            )
        return sample
    where = "--data"
    text = data
    if data.startswith("@"):
        where = data[1:]
        try:
            text = Path(where).read_text(encoding="utf-8")
        except OSError as error:
            raise UserError(f"--data {data}: {error.strerror or error}") from None
    try:
        return json.loads(text)
    except ValueError as error:
        raise UserError(
            f"{where}: not JSON ({error}); quote it, e.g. --data '{{\"a\": 1}}'"
        ) from None


def emit(
    port: int, sender: str, topic: str, body: Any, *, times: int = 1, concurrent: int = 1
) -> list[dict[str, Any]]:
    """Deliver an event through the running ``scaffold dev``'s broker.

    Args:
        port: The dev server's port.
        sender: The sending app (``vendor.name``).
        topic: The topic.
        body: The payload.
        times: Deliver it this many times, one round after the other.
        concurrent: Deliveries at once in each round.

    Returns:
        One entry per handler and delivery: ``handler``, ``ok``, ``attempts`` (each with
        ``attempt``, ``status``, ``ms``).

    Raises:
        UserError: No server, or no handler subscribes to the event.
    """
    answer = control(
        port,
        "emit",
        {"sender": sender, "topic": topic, "data": body, "times": times, "concurrent": concurrent},
    )
    if "deliveries" not in answer:
        raise UserError(str(answer.get("message", answer)))
    deliveries: list[dict[str, Any]] = answer["deliveries"]
    return deliveries


def records(port: int, status: str | None = None) -> list[dict[str, Any]]:
    """The ledger records of the running app (both stores), optionally of one status."""
    answer = control(port, "records")
    items: list[dict[str, Any]] = answer.get("items", [])
    if status is not None:
        items = [r for r in items if r.get("status") == status]
    return sorted(items, key=lambda r: (str(r.get("scope")), str(r.get("key"))))
