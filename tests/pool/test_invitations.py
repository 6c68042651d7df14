"""Invitations: sampling, fatigue, personal answer links, reminders, respondents."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, select

from portal.pool.models import InvitationRecipient, PoolMember
from portal.pool.services import (
    MemberFilter,
    PoolError,
    create_invitation,
    invitation_respondents,
    send_reminders,
)
from tests.conftest import body_text, csrf_token

LINK = re.compile(r"http://localhost(/pool/answer/\S+)")


def test_sample_is_reproducible_and_only_active_members_are_invited(
    db: Any, create_user: Any, make_member: Any, activity: Any, mailbox: Any
) -> None:
    coordinator = create_user("coordinator")
    members = [make_member() for _ in range(12)]
    paused = make_member()
    paused.status, paused.paused_until = "paused", date.today() + timedelta(days=30)
    db.session.commit()
    first = create_invitation(
        actor=coordinator, activity=activity, sample_size=5, seed="panel-2026"
    )
    chosen = set(
        db.session.scalars(
            select(InvitationRecipient.member_id).where(
                InvitationRecipient.invitation_id == first.id
            )
        )
    )
    assert len(chosen) == 5 and paused.id not in chosen
    assert first.seed == "panel-2026" and first.eligible_count == 12
    # the same seed over the same pool draws the same people (in a fresh, unfatigued state)
    from random import Random

    expected = sorted(m.id for m in members)
    Random("panel-2026").shuffle(expected)
    assert chosen == set(expected[:5])
    messages = mailbox.wait_for("@example.fi", count=5)
    assert all("kutsuttu" in m["Subject"] for m in messages)


def test_fatigue_limit_leaves_out_members_invited_often(
    app: Any, db: Any, create_user: Any, make_member: Any, activity: Any
) -> None:
    coordinator = create_user("coordinator")
    tired = make_member()
    fresh = make_member()
    settings = app.config["PORTAL"]
    app.config["PORTAL"] = dataclasses.replace(settings, pool_fatigue_max_invitations=2)
    try:
        for _ in range(2):
            create_invitation(actor=coordinator, activity=activity, member_ids=[tired.id])
        everyone = create_invitation(actor=coordinator, activity=activity)
        sample = create_invitation(actor=coordinator, activity=activity, sample_size=2, seed="s")
    finally:
        app.config["PORTAL"] = settings
    invited = set(
        db.session.scalars(
            select(InvitationRecipient.member_id).where(
                InvitationRecipient.invitation_id == everyone.id
            )
        )
    )
    assert invited == {fresh.id} and everyone.fatigued_count == 1
    # a sample larger than the fresh members is filled up with the fatigued ones
    assert sample.fatigued_count == 1
    assert (
        len(
            db.session.scalars(
                select(InvitationRecipient).where(InvitationRecipient.invitation_id == sample.id)
            ).all()
        )
        == 2
    )


def test_no_recipients_is_an_error(db: Any, create_user: Any, activity: Any) -> None:
    coordinator = create_user("coordinator")
    try:
        create_invitation(actor=coordinator, activity=activity, filters=MemberFilter(gender="man"))
    except PoolError as error:
        assert error.code == "no_recipients"
    else:
        raise AssertionError("expected an error")


def test_answer_by_personal_link_in_own_language_and_remind(
    client: Any, db: Any, create_user: Any, make_member: Any, activity: Any, mailbox: Any
) -> None:
    coordinator = create_user("coordinator")
    swede = make_member(email="sv@example.fi", locale="sv", language="sv")
    make_member(email="fi@example.fi")
    letter = make_member(email=None, contact_channel="letter", postal_address="Katu 1")
    invitation = create_invitation(
        actor=coordinator, activity=activity, message="Tervetuloa!\n<b>Welcome</b>"
    )
    sv_message = mailbox.wait_for("sv@example.fi")[0]
    assert sv_message["Subject"].startswith("Du är inbjuden till")
    assert "<b>Welcome</b>" not in sv_message.get_body(("html",)).get_content()
    link = LINK.search(body_text(sv_message)).group(1)
    page = client.get(link)
    assert page.status_code == 200 and activity.title in page.get_data(as_text=True)
    answer = client.post(
        link,
        data={"csrf_token": csrf_token(client, link), "answer": "yes", "availability": "Iltaisin"},
    )
    assert answer.status_code == 200
    recipient = db.session.scalars(
        select(InvitationRecipient).where(InvitationRecipient.member_id == swede.id)
    ).one()
    assert recipient.answer == "yes" and recipient.availability == "Iltaisin"
    # nobody gets mail on the letter channel; the coordinator sees the address instead
    assert (
        db.session.scalars(
            select(InvitationRecipient.channel).where(InvitationRecipient.member_id == letter.id)
        ).one()
        == "letter"
    )

    respondents = invitation_respondents(activity_id=activity.id)
    assert [user.id for user in respondents] == [swede.user_id]
    assert respondents[0].municipality is not None and respondents[0].birth_year == 1980

    mailbox.clear()
    assert send_reminders(actor=coordinator, invitation=invitation) == 1
    reminder = mailbox.wait_for("fi@example.fi")[0]
    assert reminder["Subject"].startswith("Muistutus")
    # a second reminder the same day is not sent
    assert send_reminders(actor=coordinator, invitation=invitation) == 0
    assert client.get("/pool/answer/not-a-token").status_code == 404


def test_invitation_through_the_coordinator_views(
    db: Any, login_as: Any, make_member: Any, activity: Any, mailbox: Any
) -> None:
    make_member(gender="man")
    make_member(gender="woman")
    coordinator = login_as("coordinator")
    url = "/pool/invitations/new?gender=man"
    page = coordinator.get(url)
    assert "1 jäsen vastaa rajauksia." in page.get_data(as_text=True)
    sent = coordinator.post(
        url,
        data={"csrf_token": csrf_token(coordinator, url), "activity": activity.id, "message": ""},
    )
    assert sent.status_code == 302
    detail = coordinator.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Kutsuttuja yhteensä" in detail
    assert len(db.session.scalars(select(InvitationRecipient)).all()) == 1
    member = db.session.scalars(select(PoolMember).join(PoolMember.user)).first()
    assert coordinator.get(f"/pool/members/{member.id}").status_code == 200
    assert coordinator.get("/pool/invitations").status_code == 200


def test_invitation_mail_task_mails_only_those_not_mailed_yet(
    db: Any, create_user: Any, make_member: Any, activity: Any, mailbox: Any
) -> None:
    from portal.core.models import OneTimeToken
    from portal.pool.services import INVITATION_PURPOSE, mail_invitation

    coordinator = create_user("coordinator")
    members = [make_member(email=f"batch{n}@example.fi") for n in range(3)]
    invitation = create_invitation(actor=coordinator, activity=activity)
    mailbox.wait_for("batch", count=3)
    assert mail_invitation.call_local(invitation.id) == 0  # a repeat run mails nobody again
    # As if the run had been cut short before the last member's mail was committed.
    last = db.session.scalars(
        select(InvitationRecipient).where(InvitationRecipient.member_id == members[-1].id)
    ).one()
    db.session.execute(
        delete(OneTimeToken).where(
            OneTimeToken.purpose == INVITATION_PURPOSE,
            OneTimeToken.subject == f"recipient:{last.id}",
        )
    )
    db.session.commit()
    assert mail_invitation.call_local(invitation.id) == 1
    assert len(mailbox.wait_for("batch2@example.fi", count=2)) == 2
    assert len(mailbox.to("batch0@example.fi")) == 1
