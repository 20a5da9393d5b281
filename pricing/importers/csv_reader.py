"""The CSV reader: delimited text, as suppliers export it, in chunks.

The header record is found among the first lines (title lines above it are fine), and with it the
delimiter. pandas' C parser then reads every cell as text, chunk by chunk; with chunks, in a
background thread one chunk ahead. Row numbers are the ones a spreadsheet shows (header row = 1),
counting blank lines and the records pandas skipped for having too many cells.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from pricing.pipeline import ahead

from .context import MAX_COLUMNS, MAX_ROWS, Chunk, FileProblem, Layout, Options, RowProblem, SkippedRecord
from .headers import HEADER_SCAN_ROWS, find_header, header_layout
from .messages import (
    M_BAD_DELIMITER,
    M_CSV_UNREADABLE,
    M_FILE_DECODE_FAILED,
    M_FILE_EMPTY,
    M_NO_ROWS,
    M_ROW_UNDECODABLE,
    M_TOO_FEW_COLUMNS,
    M_TOO_MANY_COLUMNS,
    M_TOO_MANY_COLUMNS_FILE,
    M_TOO_MANY_ROWS,
)
from .results import REQUIRED_FIELDS, ParseResult
from .sources import SAMPLE_BYTES, Source, text_encoding

_BAD_LINE_RE = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")


@dataclass(frozen=True)
class _Table:
    layout: Layout
    header_index: int  # records above the header record
    header_width: int  # cells of the header record
    width: int  # cells per record pandas reads (wider when rows end with empty extra cells)
    lossy: bool = False  # some bytes are no text in the encoding: their rows are errors


def read_csv(src: Source, options: Options, validate: Callable[[Chunk], ParseResult]) -> Iterator[ParseResult]:
    table, records = _open_table(src, options)
    reader = _pandas_reader(src, table)
    numbers = _RowNumbers(table.header_index)
    chunks = _read_chunks(reader, options.chunk_rows)
    if options.chunk_rows:
        # pandas tokenizes without holding the GIL: reading the next chunk overlaps validating this one
        chunks = ahead(chunks, name="price-list-reader")
    any_rows = False
    header_pending = True  # the first read also carries the header record
    try:
        for df, bad_lines in chunks:
            skipped = numbers.skip(bad_lines)
            if df is None:
                if skipped:
                    any_rows = True
                    yield validate(Chunk(table.layout, {}, np.empty(0, np.int64), skipped=skipped))
                break
            chunk = _chunk(table, records, df.iloc[1:] if header_pending else df, numbers, skipped)
            if numbers.kept > MAX_ROWS:
                raise FileProblem(M_TOO_MANY_ROWS, table.layout, limit=MAX_ROWS)
            header_pending = False
            del df
            result = validate(chunk)
            any_rows = any_rows or result.total_rows > 0
            yield result
    except UnicodeDecodeError:
        raise FileProblem(M_FILE_DECODE_FAILED, table.layout, encoding=table.layout.encoding) from None
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        raise FileProblem(M_CSV_UNREADABLE, table.layout, detail=str(exc).strip()) from None
    finally:
        records.close()
        chunks.close()
    if not any_rows:
        raise FileProblem(M_NO_ROWS, table.layout)


def _chunk(
    table: _Table, records: _Records, df: pd.DataFrame, numbers: _RowNumbers, skipped: list[SkippedRecord]
) -> Chunk:
    rows = numbers.next(len(df))
    cells = {f: df[i].tolist() for f, i in table.layout.columns.items()}
    return Chunk(
        table.layout,
        cells,
        rows,
        row_problems={**_overfull_rows(df, table), **_undecodable_rows(df, table)},
        short_rows=partial(_short_rows, table, records, rows, cells["sku"]),
        skipped=skipped,
    )


class _RowNumbers:
    """Spreadsheet row numbers of the rows pandas gives, counting the records it skipped."""

    def __init__(self, header_index: int) -> None:
        self.header_index = header_index
        self.kept = 0  # rows pandas gave so far
        self.skipped: set[int] = set()  # spreadsheet rows pandas dropped (too many cells)
        self.thresholds = np.empty(0, dtype=np.int64)

    def skip(self, bad_lines: list[tuple[int, int, int]]) -> list[SkippedRecord]:
        """Problems of the records pandas skipped (record number, expected cells, found)."""
        problems = []
        for rec, expected, saw in bad_lines:
            row = rec - self.header_index
            if row in self.skipped:
                continue
            self.skipped.add(row)
            problems.append((row, "", "", M_TOO_MANY_COLUMNS, {"found": saw, "expected": expected}))
        if problems:
            self.thresholds = np.array([r - 2 - i for i, r in enumerate(sorted(self.skipped))], dtype=np.int64)
        return problems

    def next(self, count: int) -> np.ndarray:
        k = np.arange(self.kept, self.kept + count, dtype=np.int64)
        self.kept += count
        return 2 + k + np.searchsorted(self.thresholds, k, side="right")


def _overfull_rows(df: pd.DataFrame, table: _Table) -> dict[int, RowProblem]:
    """Rows with cells beyond the header's own width: those must be empty."""
    problems: dict[int, RowProblem] = {}
    for i in range(table.header_width, table.width):
        for pos, value in enumerate(df[i].tolist()):
            if value.strip() and pos not in problems:
                cells = df.iloc[pos].tolist()
                found = max(j for j, v in enumerate(cells) if v.strip()) + 1
                problems[pos] = (M_TOO_MANY_COLUMNS, {"found": found, "expected": table.header_width})
    return problems


