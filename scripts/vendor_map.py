"""Vendor the outline map the analysts' workbench draws on: U.S. states from ``us-atlas``.

Why a script of its own (not ``vendor.py``'s copy): the map is drawn on the server
(``puerta.findings.drawing.basemap``), so the TopoJSON is converted here, once, into
the form the drawing reads: each contiguous state's rings as longitude/latitude
pairs, arcs simplified (shared borders stay shared: each arc is simplified once,
before the rings are assembled), coordinates rounded to 0.001 degree. Nothing
decodes TopoJSON at run time.

The package is fetched with the npm client (``npm pack``), and its tarball checked
against the registry's integrity hash before anything is written. The data are the
U.S. Census Bureau's cartographic boundaries (public domain) as redistributed by
``us-atlas`` (ISC licence, kept beside the output).

    python scripts/vendor_map.py             # fetch, verify, convert, write
    python scripts/vendor_map.py TARBALL     # a tarball already fetched (still checked)
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import pycountry
from shapely.geometry import LineString, Polygon

ROOT = Path(__file__).resolve().parents[1]
NAME, VERSION = "us-atlas", "3.0.1"
OUT = ROOT / "src" / "puerta" / "web" / "static" / "vendor" / f"{NAME}-{VERSION}"
TOLERANCE = 0.02
"""Douglas-Peucker tolerance in degrees (about 2 km): the map is drawn a few hundred
pixels wide, where a pixel is several kilometres."""
DIGITS = 3
#: Not drawn: the map shows the contiguous states (where the ports and nearly every
#: destination are); Alaska, Hawaii and the territories would need insets.
LEFT_OUT = {"02", "15", "60", "66", "69", "72", "78"}


def fetch(path: Path | None = None) -> bytes:
    """The package's tarball through ``npm pack`` (or ``path``), checked against the
    registry's integrity hash."""
    integrity = json.loads(
        subprocess.run(  # noqa: S603 (fixed arguments, the npm client on PATH)
            ["npm", "view", f"{NAME}@{VERSION}", "dist.integrity", "--json"],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    if path is not None:
        data = path.read_bytes()
        check(data, integrity)
        return data
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(  # noqa: S603 (fixed arguments, the npm client on PATH)
            ["npm", "pack", f"{NAME}@{VERSION}", "--pack-destination", tmp],  # noqa: S607
            check=True,
            capture_output=True,
        )
        data = next(Path(tmp).glob("*.tgz")).read_bytes()
    check(data, integrity)
    return data


def check(data: bytes, integrity: str) -> None:
    algo, expected = integrity.split("-", 1)
    if algo != "sha512" or base64.b64encode(hashlib.sha512(data).digest()).decode() != expected:
        raise SystemExit(f"{NAME}@{VERSION}: the tarball does not match {integrity}")


def decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """TopoJSON's quantised, delta-encoded arcs as absolute longitude/latitude."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def simplify(arc: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(arc) <= 2:
        return arc
    line = LineString(arc).simplify(TOLERANCE, preserve_topology=False)
    return [(float(x), float(y)) for x, y in line.coords]


def ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[list[float]]:
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    out: list[list[float]] = []
    for x, y in points:
        p = [round(x, DIGITS), round(y, DIGITS)]
        if not out or out[-1] != p:
            out.append(p)
    return out


def postal_code(name: str) -> str:
    if name == "District of Columbia":
        return "DC"
    for sub in pycountry.subdivisions.get(country_code="US"):
        if sub.name == name:
            return sub.code.split("-")[1]
    raise SystemExit(f"no postal code for {name}")


def convert(topology: dict[str, Any]) -> dict[str, Any]:
    arcs = [simplify(a) for a in decode_arcs(topology)]
    states = []
    for geometry in topology["objects"]["states"]["geometries"]:
        if geometry["id"] in LEFT_OUT:
            continue
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        rings = []
        for polygon in polygons:
            for indices in polygon:
                points = ring(indices, arcs)
                # Islands smaller than a pixel or two say nothing at this scale.
                if len(points) >= 4 and Polygon(points).area >= 0.01:
                    rings.append(points)
        name = geometry["properties"]["name"]
        states.append(
            {"fips": geometry["id"], "code": postal_code(name), "name": name, "rings": rings}
        )
    states.sort(key=lambda s: s["fips"])
    return {
        "source": f"{NAME}@{VERSION} states-10m.json (U.S. Census Bureau, 2017)",
        "tolerance_degrees": TOLERANCE,
        "states": states,
    }


README = f"""# {NAME} {VERSION}, converted for the findings map

The outlines of the contiguous U.S. states that `puerta.findings.drawing` draws the
address-cluster map on (SVG, on the server).

- Source: the npm package `{NAME}@{VERSION}` (`states-10m.json`), Mike Bostock's
  redistribution of the U.S. Census Bureau's cartographic boundary files, 2017 edition
  (a work of the U.S. government: public domain). The package is under the ISC licence
  (`LICENSE` here).
- Converted by `scripts/vendor_map.py`: the TopoJSON arcs decoded to longitude/latitude,
  each arc simplified once (Douglas-Peucker, {TOLERANCE} degree) so that shared borders
  stay shared, coordinates rounded to {DIGITS} decimals, islands under 0.01 square degree
  dropped; Alaska, Hawaii and the territories left out. `states.json` holds
  `{{"states": [{{"fips", "code", "name", "rings": [[[lon, lat], ...], ...]}}]}}`.
- Re-run the script to refresh it; nothing reads the network at run time.
"""


def write(tarball: bytes) -> Path:
    import io

    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        topology = json.load(tar.extractfile("package/states-10m.json"))  # type: ignore[arg-type]
        licence = tar.extractfile("package/LICENSE").read()  # type: ignore[union-attr]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "states.json").write_text(
        json.dumps(convert(topology), separators=(",", ":"), sort_keys=True) + "\n"
    )
    (OUT / "LICENSE").write_bytes(licence)
    (OUT / "README.md").write_text(README)
    return OUT


def main(args: list[str]) -> int:
    data = fetch(Path(args[0]) if args else None)
    print(write(data).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
