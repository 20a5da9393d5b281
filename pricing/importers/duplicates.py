"""Repeated (sku, minimum quantity) keys, across all the chunks of a file."""

from __future__ import annotations

import numpy as np


class DuplicateKeys:
    """(sku, min_qty) keys seen so far, as 64-bit hashes with their row numbers.

    Within a chunk a duplicate is confirmed on the real keys; across chunks a
    hash match is taken as equality (collision odds ~1e-8 at a million rows).
    """

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []  # sorted hashes, rows

    def _lookup(self, h: np.ndarray) -> np.ndarray:
        prior = np.full(len(h), -1, dtype=np.int64)
        for hashes, rows in self.parts:
            idx = np.minimum(np.searchsorted(hashes, h), len(hashes) - 1)
            hit = (hashes[idx] == h) & (prior < 0)
            prior[hit] = rows[idx[hit]]
        return prior

    def _store(self, h: np.ndarray, rows: np.ndarray) -> None:
        if len(h):
            o = np.argsort(h, kind="stable")
            self.parts.append((h[o], rows[o]))
        if len(self.parts) > 8:  # keep lookups cheap for many small chunks
            hs = np.concatenate([p[0] for p in self.parts])
            rs = np.concatenate([p[1] for p in self.parts])
            o = np.argsort(hs, kind="stable")
            self.parts = [(hs[o], rs[o])]

    def check(self, skus: list[str], qcodes: np.ndarray, qkeys: list[str], rows: np.ndarray):
        """Positions (into ``skus``) that repeat an earlier (sku, min_qty) key,
        and the row number of that earlier row.  ``qcodes`` index ``qkeys``."""
        m = len(skus)
        if m == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        sku_h = np.fromiter(map(hash, skus), dtype=np.int64, count=m)
        q_h = np.fromiter(map(hash, qkeys), dtype=np.int64, count=len(qkeys))
        h = sku_h * np.int64(1_000_003) ^ q_h[qcodes]  # wraps around; fine for a hash
        order = np.argsort(h, kind="stable")
        hs = h[order]
        new_group = np.ones(m, dtype=bool)
        new_group[1:] = hs[1:] != hs[:-1]
        first_of = order[np.maximum.accumulate(np.where(new_group, np.arange(m), 0))]
        earlier = np.full(m, -1, dtype=np.int64)
        for a, b in zip(order[~new_group].tolist(), first_of[~new_group].tolist(), strict=True):
            if skus[a] == skus[b] and qkeys[qcodes[a]] == qkeys[qcodes[b]]:
                earlier[a] = rows[b]
        prior = np.full(m, -1, dtype=np.int64)
        prior[order] = self._lookup(hs)  # sorted queries: cache friendly
        earlier = np.where(prior >= 0, prior, earlier)
        firsts = order[new_group]
        fresh = firsts[prior[firsts] < 0]
        self._store(h[fresh], rows[fresh])
        dup = np.flatnonzero(earlier >= 0)
        return dup, earlier[dup]
