"""Duplicate persons: probabilistic identity resolution across all registrations.

The report counted persons by an exact key, first name + last name + date of
birth (OIG-24-48, footnote 48). A person who writes ``Arutyunyan`` once and
``Harutyunyan`` the next time, drops a second surname, swaps day and month or
makes a typo escapes that key, and so do the registrations they hold. This
module resolves traveler rows to persons with a Fellegi-Sunter model (Splink
on DuckDB, see :mod:`puerta.trends.splink_model`) and keeps the exact key
beside it, to show what the report's key misses.

Public surface:

* :func:`resolve_persons` (frame of traveler rows -> :class:`IdentityResult`):
  a ``person_id`` per row, the scored pairs behind each person, and per person
  the registrations and the name and date-of-birth variations used.
* :func:`duplicate_person_findings`: the persons with several registrations as
  :class:`puerta.findings.value.Finding` values (kind ``duplicate_person``).
* :func:`identity_features`: the only columns the model ever sees.
* Evaluation lives in :mod:`puerta.trends.evaluate_identity`
  (``evaluate_synthetic``, ``evaluate_febrl3``, ``evaluate_febrl4``, ``main``).

How it scales: rows whose identity features are all equal (the same person
re-typing the same details) are collapsed to one *signature* before scoring,
so the model compares distinct spellings, not registrations. Blocking rules
pair a name key with the (swap-proof) birth date, so blocks stay small at
millions of rows.

Two levels of link. "Same person" (``person_id``; the draw merges tickets on
its ``duplicate_person`` findings) is a pair at ``threshold`` (0.9) that is
*corroborated*: something besides name and birth date agrees (a phone, an
email, an address, a device). Name and birth date alone, however rare the
name, are never "same person": two people can share both, and a wrong merge
costs one of them their ticket. Every other pair scored at 0.5 or more is
"possibly the same person" (``possible_id``; ``possible_duplicate_person``
findings, for an analyst's review, never merged by the draw). Both levels are
connected components of their links with one cannot-link rule: two travelers
of one registration are two people, so no chain of links may join them
(:mod:`puerta.trends.identity_clusters`; twins travel together).

The model is estimated on the data at hand (``model="auto"``): u by random
sampling with a fixed seed, m by EM over blocked pairs, starting from the
packaged model (``models/puerta_identity.json``), with term-frequency
adjustments on names and birth date, and floors on m of the near-date levels
so that a date a day or a digit off is weaker evidence, never a veto. Data too
small to estimate on (fewer than :data:`MIN_ESTIMATE_SIGNATURES` signatures)
is scored with the packaged values as they are. ``model="packaged"`` forces
the frozen model; ``model="train"`` estimates from Splink's defaults.

Protected attributes: only the columns in :data:`IDENTITY_COLUMNS` are read;
nationality, language, sex and age never reach the model (the date of birth is
compared as an identity attribute, never turned into an age or a score).

Example:
    >>> import polars as pl
    >>> rows = pl.DataFrame({
    ...     "registration_id": ["R1", "R2"], "traveler_index": [0, 0],
    ...     "given_names": ["Aleksandr", "Alexander"],
    ...     "family_names": ["Harutyunyan", "Arutyunyan"],
    ...     "date_of_birth": ["1990-03-07", "1990-07-03"]})
    >>> result = resolve_persons(rows, model=None)  # doctest: +SKIP
    >>> result.rows["person_id"].n_unique()  # doctest: +SKIP
    1
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from puerta.findings import explain as fx
from puerta.findings.explain import Sentence
from puerta.findings.value import (
    DUPLICATE_PERSON,
    POSSIBLE_DUPLICATE_PERSON,
    Finding,
    stable_key,
)
from puerta.trends import address_normalise as an
from puerta.trends import identity_clusters as ic
from puerta.trends import names
from puerta.trends import splink_model as sm

IDENTITY_COLUMNS: tuple[str, ...] = (
    "registration_id",
    "traveler_index",
    "given_names",
    "family_names",
    "date_of_birth",
    "address_line1",
    "address_line2",
    "zip_code",
    "phone",
    "email",
    "doc_number",
    "device_id",
)
"""Columns read from the caller's frame; everything else is ignored. The
device never reaches the model: it only corroborates a scored pair
(:func:`shared_device`)."""

ModelChoice = dict[str, Any] | str | Path | None
"""``"auto"``, ``"train"``, ``"packaged"``, ``None`` (train), a settings dict or a JSON path."""

ALIASES = {"position": "traveler_index", "zip": "zip_code", "postcode": "zip_code"}
SIGNATURE_SEED = 5
DEFAULT_THRESHOLD = 0.9
"""Match probability at which two signatures are linked into one person."""
SCORE_FLOOR = 0.5
"""Pairs scored at or above this are kept as evidence (linked or not), and are
"possibly the same person" when they are not linked."""
MIN_ESTIMATE_SIGNATURES = 5_000
"""Below this many distinct signatures the packaged model is used as it is.

