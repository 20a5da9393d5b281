"""What an import gives back: valid rows (as a frame, and as :class:`PriceRow` on demand) and problems."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from functools import cached_property

import pandas as pd

CANONICAL_FIELDS = (
    "sku",
    "name",
    "unit",
    "price",
    "currency",
    "min_qty",
    "valid_from",
    "valid_to",
    "lead_time_days",
)
REQUIRED_FIELDS = ("sku", "name", "price")
NUMERIC_FIELDS = ("price", "min_qty", "lead_time_days")
DATE_FIELDS = ("valid_from", "valid_to")
FRAME_COLUMNS = ("row", *CANONICAL_FIELDS)

# Problems of one row are listed in this order; "" (the whole row) first.
FIELD_ORDER = {name: i for i, name in enumerate(("", *CANONICAL_FIELDS))}


@dataclass(frozen=True)
class RowError:
    """One problem: ``row`` as a spreadsheet shows it (header row = 1, 0 for
    problems with the whole file), ``column`` a canonical field name or ``""``
    for whole-row/file problems, ``value`` the raw cell text."""

    row: int
    column: str
    value: str
    message: str

    def __post_init__(self) -> None:
        # a NUL the file held would make the stored problem unstorable (PostgreSQL text and jsonb)
        for name in ("value", "message"):
            text = getattr(self, name)
            if isinstance(text, str) and "\x00" in text:
                object.__setattr__(self, name, text.replace("\x00", "\ufffd"))


@dataclass(frozen=True)
class PriceRow:
    row: int
    sku: str
    name: str
    unit: str
    price: Decimal
    currency: str | None
    min_qty: Decimal
    valid_from: date | None
    valid_to: date | None
    lead_time_days: int | None


@dataclass(eq=False)
class ParseResult:
    """Outcome of parsing one file (or one chunk of it).

    ``frame`` holds the valid rows for the bulk publish path, one column per
    entry of :data:`FRAME_COLUMNS`: ``row`` (int64); ``sku``/``name``/``unit``
    (str); ``price`` and ``min_qty`` as normalized decimal text ("61250.00",
    "1"); ``currency`` (str or None); ``valid_from``/``valid_to``
    (``datetime.date`` or None); ``lead_time_days`` (int or None).
    ``items`` is built from ``frame`` the first time it is read.
    ``error_count`` is the exact number of problems even when fewer are listed.
    """

    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)
    total_rows: int = 0
    frame: pd.DataFrame | None = field(default=None, repr=False)
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and self.error_count == 0

    @cached_property
    def items(self) -> list[PriceRow]:
        return rows_from_frame(self.frame) if self.frame is not None else []

    def __eq__(self, other: object) -> bool:
        # Rows compare as items: a frame has no plain equality.
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._compared() == other._compared()  # type: ignore[attr-defined]

    def _compared(self) -> tuple:
        return (self.items, *(getattr(self, f.name) for f in fields(self) if f.name != "frame"))


def rows_from_frame(frame: pd.DataFrame) -> list[PriceRow]:
    if frame.empty:
        return []
    cols = [frame[c].to_numpy() for c in FRAME_COLUMNS]
    out = []
    for row, sku, name, unit, price, cur, qty, vf, vt, lead in zip(*cols, strict=True):
        out.append(
            PriceRow(
                row=int(row),
                sku=sku,
                name=name,
                unit=unit,
                price=Decimal(price),
                currency=cur,
                min_qty=Decimal(qty),
                valid_from=vf,
                valid_to=vt,
                lead_time_days=None if lead is None else int(lead),
            )
        )
    return out
