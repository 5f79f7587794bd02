"""Measure the address, burst and ring findings against the planted truth.

``truth.parquet`` (docs/data-formats.md) says, per registrations row, which
planted pattern the row belongs to. These functions compare findings with it
and return plain dicts of metrics, so the CLI, ``make bench`` and the tests
can print or assert them.

* Address clusters: each of the seven planted addresses must be found (a
  flagged finding holding most of its rows) and ranked in the top ten; no
  listed shelter or sponsor may be flagged; the per-port counts of persons
  must match the planted ones.
* Bursts and rings: precision and recall over registrations, plus the share
  of planted bursts / rings mostly covered by one finding.
* Location signals: the same, per kind, against ``truth.location_pattern``.

Example:
    >>> precision_recall({"a", "b", "c"}, {"b", "c", "d"})
    {'precision': 0.667, 'recall': 0.667, 'f1': 0.667, 'predicted': 3, 'actual': 3, 'hits': 2}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from puerta.findings.value import (
    ADDRESS_CLUSTER,
    KNOWN_ADDRESS,
    LOCATION_KINDS,
    REGISTRATION_BURST,
    SHARED_CONTACT_RING,
    SHARED_SERVICE_CONTACT,
    Finding,
)

SERVICE_TRUTH_COLUMNS = ("service_contact_id", "shared_contact_id", "aid_contact_id")
"""Where a generator may mark rows planted with an aid organisation's contact."""


def load_truth(path: str | Path) -> pl.DataFrame:
    """Read ``truth.parquet`` (a file, or the data set directory holding it)."""
    p = Path(path)
    if p.is_dir():
        p = p / "truth.parquet"
    truth = pl.read_parquet(p)
    if "traveler_index" in truth.columns and "position" not in truth.columns:
        truth = truth.rename({"traveler_index": "position"})
    return truth.with_columns(pl.col("position").cast(pl.Int32))


def precision_recall(predicted: set[Any], actual: set[Any]) -> dict[str, float | int]:
    """Set precision, recall and F1 (1.0 when there was nothing to find or flag)."""
    hits = len(predicted & actual)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(actual) if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "predicted": len(predicted),
        "actual": len(actual),
        "hits": hits,
    }


def _groups_covered(
    findings: list[Finding], truth_groups: dict[str, set[str]], min_share: float
) -> float:
    """Share of planted groups with at least ``min_share`` of their registrations in one finding."""
    if not truth_groups:
        return 1.0
    by_reg: dict[str, list[int]] = {}
    for i, f in enumerate(findings):
        for r in f.registration_ids:
            by_reg.setdefault(r, []).append(i)
    covered = 0
    for regs in truth_groups.values():
        counts: dict[int, int] = {}
        for r in regs:
            for i in by_reg.get(r, ()):
                counts[i] = counts.get(i, 0) + 1
        if counts and max(counts.values()) >= min_share * len(regs):
            covered += 1
    return round(covered / len(truth_groups), 3)


def _registration_groups(truth: pl.DataFrame, column: str) -> dict[str, set[str]]:
    rows = (
        truth.filter(pl.col(column).is_not_null())
        .group_by(column)
        .agg(pl.col("registration_id").unique())
    )
    return {str(k): set(v) for k, v in rows.iter_rows()}


def evaluate_pattern(
    findings: Iterable[Finding],
    truth: pl.DataFrame,
    *,
    kind: str,
    column: str,
    exclude: set[str] | None = None,
) -> dict[str, Any]:
    """Registration-level precision/recall of one finding kind against one truth column.

    ``exclude`` leaves registrations out of both sides (a known artifact of a
    generator, say); the default scores everything.
    """
    exclude = exclude or set()
    chosen = [f for f in findings if f.kind == kind and f.flagged]
    predicted = {r for f in chosen for r in f.registration_ids} - exclude
    groups = _registration_groups(truth, column)
    actual = (set().union(*groups.values()) if groups else set()) - exclude
    out: dict[str, Any] = precision_recall(predicted, actual)
    out["findings"] = len(chosen)
    out["planted_groups"] = len(groups)
    out["groups_mostly_found"] = _groups_covered(chosen, groups, 0.5)
    return out


