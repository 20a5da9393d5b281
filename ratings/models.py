"""A buyer's rating of its suppliers: its settings (weights, bands, reference points), the scores
last computed (one row per supplier, every criterion's raw value and sub-score), the monthly
history, managers' trust marks and suppliers' disputes. The formulas are in ``ratings/README.md``
and ``ratings/scoring.py``."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.models import Organization, RatingBand

CRITERIA = ("orders", "volume", "complaints", "delivery", "price", "tenure", "trust")

CRITERION_LABELS = {
    "orders": _("Orders"),
    "volume": _("Volume"),
    "complaints": _("Complaints"),
    "delivery": _("Delivery on time"),
    "price": _("Price"),
    "tenure": _("Tenure"),
    "trust": _("Trust"),
}

WEIGHT = {"max_digits": 6, "decimal_places": 2, "default": Decimal("1")}
NOT_NEGATIVE = [MinValueValidator(Decimal("0"), message=_("A weight cannot be negative."))]


class RatingSettings(models.Model):
    """One buyer's way of rating: weights per criterion, band limits and reference points."""

    buyer = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="rating_settings")
    weight_orders = models.DecimalField(_("orders"), **WEIGHT, validators=NOT_NEGATIVE)
    weight_volume = models.DecimalField(_("volume"), **WEIGHT, validators=NOT_NEGATIVE)
    weight_complaints = models.DecimalField(_("complaints"), **WEIGHT, validators=NOT_NEGATIVE)
    weight_delivery = models.DecimalField(_("delivery on time"), **WEIGHT, validators=NOT_NEGATIVE)
    weight_price = models.DecimalField(_("price"), **WEIGHT, validators=NOT_NEGATIVE)
    weight_tenure = models.DecimalField(_("tenure"), **WEIGHT, validators=NOT_NEGATIVE)
    weight_trust = models.DecimalField(_("trust"), **WEIGHT, validators=NOT_NEGATIVE)
    # Band limits: below ``caution_from`` blocked, below ``good_from`` caution, below
    # ``excellent_from`` good, else excellent.
    caution_from = models.PositiveSmallIntegerField(_("caution from"), default=30)
    good_from = models.PositiveSmallIntegerField(_("good from"), default=50)
    excellent_from = models.PositiveSmallIntegerField(_("excellent from"), default=80)
    half_life_days = models.PositiveIntegerField(_("half-life of an order, days"), default=180)
    orders_reference = models.PositiveIntegerField(_("orders for full marks"), default=50)
    volume_cap = models.DecimalField(_("volume for full marks"), max_digits=16, decimal_places=2, default=10_000_000)
    currency = models.CharField(_("volume currency"), max_length=3, default="RUB")
    max_complaint_rate = models.DecimalField(
        _("highest acceptable complaint rate"), max_digits=4, decimal_places=3, default=Decimal("0.100")
    )
    prior_orders = models.PositiveIntegerField(_("weight of the average, in orders"), default=20)
    new_below_orders = models.PositiveIntegerField(_("“new” below this many orders"), default=5)
    tenure_cap_months = models.PositiveIntegerField(_("months of tenure for full marks"), default=36)
    share_with_suppliers = models.BooleanField(_("suppliers see their own rating"), default=False)
    # Set when a recompute is queued and cleared when it starts: a burst of events queues one.
    dirty_since = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rating settings")
        verbose_name_plural = _("rating settings")

    def __str__(self) -> str:
        return str(self.buyer)

    def weights(self) -> dict[str, Decimal]:
        return {name: getattr(self, f"weight_{name}") for name in CRITERIA}

    def band_for(self, score: float | Decimal | None) -> str:
        if score is None:
            return ""
        if score < self.caution_from:
            return RatingBand.BLOCKED
        if score < self.good_from:
            return RatingBand.CAUTION
        if score < self.excellent_from:
            return RatingBand.GOOD
        return RatingBand.EXCELLENT


