import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

from marketplace import demo

# Each capability adds its demo data in its own ``<app>/demo.py`` with ``seed(world)``.
DEMO_APPS = ["pricing", "cabinet", "auctions", "ratings"]


class Command(BaseCommand):
    help = "Fills the site with a believable demo world; running it again changes nothing."

    def handle(self, *args, **options):
        with transaction.atomic():
            world = demo.seed()
            for app in DEMO_APPS:
                try:
                    module = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError as error:
                    if error.name != f"{app}.demo":
                        raise
                    continue
                module.seed(world)
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for email, what in world.logins:
            self.stdout.write(f"  {email:<34} {what}")
