"""The buyer's monitor and two suppliers' rooms in one Chromium, against a real daphne (pytest-django's
live server speaks no websocket): a bid typed in one room shows in the monitor and, as visibility
allows, in the other room within a second; then daphne is killed and restarted, and every page is
right again by itself within seconds (including a bid placed while it was down)."""

import os
import time

import pytest

from tests.auctions import factories as af
from tests.auctions.daphne import Daphne, database_url
from tests.auctions.live import cookie_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("AUCTION_SCREENSHOTS")  # a folder: save what each person saw


def open_page(browser, server, user, auction, *, viewport=None):
    session = cookie_for(user).split("=", 1)[1]
    context = browser.new_context(base_url=server.url, locale="en", viewport=viewport or {"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "sessionid", "value": session, "url": server.url}])
    page = context.new_page()
    page.goto(f"/auctions/{auction.pk}/")
    page.wait_for_selector(".auction-page[data-connected='1'][data-version]:not([data-version='-1'])")
    return page


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def server(tmp_path, transactional_db):
    if database_url() is None:
        pytest.skip("daphne needs a database another process can open (PostgreSQL, or TEST_DATABASE_NAME)")
    daphne = Daphne(log=tmp_path / "daphne.log").start()
    yield daphne
    daphne.kill()


def test_bids_show_live_in_every_page_and_pages_recover_from_a_restart(
    browser, server, buyer, alice, supplier, sam, supplier2, sue
):
    auction = af.auction(buyer, alice, [supplier, supplier2], state="live", visibility="best_price")
    monitor = open_page(browser, server, alice, auction)
    steel = open_page(browser, server, sam, auction)
    bolt = open_page(browser, server, sue, auction, viewport={"width": 390, "height": 844})  # a phone

    # The monitor sees who is connected.
    monitor.wait_for_function("document.getElementById('presence').textContent.includes('Bolt House')")
    monitor.wait_for_function("document.getElementById('presence').textContent.includes('Steel Works')")

    # Before the first bid the chart says so (an empty time axis started in 1970).
    for page in (monitor, steel):
        page.wait_for_selector("#chart .chart-empty")
        assert "1970" not in page.inner_text("#chart") and "1969" not in page.inner_text("#chart")
        assert page.locator("#chart .uplot").count() == 0

    steel.fill("#bid-amount", "990000")
    started = time.monotonic()
    steel.click("#bid-button")
    monitor.wait_for_selector("#bids tr[data-bid] >> text=Steel Works", timeout=1000)
    bolt.wait_for_function("document.getElementById('best-price').textContent.includes('990,000.00')", timeout=1000)
    assert time.monotonic() - started < 1.5
    steel.wait_for_selector("#receipts li[data-status=ok]")
    assert "received by the server at" in steel.inner_text("#receipts")
    assert steel.inner_text("#my-rank") == "#1"
    monitor.wait_for_selector("#chart .uplot")
    assert monitor.locator("#chart .chart-empty").count() == 0
    # The other room learns the best price, never who holds it.
    assert "Steel Works" not in bolt.content()
    assert bolt.inner_text("#my-rank") == "—"

    # A typo of one zero asks first.
    bolt.fill("#bid-amount", "98000")
    bolt.click("#bid-button")
    bolt.wait_for_selector("#confirm-dialog[open]")
    assert "below the best price" in bolt.inner_text("#confirm-text")
    bolt.click("#confirm-cancel")
    assert bolt.locator("#receipts li").count() == 0
    shot(monitor, "monitor")
    shot(steel, "room-steel")
    shot(bolt, "room-bolt-phone")

    # daphne dies; while it is down a bid arrives through another way (the API, another process).
    server.kill()
    for page in (monitor, steel, bolt):
        page.wait_for_selector(".auction-page[data-connected='0']")
    af.bid(auction, supplier2, "985000.00")
    server.start()
    for page in (monitor, steel, bolt):
        page.wait_for_selector(".auction-page[data-connected='1']", timeout=12_000)
    monitor.wait_for_selector("#bids tr[data-bid] >> text=Bolt House", timeout=5000)
    assert monitor.locator("#bids tr[data-bid]").count() == 2
    bolt.wait_for_function("document.getElementById('my-rank').textContent === '#1'", timeout=5000)
    steel.wait_for_function("document.getElementById('my-rank').textContent === '#2'", timeout=5000)
    assert "985,000.00" in steel.inner_text("#best-price")

    # And bidding works again on the new process.
    steel.fill("#bid-amount", "980000")
    steel.click("#bid-button")
    monitor.wait_for_function("document.querySelectorAll('#bids tr[data-bid]').length === 3", timeout=2000)
    for page in (monitor, steel, bolt):
        page.context.close()
