"""Pages of the ratings: the leaderboard and its settings (managers), a supplier's score explained,
trust marks and disputes, the top contractors (procurement), and a supplier's own view."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.forms import show_service_error
from marketplace.models import OrganizationKind, Perm
from marketplace.selectors import active_suppliers
from marketplace.tenancy import TenantTableView, fetch, get_for, require, tenant_view

from . import selectors, services
from .explain import breakdown
from .filters import RatingFilter
from .forms import DisputeAnswerForm, DisputeForm, SettingsForm, TopForm, TrustMarkForm
from .models import CRITERIA
from .tables import LeaderboardTable


class LeaderboardView(TenantTableView):
    table_class = LeaderboardTable
    filterset_class = RatingFilter
    template_name = "ratings/board.html"
    required_kind = OrganizationKind.BUYER
    required_permission = Perm.RATE
    export_name = "ratings"
    # The table paginates (one COUNT); the list view's own pagination would count a second time.
    paginate_by = None
    table_pagination = {"per_page": 50}

    def dispatch(self, request, *args, **kwargs):
        organization = getattr(request, "organization", None)
        if organization is not None and organization.is_supplier:
            raise Http404(_("Not found."))  # a supplier learns nothing of any buyer's board
        return super().dispatch(request, *args, **kwargs)

    def scope(self, request):
        return selectors.leaderboard(buyer=request.organization)


board = LeaderboardView.as_view()


def _settings_initial(rating) -> dict:
    initial = {f"weight_{name}": f"{w.normalize():f}" for name, w in rating.weights().items()}
    for name in ("caution_from", "good_from", "excellent_from", "share_with_suppliers", *SettingsForm.REFERENCE_POINTS):
        initial[name] = getattr(rating, name)
    initial["volume_cap"] = f"{rating.volume_cap.normalize():f}"
    initial["max_complaint_rate"] = f"{(rating.max_complaint_rate * 100).normalize():f}"
    return initial


@tenant_view(kind=OrganizationKind.BUYER, permission=Perm.RATE)
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    buyer = request.organization
    rating = selectors.rating_settings(buyer=buyer)
    form = SettingsForm(request.POST or None, initial=_settings_initial(rating))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # one refusal and nothing of the form is saved
                weights = {n: data[f"weight_{n}"] for n in CRITERIA}
                services.weights_set(buyer=buyer, weights=weights, actor=request.actor)
                services.bands_set(
                    buyer=buyer,
                    caution_from=data["caution_from"],
                    good_from=data["good_from"],
                    excellent_from=data["excellent_from"],
                )
                services.reference_points_set(buyer=buyer, actor=request.actor, **form.reference_points())
                services.sharing_set(buyer=buyer, share=data["share_with_suppliers"])
        except ValidationError as error:
            show_service_error(request, error, form)
        else:
            messages.success(request, _("Saved. The scores are being recomputed."))
            return redirect("ratings:board")
    return render(request, "ratings/settings.html", {"form": form})


def _supplier_of(request: HttpRequest, slug: str, permission=None):
    return fetch(request, active_suppliers(buyer=request.organization), permission=permission, slug=slug)


def _page_context(buyer, supplier) -> dict:
    rating = selectors.rating_settings(buyer=buyer)
    score = selectors.score_get(buyer=buyer, supplier=supplier)
    history = list(selectors.history(buyer=buyer, supplier=supplier))
    chart = {
        "labels": [str(row["label"]) for row in breakdown(score, rating)] if score else [],
        "contributions": [row["contribution"] for row in breakdown(score, rating)] if score else [],
        "months": [s.month.isoformat() for s in history],
        "scores": [round(s.score, 1) for s in history],
    }
    return {
        "supplier": supplier,
        "score": score,
        "rows": breakdown(score, rating) if score else [],
        "history": history,
        "chart": chart,
    }


@tenant_view()  # the lookup answers 404 to a supplier before any kind or role check
@require_GET
def supplier(request: HttpRequest, slug: str) -> HttpResponse:
    found = _supplier_of(request, slug)
    context = _page_context(request.organization, found)
    context["marks"] = selectors.trust_marks(buyer=request.organization, supplier=found)
    context["mark_form"] = TrustMarkForm()
    context["can_rate"] = request.membership.can(Perm.RATE)
    return render(request, "ratings/supplier.html", context)


@tenant_view()
@require_POST
def trust_add(request: HttpRequest, slug: str) -> HttpResponse:
    found = _supplier_of(request, slug, permission=Perm.RATE)
    form = TrustMarkForm(request.POST)
    form.is_valid()
    try:
        services.trust_mark_add(
            buyer=request.organization,
            supplier=found,
            score=form.cleaned_data.get("score"),
            comment=form.cleaned_data.get("comment", ""),
            actor=request.actor,
        )
    except ValidationError as error:
        show_service_error(request, error)
    else:
        messages.success(request, _("Your mark is recorded."))
    return redirect("ratings:supplier", slug=found.slug)


def _auction_url(slugs: list[str], product=None) -> str | None:
    """The auction step, once the auctions app names its creation page ``auctions:create``: the
    suppliers invited and, for a product's top, the product as the lot."""
    try:
        url = f"{reverse('auctions:create')}?suppliers={','.join(slugs)}"
    except NoReverseMatch:
        return None
    return f"{url}&product={product.pk}" if product is not None else url


