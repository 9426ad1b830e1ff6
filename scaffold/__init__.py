"""Create VTEX IO node apps built around events and workers, and add to them safely.

The public API (everything else is private and may change). Names load on first use, so
``import scaffold`` stays cheap for the CLI.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_API = {
    "AppAnswers": "scaffold._answers",
    "create_app": "scaffold.new",
    "add_event": "scaffold.events",
    "remove_event": "scaffold.events",
    "add_worker": "scaffold.workers",
    "add_publisher": "scaffold.publishers",
    "check_app": "scaffold.check",
    "ScaffoldError": "scaffold.errors",
    "UserError": "scaffold.errors",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from scaffold._release import version

        return version()
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'scaffold' has no attribute {name!r}")
