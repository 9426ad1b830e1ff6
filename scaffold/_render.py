"""Jinja2 environment for the component templates, configured exactly like copier's.

``scaffold new`` renders components through copier (the app template includes them) and the
``add-*`` commands render the same files through this environment, so both must agree on
the options in ``copier.yml`` ``_envops``.

Compiling a template to Python costs more than rendering it (about 12 ms for a handler), so
compiled templates are kept between runs with jinja2's own bytecode cache, as Python keeps
``.pyc`` files, in ``$XDG_CACHE_HOME/scaffold/templates`` (else ``~/.cache/scaffold/...``):
an entry is used only for the same template file, the same source bytes (jinja2 compares a
checksum), the same options, jinja2 and Python versions.
"""

from __future__ import annotations

import contextlib
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffold._paths import template_root

if TYPE_CHECKING:
    from jinja2 import BytecodeCache, Environment
    from jinja2.bccache import Bucket


@cache
def environment() -> Environment:
    """Return the shared environment rooted at the template folder.

    Returns:
        A strict jinja2 environment (undefined variables are errors, not empty strings).
    """
    return make_environment(str(template_root()), cache_dir=None)


def make_environment(folder: str, *, cache_dir: str | None) -> Environment:
    """Build the environment for templates under ``folder``.

    Args:
        folder: The loader's root.
        cache_dir: Where compiled templates are kept (``None``: the user's cache folder,
            created if missing); without a usable folder, templates compile every run.

    Returns:
        The environment.
    """
    import jinja2

    options: dict[str, Any] = {
        "undefined": jinja2.StrictUndefined,
        "keep_trailing_newline": True,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "autoescape": False,  # TypeScript and JSON, not HTML
    }
    return jinja2.Environment(  # noqa: S701 - autoescape is off: TypeScript and JSON
        loader=jinja2.FileSystemLoader(folder),
        bytecode_cache=_compiled(options, cache_dir),
        **options,
    )


def _compiled(options: dict[str, Any], cache_dir: str | None) -> BytecodeCache | None:
    """jinja2's file cache of compiled templates, keyed also on ``options``; None if unusable."""
    import jinja2

    class Compiled(jinja2.FileSystemBytecodeCache):
        def get_cache_key(self, name: str, filename: str | None = None) -> str:
            # The checksum of the source is checked by jinja2; what the code was compiled
            # with (options, jinja2's version) is part of the key.
            return super().get_cache_key(f"{name}|{options!r}|{jinja2.__version__}", filename)

        def load_bytecode(self, bucket: Bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except Exception:  # noqa: BLE001 - any entry that cannot be loaded is a miss
                # jinja2 checks the magic and the source checksum, but an entry cut short
                # (a crash mid-write, a full disk) or damaged fails inside pickle or
                # marshal with errors of their own: compile instead, never crash.
                bucket.reset()

        def dump_bytecode(self, bucket: Bucket) -> None:
            with contextlib.suppress(OSError):  # a full or read-only disk: compile next time
                super().dump_bytecode(bucket)

    try:
        if cache_dir is None:
            base = os.environ.get("XDG_CACHE_HOME")
            folder = (Path(base) if base else Path("~/.cache").expanduser()) / "scaffold"
            (folder / "templates").mkdir(mode=0o700, parents=True, exist_ok=True)
            cache_dir = str(folder / "templates")
        return Compiled(cache_dir, "__scaffold_%s.cache")
    except (OSError, RuntimeError):  # no home, or a cache folder that cannot be made
        return None


def render(name: str, **variables: Any) -> str:
    """Render one template (path relative to the template root, e.g. ``components/x.jinja``).

    Args:
        name: The template's path.
        **variables: Its variables.

    Returns:
        The rendered text.
    """
    return environment().get_template(name).render(**variables)
