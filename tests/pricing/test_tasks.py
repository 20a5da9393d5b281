"""Uploads on the task queue (huey in immediate mode, as the library recommends for tests; a real
consumer process reads one in tests/marketplace/test_tasks.py)."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from pricing import services, tasks
from pricing.models import PriceUpload, UploadStatus
from tests.pricing.factories import upload

pytestmark = pytest.mark.django_db


def _silent_for(upload_, seconds: int) -> None:
    PriceUpload.objects.filter(pk=upload_.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=seconds))


def _status(upload_) -> str:
    upload_.refresh_from_db()
    return upload_.status


def test_it_reads_a_queued_upload_once_it_is_committed(supplier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        item = upload(supplier, process=False)
    assert _status(item) == UploadStatus.QUEUED  # nothing is handed over before the commit
    for callback in callbacks:
        callback()
    assert _status(item) == UploadStatus.READY and item.draft is not None


def test_it_queues_nothing_that_was_rolled_back(supplier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        with transaction.atomic():
            upload(supplier, process=False)
            raise RuntimeError("the request failed after the upload was kept")
    assert callbacks == [] and not PriceUpload.objects.exists()


def test_it_leaves_an_upload_that_another_run_holds(supplier):
    item = upload(supplier, process=False)
    claimed = services.price_upload_claim(upload=item)
    tasks.process_price_upload(item.pk)  # a task that comes after the page claimed it
    assert _status(item) == UploadStatus.PROCESSING
    assert services.price_upload_process(upload=claimed).status == UploadStatus.READY
    tasks.process_price_upload(item.pk)  # and one that comes twice
    assert _status(item) == UploadStatus.READY


def test_it_reads_again_an_upload_whose_worker_died(supplier, settings):
    settings.PRICE_LIST_PROCESSING_TIMEOUT_S = 60
    stuck = services.price_upload_claim(upload=upload(supplier, process=False))  # then its worker dies
    alive = services.price_upload_claim(upload=upload(supplier, process=False))  # still working
    _silent_for(stuck, 61)
    _silent_for(alive, 30)
    tasks.requeue_price_uploads()
    assert _status(stuck) == UploadStatus.READY and stuck.draft is not None
    assert _status(alive) == UploadStatus.PROCESSING


def test_it_hands_over_again_an_upload_whose_task_was_lost(supplier, settings):
    settings.PRICE_LIST_PROCESSING_TIMEOUT_S = 60
    lost = upload(supplier, process=False)  # its task went with a queue that was emptied
    waiting = upload(supplier, process=False)  # its task is still in the queue
    _silent_for(lost, 61)
    tasks.requeue_price_uploads()
    assert _status(lost) == UploadStatus.READY
    assert _status(waiting) == UploadStatus.QUEUED
    assert services.price_uploads_to_dispatch() == []  # handed over once per timeout, not every minute
