"""Money in one place: which currencies exist, how an amount is rounded, how it is shown.

Amounts are ``Decimal`` everywhere. A currency is stored as its ISO 4217 code; the minor units
come from CLDR through Babel (RUB and USD have two decimals, VND and JPY none). Aliases that
people and their systems write («руб», «р.», «đ», «VNĐ», «643») are read only at the edge (the
importers, the 1C exchange), never stored.

    money(Decimal("1.005"), "RUB")   → 1.01      (half up, as on an invoice; never banker's rounding)
    money(Decimal("15250.5"), "VND") → 15251
    unit_price(Decimal("0.04505"))   → 0.0451    (price lists quote four places: bolts at 0.0450)
    format_money(Decimal("61250"), "RUB", "ru") → "61 250,00 ₽"
"""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.core import get_global
from babel.numbers import format_currency, get_currency_precision, get_territory_currencies
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

UNIT_PRICE_PLACES = 4
DEFAULT_PLACES = 2


@cache
def currencies() -> frozenset[str]:
    """ISO 4217 codes that some territory uses as tender today (CLDR's list, without RUR, DEM...)."""
    today = datetime.date.today()
    codes: set[str] = set()
    for territory in get_global("territory_currencies"):
        codes.update(get_territory_currencies(territory, start_date=today, tender=True))
    return frozenset(code for code in codes if len(code) == 3 and code.isalpha())


def is_currency(code: object) -> bool:
    return isinstance(code, str) and code in currencies()


def minor_units(currency: str) -> int:
    """Decimals an amount in ``currency`` is kept to: 2 for RUB, 0 for VND and JPY."""
    return get_currency_precision(currency) if is_currency(currency) else DEFAULT_PLACES


def currency_code(value: object) -> str | None:
    """``value`` as a known ISO 4217 code (trimmed, upper-cased), or None. No aliases here."""
    text = str(value if value is not None else "").strip().upper()
    return text if is_currency(text) else None


@deconstructible
class CurrencyValidator:
    """The one check of a stored currency: an ISO 4217 code in use today."""

    message = _("“%(value)s” is not a currency code (ISO 4217, such as RUB, VND, USD).")
    code = "invalid_currency"

    def __call__(self, value: object) -> None:
        if not is_currency(value):
            raise ValidationError(self.message, code=self.code, params={"value": value})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CurrencyValidator)


validate_currency = CurrencyValidator()


def clean_currency(value: object) -> str:
    """What a form, a serializer or a service stores for a currency someone typed: the code trimmed
    and upper-cased (" eur " → "EUR"), or the validator's ``ValidationError``."""
    code = str(value if value is not None else "").strip().upper()
    validate_currency(code)
    return code


def _quantize(value: Decimal | int | str, places: int) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def money(value: Decimal | int | str, currency: str = "") -> Decimal:
    """``value`` rounded half up to the currency's minor unit (two places when unknown)."""
    return _quantize(value, minor_units(currency) if currency else DEFAULT_PLACES)


def unit_price(value: Decimal | int | str) -> Decimal:
    """A price per unit, rounded half up to four places."""
    return _quantize(value, UNIT_PRICE_PLACES)


def fits_currency(value: Decimal, currency: str) -> bool:
    """Whether ``value`` has no more decimals than ``currency`` allows (12.345 does not fit RUB)."""
    try:
        return value == value.quantize(Decimal(1).scaleb(-minor_units(currency)))
    except InvalidOperation:
        return False


def _locale(language: str | None) -> str:
    return (language or get_language() or "en").replace("-", "_")


def format_money(value: Decimal | None, currency: str, language: str | None = None) -> str:
    """An amount for a reader: the language's separators, the currency's decimals and sign."""
    if value is None or value == "":
        return ""
    amount = money(value, currency)
    if not is_currency(currency):
        return f"{format_number(amount, minor_units(currency), language)} {currency}".strip()
    return _spaced(format_currency(amount, currency, locale=_locale(language)))


def format_number(value: Decimal | None, places: int = DEFAULT_PLACES, language: str | None = None) -> str:
    """A plain number with exactly ``places`` decimals in the reader's convention."""
    from babel.numbers import format_decimal

    if value is None or value == "":
        return ""
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(_quantize(value, places), format=pattern, locale=_locale(language), decimal_quantization=True)


def format_unit_price(value: Decimal | None, currency: str, language: str | None = None) -> str:
    """A price per unit: at least the currency's decimals, up to four when the price needs them."""
    if value is None or value == "":
        return ""
    places = minor_units(currency)
    amount = unit_price(value)
    needed = max(places, -amount.normalize().as_tuple().exponent if amount else 0)
    pattern = "#,##0" + ("." + "0" * places + "#" * (min(needed, UNIT_PRICE_PLACES) - places) if needed else "")
    locale = _locale(language)
    if is_currency(currency):
        return _spaced(
            format_currency(amount, currency, format=_with_sign(pattern, locale), locale=locale, currency_digits=False)
        )
    return f"{format_number(amount, min(needed, UNIT_PRICE_PLACES), language)} {currency}".strip()


def _spaced(text: str) -> str:
    """English puts a code right before the digits ("RUB61,250.00"); a no-break space reads better."""
    return re.sub(r"^([A-Z]{2,3})(?=[-\d])", "\\1\u00a0", text)


def _with_sign(number_pattern: str, locale: str) -> str:
    """The locale's currency pattern (sign before or after, spacing) around ``number_pattern``."""
    from babel import Locale

    standard = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0]
    start = standard.find("#") if "#" in standard else standard.find("0")
    end = max(standard.rfind("0"), standard.rfind("#")) + 1
    return standard[:start] + number_pattern + standard[end:]
