"""Address clusters: many apparently unrelated people giving one U.S. address.

The report found 358 people (266 surnames) giving one four-bedroom house,
spread over all eight ports so that no port saw it (Table 3, Figure 8). This
module normalises every address (``address_normalise``), groups travelers on
the normalised key, describes each group (people, apparent families with
fuzzy surnames, ports, time span, written variants), ranks groups by
surprise against the data's own addresses of the same place type
(``address_surprise``: friends and relatives do share flats, and what is
plausible depends on the place and on the data), and reports listed shelter
and sponsor addresses apart, never as suspicious.

Scale: normalisation runs once per distinct written street line (cached),
everything else is polars group-bys; the fuzzy family count runs only for
addresses with two or more distinct owner surname keys.

Example:
    >>> import polars as pl
    >>> from datetime import datetime, UTC
    >>> names = "Kim Lopez Petrov Jean Smith Haddad Silva Ortiz Nguyen Moreau Ali Chen".split()
    >>> rows = [dict(registration_id=f"R{i}", position=0, person_key=f"P{i}",
    ...     family_names=name, given_names="Ana", address_line1="12 Oak Street",
    ...     address_line2=None, city="Austin", state="TX", zip_code="78701",
    ...     created_at=datetime(2023, 1 + i % 8, 1 + 2 * i, tzinfo=UTC),
    ...     appointment_port="SYS", requested_port="SYS") for i, name in enumerate(names)]
    >>> [f.kind for f in find_address_clusters(pl.DataFrame(rows))]
    ['address_cluster']
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path

import polars as pl
from rapidfuzz import fuzz

from puerta.findings import explain as fx
from puerta.findings.explain import Sentence
from puerta.findings.value import ADDRESS_CLUSTER, KNOWN_ADDRESS, Finding, stable_key
from puerta.trends import address_normalise as an
from puerta.trends.address_surprise import INSTITUTION, surprise
from puerta.trends.families import family_key, family_labels
from puerta.trends.frame import guard

NEEDED = (
    "registration_id",
    "position",
    "person_key",
    "family_names",
    "given_names",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "zip_code",
    "created_at",
    "appointment_port",
    "requested_port",
)
"""The only columns the address analysis reads (see ``frame.guard``)."""

INSTITUTION_SHARE = 0.2
"""Share of a street address's rows written with rooms or building words
(``address_normalise.INSTITUTION_WORDS``) that makes the whole place
institution-like: one "c/o" does not turn a house into a shelter."""


@dataclass(frozen=True)
class AddressConfig:
    """Settings of the address analysis.

    Attributes:
        min_persons: Smallest group described at all.
        alpha: Expected number of addresses flagged by chance over the whole
            data (``address_surprise``): the flag threshold. A quarter: about
            one run in four shows one chance flag, which an analyst dismisses
            in a minute. Smaller misses the small planted houses (14-18 people
            arriving in 7-9 separate weeks: expected chance counts of 0.02-0.07
            on seeds 1 and 2 at scale 0.1), while the most surprising friends'
            flat in the same data sits at 0.47-0.83.
        week_days: Unrelated households whose first registrations fall in one
            such period (counted from the data's first registration) arrived
            together and count once.
        street_fuzz: rapidfuzz ratio at which two street names at the same
            house number, city and state are one street ("MIAN ST" / "MAIN ST").
        city_fuzz: ratio at which a city without ZIP joins a known spelling.
    """

    min_persons: int = 6
    alpha: float = 0.25
    week_days: int = 7
    street_fuzz: float = 85.0
    city_fuzz: float = 85.0


@dataclass(frozen=True)
class KnownAddress:
    """A listed shelter or sponsor organisation."""

    kind: str
    name: str
    street: str
    unit: str
    city: str
    state: str
    zip5: str


def load_known_addresses(path: str | Path | None = None) -> list[KnownAddress]:
    """Read a known-address list (the ``shelters.csv`` format of data-formats.md).

    Columns: ``shelter_id, kind, name, address_line1, address_line2, city,
    state, zip_code``. Without a path, the packaged default list is used.
    """
    if path is None:
        text = resources.files("puerta.trends").joinpath("data/known_addresses.csv").read_text()
    else:
        text = Path(path).read_text(encoding="utf-8")
    out = []
    for row in csv.DictReader(text.splitlines()):
        line = " ".join(filter(None, (row.get("address_line1"), row.get("address_line2"))))
        street, unit, _ = an.normalise_street(line)
        out.append(
            KnownAddress(
                kind=(row.get("kind") or "shelter").strip(),
                name=(row.get("name") or "").strip(),
                street=street,
                unit=unit,
                city=an.normalise_city(row.get("city")),
                state=an.normalise_state(row.get("state")),
                zip5=an.zip5(row.get("zip_code")),
            )
        )
    return out


def _fold_known_units(keyed: pl.DataFrame, known: list[KnownAddress]) -> pl.DataFrame:
    """Rows at a listed place without a unit lose their unit ("Room 12" at a
    shelter is the shelter), so the place is one group, reported once."""
    whole = [(k.street, k.state, k.city, k.zip5) for k in known if not k.unit]
    if not whole:
        return keyed
    places = pl.DataFrame(
        whole, schema=["street", "state_n", "k_city", "k_zip"], orient="row"
    ).unique()
    hit = (
        keyed.select("address_key", "street", "unit", "state_n", "city_c", "zip5")
        .unique()
        .join(places, on=["street", "state_n"])
        .filter((pl.col("city_c") == pl.col("k_city")) | (pl.col("zip5") == pl.col("k_zip")))
        .filter(pl.col("unit") != "")
        .select(
            "address_key",
            pl.concat_str(["street", pl.lit(""), "city_c", "state_n"], separator="|").alias("new"),
        )
        .unique(subset="address_key")
    )
    if hit.height == 0:
        return keyed
    # Replace on the key column alone: no copy of the whole row frame.
    old, new = hit["address_key"].to_list(), hit["new"].to_list()
    moved = pl.col("address_key").is_in(old)
    return keyed.with_columns(
        unit=pl.when(moved).then(pl.lit("")).otherwise("unit"),
        address_key=pl.col("address_key").replace(old, new),
    )


def _match_known(groups: pl.DataFrame, known: Iterable[KnownAddress]) -> pl.DataFrame:
    """Add ``known_kind`` / ``known_name`` to groups that are listed places.

    A listed place without a unit covers every unit at its street address
    (residents write "Room 5"); the city must agree, or the ZIP.
    """
    index: dict[tuple[str, str], list[KnownAddress]] = {}
    for k in known:
        index.setdefault((k.street, k.state), []).append(k)
    kinds: list[str | None] = []
    names: list[str | None] = []
    for street, unit, city, state, zip5 in groups.select(
        "street", "unit", "city_c", "state_n", "zip5"
    ).iter_rows():
        hit = None
        for k in index.get((street, state), ()):
            same_place = (k.zip5 and k.zip5 == zip5) or fuzz.ratio(k.city, city) >= 85
            if same_place and (not k.unit or k.unit == unit):
                hit = k
                break
        kinds.append(hit.kind if hit else None)
        names.append(hit.name if hit else None)
    return groups.with_columns(
        known_kind=pl.Series(kinds, dtype=pl.String), known_name=pl.Series(names, dtype=pl.String)
    )


def _place_types(keyed: pl.DataFrame) -> pl.DataFrame:
    """Place type per address key: the commonest written type, except that a
    street address whose rows often name rooms or building words (a shelter,
    a church, a hotel) makes all of its units institution-like."""
    street = ["street", "city_c", "state_n"]
    inst = (
        keyed.group_by(street)
        .agg((pl.col("place_type") == INSTITUTION).mean().alias("inst_share"))
        .filter(pl.col("inst_share") >= INSTITUTION_SHARE)
        .select(*street, pl.lit(True).alias("inst"))
    )
    per_key = keyed.group_by("address_key").agg(
        *[pl.col(c).first() for c in street],
        pl.col("place_type").filter(pl.col("place_type") != INSTITUTION).mode().sort().first(),
    )
    return per_key.join(inst, on=street, how="left").select(
        "address_key",
        place_type=pl.when(pl.col("inst"))
        .then(pl.lit(INSTITUTION))
        .otherwise(pl.col("place_type").fill_null("house")),
    )


def describe_groups(keyed: pl.DataFrame, config: AddressConfig) -> pl.DataFrame:
    """One row per address key: people, surnames, ports, span, and a family bound.

    Only scalars here (millions of addresses); the name lists that the fuzzy
    family count needs are gathered later, for the groups of two or more
    apparent families.
    """
    del config
    person_rows = keyed.group_by("address_key", "person_key").agg(
        pl.col("family_names").min().str.to_uppercase().str.strip_chars().alias("surname"),
        pl.col("appointment_port").drop_nulls().min().alias("port"),
        pl.col("created_at").min().alias("first_seen"),
        pl.col("created_at").max().alias("last_seen"),
    )
    groups = person_rows.group_by("address_key").agg(
        pl.len().alias("persons"),
        pl.col("surname").n_unique().alias("exact_surnames"),
        pl.col("port").is_not_null().sum().alias("holders"),
        pl.col("port").drop_nulls().n_unique().alias("appt_ports"),
        pl.col("first_seen").min(),
        pl.col("last_seen").max(),
    )
    owners = keyed.filter(pl.col("position") == pl.col("position").min().over("registration_id"))
    keys = owners.select(pl.col("family_names").unique())
    keys = keys.with_columns(
        fkey=pl.Series([family_key(s) for s in keys["family_names"].to_list()], dtype=pl.String)
    )
    bound = (
        owners.join(keys, on="family_names", how="left", nulls_equal=True)
        .group_by("address_key")
        .agg(pl.col("fkey").n_unique().alias("family_bound"))
    )
    parts = keyed.group_by("address_key").agg(
        pl.col("street").first(),
        pl.col("unit").first(),
        pl.col("city_c").first(),
        pl.col("state_n").first(),
        pl.col("zip5").filter(pl.col("zip5") != "").mode().sort().first().fill_null(""),
        pl.col("registration_id").n_unique().alias("registrations"),
        pl.col("registration_id")
        .filter(pl.col("appointment_port").is_not_null())
        .n_unique()
        .alias("won_registrations"),
        pl.coalesce("appointment_port", "requested_port").drop_nulls().n_unique().alias("ports"),
        pl.len().alias("rows"),
    )
    return (
        groups.join(parts, on="address_key")
        .join(_place_types(keyed), on="address_key", how="left")
        .join(bound, on="address_key", how="left")
    )


def _families_for(groups: pl.DataFrame, keyed: pl.DataFrame, config: AddressConfig) -> pl.DataFrame:
    """Apparent families and separate arrivals of every unlisted address.

    ``families``: fuzzy surname groups (``families.family_labels``; people on
    one registration are one family). ``arrivals``: those families counted
    once per ``config.week_days`` period of their first registration, so
    unrelated people who came together count once (see ``address_surprise``).
    Fuzzy families never outnumber the distinct ``family_key`` of
    registration owners, so addresses with one such key (most) hold one
    family and one arrival without the fuzzy count.
    """
    t0 = keyed["created_at"].min()
    week = config.week_days * 86_400
    many = groups.filter(pl.col("known_kind").is_null() & (pl.col("family_bound") >= 2))
    people = (
        keyed.join(many.select("address_key"), on="address_key")
        .group_by("address_key", "person_key")
        .agg(
            pl.col("family_names").mode().sort().first(),
            pl.col("given_names").mode().sort().first(),
            pl.col("registration_id").unique().sort().alias("regs"),
            ((pl.col("created_at").min() - pl.lit(t0)).dt.total_seconds() // week)
            .cast(pl.Int64)
            .alias("week"),
        )
        .sort("address_key", "person_key")
        .group_by("address_key", maintain_order=True)
        .agg("family_names", "given_names", "regs", "week")
    )
    fams, arrivals = [], []
    for surnames, given, regs, weeks in people.select(
        "family_names", "given_names", "regs", "week"
    ).iter_rows():
        labels = family_labels(surnames, given, regs)
        first: dict[int, int] = {}
        for label, week in zip(labels, weeks, strict=True):
            first[label] = min(week, first.get(label, week))
        fams.append(len(first))
        arrivals.append(len(set(first.values())))
    counted = people.select("address_key").with_columns(
        families=pl.Series(fams, dtype=pl.Int64), arrivals_many=pl.Series(arrivals, dtype=pl.Int64)
    )
    unlisted = pl.col("known_kind").is_null()
    return (
        groups.join(counted, on="address_key", how="left")
        .with_columns(
            families=pl.when(unlisted).then(pl.col("families").fill_null(1)),
            arrivals=pl.when(unlisted).then(pl.col("arrivals_many").fill_null(1)),
        )
        .drop("arrivals_many")
    )


def _score_groups(groups: pl.DataFrame, config: AddressConfig) -> pl.DataFrame:
    """Score the described groups by surprise (``address_surprise``); only the
    counts and the place type go in, nothing about the people themselves.

    ``plausible_persons`` (for the officer's sentence) is the largest number
    of separate arrivals the data make plausible for the place type, times
    the type's mean persons per apparent family.
    """
    scored, _ = surprise(groups, alpha=config.alpha)
    # Too few people to describe is never flagged, in the table as in the findings.
    scored = scored.with_columns(pl.col("flagged") & (pl.col("persons") >= config.min_persons))
    size = (
        scored.filter(pl.col("families").is_not_null())
        .group_by("place_type")
        .agg((pl.col("persons").sum() / pl.col("families").sum()).alias("per_family"))
    )
    return (
        scored.join(size, on="place_type", how="left")
        .with_columns(
            plausible_persons=(pl.col("plausible_arrivals") * pl.col("per_family").fill_null(1.0))
            .round(0)
            .cast(pl.Int64)
            .fill_null(0)
        )
        .drop("per_family")
    )


@dataclass
class AddressAnalysis:
    """Everything the address analysis computed, for findings and the OIG tables.

    Attributes:
        keyed: Row-level frame with ``address_key`` and its parts.
        groups: One row per address with people, families, ports, score.
        findings: Flagged clusters (highest score first), then known places.
    """

    keyed: pl.DataFrame
    groups: pl.DataFrame
    findings: list[Finding]


def _utc_day(ts: date) -> date:
    """The day of a UTC instant (``created_at`` is UTC), as today's text gave it."""
    return ts.date() if isinstance(ts, datetime) else ts


def _display(street: str, unit: str, city: str, state: str, zip5: str) -> str:
    unit_part = f" #{unit}" if unit else ""
    return f"{street}{unit_part}, {city} {state} {zip5}".strip()


def _port_counts(keyed: pl.DataFrame, keys: list[str]) -> dict[str, dict[str, int]]:
    """Per address, appointment holders by appointment port (Table 3's cells)."""
    per = (
        keyed.filter(pl.col("address_key").is_in(keys))
        .group_by("address_key", "person_key")
        .agg(pl.col("appointment_port").drop_nulls().mode().sort().first().fill_null("none"))
        .group_by("address_key", "appointment_port")
        .len()
    )
    out: dict[str, dict[str, int]] = {}
    for key, port, n in per.sort("address_key", "appointment_port").iter_rows():
        out.setdefault(key, {})[port] = n
    return out


def _explain(row: dict, ports: dict[str, int]) -> tuple[Sentence, ...]:  # type: ignore[type-arg]
    """The ten-second version for an officer, as catalog sentences (rendered at the edge)."""
    address = _display(row["street"], row["unit"], row["city_c"], row["state_n"], row["zip5"])
    seen = {"first_seen": _utc_day(row["first_seen"]), "last_seen": _utc_day(row["last_seen"])}
    at_ports = {p: n for p, n in ports.items() if p != "none"}
    if row["known_kind"]:
        gave = {"persons": row["persons"], "address": address, "known_name": row["known_name"]}
        listed = {"shelter": fx.KNOWN_SHELTER, "sponsor": fx.KNOWN_SPONSOR}
        if row["known_kind"] in listed:
            first = fx.sentence(listed[row["known_kind"]], **gave, **seen)
        else:
            first = fx.sentence(fx.KNOWN_OTHER, known_kind=row["known_kind"], **gave, **seen)
        return first, fx.sentence(fx.KNOWN_BY_DESIGN)
    counts = [
        {"port": p, "count": n} for p, n in sorted(at_ports.items(), key=lambda x: (-x[1], x[0]))
    ]
    gave = fx.sentence(
        fx.ADDRESS_GAVE,
        persons=row["persons"],
        surnames=row["exact_surnames"],
        families=row["families"],
        address=address,
        **seen,
    )
    if len(counts) > 1:
        where = fx.sentence(fx.ADDRESS_PORTS, port_count=len(counts), ports=counts)
    elif counts:
        where = fx.sentence(fx.ADDRESS_ONE_PORT, ports=counts)
    else:
        where = fx.sentence(fx.ADDRESS_NO_PORT)
    place = fx.PLACE_HOUSES.get(row["place_type"], fx.PLACE_HOUSES["po_box"])
    arrivals = fx.sentence(
        fx.ADDRESS_ARRIVALS, count=row["arrivals"], plausible=row["plausible_arrivals"]
    )
    return gave, where, fx.sentence(place, plausible=row["plausible_persons"]), arrivals


def _finding(row: dict, extra: dict, ports: dict[str, int]) -> Finding:  # type: ignore[type-arg]
    known = row["known_kind"]
    kind = KNOWN_ADDRESS if known else ADDRESS_CLUSTER
    travelers = sorted(zip(extra["registration_id"], extra["position"], strict=True))
    return Finding(
        kind=kind,
        key=stable_key(kind, row["address_key"]),
        score=float(row["score"]),
        explanation=_explain(row, ports),
        evidence={
            "address": _display(
                row["street"], row["unit"], row["city_c"], row["state_n"], row["zip5"]
            ),
            "persons": row["persons"],
            "exact_surnames": row["exact_surnames"],
            "apparent_families": row["families"],
            "registrations": row["registrations"],
            "registrations_with_appointment": row["won_registrations"],
            "holders_by_port": ports,
            "ports_used": row["ports"],
            "first_seen": row["first_seen"].isoformat(),
            "last_seen": row["last_seen"].isoformat(),
            "place_type": row["place_type"],
            "plausible_persons": row["plausible_persons"],
            "separate_arrivals": row["arrivals"],
            "plausible_arrivals": row["plausible_arrivals"],
            "expected_by_chance": row["expected"],
            "known_name": row["known_name"],
            "variants": extra["variants"],
        },
        registration_ids=tuple(sorted({r for r, _ in travelers})),
        travelers=tuple((str(r), int(p)) for r, p in travelers),
        normalised_keys=(row["address_key"],),
        flagged=not known,
    )


def _extras(keyed: pl.DataFrame, keys: list[str]) -> dict[str, dict]:  # type: ignore[type-arg]
    """Travelers and the commonest written variants of each shown address, in two group-bys."""
    rows = keyed.filter(pl.col("address_key").is_in(keys))
    travelers = rows.group_by("address_key").agg("registration_id", "position")
    variants = (
        rows.group_by("address_key", "address_line1", "address_line2", "city", "zip_code")
        .len()
        .sort(
            ["len", "address_line1", "address_line2", "city", "zip_code"],
            descending=[True, False, False, False, False],
            nulls_last=True,
        )
        .group_by("address_key", maintain_order=True)
        .head(10)
    )
    out: dict[str, dict] = {  # type: ignore[type-arg]
        k: {"registration_id": r, "position": p, "variants": []}
        for k, r, p in travelers.iter_rows()
    }
    for k, a, b, c, z, n in variants.iter_rows():
        out[k]["variants"].append({"line1": a, "line2": b, "city": c, "zip": z, "count": n})
    return out


def analyse_addresses(
    df: pl.DataFrame,
    *,
    config: AddressConfig | None = None,
    known: Iterable[KnownAddress] | None = None,
) -> AddressAnalysis:
    """Normalise, group, score and explain addresses.

    Args:
        df: An analysis frame (``frame.analysis_frame``); only ``NEEDED``
            columns are read.
        config: Thresholds; defaults suit the synthetic data.
        known: Listed shelter and sponsor addresses (``load_known_addresses``);
            None means the packaged default list.

    Returns:
        The keyed rows, the per-address table and the findings.
    """
    config = config or AddressConfig()
    known = list(known) if known is not None else load_known_addresses()
    keyed = an.key_addresses(
        guard(df, NEEDED), street_fuzz=config.street_fuzz, city_fuzz=config.city_fuzz
    )
    keyed = _fold_known_units(keyed, known)
    # Listed places first: they are reported apart, so they need no family count.
    groups = _match_known(describe_groups(keyed, config), known)
    groups = _families_for(groups, keyed, config)
    groups = _score_groups(groups, config)
    shown = groups.filter(
        (pl.col("persons") >= config.min_persons)
        & (pl.col("known_kind").is_not_null() | pl.col("flagged"))
    ).sort(
        ["known_kind", "score", "persons", "address_key"],
        descending=[False, True, True, False],
        nulls_last=False,
    )
    keys = shown["address_key"].to_list()
    ports = _port_counts(keyed, keys)
    extras = _extras(keyed, keys)
    findings = [
        _finding(row, extras[row["address_key"]], ports.get(row["address_key"], {}))
        for row in shown.iter_rows(named=True)
    ]
    return AddressAnalysis(keyed=keyed, groups=groups, findings=findings)


def find_address_clusters(
    df: pl.DataFrame,
    *,
    config: AddressConfig | None = None,
    known: Iterable[KnownAddress] | None = None,
) -> list[Finding]:
    """The findings of ``analyse_addresses``: flagged clusters, then known places."""
    return analyse_addresses(df, config=config, known=known).findings
