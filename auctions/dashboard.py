"""The auctions' part of the home page: live and upcoming auctions of this organization."""

from . import selectors
from .models import RUNNING_STATES, AuctionState

SHOWN = 5


def context(request) -> dict:
    auctions = selectors.auction_list(organization=request.organization).order_by("starts_at")
    live = auctions.filter(state__in=RUNNING_STATES)
    upcoming = auctions.filter(state=AuctionState.SCHEDULED)
    return {
        "live": {"count": live.count(), "items": list(live[:SHOWN])},
        "upcoming": {"count": upcoming.count(), "items": list(upcoming[:SHOWN])},
    }
