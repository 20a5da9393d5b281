from django.core.management.base import BaseCommand

from marketplace import services
from marketplace.actors import Actor

from ._base import organization_by_slug


class Command(BaseCommand):
    help = "Issues a new API key for an organization; prints the key (shown only this once) as the last line."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True)
        parser.add_argument("--name", default="")

    def handle(self, *args, org, name, **options):
        organization = organization_by_slug(org)
        _api_key, key = services.api_key_issue(
            organization=organization, name=name or "Issued by operator", actor=Actor.system(organization)
        )
        self.stdout.write(key)
