"""``puerta fairness``: prove the draw fair on synthetic pools."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Identities(StrEnum):
    """Who the draw takes for one person in a data set's pools."""

    SPLINK = "splink"
    KEYS = "keys"


app = typer.Typer(help="Compare the report's draw with Puerta's, per person.", no_args_is_help=True)


@app.command("simulate")
def simulate(
    data: Annotated[
        Path | None, typer.Option(help="Synthetic data set directory; default: built-in model.")
    ] = None,
    persons: Annotated[int, typer.Option(help="Persons in the built-in model.")] = 100_000,
    days: Annotated[int, typer.Option(help="Draws to run in each replication.")] = 60,
    replications: Annotated[
        int, typer.Option(help="Independent replications (a fresh population each).")
    ] = 1,
    capacity: Annotated[
        int,
        typer.Option(
            help="Seats a day, all ports; 0 = with --data, the data set's own (median seats "
            "booked a day), else 1.45% of the pool's persons."
        ),
    ] = 0,
    seniority_share: Annotated[float, typer.Option(help="Share of seats by seniority.")] = 0.3,
    seed: Annotated[int, typer.Option(help="Seed of the model and the draws.")] = 1,
    chart: Annotated[Path, typer.Option(help="Where to write the PNG chart.")] = Path(
        "var/fairness.png"
    ),
    table: Annotated[Path | None, typer.Option(help="Also write the table here.")] = None,
    identities: Annotated[
        Identities,
        typer.Option(
            help="With --data: the persons the draw sees: 'splink' (the trend analysis's "
            "identities plus the normalised keys) or 'keys' (the keys alone)."
        ),
    ] = Identities.SPLINK,
) -> None:
    """Run both draws over the same pools; print the table and write the chart."""
    from puerta.fairness import report
    from puerta.fairness import simulate as sim
    from puerta.fairness.model import build_population

    if data is not None:
        from puerta.fairness.data import load_pools, seats_per_day

        try:
            pools = load_pools(data, max_days=days, identities=identities.value)
        except (FileNotFoundError, ValueError) as exc:
            typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None
        if not pools:
            typer.secho(f"error: no pool dates in {data}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1)
        size = max(p.persons.height for p in pools)
        capacity = capacity or seats_per_day(data, pools)
        pop: sim.Population | list[sim.Population] = pools
    else:
        pop = build_population(persons, seed=seed)
        size = persons
    seats = capacity or max(8, round(size * 0.0145))

    def rebuild(k: int) -> sim.Population:
        return build_population(persons, seed=seed * 1_000 + k)

    result = sim.simulate(
        pop,
        days=days,
        capacity=seats,
        seed=seed,
        seniority_share=seniority_share,
        replications=replications,
        rebuild=None if data is not None else rebuild,
    )
    text = report.table(result)
    typer.echo(text)
    if table is not None:
        table.parent.mkdir(parents=True, exist_ok=True)
        table.write_text(text + "\n")
    typer.echo(f"chart: {report.chart(result, chart)}")
