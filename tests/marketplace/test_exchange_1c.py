"""The 1C exchange's endpoint: its login (an API key of the supplier whose slug is the login, a
throttle on wrong passwords), the language of its answers, and its section of the Integrations page."""

import ast
from pathlib import Path

from marketplace.exchange import views
from marketplace.exchange.views import handlers
from tests.exchange_1c import URL, call, log_in_as_1c
from tests.factories import api_key_for


def test_it_refuses_a_wrong_password_and_then_many(client, supplier):
    log_in_as_1c(client, "steel-works", "mk_wrong")
    status, lines = call(client, "type=catalog&mode=checkauth")
    assert status == 401 and lines[0] == "failure"
    for _n in range(10):
        call(client, "type=catalog&mode=checkauth")
    assert call(client, "type=catalog&mode=checkauth")[0] == 429


def test_another_suppliers_key_does_not_log_in(client, supplier, supplier2):
    _key, raw = api_key_for(supplier2)
    log_in_as_1c(client, "steel-works", raw)
    assert call(client, "type=catalog&mode=checkauth")[0] == 401


def test_the_integrations_page_shows_the_1c_setup(login, supplier, sam):
    page = login(sam).get("/organization/integrations/").content.decode()
    assert "/exchange/1c/" in page and "steel-works" in page


def test_a_buyer_sees_no_1c_section(login, buyer, alice):
    page = login(alice).get("/organization/integrations/").content.decode()
    assert "/exchange/1c/" not in page and "webhooks" in page


def test_it_answers_in_the_language_of_whoever_made_the_key(client, supplier, sam):
    sam.language = "ru"
    sam.save(update_fields=["language"])
    key, raw = api_key_for(supplier, "1C")
    key.created_by = sam
    key.save(update_fields=["created_by"])
    log_in_as_1c(client, "steel-works", raw)
    assert call(client, "type=catalog&mode=bogus")[1] == ["failure", "Неизвестный запрос: type=catalog mode=bogus."]
    response = client.get(f"{URL}?type=catalog&mode=bogus", HTTP_ACCEPT_LANGUAGE="en")
    assert response.content.decode().splitlines()[1] == "Unknown request: type=catalog mode=bogus."


def test_each_type_goes_to_the_app_that_owns_what_it_moves():
    table = handlers()
    catalog = {("catalog", mode) for mode in ("init", "file", "import")}
    sale = {("sale", mode) for mode in ("init", "query", "success", "file", "import")}
    assert set(table) == catalog | sale
    assert table[("catalog", "import")].__module__ == "pricing.exchange_1c"
    assert table[("sale", "file")].__module__ == "cabinet.exchange_1c"


def test_the_endpoint_imports_no_app_above_marketplace():
    """The exchange package finds its handlers through ``marketplace.hooks``; it names no app."""
    package = Path(views.__file__).parent
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names = [alias.name for alias in getattr(node, "names", [])] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not [n for n in names if n.split(".")[0] in ("pricing", "cabinet")], module.name
