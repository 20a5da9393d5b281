"""Supplier price-list import: CSV / XLSX files (or JSON items) -> validated rows.

This package is the edge where files exactly as suppliers produce them (Russian,
Vietnamese and English price lists; UTF-8 with or without BOM, cp1251, cp1252;
``,`` ``;`` or tab separated; Excel workbooks with title lines above the table)
become :class:`PriceRow` values or :class:`RowError` problems.  It imports no
Django models; messages are English source strings translated when Django is
configured.

Public API
----------
* :func:`parse_price_file` -- one file (bytes) to one :class:`ParseResult`.
* :func:`iter_price_chunks` -- the same for very large files, chunk by chunk,
  row numbers continuing across chunks.
* :func:`parse_price_items` -- the JSON API path (dicts with canonical keys).
* :data:`CANONICAL_FIELDS`, :data:`HEADER_SYNONYMS`, :func:`normalize_header`.
* :func:`currency_from_text` -- a currency code, sign or word as an ISO 4217 code.
* :func:`inflated_size` -- what a workbook unpacks to, from its zip directory alone.

Modules
-------
``parse`` (the entry points) -> one reader per format: ``csv_reader``,
``xlsx_reader``, ``items_reader`` (with ``sources``: kind and encoding, and
``headers``: synonyms) -> ``validation`` (one chunk) -> ``columns`` (one check
per field) -> ``numbers`` (decimal conventions), ``values`` (currencies, dates,
lead times). ``context`` holds the options, the file's layout and the state
carried between chunks; ``results`` what comes out; ``messages`` what is said.

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

from . import messages, numbers
from .columns import MAX_NAME_LENGTH, MAX_SKU_LENGTH, MAX_UNIT_LENGTH
from .context import DEFAULT_CHUNK_ROWS, DEFAULT_MAX_BYTES, DEFAULT_MAX_ERRORS
from .headers import HEADER_SCAN_ROWS, HEADER_SYNONYMS, normalize_header
from .messages import *  # noqa: F403 - the field labels and message templates, importable from here as before
from .numbers import MAX_DECIMAL_PLACES, MAX_INTEGER_DIGITS, PRICE_CEILING
from .parse import iter_price_chunks, parse_price_file, parse_price_items
from .results import CANONICAL_FIELDS, FRAME_COLUMNS, REQUIRED_FIELDS, ParseResult, PriceRow, RowError
from .values import MAX_LEAD_TIME_DAYS, currency_from_text
from .xlsx_reader import FORMULA_CHECK_MAX_BYTES, inflated_size

__all__ = [
    "CANONICAL_FIELDS",
    "DEFAULT_CHUNK_ROWS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ERRORS",
    "FORMULA_CHECK_MAX_BYTES",
    "FRAME_COLUMNS",
    "HEADER_SCAN_ROWS",
    "HEADER_SYNONYMS",
    "MAX_DECIMAL_PLACES",
    "MAX_INTEGER_DIGITS",
    "MAX_LEAD_TIME_DAYS",
    "MAX_NAME_LENGTH",
    "MAX_SKU_LENGTH",
    "MAX_UNIT_LENGTH",
    "PRICE_CEILING",
    "REQUIRED_FIELDS",
    "ParseResult",
    "PriceRow",
    "RowError",
    "currency_from_text",
    "inflated_size",
    "iter_price_chunks",
    "normalize_header",
    "parse_price_file",
    "parse_price_items",
    *messages.__all__,
]

# Names of the single module that the tests still use.
_msg = messages.msg
_Conv = numbers.Convention
_Feats = numbers.Features
_parse_number = numbers.parse_number
_vec_numbers = numbers.read_fast
