import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from marketplace import services
from marketplace.actors import Actor
from marketplace.models import OrganizationKind

from ._base import one_line, organization_by_slug


class Command(BaseCommand):
    help = "Connects a supplier to a buyer with an active partnership, as if onboarding had finished."

    def add_arguments(self, parser):
        parser.add_argument("--buyer", required=True)
        parser.add_argument("--supplier", required=True)
        parser.add_argument("--since", help="YYYY-MM-DD: back-dates tenure")
        parser.add_argument("--category", action="append", default=[], help="may be repeated")

    def handle(self, *args, buyer, supplier, since, category, **options):
        buyer_org = organization_by_slug(buyer, kind=OrganizationKind.BUYER)
        supplier_org = organization_by_slug(supplier, kind=OrganizationKind.SUPPLIER)
        since_date = None
        if since:
            try:
                since_date = dt.date.fromisoformat(since)
            except ValueError:
                raise CommandError(f"“{since}” is not a date in the form YYYY-MM-DD.") from None
        try:
            services.partnership_connect(
                buyer=buyer_org, supplier=supplier_org, since=since_date, categories=category, actor=Actor.system()
            )
        except ValidationError as error:
            raise CommandError(one_line(error)) from None
