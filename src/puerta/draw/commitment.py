"""Commit, digest, derive, verify: how anyone can check a draw without trusting us.

Everything here is specified byte for byte so a third party can re-implement
it (``docs/draw.md`` walks through it). All hashes are SHA-256; "hex" is lower
case; strings are UTF-8; ``|`` is a literal vertical bar.

1. **Seed commitment**, published before the request window opens::

       commitment = SHA-256("puerta-seed-v1|<pool date YYYY-MM-DD>|<seed hex>")

   The seed is 32 secret random bytes; binding the date stops a seed being
   reused for another day.
2. **Entrant records**, one per pooled request, published when the pool
   closes (no personal data: ids are opaque, see :func:`public_id`); written
   and read only by :mod:`puerta.draw.record`, which refuses an unknown
   version::

       v1|<request id>|<entrant id>|<port>|<seats>|<seniority YYYY-MM-DD>|<priority 0/1>

   ``seats`` is how many persons the request adds to its entrant (0 for a
   request merged as a duplicate); port, seniority and priority are the
   entrant's and repeat on each of its records.
3. **Pool digest**: the Merkle root of the records sorted by their UTF-8
   bytes. Leaf = ``SHA-256(0x00 || record)``; parent = ``SHA-256(0x01 || left
   || right)``; a level with an odd count carries its last node up unchanged;
   the root of no records is ``SHA-256("")``. :func:`inclusion_proof` gives
   an applicant the siblings on the way from their record to the root.
4. **Randomness**, once the seed is revealed::

       randomness = SHA-256("puerta-draw-v1|<date>|<seed hex>|<pool root hex>|<beacon hex>")

   The beacon is an optional public random value named in advance (for
   example a drand round due after the pool closes); empty when none.
   Without a beacon, the operator knows the seed while the pool is open and
   is trusted not to grind the pool; a beacon removes that trust.
5. **The draw**: :func:`puerta.draw.fair.allocate` on the entrants rebuilt
   from the records; :func:`verify` redoes all of the above.

Example:
    >>> seed = bytes(32)
    >>> records = ["v1|a1|a1|SYS|2|2023-05-01|0", "v1|b2|b2|SYS|1|2023-05-02|0"]
    >>> published = PublishedDraw(
    ...     pool_date="2023-06-01", seed_commitment=commit(seed, "2023-06-01"),
    ...     seed_hex=seed.hex(), beacon_hex="", pool_root=merkle_root(records).hex(),
    ...     records=records, capacity={"SYS": 3}, seniority_share=0.0,
    ...     selected={"a1": "random", "b2": "random"})
    >>> verify(published).ok
    True
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any

import polars as pl

from puerta.draw import fair
from puerta.draw.record import format_expr, parse_many


def commit(seed: bytes, pool_date: str | date) -> str:
    """The hex commitment to ``seed`` for ``pool_date``, published before the window opens."""
    text = f"puerta-seed-v1|{_iso(pool_date)}|{seed.hex()}"
    return hashlib.sha256(text.encode()).hexdigest()


def public_id(secret: bytes, pool_date: str | date, request_id: int) -> str:
    """A request's opaque public id: only the system (and so its owner's account) can map it.

    ``HMAC-SHA-256(secret, "puerta-entrant-v1|<date>|<request id>")``, first
    10 bytes, hex. Why HMAC with a server secret: ids must not be guessable
    from a request number, and the per-day input makes one person's ids
    unlinkable across days. The owner sees theirs on their request page.

    Example:
        >>> len(public_id(b"k", "2023-06-01", 7))
        20
    """
    msg = f"puerta-entrant-v1|{_iso(pool_date)}|{request_id}".encode()
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()[:20]


def public_ids(secret: bytes, pool_date: str | date, request_ids: Iterable[int]) -> list[str]:
    """:func:`public_id` of each of ``request_ids``, the key schedule done once.

    Example:
        >>> public_ids(b"k", "2023-06-01", [7, 8]) == [
        ...     public_id(b"k", "2023-06-01", 7), public_id(b"k", "2023-06-01", 8)]
        True
    """
    keyed = hmac.new(secret, digestmod=hashlib.sha256)
    prefix = f"puerta-entrant-v1|{_iso(pool_date)}|"
    out = []
    for rid in request_ids:
        h = keyed.copy()
        h.update(f"{prefix}{rid}".encode())
        out.append(h.hexdigest()[:20])
    return out


def derive_randomness(
    seed: bytes, pool_date: str | date, pool_root: bytes, beacon: bytes = b""
) -> bytes:
    """The draw's 32 random bytes from the revealed seed, the pool digest and the beacon."""
    text = f"puerta-draw-v1|{_iso(pool_date)}|{seed.hex()}|{pool_root.hex()}|{beacon.hex()}"
    return hashlib.sha256(text.encode()).digest()


