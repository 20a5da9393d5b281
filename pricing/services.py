"""Writes of price lists and the catalog.

The path of every upload, web or API, small or huge:

1. ``price_upload_create`` keeps the file server-side (MEDIA_ROOT), tied to the supplier;
2. ``price_upload_process`` claims it (exactly one run, page or worker, reads an upload; see
   "reading" below), parses it (in chunks for big CSV files), collects every error, and, only
   while no error has been seen, streams the rows into a *draft* version (PostgreSQL COPY, by a
   thread of its own while the next chunk is read, see ``_Stager``; else ``bulk_create`` in
   batches); then computes, set-based, the partial merge and the diff against
   the active version (which also gives the "price moved more than 50%" warnings);
3. ``price_upload_publish`` flips the draft to active and the previous version to superseded in one
   transaction, or refuses and changes nothing.

The API does the three in one transaction (``price_list_import``): 400 and nothing stored on any error.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import queue
import threading
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import Category, Organization, User
from marketplace.selectors import active_buyers, is_active_partner

from .models import (
    ChangeKind,
    Channel,
    ColumnProfile,
    MappingSource,
    PriceChange,
    PriceItem,
    PriceList,
    PriceListStatus,
    PriceUpload,
    Product,
    SkuMapping,
    UploadMode,
    UploadStatus,
    name_key,
)

log = logging.getLogger(__name__)

ITEM_COLUMNS = (
    "row",
    "sku",
    "name",
    "unit",
    "price",
    "currency",
    "min_qty",
    "valid_from",
    "valid_to",
    "lead_time_days",
)
MAX_STORED_ERRORS = 5000  # the page and the bad-rows file show these; the count is always exact
MAX_STORED_WARNINGS = 2000
PREVIEW_ROWS = 20
BATCH = 5000


def setting(name: str, default):
    return getattr(settings, name, default)


def max_bytes() -> int:
    return setting("PRICE_LIST_MAX_BYTES", 50 * 1024 * 1024)


def inline_bytes() -> int:
    """Files up to this size are processed in the request; bigger ones by the worker."""
    return setting("PRICE_LIST_INLINE_BYTES", 5 * 1024 * 1024)


def chunk_bytes() -> int:
    """CSV files bigger than this are read in chunks."""
    return setting("PRICE_LIST_CHUNK_BYTES", 8 * 1024 * 1024)


def chunk_rows() -> int:
    """Rows per chunk of a big CSV file: smaller chunks start the database's writes sooner and
    leave less to write after the last one is read; bigger ones cost less per chunk."""
    return setting("PRICE_LIST_CHUNK_ROWS", 100_000)


def warn_percent() -> Decimal:
    return Decimal(str(setting("PRICE_LIST_WARN_PERCENT", 50)))


def processing_timeout() -> dt.timedelta:
    """A run silent for this long (its worker or request died) gives its upload back to the queue."""
    return dt.timedelta(seconds=float(setting("PRICE_LIST_PROCESSING_TIMEOUT_S", 900)))


def _importers():
    from . import importers

    return importers


# --- checks shared by web and API ----------------------------------------------------------------


def _check_terms(
    *,
    supplier: Organization,
    currency: str,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
    audience: Organization | None,
    mode: str,
) -> str:
    if not supplier.is_supplier:
        raise ValidationError(_("Only a supplier organization uploads price lists."))
    currency = (currency or "").strip().upper()
    if currency and (len(currency) != 3 or not currency.isalpha()):
        raise ValidationError({"currency": _("A currency is a three-letter code such as RUB, USD or VND.")})
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError({"valid_to": _("“Valid to” is before “valid from”.")})
    if audience is not None and not (audience.is_buyer and is_active_partner(buyer=audience, supplier=supplier)):
        raise ValidationError({"buyer": _("You can offer a price list only to a buyer you actively work with.")})
    if mode not in UploadMode.values:
        raise ValidationError({"mode": _("Choose a full or a partial upload.")})
    return currency


def _check_size(size: int) -> None:
    if size <= 0:
        raise ValidationError({"file": _("The file is empty (0 bytes).")})
    if size > max_bytes():
        raise ValidationError(
            {
                "file": _("The file is %(size)s MB; the limit is %(limit)s MB.")
                % {"size": round(size / 1024 / 1024, 1), "limit": round(max_bytes() / 1024 / 1024, 1)}
            }
        )


# --- upload --------------------------------------------------------------------------------------


@transaction.atomic
def price_upload_create(
    *,
    supplier: Organization,
    actor: User | None,
    file,
    channel: str = Channel.WEB,
    currency: str = "",
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    audience: Organization | None = None,
    mode: str = UploadMode.FULL,
    encoding: str = "",
    delimiter: str = "",
    mapping: dict[str, str] | None = None,
    claim: bool = False,
) -> PriceUpload:
    """Keep an uploaded file for preview; nothing is parsed yet (see ``price_upload_process``).

    ``claim``: the caller reads it at once (the page, for a small file): it is stored already
    "processing" and claimed by the caller, so the worker never sees it queued."""
    currency = _check_terms(
        supplier=supplier, currency=currency, valid_from=valid_from, valid_to=valid_to, audience=audience, mode=mode
    )
    _check_size(getattr(file, "size", 0) or 0)
    filename = Path(getattr(file, "name", "") or "upload").name[:200]
    if Path(filename).suffix.lower() not in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm"):
        raise ValidationError({"file": _("Upload a CSV or an Excel (.xlsx) file.")})
    if mapping or encoding or delimiter:
        column_profile_remember(supplier=supplier, mapping=mapping or {}, encoding=encoding, delimiter=delimiter)
    upload = PriceUpload(
        supplier=supplier,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        channel=channel,
        filename=filename,
        size=file.size,
        currency=currency,
        valid_from=valid_from,
        valid_to=valid_to,
        audience=audience,
        mode=mode,
        encoding=encoding,
        delimiter=delimiter,
        mapping=mapping or {},
    )
    if claim:
        _claim_fields(upload, timezone.now())
    upload.file.save(filename, file, save=False)
    upload.full_clean(exclude=["file"])
    upload.save()
    return upload


@transaction.atomic
def price_upload_remap(
    *, upload: PriceUpload, mapping: dict[str, str], encoding: str = "", delimiter: str = "", claim: bool = False
) -> PriceUpload:
    """The supplier corrected the column mapping (or encoding / delimiter): parse again with it.
    ``claim`` as for ``price_upload_create``."""
    upload = PriceUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.status not in (UploadStatus.READY, UploadStatus.INVALID, UploadStatus.FAILED):
        raise ValidationError(_("This upload can no longer be changed."))
    if not upload.file:
        raise ValidationError(_("This upload has no file to read again."))
    headers = set(upload.headers or [])
    clean = {}
    for field, header in (mapping or {}).items():
        if field not in _importers().CANONICAL_FIELDS:
            raise ValidationError(_("Unknown column “%(field)s”.") % {"field": field})
        if header:
            if headers and header not in headers:
                raise ValidationError(_("The file has no column “%(header)s”.") % {"header": header})
            clean[field] = header
    used = [h for h in clean.values()]
    if len(used) != len(set(used)):
        raise ValidationError(_("One column of the file cannot feed two fields."))
    _drop_draft(upload, PriceUpload.objects.filter(pk=upload.pk))
    upload.mapping = clean
    upload.encoding = encoding
    upload.delimiter = delimiter
    upload.status = UploadStatus.QUEUED
    upload.started_at = upload.heartbeat_at = upload.finished_at = None
    if claim:
        _claim_fields(upload, timezone.now())
    upload.message = ""
    upload.errors, upload.warnings, upload.preview = [], [], []
    upload.error_count = upload.warning_count = upload.processed_rows = upload.total_rows = 0
    upload.save(update_fields=[*_RESET_FIELDS, "mapping", "encoding", "delimiter"])
    column_profile_remember(supplier=upload.supplier, mapping=clean, encoding=encoding, delimiter=delimiter)
    return upload


_RESET_FIELDS = [
    "status", "started_at", "heartbeat_at", "finished_at", "message", "errors", "warnings", "preview",
    "error_count", "warning_count", "processed_rows", "total_rows",
]  # fmt: skip


def _drop_draft(upload: PriceUpload, rows) -> None:
    """Forget the upload's draft and delete it, if ``rows`` (the upload's row, as the caller may
    still write it) still points to it."""
    draft_id = upload.draft_id
    upload.draft = None
    if draft_id and rows.filter(draft_id=draft_id).update(draft=None):
        PriceList.objects.filter(pk=draft_id, status=PriceListStatus.DRAFT).delete()


@transaction.atomic
def price_upload_discard(*, upload: PriceUpload) -> PriceUpload:
    upload = PriceUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.status in (UploadStatus.PUBLISHED, UploadStatus.DISCARDED):
        raise ValidationError(_("This upload is already %(status)s.") % {"status": upload.get_status_display()})
    if upload.status == UploadStatus.PROCESSING:
        raise ValidationError(_("This upload is being read; discard it when it is done."))
    _drop_draft(upload, PriceUpload.objects.filter(pk=upload.pk))
    upload.status = UploadStatus.DISCARDED
    upload.finished_at = timezone.now()
    upload.save(update_fields=["status", "finished_at"])
    if upload.file:
        upload.file.delete(save=False)
        upload.save(update_fields=["file"])
    return upload


# --- reading: one run at a time per upload ----------------------------------------------------------
#
# A run reads an upload only after claiming it: one conditional UPDATE from "queued" to
# "processing" that sets ``started_at``. Every later write of the run is conditional on
# "processing" and that same ``started_at`` (``_mine``), so a run that lost its claim (its upload
# was given back to the queue after ``processing_timeout()`` of silence and claimed again, or it
# holds a stale object) changes nothing: it stops and deletes the draft it made.


class _ClaimLost(Exception):
    """Another run owns the upload now (or it is no longer being read)."""


def _claim_fields(upload: PriceUpload, now: dt.datetime) -> None:
    upload.status = UploadStatus.PROCESSING
    upload.started_at = upload.heartbeat_at = now
    upload.finished_at = None


def _mine(upload: PriceUpload):
    """The upload's row, as long as this run (the object's ``started_at``) still holds its claim."""
    return PriceUpload.objects.filter(pk=upload.pk, status=UploadStatus.PROCESSING, started_at=upload.started_at)


def _write(upload: PriceUpload, **fields) -> None:
    """A write of the run holding the claim (with a sign of life); ``_ClaimLost`` if it lost it."""
    if not _mine(upload).update(heartbeat_at=timezone.now(), **fields):
        raise _ClaimLost


def price_upload_requeue_stale(*, now: dt.datetime | None = None) -> int:
    """Give back to the queue the uploads whose run has been silent longer than the timeout (its
    worker or request died); the next claim reads them again from the start."""
    cutoff = (now or timezone.now()) - processing_timeout()
    silent = Q(heartbeat_at__lt=cutoff) | (
        Q(heartbeat_at__isnull=True) & (Q(started_at__lt=cutoff) | Q(started_at__isnull=True))
    )
    count = PriceUpload.objects.filter(silent, status=UploadStatus.PROCESSING).update(
        status=UploadStatus.QUEUED, started_at=None, heartbeat_at=None
    )
    if count:
        log.warning("%s price upload(s) stuck in processing were queued again", count)
    return count


def _claim_one(pk: int) -> PriceUpload | None:
    now = timezone.now()
    claimed = PriceUpload.objects.filter(pk=pk, status=UploadStatus.QUEUED).update(
        status=UploadStatus.PROCESSING, started_at=now, heartbeat_at=now, finished_at=None
    )
    return PriceUpload.objects.get(pk=pk) if claimed else None


def price_upload_claim(*, upload: PriceUpload | None = None) -> PriceUpload | None:
    """Claim ``upload`` (if still queued), or else, for the worker, the oldest queued upload after
    re-queueing stuck ones. None when there is nothing to claim; two runs never hold one upload."""
    if upload is not None:
        return _claim_one(upload.pk)
    price_upload_requeue_stale()
    skip_locked = connection.features.has_select_for_update_skip_locked
    for _attempt in range(5):  # without SKIP LOCKED (SQLite) another worker may win the race
        with transaction.atomic():
            pk = (
                PriceUpload.objects.select_for_update(skip_locked=skip_locked)
                .filter(status=UploadStatus.QUEUED)
                .order_by("created_at", "id")
                .values_list("pk", flat=True)
                .first()
            )
            if pk is None:
                return None
            claimed = _claim_one(pk)
        if claimed is not None:
            return claimed
    return None


def price_upload_process(*, upload: PriceUpload) -> PriceUpload:
    """Parse, validate and stage an upload. Not one transaction on purpose: progress is committed
    as chunks go, so the page can show it; the staged rows belong to a draft nobody else sees.

    A queued upload is claimed first; one claimed by another run, or no longer being read, is
    returned as it stands, untouched."""
    if upload.status == UploadStatus.QUEUED:
        claimed = price_upload_claim(upload=upload)
        if claimed is None:
            upload.refresh_from_db()
            return upload
        upload = claimed
    elif upload.status != UploadStatus.PROCESSING:
        raise ValidationError(_("This upload has already been read."))
    try:
        _drop_draft(upload, _mine(upload))  # what a run that died left behind
        _write(upload, message="")
        _stage(upload, _file_chunks(upload))
    except _ClaimLost:
        log.info("price upload %s: claimed by another run; this one stopped", upload.pk)
    except ValidationError as error:
        _fail(upload, " ".join(error.messages), status=UploadStatus.INVALID)
    except Exception:  # a worker must survive one bad file and say so on the page
        log.exception("price upload %s failed", upload.pk)
        _fail(upload, _("The file could not be read. Check that it is a CSV or an Excel file."))
    upload.refresh_from_db()
    return upload


def _fail(upload: PriceUpload, message: str, *, status: str = UploadStatus.FAILED) -> None:
    draft_id = upload.draft_id
    _drop_draft(upload, _mine(upload))
    _mine(upload).update(status=status, message=message, finished_at=timezone.now())
    _discard_lost_draft(draft_id)


def _discard_lost_draft(draft_id: int | None) -> None:
    """Delete a draft this run made unless an upload still holds it (rows written after another
    run deleted the draft included: the items have no database foreign key)."""
    if not draft_id or PriceUpload.objects.filter(draft_id=draft_id).exists():
        return
    PriceList.objects.filter(pk=draft_id, status=PriceListStatus.DRAFT).delete()
    if not PriceList.objects.filter(pk=draft_id).exists():
        PriceItem.objects.filter(price_list_id=draft_id).delete()
        PriceChange.objects.filter(price_list_id=draft_id).delete()


def _parse_kwargs(upload: PriceUpload) -> dict:
    return {
        "encoding": upload.encoding or None,
        "delimiter": _delimiter_value(upload.delimiter),
        "mapping": upload.mapping or None,
        "default_currency": upload.currency or None,
    }


def _delimiter_value(value: str) -> str | None:
    return {"": None, "tab": "\t", "\\t": "\t"}.get(value, value)


def _file_chunks(upload: PriceUpload) -> Iterator:
    """Chunks of the kept file. Without overrides of its own, an upload is first read the way the
    supplier last told us (its column profile); if that does not fit this file, automatically."""
    explicit = bool(upload.mapping or upload.encoding or upload.delimiter)
    profile = None if explicit else ColumnProfile.objects.filter(supplier=upload.supplier_id).first()
    if profile is not None and (profile.mapping or profile.encoding or profile.delimiter):
        chunks = _read_file(upload, mapping=profile.mapping, encoding=profile.encoding, delimiter=profile.delimiter)
        first = next(chunks, None)
        if first is not None and not _unreadable(first):
            yield first
            yield from chunks
            return
        chunks.close()
    yield from _read_file(upload, mapping=upload.mapping, encoding=upload.encoding, delimiter=upload.delimiter)


def _unreadable(result) -> bool:
    return any(error.row == 0 for error in result.errors) and (result.frame is None or result.frame.empty)


def _read_file(upload: PriceUpload, *, mapping: dict, encoding: str, delimiter: str) -> Iterator:
    importers = _importers()
    kwargs = {
        "encoding": encoding or None,
        "delimiter": _delimiter_value(delimiter),
        "mapping": mapping or None,
        "default_currency": upload.currency or None,
        "max_bytes": max_bytes(),
    }
    is_csv = Path(upload.filename).suffix.lower() in (".csv", ".txt", ".tsv")
    try:
        path = upload.file.path
    except NotImplementedError:  # a storage without local paths: read it whole
        path = None
    if is_csv and path and upload.size > chunk_bytes():
        yield from importers.iter_price_chunks(path, upload.filename, chunk_rows=chunk_rows(), **kwargs)
        return
    with upload.file.open("rb") as handle:
        data = handle.read()
    yield importers.parse_price_file(data, upload.filename, **kwargs)


# --- staging -------------------------------------------------------------------------------------


def _frame_of(result) -> pd.DataFrame:
    """The result's valid rows as a frame with the columns of ``ITEM_COLUMNS``."""
    frame = getattr(result, "frame", None)
    if frame is None:
        return pd.DataFrame(columns=list(ITEM_COLUMNS))
    return frame[list(ITEM_COLUMNS)]


