"""How surprising an address is, measured against the data's own addresses.

Friends and relatives share flats, and a city's data can hold thousands of
flats with three or five unrelated households: size alone flags them all. So
an address is judged by a tail probability: how likely is it that *some*
address of its place type holds this many separately arriving unrelated
households, if households spread over addresses as they do in this data set?

The statistic (``arrivals``) is the number of apparent families (fuzzy
surname groups, ``families.family_labels``) at the address counted once per
week of first registration: unrelated people who registered together in one
week (friends who travel and rent together) are one arrival; households that
kept coming over many weeks are many. The report's house collected 266
surnames over eight months; a friend group of ten registers in a few days.

The null distribution is fitted per place type (house, apartment, office,
P.O. box, institution) on that type's addresses in the data at hand:

* the bulk: arrival counts ``1..m`` with at least ``MIN_BIN`` addresses each
  (contiguous from 1, so a few planted outliers or a separate population of
  large places never enter the fit) give the empirical survival ``S(k)``;
* the tail beyond ``m`` decays geometrically: with the data's drop at the
  edge of the bulk, ``r = (c[m+1] + 1) / c[m]`` (``c[k]`` addresses with
  ``k`` arrivals), when only a few addresses lie beyond it (a few planted
  outliers cannot mask one another, nor can a separate population of large
  places widen the tail); when ``MIN_BIN`` or more do, they are a population
  of their own (friends' flats) and the tail starts with them, decaying at
  their own first step ``(c[m+2] + 1) / (c[m+1] + 1)``;
* beyond the bulk, people and appointments add evidence: the expected count
  is multiplied by the share of the type's addresses beyond the bulk that
  hold at least as many people (the address itself counted), and by the
  chance that at least as many of the address's registrations hold an
  appointment if each won at the data's own rate (the draw is random and
  never sees an address); the two chances are combined as independent
  ones are (the chance that their product is as low as ``x`` is
  ``x (1 - ln x)``). Friends sharing a flat are many households but
  few people (six to twelve) and win as often as anyone; the report's house
  was all of it (266 surnames, 358 appointment holders, eight ports).

When a place type has too few addresses for one bulk bin, all household
place types are pooled; when even those are too few (a small test frame),
the prior ``PRIOR_RATIO`` (each further separate arrival at one address half
as likely) is used from ``S(1) = 1``.

The flag threshold controls chance flags over the whole data: an address is
flagged when ``N_t * S_t(arrivals) * share <= alpha / T`` (``N_t`` addresses
of its type, ``share`` the people share times the appointment chance above,
1 inside the bulk,
``T`` place types present), so the expected number of addresses that would
reach their counts by chance, summed over all addresses and types, is at
most ``alpha`` (``AddressConfig.alpha``, 0.25: about one run in four has one
chance flag). The score is ``-log10`` of that expected count: "how many digits of
surprise". Institution-like places are scored and never flagged.

Example:
    >>> import polars as pl
    >>> arrivals = [1] * 200 + [2] * 80 + [3] * 20
    >>> counts = pl.DataFrame({"place_type": ["house"] * 300, "arrivals": arrivals})
    >>> fit = fit_nulls(counts)["house"]
    >>> round(fit.survival(3), 3), fit.survival(8) < 1e-3
    (0.067, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl
from scipy.stats import binom

MIN_BIN = 20
"""Addresses an arrival count needs to be part of the fitted bulk."""
PRIOR_RATIO = 0.5
"""Tail ratio used when the data are too few to fit one (conservative: the
synthetic data's tails fall by a factor of six or more per arrival)."""
INSTITUTION = "institution"
"""Place type of shelters, churches, hotels and rooms: never flagged (see ``surprise``)."""


@dataclass(frozen=True)
class NullFit:
    """A fitted distribution of separate arrivals per address of one place type.

    Attributes:
        addresses: Addresses of the type (``N_t``).
        survival_bulk: ``S(k)`` for ``k = 1..m`` (index 0 is ``S(1) = 1``).
        ratio: Geometric decay of the tail beyond ``m``.
        source: "data", "pooled" or "prior": where the fit came from.
        bulk: The last arrival count with ``MIN_BIN`` addresses; addresses
            beyond it are "the tail", where people per address add evidence.
    """

    addresses: int
    survival_bulk: tuple[float, ...]
    ratio: float
    source: str
    bulk: int = 1

    def survival(self, k: int) -> float:
        """P(arrivals >= k) under the fit."""
        if k <= 1:
            return 1.0
        m = len(self.survival_bulk)
        if k <= m:
            return self.survival_bulk[k - 1]
        return self.survival_bulk[-1] * self.ratio ** (k - m)

    def expected(self, k: int) -> float:
        """Addresses of this type expected to reach ``k`` by chance."""
        return max(self.addresses, 1) * self.survival(k)

    def plausible(self, threshold: float) -> int:
        """The largest arrival count not flagged at ``threshold`` expected chance hits."""
        k = 1
        while self.expected(k + 1) > threshold and k < 10_000:
            k += 1
        return k


def _fit(counts: dict[int, int], source: str) -> NullFit | None:
    """Bulk survival and tail ratio from ``arrivals -> addresses``; None if too few.

    A bulk of one bin is enough: where hundreds of addresses hold one
    household each and none holds two, a second separate arrival is rare.

    The tail ratio is the drop from the last bulk count to the next one,
    ``(c[m+1] + 1) / c[m]``: the data's own edge, untouched by whatever lies
    further out (a few planted outliers cannot mask one another, and a
    separate population of large places cannot widen the tail). When the
    addresses beyond the bulk are themselves a population (``MIN_BIN`` or
    more: friends' flats, say), ``S(m+1)`` is theirs and the ratio is their
    own first step, ``(c[m+2] + 1) / (c[m+1] + 1)``.
    """
    n = sum(counts.values())
    m = 0
    while counts.get(m + 1, 0) >= MIN_BIN:
        m += 1
    if m < 1:
        return None
    at_least, survival = n, []
    for k in range(1, m + 1):
        survival.append(at_least / n)
        at_least -= counts.get(k, 0)
    bulk = m
    if at_least >= MIN_BIN:
        survival.append(at_least / n)
        ratio = (counts.get(m + 2, 0) + 1) / (counts.get(m + 1, 0) + 1)
    else:
        ratio = (counts.get(m + 1, 0) + 1) / counts[m]
    return NullFit(n, tuple(survival), min(1.0, ratio), source, bulk)


def fit_nulls(groups: pl.DataFrame) -> dict[str, NullFit]:
    """One ``NullFit`` per place type of ``groups`` (columns place_type, arrivals)."""
    table = groups.group_by("place_type", "arrivals").len().iter_rows()
    per: dict[str, dict[int, int]] = {}
    for place, k, n in table:
        per.setdefault(place, {})[int(k)] = n
    pooled: dict[int, int] = {}
    for place, counts in per.items():
        if place != INSTITUTION:
            for k, n in counts.items():
                pooled[k] = pooled.get(k, 0) + n
    pooled_fit = _fit(pooled, "pooled")
    out: dict[str, NullFit] = {}
    for place, counts in per.items():
        n = sum(counts.values())
        fit = _fit(counts, "data") or pooled_fit
        if fit is None:
            fit = NullFit(addresses=n, survival_bulk=(1.0,), ratio=PRIOR_RATIO, source="prior")
        elif fit.source == "pooled":
            fit = NullFit(n, fit.survival_bulk, fit.ratio, "pooled", fit.bulk)
        out[place] = fit
    return out


def _tail_factor(
    tails: dict[str, list[int]], place: str, k: int, persons: int, fit: NullFit
) -> float:
    """Among the addresses of the type beyond the bulk, the share holding at
    least as many people (the address itself counted). Friends who share a
    flat are many households but few people. 1.0 inside the bulk."""
    if k <= fit.bulk:
        return 1.0
    values = tails.get(place, [])
    at_least = sum(1 for p in values if p >= persons)
    return max(at_least, 1) / (len(values) + 1)


def _draw_factor(won: int, registrations: int, win_rate: float) -> float:
    """P(at least ``won`` of the address's registrations hold an appointment)
    if each won at the data's own rate, independently: the draw is random and
    never sees an address, so an address whose households nearly all hold
    appointments (the report's Table 3: 358 appointment holders at one
    house) is unlikely by chance, while friends sharing a flat hold them as
    often as anyone."""
    if won <= 0 or registrations <= 0 or win_rate <= 0.0:
        return 1.0
    if win_rate >= 1.0:
        return 1.0
    return float(binom.sf(won - 1, registrations, win_rate))


def surprise(
    groups: pl.DataFrame, *, alpha: float = 0.25
) -> tuple[pl.DataFrame, dict[str, NullFit]]:
    """Add ``expected`` (chance addresses at least as extreme), ``score``
    (-log10 of it), ``plausible_arrivals`` and ``flagged`` to ``groups``.

    ``groups`` needs ``place_type``, ``arrivals`` (null for listed places,
    which are neither fitted nor flagged), ``persons``, ``registrations``
    and ``won_registrations`` (registrations with an appointment).
    Institution-like addresses
    (shelters, churches, hotels, rooms) are scored but never flagged: many
    unrelated people there are what the place is for, so even without the
    known-address list they never outrank a house.
    """
    fitted = groups.filter(pl.col("arrivals").is_not_null())
    nulls = fit_nulls(fitted)
    types = max(1, len(nulls))
    threshold = alpha / types
    cols = ("place_type", "arrivals", "persons", "registrations", "won_registrations")
    tails: dict[str, list[int]] = {}
    for place, k, persons, _, _ in fitted.select(cols).iter_rows():
        if place in nulls and k > nulls[place].bulk:
            tails.setdefault(place, []).append(int(persons))
    regs = fitted["registrations"].sum()
    win_rate = fitted["won_registrations"].sum() / regs if regs else 0.0
    expected, plausible = [], []
    for place, k, persons, n_regs, won in groups.select(cols).iter_rows():
        fit = nulls.get(place)
        if fit is None or k is None:
            expected.append(None)
            plausible.append(None)
            continue
        factor = 1.0
        if k > fit.bulk:
            factor = _tail_factor(tails, place, k, int(persons), fit)
            draw = _draw_factor(int(won), int(n_regs), win_rate)
            if draw < 1.0:
                # Two independent chances multiplied: the chance that such a
                # product falls this low is x (1 - ln x), not x (Fisher's
                # method). Without an appointment (or where everyone holds
                # one) the draw tells nothing and is left out.
                both = factor * draw
                factor = min(1.0, both * (1.0 - math.log(both)))
        expected.append(fit.expected(int(k)) * factor)
        plausible.append(fit.plausible(threshold))
    exp = pl.Series(expected, dtype=pl.Float64)
    out = groups.with_columns(
        expected=exp,
        score=(-exp.clip(lower_bound=1e-300).log10()).fill_null(0.0).round(2),
        plausible_arrivals=pl.Series(plausible, dtype=pl.Int64),
    )
    out = out.with_columns(
        flagged=(pl.col("expected") <= threshold).fill_null(False)
        & (pl.col("place_type") != INSTITUTION)
    )
    return out, nulls
