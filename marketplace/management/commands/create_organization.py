from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from marketplace import services
from marketplace.models import OrganizationKind

from ._base import one_line


class Command(BaseCommand):
    help = "Creates an organization and its owner account (email already verified); prints the slug."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, help="buyer or supplier")
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug")
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password")

    def handle(self, *args, kind, name, slug, owner_email, owner_password, **options):
        if kind not in OrganizationKind.values:
            raise CommandError(f"Unknown kind “{kind}”: use buyer or supplier.")
        try:
            with transaction.atomic():
                owner = services.user_create_verified(email=owner_email, password=owner_password)
                organization = services.organization_create(name=name, kind=kind, slug=slug, owner=owner)
        except ValidationError as error:
            raise CommandError(one_line(error)) from None
        self.stdout.write(organization.slug)
