"""The ratings' notification kinds (sending is ``marketplace.notifications``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from marketplace import notifications
from marketplace.models import Perm

from .models import DisputeState


def register_kinds() -> None:
    notifications.register(
        "rating_dispute_opened",
        gettext_lazy("%(org)s disputes its rating: “%(comment)s”"),
        permission=Perm.RATE,
    )
    notifications.register(
        "rating_dispute_answered",
        gettext_lazy("%(org)s answered your dispute: %(state)s"),
        labels={"state": DisputeState},
    )
