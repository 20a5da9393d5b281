"""Orders as CommerceML 2 documents, both ways (``cabinet.exchange_1c`` drives them): the supplier's
orders as the documents 1C's ``mode=query`` takes, and 1C's documents back (``mode=file``) with the
state moves they carry, applied through the order rules (``cabinet.transitions`` via
``services.order_transition``) as the supplier's API key; a move the rules refuse is logged with the
reason and the rest go on.

What a document from 1C says, read as the common 1C/Bitrix modules read it:
- «Проведен» true (the order is posted in 1C), or «Статус заказа» naming confirmed: confirmed;
- «Номер отгрузки по 1С» (a shipment document exists), or a «Отпуск товара» / «Реализация
  товаров» document whose «Основание» is the order: shipped, the shipment's number as the note;
- «Отменен» or «ПометкаУдаления» true: rejected (the supplier's only way to refuse an order).
A move that needs steps in between (placed → shipped) makes each of them; an order already at
or past the state is left as it is.
"""

from __future__ import annotations

import datetime as dt
import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.actors import Actor
from marketplace.models import ApiKey, Organization
from pricing.importers import commerceml

from .models import Order, OrderEvent, OrderState
from .services import order_transition
from .transitions import FINAL_STATES

log = logging.getLogger(__name__)

SCHEMA_VERSION = "2.08"
STATE = "Статус заказа"
STATE_CODE = "Статус заказа ИД"  # our state's code, which 1C may send back as it is
SHIPMENT_NUMBER = "Номер отгрузки по 1С"
ORDER_OPERATIONS = {"заказ товара", ""}
SHIPMENT_OPERATIONS = {"отпуск товара", "реализация товаров", "реализация товаров и услуг"}
YES = {"true", "истина", "да", "1"}
# The supplier's road: each state is reached from the one before it.
ROAD = [OrderState.PLACED, OrderState.CONFIRMED, OrderState.IN_PROGRESS, OrderState.SHIPPED]
PAST_SHIPPED = {OrderState.DELIVERED, OrderState.COMPLETED, OrderState.DISPUTED}


# -- mode=query ------------------------------------------------------------------------------------


def orders_for_1c(*, supplier: Organization, mark: dt.datetime | None, api_key: ApiKey) -> QuerySet[Order]:
    """Orders placed with ``supplier`` that changed at or after ``mark``; without a mark (the first
    exchange), every order still under way. An order whose last change 1C made itself (through
    ``api_key``) is not sent back to it."""
    echo = OrderEvent.objects.filter(order=OuterRef("pk"), api_key=api_key, created_at=OuterRef("updated_at"))
    orders = (
        Order.objects.filter(supplier=supplier)
        .exclude(Exists(echo))
        .select_related("buyer")
        .prefetch_related("lines")
        .order_by("updated_at", "id")
    )
    if mark is None:
        return orders.exclude(state__in=FINAL_STATES)
    return orders.filter(updated_at__gte=mark)


def orders_document(orders) -> bytes:
    """A CommerceML 2 document of ``orders`` (one «Документ» each), as 1C reads it: UTF-8."""
    now = timezone.localtime()
    root = ET.Element("КоммерческаяИнформация", ВерсияСхемы=SCHEMA_VERSION, ДатаФормирования=_stamp(now))
    with translation.override("ru"):  # the state is written as a 1C operator reads it
        for order in orders:
            _document(ET.SubElement(root, "Документ"), order)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def _document(node: ET.Element, order: Order) -> None:
    created = timezone.localtime(order.created_at)
    _add(node, "Ид", order.pk)
    _add(node, "Номер", order.number)
    _add(node, "Дата", created.date().isoformat())
    _add(node, "Время", created.strftime("%H:%M:%S"))
    _add(node, "ХозОперация", "Заказ товара")
    _add(node, "Роль", "Продавец")
    _add(node, "Валюта", order.currency)
    _add(node, "Курс", 1)
    _add(node, "Сумма", _number(order.total))
    buyer = ET.SubElement(ET.SubElement(node, "Контрагенты"), "Контрагент")
    _add(buyer, "Ид", order.buyer.slug)
    _add(buyer, "Наименование", order.buyer.name)
    _add(buyer, "Роль", "Покупатель")
    _add(buyer, "ПолноеНаименование", order.buyer.name)
    if order.note:
        _add(node, "Комментарий", order.note)
    goods = ET.SubElement(node, "Товары")
    for line in order.lines.all():
        item = ET.SubElement(goods, "Товар")
        article = line.supplier_sku or line.sku
        _add(item, "Ид", article)
        _add(item, "Артикул", article)
        _add(item, "Наименование", line.name)
        _add(item, "БазоваяЕдиница", line.unit).set("НаименованиеПолное", line.unit)
        _add(item, "ЦенаЗаЕдиницу", _number(line.price))
        _add(item, "Количество", _number(line.quantity, places=0))
        _add(item, "Сумма", _number(line.amount))
        _requisites(item, (("ВидНоменклатуры", "Товар"), ("ТипНоменклатуры", "Товар")))
    changed = timezone.localtime(order.updated_at)
    cancelled = order.state in (OrderState.CANCELLED, OrderState.REJECTED)
    _requisites(
        node,
        (
            (STATE, order.get_state_display()),
            (STATE_CODE, order.state),
            ("Дата изменения статуса", changed.strftime("%Y-%m-%d %H:%M:%S")),
            ("Отменен", "true" if cancelled else "false"),
        ),
    )


