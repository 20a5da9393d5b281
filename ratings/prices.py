"""The price criterion's data: what each supplier charged or offered for the buyer's catalog
products, compared with the median of the *other* suppliers for the same product and currency.

Prices come from a list of sources, each a function ``(buyer) -> DataFrame`` with the columns
``supplier_id``, ``product_id``, ``currency``, ``price``, ``spend``: order lines, active price lists
and auction bids (``auctions.selectors.bid_prices_for_rating``, read without importing the app).
PostgreSQL reads and means all three in one statement; elsewhere pandas does, with the same figures.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import numpy as np
import pandas as pd
from django.db import connection

from cabinet.selectors import order_line_prices_for_rating
from pricing.selectors import base_prices_for_rating, mapping_list

COLUMNS = ["supplier_id", "product_id", "currency", "price", "spend"]


def _frame(rows, rename: dict[str, str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(rows))
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame = frame.rename(columns=rename or {})
    if "spend" not in frame:
        frame["spend"] = 0.0
    return frame[COLUMNS]


def from_orders(buyer) -> pd.DataFrame:
    return _frame(order_line_prices_for_rating(buyer=buyer), {"avg_price": "price"})


def from_price_lists(buyer) -> pd.DataFrame:
    """Base prices of the active price lists, for SKUs mapped to the buyer's catalog."""
    item_columns = ["supplier_id", "sku", "currency", "price"]
    items = base_prices_for_rating(buyer=buyer).values_list("supplier_id", "sku", "currency_code", "base_price")
    items = pd.DataFrame(list(items), columns=item_columns)
    mapped = mapping_list(buyer=buyer).order_by().values_list("supplier_id", "supplier_sku", "product_id")
    mappings = pd.DataFrame(list(mapped), columns=["supplier_id", "sku", "product_id"])
    joined = items.merge(mappings, on=["supplier_id", "sku"])
    joined["spend"] = 0.0
    return joined[COLUMNS]


def from_auction_bids(buyer) -> pd.DataFrame:
    """Best bids per supplier and product, once the auctions app provides them (no error before)."""
    read = _bid_reader()
    return _frame(read(buyer=buyer)) if read else _frame([])


SOURCES: list[Callable[[object], pd.DataFrame]] = [from_orders, from_price_lists, from_auction_bids]


