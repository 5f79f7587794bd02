"""Connected components over large edge lists, without building every pair.

Rings and merged bursts are components of a graph whose edges come from
shared values (one phone, one device). A value shared by k registrations
contributes k-1 edges (a star from its first registration), never k(k-1)/2,
and the labels are found by vectorised min-label propagation with pointer
jumping in numpy: a few passes over the edge arrays, whatever the group size.

Example:
    >>> import numpy as np
    >>> connected_components(5, np.array([0, 3]), np.array([1, 4])).tolist()
    [0, 0, 2, 3, 3]
"""

from __future__ import annotations

import numpy as np
import polars as pl


def connected_components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Label nodes 0..n-1 by the smallest node index of their component.

    Args:
        n: Number of nodes.
        a: Edge sources (node indices).
        b: Edge targets, same length as ``a``.

    Returns:
        An int64 array of labels; nodes in one component share a label.
    """
    labels = np.arange(n, dtype=np.int64)
    if len(a) == 0:
        return labels
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    while True:
        la, lb = labels[a], labels[b]
        low = np.minimum(la, lb)
        before = labels.copy()
        # Hook both endpoints' roots onto the smaller label, then compress paths.
        np.minimum.at(labels, la, low)
        np.minimum.at(labels, lb, low)
        np.minimum.at(labels, a, low)
        np.minimum.at(labels, b, low)
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(labels, before):
            return labels


def star_edges(members: pl.DataFrame, group: str, node: str) -> tuple[np.ndarray, np.ndarray]:
    """Edges joining every ``node`` of a ``group`` to the group's first node.

    Args:
        members: Frame with one row per (group value, node index).
        group: Column holding the shared value (a phone, a device id...).
        node: Integer column holding the node index.

    Returns:
        (sources, targets) arrays; k members of a group give k-1 edges.
    """
    pairs = (
        members.select(group, node)
        .unique()
        .with_columns(first=pl.col(node).min().over(group))
        .filter(pl.col(node) != pl.col("first"))
    )
    return pairs["first"].to_numpy(), pairs[node].to_numpy()
