"""Create VTEX IO node apps built around events and workers, and add to them safely."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
