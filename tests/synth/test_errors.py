"""The error classes of issue #13: planted, named in truth, and what they claim to be."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from puerta.contacts import email_key, phone_key
from puerta.synth import conventions, errors, places
from puerta.synth.profiles import OIG_2023

CLASSES = (
    "dob_day",
    "dob_digit",
    "email_variant",
    "phone_form",
    "romanisation",
    "namesake",
    "friend_group",
    "service_contact",
    "ring_email_variant",
)


@pytest.fixture(scope="module")
def df(synth_dir: Path) -> pl.DataFrame:
    regs = pl.read_parquet(synth_dir / "registrations.parquet")
    truth = pl.read_parquet(synth_dir / "truth.parquet")
    return regs.join(truth, on=["registration_id", "traveler_index"])


def _with(df: pl.DataFrame, cls: str) -> pl.DataFrame:
    return df.filter(pl.col("error_class").str.split(",").list.contains(cls))


def _first_rows(df: pl.DataFrame) -> pl.DataFrame:
    """Each person's first registration: their own record, as they first wrote it
    (but for owners whose contacts a ring or an aid organisation wrote over)."""
    own = pl.col("ring_id").is_null() & pl.col("service_contact_id").is_null()
    return df.filter(pl.col("duplicate_of").is_null() & own).select(
        "person_id", first_phone="phone", first_email="email"
    )


# --- the conventions, by hand -------------------------------------------------


@pytest.mark.parametrize(
    ("native", "language", "expected"),
    [
        ("Вячеслав", "ru", {"de": "Wjatscheslaw", "fr": "Viatcheslav", "en": "Viacheslav"}),
        ("Юлия Медведева", "ru", {"de": "Julija Medwedewa", "fr": "Ioulia Medvedeva"}),
        ("Михаил", "ru", {"de": "Michail", "es": "Mijail"}),
        ("Сергей", "ru", {"de": "Sergej", "fr": "Sergueï", "en": "Sergei"}),
        ("Григорій", "uk", {"en": "Hryhorii", "de": "Hryhorij"}),
        ("Հարությունյան", "hy", {"fr": "Haroutiounian", "de": "Harutjunjan", "en": "Harutyunyan"}),
        ("მიხეილ", "ka", {"en": "Mikheil", "de": "Micheil", "es": "Mijeil"}),
        ("muḥammad", "ar", {"fr": "Mouhammad", "en": "Muhammad"}),
        ("ḫadīǧatu", "ar", {"de": "Chadidschatu", "fr": "Khadidjatou", "es": "Jadiyatu"}),
    ],
)
def test_conventions_spell_names_as_their_users_do(
    native: str, language: str, expected: dict[str, str]
) -> None:
    for convention, spelled in expected.items():
        assert conventions.spell(native, language, convention) == spelled


def test_feminine_surnames_find_their_native_form() -> None:
    assert errors.native_of("Medvedeva", "ru_RU") == "Медведева"


# --- writing errors, by hand ----------------------------------------------------


def test_one_day_off_crosses_month_ends() -> None:
    latest = date(2023, 6, 1)
    seen = {errors.dob_day(date(1995, 3, 31), random.Random(s), latest) for s in range(20)}
    assert seen == {date(1995, 3, 30), date(1995, 4, 1)}
    assert errors.dob_day(date(2023, 5, 31), random.Random(0), date(2023, 5, 31)) <= latest


def test_one_digit_typo_changes_one_digit_into_another_real_date() -> None:
    for d in (date(1995, 2, 18), date(1930, 12, 31), date(2019, 1, 9)):
        for s in range(200):
            out = errors.dob_digit(d, random.Random(s), date(2023, 6, 1))
            diff = [a != b for a, b in zip(out.isoformat(), d.isoformat(), strict=True)]
            assert sum(diff) == 1
            assert abs((out - d).days) > 1
            assert date(1923, 1, 1) <= out <= date(2023, 6, 1)  # the form takes it


def test_email_variants_reach_the_same_mailbox() -> None:
    for s in range(200):
        rng = random.Random(s)
        email = places.email_for("Ana María", "Pérez", "es", s, rng)
        variant = errors.email_variant(email, rng)
        assert variant != email
        assert email_key(variant) == email_key(email)


@pytest.mark.parametrize("region", ["MX", "US", "HT", "VE", "RU", "AM", "GE", "CN"])
def test_phone_forms_normalise_to_the_number(region: str) -> None:
    forms = set()
    for s in range(60):
        e164 = places.phone_for(region, 1000 + s)
        form = errors.phone_form(e164, random.Random(s))
        assert form != e164
        assert phone_key(form) == e164
        forms.add(form.split()[0])
    if region == "MX":
        assert "52" in forms  # 52 1 ddd ddd dddd, the pre-2019 mobile form, among them


# --- in a generated data set ------------------------------------------------------


def test_every_class_is_planted_and_named(df: pl.DataFrame) -> None:
    counts = df["error_class"].str.split(",").explode().value_counts()
    got = dict(counts.iter_rows())
    for cls in CLASSES:
        assert got.get(cls, 0) > 0, cls
    for noise in ("dob_day", "dob_digit", "email_variant", "phone_form", "romanisation"):
        rows = _with(df, noise)
        assert rows["noise"].str.contains(noise).all()
        assert rows["duplicate_of"].null_count() == 0  # only on duplicates


def test_birth_date_slips_keep_the_true_date_elsewhere(df: pl.DataFrame) -> None:
    day = _with(df, "dob_day")
    assert (
        (day["date_of_birth"] - day["canonical_date_of_birth"]).dt.total_days().abs() == 1
    ).all()
    digit = _with(df, "dob_digit")
    for r in digit.select("date_of_birth", "canonical_date_of_birth").iter_rows():
        assert sum(a != b for a, b in zip(r[0].isoformat(), r[1].isoformat(), strict=True)) == 1
    slipped = pl.concat([day, digit])["person_id"].unique()
    first = df.filter(pl.col("person_id").is_in(slipped.implode()))
    first = first.filter(pl.col("duplicate_of").is_null())
    assert (first["date_of_birth"] == first["canonical_date_of_birth"]).all()


def test_namesakes_share_name_and_birth_date_and_nothing_else(df: pl.DataFrame) -> None:
    rows = df.filter(pl.col("namesake_id").is_not_null())
    assert rows["namesake_id"].n_unique() >= 10
    for pair in rows.partition_by("namesake_id"):
        assert pair["person_id"].n_unique() == 2
        canon = pair.select(
            "canonical_given_names", "canonical_family_names", "canonical_date_of_birth"
        ).unique()
        assert canon.height == 1
        a, b = (p for p in pair.partition_by("person_id"))
        assert set(a["household_id"]).isdisjoint(b["household_id"])
        assert set(a["address_id"]).isdisjoint(b["address_id"])
        for column in ("device_id", "ip", "account_id", "registration_id"):
            assert set(a[column]).isdisjoint(b[column]), column
        phones = [{phone_key(v) for v in p["phone"].drop_nulls()} for p in (a, b)]
        emails = [{email_key(v) for v in p["email"].drop_nulls()} for p in (a, b)]
        assert phones[0].isdisjoint(phones[1])
        assert emails[0].isdisjoint(emails[1])
        assert (
            pair.select("ring_id", "burst_id", "coalition_id").null_count().row(0)
            == (pair.height,) * 3
        )


def test_friend_groups_are_unrelated_households_at_one_ordinary_flat(df: pl.DataFrame) -> None:
    rows = df.filter(pl.col("friend_group_id").is_not_null())
    assert rows["friend_group_id"].n_unique() >= 5
    for group in rows.partition_by("friend_group_id"):
        assert 6 <= group["person_id"].n_unique() <= 12
        assert group["household_id"].n_unique() >= 3
        assert group["address_id"].n_unique() == 1
        assert set(group["address_kind"]) == {"friends"}
        assert (
            group.select(
                pl.col("address_cluster_id", "ring_id", "burst_id", "coalition_id").is_null().all()
            ).row(0)
            == (True,) * 4
        )
        others = df.filter(
            (pl.col("address_id") == group["address_id"][0]) & pl.col("friend_group_id").is_null()
        )
        assert others.height == 0  # the flat is theirs alone: no shelter, no planted address


def test_service_contacts_span_many_ports_and_households(df: pl.DataFrame, synth_dir: Path) -> None:
    rows = df.filter(pl.col("service_contact_id").is_not_null())
    listed = set(pl.read_csv(synth_dir / "shared_contacts.csv")["value"])
    orgs = errors.by_id(OIG_2023)
    assert set(rows["service_contact_id"]) == set(orgs)
    for (sid,), group in rows.partition_by("service_contact_id", as_dict=True).items():
        org = orgs[str(sid)]
        owners = group.filter(pl.col("traveler_index") == 0)
        assert owners["household_id"].n_unique() >= 5
        ports = set(owners["requested_port"].drop_nulls()) | set(
            owners["appointment_port"].drop_nulls()
        )
        assert len(ports) >= 3
        if org.phone:
            assert (owners["phone"] == org.phone).all()
        if org.email:
            assert (owners["email"] == org.email).all()
        assert group["ring_id"].null_count() == group.height  # never ring truth
        ring_phones = set(df.filter(pl.col("ring_via") == "phone")["phone"].drop_nulls())
        assert org.phone not in ring_phones  # an organisation's desk is no fixer's phone
        values = {v for v in (org.phone, org.email) if v}
        assert values <= listed if org.listed else values.isdisjoint(listed)
    assert any(not o.listed for o in orgs.values())


def test_phone_forms_are_the_persons_own_number(df: pl.DataFrame) -> None:
    rows = _with(df, "phone_form").join(_first_rows(df), on="person_id")
    assert rows.height > 0
    assert (rows["phone"] != rows["first_phone"]).all()
    assert [phone_key(v) for v in rows["phone"]] == rows["first_phone"].to_list()
    assert rows["phone"].str.starts_with("52 1 ").any()


def test_email_variants_are_the_persons_own_mailbox(df: pl.DataFrame) -> None:
    rows = _with(df, "email_variant").join(_first_rows(df), on="person_id")
    assert rows.height > 0
    assert (rows["email"] != rows["first_email"]).all()
    assert [email_key(v) for v in rows["email"]] == [email_key(v) for v in rows["first_email"]]


def test_rings_by_email_are_written_in_variants_of_one_mailbox(df: pl.DataFrame) -> None:
    rings = df.filter((pl.col("ring_via") == "email") & (pl.col("traveler_index") == 0))
    varied = 0
    for ring in rings.partition_by("ring_id"):
        assert len({email_key(v) for v in ring["email"]}) == 1
        varied += ring["email"].n_unique() > 1
    assert varied > 0


def test_romanisations_are_convention_outputs(df: pl.DataFrame) -> None:
    rows = _with(df, "romanisation")
    assert set(rows["language"]) >= {"ru", "hy"}
    for r in rows.select(
        "given_names", "family_names", "canonical_given_names", "canonical_family_names", "language"
    ).iter_rows():
        source = {"ru": "ru_RU", "uk": "uk_UA", "hy": "hy_AM", "ka": "ka_GE", "ar": "hand:arabic"}
        src = source[r[4]]
        given = errors.spellings(r[2], src)
        family = errors.spellings(r[3], src)
        assert any(
            given.get(c, r[2]) == r[0] and family.get(c, r[3]) == r[1]
            for c in conventions.CONVENTIONS
        )
        assert (r[0], r[1]) != (r[2], r[3])


def test_output_does_not_depend_on_workers_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error classes draw per chunk, so several chunks in processes give the same data."""
    from puerta.synth import generate, plan

    monkeypatch.setattr(plan, "CHUNK_PERSONS", 1_000)  # 0.002 -> three chunks
    one, two = tmp_path / "one", tmp_path / "two"
    generate("oig-2023", 0.002, 5, one)
    generate("oig-2023", 0.002, 5, two, workers=2)
    for name in ("registrations", "truth"):
        a = pl.read_parquet(one / f"{name}.parquet")
        assert a.equals(pl.read_parquet(two / f"{name}.parquet"))
    truth = pl.read_parquet(one / "truth.parquet")
    assert truth["error_class"].str.contains("namesake").any()
    assert truth["registration_id"].n_unique() > 1_000
