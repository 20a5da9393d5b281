from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from marketplace.models import Organization


def one_line(error: ValidationError) -> str:
    return " ".join(" ".join(error.messages).split())


def organization_by_slug(slug: str, *, kind: str | None = None) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise CommandError(f"Unknown organization slug “{slug}”.")
    if kind and organization.kind != kind:
        raise CommandError(f"“{slug}” is a {organization.kind}, not a {kind}.")
    return organization
