"""A year of believable history for the demo world: for each buyer and most of its active
suppliers, orders in every state with consistent histories and timestamps, some placed from
requests for quotation with competing quotes, complaints (most resolved, a few open), comments and
a few proposals. Written in bulk; a buyer that already has demo orders is left alone (idempotent).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from marketplace.models import Membership, Organization, Perm
from marketplace.money import money, unit_price

from .models import (
    CHANNEL_PREFIX,
    Comment,
    Complaint,
    ComplaintResolution,
    ComplaintState,
    Order,
    OrderChannel,
    OrderEvent,
    OrderLine,
    OrderNumberCounter,
    OrderState,
    Proposal,
    ProposalState,
    Quote,
    QuoteLine,
    QuoteState,
    RequestForQuotation,
    RfqLine,
    RfqState,
)
from .transitions import STATE_TIMESTAMP

DEMO_REF = "demo:"
SUPPLIERS_PER_BUYER = 9

# Fallback products by the supplier's category, when the supplier has no published price list yet.
CATALOG = {
    "steel": [
        ("ARM-12", "Арматура А500С 12 мм", "т", "61500"),
        ("ARM-16", "Арматура А500С 16 мм", "т", "60200"),
        ("LIST-4", "Лист г/к 4 мм", "т", "72400"),
        ("TRUB-57", "Труба 57×3.5", "м", "690"),
        ("UGOL-50", "Уголок 50×50×5", "т", "78900"),
    ],
    "fasteners": [
        ("BOLT-M12", "Болт М12×60 DIN 933", "шт", "14.20"),
        ("GAYKA-M12", "Гайка М12 DIN 934", "шт", "2.10"),
        ("ANK-10", "Анкер клиновой 10×100", "шт", "23.50"),
        ("SAMOR-4", "Саморез 4.2×75", "кг", "310"),
    ],
    "cement": [
        ("M500", "Цемент М500 Д0, мешок 50 кг", "шт", "520"),
        ("BET-B25", "Бетон B25 П4", "м³", "6100"),
        ("PESOK", "Песок мытый", "т", "780"),
    ],
    "packaging": [
        ("PLENKA-500", "Стрейч-плёнка 500 мм", "рул", "640"),
        ("KOROB-60", "Короб гофро 600×400×400", "шт", "96"),
        ("PALLET", "Поддон 1200×800", "шт", "410"),
    ],
    "electrical": [
        ("VVG-3x2.5", "Кабель ВВГнг-LS 3×2.5", "м", "118"),
        ("AV-16", "Автомат 1P C16", "шт", "265"),
        ("LED-36", "Светильник LED 36 Вт", "шт", "1350"),
    ],
}
KIND_WORDS = {
    "steel": ("стал", "металл", "прокат", "thép", "steel", "metal"),
    "fasteners": ("креп", "метиз", "ốc", "bu lông", "fasten", "bolt", "hardware", "vật tư"),
    "cement": ("бетон", "цемент", "xi măng", "bê tông", "readymix", "cement"),
    "packaging": ("упаков", "bao bì", "pack"),
    "electrical": ("электр", "кабел", "điện", "cáp", "volt", "wire", "electric"),
}
COMMENTS_BUYER = [
    "Please confirm the delivery date.",
    "Unloading only on weekdays 8:00–17:00, gate 3.",
    "Прошу приложить сертификаты качества.",
    "Xin gửi kèm hoá đơn VAT.",
]
COMMENTS_SUPPLIER = [
    "Confirmed, shipping from our warehouse.",
    "Сертификаты приложим к отгрузке.",
    "Đã xác nhận, giao hàng trong tuần.",
    "The truck leaves tomorrow morning.",
]
REASONS = [
    ("Part of the batch arrived damaged.", "Replacement shipped with the next delivery."),
    ("Недовложение: 2 позиции из 10 отсутствуют.", "Допоставим в течение 3 дней."),
    ("Giao hàng trễ 5 ngày so với cam kết.", "Chúng tôi xin lỗi và giảm giá 3%."),
    ("Certificates missing for the rebar.", ""),
]
# Where each final or current state lies on the road, and the steps (state, minimum, maximum hours).
ROADS = {
    OrderState.PLACED: [],
    OrderState.CONFIRMED: [OrderState.CONFIRMED],
    OrderState.REJECTED: [OrderState.REJECTED],
    OrderState.CANCELLED: [OrderState.CANCELLED],
    OrderState.IN_PROGRESS: [OrderState.CONFIRMED, OrderState.IN_PROGRESS],
    OrderState.SHIPPED: [OrderState.CONFIRMED, OrderState.IN_PROGRESS, OrderState.SHIPPED],
    OrderState.DELIVERED: [OrderState.CONFIRMED, OrderState.IN_PROGRESS, OrderState.SHIPPED, OrderState.DELIVERED],
}
ROADS[OrderState.COMPLETED] = [*ROADS[OrderState.DELIVERED], OrderState.COMPLETED]
ROADS[OrderState.DISPUTED] = [*ROADS[OrderState.DELIVERED], OrderState.DISPUTED]
DISPUTED_THEN_COMPLETED = [*ROADS[OrderState.DISPUTED], OrderState.COMPLETED]
STEP_HOURS = {
    OrderState.CONFIRMED: (1, 30),
    OrderState.REJECTED: (2, 40),
    OrderState.CANCELLED: (3, 60),
    OrderState.IN_PROGRESS: (4, 60),
    OrderState.SHIPPED: (20, 170),
    OrderState.DELIVERED: (20, 120),
    OrderState.COMPLETED: (2, 72),
    OrderState.DISPUTED: (1, 48),
}
SUPPLIER_SIDE = {OrderState.CONFIRMED, OrderState.REJECTED, OrderState.IN_PROGRESS, OrderState.SHIPPED}


def _kind_of(supplier: Organization) -> str:
    text = f"{supplier.name} {supplier.slug}".lower()
    for kind, words in KIND_WORDS.items():
        if any(word in text for word in words):
            return kind
    return "steel"


def _products(supplier: Organization, buyer: Organization) -> list[tuple[str, str, str, Decimal, str]]:
    """(sku, name, unit, price, currency): the supplier's published list if it has one."""
    try:
        from pricing.models import PriceItem, PriceListStatus

        items = list(
            PriceItem.objects.filter(price_list__supplier=supplier, price_list__status=PriceListStatus.ACTIVE)
            .order_by("sku", "min_qty")
            .values_list("sku", "name", "unit", "price", "currency")[:40]
        )
    except Exception:  # pricing absent or not migrated: the fallback catalog will do
        items = []
    if items:
        seen, unique = set(), []
        for sku, name, unit, price, currency in items:
            if sku not in seen:
                seen.add(sku)
                unique.append((sku, name, unit or "pcs", Decimal(price), currency))
        return unique
    currency = "VND" if buyer.slug == "mekong-build" else "RUB"
    factor = Decimal("310") if currency == "VND" else Decimal("1")
    return [(s, n, u, money(Decimal(p) * factor, currency), currency) for s, n, u, p in CATALOG[_kind_of(supplier)]]


