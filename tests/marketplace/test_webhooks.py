"""Webhooks: registered through the API and the Integrations page, delivered signed to a real local
receiver that fails and then recovers, retried on the queue with a growing delay, logged, switched
off after a day of failures."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from standardwebhooks import Webhook

from marketplace import webhooks
from marketplace.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.factories import acting

# Deliveries are queued when the business commits, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


class Receiver:
    """An HTTP server on 127.0.0.1 that answers ``codes`` in turn (then 200) and keeps what it got."""

    def __init__(self, codes=()):
        self.codes = list(codes)
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
                if code in (301, 302):
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.end_headers()
                self.wfile.write(b"ok" if code == 200 else b"boom")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    HUEY.storage.flush_schedule()
    made = []

    def make(codes=()):
        made.append(Receiver(codes))
        return made[-1]

    yield make
    for server in made:
        server.close()
    HUEY.storage.flush_schedule()


def run_scheduled():
    """Run the retries the queue holds, as the consumer would once their time comes."""
    due = HUEY.read_schedule(HUEY._get_timestamp() + timedelta(days=3))
    for task in due:
        HUEY.execute(task, timestamp=HUEY._get_timestamp() + timedelta(days=3))
    return len(due)


def register(api, organization, url, events=("order.placed", "order.moved")):
    response = api(organization).post("/api/v1/webhooks/", {"url": url, "events": list(events)}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_it_delivers_a_signed_order_event_and_retries_until_the_receiver_recovers(api, buyer, supplier, receiver):
    server = receiver(codes=[500, 503])
    created = register(api, supplier, server.url)
    assert created["secret"].startswith("whsec_")
    response = api(buyer).post(
        "/api/v1/orders/",
        {"supplier": "steel-works", "lines": [{"sku": "RB-12", "quantity": "2", "price": "10.00"}]},
        format="json",
    )
    assert response.status_code == 201
    delivery = WebhookDelivery.objects.get(event_type="order.placed")
    assert delivery.status == DeliveryStatus.RETRYING and delivery.attempts == 1
    assert len(server.received) == 1

    assert run_scheduled() == 1  # the second try, 5 s later: 503 again
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.status == DeliveryStatus.RETRYING
    assert delivery.next_attempt_at - timezone.now() > timedelta(minutes=4)  # backoff grows
    assert run_scheduled() == 1  # recovered
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 3
    assert run_scheduled() == 0

    headers, body = server.received[-1]
    payload = Webhook(created["secret"]).verify(body, headers)
    assert payload["type"] == "order.placed"
    assert payload["data"]["number"] == response.json()["number"]
    assert payload["data"]["buyer"] == "acme" and payload["data"]["total"] == "20.00"
    assert {h["webhook-id"] for h, _b in server.received} == {delivery.message_id}  # one id across retries
    log = [(a.status_code, a.response_excerpt) for a in delivery.log.order_by("at", "id")]
    assert log == [(500, "boom"), (503, "boom"), (200, "ok")]
    assert all(a.latency_ms < 5000 for a in delivery.log.all())
    assert WebhookEndpoint.objects.get(pk=created["id"]).failing_since is None


def test_it_does_not_sign_with_another_secret(api, supplier, receiver):
    server = receiver()
    created = register(api, supplier, server.url, events=["price_list.published"])
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    webhooks.webhook_send_test(endpoint=endpoint, actor=acting(supplier))
    headers, body = server.received[0]
    assert json.loads(body)["type"] == "webhook.test"
    with pytest.raises(Exception, match="signature"):
        Webhook(webhooks.new_secret()).verify(body, headers)


def test_it_sends_only_the_events_asked_for_to_the_organizations_concerned(
    api, buyer, supplier, supplier2, outsider_supplier, receiver
):
    server = receiver()
    register(api, supplier, server.url, events=["order.moved"])
    register(api, supplier2, server.url, events=["order.placed"])
    register(api, outsider_supplier, server.url, events=["order.placed"])
    api(buyer).post(
        "/api/v1/orders/",
        {"supplier": "steel-works", "lines": [{"sku": "X", "quantity": "1", "price": "1"}]},
        format="json",
    )
    assert server.received == []
    assert WebhookDelivery.objects.count() == 0


def test_it_logs_a_redirect_as_a_failure_without_following_it(api, supplier, receiver):
    server = receiver(codes=[302])
    endpoint = WebhookEndpoint.objects.get(pk=register(api, supplier, server.url)["id"])
    delivery = webhooks.webhook_send_test(endpoint=endpoint, actor=acting(supplier))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.log.get().status_code == 302
    assert len(server.received) == 1


def test_it_logs_a_receiver_that_is_down(api, supplier, receiver):
    server = receiver()
    endpoint = WebhookEndpoint.objects.get(pk=register(api, supplier, server.url)["id"])
    server.close()
    delivery = webhooks.webhook_send_test(endpoint=endpoint, actor=acting(supplier))
    attempt = delivery.log.get()
    assert attempt.status_code is None and attempt.error


def test_it_switches_an_endpoint_off_after_a_day_of_failures_and_tells_the_admins(api, supplier, sam, receiver):
    server = receiver(codes=[500] * 5)
    endpoint = WebhookEndpoint.objects.get(pk=register(api, supplier, server.url)["id"])
    webhooks.webhook_send_test(endpoint=endpoint, actor=acting(supplier))
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is not None
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(hours=25))
    run_scheduled()
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None
    assert [m.to for m in mail.outbox] == [["sam@steel.test"]]
    assert server.url in mail.outbox[0].subject
    run_scheduled()
    assert len(server.received) == 2  # its retries stop
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED


def test_it_gives_up_after_about_a_day_of_retries(api, supplier, receiver):
    server = receiver(codes=[500] * 20)
    endpoint = WebhookEndpoint.objects.get(pk=register(api, supplier, server.url)["id"])
    delivery = webhooks.webhook_send_test(endpoint=endpoint, actor=acting(supplier))
    while run_scheduled():
        pass
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == len(webhooks.RETRY_DELAYS_S) + 1
    assert timedelta(hours=20) < timedelta(seconds=sum(webhooks.RETRY_DELAYS_S)) < timedelta(hours=30)


def test_the_redeliver_button_sends_the_same_message_again(login, supplier, sam, receiver):
    server = receiver()
    endpoint = webhooks.webhook_endpoint_create(
        organization=supplier, actor=acting(sam), url=server.url, events=["order.placed"]
    )
    delivery = webhooks.webhook_send_test(endpoint=endpoint, actor=acting(sam))
    response = login(sam).post(f"/organization/webhooks/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 302
    assert [h["webhook-id"] for h, _b in server.received] == [delivery.message_id] * 2
    assert delivery.log.count() == 2


def test_the_integrations_page_shows_the_secret_once_and_the_log(login, supplier, sam, receiver):
    server = receiver()
    client = login(sam)
    response = client.post("/organization/integrations/", {"url": server.url, "events": ["order.placed"]})
    endpoint = WebhookEndpoint.objects.get(organization=supplier)
    assert endpoint.secret in response.content.decode()
    client.post(f"/organization/webhooks/{endpoint.pk}/test/")
    page = client.get("/organization/integrations/").content.decode()
    assert endpoint.secret not in page
    assert "webhook.test" in page and server.url in page


@pytest.mark.parametrize(
    "url, words",
    [
        ("ftp://example.com/x", "http:// or https://"),
        ("http://127.0.0.1:8000/hook", "private, loopback or link-local"),
        ("http://169.254.169.254/latest/meta-data", "private, loopback or link-local"),
        ("http://10.1.2.3/hook", "private, loopback or link-local"),
        ("http://[::1]/hook", "private, loopback or link-local"),
    ],
)
def test_it_refuses_addresses_inside_the_network(api, supplier, settings, url, words):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = api(supplier).post("/api/v1/webhooks/", {"url": url, "events": ["order.placed"]}, format="json")
    assert response.status_code == 400
    assert words in response.json()["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_it_refuses_unknown_events(api, supplier):
    response = api(supplier).post(
        "/api/v1/webhooks/", {"url": "https://example.com/", "events": ["order.exploded"]}, format="json"
    )
    assert response.status_code == 400 and "order.exploded" in str(response.json())


def test_it_lists_and_deletes_endpoints_without_their_secret(api, supplier, receiver):
    server = receiver()
    client = api(supplier)
    created = register(api, supplier, server.url)
    listed = client.get("/api/v1/webhooks/").json()
    assert [e["id"] for e in listed] == [created["id"]] and "secret" not in listed[0]
    assert client.delete(f"/api/v1/webhooks/{created['id']}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_it_checks_ownership(api, supplier, outsider_supplier, receiver):
    server = receiver()
    created = register(api, supplier, server.url)
    assert api(outsider_supplier).delete(f"/api/v1/webhooks/{created['id']}/").status_code == 404
    assert WebhookEndpoint.objects.exists()


def test_it_requires_an_admin(login, buyer, alice, paul, rita):
    assert login(paul).get("/organization/integrations/").status_code == 403
    assert login(rita).get("/api/v1/webhooks/").status_code == 403


def test_the_page_refuses_a_wrong_method(login, alice):
    assert login(alice).get("/organization/webhooks/1/test/").status_code == 405


def test_auction_events_reach_the_buyer_and_the_suppliers_named(api, buyer, supplier, supplier2, receiver):
    from marketplace import events

    server = receiver()
    register(api, supplier, server.url, events=["auction.started"])
    register(api, supplier2, server.url, events=["auction.started"])
    events.publish("auction_started", auction_id=7, buyer_id=buyer.pk, supplier_ids=[supplier.pk], title="Rebar")
    assert [json.loads(b)["data"] for _h, b in server.received] == [{"id": 7, "title": "Rebar"}]


def test_an_auction_tells_the_invited_of_its_life_and_the_winner_of_the_award(
    api, buyer, paul, supplier, sam, supplier2, receiver
):
    import datetime as dt

    from auctions import services as auctions
    from tests.auctions import factories as af

    server, stranger = receiver(), receiver()
    names = ["auction.invited", "auction.started", "auction.closed", "auction.awarded"]
    register(api, supplier, server.url, events=names)
    register(api, buyer, server.url, events=["auction.awarded"])
    register(api, supplier2, stranger.url, events=names)  # a partner that was not invited
    auction = af.auction(buyer, paul, [supplier], state="live")
    assert af.bid(auction, supplier, "990000").ok
    auctions.auction_close_expired(now=auction.ends_at + dt.timedelta(minutes=1))
    order = auctions.auction_award(auction=auction, actor=af.buyer_actor(paul, buyer))

    got = [json.loads(body) for _h, body in server.received]
    assert [p["type"] for p in got] == [*names, "auction.awarded"]  # the supplier's four, then the buyer's
    invited = got[0]["data"]
    assert invited["id"] == auction.pk and invited["title"] == auction.title and invited["currency"] == "RUB"
    assert invited["starts_at"].startswith(auction.starts_at.astimezone(dt.UTC).date().isoformat())
    awarded = got[-1]["data"]
    assert awarded["supplier"] == "steel-works" and awarded["amount"] == "990000.00"
    assert awarded["order"] == order.number
    assert stranger.received == []
