"""The life of a price upload, written once as data. The services (and the conditional UPDATEs of
the claim protocol), the buttons of the preview page and its 409-style refusals all read this table.

    queued → processing (the site: a run claims it, the page for a small file or the task queue)
    processing → ready | invalid | failed (the run's verdict) | queued (its run went silent)
    ready → published (supplier)
    ready, invalid, failed → queued (supplier: read again with other columns)
    queued, ready, invalid, failed → discarded (supplier)
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.models import OrganizationKind, Perm
from marketplace.statemachine import Move, StateMachine, TransitionNotAllowed

from .models import PriceUpload, UploadStatus

SUPPLIER = OrganizationKind.SUPPLIER
QUEUED, PROCESSING, READY, INVALID, PUBLISHED, DISCARDED, FAILED = (
    UploadStatus.QUEUED,
    UploadStatus.PROCESSING,
    UploadStatus.READY,
    UploadStatus.INVALID,
    UploadStatus.PUBLISHED,
    UploadStatus.DISCARDED,
    UploadStatus.FAILED,
)
READ = (READY, INVALID, FAILED)  # a run has given its verdict


def _supplier_move(source: str, target: str, label, **options) -> Move:
    return Move(source, target, side=SUPPLIER, label=label, permission=Perm.WORK, **options)


UPLOAD = StateMachine(
    [
        Move(QUEUED, PROCESSING),
        *(Move(PROCESSING, verdict) for verdict in READ),
        Move(PROCESSING, QUEUED),
        _supplier_move(READY, PUBLISHED, _("Publish")),
        *(_supplier_move(state, QUEUED, _("Read again with these columns")) for state in READ),
        *(_supplier_move(state, DISCARDED, _("Discard"), style="secondary") for state in (QUEUED, *READ)),
    ],
    states=UploadStatus,
    name="price upload",
)


def sources(target: str, side: str | None = None) -> list[str]:
    """The states from which ``side`` (None: the site) may move an upload to ``target``: what a
    conditional UPDATE of the claim protocol filters on."""
    return [m.source for m in UPLOAD.moves if m.target == target and m.side == side]


def check(upload: PriceUpload, *, to: str, actor=None) -> Move:
    """The supplier's move of ``upload`` to ``to`` (the site's when ``actor`` is None), or
    ``TransitionNotAllowed``: in the supplier's words where the state says more than the table."""
    side = None if actor is None else SUPPLIER
    reason = _why_not(upload, to) if side and UPLOAD.find(upload.status, to, side) is None else None
    if reason:
        raise TransitionNotAllowed(reason, allowed=sorted(allowed_targets(upload, actor)))
    return UPLOAD.check(upload, state=upload.status, to=to, side=side, actor=actor)


def _why_not(upload: PriceUpload, to: str) -> str | None:
    status = {"status": upload.get_status_display()}
    if to == PUBLISHED:
        if upload.status == INVALID:
            return gettext("The file has errors; nothing was published. Fix them and upload it again.")
        return gettext("This upload cannot be published (it is %(status)s).") % status
    if to == DISCARDED:
        if upload.status == PROCESSING:
            return gettext("This upload is being read; discard it when it is done.")
        return gettext("This upload is already %(status)s.") % status
    if to == QUEUED:
        return gettext("This upload can no longer be changed.")
    return None


def allowed_targets(upload: PriceUpload, actor) -> set[str]:
    """What the supplier's buttons offer now."""
    return {m.target for m in UPLOAD.allowed(upload, upload.status, SUPPLIER, actor)}


__all__ = ["UPLOAD", "TransitionNotAllowed", "allowed_targets", "check", "sources"]
