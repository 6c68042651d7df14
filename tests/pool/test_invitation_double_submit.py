"""A form sent twice is saved once: the shared resubmission guard, on the pool invitation.

The invitation mails every chosen member, so a double click that created two invitations
would mail everyone twice. The guard in :mod:`portal.core.resubmission` keys each POST by its
CSRF token, path and fields; these tests send the coordinator's invitation form twice, at the
same moment (threads, as a double click does on a server with several workers) and one after
the other, and check what the database holds and what the person sees.
"""

from __future__ import annotations

import html
import threading
import time
from typing import Any

from sqlalchemy import func, select

from portal.core.models import FormSubmission
from portal.core.resubmission import purge_form_submissions
from portal.pool.models import InvitationRecipient, PoolInvitation
from tests.conftest import csrf_token

URL = "/pool/invitations/new"


def _count(db: Any, model: Any) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _form(coordinator: Any, activity: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "csrf_token": csrf_token(coordinator, URL),
        "activity": activity.id,
        "message": "Tervetuloa!",
        **overrides,
    }


def test_two_simultaneous_sends_make_one_invitation(
    db: Any, login_as: Any, make_member: Any, activity: Any, mailbox: Any
) -> None:
    for _ in range(3):
        make_member()
    coordinator = login_as("coordinator")
    data = _form(coordinator, activity)
    second_tab = coordinator.application.test_client()
    cookie = coordinator.application.config["SESSION_COOKIE_NAME"]
    second_tab.set_cookie(cookie, coordinator.get_cookie(cookie).value)  # same browser
    barrier = threading.Barrier(2)
    responses: list[Any] = []
    errors: list[BaseException] = []

    def send(client: Any) -> None:
        try:
            barrier.wait()
            responses.append(client.post(URL, data=data))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=send, args=(c,)) for c in (coordinator, second_tab)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert _count(db, PoolInvitation) == 1
    assert _count(db, InvitationRecipient) == 3
    invitation_id = db.session.scalar(select(PoolInvitation.id))
    # Both answers lead to the one invitation, whichever came first.
    locations = sorted(r.headers["Location"] for r in responses)
    assert len(responses) == 2 and {r.status_code for r in responses} <= {302, 303}
    assert all(location.endswith(f"/pool/invitations/{invitation_id}") for location in locations)


def test_the_same_form_sent_again_says_it_was_saved_once(
    db: Any, login_as: Any, make_member: Any, activity: Any
) -> None:
    make_member()
    coordinator = login_as("coordinator")
    data = _form(coordinator, activity)
    first = coordinator.post(URL, data=data)
    again = coordinator.post(URL, data=data)
    assert first.status_code == 302 and again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    page = html.unescape(coordinator.get(again.headers["Location"]).get_data(as_text=True))
    assert "Lomake oli jo lähetetty, ja se tallennettiin kerran." in page
    assert _count(db, PoolInvitation) == 1

    # A page rendered later has a new token (Flask-WTF signs it with the time in seconds):
    # the coordinator can send a second invitation on purpose.
    time.sleep(1.05)
    assert coordinator.post(URL, data=_form(coordinator, activity)).status_code == 302
    assert _count(db, PoolInvitation) == 2


def test_a_refused_form_can_be_corrected_and_sent(
    db: Any, login_as: Any, make_member: Any, activity: Any
) -> None:
    make_member()
    coordinator = login_as("coordinator")
    data = _form(coordinator, activity, sample_size="0")
    refused = coordinator.post(URL, data=data)
    assert refused.status_code == 400
    # The refusal released the key: the same values are checked again, not waved through.
    assert coordinator.post(URL, data=data).status_code == 400
    assert _count(db, FormSubmission) == 0
    corrected = coordinator.post(URL, data={**data, "sample_size": "1"})
    assert corrected.status_code == 302
    assert _count(db, PoolInvitation) == 1


def test_expired_keys_are_purged(db: Any, login_as: Any, make_member: Any, activity: Any) -> None:
    from datetime import timedelta

    from portal.core.db import utcnow

    make_member()
    coordinator = login_as("coordinator")
    assert coordinator.post(URL, data=_form(coordinator, activity)).status_code == 302
    assert _count(db, FormSubmission) == 1
    assert purge_form_submissions() == 0
    db.session.execute(
        FormSubmission.__table__.update().values(created_at=utcnow() - timedelta(hours=5))
    )
    db.session.commit()
    assert purge_form_submissions() == 1
