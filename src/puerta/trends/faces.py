"""Same face across registrations: registered photos compared with each other.

Two registrations whose travelers' photos show one face (face distance at or under
the threshold) are evidence that one person is behind both. The evidence is added to
the duplicate-person finding that already links those travelers, if there is one
(identity resolution saw the same person in the names and dates), and otherwise
becomes a ``same_face`` finding of its own. A same-face finding never reaches the
draw (only duplicate-person findings do, ``findings.identities``): a face model's
false match must not take anyone's ticket; an analyst reviews it like any finding.

Photos that are byte for byte the same are left to the shared-photo ring
(``trends.rings``); only photos the model could read (a face found, of usable
quality) are compared. Every pair is compared (``O(n²)``, in blocks of numpy): about
a minute for 50,000 photos on two cores; beyond that it wants an index.

Example:
    >>> from puerta.faces.matcher import FaceResult, FaceStatus
    >>> a = Face("R1", 0, "s1", (0.0,) * 128)
    >>> b = Face("R2", 0, "s2", (0.1,) + (0.0,) * 127)
    >>> c = Face("R3", 0, "s3", (1.0,) * 128)
    >>> [(p.a.registration_id, p.b.registration_id) for p in same_face_pairs([a, b, c], 0.55)]
    [('R1', 'R2')]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from puerta.findings import explain
from puerta.findings.value import DUPLICATE_PERSON, SAME_FACE, Finding, stable_key

BLOCK = 2_000


@dataclass(frozen=True)
class Face:
    """One traveler's registered photo, with its encoding."""

    registration_id: str
    position: int
    photo_sha256: str
    encoding: tuple[float, ...]

    @property
    def ref(self) -> tuple[str, int]:
        return (self.registration_id, self.position)


@dataclass(frozen=True)
class Pair:
    a: Face
    b: Face
    distance: float


def same_face_pairs(faces: Sequence[Face], threshold: float) -> list[Pair]:
    """Pairs of photos on different registrations within ``threshold`` of each other."""
    import numpy as np

    if len(faces) < 2:
        return []
    matrix = np.asarray([f.encoding for f in faces], dtype=np.float64)
    norms = (matrix**2).sum(axis=1)
    pairs: list[Pair] = []
    for start in range(0, len(faces), BLOCK):
        block = matrix[start : start + BLOCK]
        squared = norms[start : start + BLOCK, None] + norms[None, :] - 2 * block @ matrix.T
        rows, cols = np.nonzero(squared <= threshold**2)
        for i, j in zip(rows + start, cols, strict=True):
            a, b = faces[i], faces[j]
            if i >= j or a.registration_id == b.registration_id:
                continue
            if a.photo_sha256 == b.photo_sha256:
                continue
            d = float(np.sqrt(max(squared[i - start, j], 0.0)))
            pairs.append(Pair(a, b, round(d, 4)))
    return pairs


def _groups(pairs: Sequence[Pair]) -> list[list[Pair]]:
    """Pairs joined into groups of travelers linked by a chain of same-face pairs."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        ra, rb = find(p.a.ref), find(p.b.ref)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    grouped: dict[tuple[str, int], list[Pair]] = {}
    for p in pairs:
        grouped.setdefault(find(p.a.ref), []).append(p)
    return [grouped[k] for k in sorted(grouped)]


def _evidence(group: Sequence[Pair], threshold: float) -> dict[str, object]:
    distances = [p.distance for p in group]
    return {
        "same_face_pairs": len(group),
        "min_distance": min(distances),
        "max_distance": max(distances),
        "threshold": threshold,
        "pairs": sorted(
            [[p.a.registration_id, p.a.position, p.b.registration_id, p.b.position, p.distance]
             for p in group]
        ),
    }  # fmt: skip


def face_findings(
    faces: Sequence[Face], findings: Sequence[Finding], *, threshold: float
) -> list[Finding]:
    """``findings`` with the same-face evidence added, and the new same-face findings.

    A group of same-face travelers all inside one duplicate-person finding adds its
    evidence and a sentence to that finding; any other group is a finding of its own.
    """
    groups = _groups(same_face_pairs(faces, threshold))
    duplicates = {i: set(f.travelers) for i, f in enumerate(findings) if f.kind == DUPLICATE_PERSON}
    out = list(findings)
    extra: dict[int, list[Pair]] = {}
    new: list[Finding] = []
    for group in groups:
        refs = {p.a.ref for p in group} | {p.b.ref for p in group}
        home = next((i for i, travelers in duplicates.items() if refs <= travelers), None)
        if home is not None:
            extra.setdefault(home, []).extend(group)
            continue
        registrations = sorted({rid for rid, _ in refs})
        evidence = _evidence(group, threshold)
        new.append(
            Finding(
                kind=SAME_FACE,
                key=stable_key(SAME_FACE, *sorted(f"{r}/{p}" for r, p in refs)),
                score=round(1.0 - float(evidence["min_distance"]), 4),  # type: ignore[arg-type]
                explanation=(
                    explain.sentence(
                        explain.SAME_FACE,
                        travelers=len(refs),
                        registrations=len(registrations),
                        min_distance=evidence["min_distance"],
                        max_distance=evidence["max_distance"],
                        threshold=threshold,
                    ),
                    explain.sentence(explain.SAME_FACE_NOT_DECISION),
                ),
                evidence=evidence,
                registration_ids=tuple(registrations),
                travelers=tuple(sorted(refs)),
                normalised_keys=tuple(sorted({p.a.photo_sha256[:16] for p in group})),
            )
        )
    for i, group in extra.items():
        finding = out[i]
        evidence = _evidence(group, threshold)
        out[i] = dataclasses.replace(
            finding,
            explanation=(
                *finding.explanation,
                explain.sentence(
                    explain.DUPLICATE_SAME_FACE,
                    pairs=len(group),
                    min_distance=evidence["min_distance"],
                    threshold=threshold,
                ),
            ),
            evidence={**finding.evidence, "faces": evidence},
        )
    return out + new
