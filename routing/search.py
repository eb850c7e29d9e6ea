"""Shortest paths through a distance matrix: fast-tsp and a local search of our own.

Every route is a path from a start node to an end node through the picks; a tour from
the depot is the path from the depot back to it. fast-tsp (MIT) solves up to 20 nodes
exactly and searches beyond that under a time budget. The local search (2-opt and
moves of one to three stops, over each node's nearest neighbours) is deterministic.
It polishes every candidate and respects precedence ranks: stops of a lower rank
always come before stops of a higher one.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence

import fast_tsp
import numpy as np

Matrix = Sequence[Sequence[int]]

_NEIGHBOURS = 8
_UINT16 = 65_535


def path_length(dist: Matrix, start: int, order: Sequence[int], end: int) -> int:
    """Length of the walk start -> order -> end."""
    seq = [start, *order, end]
    return sum(dist[a][b] for a, b in itertools.pairwise(seq))


def fast_tsp_path(
    dist: np.ndarray, start: int, nodes: Sequence[int], end: int, *, budget_s: float
) -> list[int]:
    """The order of ``nodes`` on a short path from ``start`` to ``end``, by fast-tsp."""
    is_open = start != end
    ids = [start, end, *nodes] if is_open else [start, *nodes]
    if len(nodes) < 2:
        return list(nodes)
    sub = dist[np.ix_(ids, ids)]
    largest = int(sub.max())
    unit = int(np.gcd.reduce(sub, axis=None)) or 1
    scale = unit * max(1, math.ceil(3 * largest / unit / (_UINT16 - 1)))
    # An open path becomes a tour that must use the edge start-end: every other edge
    # costs a penalty larger than the most that leaving that edge out could save.
    penalty = 2 * round(largest / scale) + 1 if is_open else 0
    scaled = np.rint(sub / scale).astype(np.int64) + penalty
    np.fill_diagonal(scaled, 0)
    if is_open:
        scaled[0, 1] = scaled[1, 0] = 0
    tour = fast_tsp.find_tour(scaled, duration_seconds=budget_s)
    turn = tour.index(0)
    tour = tour[turn:] + tour[:turn]
    if is_open and tour[1] == 1:
        tour = [0, *reversed(tour[1:])]
    return [ids[k] for k in tour[1:] if not (is_open and k == 1)]


def neighbours(dist: np.ndarray, nodes: Sequence[int]) -> dict[int, list[int]]:
    """For each node, the nearest others, nearest first, ties by index."""
    ids = sorted(set(nodes))
    sub = dist[np.ix_(ids, ids)]
    ranked = np.argsort(sub, axis=1, kind="stable")[:, 1 : _NEIGHBOURS + 2].tolist()
    near = {}
    for row, a in zip(ranked, ids, strict=True):
        near[a] = [ids[k] for k in row if ids[k] != a][:_NEIGHBOURS]
    return near


class _Path:
    """A path start -> interior -> end under a distance matrix and ranks."""

    def __init__(
        self,
        dist: Matrix,
        start: int,
        order: Sequence[int],
        end: int,
        rank: dict[int, int],
        near: dict[int, list[int]],
    ) -> None:
        self.dist = dist
        self.seq = [start, *order, end]
        self.rank = rank
        self.near = near
        self.reindex()

    def reindex(self) -> None:
        # The end may equal the start; the start keeps position 0.
        self.pos = {node: i for i, node in reversed(list(enumerate(self.seq)))}

    def two_opt(self) -> bool:
        d, seq, rank = self.dist, self.seq, self.rank
        last = len(seq) - 2
        for i in range(1, last + 1):
            a, b = seq[i - 1], seq[i]
            for c in self.near[a]:
                if d[a][c] >= d[a][b]:
                    break
                j = self.pos[c]
                if not i < j <= last or rank[b] != rank[c]:
                    continue
                e = seq[j + 1]
                if d[a][c] + d[b][e] < d[a][b] + d[c][e]:
                    seq[i : j + 1] = seq[i : j + 1][::-1]
                    self.reindex()
                    return True
        return False

    def or_opt(self) -> bool:
        d, seq, rank = self.dist, self.seq, self.rank
        last = len(seq) - 2
        for size in (1, 2, 3):
            for i in range(1, last - size + 2):
                f, lst = seq[i], seq[i + size - 1]
                before, after = seq[i - 1], seq[i + size]
                gain = d[before][f] + d[lst][after] - d[before][after]
                flat = rank[f] == rank[lst]
                for c in self.near[f] + self.near[lst]:
                    q = self.pos[c]
                    for p in (q - 1, q):
                        if p < 0 or p + 1 >= len(seq) or i - 1 <= p < i + size:
                            continue
                        u, v = seq[p], seq[p + 1]
                        if p > 0 and rank[u] > rank[f]:
                            continue
                        if p + 2 < len(seq) and rank[lst] > rank[v]:
                            continue
                        keep = d[u][f] + d[lst][v] - d[u][v]
                        turn = d[u][lst] + d[f][v] - d[u][v]
                        if flat and turn < keep and turn < gain:
                            self._move(i, size, p, reverse=True)
                            return True
                        if keep < gain:
                            self._move(i, size, p, reverse=False)
                            return True
        return False

    def _move(self, i: int, size: int, p: int, *, reverse: bool) -> None:
        seq = self.seq
        segment = seq[i : i + size][::-1] if reverse else seq[i : i + size]
        if p < i:
            self.seq = seq[: p + 1] + segment + seq[p + 1 : i] + seq[i + size :]
        else:
            self.seq = seq[:i] + seq[i + size : p + 1] + segment + seq[p + 1 :]
        self.reindex()

    def descend(self) -> None:
        while self.two_opt() or self.or_opt():
            pass

    @property
    def order(self) -> list[int]:
        return self.seq[1:-1]


def local_search(
    dist: Matrix,
    array: np.ndarray,
    start: int,
    order: Sequence[int],
    end: int,
    *,
    rank: dict[int, int] | None = None,
    kicks: int = 0,
) -> list[int]:
    """``order`` improved by 2-opt and segment moves until neither helps.

    With ``kicks``, the search then perturbs the best path that many times (a
    double bridge inside one rank, from a fixed seed) and keeps what improves it.
    """
    ranks = dict.fromkeys(order, 0) if rank is None else dict(rank)
    near = neighbours(array, [start, *order, end])
    path = _Path(dist, start, order, end, ranks, near)
    path.descend()
    best = path.order
    best_length = path_length(dist, start, best, end)
    rng = random.Random(len(order))
    for _ in range(kicks if len(order) >= 8 else 0):
        trial = _double_bridge(best, ranks, rng)
        if trial is None:
            continue
        path = _Path(dist, start, trial, end, ranks, near)
        path.descend()
        length = path_length(dist, start, path.order, end)
        if length < best_length:
            best, best_length = path.order, length
    return best


def _double_bridge(
    order: list[int], rank: dict[int, int], rng: random.Random
) -> list[int] | None:
    a, b, c = sorted(rng.sample(range(1, len(order)), 3))
    trial = order[:a] + order[b:c] + order[a:b] + order[c:]
    ranks = [rank[n] for n in trial]
    return trial if ranks == sorted(ranks) else None
