"""Councils: applications, members and onboarding, renewal, lists, calendar, own data."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import url_for
from sqlalchemy import select

from portal.accounts.models import User
from portal.core.times import local_to_utc
from portal.councils import services
from portal.councils.models import CouncilApplication, CouncilMembership, Meeting
from portal.impact.models import Activity
from tests.conftest import csrf_token
from tests.councils.factories import add_members, make_council


def test_open_application_and_acceptance(login_as: Any, client: Any, db: Any) -> None:
    coordinator = login_as("coordinator")
    council = make_council(coordinator.user, name="Potilasraati", accepts_applications=True)
    services.add_seat_group(actor=coordinator.user, council=council, name="Omaiset", seats=2)
    closed = make_council(coordinator.user, name="Suljettu raati")
    listing = client.get("/councils/join").get_data(as_text=True)
    assert "Potilasraati" in listing and "Suljettu raati" not in listing
    assert client.get(f"/councils/{closed.id}/apply").status_code == 404

    url = f"/councils/{council.id}/apply"
    group_id = council.seat_groups[0].id
    missing = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "name": "Hanna Hakija",
            "motivation": "x",
            "seat_group": str(group_id),
            "accept_privacy": "y",
        },
    )
    assert missing.status_code == 400
    assert "Anna sähköpostiosoite tai puhelinnumero." in missing.get_data(as_text=True)
    sent = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "name": "Hanna Hakija",
            "email": "hanna@example.fi",
            "seat_group": str(group_id),
            "motivation": "Olen ollut omaishoitaja kymmenen vuotta.",
            "accept_privacy": "y",
        },
    )
    assert sent.status_code == 302
    application = db.session.scalars(select(CouncilApplication)).one()
    page = coordinator.get(f"/councils/{council.id}").get_data(as_text=True)
    assert "Hanna Hakija" in page and "Olen ollut omaishoitaja" in page

    council_url = f"/councils/{council.id}"
    prefix = f"application{application.id}-"
    response = coordinator.post(
        f"/councils/applications/{application.id}/decide",
        data={
            prefix + "csrf_token": csrf_token(coordinator, council_url),
            prefix + "role": "member",
            "decision": "accept",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    membership = db.session.scalars(select(CouncilMembership)).one()
    person = db.session.get(User, membership.user_id)
    assert person.email == "hanna@example.fi" and "expert" in {str(r) for r in person.role_set}
    assert membership.seat_group_id == group_id
    assert db.session.get(CouncilApplication, application.id).status == "accepted"


def test_membership_checklist_and_vacancies(login_as: Any, create_user: Any, db: Any) -> None:
    coordinator = login_as("coordinator")
    council = make_council(coordinator.user, target_size=4)
    person = create_user(email="jasen@example.fi", name="Jaana Jäsen")
    add_members(coordinator.user, council, [(person, "member")])
    membership = db.session.scalars(select(CouncilMembership)).one()
    rows = {row.council.id: row for row in services.council_rows()}
    assert rows[council.id].members == 1 and rows[council.id].vacancies == 3
    assert rows[council.id].not_onboarded == 1
    listing = coordinator.get("/councils/").get_data(as_text=True)
    assert "Vanhusneuvosto" in listing and "1 / 4" in listing

    url = f"/councils/members/{membership.id}"
    term = council.terms[0]
    beyond = coordinator.post(
        url,
        data={
            "csrf_token": csrf_token(coordinator, url),
            "role": "vice_chair",
            "seat_group": "0",
            "ends_on": (term.ends_on + timedelta(days=1)).isoformat(),
        },
    )
    assert beyond.status_code == 400
    assert "Jäsenyys ei voi jatkua toimikauden jälkeen." in beyond.get_data(as_text=True)
    saved = coordinator.post(
        url,
        data={
            "csrf_token": csrf_token(coordinator, url),
            "role": "vice_chair",
            "seat_group": "0",
            "ends_on": term.ends_on.isoformat(),
            "privacy_commitment_on": date.today().isoformat(),
            "orientation_done_on": date.today().isoformat(),
        },
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert services.council_rows()[0].not_onboarded == 0
    # the same person cannot be added twice
    with pytest.raises(services.CouncilError) as error:
        add_members(coordinator.user, council, [(person, "member")])
    assert error.value.code == "already_member"


def test_renewal_starts_a_new_term_with_continuing_members(
    login_as: Any, create_user: Any, db: Any
) -> None:
    coordinator = login_as("coordinator")
    council = make_council(coordinator.user)
    stays, leaves = create_user(email="jatkaa@example.fi"), create_user(email="lahtee@example.fi")
    add_members(coordinator.user, council, [(stays, "chair"), (leaves, "member")])
    old = council.terms[0]
    stay_membership = next(m for m in old.memberships if m.user_id == stays.id)
    url = f"/councils/{council.id}/renew"
    form = coordinator.get(url).get_data(as_text=True)
    assert (old.ends_on + timedelta(days=1)).isoformat() in form
    overlapping = coordinator.post(
        url,
        data={
            "csrf_token": csrf_token(coordinator, url),
            "starts_on": old.ends_on.isoformat(),
            "ends_on": (old.ends_on + timedelta(days=700)).isoformat(),
        },
    )
    assert overlapping.status_code == 400
    assert "Toimikausi menee päällekkäin" in overlapping.get_data(as_text=True)
    response = coordinator.post(
        url,
        data={
            "csrf_token": csrf_token(coordinator, url),
            "starts_on": (old.ends_on + timedelta(days=1)).isoformat(),
            "ends_on": (old.ends_on + timedelta(days=731)).isoformat(),
            "continuing": [str(stay_membership.id)],
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    terms = sorted(db.session.get(type(council), council.id).terms, key=lambda t: t.starts_on)
    assert len(terms) == 2
    new = terms[1]
    assert [(m.user_id, m.role) for m in new.memberships] == [(stays.id, "chair")]
    activities = db.session.scalars(select(Activity).where(Activity.kind == "council")).all()
    assert len(activities) == 2 and new.activity_id in {a.id for a in activities}


def test_calendar_lists_meetings_and_requests(login_as: Any, db: Any, mailbox: Any) -> None:
    from tests.experts.factories import make_request, make_units

    coordinator = login_as("coordinator")
    council = make_council(coordinator.user, name="Nuorisovaltuusto")
    day = date.today() + timedelta(days=1)
    start = local_to_utc(day, _time(18))
    services.schedule_meeting(
        actor=coordinator.user,
        council=council,
        title="Iltakokous",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="Nuorisotalo",
    )
    _area, unit, _ = make_units()
    make_request(coordinator.user, unit, days=1, title="Työpaja nuorille")
    page = coordinator.get(f"/councils/calendar?view=week&date={day.isoformat()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Nuorisovaltuusto: Iltakokous" in html and "Työpaja nuorille" in html
    month = coordinator.get(f"/councils/calendar?view=month&date={day.isoformat()}")
    assert "Iltakokous" in month.get_data(as_text=True)
    far = (day + timedelta(days=120)).isoformat()
    empty = coordinator.get(f"/councils/calendar?view=week&date={far}").get_data(as_text=True)
    assert "Kalenterissa ei ole mitään tällä aikavälillä." in empty
    assert coordinator.get("/councils/calendar?date=not-a-date").status_code == 200


def test_pool_invitation_links_to_the_current_terms_activity(login_as: Any, db: Any) -> None:
    coordinator = login_as("coordinator")
    council = make_council(coordinator.user)
    term = council.current_term(date.today())
    html = coordinator.get(f"/councils/{council.id}").get_data(as_text=True)
    assert "Kutsu asukaspoolista" in html
    with coordinator.application.test_request_context():
        assert url_for("pool.new_invitation", activity_id=term.activity_id) in html


def test_own_data_export_and_erasure(login_as: Any, create_user: Any, client: Any, db: Any) -> None:
    coordinator = login_as("coordinator")
    council = make_council(coordinator.user, accepts_applications=True)
    member = login_as("expert", email="oma@example.fi", name="Olli Oma")
    add_members(coordinator.user, council, [(member.user, "member")])
    url = f"/councils/{council.id}/apply"
    member.post(
        url,
        data={
            "csrf_token": csrf_token(member, url),
            "name": "Olli Oma",
            "email": "oma@example.fi",
            "phone": "040 123 4567",
            "seat_group": "0",
            "motivation": "Haluan vaikuttaa.",
            "accept_privacy": "y",
        },
    )
    exported = member.get("/account/data.json").json
    assert exported["councils"]["memberships"][0]["council"] == "Vanhusneuvosto"
    assert exported["councils"]["applications"][0]["motivation"] == "Haluan vaikuttaa."
    url = "/account"
    response = member.post(
        "/account/erase", data={"csrf_token": csrf_token(member, url), "confirm": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    application = db.session.scalars(select(CouncilApplication)).one()
    assert application.name == "" and application.phone is None and application.motivation == ""
    # the membership stays for the counts, linked to the tombstone
    assert db.session.scalars(select(CouncilMembership)).one().user_id == member.user.id


def test_material_upload_checks_type(login_as: Any, db: Any) -> None:
    import io

    coordinator = login_as("coordinator")
    council = make_council(coordinator.user)
    start = local_to_utc(date.today() + timedelta(days=2), _time(10))
    meeting = services.schedule_meeting(
        actor=coordinator.user,
        council=council,
        title="Kokous",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        place="Sali",
    )
    url = f"/councils/meetings/{meeting.id}"
    bad = coordinator.post(
        f"{url}/materials",
        data={
            "material-csrf_token": csrf_token(coordinator, url),
            "material-title": "Ohjelma",
            "material-file": (io.BytesIO(b"<script>"), "ohjelma.exe"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400
    assert "Tällaista tiedostoa ei hyväksytä." in bad.get_data(as_text=True)
    neither = coordinator.post(
        f"{url}/materials",
        data={"material-csrf_token": csrf_token(coordinator, url), "material-title": "Ohjelma"},
    )
    assert neither.status_code == 400
    assert "Valitse tiedosto tai anna linkki." in neither.get_data(as_text=True)
    good = coordinator.post(
        f"{url}/materials",
        data={
            "material-csrf_token": csrf_token(coordinator, url),
            "material-title": "Ohjelma",
            "material-file": (io.BytesIO(b"Kokouksen ohjelma"), "ohjelma.txt"),
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    material = db.session.get(Meeting, meeting.id).materials[0]
    download = coordinator.get(f"/councils/materials/{material.id}")
    assert download.data == b"Kokouksen ohjelma"
    assert "attachment" in download.headers["Content-Disposition"]


def _time(hour: int) -> Any:
    from datetime import time

    return time(hour, 0)


def test_council_list_queries_do_not_grow_with_councils(
    login_as: Any, create_user: Any, db: Any, count_queries: Any
) -> None:
    coordinator = login_as("coordinator")

    def add(n: int) -> None:
        for i in range(n):
            council = make_council(coordinator.user, name=f"Raati {i}-{n}")
            add_members(
                coordinator.user,
                council,
                [(create_user(email=f"m{i}-{n}-{k}@example.fi"), "member") for k in range(3)],
            )

    add(2)
    with count_queries() as few:
        assert coordinator.get("/councils/").status_code == 200
    add(4)
    with count_queries() as many:
        html = coordinator.get("/councils/").get_data(as_text=True)
    assert html.count("Raati ") == 6
    assert many.count == few.count


def test_council_texts_follow_the_reader_language(login_as: Any, client: Any, db: Any) -> None:
    """Swedish name, purpose and activity title where written; Finnish marked lang="fi" else."""
    coordinator = login_as("coordinator")
    bilingual = make_council(
        coordinator.user,
        name="Vammaisneuvosto",
        accepts_applications=True,
        purpose_sv="Personer med funktionsnedsättning i beslutsfattandet.",
        tasks_sv="Utlåtanden.",
    )
    finnish_only = make_council(
        coordinator.user, name="Nuorisovaltuusto", name_sv="", accepts_applications=True
    )
    activity = db.session.get(Activity, bilingual.terms[0].activity_id)
    assert activity.title.startswith("Vammaisneuvosto ")
    assert activity.title_sv.startswith("Äldrerådet ")

    client.get("/language/sv")
    listing = client.get("/councils/join").get_data(as_text=True)
    assert "Personer med funktionsnedsättning i beslutsfattandet." in listing
    assert '<span lang="fi">Nuorisovaltuusto</span>' in listing
    assert '<span lang="fi">Ikääntyneiden ääni päätöksentekoon.</span>' in listing
    page = client.get(f"/councils/{bilingual.id}/apply").get_data(as_text=True)
    assert "Utlåtanden." in page and "Lausunnot." not in page
    client.get("/language/fi")
    page = client.get(f"/councils/{bilingual.id}/apply").get_data(as_text=True)
    assert "Lausunnot." in page and 'lang="fi"' not in page.split("<main", 1)[1]
    assert finnish_only.name_sv == ""
