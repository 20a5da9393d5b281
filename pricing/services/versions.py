"""Versions: a draft for an upload, the partial merge and the diff against the active version
(set-based, in SQL), the warnings about prices that moved too far, and the publish that flips the
draft to active and the previous version to superseded in one transaction."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace import events
from marketplace.actors import Actor
from marketplace.models import Organization
from marketplace.selectors import active_buyers, is_active_partner

from .. import transitions
from ..models import (
    ChangeKind,
    PriceChange,
    PriceList,
    PriceListStatus,
    PriceUpload,
    UploadMode,
    UploadStatus,
)
from .catalog import mappings_auto
from .rows import ITEM_COLUMNS, MAX_STORED_WARNINGS, as_text

PERCENT_CAP = 9_999_999_999
PUBLISH_RACE = "publish_race"  # the error code of a publish another one overtook (the API's 409)


def active_for(supplier: Organization, audience: Organization | None) -> PriceList | None:
    return PriceList.objects.active().filter(supplier=supplier, audience=audience).first()


def draft_create(upload: PriceUpload, currencies: set[str]) -> PriceList:
    """The version an upload's rows are staged into; nobody else sees it until it is published."""
    currency = upload.currency or (sorted(currencies)[0] if currencies else "")
    if not currency:
        raise ValidationError(
            {"currency": _("The file gives no currency: choose the currency of its prices, e.g. RUB, USD or VND.")}
        )
    draft = PriceList(
        supplier=upload.supplier,
        audience=upload.audience,
        status=PriceListStatus.DRAFT,
        mode=upload.mode,
        currency=currency,
        valid_from=upload.valid_from,
        valid_to=upload.valid_to,
        channel=upload.channel,
        uploaded_by=upload.uploaded_by,
        api_key=upload.api_key,
        source_name=upload.filename or _("API items"),
        previous=active_for(upload.supplier, upload.audience),
    )
    draft.full_clean()
    draft.save()
    return draft


def draft_finish(draft: PriceList, staged: int) -> None:
    """Merge a partial upload onto the active version, then diff the draft against it."""
    previous = draft.previous
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two big lists hash-joined in memory rather than in batches on disk.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
            # A version is a small part of the items table (every version of every supplier, and
            # the dead rows of deleted drafts): read both through the (list, sku, min_qty) index,
            # never by scanning the table, whatever the statistics of a just-loaded draft say.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("ANALYZE pricing_priceitem")
        merged = _merge(cursor, draft, previous) if previous is not None and draft.mode == UploadMode.PARTIAL else 0
        _diff(cursor, draft, previous)
        cursor.execute(
            "SELECT kind, COUNT(*) FROM pricing_pricechange WHERE price_list_id = %s GROUP BY kind", [draft.pk]
        )
        counts = dict(cursor.fetchall())
    draft.rows = staged + merged
    # a first version: every row is new, and its rows say so without a copy in the changes
    draft.added = counts.get(ChangeKind.ADDED, 0) if previous is not None else draft.rows
    draft.removed = counts.get(ChangeKind.REMOVED, 0)
    draft.price_up = counts.get(ChangeKind.UP, 0)
    draft.price_down = counts.get(ChangeKind.DOWN, 0)
    draft.save(update_fields=["rows", "added", "removed", "price_up", "price_down"])


def _merge(cursor, draft: PriceList, previous: PriceList) -> int:
    """The rows of the active version that a partial upload does not hold, copied into the draft."""
    cursor.execute(
        f"""INSERT INTO pricing_priceitem (price_list_id, {", ".join(ITEM_COLUMNS)})
        SELECT %s, {", ".join("p." + c for c in ITEM_COLUMNS)} FROM pricing_priceitem p
        WHERE p.price_list_id = %s AND NOT EXISTS (
            SELECT 1 FROM pricing_priceitem n
            WHERE n.price_list_id = %s AND n.sku = p.sku AND n.min_qty = p.min_qty)""",
        [draft.pk, previous.pk, draft.pk],
    )
    return cursor.rowcount


