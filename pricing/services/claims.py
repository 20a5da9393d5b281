"""One run at a time per upload: the claim protocol, its heartbeat and the requeue of silent runs.

A run reads an upload only after claiming it: one conditional UPDATE from "queued" to "processing"
that sets ``started_at``. Every later write of the run is conditional on "processing" and that same
``started_at`` (``mine``), so a run that lost its claim (its upload was given back to the queue
after ``PRICE_LIST_PROCESSING_TIMEOUT_S`` of silence and claimed again, or it holds a stale object)
changes nothing: it stops and deletes the draft it made. Each write is also a sign of life
(``heartbeat_at``). The states these UPDATEs filter on come from ``pricing.transitions``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..models import PriceChange, PriceItem, PriceList, PriceListStatus, PriceUpload, UploadStatus
from ..transitions import UPLOAD, sources

log = logging.getLogger(__name__)


class ClaimLost(Exception):
    """Another run owns the upload now (or it is no longer being read)."""


def processing_timeout() -> dt.timedelta:
    """A run silent for this long (its worker or request died) gives its upload back to the queue."""
    return dt.timedelta(seconds=float(settings.PRICE_LIST_PROCESSING_TIMEOUT_S))


def claim_fields(upload: PriceUpload, now: dt.datetime) -> None:
    """Mark an unsaved (or locked) upload as claimed by the caller."""
    upload.status = UploadStatus.PROCESSING
    upload.started_at = upload.heartbeat_at = now
    upload.finished_at = None


def mine(upload: PriceUpload) -> QuerySet[PriceUpload]:
    """The upload's row, as long as this run (the object's ``started_at``) still holds its claim."""
    return PriceUpload.objects.filter(pk=upload.pk, status=UploadStatus.PROCESSING, started_at=upload.started_at)


@contextmanager
def heartbeat(upload: PriceUpload) -> Iterator[None]:
    """A sign of life every ``PRICE_LIST_HEARTBEAT_S`` while the block runs, from a thread of its
    own: a long read (a big workbook inflates before its first chunk) is not taken for a dead run,
    and a dead run falls silent within seconds, so the timeout can be a minute. Not inside a
    transaction (tests, the API's one-transaction import): another connection could not see the row."""
    every = float(getattr(settings, "PRICE_LIST_HEARTBEAT_S", 5))
    if every <= 0 or connection.in_atomic_block:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(every):
                if not mine(upload).update(heartbeat_at=timezone.now()):
                    return  # the claim is lost: the run's next write will find out
        except Exception:  # a missed beat must not kill the run; the next write beats too
            log.warning("price upload %s: heartbeat failed", upload.pk, exc_info=True)
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"heartbeat-{upload.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 30)


def write(upload: PriceUpload, **fields) -> None:
    """A write of the run holding the claim (with a sign of life); ``ClaimLost`` if it lost it."""
    if not mine(upload).update(heartbeat_at=timezone.now(), **fields):
        raise ClaimLost


def conclude(upload: PriceUpload, status: str, **fields) -> None:
    """The run's verdict (ready, invalid, failed), written only while it holds the claim."""
    UPLOAD.check(upload, state=UploadStatus.PROCESSING, to=status, side=None)
    now = timezone.now()
    if not mine(upload).update(status=status, finished_at=now, heartbeat_at=now, **fields):
        raise ClaimLost


def price_upload_claim(*, upload: PriceUpload) -> PriceUpload | None:
    """Claim ``upload`` if it is still queued: the claimed upload, or None when another run got it
    first (or it is no longer queued). Two runs never hold one upload."""
    now = timezone.now()
    claimed = PriceUpload.objects.filter(pk=upload.pk, status__in=sources(UploadStatus.PROCESSING)).update(
        status=UploadStatus.PROCESSING, started_at=now, heartbeat_at=now, finished_at=None
    )
    return PriceUpload.objects.get(pk=upload.pk) if claimed else None


def price_upload_requeue_stale(*, now: dt.datetime | None = None) -> int:
    """Give back to the queue the uploads whose run has been silent longer than the timeout (its
    worker or request died); the next claim reads them again from the start."""
    cutoff = (now or timezone.now()) - processing_timeout()
    silent = Q(heartbeat_at__lt=cutoff) | (
        Q(heartbeat_at__isnull=True) & (Q(started_at__lt=cutoff) | Q(started_at__isnull=True))
    )
    count = PriceUpload.objects.filter(silent, status__in=sources(UploadStatus.QUEUED)).update(
        status=UploadStatus.QUEUED, started_at=None, heartbeat_at=None
    )
    if count:
        log.warning("%s price upload(s) stuck in processing were queued again", count)
    return count


def price_uploads_to_dispatch(*, now: dt.datetime | None = None) -> list[int]:
    """Queued uploads no task has taken: just given back to the queue, or handed to it longer than
    the timeout ago (a task lost with a queue that was down or emptied). Each is marked as handed
    over now, so that the next sweep leaves it to the task it is given."""
    now = now or timezone.now()
    waiting = PriceUpload.objects.filter(status=UploadStatus.QUEUED).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - processing_timeout())
    )
    ids = list(waiting.order_by("created_at", "id").values_list("pk", flat=True))
    PriceUpload.objects.filter(pk__in=ids, status=UploadStatus.QUEUED).update(heartbeat_at=now)
    return ids


def drop_draft(upload: PriceUpload, rows: QuerySet[PriceUpload]) -> None:
    """Forget the upload's draft and delete it, if ``rows`` (the upload's row, as the caller may
    still write it) still points to it."""
    draft_id = upload.draft_id
    upload.draft = None
    if draft_id and rows.filter(draft_id=draft_id).update(draft=None):
        PriceList.objects.filter(pk=draft_id, status=PriceListStatus.DRAFT).delete()


def discard_lost_draft(draft_id: int | None) -> None:
    """Delete a draft this run made unless an upload still holds it (rows written after another
    run deleted the draft included: the items have no database foreign key)."""
    if not draft_id or PriceUpload.objects.filter(draft_id=draft_id).exists():
        return
    PriceList.objects.filter(pk=draft_id, status=PriceListStatus.DRAFT).delete()
    if not PriceList.objects.filter(pk=draft_id).exists():
        PriceItem.objects.filter(price_list_id=draft_id).delete()
        PriceChange.objects.filter(price_list_id=draft_id).delete()


def fail(upload: PriceUpload, message: str, *, status: str = UploadStatus.FAILED) -> None:
    """End the run with ``message`` and without a draft (nothing happens if it lost its claim)."""
    draft_id = upload.draft_id
    drop_draft(upload, mine(upload))
    try:
        conclude(upload, status, message=message)
    except ClaimLost:
        pass
    discard_lost_draft(draft_id)
