"""Writes of the cabinet. Views, the API, the demo and (later) auction awards call these; nothing
else changes requests, quotes, orders, complaints, documents or comments.

Every service that records who did something takes ``actor: Actor`` (``marketplace.actors``): the
person, or the API key, and the organization they act for. Every refusal is a ``ValidationError``
with a message a person understands; a move the rules of ``cabinet.transitions`` do not allow is a
``TransitionNotAllowed`` (the API answers it with 409 and the allowed moves).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from marketplace import events
from marketplace.actors import Actor
from marketplace.models import Organization, OverridePurpose
from marketplace.money import clean_currency, money, unit_price
from marketplace.notifications import notify
from marketplace.selectors import is_active_partner
from marketplace.services import partnership_check_blocked

from . import documents as doc_rules
from .models import (
    CHANNEL_PREFIX,
    MAX_LEAD_TIME_DAYS,
    Comment,
    Complaint,
    ComplaintResolution,
    ComplaintState,
    Document,
    Order,
    OrderChannel,
    OrderEvent,
    OrderExchangeMark,
    OrderLine,
    OrderNumberCounter,
    OrderState,
    Proposal,
    ProposalKind,
    ProposalState,
    Quote,
    QuoteLine,
    QuoteState,
    RequestForQuotation,
    RfqLine,
    RfqState,
)
from .transitions import BUYER, ORDERS, STATE_TIMESTAMP, SUPPLIER, OrderMove, TransitionNotAllowed, allowed_moves

# -- helpers ---------------------------------------------------------------------------------------


def where_line(line: int | None) -> str:
    return _("Line %(n)s: ") % {"n": line} if line else ""


def _decimal(value: Any, *, field: str, line: int | None = None) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(",", ".")) if value is not None else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ValidationError({field: where_line(line) + _("“%(value)s” is not a number.") % {"value": value}})
    return number


def _quantity(value: Any, *, line: int, field: str = "lines") -> Decimal:
    quantity = _decimal(value, field=field, line=line)
    if quantity <= 0:
        raise ValidationError(
            {field: _("Line %(n)s: the quantity must be greater than zero (got %(q)s).") % {"n": line, "q": quantity}}
        )
    if quantity.as_tuple().exponent < -3 or quantity >= Decimal("1e11"):
        raise ValidationError(
            {field: _("Line %(n)s: the quantity %(q)s is out of range.") % {"n": line, "q": quantity}}
        )
    return quantity


def _price(value: Any, *, line: int | None, field: str = "lines") -> Decimal:
    price = _decimal(value, field=field, line=line)
    if price < 0:
        raise ValidationError({field: where_line(line) + _("a price cannot be negative.")})
    if price >= Decimal("1e13"):
        raise ValidationError({field: where_line(line) + _("the amount %(p)s is out of range.") % {"p": price}})
    return unit_price(price)


def _currency(value: Any, *, field: str = "currency") -> str:
    try:
        return clean_currency(value)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def _is(actor: Actor, organization_id: int) -> bool:
    """Whether ``actor`` acts for the organization with this id."""
    return actor.organization is not None and actor.organization.pk == organization_id


def _check_actor(actor: Actor, organization: Organization) -> None:
    """A person or key may act only for its own organization (the site for whichever it is told)."""
    if not actor.acts_for(organization):
        raise ValidationError(_("Only the people and keys of %(org)s may do this for it.") % {"org": organization.name})


def _side(order: Order, actor: Actor) -> str:
    side = order.side_of(actor.organization) if actor.organization is not None else None
    if side is None:
        raise ValidationError(_("This order belongs to other organizations."))
    return side


def _order_url(order: Order) -> str:
    return reverse("cabinet:order_detail", args=[order.pk])


def _rfq_url(rfq: RequestForQuotation) -> str:
    return reverse("cabinet:rfq_detail", args=[rfq.pk])


def _complaint_url(complaint: Complaint) -> str:
    return reverse("cabinet:complaint_detail", args=[complaint.pk])


def _check_partners(buyer: Organization, supplier: Organization) -> None:
    if not buyer.is_buyer:
        raise ValidationError({"buyer": _("“%(org)s” is not a buyer.") % {"org": buyer.slug}})
    if not supplier.is_supplier:
        raise ValidationError({"supplier": _("“%(org)s” is not a supplier.") % {"org": supplier.slug}})
    if not is_active_partner(buyer=buyer, supplier=supplier):
        raise ValidationError({"supplier": _("%(org)s is not an active supplier of yours.") % {"org": supplier.name}})


def _validate_files(files: Iterable) -> list[tuple[Any, doc_rules.Kind]]:
    return [(upload, doc_rules.validate_upload(upload)) for upload in files or ()]


def _store_files(checked, **owner) -> list[Document]:
    return [_document_save(upload=upload, kind=kind, **owner) for upload, kind in checked]


def _document_save(*, upload, kind, actor: Actor, organization, buyer, supplier=None, **target) -> Document:
    document = Document(
        buyer=buyer,
        supplier=supplier,
        organization=organization,
        original_name=(upload.name or "file")[-255:],
        content_type=kind.content_type,
        size=upload.size,
        **actor.as_fields("uploaded_by"),
        **target,
    )
    upload.seek(0)
    document.file.save("upload", upload, save=False)
    document.full_clean()
    document.save()
    return document


def _record(order: Order, *, source: str, target: str, actor: Actor, organization, comment: str = "", when=None):
    """One line of the order's history: who (person or key, and organization), when, from, to, why."""
    return OrderEvent.objects.create(
        order=order,
        from_state=source,
        to_state=target,
        via_api=actor.via_api,
        organization=organization,
        comment=comment,
        created_at=when or timezone.now(),
        **actor.as_fields("actor"),
    )


