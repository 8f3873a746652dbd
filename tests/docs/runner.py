"""Running the guides' code blocks in bash, the way a reader would, against a live server on the test database.

The blocks of one guide run in order, each in bash from the project root with ``set -euo pipefail``; variables a
block sets (such as ``TOKEN``) carry over to the next blocks, as in the reader's terminal. A failure names the
block and shows what it printed. Management commands reach the
test database through ``DB_NAME`` / ``DB_HOST``; the documented address ``http://127.0.0.1:8000`` is replaced by the
live server's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from .markdown import LOCAL_URL, Block

ROOT = Path(settings.BASE_DIR)
TOOLS = ("bash", "curl", "jq", "openssl")  # what the guides' examples use besides the project


@dataclass
class Outcome:
    block: Block
    returncode: int | None  # None: not reached (an earlier block failed)
    output: str
    seconds: float = 0.0  # wall time of the block

    def problem(self) -> str | None:
        """What went wrong with this block ('' / None when it ran as documented)."""
        if self.returncode is None:
            return None
        if self.returncode != 0:
            return f"{self.block.where} ({self.block.tag}) exited {self.returncode}:\n{self.block.code}\n{self.output}"
        for pattern in self.block.expect:
            if not re.search(pattern, self.output, re.MULTILINE):
                return (
                    f"{self.block.where}: output does not match expect {pattern!r}:\n{self.block.code}\n{self.output}"
                )
        return None


def block_env(tmp: Path) -> dict[str, str]:
    """The environment of the blocks: the test database, synchronous tasks, the project's virtualenv first."""
    db = connection.settings_dict
    # Not the test process's own switches: pytest's, the settings module, Playwright's DJANGO_ALLOW_ASYNC_UNSAFE
    # (check --deploy rightly refuses to pass with it set).
    skip = ("PYTEST_", "DJANGO_SETTINGS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(
        DB_NAME=db["NAME"],
        DB_HOST=db["HOST"],
        DJANGO_SETTINGS_MODULE="config.settings.test",
        Q_SYNC="1",
        HOME=str(tmp),  # nothing a block writes to ~ survives the test
        PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        PYTHONUNBUFFERED="1",
    )
    return env


_ASSIGN = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=", re.MULTILINE)


def run_blocks(
    blocks: list[Block], *, base_url: str, tmp: Path, timeout: float = 240, env: dict[str, str] | None = None
) -> list[Outcome]:
    """Run ``blocks`` in order, each in ``bash`` with ``set -euo pipefail``; stops at the first failing block
    (later ones are not reached). Variables a block assigns carry over to the next blocks, as in a terminal.

    ``base_url``: the live server (replaces ``http://127.0.0.1:8000`` in the blocks); ``env``: the blocks'
    environment (default ``block_env(tmp)``; pass it when calling from another thread). Returns one ``Outcome`` per
    block."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    assert not missing, f"the guides' examples need {', '.join(missing)}: apt-get install {' '.join(missing)}"
    tmp.mkdir(parents=True, exist_ok=True)
    state = tmp / "state.sh"
    state.write_text("")
    env = {**(env or block_env(tmp)), "HOME": str(tmp)}
    outcomes: list[Outcome] = []
    failed = False
    for index, block in enumerate(blocks):
        if failed:
            outcomes.append(Outcome(block, None, ""))
            continue
        code = block.code.replace(LOCAL_URL, base_url.rstrip("/"))
        names = sorted(set(_ASSIGN.findall(code)))
        # `NAME=value command` sets no shell variable: keep only the names that exist after the block
        keep = f"for n in {' '.join(names)}; do declare -p $n >> {state} 2>/dev/null || true; done\n" if names else ""
        script = tmp / f"block-{index}.sh"
        script.write_text(f"set -euo pipefail\ncd {ROOT}\nsource {state}\n{code}\n{keep}")
        started = time.monotonic()
        try:
            done = subprocess.run(
                ["bash", str(script)], env=env, timeout=timeout, capture_output=True, text=True, check=False
            )
            outcome = Outcome(block, done.returncode, done.stdout + done.stderr)
        except subprocess.TimeoutExpired as exc:
            outcome = Outcome(block, -1, f"timed out after {timeout} s: {exc.stdout or ''}{exc.stderr or ''}")
        outcome.seconds = time.monotonic() - started
        outcomes.append(outcome)
        failed = outcome.returncode != 0
    return outcomes


def timings(outcomes: list[Outcome]) -> str:
    """One line per block that ran: seconds, where, first line of its code (printed by the tests; ``pytest -s``)."""
    ran = [o for o in outcomes if o.returncode is not None]
    lines = [f"{o.seconds:6.1f} s  {o.block.where:<24} {o.block.code.splitlines()[0][:70]}" for o in ran]
    return "\n".join([*lines, f"{sum(o.seconds for o in ran):6.1f} s  in all ({len(ran)} blocks)"])


def problems(outcomes: list[Outcome]) -> list[str]:
    """The failures of a run, each naming its block; [] when every block ran as documented."""
    return [p for o in outcomes if (p := o.problem())]
