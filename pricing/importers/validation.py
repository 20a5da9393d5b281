"""The chunk validator, shared by every reader: raw cells in, valid rows and problems out."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .columns import Column, check_date_order, check_duplicates, read_columns, stored_values
from .context import Chunk, ChunkState, Options, base_currency
from .messages import W_HEADING_ROW
from .problems import Problems
from .results import CANONICAL_FIELDS, FRAME_COLUMNS, REQUIRED_FIELDS, ParseResult


def validate_chunk(chunk: Chunk, options: Options, state: ChunkState) -> ParseResult:
    """Validate one chunk of raw cell text (one list per mapped field)."""
    n = len(chunk.rows)
    rows = np.asarray(chunk.rows, dtype=np.int64)
    columns = read_columns(chunk, options, state)
    errors, warnings = Problems(), Problems()
    blank = np.zeros(n, dtype=bool)
    skip = blank.copy()
    if options.skip_blank:
        blank = _all_empty(columns, columns, n)
        skip = blank | _headings(columns, blank, warnings)
    _refuse_rows(chunk, columns, blank, skip, errors)
    rejected = _reported_cells(chunk, skip, errors)
    live = ~skip
    for column in columns.values():
        column.report(errors, warnings, live, rejected[column.field])
    check_date_order(errors, columns, live)
    values = stored_values(columns, n, base_currency(chunk.layout, options))
    eligible = live & ~columns["sku"].empty & ~rejected["sku"] & ~rejected["min_qty"]
    check_duplicates(errors, state.keys, columns["sku"], values["min_qty"], rows, eligible)
    listed, total = state.list_errors(errors, _report_skipped(chunk, rows, errors), options.max_errors)
    return chunk.layout.result(
        errors=listed,
        warnings=state.list_warnings(warnings, rows, options.max_errors),
        total_rows=int(n - int(blank.sum())) + len(chunk.skipped),
        frame=_frame(rows, values, live & ~errors.mask(n)),
        error_count=total,
    )


def _all_empty(columns: dict[str, Column], fields: Iterable[str], n: int) -> np.ndarray:
    """The rows whose cells of ``fields`` are all empty."""
    out = np.ones(n, dtype=bool)
    for f in fields:
        out &= columns[f].empty
    return out


def _headings(columns: dict[str, Column], blank: np.ndarray, warnings: Problems) -> np.ndarray:
    """Rows with only a name: section headings ("Крепёж"), skipped with a warning."""
    name = columns["name"]
    heading = ~blank & ~name.empty & _all_empty(columns, [f for f in columns if f != "name"], len(blank))
    if not heading.any() or len(columns) <= 1:
        return np.zeros(len(blank), dtype=bool)
    warnings.add(np.flatnonzero(heading), "", lambda p: (name.values[p], W_HEADING_ROW, {}))
    return heading


def _refuse_rows(
    chunk: Chunk, columns: dict[str, Column], blank: np.ndarray, skip: np.ndarray, errors: Problems
) -> None:
    """Whole-row problems the reader knows of: short and overlong records. Such rows are skipped."""
    if chunk.short_rows is not None:
        missing = np.zeros(len(skip), dtype=bool)
        for f in REQUIRED_FIELDS:
            missing |= columns[f].empty
        candidates = np.flatnonzero(missing & ~skip).tolist()
        if candidates:
            for pos, (template, kw) in chunk.short_rows(candidates).items():
                errors.add_one(pos, "", "", template, **kw)
                skip[pos] = True
    for pos, (template, kw) in chunk.row_problems.items():
        if not blank[pos]:
            errors.add_one(pos, "", "", template, **kw)
            skip[pos] = True


def _reported_cells(chunk: Chunk, skip: np.ndarray, errors: Problems) -> dict[str, np.ndarray]:
    """Problems of cells the reader found (formulas in a workbook); per field, the cells they reject."""
    n = len(skip)
    rejected = {f: np.zeros(n, dtype=bool) for f in CANONICAL_FIELDS}
    for (pos, f), (value, template) in chunk.cell_problems.items():
        if 0 <= pos < n and not skip[pos]:
            errors.add_one(pos, f, value, template)
            rejected[f][pos] = True
    return rejected


def _report_skipped(chunk: Chunk, rows: np.ndarray, errors: Problems) -> np.ndarray:
    """The problems of the records the reader skipped, after the chunk's rows: the row number of each position."""
    n = len(rows)
    for k, (_row, field_name, value, template, kw) in enumerate(chunk.skipped):
        errors.add_one(n + k, field_name, value, template, **kw)
    return np.concatenate([rows, np.array([s[0] for s in chunk.skipped], dtype=np.int64)])


def _frame(rows: np.ndarray, values: dict[str, np.ndarray], valid: np.ndarray) -> pd.DataFrame:
    vidx = np.flatnonzero(valid)
    everything = len(vidx) == len(rows)

    def pick(arr: np.ndarray) -> pd.Series:
        # explicit object dtype: no string inference, None stays None
        return pd.Series(arr if everything else arr[vidx], dtype=object, copy=False)

    frame = {f: pick(values[f]) for f in CANONICAL_FIELDS}
    row = pd.Series(rows if everything else rows[vidx], dtype=np.int64, copy=False)
    return pd.DataFrame({"row": row, **frame}, columns=list(FRAME_COLUMNS), copy=False)
