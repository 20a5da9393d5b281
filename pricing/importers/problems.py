"""Problems found in a chunk, kept as positions until they are listed.

A chunk may have a problem on every row; a :class:`RowError` (and its translated message) is made
only for the ones that are listed: the first ones by row, then by field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .messages import msg
from .results import FIELD_ORDER, RowError

# position -> (value, template, kw) of the problem there
Maker = Callable[[int], tuple[str, str, dict]]


class Problems:
    """Problems as (positions, field, maker) groups; RowError objects are made
    only for the ones that are listed (the first ``budget`` by row)."""

    def __init__(self) -> None:
        self.groups: list[tuple[np.ndarray, str, Maker]] = []

    def add(self, positions: Any, field_name: str, maker: Maker) -> None:
        pos = np.asarray(positions, dtype=np.int64).ravel()
        if pos.size:
            self.groups.append((pos, field_name, maker))

    def add_one(self, pos: int, field_name: str, value: str, template: str, **kw: Any) -> None:
        self.groups.append((np.array([pos], dtype=np.int64), field_name, lambda _p: (value, template, kw)))

    def mask(self, n: int) -> np.ndarray:
        """The positions below ``n`` that have a problem."""
        m = np.zeros(n, dtype=bool)
        for pos, _f, _mk in self.groups:
            m[pos[pos < n]] = True
        return m

    def build(self, rows: np.ndarray, budget: int) -> tuple[list[RowError], int]:
        """The first ``budget`` problems as RowErrors (``rows``: row number of each position), and the count of all."""
        if not self.groups:
            return [], 0
        pos = np.concatenate([g[0] for g in self.groups])
        gid = np.concatenate([np.full(len(g[0]), i) for i, g in enumerate(self.groups)])
        forder = np.concatenate([np.full(len(g[0]), FIELD_ORDER[g[1]]) for g in self.groups])
        rownums = rows[pos]
        order = np.lexsort((forder, rownums))
        out = []
        for k in order[: max(budget, 0)].tolist():
            _p, fname, maker = self.groups[gid[k]]
            value, template, kw = maker(int(pos[k]))
            out.append(RowError(int(rownums[k]), fname, value, msg(template, **kw)))
        return out, len(order)
