"""Every URL of the project that takes an object id, asked for by an outsider from another tenant,
answers 404 — whatever the id. New capabilities inherit this for free: their URLs are found by
walking the URLconf, their objects come from ``tests/<app>/world.py``."""

import re

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from marketplace.models import ApiKey, Organization, Partnership
from tests.conftest import OUTSIDER_PK
from tests.world import world  # noqa: F401

TENANT_APPS = {"marketplace", "cabinet", "pricing", "auctions", "ratings"}
SKIP_PREFIXES = ("admin/", "accounts/", "i18n/", "api/v1/schema", "api/v1/docs")
PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def object_routes():
    """(route, converters) of every path pattern with a parameter, includes flattened."""

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and PARAM.search(route) and not route.startswith(SKIP_PREFIXES):
                yield route.lstrip("^").rstrip("$")

    return sorted(set(walk(get_resolver().url_patterns, "")))


def candidate_ids() -> list[int]:
    """Ids of our tenant's objects in every table (the outsider's own rows sit at OUTSIDER_PK+)."""
    ids: set[int] = set()
    for model in apps.get_models():
        if model._meta.app_label in TENANT_APPS:
            ids |= {pk for pk in model.objects.values_list("pk", flat=True) if isinstance(pk, int) and pk < OUTSIDER_PK}
    return sorted(ids)[:60]


def fill(route: str, value) -> str:
    return "/" + PARAM.sub(lambda m: str(value), route)


@pytest.mark.django_db
def test_it_finds_object_routes():
    routes = object_routes()
    assert "partners/<int:pk>/" in routes
    assert "organization/api-keys/<int:pk>/revoke/" in routes


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
    ids = candidate_ids()
    # Not the outsider itself nor its own partners: their slugs rightly resolve for it.
    partners = Partnership.objects.visible_to(organization).values("buyer_id", "supplier_id")
    own = {organization.pk} | {pk for row in partners for pk in row.values()}
    slugs = [o.slug for o in Organization.objects.exclude(pk__in=own)]
    assert len(ids) >= 5, "the world should hold objects of every app"
    failures = []
    for route in object_routes():
        conversions = {m.group("conv") or "str" for m in PARAM.finditer(route)}
        values = ids if conversions <= {"int"} else [*ids[:5], *slugs[:8], "no-such-token"]
        for value in values:
            url = fill(route, value)
            agent = api if route.startswith("api/") else client
            response = agent.get(url)
            if response.status_code == 405:
                response = agent.post(url, {}, format="json") if agent is api else agent.post(url, {})
            if response.status_code != 404:
                failures.append(f"{url} -> {response.status_code}")
    assert not failures, "\n".join(failures[:40])
