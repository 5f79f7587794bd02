"""Shared-contact rings: unrelated people tied together by one phone, e-mail, device or photo.

A family shares a phone; a stranger does not. When registrations of several
apparently unrelated households (different surnames, fuzzily compared) give
the same phone number, e-mail address, device or photo, someone is likely
registering them all: a smuggler's phone, a paid helper's device, a reused
photo. Registrations are the nodes; each shared value links its registrations
as a star (k registrations, k-1 edges); rings are the connected components
(``components.connected_components``), so a value shared by thousands costs
thousands of edges, not millions of pairs.

Components whose registrations mostly re-list the *same* people are the
group-inclusion trick (every household registering all of them) rather than a
ring; they are kept, but labelled ``pattern = "group_inclusion"``.

Example:
    >>> import polars as pl
    >>> df = pl.DataFrame({"registration_id": ["R1", "R2", "R3", "R4"],
    ...     "position": [0, 0, 0, 0], "person_key": ["a", "b", "c", "d"],
    ...     "family_names": ["Kim", "Lopez", "Petrov", "Lopez"], "given_names": ["Ana"] * 4,
    ...     "phone": ["+5215550001", "+5215550001", "+5215550001", "+5215559999"]})
    >>> [(f.kind, f.registration_ids) for f in find_rings(df)]
    [('shared_contact_ring', ('R1', 'R2', 'R3'))]
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from puerta.findings import explain as fx
from puerta.findings.explain import Sentence
from puerta.findings.value import SHARED_CONTACT_RING, Finding, stable_key
from puerta.trends.components import connected_components, star_edges
from puerta.trends.families import count_families, family_key, family_labels
from puerta.trends.frame import guard

NEEDED = ("registration_id", "position", "person_key", "family_names", "given_names")
OPTIONAL = ("phone", "email", "device_id", "photo_sha256", "account_id")
"""The only columns the ring analysis reads (see ``frame.guard``)."""

LINKS = {"phone": "phone", "email": "email", "device": "device_id", "photo": "photo_sha256"}


@dataclass(frozen=True)
class RingConfig:
    """Thresholds of the ring analysis.

    Attributes:
        links: Which shared values link registrations (keys of ``LINKS``).
        min_families: Apparent families (fuzzy surnames) a ring must join.
        min_link_families: Families that must carry one value for it to link.
        min_registrations: Registrations a ring must hold.
        max_inclusion: Above this share of people listed under several owner
            families a component is the group-inclusion pattern, not a ring.
        ignore_values: Contact values never used as links (a shelter's phone).
    """

    links: tuple[str, ...] = ("phone", "email", "device", "photo")
    min_families: int = 3
    min_link_families: int = 2
    min_registrations: int = 3
    max_inclusion: float = 0.3
    ignore_values: frozenset[str] = frozenset()


REGISTRATION_LEVEL = frozenset({"device"})
"""Links that belong to the registration (carried by its owner), not to a traveler."""


def _link_values(df: pl.DataFrame, config: RingConfig) -> pl.DataFrame:
    """(link, value, registration id) for values that join two or more apparent families.

    A value is *carried* by the travelers whose row holds it (a phone, an
    e-mail, a photo) or, for a device, by the registration's owner. A value
    carried by one family only (one person's own phone on all their
    registrations, a household's device) links nothing: that is a duplicate
    or a family, not a ring. This also keeps the group-inclusion trick, where
    each person's own phone appears on every household's registration, from
    chaining rings together.
    """
    parts = []
    owner = pl.col("position") == pl.col("position").min().over("registration_id")
    for link in config.links:
        col = LINKS[link]
        if col not in df.columns:
            continue
        value = pl.col(col).cast(pl.String).str.strip_chars()
        if link == "phone":
            value = value.str.replace_all(r"[^0-9]", "")
        elif link == "email":
            value = value.str.to_lowercase()
        rows = df.filter(owner) if link in REGISTRATION_LEVEL else df
        keyed = rows.select(value.alias("value"), "registration_id").filter(
            pl.col("value").is_not_null()
            & (pl.col("value").str.len_chars() > 0)
            & ~pl.col("value").is_in(list(config.ignore_values))
        )
        # Values on two or more registrations are few: find them on two narrow
        # columns, then fetch the carriers' names for those values only.
        shared = (
            keyed.group_by("value")
            .agg(pl.col("registration_id").n_unique().alias("regs"))
            .filter(pl.col("regs") > 1)
            .select("value")
        )
        carried = (
            rows.with_columns(value.alias("value"))
            .join(shared, on="value")
            .select(
                pl.lit(link).alias("link"),
                "value",
                "registration_id",
                "person_key",
                "family_names",
                "given_names",
            )
        )
        parts.append(carried)
    empty = {"link": pl.String, "value": pl.String, "registration_id": pl.String}
    if not parts:
        return pl.DataFrame(schema=empty)
    values = pl.concat(parts)
    carriers = (
        values.select("link", "value", "family_names", "given_names", "registration_id")
        .unique()
        .group_by("link", "value")
        .agg(
            "family_names",
            "given_names",
            pl.col("registration_id").alias("regs"),
            pl.col("family_names").str.to_uppercase().n_unique().alias("surnames"),
        )
    )
    carriers = carriers.filter(pl.col("surnames") >= config.min_link_families)
    # Cheap upper bound first: distinct family keys (one family per key).
    bound = [
        len({family_key(f) for f in fs}) >= config.min_link_families
        for fs in carriers["family_names"].to_list()
    ]
    carriers = carriers.filter(pl.Series(bound, dtype=pl.Boolean))
    fams = [
        count_families(f, g, [[r] for r in rs])
        for f, g, rs in zip(
            carriers["family_names"].to_list(),
            carriers["given_names"].to_list(),
            carriers["regs"].to_list(),
            strict=True,
        )
    ]
    linking = carriers.with_columns(families=pl.Series(fams, dtype=pl.Int64)).filter(
        pl.col("families") >= config.min_link_families
    )
    return (
        values.join(linking.select("link", "value"), on=["link", "value"])
        .select("link", "value", "registration_id")
        .unique()
    )


def ring_components(
    df: pl.DataFrame, config: RingConfig | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Registration -> component label, for registrations sharing any link value.

    Returns:
        (registration id -> ``ring`` label, the link members behind the edges).
    """
    config = config or RingConfig()
    values = _link_values(df, config)
    ids = values.select("registration_id").unique(maintain_order=True).with_row_index("node")
    members = values.join(ids, on="registration_id").with_columns(
        group=pl.concat_str(["link", "value"], separator=":")
    )
    a, b = star_edges(members, "group", "node")
    labels = connected_components(ids.height, a, b)
    return ids.with_columns(ring=pl.Series(labels, dtype=pl.Int64)), members


def inclusion_share(rows: pl.DataFrame) -> float:
    """Share of a component's people listed on registrations of two or more owner families.

    In the group-inclusion trick every household registers everyone, so most
    people appear under several owners' families. In a ring each household
    registers itself (repeatedly, perhaps), so almost nobody does; a spouse
    with another surname is still under one owner family.

    Example:
        >>> rows = pl.DataFrame({"registration_id": ["R1", "R1", "R2", "R2"],
        ...     "position": [0, 1, 0, 1], "person_key": ["a", "b", "b", "a"],
        ...     "family_names": ["Kim", "Lopez", "Lopez", "Kim"],
        ...     "given_names": ["A", "B", "B", "A"]})
        >>> inclusion_share(rows)
        1.0
    """
    people = rows.group_by("person_key").agg(
        pl.col("family_names").mode().sort().first(), pl.col("given_names").mode().sort().first()
    )
    fam = family_labels(people["family_names"].to_list(), people["given_names"].to_list())
    labels = dict(zip(people["person_key"], fam, strict=True))
    owners = {
        r: labels[k]
        for r, pos, k in rows.select("registration_id", "position", "person_key").iter_rows()
        if pos == 0
    }
    seen: dict[str, set[int]] = {}
    for r, k in rows.select("registration_id", "person_key").iter_rows():
        if r in owners:
            seen.setdefault(k, set()).add(owners[r])
    if not seen:
        return 0.0
    return round(sum(len(v) > 1 for v in seen.values()) / len(seen), 3)


def score_ring(registrations: int, families: int, link_types: int, overlap: float) -> float:
    """More unrelated households and more kinds of shared contact, higher score.

    Example:
        >>> score_ring(8, 6, 2, 0.0)
        8.5
    """
    del overlap  # reported, not scored: both patterns deserve a look
    return round((families - 1) * (1 + 0.5 * (link_types - 1)) + math.log2(registrations) / 3, 1)


def _describe(
    comps: pl.DataFrame, members: pl.DataFrame, rows: pl.DataFrame, config: RingConfig
) -> pl.DataFrame:
    """One row per component of 2+ registrations: counts and the families in it."""
    sizes = (
        comps.group_by("ring")
        .len("registrations")
        .filter(pl.col("registrations") >= config.min_registrations)
    )
    rows = rows.join(
        comps.join(sizes, on="ring").select("registration_id", "ring"), on="registration_id"
    )
    persons = rows.group_by("ring", "person_key").agg(
        pl.col("family_names").mode().sort().first(),
        pl.col("given_names").mode().sort().first(),
        pl.col("registration_id").unique().alias("regs"),
    )
    desc = persons.group_by("ring").agg(
        "family_names", "given_names", "regs", pl.len().alias("persons")
    )
    desc = desc.join(rows.group_by("ring").len("rows"), on="ring").join(sizes, on="ring")
    desc = desc.with_columns(
        families=pl.Series(
            [
                count_families(f, g, rs)
                for f, g, rs in zip(
                    desc["family_names"].to_list(),
                    desc["given_names"].to_list(),
                    desc["regs"].to_list(),
                    strict=True,
                )
            ],
            dtype=pl.Int64,
        ),
        overlap=1 - pl.col("persons") / pl.col("rows"),
    )
    links = (
        members.join(comps.select("registration_id", "ring"), on="registration_id")
        .group_by("ring", "link", "value")
        .agg(pl.col("registration_id").n_unique().alias("n"))
        .filter(pl.col("n") > 1)
    )
    link_summary = links.group_by("ring").agg(
        pl.col("link").n_unique().alias("link_types"),
        pl.struct("link", "value", "n")
        .sort_by(["n", "link", "value"], descending=[True, False, False])
        .head(10)
        .alias("shared"),
    )
    return desc.join(link_summary, on="ring", how="left")


def _explain(row: dict, shared: list, by_link: dict[str, int]) -> tuple[Sentence, ...]:  # type: ignore[type-arg]
    """The ten-second version for an officer, as catalog sentences (rendered at the edge)."""
    links = [{"link": k, "count": n} for k, n in sorted(by_link.items())]
    text = [
        fx.sentence(
            fx.RING_TIED,
            registrations=row["registrations"],
            persons=row["persons"],
            families=row["families"],
            links=links,
        )
    ]
    if shared:
        top = shared[0]
        text.append(fx.sentence(fx.RING_TOP[top["link"]], value=top["value"], count=top["n"]))
    if row["pattern"] == "group_inclusion":
        text.append(fx.sentence(fx.RING_GROUP_INCLUSION))
    return tuple(text)


def _finding(row: dict, rows: pl.DataFrame) -> Finding:  # type: ignore[type-arg]
    shared = row["shared"] or []
    ids = sorted(rows["registration_id"].unique().to_list())
    trav = rows.select("registration_id", "position").unique().sort("registration_id", "position")
    by_link: dict[str, int] = {}
    for s in shared:
        by_link[s["link"]] = by_link.get(s["link"], 0) + 1
    text = _explain(row, shared, by_link)
    return Finding(
        kind=SHARED_CONTACT_RING,
        key=stable_key(SHARED_CONTACT_RING, ids[0]),
        score=float(row["score"]),
        explanation=text,
        evidence={
            "registrations": row["registrations"],
            "persons": row["persons"],
            "apparent_families": row["families"],
            "exact_surnames": len({" ".join(s.upper().split()) for s in row["family_names"] if s}),
            "person_overlap": round(row["overlap"], 3),
            "inclusion_share": row["inclusion"],
            "pattern": row["pattern"],
            "shared_values": [dict(s) for s in shared],
        },
        registration_ids=tuple(ids),
        travelers=tuple((str(r), int(p)) for r, p in trav.iter_rows()),
        normalised_keys=tuple(f"{s['link']}:{s['value']}" for s in shared),
    )


def find_rings(df: pl.DataFrame, config: RingConfig | None = None) -> list[Finding]:
    """Ring findings, highest score first.

    Args:
        df: An analysis frame; only ``NEEDED`` and ``OPTIONAL`` columns are read.
        config: Thresholds and the link types to use.

    Returns:
        One finding per component of at least ``min_registrations``
        registrations joining at least ``min_families`` apparent families.
    """
    config = config or RingConfig()
    df = guard(df, NEEDED, optional=OPTIONAL)
    comps, members = ring_components(df, config)
    if comps.height == 0:
        return []
    rows = df.select("registration_id", "position", "person_key", "family_names", "given_names")
    desc = _describe(comps, members, rows, config).filter(pl.col("families") >= config.min_families)
    scores = [
        score_ring(r, f, lt or 1, o)
        for r, f, lt, o in desc.select(
            "registrations", "families", "link_types", "overlap"
        ).iter_rows()
    ]
    keep = desc["ring"].to_list()
    ring_rows = rows.join(
        comps.filter(pl.col("ring").is_in(keep)), on="registration_id"
    ).partition_by("ring", as_dict=True)
    inclusion = [inclusion_share(ring_rows[(k,)]) for k in keep]
    desc = desc.with_columns(
        score=pl.Series(scores, dtype=pl.Float64),
        inclusion=pl.Series(inclusion, dtype=pl.Float64),
    ).with_columns(
        pattern=pl.when(pl.col("inclusion") > config.max_inclusion)
        .then(pl.lit("group_inclusion"))
        .otherwise(pl.lit("shared_contact")),
    )
    findings = [_finding(row, ring_rows[(row["ring"],)]) for row in desc.iter_rows(named=True)]
    return sorted(findings, key=lambda f: (-f.score, f.key))


def findings_frame(findings: Iterable[Finding]) -> pl.DataFrame:
    """(finding key, registration id) pairs: handy for joining findings back to rows."""
    pairs = [(f.key, r) for f in findings for r in f.registration_ids]
    return pl.DataFrame(pairs, schema=["key", "registration_id"], orient="row")
