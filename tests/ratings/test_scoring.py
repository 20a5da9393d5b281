"""The formulas, without a database: each criterion, the small-sample cases, the README example."""

import re
from pathlib import Path

import pytest

from ratings import scoring as s

AVG = s.Averages(complaint_rate=0.03, on_time_rate=0.85)
P = s.Params()
EQUAL = dict.fromkeys(("orders", "volume", "complaints", "delivery", "price", "tenure", "trust"), 1.0)


def total(facts, weights=EQUAL, avg=AVG):
    return s.total({k: v[1] for k, v in s.criteria(facts, avg, P).items()}, weights)[0]


def test_it_recomputes_the_readme_worked_example():
    facts = s.Facts(
        delivered=41, effective_orders=30, volume=2_500_000, complaints=2, with_wanted=30, on_time=27,
        price_ratio=0.95, price_products=12, tenure_months=18, trust_sum=14, trust_count=2,
    )  # fmt: skip
    avg = s.Averages(complaint_rate=0.031, on_time_rate=0.85)
    readme = (Path(__file__).parents[2] / "ratings" / "README.md").read_text()
    stated = re.search(r"Total: ([\d.]+)", readme).group(1)
    assert f"{total(facts, avg=avg):.2f}" == stated == "66.99"
    heavy_price = {**EQUAL, "price": 3.0}
    assert f"{total(facts, heavy_price, avg=avg):.2f}" in readme


def test_it_never_gives_a_supplier_without_history_0_or_100():
    value = total(s.Facts())
    assert 0 < value < 100
    assert 25 < value < 45


def test_it_does_not_let_one_lucky_order_beat_a_long_good_record():
    lucky = s.complaints(s.Facts(delivered=1, complaints=0), AVG, P)[1]
    veteran = s.complaints(s.Facts(delivered=500, complaints=2), AVG, P)[1]
    assert veteran > lucky


def test_it_pulls_delivery_toward_the_buyers_average_for_small_samples():
    one_late = s.delivery(s.Facts(with_wanted=1, on_time=0), AVG, P)[1]
    assert one_late == pytest.approx((0 + 20 * 0.85) / 21)
    assert s.delivery(s.Facts(), AVG, P)[1] == pytest.approx(0.85)


def test_it_scores_orders_and_volume_against_fixed_references():
    assert s.orders(s.Facts(effective_orders=25), P)[1] == 0.5
    assert s.orders(s.Facts(effective_orders=500), P)[1] == 1.0
    assert s.volume(s.Facts(volume=0), P)[1] == 0
    assert s.volume(s.Facts(volume=10_000_000), P)[1] == pytest.approx(1.0)
    assert 0.5 < s.volume(s.Facts(volume=100_000), P)[1] < 0.75


def test_it_scores_price_around_the_others_median():
    assert s.price(s.Facts())[1] == 0.5
    assert s.price(s.Facts(price_ratio=0.8))[1] == pytest.approx(1.0)
    assert s.price(s.Facts(price_ratio=1.2))[1] == pytest.approx(0.0)
    assert s.price(s.Facts(price_ratio=0.9))[1] == pytest.approx(0.75)


def test_it_caps_tenure_and_shrinks_few_trust_marks():
    assert s.tenure(s.Facts(tenure_months=72), P)[1] == 1.0
    assert s.trust(s.Facts())[1] == 0.5
    assert s.trust(s.Facts(trust_sum=10, trust_count=1))[1] == pytest.approx(2 / 3)
    assert s.trust(s.Facts(trust_sum=100, trust_count=10))[1] == pytest.approx(11 / 12)


def test_it_makes_contributions_add_up_to_the_total():
    scores = {k: 0.5 for k in EQUAL}
    value, parts = s.total(scores, {**EQUAL, "price": 0.0})
    assert value == pytest.approx(50)
    assert sum(parts.values()) == pytest.approx(value)
    assert parts["price"] == 0
