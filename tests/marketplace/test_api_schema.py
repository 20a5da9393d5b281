"""The published OpenAPI schema says what the API does (issue 10 item 8, issue 11): paged lists as
pages, every error an operation can answer with the one Error body, and for each operation a
summary, a description and an example."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PAGED = [
    "/api/v1/orders/",
    "/api/v1/price-lists/",
    "/api/v1/price-lists/{id}/items/",
    "/api/v1/offers/",
    "/api/v1/auctions/",
    "/api/v1/auctions/{id}/bids/",
    "/api/v1/requests/",
    "/api/v1/ratings/",
]
SYNCED = ["/api/v1/orders/", "/api/v1/price-lists/", "/api/v1/auctions/", "/api/v1/requests/"]


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", path, method, operation


@pytest.mark.parametrize("path", PAGED)
def test_paged_lists_are_described_as_pages(schema, path):
    body = _resolve(schema, schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"])
    shapes = body.get("oneOf", [body])
    page = shapes[0]
    assert page["type"] == "object" and {"count", "results"} <= set(page["required"])
    assert page["properties"]["results"]["type"] == "array"
    assert [p["name"] for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "page"] == ["page"]
    if path in SYNCED:
        changes = shapes[1]
        assert set(changes["required"]) == {"results", "next", "more"}
        names = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert {"updated_since", "cursor"} <= names
    else:
        assert len(shapes) == 1


def test_plain_lists_stay_arrays(schema):
    body = schema["paths"]["/api/v1/webhooks/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"


def test_every_operation_lists_its_errors_with_the_error_body(schema):
    error = schema["components"]["schemas"]["Error"]
    assert {"detail", "code", "message", "errors"} <= set(error["properties"])
    for label, path, method, operation in _operations(schema):
        codes = set(operation["responses"])
        expected = {"400", "401", "403", "429"}
        if "{" in path:
            expected.add("404")
        if method in ("post", "put"):
            expected |= {"413", "415"}
        if method == "post":
            expected.add("422")
        assert expected <= codes, (label, sorted(expected - codes))
        for code in codes - {"200", "201", "202", "204"}:
            content = operation["responses"][code]["content"]["application/json"]
            assert content["schema"]["$ref"].endswith(("/Error", "Refusal")), (label, code)
        assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_every_post_documents_the_idempotency_key(schema):
    for label, _path, method, operation in _operations(schema):
        if method == "post":
            assert "Idempotency-Key" in {p["name"] for p in operation.get("parameters", [])}, label


def test_every_operation_has_a_summary_a_description_and_an_example(schema):
    missing = []
    for label, _path, _method, operation in _operations(schema):
        success = [code for code in operation["responses"] if code.startswith("2")]
        success_examples = [
            name
            for code in success
            for media in operation["responses"][code].get("content", {}).values()
            for name in media.get("examples", {})
        ]
        request_examples = [
            name
            for media in operation.get("requestBody", {}).get("content", {}).values()
            for name in media.get("examples", {})
        ]
        if not operation.get("summary"):
            missing.append(f"{label}: summary")
        if not operation.get("description"):
            missing.append(f"{label}: description")
        has_body = "requestBody" in operation or any("content" in operation["responses"][c] for c in success)
        if has_body and not (success_examples or request_examples):
            missing.append(f"{label}: example")
    assert missing == []


def test_an_unknown_api_address_answers_the_json_404(api, buyer):
    for path in ("/api/v1/orders/-1/", "/api/v1/no-such-thing/", "/api/v1/auctions/abc/"):
        response = api(buyer).get(path)
        assert response.status_code == 404 and response.json() == {"detail": "Not found."}, path


def test_a_form_of_too_many_fields_answers_the_json_400(api, buyer):
    body = "&".join(f"f{n}=1" for n in range(1500))
    response = api(buyer).generic("POST", "/api/v1/orders/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "too many fields" in response.json()["detail"]
