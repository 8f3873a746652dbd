"""Every command and curl example in the guides runs as written against a live server on the demo workspace.

docs/getting-started.md is run by ``test_getting_started.py`` (its later blocks need the screen steps in between);
every other guide's ``bash`` / ``console`` / ``curl`` blocks run here, in order, one guide after another on the
shared seeded workspace (``conftest.docs_workspace``), each block checked for exit code 0 and its
``<!-- expect: … -->`` patterns.

Blocks tagged ``text`` are not run, each for a reason the guide's context makes plain: ``make run`` and the
gunicorn / qcluster / qmonitor / bench_load examples start servers or screens that never return (or run for
minutes); ``pg_restore --clean`` and the upgrade steps replace the database or the installed packages; the ``tar``
of ``media/`` and ``var/`` copies hundreds of megabytes of other tests' models; the ``<script>`` tag is HTML for a
web page. ``json`` / ``ini`` blocks are file contents.
"""

from __future__ import annotations

import shutil

from .markdown import DOCS, RUN_TAGS, blocks, guides
from .runner import ROOT, problems, run_blocks, timings


def test_every_guide_command_runs_as_documented(docs_workspace, docs_db, tmp_path):
    backups = ROOT / "backups"  # docs/admin-guide.md writes its example dump there, as a reader would
    had_backups = backups.exists()
    failures, ran, report = [], 0, []
    try:
        for guide in guides():
            if guide.name == "getting-started.md":
                continue
            docs_workspace.guides_run.add(guide.name)
            runnable = [b for b in blocks(guide) if b.runs]
            outcomes = run_blocks(runnable, base_url=docs_workspace.url, tmp=tmp_path / guide.stem)
            ran += sum(o.returncode is not None for o in outcomes)
            failures += problems(outcomes)
            report.append(timings(outcomes))
    finally:
        if not had_backups:
            shutil.rmtree(backups, ignore_errors=True)
    print("\n".join(report))
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
