"""Recomputing one buyer's rating of all its suppliers: a fixed handful of aggregate queries
(orders, complaints, trust marks, prices, last snapshot), the formulas of ``scoring`` in memory,
then one upsert of the scores and one UPDATE of the partnerships. Never a query per supplier."""

from __future__ import annotations

import datetime as dt
import json
import math

from django.db import connection, transaction
from django.db.models import Count, Exists, F, FloatField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate
from django.utils import timezone

from cabinet.models import OrderState
from cabinet.selectors import complaints_for_rating, orders_delivered_for_rating
from marketplace.models import Organization, Partnership, RatingBand

from . import prices, scoring
from .models import CRITERIA, Dispute, DisputeState, RatingSettings, ScoreSnapshot, SupplierScore, TrustMark


def settings_for(buyer: Organization) -> RatingSettings:
    found, _created = RatingSettings.objects.get_or_create(buyer=buyer)
    return found


def params_of(rating: RatingSettings) -> scoring.Params:
    return scoring.Params(
        orders_reference=float(rating.orders_reference),
        volume_cap=float(rating.volume_cap),
        max_complaint_rate=float(rating.max_complaint_rate),
        prior_orders=float(rating.prior_orders),
        tenure_cap_months=float(rating.tenure_cap_months),
        new_below_orders=rating.new_below_orders,
    )


def _decay(now: dt.datetime, half_life_days: int) -> RawSQL:
    """0.5 ** (age of the completion in days / half-life), in SQL."""
    column = '"cabinet_order"."completed_at"'
    if connection.vendor == "postgresql":
        age = f"EXTRACT(EPOCH FROM (%s::timestamptz - {column}))::float8 / 86400.0"
    else:
        age = f"(julianday(%s) - julianday({column}))"
    return RawSQL(f"EXP(-0.6931471805599453 * {age} / %s)", (now, half_life_days), output_field=FloatField())


def _order_facts(buyer: Organization, rating: RatingSettings, now: dt.datetime) -> dict[int, dict]:
    """Per supplier: delivered orders, effective (aged) completed orders, volume, and delivery by the
    wanted date. Orders carrying their own wanted date are counted in the main aggregate; the few
    that take it from the request they were quoted on, in a second one (its subquery would
    otherwise run for every order and keep the main aggregate from running in parallel)."""
    orders = orders_delivered_for_rating(buyer=buyer).annotate(delivered_on=TruncDate("delivered_at"))
    completed = Q(state=OrderState.COMPLETED)
    rows = orders.values("supplier_id").annotate(
        delivered=Count("pk"),
        effective_orders=Sum(_decay(now, rating.half_life_days), filter=completed),
        volume=Sum("total", filter=completed & Q(currency=rating.currency)),
        with_wanted=Count("pk", filter=Q(wanted_date__isnull=False)),
        on_time=Count("pk", filter=Q(wanted_date__isnull=False, delivered_on__lte=F("wanted_date"))),
    )
    facts = {row.pop("supplier_id"): row for row in rows}
    from_requests = (
        orders.filter(wanted_date__isnull=True, quote__isnull=False, wanted_on__isnull=False)
        .values("supplier_id")
        .annotate(with_wanted=Count("pk"), on_time=Count("pk", filter=Q(delivered_on__lte=F("wanted_on"))))
    )
    for row in from_requests:
        fact = facts[row["supplier_id"]]
        fact["with_wanted"] += row["with_wanted"]
        fact["on_time"] += row["on_time"]
    return facts


def _complaint_counts(buyer: Organization) -> dict[int, int]:
    struck_out = Dispute.objects.filter(complaint=OuterRef("pk"), state=DisputeState.UPHELD)
    rows = (
        complaints_for_rating(buyer=buyer)
        .exclude(Exists(struck_out))
        .values("supplier_id")
        .annotate(n=Count("pk"))
        .values_list("supplier_id", "n")
    )
    return dict(rows)


def standing_marks(buyer: Organization) -> QuerySet[TrustMark]:
    """Each manager's latest standing mark per supplier."""
    newer = TrustMark.objects.standing().filter(
        buyer=buyer, supplier=OuterRef("supplier"), author=OuterRef("author"), created_at__gt=OuterRef("created_at")
    )
    return TrustMark.objects.standing().filter(buyer=buyer).exclude(Exists(newer))


def _trust_sums(buyer: Organization) -> dict[int, tuple[float, int]]:
    rows = standing_marks(buyer).order_by().values("supplier_id").annotate(total=Sum("score"), n=Count("pk"))
    return {row["supplier_id"]: (float(row["total"]), row["n"]) for row in rows}


