"""One of every auction object, for the URL sweep (tests/test_url_sweep.py): a draft, a live auction
with bids and a refusal, and an awarded one (its order and the log document)."""

import datetime as dt

from auctions import services
from auctions.models import AuctionState
from tests.auctions import factories as f


def build(cast) -> None:
    buyer, paul, supplier, supplier2 = cast.buyer, cast.paul, cast.supplier, cast.supplier2
    f.auction(buyer, paul, [supplier])
    live = f.auction(buyer, paul, [supplier, supplier2], state=AuctionState.LIVE)
    f.bid(live, supplier, "990000", client_id="w1")
    f.bid(live, supplier2, "abc", client_id="w2")
    done = f.auction(buyer, paul, [supplier, supplier2], state=AuctionState.LIVE)
    f.bid(done, supplier2, "950000")
    done.refresh_from_db()
    services.auction_close_expired(now=done.ends_at + dt.timedelta(minutes=1))
    services.auction_award(auction=done, actor=f.buyer_actor(paul, buyer))
