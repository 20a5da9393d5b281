"""Pages of the cabinet. Every object is fetched with ``tenancy.fetch`` (404 when the active
organization may not see it, then 403 for its kind or role); all changes go through services,
on behalf of ``request.actor``."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.forms import chosen_suppliers, perform, show_form_errors
from marketplace.models import OrganizationKind, Perm, acting_permission
from marketplace.selectors import active_buyers, active_suppliers, is_active_partner, partner_ratings
from marketplace.tenancy import TenantTableView, can_act, fetch, tenant_view

from . import selectors, services
from .documents import served_content_type
from .filters import ComplaintFilter, OrderFilter, RfqFilter
from .forms import (
    CommentForm,
    ComplaintAnswerForm,
    ComplaintForm,
    ComplaintResolveForm,
    DeclineForm,
    DocumentForm,
    LineFormSet,
    OrderForm,
    ProposalDecisionForm,
    ProposalForm,
    QuoteForm,
    RfqForm,
    RfqLineFormSet,
    TransitionForm,
    filled_lines,
    is_id,
)
from .models import (
    PRICED_QUOTE_STATES,
    Complaint,
    Document,
    Order,
    OrderChannel,
    OrderLine,
    OrderState,
    Proposal,
    Quote,
    QuoteState,
    RequestForQuotation,
)
from .progress import order_steps, waiting_for
from .tables import ComplaintTable, OrderTable, RfqTable
from .transitions import BUYER, allowed_moves, complaints_resolved

SUPPLIER = OrganizationKind.SUPPLIER


def _acting(request: HttpRequest) -> Perm:
    """What the active organization's people need to act on its side's business."""
    return acting_permission(request.organization.kind)


def _submit(request: HttpRequest, form, service, *, success="", invalid="", on_form=False, **arguments):
    """A posted form handed to ``service`` on behalf of ``request.actor``: the form's fields and
    ``arguments`` become the service's arguments; a refusal is shown on the form when the page shows
    it again (``on_form``), else as messages. A form that is not valid shows ``invalid``, or its
    errors one by one. Returns what the service returned, or None."""
    if form.is_valid():
        shown_on = form if on_form else None
        fields = {**form.cleaned_data, **arguments}
        return perform(request, service, success=success, form=shown_on, actor=request.actor, **fields)
    if invalid:
        messages.error(request, invalid)
    else:
        show_form_errors(request, form)
    return None


def _rfq(request: HttpRequest, pk: int, **access) -> RequestForQuotation:
    return fetch(request, RequestForQuotation.objects.select_related("buyer"), pk=pk, **access)


def _order(request: HttpRequest, pk: int, **access) -> Order:
    return fetch(request, Order.objects.select_related("buyer", "supplier"), pk=pk, **access)


def _complaint(request: HttpRequest, pk: int, **access) -> Complaint:
    return fetch(request, Complaint.objects.select_related("order", "buyer", "supplier"), pk=pk, **access)


# -- requests for quotation ------------------------------------------------------------------------


class RfqListView(TenantTableView):
    table_class = RfqTable
    filterset_class = RfqFilter
    template_name = "cabinet/rfq_list.html"
    export_name = "requests"
    create_kind, create_permission = OrganizationKind.BUYER, Perm.PROCURE

    def scope(self, request):
        return selectors.rfq_list(organization=request.organization)


rfq_list = RfqListView.as_view()


def _sent_to_suppliers(rfq: RequestForQuotation) -> str:
    return _("The request is sent to %(n)s suppliers.") % {"n": rfq.suppliers.count()}


@require_http_methods(["GET", "POST"])
@tenant_view(kind=OrganizationKind.BUYER, permission=Perm.PROCURE)
def rfq_create(request: HttpRequest) -> HttpResponse:
    suppliers = active_suppliers(buyer=request.organization)
    form = RfqForm(
        request.POST or None,
        request.FILES or None,
        suppliers=suppliers,
        buyer=request.organization,
        initial={"suppliers": chosen_suppliers(request, suppliers, "suppliers")},
    )
    lines = RfqLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        rfq = _submit(
            request,
            form,
            services.rfq_create,
            success=_sent_to_suppliers,
            on_form=True,
            buyer=request.organization,
            lines=filled_lines(lines),
        )
        if rfq is not None:
            return redirect("cabinet:rfq_detail", pk=rfq.pk)
    return render(request, "cabinet/rfq_form.html", {"form": form, "lines": lines})


def _comparison(quotes, rfq_lines, buyer) -> dict:
    """Priced quotes side by side: one column per quote, one row per line, the best price marked;
    after an award the quotes not chosen stay, marked, as the record of why the buyer chose."""
    submitted = [q for q in quotes if q.state in PRICED_QUOTE_STATES]
    prices = {(ql.quote_id, ql.rfq_line_id): ql for q in submitted for ql in q.lines.all()}
    rows = [{"line": line, "cells": [prices.get((q.pk, line.pk)) for q in submitted]} for line in rfq_lines]
    for row in rows:
        row["best"] = min((c.price for c in row["cells"] if c), default=None)
    ratings = partner_ratings(buyer=buyer, suppliers=[q.supplier_id for q in submitted]) if submitted else {}
    for quote in submitted:  # each supplier's band and score beside its prices
        quote.rating = ratings.get(quote.supplier_id)
    return {"compared": submitted, "comparison": rows, "answered_ids": {q.supplier_id for q in quotes}}


def _rfq_buyer_context(request: HttpRequest, rfq, quotes, rfq_lines) -> dict:
    recipients = list(rfq.suppliers.order_by("name"))
    chosen = request.GET.get("supplier")
    thread = next((s for s in recipients if chosen and str(s.pk) == chosen), None)
    thread = thread or (recipients[0] if recipients else None)
    # A supplier that is no longer an active partner: its conversation is read-only.
    closed = thread is not None and not is_active_partner(buyer=request.organization, supplier=thread)
    comments = selectors.comment_list(rfq=rfq, organization=request.organization, supplier=thread) if thread else []
    return {
        "recipients": recipients,
        "thread_supplier": thread,
        "thread_closed": closed,
        "comments": comments,
        "comment_open": not closed,
        **_comparison(quotes, rfq_lines, buyer=request.organization),
    }


def _rfq_supplier_context(request: HttpRequest, rfq, quotes, rfq_lines) -> dict:
    own = quotes[0] if quotes else None
    # Past the partnership the supplier still reads what it answered, but answers and talks no more.
    inactive = not is_active_partner(buyer=rfq.buyer, supplier=request.organization)
    context = {
        "own_quote": own,
        "comments": selectors.comment_list(rfq=rfq, organization=request.organization),
        "partner_inactive": inactive,
        "comment_open": not inactive,
    }
    if not inactive and rfq.is_open and (own is None or own.state in (QuoteState.SUBMITTED, QuoteState.DECLINED)):
        context["quote_form"] = QuoteForm(rfq_lines=rfq_lines, quote=own)
        context["decline_form"] = DeclineForm()
    return context


@require_GET
@tenant_view()
def rfq_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rfq = _rfq(request, pk)
    is_buyer = request.organization.pk == rfq.buyer_id
    rfq_lines = list(rfq.lines.all())
    quotes = list(selectors.quote_list_for_rfq(rfq=rfq, organization=request.organization))
    side_context = (_rfq_buyer_context if is_buyer else _rfq_supplier_context)(request, rfq, quotes, rfq_lines)
    comment_open = side_context.pop("comment_open")
    context = {
        "rfq": rfq,
        "rfq_lines": rfq_lines,
        "quotes": quotes,
        "is_rfq_buyer": is_buyer,
        "can_act": can_act(request),
        "documents": list(rfq.documents.with_authors()),
        "comment_form": CommentForm(),
        "comment_action": reverse("cabinet:rfq_comment", args=[rfq.pk]) if comment_open else "",
        "breadcrumbs": [(_("Requests for quotation"), reverse("cabinet:rfq_list")), (rfq.title, None)],
        **side_context,
    }
    return render(request, "cabinet/rfq_detail.html", context)


@require_POST
@tenant_view()
def rfq_quote(request: HttpRequest, pk: int) -> HttpResponse:
    rfq = _rfq(request, pk, kind=SUPPLIER, permission=Perm.WORK)
    form = QuoteForm(request.POST, request.FILES, rfq_lines=rfq.lines.all())
    _submit(
        request, form, services.quote_submit, success=_("Your quote is sent."), rfq=rfq, supplier=request.organization
    )
    return redirect("cabinet:rfq_detail", pk=rfq.pk)


@require_POST
@tenant_view()
def rfq_decline(request: HttpRequest, pk: int) -> HttpResponse:
    rfq = _rfq(request, pk, kind=SUPPLIER, permission=Perm.WORK)
    _submit(
        request,
        DeclineForm(request.POST),
        services.quote_decline,
        success=_("You declined the request."),
        invalid=_("Say why you decline."),
        rfq=rfq,
        supplier=request.organization,
    )
    return redirect("cabinet:rfq_detail", pk=rfq.pk)


@require_POST
@tenant_view()
def rfq_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    rfq = _rfq(request, pk, kind=OrganizationKind.BUYER, permission=Perm.PROCURE)
    perform(request, services.rfq_cancel, success=_("The request is cancelled."), rfq=rfq, actor=request.actor)
    return redirect("cabinet:rfq_detail", pk=rfq.pk)


@require_POST
@tenant_view()
def rfq_comment(request: HttpRequest, pk: int) -> HttpResponse:
    rfq = _rfq(request, pk, permission=_acting(request))
    supplier = None
    if request.organization.pk == rfq.buyer_id:
        chosen = request.POST.get("supplier", "")
        # Not an id at all (“abc”, 10**20): no conversation is chosen, and the service says so.
        supplier = rfq.suppliers.filter(pk=int(chosen)).first() if is_id(chosen) else None
    _comment(request, rfq=rfq, supplier=supplier)
    suffix = f"?supplier={supplier.pk}" if supplier else ""
    return redirect(reverse("cabinet:rfq_detail", args=[rfq.pk]) + suffix)


@require_POST
@tenant_view()
def quote_accept(request: HttpRequest, pk: int) -> HttpResponse:
    quote = fetch(
        request, Quote.objects.select_related("rfq"), kind=OrganizationKind.BUYER, permission=Perm.PROCURE, pk=pk
    )
    order = perform(
        request,
        services.quote_accept,
        quote=quote,
        actor=request.actor,
        override_reason=request.POST.get("override_reason", ""),
    )
    if order is None:
        return redirect("cabinet:rfq_detail", pk=quote.rfq_id)
    messages.success(
        request,
        _("Order %(number)s is placed with %(supplier)s.") % {"number": order.number, "supplier": order.supplier.name},
    )
    return redirect("cabinet:order_detail", pk=order.pk)


# -- orders ----------------------------------------------------------------------------------------


class OrderListView(TenantTableView):
    table_class = OrderTable
    filterset_class = OrderFilter
    template_name = "cabinet/order_list.html"
    export_name = "orders"
    create_kind, create_permission = OrganizationKind.BUYER, Perm.PROCURE

    def scope(self, request):
        return selectors.order_list(organization=request.organization)


order_list = OrderListView.as_view()


@require_http_methods(["GET", "POST"])
@tenant_view(kind=OrganizationKind.BUYER, permission=Perm.PROCURE)
def order_create(request: HttpRequest) -> HttpResponse:
    suppliers = active_suppliers(buyer=request.organization)
    chosen = chosen_suppliers(request, suppliers, "supplier")
    form = OrderForm(
        request.POST or None,
        request.FILES or None,
        suppliers=suppliers,
        buyer=request.organization,
        initial={"supplier": chosen[0] if chosen else None},
    )
    lines = LineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        rows = filled_lines(lines)
        from_price_list = data["from_price_list"]
        if from_price_list:
            for row in rows:
                row.pop("price", None)
        elif any(row.get("price") is None for row in rows):
            form.add_error(None, _("Give a price for every line, or price them from the supplier's price list."))
            return render(request, "cabinet/order_form.html", {"form": form, "lines": lines})
        order = perform(
            request,
            services.order_create,
            form=form,
            buyer=request.organization,
            supplier=data["supplier"],
            channel=OrderChannel.PRICE_LIST if from_price_list else OrderChannel.WEB,
            lines=rows,
            actor=request.actor,
            currency=data["currency"] or None,
            note=data["note"],
            wanted_date=data["wanted_date"],
            files=data["files"],
            override_reason=data["override_reason"],
        )
        if order is not None:
            messages.success(request, _("Order %(number)s is placed.") % {"number": order.number})
            return redirect("cabinet:order_detail", pk=order.pk)
    return render(request, "cabinet/order_form.html", {"form": form, "lines": lines})


@require_GET
@tenant_view()
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = fetch(request, Order.objects.with_details(), pk=pk)
    side = order.side_of(request.organization)
    complaints = order.complaints.prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("position")))
    return render(
        request,
        "cabinet/order_detail.html",
        {
            "order": order,
            "side": side,
            "partner": order.partner_of(request.organization),
            "moves": allowed_moves(order=order, side=side, actor=request.actor),
            "can_act": can_act(request),
            "lines": list(order.lines.all()),
            "events": list(order.events.all()),
            "documents": list(order.documents.visible_to(request.organization).with_authors()),
            "comments": selectors.comment_list(order=order, organization=request.organization),
            "complaints": list(complaints),
            "comment_form": CommentForm(),
            "document_form": DocumentForm(),
            "is_order_buyer": side == BUYER,
            "disputes_settled": _disputes_settled(order),
            "steps": order_steps(order),
            "waiting": waiting_for(order, side),
            "breadcrumbs": [(_("Orders"), reverse("cabinet:order_list")), (order.number, None)],
        },
    )


def _disputes_settled(order: Order) -> bool:
    """A disputed order whose every complaint is resolved: the buyer may complete it now."""
    return order.state == OrderState.DISPUTED and complaints_resolved(order) is None


def _moved(order: Order) -> str:
    return _("Order %(number)s is now “%(state)s”.") % {"number": order.number, "state": order.get_state_display()}


@require_POST
@tenant_view()
def order_transition(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, permission=_acting(request))
    _submit(
        request,
        TransitionForm(request.POST),
        services.order_transition,
        success=_moved,
        invalid=_("Choose a move."),
        order=order,
    )
    return redirect("cabinet:order_detail", pk=order.pk)


def _comment(request: HttpRequest, **thread) -> None:
    _submit(request, CommentForm(request.POST), services.comment_add, invalid=_("Write something first."), **thread)


@require_POST
@tenant_view()
def order_comment(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, permission=_acting(request))
    _comment(request, order=order)
    return redirect("cabinet:order_detail", pk=order.pk)


@require_POST
@tenant_view()
def order_documents(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, permission=_acting(request))
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file."))
    else:
        perform(
            request,
            services.documents_attach,
            success=_("Attached."),
            uploads=form.cleaned_data["files"],
            actor=request.actor,
            order=order,
        )
    return redirect("cabinet:order_detail", pk=order.pk)


# -- complaints ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@tenant_view()
def complaint_create(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, kind=OrganizationKind.BUYER, permission=Perm.PROCURE)
    form = ComplaintForm(request.POST or None, request.FILES or None, order=order)
    if request.method == "POST" and form.is_valid():
        complaint = perform(
            request,
            services.complaint_open,
            form=form,
            success=_("The complaint is sent to %(supplier)s.") % {"supplier": order.supplier.name},
            order=order,
            reason=form.cleaned_data["reason"],
            lines=form.cleaned_data["lines"],
            files=form.cleaned_data["files"],
            actor=request.actor,
        )
        if complaint is not None:
            return redirect("cabinet:complaint_detail", pk=complaint.pk)
    return render(request, "cabinet/complaint_form.html", {"form": form, "order": order})


class ComplaintListView(TenantTableView):
    table_class = ComplaintTable
    filterset_class = ComplaintFilter
    template_name = "cabinet/complaint_list.html"
    export_name = "complaints"

    def scope(self, request):
        return selectors.complaint_list(organization=request.organization)


complaint_list = ComplaintListView.as_view()


@require_GET
@tenant_view()
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = fetch(
        request,
        Complaint.objects.select_related("order", "buyer", "supplier", "opened_by", "opened_by_key").prefetch_related(
            "lines", Prefetch("documents", queryset=Document.objects.with_authors())
        ),
        pk=pk,
    )
    is_buyer = request.organization.pk == complaint.buyer_id
    may_act = can_act(request) and not complaint.is_resolved
    answer_form = ComplaintAnswerForm(initial={"answer": complaint.answer}) if may_act and not is_buyer else None
    return render(
        request,
        "cabinet/complaint_detail.html",
        {
            "complaint": complaint,
            "is_complaint_buyer": is_buyer,
            "answer_form": answer_form,
            "resolve_form": ComplaintResolveForm() if may_act and is_buyer else None,
            "breadcrumbs": [
                (_("Orders"), reverse("cabinet:order_list")),
                (complaint.order.number, reverse("cabinet:order_detail", args=[complaint.order_id])),
                (_("Complaint #%(number)s") % {"number": complaint.pk}, None),
            ],
        },
    )


@require_POST
@tenant_view()
def complaint_answer(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk, kind=SUPPLIER, permission=Perm.WORK)
    form = ComplaintAnswerForm(request.POST)
    success, invalid = _("Your answer is sent."), _("Write your answer.")
    _submit(request, form, services.complaint_answer, success=success, invalid=invalid, complaint=complaint)
    return redirect("cabinet:complaint_detail", pk=complaint.pk)


@require_POST
@tenant_view()
def complaint_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk, kind=OrganizationKind.BUYER, permission=Perm.PROCURE)
    form = ComplaintResolveForm(request.POST)
    resolved = _submit(
        request, form, services.complaint_resolve, success=_("The complaint is resolved."), complaint=complaint
    )
    if resolved is not None and _disputes_settled(resolved.order):
        messages.info(
            request,
            _("Every complaint on order %(number)s is resolved: you can complete the order now.")
            % {"number": resolved.order.number},
        )
        return redirect("cabinet:order_detail", pk=resolved.order_id)
    return redirect("cabinet:complaint_detail", pk=complaint.pk)


# -- proposals -------------------------------------------------------------------------------------


@require_GET
@tenant_view()
def proposal_list(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    proposals = selectors.proposal_list(organization=organization)[:200]
    may_act = can_act(request)
    form = None
    if organization.is_supplier and may_act:
        form = ProposalForm(buyers=active_buyers(supplier=organization))
    return render(request, "cabinet/proposal_list.html", {"proposals": proposals, "form": form, "can_act": may_act})


def _sent_to_buyer(proposal: Proposal) -> str:
    return _("Your proposal is sent to %(buyer)s.") % {"buyer": proposal.buyer.name}


@require_POST
@tenant_view(kind=SUPPLIER, permission=Perm.WORK)
def proposal_create(request: HttpRequest) -> HttpResponse:
    form = ProposalForm(request.POST, buyers=active_buyers(supplier=request.organization))
    _submit(request, form, services.proposal_create, success=_sent_to_buyer, supplier=request.organization)
    return redirect("cabinet:proposal_list")


@require_POST
@tenant_view()
def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = fetch(request, Proposal.objects.all(), kind=OrganizationKind.BUYER, permission=Perm.PROCURE, pk=pk)
    form = ProposalDecisionForm(request.POST)
    if form.is_valid():
        perform(
            request,
            services.proposal_decide,
            success=_("Your decision is recorded."),
            proposal=proposal,
            accept=form.cleaned_data["decision"] == "accept",
            comment=form.cleaned_data["comment"],
            actor=request.actor,
        )
    else:
        messages.error(request, _("Choose to accept or decline."))
    return redirect("cabinet:proposal_list")


# -- documents -------------------------------------------------------------------------------------


@require_GET
@tenant_view()
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    document = fetch(request, Document.objects.all(), pk=pk)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("Not found."))
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=served_content_type(document.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
