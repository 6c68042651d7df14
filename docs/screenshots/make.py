"""Render the portal's key pages from demo data with Chromium, for review of the look.

Builds a throw-away SQLite database, migrates it, runs ``flask seed-demo``'s seeders, serves
the app on a local port and takes full-page screenshots at a phone width (390 px) and a
desktop width (1280 px), in Finnish:

    home, pool join, discussion vote, discussion report, panel report, impact dashboard

Run from the repository root: ``python docs/screenshots/make.py`` (needs Chromium at
``/usr/bin/chromium`` or ``PORTAL_TEST_CHROMIUM``). The PNGs are written next to this file;
with Pillow installed they are reduced to a 256-colour palette to keep each small.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from alembic import command
from playwright.sync_api import sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.app import create_app
from portal.config import Config
from portal.core.cli import alembic_config

logging.getLogger("werkzeug").setLevel(logging.WARNING)

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("PORTAL_TEST_CHROMIUM", "/usr/bin/chromium")
WIDTHS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 900}}
# Very long pages are cut here: the first screens are what is being reviewed.
MAX_HEIGHT = 4000
PASSWORD = "screenshots-only-password"  # noqa: S105 - a throw-away database
STAFF_EMAIL = "admin@demo.osallistu.fi"
# The demo has no published discussion report: its draft is shown to staff before publication.
STAFF_PAGES = {"impact-dashboard", "discussion-report"}


def _pages(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Name -> path of each page, from the demo data."""
    from portal.deliberation.models import Conversation
    from portal.deliberation.services import is_open
    from portal.extensions import db
    from portal.panels.models import Panel, PanelStatus

    with app.test_request_context():
        from flask import url_for

        conversations = db.session.scalars(select(Conversation)).all()
        open_one = next(c for c in conversations if is_open(c))
        reported = next((c for c in conversations if c.reported_at), open_one)
        drawn = db.session.scalars(select(Panel).where(Panel.status != PanelStatus.DRAFT)).first()
        return {
            "home": url_for("public.home"),
            "pool-join": url_for("pool.join"),
            "discussion-vote": url_for("deliberation.participate", conversation_id=open_one.id),
            "discussion-report": url_for("deliberation.show_report", conversation_id=reported.id),
            "panel-report": url_for("panels.show_report", panel_id=drawn.id),
            "impact-dashboard": url_for("impact.dashboard"),
        }


def _draw_demo_panel(actor) -> None:  # type: ignore[no-untyped-def]
    """The demo panel is ready to draw; draw it so its public report has a result."""
    from portal.extensions import db
    from portal.panels import services
    from portal.panels.models import Panel, PanelStatus

    panel = db.session.scalars(select(Panel).where(Panel.status == PanelStatus.RECRUITING)).first()
    if panel is None:
        return
    services.start_draw(actor=actor, panel=panel)  # run at once: ``tasks_immediate``
    db.session.expire_all()


def _prepare(database_url: str):  # type: ignore[no-untyped-def]
    from portal.accounts.models import User
    from portal.accounts.services import password_hasher
    from portal.core.demo import seed_demo
    from portal.extensions import db

    app = create_app(
        Config(
            environment="testing",
            database_url=database_url,
            secret_key="screenshots-" + "x" * 32,
            log_level="WARNING",
            tasks_immediate=True,
            login_rate_limit="1000 per minute",
        )
    )
    with app.app_context():
        command.upgrade(alembic_config(database_url), "head")
        seed_demo()
        staff = db.session.scalars(select(User).where(User.email == STAFF_EMAIL)).one()
        staff.password_hash = password_hasher.hash(PASSWORD)
        db.session.commit()
        _draw_demo_panel(staff)
        pages = _pages(app)
    return app, pages


def _shrink(path: Path) -> None:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - the PNG stays as Chromium wrote it
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        small.save(path, optimize=True)


def _shoot(page, path: str, target: Path, viewport: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    page.goto(path)
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
    page.screenshot(
        path=str(target),
        clip={"x": 0, "y": 0, "width": viewport["width"], "height": height},
        full_page=True,
    )
    _shrink(target)
    print(f"{target.relative_to(HERE.parents[1])}: {target.stat().st_size // 1024} KB")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app, pages = _prepare(f"sqlite:///{folder}/screenshots.sqlite3")
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--headless", "--no-sandbox"]
                )
                for label, viewport in WIDTHS.items():
                    # Residents' pages as an anonymous visitor, the dashboard as staff.
                    for signed_in in (False, True):
                        context = browser.new_context(
                            base_url=base, viewport=viewport, locale="fi-FI", device_scale_factor=1
                        )
                        page = context.new_page()
                        if signed_in:
                            page.goto("/login")
                            page.fill("#email", STAFF_EMAIL)
                            page.fill("#password", PASSWORD)
                            page.locator("main form button[type=submit]").click()
                            page.wait_for_load_state()
                        for name, path in pages.items():
                            if (name in STAFF_PAGES) != signed_in:
                                continue
                            _shoot(page, path, HERE / f"{name}-{label}.png", viewport)
                        context.close()
                browser.close()
        finally:
            server.shutdown()
            thread.join(timeout=5)


if __name__ == "__main__":
    main()
