"""The demo world of ``seed_demo``: two buyers and thirty suppliers in Russian, Vietnamese and
English, in every onboarding state. Each capability's ``<app>/demo.py`` adds its own data on top
through ``seed(world)``; every step is idempotent (keyed by slugs and emails)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from . import services
from .actors import Actor
from .models import Exchange, Membership, Organization, OrganizationKind, Partnership, PartnershipStatus, Role, User

DEMO_PASSWORD = "demo-pass-2026"

BUYERS = [
    {
        "slug": "uralstroy",
        "name": "АО «УралСтрой»",
        "categories": ["Металлопрокат", "Крепёж", "Цемент и бетон", "Упаковка", "Электротехника"],
        "staff": [
            ("buyer@uralstroy.demo", Role.OWNER),
            ("procurement@uralstroy.demo", Role.PROCUREMENT),
            ("manager@uralstroy.demo", Role.MANAGER),
            ("viewer@uralstroy.demo", Role.MEMBER),
        ],
    },
    {
        "slug": "mekong-build",
        "name": "Mekong Build JSC",
        "categories": ["Steel", "Fasteners", "Cement", "Packaging", "Electrical"],
        "staff": [
            ("buyer@mekong-build.demo", Role.OWNER),
            ("procurement@mekong-build.demo", Role.PROCUREMENT),
            ("manager@mekong-build.demo", Role.MANAGER),
        ],
    },
]

# (slug, name, category index) — category index into each buyer's list.
SUPPLIERS = [
    ("stalprom", "ООО «СтальПром»", 0),
    ("metallbaza-ural", "Металлобаза «Урал»", 0),
    ("sibprokat", "ООО «СибПрокат»", 0),
    ("krepezh-servis", "ООО «Крепёж-Сервис»", 1),
    ("metiz-centr", "ТД «Метиз-Центр»", 1),
    ("betonmix", "ЗАО «БетонМикс»", 2),
    ("cementtorg", "ООО «ЦементТорг»", 2),
    ("upakovka-plus", "ООО «Упаковка Плюс»", 3),
    ("elektrosnab", "АО «Электроснаб»", 4),
    ("kabel-opt", "ООО «КабельОпт»", 4),
    ("thep-viet", "Công ty TNHH Thép Việt", 0),
    ("thep-mien-nam", "Công ty CP Thép Miền Nam", 0),
    ("oc-vit-sai-gon", "Công ty Ốc Vít Sài Gòn", 1),
    ("bu-long-ha-noi", "Bu Lông Hà Nội", 1),
    ("xi-mang-ha-tien", "Xi Măng Hà Tiên Đồng Nai", 2),
    ("be-tong-phuong-nam", "Bê Tông Phương Nam", 2),
    ("bao-bi-an-phat", "Bao Bì An Phát", 3),
    ("dien-quang-minh", "Điện Quang Minh", 4),
    ("day-cap-viet-a", "Dây Cáp Việt Á", 4),
    ("vat-tu-hoang-long", "Vật Tư Hoàng Long", 1),
    ("nordic-steel", "Nordic Steel Trading Ltd", 0),
    ("atlas-fasteners", "Atlas Fasteners GmbH", 1),
    ("boltline", "BoltLine Industrial Supply", 1),
    ("readymix-partners", "ReadyMix Partners", 2),
    ("greenpack", "GreenPack Solutions", 3),
    ("pacific-packaging", "Pacific Packaging Co.", 3),
    ("volt-electric", "Volt Electric Supply", 4),
    ("brightwire", "BrightWire Cables", 4),
    ("global-metals", "Global Metals Group", 0),
    ("eastern-hardware", "Eastern Hardware Ltd", 1),
]

# Suppliers whose owner logins seed_demo prints: they get the richest data.
FEATURED_SUPPLIERS = {SUPPLIERS[i][0] for i in (0, 1, 11, 20)}

ONBOARDING = [
    PartnershipStatus.APPLIED,
    PartnershipStatus.BUSINESS_REVIEW,
    PartnershipStatus.TECHNICAL_REVIEW,
    PartnershipStatus.INTEGRATION,
    PartnershipStatus.REJECTED,
]


@dataclass
class DemoWorld:
    buyers: list[Organization] = field(default_factory=list)
    suppliers: list[Organization] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)  # (email, what it is)
    rng: random.Random = field(default_factory=lambda: random.Random(2026))

    def active_suppliers(self, buyer: Organization) -> list[Organization]:
        """The buyer's active suppliers, those whose logins are printed first (so they have data)."""
        ids = Partnership.objects.filter(buyer=buyer, status=PartnershipStatus.ACTIVE).values("supplier_id")
        suppliers = Organization.objects.filter(pk__in=ids).order_by("slug")
        return sorted(suppliers, key=lambda s: s.slug not in FEATURED_SUPPLIERS)

    def user(self, email: str) -> User:
        return User.objects.get(email=email)


