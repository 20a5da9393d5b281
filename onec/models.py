"""A supplier's 1C exchange: its settings (which price type goes to which buyer, the orders mark)
and the history of its exchanges."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.models import ApiKey, Organization

EVERY_BUYER = "*"


class ExchangeSettings(models.Model):
    supplier = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="onec_settings")
    # 1C price type name → a buyer's slug, or "*" for every active partner buyer.
    price_types = models.JSONField(_("price types"), default=dict, blank=True)
    # The price types of the last offers.xml, offered on the Integrations page.
    price_types_found = models.JSONField(default=list, blank=True)
    # Orders changed at or after this were not yet acknowledged by 1C (mode=success moves it).
    orders_mark = models.DateTimeField(null=True, blank=True)
    # The time of the last mode=query: what mode=success makes the mark.
    orders_queried_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.supplier}: {self.price_types}"


class ExchangeKind(models.TextChoices):
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
    """One exchange step 1C asked for that did something: an import, an orders query or
    acknowledgement, a file of order documents."""

    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="onec_exchanges")
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
        indexes = [models.Index(fields=["supplier", "-created_at"], name="onec_exchange_recent")]
        verbose_name = _("1C exchange")
        verbose_name_plural = _("1C exchanges")

    def __str__(self) -> str:
        return f"{self.kind} {self.mode} {self.filename}: {self.result}"
