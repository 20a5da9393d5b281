"""Finding 9 of issue 10: item errors in the contract's shape, unknown item keys, 409 for a lost
publish race, static files without collectstatic, a heartbeat that lets the timeout be a minute."""

import datetime as dt
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from marketplace.staticfiles import FallbackManifestStorage
from pricing import services
from pricing.api import PriceListUploadSerializer, _field_errors
from pricing.models import PriceList, PriceUpload, UploadStatus
from pricing.services import claims
from tests.pricing.factories import publish, upload

ITEM = {"sku": "A-1", "name": "Bolt", "unit": "pcs", "price": "1.00", "currency": "RUB"}


def test_it_answers_item_errors_as_rows_not_a_python_repr():
    serializer = PriceListUploadSerializer(data={"items": [ITEM, {1, 2}]})  # an item that is no JSON
    assert not serializer.is_valid()
    errors = _field_errors(serializer.errors)
    assert [(e["row"], e["column"]) for e in errors] == [(2, None)]
    assert all(isinstance(e["message"], str) and "ErrorDetail" not in e["message"] for e in errors)


def test_it_refuses_unknown_keys_inside_items(api, supplier):
    items = [ITEM, {**ITEM, "sku": "A-2", "prise": "2.00"}]
    response = api(supplier).post("/api/v1/price-lists/", {"items": items}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["row"] for e in errors] == [2]
    assert "prise" in errors[0]["message"]
    assert not PriceList.objects.filter(supplier=supplier).exists()


def test_it_says_which_publish_lost_the_race(supplier):
    staged = upload(supplier)
    assert staged.status == UploadStatus.READY
    publish(supplier)  # another version goes live after the preview
    with pytest.raises(ValidationError) as refused:
        services.price_upload_publish(upload=staged, actor=_system(supplier))
    assert refused.value.error_list[0].code == services.PUBLISH_RACE


def _system(supplier):
    from marketplace.actors import Actor

    return Actor.system(supplier)


def test_it_answers_a_lost_publish_race_with_409(api, supplier, monkeypatch):
    def overtaken(**kwargs):
        raise ValidationError("Another version was published after this preview.", code=services.PUBLISH_RACE)

    monkeypatch.setattr(services, "price_list_import", overtaken)
    response = api(supplier).post("/api/v1/price-lists/", {"items": [ITEM]}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == services.PUBLISH_RACE


def test_it_serves_pages_with_debug_off_and_no_collectstatic(client, settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path  # nothing collected there
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "marketplace.staticfiles.FallbackManifestStorage"},
    }
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "/static/css/site.css" in response.content.decode()


def test_it_links_the_unhashed_name_without_a_manifest(tmp_path):
    storage = FallbackManifestStorage(location=tmp_path)
    assert storage.url("css/site.css").endswith("css/site.css")


def test_it_presumes_a_run_dead_after_a_minute():
    from django.conf import settings

    assert settings.PRICE_LIST_PROCESSING_TIMEOUT_S <= 60
    assert 0 < settings.PRICE_LIST_HEARTBEAT_S <= 10


@pytest.mark.django_db(transaction=True)
def test_it_beats_while_a_long_read_runs(supplier, settings):
    settings.PRICE_LIST_HEARTBEAT_S = 0.05
    staged = upload(supplier, process=False)
    long_ago = timezone.now() - dt.timedelta(seconds=30)
    PriceUpload.objects.filter(pk=staged.pk).update(
        status=UploadStatus.PROCESSING, started_at=long_ago, heartbeat_at=long_ago
    )
    running = PriceUpload.objects.get(pk=staged.pk)
    with claims.heartbeat(running):
        time.sleep(0.5)  # a read that writes nothing for a while
    assert PriceUpload.objects.get(pk=staged.pk).heartbeat_at > long_ago + dt.timedelta(seconds=29)
    assert not [t for t in threading.enumerate() if t.name == f"heartbeat-{staged.pk}"]
