from django.http import HttpRequest

from . import selectors
from .models import PriceList, UploadStatus


def context(request: HttpRequest) -> dict:
    organization = request.organization
    if organization.is_supplier:
        return {
            "is_supplier": True,
            "active": list(PriceList.objects.active().filter(supplier=organization).select_related("audience")),
            "pending": selectors.price_upload_list(supplier=organization)
            .filter(status__in=[UploadStatus.QUEUED, UploadStatus.PROCESSING, UploadStatus.READY])
            .count(),
        }
    return {
        "is_supplier": False,
        "lists": selectors.effective_price_lists(buyer=organization).count(),
        "unmapped": selectors.product_list(buyer=organization).filter(mappings__isnull=True).count(),
    }
