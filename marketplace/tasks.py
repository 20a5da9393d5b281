"""Background work that belongs to no single app."""

from __future__ import annotations

import logging

from django.core.mail import send_mass_mail
from huey.contrib.djhuey import task

logger = logging.getLogger(__name__)


@task(retries=5, retry_delay=60)
def send_emails(messages: list[tuple[str, str, str, list[str]]], kind: str = "") -> None:
    """Send prepared (subject, body, from, to) mails; an unreachable mail server is retried."""
    send_mass_mail(messages, fail_silently=False)
    logger.info("sent %d %s emails", len(messages), kind)
