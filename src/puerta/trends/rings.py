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

Three things never link a ring. A contact on the list of contacts shared by
design (``trends.known_contacts``: a shelter's phone) and a contact far out in
families and ports (``trends.service_contacts``: an aid organisation's) are
reported apart as ``shared_service_contact``, unflagged, for an analyst to
classify. A registration a burst already holds joins no ring through its
device or e-mail: a bot rotating devices is the burst's finding, not a ring.
Contacts are compared as ``puerta.contacts`` keys them (``phone`` as
``phone_key``, e-mails by ``email_key``), whatever the data's source.

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
from dataclasses import dataclass, field

import polars as pl

from puerta.contacts import normalise_contacts
from puerta.findings import explain as fx
from puerta.findings.explain import Sentence
from puerta.findings.value import SHARED_CONTACT_RING, Finding, stable_key
from puerta.trends import service_contacts
from puerta.trends.components import connected_components, star_edges
from puerta.trends.families import count_families, family_key, family_labels
from puerta.trends.frame import guard
from puerta.trends.known_contacts import KnownContacts

NEEDED = ("registration_id", "position", "person_key", "family_names", "given_names")
OPTIONAL = (
    "phone",
    "email",
    "email_key",
    "device_id",
    "photo_sha256",
    "account_id",
    "appointment_port",
    "requested_port",
)
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
        ignore_values: Values never used as links nor reported (any link type).
        known: Contacts shared by design (``trends.known_contacts``): never
            links, reported as ``shared_service_contact`` and not flagged.
    """

    links: tuple[str, ...] = ("phone", "email", "device", "photo")
    min_families: int = 3
    min_link_families: int = 2
    min_registrations: int = 3
    max_inclusion: float = 0.3
    ignore_values: frozenset[str] = frozenset()
    known: KnownContacts = field(default_factory=KnownContacts)


REGISTRATION_LEVEL = frozenset({"device"})
"""Links that belong to the registration (carried by its owner), not to a traveler."""

SCRIPTED_LINKS = frozenset({"device", "email"})
"""Links a script rotates or mints (bots on rotating devices, ``+tag`` e-mails): a
registration a burst already explains is not a ring member through them."""

PORTS = ("appointment_port", "requested_port")


def _value_expr(df: pl.DataFrame, link: str) -> pl.Expr:
    """The value a link compares: phones and mailboxes as ``puerta.contacts`` keys them."""
    if link == "email" and "email_key" in df.columns:
        return pl.col("email_key")
    return pl.col(LINKS[link]).cast(pl.String).str.strip_chars()


def _carriers(
    df: pl.DataFrame, config: RingConfig, explained: frozenset[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Values that two or more apparent families carry, with who carries them.

    A value is *carried* by the travelers whose row holds it (a phone, an
    e-mail, a photo) or, for a device, by the registration's owner. A value
    carried by one family only (one person's own phone on all their
    registrations, a household's device) links nothing: that is a duplicate
    or a family, not a ring. This also keeps the group-inclusion trick, where
    each person's own phone appears on every household's registration, from
    chaining rings together.

    Returns:
        (link, value, registration id, position) of every carrier row, and per
        (link, value): ``regs``, ``families`` and ``ports`` (distinct ports
        its registrations go to).
    """
    parts = []
    owner = pl.col("position") == pl.col("position").min().over("registration_id")
    ports = [c for c in PORTS if c in df.columns]
    port = pl.coalesce(ports) if ports else pl.lit(None, dtype=pl.String)
    for link in config.links:
        col = LINKS[link]
        if col not in df.columns:
            continue
        value = _value_expr(df, link)
        rows = df.filter(owner) if link in REGISTRATION_LEVEL else df
        if link in SCRIPTED_LINKS and explained:
            rows = rows.filter(~pl.col("registration_id").is_in(list(explained)))
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
            rows.with_columns(value.alias("value"), port.alias("port"))
            .join(shared, on="value")
            .select(
                pl.lit(link).alias("link"),
                "value",
                "registration_id",
                "position",
                "person_key",
                "family_names",
                "given_names",
                "port",
            )
        )
        parts.append(carried)
    empty_values = pl.DataFrame(
        schema={
            "link": pl.String,
            "value": pl.String,
            "registration_id": pl.String,
            "position": pl.Int32,
        }
    )
    empty = pl.DataFrame(
        schema={
            "link": pl.String,
            "value": pl.String,
            "regs": pl.List(pl.String),
            "families": pl.Int64,
            "ports": pl.UInt32,
        }
    )
    if not parts:
        return empty_values, empty
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
    port_counts = values.group_by("link", "value").agg(
        pl.col("port").drop_nulls().n_unique().alias("ports")
    )
    linking = (
        carriers.with_columns(families=pl.Series(fams, dtype=pl.Int64))
        .filter(pl.col("families") >= config.min_link_families)
        .with_columns(pl.col("regs").list.unique().list.sort())
        .join(port_counts, on=["link", "value"])
        .select("link", "value", "regs", "families", "ports")
    )
    carrier_rows = values.join(linking.select("link", "value"), on=["link", "value"]).select(
        "link", "value", "registration_id", "position"
    )
    return carrier_rows.unique(), linking


def _split(
    carriers: pl.DataFrame, config: RingConfig, data_ports: int
) -> tuple[pl.DataFrame, pl.DataFrame, float]:
    """(linking values, service and listed values with a ``listed`` flag, the fence)."""
    listed = pl.lit(False)
    for link in ("phone", "email"):
        values = list(config.known.values(link))
        if values:
            listed = listed | ((pl.col("link") == link) & pl.col("value").is_in(values))
    carriers = carriers.with_columns(listed=listed)
    eligible = carriers.filter(
        pl.col("link").is_in(list(service_contacts.SERVICE_LINKS)) & ~pl.col("listed")
    )
    fence = service_contacts.service_fence(eligible["families"].to_list())
    service = [
        link in service_contacts.SERVICE_LINKS
        and service_contacts.is_service(families=f, ports=p, fence=fence, data_ports=data_ports)
        for link, f, p in carriers.select("link", "families", "ports").iter_rows()
    ]
    carriers = carriers.with_columns(service=pl.Series(service, dtype=pl.Boolean))
    apart = pl.col("listed") | pl.col("service")
    return carriers.filter(~apart), carriers.filter(apart), fence


def _service_findings(
    apart: pl.DataFrame, rows: pl.DataFrame, config: RingConfig, fence: float
) -> list[Finding]:
    """One unflagged finding per listed or far-out shared contact."""
    if apart.height == 0:
        return []
    by_value = rows.join(apart.select("link", "value"), on=["link", "value"]).partition_by(
        "link", "value", as_dict=True
    )
    out = []
    for link, value, regs, families, ports, listed in apart.select(
        "link", "value", "regs", "families", "ports", "listed"
    ).iter_rows():
        carriers = by_value[(link, value)]
        out.append(
            service_contacts.service_finding(
                link=link,
                value=value,
                registration_ids=regs,
                travelers=[
                    (str(r), int(p))
                    for r, p in carriers.select("registration_id", "position").iter_rows()
                ],
                families=families,
                ports=ports,
                fence=fence,
                listed=listed,
                label=config.known.label(link, value) if listed else "",
            )
        )
    return out


@dataclass(frozen=True)
class RingLinks:
    """What links registrations, and what was set apart from linking."""

    comps: pl.DataFrame
    """Registration id -> ``ring`` label."""
    members: pl.DataFrame
    """The (link, value, registration id) members behind the edges."""
    apart: pl.DataFrame
    """Listed and far-out shared values (``listed``, ``service``): never links."""
    carriers: pl.DataFrame
    """Every carrier row (link, value, registration id, position)."""
    fence: float
    """Families per value beyond which a value is far out (``service_contacts``)."""


def ring_components(
    df: pl.DataFrame,
    config: RingConfig | None = None,
    *,
    explained: frozenset[str] = frozenset(),
) -> RingLinks:
    """Registration -> component label, for registrations sharing any linking value.

    Listed contacts and shared service contacts are set apart first, so a
    shelter's phone never ties its clients into one ring; registrations in
    ``explained`` (a burst holds them) link through no device or e-mail.
    """
    config = config or RingConfig()
    carriers, linking = _carriers(df, config, explained)
    ports = [c for c in PORTS if c in df.columns]
    data_ports = df.select(pl.coalesce(ports).drop_nulls().n_unique()).item() if ports else 0
    linking, apart, fence = _split(linking, config, data_ports)
    values = (
        carriers.join(linking.select("link", "value"), on=["link", "value"])
        .select("link", "value", "registration_id")
        .unique()
    )
    ids = values.select("registration_id").unique(maintain_order=True).with_row_index("node")
    members = values.join(ids, on="registration_id").with_columns(
        group=pl.concat_str(["link", "value"], separator=":")
    )
    a, b = star_edges(members, "group", "node")
    labels = connected_components(ids.height, a, b)
    comps = ids.with_columns(ring=pl.Series(labels, dtype=pl.Int64))
    return RingLinks(comps, members, apart, carriers, fence)


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


def find_rings(
    df: pl.DataFrame,
    config: RingConfig | None = None,
    *,
    explained: Iterable[str] = (),
) -> list[Finding]:
    """Ring findings, highest score first, then the shared service contacts.

    Args:
        df: An analysis frame; only ``NEEDED`` and ``OPTIONAL`` columns are read.
        config: Thresholds, the link types to use and the known contacts.
        explained: Registrations a burst finding already holds: the burst
            covers them, so they join no ring through a device or e-mail.

    Returns:
        One finding per component of at least ``min_registrations``
        registrations joining at least ``min_families`` apparent families, and
        one unflagged ``shared_service_contact`` per listed or far-out contact.
    """
    config = config or RingConfig()
    if "email_key" not in df.columns:  # not an analysis frame: key contacts as it would
        df = normalise_contacts(df)
    df = guard(df, NEEDED, optional=OPTIONAL)
    found = ring_components(df, config, explained=frozenset(explained))
    services = _service_findings(found.apart, found.carriers, config, found.fence)
    comps, members = found.comps, found.members
    if comps.height == 0:
        return services
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
    return sorted(findings, key=lambda f: (-f.score, f.key)) + sorted(
        services, key=lambda f: (-f.score, f.key)
    )


def findings_frame(findings: Iterable[Finding]) -> pl.DataFrame:
    """(finding key, registration id) pairs: handy for joining findings back to rows."""
    pairs = [(f.key, r) for f in findings for r in f.registration_ids]
    return pl.DataFrame(pairs, schema=["key", "registration_id"], orient="row")