def _median_of_others(frame: pd.DataFrame) -> np.ndarray:
    """For each row of ``frame`` (sorted by group then price), the median price of the other rows
    of its (product, currency) group; NaN where it has no other row."""
    prices = frame["price"].to_numpy(dtype=float)
    groups = frame.groupby(["product_id", "currency"], sort=False)
    size = groups["price"].transform("size").to_numpy()
    position = groups.cumcount().to_numpy()
    start = np.arange(len(frame)) - position
    others = size - 1
    odd = others % 2 == 1
    low = np.where(odd, (others - 1) // 2, others // 2 - 1).clip(min=0)
    high = np.where(odd, (others - 1) // 2, others // 2).clip(min=0)

    def price_at(k: np.ndarray) -> np.ndarray:  # k-th price of the group once this row is removed
        index = (start + k + (k >= position)).clip(max=len(frame) - 1)
        return prices[index]

    median = (price_at(low) + price_at(high)) / 2
    return np.where(others >= 1, median, np.nan)


def _bid_reader():
    try:
        selectors = importlib.import_module("auctions.selectors")
    except ImportError:
        return None
    return getattr(selectors, "bid_prices_for_rating", None)


# The whole criterion in one statement for PostgreSQL. ``src``: the sources' rows (orders, price
# lists joined to the SKU mapping, auction bids); ``per``: one mean price per supplier, product and
# currency and its spend (the pandas path's groupby); ``ranked``: each row's place in its (product,
# currency) group by price, and which two places of the *others* hold their median (the same index
# arithmetic as ``_median_of_others``); ``compared``: that median, read with ``nth_value`` (the
# k-th of the others is the group's k-th, or the next one past the row itself); then per supplier
# the spend-weighted mean of price / median (a product weighs its spend, at least 1), as
# ``_compare`` does. Only one row per supplier leaves the database.
_RATIOS_SQL = """
WITH src AS (
    SELECT o.supplier_id, o.product_id, o.currency, o.avg_price::float8 AS price, o.spend::float8 AS spend
      FROM ({orders}) AS o
    UNION ALL
    SELECT b.supplier_id, m.product_id, b.currency_code, b.base_price::float8, 0.0
      FROM ({bases}) AS b
      JOIN ({mappings}) AS m ON m.supplier_id = b.supplier_id AND m.supplier_sku = b.sku{bids}
), per AS (
    SELECT supplier_id, product_id, currency, avg(price) AS price, coalesce(sum(spend), 0.0) AS spend
      FROM src
     GROUP BY supplier_id, product_id, currency
    HAVING avg(price) > 0
), ranked AS (
    SELECT supplier_id, product_id, currency, price, spend, size, pos,
           CASE WHEN (size - 1) %% 2 = 1 THEN (size - 2) / 2 ELSE greatest((size - 1) / 2 - 1, 0) END AS lo,
           CASE WHEN (size - 1) %% 2 = 1 THEN (size - 2) / 2 ELSE (size - 1) / 2 END AS hi,
           greatest(group_spend, 1.0) AS weight
      FROM (SELECT per.*, count(*) OVER g AS size, sum(spend) OVER g AS group_spend,
                   row_number() OVER (g ORDER BY price, supplier_id) - 1 AS pos
              FROM per WINDOW g AS (PARTITION BY product_id, currency)) AS counted
     WHERE size > 1
), compared AS (
    SELECT supplier_id, price, weight,
           (nth_value(price, (lo + (lo >= pos)::int + 1)::int) OVER w
            + nth_value(price, (hi + (hi >= pos)::int + 1)::int) OVER w) / 2 AS median
      FROM ranked
    WINDOW w AS (PARTITION BY product_id, currency ORDER BY price, supplier_id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
SELECT supplier_id, sum(price / median * weight) / sum(weight) AS price_ratio, count(*) AS price_products
  FROM compared
 WHERE median > 0
 GROUP BY supplier_id
"""


def _sql_of(queryset) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def _ratios_in_sql(buyer) -> pd.DataFrame:
    orders, orders_params = _sql_of(order_line_prices_for_rating(buyer=buyer))
    bases, bases_params = _sql_of(base_prices_for_rating(buyer=buyer))
    mapped = mapping_list(buyer=buyer).order_by().values("supplier_id", "supplier_sku", "product_id")
    mappings, mappings_params = _sql_of(mapped)
    params = orders_params + bases_params + mappings_params
    bids = ""
    read_bids = _bid_reader()
    if read_bids is not None:
        bid_sql, bid_params = _sql_of(read_bids(buyer=buyer).order_by())
        bids = f"\n    UNION ALL\n    SELECT a.supplier_id, a.product_id, a.currency, a.price::float8, 0.0 FROM ({bid_sql}) AS a"
        params += bid_params
    sql = _RATIOS_SQL.format(orders=orders, bases=bases, mappings=mappings, bids=bids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=["supplier_id", "price_ratio", "price_products"]).set_index("supplier_id")
    return frame.astype({"price_ratio": float, "price_products": int})


def price_ratios(buyer, sources=None) -> pd.DataFrame:
    """Per supplier: ``price_ratio`` (its price / the others' median, spend-weighted over products)
    and ``price_products`` (how many products were compared). Index: supplier id.

    On PostgreSQL, with the default sources (auction bids among them), one SQL statement reads the
    sources and compares them (``_RATIOS_SQL``); elsewhere, or with other ``sources``, the sources'
    frames are read and compared in pandas (``_compare``). A test holds the two paths to the same
    figures."""
    if sources is None and connection.vendor == "postgresql":
        return _ratios_in_sql(buyer)
    frames = [source(buyer) for source in (sources or SOURCES)]
    data = pd.concat([f for f in frames if not f.empty] or [_frame([])], ignore_index=True)
    if data.empty:
        return _compare(data)
    data["price"] = data["price"].astype(float)
    data["spend"] = data["spend"].astype(float).fillna(0.0)
    # One price per supplier, product and currency: the mean over sources; its spend summed.
    data = data.groupby(["supplier_id", "product_id", "currency"], as_index=False).agg(
        price=("price", "mean"), spend=("spend", "sum")
    )
    data = data[data["price"] > 0].sort_values(["product_id", "currency", "price"], kind="stable")
    return _compare(data.reset_index(drop=True))


def _compare(data: pd.DataFrame) -> pd.DataFrame:
    """``price_ratios`` from one row per supplier, product and currency with a positive mean
    ``price`` and its ``spend``, sorted by product, currency and price."""
    if data.empty:
        return pd.DataFrame(columns=["price_ratio", "price_products"])
    data["median"] = _median_of_others(data)
    data = data[data["median"] > 0].copy()
    # A product weighs what the buyer spends on it in that currency, at least 1.
    data["weight"] = data.groupby(["product_id", "currency"])["spend"].transform("sum").clip(lower=1.0)
    data["weighted"] = data["price"] / data["median"] * data["weight"]
    per_supplier = data.groupby("supplier_id").agg(
        weighted=("weighted", "sum"), weight=("weight", "sum"), price_products=("product_id", "size")
    )
    per_supplier["price_ratio"] = per_supplier["weighted"] / per_supplier["weight"]
    return per_supplier[["price_ratio", "price_products"]]
