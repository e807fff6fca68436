"""Benchmarks for two budgets listed in CONTRIBUTING.md (figures, not timed tests).

1. replay/bare: the replay suite (``pytest --nbval`` over notebooks/, sequential) against the
   same notebooks executed bare by nbclient. Budget: <= 1.2x.
2. ``import helpers`` (every module, imported eagerly) against ``import google.genai``, each in a
   fresh interpreter. Budget: <= 0.1x.

    python benchmarks/bench.py                  # both, 3 suite runs, 15 import runs
    python benchmarks/bench.py --repeat 5 --json
    python benchmarks/bench.py --notebooks /tmp/nbs --only notebooks

See benchmarks/README.md for what is measured and the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 1.2  # replay suite / bare nbclient
IMPORT_BUDGET = 0.1  # import helpers / import google.genai

# Runs in a subprocess: execute each notebook with nbclient, as the suite's kernel would.
BARE_SCRIPT = """
import os, sys
import nbformat
from nbclient import NotebookClient

for name in sys.argv[1:]:
    nb = nbformat.read(name, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(name)}})
    client.execute()
"""

# Runs in a fresh interpreter: time the import statement alone, report whether genai came along.
IMPORT_SCRIPT = """
import sys, time
t = time.perf_counter()
import {module}
dt = time.perf_counter() - t
print(dt, "google.genai" in sys.modules)
"""


def bench_env() -> dict[str, str]:
    """This environment without any key, mode or server setting, in replay mode: no side can reach Gemini."""
    from helpers.session import clean_environment

    return clean_environment(GENAI_NOTEBOOK_MODE="replay", PYDEVD_DISABLE_FILE_VALIDATION="1")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, proc


def tail(proc: subprocess.CompletedProcess[str], lines: int = 15) -> str:
    text = (proc.stdout + proc.stderr).strip().splitlines()
    return "\n".join("    " + line for line in text[-lines:])


def find_notebooks(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file())


def bench_notebooks(folder: Path, repeat: int, verbose: bool) -> dict:
    notebooks = find_notebooks(folder)
    if not notebooks:
        return {"skipped": f"no notebooks in {folder}"}
    env = bench_env()
    try:
        shown = folder.relative_to(ROOT).as_posix()
    except ValueError:
        shown = str(folder)
    suite = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval",
        shown,
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "--nbval-current-env",
        "-q",
    ]
    sanitize = ROOT / "tests" / "sanitize.cfg"
    if sanitize.is_file():
        suite[5:5] = ["--nbval-sanitize-with", "tests/sanitize.cfg"]
    bare = [sys.executable, "-c", BARE_SCRIPT] + [str(p) for p in notebooks]

    times: dict[str, list[float]] = {"pytest": [], "nbclient": []}
    failures: list[str] = []
    for i in range(repeat):
        order = [("pytest", suite), ("nbclient", bare)]
        if i % 2:
            order.reverse()  # alternate, so warm caches favour neither side
        for label, cmd in order:
            seconds, proc = timed(cmd, env)
            times[label].append(seconds)
            if verbose:
                print(f"  run {i + 1} {label}: {seconds:.2f} s (exit {proc.returncode})", file=sys.stderr)
            if proc.returncode != 0:
                failures.append(f"{label} run {i + 1} exited {proc.returncode}:\n{tail(proc)}")
    pytest_s, bare_s = statistics.median(times["pytest"]), statistics.median(times["nbclient"])
    return {
        "notebooks": [p.name for p in notebooks],
        "pytest_median_s": pytest_s,
        "nbclient_median_s": bare_s,
        "ratio": pytest_s / bare_s,
        "runs": times,
        "repeat": repeat,
        "sanitize": sanitize.is_file(),
        "ok": not failures,
        "failures": failures,
    }


def bench_imports(repeat: int) -> dict:
    env = bench_env()
    results: dict[str, dict[str, list]] = {
        m: {"import_s": [], "process_s": [], "pulls_genai": []} for m in ("helpers", "google.genai")
    }
    failures: list[str] = []
    for i in range(repeat):
        modules = ["helpers", "google.genai"]
        if i % 2:
            modules.reverse()
        for module in modules:
            seconds, proc = timed([sys.executable, "-c", IMPORT_SCRIPT.format(module=module)], env)
            if proc.returncode != 0:
                failures.append(f"import {module} exited {proc.returncode}:\n{tail(proc)}")
                continue
            import_s, pulls = proc.stdout.split()
            results[module]["import_s"].append(float(import_s))
            results[module]["process_s"].append(seconds)
            results[module]["pulls_genai"].append(pulls == "True")
    if failures:
        return {"ok": False, "failures": failures}
    med = {m: statistics.median(r["import_s"]) for m, r in results.items()}
    proc_med = {m: statistics.median(r["process_s"]) for m, r in results.items()}
    return {
        "helpers_median_s": med["helpers"],
        "genai_median_s": med["google.genai"],
        "ratio": med["helpers"] / med["google.genai"],
        "helpers_process_median_s": proc_med["helpers"],
        "genai_process_median_s": proc_med["google.genai"],
        "helpers_imports_genai": any(results["helpers"]["pulls_genai"]),
        "repeat": repeat,
        "ok": True,
        "failures": [],
    }


def fmt_ratio(ratio: float) -> str:
    return f"{ratio:.2f}x" if ratio >= 0.1 else f"{ratio:.2g}x"


def verdict(ratio: float, budget: float = BUDGET) -> str:
    return "within" if ratio <= budget else "OVER"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="suite runs per side (default 3)")
    parser.add_argument("--import-repeat", type=int, default=15, help="fresh interpreters per import (default 15)")
    parser.add_argument(
        "--notebooks", type=Path, default=ROOT / "notebooks", help="folder of notebooks (default notebooks/)"
    )
    parser.add_argument("--only", choices=("notebooks", "imports"), help="run one part only")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each run's time to stderr")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.import_repeat < 1:
        parser.error("repeat counts must be at least 1")

    report: dict[str, dict] = {}
    ok = True
    if args.only != "imports":
        r = report["replay_vs_bare"] = bench_notebooks(args.notebooks.resolve(), args.repeat, args.verbose)
        if "skipped" in r:
            print(f"replay/bare: skipped ({r['skipped']})")
        else:
            print(
                f"replay/bare: {fmt_ratio(r['ratio'])} (pytest --nbval {r['pytest_median_s']:.1f} s, "
                f"nbclient {r['nbclient_median_s']:.1f} s, median of {r['repeat']}; "
                f"{len(r['notebooks'])} notebooks; budget {BUDGET}x: {verdict(r['ratio'])})"
            )
            if not r["ok"]:
                ok = False
                print("  WARNING: a run failed, so these figures do not describe a passing suite:")
                for failure in r["failures"]:
                    print("  " + failure)
    if args.only != "notebooks":
        r = report["imports"] = bench_imports(args.import_repeat)
        if not r["ok"]:
            ok = False
            print("import helpers / import google.genai: failed")
            for failure in r["failures"]:
                print("  " + failure)
        else:
            print(
                f"import helpers / import google.genai: {fmt_ratio(r['ratio'])} ({r['helpers_median_s']:.3f} s vs "
                f"{r['genai_median_s']:.3f} s, median of {r['repeat']}; budget {IMPORT_BUDGET}x: "
                f"{verdict(r['ratio'], IMPORT_BUDGET)})"
            )
            print(
                f"  whole interpreter incl. startup: {r['helpers_process_median_s']:.3f} s vs "
                f"{r['genai_process_median_s']:.3f} s"
            )
            if r["helpers_imports_genai"]:
                print("  WARNING: import helpers also imported google.genai (heavy libraries load inside functions)")
    if args.json:
        print(json.dumps(report, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