Why: u by random sampling needs every level seen ~100 times among random
pairs, and EM needs a few hundred true duplicates to move m anywhere useful;
a demo, a test or one port's week holds neither, and estimates from it would
be noise. Above it the data at hand is estimated on, starting from the
packaged model."""
NAME_COMPARISONS = frozenset({"given", "family", "dob"})
"""Comparisons that say who someone *claims* to be; every other comparison
(household, address, ZIP, phone, email, document) is corroboration."""


@dataclass(frozen=True)
class IdentityResult:
    """What :func:`resolve_persons` returns.

    Attributes:
        rows: One row per input traveler row: ``registration_id``,
            ``traveler_index``, ``uid`` (its signature), ``person_id`` ("same
            person"), ``possible_id`` ("possibly the same person") and
            ``exact_key_id`` (the report's first+last+DOB key).
        pairs: Scored signature pairs with ``match_probability`` >= the score
            floor: ``uid_l``, ``uid_r``, ``match_weight``, ``match_probability``,
            ``mw_<comparison>`` match weight per comparison (the evidence: how much
            names, birth date and household each counted), ``match_key`` (the
            blocking rule that found the pair), ``corroborated`` (something
            besides name and birth date agrees), ``linked`` ("same person":
            at the threshold *and* corroborated), ``possible`` (scored but not
            linked: "possibly the same person") and ``person_id``.
        persons: Persons with two or more rows: ``person_id``, ``n_rows``,
            ``n_registrations``, ``registration_ids``, ``name_variants``,
            ``dob_variants``, ``n_exact_keys`` and ``min_link_probability``.
        model: The trained Splink settings (JSON-able).
        timings: Seconds per stage.
        possible: Groups that are "possibly one person" and join two or more
            persons: ``possible_id``, ``n_persons``, ``person_ids``,
            ``n_registrations``, ``registration_ids``, ``name_variants``,
            ``dob_variants``, ``max_link_probability`` and ``any_corroborated``.
            For an analyst's review; the draw never merges on them.
    """

    rows: pl.DataFrame
    pairs: pl.DataFrame
    persons: pl.DataFrame
    model: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    possible: pl.DataFrame = field(default_factory=pl.DataFrame)


def _canonical(df: pl.DataFrame) -> pl.DataFrame:
    renames = {a: c for a, c in ALIASES.items() if a in df.columns and c not in df.columns}
    df = df.rename(renames) if renames else df
    if "traveler_index" not in df.columns:
        df = df.with_columns(traveler_index=pl.lit(0, dtype=pl.Int32))
    present = [c for c in IDENTITY_COLUMNS if c in df.columns]
    return df.select(present)


def _lookup(df: pl.DataFrame, col: str, prefix: str) -> pl.DataFrame:
    """Add ``<prefix>_norm/_first/_key/_skel/_phon`` from one name column.

    Romanisation is vectorised for Latin script; only the distinct values in
    other scripts, then the distinct romanised names, go through Python.
    """
    norm = f"{prefix}_norm"
    df = df.with_columns(names.fold_latin(pl.col(col)).alias(norm))
    other = df.filter(pl.col(norm).is_null() & pl.col(col).is_not_null())[col].unique()
    if other.len():
        table = pl.DataFrame(
            {col: other, "_r": [names.romanise(v) for v in other.to_list()]},
            schema={col: pl.String, "_r": pl.String},
        )
        df = (
            df.join(table, on=col, how="left")
            .with_columns(pl.coalesce(norm, "_r").alias(norm))
            .drop("_r")
        )
    distinct = df[norm].drop_nulls().unique().to_list()
    table = {v: names.keys_from_norm(v) for v in distinct}
    lookup = pl.DataFrame(
        {
            f"{prefix}_{k}": pl.Series([table[v][k] for v in distinct], dtype=pl.String)
            for k in ("norm", "first", "key", "skel", "phon")
        }
    ).with_columns(pl.col(norm).alias("_key"))
    df = df.with_columns(pl.col(norm).replace("", None).alias("_key")).drop(norm)
    return df.join(lookup, on="_key", how="left").drop("_key")


def _dob_features() -> list[pl.Expr]:
    digits = pl.col("dob")
    yyyy, mm, dd = digits.str.slice(0, 4), digits.str.slice(4, 2), digits.str.slice(6, 2)
    full = digits.str.len_chars() == 8
    swappable = full & (dd <= "12") & (dd != mm)
    return [
        pl.when(swappable).then(pl.concat_str([yyyy, dd, mm])).alias("dob_swap"),
        pl.when(full)
        .then(pl.concat_str([yyyy, pl.min_horizontal(mm, dd), pl.max_horizontal(mm, dd)]))
        .otherwise(digits)
        .alias("dob_sorted"),
        yyyy.alias("dob_year"),
        # The next calendar day, for the "one day apart" level (1995-02-28 /
        # 1995-03-01 across a month, 1999-12-31 / 2000-01-01 across a year).
        digits.str.to_date("%Y%m%d", strict=False)
        .dt.offset_by("1d")
        .dt.strftime("%Y%m%d")
        .alias("dob_next"),
    ]


def identity_features(df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Build identity features and collapse identical rows into signatures.

    Args:
        df: Traveler rows with the documented column names (extra columns
            such as citizenship, language or sex are ignored, never read).

    Returns:
        ``(rows, features)``: ``rows`` maps each input row
        (``registration_id``, ``traveler_index``) to a signature ``uid``;
        ``features`` has one row per signature with only
        :data:`puerta.trends.splink_model.FEATURE_COLUMNS`.

    Example:
        >>> rows, feats = identity_features(pl.DataFrame({
        ...     "registration_id": ["R1", "R2"], "given_names": ["Ana", "ANA"],
        ...     "family_names": ["Pérez", "Perez"], "date_of_birth": ["1990-01-02"] * 2}))
        >>> feats.height, feats["given_norm"][0], feats["dob"][0]
        (1, 'ana', '19900102')
    """
    df = _canonical(df)
    df = df.with_columns(
        pl.col("registration_id").cast(pl.String), pl.col("traveler_index").cast(pl.Int32)
    )
    df = _lookup(df, "given_names", "given") if "given_names" in df.columns else df
    df = _lookup(df, "family_names", "family") if "family_names" in df.columns else df
    dob = pl.col("date_of_birth")
    dob = (
        dob.dt.strftime("%Y%m%d") if df.schema["date_of_birth"] == pl.Date else dob.cast(pl.String)
    )
    df = df.with_columns(dob.str.replace_all(r"\D", "").replace("", None).alias("dob"))
    df = df.with_columns(_dob_features())
    extra: list[pl.Expr | pl.Series] = []
    if "address_line1" in df.columns:
        line2 = df["address_line2"] if "address_line2" in df.columns else None
        extra.append(an.street_keys(df["address_line1"], line2).alias("address"))
    if "zip_code" in df.columns:
        extra.append(pl.col("zip_code").cast(pl.String).str.replace_all(r"\D", "").str.slice(0, 5))
    if "phone" in df.columns:
        extra.append(pl.col("phone").str.replace_all(r"\D", "").replace("", None))
    if "email" in df.columns:
        extra.append(pl.col("email").str.strip_chars().str.to_lowercase().replace("", None))
    if "doc_number" in df.columns:
        extra.append(pl.col("doc_number").cast(pl.String).str.strip_chars().replace("", None))
    df = df.with_columns(extra).rename({"zip_code": "zip"}, strict=False)
    # A saved model compares these columns whether or not this data set has them.
    df = df.with_columns(
        pl.lit(None, dtype=pl.String).alias(c)
        for c in sm.HOUSEHOLD_ATTRIBUTES
        if c not in df.columns
    )
    feature_cols = [c for c in sm.FEATURE_COLUMNS if c in df.columns and c != "uid"]
    # One 64-bit hash per distinct feature tuple (a collision among millions
    # of signatures has odds of about 1e-7); ranking the hash makes each uid,
    # and every later tie-break, independent of the order of the input rows.
    df = df.with_columns(
        uid=(pl.struct(feature_cols).hash(seed=SIGNATURE_SEED).rank("dense") - 1).cast(pl.Int64)
    )
    signatures = df.select("uid", *feature_cols).unique("uid").sort("uid")
    keep = ["registration_id", "traveler_index", "uid", "given_names", "family_names", "dob"]
    if "device_id" in df.columns:
        keep.append("device_id")
    return df.select(keep), signatures


def _exact_key() -> pl.Expr:
    """The report's key: first + last name + DOB, case and spacing folded."""

    def clean(col: str) -> pl.Expr:
        return pl.col(col).str.strip_chars().str.to_uppercase().str.replace_all(r"\s+", " ")

    return pl.concat_str(
        [clean("given_names"), clean("family_names"), pl.col("dob")], separator="|"
    )


def _persons(rows: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    variants = pl.concat_str([pl.col("given_names"), pl.col("family_names")], separator=" ")
    persons = (
        rows.group_by("person_id")
        .agg(
            pl.len().alias("n_rows"),
            pl.col("registration_id").n_unique().alias("n_registrations"),
            pl.col("registration_id").unique().sort().alias("registration_ids"),
            variants.unique().sort().alias("name_variants"),
            pl.col("dob").unique().sort().alias("dob_variants"),
            pl.col("exact_key_id").n_unique().alias("n_exact_keys"),
        )
        .filter(pl.col("n_rows") > 1)
    )
    weakest = (
        pairs.filter("linked")
        .group_by("person_id")
        .agg(pl.col("match_probability").min().alias("min_link_probability"))
    )
    return persons.join(weakest, on="person_id", how="left").sort(
        ["n_registrations", "person_id"], descending=[True, False]
    )


@dataclass(frozen=True)
class _Plan:
    model: dict[str, Any] | str | Path | None
    start: dict[str, Any] | str | Path | None = None
    prior: float | None = None
    term_frequencies: bool = True


def _choose_model(model: ModelChoice, signatures: int, *, strict: bool = True) -> _Plan:
    """Resolve the ``model`` argument to a model to use, or a start for estimation."""
    packaged = sm.packaged_model_path()
    if model == "auto":
        if not strict or not packaged.exists():
            return _Plan(None)
        if signatures >= MIN_ESTIMATE_SIGNATURES:
            return _Plan(None, start=packaged)
        # Too small to estimate on: the packaged values as they are, and no
        # term frequencies either (they are estimates from the data too).
        return _Plan(sm.load_model(packaged), term_frequencies=False)
    if model in (None, "train"):
        return _Plan(None)
    if model == "packaged":
        model = packaged
    if isinstance(model, dict):
        return _Plan(model)
    path = Path(str(model))
    settings = sm.load_model(path)
    trained_on = sm.model_meta(path).get("signatures")
    if not trained_on or signatures <= trained_on:
        return _Plan(settings)
    # Each person has about the same number of duplicates whatever the size of
    # the data, so the chance that two random rows match falls as 1/N.
    return _Plan(
        settings, prior=settings["probability_two_random_records_match"] * trained_on / signatures
    )


def shared_device(rows: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """``uid_l``, ``uid_r`` of the ``pairs`` whose rows registered from one device.

    A device is corroboration the model does not weigh (it is no identity
    attribute: a family shares a phone), but one that two namesakes who never
    met do not share. The IP address is left out on purpose: mobile carriers
    put thousands of customers behind one address.
    """
    if "device_id" not in rows.columns or pairs.is_empty():
        return pl.DataFrame(schema={"uid_l": pl.Int64, "uid_r": pl.Int64})
    devices = rows.select("uid", "device_id").drop_nulls().unique()
    return (
        pairs.select("uid_l", "uid_r")
        .join(devices.rename({"uid": "uid_l"}), on="uid_l")
        .join(devices.rename({"uid": "uid_r"}), on=["uid_r", "device_id"])
        .select("uid_l", "uid_r")
        .unique()
    )


def decade_slip(pairs: pl.DataFrame, features: pl.DataFrame) -> pl.Series:
    """True where the two birth dates differ in one digit, of the decade or century.

    Why apart: 1965 / 1995 is one key slipped, or a father and his son who
    carry one name at one address, phone and email. Nothing in a registration
    tells the two apart, so such a pair is at most "possibly the same person",
    for an analyst who can ask; the draw never merges it.
    """
    dob = features.select("uid", "dob")
    both = (
        pairs.select("uid_l", "uid_r")
        .join(dob.rename({"uid": "uid_l", "dob": "a"}), on="uid_l", how="left")
        .join(dob.rename({"uid": "uid_r", "dob": "b"}), on="uid_r", how="left")
    )
    a, b = pl.col("a").fill_null(""), pl.col("b").fill_null("")
    same_rest = (a.str.slice(0, 2) == b.str.slice(0, 2)) & (a.str.slice(4) == b.str.slice(4))
    one_decade_digit = (
        (a.str.len_chars() == 8)
        & (b.str.len_chars() == 8)
        & (a.str.slice(2, 2) != b.str.slice(2, 2))
        & ((a.str.slice(2, 1) == b.str.slice(2, 1)) | (a.str.slice(3, 1) == b.str.slice(3, 1)))
        & (a.str.slice(2, 1) != b.str.slice(2, 1))
        & same_rest
    )
    return both.select(one_decade_digit.fill_null(False)).to_series()


def corroborated(pairs: pl.DataFrame) -> pl.Expr:
    """True where something besides name and birth date speaks for the pair.

    "Same person" needs it: a shared phone, email or address (or, in reference
    data, ZIP or document number) with a positive match weight. Two people can
    share a name and a birth date, however rare the name; that alone is
    "possibly the same person", for an analyst, never a merged ticket.
    """
    # mw_<comparison> only: mw_tf_adj_<comparison> is a value's rarity, no corroboration.
    others = [
        c
        for c in pairs.columns
        if c.startswith("mw_") and not c.startswith("mw_tf_adj_") and c[3:] not in NAME_COMPARISONS
    ]
    if not others:
        return pl.lit(False)
    return pl.any_horizontal(pl.col(c).fill_null(0) > 0 for c in others)


def resolve_persons(
    df: pl.DataFrame,
    *,
    model: ModelChoice = "auto",
    threshold: float = DEFAULT_THRESHOLD,
    strict: bool | None = None,
    threads: int = 2,
    memory_limit: str = "4GB",
) -> IdentityResult:
    """Resolve traveler rows to persons.

    Args:
        df: Traveler rows in the documented registrations format (polars; a
            pandas frame is converted). Needs ``registration_id``,
            ``given_names``, ``family_names`` and ``date_of_birth``; uses
            ``traveler_index``, ``address_line1/2``, ``zip_code``, ``phone`` and
            ``email`` when present. Other columns are never read.
        model: ``"auto"`` estimates on ``df`` starting from the packaged
            model (``puerta/trends/models/puerta_identity.json``) for
            registration data, uses the packaged values as they are when
            ``df`` is too small to estimate on, and trains from Splink's
            defaults otherwise (FEBRL-like data without phones or emails);
            ``"train"`` (or ``None``) always trains from the defaults
            (deterministic: fixed seed, hashed EM sample); ``"packaged"``
            forces the packaged model; a settings dict
            or a JSON path uses that model. A saved model's prior is scaled
            down to the size of ``df`` when ``df`` is bigger than its training
            data.
        threshold: Match probability at which two corroborated signatures
            are one person.
        strict: Registration data typed by the person themself (household
            comparison, a wholly different given name or birth date is almost a
            veto); ``None`` means yes when phones or emails are present.
        threads: DuckDB threads.
        memory_limit: DuckDB memory limit.

    Returns:
        An :class:`IdentityResult`.

    Example:
        >>> result = resolve_persons(rows)  # doctest: +SKIP
        >>> result.persons.sort("n_registrations", descending=True).head(10)  # doctest: +SKIP
    """
    if not isinstance(df, pl.DataFrame):
        df = pl.from_pandas(df)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    rows, features = identity_features(df)
    timings["features"] = time.perf_counter() - start
    start = time.perf_counter()
    if strict is None:
        strict = features.select(pl.col("phone", "email").null_count()).sum_horizontal()[0] < (
            2 * features.height
        )
    plan = _choose_model(model, features.height, strict=strict)
    scored, trained = sm.predict_pairs(
        features,
        model=plan.model,
        start=plan.start,
        prior=plan.prior,
        term_frequencies=plan.term_frequencies,
        strict=strict,
        threshold=SCORE_FLOOR,
        threads=threads,
        memory_limit=memory_limit,
    )
    timings["splink"] = time.perf_counter() - start
    start = time.perf_counter()
    conflicts = ic.conflicts(rows).with_columns(conflict=pl.lit(True))
    scored = scored.join(conflicts, on=["uid_l", "uid_r"], how="left").with_columns(
        corroborated=corroborated(scored)
    )
    uncorroborated = scored.filter(
        ~pl.col("corroborated") & (pl.col("match_probability") >= threshold)
    )
    device = shared_device(rows, uncorroborated).with_columns(device=pl.lit(True))
    scored = (
        scored.join(device, on=["uid_l", "uid_r"], how="left")
        .with_columns(corroborated=pl.col("corroborated") | pl.col("device").fill_null(False))
        .drop("device")
    )
    free = pl.col("conflict").is_null()
    scored = scored.with_columns(
        linked=(pl.col("match_probability") >= threshold)
        & pl.col("corroborated")
        & ~decade_slip(scored, features)
        & free
    ).with_columns(possible=~pl.col("linked") & free)
    cluster = ic.clusters(rows, scored.filter("linked"), features.height)
    rows = rows.with_columns(cluster=pl.Series(cluster[rows["uid"].to_numpy()]))
    rows = rows.join(ic.person_ids(rows), on="cluster", how="left")
    # "Possibly": the same clustering over linked and possible pairs together.
    wide = ic.clusters(rows, scored.filter(pl.col("linked") | pl.col("possible")), features.height)
    rows = rows.drop("cluster").with_columns(cluster=pl.Series(wide[rows["uid"].to_numpy()]))
    rows = rows.join(
        ic.person_ids(rows).rename({"person_id": "possible_id"}), on="cluster", how="left"
    )
    exact = rows.select(_exact_key().alias("k")).to_series()
    rows = rows.with_columns(
        exact_key_id=pl.Series(exact.rank("dense").fill_null(0).cast(pl.Int64))
    )
    uid_person = rows.select("uid", "person_id").unique("uid")
    pairs = (
        scored.drop("conflict")
        .join(uid_person, left_on="uid_l", right_on="uid", how="left")
        .sort("match_probability", descending=True)
    )
    persons = _persons(rows, pairs)
    possible = _possible_persons(rows, pairs)
    timings["cluster"] = time.perf_counter() - start
    out_rows = rows.select(
        "registration_id", "traveler_index", "uid", "person_id", "possible_id", "exact_key_id"
    )
    return IdentityResult(out_rows, pairs, persons, trained, timings, possible)


def _possible_persons(rows: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """Groups of "possibly one person" that join two or more resolved persons."""
    variants = pl.concat_str([pl.col("given_names"), pl.col("family_names")], separator=" ")
    groups = (
        rows.group_by("possible_id")
        .agg(
            pl.col("person_id").n_unique().alias("n_persons"),
            pl.col("person_id").unique().sort().alias("person_ids"),
            pl.col("registration_id").n_unique().alias("n_registrations"),
            pl.col("registration_id").unique().sort().alias("registration_ids"),
            variants.unique().sort().alias("name_variants"),
            pl.col("dob").unique().sort().alias("dob_variants"),
        )
        .filter(pl.col("n_persons") > 1)
    )
    uid_group = rows.select("uid", "possible_id").unique("uid")
    evidence = (
        pairs.filter("possible")
        .join(uid_group, left_on="uid_l", right_on="uid", how="inner")
        .group_by("possible_id")
        .agg(
            pl.col("match_probability").max().alias("max_link_probability"),
            pl.col("corroborated").any().alias("any_corroborated"),
        )
    )
    return groups.join(evidence, on="possible_id", how="left").sort(
        ["n_registrations", "possible_id"], descending=[True, False]
    )


def _birth_date(digits: str) -> str:
    """``19900307`` -> ``1990-03-07`` (an ISO date when it is one; as written otherwise)."""
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}" if len(digits) == 8 else digits


def _explain(person: dict[str, Any]) -> tuple[Sentence, ...]:
    """The ten-second version for an officer, as catalog sentences (rendered at the edge)."""
    names_seen = person["name_variants"]
    regs = person["n_registrations"]
    if len(names_seen) == 1:
        written = fx.sentence(fx.DUPLICATE_ONE_WAY, registrations=regs, names=names_seen)
    else:
        many = fx.DUPLICATE_MANY_WAYS if len(names_seen) > 4 else fx.DUPLICATE_WAYS
        written = fx.sentence(
            many, registrations=regs, name_count=len(names_seen), names=names_seen[:4]
        )
    dobs = person["dob_variants"]
    weakest = round(person["min_link_probability"] or 1.0, 3)
    if len(dobs) == 1:
        born = fx.sentence(fx.DUPLICATE_ONE_BIRTH_DATE, weakest_link=weakest)
    else:
        born = fx.sentence(
            fx.DUPLICATE_MANY_BIRTH_DATES if len(dobs) > 3 else fx.DUPLICATE_BIRTH_DATES,
            birth_date_count=len(dobs),
            birth_dates=[_birth_date(d) for d in dobs[:3]],
            weakest_link=weakest,
        )
    exact = person["n_exact_keys"]
    key = (
        fx.sentence(fx.DUPLICATE_EXACT_KEY_ONE)
        if exact == 1
        else fx.sentence(fx.DUPLICATE_EXACT_KEYS, exact_keys=exact)
    )
    return written, born, key


def duplicate_person_findings(
    result: IdentityResult, *, min_registrations: int = 2
) -> list[Finding]:
    """One ``duplicate_person`` finding per person holding several registrations.

    The key is derived from the stable person id, so a re-run updates the
    finding instead of adding another. The score is the number of
    registrations the person holds (comparable within this kind only).

    Example:
        >>> findings = duplicate_person_findings(resolve_persons(rows))  # doctest: +SKIP
        >>> findings[0].explanation_codes  # doctest: +SKIP
        ('explain.duplicate_person.ways', 'explain.duplicate_person.birth_dates', ...)
    """
    travelers = (
        result.rows.sort("registration_id", "traveler_index")
        .group_by("person_id")
        .agg(pl.col("registration_id"), pl.col("traveler_index"))
    )
    persons = (
        result.persons.filter(pl.col("n_registrations") >= min_registrations)
        .join(travelers, on="person_id")
        .sort(["n_registrations", "person_id"], descending=[True, False])
    )
    findings = []
    for person in persons.iter_rows(named=True):
        findings.append(
            Finding(
                kind=DUPLICATE_PERSON,
                key=stable_key(DUPLICATE_PERSON, person["person_id"]),
                score=float(person["n_registrations"]),
                explanation=_explain(person),
                evidence={
                    "person_id": person["person_id"],
                    "rows": person["n_rows"],
                    "name_variants": person["name_variants"],
                    "dob_variants": person["dob_variants"],
                    "exact_keys": person["n_exact_keys"],
                    "min_link_probability": person["min_link_probability"],
                },
                registration_ids=tuple(person["registration_ids"]),
                travelers=tuple(
                    zip(person["registration_id"], person["traveler_index"], strict=True)
                ),
                normalised_keys=(person["person_id"],),
            )
        )
    return findings


def possible_duplicate_person_findings(result: IdentityResult) -> list[Finding]:
    """One ``possible_duplicate_person`` finding per group that may be one person.

    For an analyst's review only: the draw reads ``duplicate_person`` findings
    and never this kind (:mod:`puerta.findings.identities`), so a namesake
    keeps their own ticket. The score is the strongest link's probability.

    Example:
        >>> findings = possible_duplicate_person_findings(resolve_persons(rows))  # doctest: +SKIP
        >>> findings[0].explanation_codes[-1]  # doctest: +SKIP
        'explain.possible_duplicate_person.advice'
    """
    if result.possible.is_empty():
        return []
    travelers = (
        result.rows.sort("registration_id", "traveler_index")
        .group_by("possible_id")
        .agg(pl.col("registration_id"), pl.col("traveler_index"))
    )
    groups = result.possible.filter(pl.col("n_registrations") >= 2).join(
        travelers, on="possible_id"
    )
    findings = []
    for group in groups.sort("possible_id").iter_rows(named=True):
        strongest = round(group["max_link_probability"] or 0.0, 3)
        names_seen = group["name_variants"][:4]
        regs = group["n_registrations"]
        first = (
            fx.sentence(
                fx.POSSIBLE_DUPLICATE_WEAK,
                registrations=regs,
                names=names_seen,
                strongest_link=strongest,
            )
            if group["any_corroborated"]
            else fx.sentence(fx.POSSIBLE_DUPLICATE_NAME_ONLY, registrations=regs, names=names_seen)
        )
        findings.append(
            Finding(
                kind=POSSIBLE_DUPLICATE_PERSON,
                key=stable_key(POSSIBLE_DUPLICATE_PERSON, group["possible_id"]),
                score=strongest,
                explanation=(first, fx.sentence(fx.POSSIBLE_DUPLICATE_ADVICE)),
                evidence={
                    "possible_id": group["possible_id"],
                    "person_ids": group["person_ids"],
                    "name_variants": group["name_variants"],
                    "dob_variants": group["dob_variants"],
                    "max_link_probability": group["max_link_probability"],
                    "shared_contact": bool(group["any_corroborated"]),
                },
                registration_ids=tuple(group["registration_ids"]),
                travelers=tuple(
                    zip(group["registration_id"], group["traveler_index"], strict=True)
                ),
                normalised_keys=(group["possible_id"],),
            )
        )
    return findings
