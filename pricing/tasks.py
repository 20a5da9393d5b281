"""Price-list work of the task queue (huey; ``manage.py run_huey`` runs it).

A committed upload that the page did not read itself is handed to ``process_price_upload``. The
task reads it only if it can claim it (the conditional UPDATE of ``services.claims``): a task that
comes twice, or after the page, or after the upload was discarded, does nothing. Should a worker
die while reading, the upload's heartbeat goes silent; ``requeue_price_uploads``, every minute,
gives such uploads back to the queue and hands them to a task again, so that they are read from
the start by another run. Publishing is the supplier's act, never a task's: nothing is published
twice. (The exception is 1C's exchange, which publishes by itself: a big ``offers.xml`` is imported by
``import_offers_1c`` while 1C is told ``progress``.)
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from marketplace.actors import Actor
from marketplace.exchange.protocol import Outcome
from marketplace.exchange.services import exchange_finish, exchange_folder
from marketplace.models import Exchange, ExchangeResult

from . import services
from .models import PriceUpload, UploadStatus
from .services import exchange

log = logging.getLogger(__name__)


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


@db_task()
def import_offers_1c(exchange_id: int) -> None:
    """A big ``offers.xml`` of the 1C exchange, imported while 1C is told ``progress``
    (``pricing.exchange_1c``); its result waits on the exchange's history line for 1C's next
    ``mode=import``."""
    queued = (
        Exchange.objects.select_related("api_key__organization")
        .filter(pk=exchange_id, result=ExchangeResult.PROGRESS)
        .first()
    )
    if queued is None:
        return
    if queued.api_key is None or not queued.api_key.is_active:
        exchange_finish(exchange=queued, result="failure", message=_("The API key was revoked."))
        return
    folder = exchange_folder(queued.supplier_id, queued.kind)
    path = folder / queued.filename
    try:
        outcome = exchange.publish(
            actor=Actor.of_api_key(queued.api_key), goods_path=exchange.goods_file(folder, path.name), offers_path=path
        )
    except Exception:  # a worker must survive one bad file and tell 1C
        log.exception("1C import %s failed", exchange_id)
        outcome = Outcome("failure", [_("The file could not be imported; try the exchange again.")])
    exchange_finish(exchange=queued, result=outcome.result, message=outcome.message, items=outcome.items)
