"""Finding 2 of issue 10, the API's side: a file too big to read within its request goes to the task
queue (202 with the upload's id and a status URL to poll), and the limits that bound a read are
checked before the read through the API as well."""

import io
import time

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pricing.importers import xlsx_reader
from pricing.models import PriceList, PriceListStatus, PriceUpload, UploadStatus
from tests.pricing.factories import csv_bytes, publish

pytestmark = pytest.mark.django_db
URL = "/api/v1/price-lists/"
GOOD = csv_bytes([("A-1", "Bolt", "pcs", "1.50", 1), ("A-2", "Nut", "pcs", "0.20", 1)])
BAD = csv_bytes([("A-1", "Bolt", "pcs", "1.50", 1), ("A-2", "Nut", "pcs", "cheap", 1)])


def _xlsx(rows: int) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["SKU", "Name", "Unit", "Price"])
    for i in range(rows):
        book.active.append([f"A-{i}", "Bolt", "pcs", 1])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _post(client, name: str, data: bytes, **extra):
    return client.post(URL, {"file": SimpleUploadedFile(name, data), "currency": "RUB", **extra}, format="multipart")


@pytest.fixture
def queued_post(api, supplier, settings, django_capture_on_commit_callbacks):
    """POST a file over the inline limit; the queue (huey, immediate) reads it once the request's
    transaction commits. Gives (client, response)."""
    settings.PRICE_LIST_INLINE_BYTES = 20
    client = api(supplier)

    def do(name: str, data: bytes):
        with django_capture_on_commit_callbacks() as committed:
            response = _post(client, name, data)
        assert response.status_code == 202, response.content
        assert PriceUpload.objects.get().status == UploadStatus.QUEUED  # nothing read in the request
        for callback in committed:
            callback()
        return client, response

    return do


def test_it_answers_202_with_a_status_url_and_the_queue_publishes_a_clean_file(queued_post, supplier):
    client, response = queued_post("big.csv", GOOD)
    body = response.json()
    upload = PriceUpload.objects.get()
    assert body == {"id": upload.pk, "status": "queued", "status_url": body["status_url"]}
    assert body["status_url"].endswith(f"/api/v1/price-lists/uploads/{upload.pk}/")
    assert response["Location"] == body["status_url"] and int(response["Retry-After"]) > 0
    status = client.get(body["status_url"])
    assert status.status_code == 200 and "Retry-After" not in status
    data = status.json()
    assert data["status"] == "published" and data["errors"] == [] and data["total_rows"] == 2
    version = PriceList.objects.get(pk=data["price_list"])
    assert version.status == PriceListStatus.ACTIVE and version.rows == 2 and version.channel == "api"
    assert client.get(f"{URL}{version.pk}/items/").json()["count"] == 2


def test_it_publishes_nothing_from_a_queued_file_with_errors(queued_post):
    client, response = queued_post("big.csv", BAD)
    data = client.get(response.json()["status_url"]).json()
    assert data["status"] == "invalid" and data["price_list"] is None
    assert [(e["row"], e["column"]) for e in data["errors"]] == [(3, "price")]
    assert all(set(e) == {"row", "column", "message"} for e in data["errors"])
    assert not PriceList.objects.filter(status=PriceListStatus.ACTIVE).exists()


def test_it_says_so_when_another_version_overtook_a_queued_file(queued_post, supplier, monkeypatch):
    from pricing.services import processing

    staged = processing.stage

    def stage_then_overtaken(upload, chunks, **kwargs):
        staged(upload, chunks, **kwargs)
        publish(supplier, [("X-1", "Other", "pcs", "9", 1)])  # another version lands while this one is read

    monkeypatch.setattr(processing, "stage", stage_then_overtaken)
    client, response = queued_post("big.csv", GOOD)
    data = client.get(response.json()["status_url"]).json()
    assert data["status"] == "ready" and data["price_list"] is None
    assert "Another version was published" in data["message"]
    assert PriceList.objects.get(status=PriceListStatus.ACTIVE).rows == 1


def test_it_keeps_small_files_in_the_request(api, supplier):
    response = _post(api(supplier), "small.csv", GOOD)
    assert response.status_code == 201 and response.json()["rows"] == 2


def test_it_queues_a_small_workbook_that_unpacks_past_the_inline_limit(api, supplier, settings):
    data = _xlsx(200)
    settings.PRICE_LIST_INLINE_BYTES = len(data) + 1  # the file is under the limit, what it unpacks to is not
    response = _post(api(supplier), "rows.xlsx", data)
    assert response.status_code == 202
    assert PriceUpload.objects.get().publish_when_ready


def test_the_page_queues_such_a_workbook_too(login, sam, settings):
    data = _xlsx(200)
    settings.PRICE_LIST_INLINE_BYTES = len(data) + 1
    login(sam).post(
        reverse("pricing:upload"), {"file": SimpleUploadedFile("rows.xlsx", data), "currency": "RUB", "mode": "full"}
    )
    upload = PriceUpload.objects.get()
    assert upload.status == UploadStatus.QUEUED and not upload.publish_when_ready


def test_it_refuses_a_csv_header_of_half_a_million_columns_through_the_api_quickly(api, supplier):
    data = ("sku,name,price," + ",".join("c" for _ in range(500_000)) + "\nA-1,Bolt,1\n").encode()
    started = time.monotonic()
    response = _post(api(supplier), "wide.csv", data)
    assert time.monotonic() - started < 5
    assert response.status_code == 400
    assert "columns" in response.json()["errors"][0]["message"]
    assert not PriceUpload.objects.exists()


def test_it_refuses_a_workbook_bomb_through_the_api_before_inflating_it(api, supplier, monkeypatch):
    monkeypatch.setattr(xlsx_reader, "MAX_INFLATED_BYTES", 1000)

    def never(*args, **kwargs):
        raise AssertionError("the workbook was read")

    monkeypatch.setattr(xlsx_reader, "_read_sheet", never)
    response = _post(api(supplier), "bomb.xlsx", _xlsx(10))
    assert response.status_code == 400
    assert "unpacks to" in response.json()["errors"][0]["message"]


def test_the_status_of_an_upload_is_its_suppliers_alone(api, supplier, supplier2, buyer, queued_post):
    _client, response = queued_post("big.csv", GOOD)
    url = response.json()["status_url"]
    assert api(supplier2).get(url).status_code == 404
    assert api(buyer).get(url).status_code == 404  # an upload is only ever its supplier's
    assert api(supplier).get("/api/v1/price-lists/uploads/999999/").status_code == 404


def test_the_schema_documents_the_202_and_the_status_resource(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    post = schema["paths"]["/api/v1/price-lists/"]["post"]
    assert "202" in post["responses"]
    status = schema["paths"]["/api/v1/price-lists/uploads/{id}/"]["get"]
    component = status["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"id", "status", "errors", "price_list"} <= set(schema["components"]["schemas"][component]["properties"])
