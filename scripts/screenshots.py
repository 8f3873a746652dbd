"""Generate the screenshots of docs/img/ from the real screens: ``make screenshots``.

On a database of its own (``DB_NAME``, default ``sb_screens``, dropped and created again each run) the script seeds
the demo workspace, runs the commands of docs/getting-started.md up to the first chat (import the example export,
train, audit, add the help article), starts ``runserver`` on a free 127.0.0.1 port with tasks run inline, and
drives Debian's Chromium through Playwright along the guide: the tree editor, the sandbox, the thresholds with
the backtest, publish, shadow, assist, a question in the chat widget and the draft in the review queue; then the
other screens the guides show. Each screenshot is a 1280×800 PNG written to docs/img/<name>.png.

    .venv/bin/python scripts/screenshots.py [--tickets 2500] [--only NAME ...] [--keep-db]

Needs the embedded database (no ``DATABASE_URL``) and ``/usr/bin/chromium`` (``scripts/ensure_chromium.sh``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.docs.markdown import DOCS, blocks  # noqa: E402 (the guide's own blocks, parsed once)

IMG = DOCS / "img"
PY = sys.executable
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "switchboard-demo"  # the demo logins printed by `make run`
VIEWPORT = {"width": 1280, "height": 800}
WIDGET_QUESTION = "How do I reset my password?"


def log(text: str) -> None:
    print(f"[screenshots] {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(db_name: str) -> dict[str, str]:
    env = {**os.environ, "DB_NAME": db_name, "Q_SYNC": "1", "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    env.pop("DATABASE_URL", None)
    return env


def manage(env: dict, *args: str) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def database_reset(db_name: str) -> None:
    """Drop and create ``db_name`` on the embedded server (never the default database)."""
    if db_name in ("switchboard", "postgres") or not db_name.startswith("sb_"):
        raise SystemExit(f"refusing to drop {db_name!r}: use a DB_NAME starting with sb_ (default sb_screens)")
    import psycopg

    from apps.core.embedded_db import ensure_server

    socket_dir = ensure_server(Path(os.environ.get("PGSERVER_DATA", ROOT / ".pgdata")))
    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')


def prepare(env: dict, tickets: int) -> None:
    """The demo workspace plus the guide's steps 3–6 (its bash blocks before the first chat)."""
    log("migrating")
    manage(env, "migrate", "--noinput")
    log(f"seeding the demo workspace ({tickets} tickets; training takes a while)")
    manage(env, "seed_demo", "--tickets", str(tickets))
    manage(env, "connections_local")
    runnable = [b for b in blocks(DOCS / "getting-started.md") if b.runs]
    for block in runnable:
        if "/api/v1/conversations/" in block.code:
            break
        log(f"getting-started.md:{block.line}: {block.code.strip().splitlines()[0][:80]}")
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", block.code], cwd=ROOT, env=env, capture_output=True)
        if done.returncode != 0:
            raise SystemExit(f"{block.where} failed:\n{done.stdout.decode()}\n{done.stderr.decode()}")


