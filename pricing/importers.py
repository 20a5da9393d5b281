"""Supplier price-list import: CSV / XLSX files (or JSON items) -> validated rows.

This module is the edge where files exactly as suppliers produce them (Russian,
Vietnamese and English price lists; UTF-8 with or without BOM, cp1251, cp1252;
``,`` ``;`` or tab separated; Excel workbooks with title lines above the table)
become :class:`PriceRow` values or :class:`RowError` problems.  It imports no
Django models; messages are English source strings translated through
:func:`_msg` when Django is configured.

Public API
----------
* :func:`parse_price_file` -- one file (bytes) to one :class:`ParseResult`.
* :func:`iter_price_chunks` -- the same for very large files, chunk by chunk,
  row numbers continuing across chunks.
* :func:`parse_price_items` -- the JSON API path (dicts with canonical keys).
* :data:`CANONICAL_FIELDS`, :data:`HEADER_SYNONYMS`, :func:`normalize_header`.

Performance notes
-----------------
CSV is read by the pandas C parser with every cell as text.  Validation of a
chunk is vectorised: text columns use list comprehensions and numpy object
comparisons; the price column is checked by looking at the bytes of all cells
joined with newlines through numpy (one pass, no per-cell regex); low
cardinality columns (quantities, dates, currencies, lead times) are factorised
and only their distinct values are parsed.  Only cells that the fast path
rejects go through the per-value ``Decimal`` parser, which is the reference
implementation and gives the error messages.

Row numbers are the ones a spreadsheet shows when the header row is row 1:
the first data row is row 2, blank lines still take a number.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import math
import os
import queue
import re
import threading
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd
from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from django.utils.translation import gettext

logger = logging.getLogger(__name__)


def gettext_noop(message: str) -> str:
    """Mark a message for translation without translating it.

    Django's own ``gettext_noop`` needs configured settings; this one does
    not, and ``makemessages`` extracts calls to it by name all the same.
    """
    return message


__all__ = [
    "CANONICAL_FIELDS",
    "HEADER_SYNONYMS",
    "REQUIRED_FIELDS",
    "ParseResult",
    "PriceRow",
    "RowError",
    "iter_price_chunks",
    "normalize_header",
    "parse_price_file",
    "parse_price_items",
]

# --------------------------------------------------------------------------
# Public constants
# --------------------------------------------------------------------------

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

MAX_SKU_LENGTH = 100
MAX_NAME_LENGTH = 500
MAX_UNIT_LENGTH = 50
MAX_DECIMAL_PLACES = 4
MAX_INTEGER_DIGITS = 15  # more digits before the point: "too large"
PRICE_CEILING = Decimal(10) ** 12  # prices (and quantities) at or above: absurd
MAX_LEAD_TIME_DAYS = 3650
HEADER_SCAN_ROWS = 30  # the header row must be within the first rows
FORMULA_CHECK_MAX_BYTES = 5 * 1024 * 1024  # openpyxl formula scan only below this
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_ERRORS = 1000  # problems listed per import (the count is exact)
DEFAULT_CHUNK_ROWS = 200_000

_FIELD_ORDER = {name: i for i, name in enumerate(("", *CANONICAL_FIELDS))}

# --------------------------------------------------------------------------
# Messages (English source strings, translated lazily by _msg)
# --------------------------------------------------------------------------

FIELD_LABELS = {
    "sku": gettext_noop("SKU"),
    "name": gettext_noop("Name"),
    "unit": gettext_noop("Unit"),
    "price": gettext_noop("Price"),
    "currency": gettext_noop("Currency"),
    "min_qty": gettext_noop("Minimum quantity"),
    "valid_from": gettext_noop("Valid from"),
    "valid_to": gettext_noop("Valid to"),
    "lead_time_days": gettext_noop("Lead time"),
}

M_FILE_EMPTY = gettext_noop("The file is empty.")
M_FILE_TOO_LARGE = gettext_noop("The file is {size}; files larger than {limit} are not accepted.")
M_FILE_BINARY = gettext_noop("The file is not a CSV or XLSX price list (it contains binary data).")
M_FILE_XLS = gettext_noop("Old Excel .xls files are not supported; save the file as .xlsx or CSV.")
M_FILE_UNDECODABLE = gettext_noop("The text encoding of the file could not be recognised; save it as CSV UTF-8.")
M_FILE_DECODE_FAILED = gettext_noop(
    "The file could not be read with the encoding {encoding}; choose another encoding or save it as CSV UTF-8."
)
M_UNKNOWN_ENCODING = gettext_noop("Unknown text encoding: {encoding}.")
M_BAD_DELIMITER = gettext_noop("The column separator must be a single character.")
M_XLSX_UNREADABLE = gettext_noop("The Excel file could not be read.")
M_XLSX_NO_HEADER = gettext_noop(
    "No header row found in the first {rows} rows of the workbook. Expected column names such as SKU, Name, Price."
)
M_CSV_UNREADABLE = gettext_noop("The CSV file could not be read: {detail}")
M_NO_ROWS = gettext_noop("The file contains no price rows.")
M_MISSING_COLUMNS = gettext_noop("Required column not found: {fields}. Columns in the file: {headers}.")
M_MAPPING_UNKNOWN_FIELD = gettext_noop("Unknown field in the column mapping: {field}.")
M_MAPPING_NO_HEADER = gettext_noop(
    "The column “{header}” chosen for {label} is not in the file. Columns in the file: {headers}."
)
M_UNKNOWN_CURRENCY_DEFAULT = gettext_noop("Unknown default currency: {value}.")
M_TOO_FEW_COLUMNS = gettext_noop("Too few columns: the row has {found} cells but the header has {expected}.")
M_TOO_MANY_COLUMNS = gettext_noop("Too many columns: the row has {found} cells but the header has {expected}.")
M_FORMULA = gettext_noop("Formulas are not allowed; enter the value itself.")
M_MISSING = gettext_noop("{label} is missing.")
M_TOO_LONG = gettext_noop("{label} is longer than {limit} characters.")
M_NOT_A_NUMBER = gettext_noop("{label} “{value}” is not a number.")
M_NEGATIVE = gettext_noop("{label} must not be negative (“{value}”).")
M_ZERO = gettext_noop("{label} must be greater than zero.")
M_TOO_MANY_DECIMALS = gettext_noop("{label} “{value}” has more than {places} decimal places.")
M_TOO_LARGE = gettext_noop(
    "{label} “{value}” is too large: at most {digits} digits are allowed before the decimal point."
)
M_ABSURD = gettext_noop("{label} “{value}” is implausibly large (the limit is {limit}).")
M_AMBIGUOUS = gettext_noop(
    "{label} “{value}” is ambiguous: it could mean {as_thousands} or "
    "{as_decimal}. Write it without a thousands separator."
)
M_BAD_NUMBER_FORMAT = gettext_noop(
    "{label} “{value}” does not match the number format of this file (decimal separator “{decimal}”)."
)
M_BAD_DATE = gettext_noop("{label} “{value}” is not a date; use DD.MM.YYYY or YYYY-MM-DD.")
M_IMPOSSIBLE_DATE = gettext_noop("{label} “{value}” is not a real calendar date.")
M_DATE_ORDER = gettext_noop("Valid to ({valid_to}) is before valid from ({valid_from}).")
M_BAD_LEAD_TIME = gettext_noop("Lead time “{value}” is not a whole number of days.")
M_LEAD_TIME_TOO_LONG = gettext_noop("Lead time “{value}” is longer than {limit} days.")
M_BAD_CURRENCY = gettext_noop("“{value}” is not a known currency code.")
M_DUPLICATE = gettext_noop("Same SKU and minimum quantity as row {row}.")
M_TOO_MANY_PROBLEMS = gettext_noop("More than {limit} problems were found; only the first {limit} are listed.")
M_BAD_ITEM = gettext_noop("Each item must be an object with price-list fields.")
M_UNEXPECTED = gettext_noop("The file could not be processed.")
W_MANY_DECIMALS = gettext_noop(
    "Price “{value}” has more than 2 decimal places; check that the decimal separator is right."
)
W_HEADING_ROW = gettext_noop("Row skipped: it has only a name and looks like a section heading.")
W_LEAD_TIME_RANGE = gettext_noop("Lead time “{value}” is a range; the longer time ({days} days) is used.")


def _msg(text: str, **kw: Any) -> str:
    """Translate ``text`` when Django is configured and format it with ``kw``."""
    try:
        translated = gettext(text)
    except (ImproperlyConfigured, AppRegistryNotReady):
        translated = text
    return translated.format(**kw) if kw else translated


def _label(field_name: str) -> str:
    return _msg(FIELD_LABELS[field_name])


# --------------------------------------------------------------------------
# Public data classes
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem: ``row`` as a spreadsheet shows it (header row = 1, 0 for
    problems with the whole file), ``column`` a canonical field name or ``""``
    for whole-row/file problems, ``value`` the raw cell text."""

    row: int
    column: str
    value: str
    message: str


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


FRAME_COLUMNS = ("row", *CANONICAL_FIELDS)


@dataclass
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

    items: list[PriceRow] = field(default=None, repr=False)  # type: ignore[assignment]
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)
    total_rows: int = 0
    frame: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and self.error_count == 0


def _get_items(self: ParseResult) -> list[PriceRow]:
    cached = self.__dict__.get("_items_cache")
    if cached is None:
        cached = _rows_from_frame(self.frame) if self.frame is not None else []
        self.__dict__["_items_cache"] = cached
    return cached


def _set_items(self: ParseResult, value: list[PriceRow] | None) -> None:
    # The dataclass __init__ assigns the ``items`` field through this setter;
    # ``None`` (the default) means "build lazily from frame".
    self.__dict__["_items_cache"] = list(value) if value is not None else None


ParseResult.items = property(_get_items, _set_items)  # type: ignore[assignment]


def _rows_from_frame(frame: pd.DataFrame) -> list[PriceRow]:
    if frame is None or frame.empty:
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


# --------------------------------------------------------------------------
# Header synonyms and normalization
# --------------------------------------------------------------------------

