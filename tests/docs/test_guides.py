"""Every command and curl example in the guides runs as written against a live server on the demo workspace.

docs/getting-started.md is run by ``test_getting_started.py`` (its later blocks need the screen steps in between);
every other guide's ``bash`` / ``console`` / ``curl`` blocks run here, each guide's in order, on the shared seeded
workspace (``conftest.docs_workspace``), each block checked for exit code 0 and its ``<!-- expect: … -->``
patterns. The admin's guide and operations run in a second lane beside the others (see ``SECOND_LANE``).

Blocks tagged ``text`` are not run, each for a reason the guide's context makes plain: ``make run`` and the
gunicorn / qcluster / qmonitor / bench_load examples start servers or screens that never return (or run for
minutes); ``pg_restore --clean`` and the upgrade steps replace the database or the installed packages; the ``tar``
of ``media/`` and ``var/`` copies hundreds of megabytes of other tests' models; the ``<script>`` tag is HTML for a
web page. ``json`` / ``ini`` blocks are file contents.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

from .markdown import DOCS, RUN_TAGS, blocks, guides
from .runner import ROOT, block_env, problems, run_blocks, timings

# Guides whose examples run beside the others, in a second lane: the admin's guide creates a user, local
# connections, a settings check and a database dump, and operations reads the health check and the task queue's
# counts; neither reads what the other guides' examples write (tickets, drafts, handoffs, knowledge). The other
# guides run one after another in the first lane, in name order, as their examples read what earlier ones left
# (drafts to approve, handoffs to claim). Two lanes halve the wait on the management commands' start-up (about 2 s
# of CPU each) on a machine with two cores.
SECOND_LANE = {"admin-guide.md", "operations.md"}


def _run_lane(lane: list, *, base_url: str, tmp, env: dict[str, str]) -> list[tuple]:
    results = []
    for guide in lane:
        runnable = [b for b in blocks(guide) if b.runs]
        results.append((guide, run_blocks(runnable, base_url=base_url, tmp=tmp / guide.stem, env=env)))
    return results


def test_every_guide_command_runs_as_documented(docs_workspace, docs_db, tmp_path):
    backups = ROOT / "backups"  # docs/admin-guide.md writes its example dump there, as a reader would
    had_backups = backups.exists()
    others = [g for g in guides() if g.name != "getting-started.md"]
    lanes = [[g for g in others if g.name not in SECOND_LANE], [g for g in others if g.name in SECOND_LANE]]
    docs_workspace.guides_run.update(g.name for g in others)
    env = block_env(tmp_path)  # built here: it reads the test database's name from this thread's connection
    try:
        with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
            futures = [
                pool.submit(_run_lane, lane, base_url=docs_workspace.url, tmp=tmp_path, env=env) for lane in lanes
            ]
            results = [item for future in futures for item in future.result()]
    finally:
        if not had_backups:
            shutil.rmtree(backups, ignore_errors=True)
    failures = [problem for _, outcomes in results for problem in problems(outcomes)]
    ran = sum(o.returncode is not None for _, outcomes in results for o in outcomes)
    print("\n".join(timings(outcomes) for _, outcomes in results))
    assert not failures, "\n\n".join(failures)
    assert ran >= 20, f"only {ran} blocks ran: the guides lost their examples?"


def test_guides_tag_every_code_block():
    """A block without a known tag would silently escape the test: every fence says what it is."""
    from .markdown import DATA_TAGS, NORUN_TAGS

    known = RUN_TAGS | NORUN_TAGS | DATA_TAGS
    untagged = [f"{b.where} ({b.tag or 'no tag'})" for g in guides() for b in blocks(g) if b.tag not in known]
    assert not untagged, f"tag these blocks (bash/console/curl run; text/shell-norun do not): {untagged}"
    assert all(any(b.runs for b in blocks(g)) for g in guides() if g.name != "agent-guide.md"), (
        "a guide lost its runnable examples"
    )
    assert (DOCS / "getting-started.md").exists()
