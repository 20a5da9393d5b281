"""A supplier developer's first day, through a Python client generated from the published schema
(issue 11): so that the schema cannot drift from what the server does.

The client is generated with openapi-python-client (offline, from the schema the live server
serves) into a temporary folder and imported from there; every call below goes over HTTP to
pytest-django's live server. The flow: who am I, push a price list (JSON items and a CSV file),
poll the upload, see a refused upload's row errors, list the orders placed since a time and page
through them with the cursor, confirm and ship one, read requests and auctions.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.utils import timezone

from tests.auctions import factories as auction_factories
from tests.cabinet import factories as cabinet_factories
from tests.factories import api_key_for

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = "marketplace_client"


@pytest.fixture
def generated(live_server, tmp_path):
    """The client package, generated from the live server's schema and importable."""
    schema = httpx.get(f"{live_server.url}/api/v1/schema/?format=json", timeout=30)
    assert schema.status_code == 200
    (tmp_path / "schema.json").write_bytes(schema.content)
    (tmp_path / "config.yaml").write_text(f"post_hooks: []\npackage_name_override: {PACKAGE}\n")
    generator = Path(sys.executable).with_name("openapi-python-client")
    run = subprocess.run(
        [
            generator,
            "generate",
            "--path",
            "schema.json",
            "--config",
            "config.yaml",
            "--meta",
            "none",
            "--output-path",
            PACKAGE,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # The only part a client cannot model: the auction log is JSON lines, read as a download.
    output = run.stdout + run.stderr
    skipped = [line for line in output.splitlines() if line.startswith("WARNING parsing")]
    assert skipped == ["WARNING parsing GET /api/v1/auctions/{id}/log/ within auctions."], output
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _api(name: str):
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def test_a_supplier_developer_s_first_day(
    generated, live_server, buyer, paul, supplier, outsider_buyer, outsider_supplier, settings, monkeypatch
):
    from marketplace_client import models
    from marketplace_client.types import File

    settings.SYNC_SETTLE_SECONDS = 0
    monkeypatch.setattr("marketplace.api.sync.PAGE", 2)
    _key, raw = api_key_for(supplier, name="ERP")
    client = generated.AuthenticatedClient(base_url=live_server.url, token=raw, raise_on_unexpected_status=True)

    # Who am I?
    me = _api("me.me_retrieve").sync(client=client)
    assert me.organization.slug == supplier.slug and me.organization.kind == models.OrganizationKindEnum.SUPPLIER

    # Push a price list as JSON items, then poll the upload until it is published.
    items = models.PriceListItemsUpload(
        currency="RUB",
        items=[
            models.PriceItemInput(sku="RB-12", name="Rebar A500C 12 mm", unit="t", price="61200.00"),
            models.PriceItemInput(sku="RB-14", name="Rebar A500C 14 mm", unit="t", price="60900.00"),
        ],
    )
    created = _api("price_lists.price_lists_create").sync(client=client, body=items, idempotency_key="pl-day-1")
    assert isinstance(created, models.PriceListCreated) and created.rows == 2
    version = _api("price_lists.price_lists_retrieve").sync(client=client, id=created.id)
    assert version.status == models.PriceListStatusEnum.ACTIVE and version.rows == 2
    rows = _api("price_lists.price_lists_items_list").sync(client=client, id=created.id)
    assert rows.count == 2 and {row.sku for row in rows.results} == {"RB-12", "RB-14"}

    # The same key and body again: the first answer, nothing published twice.
    again = _api("price_lists.price_lists_create").sync_detailed(client=client, body=items, idempotency_key="pl-day-1")
    assert again.parsed.id == created.id and again.headers["Idempotent-Replayed"] == "true"

    # A CSV file; then one with a bad price: the row errors come back, named, and nothing is stored.
    csv = b"sku;name;unit;price\nRB-12;Rebar A500C 12 mm;t;61000,00\n"
    upload = models.PriceListFileUpload(file=File(payload=io.BytesIO(csv), file_name="prices.csv"), currency="RUB")
    second = _api("price_lists.price_lists_create").sync(client=client, body=upload)
    assert isinstance(second, models.PriceListCreated) and second.rows == 1
    bad = models.PriceListFileUpload(
        file=File(payload=io.BytesIO(b"sku;name;price\nRB-12;Rebar;twelve\n"), file_name="bad.csv"), currency="RUB"
    )
    refused = _api("price_lists.price_lists_create").sync_detailed(client=client, body=bad)
    assert refused.status_code == 400 and isinstance(refused.parsed, models.Error)
    assert refused.parsed.errors[0].row == 2 and refused.parsed.errors[0].column == "price"
    versions = _api("price_lists.price_lists_list").sync(client=client)
    assert isinstance(versions, models.PriceListPage) and versions.count == 2

    # Orders placed since this morning, paged with the cursor (two a page here).
    since = timezone.now() - dt.timedelta(minutes=5)
    placed = [cabinet_factories.order(buyer, supplier) for _n in range(3)]
    feed = _api("orders.orders_list").sync(client=client, updated_since=since)
    assert isinstance(feed, models.OrderFeed) and feed.more
    seen = [order.number for order in feed.results]
    while feed.more:
        feed = _api("orders.orders_list").sync(client=client, cursor=feed.next_)
        seen += [order.number for order in feed.results]
    assert seen == [order.number for order in placed]
    quiet = _api("orders.orders_list").sync(client=client, cursor=feed.next_)
    assert quiet.results == [] and quiet.next_ == feed.next_

    # Confirm and ship the first one; the change comes back through the same cursor.
    first = placed[0]
    move = _api("orders.orders_transition_create")
    for to in (models.OrderStateEnum.CONFIRMED, models.OrderStateEnum.IN_PROGRESS):
        moved = move.sync(client=client, id=first.pk, body=models.Transition(to=to))
        assert isinstance(moved, models.OrderDetail) and moved.state == to, moved
    shipped = move.sync(
        client=client, id=first.pk, body=models.Transition(to=models.OrderStateEnum.SHIPPED, comment="Waybill 5521")
    )
    assert shipped.state == models.OrderStateEnum.SHIPPED and shipped.shipment_note == "Waybill 5521"
    changed = _api("orders.orders_list").sync(client=client, cursor=quiet.next_)
    assert [order.number for order in changed.results] == [first.number]

    # A move the rules refuse: 409 with the moves allowed now.
    refusal = move.sync_detailed(client=client, id=first.pk, body=models.Transition(to=models.OrderStateEnum.CONFIRMED))
    assert refusal.status_code == 409 and refusal.parsed.code == "transition_not_allowed"
    # Another tenant's id is "not found", never "forbidden".
    other = cabinet_factories.order(outsider_buyer, outsider_supplier)
    assert _api("orders.orders_retrieve").sync_detailed(client=client, id=other.pk).status_code == 404

    # Requests for quotation and auctions it is invited to.
    rfq = cabinet_factories.rfq(buyer, [supplier])
    requests = _api("requests.requests_list").sync(client=client, updated_since=since)
    assert [row.id for row in requests.results] == [rfq.pk]
    auction = auction_factories.auction(buyer, paul, [supplier], state="live")
    auctions = _api("auctions.auctions_list").sync(client=client)
    assert isinstance(auctions, models.AuctionPage) and [a.id for a in auctions.results] == [auction.pk]
    detail = _api("auctions.auctions_retrieve").sync(client=client, id=auction.pk)
    assert detail.state == models.AuctionStateEnum.LIVE and detail.my_rank is None
    receipt = _api("auctions.auctions_bids_create").sync(
        client=client, id=auction.pk, body=models.BidCreate(amount=str(auction.start_price - 1000))
    )
    assert isinstance(receipt, models.Receipt) and receipt.rank == 1
