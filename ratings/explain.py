"""A score in words, criterion by criterion, for the supplier page, the supplier's own view and
the API: "2 complaints on 41 orders, 4.9% against your average of 3.1%"."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import CRITERIA, CRITERION_LABELS, RatingSettings, SupplierScore


def _pct(x: float) -> str:
    return f"{number_format(x * 100, 1)}%"


def _orders(s: SupplierScore, d: dict, rating: RatingSettings) -> str:
    return _(
        "%(eff)s recent orders of %(ref)s for full marks (%(n)s delivered; an order counts half after %(hl)s days)"
    ) % {
        "eff": number_format(s.orders_value, 1),
        "ref": rating.orders_reference,
        "n": d.get("delivered", 0),
        "hl": rating.half_life_days,
    }


def _volume(s: SupplierScore, d: dict, rating: RatingSettings) -> str:
    return _("%(amount)s %(cur)s of completed orders, full marks at %(cap)s") % {
        "amount": number_format(s.volume_value, 0, force_grouping=True),
        "cur": d.get("currency", rating.currency),
        "cap": number_format(rating.volume_cap, 0, force_grouping=True),
    }


def _complaints(s: SupplierScore, d: dict, rating: RatingSettings) -> str:
    n, c = d.get("delivered", 0), d.get("complaints", 0)
    own = c / n if n else 0.0
    text = ngettext(
        "%(c)s complaint on %(n)s orders, %(own)s against your average of %(avg)s",
        "%(c)s complaints on %(n)s orders, %(own)s against your average of %(avg)s",
        c,
    ) % {"c": c, "n": n, "own": _pct(own), "avg": _pct(d.get("buyer_complaint_rate", 0))}
    return (
        text
        + "; "
        + _("counted as %(rate)s, %(max)s or more scores nothing")
        % {
            "rate": _pct(s.complaints_value),
            "max": _pct(float(rating.max_complaint_rate)),
        }
    )


def _delivery(s: SupplierScore, d: dict, rating: RatingSettings) -> str:
    if not d.get("with_wanted"):
        return _("No order with a wanted date yet: your average of %(avg)s is assumed") % {
            "avg": _pct(d.get("buyer_on_time_rate", 0.5))
        }
    return _("%(on)s of %(m)s orders on time by the wanted date, against your average of %(avg)s") % {
        "on": d.get("on_time", 0),
        "m": d["with_wanted"],
        "avg": _pct(d.get("buyer_on_time_rate", 0.5)),
    }


def _price(s: SupplierScore, d: dict, rating: RatingSettings) -> str:
    k = d.get("price_products", 0)
    if not k:
        return _("No product to compare with other suppliers yet: neutral")
    gap = s.price_value - 1
    where = _("below") if gap < 0 else _("above")
    return _("%(gap)s %(where)s the other suppliers' median on %(k)s products (spend-weighted)") % {
        "gap": _pct(abs(gap)),
        "where": where,
        "k": k,
    }


def _tenure(s: SupplierScore, d: dict, rating: RatingSettings) -> str:
    return _("%(m)s months active, full marks at %(cap)s") % {
        "m": number_format(s.tenure_value, 0),
        "cap": rating.tenure_cap_months,
    }


def _trust(s: SupplierScore, d: dict, rating: RatingSettings) -> str:
    k = d.get("trust_count", 0)
    if not k:
        return _("No trust mark yet: neutral")
    return ngettext(
        "Mark %(m)s/10 from %(k)s manager, pulled toward 5 while marks are few",
        "Average mark %(m)s/10 from %(k)s managers, pulled toward 5 while marks are few",
        k,
    ) % {"m": number_format(s.trust_value, 1), "k": k}


WORDS = {
    "orders": _orders,
    "volume": _volume,
    "complaints": _complaints,
    "delivery": _delivery,
    "price": _price,
    "tenure": _tenure,
    "trust": _trust,
}


def breakdown(score: SupplierScore, rating: RatingSettings) -> list[dict]:
    weights = rating.weights()
    return [
        {
            "name": name,
            "label": str(CRITERION_LABELS[name]),
            "value": getattr(score, f"{name}_value"),
            "score": getattr(score, f"{name}_score"),
            "weight": weights[name],
            "contribution": score.contributions.get(name, 0.0),
            "words": WORDS[name](score, score.details, rating),
        }
        for name in CRITERIA
    ]
