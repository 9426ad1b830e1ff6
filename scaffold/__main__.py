"""Allow ``python -m scaffold``."""

from scaffold._entry import run

run()
