"""Price-list work of the task queue (huey; ``manage.py run_huey`` runs it).

A committed upload that the page did not read itself is handed to ``process_price_upload``. The
task reads it only if it can claim it (the conditional UPDATE of ``services.claims``): a task that
comes twice, or after the page, or after the upload was discarded, does nothing. Should a worker
die while reading, the upload's heartbeat goes silent; ``requeue_price_uploads``, every minute,
gives such uploads back to the queue and hands them to a task again, so that they are read from
the start by another run. Publishing is the supplier's act, never a task's: nothing is published
twice.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import services
from .models import PriceUpload, UploadStatus


@db_task()
def process_price_upload(upload_id: int) -> None:
    upload = PriceUpload.objects.filter(pk=upload_id, status=UploadStatus.QUEUED).first()
    if upload is not None:  # else read already (by the page or another task), discarded or gone
        services.price_upload_process(upload=upload)


@db_periodic_task(crontab(minute="*"))
def requeue_price_uploads() -> None:
    """Uploads whose run went silent longer than ``PRICE_LIST_PROCESSING_TIMEOUT_S``, and queued
    uploads whose task was lost, are handed to the queue again."""
    services.price_upload_requeue_stale()
    for upload_id in services.price_uploads_to_dispatch():
        process_price_upload(upload_id)
