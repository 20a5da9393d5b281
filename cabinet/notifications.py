"""Telling the other party what needs them: a line in each person's inbox, and an email sent once
the transaction has committed (never for a change that was rolled back)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.models import Membership, Organization

logger = logging.getLogger(__name__)

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

# Who on each side needs to hear about business: people who can act on it.
ACTING_PERMISSION = {"buyer": "procure", "supplier": "work"}


def render_text(kind: str, params: dict) -> str:
    from .models import ComplaintResolution, OrderState, ProposalState

    template = TEXTS.get(kind)
    if template is None:
        return kind
    values = dict(params)
    if "state" in values:
        for choices in (OrderState, ProposalState):
            if values["state"] in choices.values:
                values["state"] = choices(values["state"]).label
                break
    if "resolution" in values and values["resolution"] in ComplaintResolution.values:
        values["resolution"] = ComplaintResolution(values["resolution"]).label
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        return str(template)


def recipients(organization: Organization, exclude_user=None) -> list:
    permission = ACTING_PERMISSION["buyer" if organization.is_buyer else "supplier"]
    people = []
    for membership in Membership.objects.filter(organization=organization).select_related("user", "organization"):
        if membership.can(permission) and membership.user.is_active and membership.user != exclude_user:
            people.append(membership.user)
    return people


def notify(
    *,
    organization: Organization,
    kind: str,
    params: dict,
    url: str = "",
    exclude_user=None,
) -> int:
    """Inbox lines for the people of ``organization`` who can act, and an email to each after commit.
    Returns how many people were told."""
    from .models import Notification

    people = recipients(organization, exclude_user=exclude_user)
    if not people:
        return 0
    Notification.objects.bulk_create(
        [Notification(user=user, organization=organization, kind=kind, params=params, url=url) for user in people]
    )
    link = f"{settings.SITE_URL.rstrip('/')}{url}" if url else ""
    messages = []
    for user in people:
        if not user.email:
            continue
        # Each person reads the mail in the language they last used the site in.
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject = render_text(kind, params)
            body = "\n\n".join(filter(None, [subject, link, _("— Supplier Marketplace")]))
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))

    def send() -> None:
        try:
            send_mass_mail(messages, fail_silently=False)
        except Exception:  # an unreachable mail server must not undo business that already committed
            logger.exception("cabinet: could not send %s notification emails", kind)

    transaction.on_commit(send)
    return len(people)


def notify_many(targets: Iterable[tuple[Organization, dict]], *, kind: str, url: str = "", exclude_user=None) -> None:
    for organization, params in targets:
        notify(organization=organization, kind=kind, params=params, url=url, exclude_user=exclude_user)
