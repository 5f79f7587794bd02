"""The default records source: a watch list file (CSV or Parquet) the operator configures.

Columns (docs/data-formats.md, "Watch list"): ``record_id``, ``given_names``,
``family_names``, ``date_of_birth`` (YYYY-MM-DD), and optionally ``sex``
(F, M or X), ``citizenship`` (ISO 3166, two or three letters),
``document_number`` and ``note``. The file is validated whole before any of it
is used: a missing or unknown column, an empty required value, a date that is
no date, a repeated record id, each raises a coded error naming the row (as a
spreadsheet counts them: the header is row 1) and the column, and nothing is
loaded. A list is either wholly in use or not at all.

The list's *version* is the SHA-256 of the file's bytes: any edit gives a new
version, and the service vets every upcoming traveler again.

Matching is :mod:`puerta.vetting.decide` over the records a traveler could hit.
Which records those are is found through an index, not by comparing every
traveler with every record: a record is a candidate when it shares a name word
with the traveler (its romanised form, transliteration skeleton or Metaphone,
in either name field) or a birth date that is the same, swapped, a day or one
digit apart. Every hit the rules allow shares one of these
(``tests/vetting/test_watchlist.py`` checks it against comparing all).

Example:
    >>> wl = WatchList.of([Record("W-1", "Oleksandr", "Kovalenko", date(1980, 2, 3))])
    >>> wl.check([AdvanceInfo("Александр", "Коваленко", date(1980, 3, 2))])[0].result
    <Result.POSSIBLE_MATCH: 'possible_match'>
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from puerta.errors import (
    EXPECTED_COUNTRY,
    EXPECTED_DATE,
    EXPECTED_SEX,
    EXPECTED_TEXT,
    ForbiddenCharacters,
    NotACountry,
    Required,
    TextTooLong,
    WatchListBadValue,
    WatchListDuplicateRecord,
    WatchListEmptyValue,
    WatchListFormat,
    WatchListMissingColumn,
    WatchListNotFound,
    WatchListTooLong,
    WatchListUnknownColumn,
    WatchListUnreadable,
)
from puerta.registration import validation
from puerta.trends import names
from puerta.vetting import decide
from puerta.vetting.compare import Forms
from puerta.vetting.records import AdvanceInfo, Record, Verdict

SOURCE = "watch_list"
DATE_OF_BIRTH, SEX, CITIZENSHIP = "date_of_birth", "sex", "citizenship"
REQUIRED = ("record_id", "given_names", "family_names", DATE_OF_BIRTH)
OPTIONAL = (SEX, CITIZENSHIP, "document_number", "note")
COLUMNS = REQUIRED + OPTIONAL
#: Longest value of each text column (names as the registration form allows them).
MAX_LENGTH = {
    "record_id": 64,
    "given_names": 100,
    "family_names": 100,
    "document_number": 40,
    "note": 500,
}
SEXES = frozenset({"F", "M", "X"})
FORMATS = (".csv", ".parquet")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def version_of(data: bytes) -> str:
    """A list's version: the SHA-256 of its file, in hex."""
    return hashlib.sha256(data).hexdigest()


def _name_keys(forms: Iterable[Forms | None]) -> set[str]:
    keys: set[str] = set()
    for f in forms:
        if f is None:
            continue
        for word in f.words:
            keys |= {f"w:{word}", f"s:{names.variant_skeleton(word)}", f"p:{names.phonetic(word)}"}
    return keys


def _date_keys(born: date) -> set[str]:
    """The birth dates a hit may have: the same, swapped, a day apart, one digit apart."""
    digits = born.strftime("%Y%m%d")
    keys = {digits}
    if born.day <= 12:
        keys.add(f"{born.year:04d}{born.day:02d}{born.month:02d}")
    for days in (-1, 1):
        with contextlib.suppress(ValueError):  # beyond the calendar's ends
            keys.add(date.fromordinal(born.toordinal() + days).strftime("%Y%m%d"))
    for i in range(len(digits)):
        keys.update(digits[:i] + d + digits[i + 1 :] for d in "0123456789")
    return keys


@dataclass(frozen=True)
class WatchList:
    """A validated watch list, its version, and an index to find a traveler's candidates."""

    records: tuple[Record, ...]
    version: str
    path: str | None = None
    source: str = SOURCE
    _by_name: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)
    _by_date: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for i, r in enumerate(self.records):
            forms = (Forms.of(r.given_names), Forms.of(r.family_names))
            for key in _name_keys(forms):
                self._by_name.setdefault(key, []).append(i)
            self._by_date.setdefault(r.date_of_birth.strftime("%Y%m%d"), []).append(i)

    @classmethod
    def of(cls, records: Sequence[Record], version: str | None = None) -> WatchList:
        """A list from records in hand (tests, other adapters); version from their content."""
        if version is None:
            version = version_of(repr(sorted(records, key=lambda r: r.record_id)).encode())
        return cls(tuple(records), version)

    def candidates(self, traveler: AdvanceInfo) -> list[Record]:
        """The records ``traveler`` could hit (a superset of the hits; see the module)."""
        found: set[int] = set()
        forms = (Forms.of(traveler.given_names), Forms.of(traveler.family_names))
        for key in _name_keys(forms):
            found.update(self._by_name.get(key, ()))
        for key in _date_keys(traveler.date_of_birth):
            found.update(self._by_date.get(key, ()))
        return [self.records[i] for i in sorted(found)]

    def check(self, travelers: Sequence[AdvanceInfo]) -> list[Verdict]:
        return [decide.verdict(t, self.candidates(t)) for t in travelers]


