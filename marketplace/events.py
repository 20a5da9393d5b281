"""Business events that other apps may follow, delivered after the transaction commits.

An app that owns the business publishes (``events.publish("order_moved", buyer_id=..., ...)``);
an app that derives something from it (ratings, webhooks) subscribes in its ``AppConfig.ready()``.
So the publisher never imports its followers, and a rolled-back change is never heard of.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)

_SUBSCRIBERS: dict[str, list[Callable[..., None]]] = defaultdict(list)


def subscribe(kind: str, handler: Callable[..., None]) -> None:
    if handler not in _SUBSCRIBERS[kind]:
        _SUBSCRIBERS[kind].append(handler)


def _deliver(kind: str, params: dict) -> None:
    for handler in list(_SUBSCRIBERS.get(kind, ())):
        try:
            handler(**params)
        except Exception:  # a follower that fails must not undo business that already committed
            logger.exception("events: %s handler %r failed", kind, handler)


def publish(kind: str, **params) -> None:
    """Tell every subscriber of ``kind`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _deliver(kind, params))
