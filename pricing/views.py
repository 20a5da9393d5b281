"""Pages of price lists (supplier side) and of the catalog and offers (buyer side)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.forms import show_service_error
from marketplace.models import OrganizationKind, Perm
from marketplace.selectors import partner_ratings
from marketplace.tables import rating_text
from marketplace.tenancy import TenantTableView, fetch, tenant_view

from . import importers, selectors, services, transitions
from .filters import (
    OfferFilter,
    PriceChangeFilter,
    PriceItemFilter,
    PriceListFilter,
    ProductFilter,
    SupplierSkuFilter,
)
from .forms import MappingForm, PriceTypesForm, ProductForm, RemapForm, UploadForm
from .models import PriceUpload, UploadStatus
from .services import exchange
from .services.rows import as_date
from .tables import (
    ComparisonTable,
    OffersColumn,
    OfferTable,
    PriceChangeTable,
    PriceItemTable,
    PriceListTable,
    ProductTable,
    SupplierSkuTable,
)

SUPPLIER, BUYER = OrganizationKind.SUPPLIER, OrganizationKind.BUYER


# --- price lists (both sides) --------------------------------------------------------------------


class PriceListView(TenantTableView):
    table_class = PriceListTable
    filterset_class = PriceListFilter
    template_name = "pricing/price_list_list.html"
    export_name = "price-lists"

    def scope(self, request):
        return selectors.price_list_list(organization=request.organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organization = self.request.organization
        if organization.is_supplier:
            context["uploads"] = selectors.price_upload_list(supplier=organization).exclude(
                status__in=[UploadStatus.PUBLISHED, UploadStatus.DISCARDED]
            )[:10]
        return context


def _version_name(price_list) -> str:
    return f"{price_list.supplier.name} · v{price_list.version}"


class PriceListItemsView(TenantTableView):
    """One version's rows; the owner supplier and the buyers it is offered to."""

    table_class = PriceItemTable
    filterset_class = PriceItemFilter
    template_name = "pricing/price_list_detail.html"
    paginate_by = 50

    def scope(self, request):
        self.price_list = fetch(
            request, selectors.price_list_list(organization=request.organization), pk=self.kwargs["pk"]
        )
        return selectors.price_item_list(price_list=self.price_list)

    @property
    def export_name(self):
        return f"price-list-v{self.price_list.version}"

    def get_context_data(self, **kwargs):
        trail = [(_("Price lists"), reverse("pricing:index")), (_version_name(self.price_list), None)]
        return {**super().get_context_data(**kwargs), "price_list": self.price_list, "breadcrumbs": trail}


class PriceListChangesView(TenantTableView):
    table_class = PriceChangeTable
    filterset_class = PriceChangeFilter
    template_name = "pricing/price_list_changes.html"
    paginate_by = 50

    def scope(self, request):
        self.price_list = fetch(
            request, selectors.price_list_list(organization=request.organization), pk=self.kwargs["pk"]
        )
        return selectors.price_change_list(price_list=self.price_list)

    @property
    def export_name(self):
        return f"price-list-v{self.price_list.version}-changes"

    def get_context_data(self, **kwargs):
        trail = [
            (_("Price lists"), reverse("pricing:index")),
            (_version_name(self.price_list), reverse("pricing:list_detail", args=[self.price_list.pk])),
            (_("What changed"), None),
        ]
        return {**super().get_context_data(**kwargs), "price_list": self.price_list, "breadcrumbs": trail}


