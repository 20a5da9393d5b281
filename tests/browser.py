"""Shared browser-test setup: Debian's Chromium driven by Playwright against pytest-django's
live server. A test asks for ``page`` (or ``new_page()`` for a second person) and marks itself
``@pytest.mark.browser``; ``page.goto("/path")`` is relative to the live server."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test's thread; Django would otherwise refuse the
# test's own database calls as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (bin/test does it as root).")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(django_db_setup, browser, live_server, transactional_db):
    """``new_page(locale="en")`` opens a fresh browser context (its own cookies: one person).

    ``django_db_setup`` comes first so that the test database outlives the live server's
    connections (otherwise PostgreSQL refuses to drop it at the end of the session)."""
    contexts = []

    def make(locale: str = "en", viewport: dict | None = None):
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport=viewport or {"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()
