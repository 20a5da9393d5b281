"""The JSON items reader: price rows given as dicts with canonical keys (the API).

Same rules as files, except that a number given as a JSON number is read as one, and one given
as a string must use "." as decimal mark (``"1,234"`` is ambiguous). ``row`` is the 1-based
index of the item.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np

from .context import Chunk, FileProblem, Layout, Options, without_nul
from .messages import M_BAD_ITEM, M_NO_ROWS, M_UNKNOWN_ITEM_KEY
from .results import CANONICAL_FIELDS, DATE_FIELDS, NUMERIC_FIELDS, REQUIRED_FIELDS, ParseResult
from .values import cell_text, float_text, typed_texts


def read_items(items: list, options: Options, validate: Callable[[Chunk], ParseResult]) -> Iterator[ParseResult]:
    chunk = _chunk(items)
    yield validate(chunk)
    if not items:
        raise FileProblem(M_NO_ROWS, chunk.layout)


def _chunk(items: list) -> Chunk:
    keys = {k for it in items if isinstance(it, dict) for k in it}
    present = tuple(f for f in CANONICAL_FIELDS if f in keys or f in REQUIRED_FIELDS)
    layout = Layout(headers=present, mapping={f: f for f in present}, columns={f: i for i, f in enumerate(present)})
    good = [i for i, it in enumerate(items) if isinstance(it, dict) and not _unknown(it)]
    skipped = [(i + 1, "", "", M_BAD_ITEM, {}) for i, it in enumerate(items) if not isinstance(it, dict)]
    # a misspelt key ("prise") would otherwise be dropped silently and the row read without it
    skipped += [
        (i + 1, "", without_nul(str(key))[:100], M_UNKNOWN_ITEM_KEY, {"key": without_nul(str(key))[:100]})
        for i, it in enumerate(items)
        if isinstance(it, dict)
        for key in _unknown(it)
    ]
    skipped.sort(key=lambda s: s[0])
    cells: dict[str, list[str]] = {}
    typed: dict[str, np.ndarray] = {}
    for f in present:
        cells[f], is_number = typed_texts([items[i].get(f) for i in good], lambda v, f=f: _item_text(f, v))
        if f in NUMERIC_FIELDS:
            typed[f] = is_number
    rows = np.array([i + 1 for i in good], dtype=np.int64)
    return Chunk(layout, cells, rows, typed=typed, skipped=skipped)


def _unknown(item: dict) -> list:
    return sorted((k for k in item if k not in CANONICAL_FIELDS), key=str)


def _item_text(fname: str, v: Any) -> tuple[str, bool]:
    if v is None:
        return "", False
    if fname in NUMERIC_FIELDS:
        if isinstance(v, bool):
            return str(v), False
        if isinstance(v, (int, float, Decimal, np.integer, np.floating)):
            return cell_text(v)
        return str(v), False
    if fname in DATE_FIELDS and isinstance(v, (date, datetime)):
        return cell_text(v)
    if isinstance(v, float):
        return float_text(v), False
    return str(v), False
