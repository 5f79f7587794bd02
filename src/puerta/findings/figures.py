"""A finding's evidence as the detail page shows it: a drawing and the same numbers in a table.

The words are the reader's (``staff.`` catalog messages, Babel's dates and numbers);
the drawings come from ``findings.drawing`` and the values from ``findings.evidence``.
Which figure a finding gets depends on its kind: a map and the registrations over
time for an address, a timeline for a burst, a graph for a ring, the variations side
by side for one person; the other kinds get their evidence as a plain table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from puerta.findings import evidence
from puerta.findings import value as kinds
from puerta.findings.drawing import graph, timeline, variations
from puerta.findings.drawing import map as cluster_map
from puerta.findings.models import Finding
from puerta.i18n import M, Message
from puerta.web.pages import Formats

Say = Callable[..., str]
"""``say(message, **params)``: a catalog message in the reader's language."""

KIND_NAMES: dict[str, Message] = {
    kinds.ADDRESS_CLUSTER: M("staff.findings.kind.address_cluster", "Address cluster"),
    kinds.KNOWN_ADDRESS: M("staff.findings.kind.known_address", "Listed address"),
    kinds.DUPLICATE_PERSON: M("staff.findings.kind.duplicate_person", "Duplicate person"),
    kinds.POSSIBLE_DUPLICATE_PERSON: M(
        "staff.findings.kind.possible_duplicate_person", "Possible duplicate person"
    ),
    kinds.REGISTRATION_BURST: M("staff.findings.kind.registration_burst", "Registration burst"),
    kinds.SHARED_CONTACT_RING: M("staff.findings.kind.shared_contact_ring", "Shared-contact ring"),
    kinds.SHARED_SERVICE_CONTACT: M(
        "staff.findings.kind.shared_service_contact", "Shared service contact"
    ),
    kinds.IMPOSSIBLE_TRAVEL: M("staff.findings.kind.impossible_travel", "Impossible travel"),
    kinds.SHARED_COORDINATES: M("staff.findings.kind.shared_coordinates", "Shared coordinates"),
    kinds.IMPLAUSIBLE_LOCATION: M(
        "staff.findings.kind.implausible_location", "Implausible location"
    ),
    kinds.DEVICE_JUMP: M("staff.findings.kind.device_jump", "Device jump"),
    kinds.SAME_FACE: M("staff.findings.kind.same_face", "Same face"),
}
LINK_NAMES: dict[str, Message] = {
    "phone": M("staff.findings.link.phone", "Phone"),
    "email": M("staff.findings.link.email", "E-mail"),
    "device": M("staff.findings.link.device", "Device"),
    "photo": M("staff.findings.link.photo", "Photo"),
}
FIELD_NAMES: dict[str, Message] = {
    "given_names": M("staff.findings.field.given_names", "Given names"),
    "family_names": M("staff.findings.field.family_names", "Family names"),
    "date_of_birth": M("staff.findings.field.date_of_birth", "Date of birth"),
    "phone": M("staff.findings.field.phone", "Phone"),
    "email": M("staff.findings.field.email", "E-mail"),
    "address": M("staff.findings.field.address", "Address"),
    "city": M("staff.findings.field.city", "City"),
    "state": M("staff.findings.field.state", "State"),
    "zip_code": M("staff.findings.field.zip_code", "ZIP code"),
}

MAP_TITLE = M("staff.findings.map.title", "Where the travelers of this address appeared")
MAP_DESC = M(
    "staff.findings.map.desc",
    "The eight ports, each sized by the appointment holders of this address there, "
    "with a line to the address's ZIP code {zip}.",
)
MAP_DESC_NO_ZIP = M(
    "staff.findings.map.desc_no_zip",
    "The eight ports, each sized by the appointment holders of this address there. "
    "The address's ZIP code is not known, so it is not on the map.",
)
MAP_ZIP = M("staff.findings.map.zip", "ZIP {zip}")
MAP_TABLE = M("staff.findings.map.table", "Appointment holders per port")
MAP_NO_APPOINTMENT = M(
    "staff.findings.map.no_appointment", "Travelers with no appointment: {count}"
)
MAP_SOURCE = M(
    "staff.findings.map.source",
    "Map: U.S. Census Bureau state outlines (us-atlas). ZIP coordinates: GeoNames (CC BY 4.0).",
)
COL_PORT = M("staff.findings.col.port", "Port")
COL_PORT_NAME = M("staff.findings.col.port_name", "Name")
COL_HOLDERS = M("staff.findings.col.holders", "Appointment holders")
COL_DAY = M("staff.findings.col.day", "Day")
COL_REGISTRATIONS = M("staff.findings.col.registrations", "Registrations")
COL_NUMBER = M("staff.findings.col.number", "No.")
COL_REGISTRATION = M("staff.findings.col.registration", "Registration")
COL_REGISTERED_AT = M("staff.findings.col.registered_at", "Registered at")
COL_AFTER = M("staff.findings.col.after", "Seconds after the one before")
COL_DEVICE = M("staff.findings.col.device", "Device")
COL_FORM_SECONDS = M("staff.findings.col.form_seconds", "Seconds on the form")
COL_LINK = M("staff.findings.col.link", "Kind")
COL_VALUE = M("staff.findings.col.value", "Value")
COL_FIELD = M("staff.findings.col.field", "Field")
COL_WHAT = M("staff.findings.col.what", "Evidence")

