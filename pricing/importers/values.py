"""Cell values other than numbers: currencies, dates, lead times; and typed cells as text.

The currency aliases that suppliers write («руб», «р.», «đ», «VNĐ», «$») are read here, at the
edge, and become ISO 4217 codes; :func:`currency_from_text` is the one way to do that (the
headers, the currency column and the default currency all use it).

Columns of these values have few distinct values: :func:`by_distinct` parses each one once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

import numpy as np
import pandas as pd

from marketplace.money import currency_code

from .messages import (
    M_BAD_CURRENCY,
    M_BAD_DATE,
    M_BAD_LEAD_TIME,
    M_IMPOSSIBLE_DATE,
    M_LEAD_TIME_TOO_LONG,
    W_LEAD_TIME_RANGE,
)

MAX_LEAD_TIME_DAYS = 3650

# --------------------------------------------------------------------------
# Currencies
# --------------------------------------------------------------------------

CURRENCY_ALIASES = {
    "руб": "RUB",
    "р": "RUB",
    "рубль": "RUB",
    "рублей": "RUB",
    "rur": "RUB",
    "₽": "RUB",
    "$": "USD",
    "us$": "USD",
    "долл": "USD",
    "€": "EUR",
    "евро": "EUR",
    "euro": "EUR",
    "₫": "VND",
    "đ": "VND",
    "vnđ": "VND",
    "đồng": "VND",
    "£": "GBP",
    "₸": "KZT",
    "тенге": "KZT",
    "¥": "CNY",
    "юань": "CNY",
}
# Currencies without minor units: "92.000" can only mean ninety-two thousand.
# Signs and codes that may stand inside a price cell ("1 250 руб."): removed before the number is read.
CURRENCY_MARKS = (
    "руб.",
    "руб",
    "р.",
    "₽",
    "RUB",
    "rub",
    "US$",
    "USD",
    "usd",
    "$",
    "EUR",
    "eur",
    "€",
    "VNĐ",
    "vnđ",
    "VND",
    "vnd",
    "đồng",
    "₫",
    "đ",
    "Đ",
)


def currency_from_text(text: str) -> str | None:
    """ISO code for a currency code, sign or common word; None if unknown."""
    t = " ".join(str(text).split()).casefold().rstrip(".").strip()
    if not t:
        return None
    if t in CURRENCY_ALIASES:
        return CURRENCY_ALIASES[t]
    return currency_code(t)


class Reading(NamedTuple):
    """One cell read: the value, or an error template; the template's arguments; a warning."""

    value: Any = None
    error: str | None = None
    kw: dict[str, Any] = {}  # shared by the readings: never changed
    warning: str | None = None


def read_currency(text: str) -> Reading:
    code = currency_from_text(text)
    return Reading(code) if code else Reading(error=M_BAD_CURRENCY)


# --------------------------------------------------------------------------
# Dates and lead times
# --------------------------------------------------------------------------

_DATE_DMY_RE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")
_DATE_ISO_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_LEAD_RE = re.compile(
    r"(\d{1,5})(?:[.,]0+)?(?:\s*[-–—]\s*(\d{1,5}))?\s*"
    r"(?:days?|d|дн(?:ей|я|ь)?|раб\.?\s*дн(?:ей|я)?|к\.?\s*дн(?:ей|я)?|ngày)?\.?",
    re.IGNORECASE,
)


def read_date(text: str) -> Reading:
    """DD.MM.YYYY (or with "/" "-") or ISO YYYY-MM-DD, with or without a time."""
    m = _DATE_DMY_RE.fullmatch(text)
    if m:
        d, mo, y = (int(x) for x in m.groups())
    else:
        m = _DATE_ISO_RE.fullmatch(text)
        if not m:
            return Reading(error=M_BAD_DATE)
        y, mo, d = (int(x) for x in m.groups())
    try:
        return Reading(date(y, mo, d))
    except ValueError:
        return Reading(error=M_IMPOSSIBLE_DATE)


def read_lead_time(text: str) -> Reading:
    """Whole days ("14", "14 дней", "7-10 ngày"); of a range, the longer time, with a warning."""
    m = _LEAD_RE.fullmatch(text)
    if not m:
        return Reading(error=M_BAD_LEAD_TIME)
    days = int(m.group(1))
    warning = None
    if m.group(2):
        days = max(days, int(m.group(2)))
        warning = W_LEAD_TIME_RANGE
    if days > MAX_LEAD_TIME_DAYS:
        return Reading(error=M_LEAD_TIME_TOO_LONG, kw={"limit": MAX_LEAD_TIME_DAYS})
    return Reading(days, kw={"days": days}, warning=warning)


# --------------------------------------------------------------------------
# Typed cells (spreadsheets, JSON) as the text a supplier would have typed
# --------------------------------------------------------------------------


def float_text(v: float) -> str:
    """Spreadsheet float -> decimal text without binary noise (0.1+0.2 -> 0.3)."""
    if not math.isfinite(v):
        return str(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    d = Decimal(repr(round(v, 10)))
    return format(d.normalize(), "f") if d == d.to_integral() else format(d, "f")


def cell_text(v: Any) -> tuple[str, bool]:
    """Cell value -> (text, is_number)."""
    if v is None or v is pd.NaT:
        return "", False
    if isinstance(v, (bool, np.bool_)):
        return ("TRUE" if v else "FALSE"), False
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return "", False
        return float_text(float(v)), math.isfinite(v)
    if isinstance(v, (int, np.integer)):
        return str(int(v)), True
    if isinstance(v, Decimal):
        return format(v, "f"), v.is_finite()
    if isinstance(v, datetime):
        if (v.hour, v.minute, v.second, v.microsecond) == (0, 0, 0, 0):
            return v.date().isoformat(), False
        return v.isoformat(" "), False
    if isinstance(v, date):
        return v.isoformat(), False
    return str(v), False


def typed_texts(values: list, to_text: Callable[[Any], tuple[str, bool]]) -> tuple[list[str], np.ndarray]:
    """Typed cells as text, and which of them were numbers."""
    texts = [to_text(v) for v in values]
    return [t for t, _ in texts], np.array([is_number for _, is_number in texts], dtype=bool)


# --------------------------------------------------------------------------
# Each distinct value once
# --------------------------------------------------------------------------

T = TypeVar("T")


def by_distinct(cells: list[str], read: Callable[[str], T]) -> tuple[np.ndarray, list[T]]:
    """``read`` applied to each distinct cell: (code of each cell, reading of each distinct cell)."""
    arr = np.empty(len(cells), dtype=object)
    arr[:] = cells
    codes, uniques = pd.factorize(arr)
    return codes, [read(u) for u in uniques]


def spread(codes: np.ndarray, per_distinct: list, dtype: Any = object) -> np.ndarray:
    """Values given per distinct cell, back in the order of the cells."""
    u = np.empty(len(per_distinct), dtype=dtype)
    u[:] = per_distinct
    return u[codes] if len(codes) else np.empty(0, dtype=dtype)
