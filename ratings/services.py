"""Writes of the ratings: weights and bands, sharing, trust marks, disputes. Each change that
moves a score queues a recompute of that buyer after commit."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.actors import Actor
from marketplace.models import Organization
from marketplace.money import clean_currency
from marketplace.notifications import notify
from marketplace.selectors import is_active_partner

from .compute import settings_for
from .models import CRITERIA, Dispute, DisputeState, RatingSettings, TrustMark
from .tasks import recompute_soon

MAX_WEIGHT = Decimal("1000")


def _recompute_after_commit(buyer: Organization) -> None:
    transaction.on_commit(lambda: recompute_soon(buyer.pk))


def _weight(name: str, raw: Any) -> Decimal:
    if isinstance(raw, bool) or raw is None or raw == "":
        raise ValidationError({name: _("The weight of “%(name)s” must be a number.") % {"name": name}})
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(
            {name: _("The weight of “%(name)s” must be a number, not “%(raw)s”.") % {"name": name, "raw": raw}}
        ) from None
    if not value.is_finite() or value < 0:
        raise ValidationError({name: _("The weight of “%(name)s” cannot be negative.") % {"name": name}})
    if value > MAX_WEIGHT:
        raise ValidationError({name: _("A weight is at most %(max)s.") % {"max": MAX_WEIGHT}})
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def weights_set(*, buyer: Organization, weights: Mapping[str, Any], actor: Actor | None = None) -> RatingSettings:
    """Set the weights named in ``weights`` (the others keep theirs). Refused, changing nothing:
    an unknown criterion, a negative or non-numeric weight, or every weight zero."""
    if not isinstance(weights, Mapping) or not weights:
        raise ValidationError(_("Give the weights by criterion name: %(names)s.") % {"names": ", ".join(CRITERIA)})
    unknown = sorted(set(weights) - set(CRITERIA))
    if unknown:
        raise ValidationError(
            {
                unknown[0]: _("Unknown criterion “%(name)s”: use %(names)s.")
                % {"name": unknown[0], "names": ", ".join(CRITERIA)}
            }
        )
    checked = {name: _weight(name, raw) for name, raw in weights.items()}
    rating = RatingSettings.objects.select_for_update().get(pk=settings_for(buyer).pk)
    merged = {**rating.weights(), **checked}
    if not any(merged.values()):
        raise ValidationError(_("At least one weight must be above zero."))
    for name, value in checked.items():
        setattr(rating, f"weight_{name}", value)
    rating.updated_at = timezone.now()
    rating.full_clean()
    rating.save(update_fields=[*[f"weight_{n}" for n in checked], "updated_at"])
    _recompute_after_commit(buyer)
    return rating


def _limit(name: str, raw: Any) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationError({name: _("A band limit is a whole number from 0 to 100.")}) from None
    if not 0 <= value <= 100:
        raise ValidationError({name: _("A band limit is a whole number from 0 to 100.")})
    return value


@transaction.atomic
def bands_set(*, buyer: Organization, caution_from: Any, good_from: Any, excellent_from: Any) -> RatingSettings:
    """Move the band limits; they must rise: caution < good < excellent."""
    limits = {
        "caution_from": _limit("caution_from", caution_from),
        "good_from": _limit("good_from", good_from),
        "excellent_from": _limit("excellent_from", excellent_from),
    }
    if not limits["caution_from"] < limits["good_from"] < limits["excellent_from"]:
        raise ValidationError({"good_from": _("The limits must rise: caution below good, good below excellent.")})
    return _settings_save(buyer, limits)


def _settings_save(buyer: Organization, values: Mapping[str, Any]) -> RatingSettings:
    """Store checked ``values`` on the buyer's rating settings (row locked) and queue a recompute."""
    rating = RatingSettings.objects.select_for_update().get(pk=settings_for(buyer).pk)
    for name, value in values.items():
        setattr(rating, name, value)
    rating.updated_at = timezone.now()
    rating.save(update_fields=[*values, "updated_at"])
    _recompute_after_commit(buyer)
    return rating