OVER_TIME_TITLE = M("staff.findings.over_time.title", "Registrations giving this address over time")
OVER_TIME_DESC = M(
    "staff.findings.over_time.desc",
    "{count} registrations from {first} to {last}, one step for each.",
)
OVER_TIME_TABLE = M("staff.findings.over_time.table", "Registrations per day")
BURST_TITLE = M("staff.findings.burst.title", "The burst's registrations, seconds apart")
BURST_DESC = M(
    "staff.findings.burst.desc",
    "{count} registrations in {seconds} seconds, one step for each, from {first}.",
)
BURST_TABLE = M("staff.findings.burst.table", "The registrations in order")
SECONDS = M("staff.findings.seconds", "{seconds} s")
MINUTES = M("staff.findings.minutes", "{minutes} min")
HOURS = M("staff.findings.hours", "{hours} h")
RING_TITLE = M("staff.findings.ring.title", "The ring: registrations and what they share")
RING_DESC = M(
    "staff.findings.ring.desc",
    "{registrations} registrations, numbered as in the table. Shared contacts that tie "
    "them: {links}.",
)
RING_TOO_BIG = M(
    "staff.findings.ring.too_big",
    "This ring has {registrations} registrations: too many to draw. The tables list them.",
)
RING_NODES = M("staff.findings.ring.nodes", "Registrations in the graph")
RING_HUBS = M(
    "staff.findings.ring.hubs",
    "A contact shared by three registrations or more is a lettered square, linked to each.",
)
COL_HUB = M("staff.findings.col.hub", "In the graph")
RING_VALUES = M("staff.findings.ring.values", "Shared contacts")
VARIATIONS_TITLE = M("staff.findings.variations.title", "What each registration wrote")
VARIATIONS_TABLE = M(
    "staff.findings.variations.table",
    "Names, birth date, contacts and address: one column for each traveler",
)
VARIATIONS_MORE = M(
    "staff.findings.variations.more",
    "The first {shown} of {total} travelers are shown.",
)
EVIDENCE_TITLE = M("staff.findings.evidence.title", "Evidence")
EVIDENCE_TABLE = M("staff.findings.evidence.table", "The evidence as the analysis stored it")
NONE_WRITTEN = M("staff.findings.none_written", "(none)")


@dataclass(frozen=True)
class Cell:
    text: str
    differs: bool = False
    numeric: bool = False


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    rows: list[list[Cell]]
    row_headers: bool = False
    """The first cell of each row names it (``<th scope="row">``)."""


@dataclass
class Figure:
    heading: str
    svg: Markup | None = None
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    variations: bool = False
    """The tables mark differing cells (the variations side by side)."""


def kind_name(say: Say, kind: str) -> str:
    message = KIND_NAMES.get(kind)
    return say(message) if message else kind


def figures(session: Session, finding: Finding, *, say: Say, fmt: Formats) -> list[Figure]:
    """The figures of ``finding``'s kind (see the module), then its evidence as stored."""
    build = BY_KIND.get(finding.kind)
    out = build(session, finding, say, fmt) if build else []
    out.append(_evidence_table(finding, say, fmt))
    return out


def _n(fmt: Formats, value: float | int) -> Cell:
    return Cell(fmt.number(value), numeric=True)


# --- addresses ------------------------------------------------------------------------------


