"""``puerta import PATH`` and ``puerta export PATH``: the data-set format in and out."""

from __future__ import annotations

from pathlib import Path

import typer

from puerta.cli import common
from puerta.dataset import exporter, importer


def import_cmd(
    path: Path = typer.Argument(..., exists=True, help="Data-set directory or registrations file."),
    rejects: Path = typer.Option(None, help="Rejects CSV (default: rejects.csv beside the data)."),
    workers: int = typer.Option(2, min=1, help="Processes validating rows."),
    batch_rows: int = typer.Option(20_000, min=100, help="Rows per transaction."),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Reject a registration whole on any invalid value, optional ones too "
        "(default: blank an invalid optional value and keep the registration).",
    ),
) -> None:
    """Validate and bulk-load a data set (docs/data-formats.md).

    Invalid optional values are blanked (not with --strict), other bad registrations rejected.
    """
    db = common.database()
    try:
        stats = importer.import_dataset(
            db,
            path,
            rejects=rejects,
            workers=workers,
            batch_rows=batch_rows,
            settings=common.settings(),
            clock=common.clock(),
            strict=strict,
            progress=lambda n: typer.echo(f"  {n:,} rows read", err=True),
        )
    finally:
        db.engine.dispose()
    typer.echo(
        f"read {stats.rows_read:,} rows in {stats.seconds:.1f} s "
        f"({stats.rows_per_second:,.0f} rows/s): "
        f"loaded {stats.registrations_loaded:,} registrations ({stats.rows_loaded:,} rows), "
        f"skipped {stats.registrations_skipped:,} already present, "
        f"kept {stats.registrations_blanked:,} with {stats.values_blanked:,} invalid "
        f"optional values blanked, "
        f"rejected {stats.registrations_rejected:,} ({stats.rows_rejected:,} rows); "
        f"appointments loaded {stats.appointments_loaded:,}, "
        f"skipped {stats.appointments_skipped:,}, "
        f"rejected {stats.appointments_rejected:,}"
    )
    if stats.rejects_path:
        typer.echo(f"rejects: {stats.rejects_path}")


def export_cmd(
    path: Path = typer.Argument(..., file_okay=False, help="Directory to write."),
    fmt: str = typer.Option("parquet", "--format", help="parquet or csv."),
) -> None:
    """Write the store's registrations and appointments in the data-set format."""
    if fmt not in ("parquet", "csv"):
        raise typer.BadParameter("--format must be parquet or csv")
    db = common.database()
    try:
        counts = exporter.export_dataset(db, path, fmt=fmt)  # type: ignore[arg-type]
    finally:
        db.engine.dispose()
    typer.echo(
        f"wrote {counts['registrations']:,} rows, {counts['appointments']:,} appointments to {path}"
    )


def register(app: typer.Typer) -> None:
    """Mount ``import`` and ``export`` as top-level commands."""
    app.command("import")(import_cmd)
    app.command("export")(export_cmd)
