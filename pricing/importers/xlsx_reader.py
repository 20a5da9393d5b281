"""The XLSX reader: Excel workbooks, read whole with calamine, validated in chunks.

The first sheet with a header row among its first rows is the price list. Cells keep their types:
a number typed in Excel is read as a number whatever the file's decimal convention. calamine gives
the cached values of formulas; openpyxl tells which cells hold formulas (small files only).
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

import numpy as np
import pandas as pd

from .context import MAX_COLUMNS, MAX_INFLATED_BYTES, MAX_ROWS, Chunk, FileProblem, Layout, Options
from .headers import HEADER_SCAN_ROWS, find_header, header_layout, header_score, map_headers
from .messages import (
    M_FORMULA,
    M_NO_ROWS,
    M_TOO_MANY_COLUMNS_FILE,
    M_TOO_MANY_ROWS,
    M_XLSX_NO_HEADER,
    M_XLSX_TOO_LARGE_INFLATED,
    M_XLSX_UNREADABLE,
)
from .results import NUMERIC_FIELDS, ParseResult
from .sources import XLSX_MAGIC, Source, human_size
from .values import cell_text, typed_texts

logger = logging.getLogger(__name__)

FORMULA_CHECK_MAX_BYTES = 5 * 1024 * 1024  # openpyxl formula scan only below this

CellProblems = dict[tuple[int, str], tuple[str, str]]


def read_xlsx(src: Source, options: Options, validate: Callable[[Chunk], ParseResult]) -> Iterator[ParseResult]:
    data = src.all_bytes()
    check_inflated(data)
    sheet, header_index, cells, frame = _read_sheet(data, options.mapping)
    layout = header_layout(cells, options.mapping)
    try:
        formulas = _formula_cells(data, sheet, options.mapping)
    except Exception:  # the formula scan is a bonus; never fail the import on it
        logger.info("formula scan failed", exc_info=True)
        formulas = {}
    body = frame.iloc[header_index + 1 :]
    if len(body) == 0:
        raise FileProblem(M_NO_ROWS, layout)
    step = options.chunk_rows or len(body)
    for start in range(0, len(body), step):
        yield validate(_chunk(layout, body.iloc[start : start + step], start + 2, formulas))


_DIMENSION_RE = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]+\d+(?::([A-Z]+)(\d+))?\"")


def check_inflated(data: bytes) -> None:
    """Refuse, before calamine inflates anything, a workbook whose zip directory states more than
    ``MAX_INFLATED_BYTES`` or a sheet whose stated dimension is over ``MAX_ROWS`` rows or
    ``MAX_COLUMNS`` columns (only the first KB of each sheet is read for that)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            inflated = sum(e.file_size for e in entries)
            if inflated > MAX_INFLATED_BYTES:
                raise FileProblem(
                    M_XLSX_TOO_LARGE_INFLATED, size=human_size(inflated), limit=human_size(MAX_INFLATED_BYTES)
                )
            for entry in entries:
                if not entry.filename.startswith("xl/worksheets/") or not entry.filename.endswith(".xml"):
                    continue
                with archive.open(entry) as sheet:
                    found = _DIMENSION_RE.search(sheet.read(1024))
                if found and found.group(2):
                    if int(found.group(2)) > MAX_ROWS + HEADER_SCAN_ROWS:
                        raise FileProblem(M_TOO_MANY_ROWS, limit=MAX_ROWS)
                    if _column_number(found.group(1).decode()) > MAX_COLUMNS:
                        raise FileProblem(
                            M_TOO_MANY_COLUMNS_FILE, found=_column_number(found.group(1).decode()), limit=MAX_COLUMNS
                        )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError, zlib.error):
        raise FileProblem(M_XLSX_UNREADABLE) from None  # zlib.error: a damaged sheet (found by the fuzzer)


def inflated_size(file: BinaryIO) -> int | None:
    """The bytes a workbook's zip directory says its entries inflate to, read from the directory
    alone (None: not a zip). The file's position is left where it was."""
    position = file.tell()
    try:
        file.seek(0)
        if file.read(len(XLSX_MAGIC)) != XLSX_MAGIC:
            return None
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            return sum(entry.file_size for entry in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return None  # unreadable: the reader says so, quickly
    finally:
        file.seek(position)


def _column_number(letters: str) -> int:
    n = 0
    for letter in letters:
        n = n * 26 + ord(letter) - 64
    return n


def _read_sheet(data: bytes, override: dict[str, str] | None) -> tuple[str, int, list[str], pd.DataFrame]:
    """The sheet with the price list: (its name, index of the header row, header cells, all its cells)."""
    try:
        book = pd.ExcelFile(io.BytesIO(data), engine="calamine")
        found = _header_sheet(book, override)
        frame = pd.read_excel(book, sheet_name=found[0], header=None, dtype=object) if found else None
    except Exception:  # calamine raises its own error types for broken files
        logger.info("unreadable xlsx", exc_info=True)
        raise FileProblem(M_XLSX_UNREADABLE) from None
    if found is None:
        raise FileProblem(M_XLSX_NO_HEADER, rows=HEADER_SCAN_ROWS)
    return (*found, frame)


def _header_sheet(book: pd.ExcelFile, override: dict[str, str] | None) -> tuple[str, int, list[str]] | None:
    for name in book.sheet_names:
        head = pd.read_excel(book, sheet_name=name, header=None, nrows=HEADER_SCAN_ROWS, dtype=object)
        records = [[cell_text(v)[0] for v in r] for r in head.itertuples(index=False)]
        idx, _score = find_header(records, override)
        if idx >= 0:
            return name, idx, records[idx]
    return None


def _chunk(layout: Layout, part: pd.DataFrame, first_row: int, formulas: CellProblems) -> Chunk:
    """The rows of ``part``, the first of them spreadsheet row ``first_row``."""
    n = len(part)
    cells: dict[str, list[str]] = {}
    typed: dict[str, np.ndarray] = {}
    for f, j in layout.columns.items():
        series = part[j] if j in part.columns else pd.Series([None] * n)
        cells[f], is_number = typed_texts(series.tolist(), cell_text)
        if f in NUMERIC_FIELDS:
            typed[f] = is_number
    cell_problems = {(r - first_row, f): v for (r, f), v in formulas.items() if first_row <= r < first_row + n}
    rows = np.arange(first_row, first_row + n, dtype=np.int64)
    return Chunk(layout, cells, rows, typed=typed, cell_problems=cell_problems)


def _formula_cells(data: bytes, sheet: str, override: dict[str, str] | None) -> dict[tuple[int, str], tuple[str, str]]:
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
                cells = [cell_text(getattr(c, "value", None))[0] for c in row]
                if header_score(cells, override) >= 2:
                    header_i = i
                    col_field = {j: f for f, j in map_headers(cells, override).columns.items()}
                continue
            for j, c in enumerate(row):
                if j in col_field and getattr(c, "data_type", None) == "f":
                    found[(i - header_i + 1, col_field[j])] = (str(c.value), M_FORMULA)
    finally:
        wb.close()
    return found
