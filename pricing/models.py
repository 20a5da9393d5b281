"""Price lists and the buyers' unified catalog.

A supplier's upload is parsed into a *draft* ``PriceList`` (its items are the staging rows); publishing
flips the draft to ``active`` and the previous active version of the same audience to
``superseded``. Published versions are never edited afterwards. Buyers keep their own ``Product``
catalog; ``SkuMapping`` ties a supplier's SKU to one of the buyer's products and survives new
versions because it is keyed on (buyer, supplier, supplier_sku), not on an item.
"""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.actors import Actor
from marketplace.models import ApiKey, Category, Organization, Partnership
from marketplace.money import validate_currency

MONEY_DIGITS = 18
MONEY_PLACES = 4
QTY_DIGITS = 16
QTY_PLACES = 3


def name_key(name: str) -> str:
    """A product name reduced for matching: case, accents of spelling (ё/е), punctuation and spaces
    do not matter; Vietnamese diacritics do (they change the word)."""
    text = unicodedata.normalize("NFKC", name or "").lower().replace("ё", "е")
    return " ".join(re.findall(r"\w+", text))


def _author(obj: PriceList | PriceUpload) -> str:
    """Who sent a version or an upload, as every history line says it: the person, or the API key's
    name; empty for the site itself (demo data, an operator command)."""
    actor = Actor(organization=None, user=obj.uploaded_by, api_key=obj.api_key)
    return "" if actor.is_system else actor.display_name


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    ONE_C = "1c", _("1C exchange")


class UploadMode(models.TextChoices):
    FULL = "full", _("Full: replaces the list")
    PARTIAL = "partial", _("Partial: changes only the rows it holds")


class ColumnProfile(models.Model):
    """What a supplier told us about its files last time: the column mapping (and the encoding /
    delimiter overrides), offered again on its next upload."""

    supplier = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="price_column_profile")
    mapping = models.JSONField(default=dict, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=5, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.supplier}: {self.mapping}"


class PriceListStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    SUPERSEDED = "superseded", _("Superseded")


class PriceListQuerySet(models.QuerySet):
    def published(self):
        return self.exclude(status=PriceListStatus.DRAFT)

    def visible_to(self, organization: Organization | None):
        """Versions this organization may see: a supplier its own; a buyer those offered to it (to
        all its active partner buyers, or to it alone) by a supplier it actively works with."""
        if organization is None:
            return self.none()
        if organization.is_supplier:
            return self.filter(supplier=organization)
        partner = Partnership.objects.active().filter(buyer=organization, supplier_id=models.OuterRef("supplier_id"))
        return self.filter(Q(audience__isnull=True) | Q(audience=organization)).filter(models.Exists(partner))

    def active(self):
        return self.filter(status=PriceListStatus.ACTIVE)