def evaluate_bursts(
    findings: Iterable[Finding], truth: pl.DataFrame, *, exclude: set[str] | None = None
) -> dict[str, Any]:
    """Burst findings against ``truth.burst_id``."""
    return evaluate_pattern(
        findings, truth, kind=REGISTRATION_BURST, column="burst_id", exclude=exclude
    )


def evaluate_rings(findings: Iterable[Finding], truth: pl.DataFrame) -> dict[str, Any]:
    """Ring findings against ``truth.ring_id``.

    Findings labelled ``group_inclusion`` (people re-listed across
    registrations) are the coalition pattern, not a planted ring: they are
    scored against ``truth.coalition_id`` separately and left out of the ring
    precision.
    """
    findings = list(findings)
    rings = [f for f in findings if f.evidence.get("pattern") != "group_inclusion"]
    coalitions = [f for f in findings if f.evidence.get("pattern") == "group_inclusion"]
    out = evaluate_pattern(rings, truth, kind=SHARED_CONTACT_RING, column="ring_id")
    out["all_components"] = evaluate_pattern(
        findings, truth, kind=SHARED_CONTACT_RING, column="ring_id"
    )
    if "coalition_id" in truth.columns:
        out["group_inclusion_vs_coalitions"] = evaluate_pattern(
            coalitions, truth, kind=SHARED_CONTACT_RING, column="coalition_id"
        )
    return out


def evaluate_service_contacts(findings: Iterable[Finding], truth: pl.DataFrame) -> dict[str, Any]:
    """Shared-service-contact findings against the planted aid-organisation contacts.

    Registration-level precision and recall of every ``shared_service_contact``
    (listed or found by the far-out rule) against the truth column the generator
    writes (the first of ``SERVICE_TRUTH_COLUMNS`` present), the same for the
    unlisted ones alone (``found_by_rule``, listed registrations left out), and
    ``in_rings``: planted registrations that a ring
    holds although a ring is not the planted pattern for them (should be 0).
    """
    findings = list(findings)
    column = next((c for c in SERVICE_TRUTH_COLUMNS if c in truth.columns), None)
    services = [f for f in findings if f.kind == SHARED_SERVICE_CONTACT]
    if column is None:
        return {"planted_groups": 0, "findings": len(services), "truth_column": None}
    planted = {r for regs in _registration_groups(truth, column).values() for r in regs}
    in_ring_truth = {r for regs in _registration_groups(truth, "ring_id").values() for r in regs}
    unflagged = [replace(f, flagged=True) for f in services]  # reported, never flagged
    out = evaluate_pattern(unflagged, truth, kind=SHARED_SERVICE_CONTACT, column=column)
    out["truth_column"] = column
    out["listed"] = sum(bool(f.evidence.get("listed")) for f in services)
    # The far-out rule alone, on the planted contacts that are not listed.
    listed = {r for f in unflagged if f.evidence.get("listed") for r in f.registration_ids}
    out["found_by_rule"] = evaluate_pattern(
        [f for f in unflagged if not f.evidence.get("listed")],
        truth,
        kind=SHARED_SERVICE_CONTACT,
        column=column,
        exclude=listed,
    )
    rings = {
        r
        for f in findings
        if f.kind == SHARED_CONTACT_RING and f.flagged
        for r in f.registration_ids
    }
    out["in_rings"] = len((planted - in_ring_truth) & rings)
    return out


def evaluate_locations(findings: Iterable[Finding], truth: pl.DataFrame) -> dict[str, Any]:
    """Each location kind against the registrations planted with that pattern.

    ``truth.location_pattern`` names the kind a registration was planted for and
    ``location_id`` its group; a kind is scored on its own pattern only.
    """
    findings = list(findings)
    out: dict[str, Any] = {}
    for kind in LOCATION_KINDS:
        planted = truth.with_columns(
            planted=pl.when(pl.col("location_pattern") == kind).then(pl.col("location_id"))
        )
        out[kind] = evaluate_pattern(findings, planted, kind=kind, column="planted")
    return out


