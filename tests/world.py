"""A world with one of every tenant object, for sweeps that must see every URL answer 404 to an
outsider. Each app adds its objects in ``tests/<app>/world.py`` with ``build(cast) -> None``."""

from types import SimpleNamespace

import pytest

from marketplace import services
from marketplace.hooks import capability_modules
from marketplace.models import WebhookDelivery, WebhookEndpoint
from marketplace.webhooks import new_secret
from tests.factories import acting


def build_marketplace(cast) -> None:
    services.invitation_create(
        buyer=cast.buyer, email="new@supplier.test", supplier_name="New", actor=acting(cast.alice)
    )
    services.api_key_issue(organization=cast.buyer, name="buyer key")
    services.api_key_issue(organization=cast.supplier, name="supplier key")
    services.category_get_or_create(buyer=cast.buyer, name="Steel")
    pending = services.organization_create(name="Applicant", kind="supplier")
    services.partnership_apply(supplier=pending, buyer=cast.buyer, actor=acting(pending), message="hello")
    for organization in (cast.buyer, cast.supplier):
        endpoint = WebhookEndpoint.objects.create(
            organization=organization, url="https://hooks.example.com/", events=["order.placed"], secret=new_secret()
        )
        WebhookDelivery.objects.create(
            endpoint=endpoint, message_id=f"msg_world_{endpoint.pk}", event_type="order.placed", body="{}"
        )


@pytest.fixture
def world(
    buyer, alice, paul, mary, rita, supplier, sam, supplier2, sue, outsider_buyer, oscar, outsider_supplier, olga
):
    cast = SimpleNamespace(**{k: v for k, v in locals().items()})
    build_marketplace(cast)
    for _app, module in capability_modules("world", package="tests"):
        module.build(cast)
    return cast
