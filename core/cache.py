"""A Redis cache that survives a Redis outage.

Nothing the system must remember lives in the cache (sessions, login lockouts, grants and the audit log are in
the database), so when Redis is unreachable a cache call degrades instead of failing the request: a read is a
miss, a write is dropped, `add` reports "not stored" (so a lock taken through the cache fails closed). The
error is logged at most once every LOG_EVERY seconds, and for DOWN_SECONDS after a failure the process does not
try Redis again, so an outage costs one short connect timeout per process, not one per call.

settings.CACHES gives the client short socket timeouts (socket_connect_timeout / socket_timeout in OPTIONS).
"""

from __future__ import annotations

import functools
import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
DOWN_SECONDS = 5.0  # after a failure, answer without trying Redis for this long
LOG_EVERY = 60.0


def _degrade(fallback):
    """Run the real method; on an outage return fallback(self, *args, **kwargs) instead."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if time.monotonic() < self._down_until:
                return fallback(self, *args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except OUTAGE_ERRORS as exc:
                self._outage(method.__name__, exc)
                return fallback(self, *args, **kwargs)

        return wrapper

    return decorate


def _none(self, *args, **kwargs):
    return None


def _false(self, *args, **kwargs):
    return False


def _default(self, key, default=None, version=None):
    return default


def _empty(self, *args, **kwargs):
    return {}


def _all_failed(self, data, *args, **kwargs):
    return list(data)


def _missing(self, key, delta=1, version=None):
    raise ValueError(f"缓存不可用，键“{key}”不存在。")


class TolerantRedisCache(RedisCache):
    """django.core.cache.backends.redis.RedisCache, degrading to a miss / no-op while Redis is unreachable."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._down_until = 0.0
        self._last_log = 0.0
        self._lock = threading.Lock()

    def _outage(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            self._down_until = now + DOWN_SECONDS
            if now - self._last_log >= LOG_EVERY:
                self._last_log = now
                log.warning("Redis cache unavailable (%s: %r): serving without the cache", operation, exc)

    @property
    def available(self) -> bool:
        """False while the last failure is recent (the next call does not try Redis)."""
        return time.monotonic() >= self._down_until

    @_degrade(_false)
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().add(key, value, timeout, version)

    @_degrade(_default)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_degrade(_none)
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set(key, value, timeout, version)

    @_degrade(_false)
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return super().touch(key, timeout, version)

    @_degrade(_false)
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_degrade(_empty)
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_degrade(_false)
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    @_degrade(_missing)
    def incr(self, key, delta=1, version=None):
        return super().incr(key, delta, version)

    @_degrade(_all_failed)
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set_many(data, timeout, version)

    @_degrade(_none)
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    @_degrade(_none)
    def clear(self):
        return super().clear()
