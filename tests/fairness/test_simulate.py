"""The fairness simulation runs end to end and shows the baseline's unfairness."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from puerta.cli.main import app
from puerta.fairness import report
from puerta.fairness.model import SHARE_TEN_PLUS, build_population
from puerta.fairness.simulate import simulate


def test_model_is_calibrated() -> None:
    pop = build_population(20_000, seed=3)
    share = (pop.persons["registrations"] >= 10).mean()
    assert abs(share - SHARE_TEN_PLUS) < 0.01
    assert pop.persons["trick"].sum() > 0


def test_baseline_favours_many_registrations_and_puerta_does_not() -> None:
    pop = build_population(8_000, seed=4)
    result = simulate(pop, days=8, capacity=120, seed=4, bootstrap=200)
    by = {b.name: b.by_draw for b in result.buckets}
    assert by["10+"]["baseline"].ratio >= 5
    assert by["10+"]["puerta"].ratio < 2.5  # small sample: loose
    assert "PASS  baseline" in report.table(result)


def test_cli_writes_table_and_chart(tmp_path: Path) -> None:
    chart = tmp_path / "f.png"
    out = CliRunner().invoke(
        app,
        ["fairness", "simulate", "--persons", "3000", "--days", "2", "--chart", str(chart)],
    )
    assert out.exit_code == 0, out.output
    assert "registrations held" in out.output
    assert chart.stat().st_size > 1000


def test_same_seed_same_figures_and_replications_pool() -> None:
    """Determinism: the same seed gives identical figures, replications included."""

    def run():  # type: ignore[no-untyped-def]
        return simulate(
            build_population(3_000, seed=5),
            days=2,
            capacity=60,
            seed=5,
            bootstrap=100,
            replications=2,
            rebuild=lambda k: build_population(3_000, seed=5_000 + k),
        )

    first, second = run(), run()
    assert first == second
    assert first.replications == 2
    assert "2 x 2 draws" in report.table(first)


def test_standardised_ratio_compares_like_with_like() -> None:
    """Two strata (say, long and short waits): both groups do equally well within
    each, but group 1 sits mostly in the high-rate stratum. The crude ratio says
    4.79x; compared like with like it is 1."""
    import numpy as np

    from puerta.fairness.simulate import standardised_ratio

    exposure = np.array([[900, 100], [100, 900]], dtype=float)  # group x stratum
    hits = np.array([[9, 10], [1, 90]], dtype=float)  # rates 1% and 10% in both groups
    crude = (hits[1].sum() / exposure[1].sum()) / (hits[0].sum() / exposure[0].sum())
    assert round(crude, 2) == 4.79
    assert standardised_ratio(hits, exposure).tolist() == [1.0, 1.0]
    # A group twice as likely in every stratum is 2; strata the reference never saw are left out.
    exposure3 = np.array([[900, 100, 0], [100, 900, 50]], dtype=float)
    hits3 = np.array([[9, 10, 0], [2, 180, 50]], dtype=float)
    assert standardised_ratio(hits3, exposure3).tolist() == [1.0, 2.0]


def test_cli_bad_data_set_and_identities_get_a_clear_error(tmp_path: Path) -> None:
    """No traceback: a directory without the tables, or an unknown --identities."""
    runner = CliRunner()
    out = runner.invoke(app, ["fairness", "simulate", "--data", str(tmp_path), "--days", "2"])
    assert out.exit_code == 1
    assert "needs registrations and truth tables" in out.output
    out = runner.invoke(
        app, ["fairness", "simulate", "--data", str(tmp_path), "--identities", "names"]
    )
    assert out.exit_code == 2
    assert "--identities" in out.output
