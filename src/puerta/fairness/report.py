"""The simulation's table (plain text) and chart (PNG), for humans."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from puerta.fairness.simulate import TRICK, SimResult

TARGET_BASELINE = 5.0
TOLERANCE = 0.05


def verdicts(result: SimResult) -> dict[str, bool]:
    """The issue's two targets: baseline 10+ >= 5x; Puerta within 1 +/- 0.05 everywhere."""
    by_name = {b.name: b for b in result.buckets}
    puerta = [b.by_draw["puerta"] for b in result.buckets if b.name != "1" and b.persons]
    return {
        "baseline 10+ vs 1 >= 5x": by_name["10+"].by_draw["baseline"].ratio >= TARGET_BASELINE,
        "puerta every bucket within 1.00 +/- 0.05": all(
            abs(r.ratio - 1) <= TOLERANCE for r in puerta
        ),
        "puerta every 95% CI inside 0.95-1.05": all(
            r.low >= 1 - TOLERANCE and r.high <= 1 + TOLERANCE for r in puerta
        ),
    }


def table(result: SimResult) -> str:
    """A fixed-width table of selection rates and ratios with 95% CIs."""
    lines = [
        f"{result.replications} x {result.days} draws; pool: {result.persons:,} persons, "
        f"{result.requests:,} requests; "
        f"{result.capacity:,} seats a day; seniority share {result.seniority_share:.2f}",
        "",
        f"{'registrations held':<19}{'persons':>9}  {'baseline rate':>13}  "
        f"{'ratio [95% CI]':<21}{'crude':>6}  {'puerta rate':>12}  {'ratio [95% CI]':<21}"
        f"{'crude':>6}",
    ]
    for b in result.buckets:
        cells = []
        for d in ("baseline", "puerta"):
            r = b.by_draw[d]
            ci = f"{r.ratio:5.2f} [{r.low:.2f}-{r.high:.2f}]"
            cells.append(f"{r.rate * 100:>12.3f}%  {ci:<21}{r.crude:>6.2f}  ")
        lines.append(f"{b.name:<19}{b.persons:>9,}  {cells[0]}{cells[1]}".rstrip())
    lines.append("")
    lines.append(
        "ratio = a bucket's seats / the seats it would get at the daily rates of persons with"
    )
    lines.append("        one registration at the same port who first registered the same day")
    lines.append("crude = a bucket's daily selection rate / that of persons with one registration")
    lines.append(f"'{TRICK}': lone persons slipped into 1-4 other households' groups")
    for d, s in result.seniority.items():
        lines.append(
            f"{d}: {s['seniority_share_of_persons'] * 100:.1f}% of seated persons by seniority; "
            f"they had waited {s['mean_wait_seniority']:.0f} days on average "
            f"(random seats: {s['mean_wait_random']:.0f})"
        )
    widest = max(
        ((r.high - r.low) / 2 for b in result.buckets[1:] for r in [b.by_draw["puerta"]]),
        default=0.0,
    )
    lines.append(f"puerta: widest 95% CI half-width {widest:.3f} (must be below {TOLERANCE})")
    for name, ok in verdicts(result).items():
        lines.append(f"{'PASS' if ok else 'FAIL'}  {name}")
    return "\n".join(lines)


def chart(result: SimResult, path: Path) -> Path:
    """Two panels: selection ratio by bucket (log scale), and waits of those seated."""
    names = [b.name for b in result.buckets if b.persons]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), width_ratios=(2.2, 1))
    width = 0.38
    for k, (draw, colour) in enumerate((("baseline", "#c44e52"), ("puerta", "#4c72b0"))):
        rs = [b.by_draw[draw] for b in result.buckets if b.persons]
        xs = [i + (k - 0.5) * width for i in range(len(rs))]
        err = [[r.ratio - r.low for r in rs], [r.high - r.ratio for r in rs]]
        label = "report's baseline" if draw == "baseline" else "Puerta's draw"
        left.bar(xs, [r.ratio for r in rs], width, yerr=err, color=colour, label=label, capsize=3)
    left.axhspan(1 - TOLERANCE, 1 + TOLERANCE, color="#55a868", alpha=0.25, label="1.00 ± 0.05")
    left.set_yscale("log")
    left.set_xticks(range(len(names)), names)
    left.set_xlabel("registrations held by the person")
    left.set_ylabel("chance of a seat vs a person with one\n(same port, same wait) (×)")
    left.set_title("A person's chance of a seat (95% CI)")
    left.legend(fontsize=8)
    draws = list(result.seniority)
    xs = range(len(draws))
    right.bar(
        [x - 0.2 for x in xs],
        [result.seniority[d]["mean_wait_seniority"] for d in draws],
        0.4,
        color="#8172b2",
        label="seniority seats",
    )
    right.bar(
        [x + 0.2 for x in xs],
        [result.seniority[d]["mean_wait_random"] for d in draws],
        0.4,
        color="#ccb974",
        label="random seats",
    )
    right.set_xticks(list(xs), draws)
    right.set_ylabel("days waited since first registration")
    right.set_title("Seats to the longest-waiting")
    right.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
