"""Writes of the 1C exchange's history and where an exchange's files are kept."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone

from marketplace.actors import Actor
from marketplace.models import Exchange

HISTORY_KEPT = 200  # exchanges kept per supplier


def exchange_folder(supplier_id: int, kind: str) -> Path:
    """Where the files of a supplier's current exchange of ``kind`` (catalog, sale) are kept."""
    return Path(settings.MEDIA_ROOT) / "exchange_1c" / str(supplier_id) / kind


def exchange_record(*, actor: Actor, kind: str, mode: str, result: str, filename: str = "", **fields) -> Exchange:
    """One line of the exchange history (the oldest beyond ``HISTORY_KEPT`` are dropped)."""
    now = timezone.now()
    exchange = Exchange.objects.create(
        supplier=actor.organization,
        api_key=actor.api_key,
        created_at=now,
        finished_at=None if result == "progress" else now,
        kind=kind,
        mode=mode,
        filename=filename[:255],
        result=result,
        **fields,
    )
    old = Exchange.objects.filter(supplier=actor.organization).values_list("pk", flat=True)[HISTORY_KEPT:]
    Exchange.objects.filter(pk__in=list(old)).delete()
    return exchange


def exchange_finish(*, exchange: Exchange, result: str, message: str, **counts) -> Exchange:
    """A background import is done: its result waits for 1C's next call (``answered`` False)."""
    exchange.result, exchange.message, exchange.finished_at = result, message, timezone.now()
    for name, value in counts.items():
        setattr(exchange, name, value)
    exchange.answered = False
    exchange.save(update_fields=["result", "message", "finished_at", "answered", *counts])
    return exchange
