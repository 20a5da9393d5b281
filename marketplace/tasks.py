"""Background work that belongs to no single app."""

from __future__ import annotations

import logging

from django.core.mail import send_mass_mail
from huey.contrib.djhuey import db_task, task

logger = logging.getLogger(__name__)


@task(retries=5, retry_delay=60)
def send_emails(messages: list[tuple[str, str, str, list[str]]], kind: str = "") -> None:
    """Send prepared (subject, body, from, to) mails; an unreachable mail server is retried."""
    send_mass_mail(messages, fail_silently=False)
    logger.info("sent %d %s emails", len(messages), kind)


@db_task(retries=3, retry_delay=60)
def webhook_attempt(delivery_id: int) -> None:
    """One try of a webhook delivery; a failed one is scheduled again with a growing delay
    (``webhooks.RETRY_DELAYS_S``). The task's own retries cover only a crash of this worker."""
    from .webhooks import attempt_delivery

    delay = attempt_delivery(delivery_id)
    if delay is not None:
        webhook_attempt.schedule((delivery_id,), delay=delay)
