"""Live reverse auctions: the auction (its lot, rules, clock and standing), the invited suppliers
with their standing, the accepted bids, remembered refusals, and the hash-chained log.

Every write goes through ``auctions.services``; the life cycle is the table in
``auctions/lifecycle.py``; what each audience may see is decided only in ``auctions/news.py``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.models import ApiKey, Organization
from marketplace.money import validate_currency

MONEY = {"max_digits": 16, "decimal_places": 2}
QUANTITY = {"max_digits": 14, "decimal_places": 3}
MAX_AMOUNT = Decimal("1e13")  # 13 digits before the point: more is a typo


class AuctionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    LIVE = "live", _("Live")
    PAUSED = "paused", _("Paused")
    CLOSED = "closed", _("Closed")
    AWARDED = "awarded", _("Awarded")
    CANCELLED = "cancelled", _("Cancelled")


# States in which the bidding is under way or about to be (a supplier's "upcoming and live").
RUNNING_STATES = (AuctionState.LIVE, AuctionState.PAUSED)
FINISHED_STATES = (AuctionState.CLOSED, AuctionState.AWARDED, AuctionState.CANCELLED)


class StepKind(models.TextChoices):
    AMOUNT = "amount", _("Amount")
    PERCENT = "percent", _("Percent")


class SoftCloseTrigger(models.TextChoices):
    RANK_IMPROVING = "rank_improving", _("A bid that improves its bidder's rank")
    ANY_BID = "any_bid", _("Any accepted bid")
    NEW_LEADER = "new_leader", _("A bid that takes the lead")


class Visibility(models.TextChoices):
    RANK = "rank", _("Own rank and price only")
    BEST_PRICE = "best_price", _("Also the best price (never who holds it)")


class AuctionQuerySet(models.QuerySet):
    def visible_to(self, organization: Organization | None):
        """The buyer's auctions, and those a supplier is invited to once they left the draft."""
        if organization is None:
            return self.none()
        invited = Invitation.objects.filter(auction=OuterRef("pk"), supplier=organization)
        return self.filter(Q(buyer=organization) | (Exists(invited) & ~Q(state=AuctionState.DRAFT)))


