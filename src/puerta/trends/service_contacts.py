"""Shared service contacts: one phone, e-mail or device used by very many unrelated households.

A smuggler's phone ties a handful of households; a shelter's or a legal-aid
desk's phone ties dozens, who then go to whichever port their appointment is
at. Both look like "unrelated families sharing a contact", but the second is
service by design and calling it a ring sends officers after the people it
helped. Such a contact is reported on its own (``shared_service_contact``) for
an analyst to classify (and, if it is by design, to add to the known-contacts
list, ``trends.known_contacts``); it never links a ring.

The rule is read from the data, not tuned to one population. Among the
values that link two or more apparent families, the number of families per
value is heavy-tailed, so it is looked at on a log scale, where Tukey's
"far out" fence (upper quartile plus three interquartile ranges) marks the
values that are not just a large case of the usual. The spread is taken as at
least one doubling, so a data set whose shared values are all about the same
size does not call a slightly larger one far out. A value beyond that fence
whose registrations also go to at least half of the ports in the data (many
ports: clients of a service, not one crossing plan) is a service contact.

Example:
    >>> service_fence([2, 2, 4, 4])
    32.0
    >>> is_service(families=40, ports=6, fence=32.0, data_ports=8)
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from puerta.findings import explain as fx
from puerta.findings.explain import Sentence
from puerta.findings.value import SHARED_SERVICE_CONTACT, Finding, stable_key

SERVICE_LINKS = frozenset({"phone", "email", "device"})
"""Links a service can share with its clients (a photo is one person's, never a service's)."""

MIN_SPREAD_DOUBLINGS = 1.0
"""The smallest interquartile range (log2) the fence uses: see the module docstring."""

FAR_OUT = 3.0
"""Tukey's far-out multiple of the interquartile range."""


def service_fence(families: Sequence[int]) -> float:
    """Families per value beyond which a linking value is far out (``inf`` with no values).

    Example:
        >>> service_fence([3, 3, 3])  # all alike: three doublings above the quartile
        24.0
    """
    if not len(families):
        return math.inf
    logs = np.log2(np.asarray(families, dtype=float))
    q1, q3 = np.percentile(logs, [25, 75])
    spread = max(float(q3 - q1), MIN_SPREAD_DOUBLINGS)
    return float(2 ** (q3 + FAR_OUT * spread))


def is_service(*, families: int, ports: int, fence: float, data_ports: int) -> bool:
    """Far out in families and spread over at least half the data's ports (two at least).

    Example:
        >>> is_service(families=40, ports=1, fence=32.0, data_ports=8)
        False
    """
    return families > fence and ports >= max(2, math.ceil(data_ports / 2))


def service_finding(
    *,
    link: str,
    value: str,
    registration_ids: Sequence[str],
    travelers: Sequence[tuple[str, int]],
    families: int,
    ports: int,
    fence: float,
    listed: bool,
    label: str = "",
) -> Finding:
    """The finding of one shared service contact (listed or found by the rule).

    It is never flagged: port officers do not see it as a sign about the
    travelers; analysts see it in the findings list to classify.
    """
    text: list[Sentence] = [
        fx.sentence(
            fx.SERVICE_SHARED[link],
            value=value,
            registrations=len(registration_ids),
            families=families,
            port_count=ports,
        )
    ]
    if listed:
        text.append(fx.sentence(fx.SERVICE_LISTED, label=label or value))
    else:
        text.append(fx.sentence(fx.SERVICE_CLASSIFY))
    return Finding(
        kind=SHARED_SERVICE_CONTACT,
        key=stable_key(SHARED_SERVICE_CONTACT, link, value),
        score=float(families),
        explanation=tuple(text),
        evidence={
            "link": link,
            "value": value,
            "registrations": len(registration_ids),
            "apparent_families": families,
            "ports": ports,
            "listed": listed,
            "label": label,
            "families_fence": None if math.isinf(fence) else round(fence, 1),
        },
        registration_ids=tuple(sorted(registration_ids)),
        travelers=tuple(sorted(travelers)),
        normalised_keys=(f"{link}:{value}",),
        flagged=False,
    )
