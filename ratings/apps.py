from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = _("Ratings")

    def ready(self) -> None:
        from marketplace import events

        from . import notifications, tasks

        notifications.register_kinds()
        for kind in ("order_moved", "complaint_opened", "complaint_resolved"):
            events.subscribe(kind, tasks.on_business_event)
