from django.core.management.base import BaseCommand
from django.db import transaction

from marketplace import demo
from marketplace.hooks import capability_modules


class Command(BaseCommand):
    help = "Fills the site with a believable demo world; running it again changes nothing."

    def handle(self, *args, **options):
        with transaction.atomic():
            world = demo.seed()
            # Each capability adds its demo data in its own ``<app>/demo.py`` with ``seed(world)``.
            for _app, module in capability_modules("demo"):
                module.seed(world)
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for email, what in world.logins:
            self.stdout.write(f"  {email:<34} {what}")
