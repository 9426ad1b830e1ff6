"""What each add-* brought to an app, so remove-* takes back exactly that (``.scaffold.json``).

The app's files say what exists; only this record says *who brought it*. A policy the app
had before an add is the app's, even when nothing scaffold can see uses it; a policy an add
brought goes with the last handler that holds it, even when the app's code also mentions
its client. The record lives at the app root, is created by the first add-* that brings
something and deleted by the remove-* that empties it, so an add/remove round trip gives
back every byte. Its shape (documented in docs/reliability.md)::

    {
      "about": "...",
      "added": {
        "event orderPaid": {"policies": [{"name": "vbase-read-write"}]},
        "worker syncItems": {"policies": []}
      },
      "policies_array": true,
      "created": ["node/index.ts routes"],
      "empty": {"node/service.json events": "\n  "}
    }

An owner (``<kind> <id>``) lists the policies it brought, or shares with an earlier owner
that brought them; an empty list says it brought none. ``policies_array`` says an add
created manifest.json's ``policies`` array itself; ``created`` names the Service map options
and service.json sections an add created (they go when emptied), ``empty`` how an empty
object an add filled was written (``{}`` and ``{\n  }`` look the same once filled). No
entry for an owner (an add made before scaffold kept this record, or the file was deleted):
its policies cannot be known, so they stay and remove-* says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from scaffold import _json_edit, _json_scan
from scaffold._vtex import MANIFEST
from scaffold.errors import ProjectError

if TYPE_CHECKING:
    from scaffold._changes import ChangeSet


class Edit(Protocol):
    """What this module needs of the edit session (:class:`scaffold._edit.Edit` calls in)."""

    command: str
    name: str
    notes: list[str]
    generated: bool
    changes: ChangeSet

    def read(self, rel: str) -> bytes | None: ...  # noqa: D102

    def write(self, rel: str, data: bytes) -> None: ...  # noqa: D102

    def require(self, rel: str, why: str) -> bytes: ...  # noqa: D102


RECORD = ".scaffold.json"
ABOUT = (
    "What scaffold add-* brought to this app, so that remove-* takes back exactly that and "
    "nothing the app had. Written by scaffold; keep it in git."
)


def owner(command: str, name: str) -> str | None:
    """The record key of an add-*/remove-* command's item (``event orderPaid``), else None."""
    for prefix in ("add-", "remove-"):
        if command.startswith(prefix):
            return f"{command.removeprefix(prefix)} {name}"
    return None


def load(edit: Edit) -> dict[str, Any]:
    """Read the record as planned so far (an empty one when the app has none).

    Args:
        edit: The edit session.

    Returns:
        ``{"added": {owner: {"policies": [...]}}, ...}``.

    Raises:
        ProjectError: If the record is not the JSON object scaffold writes.
    """
    data = edit.read(RECORD)
    if data is None:
        return {"added": {}}
    try:
        record = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProjectError(
            f"{RECORD}: not valid JSON ({error}); restore it from git, or delete it (remove-* "
            "will then keep every policy)"
        ) from None
    added = record.get("added") if isinstance(record, dict) else None
    if not isinstance(added, dict) or not all(
        isinstance(entry, dict) and isinstance(entry.get("policies"), list)
        for entry in added.values()
    ):
        raise ProjectError(
            f"{RECORD}: not the record scaffold writes (`added`: owner -> policies); restore it "
            "from git, or delete it (remove-* will then keep every policy)"
        )
    return dict(record)


def save(edit: Edit, record: dict[str, Any]) -> None:
    """Plan writing the record, or deleting it when nothing is recorded any more."""
    if not record["added"]:
        if edit.read(RECORD) is not None:
            edit.changes.delete(Path(RECORD))
        return
    out: dict[str, Any] = {"about": ABOUT, "added": dict(sorted(record["added"].items()))}
    if record.get("policies_array"):
        out["policies_array"] = True
    if record.get("created"):
        out["created"] = sorted(record["created"])
    if record.get("empty"):
        out["empty"] = dict(sorted(record["empty"].items()))
    data = (json.dumps(out, indent=2) + "\n").encode("utf-8")
    if edit.read(RECORD) != data:
        edit.write(RECORD, data)


def _manifest_policies(data: bytes) -> list[Any] | None:
    found = _json_edit.get(data, ("policies",), None, name=MANIFEST)
    return found if isinstance(found, list) else None


def add_policies(edit: Edit, policies: list[dict[str, Any]], *, fresh: bool) -> None:
    """Plan adding each policy to manifest.json once, recording what the add brought.

    Args:
        edit: An add-* edit session (another command: the policies are only added).
        policies: Policy objects (``{"name": ...}``).
        fresh: The command creates its item now (so its entry is known even when it
            brings no policy).
    """
    data = edit.require(MANIFEST, "the app manifest")
    had = _manifest_policies(data)
    for policy in policies:
        data = _json_edit.append_item(data, ("policies",), policy, name=MANIFEST)
    edit.write(MANIFEST, data)
    key = owner(edit.command, edit.name)
    if key is None or not edit.command.startswith("add-"):
        return
    record = load(edit)
    added: dict[str, Any] = record["added"]
    others = [p for name, e in added.items() if name != key for p in e["policies"]]
    entry = added.get(key)
    mine: list[Any] = list(entry["policies"]) if entry else []
    for policy in policies:
        brought = had is None or policy not in had
        if (brought or policy in others) and policy not in mine:
            mine.append(policy)
    if entry is None and not mine and not fresh:
        return  # an item scaffold did not create now: what it brought cannot be known
    added[key] = {"policies": mine}
    if had is None and policies:
        record["policies_array"] = True
    save(edit, record)


