"""What an import knows besides the cells, in three parts that change at different times.

* :class:`Options`: what the caller asked for; fixed for the whole file.
* :class:`Layout`: what the file turned out to be (encoding, separator, columns); found once,
  before the first row is read.
* :class:`ChunkState`: what one chunk hands on to the next (the decimal convention once it is
  settled, the keys seen, how many problems have been listed).

A reader turns a file into a :class:`Layout` and :class:`Chunk` objects; a problem with the
whole file is raised as :class:`FileProblem`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .duplicates import DuplicateKeys
from .messages import M_TOO_MANY_PROBLEMS, msg
from .numbers import Convention
from .problems import Problems
from .results import CANONICAL_FIELDS, ParseResult, RowError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_ERRORS = 1000  # problems listed per import (the count is exact)
DEFAULT_CHUNK_ROWS = 200_000
# Limits checked before the reading that they bound (issue 10): a 606 KB workbook inflated to
# 2,000,000 rows, a 1 MB CSV header held 500,000 columns.
MAX_ROWS = 1_000_000
MAX_COLUMNS = 500
MAX_INFLATED_BYTES = 512 * 1024 * 1024  # an XLSX's sheets and strings, as its zip directory states them


@dataclass(frozen=True)
class Options:
    """What the caller asked for."""

    mapping: dict[str, str] | None = None  # field -> header text; beats the synonyms
    encoding: str | None = None  # None: detected
    delimiter: str | None = None  # None: detected
    default_currency: str | None = None  # ISO code, for rows that name none
    max_bytes: int | None = None
    max_errors: int = DEFAULT_MAX_ERRORS
    chunk_rows: int | None = None  # None: the whole file as one chunk
    skip_blank: bool = True  # blank lines and section headings are not rows (files, not JSON)
    convention: Convention | None = None  # a decimal convention fixed by the source (JSON)


@dataclass(frozen=True)
class Layout:
    """What the file turned out to be; every result carries it."""

    encoding: str | None = None
    delimiter: str | None = None
    headers: tuple[str, ...] = ()
    mapping: dict[str, str] = field(default_factory=dict)  # field -> header text
    columns: dict[str, int] = field(default_factory=dict)  # field -> position of its column
    currency_hint: str | None = None  # the currency the price header names ("Цена, руб.")

    @cached_property
    def present(self) -> tuple[str, ...]:
        """The fields the file has a column for, in canonical order."""
        return tuple(f for f in CANONICAL_FIELDS if f in self.columns)

    def result(self, **kw: Any) -> ParseResult:
        return ParseResult(
            encoding=self.encoding,
            delimiter=self.delimiter,
            mapping={f: without_nul(h) for f, h in self.mapping.items()},
            headers=[without_nul(h) for h in self.headers],
            **kw,
        )


def without_nul(text: Any) -> Any:
    """Header text as it can be stored (a NUL is refused by PostgreSQL)."""
    return text.replace("\x00", "\ufffd") if isinstance(text, str) else text


class FileProblem(Exception):
    """A problem with the whole file (listed as row 0): nothing more of it is read."""

    def __init__(self, template: str, layout: Layout | None = None, **kw: Any) -> None:
        super().__init__(template)
        self.template = template
        self.layout = layout or Layout()
        self.kw = kw

    def result(self) -> ParseResult:
        return self.layout.result(errors=[RowError(0, "", "", msg(self.template, **self.kw))], error_count=1)


def base_currency(layout: Layout, options: Options) -> str | None:
    """The currency of rows that name none: the one the price header names, else the caller's default."""
    return layout.currency_hint or options.default_currency


RowProblem = tuple[str, dict]  # (template, kw)
SkippedRecord = tuple[int, str, str, str, dict]  # (row, field, value, template, kw)


@dataclass
class Chunk:
    """Some rows of a file as a reader hands them to the validator: the text of each cell."""

    layout: Layout
    cells: dict[str, list[str]]  # field -> the text of its cells, one per row
    rows: np.ndarray  # the spreadsheet row number of each row (header = 1)
    # numeric fields: the cells that were numbers in the source (read with "." whatever the file's convention)
    typed: dict[str, np.ndarray] = field(default_factory=dict)
    # (position, field) -> (value, template): cells the reader already found wrong (formulas in a workbook)
    cell_problems: dict[tuple[int, str], tuple[str, str]] = field(default_factory=dict)
    # position -> problem of the whole row the reader found (too many cells)
    row_problems: dict[int, RowProblem] = field(default_factory=dict)
    # asked about the rows that miss a required cell: which of them are short records (too few cells)
    short_rows: Callable[[list[int]], dict[int, RowProblem]] | None = None
    # problems of records that are no row of the chunk (pandas skipped them; JSON items that are no object)
    skipped: list[SkippedRecord] = field(default_factory=list)


@dataclass
class ChunkState:
    """What one chunk hands on to the next."""

    convention: Convention = field(default_factory=Convention)
    keys: DuplicateKeys = field(default_factory=DuplicateKeys)  # (sku, min_qty) of the rows so far
    errors_listed: int = 0
    warnings_listed: int = 0
    overflow_reported: bool = False

    def list_errors(self, problems: Problems, rows: np.ndarray, limit: int) -> tuple[list[RowError], int]:
        """The chunk's errors that still fit under ``limit``, and the count of all of them."""
        errors, total = problems.build(rows, limit - self.errors_listed)
        self.errors_listed += len(errors)
        if total > len(errors) and not self.overflow_reported:
            self.overflow_reported = True
            errors.append(RowError(0, "", "", msg(M_TOO_MANY_PROBLEMS, limit=limit)))
        return errors, total

    def list_warnings(self, problems: Problems, rows: np.ndarray, limit: int) -> list[RowError]:
        warnings, _total = problems.build(rows, limit - self.warnings_listed)
        self.warnings_listed += len(warnings)
        return warnings