def _months_between(start: dt.date | None, today: dt.date) -> float:
    return max(0.0, (today - start).days / 30.4375) if start else 0.0


def _facts(supplier_id: int, since, orders: dict, complaints: dict, trust: dict, price: dict, today) -> scoring.Facts:
    row = orders.get(supplier_id, {})
    trust_sum, trust_count = trust.get(supplier_id, (0.0, 0))
    price_ratio, price_products = price.get(supplier_id, (None, 0))
    return scoring.Facts(
        delivered=row.get("delivered", 0),
        effective_orders=float(row.get("effective_orders") or 0),
        volume=float(row.get("volume") or 0),
        complaints=complaints.get(supplier_id, 0),
        with_wanted=row.get("with_wanted", 0),
        on_time=row.get("on_time", 0),
        price_ratio=price_ratio,
        price_products=price_products,
        tenure_months=_months_between(since, today),
        trust_sum=trust_sum,
        trust_count=trust_count,
    )


def _price_facts(table) -> dict[int, tuple[float, int]]:
    """``prices.price_ratios``'s frame as {supplier id: (price ratio, products compared)}."""
    ratios = [float(x) for x in table["price_ratio"].tolist()]
    products = [int(x) for x in table["price_products"].tolist()]
    return dict(zip((int(x) for x in table.index.tolist()), zip(ratios, products, strict=True), strict=True))


def _averages(orders: dict, complaints: dict, params: scoring.Params) -> scoring.Averages:
    return scoring.averages(
        complaints=sum(complaints.values()),
        delivered=sum(row["delivered"] for row in orders.values()),
        on_time=sum(row["on_time"] for row in orders.values()),
        with_wanted=sum(row["with_wanted"] for row in orders.values()),
        params=params,
    )


def _score_row(supplier_id, facts, avg, params, rating, weights, previous) -> dict:
    """One supplier's stored columns (by attribute name), but its buyer and the time of the run."""
    values = scoring.criteria(facts, avg, params)
    score, contributions = scoring.total({k: v[1] for k, v in values.items()}, weights)
    is_new = facts.delivered < params.new_below_orders
    band = rating.band_for(round(score, 1))
    if is_new and band == RatingBand.BLOCKED:  # too little evidence to block a newcomer
        band = RatingBand.CAUTION
    row = {
        "supplier_id": supplier_id,
        "score": round(score, 4),
        "rank": 0,
        "band": str(band),
        "confidence": round(facts.effective_orders, 2),
        "orders_count": facts.delivered,
        "is_new": is_new,
        "trend": round(score - previous[supplier_id], 4) if supplier_id in previous else None,
        "details": {
            "complaints": facts.complaints,
            "delivered": facts.delivered,
            "with_wanted": facts.with_wanted,
            "on_time": facts.on_time,
            "price_products": facts.price_products,
            "trust_count": facts.trust_count,
            "buyer_complaint_rate": avg.complaint_rate,
            "buyer_on_time_rate": avg.on_time_rate,
            "currency": rating.currency,
        },
        "contributions": {k: round(v, 4) for k, v in contributions.items()},
    }
    for name, (value, sub) in values.items():
        row[f"{name}_value"] = value if math.isfinite(value) else 0.0
        row[f"{name}_score"] = sub
    return row


def _previous_scores(buyer: Organization) -> dict[int, float]:
    latest = ScoreSnapshot.objects.filter(buyer=buyer, supplier=OuterRef("supplier")).order_by("-month")
    rows = (
        ScoreSnapshot.objects.filter(buyer=buyer)
        .filter(month=Subquery(latest.values("month")[:1]))
        .values_list("supplier_id", "score")
    )
    return dict(rows)


