"""Copy the pages' third-party assets from the npm registry into the package.

Why vendored: the pages and /docs must work with no request to any other host
(an applicant's phone may reach only Puerta; a CDN is one more party that sees
who uses it). This script is run by a developer when a version changes; its
output is committed, and nothing fetches anything at run time or in tests.

Each package lands in ``src/puerta/web/static/vendor/<name>-<version>/`` with
its licence and a ``SOURCE.txt`` naming the tarball and its integrity hash,
which is checked against the registry's before anything is written.

    python scripts/vendor.py            # fetch, verify, write
    python scripts/vendor.py altcha     # only the packages named
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "src" / "puerta" / "web" / "static" / "vendor"
REGISTRY = "https://registry.npmjs.org"

#: name, version, files to keep (paths inside the tarball's ``package/``).
PACKAGES: list[tuple[str, str, list[str]]] = [
    ("htmx.org", "2.0.11", ["dist/htmx.min.js", "LICENSE"]),
    (
        "swagger-ui-dist",
        "5.35.0",
        ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE", "NOTICE"],
    ),
    ("redoc", "2.5.4", ["bundles/redoc.standalone.js", "LICENSE"]),
    # The proof-of-work widget on sign-up and on sending a registration (puerta/pow/).
    # The "external" build: no inline styles or blob: workers, so a strict
    # Content-Security-Policy (style-src and worker-src 'self') can hold; static/proof.js
    # registers the worker and gives the widget its strings from Puerta's catalog.
    (
        "altcha",
        "3.2.2",
        [
            "dist/external/altcha.min.js",
            "dist/external/altcha.css",
            "dist/workers/pbkdf2.js",
            "LICENSE.txt",
        ],
    ),
]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (https only)
        return response.read()


def fetch(name: str, version: str, keep: list[str]) -> Path:
    meta = json.loads(_get(f"{REGISTRY}/{name}/{version}"))
    tarball, integrity = meta["dist"]["tarball"], meta["dist"]["integrity"]
    data = _get(tarball)
    algo, expected = integrity.split("-", 1)
    if algo != "sha512" or base64.b64encode(hashlib.sha512(data).digest()).decode() != expected:
        raise SystemExit(f"{name}@{version}: the tarball does not match its integrity {integrity}")
    out = VENDOR / f"{name.removesuffix('.org')}-{version}"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for path in keep:
            member = tar.extractfile(f"package/{path}")
            if member is None:
                raise SystemExit(f"{name}@{version}: no {path} in the tarball")
            (out / Path(path).name).write_bytes(member.read())
    (out / "SOURCE.txt").write_text(
        f"{name}@{version}\n{tarball}\n{integrity}\nlicence: {meta.get('license', '?')}\n"
        f"files: {', '.join(keep)}\n(copied by scripts/vendor.py)\n"
    )
    return out


def main(names: list[str]) -> int:
    for name, version, keep in PACKAGES:
        if names and name not in names:
            continue
        print(fetch(name, version, keep).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
