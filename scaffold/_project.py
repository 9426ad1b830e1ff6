"""Find and read an existing app: its root, manifest.json and node/service.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from scaffold.errors import ProjectError


def find_app_root(start: Path) -> Path:
    """Return the folder holding ``manifest.json``, searching ``start`` and its parents.

    Args:
        start: Where to start (usually the current folder or ``-C``).

    Returns:
        The app root.

    Raises:
        ProjectError: If no manifest.json is found up to the filesystem root.
    """
    start = start.absolute()
    if not start.exists():
        raise ProjectError(f"{start} does not exist: pass an existing app folder with -C")
    for folder in (start, *start.parents):
        if (folder / "manifest.json").is_file():
            return folder
    raise ProjectError(
        f"no manifest.json in {start} or its parents: run inside a VTEX IO app or pass -C PATH"
    )


def read_json(path: Path, *, root: Path | None = None) -> Any:
    """Read a JSON file, turning any failure into one clear line.

    Args:
        path: The file.
        root: The app root, to show ``path`` relative to it.

    Returns:
        The parsed value.

    Raises:
        ProjectError: If the file is missing or is not valid JSON.
    """
    shown = path.relative_to(root).as_posix() if root else str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProjectError(f"{shown} is missing: is this a VTEX IO node app?") from None
    except OSError as error:
        raise ProjectError(f"cannot read {shown}: {error.strerror}") from None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        where = (
            f"{shown}:{error.lineno}:{error.colno}"
            if isinstance(error, json.JSONDecodeError)
            else shown
        )
        raise ProjectError(f"{where}: not valid JSON ({error}); fix it and run again") from None


@dataclass(frozen=True)
class App:
    """An app on disk, as far as scaffold needs to know it."""

    root: Path
    manifest: dict[str, Any]

    @property
    def vendor(self) -> str:
        """The manifest's ``vendor``."""
        return str(self.manifest.get("vendor", ""))

    @property
    def name(self) -> str:
        """The manifest's ``name``."""
        return str(self.manifest.get("name", ""))

    @property
    def app_id(self) -> str:
        """``vendor.name``: the sender of the app's own events."""
        return f"{self.vendor}.{self.name}"

    @property
    def node(self) -> Path:
        """The ``node/`` folder."""
        return self.root / "node"


def load_app(start: Path) -> App:
    """Find the app containing ``start`` and read its manifest.

    Args:
        start: A folder inside the app.

    Returns:
        The app.

    Raises:
        ProjectError: If no app is found or its manifest is broken.
    """
    root = find_app_root(start)
    manifest = read_json(root / "manifest.json", root=root)
    if not isinstance(manifest, dict):
        raise ProjectError("manifest.json: expected a JSON object at the top level")
    return App(root=root, manifest=manifest)


def declared_events(service: Any) -> dict[str, Any]:
    """Return the ``events`` object of a parsed node/service.json (empty if none).

    Args:
        service: The parsed service.json.

    Returns:
        Handler id -> its declaration.
    """
    events = service.get("events") if isinstance(service, dict) else None
    return events if isinstance(events, dict) else {}


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