def _address(session: Session, finding: Finding, say: Say, fmt: Formats) -> list[Figure]:
    ports = evidence.port_counts(finding.evidence)
    dest = evidence.destination(finding.evidence)
    marks = [
        cluster_map.Mark(p.code, f"{p.code} {fmt.number(p.count)}" if p.count else p.code,
                         p.lon, p.lat, p.count)
        for p in ports
    ]  # fmt: skip
    where = (
        cluster_map.Mark(dest.zip5, say(MAP_ZIP, zip=dest.zip5), dest.lon, dest.lat)
        if dest
        else None
    )
    description = say(MAP_DESC, zip=dest.zip5) if dest else say(MAP_DESC_NO_ZIP)
    svg = cluster_map.cluster_map(marks, where, label=say(MAP_TITLE), description=description)
    table = Table(
        say(MAP_TABLE),
        [say(COL_PORT), say(COL_PORT_NAME), say(COL_HOLDERS)],
        [[Cell(p.code), Cell(p.name), _n(fmt, p.count)] for p in ports],
        row_headers=True,
    )
    notes = [description]
    holders = finding.evidence.get("holders_by_port") or {}
    if isinstance(holders, Mapping) and holders.get("none"):
        notes.append(say(MAP_NO_APPOINTMENT, count=int(holders["none"])))
    notes.append(say(MAP_SOURCE))
    out = [Figure(say(MAP_TITLE), Markup(svg), [table], notes)]  # noqa: S704 (our own SVG, escaped)
    times = evidence.registration_times(session, finding)
    if times:
        out.append(_over_time(times, say, fmt))
    return out


def _over_time(times: list[evidence.Registered], say: Say, fmt: Formats) -> Figure:
    first = times[0].at
    offsets = [(t.at - first).total_seconds() for t in times]

    within_days = offsets[-1] < 2 * 86400

    def tick(seconds: float) -> str:
        moment = first + timedelta(seconds=seconds)
        return fmt.time(moment) if within_days else fmt.date(moment, "short")

    description = say(
        OVER_TIME_DESC, count=len(times), first=fmt.date(first, "medium"),
        last=fmt.date(times[-1].at, "medium"),
    )  # fmt: skip
    svg = timeline.timeline(
        offsets, label=say(OVER_TIME_TITLE), description=description, tick_label=tick,
        count_label=lambda n: fmt.number(n),
    )  # fmt: skip
    per_day = Counter(fmt.date(t.at, "medium") for t in times)
    days: list[str] = []
    for t in times:
        day = fmt.date(t.at, "medium")
        if day not in days:
            days.append(day)
    table = Table(
        say(OVER_TIME_TABLE),
        [say(COL_DAY), say(COL_REGISTRATIONS)],
        [[Cell(d), _n(fmt, per_day[d])] for d in days],
        row_headers=True,
    )
    return Figure(say(OVER_TIME_TITLE), Markup(svg), [table], [description])  # noqa: S704


# --- bursts ---------------------------------------------------------------------------------


