"""Run every benchmark in bench/ one after another and print one summary table (``make bench``).

    .venv/bin/python bench/run_all.py [--full] [--only import,triage] [--timeout 900]

Each ``bench/bench_*.py`` runs in its own process with quick sizes by default (``QUICK`` below, or the script's own
module-level ``QUICK_ARGS = [...]`` list, which wins) and with its own defaults under ``--full`` (or ``BENCH_FULL=1``).
A script's output is streamed as it runs (its own tables); the summary at the end has one row per script: the
arguments, exit status, wall time and its headline (the last line naming a goal, else the last line with a
figure). The exit status is
non-zero when any script failed. Scripts pick their own databases (``sb_bench*``; see each docstring).
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

# Quick sizes for the scripts that exist today; a script can instead declare QUICK_ARGS itself.
QUICK: dict[str, list[str]] = {
    "bench_import.py": ["--rows", "10000"],
    "bench_triage.py": ["--tickets", "1000", "--single", "50", "--train", "500", "--rss-tickets", "5000"],
    "bench_retrieval.py": ["--chunks", "10000", "--queries", "50"],
    "bench_review_queue.py": ["--drafts", "200", "--actions", "10"],
    "bench_classifier.py": ["--repeat", "1"],
    "bench_backtest.py": ["--limits", "100", "500", "--repeat", "1"],
    "bench_admin.py": ["--rows", "2000", "--repeat", "3"],
    "bench_analytics.py": ["--tickets", "100000", "--repeat", "2"],
}


def scripts(only: set[str] | None = None) -> list[Path]:
    """The bench scripts, in name order (``bench_*.py``), optionally those whose short name is in ``only``."""
    found = sorted(BENCH.glob("bench_*.py"))
    if only:
        found = [p for p in found if p.stem.removeprefix("bench_") in only or p.name in only]
    return found


def quick_args(path: Path) -> list[str]:
    """``QUICK_ARGS`` declared in the script (read without importing it), else ``QUICK``, else none."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError:
        return QUICK.get(path.name, [])
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "QUICK_ARGS" for t in node.targets):
            try:
                return [str(a) for a in ast.literal_eval(node.value)]
            except ValueError:
                break
    return QUICK.get(path.name, [])


def run(path: Path, args: list[str], timeout: float | None) -> dict:
    """Run one script, streaming its output; returns its summary row."""
    print(f"\n=== {path.name} {' '.join(args)}", flush=True)
    started = time.perf_counter()
    lines: list[str] = []
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [sys.executable, str(path), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as proc:
        try:
            assert proc.stdout is not None
            deadline = None if timeout is None else started + timeout
            for line in proc.stdout:
                print(line, end="", flush=True)
                if line.strip():
                    lines.append(line.rstrip())
                if deadline is not None and time.perf_counter() > deadline:
                    proc.kill()
                    lines.append(f"killed after {timeout:.0f} s")
                    break
            status = proc.wait()
        except KeyboardInterrupt:
            proc.kill()
            raise
    return {
        "script": path.stem.removeprefix("bench_"),
        "args": " ".join(args) or "(defaults)",
        "status": "ok" if status == 0 else f"exit {status}",
        "seconds": time.perf_counter() - started,
        "headline": headline(lines),
    }


def headline(lines: list[str]) -> str:
    """The script's headline: its last line naming a goal, else its last line with a figure in it."""
    for line in reversed(lines):
        if "goal" in line.lower():
            return line.strip()
    for line in reversed(lines):
        if any(ch.isdigit() for ch in line) and not line.startswith(("database ", "killed")):
            return " ".join(line.split())
    return lines[-1] if lines else ""


def table(rows: list[dict]) -> str:
    """The summary as a fixed-width text table."""
    headers = ["bench", "arguments", "status", "wall s", "last line"]
    cells = [[r["script"], r["args"], r["status"], f"{r['seconds']:.1f}", r["headline"][:90]] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", default=os.environ.get("BENCH_FULL") == "1")
    parser.add_argument("--only", default="", help="comma-separated short names: import,triage,…")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per script (900 quick, none full)")
    parser.add_argument("--list", action="store_true", help="print the scripts and their arguments, run nothing")
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()} or None
    timeout = args.timeout if args.timeout is not None else (None if args.full else 900.0)
    plan = [(path, [] if args.full else quick_args(path)) for path in scripts(only)]
    if args.list:
        for path, script_args in plan:
            print(path.name, " ".join(script_args))
        return 0
    if not plan:
        print("no bench scripts matched", file=sys.stderr)
        return 2
    rows = [run(path, script_args, timeout) for path, script_args in plan]
    print(f"\n=== summary ({'full' if args.full else 'quick'} sizes)")
    print(table(rows))
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
