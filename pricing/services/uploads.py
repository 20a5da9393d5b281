"""The life of an upload as the supplier drives it: keep a file for preview, read it again with other
columns, discard it, download its bad rows; and the API's all-or-nothing import. Every move is one
of ``pricing.transitions.UPLOAD``; publishing is in ``versions``.

The path of every upload, web or API, small or huge:

1. ``price_upload_create`` keeps the file server-side (MEDIA_ROOT), tied to the supplier; the
   page claims a small file at once, a bigger one goes to the task queue once committed;
2. ``price_upload_process`` (``processing``) claims it (exactly one run reads an upload, see
   ``claims``), parses it, collects every error and, while no error has been seen, stages the rows
   into a draft version (``staging``); then merges and diffs it (``versions``);
3. ``price_upload_publish`` (``versions``) flips the draft to active and the previous version to
   superseded in one transaction, or refuses and changes nothing.

The API does the three in one transaction (``price_list_import``): 400 and nothing stored on any error.
A file too big to read in the request goes to the queue instead (``price_list_queue``), whose run
publishes it when it reads clean.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.actors import Actor
from marketplace.exports import neutralise_row
from marketplace.models import Organization
from marketplace.selectors import is_active_partner

from .. import importers, transitions
from ..models import Channel, ColumnProfile, PriceList, PriceUpload, UploadMode, UploadStatus
from .claims import claim_fields, drop_draft
from .processing import CSV_SUFFIXES, delimiter_value, read_file
from .staging import stage
from .versions import price_upload_publish

log = logging.getLogger(__name__)

FILE_SUFFIXES = (*CSV_SUFFIXES, ".xlsx", ".xlsm", ".xml", ".zip")  # .xml / .zip: 1C's CommerceML


def _check_terms(
    *, supplier: Organization | None, valid_from: dt.date | None, valid_to: dt.date | None, audience, mode: str
) -> None:
    if supplier is None or not supplier.is_supplier:
        raise ValidationError(_("Only a supplier organization uploads price lists."))
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError({"valid_to": _("“Valid to” is before “valid from”.")})
    if audience is not None and not (audience.is_buyer and is_active_partner(buyer=audience, supplier=supplier)):
        raise ValidationError({"buyer": _("You can offer a price list only to a buyer you actively work with.")})
    if mode not in UploadMode.values:
        raise ValidationError({"mode": _("Choose a full or a partial upload.")})


def _check_file(file: File) -> str:
    """The file's name as kept, or a ``ValidationError`` for an empty, oversized or foreign file."""
    size, limit = getattr(file, "size", 0) or 0, settings.PRICE_LIST_MAX_BYTES
    if size <= 0:
        raise ValidationError({"file": _("The file is empty (0 bytes).")})
    if size > limit:
        raise ValidationError(
            {
                "file": _("The file is %(size)s MB; the limit is %(limit)s MB.")
                % {"size": round(size / 1024 / 1024, 1), "limit": round(limit / 1024 / 1024, 1)}
            }
        )
    filename = Path(getattr(file, "name", "") or "upload").name[:200]
    if Path(filename).suffix.lower() not in FILE_SUFFIXES:
        raise ValidationError(
            {"file": _("Upload a CSV, an Excel (.xlsx) or a CommerceML (.xml, or a .zip of them) file.")}
        )
    return filename


