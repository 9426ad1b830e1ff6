"""SC301-SC303 (``_rules/service_json.py``): node/service.json keys and values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.check_apps import FIXTURES, app_from, found


def test_service_json_shape_and_ranges() -> None:
    assert found(FIXTURES / "service-json", "SC301", "SC302", "SC303") == {
        ("node/service.json", 2, 3, "SC303", "warning"),  # memory 2048: above the docs
        ("node/service.json", 3, 3, "SC303", "error"),  # timeout 0
        ("node/service.json", 4, 3, "SC303", "error"),  # workers 5
        ("node/service.json", 5, 3, "SC302", "warning"),  # replicas
        ("node/service.json", 7, 45, "SC301", "info"),  # keys
        ("node/service.json", 7, 68, "SC302", "warning"),  # events.old.priority
        ("node/service.json", 10, 55, "SC302", "warning"),  # routes.status.method
    }


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"workers": 2.5}, {"SC303"}),
        ({"workers": True}, {"SC303"}),
        ({"workers": "2"}, {"SC303"}),
        ({"timeout": 60, "memory": 1024, "workers": 4, "deterministicVary": True}, set()),
        ({"events": ["a"]}, {"SC303"}),
        ({"cpu": {"type": "shared", "value": 50, "scalingPercentage": 80}}, set()),
        ({"memory": 1536}, {"SC303"}),
        ({"memory": 0}, {"SC303"}),
        ({"events": {"orderCreated": None, "syncOrder": {}}}, {"SC303"}),
    ],
)
def test_service_json_values(tmp_path: Path, patch: dict[str, object], expected: set[str]) -> None:
    service = json.loads((FIXTURES / "good/node/service.json").read_text())
    service.update(patch)
    root = app_from(tmp_path, {"node/service.json": json.dumps(service, indent=2)})
    assert {f[3] for f in found(root, "SC301", "SC302", "SC303")} == expected
