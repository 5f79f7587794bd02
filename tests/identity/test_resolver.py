"""LinkedResolver: identities from another analysis, added to the keys' links."""

from __future__ import annotations

from datetime import date

import polars as pl

from puerta.identity.resolver import KeyResolver, LinkedResolver

ROWS = pl.DataFrame(
    {
        "traveler_id": [1, 2, 3, 4, 5],
        "given_names": ["Oleksandr", "Aleksandr", "Alexander", "Maria", "María"],
        "family_names": ["Shevchenko", "Shevchenko", "Schewtschenko", "Lopez", "López"],
        "date_of_birth": [date(1990, 3, 7)] * 3 + [date(1985, 1, 2)] * 2,
    }
)


def test_labels_link_what_the_keys_miss_and_keys_still_link() -> None:
    keys = KeyResolver().resolve(ROWS).tolist()
    assert keys[0] != keys[2]  # no key joins these spellings
    assert keys[3] == keys[4]  # accents fold
    labels = pl.DataFrame({"traveler_id": [1, 3], "identity": ["p9", "p9"]})
    linked = LinkedResolver(labels, on=("traveler_id",)).resolve(ROWS).tolist()
    assert linked[0] == linked[2]
    assert linked[3] == linked[4]  # the keys' own links are kept
    assert len(set(linked)) == len(set(keys)) - 1


def test_links_are_transitive_through_labels_and_keys() -> None:
    """Row 2 is linked to row 1 by a key, row 1 to row 3 by a label: all one person."""
    rows = ROWS.with_columns(
        pl.Series("given_names", ["Aleksandr", "Aleksandr", "Alexander", "Maria", "Maria"])
    )
    labels = pl.DataFrame({"traveler_id": [1, 3], "identity": [7, 7]})
    out = LinkedResolver(labels, on=("traveler_id",)).resolve(rows).tolist()
    assert out[0] == out[1] == out[2]
    assert out[3] != out[0]


def test_unlabelled_rows_and_empty_frames() -> None:
    empty_labels = pl.DataFrame(
        {"traveler_id": pl.Series([], dtype=pl.Int64), "identity": pl.Series([], dtype=pl.Int64)}
    )
    resolver = LinkedResolver(empty_labels, on=("traveler_id",))
    assert resolver.resolve(ROWS).tolist() == KeyResolver().resolve(ROWS).tolist()
    assert len(resolver.resolve(ROWS.head(0))) == 0
