"""The test client as 1C: HTTP Basic with the supplier's slug and an API key (the ``one_c``
fixture, a plugin of tests/conftest.py), and a call of the exchange as 1C makes it."""

import base64

import pytest

from tests.caches import clear_cache
from tests.factories import api_key_for

URL = "/exchange/1c/"


def log_in_as_1c(client, login: str, password: str):
    """The client sending HTTP Basic as 1C does (the failed-login counter cleared first)."""
    clear_cache()
    client.defaults["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()
    return client


def call(client, query, body=None):
    """``(status, lines)`` of a GET, or of a POST of ``body`` as 1C sends a file."""
    if body is None:
        response = client.get(f"{URL}?{query}")
    else:
        response = client.post(f"{URL}?{query}", data=body, content_type="application/octet-stream")
    return response.status_code, response.content.decode().splitlines()


@pytest.fixture
def one_c(client, supplier):
    """The client as 1C, logged in with an API key named "1C" of the supplier steel-works."""
    _key, raw = api_key_for(supplier, "1C")
    return log_in_as_1c(client, supplier.slug, raw)
