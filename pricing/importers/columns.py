"""One check per field, each over a whole column of a chunk.

pretix's importer has one class per column that cleans a value; here each class reads the cells
of its field for all the rows of a chunk at once (numpy, each distinct value parsed once) and
then lists the problems of the rows that count. :func:`read_columns` says which class reads
which field; the two checks across fields (date order, repeated keys) follow.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from .context import Chunk, ChunkState, Options, base_currency
from .duplicates import DuplicateKeys
from .messages import (
    M_CONTROL_CHARACTER,
    M_DATE_ORDER,
    M_DUPLICATE,
    M_FORMULA,
    M_FORMULA_START,
    M_MISSING,
    M_TOO_LONG,
    W_MANY_DECIMALS,
    label,
)
from .numbers import Convention, Features, Numbers, read_numbers, settle_convention
from .problems import Problems
from .results import CANONICAL_FIELDS
from .values import Reading, by_distinct, read_currency, read_date, read_lead_time, spread

MAX_SKU_LENGTH = 100
MAX_NAME_LENGTH = 500
MAX_UNIT_LENGTH = 50

FORMULA_STARTS = ("=", "+", "-", "@")
# NUL and the other C0 controls but tab and line breaks: no name holds them, PostgreSQL refuses NUL
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def _number(text: str) -> bool:
    """A plain number ("-5"), or a dash for "none", starts like a formula but is none."""
    return text == "-" or _PLAIN_NUMBER.fullmatch(text) is not None


def _formula_message(text: str) -> str:
    return M_FORMULA if text.startswith("=") else M_FORMULA_START


# What the frame stores for a field the file has no column for ("currency": the base currency).
_ABSENT = {"unit": "", "min_qty": "1", "valid_from": None, "valid_to": None, "lead_time_days": None}


class Column:
    """One field of a chunk, read: ``values`` as the frame stores them, ``empty`` cells.

    ``report`` lists the problems of the rows that count (``live``) and leaves alone the cells
    already ``rejected``; it marks there the cells whose value is unusable.
    """

    field: str
    cells: list[str]  # as the reader gave them
    values: np.ndarray
    empty: np.ndarray

    def report(self, errors: Problems, warnings: Problems, live: np.ndarray, rejected: np.ndarray) -> None:
        raise NotImplementedError

    def report_missing(self, errors: Problems, ok: np.ndarray) -> None:
        errors.add(
            np.flatnonzero(ok & self.empty), self.field, lambda _p: ("", M_MISSING, {"label": label(self.field)})
        )


def _cell_problem(field_name: str, raw: str, template: str, kw: dict) -> tuple[str, str, dict]:
    value = raw.strip()
    return value, template, {"label": label(field_name), "value": value, **kw}


class Text(Column):
    """SKU, name, unit: stripped, NFC-normalized text of limited length."""

    def __init__(self, field_name: str, cells: list[str], *, limit: int, required: bool) -> None:
        self.field, self.cells, self.limit, self.required = field_name, cells, limit, required
        self.texts = [v.strip() for v in cells]
        joined = "\n".join(self.texts)
        if not joined.isascii() and not unicodedata.is_normalized("NFC", joined):
            self.texts = [unicodedata.normalize("NFC", v) for v in self.texts]
        # a spreadsheet runs a cell starting with one of these as a formula (OWASP's CSV injection)
        # such a start is rare in price lists: one scan of the joined text (in C) usually settles it
        lines = "\n" + joined
        self.formulas = (
            [i for i, v in enumerate(self.texts) if v.startswith(FORMULA_STARTS) and not _number(v)]
            if any("\n" + sign in lines for sign in FORMULA_STARTS)
            else []
        )
        self.controls = [i for i, v in enumerate(self.texts) if _CONTROL.search(v)] if _CONTROL.search(joined) else []
        n = len(self.texts)
        self.values = np.empty(n, dtype=object)
        self.values[:] = self.texts
        self.empty = np.asarray(self.values == "", dtype=bool).reshape(n)

    def report(self, errors: Problems, warnings: Problems, live: np.ndarray, rejected: np.ndarray) -> None:
        formulas = [p for p in self.formulas if live[p] and not rejected[p]]
        if formulas:
            errors.add(formulas, self.field, lambda p: (self.texts[p], _formula_message(self.texts[p]), {}))
            rejected[formulas] = True
        controls = [p for p in self.controls if live[p] and not rejected[p]]
        if controls:
            errors.add(
                controls, self.field, lambda p: (self.texts[p], M_CONTROL_CHARACTER, {"label": label(self.field)})
            )
            rejected[controls] = True
        ok = live & ~rejected
        if self.required:
            self.report_missing(errors, ok)
        if self.texts and max(map(len, self.texts)) > self.limit:
            lengths = np.fromiter(map(len, self.texts), dtype=np.int64, count=len(self.texts))
            too_long = np.flatnonzero(ok & (lengths > self.limit))
            kw = {"label": label(self.field), "limit": self.limit}
            errors.add(too_long, self.field, lambda p: (self.texts[p], M_TOO_LONG, kw))


class Number(Column):
    """Minimum quantity (empty: 1); the base of :class:`Price`."""

    def __init__(self, field_name: str, cells: list[str], numbers: Numbers, *, default: str | None = None) -> None:
        self.field, self.cells, self.numbers = field_name, cells, numbers
        self.empty = numbers.empty
        self.values = numbers.norm
        if default is not None:
            self.values = self.values.copy()
            if len(cells):
                self.values[self.empty] = default

    def report(self, errors: Problems, warnings: Problems, live: np.ndarray, rejected: np.ndarray) -> None:
        wrong = [p for p in self.numbers.errors if live[p] and not rejected[p]]
        errors.add(wrong, self.field, lambda p: _cell_problem(self.field, self.cells[p], *self.numbers.errors[p]))
        rejected[wrong] = True


class Price(Number):
    """Required; more than two decimals are worth a warning (a wrong decimal separator?)."""

    def report(self, errors: Problems, warnings: Problems, live: np.ndarray, rejected: np.ndarray) -> None:
        super().report(errors, warnings, live, rejected)
        ok = live & ~rejected
        self.report_missing(errors, ok)
        frac = self.numbers.frac
        if frac is not None and len(self.cells):
            many = np.flatnonzero(ok & (frac > 2))
            warnings.add(many, self.field, lambda p: _cell_problem(self.field, self.cells[p], W_MANY_DECIMALS, {}))


class Distinct(Column):
    """Currency, dates, lead time: few distinct values, each read once by ``read``."""

    def __init__(self, field_name: str, cells: list[str], read: Callable[[str], Reading], *, fill: Any = None) -> None:
        self.field, self.cells = field_name, cells
        self.codes, read_cells = by_distinct(cells, lambda text: (_read_cell(text, read), not text.strip()))
        self.readings = [r for r, _empty in read_cells]
        self.values = spread(self.codes, [r.value for r in self.readings])
        self.empty = spread(self.codes, [empty for _r, empty in read_cells], dtype=bool)
        self.wrong = spread(self.codes, [r.error is not None for r in self.readings], dtype=bool)
        self.warned = None
        if any(r.warning for r in self.readings):
            self.warned = spread(self.codes, [r.warning is not None for r in self.readings], dtype=bool)
        if fill is not None and len(cells):
            self.values[self.empty] = fill

    def report(self, errors: Problems, warnings: Problems, live: np.ndarray, rejected: np.ndarray) -> None:
        wrong = np.flatnonzero(live & self.wrong & ~rejected)
        errors.add(wrong, self.field, lambda p: self._problem(p, self.readings[self.codes[p]].error))
        if self.warned is not None:
            warned = np.flatnonzero(live & self.warned & ~self.wrong)
            warnings.add(warned, self.field, lambda p: self._problem(p, self.readings[self.codes[p]].warning))

    def _problem(self, p: int, template: str | None) -> tuple[str, str, dict]:
        return _cell_problem(self.field, self.cells[p], template or "", self.readings[self.codes[p]].kw)


def _read_cell(text: str, read: Callable[[str], Reading]) -> Reading:
    cell = text.strip()
    if not cell:
        return Reading()
    if cell.startswith("="):
        return Reading(error=M_FORMULA)
    return read(cell)


def read_columns(chunk: Chunk, options: Options, state: ChunkState) -> dict[str, Column]:
    """Every field the file has a column for, read. The price column comes first among the numbers:
    it settles the file's decimal convention, which the minimum quantity then follows."""
    n = len(chunk.rows)
    currency = base_currency(chunk.layout, options)

    def settle(feats: Features | None) -> Convention:
        if options.convention is None:
            state.convention = settle_convention(state.convention, feats, currency)
        return state.convention

    def numbers(field_name: str, cells: list[str], **kw: Any) -> Numbers:
        return read_numbers(cells, chunk.typed.get(field_name), state.convention, **kw)

    readers: dict[str, Callable[[list[str]], Column]] = {
        "sku": lambda c: Text("sku", c, limit=MAX_SKU_LENGTH, required=True),
        "name": lambda c: Text("name", c, limit=MAX_NAME_LENGTH, required=True),
        "unit": lambda c: Text("unit", c, limit=MAX_UNIT_LENGTH, required=False),
        "price": lambda c: Price("price", c, numbers("price", c, settle=settle)),
        "currency": lambda c: Distinct("currency", c, read_currency, fill=currency),
        "min_qty": lambda c: Number("min_qty", c, numbers("min_qty", c, few_distinct=True), default="1"),
        "valid_from": lambda c: Distinct("valid_from", c, read_date),
        "valid_to": lambda c: Distinct("valid_to", c, read_date),
        "lead_time_days": lambda c: Distinct("lead_time_days", c, read_lead_time),
    }
    return {f: readers[f](chunk.cells.get(f, [""] * n)) for f in chunk.layout.present}


