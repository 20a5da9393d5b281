"""The worker that reads queued price-list uploads (files too big to read inside the request).

Runs until stopped; several may run side by side: each claims an upload with
``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL and a conditional UPDATE (queued → processing).
Before each claim, uploads whose run has been silent for ``PRICE_LIST_PROCESSING_TIMEOUT_S``
(default 900 s: its worker or request died) are queued again."""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from pricing import services


class Command(BaseCommand):
    help = "Read queued price-list uploads and prepare their previews; runs until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="process what is queued, then exit")
        parser.add_argument("--sleep", type=float, default=1.0, help="seconds to wait when the queue is empty")

    def handle(self, *args, once: bool = False, sleep: float = 1.0, **options):
        self.running = True

        def stop(signum, frame):
            self.running = False

        if not once:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        while self.running:
            if not once:  # a long-running worker drops broken or outlived connections
                close_old_connections()
            upload = services.price_upload_claim()
            if upload is None:
                if once:
                    return
                time.sleep(sleep)
                continue
            upload = services.price_upload_process(upload=upload)
            if options.get("verbosity", 1) > 1:
                self.stdout.write(f"upload {upload.pk}: {upload.status}, {upload.total_rows} rows")
