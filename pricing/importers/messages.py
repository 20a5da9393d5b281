"""What the importer says: English source strings, translated when they are shown.

Templates are marked with :func:`gettext_noop` and translated by :func:`msg` at the moment a
problem is listed, so the importer also runs without Django settings (the tests do).
"""

from __future__ import annotations

from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from django.utils.translation import gettext


def gettext_noop(message: str) -> str:
    """Mark a message for translation without translating it.

    Django's own ``gettext_noop`` needs configured settings; this one does
    not, and ``makemessages`` extracts calls to it by name all the same.
    """
    return message


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
M_TOO_MANY_ROWS = gettext_noop("The file has more than {limit} rows; split it into smaller price lists.")
M_TOO_MANY_COLUMNS_FILE = gettext_noop(
    "The header row has {found} columns; at most {limit} are read. Check the column separator."
)
M_XLSX_TOO_LARGE_INFLATED = gettext_noop(
    "The workbook unpacks to {size}; at most {limit} are read. Remove unused sheets or save it as CSV."
)
M_FILE_XML = gettext_noop(
    "This XML file is not a CommerceML price list (1C's import.xml / offers.xml); upload CSV, Excel or CommerceML."
)
M_FILE_XLS = gettext_noop("Old Excel .xls files are not supported; save the file as .xlsx or CSV.")
M_FILE_UNDECODABLE = gettext_noop("The text encoding of the file could not be recognised; save it as CSV UTF-8.")
M_FILE_DECODE_FAILED = gettext_noop(
    "The file could not be read with the encoding {encoding}; choose another encoding or save it as CSV UTF-8."
)
M_ROW_UNDECODABLE = gettext_noop(
    "This row is not valid {encoding} text, unlike the rest of the file (was it pasted from a file in another "
    "encoding?); save the whole file in one encoding."
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
M_FORMULA_START = gettext_noop(
    "Text may not start with +, - or @: a spreadsheet would run it as a formula. Remove the sign or reword it."
)
M_CONTROL_CHARACTER = gettext_noop("{label} contains a control character (such as NUL); remove it.")
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
M_UNKNOWN_ITEM_KEY = gettext_noop(
    "Unknown field “{key}” in the item; the fields are sku, name, unit, price, currency, min_qty, valid_from, "
    "valid_to, lead_time_days."
)
M_UNEXPECTED = gettext_noop("The file could not be processed.")
W_MANY_DECIMALS = gettext_noop(
    "Price “{value}” has more than 2 decimal places; check that the decimal separator is right."
)
W_HEADING_ROW = gettext_noop("Row skipped: it has only a name and looks like a section heading.")
W_LEAD_TIME_RANGE = gettext_noop("Lead time “{value}” is a range; the longer time ({days} days) is used.")


def msg(text: str, **kw: object) -> str:
    """Translate ``text`` when Django is configured and format it with ``kw``."""
    try:
        translated = gettext(text)
    except (ImproperlyConfigured, AppRegistryNotReady):
        translated = text
    return translated.format(**kw) if kw else translated


def label(field_name: str) -> str:
    """The translated name of a canonical field ("Minimum quantity")."""
    return msg(FIELD_LABELS[field_name])


# The package re-exports the labels and every template (M_*, W_*), as the single module did.
__all__ = ["FIELD_LABELS", "gettext_noop", *(name for name in tuple(globals()) if name[:2] in ("M_", "W_"))]
