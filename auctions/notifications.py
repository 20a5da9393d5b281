"""The auctions' notification kinds (the sending is ``marketplace.notifications``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from marketplace import notifications
from marketplace.models import Perm

TEXTS = {
    "auction_invited": gettext_lazy("%(org)s invites you to the auction “%(title)s”, starting %(starts)s"),
    "auction_reminder": gettext_lazy("The auction “%(title)s” of %(org)s starts soon, at %(starts)s"),
    "auction_cancelled": gettext_lazy("%(org)s cancelled the auction “%(title)s”: %(reason)s"),
    "auction_won": gettext_lazy("You won the auction “%(title)s” of %(org)s: order %(number)s"),
    "auction_lost": gettext_lazy("The auction “%(title)s” of %(org)s was awarded to another supplier"),
    "auction_closed": gettext_lazy("The auction “%(title)s” closed with %(bids)s bids: award it"),
}


def register_kinds() -> None:
    for kind, text in TEXTS.items():
        notifications.register(
            kind, text, permission=Perm.PROCURE if kind == "auction_closed" else None, moments=("starts",)
        )
