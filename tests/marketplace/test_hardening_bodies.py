"""Finding 3 of issue 10: request bodies have a ceiling checked before they are read, a body that is
too big or cannot be parsed is answered in words (the API's JSON on /api/, a page elsewhere), and
the login rate limit keys on the client behind a trusted proxy, never on the proxy itself."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from marketplace import bodies
from marketplace.proxies import ForwardedProtoMiddleware, client_ip
from tests.caches import clear_cache
from tests.factories import PASSWORD
from tests.pricing.factories import csv_bytes

LOGIN = "/accounts/login/"
PRICE_LISTS = "/api/v1/price-lists/"


def _run(coroutine):
    """The coroutine on its own event loop in a thread: a browser test before this one in the same
    worker may have left Playwright's loop running in the main thread (asyncio.run would refuse)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture
def small_limit(settings):
    settings.REQUEST_MAX_BYTES = 4000
    return settings.REQUEST_MAX_BYTES


# --- the ASGI layer: a body over the limit is never read ------------------------------------------


def _asgi(scope_headers, messages):
    """Run ``BodyLimit`` around an app that reads the body as Django's handler does; what the app
    saw: (its scope, the body, how many client messages were read)."""
    seen = {"body": b"", "read": 0}
    client = list(messages)

    async def receive():
        seen["read"] += 1
        return client.pop(0)

    async def app(scope, receive, send):
        seen["scope"] = scope
        while True:
            message = await receive()
            seen["body"] += message.get("body", b"")
            if not message.get("more_body"):
                break

    async def send(message):
        pass

    scope = {"type": "http", "method": "POST", "path": LOGIN, "headers": scope_headers}
    _run(bodies.BodyLimit(app)(scope, receive, send))
    return seen


def test_it_never_reads_a_body_whose_length_is_over_the_limit(small_limit):
    seen = _asgi([(b"content-length", b"100000000")], [{"type": "http.request", "body": b"x" * 5000}])
    assert seen["read"] == 0 and seen["body"] == b""
    assert seen["scope"][bodies.REFUSED] == 100_000_000
    assert dict(seen["scope"]["headers"])[b"content-length"] == b"0"


def test_it_stops_reading_a_chunked_body_at_the_limit(small_limit):
    chunks = [{"type": "http.request", "body": b"x" * 1000, "more_body": True} for _ in range(100)]
    seen = _asgi([(b"transfer-encoding", b"chunked")], chunks)
    assert seen["read"] == 5 and bodies.REFUSED in seen["scope"]  # 5,000 bytes: past 4,000, no further


def test_it_passes_a_body_within_the_limit(small_limit):
    seen = _asgi([(b"content-length", b"3")], [{"type": "http.request", "body": b"a=1"}])
    assert seen["body"] == b"a=1" and bodies.REFUSED not in seen["scope"]


@pytest.mark.django_db(transaction=True)
def test_the_whole_asgi_application_answers_413_with_a_page(small_limit):
    from channels.testing import HttpCommunicator

    from marketplace.asgi import application

    async def post():
        communicator = HttpCommunicator(
            application,
            "POST",
            LOGIN,
            body=b"x" * 5000,
            headers=[(b"content-type", b"multipart/form-data; boundary=z")],
        )
        return await communicator.get_response(timeout=10)

    response = _run(post())
    assert response["status"] == 413
    page = response["body"].decode()
    assert "The request is too large" in page and "the limit is 3.9" in page and "<html" in page


# --- Django: the same limit, and bodies that cannot be parsed ----------------------------------------


@pytest.mark.django_db
def test_a_page_refuses_a_body_over_the_limit_with_a_page(client, small_limit):
    response = client.post(LOGIN, {"login": "a@b.test", "password": "x" * 5000})
    assert response.status_code == 413
    assert "The request is too large" in response.content.decode()


@pytest.mark.django_db
def test_the_api_refuses_a_body_over_the_limit_in_json(api, supplier, small_limit):
    response = api(supplier).post(PRICE_LISTS, {"file": SimpleUploadedFile("a.csv", b"x" * 5000)}, format="multipart")
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]


@pytest.mark.django_db
def test_a_malformed_multipart_body_gets_a_page_not_a_bare_400(client):
    response = client.generic("POST", LOGIN, b"--nope\r\ngarbage", content_type="multipart/form-data")
    assert response.status_code == 400
    assert "could not be read" in response.content.decode() and "<html" in response.content.decode()


@pytest.mark.django_db
def test_a_malformed_multipart_body_gets_the_apis_json(api, supplier):
    response = api(supplier).generic("POST", PRICE_LISTS, b"--nope\r\ngarbage", content_type="multipart/form-data")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json()["detail"]