class PriceList(models.Model):
    """One version of a supplier's price list for an audience (every active partner buyer, or one)."""

    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="price_lists")
    audience = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="offered_price_lists",
        verbose_name=_("offered to"),
        help_text=_("Empty: every active partner buyer."),
    )
    version = models.PositiveIntegerField(_("version"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=PriceListStatus.choices, default=PriceListStatus.DRAFT
    )
    mode = models.CharField(_("upload"), max_length=10, choices=UploadMode.choices, default=UploadMode.FULL)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices, default=Channel.WEB)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("API key")
    )
    source_name = models.CharField(_("source"), max_length=255, blank=True)
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("previous version")
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    added = models.PositiveIntegerField(_("added"), default=0)
    removed = models.PositiveIntegerField(_("removed"), default=0)
    price_up = models.PositiveIntegerField(_("price up"), default=0)
    price_down = models.PositiveIntegerField(_("price down"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = PriceListQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            models.UniqueConstraint(fields=["supplier", "version"], name="pricing_unique_version"),
            models.UniqueConstraint(
                fields=["supplier"],
                condition=Q(status="active", audience__isnull=True),
                name="pricing_one_active_list_for_all",
            ),
            models.UniqueConstraint(
                fields=["supplier", "audience"],
                condition=Q(status="active", audience__isnull=False),
                name="pricing_one_active_list_per_buyer",
            ),
        ]
        indexes = [models.Index(fields=["supplier", "status"], name="pricing_list_sup_status")]

    def __str__(self) -> str:
        if self.version:
            return _("%(supplier)s price list v%(version)s") % {"supplier": self.supplier, "version": self.version}
        return _("%(supplier)s draft price list") % {"supplier": self.supplier}

    @property
    def is_active(self) -> bool:
        return self.status == PriceListStatus.ACTIVE

    @property
    def author(self) -> str:
        return _author(self)

    @property
    def changed(self) -> int:
        return self.added + self.removed + self.price_up + self.price_down

    def removes_too_much(self) -> bool:
        """Whether publishing this draft drops more than ``PRICE_LIST_CONFIRM_REMOVED_PERCENT`` of the
        previous version's rows: likely a partial file sent as a full one, so the supplier confirms."""
        previous_rows = self.previous.rows if self.previous_id else 0
        return bool(previous_rows) and self.removed * 100 > settings.PRICE_LIST_CONFIRM_REMOVED_PERCENT * previous_rows


class PriceItem(models.Model):
    """One row of a version: a SKU at a minimum quantity (several rows of a SKU are its quantity breaks)."""

    # No database FK: a per-row constraint trigger would cost more than the whole COPY of a big
    # list; rows are only ever written by the services, for a draft they have just created.
    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="items", db_index=False, db_constraint=False
    )
    row = models.PositiveIntegerField(_("row"), default=0)
    sku = models.CharField(_("SKU"), max_length=100)
    name = models.CharField(_("name"), max_length=500)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    price = models.DecimalField(_("price"), max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    min_qty = models.DecimalField(_("min. quantity"), max_digits=QTY_DIGITS, decimal_places=QTY_PLACES, default=1)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    lead_time_days = models.PositiveIntegerField(_("lead time, days"), null=True, blank=True)

    class Meta:
        ordering = ["sku", "min_qty"]
        verbose_name = _("price list item")
        verbose_name_plural = _("price list items")
        constraints = [
            models.UniqueConstraint(fields=["price_list", "sku", "min_qty"], name="pricing_unique_item_break"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} ≥{self.min_qty}: {self.price} {self.currency}"


class ChangeKind(models.TextChoices):
    ADDED = "added", _("Added")
    REMOVED = "removed", _("Removed")
    UP = "up", _("Price up")
    DOWN = "down", _("Price down")


class PriceChange(models.Model):
    """What a version changed against the one it replaced (computed once, when it was staged)."""

    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="changes", db_index=False, db_constraint=False
    )
    kind = models.CharField(_("change"), max_length=8, choices=ChangeKind.choices)
    row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    sku = models.CharField(_("SKU"), max_length=100)
    name = models.CharField(_("name"), max_length=500)
    min_qty = models.DecimalField(_("min. quantity"), max_digits=QTY_DIGITS, decimal_places=QTY_PLACES)
    old_price = models.DecimalField(
        _("old price"), max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    new_price = models.DecimalField(
        _("new price"), max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    percent = models.DecimalField(_("change, %"), max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["kind", "sku", "min_qty"]
        indexes = [models.Index(fields=["price_list", "kind"], name="pricing_change_list_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.sku}"


class UploadStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready to publish")
    INVALID = "invalid", _("Has errors")
    PUBLISHED = "published", _("Published")
    DISCARDED = "discarded", _("Discarded")
    FAILED = "failed", _("Failed")


class PriceUpload(models.Model):
    """A file (or API items) on its way to becoming a version: kept server-side between the
    preview and the publish, and only ever visible to the supplier that sent it."""

    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="price_uploads")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("API key")
    )
    channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.WEB)
    file = models.FileField(upload_to="price_uploads/%Y/%m/", blank=True)
    filename = models.CharField(_("file"), max_length=255, blank=True)
    size = models.BigIntegerField(default=0)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=5, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    headers = models.JSONField(default=list, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True, validators=[validate_currency])
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    audience = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("offered to")
    )
    mode = models.CharField(_("upload"), max_length=10, choices=UploadMode.choices, default=UploadMode.FULL)
    status = models.CharField(max_length=12, choices=UploadStatus.choices, default=UploadStatus.QUEUED)
    message = models.TextField(blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    draft = models.ForeignKey(PriceList, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    published = models.ForeignKey(PriceList, on_delete=models.SET_NULL, null=True, blank=True, related_name="uploads")
    # The API's big file (services.price_list_queue): the run that finds it ready publishes it, as the
    # API publishes a small one in its request; the supplier publishes every other upload by hand.
    publish_when_ready = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    # ``started_at`` is also the claim: a run writes to its upload only while status is
    # "processing" and ``started_at`` is still the value its claim set (see services.claims).
    started_at = models.DateTimeField(null=True, blank=True)
    # The last sign of life of the run; of a queued upload, when it was last handed to the task queue.
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="pricing_upload_queue")]

    def __str__(self) -> str:
        return self.filename or _("upload %(id)s") % {"id": self.pk}

    @property
    def author(self) -> str:
        return _author(self)

    @property
    def is_done(self) -> bool:
        return self.status not in (UploadStatus.QUEUED, UploadStatus.PROCESSING)

    @property
    def percent(self) -> int:
        if self.is_done:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.processed_rows * 100 / self.total_rows))


class Product(models.Model):
    """An item of a buyer's own catalog; suppliers' SKUs are mapped onto it."""

    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="products")
    sku = models.CharField(_("SKU"), max_length=100)
    name = models.CharField(_("name"), max_length=500)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="products", verbose_name=_("category")
    )
    name_key = models.CharField(max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [models.UniqueConstraint(fields=["buyer", "sku"], name="pricing_unique_product_sku")]
        indexes = [models.Index(fields=["buyer", "name_key"], name="pricing_product_name_key")]

    def __str__(self) -> str:
        return f"{self.sku} · {self.name}"


class MappingSource(models.TextChoices):
    SKU = "sku", _("Same SKU")
    NAME = "name", _("Same name")
    MANUAL = "manual", _("By hand")


class SkuMapping(models.Model):
    """A supplier's SKU is the buyer's product. Keyed on the SKU, so it outlives every version."""

    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sku_mappings")
    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    supplier_sku = models.CharField(_("supplier SKU"), max_length=100)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="mappings", verbose_name=_("product"))
    source = models.CharField(_("matched"), max_length=8, choices=MappingSource.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["supplier_sku"]
        verbose_name = _("SKU mapping")
        verbose_name_plural = _("SKU mappings")
        constraints = [
            models.UniqueConstraint(fields=["buyer", "supplier", "supplier_sku"], name="pricing_unique_sku_mapping")
        ]

    def __str__(self) -> str:
        return f"{self.supplier_sku} → {self.product_id}"


EVERY_BUYER = "*"


class ExchangePriceTypes(models.Model):
    """Which 1C price type a supplier's 1C exchange publishes to which buyer (``pricing.exchange_1c``)."""

    supplier = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="exchange_price_types")
    # 1C price type name → a buyer's slug, or "*" for every active partner buyer.
    price_types = models.JSONField(_("price types"), default=dict, blank=True)
    # The price types of the last offers.xml, offered on the Integrations page.
    price_types_found = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("1C price types")
        verbose_name_plural = _("1C price types")

    def __str__(self) -> str:
        return f"{self.supplier}: {self.price_types}"