def records(entrants: fair.Entrants) -> list[str]:
    """The published records of a pool (sorted), from :func:`puerta.draw.fair.form_entrants`.

    Built column-wise (:func:`puerta.draw.record.format_expr`); sorted by
    their UTF-8 bytes (Polars compares strings byte by byte).
    """
    joined = entrants.members.join(
        entrants.table.select("entrant_id", "port_code", "seniority", "priority"), on="entrant_id"
    )
    return joined.select(format_expr())["record"].sort().to_list()


def _sorted(recs: Iterable[str]) -> list[str]:
    """In UTF-8 byte order, which is code point order: a plain sort (linear when sorted)."""
    return sorted(recs)


def _leaves(recs: list[str]) -> list[bytes]:
    sha = hashlib.sha256
    return [sha(b"\x00" + r.encode()).digest() for r in recs]


def _leaf(record: str) -> bytes:
    return hashlib.sha256(b"\x00" + record.encode()).digest()


def _levels(leaves: list[bytes]) -> list[list[bytes]]:
    levels = [leaves]
    sha = hashlib.sha256
    while len(levels[-1]) > 1:
        cur = levels[-1]
        nxt = [sha(b"\x01" + a + b).digest() for a, b in zip(cur[::2], cur[1::2], strict=False)]
        if len(cur) % 2:
            nxt.append(cur[-1])
        levels.append(nxt)
    return levels


def merkle_root(recs: Iterable[str]) -> bytes:
    """The pool digest: Merkle root over the records in UTF-8 byte order."""
    leaves = _leaves(_sorted(recs))
    if not leaves:
        return hashlib.sha256(b"").digest()
    return _levels(leaves)[-1][0]


def inclusion_proof(recs: Sequence[str], record: str) -> list[tuple[str, str]]:
    """Siblings from ``record`` up to the root, each ``("L"|"R", hex)``: side of the sibling.

    Example:
        >>> recs = [f"v1|{c}|{c}|SYS|1|2023-01-01|0" for c in "abc"]
        >>> check_inclusion(recs[2], inclusion_proof(recs, recs[2]), merkle_root(recs))
        True
    """
    return MerkleTree(recs).proof(record)


class MerkleTree:
    """The pool digest's tree, built once, for many proofs (the entry endpoint's cache).

    Example:
        >>> recs = [f"v1|{c}|{c}|SYS|1|2023-01-01|0" for c in "abcde"]
        >>> tree = MerkleTree(recs)
        >>> tree.root == merkle_root(recs) and tree.proof(recs[4]) == inclusion_proof(recs, recs[4])
        True
    """

    def __init__(self, recs: Iterable[str]) -> None:
        ordered = _sorted(recs)
        self._position = {r: i for i, r in enumerate(ordered)}
        self._levels = _levels(_leaves(ordered)) if ordered else []

    @property
    def root(self) -> bytes:
        return self._levels[-1][0] if self._levels else hashlib.sha256(b"").digest()

    def proof(self, record: str) -> list[tuple[str, str]]:
        """Raises KeyError when ``record`` is not in the tree."""
        pos = self._position[record]
        proof: list[tuple[str, str]] = []
        for level in self._levels[:-1]:
            sibling = pos ^ 1
            if sibling < len(level):
                proof.append(("L" if sibling < pos else "R", level[sibling].hex()))
            pos //= 2
        return proof


