"""Writes of the tenancy core. Views, forms, API views and commands call these; nothing else
changes organizations, memberships, partnerships, invitations or API keys."""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .actors import Actor
from .models import (
    BUYER_ONLY_ROLES,
    ONBOARDING_PIPELINE,
    ApiKey,
    Category,
    Invitation,
    MemberInvitation,
    Membership,
    Notification,
    Organization,
    OrganizationKind,
    OverridePurpose,
    PartnerOverride,
    Partnership,
    PartnershipEvent,
    PartnershipStatus,
    RatingBand,
    Role,
    User,
)

INVITATION_TTL = dt.timedelta(days=14)

_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya i yi ye g".split(),
        strict=True,
    )
)


def slug_from_name(name: str) -> str:
    """An ASCII slug for Russian, Vietnamese and English names alike."""
    text = "".join(_CYRILLIC.get(ch, ch).strip("_") for ch in name.lower()).replace("đ", "d")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return slugify(text)[:60].strip("-") or "org"


def _unique_slug(base: str) -> str:
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def organization_create(*, name: str, kind: str, owner: User | None = None, slug: str | None = None) -> Organization:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the organization a name.")})
    if kind not in OrganizationKind.values:
        raise ValidationError({"kind": _("Unknown kind “%(kind)s”: use buyer or supplier.") % {"kind": kind}})
    if slug:
        if slugify(slug) != slug:
            raise ValidationError(
                {
                    "slug": _("“%(slug)s” is not a valid slug: use lowercase letters, digits and hyphens.")
                    % {"slug": slug}
                }
            )
        if Organization.objects.filter(slug=slug).exists():
            raise ValidationError({"slug": _("The slug “%(slug)s” is already taken.") % {"slug": slug}})
    else:
        slug = _unique_slug(slug_from_name(name))
    organization = Organization(name=name, kind=kind, slug=slug)
    organization.full_clean()
    organization.save()
    if owner is not None:
        Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    return organization


@transaction.atomic
def user_create_verified(*, email: str, password: str | None = None) -> User:
    """An account whose email counts as verified (operators and the demo create these). An existing
    account is returned as it is: its password is never overwritten."""
    from allauth.account.models import EmailAddress

    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("“%(email)s” is not a valid email address.") % {"email": email}}) from None
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


