"""Organizations, people, partnerships and API keys: the tenancy core every app builds on."""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from .statemachine import Move, StateMachine


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person; logs in by email and may belong to several organizations."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    # The language the person last used the site in: emails to them are written in it.
    language = models.CharField(_("language"), max_length=10, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class OrganizationKind(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SUPPLIER = "supplier", _("Supplier")


class OrganizationQuerySet(models.QuerySet):
    def buyers(self):
        return self.filter(kind=OrganizationKind.BUYER)

    def suppliers(self):
        return self.filter(kind=OrganizationKind.SUPPLIER)


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, allow_unicode=False)
    kind = models.CharField(_("kind"), max_length=10, choices=OrganizationKind.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    members = models.ManyToManyField(User, through="Membership", related_name="organizations")

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    @property
    def is_buyer(self) -> bool:
        return self.kind == OrganizationKind.BUYER

    @property
    def is_supplier(self) -> bool:
        return self.kind == OrganizationKind.SUPPLIER


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    PROCUREMENT = "procurement", _("Procurement")
    MANAGER = "manager", _("Manager")
    MEMBER = "member", _("Member (read-only)")


BUYER_ONLY_ROLES = {Role.PROCUREMENT, Role.MANAGER}


class Perm(StrEnum):
    """What a role may do. An enum, so that a misspelt permission fails loudly instead of
    answering 403 for everyone."""

    MANAGE_ORG = "manage_org"  # rename, members, integrations
    MANAGE_KEYS = "manage_keys"  # API keys, webhooks
    MANAGE_PARTNERS = "manage_partners"  # invitations, onboarding
    PROCURE = "procure"  # a buyer's business: requests, orders, auctions
    RATE = "rate"  # a buyer's ratings: weights, trust marks
    WORK = "work"  # a supplier's business: quotes, orders, price lists, bids


# Who may do what, by role; every view, API endpoint and consumer asks through role_can().
ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.OWNER: frozenset(Perm),
    Role.ADMIN: frozenset(Perm),
    Role.PROCUREMENT: frozenset({Perm.PROCURE, Perm.MANAGE_PARTNERS, Perm.WORK}),
    Role.MANAGER: frozenset({Perm.RATE, Perm.MANAGE_PARTNERS}),
    Role.MEMBER: frozenset(),
}


# What a person needs to act on a side's business (and so to hear about it).
ACTING_PERMISSION: dict[str, Perm] = {OrganizationKind.BUYER: Perm.PROCURE, OrganizationKind.SUPPLIER: Perm.WORK}


def acting_permission(organization_kind: str) -> Perm:
    """``Perm.PROCURE`` for a buyer, ``Perm.WORK`` for a supplier."""
    return ACTING_PERMISSION[organization_kind]


def role_can(role: str, organization_kind: str, permission: Perm | str) -> bool:
    permission = Perm(permission)  # an unknown name raises ValueError
    if role == Role.MEMBER and organization_kind == OrganizationKind.SUPPLIER:
        # A supplier's staff do the daily work (quotes, orders, price lists, bids); only a buyer's
        # plain members are read-only.
        return permission == Perm.WORK
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)
    # when the person last chose to work as this organization: where the next login lands
    last_chosen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="unique_membership")]
        ordering = ["organization__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    def can(self, permission: Perm | str) -> bool:
        return role_can(self.role, self.organization.kind, permission)


class Category(models.Model):
    """A buyer's purchasing category (steel, fasteners, packaging...)."""

    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["buyer", "name"], name="unique_category_per_buyer")]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class PartnershipStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    BUSINESS_REVIEW = "business_review", _("Business review")
    TECHNICAL_REVIEW = "technical_review", _("Technical review")
    INTEGRATION = "integration", _("Integration")
    ACTIVE = "active", _("Active")
    REJECTED = "rejected", _("Rejected")


class OnboardingMachine(StateMachine):
    """The buyer's words for a refused onboarding step: the allowed statuses by their labels."""

    def refusal_message(self, obj, *, state, to, side, allowed, reason) -> str:
        if reason:
            return reason
        labels = ", ".join(self.label(m.target) for m in allowed) or gettext_now("none")
        return gettext_now("A partnership in “%(status)s” cannot move to “%(to)s”. Allowed now: %(allowed)s.") % {
            "status": self.label(state),
            "to": to,
            "allowed": labels,
        }


def _step(source: str, target: str) -> Move:
    return Move(
        source,
        target,
        side=OrganizationKind.BUYER,
        label=PartnershipStatus(target).label,
        permission=Perm.MANAGE_PARTNERS,
    )


