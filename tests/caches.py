"""The cache in tests: each pytest-xdist worker has its own key prefix on the shared Redis, and
``clear_cache()`` deletes only this worker's keys (Django's ``RedisCache.clear()`` flushes the
whole database: another worker's rate-limit counts and channel groups with it)."""

from __future__ import annotations

from django.core.cache import cache


def clear_cache() -> None:
    client_of = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client_of is None:  # not Redis: the local-memory cache is this process's alone
        cache.clear()
        return
    client = client_of(write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