@transaction.atomic
def price_upload_create(
    *,
    actor: Actor,
    file: File | None,
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
    """Keep an uploaded file for preview, for the actor's organization; nothing is parsed yet (see
    ``price_upload_process``). ``file`` None: the rows come as API items, nothing is kept.

    ``claim``: the caller reads it at once (the page, for a small file; the API): it is stored
    already "processing" and claimed by the caller, so the queue never sees it. Otherwise the task
    queue is given it once the transaction commits."""
    supplier = actor.organization
    _check_terms(supplier=supplier, valid_from=valid_from, valid_to=valid_to, audience=audience, mode=mode)
    filename = _check_file(file) if file is not None else ""
    if mapping or encoding or delimiter:
        column_profile_remember(supplier=supplier, mapping=mapping or {}, encoding=encoding, delimiter=delimiter)
    upload = PriceUpload(
        supplier=supplier,
        uploaded_by=actor.person,
        api_key=actor.api_key,
        channel=Channel.API if actor.via_api else Channel.WEB,
        filename=filename,
        size=file.size if file is not None else 0,
        currency=(currency or "").strip().upper(),
        valid_from=valid_from,
        valid_to=valid_to,
        audience=audience,
        mode=mode,
        encoding=encoding,
        delimiter=delimiter,
        mapping=mapping or {},
    )
    _queue_or_claim(upload, claim=claim)
    upload.full_clean(exclude=["file"])  # before the file is written, which a refusal would orphan
    if file is not None:
        upload.file.save(filename, file, save=False)
    upload.save()
    if not claim:
        _hand_to_queue(upload)
    return upload


def reads_quickly(file: File) -> bool:
    """Whether a file is read within its request (the page's upload, the API's import) rather than
    on the task queue: one of at most ``PRICE_LIST_INLINE_BYTES``, and for a workbook what its zip
    directory says it unpacks to as well (a workbook is read ~20 times slower per byte than CSV,
    and a small one can unpack to millions of rows: issue 10)."""
    limit = settings.PRICE_LIST_INLINE_BYTES
    if (getattr(file, "size", 0) or 0) > limit:
        return False
    inflated = importers.inflated_size(file)
    return inflated is None or inflated <= limit


def _queue_or_claim(upload: PriceUpload, *, claim: bool) -> None:
    now = timezone.now()
    if claim:
        claim_fields(upload, now)
    else:
        upload.status = UploadStatus.QUEUED
        upload.started_at = upload.finished_at = None
        upload.heartbeat_at = now  # handed to the queue (see claims.price_uploads_to_dispatch)


def _hand_to_queue(upload: PriceUpload) -> None:
    """The task queue reads the upload once it is committed (never one that was rolled back)."""
    upload_id = upload.pk
    transaction.on_commit(lambda: enqueue(upload_id))


def enqueue(upload_id: int) -> None:
    from ..tasks import process_price_upload

    try:
        process_price_upload(upload_id)
    except Exception:  # a queue that is down: the periodic sweep hands the upload over again
        log.exception("price upload %s: could not be queued", upload_id)


_RESET_FIELDS = [
    "status", "started_at", "heartbeat_at", "finished_at", "message", "errors", "warnings", "preview",
    "error_count", "warning_count", "processed_rows", "total_rows",
]  # fmt: skip


@transaction.atomic
def price_upload_remap(
    *,
    upload: PriceUpload,
    actor: Actor,
    mapping: dict[str, str],
    encoding: str = "",
    delimiter: str = "",
    claim: bool = False,
) -> PriceUpload:
    """The supplier corrected the column mapping (or encoding / delimiter): read the file again with
    it. ``claim`` as for ``price_upload_create``."""
    upload = PriceUpload.objects.select_for_update().get(pk=upload.pk)
    transitions.check(upload, to=UploadStatus.QUEUED, actor=actor)
    if not upload.file:
        raise ValidationError(_("This upload has no file to read again."))
    clean = _clean_mapping(mapping, headers=set(upload.headers or []))
    drop_draft(upload, PriceUpload.objects.filter(pk=upload.pk))
    upload.mapping, upload.encoding, upload.delimiter = clean, encoding, delimiter
    upload.publish_when_ready = False  # read again on the page: the supplier publishes what it sees
    _queue_or_claim(upload, claim=claim)
    upload.message = ""
    upload.errors, upload.warnings, upload.preview = [], [], []
    upload.error_count = upload.warning_count = upload.processed_rows = upload.total_rows = 0
    upload.save(update_fields=[*_RESET_FIELDS, "mapping", "encoding", "delimiter", "publish_when_ready"])
    column_profile_remember(supplier=upload.supplier, mapping=clean, encoding=encoding, delimiter=delimiter)
    if not claim:
        _hand_to_queue(upload)
    return upload


def _clean_mapping(mapping: dict[str, str] | None, *, headers: set[str]) -> dict[str, str]:
    """field → header of the file, for known fields and headers the file has, one field a header."""
    clean = {}
    for field, header in (mapping or {}).items():
        if field not in importers.CANONICAL_FIELDS:
            raise ValidationError(_("Unknown column “%(field)s”.") % {"field": field})
        if header:
            if headers and header not in headers:
                raise ValidationError(_("The file has no column “%(header)s”.") % {"header": header})
            clean[field] = header
    if len(clean.values()) != len(set(clean.values())):
        raise ValidationError(_("One column of the file cannot feed two fields."))
    return clean


@transaction.atomic
def price_upload_discard(*, upload: PriceUpload, actor: Actor) -> PriceUpload:
    upload = PriceUpload.objects.select_for_update().get(pk=upload.pk)
    transitions.check(upload, to=UploadStatus.DISCARDED, actor=actor)
    drop_draft(upload, PriceUpload.objects.filter(pk=upload.pk))
    upload.status = UploadStatus.DISCARDED
    upload.finished_at = timezone.now()
    upload.save(update_fields=["status", "finished_at"])
    if upload.file:
        upload.file.delete(save=False)
        upload.save(update_fields=["file"])
    return upload


class ImportRejected(ValidationError):
    """An import with row errors; ``rows`` holds them as ``{"row", "column", "value", "message"}``."""

    def __init__(self, rows: list[dict], message: str):
        super().__init__(message)
        self.rows = rows


@transaction.atomic
def price_list_import(
    *,
    actor: Actor,
    file: File | None = None,
    items: list[dict] | None = None,
    currency: str = "",
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    audience: Organization | None = None,
    mode: str = UploadMode.FULL,
    channel: str | None = None,
) -> PriceList:
    """Parse, validate and publish a file or API items in one go (the API, demo data): a version, or
    ``ImportRejected`` (or another ``ValidationError``) and nothing stored."""
    if (file is None) == (items is None):
        raise ValueError("price_list_import takes a file or items")
    terms = {"currency": currency, "valid_from": valid_from, "valid_to": valid_to, "audience": audience, "mode": mode}
    upload = price_upload_create(actor=actor, file=file, claim=True, **terms)
    if channel and channel != upload.channel:  # the 1C exchange names its own channel
        upload.channel = channel
        upload.save(update_fields=["channel"])
    try:
        stage(upload, _import_chunks(upload, items), progress=False)
        if upload.status != UploadStatus.READY:
            raise ImportRejected(upload.errors, _("The price list has errors; nothing was stored."))
        return price_upload_publish(upload=upload, actor=actor)
    except BaseException:
        if upload.file:  # the row goes with the rollback; the file would stay behind
            upload.file.delete(save=False)
        raise


@transaction.atomic
def price_list_queue(
    *,
    actor: Actor,
    file: File,
    currency: str = "",
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    audience: Organization | None = None,
    mode: str = UploadMode.FULL,
) -> PriceUpload:
    """``price_list_import`` of a file too big to read in the request (``reads_quickly``): kept and
    handed to the task queue, whose run publishes it if it has no errors. The caller polls the
    upload: published (with its version), invalid (with its errors) or failed."""
    terms = {"currency": currency, "valid_from": valid_from, "valid_to": valid_to, "audience": audience, "mode": mode}
    upload = price_upload_create(actor=actor, file=file, **terms)
    upload.publish_when_ready = True
    upload.save(update_fields=["publish_when_ready"])  # the queue gets it on commit, after this
    return upload


def _import_chunks(upload: PriceUpload, items: list[dict] | None):
    if items is None:
        return read_file(upload, mapping=upload.mapping, encoding=upload.encoding, delimiter=upload.delimiter)
    return [importers.parse_price_items(items, default_currency=upload.currency or None)]


def column_profile_remember(*, supplier: Organization, mapping: dict, encoding: str, delimiter: str) -> ColumnProfile:
    """What the supplier told us about its files, offered again on its next upload."""
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


def bad_rows_csv(*, upload: PriceUpload) -> str:
    """The rows to fix, as the file had them where it can be read again, with what is wrong; cells
    that a spreadsheet would run as formulas are neutralised like every export's."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    by_row: dict = {}
    for error in upload.errors:
        by_row.setdefault(error.get("row"), []).append(error)
    originals = _original_rows(upload, {r for r in by_row if r})
    headers = list(upload.headers or [])
    writer.writerow(neutralise_row([_("row"), *headers, _("column"), _("value"), _("error")]))
    for row, errors in sorted(by_row.items(), key=lambda kv: kv[0] or 0):
        original = list(originals.get(row, [])) + [""] * len(headers)
        cells = [
            row or "",
            *original[: len(headers)],
            "; ".join(e["column"] for e in errors if e["column"]),
            "; ".join(e["value"] for e in errors if e["value"]),
            "; ".join(e["message"] for e in errors),
        ]
        writer.writerow(neutralise_row(cells))
    return buffer.getvalue()


def _original_rows(upload: PriceUpload, rows: set[int]) -> dict[int, list[str]]:
    """Re-read the kept CSV file for the cells of the bad rows (best effort: XLSX gives none)."""
    if not rows or not upload.file or Path(upload.filename).suffix.lower() not in CSV_SUFFIXES:
        return {}
    try:
        with upload.file.open("rb") as handle:
            text = io.TextIOWrapper(handle, encoding=upload.encoding or "utf-8-sig", errors="replace", newline="")
            return _numbered_rows(csv.reader(text, delimiter=delimiter_value(upload.delimiter) or ","), rows)
    except (OSError, LookupError, csv.Error):
        return {}


def _numbered_rows(reader, rows: set[int]) -> dict[int, list[str]]:
    """The records ``rows`` of a CSV reader, numbered as the importers number them (the header is 1)."""
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