def _as_text(value) -> str | None:
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


def _error_dict(error) -> dict:
    return {
        "row": getattr(error, "row", None),
        "column": getattr(error, "column", "") or "",
        "value": _as_text(getattr(error, "value", "")) or "",
        "message": str(getattr(error, "message", error)),
    }


class _Stager:
    """Writes the draft's rows chunk by chunk.

    On PostgreSQL outside a transaction (the page's and the worker's reads: every chunk is its
    own transaction anyway), a thread with a connection of its own COPYs chunk N while the caller
    parses and validates chunk N+1: the database's work overlaps with Python's. Inside a
    transaction (the API's all-or-nothing import) or on another database, rows are written in
    the caller's connection, in turn. ``close`` waits for the last chunk and raises what the
    writes raised (a duplicate: ``ValidationError``); nothing is written after it returns."""

    def __init__(self) -> None:
        self.threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.error: BaseException | None = None
        self.stopping = False
        self.thread: threading.Thread | None = None
        if self.threaded:
            self.queue: queue.Queue = queue.Queue(maxsize=1)
            self.thread = threading.Thread(target=self._run, name="price-list-stager", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        try:
            while True:
                job = self.queue.get()
                if job is None:
                    return
                if self.error is None and not self.stopping:
                    try:
                        _copy_send(job)
                    except BaseException as exc:  # handed to the caller at its next put / close
                        self.error = exc
        finally:
            connections.close_all()  # this thread's own connection

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def put(self, draft: PriceList, frame: pd.DataFrame) -> None:
        if not self.threaded:
            _write_items(draft, frame)
            return
        self._raise()
        if not frame.empty:
            # The text is made here, in turn with validation (both hold the GIL); the thread
            # only sends it, while the database works and the next chunk is read.
            self.queue.put(_copy_payload(draft, frame))

    def close(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None
        self._raise()

    def stop(self) -> None:
        """On the way out after an error: skip what is queued, wait for the write under way."""
        if self.thread is not None:
            self.stopping = True
            self.queue.put(None)
            self.thread.join()
            self.thread = None


def _stage(upload: PriceUpload, chunks: Iterable, *, progress: bool = True) -> None:
    stager = _Stager()
    try:
        _stage_with(upload, chunks, stager, progress=progress)
    finally:
        stager.stop()


def _stage_with(upload: PriceUpload, chunks: Iterable, stager: _Stager, *, progress: bool = True) -> None:
    errors: list[dict] = []
    warnings: list[dict] = []
    error_count = warning_count = total = staged = 0
    preview: list[dict] = []
    draft: PriceList | None = None
    first = True
    currencies: set[str] = set()
    try:
        for result in chunks:
            if first:
                first = False
                upload.encoding = result.encoding or upload.encoding
                upload.delimiter = result.delimiter or upload.delimiter
                upload.headers = list(result.headers or [])
                upload.mapping = dict(result.mapping or {})
                _write(
                    upload, encoding=upload.encoding[:20], delimiter=upload.delimiter[:5], headers=upload.headers,
                    mapping=upload.mapping,
                )  # fmt: skip
            chunk_errors = [_error_dict(e) for e in result.errors]
            error_count += max(result.error_count, len(chunk_errors))
            errors.extend(chunk_errors[: max(0, MAX_STORED_ERRORS - len(errors))])
            warning_count += len(result.warnings)
            warnings.extend(_error_dict(w) for w in result.warnings[: max(0, MAX_STORED_WARNINGS - len(warnings))])
            total += result.total_rows
            frame = _frame_of(result)
            if len(frame):
                currencies.update(str(c) for c in frame["currency"].dropna().unique())
            if len(preview) < PREVIEW_ROWS:
                preview.extend(_preview_rows(frame.head(PREVIEW_ROWS - len(preview))))
            if not error_count and len(frame):
                if draft is None:
                    draft = _draft_create(upload, currencies)
                    upload.draft = draft
                    _write(upload, draft=draft)  # from now on, whoever drops the upload's draft drops this one
                stager.put(draft, frame)
                staged += len(frame)
            if progress:
                _write(upload, processed_rows=total, total_rows=max(total, upload.total_rows))
        stager.close()
        upload.total_rows = total
        upload.processed_rows = total
        upload.preview = preview
        upload.errors = sorted(errors, key=lambda e: e["row"] or 0)
        if not error_count and not staged:
            upload.errors = [{"row": None, "column": "", "value": "", "message": _("The file holds no price rows.")}]
            error_count = 1
        upload.error_count = error_count
        if error_count:
            _drop_draft(upload, _mine(upload))
            upload.status = UploadStatus.INVALID
            upload.warnings = warnings
            upload.warning_count = warning_count
        else:
            upload.draft = draft
            _finish_draft(draft, upload, staged)
            moved = _moved_warnings(draft)
            upload.warnings = (warnings + moved[0])[:MAX_STORED_WARNINGS]
            upload.warning_count = warning_count + moved[1]
            upload.status = UploadStatus.READY
        upload.finished_at = timezone.now()
        fields = ["total_rows", "processed_rows", "preview", "errors", "error_count", "warnings", "warning_count"]
        if not _mine(upload).update(
            **{name: getattr(upload, name) for name in fields},
            draft=upload.draft,
            status=upload.status,
            finished_at=upload.finished_at,
            heartbeat_at=upload.finished_at,
        ):
            raise _ClaimLost
    except _ClaimLost:
        if draft is not None:
            _discard_lost_draft(draft.pk)
        raise


def _preview_rows(frame: pd.DataFrame) -> list[dict]:
    return [
        {column: _as_text(value) for column, value in zip(ITEM_COLUMNS, values, strict=True)}
        for values in frame.itertuples(index=False)
    ]


def _draft_create(upload: PriceUpload, currencies: set[str]) -> PriceList:
    currency = upload.currency or (sorted(currencies)[0] if currencies else "")
    draft = PriceList(
        supplier=upload.supplier,
        audience=upload.audience,
        status=PriceListStatus.DRAFT,
        mode=upload.mode,
        currency=currency or "XXX",
        valid_from=upload.valid_from,
        valid_to=upload.valid_to,
        channel=upload.channel,
        uploaded_by=upload.uploaded_by,
        source_name=upload.filename or _("API items"),
        previous=_active_for(upload.supplier, upload.audience),
    )
    draft.full_clean()
    draft.save()
    return draft


def _active_for(supplier: Organization, audience: Organization | None) -> PriceList | None:
    return PriceList.objects.active().filter(supplier=supplier, audience=audience).first()


def _write_items(draft: PriceList, frame: pd.DataFrame) -> None:
    """Set-based: COPY on PostgreSQL, batched bulk_create elsewhere."""
    if connection.vendor == "postgresql":
        _copy_items(draft, frame)
        return
    items = []
    for row, sku, name, unit, price, currency, min_qty, valid_from, valid_to, lead in frame.itertuples(index=False):
        items.append(
            PriceItem(
                price_list=draft,
                row=int(row or 0),
                sku=str(sku),
                name=_as_text(name) or "",
                unit=_as_text(unit) or "",
                price=Decimal(str(price)),
                currency=_as_text(currency) or draft.currency,
                min_qty=Decimal(_as_text(min_qty) or "1"),
                valid_from=_as_date(valid_from),
                valid_to=_as_date(valid_to),
                lead_time_days=int(float(lead)) if _as_text(lead) else None,
            )
        )
        if len(items) >= BATCH:
            _bulk(items)
            items = []
    if items:
        _bulk(items)


def _bulk(items: list[PriceItem]) -> None:
    try:
        with transaction.atomic():
            PriceItem.objects.bulk_create(items, batch_size=BATCH)
    except IntegrityError:
        raise ValidationError(_("The same SKU and minimum quantity appear twice in the file.")) from None


def _as_date(value) -> dt.date | None:
    text = _as_text(value)
    return dt.date.fromisoformat(text[:10]) if text else None


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_column(series: pd.Series) -> list[str]:
    """One column as COPY text-format cells: NULL as \\N, specials escaped only where present."""
    cells = series.tolist()
    if series.isna().any():
        cells = ["\\N" if v is None or v != v else v if isinstance(v, str) else _as_text(v) for v in cells]
    elif cells and not isinstance(cells[0], str):
        cells = [v if isinstance(v, str) else _as_text(v) for v in cells]
    joined = "\x00".join(cells)
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        cells = [v if v == "\\N" else v.translate(_COPY_ESCAPES) for v in cells]
    return cells


def _copy_items(draft: PriceList, frame: pd.DataFrame) -> None:
    """COPY … FROM STDIN (text format) straight into the draft's rows: one statement per chunk."""
    if not frame.empty:
        _copy_send(_copy_payload(draft, frame))


def _copy_payload(draft: PriceList, frame: pd.DataFrame) -> bytes:
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


def _copy_send(payload: bytes) -> None:
    names = ", ".join(["price_list_id", *ITEM_COLUMNS])
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # A draft chunk lost in a crash is harmless (the upload is read again): the commit need
            # not wait for the disk.
            cursor.execute("SET LOCAL synchronous_commit = off")
            with cursor.cursor.copy(f"COPY pricing_priceitem ({names}) FROM STDIN") as copy:
                copy.write(payload)
    except IntegrityError:
        raise ValidationError(_("The same SKU and minimum quantity appear twice in the file.")) from None


def _finish_draft(draft: PriceList, upload: PriceUpload, staged: int) -> None:
    """Merge a partial upload onto the active version, then diff the draft against it."""
    previous = draft.previous
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two big lists hash-joined in memory rather than in batches on disk.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
            # A version is a small part of the items table (every version of every supplier, and
            # the dead rows of deleted drafts): read both through the (list, sku, min_qty) index,
            # never by scanning the table, whatever the statistics of a just-loaded draft say.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("ANALYZE pricing_priceitem")
        merged = 0
        if previous is not None and draft.mode == UploadMode.PARTIAL:
            cursor.execute(
                f"""INSERT INTO pricing_priceitem (price_list_id, {", ".join(ITEM_COLUMNS)})
                SELECT %s, {", ".join("p." + c for c in ITEM_COLUMNS)} FROM pricing_priceitem p
                WHERE p.price_list_id = %s AND NOT EXISTS (
                    SELECT 1 FROM pricing_priceitem n
                    WHERE n.price_list_id = %s AND n.sku = p.sku AND n.min_qty = p.min_qty)""",
                [draft.pk, previous.pk, draft.pk],
            )
            merged = cursor.rowcount
        _diff(cursor, draft, previous)
        draft.rows = staged + merged
        if previous is None:
            draft.added = draft.rows
        cursor.execute(
            "SELECT kind, COUNT(*) FROM pricing_pricechange WHERE price_list_id = %s GROUP BY kind", [draft.pk]
        )
        counts = dict(cursor.fetchall())
    if previous is not None:
        draft.added = counts.get(ChangeKind.ADDED, 0)
    draft.removed = counts.get(ChangeKind.REMOVED, 0)
    draft.price_up = counts.get(ChangeKind.UP, 0)
    draft.price_down = counts.get(ChangeKind.DOWN, 0)
    draft.save(update_fields=["rows", "added", "removed", "price_up", "price_down"])


PERCENT_CAP = 9_999_999_999


def _diff(cursor, draft: PriceList, previous: PriceList | None) -> None:
    cursor.execute("DELETE FROM pricing_pricechange WHERE price_list_id = %s", [draft.pk])
    if previous is None:
        return  # a first version: every row is new, and its rows say so without a copy
    # One full join of the two versions: added (no old row), removed (no new row), up / down.
    cursor.execute(
        f"""INSERT INTO pricing_pricechange
            (price_list_id, kind, row, sku, name, min_qty, old_price, new_price, percent)
        SELECT %s,
            CASE WHEN p.id IS NULL THEN 'added' WHEN n.id IS NULL THEN 'removed'
                 WHEN n.price > p.price THEN 'up' ELSE 'down' END,
            n.row, COALESCE(n.sku, p.sku), COALESCE(n.name, p.name), COALESCE(n.min_qty, p.min_qty),
            p.price, n.price,
            CASE WHEN p.id IS NULL OR n.id IS NULL OR p.price = 0 THEN NULL
                 WHEN (n.price - p.price) * 100 / p.price > {PERCENT_CAP} THEN {PERCENT_CAP}
                 ELSE ROUND((n.price - p.price) * 100 / p.price, 2) END
        FROM (SELECT id, row, sku, name, min_qty, price FROM pricing_priceitem WHERE price_list_id = %s) n
        FULL OUTER JOIN (SELECT id, sku, name, min_qty, price FROM pricing_priceitem WHERE price_list_id = %s) p
            ON p.sku = n.sku AND p.min_qty = n.min_qty
        WHERE p.id IS NULL OR n.id IS NULL OR p.price <> n.price""",
        [draft.pk, draft.pk, previous.pk],
    )


def _moved_warnings(draft: PriceList) -> tuple[list[dict], int]:
    limit = warn_percent()
    moved = PriceChange.objects.filter(price_list=draft, kind__in=[ChangeKind.UP, ChangeKind.DOWN]).filter(
        percent__isnull=False
    )
    moved = moved.filter(percent__gt=limit) | moved.filter(percent__lt=-limit)
    count = moved.count()
    rows = [
        {
            "row": change.row,
            "column": "price",
            "value": _as_text(change.new_price),
            "message": _("Price moved %(percent)s%% since the active version (was %(old)s).")
            % {"percent": f"{change.percent:+}", "old": _as_text(change.old_price)},
        }
        for change in moved.order_by("row")[:MAX_STORED_WARNINGS]
    ]
    return rows, count


# --- publish -------------------------------------------------------------------------------------


@transaction.atomic
def price_upload_publish(*, upload: PriceUpload, actor: User | None) -> PriceList:
    """Make the staged draft the active version; the previous one is superseded. All or nothing."""
    Organization.objects.select_for_update().filter(pk=upload.supplier_id).first()  # one publish per supplier at a time
    upload = PriceUpload.objects.select_for_update(of=("self",)).select_related("draft", "supplier").get(pk=upload.pk)
    if upload.status != UploadStatus.READY or upload.draft is None:
        if upload.status == UploadStatus.INVALID:
            raise ValidationError(_("The file has errors; nothing was published. Fix them and upload it again."))
        raise ValidationError(
            _("This upload cannot be published (it is %(status)s).") % {"status": upload.get_status_display()}
        )
    draft = upload.draft
    if draft.audience_id and not is_active_partner(buyer=draft.audience, supplier=upload.supplier):
        raise ValidationError(_("The partnership with this buyer is no longer active."))
    current = _active_for(upload.supplier, draft.audience)
    if (current.pk if current else None) != draft.previous_id:
        raise ValidationError(
            _("Another version was published after this preview. Check the file again before publishing it.")
        )
    now = timezone.now()
    if current is not None:
        current.status = PriceListStatus.SUPERSEDED
        current.save(update_fields=["status"])
    last = PriceList.objects.filter(supplier=upload.supplier).exclude(version=None).order_by("-version").first()
    draft.version = (last.version if last else 0) + 1
    draft.status = PriceListStatus.ACTIVE
    draft.published_at = now
    draft.full_clean()
    draft.save(update_fields=["version", "status", "published_at"])
    upload.status = UploadStatus.PUBLISHED
    upload.published = draft
    upload.finished_at = now
    upload.save(update_fields=["status", "published", "finished_at"])
    buyers = [draft.audience] if draft.audience_id else list(active_buyers(supplier=upload.supplier))
    for buyer in buyers:
        mappings_auto(buyer=buyer, supplier=upload.supplier, price_list=draft)
    return draft


class ImportRejected(ValidationError):
    """An import with row errors; ``rows`` holds them as ``{"row", "column", "value", "message"}``."""

    def __init__(self, rows: list[dict], message: str):
        super().__init__(message)
        self.rows = rows


def price_list_import(
    *,
    supplier: Organization,
    actor: User | None = None,
    channel: str = Channel.API,
    data: bytes | None = None,
    filename: str = "",
    items: list[dict] | None = None,
    currency: str = "",
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    audience: Organization | None = None,
    mode: str = UploadMode.FULL,
    encoding: str = "",
    delimiter: str = "",
    mapping: dict[str, str] | None = None,
) -> PriceList:
    """Parse, validate and publish in one go (the API, the benchmark): a version, or ``ImportRejected``
    and nothing stored."""
    currency = _check_terms(
        supplier=supplier, currency=currency, valid_from=valid_from, valid_to=valid_to, audience=audience, mode=mode
    )
    importers = _importers()
    if items is None:
        _check_size(len(data or b""))
    with transaction.atomic():
        upload = PriceUpload.objects.create(
            supplier=supplier,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
            channel=channel,
            filename=filename[:200],
            size=len(data or b""),
            currency=currency,
            valid_from=valid_from,
            valid_to=valid_to,
            audience=audience,
            mode=mode,
            encoding=encoding,
            delimiter=delimiter,
            mapping=mapping or {},
            status=UploadStatus.PROCESSING,
            started_at=timezone.now(),
        )
        if items is not None:
            chunks: Iterable = [importers.parse_price_items(items, default_currency=currency or None)]
        elif len(data) > chunk_bytes() and Path(filename).suffix.lower() in (".csv", ".txt", ".tsv"):
            chunks = importers.iter_price_chunks(data, filename, **_parse_kwargs(upload), max_bytes=max_bytes())
        else:
            chunks = [importers.parse_price_file(data, filename, **_parse_kwargs(upload), max_bytes=max_bytes())]
        _stage(upload, chunks, progress=False)
        if upload.status != UploadStatus.READY:
            transaction.set_rollback(True)
            raise ImportRejected(upload.errors, _("The price list has errors; nothing was stored."))
        return price_upload_publish(upload=upload, actor=actor)


# --- column profile ------------------------------------------------------------------------------


def column_profile_remember(*, supplier: Organization, mapping: dict, encoding: str, delimiter: str) -> ColumnProfile:
    profile, _created = ColumnProfile.objects.update_or_create(
        supplier=supplier,
        defaults={
            "mapping": mapping or {},
            "encoding": (encoding or "")[:20],
            "delimiter": (delimiter or "")[:5],
            "updated_at": timezone.now(),
        },
    )
    return profile


# --- bad rows ------------------------------------------------------------------------------------


def bad_rows_csv(*, upload: PriceUpload) -> str:
    """The rows to fix, as the file had them where it can be read again, with what is wrong."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    by_row: dict = {}
    for error in upload.errors:
        by_row.setdefault(error.get("row"), []).append(error)
    originals = _original_rows(upload, {r for r in by_row if r})
    headers = list(upload.headers or [])
    writer.writerow([_("row"), *headers, _("column"), _("value"), _("error")])
    for row, errors in sorted(by_row.items(), key=lambda kv: kv[0] or 0):
        original = originals.get(row, [])
        original = list(original) + [""] * (len(headers) - len(original))
        writer.writerow(
            [
                row or "",
                *original[: len(headers)],
                "; ".join(e["column"] for e in errors if e["column"]),
                "; ".join(e["value"] for e in errors if e["value"]),
                "; ".join(e["message"] for e in errors),
            ]
        )
    return buffer.getvalue()


def _original_rows(upload: PriceUpload, rows: set[int]) -> dict[int, list[str]]:
    """Re-read the kept CSV file for the cells of the bad rows (best effort: XLSX gives none)."""
    if not rows or not upload.file or Path(upload.filename).suffix.lower() not in (".csv", ".txt", ".tsv"):
        return {}
    try:
        with upload.file.open("rb") as handle:
            text = io.TextIOWrapper(handle, encoding=upload.encoding or "utf-8-sig", errors="replace", newline="")
            reader = csv.reader(text, delimiter=_delimiter_value(upload.delimiter) or ",")
            found: dict[int, list[str]] = {}
            header_seen = False
            number = 0
            for cells in reader:
                if not header_seen:
                    if any(cell.strip() for cell in cells):
                        header_seen = True
                        number = 1
                    continue
                number += 1
                if number in rows:
                    found[number] = cells
                if number > max(rows):
                    break
            return found
    except (OSError, LookupError, csv.Error):
        return {}


# --- catalog and mapping -------------------------------------------------------------------------


@transaction.atomic
def product_create(
    *, buyer: Organization, sku: str, name: str, unit: str = "", category: Category | None = None
) -> Product:
    if not buyer.is_buyer:
        raise ValidationError(_("Only a buyer keeps a catalog."))
    sku, name = (sku or "").strip(), (name or "").strip()
    if not sku:
        raise ValidationError({"sku": _("Give the product a SKU.")})
    if not name:
        raise ValidationError({"name": _("Give the product a name.")})
    if category is not None and category.buyer_id != buyer.pk:
        raise ValidationError({"category": _("Choose one of your own categories.")})
    taken = ValidationError({"sku": _("Your catalog already has the SKU “%(sku)s”.") % {"sku": sku}})
    if Product.objects.filter(buyer=buyer, sku=sku).exists():
        raise taken
    product = Product(buyer=buyer, sku=sku, name=name, unit=(unit or "").strip(), category=category)
    product.name_key = name_key(name)
    product.full_clean(validate_unique=False, validate_constraints=False)  # the database answers below
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives the refusal
            product.save(force_insert=True)
    except IntegrityError:  # the same SKU created by a concurrent request since the check above
        raise taken from None
    _map_new_product(product)
    return product


def _map_new_product(product: Product) -> None:
    """Suppliers' SKUs already on offer that are this product: the same SKU, else the same name
    (for a supplier none of whose SKUs is mapped to it yet)."""
    from .selectors import effective_price_lists

    buyer = product.buyer
    items = PriceItem.objects.filter(price_list__in=effective_price_lists(buyer=buyer))
    taken = set(SkuMapping.objects.filter(buyer=buyer).values_list("supplier_id", "supplier_sku"))
    found: dict[tuple[int, str], str] = {}
    for supplier_id, sku in items.filter(sku=product.sku).values_list("price_list__supplier_id", "sku").distinct():
        if (supplier_id, sku) not in taken:
            found[(supplier_id, sku)] = MappingSource.SKU
    if product.name_key:
        candidates = items
        if connection.vendor == "postgresql":  # UPPER() there knows Cyrillic and Vietnamese
            candidates = items.filter(name__icontains=max(product.name_key.split(), key=len))
        done = {supplier_id for supplier_id, _sku in found}
        for supplier_id, sku, name in candidates.values_list("price_list__supplier_id", "sku", "name").iterator(5000):
            if supplier_id in done or (supplier_id, sku) in taken or name_key(name) != product.name_key:
                continue
            found[(supplier_id, sku)] = MappingSource.NAME
            done.add(supplier_id)
    SkuMapping.objects.bulk_create(
        [
            SkuMapping(buyer=buyer, supplier_id=supplier_id, supplier_sku=sku, product=product, source=source)
            for (supplier_id, sku), source in found.items()
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def product_update(*, product: Product, name: str, unit: str = "", category: Category | None = None) -> Product:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the product a name.")})
    if category is not None and category.buyer_id != product.buyer_id:
        raise ValidationError({"category": _("Choose one of your own categories.")})
    product.name, product.unit, product.category = name, (unit or "").strip(), category
    product.name_key = name_key(name)
    product.full_clean()
    product.save(update_fields=["name", "unit", "category", "name_key"])
    return product


def mappings_auto(*, buyer: Organization, supplier: Organization, price_list: PriceList) -> int:
    """Map the list's unmapped SKUs onto the buyer's products: the same SKU first; then, for
    products that have no SKU of this supplier yet, the same normalized name."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO pricing_skumapping (buyer_id, supplier_id, supplier_sku, product_id, source, created_at)
            SELECT DISTINCT %s, %s, i.sku, pr.id, 'sku', %s
            FROM pricing_priceitem i JOIN pricing_product pr ON pr.buyer_id = %s AND pr.sku = i.sku
            WHERE i.price_list_id = %s AND NOT EXISTS (
                SELECT 1 FROM pricing_skumapping m
                WHERE m.buyer_id = %s AND m.supplier_id = %s AND m.supplier_sku = i.sku)""",
            [buyer.pk, supplier.pk, now, buyer.pk, price_list.pk, buyer.pk, supplier.pk],
        )
        by_sku = cursor.rowcount or 0
    mapped_products = SkuMapping.objects.filter(buyer=buyer, supplier=supplier).values("product_id")
    wanted = dict(
        Product.objects.filter(buyer=buyer)
        .exclude(pk__in=mapped_products)
        .exclude(name_key="")
        .values_list("name_key", "pk")
    )
    if not wanted:
        return by_sku
    mapped_skus = set(SkuMapping.objects.filter(buyer=buyer, supplier=supplier).values_list("supplier_sku", flat=True))
    found: dict[str, int] = {}
    for sku, name in PriceItem.objects.filter(price_list=price_list).values_list("sku", "name").iterator(20000):
        if sku in mapped_skus or sku in found:
            continue
        product_id = wanted.get(name_key(name))
        if product_id is not None:
            found[sku] = product_id
    SkuMapping.objects.bulk_create(
        [
            SkuMapping(
                buyer=buyer,
                supplier=supplier,
                supplier_sku=sku,
                product_id=pid,
                source=MappingSource.NAME,
                created_at=now,
            )
            for sku, pid in found.items()
        ],
        ignore_conflicts=True,
    )
    return by_sku + len(found)


@transaction.atomic
def mapping_set(
    *, buyer: Organization, supplier: Organization, supplier_sku: str, product: Product, actor: User | None
) -> SkuMapping:
    """Map a supplier's SKU to one of the buyer's products by hand (replacing any automatic match)."""
    supplier_sku = (supplier_sku or "").strip()
    if product.buyer_id != buyer.pk:
        raise ValidationError({"product": _("Choose a product of your own catalog.")})
    if not is_active_partner(buyer=buyer, supplier=supplier):
        raise ValidationError({"supplier": _("This supplier is not one of your active partners.")})
    if not supplier_sku:
        raise ValidationError({"supplier_sku": _("Give the supplier's SKU.")})
    mapping, _created = SkuMapping.objects.update_or_create(
        buyer=buyer,
        supplier=supplier,
        supplier_sku=supplier_sku,
        defaults={
            "product": product,
            "source": MappingSource.MANUAL,
            "created_by": actor if getattr(actor, "pk", None) else None,
            "created_at": timezone.now(),
        },
    )
    return mapping


@transaction.atomic
def mapping_delete(*, mapping: SkuMapping) -> None:
    mapping.delete()