def _diff(cursor, draft: PriceList, previous: PriceList | None) -> None:
    cursor.execute("DELETE FROM pricing_pricechange WHERE price_list_id = %s", [draft.pk])
    if previous is None:
        return
    # One full join of the two versions: added (no old row), removed (no new row), up / down.
    cursor.execute(
        f"""INSERT INTO pricing_pricechange
            (price_list_id, kind, row, sku, name, min_qty, old_price, new_price, percent)
        SELECT %s,
            CASE WHEN p.id IS NULL THEN 'added' WHEN n.id IS NULL THEN 'removed'
                 WHEN n.price > p.price THEN 'up' ELSE 'down' END,
            n.row, COALESCE(n.sku, p.sku), COALESCE(n.name, p.name), COALESCE(n.min_qty, p.min_qty),
            p.price, n.price,
            CASE WHEN p.id IS NULL OR n.id IS NULL OR p.price = 0 THEN NULL
                 WHEN (n.price - p.price) * 100 / p.price > {PERCENT_CAP} THEN {PERCENT_CAP}
                 ELSE ROUND((n.price - p.price) * 100 / p.price, 2) END
        FROM (SELECT id, row, sku, name, min_qty, price FROM pricing_priceitem WHERE price_list_id = %s) n
        FULL OUTER JOIN (SELECT id, sku, name, min_qty, price FROM pricing_priceitem WHERE price_list_id = %s) p
            ON p.sku = n.sku AND p.min_qty = n.min_qty
        WHERE p.id IS NULL OR n.id IS NULL OR p.price <> n.price""",
        [draft.pk, draft.pk, previous.pk],
    )


def moved_warnings(draft: PriceList) -> tuple[list[dict], int]:
    """The rows whose price moved more than ``PRICE_LIST_WARN_PERCENT`` since the active version
    (the first ``MAX_STORED_WARNINGS`` of them) and how many there are."""
    limit = Decimal(str(settings.PRICE_LIST_WARN_PERCENT))
    moved = PriceChange.objects.filter(price_list=draft, kind__in=[ChangeKind.UP, ChangeKind.DOWN]).filter(
        percent__isnull=False
    )
    moved = moved.filter(percent__gt=limit) | moved.filter(percent__lt=-limit)
    rows = [
        {
            "row": change.row,
            "column": "price",
            "value": as_text(change.new_price),
            "message": _("Price moved %(percent)s%% since the active version (was %(old)s).")
            % {"percent": f"{change.percent:+}", "old": as_text(change.old_price)},
        }
        for change in moved.order_by("row")[:MAX_STORED_WARNINGS]
    ]
    return rows, moved.count()


@transaction.atomic
def price_upload_publish(*, upload: PriceUpload, actor: Actor) -> PriceList:
    """Make the staged draft the active version; the previous one is superseded. All or nothing."""
    Organization.objects.select_for_update().filter(pk=upload.supplier_id).first()  # one publish per supplier at a time
    upload = PriceUpload.objects.select_for_update(of=("self",)).select_related("draft", "supplier").get(pk=upload.pk)
    transitions.check(upload, to=UploadStatus.PUBLISHED, actor=actor)
    draft = upload.draft
    if draft is None:  # a ready upload always has one; a row edited by hand might not
        raise ValidationError(
            _("This upload cannot be published (it is %(status)s).") % {"status": upload.get_status_display()}
        )
    if draft.audience_id and not is_active_partner(buyer=draft.audience, supplier=upload.supplier):
        raise ValidationError(_("The partnership with this buyer is no longer active."))
    current = active_for(upload.supplier, draft.audience)
    if (current.pk if current else None) != draft.previous_id:
        raise ValidationError(
            _("Another version was published after this preview. Check the file again before publishing it."),
            code=PUBLISH_RACE,
        )
    now = timezone.now()
    if current is not None:
        current.status = PriceListStatus.SUPERSEDED
        current.save(update_fields=["status"])
    last = PriceList.objects.filter(supplier=upload.supplier).exclude(version=None).order_by("-version").first()
    draft.version = (last.version if last else 0) + 1
    draft.status = PriceListStatus.ACTIVE
    draft.published_at = now
    draft.full_clean()
    draft.save(update_fields=["version", "status", "published_at"])
    upload.status = UploadStatus.PUBLISHED
    upload.published = draft
    upload.finished_at = now
    upload.save(update_fields=["status", "published", "finished_at"])
    buyers = [draft.audience] if draft.audience_id else list(active_buyers(supplier=upload.supplier))
    for buyer in buyers:
        mappings_auto(buyer=buyer, supplier=upload.supplier, price_list=draft)
    events.publish("price_list_published", price_list_id=draft.pk, buyer_ids=[buyer.pk for buyer in buyers])
    return draft