@contextlib.contextmanager
def server(env: dict):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [PY, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(120):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(url + "/healthz", timeout=2)
                break
            time.sleep(0.5)
        else:
            raise SystemExit("runserver did not answer /healthz within 60 s")
        log(f"server on {url}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


class Shots:
    def __init__(self, page, base: str, only: set[str]):
        self.page, self.base, self.only, self.taken = page, base, only, []

    def go(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        if response is not None and response.status >= 400:
            raise SystemExit(f"{path} answered {response.status}: not a screen to show in the guides")
        self.page.wait_for_load_state("networkidle")

    def take(self, name: str) -> None:
        if self.only and name not in self.only:
            return
        self.page.wait_for_timeout(400)  # charts finish their animation
        title = self.page.title()
        if re.search(r"(Error|Exception|DoesNotExist) at /|Server Error", title):
            raise SystemExit(f"{name}: the page is an error page ({title!r}) at {self.page.url}")
        path = IMG / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        self.taken.append(path)
        log(f"{path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")

    def login(self, username: str) -> None:
        self.page.context.clear_cookies()
        self.go("/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit], input[type=submit]")
        self.page.wait_for_load_state("networkidle")


def walk(s: Shots, *, guide: bool = True) -> None:
    """docs/getting-started.md steps 2 and 7–11 on the screens (``guide``: a fresh database), then the screens of
    the other guides."""
    first_screens(s)
    if guide:
        guide_steps(s)
    screens(s)


def first_screens(s: Shots) -> None:
    """Getting started, steps 2–7: the login, the dashboard, the audit and the workflow list (as the lead)."""
    s.go("/accounts/login/")
    s.take("login")
    s.login("lead")
    s.go("/analytics/")
    s.take("dashboard")
    s.go("/analytics/audit/?days=365&refresh=1")
    s.take("audit")
    s.go("/workflows/")
    s.take("workflow-list")


def guide_steps(s: Shots) -> None:
    page = s.page

    # Step 7: Mobile app → New draft → the answer node → preview.
    with page.expect_navigation():  # the category page replays 500 tickets for its backtest: give it time
        page.click("a:text-is('Mobile app')")
    category_url = page.url.replace(s.base, "")
    page.click("[data-testid=new-draft]")
    page.wait_for_load_state("networkidle")
    answer = page.locator("li.node[data-node-id=answer]")
    answer.locator("textarea[name=fields]").fill('{"knowledge": true, "on_ungrounded": "draft"}')
    answer.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=tree-valid]")
    page.fill("[data-testid=preview-text]", "Does the iPhone app work offline?")
    page.click("[data-testid=preview]")
    page.wait_for_selector("[data-testid=preview-outcome]")
    s.take("tree-editor")

    # Step 8: sandbox with the newest 10 tickets from history.
    page.click("[data-testid=sandbox-link]")
    page.wait_for_load_state("networkidle")
    page.fill("input[name=limit]", "10")
    page.click("[data-testid=add-history]")
    page.wait_for_load_state("networkidle")
    page.click("[data-testid=run-sandbox]")
    page.wait_for_selector("[data-testid=sandbox-summary]")
    s.take("sandbox")

    # Step 9: thresholds with the live backtest, saved to the draft.
    s.go(category_url)
    page.fill("#id_auto", "0.90")
    page.fill("#id_draft", "0.50")
    page.wait_for_timeout(1500)
    page.wait_for_load_state("networkidle")
    s.take("workflow-detail")
    page.click("[data-testid=save-thresholds]")
    page.wait_for_load_state("networkidle")

    # Step 10: publish from the sandbox, then shadow and assist.
    page.click("[data-testid=sandbox-1]")
    page.wait_for_load_state("networkidle")
    page.click("[data-testid=run-sandbox]")
    page.wait_for_selector("[data-testid=publish]")
    page.fill("input[name=change_note]", "First version: answer from the help center")
    page.click("[data-testid=publish]")
    page.wait_for_load_state("networkidle")
    for state in ("shadow", "assist"):
        page.click(f"button[name=state][value={state}]")
        page.wait_for_selector(f"[data-testid=rollout-state]:text-is('{state}')")
    s.take("rollout")

    # Step 11: the guide's question about the mobile app, sent as its curl example sends it (with a contact).
    chat = next(b for b in blocks(DOCS / "getting-started.md") if b.runs and "/api/v1/conversations/" in b.code)
    payload = json.loads(chat.code.split("-d '", 1)[1].rsplit("'", 1)[0])
    answer = page.request.post(
        s.base + "/api/v1/conversations/", data=payload, headers={"X-Switchboard-Key": "sb_pk_demo"}
    )
    assert answer.ok, answer.text()
    # The chat widget on the demo page, with a question the demo answers on its own (password reset is in auto).
    s.go("/demo/settings/")
    page.click("text=Chat with us")
    page.fill("textarea[aria-label='Your message']", WIDGET_QUESTION)
    page.click("form button[type=submit]")
    page.wait_for_timeout(3000)
    s.take("demo-widget")


def screens(s: Shots) -> None:
    page = s.page
    s.login("agent")
    s.go("/workflows/review/?category=mobile-app")
    s.take("review-queue")
    page.keyboard.press("?")
    page.wait_for_timeout(300)
    s.take("review-keys")
    page.keyboard.press("Escape")
    s.go("/escalation/handoffs/")
    first = page.locator("a[href*='/escalation/handoffs/']").filter(has_text="#").first
    if first.count():
        first.click()
        page.wait_for_load_state("networkidle")
    s.take("handoffs")

    s.login("lead")
    for name, path in (
        ("calibration", "/workflows/calibration/"),
        ("metrics", "/analytics/metrics/"),
        ("review-metrics", "/workflows/review/metrics/"),
        ("knowledge", "/knowledge/"),
        ("knowledge-search", "/knowledge/search/?q=does+the+iphone+app+work+offline"),
        ("knowledge-gaps", "/knowledge/gaps/"),
        ("connections", "/integrations/connections/"),
        ("change-history", "/audit/"),
    ):
        s.go(path)
        s.take(name)
    s.go("/analytics/reviews/")
    if not page.locator("a:text('CSV')").count():
        page.click("text=Build last month's reviews now")
        page.wait_for_load_state("networkidle")
    s.take("monthly-reviews")

    s.login("admin")
    s.go("/admin/")
    s.take("admin")
    s.go("/admin/escalation/businesscalendar/")
    link = page.locator("#result_list tbody th a").first
    if link.count():
        link.click()
        page.wait_for_load_state("networkidle")
    s.take("admin-calendar")
    s.go("/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    s.take("api-docs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=2500, help="demo tickets (default 2500, as `make run`)")
    parser.add_argument("--only", nargs="*", default=[], help="only these screenshot names")
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="reuse the database (migrated, not reset): retake the plain screens only",
    )
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL"):
        raise SystemExit("make screenshots uses the embedded database: unset DATABASE_URL")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh")
    db_name = os.environ.get("SCREENSHOTS_DB", "sb_screens")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env = env_for(db_name)
    if args.keep_db:
        manage(env, "migrate", "--noinput")
    else:
        database_reset(db_name)
        prepare(env, args.tickets)
    IMG.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    with server(env) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
        page.set_default_timeout(120_000)
        shots = Shots(page, base, set(args.only))
        walk(shots, guide=not args.keep_db)
        browser.close()
    total = sum(p.stat().st_size for p in IMG.glob("*.png"))
    log(
        f"{len(shots.taken)} screenshots in {time.perf_counter() - started:.0f} s; docs/img holds {total / 1e6:.1f} MB"
    )
    print(json.dumps({"screenshots": [p.name for p in shots.taken], "bytes": total}))


if __name__ == "__main__":
    main()