def _truth_port_counts(truth: pl.DataFrame, data: pl.DataFrame) -> dict[int, dict[str, int]]:
    """Planted persons per (address, appointment port), by the true person id."""
    rows = truth.filter(pl.col("address_cluster_id").is_not_null()).join(
        data.select("registration_id", "position", "appointment_port"),
        on=["registration_id", "position"],
    )
    per_person = rows.group_by("address_cluster_id", "person_id").agg(
        pl.col("appointment_port").drop_nulls().mode().sort().first().fill_null("none")
    )
    out: dict[int, dict[str, int]] = {}
    for cid, port, n in (
        per_person.group_by("address_cluster_id", "appointment_port").len().iter_rows()
    ):
        out.setdefault(int(cid), {})[port] = n
    return out


def _friend_rows(truth: pl.DataFrame) -> set[tuple[str, int]]:
    """Rows of friend groups sharing a flat, by whichever marker the truth has."""
    marks = []
    if "address_kind" in truth.columns:
        marks.append(pl.col("address_kind") == "friends")
    marks += [pl.col(c).is_not_null() for c in truth.columns if c.startswith("friend")]
    if not marks:
        return set()
    return set(
        truth.filter(pl.any_horizontal(marks)).select("registration_id", "position").iter_rows()
    )


def evaluate_addresses(
    findings: Iterable[Finding], truth: pl.DataFrame, data: pl.DataFrame, *, top: int = 10
) -> dict[str, Any]:
    """Planted addresses found, their ranks, shelters flagged, per-port counts.

    Args:
        findings: Address findings (``addresses.find_address_clusters``).
        truth: ``load_truth`` output.
        data: The analysis frame the findings came from (for appointment ports).
        top: The rank every planted address must reach.

    Returns:
        A dict with ``all_found_in_top`` (the target), ``per_address`` details,
        ``flagged_known`` (must be 0), ``port_counts_match``,
        ``precision_top20`` (share of the top ``min(20, flagged)`` flagged
        findings that are a planted address, each planted address counted
        once however many findings hold it; None when nothing is flagged)
        and ``flagged_friends`` (flagged findings that are mostly a friend
        group sharing a flat: ``address_kind`` "friends" or a non-null
        ``friend_group_id`` in the truth, when the generator plants them).
    """
    flagged = [f for f in findings if f.kind == ADDRESS_CLUSTER and f.flagged]
    known = [f for f in findings if f.kind == KNOWN_ADDRESS]
    kind_of = {
        (r, p): k
        for r, p, k in truth.select("registration_id", "position", "address_kind").iter_rows()
    }
    truth_ports = _truth_port_counts(truth, data)
    per: dict[int, dict[str, Any]] = {}
    planted = truth.filter(pl.col("address_cluster_id").is_not_null())
    for (cid,), rows in planted.partition_by("address_cluster_id", as_dict=True).items():
        rows_set = set(rows.select("registration_id", "position").iter_rows())
        best, best_hits = None, 0
        for rank, f in enumerate(flagged, start=1):
            hits = len(rows_set.intersection(f.travelers))
            if hits > best_hits:
                best, best_hits = (rank, f), hits
        entry: dict[str, Any] = {"planted_rows": len(rows_set), "found": False}
        if best and best_hits * 2 > len(rows_set):
            rank, f = best
            computed = {k: v for k, v in f.evidence["holders_by_port"].items() if k != "none"}
            planted_ports = {k: v for k, v in truth_ports.get(int(cid), {}).items() if k != "none"}
            entry |= {
                "found": True,
                "rank": rank,
                "rows_covered": round(best_hits / len(rows_set), 3),
                "purity": round(best_hits / len(f.travelers), 3),
                "address": f.evidence["address"],
                "ports_computed": computed,
                "ports_planted": planted_ports,
                "ports_match": computed == planted_ports,
            }
        per[int(cid)] = entry
    flagged_known = [
        f.key
        for f in flagged
        if sum(kind_of.get(t) in ("shelter", "sponsor") for t in f.travelers) * 2 > len(f.travelers)
    ]
    found = [e for e in per.values() if e["found"]]
    top_n = flagged[: min(20, len(flagged))]
    cluster_of = {
        (r, p): c
        for r, p, c in planted.select(
            "registration_id", "position", "address_cluster_id"
        ).iter_rows()
    }
    friend_rows = _friend_rows(truth)
    hit_clusters: set[int] = set()
    for f in top_n:
        counts: dict[int, int] = {}
        for t in f.travelers:
            c = cluster_of.get(t)
            if c is not None:
                counts[int(c)] = counts.get(int(c), 0) + 1
        best_cluster = max(counts.items(), key=lambda x: x[1], default=None)
        if best_cluster and best_cluster[1] * 2 > len(f.travelers):
            hit_clusters.add(best_cluster[0])
    friends_flagged = sum(
        sum(t in friend_rows for t in f.travelers) * 2 > len(f.travelers) for f in flagged
    )
    return {
        "precision_top20": round(len(hit_clusters) / len(top_n), 3) if top_n else None,
        "flagged_friends": friends_flagged,
        "planted": len(per),
        "found": len(found),
        "all_found_in_top": len(found) == len(per) and all(e["rank"] <= top for e in found),
        "worst_rank": max((e["rank"] for e in found), default=None),
        "port_counts_match": all(e.get("ports_match") for e in found) and len(found) == len(per),
        "flagged_known": len(flagged_known),
        "known_reported": len(known),
        "flagged_total": len(flagged),
        "per_address": dict(sorted(per.items())),
    }