_RAW_SYNONYMS: dict[str, tuple[str, ...]] = {
    "sku": (
        "SKU",
        "Article",
        "Art.",
        "Article No.",
        "Article number",
        "Item code",
        "Item No.",
        "Item number",
        "Code",
        "Product code",
        "Part number",
        "Part No.",
        "Артикул",
        "Код",
        "Код товара",
        "Mã hàng",
        "Mã SP",
        "Mã sản phẩm",
        "Mã",
    ),
    "name": (
        "Name",
        "Description",
        "Product",
        "Product name",
        "Item",
        "Item name",
        "Наименование",
        "Название",
        "Товар",
        "Наименование товара",
        "Tên hàng",
        "Tên sản phẩm",
        "Tên",
    ),
    "unit": (
        "Unit",
        "UoM",
        "Unit of measure",
        "Ед. изм.",
        "Ед. измерения",
        "Единица",
        "Единица измерения",
        "Ед.",
        "Đơn vị tính",
        "ĐVT",
        "Đơn vị",
    ),
    "price": (
        "Price",
        "Unit price",
        "Price per unit",
        "Цена",
        "Цена за единицу",
        "Стоимость",
        "Đơn giá",
        "Giá",
        "Giá bán",
    ),
    "currency": ("Currency", "Валюта", "Tiền tệ", "Loại tiền"),
    "min_qty": (
        "Min qty",
        "Min. qty",
        "Minimum quantity",
        "Minimum order quantity",
        "MOQ",
        "Min. order",
        "Min order",
        "Мин. партия",
        "Минимальная партия",
        "Мин. заказ",
        "Минимальный заказ",
        "Số lượng tối thiểu",
        "SL tối thiểu",
    ),
    "valid_from": (
        "Valid from",
        "Effective from",
        "Действует с",
        "Действительна с",
        "Hiệu lực từ",
    ),
    "valid_to": (
        "Valid to",
        "Valid until",
        "Valid till",
        "Effective to",
        "Действует по",
        "Действует до",
        "Действительна до",
        "Hiệu lực đến",
    ),
    "lead_time_days": (
        "Lead time",
        "Lead time (days)",
        "Delivery time",
        "Срок поставки",
        "Срок поставки, дней",
        "Срок поставки (дней)",
        "Thời gian giao hàng",
    ),
}

