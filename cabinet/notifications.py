"""The cabinet's notification kinds (the sending is ``marketplace.notifications``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from marketplace import notifications

from .models import ComplaintResolution, OrderState, ProposalState

TEXTS = {
    "order_placed": gettext_lazy("New order %(number)s from %(org)s"),
    "order_moved": gettext_lazy("Order %(number)s is now “%(state)s” (%(org)s)"),
    "rfq_received": gettext_lazy("New request for quotation “%(title)s” from %(org)s"),
    "quote_received": gettext_lazy("%(org)s quoted on your request “%(title)s”"),
    "quote_declined": gettext_lazy("%(org)s declined your request “%(title)s”"),
    "quote_accepted": gettext_lazy("Your quote on “%(title)s” was chosen: order %(number)s"),
    "comment": gettext_lazy("%(org)s wrote on %(subject)s"),
    "complaint_opened": gettext_lazy("A complaint on order %(number)s from %(org)s"),
    "complaint_answered": gettext_lazy("%(org)s answered the complaint on order %(number)s"),
    "complaint_resolved": gettext_lazy("The complaint on order %(number)s is resolved: %(resolution)s"),
    "proposal_received": gettext_lazy("%(org)s proposes “%(name)s”"),
    "proposal_decided": gettext_lazy("%(org)s answered your proposal “%(name)s”: %(state)s"),
}


def register_kinds() -> None:
    labels = {"state": OrderState, "resolution": ComplaintResolution}
    for kind, text in TEXTS.items():
        notifications.register(kind, text, labels={"state": ProposalState} if kind == "proposal_decided" else labels)
