"""Leaving erases every personal field everywhere; retention asks, then removes."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import String, Text, func, inspect, select, text

from portal.core.db import utcnow
from portal.impact.models import Participation
from portal.impact.services import record_participation
from portal.models import metadata
from portal.pool.models import InvitationRecipient, PoolMember
from portal.pool.services import create_invitation, pool_composition, run_retention
from tests.conftest import body_text, csrf_token

NAME = "Sointu Salaperäinen"
EMAIL = "sointu.salainen@example.fi"


def _text_columns_containing(db: Any, needles: list[str]) -> list[str]:
    """Every text or JSON column of every table, searched for each needle."""
    found = []
    engine = db.engine
    for table in metadata.sorted_tables:
        columns = [
            c
            for c in table.columns
            if isinstance(c.type, String | Text) or c.type.__class__.__name__ == "JSON"
        ]
        for column in columns:
            for needle in needles:
                expression = (
                    func.lower(column.cast(Text))
                    if engine.dialect.name == "postgresql"
                    else func.lower(column)
                )
                hit = db.session.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(expression.like(f"%{needle.lower()}%"))
                )
                if hit:
                    found.append(f"{table.name}.{column.name} contains {needle!r}")
    assert inspect(engine).get_table_names()
    return found


def test_leaving_erases_every_personal_field_and_keeps_counts(
    db: Any, login_as: Any, create_user: Any, make_member: Any, activity: Any, mailbox: Any
) -> None:
    member = make_member(
        name=NAME,
        email=EMAIL,
        phone="040 999 8877",
        accessibility_needs="Pyörätuoli, Sointu",
        how_heard="Sointu kuuli kirjastosta",
        language="other",
        language_other="Sointukieli",
    )
    other = make_member()
    coordinator = create_user("coordinator")
    create_invitation(actor=coordinator, activity=activity)
    recipient = db.session.scalars(
        select(InvitationRecipient).where(InvitationRecipient.member_id == member.id)
    ).one()
    recipient.answer, recipient.availability = "yes", "Sointu pääsee tiistaisin"
    member.notes = f"Soitettu: {NAME}"
    record_participation(activity=activity, user=member.user, occurred_on=date.today(), hours=2)
    db.session.commit()

    def counts() -> tuple[int, int, int, int]:
        return (
            db.session.scalar(select(func.count()).select_from(Participation)),
            db.session.scalar(select(func.count()).select_from(InvitationRecipient)),
            db.session.scalar(
                select(func.count())
                .select_from(InvitationRecipient)
                .where(InvitationRecipient.answer == "yes")
            ),
            db.session.scalar(select(func.count()).select_from(PoolMember)),
        )

    before = counts()
    assert _text_columns_containing(db, [EMAIL, "Sointu"])  # the search does find data

    resident = login_as(user=member.user)
    response = resident.post(
        "/pool/me/leave", data={"csrf_token": csrf_token(resident, "/pool/me"), "confirm": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert _text_columns_containing(db, [EMAIL, "Sointu", "040 999 8877", "Salaperäinen"]) == []
    assert counts() == before
    left = db.session.get(PoolMember, member.id)
    assert left.status == "left" and left.user.erased_at is not None
    # the other member is untouched, and the resident is signed out
    assert db.session.get(PoolMember, other.id).status == "active"
    assert resident.get("/pool/me").status_code == 302


def test_leaving_without_confirmation_changes_nothing(
    db: Any, login_as: Any, make_member: Any
) -> None:
    member = make_member()
    resident = login_as(user=member.user)
    response = resident.post(
        "/pool/me/leave", data={"csrf_token": csrf_token(resident, "/pool/me")}
    )
    assert response.status_code == 400
    assert "Vahvista valitsemalla valintaruutu." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PoolMember, member.id).status == "active"


def test_staff_member_leaving_keeps_their_account(db: Any, login_as: Any, create_user: Any) -> None:
    staff = create_user("staff", email="staff@example.fi")
    member = PoolMember(user=staff, status="active", consent_version="t", notes="Työntekijä")
    db.session.add(member)
    db.session.commit()
    client = login_as(user=staff)
    response = client.post(
        "/pool/me/leave", data={"csrf_token": csrf_token(client, "/pool/me"), "confirm": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(staff), staff.id).erased_at is None
    assert db.session.get(PoolMember, member.id).status == "left"
    assert db.session.get(PoolMember, member.id).notes is None


def test_retention_asks_once_then_removes(
    app: Any, db: Any, make_member: Any, mailbox: Any, runner: Any
) -> None:
    sleeper = make_member(email="sleeper@example.fi")
    phone_only = make_member(email=None, phone="040 5555555", contact_channel="sms")
    awake = make_member(email="awake@example.fi")
    long_ago = utcnow() - timedelta(days=800)
    for member in (sleeper, phone_only, awake):
        member.last_active_at = long_ago
    db.session.commit()

    first = runner.invoke(args=["pool", "retention"])
    assert "asked 3" not in first.output and "asked 2" in first.output, first.output
    assert "to contact by phone or letter 1" in first.output
    again = runner.invoke(args=["pool", "retention"])
    assert "asked 0" in again.output  # idempotent: nobody is asked twice
    message = mailbox.wait_for("awake@example.fi")[0]
    assert message["Subject"] == "Haluatko pysyä asukaspoolissa?"
    link = re.search(r"http://localhost(/pool/stay/\S+)", body_text(message)).group(1)
    client = app.test_client()
    opened = client.get(link)
    assert opened.status_code == 200
    assert "Haluan jatkaa" in opened.get_data(as_text=True)
    db.session.expire_all()
    assert (
        db.session.get(PoolMember, awake.id).retention_asked_at is not None
    )  # GET answers nothing
    assert client.post(link, data={"csrf_token": csrf_token(client, link)}).status_code == 200

    later = utcnow() + timedelta(days=61)
    result = run_retention(now=later)
    assert result.removed == 1
    db.session.expire_all()
    assert db.session.get(PoolMember, sleeper.id).status == "left"
    assert db.session.get(PoolMember, sleeper.id).user.email is None
    assert db.session.get(PoolMember, awake.id).status == "active"
    assert db.session.get(PoolMember, phone_only.id).status == "active"
    assert run_retention(now=later).removed == 0


def test_unconfirmed_joins_expire(
    db: Any, client: Any, tampere: Any, areas: Any, mailbox: Any
) -> None:
    from tests.pool.conftest import join_form

    data = join_form(tampere, areas, email="late@example.fi")
    data["csrf_token"] = csrf_token(client, "/pool/join")
    client.post("/pool/join", data=data)
    result = run_retention(now=utcnow() + timedelta(days=8))
    assert result.expired_joins == 1
    assert (
        db.session.execute(
            text("SELECT count(*) FROM users WHERE email = 'late@example.fi'")
        ).scalar()
        == 0
    )


def test_representativeness(db: Any, login_as: Any, make_member: Any) -> None:
    this_year = date.today().year
    make_member(birth_year=this_year - 20, gender="man", language="sv")
    make_member(birth_year=this_year - 40)
    make_member(birth_year=this_year - 40, municipality_id=None, municipality_other=True)
    rows = pool_composition(locale="fi")
    ages = {row.key: row for row in rows["age_band"]}
    assert ages["15-24"].count == 1 and ages["35-44"].count == 2
    assert abs(ages["35-44"].share - 2 / 3) < 1e-9
    assert ages["35-44"].population_share and ages["35-44"].ratio > 1
    languages = {row.key: row for row in rows["language"]}
    assert languages["sv"].count == 1 and languages["sv"].ratio > 10
    places = {row.key: row for row in rows["municipality"]}
    assert places["tampere"].count == 2 and places["other"].count == 1
    coordinator = login_as("coordinator")
    html = coordinator.get("/pool/representativeness").get_data(as_text=True)
    # A chart named by its visible title, with a summary, and the table with the figures.
    assert '<figure class="chart chart-bars"' in html and 'class="chart-summary"' in html
    assert 'class="chart-title"' in html and "<caption id=" in html


def test_leaving_erases_what_the_member_wrote(
    db: Any, login_as: Any, create_user: Any, make_member: Any, mailbox: Any
) -> None:
    from portal.deliberation import services as deliberation
    from portal.deliberation.models import Statement, Vote
    from portal.initiatives import services as initiatives
    from portal.initiatives.models import Initiative
    from tests.deliberation.helpers import make_conversation

    member = make_member(name=NAME, email=EMAIL)
    user = member.user
    conversation = make_conversation(create_user("coordinator"), seeds=[])
    own = deliberation.submit_statement(
        conversation=conversation,
        text="Minä, Sointu Salaperäinen, toivon iltavastaanottoa.",
        language="fi",
        user=user,
        key="sointu-browser",
    )
    deliberation.cast_vote(
        conversation_id=conversation.id, statement_id=own.id, value=1, key="another-browser"
    )
    draft = initiatives.create_initiative(
        actor=user,
        title="Sointun luonnos",
        proposal="Sointu ehdottaa.",
        justification="Perustelu.",
        public_name=NAME,
    )
    sent = initiatives.create_initiative(
        actor=user,
        title="Iltavastaanotto terveysasemalle",
        proposal="Terveysasemalle avataan iltavastaanotto.",
        justification="Työssäkäyvät eivät pääse virka-aikana.",
        public_name=NAME,
    )
    initiatives.send_for_check(actor=user, initiative=sent)
    neighbour = create_user("resident")
    shared = initiatives.create_initiative(
        actor=neighbour,
        title="Naapurin aloite",
        proposal="Ehdotus.",
        justification="Perustelu.",
        public_name="Naapuri",
    )
    initiatives.invite_co_initiator(actor=neighbour, initiative=shared, email=EMAIL)
    draft_id, sent_id, shared_id = draft.id, sent.id, shared.id
    assert _text_columns_containing(db, [EMAIL, "Sointu", "Salaperäinen"])

    resident = login_as(user=user)
    response = resident.post(
        "/pool/me/leave", data={"csrf_token": csrf_token(resident, "/pool/me"), "confirm": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert _text_columns_containing(db, [EMAIL, "Sointu", "Salaperäinen"]) == []
    # the statement stays as the anchor of other people's votes, shown as a tombstone
    tombstone = db.session.get(Statement, own.id)
    assert tombstone is not None and tombstone.hidden
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 1
    with resident.application.test_request_context():
        from flask_babel import force_locale

        with force_locale("fi"):
            assert tombstone.display_text == "[poistettu kirjoittajan pyynnöstä]"
    # the unsent draft is gone; the sent initiative and the neighbour's draft stay
    assert db.session.get(Initiative, draft_id) is None
    kept = db.session.get(Initiative, sent_id)
    assert kept is not None and kept.public_name == ""
    assert db.session.get(Initiative, shared_id) is not None
