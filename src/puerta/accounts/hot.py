"""The signed-in applicant, as SQL the hot path's statements start from.

Why SQL: the rush's calls check the caller's session, account and ownership
of the registration inside their one statement (``puerta.statements``), not
in a query of their own. Any statement that reads ``FROM`` :data:`FROM_OWNED`
(and puts :data:`WHERE_OWNED` before its own
conditions) gets a row only when all of these hold, the same rules as
:func:`puerta.accounts.service.session_for_token` and the ``Applicant``
access check: the token's session is not revoked and not expired, its
account is active and an applicant's, and the registration is that
account's. A statement that gets no row leaves the refusal to the ORM path,
which says which rule failed.

Parameters: ``token_hash`` (:func:`puerta.accounts.service.token_hash`),
``now`` (an aware datetime) and ``registration_id``; tables ``s`` (session),
``u`` (account) and ``r`` (registration) are in scope after it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.types import TypeEngine

from puerta.db import UTCDateTime

FROM_OWNED = """
  FROM auth_sessions s
  JOIN users u ON u.id = s.user_id
  JOIN registrations r ON r.owner_id = u.id
"""
WHERE_OWNED = """
 WHERE s.token_hash = :token_hash AND s.revoked_at IS NULL AND s.expires_at > :now
   AND u.is_active = true AND u.role = 'applicant'
   AND r.id = :registration_id
"""

PARAMS: dict[str, TypeEngine[Any]] = {
    "token_hash": String(),
    "now": UTCDateTime(),
    "registration_id": String(),
}