def _requisites(parent: ET.Element, pairs) -> None:
    values = ET.SubElement(parent, "ЗначенияРеквизитов")
    for name, value in pairs:
        pair = ET.SubElement(values, "ЗначениеРеквизита")
        _add(pair, "Наименование", name)
        _add(pair, "Значение", value)


def _add(parent: ET.Element, tag: str, text) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = str(text)
    return child


def _number(value: Decimal, *, places: int = 2) -> str:
    """Plain digits with a point, at least ``places`` decimals (money as 1C shows it), no exponent."""
    value = Decimal(value).normalize()
    if value.as_tuple().exponent > -places:
        value = value.quantize(Decimal(1).scaleb(-places))
    return format(value, "f")


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


# -- mode=file -------------------------------------------------------------------------------------


@dataclass
class Applied:
    orders: int = 0
    applied: int = 0
    refused: int = 0
    lines: list[str] = field(default_factory=list)


def documents_apply(*, actor: Actor, data: bytes) -> Applied:
    """Apply the state moves of 1C's documents to the actor's (a supplier's) orders. A
    ``CommerceMLError`` for a file that is not a CommerceML document; each refused move is
    counted, logged and said in ``lines``."""
    root = commerceml.parse(data, _("the orders file"))
    result = Applied()
    for node in commerceml.walk(root, "Документ"):
        wanted = _wanted(node)
        if wanted is None:
            continue
        order = _order(actor.organization, wanted.reference)
        result.orders += 1
        if order is None:
            _refuse(result, wanted.reference, _("no such order of yours"))
            continue
        try:
            result.applied += _move(order, wanted, actor)
        except ValidationError as error:
            _refuse(result, order.number, " ".join(error.messages))
    return result


@dataclass
class _Wanted:
    reference: tuple[str, str]  # (Ид, Номер) of our order
    state: str
    note: str = ""


def _wanted(node) -> _Wanted | None:
    values = {
        commerceml.text(pair, "Наименование"): commerceml.text(pair, "Значение")
        for pair in commerceml.walk(node, "ЗначениеРеквизита")
    }
    operation = commerceml.text(node, "ХозОперация").lower()
    if operation in SHIPMENT_OPERATIONS:
        basis = commerceml.text(node, "Основание")
        return _Wanted((basis, basis), OrderState.SHIPPED, commerceml.text(node, "Номер")) if basis else None
    if operation not in ORDER_OPERATIONS:
        return None  # a payment or another document about no order's state
    reference = (commerceml.text(node, "Ид"), commerceml.text(node, "Номер"))
    if values.get("Отменен", "").lower() in YES or values.get("ПометкаУдаления", "").lower() in YES:
        return _Wanted(reference, OrderState.REJECTED, _("Cancelled in 1C."))
    if commerceml.text(node, "ПометкаУдаления").lower() in YES:
        return _Wanted(reference, OrderState.REJECTED, _("Cancelled in 1C."))
    if values.get(SHIPMENT_NUMBER):
        return _Wanted(reference, OrderState.SHIPPED, values[SHIPMENT_NUMBER])
    named = _state_named(values.get(STATE_CODE, "")) or _state_named(values.get(STATE, ""))
    if named is not None:
        return _Wanted(reference, named)
    if values.get("Проведен", "").lower() in YES:
        return _Wanted(reference, OrderState.CONFIRMED)
    return None


def _state_named(text: str) -> str | None:
    """A state given by its code or its name in any of the site's languages."""
    wanted = text.strip().lower()
    if not wanted:
        return None
    for state in OrderState:
        if wanted == state.value:
            return state.value
        for language in ("en", "ru", "vi"):
            with translation.override(language):
                if wanted == str(state.label).lower():
                    return state.value
    return None


def _order(supplier: Organization, reference: tuple[str, str]) -> Order | None:
    ident, number = reference
    orders = Order.objects.filter(supplier=supplier)
    if ident.isdigit():
        found = orders.filter(pk=int(ident)).first()
        if found is not None:
            return found
    matches = list(orders.filter(number=number or ident)[:2]) if (number or ident) else []
    return matches[0] if len(matches) == 1 else None


@transaction.atomic
def _move(order: Order, wanted: _Wanted, actor: Actor) -> int:
    """Make the moves from the order's state to the wanted one; how many were made."""
    steps = _steps(order.state, wanted.state)
    for step in steps:
        note = wanted.note if step in (OrderState.SHIPPED, OrderState.REJECTED) else ""
        if step == OrderState.SHIPPED and not note:
            note = _("Shipped in 1C.")
        order = order_transition(order=order, to=step, actor=actor, comment=note)
    return len(steps)


def _steps(current: str, target: str) -> list[str]:
    if current == target:
        return []
    if target in ROAD and (current in PAST_SHIPPED or (current in ROAD and ROAD.index(current) > ROAD.index(target))):
        return []  # already there or further on
    if target in ROAD and current in ROAD:
        return ROAD[ROAD.index(current) + 1 : ROAD.index(target) + 1]
    return [target]  # the table says whether it may be made (and why not)


def _refuse(result: Applied, what, reason: str) -> None:
    label = what if isinstance(what, str) else (what[1] or what[0])
    line = _("Order %(order)s: not changed: %(reason)s") % {"order": label, "reason": reason}
    log.info("1C exchange: %s", line)
    result.refused += 1
    result.lines.append(line)
