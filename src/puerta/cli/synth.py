"""``puerta synth``: generate a synthetic population; ``puerta synth report DIR``."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from puerta.synth import generator, report

app = typer.Typer(
    help="Synthetic population calibrated to DHS OIG-24-48, with ground truth.",
    invoke_without_command=True,
)


@app.callback()
def synth(
    ctx: typer.Context,
    profile: str = typer.Option("oig-2023", help="Calibration profile."),
    scale: float = typer.Option(
        0.01, help="Share of the report's population (1.0 = 1,336,401 persons)."
    ),
    seed: int = typer.Option(0, help="Same seed, same data set."),
    out: Path = typer.Option(Path("synth-out"), help="Directory to write the data set to."),
    fmt: str = typer.Option(
        "parquet", "--format", help="parquet or csv (truth is always Parquet)."
    ),
    workers: int = typer.Option(1, min=1, help="Processes generating chunks (output is the same)."),
) -> None:
    """Write registrations, appointments, truth.parquet, shelters.csv, shared_contacts.csv
    and manifest.json to OUT."""
    if ctx.invoked_subcommand is not None:
        return
    if fmt not in ("parquet", "csv"):
        raise typer.BadParameter("--format must be parquet or csv")
    started = time.perf_counter()
    try:
        manifest = generator.generate(
            profile,
            scale,
            seed,
            out,
            fmt=fmt,
            workers=workers,  # type: ignore[arg-type]
            on_chunk=generator.stderr_progress(),
        )
    except ValueError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    rows = manifest["rows"]
    typer.echo(
        f"wrote {rows['registrations']:,} registration rows, {rows['appointments']:,} appointments "
        f"to {out} in {time.perf_counter() - started:.1f} s"
    )


@app.command("report")
def report_cmd(directory: Path = typer.Argument(..., exists=True, file_okay=False)) -> None:
    """Print the calibration table: each of the report's figures beside the generated value."""
    figures = report.calibration(directory)
    typer.echo(report.render(figures))
    misses = [f.name for f in figures if not f.ok]
    if misses:
        typer.echo(f"\n{len(misses)} figure(s) outside tolerance: {', '.join(misses)}")
