import factory
from django.utils import timezone

from marketplace.actors import Actor
from marketplace.models import (
    ApiKey,
    Category,
    Membership,
    Organization,
    OrganizationKind,
    Partnership,
    PartnershipStatus,
    Role,
    User,
)

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            from allauth.account.models import EmailAddress

            self.save()
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    kind = OrganizationKind.SUPPLIER


class BuyerFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"Buyer {n}")
    slug = factory.Sequence(lambda n: f"buyer-{n}")
    kind = OrganizationKind.BUYER


class SupplierFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"Supplier {n}")
    slug = factory.Sequence(lambda n: f"supplier-{n}")
    kind = OrganizationKind.SUPPLIER


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(BuyerFactory)
    role = Role.OWNER


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    buyer = factory.SubFactory(BuyerFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership

    buyer = factory.SubFactory(BuyerFactory)
    supplier = factory.SubFactory(SupplierFactory)
    status = PartnershipStatus.ACTIVE
    active_since = factory.LazyFunction(timezone.localdate)


def member(organization: Organization, role: str = Role.OWNER, email: str | None = None) -> User:
    user = UserFactory(**({"email": email} if email else {}))
    MembershipFactory(user=user, organization=organization, role=role)
    return user


def api_key_for(organization: Organization, name: str = "test") -> tuple[ApiKey, str]:
    from marketplace.services import api_key_issue

    return api_key_issue(organization=organization, name=name)


def acting(who: User | Organization, organization: Organization | None = None) -> Actor:
    """Who acts in a test: a person in ``organization`` (their only one when not given), or, given
    an organization, the site itself acting for it (``Actor.system``)."""
    if isinstance(who, Organization):
        return Actor.system(who)
    memberships = who.memberships.select_related("organization")
    return Actor.of_membership(memberships.get(organization=organization) if organization else memberships.get())
