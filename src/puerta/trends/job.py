"""The trend analysis as one job: read every registration (and every location its
devices reported), run the analyses, write the findings through
``puerta.findings.service``.

The analyses are pure and live beside this module; this is the only place that
knows their order. Identity resolution runs first because the address tables
(the report's Table 2) count persons, not registrations.

Example:
    >>> from puerta.trends import job
    >>> run = job.analyse(job.load_source("/tmp/synth01"))  # doctest: +SKIP
    >>> run.counts  # doctest: +SKIP
    {'address_cluster': 12, 'duplicate_person': 4051, ...}
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from puerta.clock import Clock
from puerta.contacts import normalise_contacts
from puerta.db import Database
from puerta.faces import service as faces_service
from puerta.faces.matcher import FaceStatus
from puerta.findings import service as findings_service
from puerta.findings.value import SAME_FACE, Finding
from puerta.trends.addresses import (
    AddressAnalysis,
    KnownAddress,
    analyse_addresses,
    load_known_addresses,
)
from puerta.trends.bursts import find_bursts
from puerta.trends.faces import Face, face_findings
from puerta.trends.frame import analysis_frame, load_locations, scan_dataset
from puerta.trends.identity import (
    IdentityResult,
    duplicate_person_findings,
    possible_duplicate_person_findings,
    resolve_persons,
)
from puerta.trends.known_contacts import KnownContacts, load_known_contacts
from puerta.trends.location import find_location_signals
from puerta.trends.rings import RingConfig, find_rings

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass
class TrendRun:
    """What one run found, and how long each step took."""

    findings: list[Finding]
    frame: pl.DataFrame
    addresses: AddressAnalysis
    identity: IdentityResult | None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(f.kind for f in self.findings))


def load_source(path: str | Path) -> pl.DataFrame:
    """A data set in the documented format (a directory or a registrations file).

    Phones and e-mails are normalised here (``contacts.normalise_contacts``),
    the one place every run reads its data: a file given with ``--from`` and the
    store's export then compare contacts alike, and so does identity resolution.
    """
    return normalise_contacts(scan_dataset(path).collect())


def load_store(db: Database) -> pl.DataFrame:
    """Every registration in the store, through the documented export format."""
    return load_store_with_locations(db)[0]


def load_store_with_locations(db: Database) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Every registration in the store and every location reported, as the export writes them."""
    from puerta.dataset.exporter import export_dataset

    with tempfile.TemporaryDirectory(prefix="puerta-trends-") as tmp:
        export_dataset(db, tmp)
        return load_source(tmp), load_locations(tmp)


def analyse(
    raw: pl.DataFrame,
    *,
    with_identity: bool = True,
    known: list[KnownAddress] | None = None,
    contacts: KnownContacts | None = None,
    locations: pl.DataFrame | None = None,
    progress: Progress = _quiet,
) -> TrendRun:
    """Run every analysis on a registrations table (and its locations, if given); no I/O.

    ``known`` is the known-address list (the packaged one when ``None``);
    ``contacts`` the contacts shared by design, whose addresses join it.
    Bursts run before rings: a registration a burst explains joins no ring
    through its device or e-mail (the burst finding covers it).
    """
    contacts = contacts or KnownContacts()
    if contacts.addresses:
        known = [*(known if known is not None else load_known_addresses()), *contacts.addresses]
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal started
        now = time.perf_counter()
        seconds[step] = round(now - started, 2)
        started = now
        progress(f"{step}: {seconds[step]:.1f} s")

    identity = None
    data: pl.DataFrame | pl.LazyFrame = raw
    if with_identity and raw.height:
        identity = resolve_persons(raw)
        position = "position" if "position" in raw.columns else "traveler_index"
        ids = identity.rows.select(
            "registration_id", pl.col("traveler_index").alias(position), "person_id"
        )
        # Lazily: the frame keeps only the columns the analyses read, so the
        # join never copies the whole table (1.8 GB at scale 1.0).
        data = raw.lazy().join(ids.lazy(), on=["registration_id", position], how="left")
        lap("identities")
    frame = analysis_frame(data, person_id_column="person_id" if identity else None)
    lap("frame")
    addresses = analyse_addresses(frame, known=known if known is not None else None)
    lap("addresses")
    findings = list(addresses.findings)
    bursts = find_bursts(frame)
    findings += bursts
    lap("bursts")
    explained = {r for f in bursts for r in f.registration_ids}
    findings += find_rings(frame, RingConfig(known=contacts), explained=explained)
    lap("rings")
    if locations is not None and locations.height:
        findings += find_location_signals(frame, locations)
        lap("locations")
    if identity is not None:
        findings += duplicate_person_findings(identity)
        findings += possible_duplicate_person_findings(identity)
        lap("duplicate persons")
    return TrendRun(findings, frame, addresses, identity, seconds)


def with_faces(
    db: Database, findings: list[Finding], *, threshold: float | None = None
) -> list[Finding]:
    """The findings with the same-face evidence of the store's registered photos."""
    from puerta.config import get_settings

    with db.read_only() as session:
        faces = [
            Face(f.registration_id, f.position, f.photo_sha256, f.result.encoding)
            for f in faces_service.registered_faces(session)
            if f.result.status == FaceStatus.FOUND
        ]
    if threshold is None:
        threshold = get_settings().face_match_threshold
    return face_findings(faces, findings, threshold=threshold)


def run(
    db: Database,
    *,
    clock: Clock,
    source: str | Path | None = None,
    known_path: str | Path | None = None,
    known_contacts_path: str | Path | None = None,
    with_identity: bool = True,
    face_threshold: float | None = None,
    progress: Progress = _quiet,
) -> tuple[TrendRun, findings_service.UpsertCounts]:
    """Analyse the store (or ``source``) and write the findings in one transaction.

    On the store, the registered photos' face encodings (``puerta faces run`` makes
    them) add same-face evidence (``trends.faces``) at ``face_threshold``; a data set
    carries no encodings. ``known_contacts_path`` is the list of contacts shared by
    design (``trends.known_contacts``)."""
    progress("reading registrations")
    if source:
        raw, locations = load_source(source), load_locations(source)
    else:
        raw, locations = load_store_with_locations(db)
    progress(f"{raw.height:,} traveler rows")
    known = load_known_addresses(known_path) if known_path else None
    contacts = load_known_contacts(known_contacts_path)
    result = analyse(
        raw,
        with_identity=with_identity,
        known=known,
        contacts=contacts,
        locations=locations,
        progress=progress,
    )
    if source is None:
        result.findings = with_faces(db, result.findings, threshold=face_threshold)
        progress(f"faces: {sum(f.kind == SAME_FACE for f in result.findings)} same-face findings")
    with db.session() as session:
        counts = findings_service.upsert(session, result.findings, clock=clock)
    return result, counts
