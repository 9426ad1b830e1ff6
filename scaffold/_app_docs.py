"""Keep a generated app's README graph block and CHANGELOG (Unreleased) in step with its code.

add-*/remove-* call :func:`refresh` once, at the end of their edit session; ``new`` calls
:func:`fill` on the freshly rendered app. Both derive everything from the inventory (the one
resolver of the Service maps), so the docs say what the code does. An app without the graph
markers or without a CHANGELOG.md (a hand-written app) is left alone.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffold import _read as _read_file
from scaffold._vtex import CHANGELOG, README

if TYPE_CHECKING:
    from scaffold._changes import ChangeSet
    from scaffold._inventory import Inventory, Item

UNRELEASED = "## [Unreleased]"


def changelog_line(item: Item) -> str:
    """The CHANGELOG bullet that announces one item (Keep a Changelog style).

    Args:
        item: An inventory item.

    Returns:
        One Markdown bullet.
    """
    topics = "`, `".join(item.topics)
    if item.kind == "event":
        return f"- `{item.id}` event handler for `{item.sender}` / `{topics}`."
    if item.kind == "worker":
        return f"- `{item.id}` background worker for the app's own `{topics}` event."
    if item.kind == "publisher":
        return f"- `{item.id}` publisher of the app's own `{topics}` event."
    return f"- `{item.trigger}` route (`{item.id}`)."


def replace_block(readme: str, inv: Inventory) -> str:
    """Return ``readme`` with the text between the graph markers redrawn (unchanged if none).

    Args:
        readme: The README text.
        inv: The app's inventory.

    Returns:
        The new text.
    """
    from scaffold.inventory import GRAPH_END, GRAPH_START, readme_block

    start = readme.find(GRAPH_START)
    end = readme.find(GRAPH_END, start + 1)
    if start < 0 or end < 0:
        return readme
    end += len(GRAPH_END)
    if readme[end : end + 1] == "\n":
        end += 1
    return readme[:start] + readme_block(inv) + readme[end:]


# A row of the generated README's table of pieces that names an item, and the sentence that
# names the example handlers' side effects (templates/app/README.md.jinja).
_ROW = re.compile(r"\| (event handler|worker|route|publisher) (?:`([^`]+)` )?\| `([^`]+)` \|")
_ROW_KINDS = {"event handler": "event", "worker": "worker", "route": "route"}
_SIDE_EFFECTS = ("Replace the two marked side effects: ", "Replace the marked side effect: ")
_SIDE_EFFECT = re.compile(r"`([^`]+)` in `([^`]+)`")
# Text about example items, between these comment lines (indented inside a list item):
# it goes once none of the ids the opening line names is left in the app.
_EXAMPLE = re.compile(r"[ \t]*<!-- scaffold:example ([\w ]+) -->[ \t]*\r?\n?")
_EXAMPLE_END = re.compile(r"[ \t]*<!-- scaffold:example:end -->[ \t]*\r?\n?")


def forget_removed(
    readme: str, before: Inventory, after: Inventory, exists: Callable[[str], bool]
) -> str:
    """Drop what the README's own text says about items an edit removed.

    Only a README with the graph block (one ``scaffold new`` wrote) is changed. A section
    between ``<!-- scaffold:example IDS -->`` and ``<!-- scaffold:example:end -->`` goes
    once the edit removed one of its ids and none is left. Above the block, a row of the
    table of pieces that names a removed event handler, worker or route by id (a
    publisher: by its file) goes, and from the sentence naming the marked side effects,
    each one whose file the edit deletes goes (the sentence too with the last one). Text
    the person reworded is not recognised, so it stays.

    Args:
        readme: The README text.
        before: The inventory before the edit.
        after: The inventory after it.
        exists: Whether a file (relative to the app root) exists once the edit is applied.

    Returns:
        The new text.
    """
    from scaffold.inventory import GRAPH_START

    end = readme.find(GRAPH_START)
    kept = {(item.kind, item.id) for item in after.items}
    gone = {(i.kind, i.id) for i in before.items if (i.kind, i.id) not in kept}
    if end < 0 or not gone:
        return readme
    readme = _drop_examples(readme, {ident for _, ident in gone}, {i.id for i in after.items})
    end = readme.find(GRAPH_START)
    files = {i.files[0].rsplit(":", 1)[0] for i in before.of("publisher") if i.files}
    files -= {i.files[0].rsplit(":", 1)[0] for i in after.of("publisher") if i.files}
    lines = readme[:end].splitlines(keepends=True)
    out: list[str] = []
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        row = _ROW.match(line)
        if row is not None:
            kind, ident, file = row.groups()
            if ((_ROW_KINDS.get(kind), ident) in gone) or (kind == "publisher" and file in files):
                continue
        if line.startswith(_SIDE_EFFECTS) and (not out or not out[-1].strip()):
            stop = next((i for i in range(number, len(lines)) if not lines[i].strip()), len(lines))
            sentence = _side_effects(lines[number - 1 : stop], exists)
            out += sentence
            # Without the sentence, the blank line after it goes too.
            number = stop + 1 if not sentence and stop < len(lines) else stop
            continue
        out.append(line)
    return "".join(out) + readme[end:]


def _drop_examples(readme: str, gone: set[str], left: set[str]) -> str:
    """Drop each ``scaffold:example`` section about items that are all gone (none left).

    A section with no end line, or one about an id the edit did not remove, stays as it is.
    """
    lines = readme.splitlines(keepends=True)
    out: list[str] = []
    number = 0
    while number < len(lines):
        opening = _EXAMPLE.fullmatch(lines[number])
        if opening is not None:
            ids = set(opening.group(1).split())
            stop = next(
                (i for i in range(number + 1, len(lines)) if _EXAMPLE_END.fullmatch(lines[i])),
                None,
            )
            if stop is not None and ids & gone and not ids & left:
                number = stop + 1
                continue
        out.append(lines[number])
        number += 1
    return "".join(out)


def _side_effects(paragraph: list[str], exists: Callable[[str], bool]) -> list[str]:
    """The side-effects sentence without those in deleted files (nothing: none left)."""
    pairs = _SIDE_EFFECT.findall("".join(paragraph))
    left = [(name, file) for name, file in pairs if exists(file)]
    if len(left) == len(pairs):
        return paragraph
    if not left:
        return []
    newline = "\r\n" if paragraph[0].endswith("\r\n") else "\n"
    named = [f"`{name}` in `{file}`" for name, file in left]
    text = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    head = _SIDE_EFFECTS[1] if len(left) == 1 else "Replace the marked side effects: "
    return [f"{head}{text}.{newline}"]


def update_changelog(text: str, before: Inventory, after: Inventory) -> str:
    """Record in Unreleased what appeared (Added) and disappeared (Removed) between two states.

    An entry that cancels an earlier one of the same Unreleased section (added then
    removed, or the reverse) deletes it instead, so an undo restores the file.

    Args:
        text: CHANGELOG.md.
        before: The inventory before the edit.
        after: The inventory after it.

    Returns:
        The new text (unchanged without an ``## [Unreleased]`` section).
    """
    old = {(i.kind, i.id): changelog_line(i) for i in before.items}
    new = {(i.kind, i.id): changelog_line(i) for i in after.items}
    added = [line for key, line in new.items() if old.get(key) != line]
    removed = [line for key, line in old.items() if new.get(key) != line]
    if UNRELEASED not in text or not (added or removed):
        return text
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.replace("\r\n", "\n").split("\n")
    for line in removed:
        lines = _remove_or_add(lines, line, drop_from="### Added", add_to="### Removed")
    for line in added:
        lines = _remove_or_add(lines, line, drop_from="### Removed", add_to="### Added")
    return newline.join(lines)


def _section(lines: list[str]) -> tuple[int, int]:
    """Start and end (exclusive) of the Unreleased section's lines."""
    start = lines.index(UNRELEASED)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return start, end


def _remove_or_add(lines: list[str], line: str, *, drop_from: str, add_to: str) -> list[str]:
    """Delete ``line`` from the ``drop_from`` block of Unreleased, or else add it to ``add_to``."""
    lines = lines[:]
    start, end = _section(lines)
    heading = _find(lines, drop_from, start, end)
    if heading is not None:
        stop = _block_end(lines, heading, end)
        if line in lines[heading:stop]:
            del lines[lines.index(line, heading, stop)]
            stop -= 1
            if not any(text.strip() for text in lines[heading + 1 : stop]):
                blank_around = lines[heading - 1] == "" and lines[heading + 1 : heading + 2] == [""]
                del lines[
                    heading - 1 if blank_around else heading : heading + 2
                    if blank_around
                    else heading + 1
                ]
            return lines
    heading = _find(lines, add_to, start, end)
    if heading is None:
        if add_to == "### Added":
            at = start + 1
        else:
            at = max(i for i in range(start, end) if lines[i].strip()) + 1
        lines[at:at] = ["", add_to, "", line]
        return lines
    stop = _block_end(lines, heading, end)
    bullets = [i for i in range(heading + 1, stop) if lines[i].startswith("- ")]
    at = bullets[-1] + 1 if bullets else heading + 1 + (lines[heading + 1 : heading + 2] == [""])
    lines[at:at] = [line]
    return lines


def _find(lines: list[str], heading: str, start: int, end: int) -> int | None:
    return next((i for i in range(start, end) if lines[i] == heading), None)


def _block_end(lines: list[str], heading: int, end: int) -> int:
    return next((i for i in range(heading + 1, end) if lines[i].startswith("#")), end)


def refresh(
    changes: ChangeSet,
    focus: Collection[str] = (),
    maps: Mapping[str, tuple[Any, dict[str, bytes | None]]] | None = None,
) -> Inventory | None:
    """Plan the README graph block and CHANGELOG entries for what ``changes`` change.

    Both are drawn in full from the two inventories (before and after the edit), never
    patched. What makes that cheap in an app with hundreds of handlers: the import
    specifiers of files already seen come from a cache keyed by their bytes
    (:mod:`scaffold._import_cache`), and a handler is parsed only when its imports reach
    a publisher's name or it is one the edit is about (``focus``).

    Args:
        changes: The edit session's change set, before it is applied.
        focus: Ids of the items the edit is about: they alone get their files, missing
            policies and marker in the inventory returned (what next steps show).
        maps: Service maps the edit read (``events``/``routes`` -> the map, and the bytes
            of every file read for it): the state before takes one as it is while those
            bytes are still the ones on disk (a 200-entry map is not read a second time).

    Returns:
        The app's inventory as the edit leaves it (what ``read_app`` will read once the
        edit is applied, in full for the ``focus`` items), or ``None`` when there was
        nothing to refresh or the app could not be read.
    """
    from scaffold import _import_cache, inventory
    from scaffold._facts_cache import Facts
    from scaffold._inventory import Shared, Specs
    from scaffold.errors import UserError
    from scaffold.inventory import GRAPH_START

    if not changes.changes:
        return None

    read, on_disk = _readers(changes)

    def write(rel: str, data: bytes) -> None:
        changes.write(Path(rel), data)

    readme, changelog = read(README) or b"", read(CHANGELOG) or b""
    if GRAPH_START.encode() not in readme and UNRELEASED.encode() not in changelog:
        return None  # nothing of ours to keep current (a hand-written app)
    root = changes.root
    listed = inventory.ts_files(root)
    planned = _planned(changes, listed)
    parses: inventory.Parses = {}  # a file the edit leaves alone is parsed once
    specs = Specs(_import_cache.load(root))
    # What a file the edit leaves alone says, by its stat: most of them are not even read.
    changed = {change.rel for change in changes.changes}
    facts = Facts(root, skip=changed)
    shared = Shared(changed)  # and the two views share what the edit does not change
    try:
        after = inventory.inventory(
            read, planned, parses=parses, focus=set(focus), specs=specs, facts=facts, shared=shared
        )
        # Only what a CHANGELOG line says is compared, so the state before needs no details.
        before = inventory.inventory(
            on_disk,
            listed,
            details=False,
            parses=parses,
            specs=specs,
            facts=facts,
            shared=shared,
            maps=maps,
        )
    except UserError as error:
        # All or nothing: the docs cannot follow the code, so the code does not change.
        raise type(error)(
            f"{error}; the README graph and CHANGELOG cannot be brought up to date, so nothing "
            "was changed"
        ) from None
    if specs.changed:
        _import_cache.save(root, specs.used)
    facts.save()

    def exists(rel: str) -> bool:
        return read(rel) is not None

    _rewrite(
        read,
        write,
        README,
        lambda text: replace_block(forget_removed(text, before, after, exists), after),
    )
    _rewrite(read, write, CHANGELOG, lambda t: update_changelog(t, before, after))
    return after


def _readers(
    changes: ChangeSet,
) -> tuple[Callable[[str], bytes | None], Callable[[str], bytes | None]]:
    """How the inventories after and before the edit read a file (by path from the root).

    The state after reads through ``changes`` (checked, planned bytes first); the state
    before takes the bytes that read found for each file the edit leaves alone (one read
    and one check per file), and reads the disk for the others.
    """
    seen: dict[str, bytes | None] = {}
    changed = {change.rel for change in changes.changes}
    root = changes.root

    def read(rel: str) -> bytes | None:
        data = seen[rel] = changes.read(Path(rel))
        return data

    def on_disk(rel: str) -> bytes | None:
        if rel in seen and posixpath.normpath(rel) not in changed:
            return seen[rel]
        try:
            return _read_file.read_bytes(root / rel)
        except OSError:
            return None

    return read, on_disk


def _planned(changes: ChangeSet, listed: list[str]) -> list[str]:
    """The app's .ts files (tests aside) once ``changes`` are applied, sorted."""
    from scaffold import inventory

    planned = set(listed)
    for change in changes.changes:
        if inventory.listed(change.rel):
            (planned.discard if change.kind == "delete" else planned.add)(change.rel)
    return sorted(planned)


def fill(root: Path) -> None:
    """Draw the README graph block of an app just rendered by ``new``.

    Args:
        root: The app folder.
    """
    from scaffold import inventory

    path = root / README
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        path.write_text(replace_block(text, inventory.read_app(root)), encoding="utf-8")


def _rewrite(
    read: Callable[[str], bytes | None],
    write: Callable[[str, bytes], None],
    rel: str,
    change: Callable[[str], str],
) -> None:
    data = read(rel)
    if data is None:
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    new = change(text)
    if new != text:
        write(rel, new.encode("utf-8"))
