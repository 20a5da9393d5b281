"""Telling people what needs them: a line in each person's inbox, and an email sent through the
task queue once the transaction has committed (never for a change that was rolled back), written
in the language each person last used the site in, only to people whose role can act on it.

Each app registers its own kinds in its ``AppConfig.ready()``:

    notifications.register("order_placed", gettext_lazy("New order %(number)s from %(org)s"),
                           labels={"state": OrderState})

and sends them with ``notifications.notify(organization=..., kind="order_placed", params={...})``.
``labels`` turns stored values of ``params`` (a state, a resolution) into their translated label
and ``moments`` names the params that hold a time (stored as ISO 8601, ``notifications.moment(dt)``)
to write in the reader's date format, when the text is rendered, so that an inbox line reads in the
reader's language.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models, transaction
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .models import ACTING_PERMISSION, Membership, Notification, Organization, Perm, User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    text: Promise
    labels: Mapping[str, type[models.TextChoices]] = field(default_factory=dict)
    permission: Perm | None = None  # who hears of it; None: ACTING_PERMISSION of the side
    moments: tuple[str, ...] = ()


KINDS: dict[str, Kind] = {}


def register(
    kind: str,
    text: Promise,
    *,
    labels: Mapping[str, type[models.TextChoices]] | None = None,
    permission: Perm | None = None,
    moments: Iterable[str] = (),
) -> None:
    KINDS[kind] = Kind(text=text, labels=dict(labels or {}), permission=permission, moments=tuple(moments))


def moment(value) -> str:
    """A time as a ``moments`` param stores it."""
    return value.isoformat()


def _moment_text(value):
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:  # stored as text before times were kept as ISO 8601
        return value
    return formats.date_format(timezone.localtime(parsed), "SHORT_DATETIME_FORMAT")


def render_text(kind: str, params: Mapping) -> str:
    spec = KINDS.get(kind)
    if spec is None:
        return kind
    values = dict(params)
    for name, choices in spec.labels.items():
        if values.get(name) in choices.values:
            values[name] = choices(values[name]).label
    for name in spec.moments:
        if name in values:
            values[name] = _moment_text(values[name])
    try:
        return str(spec.text) % values
    except (KeyError, TypeError, ValueError):
        return str(spec.text)


def recipients(organization: Organization, *, permission: Perm | None = None, exclude_user=None) -> list[User]:
    permission = permission or ACTING_PERMISSION[organization.kind]
    return [
        membership.user
        for membership in Membership.objects.filter(organization=organization, user__is_active=True).select_related(
            "user", "organization"
        )
        if membership.can(permission) and membership.user != exclude_user
    ]


def notify(
    *,
    organization: Organization,
    kind: str,
    params: dict,
    url: str = "",
    exclude_user: User | None = None,
) -> int:
    """Inbox lines for the people of ``organization`` who can act, and an email to each after commit.
    Returns how many people were told."""
    if kind not in KINDS:
        raise ValueError(f"unregistered notification kind {kind!r}")
    people = recipients(organization, permission=KINDS[kind].permission, exclude_user=exclude_user)
    if not people:
        return 0
    Notification.objects.bulk_create(
        [Notification(user=user, organization=organization, kind=kind, params=params, url=url) for user in people]
    )
    messages = [_email(user, kind, params, url) for user in people if user.email]
    if messages:
        transaction.on_commit(lambda: _send_later(messages, kind))
    return len(people)


def notify_many(targets: Iterable[tuple[Organization, dict]], *, kind: str, url: str = "", exclude_user=None) -> None:
    for organization, params in targets:
        notify(organization=organization, kind=kind, params=params, url=url, exclude_user=exclude_user)


def _email(user: User, kind: str, params: Mapping, url: str) -> tuple[str, str, str, list[str]]:
    link = f"{settings.SITE_URL.rstrip('/')}{url}" if url else ""
    # Each person reads the mail in the language they last used the site in.
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = render_text(kind, params)
        body = "\n\n".join(filter(None, [subject, link, _("— Supplier Marketplace")]))
    return (subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def _send_later(messages: list, kind: str) -> None:
    from .tasks import send_emails

    try:
        send_emails(messages, kind)
    except Exception:  # a queue that is down must not undo business that already committed
        logger.exception("notifications: could not queue %s emails", kind)
