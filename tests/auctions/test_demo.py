import datetime as dt

from django.utils import timezone

from auctions import demo, log
from auctions.models import Auction, AuctionState, Bid, LogEntry
from marketplace import demo as marketplace_demo


def test_it_seeds_a_past_auction_with_its_history_and_an_upcoming_one_once(db):
    world = marketplace_demo.seed()
    demo.seed(world)
    past = Auction.objects.get(title=demo.PAST_TITLE)
    assert past.state == AuctionState.AWARDED and past.order.number.startswith("A-")
    assert past.extensions >= 1 and past.bids_count == len(demo.PAST_BIDS) - 1
    assert past.order.total == past.best_price and past.order.documents.count() == 1
    assert past.ends_at < timezone.now() - dt.timedelta(days=5)
    kinds = set(LogEntry.objects.filter(auction=past).values_list("kind", flat=True))
    assert {"created", "state", "bid", "refused", "extended", "awarded"} <= kinds
    assert log.verify(past.pk).ok
    upcoming = Auction.objects.get(title=demo.UPCOMING_TITLE)
    assert upcoming.state == AuctionState.SCHEDULED
    assert dt.timedelta(minutes=3) < upcoming.starts_at - timezone.now() < dt.timedelta(minutes=6)
    assert Auction.objects.get(title=demo.VND_TITLE).currency == "VND"
    counts = (Auction.objects.count(), Bid.objects.count(), LogEntry.objects.count())
    demo.seed(marketplace_demo.seed())
    assert (Auction.objects.count(), Bid.objects.count(), LogEntry.objects.count()) == counts
