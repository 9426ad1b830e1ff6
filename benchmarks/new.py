"""Print how long ``scaffold new`` and CLI start-up take (wall time, peak memory).

Run: ``.venv/bin/python benchmarks/new.py [--runs N]``. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(args: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    scaffold = [sys.executable, "-m", "scaffold"]
    with tempfile.TemporaryDirectory() as tmp:
        news = []
        for i in range(runs):
            dest = Path(tmp) / f"app{i}"
            news += timed([*scaffold, "new", str(dest), "--vendor", "acme", "--defaults"], 1)
        files = sum(1 for p in (Path(tmp) / "app0").rglob("*") if p.is_file())
    helps = timed([*scaffold, "--help"], runs)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"scaffold new ({files} files): median {statistics.median(news):.3f} s, "
        f"min {min(news):.3f} s over {runs} runs"
    )
    print(f"scaffold --help: median {statistics.median(helps):.3f} s over {runs} runs")
    print(f"peak RSS of any child: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
