"""The recompute on real data: each criterion, isolation between suppliers, queries per run."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cabinet import services as cabinet
from cabinet.models import Order
from marketplace.actors import Actor
from marketplace.models import Partnership
from pricing.models import Product
from ratings import compute, services, tasks
from ratings.models import SupplierScore
from tests import factories
from tests.cabinet import factories as f
from tests.ratings.helpers import actor, scores


def completed(buyer, supplier, n=1, **extra):
    return [f.order(buyer, supplier, state="completed", **extra) for _ in range(n)]


def row(buyer, supplier) -> SupplierScore:
    compute.scores_recompute(buyer=buyer)
    return SupplierScore.objects.get(buyer=buyer, supplier=supplier)


def test_it_rates_every_active_supplier_and_writes_the_partnership(buyer, supplier, supplier2):
    completed(buyer, supplier, 2)
    compute.scores_recompute(buyer=buyer)
    partnership = Partnership.objects.get(buyer=buyer, supplier=supplier)
    score = SupplierScore.objects.get(buyer=buyer, supplier=supplier)
    assert partnership.rating_score == Decimal(str(round(score.score, 1)))
    assert partnership.rating_band == score.band
    assert partnership.rating_is_new and score.is_new
    assert score.orders_count == 2 and score.confidence == pytest.approx(2, abs=0.01)
    assert SupplierScore.objects.filter(buyer=buyer).count() == 2


def test_it_ages_orders_with_the_half_life(buyer, supplier):
    old = completed(buyer, supplier)[0]
    Order.objects.filter(pk=old.pk).update(completed_at=timezone.now() - dt.timedelta(days=180))
    assert row(buyer, supplier).orders_value == pytest.approx(0.5, abs=0.01)


def test_it_counts_complaints_against_the_buyers_average(buyer, supplier, supplier2):
    completed(buyer, supplier2, 9)
    f.order(buyer, supplier, state="disputed")
    record = row(buyer, supplier)
    assert record.details["complaints"] == 1 and record.details["delivered"] == 1
    assert record.details["buyer_complaint_rate"] == pytest.approx(0.1)
    assert record.complaints_value == pytest.approx((1 + 20 * 0.1) / 21)


def test_it_counts_delivery_by_the_wanted_date_and_skips_orders_without_one(buyer, supplier):
    late = completed(buyer, supplier)[0]
    on_time = completed(buyer, supplier)[0]
    completed(buyer, supplier)  # no wanted date: not counted
    today = timezone.localdate()
    Order.objects.filter(pk=late.pk).update(wanted_date=today - dt.timedelta(days=3))
    Order.objects.filter(pk=on_time.pk).update(wanted_date=today + dt.timedelta(days=3))
    record = row(buyer, supplier)
    assert (record.details["with_wanted"], record.details["on_time"]) == (2, 1)


def test_it_compares_prices_with_the_others_median_in_the_same_currency(buyer, supplier, supplier2):
    third = factories.SupplierFactory(slug="third")
    factories.PartnershipFactory(buyer=buyer, supplier=third)
    product = Product.objects.create(buyer=buyer, sku="P-1", name="Rebar")
    for org, price in ((supplier, "90"), (supplier2, "100"), (third, "110")):
        line = {"sku": "P-1", "name": "Rebar", "quantity": 1, "price": price, "product_id": product.pk}
        cabinet.order_create(buyer=buyer, supplier=org, channel="web", lines=[line], actor=Actor.system(buyer))
    line = {"sku": "P-1", "name": "Rebar", "quantity": 1, "price": "1", "product_id": product.pk}
    cabinet.order_create(
        buyer=buyer, supplier=third, channel="web", lines=[line], currency="USD", actor=Actor.system(buyer)
    )
    compute.scores_recompute(buyer=buyer)
    cheap = SupplierScore.objects.get(supplier=supplier)
    assert cheap.price_value == pytest.approx(90 / 105)  # the median of 100 and 110
    assert cheap.price_score > 0.5 > SupplierScore.objects.get(supplier=third).price_score
    assert cheap.details["price_products"] == 1


def test_it_uses_each_managers_latest_standing_mark(buyer, supplier, mary, alice):
    services.trust_mark_add(buyer=buyer, supplier=supplier, score=2, comment="bad", actor=actor(mary, buyer))
    services.trust_mark_add(buyer=buyer, supplier=supplier, score=10, comment="better", actor=actor(mary, buyer))
    services.trust_mark_add(buyer=buyer, supplier=supplier, score=6, comment="ok", actor=actor(alice, buyer))
    record = row(buyer, supplier)
    assert record.trust_value == 8 and record.details["trust_count"] == 2
    assert record.trust_score == pytest.approx((1.6 + 1) / 4)


def test_it_gives_a_supplier_without_history_the_neutral_prior_and_the_new_tag(buyer, supplier):
    record = row(buyer, supplier)
    assert record.is_new and 0 < record.score < 100
    assert record.band != "blocked"


def test_adding_a_supplier_changes_no_other_score(buyer, supplier, supplier2, mary):
    completed(buyer, supplier, 3)
    f.order(buyer, supplier2, state="disputed")
    services.trust_mark_add(buyer=buyer, supplier=supplier, score=9, comment="good", actor=actor(mary, buyer))
    before = scores(buyer)
    newcomer = factories.SupplierFactory(slug="newcomer")
    factories.PartnershipFactory(buyer=buyer, supplier=newcomer)
    after = scores(buyer)
    assert set(after) == {*before, "newcomer"}
    assert {slug: after[slug] for slug in before} == before


def test_it_recomputes_with_a_constant_number_of_queries(buyer, supplier):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            compute.scores_recompute(buyer=buyer)
        return len(queries)

    completed(buyer, supplier)
    count()  # the first run also creates the buyer's settings
    few = count()
    for i in range(12):
        other = factories.SupplierFactory(slug=f"extra-{i}")
        factories.PartnershipFactory(buyer=buyer, supplier=other)
        completed(buyer, other)
    assert count() == few


def test_it_recomputes_after_commit_when_an_order_completes(buyer, supplier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        completed(buyer, supplier)
    assert SupplierScore.objects.get(buyer=buyer, supplier=supplier).orders_count == 1


def test_it_coalesces_a_burst_of_events_into_one_recompute(buyer, supplier, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks, "HUEY", type("Queue", (), {"immediate": False})())
    monkeypatch.setattr(tasks.recompute_buyer, "schedule", lambda args, delay: queued.append(args))
    for _ in range(5):
        tasks.recompute_soon(buyer.pk)
    assert queued == [(buyer.pk,)]
    tasks.recompute_buyer.call_local(buyer.pk)  # the run clears the flag: the next event queues again
    tasks.recompute_soon(buyer.pk)
    assert len(queued) == 2


def test_it_keeps_a_monthly_history_and_a_trend(buyer, supplier):
    compute.scores_recompute(buyer=buyer)
    month = timezone.localdate().replace(day=1)
    assert compute.snapshot_take(buyer=buyer, month=month) == 1
    assert compute.snapshot_take(buyer=buyer, month=month) == 1  # idempotent: ignored conflict
    completed(buyer, supplier, 3)
    record = row(buyer, supplier)
    assert record.trend is not None and record.trend > 0