# --- uploads (supplier) --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@tenant_view(kind=SUPPLIER, permission=Perm.WORK)
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, supplier=request.organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.price_upload_create(
                actor=request.actor,
                file=data["file"],
                currency=data["currency"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                audience=data["buyer"],
                mode=data["mode"],
                encoding=data["encoding"],
                delimiter=data["delimiter"],
                claim=services.reads_quickly(data["file"]),
            )
        except ValidationError as error:
            show_service_error(request, error, form, on_form=True)
        else:
            return _read_if_claimed(created)
    elif request.method == "POST" and "file" in form.errors and not request.FILES:
        form.errors["file"] = form.error_class([_("Choose a file to upload (the one sent was empty or missing).")])
    return render(
        request, "pricing/upload.html", {"form": form, "max_mb": settings.PRICE_LIST_MAX_BYTES // (1024 * 1024)}
    )


def _reads_quickly(item: PriceUpload) -> bool:
    """Whether the kept file is read in the request (claimed at once: the queue never sees it)."""
    if not item.file:
        return False  # the service refuses it
    try:
        with item.file.open("rb") as handle:
            return services.reads_quickly(handle)
    except OSError:
        return False


def _read_if_claimed(item: PriceUpload) -> HttpResponse:
    if item.status == UploadStatus.PROCESSING:
        services.price_upload_process(upload=item)
    return redirect("pricing:upload_detail", pk=item.pk)


def _upload_for(request: HttpRequest, pk: int, permission: Perm | None = Perm.WORK):
    return fetch(request, selectors.price_upload_list(supplier=request.organization), pk=pk, permission=permission)


@require_GET
@tenant_view()
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _upload_for(request, pk)
    # The labels are marked with gettext_noop where they are defined: translate them for this reader.
    labels = {name: _(importers.FIELD_LABELS.get(name, name)) for name in importers.CANONICAL_FIELDS}
    remap = RemapForm(
        initial={
            "encoding": item.encoding if item.encoding in dict(RemapForm.base_fields["encoding"].choices) else "",
            "delimiter": {"\t": "tab"}.get(item.delimiter, item.delimiter),
            **{f"map_{k}": v for k, v in (item.mapping or {}).items()},
        },
        headers=item.headers or [],
        fields=importers.CANONICAL_FIELDS,
        labels=labels,
    )
    return render(
        request,
        "pricing/upload_detail.html",
        {
            "upload": item,
            "breadcrumbs": [(_("Price lists"), reverse("pricing:index")), (item.filename or _("Upload"), None)],
            "draft": item.draft,
            "removes_too_much": item.draft is not None and item.draft.removes_too_much(),
            "moves": transitions.allowed_targets(item, request.actor),
            "remap": remap,
            "labels": labels,
            "columns": [labels[name] for name in importers.CANONICAL_FIELDS],
            # Problems name their column by field (``min_qty``): the reader sees its label.
            "errors": [{**e, "column": labels.get(e.get("column"), e.get("column"))} for e in item.errors or []],
            "warnings": [{**e, "column": labels.get(e.get("column"), e.get("column"))} for e in item.warnings or []],
            # Dates are stored as ISO text; shown in the reader's format like every other date.
            "preview": [
                {**r, "valid_from": as_date(r.get("valid_from")), "valid_to": as_date(r.get("valid_to"))}
                for r in item.preview or []
            ],
            "errors_more": max(0, item.error_count - len(item.errors)),
            "warnings_more": max(0, item.warning_count - len(item.warnings)),
        },
    )


@require_GET
@tenant_view()
def upload_status(request: HttpRequest, pk: int) -> JsonResponse:
    item = _upload_for(request, pk, permission=None)
    return JsonResponse(
        {
            "status": item.status,
            "label": item.get_status_display(),
            "done": item.is_done,
            "percent": item.percent,
            "processed_rows": item.processed_rows,
            "total_rows": item.total_rows,
            "error_count": item.error_count,
            "warning_count": item.warning_count,
            "url": reverse("pricing:upload_detail", args=[item.pk]),
        }
    )


@require_GET
@tenant_view()
def upload_errors(request: HttpRequest, pk: int) -> HttpResponse:
    item = _upload_for(request, pk)
    response = HttpResponse(services.bad_rows_csv(upload=item), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bad-rows-{item.pk}.csv"'
    return response


@require_POST
@tenant_view()
def upload_publish(request: HttpRequest, pk: int) -> HttpResponse:
    item = _upload_for(request, pk)
    if item.draft is not None and item.draft.removes_too_much() and not request.POST.get("confirm_removal"):
        messages.error(request, _("Confirm that the new version may remove these rows, then publish again."))
        return redirect("pricing:upload_detail", pk=item.pk)
    try:
        price_list = services.price_upload_publish(upload=item, actor=request.actor)
    except ValidationError as error:
        show_service_error(request, error)
        return redirect("pricing:upload_detail", pk=item.pk)
    messages.success(
        request,
        _("Version %(version)s is published: %(rows)s rows.")
        % {"version": price_list.version, "rows": price_list.rows},
    )
    return redirect("pricing:list_detail", pk=price_list.pk)


@require_POST
@tenant_view()
def upload_discard(request: HttpRequest, pk: int) -> HttpResponse:
    item = _upload_for(request, pk)
    try:
        services.price_upload_discard(upload=item, actor=request.actor)
    except ValidationError as error:
        show_service_error(request, error)
        return redirect("pricing:upload_detail", pk=item.pk)
    messages.success(request, _("The upload was discarded; nothing was published."))
    return redirect("pricing:index")


@require_POST
@tenant_view()
def upload_remap(request: HttpRequest, pk: int) -> HttpResponse:
    item = _upload_for(request, pk)
    form = RemapForm(request.POST, headers=item.headers or [], fields=importers.CANONICAL_FIELDS, labels={})
    if not form.is_valid():
        messages.error(request, _("Choose columns the file has."))
        return redirect("pricing:upload_detail", pk=item.pk)
    try:
        item = services.price_upload_remap(
            upload=item,
            actor=request.actor,
            mapping=form.mapping(),
            encoding=form.cleaned_data["encoding"],
            delimiter=form.cleaned_data["delimiter"],
            claim=_reads_quickly(item),
        )
    except ValidationError as error:
        show_service_error(request, error)
        return redirect("pricing:upload_detail", pk=item.pk)
    return _read_if_claimed(item)


# --- offers, catalog, mapping (buyer) ------------------------------------------------------------


class OfferView(TenantTableView):
    required_kind = BUYER
    table_class = OfferTable
    filterset_class = OfferFilter
    template_name = "pricing/offer_list.html"
    export_name = "offers"

    def scope(self, request):
        return selectors.offer_list(buyer=request.organization, ordered=False)

    def get_table_data(self):
        return selectors.order_offers(super().get_table_data())  # the currency groups of what is shown


class CatalogView(TenantTableView):
    required_kind = BUYER
    table_class = ProductTable
    filterset_class = ProductFilter
    template_name = "pricing/catalog.html"
    export_name = "catalog"

    def scope(self, request):
        return (
            selectors.product_list(buyer=request.organization)
            .annotate(suppliers=Count("mappings"))
            .order_by("name", "sku")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_procure"] = self.request.membership.can(Perm.PROCURE)
        context["product_form"] = ProductForm(buyer=self.request.organization)
        return context


@require_POST
@tenant_view(kind=BUYER, permission=Perm.PROCURE)
def product_create(request: HttpRequest) -> HttpResponse:
    form = ProductForm(request.POST, buyer=request.organization)
    if form.is_valid():
        try:
            product = services.product_create(buyer=request.organization, **form.cleaned_data)
        except ValidationError as error:
            show_service_error(request, error, form, on_form=True)
        else:
            messages.success(request, _("%(sku)s is in your catalog.") % {"sku": product.sku})
            return redirect("pricing:product_detail", pk=product.pk)
    _flash_form_errors(request, form)
    return redirect("pricing:catalog")


def _flash_form_errors(request: HttpRequest, form) -> None:
    """A form posted from a list page: its errors on the page it goes back to."""
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))


class ProductOffersView(TenantTableView):
    """Every active offer for one product across the buyer's suppliers, cheapest first within each currency."""

    table_class = OfferTable
    filterset_class = OfferFilter
    template_name = "pricing/product_detail.html"

    def scope(self, request):
        self.product = fetch(request, selectors.product_list(buyer=request.organization), pk=self.kwargs["pk"])
        return selectors.offer_list(buyer=request.organization, product=self.product, ordered=False)

    def get_table_data(self):
        return selectors.order_offers(super().get_table_data())

    @property
    def export_name(self):
        return f"offers-{self.product.sku}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["product"] = self.product
        context["breadcrumbs"] = [(_("Catalog"), reverse("pricing:catalog")), (self.product.sku, None)]
        context["mappings"] = selectors.mapping_list(buyer=self.request.organization).filter(product=self.product)
        context["can_procure"] = self.request.membership.can(Perm.PROCURE)
        context["form"] = ProductForm(instance=self.product, buyer=self.request.organization)
        return context


@require_POST
@tenant_view()
def product_update(request: HttpRequest, pk: int) -> HttpResponse:
    product = fetch(request, selectors.product_list(buyer=request.organization), pk=pk, permission=Perm.PROCURE)
    form = ProductForm(request.POST, instance=product, buyer=request.organization)
    if form.is_valid():
        try:
            services.product_update(
                product=product,
                name=form.cleaned_data["name"],
                unit=form.cleaned_data["unit"],
                category=form.cleaned_data["category"],
            )
        except ValidationError as error:
            show_service_error(request, error)
        else:
            messages.success(request, _("Saved."))
    else:
        _flash_form_errors(request, form)
    return redirect("pricing:product_detail", pk=product.pk)


class MappingView(TenantTableView):
    required_kind = BUYER
    table_class = SupplierSkuTable
    filterset_class = SupplierSkuFilter
    template_name = "pricing/mapping.html"
    export_name = "sku-mapping"

    def scope(self, request):
        return selectors.supplier_sku_list(buyer=request.organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_procure"] = self.request.membership.can(Perm.PROCURE)
        context["form"] = MappingForm(buyer=self.request.organization)
        context["product_skus"] = selectors.product_list(buyer=self.request.organization).values_list("sku", "name")[
            :500
        ]
        return context


@require_POST
@tenant_view(kind=BUYER, permission=Perm.PROCURE)
def mapping_set(request: HttpRequest) -> HttpResponse:
    form = MappingForm(request.POST, buyer=request.organization)
    if form.is_valid():
        try:
            services.mapping_set(
                actor=request.actor,
                supplier=form.cleaned_data["supplier"],
                supplier_sku=form.cleaned_data["supplier_sku"],
                product=form.cleaned_data["product"],
            )
        except ValidationError as error:
            show_service_error(request, error)
        else:
            messages.success(request, _("Mapped."))
    else:
        _flash_form_errors(request, form)
    return redirect(_safe_next(request) or reverse("pricing:mapping"))


def _safe_next(request: HttpRequest) -> str | None:
    """The ``next`` the form sent, only if it points back into this site."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@require_POST
@tenant_view()
def mapping_delete(request: HttpRequest, pk: int) -> HttpResponse:
    mapping = fetch(request, selectors.mapping_list(buyer=request.organization), pk=pk, permission=Perm.PROCURE)
    services.mapping_delete(mapping=mapping)
    messages.success(request, _("The mapping was removed."))
    return redirect("pricing:mapping")


class CompareView(TenantTableView):
    """A category's products against every supplier's entry price (the lowest quantity break)."""

    required_kind = BUYER
    table_class = ComparisonTable
    filterset_class = ProductFilter
    template_name = "pricing/compare.html"
    export_name = "price-comparison"
    max_products = 200

    def scope(self, request):
        return selectors.product_list(buyer=request.organization)

    def _comparison(self):
        if not hasattr(self, "_compared"):
            products = list(self.object_list[: self.max_products])
            self._compared = selectors.price_comparison(buyer=self.request.organization, products=products)
        return self._compared

    def get_table_data(self):
        return self._comparison()[1]

    def get_table_kwargs(self):
        suppliers = self._comparison()[0]
        ratings = partner_ratings(buyer=self.request.organization, suppliers=[s.pk for s in suppliers])

        def header(supplier) -> str:  # the supplier's rating beside its name, as wherever one is picked
            text = rating_text(ratings.get(supplier.pk))
            return f"{supplier.name} · {text}" if text else supplier.name

        return {
            "extra_columns": [
                (f"s{supplier.pk}", OffersColumn(verbose_name=header(supplier), orderable=False))
                for supplier in suppliers
            ]
        }


@require_POST
@tenant_view(kind=SUPPLIER, permission=Perm.MANAGE_KEYS)
def exchange_1c_price_types(request: HttpRequest) -> HttpResponse:
    """Save which 1C price type goes to which buyer (the 1C section of the Integrations page); a
    refusal is said on the page and nothing changes."""
    form = PriceTypesForm(request.POST, supplier=request.organization)
    try:
        if not form.is_valid():
            raise ValidationError([str(e) for errors in form.errors.values() for e in errors])
        exchange.price_types_set(actor=request.actor, price_types=form.price_types())
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("1C price types saved; they apply from the next exchange."))
    return redirect(reverse("integrations") + "#exchange-1c")
