"""Allow ``python -m scaffold``."""

from scaffold.cli import run

run()
