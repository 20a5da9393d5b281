"""Rounding of money in the cabinet: half up, as on an invoice (never banker's rounding).

``money`` rounds an amount to cents (line amounts, totals, compensations); ``unit_price`` rounds a
price per unit to the four places price lists quote (bolts at 0.0450).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
UNIT = Decimal("0.0001")


def money(value: Decimal) -> Decimal:
    """``value`` rounded half up to cents: 1.005 → 1.01, 1.015 → 1.02."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def unit_price(value: Decimal) -> Decimal:
    """``value`` rounded half up to four places: 0.00005 → 0.0001."""
    return Decimal(value).quantize(UNIT, rounding=ROUND_HALF_UP)


def currency_code(value: object) -> str | None:
    """``value`` as a currency code (three letters A–Z, upper-cased), or None if it is not one."""
    text = str(value if value is not None else "").strip()
    if len(text) != 3 or not text.isascii() or not text.isalpha():
        return None
    return text.upper()
