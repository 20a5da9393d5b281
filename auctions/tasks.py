"""The auctions' background work on huey (the clock itself is ``run_auction_clock``)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="*"))
def send_auction_reminders() -> list[int]:
    """Every minute: remind invited suppliers of auctions starting soon (each auction once)."""
    return services.auction_reminders_send()
