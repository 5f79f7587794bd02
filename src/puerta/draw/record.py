"""The published entrant record: the one place that writes and reads its format.

One line per pooled request (``docs/draw.md``), ``|``-separated::

    v1|<request id>|<entrant id>|<port>|<seats>|<seniority YYYY-MM-DD>|<priority 0/1>

Why one module: the draw, the verifier and the applicant's entry page all
read these lines; when each split them by position, a new version would
have been misread in one place and not another. Here the version is checked
first, and a version this code does not know is refused by name.

:meth:`Record.parse` reads one line; :func:`parse_many` reads a whole pool
column-wise (a million lines in well under a second) with the same checks,
and reports a bad line with :meth:`Record.parse`'s own error.

Example:
    >>> r = Record.parse("v1|a1|a1|SYS|2|2023-05-01|0")
    >>> r.port_code, r.seats, r.seniority, r.priority
    ('SYS', 2, datetime.date(2023, 5, 1), False)
    >>> str(r)
    'v1|a1|a1|SYS|2|2023-05-01|0'
    >>> Record.parse("v2|a1|a1|SYS|2|2023-05-01|0")
    Traceback (most recent call last):
    ...
    ValueError: unknown record version 'v2': this verifier reads v1 records
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import polars as pl

VERSION = "v1"
"""The record version written today, and the only one read."""

FIELDS: tuple[str, ...] = (
    "version",
    "public_id",
    "entrant_id",
    "port_code",
    "seats",
    "seniority",
    "priority",
)
"""The fields of a record, in order."""

_VERSION_LIKE = re.compile(r"v\d+")
# ASCII digits only (``\d`` would take any script's); seats fit an Int64.
_SEATS = re.compile(r"^[0-9]{1,18}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_FORMAT_ERROR = "a record is not in the v1 format"


@dataclass(frozen=True, slots=True)
class Record:
    """One published line: a request's public id, its entrant, and what the draw needs.

    ``seats`` is how many persons the request adds to its entrant (0 for a
    request merged as a duplicate); port, seniority and priority are the
    entrant's and repeat on each of its records.
    """

    public_id: str
    entrant_id: str
    port_code: str
    seats: int
    seniority: date
    priority: bool

    def __str__(self) -> str:
        return "|".join(
            (
                VERSION,
                self.public_id,
                self.entrant_id,
                self.port_code,
                str(self.seats),
                self.seniority.isoformat(),
                "1" if self.priority else "0",
            )
        )

    @classmethod
    def parse(cls, line: str) -> Record:
        """Read one published line; raise ValueError naming what is wrong.

        The version is checked before anything else, so a record of a later
        version is refused as such, never misread field by field.
        """
        version = line.split("|", 1)[0]
        if version != VERSION:
            if _VERSION_LIKE.fullmatch(version):
                raise ValueError(
                    f"unknown record version {version!r}: this verifier reads {VERSION} records"
                )
            raise ValueError(_FORMAT_ERROR)
        parts = line.split("|")
        if len(parts) != len(FIELDS):
            raise ValueError(_FORMAT_ERROR)
        _, public_id, entrant_id, port_code, seats, seniority, priority = parts
        if not (_SEATS.fullmatch(seats) and _DATE.fullmatch(seniority) and priority in ("0", "1")):
            raise ValueError("a record has a malformed field")
        try:
            day = date.fromisoformat(seniority)
        except ValueError as exc:
            raise ValueError(f"a record has a malformed field: {exc}") from None
        return cls(public_id, entrant_id, port_code, int(seats), day, priority == "1")


def format_expr() -> pl.Expr:
    """The record of each row of a frame with the columns of :data:`FIELDS` but the version.

    Column-wise :meth:`Record.__str__`, for publishing a whole pool at once.
    """
    return pl.concat_str(
        pl.lit(VERSION),
        "public_id",
        "entrant_id",
        "port_code",
        pl.col("seats").cast(pl.Utf8),
        pl.col("seniority").cast(pl.Date).dt.strftime("%Y-%m-%d"),
        pl.col("priority").cast(pl.Int8).cast(pl.Utf8),
        separator="|",
    ).alias("record")


def parse_many(lines: Iterable[str]) -> pl.DataFrame:
    """:meth:`Record.parse` over a pool, column-wise: one row per line, in order.

    Columns: ``record`` (the line as published) and the fields of
    :class:`Record`. The first bad line is reported with the error
    :meth:`Record.parse` gives for it.
    """
    text = pl.Series("record", list(lines), dtype=pl.Utf8)
    parts = (
        text.str.split_exact("|", len(FIELDS) - 1)
        .struct.rename_fields(list(FIELDS))
        .struct.unnest()
    )
    seniority = parts["seniority"].str.to_date("%Y-%m-%d", strict=False)
    good = (
        (text.str.count_matches("|", literal=True) == len(FIELDS) - 1)
        & (parts["version"] == VERSION)
        & parts["seats"].str.contains(_SEATS.pattern)
        & parts["seniority"].str.contains(_DATE.pattern)
        & seniority.is_not_null()
        & parts["priority"].is_in(["0", "1"])
    ).fill_null(False)
    if not good.all():
        Record.parse(text.filter(~good)[0])
        raise ValueError("a record has a malformed field")
    return pl.DataFrame(
        {
            "record": text,
            "public_id": parts["public_id"],
            "entrant_id": parts["entrant_id"],
            "port_code": parts["port_code"],
            "seats": parts["seats"].cast(pl.Int64),
            "seniority": seniority,
            "priority": parts["priority"] == "1",
        }
    )
