"""Who acted: a person of an organization, or an organization's API key, or the system itself.

Built once per request (web session, Bearer key, websocket) and handed to every service that
records who did something, so that history lines, uploads, comments and bids all say the same
thing about their author.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .models import ApiKey, Membership, Organization, User


@dataclass(frozen=True)
class Actor:
    organization: Organization | None
    user: User | None = None
    api_key: ApiKey | None = None
    role: str | None = None  # the person's role in ``organization``; None for keys and the system

    @classmethod
    def of_membership(cls, membership: Membership) -> Actor:
        return cls(organization=membership.organization, user=membership.user, role=membership.role)

    @classmethod
    def of_user(cls, user: User, organization: Organization | None = None) -> Actor:
        """A person acting for ``organization`` (their role looked up; None if not a member)."""
        from .models import Membership

        role = None
        if organization is not None and getattr(user, "pk", None):
            role = (
                Membership.objects.filter(user=user, organization=organization).values_list("role", flat=True).first()
            )
        return cls(organization=organization, user=user if getattr(user, "pk", None) else None, role=role)

    @classmethod
    def of_api_key(cls, api_key: ApiKey) -> Actor:
        return cls(organization=api_key.organization, api_key=api_key)

    @classmethod
    def system(cls, organization: Organization | None = None) -> Actor:
        """The site itself (the auction clock, demo data, an operator command), acting for
        ``organization`` when it does something on one side's behalf."""
        return cls(organization=organization)

    @classmethod
    def recorded(cls, *, user: User | None, api_key: ApiKey | None = None, organization=None) -> Actor:
        """Who a stored row says acted (its person and API key columns), to name them again."""
        return cls(organization=organization, user=user, api_key=api_key)

    @property
    def via_api(self) -> bool:
        return self.api_key is not None

    @property
    def person(self) -> User | None:
        """The person to record as author (None for an API key or the system)."""
        return self.user

    @property
    def is_system(self) -> bool:
        return self.user is None and self.api_key is None

    @property
    def display_name(self) -> str:
        """How history lines name the author: the person, or the key's name for API calls."""
        if self.user is not None:
            return str(self.user)
        if self.api_key is not None:
            return _("API key “%(name)s”") % {"name": self.api_key.name}
        return _("the system")

    def as_fields(self, person: str, key: str = "api_key") -> dict:
        """The columns that record this actor on a row: ``{person: the person, key: the API key}``
        (``Comment(body=..., **actor.as_fields("author"))``)."""
        return {person: self.person, key: self.api_key}

    def acts_for(self, organization: Organization) -> bool:
        """Whether this actor may act on ``organization``'s behalf: its own person or key, or the
        site itself (which acts for whoever it was told to)."""
        if self.organization is None:
            return self.is_system
        return self.organization.pk == organization.pk

    def can(self, permission) -> bool:
        """Whether this actor holds ``permission`` in its organization (API keys act as the
        organization's admin; the system may do anything)."""
        from .models import Perm, Role, role_can

        if self.is_system:
            return True
        if self.organization is None:
            return False
        role = Role.ADMIN if self.via_api else self.role
        return role is not None and role_can(role, self.organization.kind, Perm(permission))

    def __str__(self) -> str:
        return self.display_name


def recorded_name(person: User | None, api_key: ApiKey | None = None, *, via_api: bool = False) -> str:
    """How a stored row names who acted: the person, or the key's name for API calls ("API" for a
    row older than its key column); empty for the site itself, whose rows need no author."""
    if person is None and api_key is None:
        return _("API") if via_api else ""
    return Actor.recorded(user=person, api_key=api_key).display_name
