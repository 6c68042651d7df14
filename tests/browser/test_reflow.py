"""Every page reflows at 320 CSS px and has no axe violations (WCAG 2.0/2.1/2.2 A and AA).

The pages come from the demo data (``flask seed-demo``): a crawl with the test client
follows every same-site link from the home page and the navigation, and keeps the first
URL of each endpoint, so every route that is reachable by a link is sampled once.

- public pages: anonymous and signed in as a resident, fi/sv/en, at 320 x 640 and 1280 x 900;
- resident pages (any signed-in user): as a resident, fi/sv/en, at both sizes;
- staff pages (a permission is needed): as a user holding every role, in Finnish at 320 x 640.

One browser, one context per (person, locale, viewport), axe once per page in each.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask, url_for
from werkzeug.exceptions import HTTPException

from portal.core.permissions import AUTHENTICATED, PUBLIC, Role
from tests.browser.conftest import WCAG_TAGS
from tests.conftest import TEST_PASSWORD, sign_in

LOCALES = ("fi", "sv", "en")
PHONE = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 900}
HREF = re.compile(r'href="([^"#]+)')
# Links that change state on GET (language, sign-out pages) or are not pages.
SKIPPED_ENDPOINTS = {"public.set_language", "static", "core.theme_stylesheet", "core.theme_logo"}
CRAWL_LIMIT = 900
# The element reaching furthest right, outside the table regions that may scroll.
WIDEST_ELEMENT = """() => {
  let worst = null, right = 0;
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.table-scroll')) continue;
    const r = el.getBoundingClientRect();
    if (r.right > right) { right = r.right; worst = el; }
  }
  return worst ? `${worst.tagName.toLowerCase()}.${worst.className} ${Math.round(right)} px` : '';
}"""


@dataclass
class Site:
    public: list[str] = field(default_factory=list)
    resident: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)


def _endpoint(app: Flask, path: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _values = adapter.match(path, method="GET")
    except HTTPException:  # a 404 or redirect of the URL map: not a page of ours
        return None
    return endpoint


def _crawl(app: Flask, client: Any, starts: list[str]) -> dict[str, str]:
    """First HTML page found for each endpoint, following links breadth-first."""
    first: dict[str, str] = {}
    queue = list(starts)
    seen = set(queue)
    fetched = 0
    while queue and fetched < CRAWL_LIMIT:
        url = queue.pop(0)
        path = urlsplit(url).path
        endpoint = _endpoint(app, path)
        if endpoint is None or endpoint in SKIPPED_ENDPOINTS or endpoint in first:
            continue
        response = client.get(url)
        fetched += 1
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        first[endpoint] = url
        for href in HREF.findall(response.get_data(as_text=True)):
            href = href.replace("&amp;", "&")
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc not in ("", "localhost"):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local not in seen:
                seen.add(local)
                queue.append(local)
    return first


@pytest.fixture
def demo_site(app: Flask, db: Any, create_user: Callable[..., Any]) -> Iterator[Site]:
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.accounts.services import password_hasher
    from portal.core.demo import seed_demo

    seed_demo()
    resident = db.session.scalars(
        select(User).where(User.email == "asukas@demo.osallistu.fi")
    ).one()
    resident.password_hash = password_hasher.hash(TEST_PASSWORD)
    db.session.commit()
    everyone = create_user(*Role, email="kaikki.roolit@example.fi")
    # The home page, plus pages reached from mail or typed rather than linked.
    starts = ["/", "/verify", "/pool/login", "/accessibility/feedback"]
    with app.test_request_context():
        from portal.core.navigation import navigation_items

        starts += [urlsplit(url_for(item.endpoint)).path for item in navigation_items()]
    anonymous = _crawl(app, app.test_client(), starts)
    resident_pages = _crawl(app, sign_in(app.test_client(), resident), [*starts, "/account"])
    staff_pages = _crawl(app, sign_in(app.test_client(), everyone), [*starts, "/account"])
    site = Site()
    for endpoint, url in sorted(anonymous.items()):
        if app.view_functions[endpoint].access == PUBLIC:
            site.public.append(url)
    for endpoint, url in sorted(resident_pages.items()):
        if app.view_functions[endpoint].access == AUTHENTICATED:
            site.resident.append(url)
    for endpoint, url in sorted(staff_pages.items()):
        access = app.view_functions[endpoint].access
        if access not in (PUBLIC, AUTHENTICATED):
            site.staff.append(url)
    site.staff_email = everyone.email  # type: ignore[attr-defined]
    yield site


def _sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, "sign-in failed"


def _axe_source() -> str:
    from pathlib import Path

    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def _axe(page: Any) -> list[str]:
    """axe-core, preloaded in every document of the context by an init script."""
    result = page.evaluate(
        "tags => axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:3])
        for v in result["violations"]
    ]


def _check(page: Any, url: str, locale: str) -> list[str]:
    problems = []
    response = page.goto(url)
    if response is None or response.status >= 400:
        return [f"status {response.status if response else '?'}"]
    if page.title().startswith(("Virhe: ", "Fel: ", "Error: ")):
        problems.append(f"title says there are errors: {page.title()}")
    lang = page.locator("html").get_attribute("lang")
    if lang != locale:
        problems.append(f"lang={lang}")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        widest = page.evaluate(WIDEST_ELEMENT)
        problems.append(f"scrolls sideways: {width[0]} px in {width[1]} px ({widest})")
    problems += _axe(page)
    return problems


def _visit_all(
    browser: Any,
    base_url: str,
    urls: list[str],
    *,
    locale: str,
    viewport: dict[str, int],
    email: str | None,
) -> dict[str, list[str]]:
    context = browser.new_context(base_url=base_url, locale=f"{locale}-FI", viewport=viewport)
    try:
        context.add_init_script(script=_axe_source())
        page = context.new_page()
        page.set_default_timeout(15_000)
        if email:
            _sign_in(page, email)
        page.goto(f"/language/{locale}")
        found = {}
        for url in urls:
            problems = _check(page, url, locale)
            if problems:
                found[
                    f"{url} [{locale} {viewport['width']}px {'signed in' if email else 'anon'}]"
                ] = problems
        return found
    finally:
        context.close()


def test_public_and_resident_pages_reflow_without_axe_violations(
    browser: Any, live_server: str, demo_site: Site
) -> None:
    started = time.monotonic()
    assert len(demo_site.public) >= 20, demo_site.public
    assert len(demo_site.resident) >= 3, demo_site.resident
    problems: dict[str, list[str]] = {}
    loads = 0
    for locale in LOCALES:
        for viewport in (PHONE, DESKTOP):
            problems |= _visit_all(
                browser, live_server, demo_site.public, locale=locale, viewport=viewport, email=None
            )
            problems |= _visit_all(
                browser,
                live_server,
                demo_site.public + demo_site.resident,
                locale=locale,
                viewport=viewport,
                email="asukas@demo.osallistu.fi",
            )
            loads += 2 * len(demo_site.public) + len(demo_site.resident)
    print(
        f"\n{len(demo_site.public)} public + {len(demo_site.resident)} resident pages, "
        f"{loads} page loads in {time.monotonic() - started:.0f} s"
    )
    assert problems == {}, "\n".join(f"{url}: {found}" for url, found in problems.items())


def test_staff_pages_reflow_at_320_px_without_axe_violations(
    browser: Any, live_server: str, demo_site: Site
) -> None:
    started = time.monotonic()
    assert len(demo_site.staff) >= 30, demo_site.staff
    problems = _visit_all(
        browser,
        live_server,
        demo_site.staff,
        locale="fi",
        viewport=PHONE,
        email=demo_site.staff_email,  # type: ignore[attr-defined]
    )
    print(f"\n{len(demo_site.staff)} staff pages in {time.monotonic() - started:.0f} s")
    assert problems == {}, "\n".join(f"{url}: {found}" for url, found in problems.items())
