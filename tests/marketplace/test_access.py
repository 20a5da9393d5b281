"""One access call: Perm, role_can, TwoSidedQuerySet.visible_to and tenancy.fetch (404, then 403)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from marketplace.actors import Actor
from marketplace.models import Membership, OrganizationKind, Partnership, Perm, Role, role_can
from marketplace.tenancy import fetch, require, tenant_view


def test_it_raises_on_a_misspelt_permission():
    with pytest.raises(ValueError):
        Perm("procur")
    with pytest.raises(ValueError):
        role_can(Role.OWNER, OrganizationKind.BUYER, "procur")
    with pytest.raises(ValueError):
        tenant_view(permission="manage_everything")


@pytest.mark.parametrize(
    ("role", "kind", "allowed"),
    [
        (Role.OWNER, OrganizationKind.BUYER, set(Perm)),
        (Role.PROCUREMENT, OrganizationKind.BUYER, {Perm.PROCURE, Perm.MANAGE_PARTNERS, Perm.WORK}),
        (Role.MANAGER, OrganizationKind.BUYER, {Perm.RATE, Perm.MANAGE_PARTNERS}),
        (Role.MEMBER, OrganizationKind.BUYER, set()),
        (Role.MEMBER, OrganizationKind.SUPPLIER, {Perm.WORK}),  # a supplier's staff do the daily work
    ],
)
def test_it_grants_each_role_its_permissions(role, kind, allowed):
    assert {p for p in Perm if role_can(role, kind, p)} == allowed


def test_it_shows_a_two_sided_row_to_its_two_sides_only(buyer, supplier, outsider_buyer, outsider_supplier):
    ours = Partnership.objects.get(buyer=buyer, supplier=supplier)
    assert list(Partnership.objects.visible_to(buyer)) == [ours]
    assert list(Partnership.objects.visible_to(supplier)) == [ours]
    assert list(Partnership.objects.visible_to(None)) == []
    assert ours not in Partnership.objects.visible_to(outsider_buyer)


def _request(user, organization):
    request = RequestFactory().post("/")
    request.user = user
    request.organization = organization
    request.membership = Membership.objects.filter(user=user, organization=organization).first()
    request.actor = Actor.of_user(user, organization)
    return request


def test_it_answers_404_before_403(buyer, supplier, rita, oscar, outsider_buyer):
    ours = Partnership.objects.get(buyer=buyer, supplier=supplier)
    outsider = _request(oscar, outsider_buyer)
    # Another tenant's object is "not found" even when asked with a permission its role lacks
    # and a kind it is not: nothing tells it the row exists.
    with pytest.raises(Http404):
        fetch(outsider, Partnership.objects.all(), kind=OrganizationKind.SUPPLIER, permission=Perm.RATE, pk=ours.pk)
    read_only = _request(rita, buyer)
    assert fetch(read_only, Partnership.objects.all(), pk=ours.pk) == ours
    with pytest.raises(PermissionDenied):
        fetch(read_only, Partnership.objects.all(), permission=Perm.MANAGE_PARTNERS, pk=ours.pk)
    with pytest.raises(PermissionDenied):
        fetch(read_only, Partnership.objects.all(), kind=OrganizationKind.SUPPLIER, pk=ours.pk)


def test_it_asks_the_requests_actor_for_a_permission(buyer, rita):
    request = _request(rita, buyer)
    with pytest.raises(PermissionDenied):
        require(request, Perm.PROCURE)
    request.actor = Actor.system(buyer)
    require(request, Perm.PROCURE)
