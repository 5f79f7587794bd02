"""The trend analysis's identities, as the draw's resolver.

Why here: the draw must see persons the way the cross-port analysis resolved
them (a typo or a swapped name defeats any key), without a copy of that
analysis. Its duplicate-person findings already list, per person, the
travelers (registration, position) that are one human; this module hands
them to the draw as a :class:`~puerta.identity.resolver.LinkedResolver` on
top of the normalised keys.

Only ``duplicate_person`` findings link ("same person": a name and birth date
corroborated by a shared phone, email, address or device). A
``possible_duplicate_person`` finding never does: it is for an analyst's
review, and a namesake keeps their own ticket.

A finding a reviewer has **dismissed** links nobody: dismissal is how an
applicant's appeal ("that is my sister, not me") takes effect, from the next
draw on. Findings under review or confirmed link, as do new ones: the
analysis's precision on the synthetic population is 0.999996
(``BENCHMARKS.md``), and a request merged by it is listed for staff review,
never silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from puerta import frames
from puerta.findings.models import Finding, FindingTraveler
from puerta.findings.value import DUPLICATE_PERSON
from puerta.identity.resolver import LinkedResolver
from puerta.lifecycle import FindingStatus

ON = ("registration_id", "traveler_index")


def identity_labels(session: Session, registration_ids: Sequence[str] | Select) -> pl.DataFrame:
    """``registration_id``, ``traveler_index``, ``identity`` (a finding id) for the
    travelers of ``registration_ids`` that a standing duplicate-person finding names.

    ``registration_ids``: a list, or a query selecting them (one statement for a
    whole pool: a list of a million is read a thousand at a time).
    """
    query = (
        select(
            FindingTraveler.registration_id,
            FindingTraveler.position.label("traveler_index"),
            Finding.id.label("identity"),
        )
        .join(Finding, Finding.id == FindingTraveler.finding_id)
        .where(
            Finding.kind == DUPLICATE_PERSON,
            Finding.status != FindingStatus.DISMISSED.value,
        )
    )
    schema = {"registration_id": pl.Utf8, "traveler_index": pl.Int64, "identity": pl.Int64}
    if isinstance(registration_ids, Select):
        return frames.frame(
            session, query.where(FindingTraveler.registration_id.in_(registration_ids)), schema
        )
    rows: list[tuple[str, int, int]] = []
    for start in range(0, len(registration_ids), 1000):
        part = registration_ids[start : start + 1000]
        rows += session.execute(query.where(FindingTraveler.registration_id.in_(part))).all()
    return pl.DataFrame(rows, schema=schema, orient="row")


def draw_resolver(session: Session, registration_ids: Sequence[str] | Select) -> LinkedResolver:
    """The draw's resolver for a pool of ``registration_ids``: keys plus standing findings.

    A person's travelers outside the pool do not matter: links among the
    pool's travelers through a finding are all the draw needs.
    """
    return LinkedResolver(identity_labels(session, registration_ids), on=ON)
