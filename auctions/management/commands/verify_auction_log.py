from django.core.management.base import BaseCommand, CommandError

from auctions import log
from auctions.models import Auction


class Command(BaseCommand):
    help = "Checks an auction's hash-chained log: exit 0 when every link holds, else names the first bad entry."

    def add_arguments(self, parser):
        parser.add_argument("auction_id", type=int)

    def handle(self, *args, auction_id: int, **options):
        if not Auction.objects.filter(pk=auction_id).exists():
            raise CommandError(f"No auction {auction_id}.")
        verdict = log.verify(auction_id)
        if not verdict.ok:
            raise CommandError(f"auction {auction_id}: the log is broken at seq {verdict.bad_seq}: {verdict.problem}.")
        self.stdout.write(f"OK: auction {auction_id}, {verdict.entries} entries, the chain verifies.")
