"""The ``scaffold`` console script and ``python -m scaffold``: typer's CLI, or check without it.

``scaffold check`` is read without importing typer when its command line is plain
(:func:`scaffold._check_command.parse`): typer and its click cost ~60 ms of every run, as
much as checking 100 handlers. Everything else, check's help, errors and completion
included, is :mod:`scaffold.cli`'s.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scaffold._check_command import CheckOptions


def run() -> None:
    """Run the command line and end the process.

    ``check`` and ``add-event`` (``cli.NO_COLLECTION``) end with :func:`finish`; an exit
    code that is not a number, or any other command, takes Python's normal way out.
    """
    args = sys.argv[1:]
    if args[:1] == ["check"]:
        from scaffold import _check_command

        asked = _check_command.parse(args[1:])
        if asked is not None:
            finish(_check(asked))
    from scaffold import cli

    quick = bool(args) and args[0] in cli.NO_COLLECTION
    try:
        cli.main()
    except SystemExit as done:
        if not quick or not (done.code is None or isinstance(done.code, int)):
            raise
        code = done.code or 0
    else:
        code = 0
    if quick:
        finish(code)


def _check(asked: CheckOptions) -> int:
    """``scaffold check`` as ``cli.check`` runs it, with the collector as ``cli.main`` sets it."""
    from scaffold import _console
    from scaffold._check_command import execute

    gc.freeze()  # see cli.main and cli.NO_COLLECTION
    gc.disable()
    try:
        return execute(asked)
    except (Exception, KeyboardInterrupt) as problem:
        code = _console.failure(problem)
        if code is None:
            raise
        return code


def finish(code: int) -> None:
    """End the process with ``code`` without freeing every object first.

    At exit the interpreter frees every object one by one: for ``check`` and ``add-event``
    that is every tree, node and table the command built for each handler, scattered
    through memory. On 1,000 handlers that took ~90 ms of a ~530 ms ``check`` (88M
    instructions, and the rest in cache misses), for nothing: the OS takes the memory back
    anyway. So what a normal exit does that anyone can see is done here: the ``atexit``
    functions run (temporary folders, any library's clean-up) and stdout and stderr are
    flushed; then ``os._exit``. A flush that fails (a closed pipe) takes the normal way out,
    which reports it as it always did.

    Args:
        code: The exit code.
    """
    import atexit

    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)
