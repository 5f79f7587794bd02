"""Determinism, API-valid rows, the noise, and the planted patterns."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pyarrow.parquet as pq
import pytest

from puerta.contacts import email_key, phone_key
from puerta.dataset.schema import TRAVELER_FIELDS
from puerta.registration.schemas import TravelerIn
from puerta.synth import activity, generate
from puerta.synth.profiles import OIG_2023


def _read(directory: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(directory / f"{name}.parquet")


def test_same_seed_same_data_other_seed_other_data(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate("oig-2023", 0.002, 11, a)
    generate("oig-2023", 0.002, 11, b, workers=2)  # processes do not change the output
    generate("oig-2023", 0.002, 12, c)
    for name in ("registrations", "appointments", "truth"):
        assert pq.read_table(a / f"{name}.parquet").equals(pq.read_table(b / f"{name}.parquet"))
    assert not _read(a, "registrations").equals(_read(c, "registrations"))


def test_rows_are_valid_for_the_api_and_already_in_stored_form(synth_dir: Path) -> None:
    """Every row passes the API; rows written in another form of a contact
    (synth.errors) are stored as the API would store them, the rest as written."""
    df = _read(synth_dir, "registrations").join(
        _read(synth_dir, "truth"), on=["registration_id", "traveler_index"]
    )
    variant = pl.col("error_class").str.contains("phone_form|email_variant")
    rows = df.filter(~variant).select(TRAVELER_FIELDS).sample(3000, seed=1)
    for row in rows.to_dicts():
        assert TravelerIn.model_validate(row).model_dump() == row
    for row in (
        df.filter((pl.col("error_class") != "") & ~variant).select(TRAVELER_FIELDS).to_dicts()
    ):
        assert TravelerIn.model_validate(row).model_dump() == row  # every planted error, too
    others = df.filter(variant).select(TRAVELER_FIELDS)
    assert others.height > 0
    for row in others.to_dicts():
        stored = TravelerIn.model_validate(row).model_dump()
        assert stored["phone"] == (phone_key(row["phone"]) if row["phone"] else None)


def test_every_noise_kind_occurs_and_only_on_duplicates(synth_dir: Path) -> None:
    truth = _read(synth_dir, "truth")
    labelled = truth.filter(pl.col("noise") != "")
    assert labelled["duplicate_of"].null_count() == 0
    kinds = set(",".join(labelled["noise"].to_list()).split(","))
    assert kinds >= {
        "typo",
        "translit",
        "native_script",
        "dropped_surname",
        "dmy_swap",
        "new_email",
        "new_phone",
        "upper_case",
    }


def test_noise_labels_tell_the_truth(synth_dir: Path) -> None:
    df = _read(synth_dir, "registrations").join(
        _read(synth_dir, "truth"), on=["registration_id", "traveler_index"]
    )
    swapped = df.filter(pl.col("noise").str.contains("dmy_swap"))
    assert swapped.height > 0
    for r in swapped.select("date_of_birth", "canonical_date_of_birth").to_dicts():
        d, c = r["date_of_birth"], r["canonical_date_of_birth"]
        assert (d.year, d.month, d.day) == (c.year, c.day, c.month)
    dropped = df.filter(pl.col("noise") == "dropped_surname")
    assert dropped.height > 0
    assert (
        dropped["family_names"] == dropped["canonical_family_names"].str.split(" ").list.first()
    ).all()
    clean = df.filter(pl.col("duplicate_of").is_null())
    assert (clean["given_names"] == clean["canonical_given_names"]).all()


def test_planted_fraud_has_the_population_demographics(synth_dir: Path) -> None:
    df = _read(synth_dir, "registrations").join(
        _read(synth_dir, "truth"), on=["registration_id", "traveler_index"]
    )
    counts = df.group_by("person_id").agg(pl.col("registration_id").n_unique().alias("n"))
    persons = df.filter(pl.col("duplicate_of").is_null() & pl.col("top_ten").is_null()).join(
        counts, on="person_id"
    )
    everyone = persons["language"].value_counts(normalize=True)
    fraud = persons.filter(pl.col("n") >= 10)["language"].value_counts(normalize=True)
    joined = everyone.join(fraud, on="language", how="left", suffix="_f").fill_null(0)
    distance = 0.5 * (joined["proportion"] - joined["proportion_f"]).abs().sum()
    assert distance < 0.08
    assert persons.filter(pl.col("n") >= 10)["sex"].value_counts(normalize=True).filter(
        pl.col("sex") == "M"
    )["proportion"][0] == pytest.approx(0.56, abs=0.05)


def test_bursts_are_seconds_apart_with_inhuman_forms(synth_dir: Path) -> None:
    df = (
        _read(synth_dir, "registrations")
        .join(_read(synth_dir, "truth"), on=["registration_id", "traveler_index"])
        .filter(pl.col("traveler_index") == 0)
    )
    bursts = df.filter(pl.col("burst_id").is_not_null()).sort("burst_id", "created_at")
    assert bursts["burst_id"].n_unique() >= 10
    assert bursts["form_seconds"].max() < 20
    gaps = bursts.with_columns(
        (pl.col("created_at").diff().over("burst_id").dt.total_seconds()).alias("gap")
    )["gap"].drop_nulls()
    assert gaps.max() <= 8
    humans = df.filter(pl.col("burst_id").is_null())
    assert humans["form_seconds"].min() >= 60


def test_rings_share_one_contact_across_unrelated_households(synth_dir: Path) -> None:
    df = (
        _read(synth_dir, "registrations")
        .join(_read(synth_dir, "truth"), on=["registration_id", "traveler_index"])
        .filter(pl.col("ring_id").is_not_null() & (pl.col("traveler_index") == 0))
    )
    assert df["ring_id"].n_unique() >= 10
    for ring in df.partition_by("ring_id"):
        via = ring["ring_via"][0]
        column = {"phone": "phone", "email": "email", "device": "device_id"}[via]
        key = {"phone": phone_key, "email": email_key}.get(via, str)
        assert len({key(v) for v in ring[column]}) == 1  # e-mails may be written in variants
        assert ring["household_id"].n_unique() >= 3


def test_shelters_are_listed_and_shared(synth_dir: Path) -> None:
    shelters = pl.read_csv(synth_dir / "shelters.csv")
    assert set(shelters["kind"]) == {"shelter", "sponsor"}
    truth = _read(synth_dir, "truth").filter(pl.col("address_kind") == "shelter")
    per = truth.group_by("address_id").agg(pl.col("household_id").n_unique().alias("h"))
    assert per["h"].max() >= 5


def test_no_registration_exceeds_the_api_limit(synth_dir: Path) -> None:
    sizes = _read(synth_dir, "registrations").group_by("registration_id").len()
    assert sizes["len"].max() <= 10
    truth = _read(synth_dir, "truth")
    assert truth["coalition_id"].n_unique() > 10


def test_no_unplanted_pile_up_of_registrations(synth_dir: Path) -> None:
    """Outside planted bursts no second (or minute) holds an implausible crowd.

    The generator once clamped registrations drawn after the period end onto
    its last second (thousands at scale 1.0), which the burst analysis rightly
    flags as a bot burst that nobody planted.
    """
    regs = _read(synth_dir, "registrations").filter(pl.col("traveler_index") == 0)
    truth = _read(synth_dir, "truth").filter(pl.col("traveler_index") == 0)
    rows = regs.join(truth, on=["registration_id", "traveler_index"])
    start = datetime.combine(OIG_2023.start, time(0, 0), tzinfo=UTC)
    end = datetime.combine(OIG_2023.end, time(23, 59, 59), tzinfo=UTC)
    assert rows["created_at"].min() >= start
    assert rows["created_at"].max() <= end
    human = rows.filter(pl.col("burst_id").is_null())
    per_second = human.group_by("created_at").len()["len"].max()
    per_minute = human.group_by(pl.col("created_at").dt.truncate("1m")).len()["len"].max()
    # ~28,000 rows over 219 days; the 9 a.m. rush of phase 1 is the busiest.
    assert per_second <= 3, per_second
    assert per_minute <= 10, per_minute
    assert human.filter(pl.col("created_at") == end).height <= 1


def test_fit_in_period_moves_late_sequences_without_clamping() -> None:
    begin = datetime(2023, 1, 12, tzinfo=UTC)
    end = datetime(2023, 8, 18, 23, 59, 59, tzinfo=UTC)

    def regs(*hours: float) -> list[SimpleNamespace]:
        return [SimpleNamespace(created_at=end + timedelta(hours=h)) for h in hours]

    one = regs(3)
    activity.fit_in_period(one, begin, end)  # type: ignore[arg-type]
    assert one[0].created_at == end - timedelta(hours=3)
    seq = regs(-100, -50, 5)
    activity.fit_in_period(seq, begin, end)  # type: ignore[arg-type]
    got = [r.created_at for r in seq]
    assert got[-1] == end - timedelta(hours=5)
    assert [b - a for a, b in pairwise(got)] == [timedelta(hours=50), timedelta(hours=55)]
    long = regs(-5000, 6000)  # longer than the whole period: compressed into it
    activity.fit_in_period(long, begin, end)  # type: ignore[arg-type]
    assert begin <= long[0].created_at < long[1].created_at < end
    assert activity.reflect(end + timedelta(hours=2), begin, end) == end - timedelta(hours=2)