# The reference points a buyer sets: (lowest, highest) of each whole-number one.
WHOLE_LIMITS = {
    "half_life_days": (1, 3650),
    "orders_reference": (1, 100_000),
    "prior_orders": (1, 1000),
    "new_below_orders": (0, 1000),
    "tenure_cap_months": (1, 600),
}
MAX_VOLUME_CAP = Decimal("1000000000000")


def _whole(name: str, raw: Any) -> int:
    low, high = WHOLE_LIMITS[name]
    message = _("A whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
    if isinstance(raw, bool):
        raise ValidationError({name: message})
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, TypeError):
        raise ValidationError({name: message}) from None
    if not value.is_finite() or value != value.to_integral_value() or not low <= value <= high:
        raise ValidationError({name: message})
    return int(value)


def _positive_decimal(name: str, raw: Any, *, high: Decimal, places: int, message: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip().replace(" ", "").replace(",", ".")) if not isinstance(raw, bool) else None
    except (InvalidOperation, TypeError):
        value = None
    if value is None or not value.is_finite() or not 0 < value <= high:
        raise ValidationError({name: message})
    quantized = value.quantize(Decimal(1).scaleb(-places))
    if quantized <= 0:
        raise ValidationError({name: message})
    return quantized


@transaction.atomic
def reference_points_set(*, buyer: Organization, actor: Actor | None = None, **points: Any) -> RatingSettings:
    """Set the reference points named in ``points`` (the others keep theirs): the half-life of an
    order, the orders and the volume for full marks and the volume's currency, the highest
    acceptable complaint rate (a fraction: 0.1 is 10 %), the weight of the buyer's average in
    orders, the "new" threshold and the tenure for full marks. Each is checked; a refusal names its
    field and changes nothing. The scores are recomputed after commit."""
    known = {*WHOLE_LIMITS, "volume_cap", "currency", "max_complaint_rate"}
    unknown = sorted(set(points) - known)
    if unknown:
        raise ValidationError(
            {
                unknown[0]: _("Unknown setting “%(name)s”: use %(names)s.")
                % {"name": unknown[0], "names": ", ".join(sorted(known))}
            }
        )
    checked: dict[str, Any] = {}
    for name, raw in points.items():
        if name in WHOLE_LIMITS:
            checked[name] = _whole(name, raw)
        elif name == "volume_cap":
            checked[name] = _positive_decimal(
                name,
                raw,
                high=MAX_VOLUME_CAP,
                places=2,
                message=_("The volume for full marks is an amount above zero, at most %(max)s.")
                % {"max": f"{MAX_VOLUME_CAP:,}"},
            )
        elif name == "max_complaint_rate":
            checked[name] = _positive_decimal(
                name,
                raw,
                high=Decimal("1"),
                places=3,
                message=_("The highest acceptable complaint rate is above 0 % and at most 100 %, in steps of 0.1 %."),
            )
        else:
            try:
                checked[name] = clean_currency(raw)
            except ValidationError as error:
                raise ValidationError({name: error.messages}) from None
    return _settings_save(buyer, checked)


@transaction.atomic
def sharing_set(*, buyer: Organization, share: bool) -> RatingSettings:
    rating = settings_for(buyer)
    rating.share_with_suppliers = bool(share)
    rating.save(update_fields=["share_with_suppliers"])
    return rating


def _mark(raw: Any) -> int:
    if isinstance(raw, bool):
        raw = None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, TypeError):
        raise ValidationError({"score": _("A trust mark is a whole number from 0 to 10.")}) from None
    if not value.is_finite() or value != value.to_integral_value() or not 0 <= value <= 10:
        raise ValidationError({"score": _("A trust mark is a whole number from 0 to 10.")})
    return int(value)


