"""Material links show where they lead, and only web addresses become links."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from portal.core.urls import link_host
from portal.panels import services
from tests.panels.test_panels import _panel


def test_material_links_show_their_destination(client: Any, create_user: Any, db: Any) -> None:
    coordinator = create_user("coordinator")
    panel = _panel(db, coordinator)
    services.publish_panel(actor=coordinator, panel=panel)
    services.add_material(
        actor=coordinator,
        panel=panel,
        title="Taustamateriaali",
        url="https://elsewhere.example.org/redirect?to=somewhere",
        text="",
    )
    services.add_material(
        actor=coordinator,
        panel=panel,
        title="Skriptilinkki",
        url="javascript://example.fi/%0aalert(document.cookie)",
        text="",
    )
    page = client.get(f"/panels/{panel.id}").get_data(as_text=True)
    assert "(elsewhere.example.org)" in page
    assert 'rel="noopener noreferrer nofollow"' in page
    assert "javascript:" not in page
    assert "<strong>Skriptilinkki</strong>" in page


@given(
    scheme=st.sampled_from(["javascript", "data", "vbscript", "file", "ftp", "JaVaScRiPt"]),
    rest=st.text(min_size=0, max_size=40),
)
def test_only_web_addresses_have_a_host(scheme: str, rest: str) -> None:
    assert link_host(f"{scheme}:{rest}") == ""


@given(host=st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z]{2,6}){1,2}", fullmatch=True))
def test_web_addresses_show_their_host(host: str) -> None:
    assert link_host(f"https://{host}/path?x=1") == host
    assert link_host(f"http://{host}") == host
