"""Pages of the cabinet. Every object is fetched through a selector scoped to the active
organization (404 otherwise), then the role is checked (403); all changes go through services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.forms import show_service_error
from marketplace.models import OrganizationKind
from marketplace.selectors import active_buyers, active_suppliers, is_active_partner
from marketplace.tenancy import TenantTableView, get_for, organization_required, require, require_kind

from . import selectors, services
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
from .models import OrderChannel, OrderLine, QuoteState
from .tables import ComplaintTable, OrderTable, RfqTable
from .transitions import BUYER


def _acting_permission(request: HttpRequest) -> str:
    return "procure" if request.organization.is_buyer else "work"


def _can_act(request: HttpRequest) -> bool:
    return request.membership.can(_acting_permission(request))


class _CabinetTable(TenantTableView):
    def get_table_kwargs(self):
        kwargs = super().get_table_kwargs()
        kwargs["organization"] = self.request.organization
        return kwargs


# -- requests for quotation ------------------------------------------------------------------------


class RfqListView(_CabinetTable):
    table_class = RfqTable
    filterset_class = RfqFilter
    template_name = "cabinet/rfq_list.html"
    export_name = "requests"

    def scope(self, request):
        return selectors.rfq_list(organization=request.organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = self.request.organization.is_buyer and _can_act(self.request)
        return context


rfq_list = RfqListView.as_view()


@organization_required
@require_http_methods(["GET", "POST"])
def rfq_create(request: HttpRequest) -> HttpResponse:
    require_kind(request, OrganizationKind.BUYER)
    require(request, "procure")
    suppliers = active_suppliers(buyer=request.organization)
    form = RfqForm(request.POST or None, request.FILES or None, suppliers=suppliers)
    lines = RfqLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        try:
            rfq = services.rfq_create(
                buyer=request.organization,
                actor=request.user,
                title=data["title"],
                description=data["description"],
                deadline=data["deadline"],
                currency=data["currency"],
                suppliers=data["suppliers"],
                lines=filled_lines(lines),
                files=data["files"],
            )
        except ValidationError as error:
            show_service_error(request, error, form)
        else:
            messages.success(request, _("The request is sent to %(n)s suppliers.") % {"n": len(data["suppliers"])})
            return redirect("cabinet:rfq_detail", pk=rfq.pk)
    return render(request, "cabinet/rfq_form.html", {"form": form, "lines": lines})


@organization_required
@require_GET
def rfq_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rfq = get_for(selectors.rfq_list(organization=request.organization), pk=pk)
    organization = request.organization
    is_buyer = organization.pk == rfq.buyer_id
    rfq_lines = list(rfq.lines.all())
    quotes = list(selectors.quote_list_for_rfq(rfq=rfq, organization=organization))
    context = {
        "rfq": rfq,
        "rfq_lines": rfq_lines,
        "quotes": quotes,
        "is_rfq_buyer": is_buyer,
        "can_act": _can_act(request),
        "documents": list(rfq.documents.all()),
        "comment_form": CommentForm(),
    }
    comment_action = reverse("cabinet:rfq_comment", args=[rfq.pk])
    if is_buyer:
        recipients = list(rfq.suppliers.order_by("name"))
        thread = None
        chosen = request.GET.get("supplier")
        if chosen:
            thread = next((s for s in recipients if str(s.pk) == chosen), None)
        thread = thread or (recipients[0] if recipients else None)
        context["recipients"] = recipients
        context["thread_supplier"] = thread
        # A supplier that is no longer an active partner: its conversation is read-only.
        context["thread_closed"] = thread is not None and not is_active_partner(buyer=organization, supplier=thread)
        if context["thread_closed"]:
            comment_action = ""
        context["comments"] = (
            selectors.comment_list(rfq=rfq, organization=organization, supplier=thread) if thread else []
        )
        # Side by side: one column per submitted quote, one row per line.
        submitted = [q for q in quotes if q.state in (QuoteState.SUBMITTED, QuoteState.ACCEPTED)]
        prices = {(ql.quote_id, ql.rfq_line_id): ql for q in submitted for ql in q.lines.all()}
        context["compared"] = submitted
        context["comparison"] = [
            {"line": line, "cells": [prices.get((q.pk, line.pk)) for q in submitted]} for line in rfq_lines
        ]
        best = [min((c.price for c in row["cells"] if c), default=None) for row in context["comparison"]]
        for row, low in zip(context["comparison"], best, strict=True):
            row["best"] = low
        context["answered_ids"] = {q.supplier_id for q in quotes}
    else:
        own = quotes[0] if quotes else None
        context["own_quote"] = own
        context["comments"] = selectors.comment_list(rfq=rfq, organization=organization)
        # Past the partnership the supplier still reads what it answered, but answers and talks no more.
        context["partner_inactive"] = not is_active_partner(buyer=rfq.buyer, supplier=organization)
        if context["partner_inactive"]:
            comment_action = ""
        elif rfq.is_open and (own is None or own.state in (QuoteState.SUBMITTED, QuoteState.DECLINED)):
            context["quote_form"] = QuoteForm(rfq_lines=rfq_lines, quote=own)
            context["decline_form"] = DeclineForm()
    context["comment_action"] = comment_action
    return render(request, "cabinet/rfq_detail.html", context)


@organization_required
@require_POST
def rfq_quote(request: HttpRequest, pk: int) -> HttpResponse:
    rfq = get_for(selectors.rfq_list(organization=request.organization), pk=pk)
    require_kind(request, OrganizationKind.SUPPLIER)
    require(request, "work")
    form = QuoteForm(request.POST, request.FILES, rfq_lines=rfq.lines.all())
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect("cabinet:rfq_detail", pk=rfq.pk)
    try:
        services.quote_submit(
            rfq=rfq,
            supplier=request.organization,
            actor=request.user,
            prices=form.prices(),
            lead_time_days=form.cleaned_data["lead_time_days"],
            valid_until=form.cleaned_data["valid_until"],
            comment=form.cleaned_data["comment"],
            files=form.cleaned_data["files"],
        )
    except ValidationError as error:
        show_service_error(request, error)
    else:
        messages.success(request, _("Your quote is sent."))
    return redirect("cabinet:rfq_detail", pk=rfq.pk)


@organization_required
@require_POST
def rfq_decline(request: HttpRequest, pk: int) -> HttpResponse:
    rfq = get_for(selectors.rfq_list(organization=request.organization), pk=pk)
    require_kind(request, OrganizationKind.SUPPLIER)
    require(request, "work")
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why you decline."))
        return redirect("cabinet:rfq_detail", pk=rfq.pk)
    try:
        services.quote_decline(
            rfq=rfq, supplier=request.organization, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        show_service_error(request, error)
    else:
        messages.success(request, _("You declined the request."))
    return redirect("cabinet:rfq_detail", pk=rfq.pk)


@organization_required
@require_POST
def rfq_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    rfq = get_for(selectors.rfq_list(organization=request.organization), pk=pk)
    require_kind(request, OrganizationKind.BUYER)
    require(request, "procure")
    try:
        services.rfq_cancel(rfq=rfq, actor=request.user, organization=request.organization)
        messages.success(request, _("The request is cancelled."))
    except ValidationError as error:
        show_service_error(request, error)
    return redirect("cabinet:rfq_detail", pk=rfq.pk)


@organization_required
@require_POST
def rfq_comment(request: HttpRequest, pk: int) -> HttpResponse:
    rfq = get_for(selectors.rfq_list(organization=request.organization), pk=pk)
    require(request, _acting_permission(request))
    form = CommentForm(request.POST)
    supplier = None
    if request.organization.pk == rfq.buyer_id:
        chosen = request.POST.get("supplier", "")
        # Not an id at all (“abc”, 10**20): no conversation is chosen, and the service says so.
        supplier = rfq.suppliers.filter(pk=int(chosen)).first() if is_id(chosen) else None
    if form.is_valid():
        try:
            services.comment_add(
                body=form.cleaned_data["body"],
                author=request.user,
                organization=request.organization,
                rfq=rfq,
                supplier=supplier,
            )
        except ValidationError as error:
            show_service_error(request, error)
    else:
        messages.error(request, _("Write something first."))
    suffix = f"?supplier={supplier.pk}" if supplier else ""
    return redirect(reverse("cabinet:rfq_detail", args=[rfq.pk]) + suffix)


@organization_required
@require_POST
def quote_accept(request: HttpRequest, pk: int) -> HttpResponse:
    quote = get_for(selectors.quotes_received(organization=request.organization), pk=pk)
    require(request, "procure")
    try:
        order = services.quote_accept(quote=quote, actor=request.user, organization=request.organization)
    except ValidationError as error:
        show_service_error(request, error)
        return redirect("cabinet:rfq_detail", pk=quote.rfq_id)
    messages.success(
        request,
        _("Order %(number)s is placed with %(supplier)s.") % {"number": order.number, "supplier": order.supplier.name},
    )
    return redirect("cabinet:order_detail", pk=order.pk)


# -- orders ----------------------------------------------------------------------------------------


class OrderListView(_CabinetTable):
    table_class = OrderTable
    filterset_class = OrderFilter
    template_name = "cabinet/order_list.html"
    export_name = "orders"

    def scope(self, request):
        return selectors.order_list(organization=request.organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = self.request.organization.is_buyer and _can_act(self.request)
        return context


order_list = OrderListView.as_view()


@organization_required
@require_http_methods(["GET", "POST"])
def order_create(request: HttpRequest) -> HttpResponse:
    require_kind(request, OrganizationKind.BUYER)
    require(request, "procure")
    suppliers = active_suppliers(buyer=request.organization)
    form = OrderForm(request.POST or None, request.FILES or None, suppliers=suppliers)
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
        try:
            order = services.order_create(
                buyer=request.organization,
                supplier=data["supplier"],
                channel=OrderChannel.PRICE_LIST if from_price_list else OrderChannel.WEB,
                lines=rows,
                actor=request.user,
                currency=data["currency"] or None,
                note=data["note"],
                wanted_date=data["wanted_date"],
                files=data["files"],
            )
        except ValidationError as error:
            show_service_error(request, error, form)
        else:
            messages.success(request, _("Order %(number)s is placed.") % {"number": order.number})
            return redirect("cabinet:order_detail", pk=order.pk)
    return render(request, "cabinet/order_form.html", {"form": form, "lines": lines})


@organization_required
@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_for(selectors.order_detail_queryset(organization=request.organization), pk=pk)
    side = order.side_of(request.organization)
    can_act = _can_act(request)
    moves = services.allowed_moves(order=order, side=side) if can_act else []
    complaints = list(
        order.complaints.prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("position")))
    )
    return render(
        request,
        "cabinet/order_detail.html",
        {
            "order": order,
            "side": side,
            "partner": order.partner_of(request.organization),
            "moves": moves,
            "can_act": can_act,
            "lines": list(order.lines.all()),
            "events": list(order.events.all()),
            "documents": list(selectors.document_list(organization=request.organization).filter(order=order)),
            "comments": selectors.comment_list(order=order, organization=request.organization),
            "complaints": complaints,
            "comment_form": CommentForm(),
            "document_form": DocumentForm(),
            "is_order_buyer": side == BUYER,
        },
    )


@organization_required
@require_POST
def order_transition(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_for(selectors.order_list(organization=request.organization), pk=pk)
    require(request, _acting_permission(request))
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a move."))
        return redirect("cabinet:order_detail", pk=order.pk)
    try:
        order = services.order_transition(
            order=order,
            to=form.cleaned_data["to"],
            actor=request.user,
            organization=request.organization,
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as error:
        show_service_error(request, error)
    else:
        messages.success(
            request,
            _("Order %(number)s is now “%(state)s”.") % {"number": order.number, "state": order.get_state_display()},
        )
    return redirect("cabinet:order_detail", pk=order.pk)


@organization_required
@require_POST
def order_comment(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_for(selectors.order_list(organization=request.organization), pk=pk)
    require(request, _acting_permission(request))
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(
                body=form.cleaned_data["body"], author=request.user, organization=request.organization, order=order
            )
        except ValidationError as error:
            show_service_error(request, error)
    else:
        messages.error(request, _("Write something first."))
    return redirect("cabinet:order_detail", pk=order.pk)


@organization_required
@require_POST
def order_documents(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_for(selectors.order_list(organization=request.organization), pk=pk)
    require(request, _acting_permission(request))
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file."))
        return redirect("cabinet:order_detail", pk=order.pk)
    try:
        services.documents_attach(
            uploads=form.cleaned_data["files"], organization=request.organization, actor=request.user, order=order
        )
    except ValidationError as error:
        show_service_error(request, error)
    else:
        messages.success(request, _("Attached."))
    return redirect("cabinet:order_detail", pk=order.pk)


# -- complaints ------------------------------------------------------------------------------------


@organization_required
@require_http_methods(["GET", "POST"])
def complaint_create(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_for(selectors.order_list(organization=request.organization), pk=pk)
    if order.side_of(request.organization) != BUYER:
        require_kind(request, OrganizationKind.BUYER)
    require(request, "procure")
    form = ComplaintForm(request.POST or None, request.FILES or None, order=order)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_open(
                order=order,
                reason=form.cleaned_data["reason"],
                lines=form.cleaned_data["lines"],
                files=form.cleaned_data["files"],
                actor=request.user,
                organization=request.organization,
            )
        except ValidationError as error:
            show_service_error(request, error, form)
        else:
            messages.success(request, _("The complaint is sent to %(supplier)s.") % {"supplier": order.supplier.name})
            return redirect("cabinet:complaint_detail", pk=complaint.pk)
    return render(request, "cabinet/complaint_form.html", {"form": form, "order": order})


class ComplaintListView(_CabinetTable):
    table_class = ComplaintTable
    filterset_class = ComplaintFilter
    template_name = "cabinet/complaint_list.html"
    export_name = "complaints"

    def scope(self, request):
        return selectors.complaint_list(organization=request.organization)


complaint_list = ComplaintListView.as_view()


@organization_required
@require_GET
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_for(
        selectors.complaint_list(organization=request.organization).prefetch_related("lines", "documents"), pk=pk
    )
    is_buyer = request.organization.pk == complaint.buyer_id
    can_act = _can_act(request) and not complaint.is_resolved
    return render(
        request,
        "cabinet/complaint_detail.html",
        {
            "complaint": complaint,
            "is_complaint_buyer": is_buyer,
            "answer_form": ComplaintAnswerForm(initial={"answer": complaint.answer})
            if can_act and not is_buyer
            else None,
            "resolve_form": ComplaintResolveForm() if can_act and is_buyer else None,
        },
    )


@organization_required
@require_POST
def complaint_answer(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_for(selectors.complaint_list(organization=request.organization), pk=pk)
    require_kind(request, OrganizationKind.SUPPLIER)
    require(request, "work")
    form = ComplaintAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_answer(
                complaint=complaint,
                answer=form.cleaned_data["answer"],
                actor=request.user,
                organization=request.organization,
            )
            messages.success(request, _("Your answer is sent."))
        except ValidationError as error:
            show_service_error(request, error)
    else:
        messages.error(request, _("Write your answer."))
    return redirect("cabinet:complaint_detail", pk=complaint.pk)


@organization_required
@require_POST
def complaint_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_for(selectors.complaint_list(organization=request.organization), pk=pk)
    require_kind(request, OrganizationKind.BUYER)
    require(request, "procure")
    form = ComplaintResolveForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_resolve(
                complaint=complaint,
                resolution=form.cleaned_data["resolution"],
                comment=form.cleaned_data["comment"],
                compensation=form.cleaned_data["compensation"],
                actor=request.user,
                organization=request.organization,
            )
            messages.success(request, _("The complaint is resolved."))
        except ValidationError as error:
            show_service_error(request, error)
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {' '.join(errors)}")
    return redirect("cabinet:complaint_detail", pk=complaint.pk)


# -- proposals -------------------------------------------------------------------------------------


@organization_required
@require_GET
def proposal_list(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    proposals = selectors.proposal_list(organization=organization)[:200]
    can_act = _can_act(request)
    form = None
    if organization.is_supplier and can_act:
        form = ProposalForm(buyers=active_buyers(supplier=organization))
    return render(request, "cabinet/proposal_list.html", {"proposals": proposals, "form": form, "can_act": can_act})


@organization_required
@require_POST
def proposal_create(request: HttpRequest) -> HttpResponse:
    require_kind(request, OrganizationKind.SUPPLIER)
    require(request, "work")
    form = ProposalForm(request.POST, buyers=active_buyers(supplier=request.organization))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.proposal_create(
                supplier=request.organization,
                buyer=data["buyer"],
                actor=request.user,
                kind=data["kind"],
                sku=data["sku"],
                name=data["name"],
                unit=data["unit"],
                price=data["price"],
                currency=data["currency"],
                comment=data["comment"],
            )
            messages.success(request, _("Your proposal is sent to %(buyer)s.") % {"buyer": data["buyer"].name})
        except ValidationError as error:
            show_service_error(request, error)
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {' '.join(errors)}")
    return redirect("cabinet:proposal_list")


@organization_required
@require_POST
def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_for(selectors.proposal_list(organization=request.organization), pk=pk)
    require_kind(request, OrganizationKind.BUYER)
    require(request, "procure")
    form = ProposalDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.proposal_decide(
                proposal=proposal,
                accept=form.cleaned_data["decision"] == "accept",
                comment=form.cleaned_data["comment"],
                actor=request.user,
                organization=request.organization,
            )
            messages.success(request, _("Your decision is recorded."))
        except ValidationError as error:
            show_service_error(request, error)
    else:
        messages.error(request, _("Choose to accept or decline."))
    return redirect("cabinet:proposal_list")


# -- documents and inbox ---------------------------------------------------------------------------


@organization_required
@require_GET
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_for(selectors.document_list(organization=request.organization), pk=pk)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("Not found."))
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type=document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@organization_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    items = selectors.notification_list(user=request.user, organization=request.organization)[:100]
    return render(request, "cabinet/inbox.html", {"items": items})


@organization_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_for(selectors.notification_list(user=request.user, organization=request.organization), pk=pk)
    services.notification_read(notification=notification)
    return redirect(notification.url or "cabinet:inbox")


@organization_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_read_all(user=request.user, organization=request.organization)
    return redirect("cabinet:inbox")