def evaluate_dataset(
    path: str | Path,
    *,
    person_id_column: str | None = None,
    exclude_created_at: Iterable[str] = (),
    analysis_only: bool = False,
    known_contacts: str | Path | None = None,
    persons: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """Run the address, burst and ring analyses on a synthetic data set and score them.

    ``persons`` (``registration_id``, ``traveler_index``, ``person_id``, from
    identity resolution) gives the analyses resolved persons, as
    ``puerta trends run`` does: without it one person registering under
    several spellings looks like several families, and a ring or an address
    cluster of one person can appear.

    Uses the data set's own ``shelters.csv`` as the known-address list when
    present, and its ``shared_contacts.csv`` (or ``known_contacts``) as the
    contacts shared by design, as ``puerta trends run`` would. Returns the
    metric dicts, the shared-address share, and the seconds each step took
    (what ``puerta trends evaluate`` prints).
    ``exclude_created_at`` (ISO instants) adds burst metrics without the
    registrations created at those seconds (the synth's end-of-period clamp);
    ``analysis_only`` skips the truth and returns timings only.

    Example:
        >>> evaluate_dataset("/tmp/synth01")["rings"]["recall"]  # doctest: +SKIP
        1.0
    """
    import time

    from puerta.trends import oig_tables
    from puerta.trends.addresses import analyse_addresses, load_known_addresses
    from puerta.trends.bursts import find_bursts
    from puerta.trends.frame import load_dataset
    from puerta.trends.known_contacts import load_known_contacts
    from puerta.trends.rings import RingConfig, find_rings

    root = Path(path)
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        seconds[name] = round(now - started, 2)
        started = now

    if persons is not None:
        from puerta.trends.frame import analysis_frame, scan_dataset

        ids = persons.lazy().select(
            "registration_id",
            pl.col("traveler_index").cast(pl.Int32).alias("position"),
            pl.col("person_id").cast(pl.String).alias("resolved_person"),
        )
        scanned = scan_dataset(root).with_columns(pl.col("position").cast(pl.Int32))
        data = analysis_frame(
            scanned.join(ids, on=["registration_id", "position"], how="left"),
            person_id_column="resolved_person",
        )
    else:
        data = load_dataset(root, person_id_column=person_id_column)
    lap("load")
    shelters = root / "shelters.csv"
    listed = root / "shared_contacts.csv"
    if known_contacts is None and listed.exists():
        known_contacts = listed
    contacts = load_known_contacts(known_contacts)
    known = [*load_known_addresses(shelters if shelters.exists() else None), *contacts.addresses]
    analysis = analyse_addresses(data, known=known)
    lap("addresses")
    bursts = find_bursts(data)
    lap("bursts")
    explained = {r for f in bursts for r in f.registration_ids}
    rings = find_rings(data, RingConfig(known=contacts), explained=explained)
    lap("rings")
    from puerta.trends.frame import load_locations
    from puerta.trends.location import find_location_signals

    located = load_locations(root)
    places = find_location_signals(data, located) if located is not None else []
    lap("locations")
    oig_tables.table2(data)
    oig_tables.table3(analysis)
    share = oig_tables.unrelated_share(analysis)
    lap("oig_tables")
    seconds["total"] = round(sum(seconds.values()), 2)
    findings = len(analysis.findings) + len(bursts) + len(rings) + len(places)
    if analysis_only:
        return {"rows": data.height, "findings": findings, "share": share, "seconds": seconds}
    truth = load_truth(root)
    result = {
        "rows": data.height,
        "findings": findings,
        "addresses": evaluate_addresses(analysis.findings, truth, data),
        "bursts": evaluate_bursts(bursts, truth),
        "rings": evaluate_rings(rings, truth),
        "service_contacts": evaluate_service_contacts(rings, truth),
        "share": share,
        "seconds": seconds,
    }
    if located is not None and "location_pattern" in truth.columns:
        result["locations"] = evaluate_locations(places, truth)
    instants = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in exclude_created_at]
    if instants:
        excluded = set(data.filter(pl.col("created_at").is_in(instants))["registration_id"])
        result["bursts_excluding"] = {
            "created_at": list(exclude_created_at),
            "registrations_excluded": len(excluded),
            **evaluate_bursts(bursts, truth, exclude=excluded),
        }
    return result


