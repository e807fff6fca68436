"""Where the test suite's time goes: the wall time, the time of each test file, the slowest ten files.

    python benchmarks/test_times.py                    # runs `python -m pytest --junitxml=...`, then prints
    python benchmarks/test_times.py -- -k live -x      # arguments after -- go to pytest
    python benchmarks/test_times.py --junit report.xml # reads a JUnit report written earlier (pytest --junitxml)

A file's time is the sum of its tests' times (setup, call and teardown), as the workers spent them; with
``-n 2`` the wall time is about half of the total when the two workers are kept busy. The nbval items of a
notebook count as the notebook's file. A figure, not a timed test: see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLOWEST = 10


def file_of(classname: str, root: Path = ROOT) -> str:
    """The file a JUnit classname comes from: ``tests.units.test_x.TestY`` -> tests/units/test_x.py,
    ``notebooks.01_quickstart.ipynb`` -> notebooks/01_quickstart.ipynb; the classname itself if none exists."""
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        candidates = ["/".join(parts[:end]) + ".py"]
        if end >= 2:
            candidates.append("/".join(parts[: end - 1]) + "." + parts[end - 1])  # the last dot starts a suffix
        for candidate in candidates:
            if (root / candidate).is_file():
                return candidate
    return classname


def read(junit: Path) -> tuple[float | None, dict[str, list[float]], dict[str, int]]:
    """The report's own duration, each file's test times, and the count of each outcome."""
    tree = ET.parse(junit).getroot()
    suites = [tree] if tree.tag == "testsuite" else list(tree.iter("testsuite"))
    duration = sum(float(suite.get("time", 0)) for suite in suites) if suites else None
    files: dict[str, list[float]] = defaultdict(list)
    outcomes: dict[str, int] = defaultdict(int)
    for case in tree.iter("testcase"):
        files[file_of(case.get("classname", ""))].append(float(case.get("time", 0)))
        kind = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")
        outcomes[kind] += 1
    return duration, files, outcomes


def report(wall: float | None, files: dict[str, list[float]], outcomes: dict[str, int], source: str) -> str:
    total = sum(sum(times) for times in files.values())
    counted = ", ".join(f"{n} {kind}" for kind, n in sorted(outcomes.items()))
    lines = [f"{source}", f"wall time: {wall:.1f} s" if wall is not None else "wall time: unknown"]
    lines.append(f"sum of the test times: {total:.1f} s over {len(files)} files ({counted})")
    ranked = sorted(files.items(), key=lambda item: -sum(item[1]))
    lines += ["", f"slowest {min(SLOWEST, len(ranked))} test files:"]
    lines += [f"  {sum(times):7.1f} s  {len(times):4d} tests  {name}" for name, times in ranked[:SLOWEST]]
    lines += ["", "time per test file:"]
    lines += [f"  {sum(times):7.1f} s  {len(times):4d} tests  {name}" for name, times in sorted(files.items())]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    extra = args[args.index("--") + 1 :] if "--" in args else []
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--junit", type=Path, help="read this JUnit XML report instead of running pytest")
    options = parser.parse_args(args[: args.index("--")] if "--" in args else args)
    if options.junit:
        duration, files, outcomes = read(options.junit)
        print(report(duration, files, outcomes, f"from {options.junit}"))
        return 0
    with tempfile.TemporaryDirectory(prefix="test-times-") as temp:
        junit = Path(temp) / "junit.xml"
        command = [sys.executable, "-m", "pytest", f"--junitxml={junit}", "-q", *extra]
        start = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, env=os.environ.copy())
        wall = time.monotonic() - start
        if not junit.exists():
            print(f"pytest wrote no report (exit {done.returncode})", file=sys.stderr)
            return done.returncode or 1
        _, files, outcomes = read(junit)
    print()
    print(report(wall, files, outcomes, f"{' '.join(command[1:])}: exit {done.returncode}"))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
