"""Jinja2 environment for the component templates, configured exactly like copier's.

``scaffold new`` renders components through copier (the app template includes them) and the
``add-*`` commands render the same files through this environment, so both must agree on
the options in ``copier.yml`` ``_envops``.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from scaffold._paths import template_root

if TYPE_CHECKING:
    from jinja2 import Environment


@cache
def environment() -> Environment:
    """Return the shared environment rooted at the template folder.

    Returns:
        A strict jinja2 environment (undefined variables are errors, not empty strings).
    """
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_root())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701 - TypeScript and JSON, not HTML
    )


def render(name: str, **variables: Any) -> str:
    """Render one template (path relative to the template root, e.g. ``components/x.jinja``).

    Args:
        name: The template's path.
        **variables: Its variables.

    Returns:
        The rendered text.
    """
    return environment().get_template(name).render(**variables)