def _value() -> models.FloatField:
    return models.FloatField(default=0)


def _score(name: str) -> models.FloatField:
    return models.FloatField(CRITERION_LABELS[name], default=0)


class SupplierScore(models.Model):
    """The latest computed rating of one supplier for one buyer."""

    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="scores")
    score = models.FloatField(_("score"))
    rank = models.PositiveIntegerField(_("rank"))
    band = models.CharField(_("band"), max_length=10, choices=RatingBand.choices)
    confidence = models.FloatField(_("confidence"), help_text=_("Effective number of orders."))
    orders_count = models.PositiveIntegerField(_("orders"), default=0)
    is_new = models.BooleanField(_("new"), default=False)
    trend = models.FloatField(_("trend"), null=True, blank=True)
    details = models.JSONField(default=dict)  # counts and averages the explanations quote
    contributions = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)
    # Each criterion's raw value (orders, money, a rate...) and its sub-score from 0 to 1.
    orders_value = _value()
    orders_score = _score("orders")
    volume_value = _value()
    volume_score = _score("volume")
    complaints_value = _value()
    complaints_score = _score("complaints")
    delivery_value = _value()
    delivery_score = _score("delivery")
    price_value = _value()
    price_score = _score("price")
    tenure_value = _value()
    tenure_score = _score("tenure")
    trust_value = _value()
    trust_score = _score("trust")

    class Meta:
        ordering = ["rank"]
        constraints = [models.UniqueConstraint(fields=["buyer", "supplier"], name="ratings_one_score")]
        # The board pages with ORDER BY + LIMIT on any of these: an index walk, not a sort of every
        # score of the buyer. (The buyer's own index would duplicate ``ratings_one_score``.)
        indexes = [
            models.Index(fields=["buyer", "-score"], name="ratings_board"),
            models.Index(fields=["buyer", "rank"], name="ratings_board_rank"),
            *(models.Index(fields=["buyer", f"-{name}_score"], name=f"ratings_board_{name}") for name in CRITERIA),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id}: {self.score:.1f}"


class ScoreSnapshot(models.Model):
    """A supplier's score at the start of a month: the history line."""

    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    score = models.FloatField()
    band = models.CharField(max_length=10, choices=RatingBand.choices)
    criteria = models.JSONField(default=dict)

    class Meta:
        ordering = ["month"]
        constraints = [models.UniqueConstraint(fields=["buyer", "supplier", "month"], name="ratings_one_snapshot")]

    def __str__(self) -> str:
        return f"{self.supplier_id} {self.month}: {self.score:.1f}"


class TrustMarkQuerySet(models.QuerySet):
    def standing(self):
        return self.filter(withdrawn_at__isnull=True)


class TrustMark(models.Model):
    """A manager's mark from 0 to 10; only each manager's latest standing mark counts."""

    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="trust_marks")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(max_length=200, blank=True)  # the key's name for API marks
    score = models.PositiveSmallIntegerField(
        _("mark"),
        validators=[
            MinValueValidator(0, message=_("A mark is from 0 to 10.")),
            MaxValueValidator(10, message=_("A mark is from 0 to 10.")),
        ],
    )
    comment = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = TrustMarkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("trust mark")
        verbose_name_plural = _("trust marks")

    def __str__(self) -> str:
        return f"{self.score}/10"


class DisputeState(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


class Dispute(models.Model):
    """A supplier contests a trust mark or a complaint's weight in its rating; a manager answers.
    Upheld: the mark is withdrawn, or the complaint no longer counts in the rating."""

    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="rating_disputes")
    trust_mark = models.ForeignKey(TrustMark, on_delete=models.CASCADE, null=True, blank=True, related_name="disputes")
    complaint = models.ForeignKey(
        "cabinet.Complaint", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    comment = models.TextField(_("comment"))
    state = models.CharField(_("state"), max_length=10, choices=DisputeState.choices, default=DisputeState.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return self.comment[:40]