# The onboarding pipeline as data: the buyer's people who manage partners record each step.
ONBOARDING_PIPELINE = OnboardingMachine(
    [
        _step(PartnershipStatus.APPLIED, PartnershipStatus.BUSINESS_REVIEW),
        _step(PartnershipStatus.APPLIED, PartnershipStatus.REJECTED),
        _step(PartnershipStatus.BUSINESS_REVIEW, PartnershipStatus.TECHNICAL_REVIEW),
        _step(PartnershipStatus.BUSINESS_REVIEW, PartnershipStatus.REJECTED),
        _step(PartnershipStatus.TECHNICAL_REVIEW, PartnershipStatus.INTEGRATION),
        _step(PartnershipStatus.TECHNICAL_REVIEW, PartnershipStatus.REJECTED),
        _step(PartnershipStatus.INTEGRATION, PartnershipStatus.ACTIVE),
        _step(PartnershipStatus.INTEGRATION, PartnershipStatus.REJECTED),
        _step(PartnershipStatus.ACTIVE, PartnershipStatus.REJECTED),
        _step(PartnershipStatus.REJECTED, PartnershipStatus.APPLIED),
    ],
    states=PartnershipStatus,
    name="onboarding",
    field="status",
)


class ReviewTeam(models.TextChoices):
    NONE = "", _("—")
    LEGAL = "legal", _("Legal")
    ACCOUNTING = "accounting", _("Accounting")
    QUALITY = "quality", _("Quality")
    TECHNICAL = "technical", _("Technical")
    PROCUREMENT = "procurement", _("Procurement")


class TwoSidedQuerySet(models.QuerySet):
    """For models between a buyer and a supplier (orders, requests, complaints, partnerships,
    auctions...): the one spelling of "rows this organization is a side of". A model whose sides
    sit elsewhere names them (``buyer_field = "rfq__buyer"``); one with a subtler rule overrides
    ``visible_to`` and keeps its name, so that selectors, ``tenancy.fetch`` and the API all ask it."""

    buyer_field = "buyer"
    supplier_field = "supplier"

    def visible_to(self, organization: Organization | None):
        if organization is None or organization.pk is None:
            return self.none()
        return self.filter(self.sides(organization))

    def sides(self, organization: Organization) -> Q:
        """Rows where ``organization`` is the buyer or the supplier."""
        return Q(**{self.buyer_field: organization}) | Q(**{self.supplier_field: organization})


class RatingBand(models.TextChoices):
    """Where a supplier's score puts it for its buyer (limits per buyer; computed by ``ratings``)."""

    BLOCKED = "blocked", _("Blocked")
    CAUTION = "caution", _("Caution")
    GOOD = "good", _("Good")
    EXCELLENT = "excellent", _("Excellent")


class PartnershipQuerySet(TwoSidedQuerySet):
    def active(self):
        return self.filter(status=PartnershipStatus.ACTIVE)


class Partnership(models.Model):
    """A buyer and a supplier working together; only an active one lets business flow."""

    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="supplier_partnerships")
    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="buyer_partnerships")
    status = models.CharField(
        _("status"), max_length=20, choices=PartnershipStatus.choices, default=PartnershipStatus.APPLIED
    )
    categories = models.ManyToManyField(Category, blank=True, related_name="partnerships", verbose_name=_("categories"))
    active_since = models.DateField(_("active since"), null=True, blank=True)
    message = models.TextField(_("application message"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    # The buyer's current rating of this supplier, written by ``ratings`` (nothing imports ratings:
    # the cabinet, auctions and offers read these fields).
    rating_score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    rating_band = models.CharField(_("band"), max_length=10, choices=RatingBand.choices, blank=True)
    rating_is_new = models.BooleanField(_("new supplier"), default=False)
    rating_updated_at = models.DateTimeField(null=True, blank=True)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["buyer", "supplier"], name="unique_partnership")]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")

    def __str__(self) -> str:
        return f"{self.buyer} ↔ {self.supplier}"

    @property
    def is_active(self) -> bool:
        return self.status == PartnershipStatus.ACTIVE

    def allowed_moves(self) -> tuple[str, ...]:
        """The statuses the onboarding pipeline lets this partnership move to now."""
        return tuple(ONBOARDING_PIPELINE.targets(self.status))

    @property
    def is_blocked(self) -> bool:
        return self.rating_band == RatingBand.BLOCKED


class OverridePurpose(models.TextChoices):
    ORDER = "order", _("Order")
    RFQ = "rfq", _("Request for quotation")
    AUCTION = "auction", _("Auction invitation")