def _people(organization: Organization, permission: Perm):
    memberships = Membership.objects.filter(organization=organization).select_related("user", "organization")
    people = [m.user for m in memberships if m.can(permission)]
    return people or [None]


def _pick_state(rng, age_days: float) -> tuple[str, bool]:
    """(state, passed through a dispute). Old orders are closed; recent ones are anywhere on the road."""
    roll = rng.random()
    if age_days > 35:
        if roll < 0.70:
            return OrderState.COMPLETED, False
        if roll < 0.80:
            return OrderState.COMPLETED, True
        if roll < 0.88:
            return OrderState.REJECTED, False
        if roll < 0.97:
            return OrderState.CANCELLED, False
        return OrderState.DISPUTED, False
    states = [
        (OrderState.PLACED, 0.14),
        (OrderState.CONFIRMED, 0.10),
        (OrderState.IN_PROGRESS, 0.10),
        (OrderState.SHIPPED, 0.11),
        (OrderState.DELIVERED, 0.09),
        (OrderState.DISPUTED, 0.06),
        (OrderState.COMPLETED, 0.28),
        (OrderState.REJECTED, 0.05),
        (OrderState.CANCELLED, 0.07),
    ]
    acc = 0.0
    for state, weight in states:
        acc += weight
        if roll < acc:
            return state, state == OrderState.COMPLETED and rng.random() < 0.1
    return OrderState.COMPLETED, False


def seed(world) -> None:
    rng = world.rng
    now = timezone.now()
    for buyer in world.buyers:
        if Order.objects.filter(buyer=buyer, source_ref__startswith=DEMO_REF).exists():
            continue
        _seed_buyer(world, rng, buyer, now)