def _organization(*, slug: str, name: str, kind: str, owner_email: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    owner = services.user_create_verified(email=owner_email, password=DEMO_PASSWORD)
    if organization is None:
        organization = services.organization_create(name=name, kind=kind, slug=slug, owner=owner)
    return organization


@transaction.atomic
def seed() -> DemoWorld:
    world = DemoWorld()
    today = timezone.localdate()
    for spec in BUYERS:
        owner_email = spec["staff"][0][0]
        buyer = _organization(
            slug=spec["slug"], name=spec["name"], kind=OrganizationKind.BUYER, owner_email=owner_email
        )
        for email, role in spec["staff"]:
            user = services.user_create_verified(email=email, password=DEMO_PASSWORD)
            if not Membership.objects.filter(user=user, organization=buyer).exists():
                services.membership_set(organization=buyer, user=user, role=role)
            world.logins.append((email, f"{buyer.name}: {Role(role).label}"))
        for name in spec["categories"]:
            services.category_get_or_create(buyer=buyer, name=name)
        world.buyers.append(buyer)

    for index, (slug, name, category_index) in enumerate(SUPPLIERS):
        email = f"sales@{slug}.demo"
        supplier = _organization(slug=slug, name=name, kind=OrganizationKind.SUPPLIER, owner_email=email)
        world.suppliers.append(supplier)
        if slug in FEATURED_SUPPLIERS:
            world.logins.append((email, f"{supplier.name}: {Role.OWNER.label}"))
        # Russian-named suppliers mostly work with the Russian buyer, Vietnamese with the Vietnamese
        # one, English-named ones with both; a few are still in onboarding.
        home = 0 if index < 10 else 1
        for b, buyer_spec in enumerate(BUYERS):
            buyer = world.buyers[b]
            works_with = b == home or index >= 20 or index % 7 == 0
            if not works_with or Partnership.objects.filter(buyer=buyer, supplier=supplier).exists():
                continue
            category = buyer_spec["categories"][category_index]
            if index % 6 == 4 and b == home:
                status = ONBOARDING[(index // 6) % len(ONBOARDING)]
                partnership = services.partnership_apply(
                    supplier=supplier, buyer=buyer, actor=Actor.system(supplier), message=f"{name}: {category}"
                )
                for step in (
                    ONBOARDING[1 : ONBOARDING.index(status) + 1]
                    if status != PartnershipStatus.REJECTED
                    else [PartnershipStatus.REJECTED]
                ):
                    services.partnership_move(partnership=partnership, to=step, actor=Actor.system(buyer), note="demo")
            else:
                since = today - dt.timedelta(days=world.rng.randint(60, 5 * 365))
                services.partnership_connect(
                    buyer=buyer, supplier=supplier, since=since, categories=[category], actor=Actor.system(buyer)
                )
    _exchange_1c_history()
    return world


# «СтальПром» exchanges with 1C: its Integrations page shows a history (and pricing's demo, the
# price-type choice). (hours ago, type, step, file, result, counts, message)
EXCHANGE_1C_SUPPLIER = "stalprom"
EXCHANGE_1C_HISTORY = [
    (50, "catalog", "import", "import.xml", "success", {"items": 42}, "Goods read: 42."),
    (50, "catalog", "import", "offers.xml", "failure", {}, "offers.xml has several price types (Оптовая, Розница): "
     "on the Integrations page choose which goes to which buyer, then run the exchange again."),
    (26, "catalog", "import", "offers.xml", "success", {"items": 40},
     "Price type “Оптовая” → every buyer: version 3 published; items: 40."),
    (2, "sale", "query", "", "success", {"orders": 3}, "Orders sent: 3."),
    (2, "sale", "file", "orders.xml", "success", {"orders": 3, "applied": 3, "refused": 1},
     "Orders read: 3; moves applied: 3; refused: 1.\nOrder W-2026-000004: not changed: it was cancelled by the buyer."),
]  # fmt: skip


def _exchange_1c_history() -> None:
    supplier = Organization.objects.filter(slug=EXCHANGE_1C_SUPPLIER).first()
    if supplier is None or Exchange.objects.filter(supplier=supplier).exists():
        return
    now = timezone.now()
    for hours, kind, mode, filename, result, counts, message in EXCHANGE_1C_HISTORY:
        at = now - dt.timedelta(hours=hours)
        Exchange.objects.create(
            supplier=supplier, created_at=at, finished_at=at, kind=kind, mode=mode, filename=filename,
            result=result, message=message, **counts,
        )  # fmt: skip
