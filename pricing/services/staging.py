"""Staging: an upload's chunks become the rows of its draft version, while every error is counted.

Rows are written only while no error has been seen. On PostgreSQL outside a transaction (the page's
and the queue's reads: every chunk is its own transaction anyway) a thread with a connection of its
own COPYs chunk N while the caller validates chunk N+1 (``pricing.pipeline.behind``); inside a
transaction (the API's all-or-nothing import) or on another database, rows are written in the
caller's connection, in turn (``bulk_create`` in batches off PostgreSQL). Then the draft is merged
and diffed (``versions``) and the upload gets its verdict.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.utils.translation import gettext as _

from ..models import PriceItem, PriceList, PriceUpload, UploadStatus
from ..pipeline import behind
from .claims import ClaimLost, conclude, discard_lost_draft, drop_draft, mine, write
from .rows import (
    ITEM_COLUMNS,
    MAX_STORED_ERRORS,
    MAX_STORED_WARNINGS,
    PREVIEW_ROWS,
    as_date,
    as_text,
    error_dict,
    frame_of,
    preview_rows,
)
from .versions import draft_create, draft_finish, moved_warnings

BATCH = 5000


def _duplicate() -> ValidationError:
    return ValidationError(_("The same SKU and minimum quantity appear twice in the file."))


@dataclass
class Tally:
    """What the chunks read so far add up to (the state carried from one chunk to the next)."""

    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    total: int = 0
    staged: int = 0
    preview: list[dict] = field(default_factory=list)
    currencies: set[str] = field(default_factory=set)

    def add(self, result) -> pd.DataFrame:
        """Count a chunk's problems and rows; its valid rows as a frame."""
        chunk_errors = [error_dict(e) for e in result.errors]
        self.error_count += max(result.error_count, len(chunk_errors))
        self.errors.extend(chunk_errors[: max(0, MAX_STORED_ERRORS - len(self.errors))])
        self.warning_count += len(result.warnings)
        room = max(0, MAX_STORED_WARNINGS - len(self.warnings))
        self.warnings.extend(error_dict(w) for w in result.warnings[:room])
        self.total += result.total_rows
        frame = frame_of(result)
        if len(frame):
            self.currencies.update(str(c) for c in frame["currency"].dropna().unique())
        if len(self.preview) < PREVIEW_ROWS:
            self.preview.extend(preview_rows(frame.head(PREVIEW_ROWS - len(self.preview))))
        return frame


class Writer:
    """Writes the draft's rows chunk by chunk: by a thread of its own (PostgreSQL outside a
    transaction) or in turn. ``finish`` waits for the last chunk and raises what the writes raised
    (a duplicate: ``ValidationError``); ``stop``, on the way out, skips what is queued."""

    def __init__(self) -> None:
        self.pipeline = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.pipeline = behind(
                lambda payload: copy_send(payload), name="price-list-stager", on_exit=connections.close_all
            )  # close_all: the thread's own connection

    def put(self, draft: PriceList, frame: pd.DataFrame) -> None:
        if self.pipeline is None:
            write_items(draft, frame)
        # The COPY text is made here, in turn with validation (both hold the GIL); the thread only
        # sends it, while the database works and the next chunk is read.
        elif not frame.empty and not self.pipeline.put(copy_payload(draft, frame)):
            self.pipeline.raise_error()  # an earlier chunk failed (a duplicate row)

    def finish(self) -> None:
        if self.pipeline is not None:
            self.pipeline.finish()

    def stop(self) -> None:
        if self.pipeline is not None:
            self.pipeline.stop()


def stage(upload: PriceUpload, chunks: Iterable, *, progress: bool = True) -> None:
    """Read ``chunks`` into the upload's draft and give the upload its verdict (ready or invalid).
    ``progress``: write the rows read so far after each chunk, for the page's progress bar."""
    writer = Writer()
    tally = Tally()
    draft: PriceList | None = None
    try:
        for number, result in enumerate(chunks):
            if number == 0:
                _remember_layout(upload, result)
            frame = tally.add(result)
            if not tally.error_count and len(frame):
                if draft is None:
                    draft = upload.draft = draft_create(upload, tally.currencies)
                    write(upload, draft=draft)  # from now on, whoever drops the upload's draft drops this one
                writer.put(draft, frame)
                tally.staged += len(frame)
            if progress:
                write(upload, processed_rows=tally.total, total_rows=max(tally.total, upload.total_rows))
        writer.finish()
        _conclude(upload, draft, tally)
    except ClaimLost:
        if draft is not None:
            discard_lost_draft(draft.pk)
        raise
    finally:
        writer.stop()