def stored_values(columns: dict[str, Column], n: int, base_currency: str | None) -> dict[str, np.ndarray]:
    """The values of every canonical field, defaults where the file has no column."""
    absent = {**_ABSENT, "currency": base_currency}
    return {f: columns[f].values if f in columns else np.full(n, absent[f], dtype=object) for f in CANONICAL_FIELDS}


def check_date_order(errors: Problems, columns: dict[str, Column], live: np.ndarray) -> None:
    if "valid_from" not in columns or "valid_to" not in columns or not len(live):
        return
    vf, vt = columns["valid_from"].values, columns["valid_to"].values
    both = np.flatnonzero(live & (vf != None) & (vt != None))  # noqa: E711 - object array
    wrong = [p for p in both.tolist() if vt[p] < vf[p]]
    raw = columns["valid_to"].cells
    errors.add(
        wrong,
        "valid_to",
        lambda p: (raw[p].strip(), M_DATE_ORDER, {"valid_to": vt[p].isoformat(), "valid_from": vf[p].isoformat()}),
    )


def check_duplicates(
    errors: Problems,
    keys: DuplicateKeys,
    sku: Text,
    min_qty: np.ndarray,
    rows: np.ndarray,
    eligible: np.ndarray,
) -> None:
    """Rows that repeat the (sku, min_qty) key of an earlier row, in this chunk or before."""
    pos = np.flatnonzero(eligible)
    if not len(pos):
        return
    skus = sku.texts if len(pos) == len(rows) else sku.values[pos].tolist()
    qcodes, quniq = pd.factorize(min_qty[pos])
    # "10", "10.0" and "10.00" are the same minimum quantity
    qkeys = [format(Decimal(u).normalize(), "f") if u else "" for u in quniq]
    repeated, earlier = keys.check(skus, qcodes, qkeys, rows[pos])
    if len(repeated):
        dpos = pos[repeated]
        earlier_by_pos = dict(zip(dpos.tolist(), earlier.tolist(), strict=True))
        errors.add(dpos, "sku", lambda p: (sku.values[p], M_DUPLICATE, {"row": earlier_by_pos[p]}))
