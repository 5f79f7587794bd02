"""The calibration table: each of the report's figures beside the generated value.

Read from a data-set directory (registrations, appointments, truth) with
polars, selecting only the columns needed, so it works at scale 1.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from puerta.dataset import files
from puerta.synth.plan import planted_households
from puerta.synth.profiles import TABLE_1, TABLE_2, TABLE_3, Profile, get_profile, top_ten_factor


@dataclass(frozen=True)
class Figure:
    """One line of the table. ``tolerance`` is relative (share of expected)."""

    name: str
    report: float
    expected: float
    generated: float
    tolerance: float

    @property
    def ok(self) -> bool:
        if self.expected == 0:
            return abs(self.generated) <= self.tolerance
        return abs(self.generated - self.expected) <= self.tolerance * abs(self.expected)


def _scan(directory: Path, name: str) -> pl.LazyFrame:
    path = files.table_path(directory, name)
    if path is None:
        raise FileNotFoundError(f"no {name}.parquet or {name}.csv in {directory}")
    if path.suffix == ".parquet":
        return pl.scan_parquet(path)
    return pl.from_arrow(files.read_table(path)).lazy()  # type: ignore[union-attr]


def frames(directory: Path) -> pl.DataFrame:
    """Registrations joined with truth, the columns the figures need."""
    regs = _scan(directory, "registrations").select(
        "registration_id",
        "traveler_index",
        "created_at",
        "language",
        "family_names",
        "appointment_port",
        "appointment_date",
        "form_seconds",
    )
    truth = pl.scan_parquet(directory / "truth.parquet").select(
        "registration_id",
        "traveler_index",
        "person_id",
        "canonical_family_names",
        "address_id",
        "address_cluster_id",
        "burst_id",
        "ring_id",
        "top_ten",
        "duplicate_of",
    )
    return regs.join(truth, on=["registration_id", "traveler_index"]).collect()


def calibration(directory: Path | str) -> list[Figure]:
    directory = Path(directory)
    manifest = files.read_manifest(directory)
    profile = get_profile(manifest.get("profile", "oig-2023"))
    s = float(manifest.get("scale", 1.0))
    df = frames(directory)
    appts = _scan(directory, "appointments").collect()
    out: list[Figure] = []
    out += _persons(profile, s, df)
    out += _languages(df)
    out += _appointments(profile, s, df, appts)
    out += _addresses(profile, df)
    out += _top_ten(s, df)
    out += _planted(profile, s, df)
    return out


def _persons(profile: Profile, s: float, df: pl.DataFrame) -> list[Figure]:
    per_person = df.group_by("person_id").agg(pl.col("registration_id").n_unique().alias("n"))
    return [
        Figure("distinct persons", profile.persons, profile.persons * s, per_person.height, 0.001),
        Figure(
            "persons with >= 10 registrations",
            profile.persons_10_plus,
            profile.persons_10_plus * s,
            per_person.filter(pl.col("n") >= 10).height,
            0.02,
        ),
    ]


def _languages(df: pl.DataFrame) -> list[Figure]:
    first = df.filter(pl.col("duplicate_of").is_null())  # one row per person
    jan = first.filter(pl.col("created_at").dt.month() == 1)
    shares = jan.group_by("language").len()
    total = max(1, jan.height)
    by = dict(zip(shares["language"].to_list(), shares["len"].to_list(), strict=True))
    out = []
    for lang, pct in TABLE_1.items():
        got = (
            sum(v for k, v in by.items() if k not in TABLE_1)
            if lang == "other"
            else by.get(lang, 0)
        )
        # within 10 % of the share or 1.5 percentage points, whichever is wider
        tolerance = max(0.10, 1.5 / pct)
        out.append(Figure(f"January language {lang} (%)", pct, pct, 100 * got / total, tolerance))
    out.append(
        Figure(
            "January registrants (persons)",
            113_239,
            113_239 * first.height / 1_336_401,
            jan.height,
            0.05,
        )
    )
    return out


def _appointments(
    profile: Profile, s: float, df: pl.DataFrame, appts: pl.DataFrame
) -> list[Figure]:
    holders = df.filter(pl.col("appointment_port").is_not_null())["person_id"].n_unique()
    daily = appts.group_by("day").agg(pl.col("seats").sum())
    early = daily.filter(pl.col("day") < date(2023, 3, 1))["seats"].mean() or 0.0
    late = daily.filter(pl.col("day") >= profile.capacity_rise)["seats"].mean() or 0.0
    ports = appts["port_code"].n_unique() if appts.height else 0
    low, high = profile.daily_capacity
    return [
        Figure(
            "persons with an appointment",
            profile.persons_with_appointment,
            profile.persons_with_appointment * s,
            holders,
            0.02,
        ),
        Figure("seats per day, Jan-Feb", low, low * s, float(early), 0.10),
        Figure("seats per day, from Jun 30", high, high * s, float(late), 0.10),
        Figure("ports with appointments", 8, 8, ports, 0.0),
    ]


def _addresses(profile: Profile, df: pl.DataFrame) -> list[Figure]:
    """Holders who share their true address with a person of another surname."""
    persons = df.filter(pl.col("duplicate_of").is_null()).select(
        "person_id",
        "address_id",
        pl.col("canonical_family_names").str.split(" ").list.first().alias("sn"),
    )
    per_addr = persons.group_by("address_id").agg(pl.col("sn").n_unique().alias("surnames"))
    holders = (
        df.filter(pl.col("appointment_port").is_not_null())
        .select("person_id")
        .unique()
        .join(persons, on="person_id")
        .join(per_addr, on="address_id")
    )
    share = 100 * holders.filter(pl.col("surnames") > 1).height / max(1, holders.height)
    pct = 100 * profile.shared_address_share
    return [Figure("holders sharing an address with another surname (%)", pct, pct, share, 0.03)]


_june = 100 * sum(m.get(6, 0) for _, m in TABLE_2) / sum(sum(m.values()) for _, m in TABLE_2)


def _top_ten(s: float, df: pl.DataFrame) -> list[Figure]:
    per = (
        df.group_by("person_id")
        .agg(pl.col("registration_id").n_unique().alias("n"))
        .sort("n", descending=True)
        .head(10)
    )
    factor = top_ten_factor(s)
    totals = sorted((sum(m.values()) for _, m in TABLE_2), reverse=True)
    got = per["n"].to_list() + [0] * (10 - per.height)
    june = df.filter(pl.col("top_ten").is_not_null() & (pl.col("created_at").dt.month() == 6))
    share_june = june["registration_id"].n_unique() / max(
        1, df.filter(pl.col("top_ten").is_not_null())["registration_id"].n_unique()
    )
    return [
        Figure("top person's registrations", totals[0], round(totals[0] * factor), got[0], 0.02),
        Figure(
            "tenth person's registrations", totals[-1], round(totals[-1] * factor), got[9], 0.05
        ),
        Figure("top ten: share of registrations in June (%)", _june, _june, 100 * share_june, 0.03),
    ]


def _planted(profile: Profile, s: float, df: pl.DataFrame) -> list[Figure]:
    """Table 3: persons per planted address (the scaled, rounded plan, exactly)."""
    first = df.filter(pl.col("duplicate_of").is_null() & pl.col("address_cluster_id").is_not_null())
    planned: dict[int, int] = {}
    for hh in planted_households(profile, s):
        planned[hh.cluster_id] = planned.get(hh.cluster_id, 0) + hh.size
    out = []
    for c, row in enumerate(TABLE_3, start=1):
        got = first.filter(pl.col("address_cluster_id") == c).height
        out.append(Figure(f"Table 3 address {c}: persons", sum(row), planned.get(c, 0), got, 0.0))
    a2 = first.filter(pl.col("address_cluster_id") == 2)
    surnames = a2["canonical_family_names"].n_unique()
    out.append(
        Figure(
            "address 2: distinct surnames per person (%)",
            100 * 266 / 358,
            100 * 266 / 358,
            100 * surnames / max(1, a2.height),
            0.15,
        )
    )
    return out


def render(figures: list[Figure]) -> str:
    lines = [f"{'figure':<52} {'report':>12} {'expected':>12} {'generated':>12}  ok"]
    for f in figures:
        lines.append(
            f"{f.name:<52} {f.report:>12,.1f} {f.expected:>12,.1f} {f.generated:>12,.1f}  "
            f"{'yes' if f.ok else 'NO'}"
        )
    return "\n".join(lines)