def main(argv: list[str] | None = None) -> None:
    """``python -m puerta.trends.evaluate DIR [--tables]``: metrics as JSON, timings, peak RSS.

    Until ``puerta trends evaluate`` is wired, this is the benchmark command
    recorded in BENCHMARKS.md.
    """
    import argparse
    import json
    import resource

    from puerta.trends import oig_tables
    from puerta.trends.addresses import analyse_addresses, load_known_addresses
    from puerta.trends.frame import load_dataset

    parser = argparse.ArgumentParser(prog="python -m puerta.trends.evaluate")
    parser.add_argument("dataset", help="a synth output directory (with truth.parquet)")
    parser.add_argument("--tables", action="store_true", help="also print the OIG tables")
    parser.add_argument(
        "--exclude-created-at",
        action="append",
        default=[],
        metavar="ISO",
        help="also score bursts without registrations created at this second",
    )
    parser.add_argument("--analysis-only", action="store_true", help="time the analysis; no truth")
    args = parser.parse_args(argv)
    result = evaluate_dataset(
        args.dataset,
        exclude_created_at=args.exclude_created_at,
        analysis_only=args.analysis_only,
    )
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result, indent=1, default=str))
    if args.tables:
        root = Path(args.dataset)
        manifest = json.loads((root / "manifest.json").read_text())
        data = load_dataset(root)
        shelters = root / "shelters.csv"
        analysis = analyse_addresses(
            data, known=load_known_addresses(shelters if shelters.exists() else None)
        )
        print(
            oig_tables.format_report(
                oig_tables.table2(data),
                oig_tables.table3(analysis),
                oig_tables.unrelated_share(analysis),
                profile=manifest.get("profile"),
                scale=float(manifest.get("scale", 1.0)),
                addresses=oig_tables.table3_addresses(analysis),
            )
        )


if __name__ == "__main__":
    main()
