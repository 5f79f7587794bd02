"""Load a data set into the one polars frame every trend analysis reads.

The data set is the documented registrations table (``docs/data-formats.md``:
one row per traveler per registration), in Parquet or CSV. Two rules hold
here, before any analysis sees a row:

* Column names are made canonical (a few aliases are accepted), so the
  analyses never guess.
* Protected attributes (nationality, language, sex and anything that reveals
  age) are dropped. Date of birth is needed only to form the report's exact
  identity key (first name + last name + date of birth, footnote 48); that key
  is computed here and the date itself is dropped. Every analysis then passes
  its input through ``guard``, which refuses protected columns, so scoring
  provably never receives them (``tests/trends/test_protected.py``).

Example:
    >>> import polars as pl
    >>> raw = pl.DataFrame({"registration_id": ["R1"], "position": [0],
    ...     "given_names": ["Ana"], "family_names": ["Pérez"],
    ...     "date_of_birth": ["1990-01-02"], "sex": ["F"], "citizenship": ["VE"]})
    >>> frame = analysis_frame(raw)
    >>> frame["person_key"][0], "citizenship" in frame.columns
    ('ANA|PÉREZ|1990-01-02', False)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import polars as pl

from puerta.contacts import normalise_contacts

PROTECTED_COLUMNS: frozenset[str] = frozenset(
    {
        "sex",
        "gender",
        "citizenship",
        "nationality",
        "country_of_birth",
        "language",
        "preferred_language",
        "age",
        "date_of_birth",
        "birth_date",
        "dob",
    }
)
"""Never passed to scoring: nationality, language, sex, age (and what reveals them)."""

# Canonical names (see docs/data-formats.md) and the aliases we also accept.
ALIASES: dict[str, str] = {
    "traveler_index": "position",
    "traveler_position": "position",
    "owner": "is_owner",
    "is_account_owner": "is_owner",
    "owner_flag": "is_owner",
    "zip": "zip_code",
    "postal_code": "zip_code",
    "photo_hash": "photo_sha256",
    "photo_sha": "photo_sha256",
    "ip_address": "ip",
    "form_duration_seconds": "form_seconds",
    "form_duration_s": "form_seconds",
    "form_duration": "form_seconds",
    "appointment_port_code": "appointment_port",
    "requested_port_code": "requested_port",
    "port_requested": "requested_port",
}

STRING_COLUMNS = (
    "registration_id",
    "account_id",
    "registration_status",
    "given_names",
    "family_names",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "zip_code",
    "photo_sha256",
    "device_id",
    "ip",
    "requested_port",
    "appointment_port",
    "person_id",
)
"""Columns the analyses may read; missing optional ones are filled with nulls."""


KEEP_COLUMNS = frozenset(
    {
        *STRING_COLUMNS,
        "position",
        "is_owner",
        "created_at",
        "form_seconds",
        "appointment_date",
        "date_of_birth",
        "email_key",
    }
)
"""What ``analysis_frame`` keeps from a data set (before protected columns go)."""


class ProtectedColumnError(ValueError):
    """An analysis asked for, or was handed, a protected attribute."""


def canonical_columns(df: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame | pl.LazyFrame:
    """Rename known aliases to the canonical column names."""
    names = df.collect_schema().names() if isinstance(df, pl.LazyFrame) else df.columns
    renames = {a: c for a, c in ALIASES.items() if a in names and c not in names}
    return df.rename(renames) if renames else df


def _source_files(path: Path) -> tuple[list[Path], str]:
    if path.is_dir():
        for stem in ("registrations", "travelers"):
            for ext in ("parquet", "csv"):
                single = path / f"{stem}.{ext}"
                if single.exists():
                    return [single], ext
                parts = sorted((path / stem).glob(f"*.{ext}")) if (path / stem).is_dir() else []
                if parts:
                    return parts, ext
        raise FileNotFoundError(f"no registrations.parquet or registrations.csv in {path}")
    return [path], path.suffix.lstrip(".").lower()


def scan_dataset(path: str | Path) -> pl.LazyFrame:
    """Lazily scan a data set (a directory holding ``registrations.*``, or one file).

    Example:
        >>> scan_dataset("/tmp/synth01").collect_schema()  # doctest: +SKIP
    """
    files, ext = _source_files(Path(path))
    if ext == "parquet":
        lf = pl.scan_parquet(files)
    elif ext == "csv":
        lf = pl.scan_csv(files, infer_schema=False)
    else:
        raise ValueError(f"unsupported data set format: {ext}")
    return canonical_columns(lf)  # type: ignore[return-value]


def _normalise_types(lf: pl.LazyFrame) -> pl.LazyFrame:
    schema = lf.collect_schema()
    names = set(schema.names())
    exprs: list[pl.Expr] = []
    for col in STRING_COLUMNS:
        if col in names:
            if schema[col] != pl.String:
                exprs.append(pl.col(col).cast(pl.String))
        else:
            exprs.append(pl.lit(None, dtype=pl.String).alias(col))
    if "position" in names:
        exprs.append(pl.col("position").cast(pl.Int32))
    else:
        exprs.append(pl.lit(0, dtype=pl.Int32).alias("position"))
    if "is_owner" in names:
        if schema["is_owner"] == pl.String:
            exprs.append(pl.col("is_owner").str.to_lowercase().is_in(["true", "1", "t", "yes"]))
        else:
            exprs.append(pl.col("is_owner").cast(pl.Boolean))
    else:
        exprs.append((pl.col("position") == 0).alias("is_owner"))
    if "created_at" in names:
        created = pl.col("created_at")
        if schema["created_at"] == pl.String:
            created = created.str.to_datetime(time_zone="UTC", time_unit="us")
        elif isinstance(schema["created_at"], pl.Datetime):
            tz = schema["created_at"].time_zone  # type: ignore[union-attr]
            created = (
                created.dt.replace_time_zone("UTC")
                if tz is None
                else created.dt.convert_time_zone("UTC")
            )
        exprs.append(created.dt.cast_time_unit("us").alias("created_at"))
    if "form_seconds" in names:
        exprs.append(pl.col("form_seconds").cast(pl.Float64, strict=False))
    else:
        exprs.append(pl.lit(None, dtype=pl.Float64).alias("form_seconds"))
    for col in ("date_of_birth", "appointment_date"):
        if col in names and schema[col] == pl.String:
            exprs.append(pl.col(col).str.to_date(strict=False))
    if "appointment_date" not in names:
        exprs.append(pl.lit(None, dtype=pl.Date).alias("appointment_date"))
    return lf.with_columns(exprs)


def exact_person_key() -> pl.Expr:
    """The report's identity key: first name + last name + date of birth.

    Case, accents-as-typed and spacing are kept as the report would have seen
    them, except that case and surrounding/double spaces are folded, which any
    analyst's GROUP BY would also have done.
    """

    def clean(col: str) -> pl.Expr:
        return pl.col(col).str.strip_chars().str.to_uppercase().str.replace_all(r"\s+", " ")

    return pl.concat_str(
        [clean("given_names"), clean("family_names"), pl.col("date_of_birth").cast(pl.String)],
        separator="|",
        ignore_nulls=False,
    )


def analysis_frame(
    data: pl.DataFrame | pl.LazyFrame, *, person_id_column: str | None = None
) -> pl.DataFrame:
    """The frame the analyses receive: canonical columns, no protected attributes.

    Args:
        data: A registrations table as loaded (``scan_dataset``) or built in a test.
        person_id_column: Optional column holding a resolved person id (from the
            identity-resolution engine). Without it, ``person_key`` is the
            report's exact key.

    Returns:
        A frame with ``person_key`` and ``exact_key`` added, ``phone`` as
        ``contacts.phone_key`` and ``email_key`` beside the written ``email``
        (``contacts.normalise_contacts``), and every protected column removed.
    """
    lf = canonical_columns(data.lazy())
    # Only what some analysis reads: request_dates and slot times stay on disk.
    present = lf.collect_schema().names()
    keep = [c for c in present if c in KEEP_COLUMNS or c == person_id_column]
    lf = _normalise_types(lf.select(keep))  # type: ignore[union-attr]
    names = set(lf.collect_schema().names())
    if "date_of_birth" in names:
        lf = lf.with_columns(exact_key=exact_person_key())
    else:
        lf = lf.with_columns(exact_key=pl.lit(None, dtype=pl.String))
    if person_id_column and person_id_column in names:
        lf = lf.with_columns(person_key=pl.col(person_id_column).cast(pl.String))
    else:
        lf = lf.with_columns(person_key=pl.col("exact_key"))
    # Fall back to the traveler itself when no identity key can be formed.
    lf = lf.with_columns(
        person_key=pl.coalesce(
            "person_key",
            pl.concat_str(
                [pl.col("registration_id"), pl.col("position").cast(pl.String)], separator="#"
            ),
        )
    )
    drop = [c for c in lf.collect_schema().names() if c in PROTECTED_COLUMNS]
    frame = lf.drop(drop).collect()
    # One normalisation of contacts for every analysis (``puerta.contacts``); a
    # frame from ``job.load_source`` already carries it (``email_key``).
    return frame if "email_key" in frame.columns else normalise_contacts(frame)


def load_dataset(path: str | Path, *, person_id_column: str | None = None) -> pl.DataFrame:
    """Read a data set from disk straight into an analysis frame."""
    return analysis_frame(scan_dataset(path), person_id_column=person_id_column)


def guard(df: pl.DataFrame, needed: Sequence[str], *, optional: Iterable[str] = ()) -> pl.DataFrame:
    """Keep only the columns an analysis declared; refuse protected ones.

    Every analysis calls this first, so whatever a caller passes in, the
    scoring code only ever sees its declared, non-protected columns.

    Raises:
        ProtectedColumnError: if ``needed`` or ``optional`` names a protected column.
        KeyError: if a needed column is missing.
    """
    optional = list(optional)
    bad = PROTECTED_COLUMNS.intersection([*needed, *optional])
    if bad:
        raise ProtectedColumnError(f"analysis may not use protected columns: {sorted(bad)}")
    wanted = [*needed, *[c for c in optional if c in df.columns and c not in needed]]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise KeyError(f"missing columns: {missing}")
    return df.select(wanted)


def assert_no_protected(df: pl.DataFrame) -> None:
    """Raise if a frame still carries a protected attribute."""
    bad = PROTECTED_COLUMNS.intersection(df.columns)
    if bad:
        raise ProtectedColumnError(f"protected columns present: {sorted(bad)}")


def load_locations(path: str | Path) -> pl.DataFrame | None:
    """The data set's ``locations`` table beside its registrations, or None without one."""
    root = Path(path)
    folder = root if root.is_dir() else root.parent
    for ext in ("parquet", "csv"):
        found = folder / f"locations.{ext}"
        if found.exists():
            if ext == "parquet":
                return pl.read_parquet(found)
            return pl.read_csv(found, infer_schema=False)
    return None
