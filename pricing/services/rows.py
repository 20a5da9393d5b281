"""How the services write down a price-list row: its columns (those of ``PriceItem``), a cell as
text, a problem of the importer as the dict an upload stores, and how many of those it keeps."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..importers import FRAME_COLUMNS

ITEM_COLUMNS = FRAME_COLUMNS  # a row of the importers' frame is a PriceItem's columns
MAX_STORED_ERRORS = 5000  # the page and the bad-rows file show these; the count is always exact
MAX_STORED_WARNINGS = 2000
PREVIEW_ROWS = 20


def as_text(value) -> str | None:
    """A cell as the text a page, a JSON field or COPY shows: None for a missing value, dates as
    ISO dates, whole floats without ".0"."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_date(value) -> dt.date | None:
    text = as_text(value)
    return dt.date.fromisoformat(text[:10]) if text else None


def error_dict(error) -> dict:
    """An importer's ``RowError`` as an upload stores it (``{"row", "column", "value", "message"}``)."""
    return {
        "row": getattr(error, "row", None),
        "column": getattr(error, "column", "") or "",
        "value": as_text(getattr(error, "value", "")) or "",
        "message": str(getattr(error, "message", error)),
    }


def frame_of(result) -> pd.DataFrame:
    """A parse result's valid rows as a frame with the columns of ``ITEM_COLUMNS``."""
    frame = getattr(result, "frame", None)
    if frame is None:
        return pd.DataFrame(columns=list(ITEM_COLUMNS))
    return frame[list(ITEM_COLUMNS)]


def preview_rows(frame: pd.DataFrame) -> list[dict]:
    return [
        {column: as_text(value) for column, value in zip(ITEM_COLUMNS, values, strict=True)}
        for values in frame.itertuples(index=False)
    ]