@transaction.atomic
def _check_role(organization: Organization, role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if role in BUYER_ONLY_ROLES and not organization.is_buyer:
        raise ValidationError({"role": _("Procurement and manager roles exist only in buyer organizations.")})


def membership_set(*, organization: Organization, user: User, role: str) -> Membership:
    _check_role(organization, role)
    membership, _created = Membership.objects.update_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    return membership


@transaction.atomic
def member_invite(
    *, organization: Organization, user: User, role: str, actor: Actor, request=None
) -> MemberInvitation | Membership:
    """Asks an existing account to join ``organization`` as ``role``: a pending invitation, mailed
    once committed; the person becomes a member only by accepting. A current member's role is
    simply changed."""
    _check_role(organization, role)
    if not actor.acts_for(organization):
        raise ValidationError(_("Only the organization's own people invite its members."))
    membership = Membership.objects.filter(organization=organization, user=user).first()
    if membership is not None:
        return membership_set(organization=organization, user=user, role=role)
    invitation, _created = MemberInvitation.objects.update_or_create(
        organization=organization,
        user=user,
        accepted_at=None,
        declined_at=None,
        defaults={"role": role, "invited_by": actor.person, "created_at": timezone.now()},
    )
    path = reverse("member_invitation", kwargs={"pk": invitation.pk})
    url = request.build_absolute_uri(path) if request is not None else settings.SITE_URL.rstrip("/") + path
    context = {"invitation": invitation, "url": url}
    transaction.on_commit(
        lambda: send_mail(
            subject=_("%(org)s invites you to join it") % {"org": organization.name},
            message=render_to_string("marketplace/email/member_invitation.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )
    )
    return invitation


@transaction.atomic
def member_invitation_answer(*, invitation: MemberInvitation, user: User, accept: bool) -> Membership | None:
    """The invitee accepts (and becomes a member) or declines; anyone else, or a second answer, is refused."""
    invitation = MemberInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.user_id != user.pk or not invitation.is_pending:
        raise ValidationError(_("This invitation is no longer valid."))
    if not accept:
        invitation.declined_at = timezone.now()
        invitation.save(update_fields=["declined_at"])
        return None
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership_set(organization=invitation.organization, user=user, role=invitation.role)


def category_get_or_create(*, buyer: Organization, name: str) -> Category:
    name = name.strip()
    if not name:
        raise ValidationError({"category": _("A category needs a name.")})
    category = Category.objects.filter(buyer=buyer, name__iexact=name).first()
    return category or Category.objects.create(buyer=buyer, name=name)


def _check_pair(buyer: Organization, supplier: Organization) -> None:
    if not buyer.is_buyer:
        raise ValidationError({"buyer": _("“%(org)s” is not a buyer organization.") % {"org": buyer.slug}})
    if not supplier.is_supplier:
        raise ValidationError({"supplier": _("“%(org)s” is not a supplier organization.") % {"org": supplier.slug}})


def _record(partnership: Partnership, *, from_status: str, actor: Actor, team: str = "", note: str = "") -> None:
    PartnershipEvent.objects.create(
        partnership=partnership,
        from_status=from_status,
        to_status=partnership.status,
        actor=actor.person,
        team=team,
        note=note,
    )


SYSTEM = Actor.system()  # operators' commands, the bench and other callers that name nobody


@transaction.atomic
def partnership_connect(
    *,
    buyer: Organization,
    supplier: Organization,
    since: dt.date | None = None,
    categories: Iterable[str] = (),
    actor: Actor = SYSTEM,
    note: str = "",
) -> Partnership:
    """An active partnership, as if onboarding had finished (operators, invitations, the demo)."""
    _check_pair(buyer, supplier)
    partnership, created = Partnership.objects.select_for_update().get_or_create(
        buyer=buyer, supplier=supplier, defaults={"status": PartnershipStatus.ACTIVE}
    )
    previous = "" if created else partnership.status
    partnership.status = PartnershipStatus.ACTIVE
    partnership.active_since = since or partnership.active_since or timezone.localdate()
    partnership.updated_at = timezone.now()
    partnership.save(update_fields=["status", "active_since", "updated_at"])
    for name in categories:
        partnership.categories.add(category_get_or_create(buyer=buyer, name=name))
    if previous != PartnershipStatus.ACTIVE:
        _record(partnership, from_status=previous, actor=actor, note=note)
    return partnership


@transaction.atomic
def partnership_apply(*, supplier: Organization, buyer: Organization, actor: Actor, message: str = "") -> Partnership:
    """A supplier asks a buyer to work with it; the buyer's pipeline starts at "applied"."""
    _check_pair(buyer, supplier)
    if not actor.acts_for(supplier):
        raise ValidationError(_("Only the supplier's own people apply for it."))
    existing = Partnership.objects.filter(buyer=buyer, supplier=supplier).first()
    if existing and existing.status != PartnershipStatus.REJECTED:
        raise ValidationError(_("You already have a partnership with this buyer."))
    if existing:
        partnership, previous = existing, existing.status
        partnership.status = PartnershipStatus.APPLIED
        partnership.message = message
        partnership.updated_at = timezone.now()
        partnership.save(update_fields=["status", "message", "updated_at"])
    else:
        partnership, previous = Partnership.objects.create(buyer=buyer, supplier=supplier, message=message), ""
    _record(partnership, from_status=previous, actor=actor, note=message)
    return partnership


@transaction.atomic
def partnership_move(*, partnership: Partnership, to: str, actor: Actor, team: str = "", note: str = "") -> Partnership:
    """One step of the onboarding pipeline (``ONBOARDING_PIPELINE``), as the buyer records it."""
    partnership = Partnership.objects.select_for_update().select_related("buyer").get(pk=partnership.pk)
    if not actor.acts_for(partnership.buyer):
        raise ValidationError(_("Only the buyer records its onboarding steps."))
    ONBOARDING_PIPELINE.check(partnership, to=to, side=OrganizationKind.BUYER, actor=actor)
    previous = partnership.status
    partnership.status = to
    if to == PartnershipStatus.ACTIVE and partnership.active_since is None:
        partnership.active_since = timezone.localdate()
    partnership.updated_at = timezone.now()
    partnership.save(update_fields=["status", "active_since", "updated_at"])
    _record(partnership, from_status=previous, actor=actor, team=team, note=note)
    return partnership


@transaction.atomic
def partnership_set_categories(*, partnership: Partnership, categories: Iterable[Category]) -> None:
    categories = list(categories)
    if any(category.buyer_id != partnership.buyer_id for category in categories):
        raise ValidationError({"categories": _("Choose categories of your own organization.")})
    partnership.categories.set(categories)


@transaction.atomic
def invitation_create(
    *,
    buyer: Organization,
    email: str,
    supplier_name: str,
    actor: Actor,
    categories: Iterable[Category] = (),
    request=None,
) -> tuple[Invitation, str]:
    """Stores the invitation and mails its link; returns it with the raw token (never stored)."""
    if not buyer.is_buyer:
        raise ValidationError(_("Only buyer organizations invite suppliers."))
    if not actor.acts_for(buyer):
        raise ValidationError(_("Only the buyer's own people invite its suppliers."))
    email = email.strip().lower()
    validate_email(email)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        buyer=buyer,
        email=email,
        supplier_name=supplier_name.strip(),
        token_hash=Invitation.hash_token(token),
        invited_by=actor.person,
        expires_at=timezone.now() + INVITATION_TTL,
    )
    invitation.categories.set(categories)
    path = reverse("invitation_accept", kwargs={"token": token})
    url = request.build_absolute_uri(path) if request is not None else path
    context = {"invitation": invitation, "url": url}
    transaction.on_commit(
        lambda: send_mail(
            subject=_("%(buyer)s invites you to its supplier marketplace") % {"buyer": buyer.name},
            message=render_to_string("marketplace/email/invitation.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[email],
        )
    )
    return invitation, token


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been accepted."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, user: User, supplier: Organization | None = None, name: str | None = None
) -> Organization:
    """The invitee's supplier organization (new, or one it already owns), connected to the buyer."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(_("This invitation is no longer valid. Ask the buyer for a new one."))
    if supplier is None:
        supplier = organization_create(
            name=name or invitation.supplier_name, kind=OrganizationKind.SUPPLIER, owner=user
        )
    elif not Membership.objects.filter(user=user, organization=supplier, role__in=[Role.OWNER, Role.ADMIN]).exists():
        raise ValidationError(_("Only an owner or admin of that supplier can accept for it."))
    partnership_connect(
        buyer=invitation.buyer,
        supplier=supplier,
        categories=[c.name for c in invitation.categories.all()],
        actor=Actor.of_user(user, supplier),
        note=_("Accepted the invitation sent to %(email)s.") % {"email": invitation.email},
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.supplier = supplier
    invitation.save(update_fields=["accepted_at", "accepted_by", "supplier"])
    return supplier


def invitation_by_token(token: str) -> Invitation | None:
    return Invitation.objects.select_related("buyer").filter(token_hash=Invitation.hash_token(token)).first()


@transaction.atomic
def api_key_issue(*, organization: Organization, name: str = "", actor: Actor = SYSTEM) -> tuple[ApiKey, str]:
    """A new key of ``organization``, issued by ``actor`` (its admin, or an operator's command)."""
    if not actor.acts_for(organization):
        raise ValidationError(_("Only the organization's own people issue its keys."))
    key, lookup, key_hash = ApiKey.generate()
    api_key = ApiKey(
        organization=organization,
        name=(name or "").strip() or _("API key"),
        lookup=lookup,
        key_hash=key_hash,
        created_by=actor.person,
    )
    api_key.full_clean()
    api_key.save()
    return api_key, key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_authenticate(key: str) -> ApiKey | None:
    """The usable key matching ``key``, its last use stamped (at most once a minute)."""
    lookup = ApiKey.split(key)
    if lookup is None:
        return None
    api_key = ApiKey.objects.usable().select_related("organization").filter(lookup=lookup).first()
    if api_key is None or not api_key.matches(key):
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > dt.timedelta(minutes=1):
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


# -- inbox -----------------------------------------------------------------------------------------


def notification_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, user: User, organization: Organization) -> int:
    return Notification.objects.filter(user=user, organization=organization, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def partnership_check_blocked(
    *,
    buyer: Organization,
    suppliers: Iterable[Organization],
    purpose: str,
    reason: str = "",
    user: User | None = None,
) -> list[PartnerOverride]:
    """Refuses a blocked supplier (its rating fell into the buyer's "blocked" band) unless a reason
    is given; each such override is recorded. Every place that orders from, asks or invites a
    supplier calls this (cabinet orders and requests; auction invitations)."""
    if purpose not in OverridePurpose.values:
        raise ValueError(f"unknown override purpose {purpose!r}")
    ids = [supplier.pk for supplier in suppliers]
    blocked = list(
        Partnership.objects.filter(buyer=buyer, supplier_id__in=ids, rating_band=RatingBand.BLOCKED).select_related(
            "supplier"
        )
    )
    if not blocked:
        return []
    reason = (reason or "").strip()
    if not reason:
        names = ", ".join(p.supplier.name for p in blocked)
        raise ValidationError(
            {
                "override_reason": _(
                    "%(names)s is blocked by its rating. To go ahead anyway, give a reason for the override."
                )
                % {"names": names}
            }
        )
    overrides = [
        PartnerOverride(partnership=p, purpose=purpose, reason=reason, score=p.rating_score, user=user) for p in blocked
    ]
    for override in overrides:
        override.full_clean()
    return PartnerOverride.objects.bulk_create(overrides)