_ISO_CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND
    BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK
    DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG
    HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
    LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR
    MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB
    RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SYP SZL THB TJS TMT TND
    TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER
    ZAR ZMW ZWL""".split()
)
_CURRENCY_ALIASES = {
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
_ZERO_DECIMAL_CURRENCIES = frozenset("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split())


def _currency_code(text: str) -> str | None:
    """ISO code for a currency code, sign or common word; None if unknown."""
    t = " ".join(str(text).split()).casefold().rstrip(".").strip()
    if not t:
        return None
    if t in _CURRENCY_ALIASES:
        return _CURRENCY_ALIASES[t]
    if t.upper() in _ISO_CURRENCIES:
        return t.upper()
    return None


_PAREN_RE = re.compile(r"\(([^()]*)\)")


def normalize_header(text: object) -> tuple[str, str | None]:
    """Normalize a header cell: ``(key, currency_hint)``.

    "Цена, руб." -> ("цена", "RUB"); "Đơn giá (VND)" -> ("đơn giá", "VND");
    "Lead time (days)" -> ("lead time", None).
    """
    s = unicodedata.normalize("NFC", str(text)).replace("\ufeff", "").replace("_", " ")
    s = " ".join(s.split()).casefold()
    hint = None
    notes = _PAREN_RE.findall(s)
    s = _PAREN_RE.sub(" ", s)
    if "," in s:
        s, _, tail = s.partition(",")
        notes.extend(tail.split(","))
    for note in notes:
        hint = hint or _currency_code(note)
    words = s.split()
    if len(words) > 1 and _currency_code(words[-1]):
        hint = hint or _currency_code(words[-1])
        words = words[:-1]
    s = " ".join(words)
    s = re.sub(r"\.\s*", ". ", s)  # "Ед.изм." and "Ед. изм." alike
    s = " ".join(s.split()).strip(" .:;,*#№-_")
    return s, hint


HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    name: tuple(dict.fromkeys(normalize_header(s)[0] for s in (name, *synonyms)))
    for name, synonyms in _RAW_SYNONYMS.items()
}
_SYNONYM_LOOKUP = {syn: name for name, syns in HEADER_SYNONYMS.items() for syn in syns}
# Prefix matches ("Цена с НДС", "Наименование товара"), longest synonym first.
_PREFIX_SYNONYMS = sorted(
    ((syn, name) for syn, name in _SYNONYM_LOOKUP.items() if len(syn) >= 3),
    key=lambda p: -len(p[0]),
)


@dataclass
class _HeaderMap:
    col_index: dict[str, int]
    mapping: dict[str, str]
    hint: str | None
    problems: list[tuple[str, dict]]  # (template, kw) of mapping problems


def _map_headers(cells: list[str], override: dict[str, str] | None) -> _HeaderMap:
    keys = [normalize_header(c) for c in cells]
    col_index: dict[str, int] = {}
    problems: list[tuple[str, dict]] = []
    used: set[int] = set()
    for fname, header in (override or {}).items():
        if fname not in CANONICAL_FIELDS:
            problems.append((M_MAPPING_UNKNOWN_FIELD, {"field": fname}))
            continue
        idx = next((i for i, c in enumerate(cells) if c == header), None)
        if idx is None:
            wanted = normalize_header(header)[0]
            idx = next((i for i, k in enumerate(keys) if k[0] == wanted), None)
        if idx is None or idx in used:
            problems.append(
                (
                    M_MAPPING_NO_HEADER,
                    {"header": header, "label": _label(fname), "headers": None},
                )
            )
            continue
        col_index[fname] = idx
        used.add(idx)
    for i, (key, _hint) in enumerate(keys):
        fname = _SYNONYM_LOOKUP.get(key)
        if fname and fname not in col_index and i not in used:
            col_index[fname] = i
            used.add(i)
    for i, (key, _hint) in enumerate(keys):
        if i in used or not key:
            continue
        for syn, fname in _PREFIX_SYNONYMS:
            if fname not in col_index and key.startswith(syn + " "):
                col_index[fname] = i
                used.add(i)
                break
    hint = keys[col_index["price"]][1] if "price" in col_index else None
    mapping = {f: cells[i] for f, i in sorted(col_index.items(), key=_field_key)}
    return _HeaderMap(dict(sorted(col_index.items(), key=_field_key)), mapping, hint, problems)


def _field_key(item: tuple[str, Any]) -> int:
    return _FIELD_ORDER[item[0]]


def _header_score(cells: list[str], override: dict[str, str] | None) -> int:
    if sum(1 for c in cells if str(c).strip()) < 2:
        return 0
    return len(_map_headers(cells, override).col_index)


# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------

_SPACE_CHARS = (" ", "\xa0", "\u202f", "\u2009", "\u2007", "\t", "\r", "'", "’", "\u3000")
_CURRENCY_TOKENS = (
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
_PLAIN_RE = re.compile(r"\d+(?:[.,]\d+)*")
_EXP_RE = re.compile(r"\d+(?:[.,]\d+)?[eE][+-]?\d{1,4}")
_QUANT = Decimal(1).scaleb(-MAX_DECIMAL_PLACES)
_CEILING_TEXT = "1 000 000 000 000"


@dataclass
class _Conv:
    """Decimal convention of a file: decimal mark ("." / "," / None = unknown)
    and whether the other mark is known to be used as thousands separator."""

    decimal: str | None = None
    thousands_ok: bool = False

    @property
    def thousands(self) -> str | None:
        if self.decimal is None:
            return None
        return "," if self.decimal == "." else "."


def _clean_number_text(s: str) -> str:
    for ch in _SPACE_CHARS:
        if ch in s:
            s = s.replace(ch, "")
    for tok in _CURRENCY_TOKENS:
        if tok in s:
            s = s.replace(tok, "")
    return s


def _self_evident_decimal(s: str) -> str | None:
    """Decimal mark of a value that explains itself, None when ambiguous."""
    has_dot, has_com = "." in s, "," in s
    if has_dot and has_com:
        return "." if s.rfind(".") > s.rfind(",") else ","
    c = "." if has_dot else ","
    if s.count(c) > 1:
        return "," if c == "." else "."
    before, _, after = s.partition(c)
    if len(after) != 3 or len(before) > 3 or not before or before[0] == "0":
        return c
    return None


def _apply_conv(s: str, conv: _Conv) -> tuple[str, str, str | None, dict]:
    """Split plain digits-and-separators text into (integer, fraction)."""
    if "." not in s and "," not in s:
        return s, "", None, {}
    dec = conv.decimal
    thousands_ok = conv.thousands_ok
    if dec is None:
        dec = _self_evident_decimal(s)
        thousands_ok = False
        if dec is None:
            c = "." if "." in s else ","
            before, _, after = s.partition(c)
            return (
                "",
                "",
                M_AMBIGUOUS,
                {
                    "as_thousands": before + after,
                    "as_decimal": before + "." + after,
                },
            )
    thou = "," if dec == "." else "."
    if s.count(dec) > 1:
        return "", "", M_BAD_NUMBER_FORMAT, {"decimal": dec}
    ip, _, fp = s.partition(dec)
    if thou in fp:
        return "", "", M_BAD_NUMBER_FORMAT, {"decimal": dec}
    if thou in ip:
        groups = ip.split(thou)
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            return "", "", M_BAD_NUMBER_FORMAT, {"decimal": dec}
        if len(groups) == 2 and dec not in s and not thousands_ok:
            return (
                "",
                "",
                M_AMBIGUOUS,
                {
                    "as_thousands": groups[0] + groups[1],
                    "as_decimal": groups[0] + "." + groups[1],
                },
            )
        ip = "".join(groups)
    return ip, fp, None, {}


def _parse_number(raw: str, conv: _Conv) -> tuple[str, str | None, dict]:
    """Reference parser for one cell: ``(normalized, error_template, kw)``.

    ``normalized`` is "" for an empty cell (and on error); otherwise the value
    as plain decimal text with "." as decimal mark ("61250.00").
    """
    text = raw.strip()
    if not text:
        return "", None, {}
    if text.startswith("="):
        return "", M_FORMULA, {}
    s = _clean_number_text(text)
    if not s:
        return "", None, {}
    negative = False
    if s[0] in "-−–":
        negative, s = True, s[1:]
    elif s[0] == "+":
        s = s[1:]
    if len(s) > 2 and s[0] == "(" and s[-1] == ")":
        negative, s = True, s[1:-1]
    if _PLAIN_RE.fullmatch(s):
        ip, fp, err, kw = _apply_conv(s, conv)
        if err:
            return "", err, kw
        d = Decimal(ip + "." + fp if fp else ip)
    elif _EXP_RE.fullmatch(s):
        if "," in s and conv.decimal == ".":
            return "", M_BAD_NUMBER_FORMAT, {"decimal": "."}
        try:
            d = Decimal(s.replace(",", "."))
        except InvalidOperation:  # pragma: no cover - guarded by the regex
            return "", M_NOT_A_NUMBER, {}
    else:
        return "", M_NOT_A_NUMBER, {}
    if negative and d != 0:
        return "", M_NEGATIVE, {}
    if d == 0:
        return "", M_ZERO, {}
    if d >= Decimal(10) ** MAX_INTEGER_DIGITS:
        return "", M_TOO_LARGE, {"digits": MAX_INTEGER_DIGITS}
    if d >= PRICE_CEILING:
        return "", M_ABSURD, {"limit": _CEILING_TEXT}
    if d.as_tuple().exponent < -MAX_DECIMAL_PLACES:
        q = d.quantize(_QUANT)
        if q != d:
            return "", M_TOO_MANY_DECIMALS, {"places": MAX_DECIMAL_PLACES}
        d = q
    return format(d, "f"), None, {}


def _float_text(v: float) -> str:
    """Spreadsheet float -> decimal text without binary noise (0.1+0.2 -> 0.3)."""
    if not math.isfinite(v):
        return str(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    d = Decimal(repr(round(v, 10)))
    return format(d.normalize(), "f") if d == d.to_integral() else format(d, "f")


@dataclass
class _NumCol:
    norm: np.ndarray  # object array of normalized text ("" empty/error)
    empty: np.ndarray  # bool
    errors: dict[int, tuple[str, dict]]  # position -> (template, kw)
    frac: np.ndarray | None = None  # decimals written (fast path), for warnings


class _Feats:
    """Per-cell features of a column, computed from the bytes of all cells
    joined with newlines (after removing spaces and currency marks)."""

    def __init__(self, joined: str, n: int) -> None:
        self.joined = joined
        b = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
        self.b = b
        nl = np.flatnonzero(b == 10)
        self.nl = nl
        starts = np.empty(n, dtype=np.int64)
        starts[0] = 0
        starts[1:] = nl[:-1] + 1
        self.starts = starts
        self.line_len = nl - starts
        self.is_dot = b == 46
        self.is_com = b == 44
        digit = (b >= 48) & (b <= 57)
        other = ~(digit | self.is_dot | self.is_com)
        other[nl] = False
        self.n_other = self.per_line(other)
        self.n_dot = self.per_line(self.is_dot)
        self.n_com = self.per_line(self.is_com)
        self.n_digit = self.per_line(digit)
        self.n_nonzero = self.per_line((b >= 49) & (b <= 57))

    def per_line(self, mask: np.ndarray) -> np.ndarray:
        c = np.cumsum(mask, dtype=np.int32)  # a chunk is far below 2 GB
        ends = c[self.nl]
        out = ends.copy()
        out[1:] -= ends[:-1]
        return out

    @classmethod
    def of(cls, values: list[str]) -> _Feats | None:
        n = len(values)
        if n == 0:
            return None
        joined = "\n".join(values) + "\n"
        if joined.count("\n") != n:
            return None  # a cell contains a newline: the caller uses the slow path
        return cls(_clean_number_text(joined), n)


def _evidence(f: _Feats) -> tuple[int, int, bool, bool, int, int]:
    """Votes for "," / "." as decimal mark and thousands evidence, from the
    values that are unambiguous on their own."""
    b, nl, starts = f.b, f.nl, f.starts
    n_dot, n_com = f.n_dot, f.n_com
    clean = (f.n_other == 0) & ((n_dot + n_com) > 0)
    both = clean & (n_dot > 0) & (n_com > 0)
    multi_dot = clean & (n_dot > 1) & (n_com == 0)
    multi_com = clean & (n_com > 1) & (n_dot == 0)
    single = clean & ((n_dot + n_com) == 1)
    votes_com = int(multi_dot.sum())
    votes_dot = int(multi_com.sum())
    thou_dot = bool(multi_dot.any())
    thou_com = bool(multi_com.any())
    if both.any() or single.any():
        seps = np.flatnonzero(f.is_dot | f.is_com | (b == 10))
        kind = b[seps]
        nxt_kind = np.empty_like(kind)
        nxt_kind[:-1] = kind[1:]
        nxt_kind[-1] = 10
        line_of = np.searchsorted(nl, seps)
        if both.any():
            last = (kind != 10) & (nxt_kind == 10)
            last_kind = np.zeros(len(nl), dtype=np.uint8)
            last_kind[line_of[last]] = kind[last]
            com_last = both & (last_kind == 44)
            dot_last = both & (last_kind == 46)
            votes_com += int(com_last.sum())
            votes_dot += int(dot_last.sum())
            thou_dot = thou_dot or bool(com_last.any())
            thou_com = thou_com or bool(dot_last.any())
        if single.any():
            ent = (kind != 10) & single[line_of]
            pos = seps[ent]
            ln = line_of[ent]
            after = nl[ln] - pos - 1
            before = pos - starts[ln]
            lead0 = b[starts[ln]] == 48
            decimal_like = (after != 3) | (before > 3) | (before == 0) | lead0
            votes_com += int((decimal_like & (kind[ent] == 44)).sum())
            votes_dot += int((decimal_like & (kind[ent] == 46)).sum())
    return votes_com, votes_dot, thou_dot, thou_com, int(n_dot.sum()), int(n_com.sum())


def _vec_numbers(values: list[str], conv: _Conv, f: _Feats) -> _NumCol:
    """Fast path for a numeric column: whole-column checks on the bytes.
    Cells it cannot vouch for go through :func:`_parse_number`."""
    n = len(values)
    b, nl, starts = f.b, f.nl, f.starts
    line_len = f.line_len
    n_dot, n_com = f.n_dot, f.n_com
    nonempty = line_len > 0
    bad = (f.n_other > 0) | (nonempty & (f.n_nonzero == 0))
    # leading zeros ("007") would survive in the text: leave them to the slow path
    last = len(b) - 1
    first = b[np.minimum(starts, last)]
    second = b[np.minimum(starts + 1, last)]
    bad |= (line_len > 1) & (first == 48) & (second >= 48) & (second <= 57)
    frac = np.zeros(n, dtype=np.int64)
    if conv.decimal is None:
        bad |= (n_dot + n_com) > 0
        bad |= f.n_digit > 12
    else:
        dch = 46 if conv.decimal == "." else 44
        tch = 44 if dch == 46 else 46
        n_dec = n_dot if dch == 46 else n_com
        n_thou = n_com if dch == 46 else n_dot
        bad |= n_dec > 1
        if not conv.thousands_ok:
            bad |= n_thou > 0
        if n_dot.any() or n_com.any():
            seps = np.flatnonzero(f.is_dot | f.is_com | (b == 10))
            kind = b[seps]
            prv = np.empty_like(seps)
            prv[0] = -1
            prv[1:] = seps[:-1]
            nxt = np.empty_like(seps)
            nxt[:-1] = seps[1:]
            nxt[-1] = len(b)
            prv_kind = np.empty_like(kind)
            prv_kind[0] = 10
            prv_kind[1:] = kind[:-1]
            nxt_kind = np.empty_like(kind)
            nxt_kind[:-1] = kind[1:]
            nxt_kind[-1] = 10
            line_of = np.searchsorted(nl, seps)
            gap_before = seps - prv - 1
            gap_after = nxt - seps - 1
            t = kind == tch
            t_bad = t & ((gap_after != 3) | (prv_kind == dch))
            t_bad |= t & (prv_kind == 10) & ((gap_before < 1) | (gap_before > 3))
            d = kind == dch
            d_bad = d & ((nxt_kind != 10) | (gap_after < 1) | (gap_after > MAX_DECIMAL_PLACES))
            d_bad |= d & (prv_kind == 10) & (gap_before < 1)
            bad[line_of[t_bad | d_bad]] = True
            frac[line_of[d]] = gap_after[d]
        bad |= (f.n_digit - frac) > 12
    out = f.joined
    if conv.decimal is not None:
        if conv.thousands_ok and conv.thousands in out:
            out = out.replace(conv.thousands, "")
        if conv.decimal == ",":
            out = out.replace(",", ".")
    norm_list = out.split("\n")
    norm_list.pop()
    norm = np.empty(n, dtype=object)
    norm[:] = norm_list
    errors: dict[int, tuple[str, dict]] = {}
    empty = ~nonempty
    for pos in np.flatnonzero(bad).tolist():
        text, err, kw = _parse_number(values[pos], conv)
        norm[pos] = text
        if err:
            errors[pos] = (err, kw)
        elif not text:
            empty[pos] = True
        frac[pos] = 0
    return _NumCol(norm, empty, errors, frac)


def _slow_numbers(values: list[str], conv: _Conv) -> _NumCol:
    n = len(values)
    norm = np.empty(n, dtype=object)
    empty = np.zeros(n, dtype=bool)
    errors: dict[int, tuple[str, dict]] = {}
    for pos, v in enumerate(values):
        text, err, kw = _parse_number(v, conv)
        norm[pos] = text
        if err:
            errors[pos] = (err, kw)
        elif not text:
            empty[pos] = True
    return _NumCol(norm, empty, errors, None)


def _unique_numbers(values: list[str], conv: _Conv) -> _NumCol:
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    codes, uniques = pd.factorize(arr)
    parsed = [_parse_number(u, conv) for u in uniques]
    norm_u = np.empty(len(parsed), dtype=object)
    norm_u[:] = [p[0] for p in parsed]
    empty_u = np.array([not p[0] and p[1] is None for p in parsed], dtype=bool)
    err_u = np.array([p[1] is not None for p in parsed], dtype=bool)
    norm = norm_u[codes] if len(codes) else np.empty(0, dtype=object)
    empty = empty_u[codes] if len(codes) else np.zeros(0, dtype=bool)
    errors = {}
    if err_u.any():
        for pos in np.flatnonzero(err_u[codes]).tolist():
            p = parsed[codes[pos]]
            errors[pos] = (p[1], p[2])
    return _NumCol(norm, empty, errors, None)


def _merge_numcols(n: int, parts: list[tuple[np.ndarray, _NumCol]]) -> _NumCol:
    norm = np.empty(n, dtype=object)
    norm[:] = ""
    empty = np.ones(n, dtype=bool)
    frac = np.zeros(n, dtype=np.int64)
    errors: dict[int, tuple[str, dict]] = {}
    for idx, col in parts:
        norm[idx] = col.norm
        empty[idx] = col.empty
        if col.frac is not None:
            frac[idx] = col.frac
        for pos, e in col.errors.items():
            errors[int(idx[pos])] = e
    return _NumCol(norm, empty, errors, frac)


# --------------------------------------------------------------------------
# Dates, currencies, lead times (parsed per distinct value)
# --------------------------------------------------------------------------

_DATE_DMY_RE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")
_DATE_ISO_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_LEAD_RE = re.compile(
    r"(\d{1,5})(?:[.,]0+)?(?:\s*[-–—]\s*(\d{1,5}))?\s*"
    r"(?:days?|d|дн(?:ей|я|ь)?|раб\.?\s*дн(?:ей|я)?|к\.?\s*дн(?:ей|я)?|ngày)?\.?",
    re.IGNORECASE,
)


def _parse_date(text: str) -> tuple[date | None, str | None]:
    t = text.strip()
    if not t:
        return None, None
    if t.startswith("="):
        return None, M_FORMULA
    m = _DATE_DMY_RE.fullmatch(t)
    if m:
        d, mo, y = (int(x) for x in m.groups())
    else:
        m = _DATE_ISO_RE.fullmatch(t)
        if not m:
            return None, M_BAD_DATE
        y, mo, d = (int(x) for x in m.groups())
    try:
        return date(y, mo, d), None
    except ValueError:
        return None, M_IMPOSSIBLE_DATE


def _parse_lead(text: str) -> tuple[int | None, str | None, dict, str | None]:
    """(days, error, kw, warning)"""
    t = text.strip()
    if not t:
        return None, None, {}, None
    if t.startswith("="):
        return None, M_FORMULA, {}, None
    m = _LEAD_RE.fullmatch(t)
    if not m:
        return None, M_BAD_LEAD_TIME, {}, None
    days = int(m.group(1))
    warn = None
    if m.group(2):
        days = max(days, int(m.group(2)))
        warn = W_LEAD_TIME_RANGE
    if days > MAX_LEAD_TIME_DAYS:
        return None, M_LEAD_TIME_TOO_LONG, {"limit": MAX_LEAD_TIME_DAYS}, None
    return days, None, {"days": days}, warn


def _map_unique(values: list[str], fn: Callable[[str], tuple]) -> tuple[np.ndarray, list]:
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    codes, uniques = pd.factorize(arr)
    return codes, [fn(u) for u in uniques]


def _take(codes: np.ndarray, parsed: list, i: int, dtype=object) -> np.ndarray:
    u = np.empty(len(parsed), dtype=dtype)
    u[:] = [p[i] for p in parsed]
    return u[codes] if len(codes) else np.empty(0, dtype=dtype)


# --------------------------------------------------------------------------
# Problems collected per chunk
# --------------------------------------------------------------------------


class _Issues:
    """Problems as (positions, field, maker) groups; RowError objects are made
    only for the ones that are listed (the first ``budget`` by row)."""

    def __init__(self) -> None:
        self.groups: list[tuple[np.ndarray, str, Callable[[int], tuple[str, str, dict]]]] = []

    def add(self, positions, field_name: str, maker: Callable[[int], tuple[str, str, dict]]):
        pos = np.asarray(positions, dtype=np.int64).ravel()
        if pos.size:
            self.groups.append((pos, field_name, maker))

    def add_one(self, pos: int, field_name: str, value: str, template: str, **kw: Any):
        self.groups.append((np.array([pos], dtype=np.int64), field_name, lambda _p: (value, template, kw)))

    def mask(self, n: int) -> np.ndarray:
        m = np.zeros(n, dtype=bool)
        for pos, _f, _mk in self.groups:
            m[pos[pos < n]] = True
        return m

    def build(self, rows: np.ndarray, budget: int) -> tuple[list[RowError], int]:
        if not self.groups:
            return [], 0
        pos = np.concatenate([g[0] for g in self.groups])
        gid = np.concatenate([np.full(len(g[0]), i) for i, g in enumerate(self.groups)])
        forder = np.concatenate([np.full(len(g[0]), _FIELD_ORDER[g[1]]) for g in self.groups])
        rownums = rows[pos]
        order = np.lexsort((forder, rownums))
        out = []
        for k in order[: max(budget, 0)].tolist():
            _p, fname, maker = self.groups[gid[k]]
            value, template, kw = maker(int(pos[k]))
            out.append(RowError(int(rownums[k]), fname, value, _msg(template, **kw)))
        return out, len(order)


# --------------------------------------------------------------------------
# Chunk validation (shared by CSV, XLSX and JSON)
# --------------------------------------------------------------------------


class _DupTracker:
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


@dataclass
class _Ctx:
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    col_index: dict[str, int] = field(default_factory=dict)
    present: tuple[str, ...] = ()
    n_cols: int = 0  # cells per record pandas reads
    header_width: int = 0  # cells of the header record
    encoding: str | None = None
    delimiter: str | None = None
    currency_hint: str | None = None
    default_currency: str | None = None
    conv: _Conv = field(default_factory=_Conv)
    conv_fixed: bool = False
    dups: _DupTracker = field(default_factory=_DupTracker)
    max_errors: int = DEFAULT_MAX_ERRORS
    errors_listed: int = 0
    errors_total: int = 0
    warnings_listed: int = 0
    overflow_reported: bool = False
    skip_blank: bool = True

    @property
    def base_currency(self) -> str | None:
        return self.currency_hint or self.default_currency

    def result(self, **kw: Any) -> ParseResult:
        return ParseResult(
            encoding=self.encoding,
            delimiter=self.delimiter,
            mapping=dict(self.mapping),
            headers=list(self.headers),
            **kw,
        )

    def file_error(self, template: str, **kw: Any) -> ParseResult:
        self.errors_total += 1
        return self.result(errors=[RowError(0, "", "", _msg(template, **kw))], error_count=1)


def _decide_conv(ctx: _Ctx, feats: _Feats | None) -> None:
    """Settle the file's decimal convention from the price column."""
    if ctx.conv_fixed or feats is None:
        return
    conv = ctx.conv
    if conv.decimal is not None and (conv.thousands_ok or conv.thousands not in feats.joined):
        return  # nothing new to learn from this chunk
    votes_com, votes_dot, thou_dot, thou_com, n_dot, n_com = _evidence(feats)
    if conv.decimal is None:
        if votes_com or votes_dot:
            conv.decimal = "," if votes_com > votes_dot else "."
        elif ctx.base_currency in _ZERO_DECIMAL_CURRENCIES and (n_dot or n_com):
            # "92.000 VND": grouping is the only sensible reading
            conv.decimal = "," if n_dot >= n_com else "."
            conv.thousands_ok = True
    if conv.decimal == "," and thou_dot:
        conv.thousands_ok = True
    if conv.decimal == "." and thou_com:
        conv.thousands_ok = True


