"""The home page lists what a resident can do now, each with a working link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import url_for
from sqlalchemy import select

from portal.core.db import utcnow
from portal.core.demo import seed_demo
from portal.councils.models import Council
from portal.deliberation.models import Conversation
from portal.deliberation.services import is_open
from portal.initiatives.models import Initiative, InitiativeState
from portal.panels.models import Panel, PanelStatus
from portal.public.services import open_activities


def _expected(db: Any) -> set[tuple[str, int]]:
    """What is open now, read straight from the models (independently of the service)."""
    today = utcnow().date()
    found = {("discussion", c.id) for c in db.session.scalars(select(Conversation)) if is_open(c)}
    found |= {
        ("initiative", i.id)
        for i in db.session.scalars(select(Initiative))
        if i.state == InitiativeState.COLLECTING
        and (i.collection_ends_on is None or i.collection_ends_on >= today)
    }
    found |= {
        ("panel", p.id)
        for p in db.session.scalars(select(Panel))
        if p.status == PanelStatus.RECRUITING
    }
    found |= {
        ("council", c.id)
        for c in db.session.scalars(select(Council))
        if c.is_active and c.accepts_applications
    }
    return found


def _key(item: Any) -> tuple[str, int]:
    return item.kind, next(iter(item.values.values()))


def test_open_activities_are_exactly_what_is_open(app: Any, db: Any, count_queries: Any) -> None:
    seed_demo()
    # Close one initiative's collection yesterday: it must drop out of the list.
    collecting = db.session.scalars(
        select(Initiative).where(Initiative.state == InitiativeState.COLLECTING)
    ).first()
    if collecting is not None:
        collecting.collection_ends_on = utcnow().date() - timedelta(days=1)
        db.session.commit()
    with count_queries() as counter:
        items = open_activities(locale="sv", limit=100)
    assert {_key(item) for item in items} == _expected(db)
    assert items, "the demo data has something open"
    deadlines = [item.deadline for item in items if item.deadline]
    assert deadlines == sorted(deadlines)
    # Dated items come before undated ones.
    dated = [item.deadline is not None for item in items]
    assert dated == sorted(dated, reverse=True)
    # The number of queries does not grow with the data: open every council for applications.
    for council in db.session.scalars(select(Council)):
        council.is_active = True
        council.accepts_applications = True
    db.session.commit()
    db.session.expire_all()
    with count_queries() as more:
        more_items = open_activities(locale="sv", limit=100)
    assert len(more_items) > len(items) or len(items) == len(more_items) == 100
    # A fixed set, not one per row: a query per domain plus one per relationship that the
    # councils domain loads eagerly ("selectin"), which is skipped when nothing is there.
    assert len(more.statements) <= 16
    assert len(counter.statements) <= len(more.statements)


def test_every_card_on_the_home_page_links_to_its_page(app: Any, db: Any, client: Any) -> None:
    seed_demo()
    html = client.get("/").get_data(as_text=True)
    with app.test_request_context():
        items = open_activities(locale="fi")
        links = [url_for(item.endpoint, **item.values) for item in items]
    assert links
    for link in links:
        assert f'href="{link}"' in html
        assert client.get(link).status_code == 200
    assert 'href="/pool/join"' in html
    assert "<title>Osallistu – " in html and "Osallistu – Osallistu" not in html
