"""Wall-time comparison of fresh processes, shared by the benchmark scripts.

Two things make a naive "run A n times, then B n times" comparison wrong on this kind of
machine, and this module handles both:

- **Load drifts.** A shared 2-core machine is busy in bursts; timing all of A then all of B
  charges a burst to one side. Commands here are run round-robin (A, B, A, B...), after one
  untimed warm-up round, so a burst slows every side alike.
- **Bytecode.** ``pip install`` compiles every installed module to ``.pyc``, so a user's
  ``scaffold`` loads bytecode. An editable checkout in an environment with
  ``PYTHONDONTWRITEBYTECODE=1`` recompiles scaffold's ~30 modules from source on every start
  (about 90 ms) while typer, from site-packages, loads bytecode. The commands run here with
  that variable removed, so the warm-up round writes ``__pycache__`` like an install would.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence

Command = Sequence[str] | Callable[[int], Sequence[str]]


def environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment the timed processes run in (bytecode writes allowed)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra or {})
    return env


def interleaved(
    commands: Mapping[str, Command],
    runs: int,
    env: Mapping[str, str] | None = None,
    before: Callable[[str, int], None] | None = None,
    cwd: Mapping[str, str] | None = None,
) -> dict[str, list[float]]:
    """Time ``runs`` rounds of every command as a fresh process, round-robin.

    Args:
        commands: Label to argv, or to a function of the round number returning argv.
        runs: Timed rounds (one untimed warm-up round comes first).
        env: The environment (default: :func:`environment`).
        before: Called as ``before(label, round)`` before each run, untimed (e.g. to reset
            the app a command edits).
        cwd: Label to the folder its command runs in (default: this process's).

    Returns:
        Label to the wall times in seconds. Exit codes 0 and 1 both count as done.

    Raises:
        SystemExit: If a command fails otherwise (its stderr is the message).
    """
    env = dict(env) if env is not None else environment()
    times: dict[str, list[float]] = {label: [] for label in commands}
    for index in range(-1, runs):
        for label, command in commands.items():
            argv = list(command(index) if callable(command) else command)
            if before is not None:
                before(label, index)
            start = time.perf_counter()
            folder = (cwd or {}).get(label)
            result = subprocess.run(argv, capture_output=True, check=False, env=env, cwd=folder)
            took = time.perf_counter() - start
            if result.returncode not in (0, 1):
                raise SystemExit(f"{label} failed: {result.stderr.decode()}")
            if index >= 0:
                times[label].append(took)
    return times


def report(times: Mapping[str, list[float]], baseline: str, goal: float) -> None:
    """Print median and fastest run of each label, and the ratio of medians to ``baseline``."""
    base = statistics.median(times[baseline])
    runs = len(times[baseline])
    print(f"wall time of a fresh process, {runs} interleaved runs each (median, fastest):")
    width = max(len(label) for label in times)
    for label, values in times.items():
        median = statistics.median(values)
        line = f"  {label:<{width}}  {median * 1000:6.0f} ms  {min(values) * 1000:6.0f} ms"
        if label != baseline:
            line += f"   ratio {median / base:.2f} (goal <= {goal:.2f})"
        print(line)


def instructions(
    commands: Mapping[str, Sequence[str]],
    env: Mapping[str, str] | None = None,
    cwd: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Count the instructions each command executes, under valgrind's callgrind.

    Wall time on a shared machine swings by tens of percent between runs; an instruction
    count is the same from run to run (to ~0.1%) and is what a change to the code moves.
    It weighs every instruction alike (a cache miss costs more time than its count says),
    so it complements the wall-time figures and does not replace them. Each command runs
    once untimed first (writing bytecode, as :func:`interleaved` does). About 50x slower
    than running natively.

    Args:
        commands: Label to argv.
        env: The environment (default: :func:`environment`).
        cwd: Label to the folder its command runs in.

    Returns:
        Label to instructions executed (valgrind's ``Collected``).

    Raises:
        SystemExit: If valgrind is missing or a command fails.
    """
    import re
    import shutil

    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
    env = dict(env) if env is not None else environment()
    counts: dict[str, int] = {}
    for label, argv in commands.items():
        folder = (cwd or {}).get(label)
        subprocess.run(list(argv), capture_output=True, check=False, env=env, cwd=folder)
        result = subprocess.run(
            [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
            capture_output=True,
            check=False,
            env=env,
            cwd=folder,
        )
        found = re.search(rb"Collected : (\d+)", result.stderr)
        if result.returncode not in (0, 1) or found is None:
            raise SystemExit(f"{label} failed under valgrind: {result.stderr.decode()[-2000:]}")
        counts[label] = int(found.group(1))
    return counts
