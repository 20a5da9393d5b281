from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuctionsConfig(AppConfig):
    name = "auctions"
    verbose_name = _("Auctions")

    def ready(self) -> None:
        from .notifications import register_kinds

        register_kinds()