class Auction(models.Model):
    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="auctions")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    product = models.ForeignKey(
        "pricing.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    lot = models.CharField(_("lot"), max_length=300, blank=True)
    quantity = models.DecimalField(
        _("quantity"), **QUANTITY, validators=[MinValueValidator(Decimal("0.001"))], default=Decimal("1")
    )
    unit = models.CharField(_("unit"), max_length=20, default="lot")
    currency = models.CharField(_("currency"), max_length=3, default="RUB", validators=[validate_currency])
    start_price = models.DecimalField(_("start price"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    reserve_price = models.DecimalField(_("reserve price"), **MONEY, null=True, blank=True)
    min_step = models.DecimalField(_("minimum step"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    min_step_kind = models.CharField(_("step in"), max_length=10, choices=StepKind.choices, default=StepKind.AMOUNT)
    must_beat_best = models.BooleanField(_("a bid must beat the best price"), default=False)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    soft_close_window_s = models.PositiveIntegerField(
        _("soft close window, seconds"), default=180, validators=[MaxValueValidator(24 * 3600)]
    )
    soft_close_extension_s = models.PositiveIntegerField(
        _("extension, seconds"), default=120, validators=[MaxValueValidator(24 * 3600)]
    )
    max_extensions = models.PositiveIntegerField(
        _("maximum extensions"), default=5, validators=[MaxValueValidator(1000)]
    )
    soft_close_trigger = models.CharField(
        _("extended by"), max_length=20, choices=SoftCloseTrigger.choices, default=SoftCloseTrigger.RANK_IMPROVING
    )
    soft_close_top_n = models.PositiveIntegerField(
        _("only bids landing in the top"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    visibility = models.CharField(
        _("suppliers see"), max_length=12, choices=Visibility.choices, default=Visibility.RANK
    )
    state = models.CharField(
        _("state"), max_length=12, choices=AuctionState.choices, default=AuctionState.DRAFT, db_index=True
    )
    extensions = models.PositiveIntegerField(_("extensions"), default=0)
    paused_remaining = models.DurationField(_("time left when paused"), null=True, blank=True)
    best_price = models.DecimalField(_("best price"), **MONEY, null=True, blank=True)
    leader = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    bids_count = models.PositiveIntegerField(_("bids"), default=0)
    # +1 on every change that is broadcast: watchers keep only newer versions.
    version = models.PositiveBigIntegerField(default=0)
    # The head of the hash chain (the last entry's seq and hash), kept with the row that is locked
    # to append: a bid links its entry without reading the previous one (``auctions/log.py``).
    log_seq = models.PositiveIntegerField(default=0, editable=False)
    log_hash = models.CharField(max_length=64, default="0" * 64, editable=False)
    rfq = models.ForeignKey(
        "cabinet.RequestForQuotation", on_delete=models.SET_NULL, null=True, blank=True, related_name="auctions"
    )
    order = models.ForeignKey("cabinet.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    awarded_to = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    award_reason = models.TextField(_("award reason"), blank=True)
    cancel_reason = models.TextField(_("cancel reason"), blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, db_index=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = AuctionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["state", "starts_at"], name="auction_state_starts"),
            models.Index(fields=["state", "ends_at"], name="auction_state_ends"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="auction_ends_after_start"),
        ]
        verbose_name = _("auction")
        verbose_name_plural = _("auctions")

    def __str__(self) -> str:
        return self.title

    @property
    def lot_name(self) -> str:
        return self.lot or (self.product.name if self.product_id else "") or self.title

    @property
    def is_running(self) -> bool:
        return self.state in RUNNING_STATES

    def remaining(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        """Time left: frozen while paused, counting down while live, None before and after."""
        if self.state == AuctionState.PAUSED:
            return self.paused_remaining
        if self.state == AuctionState.LIVE:
            return max(self.ends_at - (now or timezone.now()), dt.timedelta(0))
        return None

    def reserve_met(self) -> bool | None:
        if self.reserve_price is None:
            return None
        return self.best_price is not None and self.best_price <= self.reserve_price


class Invitation(models.Model):
    """An invited supplier and its standing: its best (lowest) bid, when that bid was received
    (ties go to the earlier), and its rank (1 = leader; None until it bids)."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="invitations")
    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="auction_invitations")
    invited_at = models.DateTimeField(default=timezone.now)
    best_amount = models.DecimalField(**MONEY, null=True, blank=True)
    best_received_at = models.DateTimeField(null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    bids_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["rank", "supplier__name"]
        constraints = [models.UniqueConstraint(fields=["auction", "supplier"], name="auction_invitation_unique")]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.supplier} @ {self.auction}"


class Bid(models.Model):
    """An accepted bid. Refused attempts are not bids: they are log entries (and, when they carried
    a ``client_id``, a ``BidRefusal`` so that a retry gets the same answer)."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="bids")
    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="auction_bids")
    amount = models.DecimalField(_("amount"), **MONEY)
    # The server's time of receipt (stamped when the frame or request arrived): decides on-time and ties.
    received_at = models.DateTimeField(_("received"))
    client_id = models.CharField(max_length=64, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    rank_after = models.PositiveIntegerField(_("rank"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["auction", "supplier", "client_id"],
                condition=~Q(client_id=""),
                name="auction_bid_client_id_unique",
            )
        ]
        indexes = [models.Index(fields=["auction", "received_at"], name="auction_bid_received")]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")

    def __str__(self) -> str:
        return f"{self.supplier}: {self.amount}"


class BidRefusal(models.Model):
    """A refused attempt that carried a ``client_id``: a retry is answered the same, placing nothing."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="+")
    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    client_id = models.CharField(max_length=64)
    code = models.CharField(max_length=40)
    message = models.TextField()
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["auction", "supplier", "client_id"], name="auction_refusal_client_id")
        ]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.code}"


class LogKind(models.TextChoices):
    CREATED = "created", _("Created")
    STATE = "state", _("State changed")
    BID = "bid", _("Bid accepted")
    REFUSED = "refused", _("Bid refused")
    EXTENDED = "extended", _("Extended")
    PAUSED = "paused", _("Paused")
    RESUMED = "resumed", _("Resumed")
    AWARDED = "awarded", _("Awarded")


class LogEntry(models.Model):
    """One link of an auction's append-only hash chain (see ``auctions/log.py``)."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="log_entries")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    kind = models.CharField(max_length=12, choices=LogKind.choices)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["auction", "seq"]
        constraints = [models.UniqueConstraint(fields=["auction", "seq"], name="auction_log_seq_unique")]
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("auction log entries are append-only")
        super().save(*args, **kwargs)
