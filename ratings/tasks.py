"""Background recomputes: after commit when something a score depends on changed (coalesced per
buyer), nightly for everyone, and a monthly snapshot that makes the history."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, lock_task

from marketplace.models import Organization, Partnership

from . import compute
from .models import RatingSettings

logger = logging.getLogger(__name__)


@db_task(retries=2, retry_delay=30)
def recompute_buyer(buyer_id: int) -> int:
    with lock_task(f"ratings-recompute-{buyer_id}"):
        # Cleared before computing: an event during the run queues the next run.
        RatingSettings.objects.filter(buyer_id=buyer_id).update(dirty_since=None)
        buyer = Organization.objects.filter(pk=buyer_id).first()
        return compute.scores_recompute(buyer=buyer) if buyer else 0


def recompute_soon(buyer_id: int) -> bool:
    """Queue one recompute of ``buyer_id`` unless one is already queued (a burst gives one run).
    Call it after commit (``transaction.on_commit``). Returns whether a run was queued."""
    RatingSettings.objects.get_or_create(buyer_id=buyer_id)
    claimed = RatingSettings.objects.filter(Q(buyer_id=buyer_id), Q(dirty_since__isnull=True)).update(
        dirty_since=timezone.now()
    )
    if not claimed:
        return False
    if HUEY.immediate:
        recompute_buyer(buyer_id)
    else:  # a short wait lets a burst of events (an import, a batch of moves) land first
        recompute_buyer.schedule((buyer_id,), delay=getattr(settings, "RATINGS_RECOMPUTE_DELAY", 10))
    return True


def on_business_event(*, buyer_id: int, state: str | None = None, **_ignored) -> None:
    """Subscribed to the cabinet's events (see ``apps.py``); an order counts once it completes."""
    from cabinet.models import OrderState

    if state is None or state == OrderState.COMPLETED:
        recompute_soon(buyer_id)


def _buyers_with_partners() -> list[int]:
    return list(Partnership.objects.active().values_list("buyer_id", flat=True).distinct())


@db_periodic_task(crontab(hour="2", minute="30"))
def recompute_nightly() -> None:
    for buyer_id in _buyers_with_partners():
        recompute_buyer(buyer_id)


@db_periodic_task(crontab(day="1", hour="3", minute="0"))
def snapshot_monthly() -> None:
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for buyer in Organization.objects.filter(pk__in=_buyers_with_partners()):
        compute.scores_recompute(buyer=buyer)
        compute.snapshot_take(buyer=buyer, month=month)
