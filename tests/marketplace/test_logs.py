"""What the server log shows (issue 12, defect 12) and the favicon every browser asks for."""

import io
import logging
import sys

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from marketplace.logs import NoTracebackForClientErrors

pytestmark = pytest.mark.django_db


@pytest.fixture
def server_log():
    """The site's console handler, writing into a buffer for the test."""
    handler = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, NoTracebackForClientErrors) for f in h.filters)
    )
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def test_it_logs_an_ordinary_403_in_one_line(login, alice, server_log):
    assert login(alice).get(reverse("pricing:upload")).status_code == 403
    logged = server_log.getvalue()
    assert "Forbidden" in logged and "/pricing/upload/" in logged
    assert "Traceback" not in logged and len(logged.strip().splitlines()) == 1


def test_it_keeps_the_traceback_of_a_server_error():
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), None)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    record.status_code = 500
    assert NoTracebackForClientErrors().filter(record) and record.exc_info is not None


def test_it_serves_a_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("/favicon.svg")
    assert finders.find("favicon.svg")
    assert 'rel="icon"' in client.get("/").content.decode()
