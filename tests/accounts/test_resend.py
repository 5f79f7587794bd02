"""Asking for a new verification code never tells whether an address has an account."""

from __future__ import annotations

from sqlalchemy import func, select

from puerta.accounts.models import OutboxMessage
from tests.api_support import Api

RESEND = "/api/v1/accounts/verify/resend"


def _mails(api: Api, to: str) -> int:
    with api.db.session() as s:
        return s.scalar(select(func.count()).where(OutboxMessage.to_address == to)) or 0


def test_unknown_verified_and_rate_limited_look_the_same(api: Api) -> None:
    api.sign_up_verified("done@example.org")
    r = api.client.post(
        "/api/v1/accounts", json={"email": "new@example.org", "password": "correct horse battery"}
    )
    assert r.status_code == 201, r.text
    assert _mails(api, "new@example.org") == 1  # the sign-up's code, sent just now

    answers = {
        email: api.client.post(RESEND, json={"email": email})
        for email in ("nobody@example.org", "done@example.org", "new@example.org")
    }
    seen = {(r.status_code, r.headers["content-type"], r.content) for r in answers.values()}
    assert len(seen) == 1, {email: (r.status_code, r.text) for email, r in answers.items()}
    assert answers["nobody@example.org"].status_code == 202
    # No mail went out: not to the unknown address, not again to the verified
    # one, and the rate limit held for the one that had a code a moment ago.
    assert _mails(api, "nobody@example.org") == 0
    assert _mails(api, "done@example.org") == 1
    assert _mails(api, "new@example.org") == 1

    api.clock.advance(seconds=61)
    later = api.client.post(RESEND, json={"email": "new@example.org"})
    assert (later.status_code, later.content) == (202, answers["nobody@example.org"].content)
    assert _mails(api, "new@example.org") == 2
