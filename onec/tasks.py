"""1C exchange work of the task queue: a big ``offers.xml`` is imported here while 1C is told
``progress``; its result waits on the exchange's history line for 1C's next ``mode=import``."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from marketplace.actors import Actor

from . import catalog, services
from .models import Exchange, ExchangeResult

log = logging.getLogger(__name__)


@db_task()
def import_offers(exchange_id: int) -> None:
    exchange = (
        Exchange.objects.select_related("api_key__organization")
        .filter(pk=exchange_id, result=ExchangeResult.PROGRESS)
        .first()
    )
    if exchange is None:
        return
    if exchange.api_key is None or not exchange.api_key.is_active:
        services.exchange_finish(exchange=exchange, result="failure", message=_("The API key was revoked."))
        return
    folder = services.exchange_folder(exchange.supplier_id, exchange.kind)
    path = folder / exchange.filename
    try:
        outcome = catalog.publish(
            actor=Actor.of_api_key(exchange.api_key), goods_path=catalog.goods_file(folder, path.name), offers_path=path
        )
    except Exception:  # a worker must survive one bad file and tell 1C
        log.exception("1C import %s failed", exchange_id)
        outcome = catalog.Outcome("failure", [_("The file could not be imported; try the exchange again.")])
    services.exchange_finish(exchange=exchange, result=outcome.result, message=outcome.message, items=outcome.items)