def _remember_layout(upload: PriceUpload, result) -> None:
    """What the first chunk found out about the file: its encoding, separator, headers, mapping."""
    upload.encoding = result.encoding or upload.encoding
    upload.delimiter = result.delimiter or upload.delimiter
    upload.headers = list(result.headers or [])
    upload.mapping = dict(result.mapping or {})
    write(
        upload, encoding=upload.encoding[:20], delimiter=upload.delimiter[:5], headers=upload.headers,
        mapping=upload.mapping,
    )  # fmt: skip


def _conclude(upload: PriceUpload, draft: PriceList | None, tally: Tally) -> None:
    """Invalid (the draft dropped) or ready (the draft merged and diffed), written as the run's verdict."""
    upload.total_rows = upload.processed_rows = tally.total
    upload.preview = tally.preview
    upload.errors = sorted(tally.errors, key=lambda e: e["row"] or 0)
    upload.error_count = tally.error_count
    if not tally.error_count and not tally.staged:
        upload.errors = [{"row": None, "column": "", "value": "", "message": _("The file holds no price rows.")}]
        upload.error_count = 1
    if upload.error_count:
        drop_draft(upload, mine(upload))
        upload.status = UploadStatus.INVALID
        upload.warnings, upload.warning_count = tally.warnings, tally.warning_count
    else:
        upload.draft = draft
        draft_finish(draft, tally.staged)
        moved, moved_count = moved_warnings(draft)
        upload.warnings = (tally.warnings + moved)[:MAX_STORED_WARNINGS]
        upload.warning_count = tally.warning_count + moved_count
        upload.status = UploadStatus.READY
    fields = ["total_rows", "processed_rows", "preview", "errors", "error_count", "warnings", "warning_count"]
    conclude(upload, upload.status, draft=upload.draft, **{name: getattr(upload, name) for name in fields})


# --- writing rows ---------------------------------------------------------------------------------


def write_items(draft: PriceList, frame: pd.DataFrame) -> None:
    """Set-based, in the caller's connection: COPY on PostgreSQL, batched bulk_create elsewhere."""
    if connection.vendor == "postgresql":
        if not frame.empty:
            copy_send(copy_payload(draft, frame))
        return
    items = [
        PriceItem(
            price_list=draft,
            row=int(row or 0),
            sku=str(sku),
            name=as_text(name) or "",
            unit=as_text(unit) or "",
            price=Decimal(str(price)),
            currency=as_text(currency) or draft.currency,
            min_qty=Decimal(as_text(min_qty) or "1"),
            valid_from=as_date(valid_from),
            valid_to=as_date(valid_to),
            lead_time_days=int(float(lead)) if as_text(lead) else None,
        )
        for row, sku, name, unit, price, currency, min_qty, valid_from, valid_to, lead in frame.itertuples(index=False)
    ]
    try:
        with transaction.atomic():
            PriceItem.objects.bulk_create(items, batch_size=BATCH)
    except IntegrityError:
        raise _duplicate() from None


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_column(series: pd.Series) -> list[str]:
    """One column as COPY text-format cells: NULL as \\N, specials escaped only where present."""
    cells = series.tolist()
    if series.isna().any():
        cells = ["\\N" if v is None or v != v else v if isinstance(v, str) else as_text(v) for v in cells]
    elif cells and not isinstance(cells[0], str):
        cells = [v if isinstance(v, str) else as_text(v) for v in cells]
    joined = "\x00".join(cells)
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        cells = [v if v == "\\N" else v.translate(_COPY_ESCAPES) for v in cells]
    return cells


def copy_payload(draft: PriceList, frame: pd.DataFrame) -> bytes:
    """A chunk's rows as COPY text-format lines."""
    n = len(frame)
    nulls = ["\\N"] * n

    def optional(name: str) -> list[str]:
        return _copy_column(frame[name]) if frame[name].notna().any() else nulls

    columns = [
        frame["row"].astype("int64").astype(str).tolist(),
        _copy_column(frame["sku"]),
        _copy_column(frame["name"].fillna("")),
        _copy_column(frame["unit"].fillna("")),
        frame["price"].astype(str).tolist(),
        _copy_column(frame["currency"].fillna(draft.currency)),
        frame["min_qty"].fillna("1").astype(str).tolist(),
        optional("valid_from"),
        optional("valid_to"),
        optional("lead_time_days"),
    ]
    head = f"{draft.pk}\t"
    return ("\n".join([head + "\t".join(cells) for cells in zip(*columns, strict=True)]) + "\n").encode()


def copy_send(payload: bytes) -> None:
    """COPY … FROM STDIN (text format) straight into the draft's rows: one statement per chunk."""
    names = ", ".join(["price_list_id", *ITEM_COLUMNS])
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # A draft chunk lost in a crash is harmless (the upload is read again): the commit need
            # not wait for the disk.
            cursor.execute("SET LOCAL synchronous_commit = off")
            with cursor.cursor.copy(f"COPY pricing_priceitem ({names}) FROM STDIN") as copy:
                copy.write(payload)
    except IntegrityError:
        raise _duplicate() from None