def _text_column(values: list[str]) -> tuple[list[str], list[int]]:
    """Strip (and NFC-normalize) cells; positions of cells starting with "="."""
    out = [v.strip() for v in values]
    joined = "\n".join(out)
    if not joined.isascii() and not unicodedata.is_normalized("NFC", joined):
        out = [unicodedata.normalize("NFC", v) for v in out]
    # "=" is rare in price lists: one fast scan usually settles it
    eq = [i for i, v in enumerate(out) if v.startswith("=")] if "=" in joined else []
    return out, eq


def _validate_chunk(
    ctx: _Ctx,
    cols: dict[str, list[str]],
    rows: np.ndarray,
    *,
    pre: dict[str, np.ndarray] | None = None,
    field_counts: Callable[[list[int]], dict[int, int]] | None = None,
    cell_errors: dict[tuple[int, str], tuple[str, str]] | None = None,
    extra: list[tuple[int, str, str, str, dict]] | None = None,
    row_errors: dict[int, tuple[str, dict]] | None = None,
) -> ParseResult:
    """Validate one chunk of raw cell text (one list per mapped field)."""
    n = len(rows)
    rows = np.asarray(rows, dtype=np.int64)
    present = ctx.present
    errs = _Issues()
    warns = _Issues()
    pre = pre or {}

    def col(fname: str) -> list[str]:
        return cols[fname] if fname in cols else [""] * n

    # ---- text columns -------------------------------------------------------
    text_list: dict[str, list[str]] = {}
    text_eq: dict[str, list[int]] = {}
    text: dict[str, np.ndarray] = {}
    empty: dict[str, np.ndarray] = {}
    for f in ("sku", "name", "unit"):
        values, eq = _text_column(col(f))
        text_list[f], text_eq[f] = values, eq
        arr = np.empty(n, dtype=object)
        arr[:] = values
        text[f] = arr
        empty[f] = np.asarray(arr == "", dtype=bool).reshape(n)

    # ---- price (decides the file's decimal convention) ----------------------
    def numbers(fname: str, prefer_unique: bool) -> _NumCol:
        values = col(fname)
        p = pre.get(fname)
        parts = []
        if p is not None and p.any():
            idx_pre = np.flatnonzero(p)
            idx_txt = np.flatnonzero(~p)
            groups = [(idx_txt, ctx.conv, True), (idx_pre, _Conv(".", False), False)]
        else:
            groups = [(np.arange(n), ctx.conv, True)]
        for idx, conv, from_file in groups:
            vals = values if len(idx) == n else [values[i] for i in idx.tolist()]
            if not vals:
                continue
            if prefer_unique and len(vals) > 2000 and len(set(vals[:2000])) < 200:
                parts.append((idx, _unique_numbers(vals, conv)))
                continue
            if prefer_unique and len(vals) <= 2000:
                parts.append((idx, _unique_numbers(vals, conv)))
                continue
            feats = _Feats.of(vals)
            if from_file and fname == "price":
                _decide_conv(ctx, feats)
                conv = ctx.conv
            if feats is None:
                parts.append((idx, _slow_numbers(vals, conv)))
            else:
                parts.append((idx, _vec_numbers(vals, conv, feats)))
        if not parts:
            return _NumCol(np.full(n, "", dtype=object), np.ones(n, bool), {}, np.zeros(n, np.int64))
        return _merge_numcols(n, parts)

    price = numbers("price", prefer_unique=False)
    qty = numbers("min_qty", prefer_unique=True) if "min_qty" in present else None

    # ---- currency, dates, lead time ------------------------------------------
    cur_vals = cur_err = None
    cur_empty = np.ones(n, dtype=bool)
    if "currency" in present:

        def parse_cur(u: str):
            t = u.strip()
            if not t:
                return None, None, True
            if t.startswith("="):
                return None, M_FORMULA, False
            code = _currency_code(t)
            return code, (None if code else M_BAD_CURRENCY), False

        codes, parsed = _map_unique(col("currency"), parse_cur)
        cur_vals = _take(codes, parsed, 0)
        cur_err = _take(codes, parsed, 1)
        cur_empty = _take(codes, parsed, 2, dtype=bool)

    dates: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for f in ("valid_from", "valid_to"):
        if f in present:
            codes, parsed = _map_unique(col(f), lambda u: (*_parse_date(u), not u.strip()))
            dates[f] = (_take(codes, parsed, 0), _take(codes, parsed, 1), _take(codes, parsed, 2, bool))

    lead = None
    if "lead_time_days" in present:
        codes, parsed = _map_unique(col("lead_time_days"), lambda u: (*_parse_lead(u), not u.strip()))
        lead = (*tuple(_take(codes, parsed, i) for i in range(4)), _take(codes, parsed, 4, bool))

    # ---- blank rows, headings, short rows ------------------------------------
    empties = {
        "sku": empty["sku"],
        "name": empty["name"],
        "unit": empty["unit"],
        "price": price.empty,
    }
    if qty is not None:
        empties["min_qty"] = qty.empty
    if "currency" in present:
        empties["currency"] = cur_empty
    for f, (_v, _e, emp) in dates.items():
        empties[f] = emp
    if lead is not None:
        empties["lead_time_days"] = lead[4]
    blank = np.ones(n, dtype=bool)
    for f in present:
        blank &= empties[f]
    if not ctx.skip_blank:
        blank[:] = False
    skip = blank.copy()

    others_empty = np.ones(n, dtype=bool)
    for f in present:
        if f != "name":
            others_empty &= empties[f]
    heading = ~skip & ~empty["name"] & others_empty
    if ctx.skip_blank and heading.any() and len(present) > 1:
        warns.add(np.flatnonzero(heading), "", lambda p: (text["name"][p], W_HEADING_ROW, {}))
        skip |= heading

    if field_counts is not None:
        missing_req = np.zeros(n, dtype=bool)
        for f in REQUIRED_FIELDS:
            missing_req |= empties[f]
        cand = np.flatnonzero(missing_req & ~skip).tolist()
        if cand:
            counts = field_counts(cand)
            req_cols = [ctx.col_index[f] for f in REQUIRED_FIELDS]
            for pos, cnt in counts.items():
                if cnt < ctx.header_width and max(req_cols) >= cnt:
                    errs.add_one(pos, "", "", M_TOO_FEW_COLUMNS, found=cnt, expected=ctx.header_width)
                    skip[pos] = True

    for pos, (template, kw) in (row_errors or {}).items():
        if not blank[pos]:
            errs.add_one(pos, "", "", template, **kw)
            skip[pos] = True

    # cells already reported (formula cells found by openpyxl)
    cell_bad = {f: np.zeros(n, dtype=bool) for f in CANONICAL_FIELDS}
    if cell_errors:
        for (pos, f), (value, template) in cell_errors.items():
            if 0 <= pos < n and not skip[pos]:
                errs.add_one(pos, f, value, template)
                cell_bad[f][pos] = True

    live = ~skip

    # ---- text checks ---------------------------------------------------------
    for f, limit in (("sku", MAX_SKU_LENGTH), ("name", MAX_NAME_LENGTH), ("unit", MAX_UNIT_LENGTH)):
        if f not in present and f != "sku":
            continue
        vals = text_list[f]
        eq = [p for p in text_eq[f] if live[p] and not cell_bad[f][p]]
        if eq:
            errs.add(eq, f, lambda p, v=vals: (v[p], M_FORMULA, {}))
            cell_bad[f][eq] = True
        ok = live & ~cell_bad[f]
        if f in REQUIRED_FIELDS:
            miss = np.flatnonzero(ok & empty[f])
            errs.add(miss, f, lambda p, f=f: ("", M_MISSING, {"label": _label(f)}))
        if n and max(map(len, vals)) > limit:
            lens = np.fromiter(map(len, vals), dtype=np.int64, count=n)
            long_ = np.flatnonzero(ok & (lens > limit))
            errs.add(
                long_,
                f,
                lambda p, v=vals, f=f, lim=limit: (
                    v[p],
                    M_TOO_LONG,
                    {"label": _label(f), "limit": lim},
                ),
            )

    # ---- numbers -------------------------------------------------------------
    raw_price = col("price")

    def num_errors(fname: str, res: _NumCol, raw: list[str]):
        bad_cell = cell_bad[fname]
        sel = [p for p in res.errors if live[p] and not bad_cell[p]]
        errs.add(
            sel,
            fname,
            lambda p: (
                raw[p].strip(),
                res.errors[p][0],
                {"label": _label(fname), "value": raw[p].strip(), **res.errors[p][1]},
            ),
        )
        bad_cell[sel] = True

    num_errors("price", price, raw_price)
    miss = np.flatnonzero(live & price.empty & ~cell_bad["price"])
    errs.add(miss, "price", lambda p: ("", M_MISSING, {"label": _label("price")}))
    if price.frac is not None and n:
        many = np.flatnonzero(live & (price.frac > 2) & ~cell_bad["price"])
        warns.add(
            many,
            "price",
            lambda p: (raw_price[p].strip(), W_MANY_DECIMALS, {"value": raw_price[p].strip()}),
        )

    if qty is not None:
        raw_qty = col("min_qty")
        num_errors("min_qty", qty, raw_qty)
        qty_norm = qty.norm.copy()
        if n:
            qty_norm[qty.empty] = "1"
    else:
        qty_norm = np.full(n, "1", dtype=object)

    # ---- currency ------------------------------------------------------------
    if cur_vals is not None:
        raw_cur = col("currency")
        bad = np.flatnonzero(live & (cur_err != None) & ~cell_bad["currency"])  # noqa: E711 - object array
        errs.add(
            bad,
            "currency",
            lambda p: (raw_cur[p].strip(), cur_err[p], {"value": raw_cur[p].strip()}),
        )
        currency = cur_vals.copy()
        if n:
            currency[cur_empty] = ctx.base_currency
    else:
        currency = np.full(n, ctx.base_currency, dtype=object)

    # ---- dates ---------------------------------------------------------------
    date_vals = {}
    for f in ("valid_from", "valid_to"):
        if f in dates:
            vals, err, _emp = dates[f]
            raw_d = col(f)
            bad = np.flatnonzero(live & (err != None) & ~cell_bad[f])  # noqa: E711
            errs.add(
                bad,
                f,
                lambda p, f=f, raw_d=raw_d, err=err: (
                    raw_d[p].strip(),
                    err[p],
                    {"label": _label(f), "value": raw_d[p].strip()},
                ),
            )
            date_vals[f] = vals
        else:
            date_vals[f] = np.full(n, None, dtype=object)
    if "valid_from" in dates and "valid_to" in dates and n:
        vf, vt = date_vals["valid_from"], date_vals["valid_to"]
        both = np.flatnonzero(live & (vf != None) & (vt != None))  # noqa: E711
        if len(both):
            wrong = [p for p in both.tolist() if vt[p] < vf[p]]
            errs.add(
                wrong,
                "valid_to",
                lambda p: (
                    col("valid_to")[p].strip(),
                    M_DATE_ORDER,
                    {"valid_to": vt[p].isoformat(), "valid_from": vf[p].isoformat()},
                ),
            )

    # ---- lead time -----------------------------------------------------------
    if lead is not None:
        lead_days, lead_err, lead_kw, lead_warn, _emp = lead
        raw_lead = col("lead_time_days")
        bad = np.flatnonzero(live & (lead_err != None) & ~cell_bad["lead_time_days"])  # noqa: E711
        errs.add(
            bad,
            "lead_time_days",
            lambda p: (
                raw_lead[p].strip(),
                lead_err[p],
                {"value": raw_lead[p].strip(), **lead_kw[p]},
            ),
        )
        wl = np.flatnonzero(live & (lead_warn != None) & (lead_err == None))  # noqa: E711
        warns.add(
            wl,
            "lead_time_days",
            lambda p: (
                raw_lead[p].strip(),
                lead_warn[p],
                {"value": raw_lead[p].strip(), **lead_kw[p]},
            ),
        )
    else:
        lead_days = np.full(n, None, dtype=object)

    # ---- duplicates (sku, min_qty) -------------------------------------------
    eligible = live & ~empty["sku"] & ~cell_bad["sku"]
    if qty is not None:
        eligible &= ~cell_bad["min_qty"]
    elig_pos = np.flatnonzero(eligible)
    if len(elig_pos):
        sku_e = text_list["sku"] if len(elig_pos) == n else text["sku"][elig_pos].tolist()
        qcodes, quniq = pd.factorize(qty_norm[elig_pos])
        # "10", "10.0" and "10.00" are the same minimum quantity
        qkeys_u = [format(Decimal(u).normalize(), "f") if u else "" for u in quniq]
        dup_local, earlier = ctx.dups.check(sku_e, qcodes, qkeys_u, rows[elig_pos])
        if len(dup_local):
            dpos = elig_pos[dup_local]
            earlier_by_pos = dict(zip(dpos.tolist(), earlier.tolist(), strict=True))
            errs.add(
                dpos,
                "sku",
                lambda p: (text["sku"][p], M_DUPLICATE, {"row": earlier_by_pos[p]}),
            )

    # ---- extra problems found by the reader (rows not in this chunk) --------
    ext_rows = rows
    if extra:
        ext_rows = np.concatenate([rows, np.array([e[0] for e in extra], dtype=np.int64)])
        for k, (_row, f, value, template, kw) in enumerate(extra):
            errs.add_one(n + k, f, value, template, **kw)

    # ---- result --------------------------------------------------------------
    invalid = errs.mask(n)
    valid = live & ~invalid
    vidx = np.flatnonzero(valid)
    everything = len(vidx) == n

    def pick(arr: np.ndarray) -> pd.Series:
        # explicit object dtype: no string inference, None stays None
        return pd.Series(arr if everything else arr[vidx], dtype=object, copy=False)

    frame = pd.DataFrame(
        {
            "row": pd.Series(rows if everything else rows[vidx], dtype=np.int64, copy=False),
            "sku": pick(text["sku"]),
            "name": pick(text["name"]),
            "unit": pick(text["unit"]),
            "price": pick(price.norm),
            "currency": pick(currency),
            "min_qty": pick(qty_norm),
            "valid_from": pick(date_vals["valid_from"]),
            "valid_to": pick(date_vals["valid_to"]),
            "lead_time_days": pick(lead_days),
        },
        columns=list(FRAME_COLUMNS),
        copy=False,
    )
    remaining = ctx.max_errors - ctx.errors_listed
    errors, total = errs.build(ext_rows, remaining)
    ctx.errors_listed += len(errors)
    ctx.errors_total += total
    if total > len(errors) and not ctx.overflow_reported:
        ctx.overflow_reported = True
        errors.append(RowError(0, "", "", _msg(M_TOO_MANY_PROBLEMS, limit=ctx.max_errors)))
    wlist, _wtotal = warns.build(rows, ctx.max_errors - ctx.warnings_listed)
    ctx.warnings_listed += len(wlist)
    total_rows = int(n - int(blank.sum())) + (len(extra) if extra else 0)
    return ctx.result(
        errors=errors,
        warnings=wlist,
        total_rows=total_rows,
        frame=frame,
        error_count=total,
    )


