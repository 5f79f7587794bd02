"""One contact normalisation for ``--from`` and the store: one ring stays one finding."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from puerta.dataset.importer import import_dataset
from puerta.db import Database
from puerta.findings.value import SHARED_CONTACT_RING, Finding
from puerta.trends import job
from tests.trends.frames import T0, row, surname, write_dataset

#: One Tijuana mobile written the three ways people write it.
PHONES = ("+52 664 123 4567", "52 1 664 123 4567", "6641234567", "+52 664 123 4567")
#: One mailbox written with a dot, a +tag and capitals.
EMAILS = (
    "ana.perez@gmail.com",
    "anaperez+3@gmail.com",
    "AnaPerez@gmail.com",
    "ana.perez@gmail.com",
)


def _ring_rows() -> list[dict]:
    """Seven unrelated households: four on one phone, four on one mailbox, one on both."""
    rows = []
    for h in range(7):
        phone = PHONES[h] if h < 4 else f"+52 55 1234 00{h:02d}"
        email = EMAILS[h - 3] if h >= 3 else f"own{h}@mail.com"
        rows.append(
            row(
                f"R{h}",
                0,
                given_names=f"Owner{h}",
                family_names=surname(h),
                phone=phone,
                email=email,
                created_at=T0 + timedelta(hours=5 * h),  # hours apart: no burst
                ip=f"187.{100 + h}.1.10",
            )
        )
    return rows


def _rings(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.kind == SHARED_CONTACT_RING]


def test_from_a_file_normalises_phones_and_mailboxes(tmp_path: Path) -> None:
    data = write_dataset(_ring_rows(), tmp_path / "data")
    raw = job.load_source(data / "registrations.parquet")
    assert set(raw["phone"].drop_nulls()) >= {"+526641234567"}
    (ring,) = _rings(job.analyse(raw, with_identity=False).findings)
    assert ring.registration_ids == tuple(f"R{h}" for h in range(7))
    assert {"phone:+526641234567", "email:anaperez@gmail.com"} <= set(ring.normalised_keys)


@pytest.mark.committing  # the importer and the exporter open their own connections
def test_the_store_and_from_give_the_same_ring(db: Database, tmp_path: Path) -> None:
    data = write_dataset(_ring_rows(), tmp_path / "data")
    stats = import_dataset(db, data, rejects=tmp_path / "rejects.csv")
    offline = _rings(job.analyse(job.load_source(data), with_identity=False).findings)
    stored = _rings(job.analyse(job.load_store(db), with_identity=False).findings)
    assert len(offline) == 1
    assert stats.rows_rejected == 0
    assert [f.key for f in stored] == [f.key for f in offline]
    assert stored[0].normalised_keys == offline[0].normalised_keys