def _seed_buyer(world, rng, buyer: Organization, now: dt.datetime) -> None:
    suppliers = world.active_suppliers(buyer)[:SUPPLIERS_PER_BUYER]
    if not suppliers:
        return
    buyer_people = _people(buyer, Perm.PROCURE)
    plans = []  # (supplier, created_at, state, disputed_first, channel, lines)
    for supplier in suppliers:
        products = _products(supplier, buyer)
        for _n in range(rng.randint(10, 18)):
            # A fifth of the orders are from the last month, so that work is in progress today.
            age_days = rng.uniform(0.2, 365) if rng.random() < 0.8 else rng.uniform(0.2, 30)
            created = now - dt.timedelta(days=age_days)
            state, disputed_first = _pick_state(rng, age_days)
            channel = rng.choices(
                [OrderChannel.WEB, OrderChannel.PRICE_LIST, OrderChannel.API, OrderChannel.RFQ], [40, 25, 15, 20]
            )[0]
            chosen = rng.sample(products, k=min(len(products), rng.randint(1, 4)))
            lines = [
                (sku, name, unit, Decimal(rng.choice([1, 2, 5, 10, 20, 50, 100, 250])), price, currency)
                for sku, name, unit, price, currency in chosen
            ]
            plans.append((supplier, created, state, disputed_first, channel, lines))
    plans.sort(key=lambda p: p[1])

    counters = {
        c.year: c.last for c in OrderNumberCounter.objects.filter(buyer=buyer)
    }  # continue after any real orders
    orders, timelines = [], []
    for index, (supplier, created, state, disputed_first, channel, lines) in enumerate(plans):
        year = timezone.localtime(created).year
        counters[year] = counters.get(year, 0) + 1
        road = DISPUTED_THEN_COMPLETED if disputed_first else ROADS[state]
        # The steps at random intervals, squeezed so that the last one happened before now.
        gaps = [dt.timedelta(hours=rng.uniform(*STEP_HOURS[step])) for step in road]
        span = sum(gaps, dt.timedelta())
        room = (now - created) * 0.95
        if span > room and span:
            gaps = [gap * (room / span) for gap in gaps]
        moments, at = [], created
        for step, gap in zip(road, gaps, strict=True):
            at = at + gap
            moments.append((step, at))
        total = sum((money(q * p, c) for _s, _n, _u, q, p, c in lines), Decimal("0"))
        order = Order(
            buyer=buyer,
            supplier=supplier,
            number=f"{CHANNEL_PREFIX[channel]}-{year}-{counters[year]:06d}",
            channel=channel,
            state=state,
            currency=lines[0][5],
            total=total,
            created_by=rng.choice(buyer_people),
            created_at=created,
            updated_at=moments[-1][1] if moments else created,
            placed_at=created,
            source_ref=f"{DEMO_REF}{buyer.slug}:{index}",
        )
        for step, moment in moments:
            setattr(order, STATE_TIMESTAMP[step], moment)
        if OrderState.SHIPPED in road:
            order.shipment_note = rng.choice(["Truck A 123 BC", "ТТН № 4471", "Xe tải 51C-123.45", "DHL 7781"])
        orders.append(order)
        timelines.append((road, moments, lines, disputed_first))
    Order.objects.bulk_create(orders, batch_size=500)
    for year, last in counters.items():
        counter, _created = OrderNumberCounter.objects.get_or_create(buyer=buyer, year=year)
        if counter.last < last:
            counter.last = last
            counter.save(update_fields=["last"])

    supplier_people = {s.pk: _people(s, Perm.WORK) for s in suppliers}
    order_lines, events, complaints, comments = [], [], [], []
    for order, (_road, moments, lines, disputed_first) in zip(orders, timelines, strict=True):
        for position, (sku, name, unit, quantity, price, _currency) in enumerate(lines, start=1):
            order_lines.append(
                OrderLine(
                    order=order,
                    position=position,
                    sku=sku,
                    supplier_sku=sku,
                    name=name,
                    unit=unit,
                    quantity=quantity,
                    price=price,
                    amount=money(quantity * price, order.currency),
                )
            )
        events.append(
            OrderEvent(
                order=order,
                from_state="",
                to_state=OrderState.PLACED,
                actor=order.created_by,
                organization=order.buyer,
                created_at=order.created_at,
                via_api=order.channel == OrderChannel.API,
            )
        )
        previous = OrderState.PLACED
        for step, moment in moments:
            supplier_side = step in SUPPLIER_SIDE
            comment = ""
            if step == OrderState.REJECTED:
                comment = rng.choice(["Out of stock until next month.", "Нет в наличии.", "Không đủ hàng."])
            elif step == OrderState.CANCELLED:
                comment = rng.choice(["Plans changed.", "Заказ больше не нужен.", "Đã mua nơi khác."])
            elif step == OrderState.SHIPPED:
                comment = order.shipment_note
            events.append(
                OrderEvent(
                    order=order,
                    from_state=previous,
                    to_state=step,
                    actor=rng.choice(supplier_people[order.supplier_id] if supplier_side else buyer_people),
                    organization=order.supplier if supplier_side else order.buyer,
                    comment=comment,
                    created_at=moment,
                )
            )
            previous = step
            if step == OrderState.DISPUTED:
                reason, answer = rng.choice(REASONS)
                resolved = disputed_first
                answered = resolved or rng.random() < 0.5
                resolution = rng.choice(ComplaintResolution.values) if resolved else ""
                complaints.append(
                    Complaint(
                        order=order,
                        buyer=order.buyer,
                        supplier=order.supplier,
                        reason=reason,
                        opened_by=rng.choice(buyer_people),
                        created_at=moment,
                        state=ComplaintState.RESOLVED
                        if resolved
                        else (ComplaintState.ANSWERED if answered and answer else ComplaintState.OPEN),
                        answer=answer if answered else "",
                        answered_at=moment + dt.timedelta(hours=6) if answered and answer else None,
                        resolution=resolution,
                        compensation=money(order.total * Decimal("0.05"), order.currency)
                        if resolution == ComplaintResolution.COMPENSATED
                        else None,
                        resolved_at=moments[-1][1] - dt.timedelta(minutes=5) if resolved else None,
                        resolution_comment="Settled." if resolved else "",
                    )
                )
        if moments and rng.random() < 0.35:
            comments.append(
                Comment(
                    order=order,
                    author=rng.choice(buyer_people),
                    organization=order.buyer,
                    body=rng.choice(COMMENTS_BUYER),
                    created_at=order.created_at + dt.timedelta(minutes=20),
                )
            )
            comments.append(
                Comment(
                    order=order,
                    author=rng.choice(supplier_people[order.supplier_id]),
                    organization=order.supplier,
                    body=rng.choice(COMMENTS_SUPPLIER),
                    created_at=moments[0][1],
                )
            )
    OrderLine.objects.bulk_create(order_lines, batch_size=1000)
    OrderEvent.objects.bulk_create(events, batch_size=1000)
    Complaint.objects.bulk_create(complaints, batch_size=500)
    Comment.objects.bulk_create(comments, batch_size=500)
    _seed_rfqs(rng, buyer, suppliers, [o for o in orders if o.channel == OrderChannel.RFQ], buyer_people, now)
    _seed_proposals(rng, buyer, suppliers, now)


