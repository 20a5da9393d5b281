"""Finding 5 of issue 10: no list page and no export without a ceiling."""

import pytest
from django.urls import reverse

from marketplace import tenancy
from marketplace.tenancy import CappedPaginator, TenantTableView
from tests.cabinet import factories as f


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_it_caps_the_page_size_of_every_list():
    views = list(_all_subclasses(TenantTableView))
    assert views and all(issubclass(view.paginator_class, CappedPaginator) for view in views)
    assert all((view.paginate_by or 0) <= tenancy.MAX_PER_PAGE for view in views)


@pytest.mark.parametrize(("asked", "shown"), [("100000", 2), ("-5", 1), ("1", 1), ("x", 2)])
def test_it_clamps_per_page_from_the_query(login, buyer, supplier, alice, monkeypatch, asked, shown):
    monkeypatch.setattr(tenancy, "MAX_PER_PAGE", 2)
    for _ in range(3):
        f.order(buyer, supplier)
    response = login(alice).get(reverse("cabinet:order_list"), {"per_page": asked})
    assert response.status_code == 200
    assert len(response.context["table"].page.object_list) == shown


def test_it_refuses_an_export_over_the_ceiling_with_a_message(login, buyer, supplier, alice, settings):
    settings.TABLE_EXPORT_MAX_ROWS = 2
    for _ in range(3):
        f.order(buyer, supplier)
    client = login(alice)
    response = client.get(reverse("cabinet:order_list"), {"_export": "csv", "state": ""})
    assert response.status_code == 302
    assert "_export" not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "at most 2 can be exported" in page
    settings.TABLE_EXPORT_MAX_ROWS = 3
    assert client.get(reverse("cabinet:order_list"), {"_export": "csv"})["Content-Type"].startswith("text/csv")