def _short_rows(
    table: _Table, records: _Records, rows: np.ndarray, skus: list[str], positions: list[int]
) -> dict[int, RowProblem]:
    """Of the rows at ``positions`` (each misses a required cell), those whose record is too short."""
    by_record = {int(rows[p]) + table.header_index: p for p in positions}
    sku_col = table.layout.columns["sku"]
    last_required = max(table.layout.columns[f] for f in REQUIRED_FIELDS)
    problems: dict[int, RowProblem] = {}
    for rec, cells in records.read(by_record.keys()).items():
        p = by_record[rec]
        first = cells[sku_col].strip() if sku_col < len(cells) else ""
        if first != skus[p].strip():  # not the same record as pandas'
            continue
        count = len(cells)
        if count < table.header_width and last_required >= count:
            problems[p] = (M_TOO_FEW_COLUMNS, {"found": count, "expected": table.header_width})
    return problems


# --------------------------------------------------------------------------
# Opening: encoding, delimiter, header
# --------------------------------------------------------------------------


def _open_table(src: Source, options: Options) -> tuple[_Table, _Records]:
    encoding = text_encoding(src, options.encoding)
    if options.delimiter is not None and len(options.delimiter) != 1:
        raise FileProblem(M_BAD_DELIMITER, Layout(encoding=encoding))
    text = _head_text(src, encoding)
    delimiter, header_index, cells = _sniff_csv(text, options.delimiter, options.mapping)
    if len(cells) > MAX_COLUMNS:  # before pandas makes a column of each
        raise FileProblem(M_TOO_MANY_COLUMNS_FILE, Layout(encoding=encoding), found=len(cells), limit=MAX_COLUMNS)
    layout = header_layout(cells, options.mapping, encoding=encoding, delimiter=delimiter)
    header_width = max(len(cells), max(layout.columns.values()) + 1)
    width = _table_width(_head_records(text, delimiter)[header_index + 1 :], header_width)
    table = _Table(layout, header_index, header_width, width, lossy=not _decodes_strictly(src, encoding))
    return table, _Records(_opener(src, encoding), delimiter)


def _head_text(src: Source, encoding: str) -> str:
    head = src.head(SAMPLE_BYTES)
    text = codecs.getincrementaldecoder(encoding)("replace").decode(head, final=src.size <= len(head))
    if encoding == "utf-8" and text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise FileProblem(M_FILE_EMPTY, Layout(encoding=encoding))
    return text


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


