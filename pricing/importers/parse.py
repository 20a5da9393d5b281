"""The entry points: a file (CSV, XLSX or CommerceML, told by content) or JSON items -> :class:`ParseResult`.

Each entry point fixes the :class:`Options`, starts a :class:`ChunkState`, and lets the reader of
the source feed its chunks to the validator. None of them raises for bad input: a problem with the
whole file is a :class:`RowError` of row 0, and so is a bug (logged).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pandas as pd

from . import validation
from .commerceml import read_commerceml
from .context import DEFAULT_CHUNK_ROWS, DEFAULT_MAX_BYTES, DEFAULT_MAX_ERRORS, Chunk, ChunkState, FileProblem, Options
from .csv_reader import read_csv
from .items_reader import read_items
from .messages import M_UNEXPECTED, M_UNKNOWN_CURRENCY_DEFAULT, msg
from .numbers import PLAIN, Convention
from .results import ParseResult, RowError
from .sources import Source, file_kind
from .values import currency_from_text
from .xlsx_reader import read_xlsx

logger = logging.getLogger(__name__)

Validate = Callable[[Chunk], ParseResult]
_READERS = {"csv": read_csv, "xlsx": read_xlsx, "commerceml": read_commerceml}


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
    read = partial(_read_file, data)
    options = {"encoding": encoding, "delimiter": delimiter, "mapping": mapping, "max_bytes": max_bytes}
    try:
        return _merge(list(_parsed(read, default_currency, max_errors=max_errors, **options)))
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
    read = partial(_read_file, path_or_bytes)
    options = {"encoding": encoding, "delimiter": delimiter, "mapping": mapping, "max_bytes": max_bytes}
    try:
        yield from _parsed(read, default_currency, max_errors=max_errors, chunk_rows=max(1, int(chunk_rows)), **options)
    except Exception as exc:
        yield _unexpected(exc)


def parse_price_items(
    items: list[dict], *, default_currency: str | None = None, max_errors: int = DEFAULT_MAX_ERRORS
) -> ParseResult:
    """Validate price rows given as dicts with canonical keys (the JSON API).

    Same rules as files; ``row`` is the 1-based index of the item.  Strings
    holding numbers must use "." as decimal mark (``"1,234"`` is ambiguous).
    """
    try:
        read = partial(read_items, list(items or []))
        return _merge(list(_parsed(read, default_currency, max_errors=max_errors, skip_blank=False, convention=PLAIN)))
    except Exception as exc:
        return _unexpected(exc)


def _parsed(
    read: Callable[[Options, Validate], Iterator[ParseResult]], default_currency: str | None, **options: Any
) -> Iterator[ParseResult]:
    """The results of ``read``; a problem with the whole file as a last result."""
    try:
        opts = Options(default_currency=_default_currency(default_currency), **options)
        state = ChunkState(opts.convention or Convention())
        # looked up on the module at each import, so that the benchmark can time it
        yield from read(opts, partial(validation.validate_chunk, options=opts, state=state))
    except FileProblem as problem:
        yield problem.result()


def _default_currency(text: str | None) -> str | None:
    if not text:
        return None
    code = currency_from_text(text)
    if code is None:
        raise FileProblem(M_UNKNOWN_CURRENCY_DEFAULT, value=text)
    return code


def _read_file(source: Any, options: Options, validate: Validate) -> Iterator[ParseResult]:
    src = Source(source)
    yield from _READERS[file_kind(src, options.max_bytes)](src, options, validate)


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
    return ParseResult(errors=[RowError(0, "", "", msg(M_UNEXPECTED))], error_count=1)
