"""The watch list file: read whole or refused loudly, versioned by content, searched fast.

Every list here is synthetic (``tests/vetting/synthetic.py``): names from the
synthetic population's name pools, never real people.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from puerta import errors
from puerta.errors import PuertaError
from puerta.i18n import render
from puerta.vetting import decide, jobs, watchlist
from puerta.vetting.records import AdvanceInfo, Record, Result
from tests.vetting import synthetic

PEOPLE = synthetic.people(60, seed=21)


def listed(tmp_path: Path, name: str = "watch.csv") -> Path:
    return synthetic.write_csv(tmp_path / name, synthetic.watch_list_rows(PEOPLE[:20]))


def refused(path: Path) -> PuertaError:
    with pytest.raises(PuertaError) as caught:
        watchlist.load(path)
    return caught.value


def test_a_csv_list_loads_with_its_version(tmp_path: Path) -> None:
    path = listed(tmp_path)
    wl = watchlist.load(path)
    assert len(wl.records) == 20
    first = wl.records[0]
    assert (first.record_id, first.given_names, first.date_of_birth) == (
        "W-0000",
        PEOPLE[0].given,
        PEOPLE[0].born,
    )
    assert first.note == "synthetic test record"
    assert wl.version == watchlist.version_of(path.read_bytes())
    # Any edit is a new version; the same bytes, the same version.
    path.write_text(path.read_text().replace("W-0003", "W-0103"))
    assert watchlist.load(path).version != wl.version
    assert watchlist.load(path).version == watchlist.load(path).version


def test_a_parquet_list_with_typed_columns_loads(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "record_id": [101, 102],
            "given_names": ["Oleksandr", "Ana Lucía"],
            "family_names": ["Kovalenko", "Morales Pérez"],
            "date_of_birth": [date(1984, 6, 9), date(1990, 5, 17)],
            "citizenship": ["UKR", None],
            "document_number": ["fa 123456", None],
        }
    )
    path = tmp_path / "watch.parquet"
    frame.write_parquet(path)
    wl = watchlist.load(path)
    assert wl.records[0] == Record(
        "101",
        "Oleksandr",
        "Kovalenko",
        date(1984, 6, 9),
        citizenship="UA",
        document_number="fa 123456",
    )
    assert wl.records[1].citizenship is None


def test_a_spreadsheets_utf8_mark_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = listed(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(watchlist.load(path).records) == 20


@pytest.mark.parametrize(
    ("change", "error", "params"),
    [
        (
            lambda rows, cols: (rows, [c for c in cols if c != "date_of_birth"]),
            errors.WatchListMissingColumn,
            {"column": "date_of_birth"},
        ),
        (
            lambda rows, cols: (
                [r | {"documentnumber": "X"} for r in rows],
                [*cols, "documentnumber"],
            ),
            errors.WatchListUnknownColumn,
            {"column": "documentnumber"},
        ),
        (
            lambda rows, cols: (_at(rows, 3, date_of_birth="1990-02-30"), cols),
            errors.WatchListBadValue,
            {"row": 5, "column": "date_of_birth", "value": "1990-02-30"},
        ),
        (
            lambda rows, cols: (_at(rows, 0, date_of_birth="17/05/1990"), cols),
            errors.WatchListBadValue,
            {"row": 2, "column": "date_of_birth", "value": "17/05/1990"},
        ),
        (
            lambda rows, cols: (_at(rows, 7, family_names="  "), cols),
            errors.WatchListEmptyValue,
            {"row": 9, "column": "family_names"},
        ),
        (
            lambda rows, cols: (_at(rows, 4, sex="female"), cols),
            errors.WatchListBadValue,
            {"row": 6, "column": "sex", "value": "female"},
        ),
        (
            lambda rows, cols: (_at(rows, 2, record_id="W-0000"), cols),
            errors.WatchListDuplicateRecord,
            {"row": 4, "record_id": "W-0000", "first_row": 2},
        ),
        (
            lambda rows, cols: (_at(rows, 1, given_names="x" * 101), cols),
            errors.WatchListTooLong,
            {"row": 3, "column": "given_names", "max_length": 100},
        ),
    ],
    ids=["missing", "unknown", "no-such-day", "not-iso", "empty", "sex", "duplicate", "long"],
)
def test_a_bad_file_is_refused_naming_row_and_column(
    tmp_path: Path, change: object, error: type[PuertaError], params: dict[str, object]
) -> None:
    rows = synthetic.watch_list_rows(PEOPLE[:10])
    columns = [*rows[0], "citizenship", "document_number"]
    rows, columns = change(rows, columns)  # type: ignore[operator]
    path = synthetic.write_csv(tmp_path / "watch.csv", rows, columns)
    got = refused(path)
    assert type(got) is error
    assert {k: v for k, v in got.params.items() if k in params} == params
    text = render(got.message, got.params)
    for value in params.values():
        assert str(value) in text


def _at(rows: list[dict[str, object]], index: int, **values: object) -> list[dict[str, object]]:
    rows = [dict(r) for r in rows]
    rows[index] |= values
    return rows


def test_the_file_itself_is_checked(tmp_path: Path) -> None:
    assert type(refused(tmp_path / "missing.csv")) is errors.WatchListNotFound
    assert type(refused(tmp_path / "watch.xlsx")) is errors.WatchListFormat
    garbage = tmp_path / "watch.parquet"
    garbage.write_bytes(b"not parquet at all")
    assert type(refused(garbage)) is errors.WatchListUnreadable
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(
        "record_id,given_names,family_names,date_of_birth\n1,Jos\xe9,P,1990-01-01\n".encode(
            "latin-1"
        )
    )
    assert type(refused(latin1)) is errors.WatchListUnreadable


def test_nothing_of_a_bad_file_is_used(tmp_path: Path) -> None:
    """A running process keeps vetting with nothing rather than with half a list."""
    path = listed(tmp_path)
    cache = jobs.ListCache()
    good = cache.current(path)
    assert cache.current(path) is good  # unchanged: not read again
    rows = _at(synthetic.watch_list_rows(PEOPLE[:20]), 19, date_of_birth="soon")
    synthetic.write_csv(path, rows)
    with pytest.raises(errors.WatchListBadValue):
        cache.current(path)
    synthetic.write_csv(path, synthetic.watch_list_rows(PEOPLE[:21]))
    assert len(cache.current(path).records) == 21


def test_the_index_finds_every_hit_comparing_all_would() -> None:
    """Candidates by shared name key or near birth date lose no hit of the rules."""
    rng = random.Random(3)
    population = synthetic.people(200, seed=8)
    listed_people = population[:60]
    wl = watchlist.WatchList.of([p.record(f"W-{i}") for i, p in enumerate(listed_people)])
    travelers: list[AdvanceInfo] = []
    for p in population:
        travelers.append(p.advance())
        travelers.append(synthetic.slipped(p, rng).advance())
        for given, family in synthetic.spellings(p)[:2]:
            travelers.append(p.advance(given_names=given, family_names=family))
        travelers.append(p.advance(given_names=p.family, family_names=p.given))
    fast = wl.check(travelers)
    slow = [decide.verdict(t, wl.records) for t in travelers]
    assert fast == slow
    hits = sum(v.result is not Result.NO_MATCH for v in fast)
    assert hits > 150  # the listed people and their variants
    # And it is an index: a traveler is compared with a few records, not all of them.
    assert sum(len(wl.candidates(t)) for t in travelers) < len(travelers) * len(wl.records) / 10
