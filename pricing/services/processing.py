"""Processing: a claimed upload's kept file is read (in chunks when it is a big CSV), validated and
staged, with every error collected. The page reads small files in the request; the task queue
(``pricing.tasks``) reads the rest."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from marketplace.actors import Actor

from .. import importers
from ..models import ColumnProfile, PriceUpload, UploadStatus
from .claims import ClaimLost, drop_draft, fail, heartbeat, mine, price_upload_claim, write
from .staging import stage
from .versions import price_upload_publish

log = logging.getLogger(__name__)

CSV_SUFFIXES = (".csv", ".txt", ".tsv")


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
        with heartbeat(upload):
            drop_draft(upload, mine(upload))  # what a run that died left behind
            write(upload, message="")
            stage(upload, file_chunks(upload))
    except ClaimLost:
        log.info("price upload %s: claimed by another run; this one stopped", upload.pk)
    except ValidationError as error:
        fail(upload, " ".join(error.messages), status=UploadStatus.INVALID)
    except Exception:  # a worker must survive one bad file and say so on the page
        log.exception("price upload %s failed", upload.pk)
        fail(upload, _("The file could not be read. Check that it is a CSV or an Excel file."))
    upload.refresh_from_db()
    if upload.publish_when_ready and upload.status == UploadStatus.READY:
        _publish(upload)
    return upload


def _publish(upload: PriceUpload) -> None:
    """The API's big file, read clean: published as its request would have published it. A refusal
    (another version overtook it, the partnership ended) stays on the ready upload as its message,
    for the supplier to publish or read again on the page."""
    actor = Actor.of_api_key(upload.api_key) if upload.api_key else Actor.system(upload.supplier)
    try:
        price_upload_publish(upload=upload, actor=actor)
    except ValidationError as error:
        PriceUpload.objects.filter(pk=upload.pk, status=UploadStatus.READY).update(message=" ".join(error.messages))
    upload.refresh_from_db()


def delimiter_value(value: str) -> str | None:
    """A delimiter as stored (``tab`` for a tab) as the importers take it (None: detect)."""
    return {"": None, "tab": "\t", "\\t": "\t"}.get(value, value)


def file_chunks(upload: PriceUpload) -> Iterator:
    """Chunks of the kept file. Without overrides of its own, an upload is first read the way the
    supplier last told us (its column profile); if that does not fit this file, automatically. The
    API's files are read as its request reads them: without the page's profile."""
    explicit = bool(upload.mapping or upload.encoding or upload.delimiter) or upload.publish_when_ready
    profile = None if explicit else ColumnProfile.objects.filter(supplier=upload.supplier_id).first()
    if profile is not None and (profile.mapping or profile.encoding or profile.delimiter):
        chunks = read_file(upload, mapping=profile.mapping, encoding=profile.encoding, delimiter=profile.delimiter)
        first = next(chunks, None)
        if first is not None and not _unreadable(first):
            yield first
            yield from chunks
            return
        chunks.close()
    yield from read_file(upload, mapping=upload.mapping, encoding=upload.encoding, delimiter=upload.delimiter)


def _unreadable(result) -> bool:
    return any(error.row == 0 for error in result.errors) and (result.frame is None or result.frame.empty)


def read_file(upload: PriceUpload, *, mapping: dict, encoding: str, delimiter: str) -> Iterator:
    """The kept file through the importers with these overrides: in chunks when it is a CSV file
    bigger than ``PRICE_LIST_CHUNK_BYTES`` on a storage with local paths, else whole."""
    options = {
        "encoding": encoding or None,
        "delimiter": delimiter_value(delimiter),
        "mapping": mapping or None,
        "default_currency": upload.currency or None,
        "max_bytes": settings.PRICE_LIST_MAX_BYTES,
    }
    try:
        path = upload.file.path
    except NotImplementedError:  # a storage without local paths: read it whole
        path = None
    if path and is_csv(upload.filename) and upload.size > settings.PRICE_LIST_CHUNK_BYTES:
        yield from importers.iter_price_chunks(
            path, upload.filename, chunk_rows=settings.PRICE_LIST_CHUNK_ROWS, **options
        )
        return
    with upload.file.open("rb") as handle:
        data = handle.read()
    yield importers.parse_price_file(data, upload.filename, **options)


def is_csv(filename: str) -> bool:
    return Path(filename).suffix.lower() in CSV_SUFFIXES