def release_policies(edit: Edit, *, needed_before: list[dict[str, Any]]) -> None:
    """Plan removing the policies only the removed item held; forget its entry.

    Args:
        edit: A remove-* edit session.
        needed_before: The policies the removed item's code needed (for the note when
            the record does not know it).
    """
    key = owner(edit.command, edit.name)
    if key is None:
        return
    record = load(edit)
    added: dict[str, Any] = record["added"]
    entry = added.pop(key, None)
    data = edit.require(MANIFEST, "the app manifest")
    present = _manifest_policies(data) or []
    if entry is None:
        held = [p for e in added.values() for p in e["policies"]]
        unknown = [p for p in present if p in needed_before and p not in held]
        # NOTE: in an app `scaffold new` made, an item without an entry is most likely one
        # the template rendered, with the template's policies: the app's own, said nothing.
        if unknown and not edit.generated:
            names = ", ".join(str(p.get("name")) for p in unknown)
            edit.notes.append(
                f"kept policies {names}: {RECORD} does not say whether "
                f"{edit.command.replace('remove-', 'add-')} brought them; remove them from "
                "manifest.json by hand if nothing uses them"
            )
        return
    held = [p for e in added.values() for p in e["policies"]]
    for policy in reversed(entry["policies"]):
        if policy in held:
            continue
        data = _json_edit.remove_item(
            data,
            ("policies",),
            policy,
            prune_empty=bool(record.get("policies_array")) and not added,
            name=MANIFEST,
        )
    edit.write(MANIFEST, data)
    save(edit, record)


def note_created(edit: Edit, what: str) -> None:
    """Record that an add-* created a container (``node/index.ts events``...).

    Args:
        edit: An add-* edit session (another command records nothing).
        what: ``<file> <property>``: the map option or service.json section it created.
    """
    if not edit.command.startswith("add-"):
        return
    key = owner(edit.command, edit.name)
    record = load(edit)
    created: list[str] = list(record.get("created") or [])
    if key is not None and what not in created:
        record["added"].setdefault(key, {"policies": []})
        record["created"] = [*created, what]
        save(edit, record)


def was_created(edit: Edit, what: str) -> bool | None:
    """Whether an add created ``what``; ``None`` when the record cannot say.

    The record can say when it holds an entry for the item being removed: then the
    container is scaffold's exactly when it is listed under ``created``.

    Args:
        edit: A remove-* edit session.
        what: ``<file> <property>``, as given to :func:`note_created`.

    Returns:
        True, False, or None (decide by shape, as before the record existed).
    """
    key = owner(edit.command, edit.name)
    record = load(edit)
    if key is None or key not in record["added"]:
        return None
    return what in (record.get("created") or [])


def forget_created(edit: Edit, what: str) -> None:
    """Drop ``what`` from ``created`` once the remove took it away."""
    record = load(edit)
    created = [item for item in record.get("created") or [] if item != what]
    if created != (record.get("created") or []):
        record["created"] = created
        save(edit, record)


_BOM = b"\xef\xbb\xbf"


def json_brace(data: bytes, key: str) -> int | None:
    """The offset in ``data`` of the ``{`` of the top-level object ``key`` (None: none)."""
    body = data.removeprefix(_BOM)
    at = _json_scan.key_offsets(body).get((key,))
    if at is None:
        return None
    brace = body.find(b"{", at + len(json.dumps(key)))
    return None if brace < 0 else brace + len(data) - len(body)


def _inside(data: bytes, brace: int | None) -> tuple[int, int] | None:
    """The span between the braces of the empty object at ``brace`` (blank inside)."""
    if brace is None or data[brace : brace + 1] != b"{":
        return None
    end = data.find(b"}", brace)
    if end < 0 or data[brace + 1 : end].strip():
        return None
    return brace + 1, end


def note_empty(edit: Edit, what: str, data: bytes, brace: int | None) -> None:
    """Before an add fills an empty object, keep how it was written (``{}``, ``{\n  }``).

    Both give the same bytes once a key is added; the remove that empties the object again
    writes it back as it was.

    Args:
        edit: An add-* edit session (another command records nothing).
        what: ``<file> <property>``.
        data: The file's bytes before the add.
        brace: The offset of the object's ``{`` in ``data``.
    """
    span = _inside(data, brace)
    key = owner(edit.command, edit.name)
    if span is None or span[0] == span[1] or key is None or not edit.command.startswith("add-"):
        return
    record = load(edit)
    record["added"].setdefault(key, {"policies": []})
    record["empty"] = {**(record.get("empty") or {}), what: data[span[0] : span[1]].decode()}
    save(edit, record)


def restore_empty(edit: Edit, what: str, data: bytes, brace: int | None) -> bytes:
    """Write an object a remove emptied back as it was before an add filled it.

    Args:
        edit: A remove-* edit session.
        what: ``<file> <property>``, as given to :func:`note_empty`.
        data: The file's bytes after the remove.
        brace: The offset of the object's ``{`` in ``data``.

    Returns:
        ``data``, with the object's inside as recorded when it is now ``{}``.
    """
    record = load(edit)
    empty = dict(record.get("empty") or {})
    inside = empty.pop(what, None)
    span = _inside(data, brace)
    if not isinstance(inside, str) or span is None or span[0] != span[1]:
        return data
    record["empty"] = empty
    save(edit, record)
    return data[: span[0]] + inside.encode() + data[span[1] :]
