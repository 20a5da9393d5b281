"""Every URL of the project that takes an object id, asked for by an outsider from another tenant,
answers 404 — whatever the id. New capabilities inherit this for free: their URLs are found by
walking the URLconf, their objects come from ``tests/<app>/world.py``.

Each URL is tried with the ids of the table it looks its object up in (found by asking it once for
an id nobody has and reading which table the query went to), so that every row of that table is
tried whatever the other tables hold: on PostgreSQL sequences are not rolled back between tests,
and one table's ids can be far from another's."""

import re

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from marketplace.models import ApiKey, Organization, Partnership
from tests.conftest import OUTSIDER_PK
from tests.world import world  # noqa: F401

TENANT_APPS = {"marketplace", "cabinet", "pricing", "auctions", "ratings"}
SKIP_PREFIXES = ("admin/", "accounts/", "i18n/", "api/v1/schema", "api/v1/docs")
PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
PROBE = 2_000_000_017  # an id no row has: the query that asks for it names the URL's table
PER_TABLE = 50  # ids tried per table, enough for every row of the sweep's world
FROM = re.compile(r'\bFROM\s+"?(\w+)"?', re.IGNORECASE)


def routes(skip=SKIP_PREFIXES) -> list[str]:
    """Every path pattern of the URLconf (includes flattened), but those under ``skip``."""

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and not route.startswith(skip):
                yield route.lstrip("^").rstrip("$")

    return sorted(set(walk(get_resolver().url_patterns, "")))


def object_routes():
    """Every path pattern with a parameter (an object's id or slug)."""
    return [route for route in routes() if PARAM.search(route)]


def ids_by_table() -> dict[str, list[int]]:
    """Ids of our tenant's objects, table by table (the outsider's own rows sit at OUTSIDER_PK+)."""
    tables = {}
    for model in apps.get_models():
        if model._meta.app_label in TENANT_APPS:
            ids = model.objects.filter(pk__lt=OUTSIDER_PK).order_by("pk").values_list("pk", flat=True)
            tables[model._meta.db_table] = [pk for pk in ids[:PER_TABLE] if isinstance(pk, int)]
    return tables


def fill(route: str, value) -> str:
    return "/" + PARAM.sub(lambda m: str(value), route)


def ask(agent, url: str):
    """GET, or POST where the URL takes only that (as an outsider would try both)."""
    response = agent.get(url)
    if response.status_code == 405:
        response = agent.post(url, {}, format="json") if isinstance(agent, APIClient) else agent.post(url, {})
    return response


def table_of(agent, route: str, tables: dict[str, list[int]]) -> str | None:
    """The table ``route`` looks its object up in: the first query that asks for ``PROBE``."""
    with CaptureQueriesContext(connection) as queries:
        ask(agent, fill(route, PROBE))
    for query in queries.captured_queries:
        if str(PROBE) in query["sql"]:
            found = FROM.search(query["sql"])
            if found and found.group(1) in tables:
                return found.group(1)
    return None


def candidates(agent, route: str, tables: dict[str, list[int]]) -> list[int]:
    """The ids of the route's table; every table's when the route names none (it then answers
    before any lookup, which the sweep checks all the same)."""
    table = table_of(agent, route, tables)
    if table is not None:
        return [PROBE, *tables[table]]
    return sorted({PROBE, *(pk for ids in tables.values() for pk in ids)})


@pytest.mark.django_db
def test_it_finds_object_routes():
    routes = object_routes()
    assert "partners/<int:pk>/" in routes
    assert "organization/api-keys/<int:pk>/revoke/" in routes


def test_it_finds_the_table_each_route_looks_in(world, client):  # noqa: F811
    client.force_login(world.oscar)
    tables = ids_by_table()
    assert table_of(client, "cabinet/orders/<int:pk>/", tables) == "cabinet_order"
    assert table_of(client, "cabinet/orders/<int:pk>/complaint/", tables) == "cabinet_order"
    assert table_of(client, "partners/<int:pk>/move/", tables) == "marketplace_partnership"
    assert all(tables[name] for name in ("cabinet_order", "cabinet_complaint", "cabinet_document"))


@pytest.mark.parametrize("outsider", ["oscar", "olga"])
def test_it_answers_404_to_outsiders_on_every_object_url(world, client, outsider):  # noqa: F811
    person = getattr(world, outsider)
    organization = person.organizations.get()
    client.force_login(person)
    key, lookup, key_hash = ApiKey.generate()
    ApiKey.objects.create(
        pk=OUTSIDER_PK + person.pk, organization=organization, name="o", lookup=lookup, key_hash=key_hash
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    tables = ids_by_table()
    # Not the outsider itself nor its own partners: their slugs rightly resolve for it.
    partners = Partnership.objects.visible_to(organization).values("buyer_id", "supplier_id")
    own = {organization.pk} | {pk for row in partners for pk in row.values()}
    slugs = [o.slug for o in Organization.objects.exclude(pk__in=own)]
    assert sum(map(bool, tables.values())) >= 5, "the world should hold objects of every app"
    failures = []
    for route in object_routes():
        agent = api if route.startswith("api/") else client
        conversions = {m.group("conv") or "str" for m in PARAM.finditer(route)}
        if conversions <= {"int"}:
            values = candidates(agent, route, tables)
        else:
            values = [*sorted({pk for ids in tables.values() for pk in ids})[:5], *slugs[:8], "no-such-token"]
        for value in values:
            url = fill(route, value)
            response = ask(agent, url)
            if response.status_code != 404:
                failures.append(f"{url} -> {response.status_code}")
    assert not failures, "\n".join(failures[:40])