def check_inclusion(record: str, proof: Sequence[tuple[str, str]], root: bytes) -> bool:
    """Whether ``proof`` leads from ``record`` to ``root``: what an applicant runs."""
    node = _leaf(record)
    for side, sibling_hex in proof:
        sibling = bytes.fromhex(sibling_hex)
        pair = sibling + node if side == "L" else node + sibling
        node = hashlib.sha256(b"\x01" + pair).digest()
    return node == root


def entrants_from_records(recs: Iterable[str]) -> pl.DataFrame:
    """Rebuild the draw's entrants from published records; raise ValueError if inconsistent."""
    return entrants_from_table(parse_many(recs))


def entrants_from_table(parsed: pl.DataFrame) -> pl.DataFrame:
    """:func:`entrants_from_records` from records already read by :func:`parse_many`."""
    table = parsed.group_by("entrant_id").agg(
        pl.col("port_code").n_unique().alias("n_port"),
        pl.col("seniority").n_unique().alias("n_sen"),
        pl.col("priority").n_unique().alias("n_prio"),
        pl.col("port_code").first(),
        pl.col("seats").sum(),
        pl.col("seniority").first(),
        pl.col("priority").first(),
    )
    if table.filter((pl.col("n_port") > 1) | (pl.col("n_sen") > 1) | (pl.col("n_prio") > 1)).height:
        raise ValueError("records of one entrant disagree on port, seniority or priority")
    return table.drop("n_port", "n_sen", "n_prio").sort("entrant_id")