def _score_rows(buyer: Organization, now: dt.datetime) -> list[dict]:
    """Every active supplier's stored columns (see ``_score_row``), ranked."""
    rating = settings_for(buyer)
    params = params_of(rating)
    weights = {name: float(w) for name, w in rating.weights().items()}
    partners = list(Partnership.objects.active().filter(buyer=buyer).values_list("supplier_id", "active_since"))
    orders, complaints = _order_facts(buyer, rating, now), _complaint_counts(buyer)
    trust, price, previous = _trust_sums(buyer), _price_facts(prices.price_ratios(buyer)), _previous_scores(buyer)
    avg, today = _averages(orders, complaints, params), timezone.localdate(now)
    rows = [
        _score_row(
            supplier_id,
            _facts(supplier_id, since, orders, complaints, trust, price, today),
            avg,
            params,
            rating,
            weights,
            previous,
        )
        for supplier_id, since in partners
    ]
    rows.sort(key=lambda r: (-r["score"], -r["price_score"], r["supplier_id"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def build_scores(buyer: Organization, *, now: dt.datetime | None = None) -> list[SupplierScore]:
    """Every active supplier's score for ``buyer``, ranked (nothing written)."""
    now = now or timezone.now()
    return [SupplierScore(buyer=buyer, computed_at=now, **row) for row in _score_rows(buyer, now)]


# One statement for every partnership of the buyer (UPDATE … FROM: PostgreSQL, SQLite ≥ 3.33);
# a correlated subquery per column would look the score up three times per partnership.
_COPY_TO_PARTNERSHIPS = """
UPDATE marketplace_partnership
   SET rating_score = ROUND(CAST(s.score AS NUMERIC), 1), rating_band = s.band, rating_is_new = s.is_new,
       rating_updated_at = %s
  FROM ratings_supplierscore AS s
 WHERE s.buyer_id = marketplace_partnership.buyer_id AND s.supplier_id = marketplace_partnership.supplier_id
   AND marketplace_partnership.buyer_id = %s
"""


def _upsert_scores(buyer: Organization, rows: list[dict], now: dt.datetime) -> None:
    """PostgreSQL: every score in one ``INSERT … SELECT FROM jsonb_to_recordset(…) ON CONFLICT DO
    UPDATE`` (the rows as one JSON document: no per-value adaptation in Python), then one DELETE of
    the suppliers no longer rated."""
    fields = [f for f in SupplierScore._meta.concrete_fields if f.attname not in ("id", "buyer_id", "computed_at")]
    quote = connection.ops.quote_name
    table = quote(SupplierScore._meta.db_table)
    record = ", ".join(
        f"{quote(f.attname)} {f.rel_db_type(connection) if f.is_relation else f.db_type(connection)}" for f in fields
    )
    columns = ", ".join(quote(f.column) for f in fields)
    updates = ", ".join(f"{quote(f.column)} = EXCLUDED.{quote(f.column)}" for f in fields if f.attname != "supplier_id")
    sql = (
        f"INSERT INTO {table} (buyer_id, computed_at, {columns}) "
        f"SELECT %s, %s, {', '.join(quote(f.attname) for f in fields)} FROM jsonb_to_recordset(%s::jsonb) AS t({record}) "
        f"ON CONFLICT (buyer_id, supplier_id) DO UPDATE SET computed_at = EXCLUDED.computed_at, {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE buyer_id = %s AND supplier_id NOT IN (SELECT unnest(%s::bigint[]))",
            [buyer.pk, [row["supplier_id"] for row in rows]],
        )
        if rows:
            cursor.execute(sql, [buyer.pk, now, json.dumps(rows)])


@transaction.atomic
def scores_recompute(*, buyer: Organization, now: dt.datetime | None = None) -> int:
    """Recompute and store every score of ``buyer``; copy score and band onto the partnerships."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        # A batch of a few large aggregates: sorts and hashes in memory, and no JIT compilation
        # (it costs more than it saves here); for this transaction only.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")
    rows = _score_rows(buyer, now)
    if connection.vendor == "postgresql":
        _upsert_scores(buyer, rows, now)
    else:
        SupplierScore.objects.filter(buyer=buyer).delete()
        scores = [SupplierScore(buyer=buyer, computed_at=now, **row) for row in rows]
        SupplierScore.objects.bulk_create(scores, batch_size=2000)
    Partnership.objects.filter(buyer=buyer).exclude(
        supplier_id__in=SupplierScore.objects.filter(buyer=buyer).values("supplier_id")
    ).update(rating_score=None, rating_band="", rating_is_new=False, rating_updated_at=now)
    with connection.cursor() as cursor:
        cursor.execute(_COPY_TO_PARTNERSHIPS, [now, buyer.pk])
    return len(rows)


def snapshot_take(*, buyer: Organization, month: dt.date) -> int:
    """Keep every current score as the history point of ``month`` (once; later runs change nothing)."""
    scores = SupplierScore.objects.filter(buyer=buyer)
    snapshots = [
        ScoreSnapshot(
            buyer=buyer,
            supplier_id=s.supplier_id,
            month=month,
            score=s.score,
            band=s.band,
            criteria={name: getattr(s, f"{name}_score") for name in CRITERIA},
        )
        for s in scores.iterator(chunk_size=2000)
    ]
    ScoreSnapshot.objects.bulk_create(snapshots, batch_size=2000, ignore_conflicts=True)
    return len(snapshots)
