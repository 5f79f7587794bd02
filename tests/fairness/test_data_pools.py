"""Pools from a data set: resolver persons for the draw, truth for scoring, dates as given.

The bugs these catch: the draw ran on the planted truth instead of the
resolver's persons; waiting was counted to a fixed date (negative for a data
set dated after it); request ids were renumbered per day, so a deferral
pointed at a stranger's request the next day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import polars as pl

from puerta.fairness import simulate as sim
from puerta.fairness.data import load_pools, seats_per_day
from puerta.fairness.simulate import simulate
from puerta.synth import generate

POOL_DAYS = [date(2023, 8, 1), date(2023, 8, 2), date(2023, 8, 3)]


def _write(directory: Path) -> None:
    """Three registrations, one family of two, a noisy duplicate; all ask on three days."""
    people = [  # registration, index, given, family, born, true person, coalition
        ("R1", 0, "José", "García López", date(1990, 3, 7), "P1", None),
        ("R2", 0, "JOSE", "Garcia-Lopez", date(1990, 7, 3), "P1", None),  # P1 again, noisy
        ("R3", 0, "Ana", "Pérez", date(1985, 1, 2), "P2", "C1"),
        ("R3", 1, "Bo", "Pérez", date(2015, 5, 5), "P3", "C1"),
        ("R4", 0, "Ana", "Pérez", date(1985, 1, 2), "P4", None),  # same keys, another human
    ]
    created = {
        "R1": datetime(2023, 7, 1, tzinfo=UTC),
        "R2": datetime(2023, 7, 20, tzinfo=UTC),
        "R3": datetime(2023, 7, 10, tzinfo=UTC),
        "R4": datetime(2023, 7, 25, tzinfo=UTC),
    }
    rows = pl.DataFrame(
        {
            "registration_id": [p[0] for p in people],
            "traveler_index": pl.Series([p[1] for p in people], dtype=pl.Int16),
            "registration_status": ["active"] * len(people),
            "created_at": [created[p[0]] for p in people],
            "given_names": [p[2] for p in people],
            "family_names": [p[3] for p in people],
            "date_of_birth": [p[4] for p in people],
            "sex": ["M", "M", "F", "M", "F"],
            "requested_port": ["SYS"] * len(people),
            "request_dates": [POOL_DAYS] * len(people),
        }
    )
    truth = pl.DataFrame(
        {
            "registration_id": rows["registration_id"],
            "traveler_index": rows["traveler_index"],
            "person_id": [p[5] for p in people],
            "coalition_id": pl.Series([p[6] for p in people], dtype=pl.Utf8),
        }
    )
    # Truth in another row order: it is joined on (registration_id, traveler_index).
    rows.write_parquet(directory / "registrations.parquet")
    truth.reverse().write_parquet(directory / "truth.parquet")


def test_pools_draw_on_resolver_persons_and_score_on_truth(tmp_path: Path) -> None:
    _write(tmp_path)
    pools = load_pools(tmp_path, max_days=3, identities="keys")
    assert [p.pool_date for p in pools] == POOL_DAYS
    pool = pools[0]
    trav = pool.travelers.sort("request_id", "person")
    by_row = dict(
        zip(trav["request_id"], zip(trav["person"], trav["truth"], strict=True), strict=True)
    )
    ids = dict(pool.requests.select("registration_id", "request_id").iter_rows())
    # The resolver links José's noisy duplicate, and cannot tell the two Anas apart ...
    assert by_row[ids["R1"]][0] == by_row[ids["R2"]][0]
    ana = trav.filter(pl.col("request_id") == ids["R3"])["person"].to_list()
    assert by_row[ids["R4"]][0] in ana
    # ... while scoring keeps the truth: the Anas are two persons, José one.
    assert by_row[ids["R4"]][1] not in trav.filter(pl.col("request_id") == ids["R3"])["truth"]
    assert pool.persons.height == 4
    assert sorted(pool.persons["registrations"].to_list()) == [1, 1, 1, 2]
    assert pool.persons["trick"].sum() == 2
    # Request ids are the registration's on every day (deferrals carry over).
    assert all(
        p.requests["request_id"].to_list() == pool.requests["request_id"].to_list() for p in pools
    )


def test_waiting_is_counted_to_the_pool_date(tmp_path: Path) -> None:
    _write(tmp_path)
    result = simulate(
        load_pools(tmp_path, identities="keys"), days=3, capacity=1, seed=1, bootstrap=20
    )
    for figures in result.seniority.values():
        assert figures["mean_wait_seniority"] >= 0
        assert figures["mean_wait_random"] >= 0
    # Seniority seat (capacity 1 x 0.3 = 0 seats): nobody; random seats: waited 2-32 days.
    assert 0 < result.seniority["puerta"]["mean_wait_random"] <= 33
    assert np.isfinite(result.buckets[0].by_draw["puerta"].ratio)


def test_a_person_seated_by_a_draw_stops_asking_in_its_later_pools(tmp_path: Path) -> None:
    """Enough seats for everyone: each person is seated once and is gone from that
    draw's later pools; without removal, the same people would win every day.

    Puerta seats three on day one: the keys take the second Ana for the first
    (same names, birth date and sex), so her own registration adds nobody
    until the first Ana is gone; the next day it seats her.
    """
    _write(tmp_path)
    pools = load_pools(tmp_path, identities="keys")
    tally = sim._replay(pools, days=3, caps={"SYS": 20}, seed=1, replication=0, seniority_share=0.3)
    seated = {d: tally.hits[d].sum(axis=(1, 2)).tolist() for d in sim.DRAWS}
    present = {d: tally.exposure[d].sum(axis=(1, 2)).tolist() for d in sim.DRAWS}
    assert seated == {"baseline": [4, 0, 0], "puerta": [3, 1, 0]}
    assert present == {"baseline": [4, 0, 0], "puerta": [4, 1, 0]}


def test_splink_identities_reach_the_draw_through_the_resolver(tmp_path: Path) -> None:
    """On a generated data set the trend analysis's identities join persons the keys
    keep apart, and never split what the keys joined."""
    generate("oig-2023", 0.001, 5, tmp_path)
    by_keys = load_pools(tmp_path, max_days=2, identities="keys")
    by_splink = load_pools(tmp_path, max_days=2, identities="splink")
    for k, s in zip(by_keys, by_splink, strict=True):
        keys = k.travelers.sort("request_id", "truth")
        linked = s.travelers.sort("request_id", "truth")
        assert keys["truth"].equals(linked["truth"])
        pairs = pl.DataFrame({"k": keys["person"], "s": linked["person"]}).unique()
        assert pairs["k"].is_unique().all()  # each key person lies inside one linked person
        assert linked["person"].n_unique() <= keys["person"].n_unique()
    assert sum(s.travelers["person"].n_unique() for s in by_splink) < sum(
        k.travelers["person"].n_unique() for k in by_keys
    )


def test_seats_per_day_reads_parquet_and_csv_alike(tmp_path: Path) -> None:
    """The data set's own capacity: the median of seats booked a day while the pools ran."""
    _write(tmp_path)
    pools = load_pools(tmp_path, identities="keys")
    appts = pl.DataFrame(
        {"day": [POOL_DAYS[0], POOL_DAYS[0], POOL_DAYS[1], POOL_DAYS[2]], "seats": [2, 3, 4, 9]}
    )
    appts.write_parquet(tmp_path / "appointments.parquet")
    assert seats_per_day(tmp_path, pools) == 5  # days of 5, 4 and 9 seats
    (tmp_path / "appointments.parquet").unlink()
    appts.write_csv(tmp_path / "appointments.csv")
    assert seats_per_day(tmp_path, pools) == 5
