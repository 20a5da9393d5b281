"""Every table export (CSV, XLSX) goes through here: ``TenantTableView.export_class``.

Cells hold text that other tenants wrote (a supplier's name, an RFQ title, a complaint's reason).
A spreadsheet reads a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula; OWASP's rule for CSV injection is to prefix such text with an apostrophe, which
makes the spreadsheet show it as text. Plain numbers ("-12.50") stay numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse
from django_tables2.export import TableExport

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)")
STREAM_ROWS = 2000  # CSV exports longer than this are streamed


def neutralise(value: Any) -> Any:
    """``value`` as a spreadsheet may show it without running it."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_row(row: Iterable[Any]) -> list[Any]:
    return [neutralise(value) for value in row]


class _Echo:
    """A file-like object whose ``write`` hands back what it is given (for a streaming csv.writer)."""

    def write(self, value: str) -> str:
        return value


class SafeTableExport(TableExport):
    """django-tables2's export with every cell neutralised; CSV is streamed row by row so that a
    long export neither holds the whole file in memory nor waits for the last row to start."""

    def __init__(self, export_format, table, exclude_columns=None, dataset_kwargs=None):
        if not self.is_valid_format(export_format):
            raise TypeError(f'Export format "{export_format}" is not supported.')
        self.format = export_format
        self.table = table
        self.exclude_columns = exclude_columns
        self.dataset_kwargs = dataset_kwargs
        self._dataset = None

    @property
    def dataset(self):
        if self._dataset is None:
            self._dataset = self.table_to_dataset(self.table, self.exclude_columns, self.dataset_kwargs)
        return self._dataset

    def rows(self) -> Iterator[list[Any]]:
        """The header row, then the table's rows, neutralised."""
        for row in self.table.as_values(exclude_columns=self.exclude_columns):
            yield neutralise_row(row)

    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        dataset.headers = neutralise_row(dataset.headers or [])
        for i in range(dataset.height):
            dataset[i] = tuple(neutralise_row(dataset[i]))
        return dataset

    def csv_lines(self) -> Iterator[str]:
        writer = csv.writer(_Echo())
        for row in self.rows():
            yield writer.writerow(["" if value is None else value for value in row])

    def response(self, filename=None):
        if self.format != self.CSV or len(self.table.rows) <= STREAM_ROWS:
            return super().response(filename=filename)
        response = StreamingHttpResponse(self.csv_lines(), content_type=self.content_type())
        if filename is not None:
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
