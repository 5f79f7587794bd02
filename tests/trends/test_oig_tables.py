"""The report's Table 2, Table 3 and shared-address share, rebuilt from rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from puerta.trends import oig_tables as ot
from puerta.trends.addresses import analyse_addresses
from puerta.trends.frame import analysis_frame
from tests.trends.frames import T0, frame, row, surname


def _regs(prefix: str, month_counts: dict[int, int], **kw: object) -> list[dict]:
    out = []
    for month, n in month_counts.items():
        for i in range(n):
            out.append(
                row(
                    f"{prefix}{month}-{i}",
                    created_at=datetime(2023, month, 1 + i, tzinfo=UTC),
                    **kw,
                )
            )
    return out


def test_table2_counts_registrations_by_month_for_holders() -> None:
    rows = _regs("A", {5: 3, 6: 2}, given_names="Aram", family_names="Petrosyan")
    rows[-1]["appointment_port"] = "SYS"
    rows += _regs("B", {6: 9}, given_names="Boris", family_names="Ivanov")  # no appointment
    rows += _regs("C", {4: 1}, given_names="Carla", family_names="Diaz", appointment_port="HID")
    t2 = ot.table2(frame(rows))
    assert t2["total"].to_list() == [5, 1]
    assert t2.row(0, named=True)["May"] == 3
    assert t2.row(0, named=True)["Jun"] == 2
    assert t2.row(1, named=True)["Apr"] == 1
    assert "PETROSYAN" in t2["person_key"][0]


def test_table2_uses_resolved_person_ids_when_given() -> None:
    rows = _regs("A", {6: 4}, given_names="Aram", family_names="Petrosyan", appointment_port="SYS")
    for i, r in enumerate(rows):
        r["family_names"] = ["Petrosyan", "Petrosian", "Petrosyan", "Petrossian"][i]
        r["person_id"] = "P1"
    exact = ot.table2(frame(rows))
    resolved = ot.table2(analysis_frame(pl.DataFrame(rows), person_id_column="person_id"))
    assert exact["total"].max() == 2
    assert resolved["total"].to_list() == [4]


def _address_rows() -> list[dict]:
    rows = []
    ports = ["SYS", "SYS", "BRO", "HID", None, "SYS", "CXL", "NOG"]
    for i in range(16):
        rows.append(
            row(
                f"P{i}",
                given_names=f"G{i}",
                family_names=surname(i),
                address_line1="500 Cedar Ave",
                appointment_port=ports[i % 8],
                # One at a time over months: people who came together count once.
                created_at=T0 + timedelta(days=7 * i),
            )
        )
    # A family of four at its own address, all holders: not "unrelated".
    for i in range(4):
        rows.append(
            row(
                "F1",
                i,
                given_names=f"K{i}",
                family_names="Moreno",
                address_line1="12 Birch Ln",
                appointment_port="ELP",
            )
        )
    return rows


def test_table3_counts_persons_by_port() -> None:
    t3 = ot.table3(analyse_addresses(frame(_address_rows()), known=[]))
    by_port = {r["port"]: r["Address 1"] for r in t3.iter_rows(named=True)}
    assert by_port["SYS"] == 6
    assert by_port["BRO"] == 2
    assert by_port["none"] == 2
    assert by_port["Total"] == 16
    assert list(t3.columns) == ["port", "Address 1", "Total"]


def test_unrelated_share_exact_and_fuzzy() -> None:
    rows = _address_rows()
    # Two spellings of one family at a third address: unrelated by the report's rule only.
    rows += [
        row(
            "G1",
            0,
            given_names="Ana",
            family_names="García López",
            address_line1="8 Ash St",
            appointment_port="LRD",
        ),
        row(
            "G1",
            1,
            given_names="Luis",
            family_names="Garcia",
            address_line1="8 Ash St",
            appointment_port="LRD",
        ),
    ]
    share = ot.unrelated_share(analyse_addresses(frame(rows), known=[]))
    assert share["holders"] == 14 + 4 + 2
    assert share["exact_unrelated"] == 14 + 2
    assert share["fuzzy_unrelated"] == 14


def test_report_prints_published_figures_on_the_oig_profile() -> None:
    analysis = analyse_addresses(frame(_address_rows()), known=[])
    text = ot.format_report(
        ot.table2(frame(_address_rows())),
        ot.table3(analysis),
        ot.unrelated_share(analysis),
        profile="oig-2023",
        scale=0.1,
        addresses=ot.table3_addresses(analysis),
    )
    assert "Published (OIG-24-48, Table 2)" in text
    assert "| SYS | 26 | 25 | 19 | 5 | 6 | 7 | 5 |" in text  # Table 3 x 0.1
    assert "208,996 of 264,554" in text
    assert "500 CEDAR AVE" in text


def test_published_tables_add_up() -> None:
    t3 = ot.published_table3()
    assert t3.filter(pl.col("port") == "Total")["Total"][0] == 1_695
    assert ot.published_table2()["total"].to_list()[:4] == [466, 466, 466, 433]
