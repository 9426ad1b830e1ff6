"""A light value path for typer: plain ``str``, ``Path``, ``bool`` and ``list[str]`` options.

Typer 0.29 coerces every parameter value, even an absent one, through a pydantic
``TypeAdapter``; building the first one imports pydantic (~70 ms, a quarter of a typer
start). scaffold's options are plain strings, paths, flags and lists of strings, which need
no validation library: :func:`lighten` gives such parameters a runtime coercion of their own
before click processes them, and leaves any other type (an enum, a number with bounds, a
file) to typer. Help, usage errors and shell completion stay typer's: only the step that
turns an already parsed value into the annotated type changes.

This relies on typer's ``_TyperParameter.get_runtime_param`` caching ``_runtime_param``
(typer 0.29); ``tests/test_cli_one_command.py`` checks that ``scaffold check`` still imports
no pydantic, so an upgrade that changes it is noticed, not silently slower.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer._coercion import RuntimeParam

_PLAIN = (str, Path, bool)


@dataclass(frozen=True)
class _Plain(RuntimeParam):
    """Coerce an already parsed value to ``str``, ``Path``, ``bool`` or a list of ``str``."""

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:  # noqa: ARG002
        target = self.annotation
        if isinstance(value, (list, tuple)):
            return [_one(item, _item_type(target)) for item in value]
        return _one(value, target)


def _item_type(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", ())
    return args[0] if args else str


def _one(value: Any, target: Any) -> Any:
    if target is Path:
        return value if isinstance(value, Path) else Path(value)
    if target is bool:
        return bool(value)
    return str(value)


def _plain(annotation: Any) -> bool:
    if annotation in _PLAIN:
        return True
    origin = getattr(annotation, "__origin__", None)
    return origin is list and _item_type(annotation) is str


def lighten(params: list[Any]) -> None:
    """Give each plain-typed typer parameter of a command the light coercion.

    Args:
        params: A click command's parameters (typer's and click's own).
    """
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", "absent") is not None:
            continue
        info = descriptor.parameter_info
        checked = (
            getattr(info, "parser", None) is not None
            or getattr(info, "exists", False)
            or getattr(info, "resolve_path", False)
            or getattr(info, "file_okay", True) is False
            or getattr(info, "dir_okay", True) is False
        )
        if descriptor.file_annotation is not None or checked:
            continue
        if _plain(descriptor.annotation):
            param._runtime_param = _Plain(  # noqa: SLF001 -- see the module docstring
                parameter_info=info, annotation=descriptor.annotation
            )
