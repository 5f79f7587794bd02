"""Apparent families: fuzzy surname groups, better than the report's exact rule.

The report called two people "potentially unrelated" when their last names
differed (footnote 27). That splits one family over typos, transliterations
(Harutyunyan / Arutyunyan), dropped second surnames (García López / García)
and accents. Here two surnames belong to one apparent family when they share
a surname token, when tokens sound alike (metaphone), or when tokens are close
in edit distance. Surnames are romanised, stripped of particles and
skeletonised by :mod:`puerta.names`, as the draw's person keys are. Work is
linear in the group plus one vectorised ``cdist`` over the distinct tokens,
never a Python loop over every pair of people.

Example:
    >>> count_families(["García López", "GARCIA", "Harutyunyan", "Arutyunyan", "Smith"])
    3
    >>> count_families(["Ray", "Rau", "Ra"]), count_families(["Ray", "Rau", "Ra"], ["Ana"] * 3)
    (3, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import jellyfish
import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from puerta import names

FUZZY_RATIO = 86.0
"""Token similarity (rapidfuzz ratio, 0-100) at which two surname tokens count as one."""
MAX_FUZZY_TOKENS = 4000
"""Above this many distinct tokens in one group only exact and phonetic rules apply."""


@lru_cache(maxsize=500_000)
def surname_tokens(surname: str | None) -> tuple[str, ...]:
    """Romanised, upper-cased surname tokens without particles.

    Example:
        >>> surname_tokens("de la Cruz-Pérez")
        ('CRUZ', 'PEREZ')
    """
    if not surname:
        return ()
    words = names.romanise(surname).split()
    tokens = tuple(t.upper() for t in words if t not in names.PARTICLES and len(t) > 1)
    return tokens or tuple(t.upper() for t in words)


@lru_cache(maxsize=500_000)
def _phonetic(token: str) -> str:
    # Leading H is silent in Spanish and dropped in Armenian romanisations.
    return jellyfish.metaphone(token[1:] if token.startswith("H") and len(token) > 3 else token)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _close_pairs(
    names: Sequence[str], scorer, cutoff: float, *, larger_is_closer: bool
) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """Index pairs (i < j) of names within ``cutoff``: a plain loop for the small
    lists that are the rule, one vectorised ``cdist`` for large ones."""
    n = len(names)
    if n <= 12:
        out = []
        for i in range(n):
            for j in range(i + 1, n):
                d = scorer(names[i], names[j])
                if (d >= cutoff) if larger_is_closer else (d <= cutoff):
                    out.append((i, j))
        return out
    kwargs = {"score_cutoff": cutoff, "workers": 1}
    if not larger_is_closer:
        kwargs["dtype"] = np.int32
    m = process.cdist(names, names, scorer=scorer, **kwargs)
    close = m >= cutoff if larger_is_closer else m <= cutoff
    rows, cols = np.nonzero(close)
    keep = rows < cols
    return list(zip(rows[keep].tolist(), cols[keep].tolist(), strict=True))


def _given_key(given: str | None) -> str:
    tokens = surname_tokens(given)
    return _phonetic(tokens[0]) if tokens else ""


def _same_person_unions(
    uf: _UnionFind, surnames: Sequence[str | None], given_names: Sequence[str | None]
) -> None:
    """Join people whose first given names sound alike and whose surnames differ
    by one edit or by a dropped surname: one person typed twice ("Amo", "Ano")."""
    blocks: dict[str, list[int]] = {}
    for i, g in enumerate(given_names):
        key = _given_key(g)
        if key:
            blocks.setdefault(key, []).append(i)
    for members in blocks.values():
        if len(members) < 2 or len(members) > MAX_FUZZY_TOKENS:
            continue
        names = [" ".join(surname_tokens(surnames[i])) for i in members]
        for a, b in _close_pairs(names, Levenshtein.distance, 1, larger_is_closer=False):
            uf.union(members[a], members[b])


def family_labels(
    surnames: Sequence[str | None],
    given_names: Sequence[str | None] | None = None,
    groups: Sequence[Sequence[str]] | None = None,
) -> list[int]:
    """Label each surname with its apparent family (labels are 0..k-1).

    Args:
        surnames: One surname per person (as typed).
        given_names: Optional given names, same order: with them, a person
            whose surname was mistyped by one letter (even a short one, "Ray" /
            "Rau") is kept in their family when the given name sounds alike.
        groups: Optional registration ids per person: people listed on one
            registration travel together, so they are one apparent family
            whatever their surnames (a spouse's own surname, a typo).

    Returns:
        A family label per input, equal labels meaning "apparently related".

    Example:
        >>> family_labels(["Lopez", "López Mora", "Kim"])
        [0, 0, 1]
    """
    n = len(surnames)
    token_ids: dict[str, int] = {}
    person_tokens: list[list[int]] = []
    for s in surnames:
        ids = []
        for t in surname_tokens(s):
            ids.append(token_ids.setdefault(t, len(token_ids)))
        person_tokens.append(ids)
    n_tok = len(token_ids)
    # Nodes 0..n-1 are people, n..n+n_tok-1 are tokens: a person joins its tokens.
    uf = _UnionFind(n + n_tok)
    for p, ids in enumerate(person_tokens):
        for t in ids:
            uf.union(p, n + t)
    tokens = list(token_ids)
    by_sound: dict[str, int] = {}
    for t, tid in token_ids.items():
        for code in (_phonetic(t), "~" + names.skeleton(t.lower())):
            if len(code.lstrip("~")) >= 3:
                first = by_sound.setdefault(code, tid)
                if first != tid:
                    uf.union(n + first, n + tid)
    if 1 < n_tok <= MAX_FUZZY_TOKENS:
        for a, b in _close_pairs(tokens, fuzz.ratio, FUZZY_RATIO, larger_is_closer=True):
            if min(len(tokens[a]), len(tokens[b])) >= 4:
                uf.union(n + a, n + b)
    if given_names is not None:
        _same_person_unions(uf, surnames, given_names)
    if groups is not None:
        first: dict[str, int] = {}
        for p, gs in enumerate(groups):
            for g in gs or ():
                uf.union(p, first.setdefault(g, p))
    roots: dict[int, int] = {}
    labels = []
    for p in range(n):
        if person_tokens[p]:
            root = uf.find(p)
            labels.append(roots.setdefault(root, len(roots)))
        else:
            labels.append(roots.setdefault(-1 - p, len(roots)))
    return labels


def count_families(
    surnames: Sequence[str | None],
    given_names: Sequence[str | None] | None = None,
    groups: Sequence[Sequence[str]] | None = None,
) -> int:
    """How many apparent families a set of people holds (see ``family_labels``)."""
    return len(set(family_labels(surnames, given_names, groups))) if len(surnames) else 0


@lru_cache(maxsize=500_000)
def family_key(surname: str | None) -> str:
    """A cheap key per surname: equal keys are always one family in ``family_labels``.

    So the number of distinct keys among a group's registration owners is an
    upper bound of its fuzzy family count, computable for every group at once.
    """
    tokens = surname_tokens(surname)
    if not tokens:
        return ""
    t = tokens[0]
    code = "~" + names.skeleton(t.lower())
    return code if len(code.lstrip("~")) >= 3 else t


def count_exact_surnames(surnames: Sequence[str | None]) -> int:
    """The report's rule: distinct last names, folded for case and spacing only."""
    return len({" ".join(s.upper().split()) for s in surnames if s})