def _sniff_csv(text: str, delimiter: str | None, override: dict[str, str] | None) -> tuple[str, int, list[str]]:
    """Choose delimiter and header record: (delimiter, header index, cells)."""
    candidates = [delimiter] if delimiter else [";", ",", "\t", "|"]
    best = None
    for d in candidates:
        recs = _head_records(text, d)
        # a record wider than any header we read is not scored (mapping 500,000 cells took 20 s)
        idx, score = find_header([r if len(r) <= MAX_COLUMNS else [] for r in recs], override)
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
    d = delimiter or _likely_delimiter(text, candidates)
    recs = _head_records(text, d)
    for i, rec in enumerate(recs):
        if any(c.strip() for c in rec):
            return d, i, rec
    return d, 0, []


def _likely_delimiter(text: str, candidates: list[str]) -> str:
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    counts = {c: sum(ln.count(c) for ln in lines) for c in candidates}
    d = max(candidates, key=lambda c: (counts[c], c == ","))
    return d if counts[d] else ","


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


class _Records:
    """Given CSV records (1-based numbers) as the csv module reads them, on demand:
    pandas pads short rows with empty strings, so this is how "too few columns"
    is told apart from empty cells."""

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

    def read(self, records: Iterable[int]) -> dict[int, list[str]]:
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


# --------------------------------------------------------------------------
# Reading with pandas
# --------------------------------------------------------------------------


def _opener(src: Source, encoding: str) -> Callable[[], io.TextIOBase]:
    """Opens the file as text again (for the csv module)."""
    if src.data is not None:
        data = src.data
        return lambda: io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")
    path = src.path
    return lambda: open(path, encoding=encoding, errors="replace", newline="")


def _pandas_input(src: Source, layout: Layout) -> tuple[Any, str]:
    """What pandas reads, in which encoding.

    pandas reads UTF-8 natively; other encodings of in-memory data are transcoded once (the text has
    to be checked anyway). The BOM can only sit in the header record, which is dropped: plain UTF-8
    lets pandas decode natively (utf-8-sig goes through a slower wrapper). Bytes that are no text
    in the encoding become U+FFFD, and their rows errors (``_undecodable_rows``).
    """
    encoding = layout.encoding
    if src.data is None:
        return src.path, "utf-8" if encoding == "utf-8-sig" else encoding
    if encoding in ("utf-8", "utf-8-sig"):
        return io.BytesIO(src.data), "utf-8"
    return io.BytesIO(src.data.decode(encoding, errors="replace").encode("utf-8")), "utf-8"


def _decodes_strictly(src: Source, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        for block in src.blocks():
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _undecodable_rows(df: pd.DataFrame, table: _Table) -> dict[int, RowProblem]:
    """Rows holding bytes the file's encoding cannot read (a line saved in another encoding)."""
    if not table.lossy:
        return {}
    bad = np.zeros(len(df), dtype=bool)
    for column in df.columns:
        bad |= np.fromiter(("\ufffd" in value for value in df[column].tolist()), dtype=bool, count=len(df))
    kw = {"encoding": table.layout.encoding}
    return {int(pos): (M_ROW_UNDECODABLE, kw) for pos in np.flatnonzero(bad)}


def _pandas_reader(src: Source, table: _Table) -> Any:
    source, encoding = _pandas_input(src, table.layout)
    try:
        return pd.read_csv(
            source,
            sep=table.layout.delimiter,
            header=None,
            index_col=False,  # never take an extra first cell for an index
            # pandas takes the width of the table from the first row it reads:
            # let that be the header record, dropped below
            skiprows=table.header_index,
            names=list(range(table.width)),
            dtype=object,
            na_filter=False,
            skip_blank_lines=False,
            on_bad_lines="warn",
            engine="c",
            encoding_errors="replace",
            quotechar='"',
            doublequote=True,
            encoding=encoding,
            iterator=True,
        )
    except pd.errors.EmptyDataError:
        raise FileProblem(M_NO_ROWS, table.layout) from None
    except ValueError as exc:
        raise FileProblem(M_CSV_UNREADABLE, table.layout, detail=str(exc)) from None


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