# -- order numbers ---------------------------------------------------------------------------------


def order_number_next(*, buyer: Organization, channel: str, year: int | None = None) -> str:
    """``W-2026-000123``: channel prefix, the buyer's year, then a sequence per (buyer, year). The
    counter row is locked until the caller's transaction ends, so two orders never share a number."""
    if channel not in CHANNEL_PREFIX:
        raise ValidationError({"channel": _("Unknown channel “%(c)s”.") % {"c": channel}})
    year = year or timezone.localdate().year
    counter = OrderNumberCounter.objects.select_for_update().filter(buyer=buyer, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():
                OrderNumberCounter.objects.create(buyer=buyer, year=year, last=0)
        except IntegrityError:
            pass  # someone else created it first; lock theirs
        counter = OrderNumberCounter.objects.select_for_update().get(buyer=buyer, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{CHANNEL_PREFIX[channel]}-{year}-{counter.last:06d}"


# -- orders ----------------------------------------------------------------------------------------


def _priced_from_list(*, buyer, supplier, sku: str, quantity: Decimal, line: int):
    try:
        from pricing.selectors import price_for_order_line
    except ImportError:
        price_for_order_line = None
    found = (
        price_for_order_line(buyer=buyer, supplier=supplier, sku=sku, quantity=quantity)
        if price_for_order_line
        else None
    )
    if found is None:
        raise ValidationError(
            {
                "lines": _("Line %(n)s: “%(sku)s” is not in %(supplier)s's active price list; give its price.")
                % {"n": line, "sku": sku, "supplier": supplier.name}
            }
        )
    return found


def _order_line(n: int, raw: dict, *, buyer, supplier) -> tuple[OrderLine, str | None]:
    """One line as given, priced from the supplier's price list when it has no price; with the
    price list's currency (None for a line priced by hand)."""
    sku = str(raw.get("sku") or "").strip()
    name = str(raw.get("name") or "").strip()
    if not sku and not name:
        raise ValidationError({"lines": _("Line %(n)s: give a SKU or a product name.") % {"n": n}})
    quantity = _quantity(raw.get("quantity"), line=n)
    given = {k: str(raw.get(k) or "").strip() for k in ("unit", "supplier_sku")}
    product_id, currency = raw.get("product_id"), None
    if raw.get("price") in (None, ""):
        price, currency, info = _priced_from_list(
            buyer=buyer, supplier=supplier, sku=sku or name, quantity=quantity, line=n
        )
        name = name or info.get("name") or sku
        given = {k: v or info.get(k) or "" for k, v in given.items()}
        product_id = product_id or info.get("product_id")
    else:
        price = raw.get("price")
    line = OrderLine(
        position=n,
        sku=sku[:100],
        supplier_sku=given["supplier_sku"][:100],
        name=(name or sku)[:300],
        unit=(given["unit"] or "pcs")[:20],
        quantity=quantity,
        price=_price(price, line=n),
    )
    if product_id:
        line.product_id = product_id
    return line, currency


def _order_lines(lines: Sequence[dict], *, buyer, supplier, currency: str | None) -> tuple[list[OrderLine], str]:
    """The order's lines with their amounts, and its currency: the one given, or the price list's."""
    if not lines:
        raise ValidationError({"lines": _("An order needs at least one line.")})
    prepared, listed = [], set()
    for n, raw in enumerate(lines, start=1):
        line, line_currency = _order_line(n, raw, buyer=buyer, supplier=supplier)
        prepared.append(line)
        if line_currency:
            listed.add(line_currency)
    if len(listed) > 1:
        raise ValidationError({"lines": _("The price list prices these lines in several currencies.")})
    if currency and listed and currency not in listed:
        raise ValidationError(
            {"currency": _("The price list is in %(c)s, not %(o)s.") % {"c": listed.pop(), "o": currency}}
        )
    currency = currency or (_currency(listed.pop()) if listed else "RUB")
    for line in prepared:
        line.amount = money(line.price * line.quantity, currency)
    return prepared, currency


def _source_ref(order: Order, source: Any) -> None:
    if isinstance(source, Quote):
        order.quote = source
        order.source_ref = f"quote:{source.pk}"
    elif isinstance(source, Model):
        order.source_ref = f"{source._meta.model_name}:{source.pk}"
    elif source:
        order.source_ref = str(source)[:100]


@transaction.atomic
def order_create(
    *,
    buyer: Organization,
    supplier: Organization,
    channel: str,
    lines: Sequence[dict],
    actor: Actor,
    source: Any = None,
    currency: str | None = None,
    note: str = "",
    wanted_date: dt.date | None = None,
    files: Iterable = (),
    override_reason: str = "",
) -> Order:
    """Place an order of ``buyer`` with ``supplier``; it starts ``placed`` and the supplier is told.

    ``channel`` is one of ``OrderChannel`` (``"web"`` W-, ``"auction"`` A-, ``"rfq"`` Q-,
    ``"price_list"`` P-, ``"api"`` I-). ``lines`` are dicts with ``sku`` (the buyer's catalog SKU, the
    supplier's SKU or free text), ``quantity`` (> 0) and optionally ``name``, ``unit``, ``price``,
    ``supplier_sku``, ``product_id``. A line without ``price`` is priced from the supplier's active
    price list (``pricing.selectors.price_for_order_line``); an unpriced line is refused.
    ``source`` is the Quote the order comes from, or any other object/string (an auction award passes
    its auction or award: stored as ``"<model>:<pk>"`` in ``source_ref``). ``actor`` is the buyer's
    person or key, or ``Actor.system(buyer)``. ``files`` are attached to the order (each is checked
    first). A supplier blocked by its rating needs ``override_reason``
    (recorded). Raises ValidationError, changing nothing.
    """
    _check_actor(actor, buyer)
    _check_partners(buyer, supplier)
    partnership_check_blocked(
        buyer=buyer, suppliers=[supplier], purpose=OverridePurpose.ORDER, reason=override_reason, user=actor.person
    )
    currency = _currency(currency) if currency not in (None, "") else None
    if channel not in OrderChannel.values:
        raise ValidationError({"channel": _("Unknown channel “%(c)s”.") % {"c": channel}})
    prepared, currency = _order_lines(lines, buyer=buyer, supplier=supplier, currency=currency)
    checked = _validate_files(files)
    now = timezone.now()
    order = Order(
        buyer=buyer,
        supplier=supplier,
        channel=channel,
        state=OrderState.PLACED,
        currency=currency,
        total=sum((line.amount for line in prepared), Decimal("0")),
        note=note or "",
        wanted_date=wanted_date,
        created_by=actor.person,
        created_at=now,
        updated_at=now,
        placed_at=now,
    )
    _source_ref(order, source)
    order.number = order_number_next(buyer=buyer, channel=channel, year=timezone.localdate(now).year)
    order.full_clean()
    order.save()
    for line in prepared:
        line.order = order
        line.full_clean(exclude=["order"])
    OrderLine.objects.bulk_create(prepared)
    _store_files(checked, actor=actor, organization=buyer, buyer=buyer, supplier=supplier, order=order)
    _record(order, source="", target=OrderState.PLACED, actor=actor, organization=buyer, when=now)
    events.publish("order_placed", buyer_id=buyer.pk, supplier_id=supplier.pk, order_id=order.pk)
    notify(
        organization=supplier,
        kind="order_placed",
        params={"number": order.number, "org": buyer.name},
        url=_order_url(order),
    )
    return order


def _apply_move(order: Order, move: OrderMove, *, actor: Actor, comment: str) -> Order:
    """Record a move on a locked order: state, its timestamp, and the history line."""
    when = timezone.now()
    order.state = move.target
    setattr(order, STATE_TIMESTAMP[move.target], when)
    order.updated_at = when
    fields = ["state", STATE_TIMESTAMP[move.target], "updated_at"]
    if move.target == OrderState.SHIPPED:
        order.shipment_note = comment
        fields.append("shipment_note")
    order.full_clean()
    order.save(update_fields=fields)
    organization = actor.organization
    _record(
        order,
        source=move.source,
        target=move.target,
        actor=actor,
        organization=organization,
        comment=comment,
        when=when,
    )
    events.publish(
        "order_moved", buyer_id=order.buyer_id, supplier_id=order.supplier_id, state=move.target, order_id=order.pk
    )
    if move.target != OrderState.DISPUTED:  # the complaint itself tells the supplier
        notify(
            organization=order.partner_of(organization),
            kind="order_moved",
            params={"number": order.number, "state": move.target, "org": organization.name},
            url=_order_url(order),
        )
    return order


@transaction.atomic
def order_transition(*, order: Order, to: str, actor: Actor, comment: str = "") -> Order:
    """Move ``order`` to ``to`` on behalf of ``actor``'s organization (one of its two sides), as
    the transitions table allows that side and the actor's role. The order row is locked, so of two
    racing moves only one succeeds. Moving a delivered order to ``disputed`` opens a complaint whose
    reason is ``comment``."""
    locked = Order.objects.select_for_update().select_related("buyer", "supplier").get(pk=order.pk)
    comment = (comment or "").strip()
    move = ORDERS.check(locked, to=to, side=_side(locked, actor), actor=actor, comment=comment)
    if move.opens_complaint:
        complaint_open(order=locked, reason=comment, actor=actor)
        locked.refresh_from_db()
        return locked
    return _apply_move(locked, move, actor=actor, comment=comment)


# -- comments and documents ------------------------------------------------------------------------


def _rfq_conversation(rfq: RequestForQuotation, actor: Actor, supplier: Organization | None):
    """(whose conversation, who hears of it) for a comment on a request: a supplier writes in its
    own; the buyer chooses one."""
    organization = actor.organization
    if organization.pk == rfq.buyer_id:
        if supplier is None or not rfq.suppliers.filter(pk=supplier.pk).exists():
            raise ValidationError(_("Choose which supplier's conversation to write in."))
        _check_rfq_partners(rfq, supplier, as_buyer=True)
        return supplier, supplier
    if rfq.suppliers.filter(pk=organization.pk).exists():
        _check_rfq_partners(rfq, organization)
        return organization, rfq.buyer
    raise ValidationError(_("This request belongs to other organizations."))


@transaction.atomic
def comment_add(
    *,
    body: str,
    actor: Actor,
    order: Order | None = None,
    rfq: RequestForQuotation | None = None,
    supplier: Organization | None = None,
) -> Comment:
    """A message of ``actor``'s organization on an order, or on one supplier's conversation about a
    request (``supplier`` names the conversation; a supplier always writes in its own)."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write something first.")})
    if (order is None) == (rfq is None):
        raise ValidationError(_("A comment belongs to one order or one request."))
    if actor.organization is None:
        raise ValidationError(_("Only an organization's people and keys write comments."))
    if order is not None:
        _side(order, actor)
        supplier, other = None, order.partner_of(actor.organization)
        subject, url = _("order %(number)s") % {"number": order.number}, _order_url(order)
    else:
        supplier, other = _rfq_conversation(rfq, actor, supplier)
        subject, url = _("request “%(title)s”") % {"title": rfq.title}, _rfq_url(rfq)
    thread = {"order": order, "rfq": rfq, "supplier": supplier}
    comment = Comment(body=body[:10000], organization=actor.organization, **thread, **actor.as_fields("author"))
    comment.full_clean()
    comment.save()
    notify(organization=other, kind="comment", params={"org": actor.organization.name, "subject": subject}, url=url)
    return comment


@transaction.atomic
def documents_attach(*, uploads: Sequence, actor: Actor, **target) -> list[Document]:
    """Several files at once: all are checked before any is stored."""
    _validate_files(uploads)
    return [document_attach(upload=u, actor=actor, **target) for u in uploads]


def _document_owner(actor: Actor, *, order=None, rfq=None, quote=None, complaint=None) -> dict:
    """The two sides a document is shared between, and what it is attached to."""
    if order is not None:
        _side(order, actor)
        return {"buyer": order.buyer, "supplier": order.supplier, "order": order}
    if complaint is not None:
        _side(complaint.order, actor)
        return {"buyer": complaint.buyer, "supplier": complaint.supplier, "complaint": complaint}
    if quote is not None:
        if not _is(actor, quote.supplier_id):
            raise ValidationError(_("Only the supplier that quoted may attach files to its quote."))
        return {"buyer": quote.rfq.buyer, "supplier": quote.supplier, "quote": quote}
    if not _is(actor, rfq.buyer_id):
        raise ValidationError(_("Only the buyer may attach files to its request."))
    return {"buyer": rfq.buyer, "rfq": rfq}


@transaction.atomic
def document_attach(
    *,
    upload,
    actor: Actor,
    order: Order | None = None,
    rfq: RequestForQuotation | None = None,
    quote: Quote | None = None,
    complaint: Complaint | None = None,
) -> Document:
    """Store a file of ``actor``'s organization attached to exactly one thing, after checking what
    it really is."""
    targets = [t for t in (order, rfq, quote, complaint) if t is not None]
    if len(targets) != 1:
        raise ValidationError(_("A document belongs to exactly one request, quote, order or complaint."))
    (kind,) = [k for _u, k in _validate_files([upload])]
    owner = _document_owner(actor, order=order, rfq=rfq, quote=quote, complaint=complaint)
    return _document_save(upload=upload, kind=kind, actor=actor, organization=actor.organization, **owner)


@transaction.atomic
def document_attach_generated(
    *, order: Order, name: str, content: bytes, content_type: str, buyer_only: bool = False
) -> Document:
    """A file the site itself wrote (an auction's log) attached to ``order``. No person uploaded it,
    so it is not sniffed against the upload rules; it is served as an attachment like any other.
    ``buyer_only``: the supplier of the order may not read it (it names other suppliers)."""
    from django.core.files.base import ContentFile

    kind = doc_rules.Kind(content_type, frozenset(), "generated")
    upload = ContentFile(content, name=name)
    supplier = None if buyer_only else order.supplier
    return _document_save(
        upload=upload,
        kind=kind,
        organization=order.buyer,
        actor=Actor.system(order.buyer),
        buyer=order.buyer,
        supplier=supplier,
        order=order,
    )


# -- requests for quotation and quotes ------------------------------------------------------------


def _rfq_lines(lines: Sequence[dict]) -> list[RfqLine]:
    if not lines:
        raise ValidationError({"lines": _("A request needs at least one line.")})
    prepared = []
    for n, raw in enumerate(lines, start=1):
        name = str(raw.get("name") or "").strip()
        sku = str(raw.get("sku") or "").strip()
        if not name and not sku:
            raise ValidationError({"lines": _("Line %(n)s: give a product name or a SKU.") % {"n": n}})
        line = RfqLine(
            position=n,
            sku=sku[:100],
            name=(name or sku)[:300],
            unit=(str(raw.get("unit") or "").strip() or "pcs")[:20],
            quantity=_quantity(raw.get("quantity"), line=n),
            wanted_date=raw.get("wanted_date") or None,
        )
        if raw.get("product_id"):
            line.product_id = raw["product_id"]
        prepared.append(line)
    return prepared


@transaction.atomic
def rfq_create(
    *,
    buyer: Organization,
    actor: Actor,
    title: str,
    deadline: dt.datetime,
    suppliers: Iterable[Organization],
    lines: Sequence[dict],
    description: str = "",
    currency: str = "RUB",
    files: Iterable = (),
    override_reason: str = "",
) -> RequestForQuotation:
    """Send a request for quotation to chosen active suppliers. ``lines``: dicts with ``name``,
    ``quantity`` and optionally ``sku``, ``unit``, ``wanted_date``, ``product_id``. A supplier
    blocked by its rating needs ``override_reason`` (recorded)."""
    _check_actor(actor, buyer)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the request a title.")})
    if deadline is None or deadline <= timezone.now():
        raise ValidationError({"deadline": _("The deadline must be in the future.")})
    suppliers = list(suppliers)
    if not suppliers:
        raise ValidationError({"suppliers": _("Choose at least one supplier.")})
    for supplier in suppliers:
        _check_partners(buyer, supplier)
    prepared = _rfq_lines(lines)
    partnership_check_blocked(
        buyer=buyer, suppliers=suppliers, purpose=OverridePurpose.RFQ, reason=override_reason, user=actor.person
    )
    checked = _validate_files(files)
    rfq = RequestForQuotation(
        buyer=buyer,
        title=title[:200],
        description=description or "",
        currency=_currency(currency or "RUB"),
        deadline=deadline,
        created_by=actor.person,
    )
    rfq.full_clean()
    rfq.save()
    rfq.suppliers.set(suppliers)
    for line in prepared:
        line.rfq = rfq
        line.full_clean(exclude=["rfq"])
    RfqLine.objects.bulk_create(prepared)
    _store_files(checked, actor=actor, organization=buyer, buyer=buyer, rfq=rfq)
    events.publish("rfq_received", buyer_id=buyer.pk, rfq_id=rfq.pk, supplier_ids=[s.pk for s in suppliers])
    for supplier in suppliers:
        notify(
            organization=supplier,
            kind="rfq_received",
            params={"title": rfq.title, "org": buyer.name},
            url=_rfq_url(rfq),
        )
    return rfq


def _check_rfq_partners(rfq: RequestForQuotation, supplier: Organization, *, as_buyer: bool = False) -> None:
    """Answering a request and talking about it need an active partnership between the two."""
    if is_active_partner(buyer=rfq.buyer, supplier=supplier):
        return
    if as_buyer:
        message = _("%(org)s is no longer an active supplier of yours; its conversation is closed.")
        raise ValidationError(message % {"org": supplier.name})
    message = _("Your partnership with %(org)s is not active; you cannot answer or discuss its requests.")
    raise ValidationError(message % {"org": rfq.buyer.name})


def _lock_rfq_for_answer(rfq: RequestForQuotation, supplier: Organization, actor: Actor) -> RequestForQuotation:
    _check_actor(actor, supplier)
    locked = RequestForQuotation.objects.select_for_update().select_related("buyer").get(pk=rfq.pk)
    if not locked.suppliers.filter(pk=supplier.pk).exists():
        raise ValidationError(_("This request was not sent to you."))
    _check_rfq_partners(locked, supplier)
    if locked.state != RfqState.OPEN:
        raise ValidationError(
            _("The request “%(title)s” is %(state)s; it takes no more answers.")
            % {"title": locked.title, "state": locked.get_state_display().lower()}
        )
    if locked.deadline <= timezone.now():
        raise ValidationError(
            _("The deadline of “%(title)s” passed on %(when)s; it takes no more answers.")
            % {"title": locked.title, "when": date_format(timezone.localtime(locked.deadline), "SHORT_DATETIME_FORMAT")}
        )
    existing = Quote.objects.filter(rfq=locked, supplier=supplier).first()
    if existing is not None and existing.state in (QuoteState.ACCEPTED, QuoteState.NOT_CHOSEN):
        raise ValidationError(_("The buyer has already decided on this request."))
    return locked


def _quote_terms(rfq_lines, prices: dict, *, lead_time_days, valid_until) -> dict[int, Decimal]:
    """Each line's price (every line needs one), after checking the quote's terms."""
    missing = [line.position for line in rfq_lines if prices.get(line.pk) in (None, "")]
    if missing:
        raise ValidationError(
            {"prices": _("Give a price for every line (missing: %(lines)s).") % {"lines": ", ".join(map(str, missing))}}
        )
    priced = {line.pk: _price(prices[line.pk], line=line.position, field="prices") for line in rfq_lines}
    if lead_time_days is not None and not 0 <= int(lead_time_days) <= MAX_LEAD_TIME_DAYS:
        raise ValidationError(
            {"lead_time_days": _("The lead time must be 0 to %(max)s days.") % {"max": MAX_LEAD_TIME_DAYS}}
        )
    if valid_until is not None and valid_until < timezone.localdate():
        raise ValidationError({"valid_until": _("The quote cannot be valid only in the past.")})
    return priced


def _answer(rfq: RequestForQuotation, supplier: Organization, actor: Actor, **fields) -> Quote:
    """The supplier's one answer to a request, created or replaced with ``fields``."""
    quote, _created = Quote.objects.get_or_create(
        rfq=rfq, supplier=supplier, defaults={"currency": rfq.currency, "created_by": actor.person}
    )
    for name, value in fields.items():
        setattr(quote, name, value)
    quote.updated_at = timezone.now()
    quote.full_clean()
    quote.save()
    RequestForQuotation.objects.filter(pk=rfq.pk).update(updated_at=quote.updated_at)
    quote.lines.all().delete()
    return quote


@transaction.atomic
def quote_submit(
    *,
    rfq: RequestForQuotation,
    supplier: Organization,
    actor: Actor,
    prices: dict[int, Any],
    lead_time_days: int | None = None,
    valid_until: dt.date | None = None,
    comment: str = "",
    files: Iterable = (),
) -> Quote:
    """A supplier's prices for every line of a request (``prices``: RfqLine id → price), until the
    deadline. Answering again replaces the earlier answer."""
    rfq = _lock_rfq_for_answer(rfq, supplier, actor)
    rfq_lines = list(rfq.lines.all())
    priced = _quote_terms(rfq_lines, prices, lead_time_days=lead_time_days, valid_until=valid_until)
    checked = _validate_files(files)
    quote = _answer(
        rfq,
        supplier,
        actor,
        state=QuoteState.SUBMITTED,
        lead_time_days=lead_time_days,
        valid_until=valid_until,
        comment=comment or "",
        decline_reason="",
        currency=rfq.currency,
        total=sum((money(priced[line.pk] * line.quantity, rfq.currency) for line in rfq_lines), Decimal("0")),
    )
    QuoteLine.objects.bulk_create([QuoteLine(quote=quote, rfq_line=line, price=priced[line.pk]) for line in rfq_lines])
    _store_files(checked, actor=actor, organization=supplier, buyer=rfq.buyer, supplier=supplier, quote=quote)
    events.publish("quote_received", buyer_id=rfq.buyer_id, quote_id=quote.pk)
    notify(
        organization=rfq.buyer,
        kind="quote_received",
        params={"title": rfq.title, "org": supplier.name},
        url=_rfq_url(rfq),
    )
    return quote


@transaction.atomic
def quote_decline(*, rfq: RequestForQuotation, supplier: Organization, actor: Actor, reason: str) -> Quote:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you decline.")})
    rfq = _lock_rfq_for_answer(rfq, supplier, actor)
    quote = _answer(rfq, supplier, actor, state=QuoteState.DECLINED, decline_reason=reason, total=Decimal("0"))
    notify(
        organization=rfq.buyer,
        kind="quote_declined",
        params={"title": rfq.title, "org": supplier.name},
        url=_rfq_url(rfq),
    )
    return quote


@transaction.atomic
def quote_accept(*, quote: Quote, actor: Actor, override_reason: str = "") -> Order:
    """The buyer chooses a quote: it becomes a Q- order; the other answers are marked not chosen.
    A supplier blocked by its rating (it may have become so since it was asked) needs
    ``override_reason``, recorded."""
    rfq = RequestForQuotation.objects.select_for_update().get(pk=quote.rfq_id)
    quote = Quote.objects.select_related("supplier").get(pk=quote.pk)
    if not _is(actor, rfq.buyer_id):
        raise ValidationError(_("Only the buyer that sent the request may choose a quote."))
    if rfq.state != RfqState.OPEN:
        raise ValidationError(
            _("The request “%(title)s” is already %(state)s.")
            % {"title": rfq.title, "state": rfq.get_state_display().lower()}
        )
    if quote.state != QuoteState.SUBMITTED:
        raise ValidationError(_("Only a submitted quote can be turned into an order."))
    if quote.is_expired:
        raise ValidationError(
            _("This quote expired on %(date)s.") % {"date": date_format(quote.valid_until, "SHORT_DATE_FORMAT")}
        )
    lines = [
        {
            "sku": ql.rfq_line.sku,
            "name": ql.rfq_line.name,
            "unit": ql.rfq_line.unit,
            "quantity": ql.rfq_line.quantity,
            "price": ql.price,
            "product_id": ql.rfq_line.product_id,
        }
        for ql in quote.lines.select_related("rfq_line")
    ]
    wanted = [ql["wanted_date"] for ql in rfq.lines.values("wanted_date") if ql["wanted_date"]]
    order = order_create(
        buyer=rfq.buyer,
        supplier=quote.supplier,
        channel=OrderChannel.RFQ,
        lines=lines,
        actor=actor,
        source=quote,
        currency=quote.currency,
        note=rfq.title,
        wanted_date=min(wanted) if wanted else None,
        override_reason=override_reason,
    )
    quote.state = QuoteState.ACCEPTED
    quote.save(update_fields=["state"])
    rfq.quotes.filter(state=QuoteState.SUBMITTED).exclude(pk=quote.pk).update(state=QuoteState.NOT_CHOSEN)
    rfq.state = RfqState.AWARDED
    rfq.updated_at = timezone.now()
    rfq.save(update_fields=["state", "updated_at"])
    return order


@transaction.atomic
def rfq_cancel(*, rfq: RequestForQuotation, actor: Actor) -> RequestForQuotation:
    rfq = RequestForQuotation.objects.select_for_update().get(pk=rfq.pk)
    if not _is(actor, rfq.buyer_id):
        raise ValidationError(_("Only the buyer may cancel its request."))
    if rfq.state != RfqState.OPEN:
        raise ValidationError(_("The request is already %(state)s.") % {"state": rfq.get_state_display().lower()})
    rfq.state = RfqState.CANCELLED
    rfq.updated_at = timezone.now()
    rfq.save(update_fields=["state", "updated_at"])
    return rfq


# -- proposals -------------------------------------------------------------------------------------


@transaction.atomic
def proposal_create(
    *,
    supplier: Organization,
    buyer: Organization,
    actor: Actor,
    sku: str,
    name: str,
    price: Any,
    unit: str = "pcs",
    currency: str = "RUB",
    kind: str = ProposalKind.NEW_PRODUCT,
    comment: str = "",
) -> Proposal:
    _check_actor(actor, supplier)
    _check_partners(buyer, supplier)
    if not (sku or "").strip() or not (name or "").strip():
        raise ValidationError({"name": _("Give the product's SKU and name.")})
    proposal = Proposal(
        supplier=supplier,
        buyer=buyer,
        kind=kind,
        sku=sku.strip()[:100],
        name=name.strip()[:300],
        unit=(unit or "pcs").strip()[:20],
        price=_price(price, line=None, field="price"),
        currency=_currency(currency or "RUB"),
        comment=comment or "",
        created_by=actor.person,
    )
    proposal.full_clean()
    proposal.save()
    notify(
        organization=buyer,
        kind="proposal_received",
        params={"org": supplier.name, "name": proposal.name},
        url=reverse("cabinet:proposal_list"),
    )
    return proposal


def _catalog_add(proposal: Proposal):
    """The proposed product in the buyer's catalog: the one with that SKU, or a new one."""
    from pricing.models import Product
    from pricing.services import product_create

    existing = Product.objects.filter(buyer=proposal.buyer, sku=proposal.sku).first()
    return existing or product_create(buyer=proposal.buyer, sku=proposal.sku, name=proposal.name, unit=proposal.unit)


@transaction.atomic
def proposal_decide(*, proposal: Proposal, accept: bool, actor: Actor, comment: str = "") -> Proposal:
    proposal = Proposal.objects.select_for_update().select_related("supplier", "buyer").get(pk=proposal.pk)
    if not _is(actor, proposal.buyer_id):
        raise ValidationError(_("Only the buyer it was sent to may decide on a proposal."))
    if proposal.state != ProposalState.OPEN:
        raise ValidationError(
            _("This proposal is already %(state)s.") % {"state": proposal.get_state_display().lower()}
        )
    if not accept and not (comment or "").strip():
        raise ValidationError({"comment": _("Say why you decline.")})
    if accept:
        _check_partners(proposal.buyer, proposal.supplier)
    proposal.state = ProposalState.ACCEPTED if accept else ProposalState.DECLINED
    proposal.decision_comment = comment or ""
    proposal.decided_by = actor.person
    proposal.decided_at = timezone.now()
    if accept:
        proposal.catalog_product = _catalog_add(proposal)
    proposal.full_clean()
    proposal.save()
    notify(
        organization=proposal.supplier,
        kind="proposal_decided",
        params={"org": proposal.buyer.name, "name": proposal.name, "state": proposal.state},
        url=reverse("cabinet:proposal_list"),
    )
    return proposal


# -- complaints ------------------------------------------------------------------------------------


def _check_complaint_allowed(order: Order, actor: Actor, reason: str) -> OrderMove | None:
    """The move a new complaint makes (delivered → disputed), None on an order already disputed (it
    takes more complaints), or the refusal the transitions table gives."""
    if _side(order, actor) != BUYER:
        raise TransitionNotAllowed(
            _("Only the buyer may open a complaint on order %(number)s.") % {"number": order.number},
            allowed=[m.target for m in allowed_moves(order=order, side=SUPPLIER, actor=actor)],
        )
    if order.state not in (OrderState.DELIVERED, OrderState.DISPUTED):
        raise ORDERS.refusal(order, to=OrderState.DISPUTED, side=BUYER, actor=actor)
    if not reason:
        raise ValidationError({"reason": _("Say what is wrong.")})
    if order.state == OrderState.DISPUTED:
        return None
    return ORDERS.check(order, to=OrderState.DISPUTED, side=BUYER, actor=actor, comment=reason)


@transaction.atomic
def complaint_open(
    *,
    order: Order,
    reason: str,
    actor: Actor,
    lines: Iterable[OrderLine] = (),
    files: Iterable = (),
) -> Complaint:
    """The buyer complains about a delivered order: the order becomes ``disputed`` (recorded in its
    history) and stays so until every complaint is resolved. A disputed order takes more complaints."""
    order = Order.objects.select_for_update().select_related("buyer", "supplier").get(pk=order.pk)
    reason = (reason or "").strip()
    move = _check_complaint_allowed(order, actor, reason)
    lines = list(lines)
    if any(line.order_id != order.pk for line in lines):
        raise ValidationError({"lines": _("Choose lines of this order.")})
    checked = _validate_files(files)
    complaint = Complaint(
        order=order,
        buyer=order.buyer,
        supplier=order.supplier,
        reason=reason,
        **actor.as_fields("opened_by", key="opened_by_key"),
    )
    complaint.full_clean()
    complaint.save()
    if lines:
        complaint.lines.set(lines)
    _store_files(
        checked,
        actor=actor,
        organization=order.buyer,
        buyer=order.buyer,
        supplier=order.supplier,
        complaint=complaint,
    )
    if move is not None:
        _apply_move(order, move, actor=actor, comment=reason)
    events.publish(
        "complaint_opened", buyer_id=order.buyer_id, supplier_id=order.supplier_id, complaint_id=complaint.pk
    )
    notify(
        organization=order.supplier,
        kind="complaint_opened",
        params={"number": order.number, "org": order.buyer.name},
        url=_complaint_url(complaint),
    )
    return complaint


@transaction.atomic
def complaint_answer(*, complaint: Complaint, answer: str, actor: Actor) -> Complaint:
    complaint = Complaint.objects.select_for_update().select_related("order", "buyer", "supplier").get(pk=complaint.pk)
    if not _is(actor, complaint.supplier_id):
        raise ValidationError(_("Only the supplier answers a complaint."))
    if complaint.state == ComplaintState.RESOLVED:
        raise ValidationError(_("This complaint is already resolved."))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write your answer.")})
    complaint.answer = answer
    complaint.state = ComplaintState.ANSWERED
    complaint.answered_at = timezone.now()
    complaint.answered_by = actor.person
    complaint.full_clean()
    complaint.save()
    notify(
        organization=complaint.buyer,
        kind="complaint_answered",
        params={"number": complaint.order.number, "org": complaint.supplier.name},
        url=_complaint_url(complaint),
    )
    return complaint


@transaction.atomic
def complaint_resolve(
    *,
    complaint: Complaint,
    resolution: str,
    actor: Actor,
    comment: str = "",
    compensation: Any = None,
) -> Complaint:
    """The buyer closes a complaint: accepted, rejected or compensated (with an optional amount, in
    the order's currency)."""
    complaint = Complaint.objects.select_for_update().select_related("order", "supplier").get(pk=complaint.pk)
    if not _is(actor, complaint.buyer_id):
        raise ValidationError(_("Only the buyer resolves its complaint."))
    if complaint.state == ComplaintState.RESOLVED:
        raise ValidationError(_("This complaint is already resolved."))
    if resolution not in ComplaintResolution.values:
        raise ValidationError({"resolution": _("Choose accepted, rejected or compensated.")})
    amount = None
    if compensation not in (None, ""):
        if resolution != ComplaintResolution.COMPENSATED:
            raise ValidationError({"compensation": _("A compensation amount goes only with “compensated”.")})
        amount = money(_price(compensation, line=None, field="compensation"), complaint.order.currency)
    complaint.state = ComplaintState.RESOLVED
    complaint.resolution = resolution
    complaint.resolution_comment = comment or ""
    complaint.compensation = amount
    complaint.resolved_at = timezone.now()
    complaint.resolved_by = actor.person
    complaint.full_clean()
    complaint.save()
    events.publish(
        "complaint_resolved",
        buyer_id=complaint.buyer_id,
        supplier_id=complaint.supplier_id,
        complaint_id=complaint.pk,
    )
    notify(
        organization=complaint.supplier,
        kind="complaint_resolved",
        params={"number": complaint.order.number, "resolution": resolution},
        url=_complaint_url(complaint),
    )
    return complaint


# -- the 1C exchange's mark (``cabinet.exchange_1c``) ------------------------------------------------


def order_exchange_mark(supplier: Organization) -> OrderExchangeMark:
    found, _created = OrderExchangeMark.objects.get_or_create(supplier=supplier)
    return found


def order_exchange_queried(*, supplier: Organization, at: dt.datetime) -> OrderExchangeMark:
    """1C asked for orders at ``at``: what ``order_exchange_acknowledged`` makes the mark."""
    found = order_exchange_mark(supplier)
    found.queried_at = at
    found.save(update_fields=["queried_at"])
    return found


def order_exchange_acknowledged(*, supplier: Organization) -> OrderExchangeMark:
    """1C said ``success`` after a query: orders changed before that query are not sent again."""
    found = order_exchange_mark(supplier)
    if found.queried_at is not None:
        found.mark, found.queried_at = found.queried_at, None
        found.save(update_fields=["mark", "queried_at"])
    return found
