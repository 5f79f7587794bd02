"""The published record: one parser, which checks the version and refuses bad lines."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import given, settings

from puerta.draw import commitment, fair
from puerta.draw.record import Record, parse_many
from tests.draw.strategies import pools

LINE = "v1|a1b2|e9f8|SYS|2|2023-05-01|1"


def test_round_trip() -> None:
    record = Record.parse(LINE)
    assert record == Record("a1b2", "e9f8", "SYS", 2, date(2023, 5, 1), True)
    assert str(record) == LINE
    assert Record.parse(str(dataclasses.replace(record, seats=0, priority=False))).seats == 0


@settings(max_examples=30, deadline=None)
@given(pools(max_size=20))
def test_published_records_parse_back_one_by_one_and_all_at_once(pool) -> None:
    lines = commitment.records(fair.form_entrants(*fair.pool_frames(pool)))
    parsed = [Record.parse(line) for line in lines]
    assert [str(r) for r in parsed] == lines
    table = parse_many(lines)
    assert table["record"].to_list() == lines
    assert [Record(*row) for row in table.drop("record").iter_rows()] == parsed


UNKNOWN_VERSION = "v2|a1b2|e9f8|SYS|2|2023-05-01|1|extra"


def test_an_unknown_version_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown record version 'v2'"):
        Record.parse(UNKNOWN_VERSION)
    with pytest.raises(ValueError, match="unknown record version 'v2'"):
        parse_many([LINE, UNKNOWN_VERSION])
    with pytest.raises(ValueError, match="unknown record version 'v2'"):
        commitment.entrants_from_records([LINE, UNKNOWN_VERSION])


def test_the_verifier_names_an_unknown_version() -> None:
    seed = bytes(32)
    lines = [LINE.replace("v1", "v2", 1)]
    published = commitment.PublishedDraw(
        pool_date="2023-06-01",
        seed_commitment=commitment.commit(seed, "2023-06-01"),
        seed_hex=seed.hex(),
        beacon_hex="",
        pool_root=commitment.merkle_root(lines).hex(),
        records=lines,
        capacity={"SYS": 3},
        seniority_share=0.0,
        selected={},
    )
    report = commitment.verify(published)
    assert not report.checks["records"]
    assert any("unknown record version 'v2'" in p for p in report.problems)


MALFORMED = [
    "",
    "garbage",
    "v1",
    "v1|a1b2|e9f8|SYS|2|2023-05-01",  # a field missing
    "v1|a1b2|e9f8|SYS|2|2023-05-01|1|1",  # a field too many
    "V1|a1b2|e9f8|SYS|2|2023-05-01|1",
    "v1|a1b2|e9f8|SYS|two|2023-05-01|1",
    "v1|a1b2|e9f8|SYS|-1|2023-05-01|1",
    "v1|a1b2|e9f8|SYS|+1|2023-05-01|1",
    "v1|a1b2|e9f8|SYS|٣|2023-05-01|1",  # not an ASCII digit
    "v1|a1b2|e9f8|SYS|2|2023-13-01|1",
    "v1|a1b2|e9f8|SYS|2|2023/05/01|1",
    "v1|a1b2|e9f8|SYS|2|20230501|1",
    "v1|a1b2|e9f8|SYS|2|2023-05-01|2",
    "v1|a1b2|e9f8|SYS|2|2023-05-01|",
    "v1|a1b2|e9f8|SYS|2\n|2023-05-01|1",
]


MALFORMED_ERROR = r"^a record (is not in the v1 format|has a malformed field)"


@pytest.mark.parametrize("line", MALFORMED)
def test_a_malformed_record_is_refused(line: str) -> None:
    with pytest.raises(ValueError, match=MALFORMED_ERROR):
        Record.parse(line)
    with pytest.raises(ValueError, match=MALFORMED_ERROR):
        parse_many([LINE, line])