# --- reading and validating the file -------------------------------------------------------


def read(path: str | Path) -> bytes:
    """The file's bytes (what its version is the hash of), or a coded error."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise WatchListFormat(path=str(path))
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise WatchListNotFound(path=str(path)) from None
    except OSError as exc:
        raise WatchListUnreadable(
            path=str(path), reason=exc.strerror or type(exc).__name__
        ) from exc


def from_bytes(data: bytes, path: str | Path) -> WatchList:
    """Validate a file's content (its format from ``path``'s suffix) into a list."""
    table = _table(data, Path(path).suffix.lower(), str(path))
    return WatchList(parse(table.columns, table.iter_rows(named=True)), version_of(data), str(path))


def load(path: str | Path) -> WatchList:
    """Read and validate the watch list at ``path``; a coded error names what is wrong."""
    return from_bytes(read(path), path)


def _table(data: bytes, suffix: str, path: str) -> pl.DataFrame:
    """Every column as text (a Parquet date as YYYY-MM-DD), nothing inferred."""
    try:
        if suffix == ".csv":
            body = data.removeprefix(codecs.BOM_UTF8)  # a spreadsheet's UTF-8 mark
            return pl.read_csv(io.BytesIO(body), infer_schema=False, encoding="utf8")
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:  # polars and pyarrow raise many kinds for a bad file
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WatchListUnreadable(path=path, reason=reason) from exc
    return frame.with_columns(
        pl.col(c).dt.strftime("%Y-%m-%d")
        if frame.schema[c] == pl.Date
        else pl.col(c).cast(pl.String)
        for c in frame.columns
    )


def parse(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> tuple[Record, ...]:
    """Validated records from a table's header and rows, or the first error.

    Pure: the file's reader hands the rows in; row numbers count the header as 1.
    """
    present = [c.strip() for c in columns]
    for column in REQUIRED:
        if column not in present:
            raise WatchListMissingColumn(column=column)
    for column in present:
        if column not in COLUMNS:
            raise WatchListUnknownColumn(column=column)
    records: list[Record] = []
    first_row: dict[str, int] = {}
    for number, raw in enumerate(rows, start=2):
        values = {c.strip(): v for c, v in raw.items()}
        record = _record(number, values)
        if record.record_id in first_row:
            raise WatchListDuplicateRecord(
                row=number, record_id=record.record_id, first_row=first_row[record.record_id]
            )
        first_row[record.record_id] = number
        records.append(record)
    return tuple(records)


def _text(row: int, column: str, value: Any, *, required: bool) -> str | None:
    text = "" if value is None else str(value)
    try:
        return validation.clean_text(text, max_len=MAX_LENGTH.get(column, 100))
    except Required:
        if required:
            raise WatchListEmptyValue(row=row, column=column) from None
        return None
    except ForbiddenCharacters:
        raise WatchListBadValue(
            row=row, column=column, value=text, expected=EXPECTED_TEXT
        ) from None
    except TextTooLong as exc:
        raise WatchListTooLong(row=row, column=column, max_length=exc.max_length) from None


def _date(row: int, born: str) -> date:
    try:
        if _ISO_DATE.match(born):
            return date.fromisoformat(born)
    except ValueError:
        pass
    raise WatchListBadValue(row=row, column=DATE_OF_BIRTH, value=born, expected=EXPECTED_DATE)


def _record(row: int, values: Mapping[str, Any]) -> Record:
    text = {c: _text(row, c, values.get(c), required=c in REQUIRED) for c in COLUMNS}
    born = text[DATE_OF_BIRTH]
    assert born is not None
    date_of_birth = _date(row, born)
    sex = text[SEX].upper() if text[SEX] else None
    if sex is not None and sex not in SEXES:
        raise WatchListBadValue(row=row, column=SEX, value=str(text[SEX]), expected=EXPECTED_SEX)
    citizenship = None
    if text[CITIZENSHIP]:
        try:
            citizenship = validation.country_code(text[CITIZENSHIP])
        except NotACountry:
            raise WatchListBadValue(
                row=row, column=CITIZENSHIP, value=text[CITIZENSHIP], expected=EXPECTED_COUNTRY
            ) from None
    assert text["record_id"] is not None
    assert text["given_names"] is not None
    assert text["family_names"] is not None
    return Record(
        record_id=text["record_id"],
        given_names=text["given_names"],
        family_names=text["family_names"],
        date_of_birth=date_of_birth,
        sex=sex,
        citizenship=citizenship,
        document_number=text["document_number"],
        note=text["note"],
    )
