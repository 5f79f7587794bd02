"""The report's own tables, rebuilt from the data, beside its published figures.

* Table 2: the top ten persons by registrations (among those who secured an
  appointment), by month. A person is the report's exact key, first name +
  last name + date of birth (footnote 48), unless the caller passes resolved
  person ids (``frame.analysis_frame(person_id_column=...)``).
* Table 3: the seven most suspicious addresses, persons by port of entry.
* The share of appointment holders who gave the same address as an
  apparently unrelated person: the report's rule (a different last name,
  footnote 27) and the fuzzy-family rule of ``families``.

Example:
    >>> line = format_share({"holders": 10, "exact_unrelated": 8, "fuzzy_unrelated": 7})
    >>> "8 of 10 (80.0%)" in line and "208,996 of 264,554 (79.0%)" in line
    True
"""

from __future__ import annotations

import polars as pl

from puerta.trends.addresses import AddressAnalysis
from puerta.trends.families import count_families
from puerta.trends.frame import guard

PORT_ORDER = ("SYS", "BRO", "HID", "CXL", "LRD", "EGP", "ELP", "NOG")
"""Table 3's row order."""
MONTHS = {1: "Jan", 2: "Feb", 3: "Mar", 4: "Apr", 5: "May", 6: "Jun", 7: "Jul", 8: "Aug"}

PUBLISHED_TABLE_2: tuple[tuple[str, dict[int, int]], ...] = (
    ("Armenian", {6: 466}),
    ("Armenian", {6: 466}),
    ("Armenian", {6: 466}),
    ("Russian", {5: 1, 6: 432}),
    ("Armenian", {6: 360}),
    ("Armenian", {6: 321}),
    ("Russian", {6: 312}),
    ("Russian", {6: 312}),
    ("Armenian", {5: 111, 6: 197}),
    ("Armenian", {6: 293}),
)
"""Table 2 of OIG-24-48: citizenship and registrations per month."""
PUBLISHED_TABLE_3: dict[str, tuple[int, ...]] = {
    "SYS": (261, 247, 188, 50, 56, 67, 53),
    "BRO": (85, 44, 38, 82, 13, 9, 10),
    "HID": (33, 38, 21, 62, 37, 25, 11),
    "CXL": (26, 8, 17, 4, 13, 15, 13),
    "LRD": (14, 5, 9, 11, 6, 4, 5),
    "EGP": (5, 5, 8, 16, 0, 4, 6),
    "ELP": (11, 6, 1, 23, 1, 1, 0),
    "NOG": (6, 5, 4, 9, 0, 2, 2),
}
"""Table 3 of OIG-24-48: persons per port for addresses 1..7 (one more had no port)."""
PUBLISHED_SHARE = (208_996, 264_554)
"""Holders sharing an address with an apparently unrelated person, of all holders."""


def table2(df: pl.DataFrame, *, top: int = 10) -> pl.DataFrame:
    """Top persons by distinct registrations, by month of creation.

    Only persons with an appointment count, as in the report's title. Columns:
    ``person_key``, one per month present, ``total``.
    """
    df = guard(df, ("person_key", "registration_id", "created_at", "appointment_port"))
    holders = df.filter(pl.col("appointment_port").is_not_null()).select("person_key").unique()
    regs = (
        df.join(holders, on="person_key")
        .group_by("person_key", "registration_id")
        .agg(pl.col("created_at").min())
        .with_columns(month=pl.col("created_at").dt.month())
    )
    totals = (
        regs.group_by("person_key")
        .len("total")
        .sort(["total", "person_key"], descending=[True, False])
    )
    best = totals.head(top)
    by_month = (
        regs.join(best.select("person_key"), on="person_key")
        .group_by("person_key", "month")
        .len()
        .sort("month")
        .with_columns(pl.col("month").replace_strict(MONTHS, return_dtype=pl.String))
        .pivot(on="month", index="person_key", values="len")
        .fill_null(0)
    )
    return best.join(by_month, on="person_key", how="left").select(
        "person_key", pl.exclude("person_key", "total"), "total"
    )


def table3(analysis: AddressAnalysis, *, top: int = 7) -> pl.DataFrame:
    """The top flagged addresses (known shelters excluded), persons by appointment port.

    Rows are ports in the report's order plus ``none`` (persons without an
    appointment port) and ``Total``; columns ``Address 1..top``, ``Total``.
    """
    flagged = [f for f in analysis.findings if f.flagged][:top]
    names = [f"Address {i + 1}" for i in range(len(flagged))]
    rows = []
    for port in (*PORT_ORDER, "none"):
        counts = [int(f.evidence["holders_by_port"].get(port, 0)) for f in flagged]
        rows.append({"port": port, **dict(zip(names, counts, strict=True)), "Total": sum(counts)})
    totals = {n: sum(r[n] for r in rows) for n in [*names, "Total"]}
    rows.append({"port": "Total", **totals})
    return pl.DataFrame(rows)