@tenant_view(kind=OrganizationKind.BUYER, permission=Perm.PROCURE)
@require_GET
def top(request: HttpRequest) -> HttpResponse:
    buyer = request.organization
    form = TopForm(request.GET or None, buyer=buyer)
    chosen, product = [], None
    if form.is_valid():
        product = form.cleaned_data["product"]
        chosen = selectors.top_contractors(
            buyer=buyer,
            category=form.cleaned_data["category"],
            product_id=product.pk if product else None,
            limit=form.cleaned_data["n"] or 5,
        )
    slugs = [s.supplier.slug for s in chosen]
    context = {
        "form": form,
        "chosen": chosen,
        "product": product,
        "rfq_url": f"{reverse('cabinet:rfq_create')}?suppliers={','.join(slugs)}" if slugs else None,
        "order_url": f"{reverse('cabinet:order_create')}?supplier={slugs[0]}" if slugs else None,
        "auction_url": _auction_url(slugs, product) if slugs else None,
    }
    return render(request, "ratings/top.html", context)


@tenant_view()
@require_GET
def disputes(request: HttpRequest) -> HttpResponse:
    if request.organization.is_buyer:
        require(request, Perm.RATE)
    items = selectors.dispute_list(organization=request.organization)
    return render(request, "ratings/disputes.html", {"disputes": items, "answer_form": DisputeAnswerForm()})


@tenant_view()
@require_POST
def dispute_answer(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_for(selectors.disputes_to_answer(buyer=request.organization), pk=pk)
    require(request, Perm.RATE)
    form = DisputeAnswerForm(request.POST)
    form.is_valid()
    try:
        services.dispute_answer(
            dispute=dispute,
            answer=form.cleaned_data.get("answer", ""),
            uphold=form.cleaned_data.get("uphold", False),
            actor=request.actor,
        )
    except ValidationError as error:
        show_service_error(request, error)
    else:
        messages.success(request, _("Your answer is sent."))
    return redirect("ratings:disputes")


def _sharing_buyer(request: HttpRequest, slug: str):
    """A buyer that shares its rating with this supplier; any other slug is a 404."""
    return get_for(selectors.buyers_sharing_with(supplier=request.organization), slug=slug)


@tenant_view()
@require_GET
def own(request: HttpRequest, slug: str) -> HttpResponse:
    buyer = _sharing_buyer(request, slug)
    context = _page_context(buyer, request.organization)
    context.update(
        buyer=buyer,
        marks=selectors.trust_marks(buyer=buyer, supplier=request.organization),
        dispute_form=DisputeForm(),
        disputes=selectors.dispute_list(organization=request.organization).filter(buyer=buyer),
        can_work=request.membership.can(Perm.WORK),
    )
    return render(request, "ratings/own.html", context)


@tenant_view()
@require_POST
def dispute_open(request: HttpRequest, slug: str) -> HttpResponse:
    buyer = _sharing_buyer(request, slug)
    require(request, Perm.WORK)
    form = DisputeForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        mark = (
            selectors.trust_marks(buyer=buyer, supplier=request.organization).filter(pk=data.get("trust_mark")).first()
        )
        complaint = _own_complaint(buyer, request.organization, data.get("complaint"))
        if mark is None and complaint is None:
            raise Http404(_("Not found."))
        services.dispute_open(
            buyer=buyer,
            supplier=request.organization,
            comment=data.get("comment", ""),
            actor=request.actor,
            trust_mark=mark,
            complaint=complaint,
        )
    except ValidationError as error:
        show_service_error(request, error)
    else:
        messages.success(request, _("Your dispute is sent to %(org)s.") % {"org": buyer.name})
    return redirect("ratings:own", slug=buyer.slug)


def _own_complaint(buyer, supplier, pk):
    if not pk:
        return None
    from cabinet.selectors import complaint_list

    return complaint_list(organization=supplier).filter(buyer=buyer, pk=pk).first()
