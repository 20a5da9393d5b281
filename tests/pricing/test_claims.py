"""One run per upload: the conditional-UPDATE claim, a run that lost it, the requeue of silent runs."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace.actors import Actor
from pricing import services, tasks
from pricing.models import PriceItem, PriceList, PriceListStatus, PriceUpload, UploadStatus
from pricing.services import staging
from tests.concurrency import race
from tests.pricing.factories import upload

pytestmark = pytest.mark.django_db


def _drafts(supplier) -> int:
    return PriceList.objects.filter(supplier=supplier, status=PriceListStatus.DRAFT).count()


def _silent_for(upload_, seconds: int) -> None:
    PriceUpload.objects.filter(pk=upload_.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_it_lets_one_run_claim_an_upload(supplier):
    item = upload(supplier, process=False)
    claimed = services.price_upload_claim(upload=item)
    assert claimed == item and services.price_upload_claim(upload=item) is None
    assert services.price_upload_process(upload=claimed).status == UploadStatus.READY


def test_it_reads_an_upload_once_when_the_worker_claimed_it_first(supplier):
    stale = upload(supplier, process=False)  # the page's object, still saying "queued"
    claimed = services.price_upload_claim(upload=stale)
    assert services.price_upload_process(upload=stale).status == UploadStatus.PROCESSING  # not read twice
    done = services.price_upload_process(upload=claimed)
    assert done.status == UploadStatus.READY and _drafts(supplier) == 1
    assert PriceItem.objects.filter(price_list=done.draft).count() == 1


def test_it_keeps_a_published_upload_when_a_late_run_comes_back(supplier):
    item = upload(supplier, process=False)
    claimed = services.price_upload_claim(upload=item)
    late = PriceUpload.objects.get(pk=claimed.pk)  # the same claim held twice (a stale copy)
    site = Actor.system(supplier)
    published = services.price_upload_publish(upload=services.price_upload_process(upload=claimed), actor=site)
    again = services.price_upload_process(upload=late)
    assert (again.status, again.published_id) == (UploadStatus.PUBLISHED, published.pk)
    assert _drafts(supplier) == 0 and PriceList.objects.filter(supplier=supplier).count() == 1
    with pytest.raises(ValidationError):
        services.price_upload_publish(upload=item, actor=site)
    assert list(PriceList.objects.values_list("version", flat=True)) == [1]


def test_it_stops_a_run_that_lost_its_claim(supplier, settings, monkeypatch):
    settings.PRICE_LIST_PROCESSING_TIMEOUT_S = 60
    first = services.price_upload_claim(upload=upload(supplier, process=False))
    real_write_items = staging.write_items

    def stalls_then_writes(draft, frame):  # the first run stalls past the timeout; another takes over
        _silent_for(first, 61)
        assert services.price_upload_requeue_stale() == 1
        second = services.price_upload_claim(upload=first)
        assert second is not None and second.pk == first.pk
        monkeypatch.setattr(staging, "write_items", real_write_items)
        assert services.price_upload_process(upload=second).status == UploadStatus.READY
        real_write_items(draft, frame)

    monkeypatch.setattr(staging, "write_items", stalls_then_writes)
    result = services.price_upload_process(upload=first)
    assert result.status == UploadStatus.READY and _drafts(supplier) == 1
    assert PriceItem.objects.count() == 1 and PriceItem.objects.get().price_list_id == result.draft_id


def test_it_waits_a_minute_by_default_before_requeueing(supplier, settings):
    # the default lives in settings only; a run beats every few seconds (claims.heartbeat), issue 10
    assert settings.PRICE_LIST_PROCESSING_TIMEOUT_S == 60
    item = services.price_upload_claim(upload=upload(supplier, process=False))
    _silent_for(item, 59)
    assert services.price_upload_requeue_stale() == 0
    _silent_for(item, 61)
    assert services.price_upload_requeue_stale() == 1
    item.refresh_from_db()
    assert item.status == UploadStatus.QUEUED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_reads_each_upload_once_with_racing_queue_tasks_and_pages(supplier, monkeypatch):
    from pricing.services import uploads

    monkeypatch.setattr(uploads, "enqueue", lambda upload_id: None)  # the queue has not got to them yet
    items = [upload(supplier, process=False) for _ in range(3)]

    def work(i):
        if i < 3:  # a page reading "its" upload inline from a stale object
            return services.price_upload_process(upload=items[i]).pk
        return tasks.process_price_upload.call_local(items[i - 3].pk)  # a queue task for the same upload

    results = race(6, work)
    assert [kind for kind, _ in results] == ["ok"] * 6
    assert PriceUpload.objects.filter(status=UploadStatus.READY).count() == 3
    assert _drafts(supplier) == 3 and PriceItem.objects.count() == 3
