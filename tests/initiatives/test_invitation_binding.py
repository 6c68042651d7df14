"""A co-initiator invitation can be accepted only by the holder of the invited address."""

from __future__ import annotations

from typing import Any

from portal.initiatives import services
from tests.conftest import body_text, csrf_token
from tests.initiatives.conftest import link_in


def _invite(owner: Any, initiative: Any, mailbox: Any, email: str) -> str:
    page = f"/initiatives/{initiative.id}"
    sent = owner.post(
        f"{page}/invite", data={"csrf_token": csrf_token(owner, page), "email": email}
    )
    assert sent.status_code == 302
    return link_in(body_text(mailbox.wait_for(email)[0]), "/invitation/")


def test_another_resident_cannot_accept_an_invitation(
    make_initiative: Any, login_as: Any, create_user: Any, mailbox: Any, db: Any
) -> None:
    initiative = make_initiative("draft")
    path = _invite(login_as(user=initiative.author), initiative, mailbox, "Invited@Example.fi")
    intruder = login_as(user=create_user("resident", email="intruder@example.fi"))

    shown = intruder.get(path, follow_redirects=True)
    assert "Kutsu lähetettiin toiseen sähköpostiosoitteeseen" in shown.get_data(as_text=True)
    token = csrf_token(intruder, "/initiatives/mine")
    refused = intruder.post(path, data={"csrf_token": token}, follow_redirects=True)
    assert "Kutsu lähetettiin toiseen sähköpostiosoitteeseen" in refused.get_data(as_text=True)
    assert initiative.id not in [i.id for i in services.initiatives_of(intruder.user)]
    assert intruder.get(f"/initiatives/{initiative.id}/edit").status_code == 403

    # the link still works for the person it was sent to
    invited = login_as(user=create_user("resident", email="invited@example.fi", locale="sv"))
    assert invited.get(path).status_code == 200
    joined = invited.post(path, data={"csrf_token": csrf_token(invited, path)})
    assert joined.status_code == 302
    assert initiative.id in [i.id for i in services.initiatives_of(invited.user)]


def test_an_unverified_address_cannot_accept(
    make_initiative: Any, login_as: Any, create_user: Any, mailbox: Any, db: Any
) -> None:
    initiative = make_initiative("draft")
    path = _invite(login_as(user=initiative.author), initiative, mailbox, "pending@example.fi")
    person = create_user("resident", email="pending@example.fi")
    person.email_verified_at = None
    db.session.commit()
    client = login_as(user=person)
    client.post(path, data={"csrf_token": csrf_token(client, "/initiatives/mine")})
    assert initiative.id not in [i.id for i in services.initiatives_of(person)]
