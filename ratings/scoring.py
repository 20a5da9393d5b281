"""The formulas of the rating, as plain functions of a supplier's facts (no database): the
recompute feeds them aggregates, ``ratings/README.md`` explains them and a test recomputes its
worked example with them. Every criterion is a sub-score from 0 to 1; the total is 0–100."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

PRICE_SPAN = 0.20  # 20 % below the others' median scores 1, 20 % above scores 0
TRUST_PRIOR_MARKS = 2  # trust is pulled toward 5/10 as if two middling marks were given
NEUTRAL = 0.5


@dataclass(frozen=True)
class Facts:
    """What the buyer's data says about one supplier."""

    delivered: int = 0  # orders delivered (completed or disputed)
    effective_orders: float = 0.0  # completed orders, each weighted 0.5 ** (age / half-life)
    volume: float = 0.0  # value of completed orders in the buyer's volume currency
    complaints: int = 0  # complaints on its orders (those a dispute struck out excluded)
    with_wanted: int = 0  # delivered orders that had a wanted date
    on_time: int = 0  # ... of which delivered by that date
    price_ratio: float | None = None  # spend-weighted mean of its price / the others' median
    price_products: int = 0  # products compared
    tenure_months: float = 0.0
    trust_sum: float = 0.0  # sum of the latest standing mark of each manager (0–10 each)
    trust_count: int = 0


@dataclass(frozen=True)
class Averages:
    """The buyer's averages over all its suppliers: where small samples are pulled toward."""

    complaint_rate: float
    on_time_rate: float


@dataclass(frozen=True)
class Params:
    orders_reference: float = 50
    volume_cap: float = 10_000_000
    max_complaint_rate: float = 0.10
    prior_orders: float = 20
    tenure_cap_months: float = 36
    new_below_orders: int = 5


def averages(*, complaints: int, delivered: int, on_time: int, with_wanted: int, params: Params) -> Averages:
    """The buyer's average complaint and on-time rates; without any data, the middle of the scale."""
    rate = complaints / delivered if delivered else params.max_complaint_rate * NEUTRAL
    return Averages(complaint_rate=rate, on_time_rate=on_time / with_wanted if with_wanted else NEUTRAL)


def _clip(x: float) -> float:
    return max(0.0, min(1.0, x))


def orders(facts: Facts, params: Params) -> tuple[float, float]:
    value = facts.effective_orders
    return value, _clip(value / params.orders_reference)


def volume(facts: Facts, params: Params) -> tuple[float, float]:
    value = max(0.0, facts.volume)
    return value, _clip(math.log1p(value) / math.log1p(params.volume_cap))


def complaints(facts: Facts, avg: Averages, params: Params) -> tuple[float, float]:
    """Complaints per delivered order, shrunk toward the buyer's average with ``prior_orders``."""
    k = params.prior_orders
    rate = (facts.complaints + k * avg.complaint_rate) / (facts.delivered + k)
    return rate, _clip(1 - rate / params.max_complaint_rate)


def delivery(facts: Facts, avg: Averages, params: Params) -> tuple[float, float]:
    """Share delivered by the wanted date, shrunk toward the buyer's average the same way."""
    k = params.prior_orders
    share = (facts.on_time + k * avg.on_time_rate) / (facts.with_wanted + k)
    return share, _clip(share)


def price(facts: Facts) -> tuple[float, float]:
    """At the others' median 0.5; ``PRICE_SPAN`` below it or more 1; as far above it 0."""
    ratio = facts.price_ratio if facts.price_ratio is not None else 1.0
    return ratio, _clip(NEUTRAL + (1 - ratio) / (2 * PRICE_SPAN))


def tenure(facts: Facts, params: Params) -> tuple[float, float]:
    return facts.tenure_months, _clip(facts.tenure_months / params.tenure_cap_months)


def trust(facts: Facts) -> tuple[float, float]:
    """Mean of the marks (0–10) as the value; the score shrinks toward 5/10 when marks are few."""
    value = facts.trust_sum / facts.trust_count if facts.trust_count else 5.0
    score = (facts.trust_sum / 10 + TRUST_PRIOR_MARKS * NEUTRAL) / (facts.trust_count + TRUST_PRIOR_MARKS)
    return value, _clip(score)


def criteria(facts: Facts, avg: Averages, params: Params) -> dict[str, tuple[float, float]]:
    """Each criterion's (raw value, sub-score)."""
    return {
        "orders": orders(facts, params),
        "volume": volume(facts, params),
        "complaints": complaints(facts, avg, params),
        "delivery": delivery(facts, avg, params),
        "price": price(facts),
        "tenure": tenure(facts, params),
        "trust": trust(facts),
    }


def total(scores: Mapping[str, float], weights: Mapping[str, float]) -> tuple[float, dict[str, float]]:
    """The weighted mean ×100 and each criterion's contribution to it (they add up to the total)."""
    weight_sum = sum(weights.values())
    contributions = {name: 100 * weights[name] * scores[name] / weight_sum for name in scores}
    return sum(contributions.values()), contributions