@pytest.mark.django_db
def test_too_many_fields_get_the_apis_json(api, supplier, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    response = api(supplier).post(PRICE_LISTS, {f"f{i}": "1" for i in range(10)}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"detail": "The form sent too many fields or files."}


@pytest.mark.django_db
def test_too_many_fields_get_a_page(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    settings.DEBUG = False
    response = client.post(LOGIN, {f"f{i}": "1" for i in range(10)})
    assert response.status_code == 400
    assert "too many fields" in response.content.decode()


@pytest.mark.django_db
def test_a_json_body_over_the_memory_limit_is_a_413_in_json(api, supplier, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    items = [{"sku": f"A-{i}", "name": "Bolt", "unit": "pcs", "price": "1"} for i in range(100)]
    response = api(supplier).post(PRICE_LISTS, {"items": items, "currency": "RUB"}, format="json")
    assert response.status_code == 413 and "besides files" in response.json()["detail"]


@pytest.mark.django_db
def test_a_file_bigger_than_the_memory_limit_still_uploads_with_an_idempotency_key(api, supplier, settings):
    """``request.body`` refuses more than DATA_UPLOAD_MAX_MEMORY_SIZE: the idempotency middleware
    read it, so every file over 10 MB sent with an Idempotency-Key was a bare 400."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    data = csv_bytes([(f"A-{i}", "Bolt", "pcs", "1.50", 1) for i in range(200)])
    assert len(data) > 1000
    client = api(supplier)
    response = client.post(
        PRICE_LISTS,
        {"file": SimpleUploadedFile("big.csv", data), "currency": "RUB"},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="upload-1",
    )
    assert response.status_code == 201, response.content
    assert response.json()["rows"] == 200


# --- the client's address behind a proxy -----------------------------------------------------------


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_it_believes_x_forwarded_for_from_a_trusted_proxy_only(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.0/8", "::1", "10.0.0.0/8"]
    assert client_ip(_request("127.0.0.1", "198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request("::1", "198.51.100.7")) == "198.51.100.7"
    # a client that reaches daphne directly cannot choose its address
    assert client_ip(_request("203.0.113.9", "198.51.100.7")) == "203.0.113.9"
    # what a client wrote left of the hops our proxies appended is not believed
    assert client_ip(_request("127.0.0.1", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    # a chain of trusted proxies is walked from the right
    assert client_ip(_request("127.0.0.1", "198.51.100.7, 10.1.2.3")) == "198.51.100.7"
    assert client_ip(_request("127.0.0.1", "garbage, 10.1.2.3")) == "10.1.2.3"
    assert client_ip(_request("127.0.0.1")) == "127.0.0.1"


def test_it_trusts_no_proxy_when_told_so(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("127.0.0.1", "198.51.100.7")) == "127.0.0.1"


def test_x_forwarded_proto_counts_only_from_a_trusted_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    seen = []
    middleware = ForwardedProtoMiddleware(lambda request: seen.append(request.is_secure()))
    for peer in ("127.0.0.1", "203.0.113.9"):
        middleware(RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_PROTO="https"))
    assert seen == [True, False]  # a plain-HTTP client cannot call itself secure


def _logs_in(client, **where) -> bool:
    client.post(LOGIN, {"login": "alice@acme.test", "password": PASSWORD}, **where)
    logged_in = "_auth_user_id" in client.session
    client.logout()
    return logged_in


@pytest.mark.django_db
def test_ten_bad_logins_from_one_forwarded_address_do_not_lock_out_another(client, alice, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
    clear_cache()
    attacker = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    for i in range(10):
        client.post(LOGIN, {"login": f"nobody{i}@acme.test", "password": "wrong"}, **attacker)
    assert not _logs_in(client, **attacker)  # the limit holds for the address that failed
    assert _logs_in(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    clear_cache()


@pytest.mark.django_db
def test_a_forged_x_forwarded_for_does_not_escape_the_limit(client, alice, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
    clear_cache()
    for i in range(10):  # straight to daphne, a new forged address each time
        forged = {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": f"198.51.100.{i}"}
        client.post(LOGIN, {"login": f"nobody{i}@acme.test", "password": "wrong"}, **forged)
    assert not _logs_in(client, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.99")
    clear_cache()


def test_the_refusal_page_is_json_on_the_api():
    request = RequestFactory().post(PRICE_LISTS)
    response = bodies.refusal(request, 413, "too big")
    assert response.status_code == 413 and json.loads(response.content) == {"detail": "too big"}


def test_the_1c_exchange_hears_its_own_failure_lines():
    response = bodies.refusal(RequestFactory().post("/exchange/1c/"), 413, "too big")
    assert response.content.decode() == "failure\ntoo big" and response["Content-Type"].startswith("text/plain")


def _settings_value(name: str, **env) -> int:
    import os
    import subprocess
    import sys

    from tests.auctions.daphne import ROOT

    environ = {k: v for k, v in os.environ.items() if k not in ("PRICE_LIST_MAX_BYTES", "REQUEST_MAX_BYTES")}
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    output = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**environ, "DJANGO_SETTINGS_MODULE": "marketplace.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(output.stdout.strip().splitlines()[-1])


def test_the_body_limit_follows_the_largest_legitimate_upload_and_the_proxy_matches_it():
    import re

    from tests.auctions.daphne import ROOT

    hundred_mb = 100 * 1024 * 1024
    assert _settings_value("REQUEST_MAX_BYTES", PRICE_LIST_MAX_BYTES=str(hundred_mb)) > hundred_mb
    default = _settings_value("REQUEST_MAX_BYTES")
    assert default > _settings_value("PRICE_LIST_MAX_BYTES")
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1))
    assert megabytes * 1024 * 1024 == default
    assert f"limit of {megabytes} MB" in conf  # the API's JSON refusal from nginx names it
