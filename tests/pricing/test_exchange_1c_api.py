"""``GET/PUT /api/v1/integrations/1c/`` (CONTRACT.md, 1C exchange)."""

import pytest

from pricing.models import ExchangePriceTypes
from tests.factories import BuyerFactory, member

URL = "/api/v1/integrations/1c/"
pytestmark = pytest.mark.django_db


def test_it_reads_and_sets_the_price_types(api, supplier, buyer):
    client = api(supplier)
    assert client.get(URL).json() == {"price_types": {}}
    response = client.put(URL, {"price_types": {"Оптовая": "*", " Крупный  опт ": "acme"}}, format="json")
    assert response.status_code == 200
    assert response.json() == {"price_types": {"Оптовая": "*", "Крупный опт": "acme"}}
    assert client.get(URL).json() == response.json()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"price_types": {"Опт": "other-corp"}}, "not a buyer you actively work with"),
        ({"price_types": {"Опт": "nobody"}}, "not a buyer you actively work with"),
        ({"price_types": {"Опт": "*", "Розница": "*"}}, "only one price type"),
        ({"price_types": {"": "*"}}, "empty or too long"),
        ({"price_types": ["Опт"]}, "price_types"),
        ({"price_types": {}, "extra": 1}, "extra"),
    ],
)
def test_it_refuses_bad_price_types_and_keeps_the_old_ones(api, supplier, buyer, body, words):
    BuyerFactory(name="Other Corp", slug="other-corp")  # exists, but no partner of this supplier
    client = api(supplier)
    client.put(URL, {"price_types": {"Опт": "acme"}}, format="json")
    response = client.put(URL, body, format="json")
    assert response.status_code == 400 and words in str(response.json()), response.json()
    assert ExchangePriceTypes.objects.get(supplier=supplier).price_types == {"Опт": "acme"}


def test_a_buyer_gets_403(api, buyer):
    assert api(buyer).get(URL).status_code == 403
    assert api(buyer).put(URL, {"price_types": {}}, format="json").status_code == 403


def test_it_requires_an_admin(client, supplier):
    client.force_login(member(supplier, "member", "m@steel.test"))
    assert client.get(URL).status_code == 403


def test_the_schema_documents_it(client, db):
    schema = client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/integrations/1c/"]["put"]
    assert operation["summary"] and "examples" in str(schema["paths"]["/api/v1/integrations/1c/"])