class PartnerOverride(models.Model):
    """Someone chose a blocked supplier anyway, and said why."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="overrides")
    purpose = models.CharField(_("for"), max_length=10, choices=OverridePurpose.choices)
    reason = models.TextField(_("reason"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("override of a blocked supplier")
        verbose_name_plural = _("overrides of blocked suppliers")

    def __str__(self) -> str:
        return f"{self.partnership}: {self.reason[:40]}"


class PartnershipEvent(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=PartnershipStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=PartnershipStatus.choices)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    team = models.CharField(_("team"), max_length=20, choices=ReviewTeam.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A buyer invites a supplier by email; the token is mailed once and stored only as a hash."""

    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    supplier_name = models.CharField(_("supplier name"), max_length=200)
    categories = models.ManyToManyField(Category, blank=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    supplier = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.supplier_name} <{self.email}>"

    @staticmethod
    def hash_token(token: str) -> str:
        return _hash_secret(token)

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class MemberInvitation(models.Model):
    """An organization asks an existing account to join it; nothing changes for that person until
    they accept (adding by email used to attach the account silently)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="member_invitations")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="member_invitations")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=models.Q(accepted_at__isnull=True, declined_at__isnull=True),
                name="one_pending_member_invitation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} -> {self.organization} ({self.role})"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.declined_at is None


class ApiKeyQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A secret that acts for one organization. Only its SHA-256 is stored; the key is shown once."""

    PREFIX = "mk_"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    lookup = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.PREFIX}{self.lookup}…)"

    @classmethod
    def generate(cls) -> tuple[str, str, str]:
        """A new key as (full key, lookup part, hash)."""
        lookup = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        key = f"{cls.PREFIX}{lookup}_{secret}"
        return key, lookup, _hash_secret(key)

    @classmethod
    def split(cls, key: str) -> str | None:
        """The lookup part of a presented key, or None if it is not shaped like one of ours."""
        if not key.startswith(cls.PREFIX):
            return None
        lookup, sep, secret = key[len(cls.PREFIX) :].partition("_")
        if not sep or not secret or len(lookup) != 12:
            return None
        return lookup

    def matches(self, key: str) -> bool:
        return secrets.compare_digest(self.key_hash, _hash_secret(key))

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Notification(models.Model):
    """One line of a person's inbox. The text is rendered at read time from ``kind`` and ``params``
    so that each person reads it in their own language."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "organization", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        from .notifications import render_text

        return render_text(self.kind, self.params)


class WebhookEndpoint(models.Model):
    """Where an organization wants to hear of its business events (``marketplace.webhooks``).

    The secret signs every delivery (Standard Webhooks) and so is kept as it is; the pages and the
    API show it only once, when the endpoint is created."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(_("switched off"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return self.is_active and event_type in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Retrying")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint; its body is kept as sent, so a retry or a redelivery signs the
    very same bytes under the same ``webhook-id`` (receivers deduplicate on it)."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(_("event"), max_length=40)
    body = models.TextField()
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id}"


class WebhookAttempt(models.Model):
    """A line of the delivery log: one HTTP request and what came back."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(_("time"), default=timezone.now)
    status_code = models.PositiveIntegerField(_("status"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency, ms"), default=0)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class IdempotentRequest(models.Model):
    """The first answer to a POST sent with an ``Idempotency-Key`` (``marketplace.api.idempotency``)."""

    scope = models.CharField(max_length=64)  # whose key: a hash of the credentials
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # method, path and body
    status_code = models.PositiveIntegerField(null=True, blank=True)  # None while the first is running
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key")]

    def __str__(self) -> str:
        return self.key


class ExchangeKind(models.TextChoices):
    """1C's ``type=``: which half of the exchange (``marketplace.exchange``)."""

    CATALOG = "catalog", _("Catalog")
    SALE = "sale", _("Orders")


class ExchangeResult(models.TextChoices):
    SUCCESS = "success", _("Success")
    PROGRESS = "progress", _("In progress")
    FAILURE = "failure", _("Failure")


class ExchangeQuerySet(models.QuerySet):
    def visible_to(self, organization: Organization | None):
        return self.filter(supplier=organization) if organization is not None else self.none()


class Exchange(models.Model):
    """One step of a supplier's 1C exchange that did something: an import, an orders query or
    acknowledgement, a file of order documents (the history on the Integrations page)."""

    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="exchanges_1c")
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("API key")
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    kind = models.CharField(_("type"), max_length=10, choices=ExchangeKind.choices)
    mode = models.CharField(_("mode"), max_length=12)
    filename = models.CharField(_("file"), max_length=255, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=ExchangeResult.choices)
    items = models.PositiveIntegerField(_("items"), default=0)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    applied = models.PositiveIntegerField(_("moves applied"), default=0)
    refused = models.PositiveIntegerField(_("moves refused"), default=0)
    message = models.TextField(_("message"), blank=True)
    # A background import's answer is given to 1C once; the next import call starts anew.
    answered = models.BooleanField(default=True)

    objects = ExchangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["supplier", "-created_at"], name="exchange_1c_recent")]
        verbose_name = _("1C exchange")
        verbose_name_plural = _("1C exchanges")

    def __str__(self) -> str:
        return f"{self.kind} {self.mode} {self.filename}: {self.result}"
