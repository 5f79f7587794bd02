"""Synthetic people for the vetting tests, from the synthetic population (never real people).

Names come from the generator's name pools (``puerta.synth.names.pool``) of the
population's origins; spelling variants from its romanisation conventions
(``puerta.synth.errors.spellings``: the German, French, English and Spanish
forms of one native name); slips from its error classes (``typo``,
``dob_day``, ``dob_digit``). A watch list is written from some of them, as an
operator's file would be.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from puerta.synth import errors as synth_errors
from puerta.synth import names as synth_names
from puerta.vetting.records import AdvanceInfo, Record

#: Name sources of the population's origins (``puerta.synth.profiles.ORIGINS``).
SOURCES = ("es_MX", "es_CO", "ru_RU", "uk_UA", "hy_AM", "ka_GE", "hand:arabic", "hand:haiti")
#: Sources whose names have native spellings in several conventions.
SPELLED = ("ru_RU", "uk_UA", "hy_AM", "ka_GE", "hand:arabic")
LATEST = date(2026, 1, 1)


@dataclass(frozen=True)
class Person:
    given: str
    family: str
    born: date
    sex: str
    source: str

    def advance(self, **changes: object) -> AdvanceInfo:
        values = {
            "given_names": self.given,
            "family_names": self.family,
            "date_of_birth": self.born,
            "sex": self.sex,
        } | changes
        return AdvanceInfo(**values)  # type: ignore[arg-type]

    def record(self, record_id: str, **changes: object) -> Record:
        values = {
            "record_id": record_id,
            "given_names": self.given,
            "family_names": self.family,
            "date_of_birth": self.born,
            "sex": self.sex,
        } | changes
        return Record(**values)  # type: ignore[arg-type]


def person(rng: random.Random, source: str | None = None) -> Person:
    source = source or rng.choice(SOURCES)
    pool = synth_names.pool(source)
    sex = rng.choice("FM")
    given = rng.choice(pool.female if sex == "F" else pool.male)
    family = rng.choice(pool.family_female if sex == "F" else pool.family)
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    return Person(given, family, born, sex, source)


def people(n: int, seed: int = 14) -> list[Person]:
    rng = random.Random(seed)
    return [person(rng) for _ in range(n)]


def spellings(p: Person) -> list[tuple[str, str]]:
    """The person's names in each romanisation convention the generator knows."""
    given = synth_errors.spellings(p.given, p.source)
    family = synth_errors.spellings(p.family, p.source)
    if not given or not family:
        return [(p.given, p.family)]
    return sorted({(given[c], family[c]) for c in given if c in family})


def slipped(p: Person, rng: random.Random) -> Person:
    """The person as they might type themself: a typo, a date a day or a digit off."""
    kind = rng.randrange(4)
    if kind == 0:
        return Person(synth_names.typo(p.given, rng), p.family, p.born, p.sex, p.source)
    if kind == 1:
        return Person(p.given, synth_names.typo(p.family, rng), p.born, p.sex, p.source)
    if kind == 2:
        return Person(p.given, p.family, synth_errors.dob_day(p.born, rng, LATEST), p.sex, p.source)
    born = synth_errors.dob_digit(p.born, rng, LATEST)
    return Person(p.given, p.family, born, p.sex, p.source)


def write_csv(path: Path, rows: list[dict[str, object]], columns: list[str] | None = None) -> Path:
    columns = columns or list(rows[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def watch_list_rows(persons: list[Person], prefix: str = "W") -> list[dict[str, object]]:
    return [
        {
            "record_id": f"{prefix}-{i:04d}",
            "given_names": p.given,
            "family_names": p.family,
            "date_of_birth": p.born.isoformat(),
            "sex": p.sex,
            "note": "synthetic test record",
        }
        for i, p in enumerate(persons)
    ]
