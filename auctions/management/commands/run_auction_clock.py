"""The auction clock: opens scheduled auctions when their start comes and closes live ones when
their end has passed, whether or not anybody is watching. Runs until SIGTERM or SIGINT.

Two clocks at once, or a clock restarted, do no harm: each auction is opened or closed in its own
transaction under its row lock (``skip_locked``), and only from the state it must be in.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connection

from auctions import services

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Command(BaseCommand):
    help = "Opens and closes auctions on time; runs until stopped (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.5, help="seconds between ticks (default 0.5)")
        parser.add_argument("--once", action="store_true", help="one tick, then exit")

    def handle(self, *args, interval: float, once: bool, **options):
        stop = threading.Event()
        previous = {} if once else {sig: signal.signal(sig, lambda *_args: stop.set()) for sig in STOP_SIGNALS}
        self.stdout.write(f"auction clock: ticking every {interval:g} s")
        try:
            while not stop.is_set():
                started = time.monotonic()
                self.tick()
                if once:
                    break
                stop.wait(max(0.0, interval - (time.monotonic() - started)))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("auction clock: stopped")

    def tick(self) -> None:
        if not connection.in_atomic_block:  # (inside a test's transaction there is nothing to renew)
            close_old_connections()  # a restarted database must not stop the clock
        try:
            opened, closed = services.auction_clock_tick()
        except DatabaseError:
            logger.exception("auction clock: tick failed; trying again")
            return
        for pk in opened:
            self.stdout.write(f"opened auction {pk}")
        for pk in closed:
            self.stdout.write(f"closed auction {pk}")
