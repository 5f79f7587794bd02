"""Commitment, Merkle digest, randomness and verify: tampering is caught."""

from __future__ import annotations

import dataclasses

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from puerta.draw import commitment, fair
from tests.draw.strategies import capacities, pools

SEED = bytes(range(32))


def _published(pool, capacity, seed=SEED, beacon=b""):
    entrants = fair.form_entrants(*fair.pool_frames(pool))
    recs = commitment.records(entrants)
    root = commitment.merkle_root(recs)
    rnd = commitment.derive_randomness(seed, "2023-06-01", root, beacon)
    alloc = fair.allocate(entrants.table, capacity, rnd, 0.3)
    return commitment.publish(
        entrants,
        alloc,
        pool_date="2023-06-01",
        seed=seed,
        beacon=beacon,
        capacity=capacity,
        seniority_share=0.3,
    )


@settings(max_examples=30, deadline=None)
@given(pools(max_size=20), capacities)
def test_an_honest_draw_verifies(pool, capacity) -> None:
    published = _published(pool, capacity)
    assert commitment.verify(published).ok
    again = commitment.PublishedDraw.from_json(published.to_json())
    assert commitment.verify(again).ok


@settings(max_examples=30, deadline=None)
@given(pools(max_size=20).filter(lambda p: len(p) > 0), capacities, st.data())
def test_any_change_to_the_pool_changes_the_digest(pool, capacity, data) -> None:
    published = _published(pool, capacity)
    i = data.draw(st.integers(0, len(published.records) - 1))
    parts = published.records[i].split("|")
    parts[4] = str(int(parts[4]) + 1)
    tampered = [*published.records[:i], "|".join(parts), *published.records[i + 1 :]]
    assert commitment.merkle_root(tampered).hex() != published.pool_root
    assert not commitment.verify(dataclasses.replace(published, records=tampered)).ok
    dropped = published.records[:i] + published.records[i + 1 :]
    assert not commitment.verify(dataclasses.replace(published, records=dropped)).ok


@settings(max_examples=20, deadline=None)
@given(pools(max_size=20), capacities, st.binary(min_size=32, max_size=32))
def test_a_different_seed_is_caught(pool, capacity, other) -> None:
    assume(other != SEED)
    published = _published(pool, capacity)
    assert not commitment.verify(dataclasses.replace(published, seed_hex=other.hex())).ok


def test_a_changed_result_is_caught() -> None:
    from puerta.draw.pool import PoolEntry
    from tests.draw.strategies import T0

    pool = [PoolEntry(i, f"R{i}", "SYS", 1, T0, (f"p{i}",)) for i in range(1, 20)]
    published = _published(pool, {"SYS": 5})
    loser = next(
        r.split("|")[2] for r in published.records if r.split("|")[2] not in published.selected
    )
    winner = next(iter(published.selected))
    forged = dict(published.selected)
    forged[loser] = forged.pop(winner)
    report = commitment.verify(dataclasses.replace(published, selected=forged))
    assert not report.ok
    assert not report.checks["selection"]
    assert any(loser in p for p in report.problems)


def test_inclusion_proofs() -> None:
    recs = [f"v1|{i:04d}|{i:04d}|SYS|1|2023-01-01|0" for i in range(13)]
    root = commitment.merkle_root(recs)
    for r in recs:
        assert commitment.check_inclusion(r, commitment.inclusion_proof(recs, r), root)
    proof = commitment.inclusion_proof(recs, recs[0])
    assert not commitment.check_inclusion(recs[0].replace("|1|", "|2|"), proof, root)


def test_beacon_changes_the_randomness() -> None:
    root = commitment.merkle_root([])
    assert commitment.derive_randomness(SEED, "2023-06-01", root) != commitment.derive_randomness(
        SEED, "2023-06-01", root, b"\x01"
    )
    assert commitment.commit(SEED, "2023-06-01") != commitment.commit(SEED, "2023-06-02")


def test_public_ids_are_opaque_and_per_day() -> None:
    a = commitment.public_id(b"secret", "2023-06-01", 1)
    assert a != commitment.public_id(b"secret", "2023-06-02", 1)
    assert a != commitment.public_id(b"other", "2023-06-01", 1)
    assert a != "1"