def _seed_rfqs(rng, buyer, suppliers, rfq_orders, buyer_people, now) -> None:
    """The request behind each Q- order (with its winning and losing quotes), and a few open ones."""
    lines_by_order = defaultdict(list)
    for line in OrderLine.objects.filter(order__in=rfq_orders).order_by("position"):
        lines_by_order[line.order_id].append(line)
    specs = []  # (rfq, lines, quotes: [(supplier, factor, state)])
    for order in rfq_orders:
        created = order.created_at - dt.timedelta(days=rng.uniform(2, 6))
        rfq = RequestForQuotation(
            buyer=buyer,
            title=f"{lines_by_order[order.pk][0].name[:120]} — {timezone.localtime(created):%d.%m.%Y}",
            currency=order.currency,
            deadline=order.created_at - dt.timedelta(hours=rng.uniform(1, 20)),
            state=RfqState.AWARDED,
            created_by=order.created_by,
            created_at=created,
        )
        others = [s for s in suppliers if s.pk != order.supplier_id]
        rivals = rng.sample(others, k=min(len(others), rng.randint(1, 3)))
        quotes = [(order.supplier, Decimal("1"), QuoteState.ACCEPTED, order)]
        quotes += [(s, Decimal(str(round(rng.uniform(1.03, 1.25), 3))), QuoteState.NOT_CHOSEN, None) for s in rivals]
        specs.append((rfq, lines_by_order[order.pk], quotes))
    for _n in range(3):  # open requests waiting for answers
        created = now - dt.timedelta(hours=rng.uniform(2, 40))
        chosen = rng.sample(suppliers, k=min(len(suppliers), 3))
        products = _products(chosen[0], buyer)[:3]
        rfq = RequestForQuotation(
            buyer=buyer,
            title=f"{products[0][1][:120]} — Q{(timezone.localtime(now).month - 1) // 3 + 1}",
            currency=products[0][4],
            deadline=now + dt.timedelta(days=rng.uniform(1, 6)),
            state=RfqState.OPEN,
            created_by=rng.choice(buyer_people),
            created_at=created,
        )
        fake_lines = [
            OrderLine(
                position=i, sku=sku, name=name, unit=unit, quantity=Decimal(rng.choice([10, 20, 50])), price=price
            )
            for i, (sku, name, unit, price, _c) in enumerate(products, start=1)
        ]
        quotes = [(chosen[0], Decimal(str(round(rng.uniform(0.95, 1.1), 3))), QuoteState.SUBMITTED, None)]
        specs.append((rfq, fake_lines, quotes, chosen))
    RequestForQuotation.objects.bulk_create([spec[0] for spec in specs])
    through = RequestForQuotation.suppliers.through
    links, rfq_lines = [], []
    for spec in specs:
        rfq, lines, quotes = spec[0], spec[1], spec[2]
        recipients = spec[3] if len(spec) > 3 else [q[0] for q in quotes]
        links += [through(requestforquotation_id=rfq.pk, organization_id=s.pk) for s in recipients]
        for line in lines:
            rfq_lines.append(
                RfqLine(
                    rfq=rfq,
                    position=line.position,
                    sku=line.sku,
                    name=line.name,
                    unit=line.unit,
                    quantity=line.quantity,
                )
            )
    through.objects.bulk_create(links)
    RfqLine.objects.bulk_create(rfq_lines)
    by_rfq = defaultdict(list)
    for line in rfq_lines:
        by_rfq[line.rfq_id].append(line)
    quote_rows, price_plan = [], []
    for spec in specs:
        rfq, lines, quotes = spec[0], spec[1], spec[2]
        for supplier, factor, state, _order in quotes:
            prices = [unit_price(line.price * factor) for line in lines]
            total = sum(
                (money(p * line.quantity, rfq.currency) for p, line in zip(prices, lines, strict=True)), Decimal("0")
            )
            quote = Quote(
                rfq=rfq,
                supplier=supplier,
                state=state,
                lead_time_days=rng.randint(2, 14),
                valid_until=(rfq.deadline + dt.timedelta(days=14)).date(),
                currency=rfq.currency,
                total=total,
                created_at=rfq.created_at + dt.timedelta(hours=rng.uniform(1, 20)),
                updated_at=rfq.created_at + dt.timedelta(hours=20),
            )
            quote_rows.append(quote)
            price_plan.append((quote, prices))
    Quote.objects.bulk_create(quote_rows)
    QuoteLine.objects.bulk_create(
        [
            QuoteLine(quote=quote, rfq_line=rfq_line, price=price)
            for quote, prices in price_plan
            for rfq_line, price in zip(by_rfq[quote.rfq_id], prices, strict=True)
        ]
    )
    for spec in specs:
        for _supplier, _factor, state, order in spec[2]:
            if order is not None and state == QuoteState.ACCEPTED:
                quote = next(q for q, _p in price_plan if q.rfq_id == spec[0].pk and q.supplier_id == order.supplier_id)
                Order.objects.filter(pk=order.pk).update(quote=quote, note=spec[0].title)


def _seed_proposals(rng, buyer, suppliers, now) -> None:
    rows = []
    for i, supplier in enumerate(suppliers[:4]):
        sku, name, unit, price, currency = _products(supplier, buyer)[-1]
        rows.append(
            Proposal(
                supplier=supplier,
                buyer=buyer,
                kind="better_price" if i % 2 else "new_product",
                sku=f"{sku}-NEW" if i % 2 == 0 else sku,
                name=name if i % 2 else f"{name} (new)",
                unit=unit,
                price=unit_price(price * Decimal("0.93")),
                currency=currency,
                comment="Volume discount for a 12-month contract." if i % 2 else "New product line.",
                state=ProposalState.OPEN if i < 3 else ProposalState.DECLINED,
                decision_comment="" if i < 3 else "Not needed this year.",
                decided_at=None if i < 3 else now - dt.timedelta(days=3),
                created_at=now - dt.timedelta(days=rng.uniform(1, 20)),
            )
        )
    Proposal.objects.bulk_create(rows)
