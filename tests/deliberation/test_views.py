"""Participation, moderation, management and report pages through the client."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.deliberation import results, services
from portal.deliberation.models import Conversation, MathState, Statement, Vote
from tests.conftest import csrf_token
from tests.deliberation.helpers import make_conversation, vote_in_camps


@pytest.fixture
def coordinator(create_user: Any) -> Any:
    return create_user("coordinator")


def _vote_action(html: bytes) -> str:
    match = re.search(rb'action="(/deliberation/\d+/statements/\d+/vote)"', html)
    assert match, "no statement to vote on"
    return match.group(1).decode()


def test_anonymous_resident_votes_without_javascript(
    db: Any, client: Any, coordinator: Any
) -> None:
    conversation = make_conversation(coordinator)
    url = f"/deliberation/{conversation.id}"
    page = client.get(url)
    assert page.status_code == 200
    assert "osallistu_participant" in page.headers.get("Set-Cookie", "")
    token = csrf_token(client, url)
    voted = []
    for _ in range(7):
        html = client.get(url).data
        action = _vote_action(html)
        voted.append(action)
        response = client.post(action, data={"csrf_token": token, "vote": "agree"})
        assert response.status_code == 303
        assert response.headers["Location"].endswith("#current-statement")
    assert len(set(voted)) == 7, "a voted statement was shown again"
    assert db.session.scalar(select(func.count(Vote.id))) == 7
    page = client.get(url).data.decode()
    assert "Äänesi on tallennettu." in page or "Your vote is saved." in page
    votes_page = client.get(f"/deliberation/{conversation.id}/my-votes")
    assert votes_page.data.count(b'aria-pressed="true"') == 7


def test_vote_without_csrf_token_changes_nothing(db: Any, client: Any, coordinator: Any) -> None:
    conversation = make_conversation(coordinator)
    action = _vote_action(client.get(f"/deliberation/{conversation.id}").data)
    response = client.post(action, data={"vote": "agree"})
    assert response.status_code in (303, 400)
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_change_vote_from_my_votes(db: Any, client: Any, coordinator: Any) -> None:
    conversation = make_conversation(coordinator)
    url = f"/deliberation/{conversation.id}"
    token = csrf_token(client, url)
    action = _vote_action(client.get(url).data)
    client.post(action, data={"csrf_token": token, "vote": "agree"})
    response = client.post(action, data={"csrf_token": token, "vote": "disagree", "next": "votes"})
    assert response.headers["Location"].endswith("/my-votes")
    assert db.session.scalars(select(Vote.value)).all() == [-1]


def test_closed_conversation_rejects_votes_with_message(
    db: Any, client: Any, coordinator: Any
) -> None:
    conversation = make_conversation(coordinator)
    url = f"/deliberation/{conversation.id}"
    token = csrf_token(client, url)
    action = _vote_action(client.get(url).data)
    services.change_status(actor=coordinator, conversation=conversation, status="closed")
    response = client.post(
        action, data={"csrf_token": token, "vote": "agree"}, headers={"Accept-Language": "sv"}
    )
    assert response.status_code == 303
    page = client.get(url, headers={"Accept-Language": "sv"}).data.decode()
    assert "Den här diskussionen är inte öppen" in page
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_submit_statement_and_duplicate_is_shown_as_error(
    db: Any, client: Any, coordinator: Any
) -> None:
    conversation = make_conversation(coordinator)
    url = f"/deliberation/{conversation.id}"
    token = csrf_token(client, url)
    post = f"/deliberation/{conversation.id}/statements"
    response = client.post(post, data={"csrf_token": token, "text": "Lisää iltavastaanottoja"})
    assert response.status_code == 303
    response = client.post(post, data={"csrf_token": token, "text": "lisää iltavastaanottoja!"})
    assert response.status_code == 400
    assert "sama väite on jo" in response.data.decode().lower()
    assert (
        db.session.scalar(
            select(func.count(Statement.id)).where(Statement.text == "Lisää iltavastaanottoja")
        )
        == 1
    )


def test_draft_is_hidden_from_the_public(db: Any, client: Any, coordinator: Any) -> None:
    conversation = make_conversation(coordinator, status="draft")
    assert client.get(f"/deliberation/{conversation.id}").status_code == 404
    assert client.get("/deliberation/").status_code == 200


def test_report_access_and_content(
    db: Any, client: Any, coordinator: Any, login_as: Any, count_queries: Any
) -> None:
    conversation = make_conversation(coordinator)
    vote_in_camps(conversation)
    results.recompute_conversation(conversation_id=conversation.id)
    url = f"/deliberation/{conversation.id}/report"
    assert client.get(url).status_code == 302
    assert login_as("resident").get(url).status_code == 403
    decision_maker = login_as("decision_maker")
    with count_queries() as counter:
        page = decision_maker.get(url)
    assert page.status_code == 200
    assert counter.count < 25
    html = page.data.decode()
    assert 'role="img"' in html and '<title id="map-title">' in html
    assert html.count('class="map-dot') == 40
    assert "Ryhmä A" in html and "Ryhmä B" in html
    services.change_status(actor=coordinator, conversation=conversation, status="closed")
    services.change_status(actor=coordinator, conversation=conversation, status="reported")
    assert client.get(url).status_code == 200


def test_coordinator_creates_and_opens_a_conversation(db: Any, login_as: Any) -> None:
    coordinator = login_as("coordinator")
    url = "/deliberation/manage/new"
    token = csrf_token(coordinator, url)
    response = coordinator.post(
        url,
        data={
            "csrf_token": token,
            "topic_fi": "Kotihoidon kehittäminen",
            "topic_sv": "Utveckling av hemvården",
            "languages": ["fi", "sv"],
            "access": "anyone",
            "moderation": "pre",
            "participants_may_submit": "y",
            "seed_statements": "Käyntejä on liian vähän.\nHoitajat vaihtuvat liian usein.",
        },
    )
    assert response.status_code == 302
    conversation = db.session.scalars(select(Conversation)).one()
    assert conversation.moderation == "pre"
    assert len(services.statements_of(conversation)) == 2
    edit = f"/deliberation/manage/{conversation.id}"
    token = csrf_token(coordinator, edit)
    coordinator.post(
        f"/deliberation/manage/{conversation.id}/status",
        data={"csrf_token": token, "status": "open"},
    )
    db.session.expire_all()
    assert db.session.get(Conversation, conversation.id).status == "open"


def test_create_form_errors_are_shown(db: Any, login_as: Any) -> None:
    coordinator = login_as("coordinator")
    token = csrf_token(coordinator, "/deliberation/manage/new")
    response = coordinator.post(
        "/deliberation/manage/new",
        data={"csrf_token": token, "languages": ["fi"], "access": "anyone", "moderation": "post"},
    )
    assert response.status_code == 400
    assert "error-summary" in response.data.decode()


def test_moderation_queue_accept_reject_block(db: Any, login_as: Any, coordinator: Any) -> None:
    conversation = make_conversation(coordinator, moderation="pre")
    statement = services.submit_statement(
        conversation=conversation, text="Lisää kotikäyntejä iltaisin", language="fi", key="w"
    )
    moderator = login_as("coordinator")
    queue = f"/deliberation/manage/{conversation.id}/moderation"
    page = moderator.get(queue)
    assert "Lisää kotikäyntejä iltaisin" in page.data.decode()
    token = csrf_token(moderator, queue)
    moderator.post(
        f"/deliberation/manage/statements/{statement.id}/moderate",
        data={"csrf_token": token, "decision": "rejected", "reason": "Asiaton", "hidden": "y"},
    )
    db.session.expire_all()
    statement = db.session.get(Statement, statement.id)
    assert statement.status == "rejected" and statement.hidden
    moderator.post(
        f"/deliberation/manage/participants/{statement.author_id}/block",
        data={"csrf_token": token, "blocked": "1"},
    )
    db.session.expire_all()
    assert statement.author.blocked
    assert login_as("resident").get(queue).status_code == 403


def test_coordinator_edits_settings_with_local_times(
    db: Any, login_as: Any, coordinator: Any
) -> None:
    conversation = make_conversation(coordinator)
    manager = login_as("coordinator")
    url = f"/deliberation/manage/{conversation.id}"
    page = manager.get(url).data.decode()
    checked = re.findall(r'<input checked id="languages-\d" [^>]*value="(\w+)"', page)
    assert checked == ["fi", "sv"]
    token = csrf_token(manager, url)
    response = manager.post(
        url,
        data={
            "csrf_token": token,
            "topic_fi": "Uusi aihe",
            "languages": ["fi"],
            "starts_at": "2026-12-01T09:00",
            "ends_at": "2026-12-31T16:00",
            "access": "logged_in",
            "moderation": "post",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Conversation, conversation.id)
    assert saved.topic_fi == "Uusi aihe" and saved.access == "logged_in"
    assert saved.languages == "fi"
    assert saved.starts_at.hour == 7  # 09:00 in Helsinki in winter is 07:00 UTC
    assert not saved.participants_may_submit
    page = manager.get(url).data.decode()
    assert 'value="2026-12-01T09:00"' in page


def test_anonymous_votes_follow_the_account_at_sign_in(
    db: Any, client: Any, coordinator: Any, create_user: Any
) -> None:
    from tests.conftest import TEST_PASSWORD

    conversation = make_conversation(coordinator)
    url = f"/deliberation/{conversation.id}"
    token = csrf_token(client, url)
    client.post(_vote_action(client.get(url).data), data={"csrf_token": token, "vote": "agree"})
    resident = create_user("resident", email="asukas@example.fi")
    login_token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={"csrf_token": login_token, "email": "asukas@example.fi", "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    participant = services.find_participant(conversation_id=conversation.id, user=resident)
    assert participant is not None
    assert len(services.my_votes(participant)) == 1


def test_report_explains_the_map_the_timeline_and_the_list_rule(
    db: Any, client: Any, coordinator: Any, login_as: Any
) -> None:
    conversation = make_conversation(coordinator)
    keys = vote_in_camps(conversation, people=40)
    # Four people (fewer than five, and under 10 % of 40) all agree with a late statement:
    # Polis would call it consensus; the report leaves it out.
    thin = services.add_seed_statement(
        actor=coordinator,
        conversation=conversation,
        text="Pysäköinti terveysasemalla pitää olla ilmaista",
        language="fi",
    )
    for key in keys[:4]:
        services.cast_vote(conversation_id=conversation.id, statement_id=thin.id, value=1, key=key)
    results.recompute_conversation(conversation_id=conversation.id)
    summary = db.session.get(MathState, conversation.id).summary
    listed = [c["statement_id"] for c in summary["consensus"]]
    listed += [d["statement_id"] for d in summary["divisive"]]
    assert thin.id not in listed
    counts = summary["counts"]
    assert all(counts[str(sid)][2] >= 5 for sid in listed)

    html = login_as("decision_maker").get(f"/deliberation/{conversation.id}/report").data.decode()
    legend = re.search(r'<ul class="chart-legend map-legend">(.*?)</ul>', html, re.S)
    assert legend is not None
    sizes = {g["id"]: g["size"] for g in summary["groups"]}
    items = re.findall(r"Ryhmä (\w): (\d+) osallistuja", legend.group(1))
    assert len(items) == len(sizes) == 2
    assert sorted(int(n) for _label, n in items) == sorted(sizes.values())
    assert "akseleilla ei ole kiinteää merkitystä" in html.lower()
    assert "vähintään 5 osallistujaa" in html and "10 %" in html
    # The timeline is drawn by the shared chart module, with its title and summary as text.
    assert "timeline-chart" in html and "Ääniä päivässä" in html
    assert html.count('class="table-scroll"') == html.count("<table ")


def test_report_shows_the_measured_difference_from_polis(
    db: Any, coordinator: Any, login_as: Any
) -> None:
    conversation = make_conversation(coordinator)
    keys = vote_in_camps(conversation, people=40)
    # As after an import: each participant carries the group Polis gave them (their camp).
    for person, key in enumerate(keys):
        participant = services.find_participant(conversation_id=conversation.id, key=key)
        participant.polis_group = person % 2
    db.session.commit()
    results.recompute_conversation(conversation_id=conversation.id)
    summary = db.session.get(MathState, conversation.id).summary
    (difference,) = summary["differences"]
    assert (
        difference["polis_adjusted_rand_index"]["portal"]
        == (summary["comparison"]["adjusted_rand_index"])
    )
    html = login_as("decision_maker").get(f"/deliberation/{conversation.id}/report").data.decode()
    assert "Missä tämä analyysi poikkeaa Polisista" in html
    section = html[html.index("Missä tämä analyysi poikkeaa Polisista") :]
    rows = re.findall(r'<td class="number">([\d,]+)</td>', section[: section.index("</table>")])
    expected = [
        difference["polis_adjusted_rand_index"]["portal"],
        difference["polis_adjusted_rand_index"]["polis"],
    ]
    assert [float(r.replace(",", ".")) for r in rows] == [round(x, 3) for x in expected]