@transaction.atomic
def trust_mark_add(*, buyer: Organization, supplier: Organization, score: Any, comment: str, actor: Actor) -> TrustMark:
    """A manager's mark; it replaces that manager's previous mark of the supplier in the score."""
    if not is_active_partner(buyer=buyer, supplier=supplier):
        raise ValidationError({"supplier": _("%(org)s is not an active supplier of yours.") % {"org": supplier.name}})
    value = _mark(score)
    comment = (comment or "").strip() if isinstance(comment, str) else ""
    if not comment:
        raise ValidationError({"comment": _("Say why: a trust mark needs a comment.")})
    mark = TrustMark(
        buyer=buyer,
        supplier=supplier,
        author=actor.person,
        author_name=actor.display_name[:200],
        score=value,
        comment=comment,
    )
    mark.full_clean()
    mark.save()
    _recompute_after_commit(buyer)
    return mark


def _dispute_target(*, buyer, supplier, trust_mark, complaint) -> None:
    if (trust_mark is None) == (complaint is None):
        raise ValidationError(_("Dispute either a trust mark or a complaint."))
    target = trust_mark or complaint
    if target.buyer_id != buyer.pk or target.supplier_id != supplier.pk:
        raise ValidationError(_("You can dispute only your own marks and complaints."))
    if trust_mark is not None and trust_mark.withdrawn_at is not None:
        raise ValidationError(_("This mark has already been withdrawn."))


@transaction.atomic
def dispute_open(
    *,
    buyer: Organization,
    supplier: Organization,
    comment: str,
    actor: Actor,
    trust_mark: TrustMark | None = None,
    complaint=None,
) -> Dispute:
    """A supplier contests a trust mark or a complaint's weight in the rating a buyer shares."""
    if not settings_for(buyer).share_with_suppliers:
        raise ValidationError(_("%(org)s does not share its rating with you.") % {"org": buyer.name})
    _dispute_target(buyer=buyer, supplier=supplier, trust_mark=trust_mark, complaint=complaint)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what you dispute and why.")})
    open_ones = Dispute.objects.filter(state=DisputeState.OPEN, trust_mark=trust_mark, complaint=complaint)
    if open_ones.exists():
        raise ValidationError(_("You already dispute this; wait for the answer."))
    dispute = Dispute(buyer=buyer, supplier=supplier, trust_mark=trust_mark, complaint=complaint, comment=comment)
    dispute.full_clean()
    dispute.save()
    notify(
        organization=buyer,
        kind="rating_dispute_opened",
        params={"org": supplier.name, "comment": comment[:80]},
        url=reverse("ratings:disputes"),
    )
    return dispute


@transaction.atomic
def dispute_answer(*, dispute: Dispute, answer: str, uphold: bool, actor: Actor) -> Dispute:
    """A manager answers; upholding withdraws the mark, or strikes the complaint out of the rating."""
    dispute = Dispute.objects.select_for_update().select_related("buyer", "supplier").get(pk=dispute.pk)
    if dispute.state != DisputeState.OPEN:
        raise ValidationError(_("This dispute has already been answered."))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write your answer.")})
    now = timezone.now()
    dispute.state = DisputeState.UPHELD if uphold else DisputeState.REJECTED
    dispute.answer, dispute.answered_by, dispute.answered_at = answer, actor.person, now
    dispute.save(update_fields=["state", "answer", "answered_by", "answered_at"])
    if uphold and dispute.trust_mark_id:
        TrustMark.objects.filter(pk=dispute.trust_mark_id, withdrawn_at__isnull=True).update(withdrawn_at=now)
    notify(
        organization=dispute.supplier,
        kind="rating_dispute_answered",
        params={"org": dispute.buyer.name, "state": dispute.state},
        url=reverse("ratings:own", args=[dispute.buyer.slug]),
    )
    if uphold:
        _recompute_after_commit(dispute.buyer)
    return dispute
