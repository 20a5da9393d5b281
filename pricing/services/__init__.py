"""Writes of price lists and the catalog, one module per job:

- ``uploads``: the life of an upload as the supplier drives it (keep, read again, discard, bad
  rows) and the API's all-or-nothing ``price_list_import``;
- ``claims``: one run at a time per upload (the conditional-UPDATE claim, heartbeat, requeue);
- ``processing``: reading a claimed upload's file through the importers;
- ``staging``: its chunks into a draft version (COPY by a thread of its own, or in turn);
- ``versions``: drafts, partial merge and diff, moved-price warnings, publish;
- ``catalog``: the buyer's products and the mapping of suppliers' SKUs onto them;
- ``exchange``: the 1C exchange's catalog: which 1C price type goes to which buyer, and
  ``import.xml`` + ``offers.xml`` published as one version per price type (``pricing.exchange_1c``).

The moves of an upload are the table in ``pricing.transitions``; the task queue's side is
``pricing.tasks``.
"""

from .catalog import mapping_delete, mapping_set, mappings_auto, product_create, product_update
from .claims import price_upload_claim, price_upload_requeue_stale, price_uploads_to_dispatch
from .processing import price_upload_process
from .uploads import (
    ImportRejected,
    bad_rows_csv,
    column_profile_remember,
    price_list_import,
    price_list_queue,
    price_upload_create,
    price_upload_discard,
    price_upload_remap,
    reads_quickly,
)
from .versions import PUBLISH_RACE, price_upload_publish

__all__ = [
    "PUBLISH_RACE",
    "ImportRejected",
    "bad_rows_csv",
    "column_profile_remember",
    "mapping_delete",
    "mapping_set",
    "mappings_auto",
    "price_list_import",
    "price_list_queue",
    "price_upload_claim",
    "price_upload_create",
    "price_upload_discard",
    "price_upload_process",
    "price_upload_publish",
    "price_upload_remap",
    "price_upload_requeue_stale",
    "price_uploads_to_dispatch",
    "product_create",
    "product_update",
    "reads_quickly",
]
