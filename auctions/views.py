"""Pages of the auctions: the lists, setting one up, the buyer's monitor, the supplier's room and
the buyer's controls. Every auction is fetched through the organization's scope (404 otherwise),
then the kind and role are checked (403); every change goes through ``auctions.services``. The live
part of the monitor and the room runs over the websocket (``auctions/consumers.py``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.forms import chosen_suppliers, show_service_error
from marketplace.models import Organization, OrganizationKind, Perm
from marketplace.selectors import active_suppliers, partner_ratings
from marketplace.tenancy import TenantTableView, fetch, organization_required, require, require_kind

from . import log, selectors, services
from .filters import AuctionFilter
from .forms import AuctionForm, AwardForm, CancelForm, ExtendForm
from .lifecycle import AUCTION, BUYER
from .models import Auction, AuctionState, Invitation
from .tables import AuctionTable, SupplierAuctionTable

# The room asks before a bid this far below the supplier's own last bid or the best price.
CONFIRM_BELOW_PERCENT = 20
# The monitor flags a bid this far below the next one, or below the others' mean.
LOW_VS_NEXT_PERCENT = 30
LOW_VS_MEAN_PERCENT = 40


# -- lists -----------------------------------------------------------------------------------------


class AuctionListView(TenantTableView):
    filterset_class = AuctionFilter
    template_name = "auctions/auction_list.html"
    export_name = "auctions"

    def get_table_class(self):
        return AuctionTable if self.request.organization.is_buyer else SupplierAuctionTable

    def scope(self, request):
        organization = request.organization
        queryset = selectors.auction_list(organization=organization)
        if organization.is_buyer:
            return queryset.annotate(invited=Count("invitations")).order_by("-starts_at", "-id")
        mine = Invitation.objects.filter(auction=OuterRef("pk"), supplier=organization)
        return queryset.annotate(
            my_rank=Subquery(mine.values("rank")[:1]), my_best=Subquery(mine.values("best_amount")[:1])
        ).order_by("-starts_at", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = self.request.organization.is_buyer and self.request.membership.can(Perm.PROCURE)
        context["when"] = self.request.GET.get("when", "")
        return context


auction_list = AuctionListView.as_view()


# -- setting up ------------------------------------------------------------------------------------


def _rfq_of(request: HttpRequest):
    from cabinet.selectors import rfq_get

    raw = request.POST.get("rfq") or request.GET.get("rfq")
    if not raw:
        return None
    if not str(raw).isdigit():
        raise Http404(_("Not found."))
    rfq = rfq_get(organization=request.organization, pk=int(raw))
    if rfq is None:
        raise Http404(_("Not found."))
    return rfq


def _initial(rfq) -> dict:
    now = timezone.localtime().replace(second=0, microsecond=0)
    initial = {"starts_at": now + dt.timedelta(minutes=15), "ends_at": now + dt.timedelta(minutes=45)}
    if rfq is None:
        return initial
    from cabinet.models import QuoteState
    from cabinet.selectors import quote_list_for_rfq

    best = (
        quote_list_for_rfq(rfq=rfq, organization=rfq.buyer)
        .filter(state=QuoteState.SUBMITTED)
        .order_by("total", "created_at")
        .first()
    )
    lines = list(rfq.lines.all())
    initial.update(
        title=rfq.title,
        description=rfq.description,
        lot="; ".join(f"{line.name} × {line.quantity.normalize():f} {line.unit}" for line in lines)[:300],
        currency=rfq.currency,
        start_price=best.total if best else None,
        min_step=(best.total / 100).quantize(Decimal("0.01")) if best else None,
    )
    return initial


def _device_timezone(request: HttpRequest) -> dt.tzinfo | None:
    """The fixed offset of the person's device (the form sends ``getTimezoneOffset()``), so that
    the times typed into the form mean what the person sees on their clock."""
    try:
        minutes = int(request.POST.get("tz_offset", ""))
    except ValueError:
        return None
    if not -16 * 60 <= minutes <= 16 * 60:
        return None
    return dt.timezone(-dt.timedelta(minutes=minutes))


@organization_required
@require_http_methods(["GET", "POST"])
def auction_create(request: HttpRequest) -> HttpResponse:
    require_kind(request, OrganizationKind.BUYER)
    require(request, Perm.PROCURE)
    device = _device_timezone(request)
    with timezone.override(device or timezone.get_current_timezone()):
        return _auction_create(request, tz_offset=request.POST.get("tz_offset", "") if device else "")


def _auction_create(request: HttpRequest, *, tz_offset: str) -> HttpResponse:
    from cabinet.forms import is_id
    from pricing.models import Product

    rfq = _rfq_of(request)
    suppliers = active_suppliers(buyer=request.organization)
    initial = _initial(rfq)
    products = Product.objects.filter(buyer=request.organization).order_by("name")
    if rfq is None:
        initial["suppliers"] = chosen_suppliers(request, suppliers, "suppliers")
        # A product's top contractors (ratings) name the product as the lot: the buyer's own only.
        product = products.filter(pk=request.GET["product"]).first() if is_id(request.GET.get("product", "")) else None
        if product is not None:
            initial.update(product=product.pk, title=product.name, unit=product.unit)
    form = AuctionForm(
        request.POST or None,
        initial=initial,
        suppliers=suppliers,
        products=products,
        from_rfq=rfq is not None,
        buyer=request.organization,
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                if rfq is not None:
                    auction = services.auction_from_rfq(actor=request.actor, rfq=rfq, **form.terms())
                else:
                    auction = services.auction_create(
                        actor=request.actor, suppliers=form.cleaned_data["suppliers"], **form.terms()
                    )
                if form.cleaned_data["schedule"]:
                    auction = services.auction_schedule(auction=auction, actor=request.actor)
        except ValidationError as error:
            show_service_error(request, error, form)
        except services.Refused as error:
            form.add_error(None, error.message)
        else:
            if auction.state == AuctionState.SCHEDULED:
                messages.success(request, _("The auction is scheduled; the invited suppliers are told."))
            else:
                messages.success(request, _("The auction is saved as a draft."))
            return redirect("auctions:detail", pk=auction.pk)
    rfq_suppliers = []
    if rfq is not None:
        rfq_suppliers = list(active_suppliers(buyer=request.organization).filter(pk__in=rfq.suppliers.values("pk")))
    context = {"form": form, "rfq": rfq, "rfq_suppliers": rfq_suppliers, "tz_offset": tz_offset}
    return render(request, "auctions/auction_form.html", context)


# -- the monitor and the room ----------------------------------------------------------------------


def _auction(request: HttpRequest, pk: int) -> Auction:
    auction = fetch(request, Auction.objects.select_related("buyer", "product", "order", "awarded_to"), pk=pk)
    if selectors.audience_of(auction, request.organization) is None:
        raise Http404(_("Not found."))
    return auction


def _strings() -> dict:
    """Every sentence the live pages' script shows, in the page's language."""
    return {
        "states": dict(AuctionState.choices),
        "connecting": _("Connecting…"),
        "live": _("Connected"),
        "reconnecting": _("Connection lost: reconnecting in %(s)s s…"),
        "forbidden": _("You may not watch this auction (any more). Reload the page after logging in."),
        "flooding": _("Too many messages: the connection was closed. Reconnecting shortly."),
        "clock_off": _("Your device's clock is %(s)s s off the server's. The countdown follows the server's clock."),
        "starts_in": _("Starts in"),
        "ends_in": _("Ends in"),
        "paused": _("Paused: %(left)s left when it resumes"),
        "ended": _("Ended"),
        "no_bids": _("No bids yet."),
        "rank_of": _("%(rank)s of %(n)s"),
        "tied": _("Tied on price with a better-ranked bid that came earlier: you are behind it."),
        "leader": _("You lead."),
        "bid_sent": _("Sending…"),
        "bid_ok": _("Accepted: received by the server at %(time)s"),
        "bid_refused": _("Refused: %(message)s"),
        "bid_unknown": _("No answer yet: the bid is sent again when the connection is back."),
        "confirm": _("%(amount)s is %(percent)s%% below %(what)s. A bid is binding: is this the price you mean?"),
        "confirm_own": _("your last bid"),
        "confirm_best": _("the best price"),
        "bad_amount": _("Type an amount like 1234.50."),
        "extended": _("Extended by %(by)s: %(cause)s in %(window)s; %(left)s of %(max)s extensions left"),
        "extended_buyer": _("Extended by %(by)s by the buyer"),
        "causes": {
            "rank_improving": _("a bid improved a rank"),
            "rank_improving_top": _("a bid improved a rank within the top %(n)s"),
            "any_bid": _("a bid was placed"),
            "any_bid_top": _("a bid landed in the top %(n)s"),
            "new_leader": _("a bid took the lead"),
        },
        "window_minutes": _("the last %(n)s min"),
        "window_seconds": _("the last %(n)s s"),
        "low_next": _("%(percent)s%% below the next bid"),
        "low_mean": _("%(percent)s%% below the others' mean"),
        "reserve_met": _("Reserve met"),
        "reserve_not_met": _("Reserve not met"),
        "nobody": _("Nobody connected."),
        "connected": _("connected"),
        "not_connected": _("not connected"),
        "best_price_series": _("Best price"),
        "my_bids_series": _("Your bids"),
        "time": _("Time"),
        "closed_rank": _("The auction is over. Your final rank: %(rank)s."),
        "closed_none": _("The auction is over."),
    }


def _states_to(target: str) -> str:
    """The states from which the buyer may move the auction to ``target`` (from the life-cycle table)."""
    return " ".join(s for s in AuctionState.values if AUCTION.find(s, target, side=BUYER))


def _control_states() -> dict[str, str]:
    """Which controls the monitor shows in which state; the script follows the state live."""
    return {
        "schedule": _states_to(AuctionState.SCHEDULED),
        "pause": _states_to(AuctionState.PAUSED),
        "resume": _states_to(AuctionState.LIVE),
        "extend": " ".join((AuctionState.LIVE, AuctionState.PAUSED)),
        "cancel": _states_to(AuctionState.CANCELLED),
        "award": _states_to(AuctionState.AWARDED),
    }


@organization_required
@require_GET
def auction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    auction = _auction(request, pk)
    is_buyer = request.organization.pk == auction.buyer_id
    config = {
        "auction_id": auction.pk,
        "ws_path": f"/ws/auctions/{auction.pk}/",
        "audience": "buyer" if is_buyer else "supplier",
        "currency": auction.currency,
        "confirm_below_percent": CONFIRM_BELOW_PERCENT,
        "low_vs_next_percent": LOW_VS_NEXT_PERCENT,
        "low_vs_mean_percent": LOW_VS_MEAN_PERCENT,
        "language": getattr(request, "LANGUAGE_CODE", "en"),
        "datetime_format": get_format("SHORT_DATETIME_FORMAT"),  # the script writes times as the pages do
    }
    context = {"auction": auction, "config": config, "strings": _strings(), "is_buyer": is_buyer}
    if not is_buyer:
        return render(request, "auctions/room.html", context)
    can_control = request.membership.can(Perm.PROCURE)
    bidders = Organization.objects.filter(
        auction_invitations__auction=auction, auction_invitations__best_amount__isnull=False
    ).order_by("auction_invitations__rank")
    invited = list(auction.invitations.select_related("supplier").order_by("supplier__name"))
    ratings = partner_ratings(buyer=auction.buyer, suppliers=[i.supplier_id for i in invited])
    for invitation in invited:  # each invited supplier's band and score, where it was picked
        invitation.rating = ratings.get(invitation.supplier_id)
    context.update(
        any_blocked=any(i.rating is not None and i.rating.is_blocked for i in invited),
        can_control=can_control,
        invited=invited,
        extend_form=ExtendForm(),
        cancel_form=CancelForm(),
        award_form=AwardForm(bidders=bidders, leader=auction.leader_id),
        control_states=_control_states(),
    )
    return render(request, "auctions/monitor.html", context)


@organization_required
@require_GET
def auction_log(request: HttpRequest, pk: int) -> HttpResponse:
    """The buyer's download of the hash-chained log (JSON lines)."""
    auction = _auction(request, pk)
    if request.organization.pk != auction.buyer_id:
        raise PermissionDenied(_("Only the buyer downloads the log."))
    response = StreamingHttpResponse(log.json_lines(auction), content_type="application/jsonl; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="auction-{auction.pk}-log.jsonl"'
    return response


# -- the buyer's controls --------------------------------------------------------------------------


def _control(request: HttpRequest, pk: int) -> Auction:
    auction = _auction(request, pk)
    if request.organization.pk != auction.buyer_id:
        raise PermissionDenied(_("Only the buyer runs the auction."))
    require(request, Perm.PROCURE)
    return auction


def _run(request: HttpRequest, action, success: str, form=None, **kwargs):
    """Call a service; its refusal becomes a message on the page (never a 500)."""
    try:
        result = action(actor=request.actor, **kwargs)
    except ValidationError as error:
        show_service_error(request, error)
        return None
    except services.Refused as error:
        messages.error(request, error.message)
        return None
    messages.success(request, success)
    return result if result is not None else True


def _back(pk: int) -> HttpResponse:
    return redirect("auctions:detail", pk=pk)


@organization_required
@require_POST
def auction_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    auction = _control(request, pk)
    _run(
        request,
        services.auction_schedule,
        _("The auction is scheduled; the invited suppliers are told."),
        auction=auction,
        override_reason=request.POST.get("override_reason", ""),
    )
    return _back(pk)


@organization_required
@require_POST
def auction_pause(request: HttpRequest, pk: int) -> HttpResponse:
    auction = _control(request, pk)
    _run(request, services.auction_pause, _("Paused: the clock is frozen."), auction=auction)
    return _back(pk)


@organization_required
@require_POST
def auction_resume(request: HttpRequest, pk: int) -> HttpResponse:
    auction = _control(request, pk)
    _run(request, services.auction_resume, _("Resumed with the time that was left."), auction=auction)
    return _back(pk)


@organization_required
@require_POST
def auction_extend(request: HttpRequest, pk: int) -> HttpResponse:
    auction = _control(request, pk)
    form = ExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the extension in whole minutes (1 to 1440)."))
        return _back(pk)
    minutes = form.cleaned_data["minutes"]
    _run(
        request,
        services.auction_extend,
        _("Extended by %(n)s min.") % {"n": minutes},
        auction=auction,
        seconds=minutes * 60,
    )
    return _back(pk)


@organization_required
@require_POST
def auction_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    auction = _control(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the auction is cancelled."))
        return _back(pk)
    _run(
        request,
        services.auction_cancel,
        _("The auction is cancelled."),
        auction=auction,
        reason=form.cleaned_data["reason"],
    )
    return _back(pk)


@organization_required
@require_POST
def auction_award(request: HttpRequest, pk: int) -> HttpResponse:
    auction = _control(request, pk)
    bidders = Organization.objects.filter(
        auction_invitations__auction=auction, auction_invitations__best_amount__isnull=False
    )
    form = AwardForm(request.POST, bidders=bidders)
    if not form.is_valid():
        messages.error(request, _("Choose a supplier that bid."))
        return _back(pk)
    order = _run(
        request,
        services.auction_award,
        _("Awarded: the order is created with the auction's log attached."),
        auction=auction,
        supplier=form.cleaned_data["supplier"],
        reason=form.cleaned_data["reason"],
    )
    if order and hasattr(order, "pk"):
        return redirect("cabinet:order_detail", pk=order.pk)
    return _back(pk)
