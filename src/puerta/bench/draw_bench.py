"""Benchmark: a fair draw over a pool of 1,000,000 requests, persons resolution included.

Run: ``.venv/bin/python -m puerta.bench.draw_bench [--requests N] [--repeat R]``.

What is timed (the work done when the pool closes and the draw runs): the
service's resolver over every traveler row (names in several scripts and
spellings): :class:`~puerta.identity.resolver.LinkedResolver`, that is the
:class:`~puerta.identity.resolver.KeyResolver` plus the trend analysis's
identities (one label for every traveler of a person seen more than once,
as its duplicate-person findings give them; loading those from the store is
the database's share, not timed); :func:`~puerta.draw.fair.form_entrants`
and :func:`~puerta.draw.fair.allocate`. Timed separately: publishing (the
records and their Merkle root). Not timed: making the synthetic pool and
loading it (the database's share). Peak memory is the peak resident set size
while the draws and publishing run (Linux: the ``VmHWM`` mark is reset after
the pool is made), beside the resident size of the pool alone, since Polars'
and NumPy's native buffers escape ``tracemalloc``. Each step is
reported in wall and CPU (process) seconds, with the load average: on a
shared machine the wall time mostly measures the other jobs. The caches of
normalised names are cleared before each run.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import resource
import sys
import time
from collections.abc import Mapping

import numpy as np
import polars as pl

from puerta.draw import commitment, fair
from puerta.fairness.model import registrations_per_household
from puerta.identity import keys
from puerta.identity.resolver import LinkedResolver

GIVEN = [
    "María José",
    "Juan Carlos",
    "Ana",
    "Luis",
    "José",
    "Guadalupe",
    "Carlos",
    "Rosa",
    "Aleksandr",
    "Olena",
    "Dmitriy",
    "Anna",
    "Jean",
    "Marie",
    "Mohammed",
    "Fatima",
    "Armen",
    "Gohar",
    "Tigran",
    "Yuliya",
    "Pierre",
    "Daniela",
    "Miguel Ángel",
    "Sofía",
]
FAMILY = [
    "García",
    "López",
    "Hernández",
    "Martínez",
    "González",
    "Pérez",
    "Rodríguez",
    "Sánchez",
    "Ramírez",
    "Cruz",
    "Flores",
    "Gómez",
    "Harutyunyan",
    "Petrosyan",
    "Ivanov",
    "Kovalenko",
    "Jean-Baptiste",
    "Pierre",
    "Joseph",
    "Morales",
    "Reyes",
    "Ortiz",
    "Castillo",
    "Vargas",
    "Mendoza",
    "Ruiz",
    "Aguilar",
    "Chávez",
    "Díaz",
]
NATIVE = {
    "Aleksandr": "Александр",
    "Harutyunyan": "Հարությունյան",
    "Ivanov": "Иванов",
    "Olena": "Олена",
    "Dmitriy": "Дмитрий",
    "Petrosyan": "Петросян",
}


def synthetic_pool(
    n_requests: int,
    seed: int = 0,
    *,
    port_shares: Mapping[str, float] | None = None,
    with_person: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Requests, traveler rows (with names) and identity labels for a pool of ``n_requests``.

    Households hold registrations as in :mod:`puerta.fairness.model`; every
    later registration of a household rewrites its names with the usual
    variation (upper case, native script, dropped second surname, day and
    month swapped), so resolution has real work to do.

    A household asks at one port: one of the eight, evenly, or drawn with
    ``port_shares`` (port code -> share, e.g. ``Settings.port_shares``).
    ``with_person`` adds the true person of each traveler row (``person``), for
    checks; the default frames are the benchmark's, unchanged.
    """
    rng = np.random.default_rng(seed)
    n_h = n_requests  # more than enough; cut below
    k = registrations_per_household(rng, n_h)
    k = k[: int(np.searchsorted(np.cumsum(k), n_requests)) + 1]
    k[-1] -= int(k.sum() - n_requests)
    n_h = len(k)
    size = rng.choice([1, 2, 3, 4, 5, 6], size=n_h, p=[0.45, 0.20, 0.16, 0.11, 0.06, 0.02])
    reg_h = np.repeat(np.arange(n_h), k)
    n_rows = int(size[reg_h].sum())
    row_req = np.repeat(np.arange(n_requests), size[reg_h])
    row_h = reg_h[row_req]
    start = np.cumsum(size[reg_h]) - size[reg_h]
    member = np.arange(n_rows) - np.repeat(start, size[reg_h])
    person = (row_h * 8 + member).astype(np.int64)
    g = rng.integers(0, len(GIVEN), size=n_h * 8)
    f1 = rng.integers(0, len(FAMILY), size=n_h)
    f2 = rng.integers(0, len(FAMILY), size=n_h)
    born = np.datetime64("1960-01-01") + rng.integers(0, 20000, size=n_h * 8).astype(
        "timedelta64[D]"
    )
    first_reg = np.r_[True, reg_h[1:] != reg_h[:-1]][row_req]
    noise = np.where(first_reg, 4, rng.integers(0, 5, size=n_rows))
    given = np.asarray(GIVEN, dtype=object)[g[person]]
    fam = np.char.add(
        np.char.add(np.asarray(FAMILY)[f1[row_h]], " "), np.asarray(FAMILY)[f2[row_h]]
    )
    travelers = (
        pl.DataFrame(
            {
                "request_id": row_req,
                "traveler_id": np.arange(n_rows),
                "given_names": given.astype(str),
                "family_names": fam,
                "date_of_birth": born[person],
                "sex": np.where(person % 2, "F", "M"),
                "noise": noise,
            }
        )
        .with_columns(
            given_names=pl.when(pl.col("noise") == 0)
            .then(pl.col("given_names").str.to_uppercase())
            .when(pl.col("noise") == 1)
            .then(pl.col("given_names").replace(NATIVE))
            .otherwise("given_names"),
            family_names=pl.when(pl.col("noise") == 2)
            .then(pl.col("family_names").str.split(" ").list.first())
            .when(pl.col("noise") == 1)
            .then(pl.col("family_names").replace(NATIVE))
            .otherwise("family_names"),
            date_of_birth=pl.when((pl.col("noise") == 3) & (pl.col("date_of_birth").dt.day() <= 12))
            .then(
                pl.date(
                    pl.col("date_of_birth").dt.year(),
                    pl.col("date_of_birth").dt.day(),
                    pl.col("date_of_birth").dt.month(),
                )
            )
            .otherwise("date_of_birth"),
        )
        .drop("noise")
    )
    if with_person:
        travelers = travelers.with_columns(person=pl.Series(person))
    if port_shares is None:
        ports = np.array(["SYS", "CXL", "NOG", "ELP", "EGP", "LRD", "HID", "BRO"])
        port_of_h = ports[rng.integers(0, 8, size=n_h)]
    else:
        codes = sorted(port_shares)
        weights = np.array([port_shares[c] for c in codes], dtype=float)
        port_of_h = np.array(codes)[rng.choice(len(codes), size=n_h, p=weights / weights.sum())]
    age = rng.integers(0, 180, size=n_requests)
    requests = pl.DataFrame(
        {
            "request_id": np.arange(n_requests),
            "port_code": port_of_h[reg_h],
            "registered_at": np.datetime64("2023-06-01") - age.astype("timedelta64[D]"),
            "public_id": [f"{i:020x}" for i in range(n_requests)],
        }
    )
    seen = np.bincount(person)[person] > 1
    labels = pl.DataFrame({"traveler_id": np.flatnonzero(seen), "identity": person[seen]})
    return requests, travelers, labels


