from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Organizations and access")

    def ready(self) -> None:
        from . import notifications, webhooks
        from .models import Perm

        notifications.register(
            "webhook_disabled",
            _("Webhook endpoint %(url)s was switched off after a day of failed deliveries"),
            permission=Perm.MANAGE_KEYS,
        )
        webhooks.subscribe_all()