def _duration(say: Say, seconds: float, step: float) -> str:
    if step >= 3600 and seconds % 3600 == 0:
        return say(HOURS, hours=int(seconds // 3600))
    if step >= 60 and seconds % 60 == 0:
        return say(MINUTES, minutes=int(seconds // 60))
    return say(SECONDS, seconds=int(seconds) if float(seconds).is_integer() else seconds)


def _burst(session: Session, finding: Finding, say: Say, fmt: Formats) -> list[Figure]:
    times = evidence.registration_times(session, finding)
    if not times:
        return []
    first = times[0].at
    offsets = [(t.at - first).total_seconds() for t in times]
    span = max(offsets[-1], 1.0)
    step = timeline.nice_step(span)
    description = say(
        BURST_DESC, count=len(times), seconds=fmt.number(round(offsets[-1])),
        first=fmt.datetime(first),
    )  # fmt: skip
    svg = timeline.timeline(
        offsets, label=say(BURST_TITLE), description=description,
        tick_label=lambda s: _duration(say, s, step), count_label=lambda n: fmt.number(n),
    )  # fmt: skip
    rows = []
    before: datetime | None = None
    for i, t in enumerate(times, start=1):
        gap = (t.at - before).total_seconds() if before else None
        rows.append(
            [
                Cell(str(i), numeric=True),
                Cell(t.registration_id),
                Cell(fmt.datetime(t.at)),
                _n(fmt, round(gap, 1)) if gap is not None else Cell(""),
                Cell(t.device_id or ""),
                _n(fmt, round(t.form_seconds, 1)) if t.form_seconds is not None else Cell(""),
            ]
        )
        before = t.at
    table = Table(
        say(BURST_TABLE),
        [say(c) for c in (COL_NUMBER, COL_REGISTRATION, COL_REGISTERED_AT, COL_AFTER,
                          COL_DEVICE, COL_FORM_SECONDS)],
        rows,
    )  # fmt: skip
    return [Figure(say(BURST_TITLE), Markup(svg), [table], [description])]  # noqa: S704


# --- rings ----------------------------------------------------------------------------------


HUB_FROM = 3
"""A value shared by this many registrations or more is drawn as a hub (``graph.Node``)."""


def _hub_label(i: int) -> str:
    """A, B, ..., Z, AA, AB, ...: the hubs' names, told apart from the numbered nodes."""
    out = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def _ring(session: Session, finding: Finding, say: Say, fmt: Formats) -> list[Figure]:
    rids, shared, links = evidence.ring(session, finding)
    if not rids:
        return []
    number = {rid: str(i) for i, rid in enumerate(rids, start=1)}
    hubs = [s for s in shared if len(s.registrations) >= HUB_FROM]
    hub_name = {(s.kind, s.value): _hub_label(i) for i, s in enumerate(hubs)}

    def link_name(kind: str) -> str:
        return say(LINK_NAMES[kind]) if kind in LINK_NAMES else kind

    nodes_table = Table(
        say(RING_NODES),
        [say(COL_NUMBER), say(COL_REGISTRATION), say(COL_LINK)],
        [
            [
                Cell(number[rid], numeric=True),
                Cell(rid),
                Cell(
                    ", ".join(sorted({link_name(s.kind) for s in shared if rid in s.registrations}))
                ),
            ]
            for rid in rids
        ],
    )
    values_table = Table(
        say(RING_VALUES),
        [say(COL_HUB), say(COL_LINK), say(COL_VALUE), say(COL_REGISTRATIONS), say(COL_NUMBER)],
        [
            [
                Cell(hub_name.get((s.kind, s.value), "")),
                Cell(link_name(s.kind)),
                Cell(s.value),
                _n(fmt, len(s.registrations)),
                Cell(", ".join(number[r] for r in s.registrations if r in number)),
            ]
            for s in shared
        ],
    )
    if len(rids) + len(hubs) > graph.MAX_NODES:
        note = say(RING_TOO_BIG, registrations=len(rids))
        return [Figure(say(RING_TITLE), None, [nodes_table, values_table], [note])]
    description = say(RING_DESC, registrations=len(rids), links=len(shared))
    nodes = [graph.Node(rid, number[rid]) for rid in rids]
    nodes += [
        graph.Node(f"hub:{i}", hub_name[(s.kind, s.value)], hub=True) for i, s in enumerate(hubs)
    ]
    edges = [
        graph.Edge(f"hub:{i}", rid, s.kind) for i, s in enumerate(hubs) for rid in s.registrations
    ]
    edges += [
        graph.Edge(link.a, link.b, link.kind)
        for link in links
        if (link.kind, link.value) not in hub_name
    ]
    svg = graph.ring_graph(
        nodes,
        edges,
        label=say(RING_TITLE),
        description=description,
        kind_labels={k: say(m) for k, m in LINK_NAMES.items()},
    )
    notes = [description]
    if hubs:
        notes.append(say(RING_HUBS))
    return [
        Figure(say(RING_TITLE), Markup(svg), [nodes_table, values_table], notes)  # noqa: S704
    ]


# --- one person -----------------------------------------------------------------------------


def _person(session: Session, finding: Finding, say: Say, _fmt: Formats) -> list[Figure]:
    columns, total = evidence.variations(session, finding)
    if not columns:
        return []
    rows = variations.side_by_side(columns, evidence.VARIATION_FIELDS)
    table = Table(
        say(VARIATIONS_TABLE),
        [say(COL_FIELD), *[str(c.get("registration") or "") for c in columns]],
        [
            [Cell(say(FIELD_NAMES[name])), *[Cell(c.text, differs=c.differs) for c in cells]]
            for name, cells in rows
        ],
        row_headers=True,
    )
    notes = [say(VARIATIONS_MORE, shown=len(columns), total=total)] if total > len(columns) else []
    return [Figure(say(VARIATIONS_TITLE), None, [table], notes, variations=True)]


# --- the evidence as stored -----------------------------------------------------------------


def _plain(value: Any, fmt: Formats, say: Say) -> str:
    if value is None or value == "" or value == []:
        return say(NONE_WRITTEN)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return fmt.number(value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_plain(v, fmt, say)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_plain(v, fmt, say) for v in value)
    return str(value)


def _evidence_table(finding: Finding, say: Say, fmt: Formats) -> Figure:
    rows = [
        [Cell(str(key)), Cell(_plain(value, fmt, say))]
        for key, value in sorted((finding.evidence or {}).items())
    ]
    table = Table(say(EVIDENCE_TABLE), [say(COL_WHAT), say(COL_VALUE)], rows, row_headers=True)
    return Figure(say(EVIDENCE_TITLE), None, [table])


Builder = Callable[[Session, Finding, Say, Formats], list[Figure]]
BY_KIND: dict[str, Builder] = {
    kinds.ADDRESS_CLUSTER: _address,
    kinds.KNOWN_ADDRESS: _address,
    kinds.REGISTRATION_BURST: _burst,
    kinds.SHARED_CONTACT_RING: _ring,
    kinds.DUPLICATE_PERSON: _person,
    kinds.POSSIBLE_DUPLICATE_PERSON: _person,
    kinds.SAME_FACE: _person,
}