@dataclass
class PublishedDraw:
    """Everything a draw publishes; the input of :func:`verify`. JSON-friendly.

    The timestamps (ISO 8601, empty when unknown) let anyone check the order
    of events: commitment before the window opened, pool published before
    the seed was revealed. ``warnings`` are the operator's own statements
    (for example a late commitment); :func:`verify` adds its own.
    """

    pool_date: str
    seed_commitment: str
    seed_hex: str
    beacon_hex: str
    pool_root: str
    records: list[str]
    capacity: dict[str, int]
    seniority_share: float
    selected: dict[str, str]
    """Entrant id -> reason, as published after the draw."""
    deferred: list[str] = field(default_factory=list)
    algorithm: str = fair.NAME
    window_opens_at: str = ""
    commitment_published_at: str = ""
    pool_published_at: str = ""
    seed_revealed_at: str = ""
    beacon_round: str = ""
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PublishedDraw:
        """Read the JSON of :meth:`to_json` or of the public endpoint (extra keys ignored)."""
        data: dict[str, Any] = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify`: every check, what differed, and timing warnings."""

    checks: dict[str, bool]
    problems: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(self.checks.values())


def _bytes(hex_text: str, what: str, problems: list[str]) -> bytes | None:
    try:
        return bytes.fromhex(hex_text)
    except (ValueError, TypeError):
        problems.append(f"the {what} is not hexadecimal")
        return None


def timing_warnings(published: PublishedDraw) -> list[str]:
    """Order-of-events warnings: they do not change the result, but say what to trust.

    Timestamps are ISO 8601 with an offset, so they compare as instants.
    """
    out: list[str] = []
    stamps = {
        k: datetime.fromisoformat(v)
        for k, v in (
            ("opens", published.window_opens_at),
            ("commit", published.commitment_published_at),
            ("pool", published.pool_published_at),
            ("reveal", published.seed_revealed_at),
        )
        if v
    }
    if "opens" in stamps and "commit" in stamps and stamps["commit"] > stamps["opens"]:
        out.append(
            "the seed commitment was published after the request window opened: the operator "
            "could have chosen the seed knowing part of the pool"
        )
    if "pool" in stamps and "reveal" in stamps and stamps["reveal"] < stamps["pool"]:
        out.append("the seed was revealed before the pool was published")
    if "commit" not in stamps:
        out.append("no commitment time was published")
    return out


def verify(published: PublishedDraw) -> Verification:
    """Recompute a published draw from its artefacts and report any mismatch.

    Checks, in order: the algorithm is known; the revealed seed matches the
    commitment; the records hash to the published pool root; the records
    are consistent; the allocation recomputed from seed, root and beacon
    equals the published selection (and deferrals). Malformed input is a
    failed check, never an exception.
    """
    checks: dict[str, bool] = {}
    problems: list[str] = []
    warnings = [*published.warnings, *timing_warnings(published)]
    checks["algorithm"] = published.algorithm == fair.NAME
    if not checks["algorithm"]:
        problems.append(f"unknown algorithm {published.algorithm!r}")
    seed = _bytes(published.seed_hex, "seed", problems)
    root_given = _bytes(published.pool_root, "pool root", problems)
    beacon = _bytes(published.beacon_hex, "beacon", problems)
    if seed is None or root_given is None or beacon is None or not published.seed_hex:
        checks["input"] = False
        if not published.seed_hex:
            problems.append("the seed has not been revealed")
        return Verification(checks, problems, warnings)
    checks["seed_commitment"] = commit(seed, published.pool_date) == published.seed_commitment
    if not checks["seed_commitment"]:
        problems.append("the revealed seed does not match the commitment")
    checks["pool_root"] = merkle_root(published.records) == root_given
    if not checks["pool_root"]:
        problems.append("the records do not hash to the published pool root")
    try:
        entrants = entrants_from_records(published.records)
    except ValueError as exc:
        checks["records"] = False
        problems.append(str(exc))
        return Verification(checks, problems, warnings)
    checks["records"] = True
    randomness = derive_randomness(seed, published.pool_date, root_given, beacon)
    result = fair.allocate(entrants, published.capacity, randomness, published.seniority_share)
    checks["selection"] = result.selected == published.selected
    if not checks["selection"]:
        problems.extend(_diff(result.selected, published.selected))
    checks["deferred"] = sorted(result.deferred) == sorted(published.deferred)
    if not checks["deferred"]:
        problems.append("the published deferrals differ from the recomputed ones")
    return Verification(checks, problems, warnings)


def _diff(expected: Mapping[str, str], published: Mapping[str, str]) -> list[str]:
    out = [
        f"{e} should be selected ({r}) but is not"
        for e, r in expected.items()
        if e not in published
    ]
    out += [f"{e} is selected but should not be" for e in published if e not in expected]
    out += [
        f"{e} selected for {published[e]!r}, recomputed {r!r}"
        for e, r in expected.items()
        if e in published and published[e] != r
    ]
    return sorted(out)


def publish(
    entrants: fair.Entrants,
    allocation: fair.Allocation,
    *,
    pool_date: str | date,
    seed: bytes,
    beacon: bytes,
    capacity: Mapping[str, int],
    seniority_share: float,
) -> PublishedDraw:
    """Assemble the artefacts of a completed draw (what the service stores and serves)."""
    recs = records(entrants)
    return PublishedDraw(
        pool_date=_iso(pool_date),
        seed_commitment=commit(seed, pool_date),
        seed_hex=seed.hex(),
        beacon_hex=beacon.hex(),
        pool_root=merkle_root(recs).hex(),
        records=recs,
        capacity=dict(capacity),
        seniority_share=seniority_share,
        selected=dict(allocation.selected),
        deferred=list(allocation.deferred),
    )


def _iso(d: str | date) -> str:
    return d if isinstance(d, str) else d.isoformat()
