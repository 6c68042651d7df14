"""The vote and statement limits count verified identities, never a forged cookie."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, select

from portal.deliberation.models import VoteEvent
from portal.deliberation.views import PARTICIPANT_COOKIE
from tests.conftest import csrf_token
from tests.deliberation.helpers import make_conversation, statement_ids

STATEMENT_LIMIT_PER_MINUTE = 10


def _post_statement(client: Any, conversation_id: int, token: str, n: int) -> int:
    return client.post(
        f"/deliberation/{conversation_id}/statements",
        data={"csrf_token": token, "text": f"Uusi näkökulma numero {n} palveluista."},
    ).status_code


def test_a_forged_cookie_per_request_does_not_escape_the_limit(
    client: Any, create_user: Any, db: Any
) -> None:
    conversation = make_conversation(create_user("coordinator"))
    token = csrf_token(client, f"/deliberation/{conversation.id}")
    statuses = []
    for n in range(STATEMENT_LIMIT_PER_MINUTE + 3):
        # an attacker sends a different unsigned cookie with every request
        client.set_cookie(PARTICIPANT_COOKIE, secrets.token_urlsafe(16))
        statuses.append(_post_statement(client, conversation.id, token, n))
    assert 429 in statuses, statuses
    assert statuses.count(429) >= 3
    assert all(status != 429 for status in statuses[:STATEMENT_LIMIT_PER_MINUTE])


def test_verified_browsers_and_accounts_have_their_own_allowance(
    app: Any, login_as: Any, create_user: Any, db: Any
) -> None:
    conversation = make_conversation(create_user("coordinator"))
    url = f"/deliberation/{conversation.id}"
    # two browsers behind the same address, each with the signed cookie the portal gave it
    browsers = [app.test_client() for _ in range(2)]
    tokens = [csrf_token(browser, url) for browser in browsers]
    assert all(browser.get_cookie(PARTICIPANT_COOKIE) for browser in browsers)
    for browser, token in zip(browsers, tokens, strict=True):
        statuses = [
            _post_statement(browser, conversation.id, token, n)
            for n in range(STATEMENT_LIMIT_PER_MINUTE)
        ]
        assert 429 not in statuses, statuses
    assert _post_statement(browsers[0], conversation.id, tokens[0], 99) == 429
    # a signed-in resident on the same address is counted on their own account
    resident = login_as("resident")
    assert _post_statement(resident, conversation.id, csrf_token(resident, url), 100) != 429


VOTE_LIMIT_PER_MINUTE = 120


def test_votes_beyond_the_limit_are_refused_per_browser(
    app: Any, create_user: Any, db: Any
) -> None:
    conversation = make_conversation(create_user("coordinator"))
    url = f"/deliberation/{conversation.id}"
    sid = statement_ids(conversation)[0]
    browser, other = app.test_client(), app.test_client()
    token, other_token = csrf_token(browser, url), csrf_token(other, url)

    def vote(client: Any, csrf: str) -> int:
        return client.post(
            f"{url}/statements/{sid}/vote", data={"csrf_token": csrf, "vote": "agree"}
        ).status_code

    statuses = [vote(browser, token) for _ in range(VOTE_LIMIT_PER_MINUTE)]
    assert set(statuses) == {303}
    assert vote(browser, token) == 429
    # a second browser behind the same address has an allowance of its own
    assert vote(other, other_token) == 303
    history = db.session.scalar(select(func.count(VoteEvent.id)))
    assert history == VOTE_LIMIT_PER_MINUTE + 1
