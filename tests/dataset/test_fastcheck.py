"""The fast (column-wise) path and the exact per-row path agree.

Whatever the fast path proves valid, the exact path (``TravelerIn`` and
``rowcheck``) must accept with the very same stored values; whatever it cannot
prove goes to the exact path anyway, so it can only be slower, never different.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from puerta import clock
from puerta.dataset import fastcheck, files, rowcheck, schema
from puerta.registration import validation as v
from puerta.synth import generate

MAX_TRAVELERS = 10
TODAY = dt.date(2026, 3, 4)


@pytest.fixture(autouse=True, scope="module")
def _today() -> Iterator[None]:
    """Both paths read "today" from the clock in effect: the boundaries below are exact."""
    with clock.in_effect(clock.FrozenClock(dt.datetime(2026, 3, 4, 23, 59, tzinfo=dt.UTC))):
        yield


# Valid, valid after normalisation, and hostile values per traveler column.
TEXT = [
    "Ana María", "  Ana   María ", "ANA", "Ana\u00a0María", "Ana\tMaría", "Ana\x1cMaria",
    "Ana\x00", "", "   ", None, "Ana\u0301", "A" * 100, "A" * 101, "Оксана", "Harutyunyan",
    "José\u200bLuis", "\\N", '"quoted", text',
]  # fmt: skip
VALUES: dict[str, list[Any]] = {
    "given_names": TEXT,
    "family_names": TEXT,
    "date_of_birth": [
        dt.date(1990, 5, 17),
        dt.date(1900, 1, 1),
        TODAY,
        TODAY + dt.timedelta(days=1),
        dt.date(TODAY.year - 120, 1, 1),
        dt.date(TODAY.year - 121, 12, 31),
        None,
    ],
    "sex": ["F", "M", "X", "f", " M ", "", None, "Q"],
    "country_of_birth": ["MX", "mx", "MEX", " ve ", "XX", "", None, "VEN", "ZZZ"],
    "citizenship": ["HT", "RU", "hti", "U", None],
    "language": ["es", "ht", "ES", "en-us", "zh-Hant", "xx-invalid-tag-!", "", None, " es "],
    "phone": [
        "+525512345678",
        "+19547313359",
        "+5215512345678",
        "+52 55 1234 5678",
        "52 1 664 123 4567",
        "+52 1 664 123 4567",
        "045 664 123 4567",
        "044 55 1234 5678",
        "5512345678",
        "+\u0665\u0662\u0665\u0665\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",
        "+0525512345678",
        "+52",
        "+999123456",
        "+390612345678",
        "+4402071234567",
        "+79161234567",
        "+37491234567",
        "+5491123456789",
        "",
        "  ",
        None,
        "abc",
        "+52551234567890123456",
        " +525512345678 ",
    ],
    "email": ["ana@Example.COM", "ana@example.com", " ana@x.io ", "ana", "a@b", "", None],
    "address_line1": ["12 Main St", " 12  Main St ", "", None, "x" * 121, "12\nMain"],
    "address_line2": ["Apt 4", "#4", "", "  ", None, "Unit\x7f4"],
    "city": ["Houston", "houston ", "", None, "C" * 81],
    "state": ["TX", "tx", " ny ", "XX", "", None, "PR", "DC"],
    "zip_code": ["12345", "123456789", "12345-6789", "1234", "", None, " 12345 "],
}
LEVEL: dict[str, list[Any]] = {
    "registration_status": ["active", "withdrawn", "deactivated", "paused", "", None],
    "device_id": ["dev-1", "", None, "d" * 129],
    "ip": ["10.0.0.1", "010.0.0.1", "256.1.1.1", "::1", "2001:DB8::1", "", None, "x"],
    "form_seconds": [12.5, 0.0, -1.0, 90_000.0, None, float("nan")],
    "requested_port": ["SYS", "ELP", "XXX", None],
    "request_dates": [
        [],
        [dt.date(2023, 5, 10)],
        [dt.date(2023, 5, 10), dt.date(2023, 5, 11)],
        [dt.date(2023, 5, 11), dt.date(2023, 5, 10)],
        [dt.date(2023, 5, 10)] * 2,
    ],
    "appointment": [
        (None, None, None),
        ("SYS", dt.date(2023, 6, 1), dt.time(9)),
        ("SYS", None, None),
        ("ZZZ", dt.date(2023, 6, 1), dt.time(9)),
    ],
}
GOOD = {
    "given_names": "Ana", "family_names": "Pérez López", "date_of_birth": dt.date(1990, 5, 17),
    "sex": "F", "country_of_birth": "MX", "citizenship": "MX", "language": "es",
    "phone": "+525512345678", "email": "ana@example.com", "address_line1": "12 Main St",
    "address_line2": None, "city": "Houston", "state": "TX", "zip_code": "77001",
}  # fmt: skip


def _registration(rid: str, travelers: list[dict[str, Any]], level: dict[str, Any]) -> list:
    appt = level.get("appointment", (None, None, None))
    base = {
        "registration_id": rid,
        "account_id": "A" + rid,
        "registration_status": level.get("registration_status", "active"),
        "created_at": dt.datetime(2023, 5, 1, 12, tzinfo=dt.UTC),
        "device_id": level.get("device_id", "dev-1"),
        "ip": level.get("ip", "10.0.0.1"),
        "form_seconds": level.get("form_seconds", 60.0),
        "requested_port": level.get("requested_port", "SYS"),
        "request_dates": level.get("request_dates", [dt.date(2023, 5, 10)]),
        "appointment_port": appt[0],
        "appointment_date": appt[1],
        "appointment_time": appt[2],
    }
    return [{**base, **t, "traveler_index": i, "is_owner": i == 0} for i, t in enumerate(travelers)]


traveler = st.fixed_dictionaries({k: st.sampled_from(vals) for k, vals in VALUES.items()})
mostly_good = st.builds(lambda t, keep: {**GOOD, **{k: t[k] for k in keep}}, traveler,
                        st.sets(st.sampled_from(list(VALUES)), max_size=2))  # fmt: skip
level = st.fixed_dictionaries({}, optional={k: st.sampled_from(vals) for k, vals in LEVEL.items()})
mutation = st.sampled_from(["none", "index", "owner", "disagree", "too_many"])


def _mutate(rows: list[dict[str, Any]], how: str) -> list[dict[str, Any]]:
    if how == "index" and len(rows) > 1:
        rows[1]["traveler_index"] = 5
    elif how == "owner":
        rows[0]["is_owner"] = False
    elif how == "disagree" and len(rows) > 1:
        rows[1]["device_id"] = "other-device"
    elif how == "too_many":
        rows += [{**rows[-1], "traveler_index": len(rows) + i} for i in range(MAX_TRAVELERS)]
        for i, row in enumerate(rows):
            row["traveler_index"] = i
    return rows


def _assert_same(rows_by_run: list[list[dict[str, Any]]], as_csv: bool = False) -> int:
    rows = [r for run in rows_by_run for r in run]
    table = pa.Table.from_pylist(rows, schema.REGISTRATIONS)
    if as_csv:
        table = files._to_csv_table(table)
        table = pa.table({c: table.column(c).cast(pa.string()) for c in table.column_names})
        rows = table.to_pylist()
    fast = fastcheck.FastChecker(MAX_TRAVELERS).check(table)
    proven = 0
    for run, start in enumerate(fast.starts):
        exact = rowcheck.check_registration(rows[start : start + fast.lengths[run]], MAX_TRAVELERS)
        if not fast.run_ok[run]:
            continue
        proven += 1
        assert exact.ok, exact.reasons
        assert fast.travelers is not None
        mine = fast.travelers.slice(int(start), int(fast.lengths[run])).to_dicts()
        for got, want in zip(mine, exact.travelers, strict=True):
            assert {k: got[k] for k in schema.TRAVELER_FIELDS} == want
        got_level = fast.regs.row(run, named=True)
        for key, want in exact.level.items():
            assert got_level[key] == want, key
    return proven


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.lists(st.one_of(traveler, mostly_good), min_size=1, max_size=4),
                          level, mutation), min_size=1, max_size=6),
       st.booleans())  # fmt: skip
def test_fast_and_exact_paths_agree(regs: list, as_csv: bool) -> None:
    runs = [
        _mutate(_registration(f"R{i}", travelers, lv), how)
        for i, (travelers, lv, how) in enumerate(regs)
    ]
    _assert_same(runs, as_csv)


def test_clean_registrations_take_the_fast_path() -> None:
    runs = [_registration(f"R{i}", [GOOD, {**GOOD, "given_names": "Luis"}], {}) for i in range(5)]
    assert _assert_same(runs) == 5
    assert _assert_same(runs, as_csv=True) == 5


@pytest.fixture(scope="module")
def synth_rows(tmp_path_factory: pytest.TempPathFactory) -> pa.Table:
    out = tmp_path_factory.mktemp("fc")
    generate("oig-2023", 0.001, 5, out)
    return files.read_table(out / "registrations.parquet")


def test_synthetic_data_set_is_proven_and_agrees(synth_rows: pa.Table) -> None:
    rows = synth_rows.to_pylist()
    runs: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        runs.setdefault(row["registration_id"], []).append(row)
    proven = _assert_same(list(runs.values()))
    assert proven == len(runs)


@settings(max_examples=2000, deadline=None)
@given(st.from_regex(r"\A\+[0-9]{3,18}\Z"))
def test_canonical_phone_shortcut_is_the_rule(value: str) -> None:
    if fastcheck.canonical_phone_is_valid(value):
        assert v.phone_e164(value) == value


def test_canonical_phone_shortcut_on_synthetic_phones(synth_rows: pa.Table) -> None:
    phones = {p for p in synth_rows.column("phone").to_pylist() if p}
    shortcut = [p for p in phones if fastcheck.canonical_phone_is_valid(p)]
    assert len(shortcut) > 0.9 * len(phones)
    for p in shortcut:
        assert v.phone_e164(p) == p


@pytest.mark.parametrize(
    "written", ["52 1 664 123 4567", "+52 1 664 123 4567", "+5216641234567", "045 664 123 4567"]
)
def test_old_mexican_mobile_forms_are_proven_and_stored_as_e164(written: str) -> None:
    """The fast path's phone rule is the API's (``puerta.contacts``): the old forms
    are valid there too, stored as E.164, and both paths agree on them."""
    runs = [_registration("R0", [{**GOOD, "phone": written}], {})]
    assert _assert_same(runs) == 1
    fast = fastcheck.FastChecker(MAX_TRAVELERS).check(
        pa.Table.from_pylist(runs[0], schema.REGISTRATIONS)
    )
    assert fast.travelers is not None
    assert fast.travelers["phone"].to_list() == ["+526641234567"]


def test_non_ascii_digits_are_left_to_the_rule() -> None:
    arabic = "+\u0665\u0662\u0665\u0665\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668"
    assert not fastcheck.canonical_phone_is_valid(arabic)
    assert fastcheck.canonical_phone_is_valid("+525512345678")


def test_worker_processes_give_the_same_verdicts(
    synth_rows: pa.Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ProcessPoolExecutor

    monkeypatch.setattr(fastcheck, "_WORTH_A_WORKER", 1)
    alone = fastcheck.FastChecker(MAX_TRAVELERS).check(synth_rows)
    with ProcessPoolExecutor(2) as pool:
        helped = fastcheck.FastChecker(MAX_TRAVELERS, pool, 2).check(synth_rows)
    assert (alone.run_ok == helped.run_ok).all()
    assert alone.travelers is not None
    assert helped.travelers is not None
    assert alone.travelers.equals(helped.travelers)
    assert alone.regs.equals(helped.regs)