def _rss_mb() -> float:
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1e6


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (Linux), so the draw's own peak can be read."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    """Peak RSS since the last reset (Linux ``VmHWM``), else the process's peak."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return _rss_mb()


def _current_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return float("nan")


def _clear_key_caches() -> None:
    """Forget normalised names, so every run pays for computing them (as a real day does)."""
    for fn in (keys.romanise, keys.skeleton, keys.given_key, keys.family_keys):
        fn.cache_clear()


def _timed_draw(
    requests: pl.DataFrame,
    travelers: pl.DataFrame,
    labels: pl.DataFrame,
    capacity: dict[str, int],
    randomness: bytes,
) -> tuple[list[float], fair.Entrants, fair.Allocation]:
    """Wall and CPU seconds of each step: resolve, entrants, allocate (and totals)."""
    _clear_key_caches()
    marks = [(time.perf_counter(), time.process_time())]
    persons = LinkedResolver(labels, on=("traveler_id",)).resolve(travelers)
    marks.append((time.perf_counter(), time.process_time()))
    entrants = fair.form_entrants(
        requests, travelers.select("request_id").with_columns(person=pl.Series(persons))
    )
    marks.append((time.perf_counter(), time.process_time()))
    alloc = fair.allocate(entrants.table, capacity, randomness, 0.3)
    marks.append((time.perf_counter(), time.process_time()))
    wall = [b[0] - a[0] for a, b in itertools.pairwise(marks)]
    cpu = [b[1] - a[1] for a, b in itertools.pairwise(marks)]
    return [sum(wall), *wall, sum(cpu), *cpu], entrants, alloc


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    requests, travelers, labels = synthetic_pool(args.requests)
    capacity = dict.fromkeys(("SYS", "CXL", "NOG", "ELP", "EGP", "LRD", "HID", "BRO"), 1450 // 8)
    gc.collect()
    made = _rss_mb()
    before = _current_mb()
    reset = _reset_peak()
    print(
        f"pool: {requests.height:,} requests, {travelers.height:,} traveler rows; "
        f"RSS holding it {before:,.0f} MB (peak while making it {made:,.0f} MB); "
        f"{os.cpu_count()} CPUs"
    )
    best: list[float] | None = None
    for i in range(args.repeat):
        row, entrants, alloc = _timed_draw(requests, travelers, labels, capacity, bytes([i]) * 32)
        best = row if best is None or row[0] < best[0] else best
        print(
            f"run {i + 1}: draw {row[0]:.2f} s wall = resolve {row[1]:.2f} + entrants "
            f"{row[2]:.2f} + allocate {row[3]:.2f}; CPU {row[4]:.2f} s = {row[5]:.2f} + "
            f"{row[6]:.2f} + {row[7]:.2f}; {entrants.table.height:,} entrants, "
            f"{len(alloc.selected):,} seated; load average {os.getloadavg()[0]:.1f}"
        )
    t4, c4 = time.perf_counter(), time.process_time()
    recs = commitment.records(entrants)
    t5 = time.perf_counter()
    root = commitment.merkle_root(recs)
    t6, c6 = time.perf_counter(), time.process_time()
    print(
        f"publish: records {t5 - t4:.2f} s + Merkle root {t6 - t5:.2f} s "
        f"(CPU {c6 - c4:.2f} s) over {len(recs):,} records, root {root.hex()[:12]}..."
    )
    assert best is not None
    scope = "during the draws and publishing" if reset else "of the whole process"
    print(
        f"best draw {best[0]:.2f} s wall, {best[4]:.2f} s CPU; peak RSS {scope} "
        f"{_peak_mb():,.0f} MB (pool alone {before:,.0f} MB); "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
