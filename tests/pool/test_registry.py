"""The coordinators' registry: filters, search, paging without N+1, export, import."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.core.models import AuditEntry, Municipality
from portal.impact.services import record_participation
from portal.pool.models import InterestArea, PoolImport, PoolMember
from portal.pool.services import MemberFilter, members_query
from tests.conftest import csrf_token
from tests.pool.conftest import join_form


def _ids(criteria: MemberFilter, db: Any) -> set[int]:
    return {member.id for member in db.session.scalars(members_query(criteria)).unique()}


def test_filters(db: Any, make_member: Any, areas: Any, activity: Any) -> None:
    nokia = db.session.scalars(select(Municipality).where(Municipality.slug == "nokia")).one()
    young = make_member(birth_year=date.today().year - 20, gender="man", language="sv")
    old = make_member(birth_year=date.today().year - 80, municipality_id=nokia.id)
    other = make_member(municipality_id=None, municipality_other=True, interest_ids=[areas[3].id])
    record_participation(activity=activity, user=old.user, occurred_on=date.today(), hours=1)
    db.session.commit()
    assert _ids(MemberFilter(age_band="15-24"), db) == {young.id}
    assert _ids(MemberFilter(age_band="75+"), db) == {old.id}
    assert _ids(MemberFilter(gender="man"), db) == {young.id}
    assert _ids(MemberFilter(language="sv"), db) == {young.id}
    assert _ids(MemberFilter(municipality_id=nokia.id), db) == {old.id}
    assert _ids(MemberFilter(municipality_other=True), db) == {other.id}
    assert _ids(MemberFilter(interest_id=areas[3].id), db) == {other.id}
    assert _ids(MemberFilter(min_participations=1), db) == {old.id}
    assert _ids(MemberFilter(max_participations=0), db) == {young.id, other.id}
    assert _ids(MemberFilter(search=young.user.name.upper()), db) == {young.id}
    assert _ids(MemberFilter(search=old.user.email), db) == {old.id}
    assert _ids(MemberFilter(not_invited_since=date.today()), db) == {young.id, old.id, other.id}
    assert _ids(MemberFilter(status="paused"), db) == set()


def test_list_pages_with_a_fixed_number_of_queries(
    db: Any, login_as: Any, make_member: Any, count_queries: Any
) -> None:
    coordinator = login_as("coordinator")
    for _ in range(5):
        make_member()
    with count_queries() as few:
        assert coordinator.get("/pool/members").status_code == 200
    for _ in range(20):
        make_member()
    with count_queries() as many:
        response = coordinator.get("/pool/members?gender=woman&q=pool")
    assert response.status_code == 200
    assert many.count == few.count, many.statements
    assert "25 jäsentä" in response.get_data(as_text=True)


def test_only_coordinators_see_the_registry(login_as: Any, make_member: Any) -> None:
    member = make_member()
    resident = login_as("resident")
    staff = login_as("staff")
    for client in (resident, staff):
        assert client.get("/pool/members").status_code == 403
        assert client.get(f"/pool/members/{member.id}").status_code == 403
        assert client.get("/pool/members.csv").status_code == 403


def test_csv_export_is_filtered_and_audited(db: Any, login_as: Any, make_member: Any) -> None:
    make_member(name="=HYPERLINK(1)", gender="man")
    make_member(name="Woman Member")
    coordinator = login_as("coordinator")
    response = coordinator.get("/pool/members.csv?gender=man")
    assert response.status_code == 200
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert rows[0][0] == "member_id" and len(rows) == 2
    assert rows[1][1] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "pool.exported")).one()
    assert entry.changes == {"filters": ["gender"], "rows": 1}


def test_full_csv_export_content(db: Any, login_as: Any, make_member: Any, areas: Any) -> None:
    by_slug = {area.slug: area.id for area in areas}
    first = make_member(
        name="=cmd",
        email="eka@example.fi",
        phone="+358 40 123 4567",
        contact_channel="sms",
        birth_year=1950,
        # Given out of order: the export lists interests in the order of the areas.
        interest_ids=[by_slug["hospital-care"], by_slug["elderly"], by_slug["children-families"]],
    )
    first.joined_at = datetime(2024, 3, 1, 23, 30, tzinfo=UTC)  # late evening UTC
    first.last_invited_at = datetime(2026, 1, 2, 1, 15, tzinfo=timezone(timedelta(hours=2)))
    second = make_member(
        name="Björn Ek",
        email=None,
        phone="040 765 4321",
        contact_channel="letter",
        postal_address="@Kauppakatu 2, 33210 Tampere",
        birth_year=1990,
        gender="man",
        municipality_id=None,
        municipality_other=True,
        language="other",
        language_other="-arabia",
        interest_ids=[],
    )
    second.status = "paused"
    second.paused_until = date(2027, 1, 15)
    second.joined_at = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
    gone = make_member(name="Left Member")
    gone.status = "left"
    db.session.commit()

    coordinator = login_as("coordinator")
    response = coordinator.get("/pool/members.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeffmember_id;name;")
    assert body.lstrip("\ufeff").splitlines() == [
        "member_id;name;email;phone;contact_channel;postal_address;birth_year;gender;"
        "municipality;language;language_other;status;paused_until;interests;joined_at;"
        "last_invited_at",
        f"{first.id};'=cmd;eka@example.fi;'+358 40 123 4567;sms;;1950;woman;Tampere;fi;;"
        "active;;children-families,elderly,hospital-care;2024-03-01;2026-01-01",
        f"{second.id};Björn Ek;;040 765 4321;letter;'@Kauppakatu 2, 33210 Tampere;1990;man;"
        "other;other;'-arabia;paused;2027-01-15;;2025-06-30;",
    ]
    assert "\r\n" in body and gone.user.name not in body
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "pool.exported")).one()
    assert entry.changes == {"filters": [], "rows": 2}


def test_coordinator_adds_and_edits_with_the_same_rules(
    db: Any, login_as: Any, tampere: Any, areas: Any
) -> None:
    coordinator = login_as("coordinator")
    data = join_form(tampere, areas, email="", phone="040 765 4321", contact_channel="sms")
    data["csrf_token"] = csrf_token(coordinator, "/pool/members/new")
    bad = coordinator.post("/pool/members/new", data={**data, "birth_year": "2999"})
    assert bad.status_code == 400
    assert "Syntymävuosi ei voi olla tulevaisuudessa." in bad.get_data(as_text=True)
    created = coordinator.post("/pool/members/new", data=data)
    assert created.status_code == 302
    member = db.session.scalars(select(PoolMember)).one()
    assert member.status == "active" and member.source == "coordinator"
    assert member.user.email is None and member.user.phone == "040 765 4321"

    url = f"/pool/members/{member.id}/edit"
    edit = {**data, "csrf_token": csrf_token(coordinator, url), "name": "Uusi Nimi"}
    edit.pop("consent")
    assert coordinator.post(url, data=edit).status_code == 302
    notes_url = f"/pool/members/{member.id}/notes"
    coordinator.post(notes_url, data={"csrf_token": edit["csrf_token"], "notes": "Soita iltaisin"})
    db.session.expire_all()
    member = db.session.get(PoolMember, member.id)
    assert member.user.name == "Uusi Nimi" and member.notes == "Soita iltaisin"
    page = coordinator.get(f"/pool/members/{member.id}").get_data(as_text=True)
    assert "Soita iltaisin" in page and "pool.member_updated" in page


GOOD_CSV = (
    "name;email;phone;contact_channel;postal_address;birth_year;gender;municipality;language;"
    "language_other;interests\n"
    "Aino Aaltonen;aino@example.fi;;email;;1970;woman;Tampere;fi;;elderly,disability\n"
    "Björn Berg;;040 111 2222;sms;;1985;man;Tammerfors;sv;;\n"
    "Leila Ali;leila@example.fi;;letter;Hämeenkatu 1, Tampere;1990;other;other;other;arabia;\n"
)


def _upload(client: Any, content: str) -> Any:
    return client.post(
        "/pool/import",
        data={
            "csrf_token": csrf_token(client, "/pool/import"),
            "file": (io.BytesIO(content.encode("utf-8")), "rekisteri.csv"),
        },
        content_type="multipart/form-data",
    )


def test_import_checks_then_imports_only_when_confirmed(
    db: Any, login_as: Any, make_member: Any
) -> None:
    coordinator = login_as("coordinator")
    checked = _upload(coordinator, GOOD_CSV)
    assert checked.status_code == 302
    pending = db.session.scalars(select(PoolImport)).one()
    assert pending.row_count == 3
    assert db.session.scalar(select(func.count()).select_from(PoolMember)) == 0
    review = coordinator.get(checked.headers["Location"])
    assert "Aino Aaltonen" in review.get_data(as_text=True)
    # another coordinator cannot see or confirm someone else's upload
    other = login_as("coordinator")
    assert other.get(checked.headers["Location"]).status_code == 404

    url = f"/pool/import/{pending.id}/confirm"
    done = coordinator.post(
        url, data={"csrf_token": csrf_token(coordinator, checked.headers["Location"])}
    )
    assert done.status_code == 302
    members = db.session.scalars(select(PoolMember).order_by(PoolMember.id)).all()
    assert [m.user.name for m in members] == ["Aino Aaltonen", "Björn Berg", "Leila Ali"]
    assert members[2].municipality_other and members[2].user.municipality_id is None
    assert members[1].user.language == "sv" and members[1].user.locale == "sv"
    assert {a.slug for a in members[0].interests} == {"elderly", "disability"}
    db.session.expire_all()
    assert db.session.get(PoolImport, pending.id).rows == []
    # confirming twice does nothing (a resend of the same form is answered with 303)
    again = coordinator.post(url, data={"csrf_token": csrf_token(coordinator, "/pool/import")})
    assert again.status_code in (302, 303)
    assert db.session.scalar(select(func.count()).select_from(PoolMember)) == 3


def test_broken_import_reports_every_bad_row_and_changes_nothing(
    db: Any, login_as: Any, make_member: Any
) -> None:
    make_member(email="taken@example.fi")
    coordinator = login_as("coordinator")
    users_before = db.session.scalar(select(func.count()).select_from(User))
    broken = (
        "name,email,birth_year,gender,municipality,language\n"
        "Hyvä Rivi,hyva@example.fi,1960,woman,Nokia,fi\n"
        "Bad Email,not-an-email,1960,woman,Nokia,fi\n"
        "Future,future@example.fi,2999,man,Nokia,fi\n"
        "Nowhere,nowhere@example.fi,1960,man,Atlantis,fi\n"
        f"{'x' * 10_000},long@example.fi,1960,man,Nokia,fi\n"
        "<script>alert(1)</script>,script@example.fi,1960,man,Nokia,fi\n"
        "Taken,taken@example.fi,1960,man,Nokia,fi\n"
        "Twice,hyva@example.fi,1960,man,Nokia,fi\n"
        "No Contact,,1960,man,Nokia,klingon\n"
    )
    response = _upload(coordinator, broken)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Mitään ei tuotu" in html
    for row, message in [
        (3, "Kirjoita sähköpostiosoite muodossa nimi@esimerkki.fi."),
        (4, "Syntymävuosi ei voi olla tulevaisuudessa."),
        (5, "Valitse hyvinvointialueen kunta tai muu."),
        (6, "Nimessä voi olla enintään 200 merkkiä."),
        (7, "Poista tästä kentästä merkit &lt; ja &gt;."),
        (8, "Sähköpostiosoite on jo käytössä."),
        (9, "Sama sähköpostiosoite on tiedoston aiemmalla rivillä."),
        (10, "Anna sähköpostiosoite tai puhelinnumero."),
    ]:
        assert f"<td>{row}</td>" in html and message in html, (row, message)
    assert "<td>2</td>" not in html
    assert "<script>alert(1)</script>" not in html
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before
    assert db.session.scalars(select(PoolImport)).all() == []


def test_import_with_missing_columns(login_as: Any, db: Any) -> None:
    coordinator = login_as("coordinator")
    response = _upload(coordinator, "nimi;sposti\nA;b\n")
    assert response.status_code == 400
    assert "Tiedostossa ei ole tämännimistä saraketta." in response.get_data(as_text=True)


def test_coordinator_edits_service_areas(db: Any, login_as: Any, client: Any, areas: Any) -> None:
    coordinator = login_as("coordinator")
    token = csrf_token(coordinator, "/pool/areas/new")
    form = {
        "csrf_token": token,
        "slug": "oral-health",
        "name_fi": "Suun terveydenhuolto",
        "name_sv": "Munhälsovård",
        "name_en": "Oral health",
        "position": "9",
        "is_active": "y",
    }
    assert coordinator.post("/pool/areas/new", data=form).status_code == 302
    # Another area with the same identifier (not the same form sent again: that would be
    # answered as already saved).
    clash = coordinator.post("/pool/areas/new", data={**form, "name_en": "Dental care"})
    assert clash.status_code == 400
    assert "Toisella palvelualueella on jo tämä tunniste." in clash.get_data(as_text=True)
    assert "Suun terveydenhuolto" in client.get("/pool/join").get_data(as_text=True)
    hidden = {**form, "is_active": ""}
    area = db.session.scalars(select(InterestArea).where(InterestArea.slug == "oral-health")).one()
    assert coordinator.post(f"/pool/areas/{area.id}", data=hidden).status_code == 302
    assert "Suun terveydenhuolto" not in client.get("/pool/join").get_data(as_text=True)
    db.session.delete(db.session.get(InterestArea, area.id))  # reference table: leave it as found
    db.session.commit()