def table3_addresses(analysis: AddressAnalysis, *, top: int = 7) -> list[str]:
    """The normalised addresses behind ``table3``'s columns."""
    return [f.evidence["address"] for f in analysis.findings if f.flagged][:top]


def unrelated_share(analysis: AddressAnalysis, *, among: str = "holders") -> dict[str, int]:
    """Appointment holders who share an address with an apparently unrelated person.

    Args:
        analysis: Output of ``addresses.analyse_addresses``.
        among: ``"holders"`` (others must also hold an appointment, as the
            report's population did) or ``"all"`` registrants.

    Returns:
        ``holders``, ``exact_unrelated`` (report's rule: another last name) and
        ``fuzzy_unrelated`` (another apparent family).
    """
    keyed = guard(analysis.keyed, ("address_key", "person_key", "family_names", "appointment_port"))
    people = keyed.group_by("address_key", "person_key").agg(
        pl.col("family_names").mode().sort().first().str.to_uppercase().str.strip_chars(),
        pl.col("appointment_port").is_not_null().any().alias("holder"),
    )
    holders = people.filter("holder").select("person_key").unique()
    pool = people.filter("holder") if among == "holders" else people
    per_address = pool.group_by("address_key").agg(
        pl.col("family_names").n_unique().alias("exact"), pl.col("family_names")
    )
    multi = per_address.filter(pl.col("exact") >= 2)
    fuzzy = [count_families(s) >= 2 for s in multi["family_names"].to_list()]
    multi = multi.with_columns(fuzzy=pl.Series(fuzzy, dtype=pl.Boolean))
    hit = people.filter("holder").join(multi.select("address_key", "fuzzy"), on="address_key")
    exact_people = hit.select("person_key").unique()
    fuzzy_people = hit.filter("fuzzy").select("person_key").unique()
    return {
        "holders": holders.height,
        "exact_unrelated": exact_people.height,
        "fuzzy_unrelated": fuzzy_people.height,
    }


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "n/a"


def format_share(share: dict[str, int]) -> str:
    """One line: computed share beside the published one."""
    h = share["holders"]
    pub_n, pub_d = PUBLISHED_SHARE
    return (
        "Holders sharing an address with an apparently unrelated person: "
        f"{share['exact_unrelated']:,} of {h:,} ({_pct(share['exact_unrelated'], h)}) by the "
        f"report's rule (different last name); {share['fuzzy_unrelated']:,} "
        f"({_pct(share['fuzzy_unrelated'], h)}) with fuzzy surname families. "
        f"Published: {pub_n:,} of {pub_d:,} ({_pct(pub_n, pub_d)})."
    )


def _markdown(df: pl.DataFrame) -> str:
    head = "| " + " | ".join(df.columns) + " |"
    sep = "| " + " | ".join("---" for _ in df.columns) + " |"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in df.iter_rows()]
    return "\n".join([head, sep, *body])


def published_table2(scale: float = 1.0) -> pl.DataFrame:
    """Table 2 as published (counts are not scaled: the synth keeps them at 0.1+)."""
    rows = []
    for i, (cit, months) in enumerate(PUBLISHED_TABLE_2):
        row = {"individual": f"Individual {i + 1}", "citizenship": cit}
        row |= {MONTHS[m]: months.get(m, 0) for m in (4, 5, 6, 7)}
        row["total"] = sum(months.values())
        rows.append(row)
    del scale
    return pl.DataFrame(rows)


def published_table3(scale: float = 1.0) -> pl.DataFrame:
    """Table 3 as published, multiplied by ``scale`` (rounded) for comparison."""
    rows = [
        {"port": p, **{f"Address {i + 1}": round(v * scale) for i, v in enumerate(vals)}}
        for p, vals in PUBLISHED_TABLE_3.items()
    ]
    table = pl.DataFrame(rows).with_columns(Total=pl.sum_horizontal(pl.exclude("port")))
    total = table.select(pl.lit("Total").alias("port"), pl.exclude("port").sum())
    return pl.concat([table, total])


def format_report(
    t2: pl.DataFrame,
    t3: pl.DataFrame,
    share: dict[str, int],
    *,
    profile: str | None = None,
    scale: float = 1.0,
    addresses: list[str] | None = None,
) -> str:
    """Markdown with the computed tables, and on ``oig-2023`` the published ones beside."""
    out = ["## Table 2: top persons by registrations (appointment holders)", _markdown(t2)]
    if profile == "oig-2023":
        out += ["", "Published (OIG-24-48, Table 2):", _markdown(published_table2(scale))]
    out += ["", "## Table 3: top addresses by port of entry", _markdown(t3)]
    if addresses:
        out += ["", *[f"- Address {i + 1}: {a}" for i, a in enumerate(addresses)]]
    if profile == "oig-2023":
        note = f" x scale {scale}" if scale != 1.0 else ""
        out += ["", f"Published (OIG-24-48, Table 3{note}):", _markdown(published_table3(scale))]
    out += ["", "## Shared addresses", format_share(share)]
    return "\n".join(out)
