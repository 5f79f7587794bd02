"""From scored pairs to persons: connected components with one cannot-link rule.

Why a rule: two travelers of one registration are two people (a family
travels together), and twins are the case a pairwise model gets wrong (same
surname, birth date and household). Two signatures that appear in one
registration are never linked directly, and no chain of links may put them in
one person either. Plain connected components are computed first (scipy,
linear); only the components that break the rule, a handful, are rebuilt by
adding their links strongest first and refusing a merge that would join two
rows of one registration.

Example:
    >>> import polars as pl
    >>> rows = pl.DataFrame({"registration_id": ["R1", "R1", "R2"], "uid": [0, 1, 2]})
    >>> edges = pl.DataFrame({"uid_l": [0, 1], "uid_r": [2, 2], "match_probability": [0.99, 0.95]})
    >>> clusters(rows, edges, 3).tolist()  # R1's two travelers stay apart
    [0, 1, 0]
"""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def conflicts(rows: pl.DataFrame) -> pl.DataFrame:
    """Signature pairs ``(uid_l < uid_r)`` that share a registration."""
    per_reg = rows.select("registration_id", "uid").unique()
    pairs = per_reg.join(per_reg, on="registration_id", suffix="_r").filter(
        pl.col("uid") < pl.col("uid_r")
    )
    return pairs.select(pl.col("uid").alias("uid_l"), "uid_r").unique()


def _components(n: int, edges: pl.DataFrame) -> np.ndarray:
    left, right = edges["uid_l"].to_numpy(), edges["uid_r"].to_numpy()
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _rebuild(uids: list[int], regs: dict[int, set[str]], edges: pl.DataFrame) -> dict[int, int]:
    """Union-find over one component's links, strongest first, refusing conflicts."""
    parent = {u: u for u in uids}
    members = {u: set(regs.get(u, ())) for u in uids}

    def find(u: int) -> int:
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    ordered = edges.sort(["match_probability", "uid_l", "uid_r"], descending=[True, False, False])
    for left, right in zip(ordered["uid_l"].to_list(), ordered["uid_r"].to_list(), strict=True):
        a, b = find(left), find(right)
        if a == b or members[a] & members[b]:
            continue
        if len(members[a]) < len(members[b]):
            a, b = b, a
        parent[b] = a
        members[a] |= members.pop(b)
    return {u: find(u) for u in uids}


def clusters(rows: pl.DataFrame, edges: pl.DataFrame, n: int) -> np.ndarray:
    """A cluster label per signature ``0..n-1``.

    Args:
        rows: ``registration_id`` and ``uid`` per traveler row.
        edges: Links to follow: ``uid_l``, ``uid_r``, ``match_probability``.
        n: Number of signatures.
    """
    label = _components(n, edges)
    per_row = rows.select("registration_id", "uid").with_columns(
        cluster=pl.Series(label[rows["uid"].to_numpy()])
    )
    broken = (
        per_row.unique(["registration_id", "uid"])
        .group_by("cluster", "registration_id")
        .len()
        .filter(pl.col("len") > 1)["cluster"]
        .unique()
    )
    if broken.is_empty():
        return label
    bad = per_row.filter(pl.col("cluster").is_in(broken.implode()))
    regs: dict[int, set[str]] = {}
    for uid, reg in zip(bad["uid"].to_list(), bad["registration_id"].to_list(), strict=True):
        regs.setdefault(uid, set()).add(reg)
    cluster_of = pl.DataFrame({"uid_l": list(regs), "cluster": [label[u] for u in regs]})
    local = edges.select("uid_l", "uid_r", "match_probability").join(
        cluster_of.with_columns(pl.col("uid_l").cast(edges["uid_l"].dtype)), on="uid_l"
    )
    by_cluster = {k[0]: v for k, v in local.partition_by("cluster", as_dict=True).items()}
    uids_of: dict[int, list[int]] = {}
    for uid in regs:
        uids_of.setdefault(int(label[uid]), []).append(uid)
    next_label = int(label.max()) + 1
    for cluster_id, uids in uids_of.items():
        empty = local.clear()
        roots = _rebuild(uids, regs, by_cluster.get(cluster_id, empty))
        others = sorted(set(roots.values()) - {roots[min(uids)]})
        relabel = {roots[min(uids)]: cluster_id}
        relabel |= {root: next_label + i for i, root in enumerate(others)}
        next_label += len(others)
        for uid, root in roots.items():
            label[uid] = relabel[root]
    return label


def person_ids(rows: pl.DataFrame) -> pl.DataFrame:
    """Stable person ids: a hash of the cluster's first (registration, traveler index).

    The same person keeps the same id across re-runs as long as their
    earliest-sorting row is still theirs, so findings update in place.
    """
    first = rows.group_by("cluster").agg(
        pl.concat_str(
            [pl.col("registration_id"), pl.col("traveler_index").cast(pl.String)], separator="#"
        )
        .min()
        .alias("anchor")
    )
    ids = ["PX" + hashlib.sha256(a.encode()).hexdigest()[:14] for a in first["anchor"].to_list()]
    return first.with_columns(person_id=pl.Series(ids, dtype=pl.String)).drop("anchor")
