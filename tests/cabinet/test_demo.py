import itertools
import time

from django.db.models import Count
from django.utils import timezone

from cabinet import demo, services
from cabinet.models import Complaint, Order, OrderEvent, OrderState, Proposal, Quote, RequestForQuotation
from marketplace import demo as marketplace_demo
from tests.factories import acting


def _counts():
    return tuple(m.objects.count() for m in (Order, OrderEvent, Complaint, Quote, RequestForQuotation, Proposal))


def test_it_seeds_a_year_of_consistent_history_once(db):
    world = marketplace_demo.seed()
    started = time.monotonic()
    demo.seed(world)
    elapsed = time.monotonic() - started
    assert elapsed < 20
    first = _counts()
    assert first[0] > 150
    assert set(Order.objects.values_list("state", flat=True)) == set(OrderState.values)
    assert Complaint.objects.filter(state="resolved").exists() and Complaint.objects.exclude(state="resolved").exists()
    assert Quote.objects.filter(state="accepted").count() == Order.objects.filter(channel="rfq").count()
    now = timezone.now()
    oldest = Order.objects.order_by("created_at").first().created_at
    assert (now - oldest).days > 300
    for order in Order.objects.prefetch_related("events")[:400]:
        events = list(order.events.all())
        assert events[0].to_state == "placed" and events[-1].to_state == order.state
        assert all(a.to_state == b.from_state for a, b in itertools.pairwise(events))
        assert all(a.created_at <= b.created_at for a, b in itertools.pairwise(events))
        assert events[-1].created_at <= now
        assert order.total == sum(line.amount for line in order.lines.all())
    assert not Order.objects.filter(state="completed", complaints__state__in=["open", "answered"]).exists()
    assert not Order.objects.values("buyer", "number").annotate(n=Count("id")).filter(n__gt=1).exists()
    demo.seed(marketplace_demo.seed())
    assert _counts() == first
    buyer = world.buyers[0]
    this_year = Order.objects.filter(buyer=buyer, created_at__year=now.year).count()
    supplier = Order.objects.filter(buyer=buyer).first().supplier
    fresh = services.order_create(
        buyer=buyer,
        supplier=supplier,
        channel="web",
        lines=[{"sku": "X", "quantity": 1, "price": 1}],
        actor=acting(buyer),
    )
    assert fresh.number == f"W-{now.year}-{this_year + 1:06d}"
