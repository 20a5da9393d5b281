"""Helpers of the live tests: run an async test body, and a logged-in session's cookie."""

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from django.db import connection
from django.test import Client


def _in_own_thread(function):
    """Call ``function`` in a thread of its own that closes its database connection at the end.

    Its own thread because the test's thread may already run an event loop (Playwright's sync API,
    once a browser test ran in this worker), where ``async_to_sync`` refuses to work; and a
    connection left open would keep the test database from being dropped."""

    def target():
        try:
            return function()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(target).result()


def run(coroutine_function):
    """Run an async test body to its end and return what it returns."""
    return _in_own_thread(async_to_sync(coroutine_function))


def cookie_for(user) -> str:
    """``sessionid=...`` of a new logged-in session of ``user`` (safe to call inside the loop)."""

    def make():
        client = Client()
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}"

    return _in_own_thread(make)
