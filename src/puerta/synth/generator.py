"""Generate a data set: chunk by chunk, deterministic for a seed, bounded memory.

Each chunk is generated from its own RNG (seeded from profile, seed and chunk
number), so the output does not depend on how many processes did the work.
"""

from __future__ import annotations

import csv
import random
import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa

from puerta.dataset import files, schema
from puerta.synth import activity, errors, locations, population
from puerta.synth.plan import ChunkPlan, Plan, make_plan
from puerta.synth.profiles import Profile, get_profile
from puerta.synth.rows import RowBuilder

GENERATOR = "puerta-synth/1"
ChunkTables = tuple[pa.Table, pa.Table, pa.Table, pa.Table]


def generate_chunk(plan: Plan, chunk: ChunkPlan) -> ChunkTables:
    """(registrations, truth, appointments, locations) of one chunk."""
    rng = random.Random(f"{plan.profile.name}:{plan.seed}:{chunk.index}")
    households = population.build(plan, chunk, rng)
    activity.assign_counts(plan, chunk, households, rng)
    serial = [0]
    regs: list[activity.Registration] = []
    for hh in households:
        regs.extend(activity.registrations_of(plan, hh, rng, serial))
    regs.extend(activity.plant_coalitions(plan, chunk, households, rng))
    activity.plant_rings(plan, chunk, regs, rng)
    regs.sort(key=lambda r: (r.created_at, r.rid))
    activity.appointments(plan, chunk, households, regs, rng)
    activity.requests(plan, regs, rng)
    # The error classes draw from their own stream too, after the fraud is planted.
    err = random.Random(f"{plan.profile.name}:{plan.seed}:{chunk.index}:errors")
    fraud = {r.owner.index for r in regs if r.burst_id or r.ring_id or r.coalition_id}
    errors.plant_friend_groups(plan, chunk, households, fraud, err)
    errors.plant_namesakes(chunk, households, fraud, err)
    errors.plant_service_contacts(plan, chunk, households, fraud, err)
    # The readings draw from their own stream: every other column stays as it was.
    where = random.Random(f"{plan.profile.name}:{plan.seed}:{chunk.index}:locations")
    located = locations.build(regs, where, chunk.index)
    builder = RowBuilder(err, errors.by_id(plan.profile))
    builder.add_all(regs, rng)
    return (*builder.tables(), located)


def iter_chunks(plan: Plan, workers: int = 1) -> Iterator[ChunkTables]:
    """Chunks in order; with workers > 1, a few are generated ahead in processes."""
    if workers <= 1 or len(plan.chunks) == 1:
        for chunk in plan.chunks:
            yield generate_chunk(plan, chunk)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[ChunkTables]] = deque()
        todo = iter(plan.chunks)
        for chunk in todo:
            pending.append(pool.submit(generate_chunk, plan, chunk))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def generate(
    profile: str | Profile = "oig-2023",
    scale: float = 0.01,
    seed: int = 0,
    out_dir: Path | str = "synth-out",
    *,
    fmt: files.Format = "parquet",
    workers: int = 1,
    on_chunk: Callable[[int, int, int], None] | None = None,
) -> dict[str, Any]:
    """Write a data set (docs/data-formats.md) and its truth to ``out_dir``.

    ``on_chunk(done, total, rows)`` reports progress. Returns the manifest.
    The demo loader calls this at a small scale, e.g.
    ``generate("oig-2023", 0.002, seed=1, out_dir="var/demo")``.
    """
    prof = get_profile(profile) if isinstance(profile, str) else profile
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plan = make_plan(prof, scale, seed)
    ext = "parquet" if fmt == "parquet" else "csv"
    regs_w = files.TableWriter(out / f"registrations.{ext}", schema.REGISTRATIONS, fmt)
    appt_w = files.TableWriter(out / f"appointments.{ext}", schema.APPOINTMENTS, fmt)
    truth_w = files.TableWriter(out / "truth.parquet", schema.TRUTH, "parquet")
    loc_w = files.TableWriter(out / f"locations.{ext}", schema.LOCATIONS, fmt)
    with regs_w, appt_w, truth_w, loc_w:
        for done, (reg, truth, appt, loc) in enumerate(iter_chunks(plan, workers), start=1):
            regs_w.write(reg)
            truth_w.write(truth)
            appt_w.write(appt)
            loc_w.write(loc)
            if on_chunk:
                on_chunk(done, len(plan.chunks), regs_w.rows)
    write_shelters(plan, out / "shelters.csv")
    write_shared_contacts(plan, out / "shared_contacts.csv")
    manifest = {
        "generator": GENERATOR,
        "profile": prof.name,
        "scale": scale,
        "seed": seed,
        "format": fmt,
        "rows": {
            "registrations": regs_w.rows,
            "appointments": appt_w.rows,
            "truth": truth_w.rows,
            "locations": loc_w.rows,
        },
    }
    files.write_manifest(out, manifest)
    return {"schema_version": schema.SCHEMA_VERSION, **manifest}


def write_shared_contacts(plan: Plan, path: Path) -> None:
    """The listed aid organisations' phones and e-mails (``kind,value,label``).

    Only some organisations are listed, as in real life: an analysis must
    report the others as shared service contacts from the data alone.
    """
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(("kind", "value", "label"))
        for org in errors.service_contacts(plan.profile):
            if not org.listed:
                continue
            for kind, value in (("phone", org.phone), ("email", org.email)):
                if value:
                    writer.writerow((kind, value, org.label))


def write_shelters(plan: Plan, path: Path) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(schema.SHELTER_COLUMNS)
        for sid, kind, name, a in plan.shelters:
            from puerta.synth.places import DIRECTIONS, STREET_TYPES

            street = " ".join(
                x
                for x in (
                    a.number,
                    DIRECTIONS[a.direction][0] if a.direction >= 0 else "",
                    a.street,
                    STREET_TYPES[a.street_type][0],
                )
                if x
            )
            unit = f"Unit {a.unit}" if a.unit else ""
            writer.writerow([sid, kind, name, street, unit, a.city, a.state, a.zip5])


def stderr_progress() -> Callable[[int, int, int], None]:
    """A progress bar on stderr (rich), for the CLI."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("synth"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} chunks"),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeElapsedColumn(),
        console=__import__("rich.console").console.Console(file=sys.stderr),
    )
    task = None

    def report(done: int, total: int, rows: int) -> None:
        nonlocal task
        if task is None:
            progress.start()
            task = progress.add_task("synth", total=total, rows=0)
        progress.update(task, completed=done, rows=rows)
        if done == total:
            progress.stop()

    return report