# --------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------

_XLSX_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SAMPLE_BYTES = 1024 * 1024
_BAD_LINE_RE = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")


class _Source:
    """Bytes in memory or a file on disk, read the same way."""

    def __init__(self, obj: Any) -> None:
        self.path: str | None = None
        self.data: bytes | None = None
        if isinstance(obj, (bytes, bytearray, memoryview)):
            self.data = bytes(obj)
        elif isinstance(obj, (str, os.PathLike)):
            self.path = os.fspath(obj)
        elif hasattr(obj, "read"):
            self.data = obj.read()
        else:
            raise TypeError("expected bytes, a path or a binary file object")

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else os.path.getsize(self.path)

    def head(self, n: int) -> bytes:
        if self.data is not None:
            return self.data[:n]
        with open(self.path, "rb") as fh:
            return fh.read(n)

    def all_bytes(self) -> bytes:
        if self.data is None:
            with open(self.path, "rb") as fh:
                self.data = fh.read()
        return self.data

    def blocks(self, size: int = 4 * 1024 * 1024) -> Iterator[bytes]:
        if self.data is not None:
            for i in range(0, len(self.data), size):
                yield self.data[i : i + size]
            return
        with open(self.path, "rb") as fh:
            while block := fh.read(size):
                yield block


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    if not sample:
        return False
    ctrl = sum(sample.count(bytes([c])) for c in range(32) if c not in (9, 10, 12, 13))
    ctrl += sample.count(b"\x7f")
    return ctrl > max(2, len(sample) // 100)


def _valid_prefix(sample: bytes, encoding: str, complete: bool) -> bool:
    try:
        dec = codecs.getincrementaldecoder(encoding)("strict")
        dec.decode(sample, final=complete)
        return True
    except UnicodeDecodeError:
        return False


_CYR_RE = re.compile(r"[\u0400-\u04ff]")
_LAT_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
_WORD_RE = re.compile(r"[^\W\d_]{2,}")


def _guess_single_byte(sample: bytes) -> str:
    """cp1251 when the high bytes form Cyrillic words, cp1252 otherwise."""
    text = sample.decode("cp1251", errors="replace")
    cyr_words = mixed = 0
    for w in _WORD_RE.findall(text):
        has_cyr = bool(_CYR_RE.search(w))
        has_lat = bool(_LAT_RE.search(w))
        if has_cyr and not has_lat:
            cyr_words += 1
        elif has_cyr and has_lat:
            mixed += 1
    return "cp1251" if cyr_words > mixed else "cp1252"


def _detect_encoding(src: _Source) -> tuple[str | None, str | None]:
    """(encoding, error template)."""
    head = src.head(_SAMPLE_BYTES)
    complete = src.size <= len(head)
    if head.startswith(codecs.BOM_UTF8):
        ok = _valid_prefix(head, "utf-8-sig", complete)
        return ("utf-8-sig", None) if ok else (None, M_FILE_UNDECODABLE)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", None
    if _looks_binary(head):
        return None, M_FILE_BINARY
    sample = head
    if head.isascii() and not complete:
        # the first megabyte says nothing: look at the first non-ASCII block
        for block in src.blocks():
            if not block.isascii():
                sample = block
                break
    if sample.isascii():
        return "utf-8", None
    if sample is head and _valid_prefix(head, "utf-8", complete):
        return "utf-8", None
    if sample is not head and _valid_prefix(sample.lstrip(bytes(range(0x80, 0xC0))), "utf-8", False):
        return "utf-8", None
    enc = _guess_single_byte(sample)
    if _valid_prefix(sample, enc, False):
        return enc, None
    other = "cp1252" if enc == "cp1251" else "cp1251"
    if _valid_prefix(sample, other, False):
        return other, None
    return None, M_FILE_UNDECODABLE


def _head_records(text: str, delimiter: str, limit: int = HEADER_SCAN_ROWS + 20) -> list[list[str]]:
    out = []
    try:
        for rec in csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"', doublequote=True):
            out.append(rec)
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    return out


def _find_header(records: list[list[str]], override) -> tuple[int, int]:
    """(index of the first record with >= 2 recognised headers, its score);
    (-1, 0) when none."""
    for i, rec in enumerate(records[:HEADER_SCAN_ROWS]):
        score = _header_score(rec, override)
        if score >= 2:
            return i, score
    return -1, 0


def _sniff_csv(text: str, delimiter: str | None, override) -> tuple[str, int, list[str]]:
    """Choose delimiter and header record: (delimiter, header index, cells)."""
    candidates = [delimiter] if delimiter else [";", ",", "\t", "|"]
    best = None
    for d in candidates:
        recs = _head_records(text, d)
        idx, score = _find_header(recs, override)
        if idx < 0:
            continue
        width = len(recs[idx])
        following = [len(r) for r in recs[idx + 1 : idx + 21] if r]
        consistent = sum(1 for w in following if w == width)
        key = (score, consistent, width)
        if best is None or key > best[0]:
            best = (key, d, idx, recs[idx])
    if best is not None:
        return best[1], best[2], best[3]
    # No recognisable header: the first non-blank record is the header.
    if delimiter:
        d = delimiter
    else:
        lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
        counts = {c: sum(ln.count(c) for ln in lines) for c in candidates}
        d = max(candidates, key=lambda c: (counts[c], c == ","))
        if counts[d] == 0:
            d = ","
    recs = _head_records(text, d)
    for i, rec in enumerate(recs):
        if any(c.strip() for c in rec):
            return d, i, rec
    return d, 0, []


def _table_width(following: list[list[str]], header_width: int) -> int:
    """Width pandas should read: the header's, or wider when the rows below it
    consistently end with empty extra cells ("a;b;c" over "1;2;3;")."""
    widths = [len(r) for r in following[:20] if r]
    if not widths:
        return header_width
    common = max(set(widths), key=widths.count)
    if common <= header_width or widths.count(common) * 2 < len(widths):
        return header_width
    padded = [r for r in following[:20] if len(r) == common and not any(c.strip() for c in r[header_width:])]
    return common if len(padded) * 2 >= len(widths) else header_width


class _RecordLengths:
    """Number of cells of given CSV records (1-based numbers), read with the
    csv module on demand: pandas pads short rows with empty strings, so this is
    how "too few columns" is told apart from empty cells."""

    def __init__(self, opener: Callable[[], io.TextIOBase], delimiter: str) -> None:
        self._opener = opener
        self._delimiter = delimiter
        self._fh = None
        self._reader = None
        self._next = 1

    def _reset(self) -> None:
        self.close()
        self._fh = self._opener()
        self._reader = csv.reader(self._fh, delimiter=self._delimiter, quotechar='"', doublequote=True)
        self._next = 1

    def lengths(self, records: Iterable[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        try:
            for rec in sorted(records):
                if self._reader is None or rec < self._next:
                    self._reset()
                while self._next < rec:
                    next(self._reader)
                    self._next += 1
                out[rec] = next(self._reader)
                self._next += 1
        except (StopIteration, csv.Error, UnicodeDecodeError, OSError):
            pass
        return out

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _make_ctx(mapping, default_currency, max_errors) -> tuple[_Ctx, ParseResult | None]:
    ctx = _Ctx(max_errors=max_errors)
    if default_currency:
        code = _currency_code(default_currency)
        if code is None:
            return ctx, ctx.file_error(M_UNKNOWN_CURRENCY_DEFAULT, value=default_currency)
        ctx.default_currency = code
    return ctx, None


def _apply_header(ctx: _Ctx, cells: list[str], override) -> ParseResult | None:
    cells = [str(c).replace("\ufeff", "").strip() for c in cells]
    while cells and not cells[-1]:
        cells.pop()
    ctx.headers = cells
    hm = _map_headers(cells, override)
    ctx.mapping = hm.mapping
    ctx.col_index = hm.col_index
    ctx.present = tuple(f for f in CANONICAL_FIELDS if f in hm.col_index)
    ctx.currency_hint = hm.hint
    listed = ", ".join(c for c in cells if c) or "—"
    if hm.problems:
        template, kw = hm.problems[0]
        if "headers" in kw:
            kw = {**kw, "headers": listed}
        return ctx.file_error(template, **kw)
    missing = [f for f in REQUIRED_FIELDS if f not in hm.col_index]
    if missing:
        return ctx.file_error(
            M_MISSING_COLUMNS,
            fields=", ".join(_label(f) for f in missing),
            headers=listed,
        )
    return None


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------


def _iter_csv(
    ctx: _Ctx, src: _Source, encoding: str | None, delimiter: str | None, override, chunk_rows: int | None
) -> Iterator[ParseResult]:
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            yield ctx.file_error(M_UNKNOWN_ENCODING, encoding=encoding)
            return
        enc = encoding
    else:
        enc, err = _detect_encoding(src)
        if err:
            yield ctx.file_error(err)
            return
    ctx.encoding = enc
    if delimiter is not None and len(delimiter) != 1:
        yield ctx.file_error(M_BAD_DELIMITER)
        return

    head = src.head(_SAMPLE_BYTES)
    head_text = codecs.getincrementaldecoder(enc)("replace").decode(head, final=src.size <= len(head))
    if enc == "utf-8" and head_text.startswith("\ufeff"):
        head_text = head_text[1:]
    if not head_text.strip():
        yield ctx.file_error(M_FILE_EMPTY)
        return
    delim, header_idx, cells = _sniff_csv(head_text, delimiter, override)
    ctx.delimiter = delim
    problem = _apply_header(ctx, cells, override)
    if problem:
        yield problem
        return
    ctx.header_width = max(len(cells), max(ctx.col_index.values()) + 1)
    ctx.n_cols = _table_width(_head_records(head_text, delim)[header_idx + 1 :], ctx.header_width)

    # pandas reads UTF-8 natively; other encodings of in-memory data are
    # transcoded once (the text has to be checked anyway).
    pd_source: Any
    # The BOM can only sit in the header record, which is dropped: plain UTF-8
    # lets pandas decode natively (utf-8-sig goes through a slower wrapper).
    pd_encoding = "utf-8" if enc == "utf-8-sig" else enc
    if src.data is not None:
        try:
            if enc in ("utf-8", "utf-8-sig"):
                src.data.decode(enc)
                pd_source = io.BytesIO(src.data)
            else:
                pd_source = io.BytesIO(src.data.decode(enc).encode("utf-8"))
                pd_encoding = "utf-8"
        except UnicodeDecodeError:
            yield ctx.file_error(M_FILE_DECODE_FAILED, encoding=enc)
            return
        data = src.data
        opener = lambda: io.TextIOWrapper(io.BytesIO(data), encoding=enc, newline="")  # noqa: E731
    else:
        pd_source = src.path
        path = src.path
        opener = lambda: open(path, encoding=enc, newline="")  # noqa: E731
    lengths = _RecordLengths(opener, delim)

    try:
        reader = pd.read_csv(
            pd_source,
            sep=delim,
            header=None,
            index_col=False,  # never take an extra first cell for an index
            # pandas takes the width of the table from the first row it reads:
            # let that be the header record, dropped below
            skiprows=header_idx,
            names=list(range(ctx.n_cols)),
            dtype=object,
            na_filter=False,
            skip_blank_lines=False,
            on_bad_lines="warn",
            engine="c",
            quotechar='"',
            doublequote=True,
            encoding=pd_encoding,
            iterator=True,
        )
    except (pd.errors.EmptyDataError, ValueError) as exc:
        if isinstance(exc, pd.errors.EmptyDataError):
            yield ctx.file_error(M_NO_ROWS)
        else:
            yield ctx.file_error(M_CSV_UNREADABLE, detail=str(exc))
        return

    kept = 0
    skipped_rows: list[int] = []  # spreadsheet rows pandas dropped (too many cells)
    thresholds = np.empty(0, dtype=np.int64)
    any_rows = False
    reported: set[int] = set()
    header_pending = True
    sku_col = ctx.col_index["sku"]
    # the first read also carries the header record
    chunks = _read_chunks(reader, chunk_rows)
    if chunk_rows:
        chunks = _prefetched(chunks)
    try:
        for df, bad_lines in chunks:
            extra = []
            for rec, expected, saw in bad_lines:
                row = rec - header_idx
                if row in reported:
                    continue
                reported.add(row)
                skipped_rows.append(row)
                extra.append((row, "", "", M_TOO_MANY_COLUMNS, {"found": saw, "expected": expected}))
            if extra:
                skipped_rows.sort()
                thresholds = np.array([r - 2 - i for i, r in enumerate(skipped_rows)], dtype=np.int64)
            if df is None:
                if extra:
                    any_rows = True
                    yield _validate_chunk(ctx, {}, np.empty(0, np.int64), extra=extra)
                break
            if header_pending:
                df = df.iloc[1:]
                header_pending = False
            k = np.arange(kept, kept + len(df), dtype=np.int64)
            kept += len(df)
            rows = 2 + k + np.searchsorted(thresholds, k, side="right")
            cols = {f: df[i].tolist() for f, i in ctx.col_index.items()}
            row_errors: dict[int, tuple[str, dict]] = {}
            for i in range(ctx.header_width, ctx.n_cols):
                # cells beyond the header's own width must be empty
                for pos, value in enumerate(df[i].tolist()):
                    if value.strip() and pos not in row_errors:
                        cells = df.iloc[pos].tolist()
                        found = max(j for j, v in enumerate(cells) if v.strip()) + 1
                        row_errors[pos] = (M_TOO_MANY_COLUMNS, {"found": found, "expected": ctx.header_width})
            del df

            def field_counts(positions: list[int], rows=rows, cols=cols) -> dict[int, int]:
                recs = {int(rows[p]) + header_idx: p for p in positions}
                out = {}
                for rec, cells in lengths.lengths(recs.keys()).items():
                    p = recs[rec]
                    first = cells[sku_col].strip() if sku_col < len(cells) else ""
                    if first == cols["sku"][p].strip():  # the same record as pandas'
                        out[p] = len(cells)
                return out

            result = _validate_chunk(
                ctx, cols, rows, field_counts=field_counts, extra=extra or None, row_errors=row_errors
            )
            any_rows = any_rows or result.total_rows > 0
            yield result
    except UnicodeDecodeError:
        yield ctx.file_error(M_FILE_DECODE_FAILED, encoding=enc)
        return
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        yield ctx.file_error(M_CSV_UNREADABLE, detail=str(exc).strip())
        return
    finally:
        lengths.close()
        chunks.close()
    if not any_rows:
        yield ctx.file_error(M_NO_ROWS)


def _read_chunks(reader, chunk_rows: int | None) -> Iterator[tuple[pd.DataFrame | None, list[tuple[int, int, int]]]]:
    """pandas chunks with the records pandas skipped for having too many cells
    (record number, expected, found); ``(None, [...])`` at the end.

    The C parser reports skipped lines only as warnings.  They are caught around
    each read; note that ``catch_warnings`` swaps process-wide state (Python
    3.11), so warnings other threads raise at that moment are caught here too:
    those are re-issued.
    """
    size = chunk_rows + 1 if chunk_rows else None  # the header record comes first
    with reader:
        while True:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    df = reader.get_chunk(size)
                except (StopIteration, pd.errors.EmptyDataError):
                    df = None
            bad = []
            for w in caught:
                found = _BAD_LINE_RE.findall(str(w.message))
                if found and issubclass(w.category, pd.errors.ParserWarning):
                    bad.extend((int(a), int(b), int(c)) for a, b, c in found)
                else:
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            yield df, bad
            if df is None:
                return
            size = chunk_rows


def _prefetched(items: Iterator, depth: int = 1) -> Iterator:
    """Produce ``items`` in a background thread, one step ahead.

    pandas tokenizes without holding the GIL, so reading the next chunk overlaps
    with validating the current one (about 1.6x faster on two cores)."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as exc:  # handed to the consumer
            put(("error", exc))
        finally:
            items.close()

    thread = threading.Thread(target=run, name="price-list-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        thread.join()


# --------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------


def _xl_text(v: Any) -> tuple[str, bool]:
    """Cell value -> (text, is_number)."""
    if v is None or v is pd.NaT:
        return "", False
    if isinstance(v, (bool, np.bool_)):
        return ("TRUE" if v else "FALSE"), False
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return "", False
        return _float_text(float(v)), math.isfinite(v)
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


def _formula_cells(data: bytes, sheet: str, override) -> dict[tuple[int, str], tuple[str, str]]:
    """Formula cells of mapped columns, keyed by (spreadsheet row, field).

    calamine returns cached values; openpyxl (not data_only) tells formulas
    apart.  Only done for files below FORMULA_CHECK_MAX_BYTES: read-only
    openpyxl is too slow for huge workbooks, which are then accepted with
    the cached values.
    """
    if len(data) >= FORMULA_CHECK_MAX_BYTES:
        return {}
    import openpyxl

    found: dict[tuple[int, str], tuple[str, str]] = {}
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        ws = wb[sheet]
        header_i = None
        col_field: dict[int, str] = {}
        for i, row in enumerate(ws.iter_rows()):
            if header_i is None:
                if i >= HEADER_SCAN_ROWS:
                    break
                cells = [_xl_text(getattr(c, "value", None))[0] for c in row]
                if _header_score(cells, override) >= 2:
                    header_i = i
                    hm = _map_headers(cells, override)
                    col_field = {j: f for f, j in hm.col_index.items()}
                continue
            for j, c in enumerate(row):
                if j in col_field and getattr(c, "data_type", None) == "f":
                    found[(i - header_i + 1, col_field[j])] = (str(c.value), M_FORMULA)
    finally:
        wb.close()
    return found


def _iter_xlsx(ctx: _Ctx, data: bytes, override, chunk_rows: int | None) -> Iterator[ParseResult]:
    try:
        book = pd.ExcelFile(io.BytesIO(data), engine="calamine")
        chosen = None
        for name in book.sheet_names:
            head = pd.read_excel(book, sheet_name=name, header=None, nrows=HEADER_SCAN_ROWS, dtype=object)
            recs = [[_xl_text(v)[0] for v in r] for r in head.itertuples(index=False)]
            idx, _score = _find_header(recs, override)
            if idx >= 0:
                chosen = (name, idx, recs[idx])
                break
        if chosen is None:
            yield ctx.file_error(M_XLSX_NO_HEADER, rows=HEADER_SCAN_ROWS)
            return
        sheet, header_idx, cells = chosen
        df = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object)
    except Exception:  # calamine raises its own error types for broken files
        logger.info("unreadable xlsx", exc_info=True)
        yield ctx.file_error(M_XLSX_UNREADABLE)
        return
    problem = _apply_header(ctx, cells, override)
    if problem:
        yield problem
        return
    try:
        formulas = _formula_cells(data, sheet, override)
    except Exception:  # the formula scan is a bonus; never fail the import on it
        logger.info("formula scan failed", exc_info=True)
        formulas = {}

    body = df.iloc[header_idx + 1 :]
    n_total = len(body)
    if n_total == 0:
        yield ctx.file_error(M_NO_ROWS)
        return
    numeric_fields = ("price", "min_qty", "lead_time_days")
    step = chunk_rows or n_total
    any_rows = False
    for start in range(0, n_total, step):
        part = body.iloc[start : start + step]
        rows = np.arange(start + 2, start + 2 + len(part), dtype=np.int64)
        cols: dict[str, list[str]] = {}
        pre: dict[str, np.ndarray] = {}
        for f, j in ctx.col_index.items():
            series = part[j] if j in part.columns else pd.Series([None] * len(part))
            conv = [_xl_text(v) for v in series.tolist()]
            cols[f] = [t for t, _ in conv]
            if f in numeric_fields:
                pre[f] = np.array([isnum for _, isnum in conv], dtype=bool)
        row_pos = {int(r): i for i, r in enumerate(rows.tolist())}
        cell_errors = {(row_pos[r], f): v for (r, f), v in formulas.items() if r in row_pos}
        any_rows = True
        yield _validate_chunk(ctx, cols, rows, pre=pre, cell_errors=cell_errors)
    if not any_rows:  # pragma: no cover - n_total > 0 above
        yield ctx.file_error(M_NO_ROWS)


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------


def _iter_any(
    source: Any, filename: str, *, encoding, delimiter, mapping, default_currency, max_bytes, max_errors, chunk_rows
) -> Iterator[ParseResult]:
    ctx, problem = _make_ctx(mapping, default_currency, max_errors)
    if problem:
        yield problem
        return
    src = _Source(source)
    size = src.size
    if max_bytes is not None and size > max_bytes:
        yield ctx.file_error(M_FILE_TOO_LARGE, size=_human_size(size), limit=_human_size(max_bytes))
        return
    head = src.head(8)
    if size == 0:
        yield ctx.file_error(M_FILE_EMPTY)
        return
    if head.startswith(_XLSX_MAGIC):
        yield from _iter_xlsx(ctx, src.all_bytes(), mapping, chunk_rows)
        return
    if head.startswith(_OLE2_MAGIC):
        yield ctx.file_error(M_FILE_XLS)
        return
    yield from _iter_csv(ctx, src, encoding, delimiter, mapping, chunk_rows)


def _human_size(n: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.1f}".removesuffix(".0") + " " + unit
    return f"{n} B"


def _merge(results: list[ParseResult]) -> ParseResult:
    if len(results) == 1:
        return results[0]
    last = results[-1]
    frames = [r.frame for r in results if r.frame is not None]
    return ParseResult(
        errors=[e for r in results for e in r.errors],
        warnings=[w for r in results for w in r.warnings],
        encoding=last.encoding,
        delimiter=last.delimiter,
        mapping=last.mapping,
        headers=last.headers,
        total_rows=sum(r.total_rows for r in results),
        frame=pd.concat(frames, ignore_index=True) if frames else None,
        error_count=sum(r.error_count for r in results),
    )


def _unexpected(exc: BaseException) -> ParseResult:
    logger.exception("price list import failed", exc_info=exc)
    return ParseResult(errors=[RowError(0, "", "", _msg(M_UNEXPECTED))], error_count=1)


def parse_price_file(
    data: bytes,
    filename: str,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    mapping: dict[str, str] | None = None,
    default_currency: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_errors: int = DEFAULT_MAX_ERRORS,
) -> ParseResult:
    """Parse one uploaded price list (CSV or XLSX, detected by content).

    Never raises for bad input: every problem is a :class:`RowError`, file
    level ones with ``row == 0``.  ``filename`` is informational only.
    """
    try:
        return _merge(
            list(
                _iter_any(
                    data,
                    filename,
                    encoding=encoding,
                    delimiter=delimiter,
                    mapping=mapping,
                    default_currency=default_currency,
                    max_bytes=max_bytes,
                    max_errors=max_errors,
                    chunk_rows=None,
                )
            )
        )
    except Exception as exc:  # a bug must not become a 500 on upload
        return _unexpected(exc)


def iter_price_chunks(
    path_or_bytes: Any,
    filename: str,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    encoding: str | None = None,
    delimiter: str | None = None,
    mapping: dict[str, str] | None = None,
    default_currency: str | None = None,
    max_bytes: int | None = None,
    max_errors: int = DEFAULT_MAX_ERRORS,
) -> Iterator[ParseResult]:
    """Parse a (large) price list chunk by chunk.

    ``path_or_bytes`` is a path, bytes or a binary file object.  Each chunk is
    a :class:`ParseResult` for ``chunk_rows`` data rows; row numbers continue
    across chunks, duplicates are found across chunks, and the decimal
    convention is decided by the first chunk that shows it.  XLSX workbooks
    are read whole (calamine) and then validated in chunks.
    """
    try:
        yield from _iter_any(
            path_or_bytes,
            filename,
            encoding=encoding,
            delimiter=delimiter,
            mapping=mapping,
            default_currency=default_currency,
            max_bytes=max_bytes,
            max_errors=max_errors,
            chunk_rows=max(1, int(chunk_rows)),
        )
    except Exception as exc:
        yield _unexpected(exc)


_NUMERIC_FIELDS = ("price", "min_qty", "lead_time_days")
_DATE_FIELDS = ("valid_from", "valid_to")


def _item_text(fname: str, v: Any) -> tuple[str, bool]:
    if v is None:
        return "", False
    if fname in _NUMERIC_FIELDS:
        if isinstance(v, bool):
            return str(v), False
        if isinstance(v, (int, float, Decimal, np.integer, np.floating)):
            return _xl_text(v)
        return str(v), False
    if fname in _DATE_FIELDS and isinstance(v, (date, datetime)):
        return _xl_text(v)
    if isinstance(v, float):
        return _float_text(v), False
    return str(v), False


def parse_price_items(
    items: list[dict], *, default_currency: str | None = None, max_errors: int = DEFAULT_MAX_ERRORS
) -> ParseResult:
    """Validate price rows given as dicts with canonical keys (the JSON API).

    Same rules as files; ``row`` is the 1-based index of the item.  Strings
    holding numbers must use "." as decimal mark (``"1,234"`` is ambiguous).
    """
    try:
        ctx, problem = _make_ctx(None, default_currency, max_errors)
        if problem:
            return problem
        ctx.conv = _Conv(".", False)
        ctx.conv_fixed = True
        ctx.skip_blank = False
        items = list(items or [])
        keys = {k for it in items if isinstance(it, dict) for k in it}
        ctx.present = tuple(f for f in CANONICAL_FIELDS if f in keys or f in REQUIRED_FIELDS)
        ctx.mapping = {f: f for f in ctx.present}
        ctx.headers = list(ctx.present)
        ctx.col_index = {f: i for i, f in enumerate(ctx.present)}
        good = [i for i, it in enumerate(items) if isinstance(it, dict)]
        extra = [(i + 1, "", "", M_BAD_ITEM, {}) for i, it in enumerate(items) if not isinstance(it, dict)]
        cols: dict[str, list[str]] = {}
        pre: dict[str, np.ndarray] = {}
        for f in ctx.present:
            conv = [_item_text(f, items[i].get(f)) for i in good]
            cols[f] = [t for t, _ in conv]
            if f in _NUMERIC_FIELDS:
                pre[f] = np.array([p for _, p in conv], dtype=bool)
        rows = np.array([i + 1 for i in good], dtype=np.int64)
        result = _validate_chunk(ctx, cols, rows, pre=pre, extra=extra or None)
        if not items:
            result.errors.append(RowError(0, "", "", _msg(M_NO_ROWS)))
            result.error_count += 1
        return result
    except Exception as exc:
        return _unexpected(exc)
