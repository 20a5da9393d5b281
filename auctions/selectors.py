"""Reads of the auctions; each takes the organization whose view it is. What a reader may see of a
live standing is decided in ``auctions.news``; these only fetch."""

from __future__ import annotations

from django.db.models import DecimalField, ExpressionWrapper, F, QuerySet

from marketplace.models import Organization

from . import news
from .models import FINISHED_STATES, RUNNING_STATES, Auction, AuctionState, Bid, Invitation
from .services import standings as standing_lines


def auction_list(*, organization: Organization | None) -> QuerySet[Auction]:
    """The buyer's own auctions, or those a supplier is invited to (never its drafts)."""
    return Auction.objects.visible_to(organization).select_related("buyer")


def auction_get(*, organization: Organization | None, pk) -> Auction | None:
    return auction_list(organization=organization).filter(pk=pk).first()


# A supplier's view of its auctions: invitations (scheduled), live (live or paused), past.
SUPPLIER_GROUPS = {
    "upcoming": (AuctionState.SCHEDULED,),
    "live": RUNNING_STATES,
    "past": FINISHED_STATES,
}


def auction_list_grouped(*, organization: Organization) -> dict[str, list[Auction]]:
    queryset = auction_list(organization=organization)
    return {name: list(queryset.filter(state__in=states)) for name, states in SUPPLIER_GROUPS.items()}


def audience_of(auction: Auction, organization: Organization | None) -> str | int | None:
    """``"buyer"``, the supplier's id when invited (and the auction left the draft), else None."""
    if organization is None:
        return None
    if organization.pk == auction.buyer_id:
        return news.BUYER
    if auction.state == AuctionState.DRAFT:
        return None
    if Invitation.objects.filter(auction=auction, supplier=organization).exists():
        return organization.pk
    return None


def invitation_get(*, auction: Auction, supplier: Organization) -> Invitation | None:
    return Invitation.objects.filter(auction=auction, supplier=supplier).first()


def standings(*, auction: Auction) -> list[dict]:
    """Every invited supplier's line (names included: for the buyer and for ``news`` only)."""
    return standing_lines(auction.invitations.select_related("supplier"))


def bid_list(*, auction: Auction) -> QuerySet[Bid]:
    """Every accepted bid, oldest first by receipt (the buyer's)."""
    return auction.bids.select_related("supplier").order_by("received_at", "id")


def bid_lines(*, auction: Auction) -> list[dict]:
    return [
        news.bid_data(bid, name=bid.supplier.name, slug=bid.supplier.slug, tied=False)
        for bid in bid_list(auction=auction)
    ]


def snapshot(*, auction_id: int, audience: str | int) -> dict | None:
    """The ``snapshot`` frame for ``audience`` (the buyer also gets every bid); None if gone."""
    auction = Auction.objects.filter(pk=auction_id).first()
    if auction is None:
        return None
    bids = bid_lines(auction=auction) if audience == news.BUYER else None
    return news.snapshot(auction, standings(auction=auction), audience, bids=bids)


def bid_prices_for_rating(*, buyer: Organization) -> QuerySet:
    """The buyer's finished auctions (closed or awarded) of a catalog product, for the ratings'
    price criterion: one row per bidder with ``supplier_id``, ``product_id``, ``currency`` and
    ``price``, the unit price of its best accepted bid (best amount / quantity). No ``spend``: what
    the buyer spent comes from the award's order."""
    unit_price = ExpressionWrapper(
        F("best_amount") / F("auction__quantity"), output_field=DecimalField(max_digits=24, decimal_places=8)
    )
    return (
        Invitation.objects.filter(
            auction__buyer=buyer,
            auction__state__in=(AuctionState.CLOSED, AuctionState.AWARDED),
            auction__product__isnull=False,
            auction__quantity__gt=0,
            best_amount__isnull=False,
        )
        .order_by("auction_id", "supplier_id")
        .values("supplier_id", product_id=F("auction__product_id"), currency=F("auction__currency"), price=unit_price)
    )
